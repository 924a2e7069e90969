//! The drill in the reports: time to notify from real alarm history (the moto launcher records
//! StateUpdate and Action items as CloudWatch does) and from drill records (`--drill FILE` of
//! `evaluate`, `scan` and `activity`), the "Validation drill" section, stale and bad records.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use support::{root, rootwarden, Moto};

const FIXTURE: &str = "fixtures/snapshots/compliant-standalone.json";
const FIXTURE_ALARM: &str = "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage";

fn start() -> Option<Moto> {
    let moto = Moto::start();
    if moto.is_none() {
        eprintln!("SKIPPED: moto not available");
    }
    moto
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// `rootwarden drill --yes` of `account` in us-east-1; the record's path.
fn drill(moto: &Moto, account: &str, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("drill.json");
    let out = format!("json={}", path.display());
    let o = moto.rootwarden(&[
        "drill",
        "--accounts",
        account,
        "--regions",
        "us-east-1",
        "--quiet",
        "--wait",
        "5",
        "--yes",
        "-o",
        &out,
    ]);
    assert!(path.exists(), "no record: {}", stderr(&o));
    path
}

/// `rootwarden activity --lookup` of `account` in us-east-1 with `extra` arguments; the JSON
/// review, the text review, and the snapshot it collected.
fn activity(moto: &Moto, account: &str, dir: &Path, extra: &[&str]) -> (Value, String, std::path::PathBuf) {
    let json_out = dir.join("activity.json");
    let snap = dir.join("snapshot.json");
    let (j, s) = (format!("json={}", json_out.display()), snap.display().to_string());
    let mut args = vec![
        "activity",
        "--lookup",
        "--accounts",
        account,
        "--regions",
        "us-east-1",
        "--quiet",
        "--days",
        "1",
        "-o",
        &j,
        "-o",
        "text",
        "--snapshot-out",
        &s,
    ];
    args.extend_from_slice(extra);
    let o = moto.rootwarden(&args);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    (
        read_json(&json_out),
        String::from_utf8_lossy(&o.stdout).to_string(),
        snap,
    )
}

/// The "Time to notify" row of a findings or activity HTML page: (value, explanation).
/// `evaluate SNAPSHOT --drill RECORD...` with the HTML report written under `dir` and the text
/// report on stdout; the run (exit 0 asserted) and the HTML page.
fn evaluate_with_drills(snapshot: &str, drills: &[&str], dir: &Path) -> (std::process::Output, String) {
    let html = dir.join("r.html");
    let html_arg = format!("html={}", html.display());
    let mut args = vec!["evaluate", snapshot, "--fail-on", "none"];
    for d in drills {
        args.extend(["--drill", d]);
    }
    args.extend(["-o", html_arg.as_str(), "-o", "text"]);
    let o = rootwarden(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    (o, page)
}

fn ttn_row(html: &str) -> (String, String) {
    let doc = scraper::Html::parse_document(html);
    let tr = scraper::Selector::parse("tr").unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    doc.select(&tr)
        .map(|r| r.select(&td).map(|c| c.text().collect::<String>()).collect::<Vec<_>>())
        .find(|cells| cells.first().is_some_and(|c| c == "Time to notify"))
        .map(|c| (c[1].clone(), c[2].clone()))
        .expect("a Time to notify row")
}

#[test]
fn time_to_notify_comes_from_the_root_alarms_history_and_a_drill_is_counted_once() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let dir = tempfile::tempdir().unwrap();

    // Before this drill: the scenario's own drill is in the history (a change to ALARM whose
    // action ran).
    let (before, text, _) = activity(&moto, mgmt, dir.path(), &[]);
    let t0 = before["kpis"]["time_to_notify"].clone();
    let n0 = t0["transitions"].as_u64().unwrap();
    assert!(n0 >= 1, "{t0:#}");
    assert_eq!(
        (&t0["from_alarm_history"], &t0["failed"]),
        (&json!(n0), &json!(0)),
        "{t0:#}"
    );
    assert!(t0["median_seconds"].is_number(), "{t0:#}");
    assert!(
        text.contains("Time to notify") && text.contains("from the root alarms' history"),
        "{text}"
    );

    let record = drill(&moto, mgmt, dir.path());
    let drilled = read_json(&record);
    let secs = drilled["accounts"][0]["alarm_drills"][0]["seconds_to_action"]
        .as_f64()
        .unwrap();

    // Collection reads each root alarm's history once: the changes and their actions together.
    moto.post("/_rootwarden/calls/reset");
    let snap = dir.path().join("collected.json");
    let o = moto.rootwarden(&[
        "collect",
        "--accounts",
        mgmt,
        "--regions",
        "us-east-1",
        "--quiet",
        "-o",
        &format!("json={}", snap.display()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let history_reads = moto.server_calls()[mgmt]["cloudwatch:DescribeAlarmHistory"];
    assert_eq!(history_reads, 1, "one DescribeAlarmHistory per root alarm and region");
    let collected = read_json(&snap);
    let alarm = collected["accounts"][0]["regions"]["us-east-1"]["cloudwatch"]["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alarm_name"] == "root-account-usage")
        .unwrap()
        .clone();
    let notes = alarm["action_history"]["notifications"].as_array().unwrap();
    assert_eq!(notes.len() as u64, n0 + 1, "{alarm:#}");
    assert_eq!(notes.last().unwrap()["actions"][0]["succeeded"], true, "{alarm:#}");

    // The drill's change is in the history: with the record given too, it counts once.
    let drill_arg = record.display().to_string();
    let (after, text, snap) = activity(&moto, mgmt, dir.path(), &["--drill", &drill_arg]);
    let t = &after["kpis"]["time_to_notify"];
    assert_eq!(
        (
            &t["transitions"],
            &t["notified"],
            &t["failed"],
            &t["from_alarm_history"],
            &t["from_drills"]
        ),
        (&json!(n0 + 1), &json!(n0 + 1), &json!(0), &json!(n0 + 1), &json!(0)),
        "{t:#}"
    );
    let max = t["max_seconds"].as_f64().unwrap();
    assert!(
        (0.0..5.0).contains(&max) && (0.0..5.0).contains(&secs),
        "{t:#} drill {secs}"
    );
    let all = n0 + 1;
    assert!(
        text.contains(&format!(
            "{all} of {all} root alarm changes to ALARM ({all} from the root alarms' history)"
        )),
        "{text}"
    );

    // The findings report: the same figure in its key figures, and the drill section.
    let (o, page) = evaluate_with_drills(snap.to_str().unwrap(), &[&drill_arg], dir.path());
    let (value, why) = ttn_row(&page);
    assert!(
        value.starts_with("median ") && value.contains(" s, slowest "),
        "{value}"
    );
    assert!(why.contains("from the root alarms' history"), "{why}");
    let doc = scraper::Html::parse_document(&page);
    let rows =
        scraper::Selector::parse(&format!("table.drill[data-account=\"{mgmt}\"] tr[data-step=alarm] td")).unwrap();
    let cells: Vec<String> = doc.select(&rows).map(|c| c.text().collect()).collect();
    assert_eq!(cells[2], "passed", "{cells:?}");
    assert_eq!(cells[3], format!("{secs:.1} s"), "{cells:?}");
    assert!(cells[4].ends_with(":root-activity-alerts"), "{cells:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Validation drill"), "{text}");
    assert!(
        text.contains("alarm drill us-east-1 root-account-usage: passed"),
        "{text}"
    );
}

#[test]
fn a_failed_action_is_not_notified() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&["topic-missing"]);
    let mgmt = org.management.as_str();
    let dir = tempfile::tempdir().unwrap();
    let (before, _, _) = activity(&moto, mgmt, dir.path(), &[]);
    let t0 = before["kpis"]["time_to_notify"].clone();
    let record = drill(&moto, mgmt, dir.path());
    assert_eq!(
        read_json(&record)["accounts"][0]["alarm_drills"][0]["outcome"],
        "failed"
    );
    let (review, text, _) = activity(&moto, mgmt, dir.path(), &["--drill", record.to_str().unwrap()]);
    let t = &review["kpis"]["time_to_notify"];
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap();
    assert_eq!(n(t, "transitions"), n(&t0, "transitions") + 1, "{t0:#} {t:#}");
    assert_eq!(n(t, "failed"), n(&t0, "failed") + 1, "{t0:#} {t:#}");
    assert_eq!(n(t, "notified"), n(&t0, "notified"), "{t0:#} {t:#}");
    assert!(text.contains(&format!("{} not notified", n(t, "failed"))), "{text}");
}

