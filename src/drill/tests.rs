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
    assert!(!is_drill_state_update(
        &data("ALARM", "rootwarden drill rwd-2"),
        "rwd-1"
    ));
    assert!(!is_drill_state_update(&data("ALARM", "Threshold Crossed"), "rwd-1"));
    assert!(!is_drill_state_update(&data("OK", "rootwarden drill rwd-1"), "rwd-1"));
    assert!(!is_drill_state_update(&None, "rwd-1"));
}

#[test]
fn a_drill_id_names_its_time() {
    let t = DateTime::parse_from_rfc3339("2026-11-30T16:45:07Z")
        .unwrap()
        .with_timezone(&Utc);
    let id = new_drill_id(t);
    assert!(id.starts_with("rwd-20261130T164507Z-"), "{id}");
    assert_eq!(id.len(), "rwd-20261130T164507Z-0000".len());
}

fn drilled(actions: Vec<ActionResult>, topics: Vec<TopicCheck>) -> AlarmDrill {
    AlarmDrill {
        region: "us-east-1".into(),
        alarm_name: "root-account-usage".into(),
        alarm_arn: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:root-account-usage".into(),
        state_before: Some("OK".into()),
        actions_enabled: true,
        alarm_actions: vec![TOPIC.into()],
        outcome: StepOutcome::Planned,
        drilled_at: Some(Utc::now()),
        state_update_at: Some(Utc::now()),
        actions,
        seconds_to_action: None,
        topics,
        next_step: None,
        proven_by: None,
    }
}

const TOPIC: &str = "arn:aws:sns:us-east-1:111111111111:root-alerts";

fn executed(ok: bool) -> ActionResult {
    ActionResult {
        resource: TOPIC.into(),
        succeeded: ok,
        at: Utc::now(),
        summary: "s".into(),
    }
}

fn topic(exists: Option<bool>, confirmed: Option<u32>, failed: Option<f64>) -> TopicCheck {
    TopicCheck {
        topic_arn: TOPIC.into(),
        exists,
        confirmed_subscribers: confirmed,
        pending_subscribers: confirmed.map(|_| 0),
        delivered: None,
        failed,
    }
}

fn judged(mut a: AlarmDrill) -> (StepOutcome, String) {
    let opts = DrillOptions {
        drill_id: "rwd-1".into(),
        wait: Duration::from_secs(5),
        poll: Duration::from_secs(1),
        root_event: false,
    };
    let expected = if a.actions_enabled {
        a.alarm_actions.clone()
    } else {
        Vec::new()
    };
    judge_alarm(&mut a, &expected, &opts);
    (a.outcome, a.next_step.unwrap_or_default())
}

#[test]
fn an_alarm_passes_only_when_its_action_reached_a_confirmed_subscriber() {
    let ok = |t| judged(drilled(vec![executed(true)], vec![t]));
    assert_eq!(ok(topic(Some(true), Some(1), None)).0, StepOutcome::Passed);
    assert_eq!(ok(topic(Some(true), Some(1), Some(0.0))).0, StepOutcome::Passed);
    let (o, why) = ok(topic(Some(true), Some(0), None));
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("no confirmed subscriber"), "{why}");
    let (o, why) = ok(topic(Some(true), Some(2), Some(1.0)));
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("failed to deliver"), "{why}");
    // Another account's topic: the action ran, who receives it was not read.
    let (o, why) = ok(topic(None, None, None));
    assert_eq!(o, StepOutcome::Unverified);
    assert!(why.contains("were not read"), "{why}");
}

#[test]
fn an_alarm_fails_with_the_broken_link_named() {
    let (o, why) = judged(drilled(vec![executed(false)], vec![topic(Some(false), None, None)]));
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("could not execute the action"), "{why}");

    let (o, why) = judged(drilled(Vec::new(), Vec::new()));
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("no action history"), "{why}");

    let mut disabled = drilled(Vec::new(), Vec::new());
    disabled.actions_enabled = false;
    let (o, why) = judged(disabled);
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("actions are disabled"), "{why}");

    let mut unseen = drilled(Vec::new(), Vec::new());
    unseen.state_update_at = None;
    let (o, why) = judged(unseen);
    assert_eq!(o, StepOutcome::Failed);
    assert!(why.contains("no change to ALARM"), "{why}");
}

fn fixture(name: &str) -> crate::snapshot::Snapshot {
    let path = format!("{}/fixtures/snapshots/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_members_root_event_is_planned_against_the_organization_trails_alarm() {
    let snap = fixture("compliant-org");
    let s = root_event::plan(&snap, "222222222222");
    assert_eq!(s.outcome, StepOutcome::Planned, "{s:?}");
    assert_eq!(s.event_name, "ListMFADevices");
    // Seen from both regions of the member, the one organization trail gives one alarm.
    assert_eq!(s.watching.len(), 1, "{s:?}");
    let w = &s.watching[0];
    assert_eq!(w.alarm_name, "root-account-usage");
    assert_eq!(w.account_id, "111111111111");
    assert_eq!(w.trail_arn, "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-audit");
    assert_eq!(s.alarm.as_deref(), Some(w.alarm_arn.as_str()));
}

#[test]
fn a_root_event_is_not_applicable_outside_members_with_root_sessions() {
    let snap = fixture("compliant-org");
    let s = root_event::plan(&snap, "111111111111");
    assert_eq!(s.outcome, StepOutcome::NotApplicable);
    assert!(s.next_step.unwrap().contains("management account"));

    let standalone = fixture("compliant-standalone");
    let id = standalone.accounts[0].account_id.clone();
    let s = root_event::plan(&standalone, &id);
    assert_eq!(s.outcome, StepOutcome::NotApplicable);

    let mut no_sessions = fixture("compliant-org");
    if let Some(r) = no_sessions.organization.as_mut().and_then(|o| o.root_access.as_mut()) {
        r.root_sessions = false;
    }
    let s = root_event::plan(&no_sessions, "222222222222");
    assert_eq!(s.outcome, StepOutcome::NotApplicable);
    assert!(s.next_step.unwrap().contains("RootSessions"));

    // Unknown is not "not applicable": it is insufficient data.
    let mut unread = fixture("compliant-org");
    if let Some(o) = unread.organization.as_mut() {
        o.root_access = None;
    }
    assert_eq!(
        root_event::plan(&unread, "222222222222").outcome,
        StepOutcome::Insufficient
    );
}

#[test]
fn a_chain_owned_outside_the_scope_is_insufficient_and_names_the_owner() {
    let mut snap = fixture("compliant-org");
    snap.accounts.retain(|a| a.account_id != "111111111111");
    let s = root_event::plan(&snap, "222222222222");
    assert_eq!(s.outcome, StepOutcome::Insufficient, "{s:?}");
    assert!(s.next_step.unwrap().contains("--accounts 222222222222,111111111111"));
}

#[test]
fn a_member_whose_events_reach_no_alarm_fails_before_any_root_call() {
    let mut snap = fixture("compliant-org");
    for a in &mut snap.accounts {
        for r in a.regions.values_mut() {
            if let Some(cw) = r.cloudwatch.as_mut() {
                cw.alarms.clear();
            }
        }
    }
    let s = root_event::plan(&snap, "222222222222");
    assert_eq!(s.outcome, StepOutcome::Failed, "{s:?}");
    assert!(s.next_step.unwrap().contains("no root alarm watches"));
}
