//! Throttling slows a scan and never fails it: every call AWS throttles is retried with
//! backoff, and an account that stays throttled after the retries is insufficient data, never a
//! pass. Throttling is injected by the moto launcher (`POST /_rootwarden/deny` with a throttling
//! code and `times`), in each service's own protocol and with each service's own error code.
//!
//! Needs `ROOTWARDEN_MOTO_PYTHON` (see tests/live.rs).

mod support;

use support::scan::{compliant_table, diff, scan};
use support::Moto;

/// Injects `times` throttling answers `code` (HTTP `status`, else the launcher's default) on
/// `action`, in `account` when given.
fn throttle(moto: &Moto, action: &str, account: Option<&str>, code: &str, status: Option<u16>, times: Option<u32>) {
    let mut rule = serde_json::json!({"action": action, "code": code, "message": "Rate exceeded"});
    if let Some(a) = account {
        rule["account_id"] = a.into();
    }
    if let Some(s) = status {
        rule["status"] = s.into();
    }
    if let Some(t) = times {
        rule["times"] = t.into();
    }
    moto.post_json("/_rootwarden/deny", &rule);
}

#[test]
fn throttled_calls_are_retried_until_answered_and_the_scan_is_complete() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let (first, second) = (&org.members[0], &org.members[1]);
    // The caller's identity, the first call of all: tried twice only while the endpoint may be
    // unreachable, then retried as every call once the endpoint has answered.
    throttle(&moto, "sts:GetCallerIdentity", None, "Throttling", None, Some(3));
    // Discovery, as in the report: five throttled answers in a row on the organization.
    throttle(
        &moto,
        "organizations:DescribeOrganization",
        None,
        "TooManyRequestsException",
        None,
        Some(5),
    );
    throttle(
        &moto,
        "organizations:ListAccounts",
        None,
        "TooManyRequestsException",
        None,
        Some(2),
    );
    // Reaching a member: STS throttles the caller's AssumeRole.
    throttle(&moto, "sts:AssumeRole", Some(first), "Throttling", None, Some(3));
    // A member's collection, every service with the code (and status) it throttles with.
    throttle(
        &moto,
        "iam:GetAccountSummary",
        Some(second),
        "Throttling",
        None,
        Some(4),
    );
    throttle(
        &moto,
        "account:ListRegions",
        Some(second),
        "TooManyRequestsException",
        Some(429),
        Some(2),
    );
    throttle(
        &moto,
        "cloudtrail:DescribeTrails",
        Some(second),
        "ThrottlingException",
        None,
        Some(3),
    );
    throttle(
        &moto,
        "events:ListRules",
        Some(second),
        "ThrottlingException",
        None,
        Some(2),
    );
    // The management account: its IAM, and the trail's log group, alarm and topic every
    // member relies on.
    let management = Some(org.management.as_str());
    throttle(
        &moto,
        "iam:GenerateCredentialReport",
        management,
        "Throttling",
        None,
        Some(3),
    );
    throttle(
        &moto,
        "logs:DescribeMetricFilters",
        management,
        "ThrottlingException",
        None,
        Some(3),
    );
    throttle(
        &moto,
        "cloudwatch:DescribeAlarms",
        management,
        "Throttling",
        None,
        Some(3),
    );
    // SNS says `Throttled` (HTTP 429), a code the SDK's own list of throttling codes lacks.
    throttle(&moto, "sns:*", management, "Throttled", Some(429), Some(3));

    let s = scan(&moto, &["--fail-on-incomplete"]);
    let stderr = String::from_utf8_lossy(&s.out.stderr);
    assert_eq!(s.snapshot["collection_errors"], serde_json::json!([]), "{stderr}");
    assert_eq!(s.out.status.code(), Some(0), "{stderr}");
    let want = compliant_table(&org);
    assert!(s.table == want, "{}", diff(&s.table, &want));
    // Every injected answer was given: the calls were throttled, and retried past it.
    let rules = moto.get_json("/_rootwarden/deny");
    for r in rules.as_array().unwrap() {
        assert_eq!(r["hits"], r["times"], "{r}");
    }
}

#[test]
fn an_account_still_throttled_after_the_retries_is_insufficient_data_never_pass() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let lost = org.members.last().unwrap().clone();
    throttle(&moto, "iam:GetAccountSummary", Some(&lost), "Throttling", None, None);
    let s = scan(&moto, &["--fail-on-incomplete", "--regions", "us-east-1"]);
    let stderr = String::from_utf8_lossy(&s.out.stderr);
    assert_eq!(s.out.status.code(), Some(3), "{stderr}");
    let errors = s.snapshot["collection_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account_id"], lost.as_str());
    assert_eq!(errors[0]["operation"], "GetAccountSummary");
    assert_eq!(errors[0]["error_code"], "Throttling");
    // Retried: more than one attempt reached the server.
    let attempts = moto.server_calls()[&lost]["iam:GetAccountSummary"];
    assert!(attempts > 1, "{attempts} attempts");
    // What needed the account summary is undecided in that account; everything else is judged.
    let want = compliant_table(&org);
    let changed: Vec<_> = want.keys().filter(|k| s.table.get(*k) != want.get(*k)).collect();
    assert!(!changed.is_empty(), "the throttled fact decided nothing");
    for k in changed {
        assert_eq!(k.0, lost, "{}", diff(&s.table, &want));
        assert_eq!(s.table[k], "insufficient_data", "{}", diff(&s.table, &want));
    }
}

#[test]
fn an_organization_still_throttled_after_the_retries_is_an_error_that_says_so() {
    let Some(moto) = Moto::start() else { return };
    moto.scenario(&[]);
    throttle(
        &moto,
        "organizations:DescribeOrganization",
        None,
        "TooManyRequestsException",
        None,
        None,
    );
    let out = moto.rootwarden(&[
        "collect",
        "--org",
        "--regions",
        "us-east-1",
        "-q",
        "-o",
        "json=/dev/null",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("organizations:DescribeOrganization failed: TooManyRequestsException"),
        "{err}"
    );
    // Retried, all attempts spent.
    let calls = moto.server_calls();
    let attempts: u64 = calls
        .values()
        .filter_map(|ops| ops.get("organizations:DescribeOrganization"))
        .sum();
    assert_eq!(attempts, u64::from(rootwarden::aws::retry::MAX_ATTEMPTS), "{calls:?}");
}
