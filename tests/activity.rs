//! `rootwarden activity` end to end on the bundled log fixtures (fixtures/activity/), bad input,
//! and the activity section judged by RW-ACT-001 through `evaluate`.

mod support;

use std::io::Write;
use std::process::Output;

use serde_json::Value;
use support::{root, rootwarden as run};

const LOGS: &str = "fixtures/activity/logs";
const SNAPSHOT: &str = "fixtures/snapshots/compliant-org.json";
const REQUIREMENTS: &str = "fixtures/activity/requirements.yaml";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json_report(args: &[&str]) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activity.json");
    let spec = format!("json={}", path.display());
    let mut all = vec!["activity"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", &spec]);
    let out = run(&all);
    let report = std::fs::read_to_string(&path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (out, report)
}

#[test]
fn the_bundled_logs_are_reviewed_against_the_snapshot_and_exceptions() {
    let (out, r) = json_report(&["--logs", LOGS, "--snapshot", SNAPSHOT, "--requirements", REQUIREMENTS]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "unapproved root use exits 1: {}",
        stderr(&out)
    );
    assert_eq!(r["tool"]["name"], "rootwarden");
    assert_eq!(r["window_start"], "2026-08-22T08:00:00Z");
    assert_eq!(r["window_end"], "2026-11-20T08:00:00Z", "the snapshot's collected_at");
    let stats = &r["stats"];
    assert_eq!(stats["files"], 6);
    assert_eq!(stats["files_skipped"], 1, "the digest file");
    assert_eq!(stats["files_unreadable"], 0);
    assert_eq!(stats["root_events"], 6);
    assert_eq!(stats["service_events"], 3);
    assert_eq!(stats["outside_window"], 1);

    let verdicts: Vec<(String, String, String)> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account_id"].as_str().unwrap().to_string(),
                format!("{}/{}", e["kind"].as_str().unwrap(), e["event_name"].as_str().unwrap()),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("111111111111", "console_sign_in/ConsoleLogin", "approved"),
        (
            "111111111111",
            "console_action/EnableOrganizationsRootCredentialsManagement",
            "approved",
        ),
        ("222222222222", "programmatic/ListBuckets", "unapproved"),
        ("222222222222", "programmatic/CreateAccessKey", "unapproved"),
        ("222222222222", "console_sign_in/ConsoleLogin", "unapproved"),
        ("222222222222", "assume_root_session/DeleteLoginProfile", "approved"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(verdicts, want);
    assert_eq!(r["timeline"][2]["access_key_last4"], "WXYZ");
    assert_eq!(r["timeline"][5]["approved_by"]["approver"], "ciso@example.com");

    let k = &r["kpis"];
    assert_eq!(k["accounts"], 3);
    assert_eq!(k["root_sign_ins"], 2);
    assert_eq!(k["root_sign_in_failures"], 1);
    assert_eq!(k["unapproved_events"], 3);
    assert_eq!(k["accounts_with_root_use"], 2);
    // RW-ACT-001 fails in 222222222222; every other control passes everywhere.
    assert_eq!(k["policy_compliance"]["count"], 2);
    assert_eq!(k["policy_compliance"]["of"], 3);
    assert_eq!(k["root_mfa_adoption"]["percent"], 100.0);
    assert_eq!(k["time_to_detect"], Value::Null);

    let narratives: Vec<&str> = r["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["narrative"].as_str().unwrap())
        .collect();
    assert!(
        narratives[0].starts_with("Only approved break-glass use on 2026-10-14"),
        "{}",
        narratives[0]
    );
    assert!(
        narratives[1].starts_with("Unapproved root use: 3 events on 2026-11-02, 2026-11-03"),
        "{}",
        narratives[1]
    );
    assert!(
        narratives[1].ends_with("3 AWS-service events on root's behalf ignored."),
        "{}",
        narratives[1]
    );
    assert_eq!(narratives[2], "No root activity in 90 days.");
}

#[test]
fn text_and_html_show_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("a.html");
    let spec = format!("html={}", html.display());
    let out = run(&[
        "activity",
        "--logs",
        LOGS,
        "--snapshot",
        SNAPSHOT,
        "--requirements",
        REQUIREMENTS,
        "-o",
        "text",
        "-o",
        &spec,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Unapproved root events                   3"), "{text}");
    assert!(text.contains("API call ListBuckets with key …WXYZ"), "{text}");
    assert!(text.contains("UNAPPROVED"), "{text}");
    assert!(
        !text.contains("AKIAEXAMPLEROOTWXYZ"),
        "access key ids are shown by their last 4 only"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<tr class=\"unapproved\">").count(), 3);
    assert_eq!(page.matches("<tr class=\"approved\">").count(), 3);
    assert!(
        page.contains("Policy compliance (all controls pass)</td><td>66.7% (2 of 3 accounts)"),
        "{page}"
    );
    assert!(!page.contains("AKIAEXAMPLEROOTWXYZ"));
}

#[test]
fn the_activity_section_is_judged_by_rw_act_001() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("with-activity.json");
    let snap_s = snap.display().to_string();
    let out = run(&[
        "activity",
        "--logs",
        LOGS,
        "--snapshot",
        SNAPSHOT,
        "--requirements",
        REQUIREMENTS,
        "--snapshot-out",
        &snap_s,
        "-o",
        "json=-",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert!(
        !saved.to_string().contains("AKIAEXAMPLEROOTWXYZ"),
        "no full key id in the snapshot"
    );
    let eval = run(&[
        "evaluate",
        &snap_s,
        "--requirements",
        REQUIREMENTS,
        "--only",
        "RW-ACT-001",
        "-o",
        "json",
    ]);
    assert_eq!(eval.status.code(), Some(1), "{}", stderr(&eval));
    let findings: Value = serde_json::from_slice(&eval.stdout).unwrap();
    let status: Vec<(String, String)> = findings["outcomes"]
        .as_array()
        .or_else(|| findings["results"].as_array())
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["account_id"].as_str().unwrap().into(),
                o["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(status.contains(&("111111111111".into(), "pass".into())), "{status:?}");
    assert!(status.contains(&("222222222222".into(), "fail".into())), "{status:?}");
    assert!(status.contains(&("333333333333".into(), "pass".into())), "{status:?}");
    // Without the exceptions every root event is unapproved, the break-glass session included.
    let strict = run(&["evaluate", &snap_s, "--only", "RW-ACT-001", "-o", "json"]);
    let v: Value = serde_json::from_slice(&strict.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("EnableOrganizationsRootCredentialsManagement"), "{text}");
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn unreadable_files_and_records_are_named_counted_and_skipped() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/01");
    let record = |id: &str| -> Value {
        rootwarden::canonical_events::all()
            .iter()
            .find(|e| e.id == id)
            .unwrap()
            .record
            .clone()
    };
    let mut sign_in = record("root-console-sign-in-success");
    sign_in["eventTime"] = "2026-11-01T10:00:00Z".into();
    sign_in["recipientAccountId"] = "111111111111".into();
    let good = serde_json::to_vec(&serde_json::json!({"Records": [sign_in, {"eventName": "NoIdentity"}]})).unwrap();
    let gzipped = gz(&good);
    write(&dir, "good.json.gz", &gzipped);
    write(&dir, "truncated.json.gz", &gzipped[..gzipped.len() - 10]);
    write(&dir, "other.json", br#"{"hello": "world"}"#);
    let logs = d.path().display().to_string();
    let (out, r) = json_report(&["--logs", &logs, "--until", "2026-11-20", "--fail-on-incomplete"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "the sign-in is unapproved: {err}");
    assert!(
        err.contains("2 of 3 log files and 1 of 2 records could not be read"),
        "{err}"
    );
    assert_eq!(r["stats"]["files_unreadable"], 2);
    assert_eq!(r["stats"]["records_unreadable"], 1);
    let problems: Vec<String> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}#{}: {}",
                p["file"].as_str().unwrap().rsplit('/').next().unwrap(),
                p["record"],
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("good.json.gz#1: record has no userIdentity")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("other.json#null: not a CloudTrail log")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("truncated.json.gz#null: truncated or corrupt gzip")),
        "{problems:?}"
    );
    assert_eq!(r["accounts"][0]["complete"], false);

    // Without unapproved use, an incomplete review exits 3 under --fail-on-incomplete.
    std::fs::remove_file(dir.join("good.json.gz")).unwrap();
    let (out, r) = json_report(&["--logs", &logs, "--until", "2026-11-20", "--fail-on-incomplete"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        r["accounts"][0]["narrative"].as_str().unwrap().contains("Incomplete"),
        "{r}"
    );
}

#[test]
fn an_account_without_logs_is_incomplete_not_clean() {
    let d = tempfile::tempdir().unwrap();
    write(
        &d.path().join("AWSLogs/222222222222/CloudTrail/us-east-1"),
        "a.json",
        br#"{"Records": []}"#,
    );
    let logs = d.path().display().to_string();
    let (out, r) = json_report(&["--logs", &logs, "--snapshot", SNAPSHOT]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let complete: Vec<(String, bool)> = r["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account_id"].as_str().unwrap().into(),
                a["complete"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        complete,
        [
            ("111111111111".into(), false),
            ("222222222222".into(), true),
            ("333333333333".into(), false)
        ]
    );
}

fn assert_usage_error(args: &[&str], needle: &str) {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_flags_and_paths_are_usage_errors() {
    assert_usage_error(&["activity"], "nothing to review");
    assert_usage_error(
        &["activity", "--logs", "/nonexistent/trail"],
        "/nonexistent/trail: cannot read",
    );
    assert_usage_error(&["activity", "--logs", LOGS, "--days", "0"], "--days");
    assert_usage_error(&["activity", "--lookup", "--days", "120"], "keeps 90 days");
    assert_usage_error(&["activity", "--logs", LOGS, "--until", "next week"], "neither a date");
    assert_usage_error(
        &["activity", "--logs", LOGS, "-o", "sarif"],
        "expected text, json or html",
    );
    assert_usage_error(
        &["activity", "--logs", LOGS, "--snapshot-out", "x.json"],
        "--snapshot-out needs a snapshot",
    );
    assert_usage_error(&["activity", "--logs", LOGS, "--jobs", "0"], "--jobs");
    assert_usage_error(
        &[
            "activity",
            "--logs",
            LOGS,
            "--requirements",
            "fixtures/snapshots/compliant-org.json",
        ],
        "compliant-org.json",
    );
    assert_usage_error(&["scan", "--activity", "200"], "--activity");
    let _ = root();
}
