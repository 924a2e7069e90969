//! Live collection against a real AWS-compatible server: moto, started on 127.0.0.1 by
//! `tests/moto/launcher.py`, populated by `tests/moto/scenario.py`.
//!
//! Needs `ROOTWARDEN_MOTO_PYTHON`, a Python with `tests/moto/requirements.txt` installed
//! (`bash .ci/run` makes one). Without it the tests say they skipped, except under `CI`, where
//! a missing server is a failure.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use support::scan::{compliant_table, diff, scan, with};
use support::{moto_python, root, Moto};

#[test]
fn compliant_organization_passes_in_every_account() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    assert_eq!(org.accounts().len(), 3);
    let s = scan(&moto, &["--fail-on-incomplete"]);
    assert_eq!(
        s.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&s.out.stderr)
    );
    let want = compliant_table(&org);
    assert!(s.table == want, "{}", diff(&s.table, &want));
    assert_eq!(s.snapshot["collection_errors"], serde_json::json!([]));
    // Every enabled region (ListRegions), and only those, was collected.
    for a in s.snapshot["accounts"].as_array().unwrap() {
        let regions: Vec<&String> = a["regions"].as_object().unwrap().keys().collect();
        assert_eq!(regions, ["eu-west-1", "us-east-1"], "{}", a["account_id"]);
        let member = a["account_id"] != org.management.as_str();
        assert_eq!(a["role"], if member { "member" } else { "management" });
    }
    // The snapshot a live scan writes follows the published schema.
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/snapshot.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&s.snapshot).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn each_single_fault_changes_exactly_its_cells() {
    let Some(_) = moto_python() else { return };
    // (fault, cells that change: account index (0 = management, 1.. = members) or every account)
    type Change = (Option<usize>, &'static str, &'static str);
    let cases: &[(&str, &[Change])] = &[
        (
            "member-root-key",
            &[(Some(1), "RW-ROOT-001", "fail"), (Some(1), "RW-ROOT-005", "fail")],
        ),
        (
            "member-no-mfa",
            &[(Some(1), "RW-ROOT-003", "fail"), (Some(1), "RW-ROOT-004", "fail")],
        ),
        // The launcher serves the credential report as generated; the current account summary
        // shows the key created since.
        ("key-after-report", &[(Some(1), "RW-ROOT-001", "fail")]),
        // A report over 24 hours old decides nothing; the summary still shows the key.
        (
            "stale-report",
            &[
                (Some(1), "RW-ROOT-001", "fail"),
                (Some(1), "RW-ROOT-002", "insufficient_data"),
                (Some(1), "RW-ROOT-003", "insufficient_data"),
                (Some(1), "RW-ROOT-004", "insufficient_data"),
                (Some(1), "RW-ROOT-005", "insufficient_data"),
            ],
        ),
        // A trail that does not log feeds nothing downstream: the whole chain fails.
        (
            "trail-stopped",
            &[
                (None, "RW-MON-001", "fail"),
                (None, "RW-MON-002", "fail"),
                (None, "RW-MON-003", "fail"),
                (None, "RW-MON-004", "fail"),
                (None, "RW-MON-005", "fail"),
                (None, "RW-MON-007", "not_applicable"),
            ],
        ),
        (
            "filter-missing",
            &[
                (None, "RW-MON-003", "fail"),
                (None, "RW-MON-004", "fail"),
                (None, "RW-MON-005", "fail"),
                (None, "RW-MON-007", "not_applicable"),
            ],
        ),
        // An alarm without an action is not the alarm CIS asks for, and notifies nobody.
        (
            "alarm-without-action",
            &[(None, "RW-MON-004", "fail"), (None, "RW-MON-005", "fail")],
        ),
        ("subscription-pending", &[(None, "RW-MON-005", "fail")]),
        // Alarms that look like the CIS alarm but cannot fire on one root event, judged from the
        // collected default value, unit, statistic and dimensions.
        (
            "filter-default-average",
            &[(None, "RW-MON-004", "fail"), (None, "RW-MON-005", "fail")],
        ),
        (
            "alarm-dimensions",
            &[(None, "RW-MON-004", "fail"), (None, "RW-MON-005", "fail")],
        ),
        // Retries absorb two throttled calls: nothing changes.
        ("iam-throttled", &[]),
    ];
    // Faults are independent servers; run them two at a time to use both cores.
    std::thread::scope(|sc| {
        for chunk in cases.chunks(cases.len().div_ceil(2)) {
            sc.spawn(move || {
                for (fault, changes) in chunk {
                    let moto = Moto::start().unwrap();
                    let org = moto.scenario(&[fault]);
                    let accounts = {
                        let mut v = vec![org.management.clone()];
                        v.extend(org.members.iter().cloned());
                        v
                    };
                    let s = scan(&moto, &[]);
                    let mut want = compliant_table(&org);
                    for (who, rule, status) in changes.iter() {
                        let targets: Vec<&String> = match who {
                            Some(i) => vec![&accounts[*i]],
                            None => accounts.iter().collect(),
                        };
                        for a in targets {
                            want = with(want, &[(a, rule, status)]);
                        }
                    }
                    assert!(s.table == want, "fault {fault}:\n{}", diff(&s.table, &want));
                    assert_eq!(s.snapshot["collection_errors"], serde_json::json!([]), "fault {fault}");
                }
            });
        }
    });
}

