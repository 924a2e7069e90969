//! `--verify-filters`: logs:TestMetricFilter through the real SDK with recorded responses (moto
//! does not implement TestMetricFilter), and the verdicts the rules draw from AWS's answers.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use rootwarden::aws::{AccountConfig, CallCounter, Errors, Scope};
use rootwarden::canonical_events;
use rootwarden::collect::verify_filters::{self, log_message};
use rootwarden::input;
use rootwarden::policy::{loader, Policy, Status};
use rootwarden::requirements::Requirements;
use rootwarden::snapshot::{FilterTest, Logs, Snapshot};
use serde_json::{json, Value};

const ACCOUNT: &str = "555566667777";
const REGION: &str = "us-east-1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A TestMetricFilter answer (awsJson1_1) counting the canonical events with these ids.
fn matches(ids: &[&str]) -> ReplayEvent {
    let all = canonical_events::all();
    let found: Vec<Value> = all
        .iter()
        .enumerate()
        .filter(|(_, e)| ids.contains(&e.id.as_str()))
        .map(|(i, e)| json!({"eventNumber": i + 1, "eventMessage": log_message(e), "extractedValues": {}}))
        .collect();
    assert_eq!(found.len(), ids.len(), "unknown canonical event in {ids:?}");
    response(200, json!({ "matches": found }))
}

fn response(status: u16, body: Value) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://logs.us-east-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.1")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

/// The canonical events CloudWatch Logs counts for the CIS root filter, as its documented
/// syntax reads it: Root, not invoked by a service, not an AwsServiceEvent.
fn cis_counted() -> Vec<&'static str> {
    canonical_events::all()
        .iter()
        .filter(|e| {
            let who = &e.record["userIdentity"];
            who["type"] == "Root" && who.get("invokedBy").is_none() && e.record["eventType"] != "AwsServiceEvent"
        })
        .map(|e| e.id.as_str())
        .collect()
}

async fn config(events: Vec<ReplayEvent>) -> (StaticReplayClient, AccountConfig) {
    let http = StaticReplayClient::new(events);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAAUDITORCALLER000",
            "secret",
            None,
            None,
            "test",
        ))
        .http_client(http.clone())
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let cfg = AccountConfig {
        sdk,
        counter: CallCounter::new(ACCOUNT, Arc::new(Mutex::new(Default::default()))),
    };
    (http, cfg)
}

fn scope(errors: &Errors) -> Scope {
    Scope {
        account: ACCOUNT.into(),
        region: Some(REGION.into()),
        errors: errors.clone(),
    }
}

fn compliant() -> Snapshot {
    input::load_snapshot(&root().join("fixtures/snapshots/compliant-standalone.json")).unwrap()
}

fn logs_of(s: &mut Snapshot) -> &mut Logs {
    s.accounts[0].regions.get_mut(REGION).unwrap().logs.as_mut().unwrap()
}

/// Runs the verification of the compliant fixture's filters with `responses`, then evaluates.
async fn verified(responses: Vec<ReplayEvent>) -> (StaticReplayClient, Snapshot, Errors) {
    let mut snap = compliant();
    let errors = Errors::default();
    let (http, cfg) = config(responses).await;
    verify_filters::verify(&cfg, &scope(&errors), REGION, logs_of(&mut snap)).await;
    (http, snap, errors)
}

fn outcome(snap: &Snapshot, rule: &str) -> (Status, Vec<String>) {
    let mut policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
    let eval = policy.evaluate(snap).unwrap();
    let o = eval
        .outcomes
        .iter()
        .find(|o| o.rule_id == rule && o.account_id == ACCOUNT)
        .unwrap();
    (o.status, o.findings.iter().map(|f| f.message.clone()).collect())
}

