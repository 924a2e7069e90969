//! `--audit-root` and `--verify-filters` live, against moto through `tests/moto/launcher.py`
//! (which implements sts:AssumeRoot and the root sessions it opens, as AWS documents them).

mod support;

use serde_json::{json, Value};
use support::scan::{compliant_table, diff, scan, with};
use support::Moto;

use rootwarden::aws::assume_root::TaskPolicy;

/// The messages of an account's findings for one rule.
fn messages(findings: &Value, account: &str, rule: &str) -> Vec<String> {
    findings["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["account_id"] == account && r["rule_id"] == rule)
        .map(|r| r["message"].as_str().unwrap().to_string())
        .collect()
}

fn account<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap()
}

fn errors_of<'a>(snapshot: &'a Value, operation: &str) -> Vec<&'a Value> {
    snapshot["collection_errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == operation)
        .collect()
}

#[test]
fn root_sessions_read_member_root_credentials_first_hand() {
    let Some(moto) = Moto::start() else { return };
    // Member 0: a password and no MFA. Member 1: root credentials removed centrally.
    let org = moto.scenario(&["member-no-mfa", "member-root-removed"]);
    let (m0, m1) = (&org.members[0], &org.members[1]);

    // The credential report cannot tell "no password" from "a password": both members fail MFA.
    let plain = scan(&moto, &[]);
    let want = with(
        compliant_table(&org),
        &[
            (m0, "RW-ROOT-003", "fail"),
            (m0, "RW-ROOT-004", "fail"),
            (m1, "RW-ROOT-003", "fail"),
            (m1, "RW-ROOT-004", "fail"),
        ],
    );
    assert_eq!(diff(&plain.table, &want), "");
    moto.post("/_rootwarden/calls/reset");

    let audited = scan(&moto, &["--audit-root"]);
    let stderr = String::from_utf8_lossy(&audited.out.stderr);
    let want = with(
        compliant_table(&org),
        &[
            (m0, "RW-ROOT-003", "fail"),
            (m0, "RW-ROOT-004", "fail"),
            (m1, "RW-ROOT-003", "not_applicable"),
            (m1, "RW-ROOT-004", "not_applicable"),
        ],
    );
    assert_eq!(diff(&audited.table, &want), "", "{stderr}");
    assert_eq!(
        messages(&audited.findings, m0, "RW-ROOT-003"),
        ["The root user has a password and no MFA device; a stolen root password alone signs in."]
    );
    let snap = &audited.snapshot;
    assert_eq!(snap["collection_errors"], json!([]), "{stderr}");
    assert_eq!(account(snap, m0)["iam"]["root_login_profile"], "present");
    assert_eq!(account(snap, m1)["iam"]["root_login_profile"], "absent");
    let audit = &account(snap, m1)["iam"]["root_audit"];
    assert_eq!(audit["access_keys"], json!([]));
    assert_eq!(audit["mfa_devices"], json!([]));
    assert_eq!(audit["signing_certificates"], json!([]));
    assert_eq!(
        account(snap, &org.management)["iam"].get("root_audit"),
        None,
        "AssumeRoot reaches member accounts only"
    );

    // AssumeRoot is the management account's call; the session's calls are the members' and
    // stay within the read-only task policy.
    let calls = moto.server_calls();
    assert_eq!(calls[&org.management].get("sts:AssumeRoot"), Some(&2), "{calls:?}");
    let task = TaskPolicy::AuditRootUserCredentials.actions();
    for m in [m0, m1] {
        for op in [
            "iam:GetLoginProfile",
            "iam:ListAccessKeys",
            "iam:ListMFADevices",
            "iam:ListSigningCertificates",
        ] {
            assert_eq!(
                calls[m.as_str()].get(op),
                Some(&1),
                "{m}: {op}: {:?}",
                calls[m.as_str()]
            );
            assert!(task.contains(&op));
        }
    }
}

#[test]
fn a_refused_root_session_keeps_the_reports_facts_and_a_throttled_one_is_retried() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["member-root-removed"]);
    let m1 = &org.members[1];

    // Throttled twice: the SDK's retries absorb it.
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "sts:AssumeRoot", "account_id": m1, "code": "Throttling", "times": 2}),
    );
    let s = scan(&moto, &["--audit-root"]);
    assert_eq!(s.table[&(m1.clone(), "RW-ROOT-003".into())], "not_applicable");
    assert!(
        errors_of(&s.snapshot, "AssumeRoot").is_empty(),
        "{}",
        s.snapshot["collection_errors"]
    );

    // Refused: the refusal is recorded, the credential report's facts stand (MFA fails, as the
    // report cannot say there is no password), and nothing passes on the missing session.
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "sts:AssumeRoot", "account_id": m1}),
    );
    let s = scan(&moto, &["--audit-root", "--fail-on-incomplete"]);
    assert_eq!(s.out.status.code(), Some(3));
    let refused = errors_of(&s.snapshot, "AssumeRoot");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["account_id"], m1.as_str());
    assert_eq!(refused[0]["service"], "sts");
    assert_eq!(refused[0]["error_code"], "AccessDenied");
    assert_eq!(account(&s.snapshot, m1)["iam"].get("root_audit"), None);
    assert_eq!(account(&s.snapshot, m1)["iam"]["root_login_profile"], Value::Null);
    assert_eq!(s.table[&(m1.clone(), "RW-ROOT-003".into())], "fail");
    // The other member was audited.
    assert_eq!(
        account(&s.snapshot, &org.members[0])["iam"]["root_login_profile"],
        "present"
    );
}

