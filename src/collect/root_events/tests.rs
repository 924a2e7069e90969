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