#[test]
fn access_denied_on_one_service_is_insufficient_data_never_pass() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["logs-denied"]);
    let s = scan(&moto, &[]);
    assert_eq!(s.out.status.code(), Some(0));
    let errors = s.snapshot["collection_errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["service"] == "logs"
            && e["operation"] == "DescribeMetricFilters"
            && e["account_id"] == org.management.as_str()
            && e["error_code"] == "AccessDeniedException"),
        "{errors:?}"
    );
    // The metric filter, and everything downstream of it, cannot be judged in any account:
    // every account relies on the management account's organization trail. The logs section
    // is all-or-nothing, so the log group's retention (RW-MON-002) is unknown too.
    let mut want = compliant_table(&org);
    for a in org.accounts() {
        for r in ["RW-MON-002", "RW-MON-003", "RW-MON-004", "RW-MON-005", "RW-MON-007"] {
            want = with(want, &[(&a, r, "insufficient_data")]);
        }
    }
    assert!(s.table == want, "{}", diff(&s.table, &want));
    // An incomplete scan exits 3 when asked to.
    let strict = scan(&moto, &["--fail-on-incomplete"]);
    assert_eq!(strict.out.status.code(), Some(3));
}

#[test]
fn an_unassumable_account_is_insufficient_data_and_the_others_are_judged() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["member-unassumable"]);
    let lost = org.members.last().unwrap().clone();
    let s = scan(&moto, &["--fail-on-incomplete"]);
    assert_eq!(
        s.out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&s.out.stderr)
    );
    let errors = s.snapshot["collection_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account_id"], lost.as_str());
    assert_eq!(errors[0]["operation"], "AssumeRole");
    let mut want = compliant_table(&org);
    for ((a, r), status) in want.iter_mut() {
        if *a == lost && r != "RW-ORG-001" && r != "RW-ACT-001" {
            *status = "insufficient_data".into();
        }
    }
    // RW-ORG-001 is decided by the account's role in the organization, known without it;
    // RW-ACT-001 is not applicable because activity was not asked for.
    assert!(s.table == want, "{}", diff(&s.table, &want));
}

/// The `--stats` lines: account → operation → count.
fn parse_stats(stderr: &str) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for line in stderr.lines() {
        let line = line.trim();
        let Some((account, rest)) = line.split_once(": ") else {
            continue;
        };
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let inner = rest.split_once('(').unwrap().1.trim_end_matches(')');
        let ops = inner
            .split(", ")
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect();
        out.insert(account.to_string(), ops);
    }
    out
}

fn policy_actions() -> BTreeSet<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/iam-policy.json")).unwrap()).unwrap();
    let mut out = BTreeSet::new();
    for st in v["Statement"].as_array().unwrap() {
        match &st["Action"] {
            serde_json::Value::String(s) => {
                out.insert(s.clone());
            }
            serde_json::Value::Array(a) => out.extend(a.iter().map(|s| s.as_str().unwrap().to_string())),
            other => panic!("unexpected Action {other}"),
        }
    }
    out
}

