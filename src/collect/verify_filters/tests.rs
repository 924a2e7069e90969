use super::*;

#[test]
fn matches_are_numbered_from_one_and_checked_against_the_message() {
    let sent = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    assert_eq!(match_index(1, Some("a"), &sent), Some(0));
    assert_eq!(match_index(3, None, &sent), Some(2));
    // A number that disagrees with the echoed message: the message decides.
    assert_eq!(match_index(1, Some("b"), &sent), Some(1));
    assert_eq!(match_index(0, None, &sent), None);
    assert_eq!(match_index(4, None, &sent), None);
    assert_eq!(match_index(2, Some("z"), &sent), None);
}

#[test]
fn each_canonical_event_is_one_line_of_json() {
    for e in canonical_events::all() {
        let m = log_message(e);
        assert!(!m.contains('\n'), "{}", e.id);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&m).unwrap(), e.record);
    }
    assert!(canonical_events::all().len() <= MAX_MESSAGES * 2);
}
