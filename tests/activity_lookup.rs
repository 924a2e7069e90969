//! CloudTrail event history (LookupEvents) and alarm history (DescribeAlarmHistory) through the
//! real SDK with recorded responses: moto implements neither.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use chrono::{TimeZone, Utc};
use rootwarden::aws::{AccountConfig, CallCounter, Errors, Scope};
use rootwarden::collect::root_events::{self, RegionActivity, LOOKUP_INTERVAL};
use rootwarden::snapshot::RootEventKind;
use serde_json::{json, Value};

fn response(status: u16, body: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://cloudtrail.eu-west-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.1")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

async fn account(events: Vec<ReplayEvent>) -> (StaticReplayClient, AccountConfig, Errors) {
    let http = StaticReplayClient::new(events);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAEXAMPLEEXAMPLE00",
            "secret",
            None,
            None,
            "test",
        ))
        .http_client(http.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5)),
        )
        .load()
        .await;
    let cfg = AccountConfig {
        sdk,
        counter: CallCounter::new("111122223333", Arc::new(Mutex::new(Default::default()))),
    };
    (http, cfg, Errors::default())
}

fn scope(errors: &Errors) -> Scope {
    Scope {
        account: "111122223333".into(),
        region: Some("eu-west-1".into()),
        errors: errors.clone(),
    }
}

/// One LookupEvents `Events` entry: the record travels as a JSON string.
fn history_event(record: &Value) -> Value {
    json!({
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "Username": "root",
        "CloudTrailEvent": record.to_string(),
    })
}

fn canonical(id: &str) -> Value {
    rootwarden::canonical_events::all()
        .iter()
        .find(|e| e.id == id)
        .unwrap()
        .record
        .clone()
}

fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
    )
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

#[tokio::test]
async fn pages_are_followed_paced_and_throttling_is_retried() {
    let page1 = json!({
        "Events": [
            history_event(&canonical("root-console-sign-in-success")),
            history_event(&canonical("root-aws-service-event")),
        ],
        "NextToken": "page-2",
    });
    let page2 = json!({"Events": [history_event(&canonical("root-api-call-access-key"))]});
    let (http, cfg, errors) = account(vec![
        response(200, &page1.to_string()),
        response(400, THROTTLED),
        response(200, &page2.to_string()),
    ])
    .await;
    let (start, end) = window();
    let mut out = RegionActivity::default();
    let began = Instant::now();
    root_events::lookup_root_events(&cfg, &scope(&errors), "eu-west-1", start, end, None, &mut out).await;
    let took = began.elapsed();

    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(errors.take().is_empty());
    assert_eq!(out.pages, 2);
    let kinds: Vec<RootEventKind> = out.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [RootEventKind::ConsoleSignIn, RootEventKind::Programmatic]);
    assert_eq!(
        out.events[1].access_key_last4.as_ref().map(|k| k.as_str()),
        Some("MPLE")
    );
    assert_eq!(out.service_events["support.amazonaws.com"], 1);

    let requests: Vec<Value> = http
        .actual_requests()
        .map(|r| {
            assert_eq!(
                r.headers().get("x-amz-target"),
                Some("CloudTrail_20131101.LookupEvents")
            );
            serde_json::from_slice(r.body().bytes().unwrap()).unwrap()
        })
        .collect();
    assert_eq!(requests.len(), 3, "the throttled request was retried");
    for r in &requests {
        assert_eq!(
            r["LookupAttributes"],
            json!([{"AttributeKey": "Username", "AttributeValue": "root"}])
        );
        assert_eq!(r["StartTime"].as_f64(), Some(start.timestamp() as f64));
        assert_eq!(r["EndTime"].as_f64(), Some(end.timestamp() as f64));
        assert_eq!(r["MaxResults"], 50);
    }
    assert_eq!(requests[0].get("NextToken"), None);
    assert_eq!(requests[1]["NextToken"], "page-2");
    assert_eq!(requests[2]["NextToken"], "page-2");
    // Two pages of one region are at least LOOKUP_INTERVAL apart (2 requests per second).
    assert!(took >= LOOKUP_INTERVAL, "{took:?}");
}

#[tokio::test]
async fn history_left_unread_at_the_deadline_is_an_error_never_no_events() {
    let page1 = json!({
        "Events": [history_event(&canonical("root-console-sign-in-success"))],
        "NextToken": "page-2",
    });
    let page2 = json!({"Events": [history_event(&canonical("root-api-call-access-key"))]});
    let (http, cfg, errors) = account(vec![
        response(200, &page1.to_string()),
        response(200, &page2.to_string()),
    ])
    .await;
    let (start, end) = window();
    // The second page may not be asked for before LOOKUP_INTERVAL: past this deadline.
    let deadline = tokio::time::Instant::now() + LOOKUP_INTERVAL / 2;
    let mut out = RegionActivity::default();
    root_events::lookup_root_events(&cfg, &scope(&errors), "eu-west-1", start, end, Some(deadline), &mut out).await;
    assert_eq!(http.actual_requests().count(), 1);
    assert_eq!(out.pages, 1);
    assert_eq!(out.events.len(), 1, "what was read is kept");
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].source, "lookup_events");
    assert_eq!(out.errors[0].error_code, "BudgetExhausted");

    // A deadline already past reads nothing, alarm history included.
    let (http, cfg, errors) = account(vec![]).await;
    let mut out = RegionActivity::default();
    let past = tokio::time::Instant::now();
    root_events::lookup_root_events(&cfg, &scope(&errors), "eu-west-1", start, end, Some(past), &mut out).await;
    root_events::alarm_transitions(
        &cfg,
        &scope(&errors),
        "eu-west-1",
        &["root-account-usage".to_string()],
        (start, end),
        Some(past),
        &mut out,
    )
    .await;
    assert_eq!(http.actual_requests().count(), 0);
    let codes: Vec<(&str, &str)> = out
        .errors
        .iter()
        .map(|e| (e.source.as_str(), e.error_code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("lookup_events", "BudgetExhausted"),
            ("alarm_history", "BudgetExhausted")
        ]
    );
    assert!(out.alarm_transitions.is_none());
}

