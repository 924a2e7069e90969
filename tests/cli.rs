//! The `rootwarden` binary: exit codes, outputs and bad-input errors.

mod support;

use std::process::Output;

use support::{root, rootwarden as run};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(args: &[&str]) -> (Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings.json");
    let spec = format!("json={}", out.display());
    let mut a = args.to_vec();
    a.extend(["-o", &spec]);
    let o = run(&a);
    let v = std::fs::read_to_string(&out)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_default();
    (o, v)
}

fn statuses(v: &serde_json::Value, account: &str) -> Vec<(String, String)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["account_id"] == account)
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn neglected_account_fails_every_root_and_monitoring_control_with_exit_1() {
    let (o, v) = json_of(&["evaluate", "fixtures/snapshots/neglected-account.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let s = statuses(&v, "444455556666");
    for rule in [
        "RW-ROOT-001",
        "RW-ROOT-003",
        "RW-ROOT-005",
        "RW-MON-001",
        "RW-MON-002",
        "RW-MON-003",
        "RW-MON-004",
        "RW-MON-005",
    ] {
        assert!(
            s.contains(&(rule.to_string(), "fail".to_string())),
            "{rule} should fail: {s:?}"
        );
    }
    for r in v["results"].as_array().unwrap() {
        for key in [
            "rule_id",
            "title",
            "severity",
            "account_id",
            "region",
            "resource",
            "status",
            "message",
            "evidence",
        ] {
            assert!(r.get(key).is_some(), "result without {key}: {r}");
        }
    }
    assert!(v["summary"]["outcomes"]["fail"].as_u64().unwrap() >= 8);
    assert_eq!(v["tool"]["name"], "rootwarden");
}

#[test]
fn compliant_organization_exits_0_without_failures() {
    let (o, v) = json_of(&["evaluate", "fixtures/snapshots/compliant-org.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["summary"]["outcomes"]["fail"], 0);
    assert_eq!(v["summary"]["accounts"], 3);
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["status"] != "fail"));
    assert_eq!(v["summary"]["compliance_score_percent"], 100.0);
}

#[test]
fn text_is_the_default_output() {
    let o = run(&["evaluate", "fixtures/snapshots/neglected-account.json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Account 444455556666"), "{out}");
    assert!(out.contains("FAIL") && out.contains("RW-ROOT-001"), "{out}");
}

#[test]
fn fail_on_threshold_and_incomplete() {
    // Only a medium-severity control fails: exit 0 at the default (high), 1 at medium.
    let snap = "fixtures/snapshots/fault-log-retention-short.json";
    assert_eq!(run(&["evaluate", snap, "-o", "json=-"]).status.code(), Some(0));
    assert_eq!(run(&["evaluate", snap, "--fail-on", "medium"]).status.code(), Some(1));
    assert_eq!(
        run(&[
            "evaluate",
            "fixtures/snapshots/neglected-account.json",
            "--fail-on",
            "none"
        ])
        .status
        .code(),
        Some(0)
    );
    let incomplete = "fixtures/snapshots/insufficient-cloudwatch.json";
    assert_eq!(run(&["evaluate", incomplete]).status.code(), Some(0));
    assert_eq!(
        run(&["evaluate", incomplete, "--fail-on-incomplete"]).status.code(),
        Some(3)
    );
}

#[test]
fn evaluation_is_deterministic() {
    let (_, a) = json_of(&["evaluate", "fixtures/snapshots/neglected-account.json"]);
    let (_, b) = json_of(&["evaluate", "fixtures/snapshots/neglected-account.json"]);
    assert_eq!(a, b);
}

#[test]
fn several_outputs_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("nested/dir/findings.json");
    let t = dir.path().join("report.txt");
    let o = run(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "-o",
        &format!("json={}", j.display()),
        "-o",
        &format!("text={}", t.display()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&t).unwrap().contains("Account 111111111111"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    assert_eq!(v["summary"]["accounts"], 3);
}

/// Bad input: exit 2, one error naming the file and the place, no panic.
fn assert_bad_input(args: &[&str], must_contain: &[&str]) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "args {args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for s in must_contain {
        assert!(err.contains(s), "expected {s:?} in: {err}");
    }
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn malformed_snapshot_json() {
    let d = tempfile::tempdir().unwrap();
    let p = write_temp(&d, "broken.json", "{\"schema_version\": \"1.0\",\n  \"accounts\": [\n}");
    assert_bad_input(&["evaluate", &p], &["broken.json", "line 3"]);
}

#[test]
fn snapshot_violating_the_schema_names_the_field() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/snapshots/compliant-standalone.json"))
        .unwrap()
        .replacen("\"mfa_active\": true", "\"mfa_active\": \"yes\"", 1);
    let p = write_temp(&d, "bad-field.json", &text);
    assert_bad_input(
        &["evaluate", &p],
        &[
            "bad-field.json",
            "accounts[0].iam.credential_report.root.mfa_active",
            "line",
        ],
    );
}

#[test]
fn unknown_schema_version() {
    let d = tempfile::tempdir().unwrap();
    let p = write_temp(
        &d,
        "future.json",
        "{\"schema_version\": \"9.9\", \"collected_at\": \"2026-01-01T00:00:00Z\", \"accounts\": []}",
    );
    assert_bad_input(&["evaluate", &p], &["future.json", "schema_version", "\"9.9\"", "2.0"]);
    // 1.0 left facts implicit that 2.0 states: it cannot be read as 2.0, and says why.
    let old = std::fs::read_to_string(root().join("fixtures/snapshots/compliant-org.json"))
        .unwrap()
        .replacen("\"schema_version\": \"2.0\"", "\"schema_version\": \"1.0\"", 1);
    let p = write_temp(&d, "old.json", &old);
    assert_bad_input(
        &["evaluate", &p],
        &["old.json", "schema_version", "\"1.0\" is no longer read", "re-collect"],
    );
}

/// Edits a fixture's JSON and returns the path of the result.
fn edited_fixture(dir: &tempfile::TempDir, fixture: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("fixtures/snapshots").join(fixture)).unwrap())
            .unwrap();
    edit(&mut v);
    write_temp(dir, fixture, &serde_json::to_string_pretty(&v).unwrap())
}

