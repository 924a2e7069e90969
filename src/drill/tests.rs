use super::*;
use serde_json::json;

fn item(kind: HistoryItemType, summary: &str, data: Option<serde_json::Value>) -> HistoryItem {
    HistoryItem {
        kind,
        at: Utc::now(),
        summary: summary.into(),
        data,
    }
}

#[test]
fn an_action_item_is_read_from_its_data_and_else_from_its_summary() {
    let topic = "arn:aws:sns:us-east-1:123456789012:root-alerts";
    let ok = item(
        HistoryItemType::Action,
        &format!("Successfully executed action {topic}"),
        Some(json!({"actionState": "Succeeded", "notificationResource": topic})),
    );
    let r = action_result(&ok).unwrap();
    assert!(r.succeeded);
    assert_eq!(r.resource, topic);
    let failed = item(
        HistoryItemType::Action,
        &format!("Failed to execute action {topic}. Received error: \"Resource not found\""),
        None,
    );
    let r = action_result(&failed).unwrap();
    assert!(!r.succeeded);
    assert_eq!(r.resource, topic);
    assert!(action_result(&item(HistoryItemType::Action, "no resource named", None)).is_none());
}

#[test]
fn only_the_drills_own_change_to_alarm_counts() {
    let data = |state: &str, reason: &str| Some(json!({"newState": {"stateValue": state, "stateReason": reason}}));
    assert!(is_drill_state_update(&data("ALARM", "rootwarden drill rwd-1"), "rwd-1"));
    assert!(!is_drill_state_update(&data("ALARM", "rootwarden drill rwd-2"), "rwd-1"));
    assert!(!is_drill_state_update(&data("ALARM", "Threshold Crossed"), "rwd-1"));
    assert!(!is_drill_state_update(&data("OK", "rootwarden drill rwd-1"), "rwd-1"));
    assert!(!is_drill_state_update(&None, "rwd-1"));
}

#[test]
fn a_drill_id_names_its_time() {
    let t = DateTime::parse_from_rfc3339("2026-11-30T16:45:07Z").unwrap().with_timezone(&Utc);
    let id = new_drill_id(t);
    assert!(id.starts_with("rwd-20261130T164507Z-"), "{id}");
    assert_eq!(id.len(), "rwd-20261130T164507Z-0000".len());
}
