//! Matcher throughput: canonical CloudTrail events per second through the CIS root-usage
//! filter (parsed JSON records and raw lines) and through an EventBridge root pattern.

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
    g.bench_function("eventbridge_root_pattern", |b| {
        b.iter(|| wrapped.iter().filter(|e| eb.matches(e)).count())
    });
    g.finish();
    c.bench_function("filter_pattern/parse_cis", |b| {
        b.iter(|| filter_pattern::parse(cis.as_str()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