/// A drill record of the fixture's root alarm that ended `days_before` days before the fixture
/// was collected, its action `seconds` after the drill.
fn fixture_drill(dir: &Path, name: &str, days_before: i64, seconds: f64) -> String {
    let collected: chrono::DateTime<chrono::Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
    let at = collected - chrono::Duration::days(days_before);
    let path = dir.join(name);
    let record = json!({
        "drill_id": format!("rwd-{name}"), "mode": "run", "started_at": at, "finished_at": at,
        "accounts": [{
            "account_id": "555566667777", "outcome": "passed", "unreadable_regions": [], "calls": [],
            "filter_checks": [{
                "region": "us-east-1", "log_group_name": "org-trail", "filter_name": "root-usage",
                "filter_pattern": "{ $.userIdentity.type = \"Root\" }", "outcome": "passed",
                "aws_counted": ["root-console-sign-in-success"], "missed": []
            }],
            "alarm_drills": [{
                "region": "us-east-1", "alarm_name": "root-account-usage", "alarm_arn": FIXTURE_ALARM,
                "actions_enabled": true, "alarm_actions": [], "outcome": "passed",
                "drilled_at": at, "state_update_at": at, "seconds_to_action": seconds,
                "actions": [], "topics": [{
                    "topic_arn": "arn:aws:sns:us-east-1:555566667777:a-topic-with-a-very-long-name-that-must-wrap-rather-than-widen-the-page",
                    "exists": true, "confirmed_subscribers": 1, "pending_subscribers": 0, "delivered": 1.0, "failed": null
                }]
            }]
        }]
    });
    std::fs::write(&path, serde_json::to_string_pretty(&record).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn a_fresh_drill_adds_to_time_to_notify_and_a_stale_one_is_flagged_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = fixture_drill(dir.path(), "fresh.json", 1, 9.0);
    let stale = fixture_drill(dir.path(), "stale.json", 45, 60.0);
    let (o, page) = evaluate_with_drills(FIXTURE, &[&fresh, &stale], dir.path());
    // The fixture's history holds one change notified after 3 s; the fresh drill adds 9 s, the
    // stale one (60 s) is left out.
    let (value, why) = ttn_row(&page);
    assert_eq!(value, "median 9.0 s, slowest 9.0 s", "{why}");
    assert!(why.contains("2 of 2") && why.contains("1 from drill records"), "{why}");
    let doc = scraper::Html::parse_document(&page);
    let stale_banner = scraper::Selector::parse(".banner.stale").unwrap();
    let banners: Vec<String> = doc.select(&stale_banner).map(|b| b.text().collect()).collect();
    assert_eq!(banners.len(), 1, "{banners:?}");
    assert!(
        banners[0].contains("rwd-stale.json") && banners[0].contains("45 days"),
        "{banners:?}"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("stale: the drill ended 45 days before"), "{text}");

    // Without a record, the fixture's history alone.
    let (_, page) = evaluate_with_drills(FIXTURE, &[], dir.path());
    let (value, _) = ttn_row(&page);
    assert_eq!(value, "median 3.0 s, slowest 3.0 s");
}

#[test]
fn a_snapshot_without_alarm_history_has_insufficient_data_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap = read_json(&root().join(FIXTURE));
    let alarm = &mut snap["accounts"][0]["regions"]["us-east-1"]["cloudwatch"]["alarms"][0];
    alarm.as_object_mut().unwrap().remove("action_history");
    let path = dir.path().join("no-history.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    let (_, page) = evaluate_with_drills(path.to_str().unwrap(), &[], dir.path());
    let (value, why) = ttn_row(&page);
    assert_eq!(value, "insufficient data", "{why}");
}

#[test]
fn a_bad_drill_record_is_exit_2_naming_the_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-drill.json");
    std::fs::write(&bad, "{\n  \"drill_id\": \"rwd-1\",\n  \"mode\": \"sideways\"\n}\n").unwrap();
    let html = dir.path().join("r.html");
    let o = rootwarden(&[
        "evaluate",
        FIXTURE,
        "--drill",
        bad.to_str().unwrap(),
        "-o",
        &format!("html={}", html.display()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad-drill.json: line 3, column"), "{err}");
    assert!(err.contains("mode") && err.contains("sideways"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!html.exists(), "no report from a bad run");

    // Not JSON at all, and a file that is not there: the same class, for `activity` too.
    std::fs::write(&bad, "drill: yes\n").unwrap();
    let missing = dir.path().join("missing.json");
    for (file, expect) in [
        (&bad, "bad-drill.json: line 1, column 1"),
        (&missing, "missing.json: cannot read file"),
    ] {
        let o = rootwarden(&[
            "activity",
            "--logs",
            "fixtures/activity/logs",
            "--snapshot",
            FIXTURE,
            "--drill",
            file.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{}", stderr(&o));
    }
}
