//! `rootwarden remediate` against a real AWS-compatible server (moto, see tests/moto/): a
//! broken monitoring chain is planned, applied, re-scanned to all pass, and applied again as a
//! no-op; nothing changes without `--yes`; `--accounts` limits where changes are made.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use support::scan::{compliant_table, diff, scan, with};
use support::{Moto, Org};

/// The calls that change something; a no-op apply makes none of them.
const MUTATING: &[&str] = &[
    "logs:PutMetricFilter",
    "sns:CreateTopic",
    "sns:Subscribe",
    "cloudwatch:PutMetricAlarm",
    "iam:UpdateAccessKey",
    "iam:DeleteAccessKey",
    "sts:AssumeRoot",
];

fn mutating_calls(moto: &Moto) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for ops in moto.server_calls().values() {
        for (op, n) in ops {
            if MUTATING.contains(&op.as_str()) {
                *out.entry(op.clone()).or_default() += n;
            }
        }
    }
    out
}

/// Runs `rootwarden remediate ARGS -o json=FILE`; returns the exit code, the JSON and stderr.
fn remediate(moto: &Moto, args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let out_arg = format!("json={}", path.display());
    let mut all = vec!["remediate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", &out_arg, "--quiet"]);
    let out = moto.rootwarden(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v = std::fs::read_to_string(&path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// The compliant table of an organization whose root alarm is new: nothing proves yet that its
/// action runs (RW-MON-008 asks for a drill).
fn undrilled(org: &Org) -> support::scan::Table {
    let ids = org.accounts();
    let changes: Vec<(&str, &str, &str)> = ids.iter().map(|a| (a.as_str(), "RW-MON-008", "fail")).collect();
    with(compliant_table(org), &changes)
}

fn step_types(plan: &Value) -> Vec<String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"]["type"].as_str().unwrap().to_string())
        .collect()
}

fn broken_chain(moto: &Moto) -> Org {
    moto.scenario(&["filter-missing", "alarm-missing", "topic-missing"])
}

#[test]
fn missing_monitoring_is_planned_applied_rescanned_to_all_pass_and_reapplied_as_a_no_op() {
    let Some(moto) = Moto::start() else { return };
    let org = broken_chain(&moto);
    let before = scan(&moto, &[]);
    for a in org.accounts() {
        for r in ["RW-MON-003", "RW-MON-004", "RW-MON-005"] {
            assert_eq!(before.table[&(a.clone(), r.to_string())], "fail", "{a} {r}");
        }
    }

    // Plan: changes nothing, and names each change with the rules and accounts it fixes.
    let (code, plan, stderr) = remediate(&moto, &["plan", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        step_types(&plan),
        ["create_topic", "subscribe", "put_metric_filter", "put_metric_alarm"],
        "{plan:#}"
    );
    for s in plan["steps"].as_array().unwrap() {
        // The organization trail's chain lives in the management account and serves all three.
        assert_eq!(s["account_id"], org.management.as_str());
        assert_eq!(s["region"], "us-east-1");
        let served: Vec<&str> = s["for_accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(served, org.accounts().iter().map(String::as_str).collect::<Vec<_>>());
    }
    let filter = &plan["steps"][2]["action"];
    assert_eq!(filter["log_group_name"], "aws-cloudtrail-logs-org");
    assert_eq!(plan["steps"][2]["fixes"], json!(["RW-MON-003"]));
    assert_eq!(plan["steps"][3]["fixes"], json!(["RW-MON-004"]));
    assert_eq!(mutating_calls(&moto), BTreeMap::new(), "plan must not change anything");

    // Apply without --yes refuses.
    let (code, _, stderr) = remediate(&moto, &["apply", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(mutating_calls(&moto), BTreeMap::new());

    // Apply: four calls, each logged; re-scan says filter and alarm pass, and the new e-mail
    // subscription is honestly still pending.
    let (code, report, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let changes = report["applied"]["changes"].as_array().unwrap();
    let calls: Vec<&str> = changes.iter().map(|c| c["api_call"].as_str().unwrap()).collect();
    assert_eq!(
        calls,
        [
            "sns:CreateTopic",
            "sns:Subscribe",
            "logs:PutMetricFilter",
            "cloudwatch:PutMetricAlarm"
        ]
    );
    assert!(changes.iter().all(|c| c["result"] == "ok"), "{changes:#?}");
    for api in &calls {
        assert!(stderr.contains(api), "change {api} not logged: {stderr}");
    }
    let control = |account: &str, rule: &str| {
        report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["account_id"] == account && c["rule_id"] == rule)
            .map(|c| {
                (
                    c["before"].as_str().unwrap().to_string(),
                    c["after"].as_str().unwrap().to_string(),
                )
            })
    };
    for a in org.accounts() {
        assert_eq!(control(&a, "RW-MON-003"), Some(("fail".into(), "pass".into())), "{a}");
        assert_eq!(control(&a, "RW-MON-004"), Some(("fail".into(), "pass".into())), "{a}");
        assert_eq!(control(&a, "RW-MON-005"), Some(("fail".into(), "fail".into())), "{a}");
    }
    let summary = &report["accounts"][0];
    assert_eq!(summary["no_active_root_key"], true);

    // A second apply before the owner confirms changes nothing: it waits for the confirmation.
    let calls_before = mutating_calls(&moto);
    let (code, again, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(again["plan"]["steps"], json!([]), "{again:#}");
    assert_eq!(again["applied"]["changes"], json!([]));
    assert!(again.to_string().contains("has not confirmed"), "{again:#}");
    assert_eq!(
        mutating_calls(&moto),
        calls_before,
        "the second apply changed something"
    );

    // The owner confirms; every control of every account passes but RW-MON-008: the new alarm
    // has never notified anyone. A drill proves it does, and then everything passes.
    let topic = format!("arn:aws:sns:us-east-1:{}:rootwarden-root-activity", org.management);
    moto.post_json("/_rootwarden/sns/confirm", &json!({ "topic_arn": topic }));
    let after = scan(&moto, &[]);
    let d = diff(&after.table, &undrilled(&org));
    assert!(d.is_empty(), "{d}");
    let drill = moto.rootwarden(&["drill", "--yes", "--org", "--quiet", "--wait", "5"]);
    assert_eq!(
        drill.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&drill.stdout)
    );
    let after = scan(&moto, &[]);
    let d = diff(&after.table, &compliant_table(&org));
    assert!(d.is_empty(), "{d}");

    // And a third apply is a no-op too.
    let (code, third, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(third["plan"]["steps"], json!([]));
    assert_eq!(mutating_calls(&moto), calls_before);
}

#[test]
fn a_broken_alarm_is_left_alone_and_a_working_one_added_beside_it() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["alarm-without-action"]);
    let (code, report, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "oncall@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    // An alarm without actions names no topic, so the collector saw none to reuse: a new alarm
    // notifies a new topic with the --notify subscription. The broken alarm is not rewritten
    // (PutMetricAlarm replaces every setting, OK and INSUFFICIENT_DATA actions included).
    assert_eq!(
        step_types(&report["plan"]),
        ["create_topic", "subscribe", "put_metric_alarm"],
        "{report:#}"
    );
    assert_eq!(report["plan"]["steps"][2]["fixes"], json!(["RW-MON-004"]));
    let topic = format!("arn:aws:sns:us-east-1:{}:rootwarden-root-activity", org.management);
    moto.post_json("/_rootwarden/sns/confirm", &json!({ "topic_arn": topic }));
    let after = scan(&moto, &[]);
    let d = diff(&after.table, &undrilled(&org));
    assert!(d.is_empty(), "{d}");
    // The user's own alarm is unchanged (still no action); ours is beside it.
    let alarms: Vec<&Value> = after.snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == org.management.as_str())
        .unwrap()["regions"]["us-east-1"]["cloudwatch"]["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let theirs = alarms.iter().find(|a| a["alarm_name"] == "root-account-usage").unwrap();
    assert_eq!(theirs["alarm_actions"], json!([]));
    assert!(alarms.iter().any(|a| a["alarm_name"] == "rootwarden-root-activity"));
}

#[test]
fn accounts_flag_keeps_changes_inside_the_listed_accounts() {
    let Some(moto) = Moto::start() else { return };
    let org = broken_chain(&moto);
    let member = org.members[0].clone();
    let (code, report, stderr) = remediate(
        &moto,
        &[
            "apply",
            "--yes",
            "--org",
            "--accounts",
            &member,
            "--notify",
            "security@example.com",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // The member's chain is in the management account, outside --accounts: listed, not made.
    assert_eq!(report["plan"]["steps"], json!([]), "{report:#}");
    let accounts = report["plan"]["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["account_id"], member.as_str());
    assert!(
        accounts[0]["manual"].to_string().contains("outside --accounts"),
        "{:#}",
        accounts[0]
    );
    assert_eq!(mutating_calls(&moto), BTreeMap::new());
    let after = scan(&moto, &[]);
    let want = with(
        compliant_table(&org),
        &org.accounts()
            .iter()
            .flat_map(|a| {
                // With no root filter there is nothing whose noise RW-MON-007 could judge.
                [
                    (a.as_str(), "RW-MON-003", "fail"),
                    (a.as_str(), "RW-MON-004", "fail"),
                    (a.as_str(), "RW-MON-005", "fail"),
                    (a.as_str(), "RW-MON-007", "not_applicable"),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let d = diff(&after.table, &want);
    assert!(d.is_empty(), "{d}");
}

#[test]
fn a_failed_change_stops_only_what_depends_on_it_and_exits_1() {
    let Some(moto) = Moto::start() else { return };
    let org = broken_chain(&moto);
    moto.post_json(
        "/_rootwarden/deny",
        // SNS's own code for a denied call.
        &json!({ "account_id": org.management, "action": "sns:CreateTopic", "code": "AuthorizationError", "status": 403 }),
    );
    let (code, report, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 1, "{stderr}\n{report:#}");
    let result = |api: &str| {
        let c = report["applied"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["api_call"] == api)
            .unwrap_or_else(|| panic!("no {api}: {report:#}"));
        (
            c["result"].as_str().unwrap().to_string(),
            c["error_code"].as_str().map(str::to_string),
        )
    };
    assert_eq!(
        result("sns:CreateTopic"),
        ("error".into(), Some("AuthorizationError".into()))
    );
    // The subscription and the alarm need the topic; the filter does not.
    assert_eq!(result("sns:Subscribe"), ("error".into(), Some("NotAttempted".into())));
    assert_eq!(
        result("cloudwatch:PutMetricAlarm"),
        ("error".into(), Some("NotAttempted".into()))
    );
    assert_eq!(result("logs:PutMetricFilter"), ("ok".into(), None));
    assert!(stderr.contains("change failed"), "{stderr}");
    let calls = mutating_calls(&moto);
    assert_eq!(calls.get("sns:Subscribe"), None);
    assert_eq!(calls.get("cloudwatch:PutMetricAlarm"), None);
    assert_eq!(calls.get("logs:PutMetricFilter"), Some(&1));
}

#[test]
fn a_deleted_topic_is_recreated_under_its_name_before_it_is_subscribed_to() {
    // The alarm still notifies root-activity-alerts, which was deleted. Subscribing to it would
    // fail with NotFound; the plan re-creates it first (same name, so the alarm's ARN is valid).
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["topic-missing"]);
    let topic = format!("arn:aws:sns:us-east-1:{}:root-activity-alerts", org.management);
    let (code, plan, stderr) = remediate(&moto, &["plan", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(step_types(&plan), ["create_topic", "subscribe"], "{plan:#}");
    assert_eq!(plan["steps"][0]["action"]["topic_arn"], topic.as_str());
    assert_eq!(plan["steps"][0]["action"]["name"], "root-activity-alerts");
    assert_eq!(plan["steps"][1]["action"]["topic_arn"], topic.as_str());
    assert_eq!(mutating_calls(&moto), BTreeMap::new());

    let (code, report, stderr) = remediate(&moto, &["apply", "--yes", "--org", "--notify", "security@example.com"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let calls: Vec<&str> = report["applied"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["api_call"].as_str().unwrap())
        .collect();
    assert_eq!(calls, ["sns:CreateTopic", "sns:Subscribe"]);
    assert!(
        report["applied"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["result"] == "ok"),
        "{report:#}"
    );
    // Once the owner confirms, the unchanged alarm reaches a person again.
    moto.post_json("/_rootwarden/sns/confirm", &json!({ "topic_arn": topic }));
    let after = scan(&moto, &[]);
    let d = diff(&after.table, &compliant_table(&org));
    assert!(d.is_empty(), "{d}");
}