#[test]
fn without_root_sessions_no_session_is_attempted_and_the_config_rule_audits_through_its_own_role() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["member-root-removed", "root-sessions-disabled"]);
    let m1 = &org.members[1];
    let s = scan(&moto, &["--audit-root"]);
    let errors = errors_of(&s.snapshot, "AssumeRoot");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["error_code"], "RootSessionsNotEnabled");
    assert_eq!(errors[0]["account_id"], Value::Null);
    assert_eq!(moto.server_calls()[&org.management].get("sts:AssumeRoot"), None);
    assert_eq!(s.table[&(m1.clone(), "RW-ROOT-003".into())], "fail");

    // The Config rule of the organization reaches the member through a member role, and opens
    // the root session with the function's own role (here the management account).
    let o = std::process::Command::new(&moto.python)
        .args([
            "-c",
            "import sys, boto3; boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing').enable_organizations_root_sessions()",
        ])
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let event = std::fs::read_to_string(support::root().join("deploy/events/scheduled.json")).unwrap();
    let mut event: Value = serde_json::from_str(&event).unwrap();
    event["accountId"] = json!(m1);
    // An event for the member says so in the invoking event too, as Config's do.
    let mut inner: Value = serde_json::from_str(event["invokingEvent"].as_str().unwrap()).unwrap();
    inner["awsAccountId"] = json!(m1);
    event["invokingEvent"] = Value::String(inner.to_string());
    event["ruleParameters"] =
        json!("{\"memberRoleName\":\"OrganizationAccountAccessRole\",\"auditRoot\":\"true\",\"only\":\"RW-ROOT-003\"}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    std::fs::write(&path, event.to_string()).unwrap();
    let o = moto.rootwarden(&[
        "config-rule",
        "invoke",
        "--event",
        path.to_str().unwrap(),
        "--test-mode",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["collection_errors"], 0, "{report}");
    let evaluation = report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ComplianceResourceId"] == format!("{m1}/RW-ROOT-003"))
        .unwrap();
    assert_eq!(evaluation["ComplianceType"], "NOT_APPLICABLE", "{evaluation}");
    assert_eq!(moto.server_calls()[&org.management].get("sts:AssumeRoot"), Some(&1));
}

#[test]
fn verify_filters_asks_aws_and_an_unanswered_question_is_never_a_pass() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    // moto does not implement TestMetricFilter; AWS would refuse it like this without the
    // permission.
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "logs:TestMetricFilter", "code": "AccessDeniedException"}),
    );
    let s = scan(&moto, &["--verify-filters"]);
    let mgmt = &org.management;
    for rule in ["RW-MON-003", "RW-MON-004", "RW-MON-005"] {
        assert_eq!(
            s.table[&(mgmt.clone(), rule.to_string())],
            "insufficient_data",
            "{rule}"
        );
    }
    let m = messages(&s.findings, mgmt, "RW-MON-003");
    assert!(
        m[0].contains("AWS could not test its pattern (logs:TestMetricFilter: AccessDeniedException"),
        "{m:?}"
    );
    let filter = &account(&s.snapshot, mgmt)["regions"]["us-east-1"]["logs"]["metric_filters"][0];
    assert_eq!(filter["aws_test"]["status"], "failed");
    assert_eq!(errors_of(&s.snapshot, "TestMetricFilter").len(), 1);
    assert_eq!(
        moto.server_calls()[mgmt.as_str()].get("logs:TestMetricFilter"),
        Some(&1),
        "one call for the one pattern"
    );
    // Without the flag nothing is asked and the engine judges alone.
    moto.post("/_rootwarden/calls/reset");
    let s = scan(&moto, &[]);
    assert_eq!(s.table[&(mgmt.clone(), "RW-MON-003".into())], "pass");
    assert_eq!(moto.server_calls()[mgmt.as_str()].get("logs:TestMetricFilter"), None);
    let filter = &account(&s.snapshot, mgmt)["regions"]["us-east-1"]["logs"]["metric_filters"][0];
    assert_eq!(filter["aws_test"], json!({"status": "not_run"}));
}