#[tokio::test]
async fn throttling_that_does_not_stop_is_an_error_never_no_events() {
    let (http, cfg, errors) = account(vec![
        response(400, THROTTLED),
        response(400, THROTTLED),
        response(400, THROTTLED),
    ])
    .await;
    let (start, end) = window();
    let mut out = RegionActivity::default();
    root_events::lookup_root_events(&cfg, &scope(&errors), "eu-west-1", start, end, None, &mut out).await;
    assert_eq!(http.actual_requests().count(), 3);
    assert!(out.events.is_empty());
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].source, "lookup_events");
    assert_eq!(out.errors[0].region.as_deref(), Some("eu-west-1"));
    assert_eq!(out.errors[0].error_code, "ThrottlingException");
    let recorded = errors.take();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].operation, "LookupEvents");
}

#[tokio::test]
async fn events_outside_the_window_and_non_root_records_are_left_out() {
    let mut old = canonical("root-console-sign-in-failure");
    old["eventTime"] = json!("2026-01-15T00:00:00Z");
    let page = json!({"Events": [
        history_event(&old),
        history_event(&canonical("iam-user-console-sign-in")),
        history_event(&canonical("root-assume-root-session")),
        {"EventId": "no-record"},
    ]});
    let (_, cfg, errors) = account(vec![response(200, &page.to_string())]).await;
    let (start, end) = window();
    let mut out = RegionActivity::default();
    root_events::lookup_root_events(&cfg, &scope(&errors), "eu-west-1", start, end, None, &mut out).await;
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].kind, RootEventKind::AssumeRootSession);
    assert!(out.errors.is_empty());
}

/// A DescribeAlarmHistory item in CBOR, as CloudWatch sends it (Smithy RPC v2).
fn history_item(enc: &mut aws_smithy_cbor::Encoder, at: i64, from: &str, to: &str) {
    enc.map(5)
        .str("AlarmName")
        .str("root-account-usage")
        .str("Timestamp")
        .timestamp(&aws_smithy_types::DateTime::from_secs(at))
        .str("HistoryItemType")
        .str("StateUpdate")
        .str("HistorySummary")
        .str(&format!("Alarm updated from {from} to {to}"))
        .str("HistoryData")
        .str(&json!({"version": "1.0", "oldState": {"stateValue": from}, "newState": {"stateValue": to}}).to_string());
}

#[tokio::test]
async fn alarm_history_keeps_changes_to_alarm() {
    let mut enc = aws_smithy_cbor::Encoder::new(Vec::new());
    enc.map(1).str("AlarmHistoryItems").array(2);
    history_item(&mut enc, 1_772_359_500, "OK", "ALARM");
    history_item(&mut enc, 1_772_359_800, "ALARM", "OK");
    let (http, cfg, errors) = account(vec![ReplayEvent::new(
        http::Request::builder()
            .uri("https://monitoring.eu-west-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(200)
            .header("content-type", "application/cbor")
            .header("smithy-protocol", "rpc-v2-cbor")
            .body(SdkBody::from(enc.into_writer()))
            .unwrap(),
    )])
    .await;
    let (start, end) = window();
    let mut out = RegionActivity::default();
    root_events::alarm_transitions(
        &cfg,
        &scope(&errors),
        "eu-west-1",
        &["root-account-usage".to_string()],
        (start, end),
        None,
        &mut out,
    )
    .await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let req = http.actual_requests().next().unwrap();
    assert!(req.uri().ends_with("/operation/DescribeAlarmHistory"), "{}", req.uri());
    let t = out.alarm_transitions.unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].alarm_name, "root-account-usage");
    assert_eq!(t[0].timestamp.timestamp(), 1_772_359_500);
}

#[test]
fn root_alarms_are_the_alarms_on_a_root_detecting_filter() {
    let load = |name: &str| {
        rootwarden::input::load_snapshot(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/snapshots/{name}.json")),
        )
        .unwrap()
    };
    let ok = load("compliant-org");
    let region = &ok.accounts[0].regions["us-east-1"];
    assert_eq!(root_events::root_alarm_names(region), ["root-account-usage"]);
    let wrong_ns = load("fault-alarm-wrong-namespace");
    assert!(root_events::root_alarm_names(&wrong_ns.accounts[0].regions["us-east-1"]).is_empty());
    let other_group = load("fault-filter-wrong-case");
    assert!(root_events::root_alarm_names(&other_group.accounts[0].regions["us-east-1"]).is_empty());
}