#[test]
fn times_out_of_range_are_refused_by_the_reader_naming_the_field() {
    let d = tempfile::tempdir().unwrap();
    for (year, at) in [
        ("0000-01-01T00:00:00Z", "collected_at"),
        ("9999-12-31T23:59:59Z", "collected_at"),
        ("1969-12-31T23:59:59Z", "accounts[0].iam.credential_report.generated_at"),
        (
            "2262-04-12T00:00:00Z",
            "accounts[0].iam.credential_report.root.password_last_used",
        ),
    ] {
        let p = edited_fixture(&d, "neglected-account.json", |v| match at {
            "collected_at" => v["collected_at"] = year.into(),
            a if a.ends_with("generated_at") => {
                v["accounts"][0]["iam"]["credential_report"]["generated_at"] = year.into()
            }
            _ => v["accounts"][0]["iam"]["credential_report"]["root"]["password_last_used"] = year.into(),
        });
        let o = run(&["evaluate", &p]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("at `{at}`")) && err.contains("out of range"),
            "{year}: {err}"
        );
        assert!(err.contains("line "), "{err}");
        assert!(!err.contains(".rego"), "a rule is not to blame: {err}");
    }
}

#[test]
fn key_id_fields_hold_exactly_four_characters() {
    let d = tempfile::tempdir().unwrap();
    for bad in ["AKIAIOSFODNN7EXAMPLE", "MPL", "mple", ""] {
        let p = edited_fixture(&d, "compliant-standalone.json", |v| {
            v["accounts"][0]["iam"]["credential_report"]["root"]["access_key_2"]["key_id_last4"] = bad.into()
        });
        let o = run(&["evaluate", &p, "-o", "json"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("accounts[0].iam.credential_report.root.access_key_2.key_id_last4"),
            "{err}"
        );
        assert!(!String::from_utf8_lossy(&o.stdout).contains("AKIAIOSFODNN7EXAMPLE"));
        assert!(
            !err.contains("AKIAIOSFODNN7EXAMPLE"),
            "the error must not repeat a key id: {err}"
        );
    }
    // The same for ids a root session (--audit-root) listed.
    for (at, bad) in [
        (
            "accounts[2].iam.root_audit.access_keys[0].key_id_last4",
            "AKIAIOSFODNN7EXAMPLE",
        ),
        ("accounts[2].iam.root_audit.access_keys[0].key_id_last4", "7qxa"),
        (
            "accounts[2].iam.root_audit.signing_certificates[0].certificate_id_last4",
            "ASCACKCEVSQ6C2EXAMPLE",
        ),
        (
            "accounts[2].iam.root_audit.signing_certificates[0].certificate_id_last4",
            "MPL",
        ),
    ] {
        let p = edited_fixture(&d, "audited-org.json", |v| {
            let audit = &mut v["accounts"][2]["iam"]["root_audit"];
            if at.contains("certificate") {
                audit["signing_certificates"] = serde_json::json!([{"certificate_id_last4": bad, "status": "Active"}]);
            } else {
                audit["access_keys"][0]["key_id_last4"] = bad.into();
            }
        });
        let o = run(&["evaluate", &p, "-o", "json"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(at), "{err}");
        assert!(!err.contains("EXAMPLE"), "the error must not repeat an id: {err}");
    }
}

#[test]
fn regions_and_field_selectors_are_checked_against_each_other() {
    let d = tempfile::tempdir().unwrap();
    let p = edited_fixture(&d, "compliant-standalone.json", |v| {
        v["accounts"][0]["expected_regions"] = serde_json::json!(["us-east-1"]);
    });
    assert_bad_input(
        &["evaluate", &p],
        &[
            "accounts[0].regions.eu-west-1",
            "line ",
            "not in the account's expected_regions",
        ],
    );
    let p = edited_fixture(&d, "advanced-selectors.json", |v| {
        let field = &mut v["accounts"][0]["regions"]["us-east-1"]["cloudtrail"]["trails"][0]
            ["advanced_event_selectors"][0]["field_selectors"][0];
        field.as_object_mut().unwrap().remove("equals");
    });
    assert_bad_input(
        &["evaluate", &p],
        &[
            "accounts[0].regions.us-east-1.cloudtrail.trails[0].advanced_event_selectors[0].field_selectors[0]",
            "no operator",
        ],
    );
    // A region meant to be collected but missing is insufficient data for every regional control.
    let (o, v) = json_of(&[
        "evaluate",
        &edited_fixture(&d, "compliant-standalone.json", |v| {
            v["accounts"][0]["regions"].as_object_mut().unwrap().remove("eu-west-1");
        }),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (rule, status) in statuses(&v, "555566667777") {
        if rule.starts_with("RW-MON") {
            assert_eq!(status, "insufficient_data", "{rule}");
        }
    }
    let msg = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "RW-MON-004")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("regions not collected: eu-west-1"), "{msg}");
}

#[test]
fn missing_snapshot_file() {
    assert_bad_input(&["evaluate", "no/such/snapshot.json"], &["no/such/snapshot.json"]);
}

#[test]
fn broken_rego_rule_names_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    write_temp(&d, "broken.rego", "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: U-1\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.broken\nimport rego.v1\n\ndeny contains x if {\n  x := \n}\n");
    let dir = d.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir],
        &["broken.rego:12"],
    );
}