/// Connections a `scan --org` of an organization of `members` + 1 accounts opens, with
/// `concurrency` tasks at once; with the number of calls it made, for the message.
fn connections_of_a_scan(members: usize, concurrency: usize) -> (u64, u64) {
    let moto = Moto::start().unwrap();
    let org = moto.scenario_of(members, &[]);
    assert_eq!(org.accounts().len(), members + 1);
    let before = moto.connections();
    let out = moto.rootwarden(&[
        "scan",
        "--org",
        "--regions",
        "us-east-1",
        "--concurrency",
        &concurrency.to_string(),
        "--fail-on",
        "none",
        "-o",
        "json=/dev/null",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The second query's own connection is not the scan's.
    let opened = moto.connections() - before - 1;
    let calls = moto.server_calls().values().flat_map(|ops| ops.values()).sum();
    (opened, calls)
}

#[test]
fn connections_are_pooled_across_accounts_and_do_not_grow_with_the_organization() {
    if moto_python().is_none() {
        return;
    }
    // At most `concurrency` tasks at once, each with at most 4 calls in flight (root_audit's
    // and iam's joins, a credential refresh beside a call), plus discovery's: the pool never
    // needs more connections to the one endpoint, whatever the number of accounts.
    let concurrency = 2;
    let bound = concurrency as u64 * 4 + 1;
    let (small, small_calls) = connections_of_a_scan(3, concurrency);
    let (large, large_calls) = connections_of_a_scan(11, concurrency);
    let seen = format!("4 accounts: {small} connections for {small_calls} calls; 12 accounts: {large} connections for {large_calls} calls");
    eprintln!("{seen}");
    assert!(large_calls > 2 * small_calls, "{seen}");
    assert!(
        small >= 1 && small <= bound,
        "more connections than endpoints × concurrency ({bound}): {seen}"
    );
    assert!(
        large <= bound,
        "more connections than endpoints × concurrency ({bound}): {seen}"
    );
}

#[test]
fn each_member_role_is_assumed_once_however_many_accounts_are_in_flight() {
    if moto_python().is_none() {
        return;
    }
    // More accounts than the SDK's shared identity cache holds credential providers (64): when
    // every account's credentials lived in that one cache, each new account evicted an arbitrary
    // one, often an account still being read, which then assumed its role again.
    let members = 90;
    let moto = Moto::start().unwrap();
    let org = moto.scenario_of(members, &[]);
    assert_eq!(org.accounts().len(), members + 1);
    let out = moto.rootwarden(&[
        "collect",
        "--org",
        "--regions",
        "us-east-1",
        "--concurrency",
        "32",
        "-o",
        "json=/dev/null",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let assumed: u64 = moto
        .server_calls()
        .values()
        .filter_map(|ops| ops.get("sts:AssumeRole"))
        .sum();
    assert_eq!(
        assumed, members as u64,
        "sts:AssumeRole calls for {members} member accounts"
    );
}

#[test]
fn calls_are_counted_fetched_once_and_all_in_the_iam_policy() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let s = scan(&moto, &["--stats"]);
    let stderr = String::from_utf8_lossy(&s.out.stderr);
    let ours = parse_stats(&stderr);
    assert_eq!(ours.keys().cloned().collect::<Vec<_>>(), org.accounts(), "{stderr}");
    let server = moto.server_calls();
    let policy = policy_actions();
    for (account, ops) in &server {
        for op in ops.keys() {
            assert!(
                policy.contains(op),
                "{op} (called in {account}) is missing from docs/iam-policy.json"
            );
        }
    }
    // Our counter agrees with the server's (AssumeRole is made by the credentials provider,
    // before any account client exists, and is counted by the server only).
    for (account, ops) in &ours {
        let mut theirs = server.get(account).cloned().unwrap_or_default();
        theirs.remove("sts:AssumeRole");
        assert_eq!(ops, &theirs, "calls of {account}");
    }
    // Fetched once per account (global) or per region, never per rule: 2 regions here.
    for (account, ops) in &ours {
        for (op, n) in ops {
            assert!(*n <= 2, "{account}: {op} called {n} times");
        }
        let total: u64 = ops.values().sum();
        assert!(total <= 25, "{account}: {total} calls");
    }
}

#[test]
fn every_api_the_collectors_name_is_in_the_iam_policy() {
    // The static half of the policy check: every operation a collector records on failure.
    let policy = policy_actions();
    let mut named = BTreeSet::new();
    let mut in_root_session = BTreeSet::new();
    // Every Rust file of the collectors and of the AWS plumbing they share (AssumeRoot), their
    // sibling test modules included.
    let mut dirs = vec![root().join("src/collect"), root().join("src/aws")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for piece in text
            .split("fail(\"")
            .skip(1)
            .chain(text.split("fail::<(), _, _>(\"").skip(1))
            .chain(text.split("fail_with(\"").skip(1))
        {
            let mut parts = piece.splitn(4, '"');
            let service = parts.next().unwrap();
            let op = parts.nth(1).unwrap();
            let action = format!("{service}:{op}");
            // The calls of an --audit-root session are granted by its AWS managed task policy,
            // not by the caller's own policy.
            if path.ends_with("root_audit.rs") && service == "iam" {
                in_root_session.insert(action);
            } else {
                named.insert(action);
            }
        }
    }
    assert!(named.len() >= 15, "{named:?}");
    for n in &named {
        assert!(policy.contains(n), "{n} is missing from docs/iam-policy.json");
    }
    let task = rootwarden::aws::assume_root::TaskPolicy::AuditRootUserCredentials;
    assert_eq!(in_root_session.len(), 4, "{in_root_session:?}");
    for n in &in_root_session {
        assert!(
            task.actions().contains(&n.as_str()),
            "{n} is not allowed by {}",
            task.name()
        );
        assert!(
            !policy.contains(n),
            "{n} belongs to the root session, not to the caller's policy"
        );
    }
}

#[test]
fn accounts_flag_limits_the_scope_and_collect_writes_a_snapshot() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let dir = tempfile::tempdir().unwrap();
    let out: &Path = &dir.path().join("nested/snap.json");
    let member = &org.members[0];
    let o = moto.rootwarden(&[
        "collect",
        "--accounts",
        member,
        "--regions",
        "us-east-1",
        "-o",
        &format!("json={}", out.display()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let snap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let accounts = snap["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["account_id"], member.as_str());
    assert_eq!(
        accounts[0]["regions"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["us-east-1"]
    );
    // Offline evaluation of that snapshot: the root controls pass; the monitoring chain lives
    // in the management account (organization trail), which was not collected, so it cannot
    // be judged — insufficient data, not a pass.
    let o = Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args(["evaluate", out.to_str().unwrap(), "--fail-on", "none", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let status = |rule: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == rule)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    for r in [
        "RW-ROOT-001",
        "RW-ROOT-002",
        "RW-ROOT-003",
        "RW-ROOT-004",
        "RW-ROOT-005",
        "RW-MON-001",
    ] {
        assert_eq!(status(r), "pass", "{r}");
    }
    for r in ["RW-MON-003", "RW-MON-004", "RW-MON-005"] {
        assert_eq!(status(r), "insufficient_data", "{r}");
    }
}

#[test]
fn no_secret_reaches_the_snapshot_or_the_output() {
    let Some(moto) = Moto::start() else { return };
    moto.scenario(&["member-root-key"]);
    let s = scan(&moto, &["--stats"]);
    let text =
        s.snapshot.to_string() + &String::from_utf8_lossy(&s.out.stderr) + &String::from_utf8_lossy(&s.out.stdout);
    // moto issues session credentials with these prefixes; none may leak.
    for needle in ["ASIA", "AKIA", "testing", "FQoGZXIvYXdzE"] {
        assert!(!text.contains(needle), "{needle} leaked");
    }
}

#[test]
fn activity_that_cannot_be_read_is_insufficient_data_never_a_pass() {
    // Event history is refused as AWS refuses it to a role without cloudtrail:LookupEvents
    // (moto itself lacks the operation, which it answers in a way AWS never does).
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    moto.post_json(
        "/_rootwarden/deny",
        &serde_json::json!({"action": "cloudtrail:LookupEvents", "code": "AccessDeniedException", "status": 400,
                            "message": "User is not authorized to perform: cloudtrail:LookupEvents"}),
    );
    let s = scan(&moto, &["--activity", "30", "--regions", "us-east-1"]);
    assert_eq!(
        s.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&s.out.stderr)
    );
    for a in org.accounts() {
        let cell = &s.table[&(a.clone(), "RW-ACT-001".to_string())];
        assert_eq!(cell, "insufficient_data", "{a}");
        let account = s.snapshot["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["account_id"] == a.as_str())
            .unwrap();
        let activity = &account["activity"];
        assert_eq!(activity["sources"], serde_json::json!(["lookup_events"]));
        assert_eq!(activity["regions"], serde_json::json!(["us-east-1"]));
        assert_eq!(activity["events"], serde_json::json!([]));
        let errors = activity["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["source"] == "lookup_events" && e["region"] == "us-east-1"),
            "{errors:?}"
        );
    }
    let errors = s.snapshot["collection_errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["operation"] == "LookupEvents" && e["error_code"] == "AccessDeniedException"),
        "{errors:?}"
    );
}

/// The management account's region facts in a scanned snapshot.
fn management_region<'a>(s: &'a support::scan::Scan, org: &support::Org, region: &str) -> &'a serde_json::Value {
    let account = s.snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == org.management.as_str())
        .unwrap();
    &account["regions"][region]
}

#[test]
fn the_filter_and_alarm_facts_the_arithmetic_needs_are_collected() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["filter-default-average"]);
    let s = scan(&moto, &[]);
    let us = management_region(&s, &org, "us-east-1");
    let t = &us["logs"]["metric_filters"][0]["metric_transformations"][0];
    assert_eq!(t["default_value"], 0.0, "{t}");
    assert_eq!(t["unit"], "Count", "{t}");
    assert_eq!(t["dimensions"], serde_json::json!({}), "{t}");
    let alarm = &us["cloudwatch"]["alarms"][0];
    assert_eq!(alarm["statistic"], "Average", "{alarm}");
    assert_eq!(alarm["unit"], "not_set", "{alarm}");
    assert_eq!(alarm["dimensions"], serde_json::json!([]), "{alarm}");
    assert_eq!(alarm["treat_missing_data"], "notBreaching", "{alarm}");
    assert_eq!(alarm["evaluate_low_sample_count_percentile"], "evaluate", "{alarm}");
    assert_eq!(alarm["metrics"], serde_json::json!([]), "{alarm}");
    // The topic the alarm notifies, with who may publish to it.
    let topic = &us["sns"]["topics"][0];
    assert!(
        topic["attributes"]["policy"].as_str().unwrap().contains("SNS:Publish"),
        "{topic}"
    );
    assert_eq!(topic["attributes"]["kms_master_key_id"], "not_set", "{topic}");
    assert_eq!(us["sns"]["absent_topics"], serde_json::json!([]));
}

#[test]
fn a_deleted_topic_is_recorded_as_absent() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["topic-missing"]);
    let s = scan(&moto, &[]);
    let us = management_region(&s, &org, "us-east-1");
    let topic = format!("arn:aws:sns:us-east-1:{}:root-activity-alerts", org.management);
    assert_eq!(us["sns"]["absent_topics"], serde_json::json!([topic]));
    assert_eq!(us["sns"]["topics"], serde_json::json!([]));
    let want = org.accounts().iter().fold(compliant_table(&org), |t, a| {
        with(t, &[(a.as_str(), "RW-MON-005", "fail")])
    });
    assert!(s.table == want, "{}", diff(&s.table, &want));
}

#[test]
fn eventbridge_rules_are_judged_as_eventbridge_delivers() {
    let Some(_) = moto_python() else { return };
    let requirements = root().join("fixtures/requirements/allow-eventbridge.yaml");
    let requirements = requirements.to_str().unwrap();
    // (fault, RW-MON-006 in the management account, what the snapshot must show)
    let cases: &[(&str, &str)] = &[
        ("eventbridge-rules", "pass"),
        ("eventbridge-read-only-missed", "fail"),
        ("eventbridge-topic-default-policy", "fail"),
        // A typo'd root pattern must reach the rules, which report it (the collector once
        // dropped patterns without a case-sensitive "Root").
        ("eventbridge-root-typo", "fail"),
    ];
    std::thread::scope(|sc| {
        for (fault, status) in cases {
            sc.spawn(move || {
                let moto = Moto::start().unwrap();
                let org = moto.scenario(&[fault]);
                let s = scan(&moto, &["--requirements", requirements]);
                // The metric-filter chain works, so RW-MON-003 to 005 pass (CIS evidence) even
                // where EventBridge is accepted; members have no root rule (not applicable).
                let want = with(
                    compliant_table(&org),
                    &[(org.management.as_str(), "RW-MON-006", status)],
                );
                assert!(s.table == want, "fault {fault}:\n{}", diff(&s.table, &want));
                if *fault == "eventbridge-root-typo" {
                    let messages: Vec<&str> = s.findings["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|r| r["account_id"] == org.management.as_str() && r["rule_id"] == "RW-MON-006")
                        .filter_map(|r| r["message"].as_str())
                        .collect();
                    assert!(
                        messages
                            .iter()
                            .any(|m| m.contains("root-activity") && m.contains("does not match")),
                        "{messages:?}"
                    );
                }
                for region in ["us-east-1", "eu-west-1"] {
                    let r = management_region(&s, &org, region);
                    let rule = &r["events"]["rules"][0];
                    let topic_arn = rule["targets"][0]["arn"].as_str().unwrap();
                    let topic = r["sns"]["topics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|t| t["topic_arn"] == topic_arn)
                        .unwrap_or_else(|| panic!("{fault}: topic {topic_arn} not collected in {region}"));
                    let policy = topic["attributes"]["policy"].as_str().unwrap();
                    let allows_events = policy.contains("events.amazonaws.com");
                    assert_eq!(
                        allows_events,
                        *fault != "eventbridge-topic-default-policy",
                        "{fault}: {policy}"
                    );
                    let state = if *fault == "eventbridge-read-only-missed" {
                        "ENABLED"
                    } else {
                        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
                    };
                    assert_eq!(rule["state"], state, "{fault}");
                }
            });
        }
    });
}
