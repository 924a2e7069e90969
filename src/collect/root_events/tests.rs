use super::*;

#[test]
fn state_updates_to_alarm() {
    let data = r#"{"version":"1.0","oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM"}}"#;
    assert!(went_to_alarm(Some(data), None));
    let back = r#"{"version":"1.0","oldState":{"stateValue":"ALARM"},"newState":{"stateValue":"OK"}}"#;
    assert!(!went_to_alarm(Some(back), Some("Alarm updated from OK to ALARM")));
    assert!(went_to_alarm(
        None,
        Some("Alarm updated from INSUFFICIENT_DATA to ALARM")
    ));
    assert!(!went_to_alarm(None, Some("Alarm updated from ALARM to OK")));
}

fn entry(kind: HistoryItemType, at: &str, summary: &str, data: serde_json::Value) -> HistoryEntry {
    HistoryEntry {
        kind,
        timestamp: at.parse().unwrap(),
        summary: summary.to_string(),
        data: Some(data.to_string()),
    }
}

#[test]
fn actions_belong_to_the_change_to_alarm_they_ran_for() {
    let topic = "arn:aws:sns:us-east-1:111122223333:root-alerts";
    let to = |state: &str| serde_json::json!({"newState": {"stateValue": state}});
    let action = |ok: bool, stamp: Option<&str>| {
        let mut d = serde_json::json!({
            "actionState": if ok { "Succeeded" } else { "Failed" },
            "notificationResource": topic,
        });
        if let Some(s) = stamp {
            d["stateUpdateTimestamp"] = s.parse::<DateTime<Utc>>().unwrap().timestamp_millis().into();
        }
        d
    };
    let since = "2026-11-01T00:00:00Z".parse().unwrap();
    // Newest first, as a descending read returns them; an action whose change is before `since`
    // belongs to nothing; a change back to OK ends the ALARM period.
    let items = vec![
        entry(
            HistoryItemType::Action,
            "2026-11-03T00:00:09Z",
            "Failed to execute action",
            action(false, Some("2026-11-03T00:00:00Z")),
        ),
        entry(
            HistoryItemType::StateUpdate,
            "2026-11-03T00:00:00Z",
            "Alarm updated from OK to ALARM",
            to("ALARM"),
        ),
        entry(
            HistoryItemType::Action,
            "2026-11-02T01:00:01Z",
            "Successfully executed action",
            action(true, None),
        ),
        entry(
            HistoryItemType::StateUpdate,
            "2026-11-02T01:00:00Z",
            "Alarm updated from ALARM to OK",
            to("OK"),
        ),
        entry(
            HistoryItemType::Action,
            "2026-11-02T00:00:03Z",
            "Successfully executed action",
            action(true, None),
        ),
        entry(
            HistoryItemType::StateUpdate,
            "2026-11-02T00:00:00Z",
            "Alarm updated from OK to ALARM",
            to("ALARM"),
        ),
        entry(
            HistoryItemType::Action,
            "2026-11-01T00:00:01Z",
            "Successfully executed action",
            action(true, Some("2026-10-31T23:59:59Z")),
        ),
    ];
    let h = summarize_history(since, items);
    let notes = h.notifications.unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].alarm_at.to_rfc3339(), "2026-11-02T00:00:00+00:00");
    assert_eq!(notes[0].actions.len(), 1);
    assert!(notes[0].actions[0].succeeded);
    assert_eq!(notes[0].actions[0].timestamp.to_rfc3339(), "2026-11-02T00:00:03+00:00");
    assert_eq!(notes[1].actions.len(), 1);
    assert!(!notes[1].actions[0].succeeded);
    assert_eq!(
        h.last_success.unwrap().timestamp.to_rfc3339(),
        "2026-11-02T01:00:01+00:00"
    );
    assert_eq!(
        h.last_failure.unwrap().timestamp.to_rfc3339(),
        "2026-11-03T00:00:09+00:00"
    );
}
