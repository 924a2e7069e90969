use std::io::Write;

use chrono::TimeZone;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::canonical_events;
use crate::snapshot::RootEventKind;

fn opts() -> LogOptions {
    LogOptions {
        start: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap(),
        jobs: 2,
        max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        max_kept: MAX_KEPT,
    }
}

fn canonical(id: &str) -> Value {
    canonical_events::all()
        .iter()
        .find(|e| e.id == id)
        .unwrap()
        .record
        .clone()
}

fn doc(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn every_canonical_record() -> Vec<Value> {
    canonical_events::all().iter().map(|e| e.record.clone()).collect()
}

/// The canonical events that are root acting (not a service on root's behalf).
fn canonical_root_events() -> u64 {
    canonical_events::all()
        .iter()
        .filter(|e| e.root && e.noise.is_none())
        .count() as u64
}

#[test]
fn a_records_document_yields_root_events_and_counts_service_events() {
    let scan = scan_bytes("a.json", &doc(&every_canonical_record()), &opts());
    assert_eq!(scan.stats.records, canonical_events::all().len() as u64);
    assert_eq!(scan.stats.records_unreadable, 0, "{:?}", scan.problems);
    let acct = &scan.accounts["111122223333"];
    let kinds: Vec<RootEventKind> = acct.events.iter().map(|e| e.kind).collect();
    // Two sign-ins, two key calls, two console actions and an AssumeRoot session.
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    assert_eq!(scan.stats.root_events, canonical_root_events());
    assert_eq!(scan.stats.service_events, 2);
    assert_eq!(acct.service_events["support.amazonaws.com"], 1);
    assert_eq!(acct.service_events["cloudformation.amazonaws.com"], 1);
}

#[test]
fn a_record_without_user_identity_is_reported_with_its_index_and_skipped() {
    let mut records = vec![
        canonical("iam-user-api-call"),
        json!({"eventTime": "2026-03-01T00:00:00Z"}),
    ];
    records.push(canonical("root-api-call-access-key"));
    let scan = scan_bytes("logs/x.json", &doc(&records), &opts());
    assert_eq!(scan.stats.records, 3);
    assert_eq!(scan.stats.records_unreadable, 1);
    assert_eq!(
        scan.problems,
        vec![LogProblem {
            file: "logs/x.json".into(),
            record: Some(1),
            message: "record has no userIdentity".into()
        }]
    );
    assert_eq!(scan.stats.root_events, 1, "the run goes on after a bad record");
}

#[test]
fn a_malformed_root_record_is_reported_not_dropped_silently() {
    let mut bad = canonical("root-console-sign-in-success");
    bad["eventTime"] = json!("last tuesday");
    let scan = scan_bytes("x.json", &doc(&[bad]), &opts());
    assert_eq!(scan.stats.records_unreadable, 1);
    assert!(scan.problems[0].message.contains("last tuesday"), "{:?}", scan.problems);
}

#[test]
fn json_lines_exports_are_read() {
    let mut text = String::new();
    for r in every_canonical_record() {
        text.push_str(&r.to_string());
        text.push('\n');
    }
    text.push('\n');
    let scan = scan_bytes("export.jsonl", text.as_bytes(), &opts());
    assert_eq!(scan.stats.records, canonical_events::all().len() as u64);
    assert_eq!(scan.stats.root_events, canonical_root_events());
    assert_eq!(scan.stats.files_unreadable, 0);
}

#[test]
fn a_non_cloudtrail_json_file_is_an_unreadable_file() {
    for (name, text) in [
        (
            "config.json",
            r#"{"awsAccountId":"111122223333","digestStartTime":"x"}"#,
        ),
        ("pretty.json", "{\n  \"name\": \"not a log\"\n}\n"),
        ("list.json", "[1, 2, 3]"),
        ("records-not-array.json", r#"{"Records": 5}"#),
    ] {
        let scan = scan_bytes(name, text.as_bytes(), &opts());
        assert_eq!(scan.stats.files_unreadable, 1, "{name}: {:?}", scan.problems);
        assert_eq!(scan.problems[0].file, name);
        assert_eq!(scan.problems[0].record, None);
    }
}

#[test]
fn a_file_without_any_cloudtrail_content_is_unreadable_not_clean() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01");
    std::fs::create_dir_all(&day).unwrap();
    let files: [(&str, Vec<u8>); 7] = [
        ("zero.json.gz", Vec::new()),
        ("zero.json", Vec::new()),
        ("blank.json", b"  \n\t\r\n".to_vec()),
        ("bom.json", b"\xef\xbb\xbf".to_vec()),
        ("empty-inside.json.gz", gz(b"")),
        ("blank-inside.json.gz", gz(b"\n\n  \n")),
        ("blank-lines.jsonl", b"\n\n\n".to_vec()),
    ];
    for (name, bytes) in &files {
        std::fs::write(day.join(name), bytes).unwrap();
    }
    let scan = scan(&[dir.path().to_path_buf()], &opts()).unwrap();
    assert_eq!(scan.stats.files, files.len() as u64);
    assert_eq!(scan.stats.files_unreadable, files.len() as u64, "{:?}", scan.problems);
    for (name, _) in &files {
        let p = scan
            .problems
            .iter()
            .find(|p| p.file.ends_with(&format!("/{name}")))
            .unwrap_or_else(|| panic!("{name} not listed: {:?}", scan.problems));
        assert!(p.message.contains("no CloudTrail records"), "{p}");
    }
    let zero = scan
        .problems
        .iter()
        .find(|p| p.file.ends_with("/zero.json.gz"))
        .unwrap();
    assert!(zero.message.contains("empty file (0 bytes)"), "{zero}");
    // A delivered log with an empty Records array is well-formed CloudTrail: it is read.
    let records = scan_bytes("records.json", br#"{"Records": []}"#, &opts());
    assert_eq!(records.stats.files_unreadable, 0, "{:?}", records.problems);
}

#[test]
fn broken_json_names_the_place_and_keeps_earlier_records() {
    let mut bytes = doc(&[canonical("root-api-call-access-key"), canonical("iam-user-api-call")]);
    bytes.truncate(bytes.len() - 40);
    let scan = scan_bytes("cut.json", &bytes, &opts());
    assert_eq!(scan.stats.files_unreadable, 1);
    let msg = &scan.problems[0].message;
    assert!(msg.contains("line 1 column"), "{msg}");
    assert!(msg.contains("1 records before it were read"), "{msg}");
    assert_eq!(scan.stats.root_events, 1);
}

#[test]
fn the_window_keeps_only_events_inside_it() {
    let o = LogOptions {
        start: Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).unwrap(),
        jobs: 1,
        ..opts()
    };
    // Canonical root events are on 2026-03-01 .. 2026-03-05.
    let scan = scan_bytes("a.json", &doc(&every_canonical_record()), &o);
    let times: Vec<String> = scan.accounts["111122223333"]
        .events
        .iter()
        .map(|e| e.event_time.to_rfc3339())
        .collect();
    assert!(
        times
            .iter()
            .all(|t| t.as_str() >= "2026-03-02" && t.as_str() < "2026-03-05"),
        "{times:?}"
    );
    assert!(scan.stats.outside_window > 0);
    assert_eq!(
        scan.stats.root_events + scan.stats.service_events + scan.stats.outside_window,
        canonical_events::all().iter().filter(|e| e.root).count() as u64
    );
}

#[test]
fn directories_are_walked_gzip_read_digests_skipped_and_truncated_files_reported() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01");
    std::fs::create_dir_all(&day).unwrap();
    let good = gz(&doc(&every_canonical_record()));
    std::fs::write(day.join("a.json.gz"), &good).unwrap();
    std::fs::write(day.join("b.json"), doc(&[canonical("iam-user-api-call")])).unwrap();
    std::fs::write(day.join("truncated.json.gz"), &good[..good.len() / 2]).unwrap();
    std::fs::write(day.join("notes.txt"), "not a log").unwrap();
    let digest = dir.path().join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1");
    std::fs::create_dir_all(&digest).unwrap();
    std::fs::write(digest.join("d.json.gz"), gz(b"{\"digest\":1}")).unwrap();

    let scan = scan(&[dir.path().to_path_buf()], &opts()).unwrap();
    assert_eq!(scan.stats.files, 3, "the .txt is not a log; the digest is skipped");
    assert_eq!(scan.stats.files_skipped, 1);
    assert_eq!(scan.stats.files_unreadable, 1);
    let p = &scan.problems[0];
    assert!(p.file.ends_with("truncated.json.gz"), "{p}");
    assert!(p.message.contains("gzip"), "{p}");
    // The records before the cut are read, as in a broken JSON file.
    let before_cut = scan_bytes("t.json.gz", &good[..good.len() / 2], &opts())
        .stats
        .root_events;
    assert_eq!(scan.stats.root_events, canonical_root_events() + before_cut);
    assert_eq!(
        scan.stats.bytes_on_disk,
        (good.len() * 3 / 2 + doc(&[canonical("iam-user-api-call")]).len()) as u64
    );
    assert!(scan.accounts_with_logs.contains("111122223333"));
}