#[test]
fn rule_outside_the_namespace_or_without_metadata() {
    let d = tempfile::tempdir().unwrap();
    write_temp(
        &d,
        "stray.rego",
        "package other\nimport rego.v1\ndeny contains 1 if false\n",
    );
    let dir = d.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir],
        &["stray.rego:1", "rootwarden.rules."],
    );
    let d2 = tempfile::tempdir().unwrap();
    write_temp(
        &d2,
        "nometa.rego",
        "package rootwarden.rules.nometa\nimport rego.v1\ndeny contains 1 if false\n",
    );
    let dir2 = d2.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir2],
        &["nometa.rego", "METADATA"],
    );
}

#[test]
fn duplicate_rule_id_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    write_temp(&d, "dup.rego", "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: RW-ROOT-001\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.dup\nimport rego.v1\ndeny contains 1 if false\n");
    let dir = d.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir],
        &["dup.rego", "RW-ROOT-001", "already used"],
    );
}

#[test]
fn deny_entry_without_required_fields() {
    let d = tempfile::tempdir().unwrap();
    write_temp(&d, "shape.rego", "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: U-2\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.shape\nimport rego.v1\ndeny contains {\"message\": \"m\"} if true\n");
    let dir = d.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir],
        &["shape.rego", "account_id"],
    );
}

#[test]
fn requirements_with_unknown_key_or_bad_date() {
    let d = tempfile::tempdir().unwrap();
    let p = write_temp(
        &d,
        "req.yaml",
        "lookback_days: 30\nalerting:\n  alow_eventbridge: true\n",
    );
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--requirements",
            &p,
        ],
        &["req.yaml", "line 3", "alow_eventbridge"],
    );
    let p = write_temp(&d, "date.yaml", "retained_root_keys:\n  - account_id: \"111111111111\"\n    key_last4: ABCD\n    justification: j\n    decommission_date: 2026-02-30\n");
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--requirements",
            &p,
        ],
        &["date.yaml", "decommission_date"],
    );
    let p = write_temp(&d, "acct.json", "{\"scope\": {\"include_accounts\": [\"12\"]}}");
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--requirements",
            &p,
        ],
        &["acct.json", "12-digit"],
    );
}

#[test]
fn unknown_flag_or_format_and_unwritable_output() {
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--frobnicate"],
        &["--frobnicate"],
    );
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "-o", "pdf"],
        &["pdf"],
    );
    let d = tempfile::tempdir().unwrap();
    let blocker = write_temp(&d, "file", "x");
    let target = format!("json={blocker}/sub/out.json");
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "-o", &target],
        &["-o json", "is not a directory"],
    );
}

#[test]
fn out_of_scope_accounts_are_skipped() {
    let d = tempfile::tempdir().unwrap();
    let p = write_temp(&d, "scope.yaml", "scope:\n  exclude_accounts: [\"222222222222\"]\n");
    let (o, v) = json_of(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "--requirements",
        &p,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["summary"]["accounts"], 2);
    assert!(statuses(&v, "222222222222").is_empty());
}

/// Evaluating nothing is never a pass: a scope that matches no account of the snapshot (a typo'd
/// id), or a snapshot without accounts, is bad input on every command that evaluates.
#[test]
fn a_scope_that_matches_nothing_is_an_error_never_a_pass() {
    let d = tempfile::tempdir().unwrap();
    let typo = write_temp(&d, "typo.yaml", "scope:\n  include_accounts: [\"111111111112\"]\n");
    let all_out = write_temp(
        &d,
        "none.yaml",
        "scope:\n  exclude_accounts: [\"111111111111\", \"222222222222\", \"333333333333\"]\n",
    );
    let org = "fixtures/snapshots/compliant-org.json";
    let strict = ["--fail-on", "info", "--fail-on-incomplete"];
    for req in [&typo, &all_out] {
        let mut args = vec!["evaluate", org, "--requirements", req.as_str(), "-o", "json"];
        args.extend(strict);
        assert_bad_input(&args, &["nothing to evaluate", "scope", "111111111111"]);
        assert_bad_input(
            &["remediate", "--snapshot", org, "--requirements", req.as_str()],
            &["nothing to evaluate", "scope"],
        );
        assert_bad_input(
            &[
                "activity",
                "--logs",
                "fixtures/activity/logs",
                "--snapshot",
                org,
                "--requirements",
                req.as_str(),
            ],
            &["nothing to evaluate", "scope"],
        );
    }
    assert_bad_input(
        &["evaluate", org, "--requirements", &typo],
        &["include_accounts: [111111111112]"],
    );
    let mut empty: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(org)).unwrap()).unwrap();
    empty["accounts"] = serde_json::json!([]);
    empty.as_object_mut().unwrap().remove("organization");
    let p = write_temp(&d, "empty.json", &empty.to_string());
    let mut args = vec!["evaluate", p.as_str(), "-o", "sarif", "-o", "junit=/dev/null"];
    args.extend(strict);
    assert_bad_input(&args, &["nothing to evaluate", "no accounts"]);
}