#[tokio::test]
async fn every_canonical_event_is_sent_once_per_pattern_and_answers_are_recorded_per_event() {
    let mut snap = compliant();
    let logs = logs_of(&mut snap);
    // A second filter with the same pattern, and one with another pattern.
    let mut twin = logs.metric_filters[0].clone();
    twin.filter_name = "RootAccountUsageTwin".into();
    let mut other = logs.metric_filters[0].clone();
    other.filter_name = "ConsoleSignIns".into();
    other.filter_pattern = r#"{ $.eventName = "ConsoleLogin" }"#.into();
    logs.metric_filters.push(twin);
    logs.metric_filters.push(other);

    let errors = Errors::default();
    let (http, cfg) = config(vec![
        matches(&cis_counted()),
        matches(&[
            "root-console-sign-in-success",
            "root-console-sign-in-failure",
            "iam-user-console-sign-in",
        ]),
    ])
    .await;
    verify_filters::verify(&cfg, &scope(&errors), REGION, logs).await;

    let requests: Vec<_> = http.actual_requests().collect();
    assert_eq!(requests.len(), 2, "one call per distinct pattern");
    let sent: Vec<String> = canonical_events::all().iter().map(log_message).collect();
    for (r, pattern) in requests.iter().zip([
        logs.metric_filters[0].filter_pattern.as_str(),
        r#"{ $.eventName = "ConsoleLogin" }"#,
    ]) {
        assert!(r.uri().contains("logs.us-east-1.amazonaws.com"), "{}", r.uri());
        assert_eq!(r.headers().get("x-amz-target"), Some("Logs_20140328.TestMetricFilter"));
        let body: Value = serde_json::from_slice(r.body().bytes().unwrap()).unwrap();
        assert_eq!(body["filterPattern"], pattern);
        let messages: Vec<String> = serde_json::from_value(body["logEventMessages"].clone()).unwrap();
        assert_eq!(
            messages, sent,
            "the canonical events, in order, as CloudTrail writes them"
        );
    }
    let answers = |i: usize| match &logs.metric_filters[i].aws_test {
        FilterTest::Tested { events } => events.clone(),
        other => panic!("filter {i}: {other:?}"),
    };
    let cis = answers(0);
    assert_eq!(cis.len(), canonical_events::all().len());
    for e in canonical_events::all() {
        assert_eq!(cis[&e.id], cis_counted().contains(&e.id.as_str()), "{}", e.id);
    }
    assert_eq!(answers(1), cis, "the same pattern shares the one answer");
    let console = answers(2);
    assert!(console["iam-user-console-sign-in"]);
    assert!(!console["root-api-call-access-key"]);
    assert!(errors.take().is_empty());
}

#[tokio::test]
async fn when_aws_agrees_the_filter_passes() {
    let (_, snap, _) = verified(vec![matches(&cis_counted())]).await;
    assert_eq!(outcome(&snap, "RW-MON-003").0, Status::Pass);
    assert_eq!(outcome(&snap, "RW-MON-004").0, Status::Pass);
    assert_eq!(outcome(&snap, "RW-MON-007").0, Status::Pass);
}

#[tokio::test]
async fn when_aws_disagrees_the_control_is_insufficient_data_naming_the_event() {
    // AWS does not count the failed console sign-in that rootwarden's engine counts.
    let counted: Vec<&str> = cis_counted()
        .into_iter()
        .filter(|id| *id != "root-console-sign-in-failure")
        .collect();
    let (_, snap, _) = verified(vec![matches(&counted)]).await;
    let (status, messages) = outcome(&snap, "RW-MON-003");
    assert_eq!(status, Status::InsufficientData, "{messages:?}");
    let m = &messages[0];
    assert!(m.contains("RootAccountUsage"), "{m}");
    assert!(
        m.contains("rootwarden's filter engine disagrees with AWS (logs:TestMetricFilter) on root-console-sign-in-failure (rootwarden counts it, AWS does not)"),
        "{m}"
    );
    // Nothing downstream of the undecided filter passes either.
    assert_eq!(outcome(&snap, "RW-MON-004").0, Status::InsufficientData);
    assert_eq!(outcome(&snap, "RW-MON-005").0, Status::InsufficientData);
}