/// A gzip of `head`, then `filler` repeated to `size` bytes, then `tail`, compressed as it is
/// generated.
fn bomb(head: &[u8], filler: &[u8], size: usize, tail: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(head).unwrap();
    let block = filler.repeat((1 << 16) / filler.len());
    let mut written = 0;
    while written < size {
        e.write_all(&block).unwrap();
        written += block.len();
    }
    e.write_all(tail).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_decompression_bomb_is_unreadable_and_the_review_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01");
    std::fs::create_dir_all(&day).unwrap();
    // 24 MiB of whitespace inside a Records array, some 100 KB on disk.
    let spaces = bomb(br#"{"Records":["#, b" ", 24 << 20, b"]}");
    assert!(spaces.len() < 1 << 20, "{}", spaces.len());
    std::fs::write(day.join("spaces.json.gz"), &spaces).unwrap();
    // 24 MiB of records that are not root's: every one is delimited, none kept.
    let user = serde_json::to_vec(&canonical("iam-user-api-call")).unwrap();
    let mut filler = user.clone();
    filler.push(b',');
    std::fs::write(
        day.join("records.json.gz"),
        bomb(br#"{"Records":["#, &filler, 24 << 20, &[&user[..], b"]}"].concat()),
    )
    .unwrap();
    std::fs::write(day.join("good.json.gz"), gz(&doc(&every_canonical_record()))).unwrap();
    let o = LogOptions {
        max_file_bytes: 8 << 20,
        ..opts()
    };
    let scan = scan(&[dir.path().to_path_buf()], &o).unwrap();
    assert_eq!(scan.stats.files, 3);
    assert_eq!(scan.stats.files_unreadable, 2, "{:?}", scan.problems);
    for name in ["spaces.json.gz", "records.json.gz"] {
        let p = scan.problems.iter().find(|p| p.file.ends_with(name)).unwrap();
        assert!(p.message.contains("more than 8 MiB uncompressed"), "{p}");
        assert!(p.message.contains("--max-log-size"), "{p}");
    }
    assert_eq!(scan.stats.root_events, canonical_root_events(), "the good file is read");
    // Reading stops at the limit: at most one chunk beyond it per bomb.
    let good = doc(&every_canonical_record()).len() as u64;
    assert!(
        scan.stats.bytes_uncompressed <= good + 2 * ((8 << 20) + (1 << 20)),
        "{:?}",
        scan.stats
    );
}

#[test]
fn a_record_or_line_beyond_the_value_limit_is_unreadable() {
    let long = bomb(br#"{"Records":[{"userAgent":""#, b"A", MAX_VALUE_BYTES + 1, br#""}]}"#);
    let scan = scan_bytes("long.json.gz", &long, &opts());
    assert_eq!(scan.stats.files_unreadable, 1);
    assert!(
        scan.problems[0].message.contains("longer than 16 MiB"),
        "{}",
        scan.problems[0]
    );
    let lines = [
        serde_json::to_vec(&canonical("root-console-sign-in-success")).unwrap(),
        b"\n".to_vec(),
        vec![b'x'; MAX_VALUE_BYTES + 1],
    ]
    .concat();
    let scan = scan_bytes("long.jsonl", &lines, &opts());
    assert_eq!(scan.stats.files_unreadable, 1);
    assert_eq!(scan.stats.root_events, 1, "the line before it is read");
}

#[test]
fn records_split_across_chunks_are_read_whole() {
    // Pretty-printed records around 1 MiB chunk boundaries, and a number at one.
    let mut records = Vec::new();
    for i in 0..3000 {
        let mut r = canonical("root-api-call-access-key");
        r["eventID"] = json!(format!("e{i}"));
        r["padding"] = json!(i);
        records.push(r);
    }
    let pretty = serde_json::to_vec_pretty(&json!({"Other": [1, 2], "Records": records, "Tail": 12345})).unwrap();
    assert!(pretty.len() > 3 << 20);
    let scan = scan_bytes("pretty.json", &pretty, &opts());
    assert_eq!(scan.stats.files_unreadable, 0, "{:?}", scan.problems);
    assert_eq!(scan.stats.root_events, 3000);
    let gzipped = scan_bytes("pretty.json.gz", &gz(&pretty), &opts());
    assert_eq!(
        gzipped.stats,
        LogStats {
            bytes_on_disk: gz(&pretty).len() as u64,
            ..scan.stats.clone()
        }
    );
}

#[test]
fn the_budget_of_kept_events_makes_the_rest_unreadable() {
    let o = LogOptions { max_kept: 3, ..opts() };
    let scan = scan_bytes("a.json", &doc(&every_canonical_record()), &o);
    assert_eq!(
        scan.stats.root_events + scan.stats.service_events,
        3,
        "{:?}",
        scan.stats
    );
    assert_eq!(scan.stats.files_unreadable, 1);
    assert!(
        scan.problems[0].message.contains("more than 3 root events"),
        "{}",
        scan.problems[0]
    );
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_unreadable_and_a_loop_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(day.join("good.json.gz"), gz(&doc(&every_canonical_record()))).unwrap();
    std::os::unix::fs::symlink("/nonexistent/gone.json.gz", day.join("gone.json.gz")).unwrap();
    std::os::unix::fs::symlink(".", day.join("again")).unwrap();
    std::os::unix::fs::symlink("..", day.join("up")).unwrap();
    let scan = scan(&[dir.path().to_path_buf()], &opts()).unwrap();
    assert_eq!(scan.stats.files, 2, "{:?}", scan.problems);
    assert_eq!(scan.stats.files_unreadable, 1);
    let p = &scan.problems[0];
    assert!(p.file.ends_with("gone.json.gz"), "{p}");
    assert!(
        p.message
            .contains("dangling symbolic link to /nonexistent/gone.json.gz"),
        "{p}"
    );
    assert_eq!(
        scan.stats.root_events,
        canonical_root_events(),
        "the good file is read once"
    );
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let err = scan(&[PathBuf::from("/nonexistent/logs")], &opts()).unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/logs: cannot read"), "{err}");
}

#[test]
fn accounts_come_from_the_s3_key_layout() {
    let p = |s: &str| account_of_path(Path::new(s));
    assert_eq!(
        p("b/AWSLogs/111122223333/CloudTrail/us-east-1/2026/x.json.gz").as_deref(),
        Some("111122223333")
    );
    assert_eq!(
        p("b/AWSLogs/o-abc123/222233334444/CloudTrail/eu-west-1/x.json.gz").as_deref(),
        Some("222233334444")
    );
    assert_eq!(p("exports/lake.jsonl"), None);
    assert_eq!(p("AWSLogs/CloudTrail/x.json"), None);
}

#[test]
fn many_workers_find_what_one_finds() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        let mut records = every_canonical_record();
        for r in &mut records {
            r["eventID"] = json!(format!("{}-{i}", r["eventID"].as_str().unwrap()));
        }
        std::fs::write(dir.path().join(format!("f{i:02}.json.gz")), gz(&doc(&records))).unwrap();
    }
    let one = scan(&[dir.path().to_path_buf()], &LogOptions { jobs: 1, ..opts() }).unwrap();
    let four = scan(&[dir.path().to_path_buf()], &LogOptions { jobs: 4, ..opts() }).unwrap();
    assert_eq!(one.stats, four.stats);
    assert_eq!(one.accounts, four.accounts);
    assert_eq!(one.stats.root_events, 12 * canonical_root_events());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes never panic, and every byte is accounted for.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let scan = scan_bytes("fuzz.json", &bytes, &opts());
        prop_assert_eq!(scan.stats.bytes_on_disk, bytes.len() as u64);
    }

    /// A real log cut anywhere (a truncated download) never panics and never invents events.
    #[test]
    fn a_log_cut_anywhere_never_panics(cut in 0usize..4000, lines in any::<bool>()) {
        let records = every_canonical_record();
        let bytes = if lines {
            records.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("\n").into_bytes()
        } else {
            doc(&records)
        };
        let cut = cut.min(bytes.len());
        let scan = scan_bytes("cut.json", &bytes[..cut], &opts());
        prop_assert!(scan.stats.root_events <= 5);
        prop_assert!(scan.stats.records <= records.len() as u64);
    }

    /// Mutated records (one byte changed) never panic.
    #[test]
    fn mutated_logs_never_panic(at in 0usize..4000, byte in any::<u8>()) {
        let mut bytes = doc(&every_canonical_record());
        let at = at % bytes.len();
        bytes[at] = byte;
        let _ = scan_bytes("m.json", &bytes, &opts());
    }
}