#[test]
fn runtime_error_names_the_rule_even_when_rules_are_evaluated_together() {
    let d = tempfile::tempdir().unwrap();
    let meta = |id: &str| {
        format!("# METADATA\n# title: t\n# description: d\n# custom:\n#   id: {id}\n#   severity: low\n#   remediation: r\n")
    };
    write_temp(
        &d,
        "boom.rego",
        &format!("{}package rootwarden.rules.boom\nimport rego.v1\ndeny contains x if {{\n  x := to_number(\"not a number\")\n}}\n", meta("U-BOOM")),
    );
    let dir = d.path().display().to_string();
    assert_bad_input(
        &["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir],
        &["boom.rego", "U-BOOM"],
    );
}

#[test]
fn undefined_complete_verdict_rules_read_as_empty() {
    let d = tempfile::tempdir().unwrap();
    write_temp(
        &d,
        "quiet.rego",
        "# METADATA\n# title: quiet\n# description: d\n# custom:\n#   id: U-QUIET\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.quiet\nimport rego.v1\ndeny contains 1 if false\ninsufficient_data := [\"never\"] if false\nnot_applicable := {\"message\": \"member accounts only\"} if input.account.role == \"management\"\n",
    );
    let dir = d.path().display().to_string();
    let (_, report) = json_of(&["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &dir]);
    let statuses: Vec<(String, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["rule_id"] == "U-QUIET")
        .map(|o| {
            (
                o["account_id"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(statuses.iter().any(|(_, s)| s == "not_applicable"), "{statuses:?}");
    assert!(statuses.iter().any(|(_, s)| s == "pass"), "{statuses:?}");
    assert!(
        statuses.iter().all(|(_, s)| s == "pass" || s == "not_applicable"),
        "{statuses:?}"
    );
}

const CIS_ROOT: &str =
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

#[test]
fn explain_filter_cis_pattern_is_a_root_detection() {
    let o = run(&["explain-filter", CIS_ROOT]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("MATCH  root-console-sign-in-failure"), "{out}");
    assert!(
        out.contains(r#"✗ $.userIdentity.invokedBy NOT EXISTS  (found "support.amazonaws.com")"#),
        "{out}"
    );
    assert!(
        out.contains("counts every required root event and nothing else"),
        "{out}"
    );
}

#[test]
fn explain_filter_names_missed_events_and_noise() {
    let typo = CIS_ROOT.replace("userIdentity.type", "userIdentity.Type");
    let o = run(&["explain-filter", &typo, "-o", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Every event that must match is missed, however many canonical root events there are.
    let must_match = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["expected"] == "must match")
        .count();
    assert!(must_match >= 5, "{v}");
    assert_eq!(v["missed"].as_array().unwrap().len(), must_match, "{v}");
    assert_eq!(v["events"][0]["conditions"][0]["found"], "(absent)");

    let o = run(&[
        "explain-filter",
        r#"{ $.userIdentity.type = "Root" || $.userIdentity.invokedBy NOT EXISTS }"#,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("iam-user-api-call") && out.contains("NOISE"), "{out}");
}

#[test]
fn explain_filter_regex_patterns() {
    let regex =
        r#"{ $.userIdentity.type = %^Root$% && $.userIdentity.invokedBy NOT EXISTS && $.eventType != %^AwsService% }"#;
    let o = run(&["explain-filter", regex]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(r#"✓ $.userIdentity.type = %^Root$%  (found "Root")"#),
        "{out}"
    );
    assert!(
        out.contains(r#"✗ $.eventType != %^AwsService%  (found "AwsServiceEvent")"#),
        "{out}"
    );
    assert!(
        out.contains("counts every required root event and nothing else"),
        "{out}"
    );

    // Standalone, a regular expression searches the whole record: "Root" is in root events
    // and in the AssumeRoot call, so it misses nothing and counts noise.
    let o = run(&["explain-filter", "%Root%", "-o", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["missed"], serde_json::json!([]), "{v}");
    assert!(
        v["noise"].as_array().unwrap().iter().any(|e| e == "assume-root-call"),
        "{v}"
    );

    // Outside AWS's subset: the column of the character AWS rejects.
    assert_bad_input(
        &["explain-filter", "{ $.userIdentity.type = %Root!% }"],
        &["at column 30", "`!` is not allowed in a regular expression"],
    );
    assert_bad_input(
        &["explain-filter", "{ $.a = %a% && $.b = %b% && $.c = %c% }"],
        &["at column 35", "at most two regular expressions"],
    );
}

#[test]
fn explain_filter_event_pattern() {
    let good = r#"{"detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
                  "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": false}]}}}"#;
    let o = run(&["explain-filter", "--event-pattern", good]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_bad_input(
        &[
            "explain-filter",
            "--event-pattern",
            r#"{"detail": {"userIdentity": {"type": "Root"}}}"#,
        ],
        &["detail.userIdentity.type", "inside a list"],
    );
}

#[test]
fn explain_filter_unparsable_pattern_is_bad_input_with_column() {
    assert_bad_input(
        &["explain-filter", r#"{ $.userIdentity.type = "Root" && }"#],
        &["at column 35", "expected a condition"],
    );
    assert_bad_input(&["explain-filter", r#"{ $.a = "unterminated }"#], &["at column"]);
}

#[test]
fn user_rules_end_to_end_new_test_evaluate_sarif() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().display().to_string();
    let o = run(&["rules", "new", "no_member_password", "--dir", &dir, "--id", "ACME-001"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Refuses to overwrite.
    assert_bad_input(
        &["rules", "new", "no_member_password", "--dir", &dir],
        &["already exists"],
    );
    assert_bad_input(&["rules", "new", "Bad-Name", "--dir", &dir], &["lower case"]);

    let o = run(&["rules", "test", "--rules", &dir, "--no-builtin-rules", "--coverage"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("PASS rootwarden.rules.no_member_password_test.test_member_with_password_fails"),
        "{out}"
    );
    assert!(out.contains("% ") && out.contains("no_member_password.rego"), "{out}");
    assert!(out.contains("3 passed, 0 failed"), "{out}");

    // A failing test: exit 1 with file:line.
    write_temp(
        &d,
        "no_member_password_extra_test.rego",
        "package rootwarden.rules.no_member_password_extra_test\nimport rego.v1\nimport data.rootwarden.rules.no_member_password as rule\n\ntest_wrong_expectation if {\n\tcount(rule.deny) == 1 with input as {\"account\": {\"account_id\": \"1\", \"partition\": \"aws\", \"role\": \"member\", \"iam\": {\"credential_report\": {\"root\": {\"password_enabled\": false}}}}}\n}\n",
    );
    let o = run(&["rules", "test", "--rules", &dir, "--no-builtin-rules"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAIL rootwarden.rules.no_member_password_extra_test.test_wrong_expectation"),
        "{out}"
    );
    assert!(out.contains("no_member_password_extra_test.rego:5"), "{out}");
    std::fs::remove_file(d.path().join("no_member_password_extra_test.rego")).unwrap();

    // evaluate with only the user rule: the organization's members have no password -> pass,
    // the management account is not applicable.
    let (o, v) = json_of(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "--rules",
        &dir,
        "--only",
        "ACME-001",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let statuses: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "{v}");
    assert!(
        statuses.contains(&"not_applicable") && statuses.contains(&"pass"),
        "{statuses:?}"
    );

    // A second user rule that fails: account names must follow the naming convention.
    write_temp(
        &d,
        "account_naming.rego",
        "# METADATA\n# title: Account names follow the acme- convention\n# description: Names say who owns an account.\n# custom:\n#   id: ACME-002\n#   severity: low\n#   remediation: Rename the account.\npackage rootwarden.rules.account_naming\nimport rego.v1\ndeny contains {\"account_id\": input.account.account_id, \"resource\": sprintf(\"arn:aws:organizations::%s:account\", [input.account.account_id]), \"message\": sprintf(\"Account name %v does not start with acme-.\", [input.account.name]), \"evidence\": {\"name\": input.account.name}} if {\n\tnot startswith(object.get(input.account, \"name\", \"\"), \"acme-\")\n}\n",
    );
    write_temp(
        &d,
        "account_naming_test.rego",
        "package rootwarden.rules.account_naming_test\nimport rego.v1\nimport data.rootwarden.rules.account_naming as rule\ntest_other_name_fails if {\n\tcount(rule.deny) == 1 with input as {\"account\": {\"account_id\": \"1\", \"name\": \"legacy\"}}\n}\ntest_acme_name_passes if {\n\tcount(rule.deny) == 0 with input as {\"account\": {\"account_id\": \"1\", \"name\": \"acme-prod\"}}\n}\n",
    );
    let o = run(&["rules", "test", "--rules", &dir, "--no-builtin-rules"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("5 passed, 0 failed"));
    let (o, v) = json_of(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "--rules",
        &dir,
        "--no-builtin-rules",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a low finding is below the default --fail-on high"
    );
    assert_eq!(
        v["summary"]["outcomes"]["fail"], 3,
        "every account's name lacks the prefix: {v}"
    );
    let (o, _) = json_of(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "--rules",
        &dir,
        "--no-builtin-rules",
        "--fail-on",
        "low",
    ]);
    assert_eq!(o.status.code(), Some(1));

    // SARIF carries the user rules with their metadata, and the failing one's results.
    let sarif = d.path().join("out.sarif");
    let spec = format!("sarif={}", sarif.display());
    let o = run(&[
        "evaluate",
        "fixtures/snapshots/neglected-account.json",
        "--rules",
        &dir,
        "-o",
        &spec,
        "--fail-on",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let acme = rules
        .iter()
        .find(|r| r["id"] == "ACME-001")
        .expect("user rule in SARIF");
    assert_eq!(
        acme["shortDescription"]["text"],
        "Root has no console password in member accounts"
    );
    let naming = rules
        .iter()
        .find(|r| r["id"] == "ACME-002")
        .expect("failing user rule in SARIF");
    assert_eq!(
        naming["shortDescription"]["text"],
        "Account names follow the acme- convention"
    );
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "ACME-002"
        && r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("does not start with acme-")));
}

#[test]
fn bundled_rule_tests_pass_through_rules_test() {
    let o = run(&["rules", "test"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("PASS rootwarden.rules.root_detection_noise_test."),
        "{out}"
    );
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn rules_show_and_selection() {
    let o = run(&["rules", "show", "RW-ROOT-001"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.contains("severity:     critical") && out.contains("IAM.4") && out.contains("Remediation:"),
        "{out}"
    );
    assert_bad_input(&["rules", "show", "RW-NOPE-1"], &["RW-NOPE-1", "rules list"]);
    let o = run(&["rules", "list", "--skip", "RW-MON-007,RW-ROOT-001"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !out.contains("RW-MON-007") && !out.contains("RW-ROOT-001") && out.contains("RW-ROOT-002"),
        "{out}"
    );
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--only",
            "RW-ROOT-01",
        ],
        &["RW-ROOT-01", "no loaded rule"],
    );
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--rule-timeout",
            "0",
        ],
        &["--rule-timeout"],
    );
}

#[test]
fn a_runaway_rule_is_stopped_by_the_time_limit() {
    let d = tempfile::tempdir().unwrap();
    write_temp(
        &d,
        "spin.rego",
        "# METADATA\n# title: spin\n# description: d\n# custom:\n#   id: U-SPIN\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.spin\nimport rego.v1\ndeny contains x if {\n  n := count([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 1000); i + j == 0])\n  x := {\"account_id\": input.account.account_id, \"resource\": \"r\", \"message\": sprintf(\"%d\", [n]), \"evidence\": null}\n}\n",
    );
    let dir = d.path().display().to_string();
    assert_bad_input(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-standalone.json",
            "--rules",
            &dir,
            "--no-builtin-rules",
            "--rule-timeout",
            "0.5",
        ],
        &[
            "spin.rego",
            "U-SPIN",
            "555566667777",
            "time budget of 0.5s",
            "--rule-timeout",
        ],
    );
}

fn waiver_requirements(dir: &tempfile::TempDir, name: &str, expires: &str, resource: &str) -> String {
    write_temp(
        dir,
        name,
        &format!(
            "waivers:\n  - rule_id: RW-ROOT-002\n    account_id: \"555566667777\"\n    resource: \"{resource}\"\n    reason: certificate used by a legacy partner integration until migration\n    approver: security@example.com\n    expires: {expires}\n"
        ),
    )
}

#[test]
fn an_unexpired_waiver_suppresses_in_every_report() {
    let d = tempfile::tempdir().unwrap();
    let req = waiver_requirements(&d, "req.yaml", "2099-12-31", "arn:aws:iam::*:root");
    let snap = "fixtures/snapshots/fault-active-signing-cert.json";
    // Without the waiver the certificate fails the gate.
    assert_eq!(run(&["evaluate", snap]).status.code(), Some(1));

    let (o, v) = json_of(&["evaluate", snap, "--requirements", &req]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an accepted finding does not fail the gate: {}",
        stderr(&o)
    );
    let waived: Vec<&serde_json::Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "RW-ROOT-002")
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["status"], "waived");
    assert_eq!(waived[0]["suppression"]["approver"], "security@example.com");
    assert_eq!(v["summary"]["outcomes"]["waived"], 1);
    assert_eq!(v["expired_waivers"], serde_json::json!([]));

    let sarif = d.path().join("w.sarif");
    let junit = d.path().join("w.xml");
    let specs = [
        format!("sarif={}", sarif.display()),
        format!("junit={}", junit.display()),
    ];
    let o = run(&[
        "evaluate",
        snap,
        "--requirements",
        &req,
        "-o",
        &specs[0],
        "-o",
        &specs[1],
        "-o",
        "text",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("WAIVED") && text.contains("waived until 2099-12-31"),
        "{text}"
    );
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "RW-ROOT-002")
        .expect("waived finding stays in SARIF");
    assert_eq!(r["suppressions"][0]["kind"], "external");
    assert_eq!(r["suppressions"][0]["status"], "accepted");
    assert!(r["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("legacy partner"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<skipped") && xml.contains("waived until 2099-12-31"),
        "{xml}"
    );
}

#[test]
fn an_expired_or_non_matching_waiver_suppresses_nothing_and_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let snap = "fixtures/snapshots/fault-active-signing-cert.json";
    let expired = waiver_requirements(&d, "old.yaml", "2020-01-01", "*");
    let (o, v) = json_of(&["evaluate", snap, "--requirements", &expired]);
    assert_eq!(o.status.code(), Some(1));
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "RW-ROOT-002")
        .unwrap();
    assert_eq!(r["status"], "fail");
    assert!(r.get("suppression").is_none());
    assert_eq!(v["expired_waivers"][0]["expires"], "2020-01-01");
    assert_eq!(v["expired_waivers"][0]["findings_no_longer_suppressed"], 1);
    let text = String::from_utf8_lossy(&run(&["evaluate", snap, "--requirements", &expired]).stdout).into_owned();
    assert!(text.contains("Expired waiver #0 (RW-ROOT-002"), "{text}");

    let elsewhere = waiver_requirements(&d, "other.yaml", "2099-12-31", "arn:aws:iam::111111111111:*");
    let (o, v) = json_of(&["evaluate", snap, "--requirements", &elsewhere]);
    assert_eq!(o.status.code(), Some(1), "the glob does not cover this account's root");
    assert_eq!(v["summary"]["outcomes"]["waived"], 0);

    let bad = write_temp(
        &d,
        "bad.yaml",
        "waivers:\n  - rule_id: RW-ROOT-002\n    account_id: \"5555\"\n    reason: r\n    expires: 2099-01-01\n",
    );
    assert_bad_input(
        &["evaluate", snap, "--requirements", &bad],
        &["bad.yaml", "waivers[0].account_id"],
    );
    let no_reason = write_temp(
        &d,
        "noreason.yaml",
        "waivers:\n  - rule_id: RW-ROOT-002\n    account_id: \"*\"\n    expires: 2099-01-01\n",
    );
    assert_bad_input(
        &["evaluate", snap, "--requirements", &no_reason],
        &["noreason.yaml", "reason"],
    );
}

/// A waiver's reason, rule and expiry are what they say: `~` is not the reason "null", a rule id
/// no loaded rule has is a typo that would waive nothing, and a date past the rules' clock is
/// not a date. Each is bad input naming the file and the line.
#[test]
fn a_waiver_needs_a_reason_a_loaded_rule_and_a_real_date() {
    let d = tempfile::tempdir().unwrap();
    let waiver = |rule: &str, reason: &str, expires: &str| {
        format!(
            "# waivers\nwaivers:\n  - rule_id: {rule}\n    account_id: \"555566667777\"\n    reason: {reason}\n    expires: {expires}\n"
        )
    };
    let snap = "fixtures/snapshots/waived-signing-cert.json";
    for (name, text, place, says) in [
        (
            "null.yaml",
            waiver("RW-ROOT-002", "~", "2099-12-31"),
            "line 5",
            "waivers[0].reason",
        ),
        (
            "null-word.yaml",
            waiver("RW-ROOT-002", "null", "2099-12-31"),
            "line 5",
            "found null",
        ),
        (
            "typo.yaml",
            waiver("RW-ROOT-020", "legacy partner", "2099-12-31"),
            "line 3",
            "RW-ROOT-020",
        ),
        (
            "far.yaml",
            waiver("RW-ROOT-002", "legacy partner", "+99999-12-31"),
            "line 6",
            "waivers[0].expires",
        ),
        (
            "past.yaml",
            waiver("RW-ROOT-002", "legacy partner", "9999-12-31"),
            "line 6",
            "out of range",
        ),
    ] {
        let p = write_temp(&d, name, &text);
        for cmd in [
            vec!["evaluate", snap, "--requirements", p.as_str()],
            vec!["remediate", "--snapshot", snap, "--requirements", p.as_str()],
        ] {
            assert_bad_input(&cmd, &[name, place, says]);
        }
    }
    // Known means loaded for this run: a user rule's id is, a bundled one is not without them.
    let rules = tempfile::tempdir().unwrap();
    write_temp(
        &rules,
        "mine.rego",
        "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: ACME-009\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.mine\nimport rego.v1\ndeny contains 1 if false\n",
    );
    let dir = rules.path().display().to_string();
    let p = write_temp(&d, "user.yaml", &waiver("ACME-009", "accepted", "2099-12-31"));
    let o = run(&[
        "evaluate",
        snap,
        "--requirements",
        &p,
        "--rules",
        &dir,
        "--fail-on",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = write_temp(&d, "bundled.yaml", &waiver("RW-ROOT-002", "accepted", "2099-12-31"));
    assert_bad_input(
        &[
            "evaluate",
            snap,
            "--requirements",
            &p,
            "--rules",
            &dir,
            "--no-builtin-rules",
        ],
        &["bundled.yaml", "line 3", "RW-ROOT-002", "ACME-009"],
    );
    // Checks made after parsing name the line too.
    let p = write_temp(&d, "lookback.yaml", "version: 1\nlookback_days: 0\n");
    assert_bad_input(
        &["evaluate", snap, "--requirements", &p],
        &["lookback.yaml", "line 2", "lookback_days"],
    );
    // CloudWatch keeps alarm history 30 days: a longer drill interval could never be proven.
    let p = write_temp(
        &d,
        "drill.yaml",
        "version: 1
alerting:
  drill_every_days: 90
",
    );
    assert_bad_input(
        &["evaluate", snap, "--requirements", &p],
        &["drill.yaml", "line 3", "drill_every_days", "30 days"],
    );
}

/// Runs rootwarden, killing it after `secs` seconds (a hang is a failure, not a stuck test).
fn run_with_timeout(args: &[&str], secs: u64) -> Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("rootwarden {args:?} did not return within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn symlink_loops_in_a_rules_directory_are_an_error_naming_the_path() {
    let rule = std::fs::read_to_string(root().join("rules/root_mfa.rego")).unwrap();
    let rule = rule
        .replace("RW-ROOT-003", "USER-001")
        .replace("package rootwarden.rules.root_mfa", "package rootwarden.rules.user_mfa");
    // Two links to `.`: the walk was exponential and never returned.
    let two = tempfile::tempdir().unwrap();
    std::fs::write(two.path().join("user_mfa.rego"), &rule).unwrap();
    std::os::unix::fs::symlink(".", two.path().join("a")).unwrap();
    std::os::unix::fs::symlink(".", two.path().join("b")).unwrap();
    // One link to a parent: the walk was cut short silently.
    let one = tempfile::tempdir().unwrap();
    let sub = one.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("user_mfa.rego"), &rule).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    for (dir, link) in [(&two, "a"), (&one, "sub/up")] {
        let d = dir.path().display().to_string();
        for args in [
            vec!["rules", "list", "--no-builtin-rules", "--rules", &d],
            vec!["rules", "test", "--no-builtin-rules", "--rules", &d],
            vec!["evaluate", "fixtures/snapshots/compliant-org.json", "--rules", &d],
        ] {
            let o = run_with_timeout(&args, 60);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(&format!("{d}/{link}")), "{args:?}: {err}");
            assert!(err.contains("symbolic link loop"), "{args:?}: {err}");
        }
    }
    // A link to a directory outside the tree is followed.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("user_mfa.rego"), &rule).unwrap();
    let linked = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), linked.path().join("shared")).unwrap();
    let o = run(&[
        "rules",
        "list",
        "--no-builtin-rules",
        "--rules",
        &linked.path().display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("USER-001"));
}

/// Control characters (but newline) and bidirectional overrides a hostile string could use to
/// rewrite the terminal: ESC, CSI, OSC, BEL, CR, DEL, the C1 range, U+202E...
fn terminal_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text.chars().filter(|c| terminal_unsafe(*c)).collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {text}");
    assert!(
        text.contains("\\x1b"),
        "{what}: the escape is shown, not dropped silently: {text}"
    );
}

/// ESC [2J (clear), an OSC 8 hyperlink and an OSC 0 title ending in BEL, a C1 CSI, CR, a
/// right-to-left override, as JSON string content.
const HOSTILE: &str =
    r"\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u001b]0;pwned\u0007\u009b31m\r\u202eevil";

#[test]
fn control_characters_from_snapshots_and_rules_never_reach_the_terminal() {
    let d = tempfile::tempdir().unwrap();
    let hostile_copy = |fixture: &str, from: &str, name: &str| {
        let text = std::fs::read_to_string(root().join(fixture)).unwrap();
        assert!(text.contains(from), "{fixture}");
        write_temp(&d, name, &text.replace(from, &format!("{from}{HOSTILE}")))
    };
    let log_group = hostile_copy(
        "fixtures/snapshots/fault-filter-other-log-group.json",
        "aws-cloudtrail-logs",
        "lg.json",
    );
    let service = hostile_copy(
        "fixtures/snapshots/neglected-account.json",
        "\"last_used_service\": \"s3",
        "svc.json",
    );
    let named = hostile_copy(
        "fixtures/snapshots/compliant-org.json",
        "\"name\": \"org-management",
        "named.json",
    );
    for args in [
        vec!["evaluate", log_group.as_str()],
        vec!["evaluate", service.as_str(), "-o", "text"],
        vec!["remediate", "plan", "--snapshot", log_group.as_str()],
        vec![
            "activity",
            "--logs",
            "fixtures/activity/logs",
            "--snapshot",
            named.as_str(),
        ],
    ] {
        let o = run(&args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
        assert_terminal_safe(&format!("{args:?}"), &o.stdout);
    }
    // The same to a file: text reports are often `cat`ed.
    let report = d.path().join("report.txt");
    let o = run(&["evaluate", &service, "-o", &format!("text={}", report.display())]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_terminal_safe("text file", &std::fs::read(&report).unwrap());
    // JSON keeps the string as it was (escaped the JSON way).
    let o = run(&["evaluate", &service, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("\\u001b[2J"), "{v}");

    // A user rule: title and message.
    let rules = d.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("hostile.rego"),
        format!(
            "# METADATA\n# title: \"Hostile {HOSTILE}\"\n# description: d\n# custom:\n#   id: U-HOSTILE\n#   severity: high\n#   remediation: \"fix {HOSTILE}\"\npackage rootwarden.rules.hostile\nimport rego.v1\ndeny contains {{\"account_id\": input.account.account_id, \"resource\": \"r\", \"message\": \"msg {HOSTILE}\", \"evidence\": null}} if true\n"
        ),
    )
    .unwrap();
    let rules = rules.display().to_string();
    for args in [
        vec!["rules", "list", "--rules", rules.as_str()],
        vec!["rules", "show", "U-HOSTILE", "--rules", rules.as_str()],
        vec![
            "evaluate",
            "fixtures/snapshots/compliant-standalone.json",
            "--rules",
            rules.as_str(),
            "--only",
            "U-HOSTILE",
        ],
    ] {
        let o = run(&args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
        assert_terminal_safe(&format!("{args:?}"), &o.stdout);
    }
    // Error messages quote input too.
    let o = run(&["rules", "show", "X\u{1b}]0;pwned\u{7}"]);
    assert_eq!(o.status.code(), Some(2));
    assert_terminal_safe("error", &o.stderr);
}
