use super::*;
use crate::requirements::Requirements;

fn fixture() -> Snapshot {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots/compliant-standalone.json");
    crate::input::load_snapshot(&path).unwrap()
}

const FIXTURE_ALARM_ARN: &str = "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage";

fn ttn(s: &Snapshot, drills: &[&DrillRecord]) -> Option<TimeToNotify> {
    let mut q = LibraryQuery::new(&Requirements::default()).unwrap();
    time_to_notify(&mut q, s, drills).unwrap()
}

/// The fixture account's alarms in us-east-1.
fn alarms(s: &mut Snapshot) -> &mut Vec<crate::snapshot::Alarm> {
    &mut s.accounts[0]
        .regions
        .get_mut("us-east-1")
        .unwrap()
        .cloudwatch
        .as_mut()
        .unwrap()
        .alarms
}

fn root_alarm(s: &mut Snapshot) -> &mut crate::snapshot::Alarm {
    alarms(s)
        .iter_mut()
        .find(|a| a.alarm_name == "root-account-usage")
        .unwrap()
}

/// A drill record as `rootwarden drill -o json` writes it, with a field this version does not
/// know (a newer drill's).
fn drill(arn: &str, state_update_at: &str, seconds: Option<f64>, outcome: &str) -> DrillRecord {
    serde_json::from_value(serde_json::json!({
        "drill_id": "rwd-1", "mode": "run",
        "started_at": "2026-11-19T10:00:00Z", "finished_at": "2026-11-19T10:01:00Z",
        "accounts": [{
            "account_id": "555566667777", "outcome": "passed", "unreadable_regions": [],
            "filter_checks": [], "calls": [], "future_step": {"seconds": 60.0},
            "alarm_drills": [{
                "region": "us-east-1", "alarm_name": "root-account-usage", "alarm_arn": arn,
                "actions_enabled": true, "alarm_actions": [], "outcome": outcome,
                "drilled_at": state_update_at, "state_update_at": state_update_at,
                "actions": [], "seconds_to_action": seconds, "topics": []
            }]
        }]
    }))
    .unwrap()
}

#[test]
fn the_root_alarms_history_gives_the_seconds_to_the_successful_action() {
    let t = ttn(&fixture(), &[]).unwrap();
    assert_eq!((t.transitions, t.notified, t.failed), (1, 1, 0));
    assert_eq!((t.median_seconds, t.max_seconds), (Some(3.0), Some(3.0)));
    assert_eq!((t.from_alarm_history, t.from_drills), (1, 0));
}

#[test]
fn without_history_or_drill_it_is_unknown_not_zero() {
    let mut s = fixture();
    root_alarm(&mut s).action_history.as_mut().unwrap().notifications = None;
    assert_eq!(ttn(&s, &[]), None);
    // Read, but no change to ALARM in it: measured over nothing, no seconds.
    root_alarm(&mut s).action_history.as_mut().unwrap().notifications = Some(Vec::new());
    let t = ttn(&s, &[]).unwrap();
    assert_eq!((t.transitions, t.median_seconds), (0, None));
}

#[test]
fn a_failed_action_is_not_notified_and_drills_add_what_history_lacks() {
    let mut s = fixture();
    let arn = root_alarm(&mut s).alarm_arn.clone();
    let h = root_alarm(&mut s).action_history.as_mut().unwrap();
    let notes = h.notifications.as_mut().unwrap();
    let mut failed = notes[0].clone();
    failed.alarm_at = "2026-11-16T00:00:00Z".parse().unwrap();
    failed.actions[0].succeeded = false;
    notes.push(failed);
    // One drill the history also holds (counted once), one it does not, one whose action failed.
    let same = drill(&arn, "2026-11-15T09:59:58Z", Some(2.5), "passed");
    let newer = drill(&arn, "2026-11-19T10:00:00Z", Some(7.0), "passed");
    let broken = drill(&arn, "2026-11-19T11:00:00Z", None, "failed");
    let t = ttn(&s, &[&same, &newer, &broken, &newer]).unwrap();
    assert_eq!((t.transitions, t.notified, t.failed), (4, 2, 2), "{t:?}");
    assert_eq!((t.from_alarm_history, t.from_drills), (2, 2));
    assert_eq!((t.median_seconds, t.max_seconds), (Some(7.0), Some(7.0)));
}

#[test]
fn only_the_rules_root_alarms_count() {
    let mut s = fixture();
    let mut other = root_alarm(&mut s).clone();
    other.alarm_name = "cpu-high".into();
    other.alarm_arn = other.alarm_arn.replace("root-account-usage", "cpu-high");
    other.metric_name = Some("CPUUtilization".into());
    other.namespace = Some("AWS/EC2".into());
    alarms(&mut s).push(other);
    let t = ttn(&s, &[]).unwrap();
    assert_eq!(t.transitions, 1, "{t:?}");
}

#[test]
fn a_planned_drill_measures_nothing() {
    let mut s = fixture();
    root_alarm(&mut s).action_history = None;
    let mut plan = drill(
        "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage",
        "2026-11-19T10:00:00Z",
        None,
        "planned",
    );
    plan.mode = Mode::Plan;
    assert_eq!(ttn(&s, &[&plan]), None);
}

#[test]
fn an_organizations_shared_alarm_counts_once() {
    // The members' root events alert through the management account's alarm: one alarm, one
    // change, however many accounts it watches.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots/compliant-org.json");
    let s = crate::input::load_snapshot(&path).unwrap();
    assert!(s.accounts.len() > 1);
    let t = ttn(&s, &[]).unwrap();
    assert_eq!((t.transitions, t.notified, t.from_alarm_history), (1, 1, 1), "{t:?}");
}

#[test]
fn a_root_events_transition_is_timed_to_its_action() {
    let mut s = fixture();
    root_alarm(&mut s).action_history = None;
    let mut record = drill(FIXTURE_ALARM_ARN, "2026-11-19T10:00:00Z", None, "skipped");
    record.accounts[0].root_event = Some(
        serde_json::from_value(serde_json::json!({
            "event_time": "2026-11-19T09:58:00Z", "event_name": "ListMFADevices",
            "event_source": "iam.amazonaws.com", "alarm": FIXTURE_ALARM_ARN, "watching": [],
            "transition_at": "2026-11-19T10:01:00Z", "actions": [], "topics": [],
            "seconds_to_detect": 180, "seconds_to_notify": 4, "outcome": "passed", "next_step": null
        }))
        .unwrap(),
    );
    let t = ttn(&s, &[&record]).unwrap();
    assert_eq!((t.transitions, t.notified, t.from_drills), (1, 1, 1), "{t:?}");
    assert_eq!(t.median_seconds, Some(4.0));
}