#[tokio::test]
async fn when_aws_counts_noise_the_engine_does_not_the_noise_control_is_undecided() {
    let mut counted = cis_counted();
    counted.push("root-aws-service-event");
    let (_, snap, _) = verified(vec![matches(&counted)]).await;
    assert_eq!(outcome(&snap, "RW-MON-003").0, Status::Pass);
    let (status, messages) = outcome(&snap, "RW-MON-007");
    assert_eq!(status, Status::InsufficientData);
    assert!(
        messages[0].contains("root-aws-service-event (AWS counts it, rootwarden does not)"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn a_refused_or_throttled_test_is_recorded_and_never_a_pass() {
    let (_, snap, errors) = verified(vec![response(
        400,
        json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
    )])
    .await;
    let f = &snap.accounts[0].regions[REGION].logs.as_ref().unwrap().metric_filters[0];
    assert_eq!(
        f.aws_test,
        FilterTest::Failed {
            error_code: "ThrottlingException".into(),
            message: "Rate exceeded".into()
        }
    );
    let recorded = errors.take();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (recorded[0].service.as_str(), recorded[0].operation.as_str()),
        ("logs", "TestMetricFilter")
    );
    assert_eq!(recorded[0].region.as_deref(), Some(REGION));
    let (status, messages) = outcome(&snap, "RW-MON-003");
    assert_eq!(status, Status::InsufficientData);
    assert!(messages[0].contains("AWS could not test its pattern"), "{messages:?}");
}

#[tokio::test]
async fn a_match_that_names_no_sent_event_is_not_an_answer() {
    let bogus = response(
        200,
        json!({"matches": [{"eventNumber": 99, "eventMessage": "{}", "extractedValues": {}}]}),
    );
    let (_, snap, errors) = verified(vec![bogus]).await;
    let f = &snap.accounts[0].regions[REGION].logs.as_ref().unwrap().metric_filters[0];
    assert!(
        matches!(&f.aws_test, FilterTest::Failed { error_code, .. } if error_code == "UnrecognizedMatch"),
        "{:?}",
        f.aws_test
    );
    assert_eq!(errors.take().len(), 1);
    assert_eq!(outcome(&snap, "RW-MON-003").0, Status::InsufficientData);
}

#[test]
fn the_snapshot_reader_requires_an_answer_and_rejects_unknown_ones() {
    let text = std::fs::read_to_string(root().join("fixtures/snapshots/compliant-standalone.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let at = "/accounts/0/regions/us-east-1/logs/metric_filters/0/aws_test";
    let load = |v: &Value| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, v.to_string()).unwrap();
        input::load_snapshot(&path).map(|_| ()).map_err(|e| e.to_string())
    };
    assert!(load(&v).is_ok());
    // Deleted or null: never read as "not asked" or "AWS agreed".
    let mut deleted = v.clone();
    deleted["accounts"][0]["regions"]["us-east-1"]["logs"]["metric_filters"][0]
        .as_object_mut()
        .unwrap()
        .remove("aws_test");
    let err = load(&deleted).unwrap_err();
    assert!(err.contains("aws_test"), "{err}");
    let mut nulled = v.clone();
    *nulled.pointer_mut(at).unwrap() = Value::Null;
    assert!(load(&nulled).is_err());
    let mut no_events = v.clone();
    *no_events.pointer_mut(at).unwrap() = json!({"status": "tested"});
    assert!(load(&no_events).is_err());
    for unknown in [
        json!({"status": "not_run", "events": {}}),
        json!({"status": "tested", "events": {}, "note": "x"}),
        json!({"status": "maybe"}),
    ] {
        let mut extra = v.clone();
        *extra.pointer_mut(at).unwrap() = unknown.clone();
        assert!(load(&extra).is_err(), "{unknown}");
    }
}
