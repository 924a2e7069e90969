//! The canonical CloudTrail events in `fixtures/cloudtrail/`, compiled into the binary: the
//! yardstick a root-activity detection (metric filter or EventBridge rule) is measured with.
//!
//! Each file holds one CloudTrail record written from the documented record format, with what a
//! detection must do with it: `alert_for` names the required alert events
//! (`requirements.alerting.required_events`) it is an instance of, and `noise` says why alerting
//! on it would be noise (`aws_service`: a service acting on root's behalf).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One canonical event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonicalEvent {
    /// File stem, e.g. `root-console-sign-in-success`.
    pub id: String,
    /// What the event is.
    pub description: String,
    /// Whether `userIdentity.type` is `Root`.
    pub root: bool,
    /// The required alert events this event is an instance of.
    pub alert_for: Vec<String>,
    /// Why an alert on this event is noise, if it is.
    pub noise: Option<String>,
    /// The CloudTrail record.
    pub record: Value,
}

impl CanonicalEvent {
    /// The event as EventBridge delivers it (the record is the `detail`).
    pub fn eventbridge(&self) -> Value {
        eventbridge_envelope(&self.record)
    }
}

const FILES: &[(&str, &str)] = &[
    (
        "root-console-sign-in-success",
        include_str!("../fixtures/cloudtrail/root-console-sign-in-success.json"),
    ),
    (
        "root-console-sign-in-failure",
        include_str!("../fixtures/cloudtrail/root-console-sign-in-failure.json"),
    ),
    (
        "root-api-call-access-key",
        include_str!("../fixtures/cloudtrail/root-api-call-access-key.json"),
    ),
    (
        "root-api-call-write-access-key",
        include_str!("../fixtures/cloudtrail/root-api-call-write-access-key.json"),
    ),
    (
        "root-console-action",
        include_str!("../fixtures/cloudtrail/root-console-action.json"),
    ),
    (
        "root-console-read-only-action",
        include_str!("../fixtures/cloudtrail/root-console-read-only-action.json"),
    ),
    (
        "root-assume-root-session",
        include_str!("../fixtures/cloudtrail/root-assume-root-session.json"),
    ),
    (
        "root-aws-service-event",
        include_str!("../fixtures/cloudtrail/root-aws-service-event.json"),
    ),
    (
        "root-call-invoked-by-service",
        include_str!("../fixtures/cloudtrail/root-call-invoked-by-service.json"),
    ),
    (
        "assume-root-call",
        include_str!("../fixtures/cloudtrail/assume-root-call.json"),
    ),
    (
        "iam-user-api-call",
        include_str!("../fixtures/cloudtrail/iam-user-api-call.json"),
    ),
    (
        "iam-user-console-sign-in",
        include_str!("../fixtures/cloudtrail/iam-user-console-sign-in.json"),
    ),
    (
        "assumed-role-api-call",
        include_str!("../fixtures/cloudtrail/assumed-role-api-call.json"),
    ),
];

/// Every canonical event, in a fixed order (root events first).
pub fn all() -> &'static [CanonicalEvent] {
    static EVENTS: OnceLock<Vec<CanonicalEvent>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, text)| {
                // The files are part of the source tree; a test parses each one.
                serde_json::from_str(text).unwrap_or_else(|e| panic!("fixtures/cloudtrail/{name}.json: {e}"))
            })
            .collect()
    })
}

/// The `data.canonical_events` document the rules read: each event with its EventBridge form.
pub fn rego_data() -> Value {
    Value::Array(
        all()
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).expect("serializable");
                v["eventbridge"] = e.eventbridge();
                v
            })
            .collect(),
    )
}

/// A CloudTrail record wrapped as the EventBridge event CloudTrail emits for it.
pub fn eventbridge_envelope(record: &Value) -> Value {
    let s = |k: &str| record.get(k).and_then(Value::as_str).unwrap_or_default();
    let detail_type = match s("eventType") {
        "AwsConsoleSignIn" => "AWS Console Sign In via CloudTrail",
        "AwsServiceEvent" => "AWS Service Event via CloudTrail",
        "AwsConsoleAction" => "AWS Console Action via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    };
    let service = s("eventSource").split('.').next().unwrap_or_default();
    json!({
        "version": "0",
        "id": s("eventID"),
        "detail-type": detail_type,
        "source": format!("aws.{service}"),
        "account": s("recipientAccountId"),
        "time": s("eventTime"),
        "region": s("awsRegion"),
        "resources": [],
        "detail": record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_is_named_by_its_id() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cloudtrail");
        let on_disk = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(
            all().len(),
            on_disk,
            "every file in fixtures/cloudtrail is listed in FILES"
        );
        for (e, (name, _)) in all().iter().zip(FILES) {
            assert_eq!(&e.id, name);
            let is_root = e.record["userIdentity"]["type"] == "Root";
            assert_eq!(e.root, is_root, "{name}");
            assert!(e.alert_for.is_empty() || e.root, "{name}: only root events need alerts");
            assert!(
                e.alert_for.is_empty() || e.noise.is_none(),
                "{name}: an alert is not noise"
            );
        }
    }

    #[test]
    fn eventbridge_detail_types() {
        let by_id = |id: &str| all().iter().find(|e| e.id == id).unwrap().eventbridge();
        assert_eq!(
            by_id("root-console-sign-in-failure")["detail-type"],
            "AWS Console Sign In via CloudTrail"
        );
        assert_eq!(by_id("root-console-sign-in-failure")["source"], "aws.signin");
        assert_eq!(
            by_id("root-api-call-access-key")["detail-type"],
            "AWS API Call via CloudTrail"
        );
        assert_eq!(
            by_id("root-aws-service-event")["detail-type"],
            "AWS Service Event via CloudTrail"
        );
        assert_eq!(by_id("root-api-call-access-key")["detail"]["eventName"], "ListBuckets");
    }
}
