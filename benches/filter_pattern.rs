//! Matcher throughput: canonical CloudTrail events per second through the CIS root-usage
//! filter (parsed JSON records and raw lines), through the same filter written with regular
//! expressions (`%...%`) and as one standalone regular expression, and through an EventBridge
//! root pattern; and the cost of parsing each filter (for a regular expression, checking it
//! against AWS's subset and compiling it).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rootwarden::{canonical_events, event_pattern, filter_pattern};

fn bench(c: &mut Criterion) {
    let events = canonical_events::all();
    let records: Vec<_> = events.iter().map(|e| e.record.clone()).collect();
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    let wrapped: Vec<_> = events.iter().map(|e| e.eventbridge()).collect();
    let cis = filter_pattern::parse(
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    )
    .unwrap();
    let regex_json = filter_pattern::parse(
        r#"{ $.userIdentity.type = %^Root$% && $.userIdentity.invokedBy NOT EXISTS && $.eventType != %^AwsService% }"#,
    )
    .unwrap();
    let regex_standalone = filter_pattern::parse(r"%\x22type\x22:\x22Root\x22%").unwrap();
    let eb = event_pattern::parse(
        r#"{"detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": false}]}}}"#,
    )
    .unwrap();
    let mut g = c.benchmark_group("filter_pattern");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("cis_json_events", |b| {
        b.iter(|| records.iter().filter(|r| cis.matches_event(r)).count())
    });
    g.bench_function("cis_raw_lines", |b| {
        b.iter(|| lines.iter().filter(|l| cis.matches_line(l)).count())
    });
    g.bench_function("regex_json_events", |b| {
        b.iter(|| records.iter().filter(|r| regex_json.matches_event(r)).count())
    });
    g.bench_function("regex_standalone_raw_lines", |b| {
        b.iter(|| lines.iter().filter(|l| regex_standalone.matches_line(l)).count())
    });
    g.bench_function("eventbridge_root_pattern", |b| {
        b.iter(|| wrapped.iter().filter(|e| eb.matches(e)).count())
    });
    g.finish();
    c.bench_function("filter_pattern/parse_cis", |b| {
        b.iter(|| filter_pattern::parse(cis.as_str()).unwrap())
    });
    c.bench_function("filter_pattern/parse_regex_json", |b| {
        b.iter(|| filter_pattern::parse(regex_json.as_str()).unwrap())
    });
    c.bench_function("filter_pattern/parse_regex_standalone", |b| {
        b.iter(|| filter_pattern::parse(regex_standalone.as_str()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
