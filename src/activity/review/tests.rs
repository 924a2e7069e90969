use chrono::{NaiveDate, TimeZone};

use super::*;
use crate::requirements::{AccountId, RootUseException};
use crate::snapshot::{Account, AccountRole, AlarmTransition, Iam, Organization};

fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

fn event(id: &str, at: DateTime<Utc>, kind: RootEventKind, name: &str) -> RootEvent {
    RootEvent {
        event_id: id.into(),
        event_time: at,
        region: "us-east-1".into(),
        kind,
        event_source: if name == "ConsoleLogin" {
            "signin.amazonaws.com".into()
        } else {
            "iam.amazonaws.com".into()
        },
        event_name: name.into(),
        source_ip: Some("192.0.2.1".into()),
        user_agent: None,
        error_code: None,
        sign_in_result: (kind == RootEventKind::ConsoleSignIn).then(|| "Success".into()),
        mfa_used: Some(true),
        access_key_last4: None,
    }
}

fn activity(events: Vec<RootEvent>) -> Activity {
    Activity {
        window_start: t(20, 0, 0) - Duration::days(90),
        window_end: t(20, 0, 0),
        sources: vec!["logs".into()],
        regions: Vec::new(),
        errors: Vec::new(),
        events,
        service_events: BTreeMap::new(),
        alarm_transitions: None,
    }
}

fn account(id: &str, role: AccountRole, activity: Activity) -> Account {
    Account {
        account_id: id.into(),
        name: None,
        partition: "aws".into(),
        role,
        expected_regions: Vec::new(),
        iam: Iam {
            credential_report: None,
            account_summary: None,
            root_mfa_devices: None,
            root_login_profile: None,
            root_audit: None,
        },
        regions: BTreeMap::new(),
        activity: Some(activity),
    }
}

fn snapshot(accounts: Vec<Account>) -> Snapshot {
    Snapshot {
        schema_version: crate::snapshot::SCHEMA_VERSION.into(),
        collected_at: t(20, 0, 0),
        collector: None,
        organization: Some(Organization {
            id: "o-example".into(),
            management_account_id: "111111111111".into(),
            feature_set: None,
            root_access: None,
        }),
        accounts,
        collection_errors: Vec::new(),
    }
}

fn exception(account: &str, names: &[&str], starts: Option<(u32, u32)>, expires: (u32, u32)) -> RootUseException {
    RootUseException {
        account_id: AccountId::try_from(account.to_string()).unwrap(),
        scenario: "Break-glass".into(),
        allowed_event_names: names.iter().map(|s| s.to_string()).collect(),
        approver: "ciso@example.com".into(),
        starts: starts.map(|(m, d)| NaiveDate::from_ymd_opt(2026, m, d).unwrap()),
        expires: NaiveDate::from_ymd_opt(2026, expires.0, expires.1).unwrap(),
    }
}

fn reqs(list: Vec<RootUseException>) -> Requirements {
    Requirements {
        root_use_exceptions: list,
        ..Requirements::default()
    }
}

/// The verdict the review gives one event of `account`, under `r`.
fn verdict_of(r: &Requirements, account_id: &str, e: RootEvent) -> Option<ApprovedBy> {
    let s = snapshot(vec![account(account_id, AccountRole::Member, activity(vec![e]))]);
    let review = review(&s, r, None, &[]).unwrap();
    let t = &review.timeline[0];
    assert_eq!(t.verdict == Verdict::Approved, t.approved_by.is_some());
    t.approved_by.clone()
}

#[test]
fn exceptions_match_account_day_range_and_event_name() {
    let sign_in = event("e1", t(10, 23, 59), RootEventKind::ConsoleSignIn, "ConsoleLogin");
    let r = reqs(vec![exception(
        "222222222222",
        &["ConsoleLogin"],
        Some((11, 10)),
        (11, 10),
    )]);
    assert_eq!(
        verdict_of(&r, "222222222222", sign_in.clone()),
        Some(ApprovedBy {
            scenario: "Break-glass".into(),
            approver: "ciso@example.com".into(),
            expires: "2026-11-10".into(),
        }),
        "the expiry day is inclusive"
    );
    let mut last_instant = sign_in.clone();
    last_instant.event_time += Duration::milliseconds(59_999);
    assert!(
        verdict_of(&r, "222222222222", last_instant).is_some(),
        "to its last fraction of a second"
    );
    assert!(verdict_of(&r, "333333333333", sign_in).is_none(), "another account");
    let next_day = event("e2", t(11, 0, 0), RootEventKind::ConsoleSignIn, "ConsoleLogin");
    assert!(verdict_of(&r, "222222222222", next_day).is_none(), "expired");
    let day_before = event("e3", t(9, 23, 59), RootEventKind::ConsoleSignIn, "ConsoleLogin");
    assert!(verdict_of(&r, "222222222222", day_before).is_none(), "not started");
    let other_name = event("e4", t(10, 12, 0), RootEventKind::ConsoleAction, "CreateUser");
    assert!(
        verdict_of(&r, "222222222222", other_name.clone()).is_none(),
        "not an allowed event"
    );
    let any = reqs(vec![exception("222222222222", &[], None, (11, 30))]);
    assert!(
        verdict_of(&any, "222222222222", other_name.clone()).is_some(),
        "empty list allows any, no start is unbounded"
    );
    let mut first_wins = exception("222222222222", &[], None, (11, 30));
    first_wins.scenario = "First".into();
    let two = reqs(vec![first_wins, exception("222222222222", &[], None, (12, 31))]);
    assert_eq!(
        verdict_of(&two, "222222222222", other_name).map(|a| a.scenario),
        Some("First".to_string()),
        "the first covering exception in the requirements' order"
    );
}

/// The review and RW-ACT-001 take their approval from one library, so they cannot disagree: on
/// every edge of an exception's window and event list, the events the review leaves unapproved
/// are exactly those RW-ACT-001 reports.
#[test]
fn the_review_and_rw_act_001_agree_on_every_event() {
    let id = "222222222222";
    let r = reqs(vec![exception(id, &["ConsoleLogin"], Some((11, 10)), (11, 10))]);
    let at = |d, h, m, ms| t(d, h, m) + Duration::milliseconds(ms);
    let events = vec![
        event(
            "before",
            at(9, 23, 59, 59_999),
            RootEventKind::ConsoleSignIn,
            "ConsoleLogin",
        ),
        event("first", at(10, 0, 0, 0), RootEventKind::ConsoleSignIn, "ConsoleLogin"),
        event(
            "last",
            at(10, 23, 59, 59_999),
            RootEventKind::ConsoleSignIn,
            "ConsoleLogin",
        ),
        event("after", at(11, 0, 0, 0), RootEventKind::ConsoleSignIn, "ConsoleLogin"),
        event("other", at(10, 12, 0, 0), RootEventKind::ConsoleAction, "CreateUser"),
    ];
    let mut s = snapshot(vec![account(id, AccountRole::Member, activity(events))]);
    s.organization = None;
    let review = review(&s, &r, None, &[]).unwrap();
    let unapproved: BTreeSet<String> = review
        .timeline
        .iter()
        .filter(|e| e.verdict == Verdict::Unapproved)
        .map(|e| e.event.event_id.clone())
        .collect();
    let mut policy = crate::policy::Policy::load(&crate::policy::loader::bundled(), &r).unwrap();
    let eval = policy.evaluate(&s).unwrap();
    let reported: BTreeSet<String> = eval
        .findings()
        .filter(|f| f.rule_id == "RW-ACT-001")
        .flat_map(|f| f.evidence["event_ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let want: BTreeSet<String> = ["before", "after", "other"].map(String::from).into();
    assert_eq!(unapproved, want);
    assert_eq!(reported, unapproved);
}

#[test]
fn narratives_follow_the_assessment() {
    let r = reqs(vec![exception(
        "222222222222",
        &["ConsoleLogin", "CreateUser"],
        Some((11, 3)),
        (11, 3),
    )]);
    let frequent: Vec<RootEvent> = (0..12)
        .map(|i| {
            event(
                &format!("f{i}"),
                t(1 + i, 9, 0),
                RootEventKind::Programmatic,
                "ListUsers",
            )
        })
        .collect();
    let mut quiet = activity(Vec::new());
    quiet.service_events.insert("support.amazonaws.com".into(), 4);
    let s = snapshot(vec![
        account("111111111111", AccountRole::Management, quiet),
        account(
            "222222222222",
            AccountRole::Member,
            activity(vec![
                event("a", t(3, 9, 0), RootEventKind::ConsoleSignIn, "ConsoleLogin"),
                event("b", t(3, 9, 5), RootEventKind::ConsoleAction, "CreateUser"),
            ]),
        ),
        account(
            "333333333333",
            AccountRole::Member,
            activity(vec![event(
                "c",
                t(7, 2, 0),
                RootEventKind::Programmatic,
                "CreateAccessKey",
            )]),
        ),
        account("444444444444", AccountRole::Member, activity(frequent)),
    ]);
    let review = review(&s, &r, None, &[]).unwrap();
    let n: Vec<&str> = review.accounts.iter().map(|a| a.narrative.as_str()).collect();
    assert_eq!(
        n[0],
        "No root activity in 90 days. 4 AWS-service events on root's behalf ignored."
    );
    assert_eq!(
        n[1],
        "Only approved break-glass use on 2026-11-03 (Break-glass, approved by ciso@example.com)."
    );
    assert_eq!(
        n[2],
        "Unapproved root use: 1 event on 2026-11-07 (API call) from 192.0.2.1."
    );
    assert_eq!(
        n[3],
        "Frequent operational use: 12 events over 12 days, mostly iam (12 unapproved)."
    );
    assert_eq!(review.kpis.unapproved_events, 13);
    assert_eq!(review.kpis.accounts_with_root_use, 3);
    assert_eq!(review.kpis.root_sign_ins, 1);
    assert_eq!(review.kpis.root_mfa_adoption, None, "not evaluated");
    assert_eq!(review.timeline.len(), 15);
    assert!(review
        .timeline
        .windows(2)
        .all(|w| w[0].event.event_time <= w[1].event.event_time));
}

#[test]
fn an_incomplete_review_says_so() {
    let mut a = activity(Vec::new());
    a.errors.push(ActivityError {
        source: "lookup_events".into(),
        region: Some("eu-west-1".into()),
        error_code: "AccessDenied".into(),
        message: "no".into(),
    });
    let review = review(
        &snapshot(vec![account("111111111111", AccountRole::Standalone, a)]),
        &reqs(vec![]),
        None,
        &[],
    )
    .unwrap();
    assert!(!review.accounts[0].complete);
    assert!(
        review.accounts[0]
            .narrative
            .contains("Incomplete: 1 source could not be read"),
        "{}",
        review.accounts[0].narrative
    );
}

#[test]
fn time_to_detect_uses_the_first_alarm_after_each_event_and_the_management_account_for_members() {
    let mut mgmt = activity(vec![event(
        "m1",
        t(5, 10, 0),
        RootEventKind::ConsoleSignIn,
        "ConsoleLogin",
    )]);
    mgmt.alarm_transitions = Some(vec![
        AlarmTransition {
            alarm_name: "root-usage".into(),
            region: "us-east-1".into(),
            timestamp: t(5, 9, 0),
        },
        AlarmTransition {
            alarm_name: "root-usage".into(),
            region: "us-east-1".into(),
            timestamp: t(5, 10, 4),
        },
        AlarmTransition {
            alarm_name: "root-usage".into(),
            region: "us-east-1".into(),
            timestamp: t(8, 3, 0),
        },
    ]);
    // The member has no alarm of its own: the organization trail's alarm watches it.
    let mut member = activity(vec![
        event("p1", t(8, 2, 58), RootEventKind::Programmatic, "ListBuckets"),
        event("p2", t(12, 0, 0), RootEventKind::Programmatic, "ListBuckets"),
    ]);
    member.alarm_transitions = Some(Vec::new());
    let s = snapshot(vec![
        account("111111111111", AccountRole::Management, mgmt),
        account("222222222222", AccountRole::Member, member),
    ]);
    let review = review(&s, &reqs(vec![]), None, &[]).unwrap();
    let after: Vec<Option<i64>> = review.timeline.iter().map(|e| e.detected_after_seconds).collect();
    assert_eq!(after, vec![Some(240), Some(120), None], "p2 had no alarm within a day");
    let ttd = review.kpis.time_to_detect.unwrap();
    assert_eq!(ttd.events, 3);
    assert_eq!(ttd.detected, 2);
    assert_eq!(ttd.median_seconds, Some(240));
    assert_eq!(ttd.max_seconds, Some(240));
}

#[test]
fn without_alarm_history_time_to_detect_is_unknown_and_ratios_need_verdicts() {
    let s = snapshot(vec![account(
        "111111111111",
        AccountRole::Standalone,
        activity(vec![event(
            "x",
            t(5, 1, 0),
            RootEventKind::ConsoleSignIn,
            "ConsoleLogin",
        )]),
    )]);
    let controls = ControlSummary {
        accounts: 3,
        passing_all: 2,
        root_mfa_pass: 1,
        root_mfa_judged: 2,
    };
    let review = review(&s, &reqs(vec![]), Some(controls), &[]).unwrap();
    assert_eq!(review.kpis.time_to_detect, None);
    let c = review.kpis.policy_compliance.unwrap();
    assert_eq!((c.count, c.of, c.percent), (2, 3, 66.7));
    assert_eq!(review.kpis.root_mfa_adoption.unwrap().percent, 50.0);
}

/// A `drill -o json` record whose accounts made root calls through `drill --root-event`:
/// (account, event time, event name, seconds to detect).
fn root_event_drill(events: &[(&str, DateTime<Utc>, &str, Option<i64>)]) -> DrillRecord {
    let accounts: Vec<serde_json::Value> = events
        .iter()
        .map(|(account, at, name, detect)| {
            serde_json::json!({
                "account_id": account, "outcome": "passed", "unreadable_regions": [],
                "filter_checks": [], "alarm_drills": [], "calls": [],
                "root_event": {
                    "event_time": at, "event_name": name, "event_source": "iam.amazonaws.com",
                    "alarm": null, "watching": [], "transition_at": null, "actions": [], "topics": [],
                    "seconds_to_detect": detect, "seconds_to_notify": null,
                    "outcome": if detect.is_some() { "passed" } else { "insufficient" }, "next_step": null
                }
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "drill_id": "rwd-1", "mode": "run",
        "started_at": "2026-11-08T00:00:00Z", "finished_at": "2026-11-09T00:00:00Z",
        "accounts": accounts,
    }))
    .unwrap()
}

#[test]
fn drilled_root_events_join_time_to_detect_once() {
    let mut mgmt = activity(vec![]);
    mgmt.alarm_transitions = Some(vec![AlarmTransition {
        alarm_name: "root-usage".into(),
        region: "us-east-1".into(),
        timestamp: t(8, 3, 0),
    }]);
    let mut member = activity(vec![event(
        "p1",
        t(8, 2, 58),
        RootEventKind::Programmatic,
        "ListMFADevices",
    )]);
    member.alarm_transitions = Some(Vec::new());
    let s = snapshot(vec![
        account("111111111111", AccountRole::Management, mgmt),
        account("222222222222", AccountRole::Member, member),
    ]);
    let record = root_event_drill(&[
        // The event the review already holds: counted once, with the review's timing.
        ("222222222222", t(8, 2, 58), "ListMFADevices", Some(100)),
        ("333333333333", t(8, 5, 0), "ListMFADevices", Some(30)),
        // Not detected within the drill's wait.
        ("444444444444", t(8, 6, 0), "ListMFADevices", None),
    ]);
    let reviewed = review(&s, &reqs(vec![]), None, &[&record]).unwrap();
    let ttd = reviewed.kpis.time_to_detect.unwrap();
    assert_eq!((ttd.events, ttd.detected), (3, 2), "{ttd:?}");
    assert_eq!((ttd.median_seconds, ttd.max_seconds), (Some(120), Some(120)));

    // Without alarm history, the drill alone gives the figure; a plan gives none.
    let bare = snapshot(vec![account("555555555555", AccountRole::Standalone, activity(vec![]))]);
    let drilled = root_event_drill(&[("666666666666", t(8, 5, 0), "ListMFADevices", Some(30))]);
    let ttd = review(&bare, &reqs(vec![]), None, &[&drilled])
        .unwrap()
        .kpis
        .time_to_detect
        .unwrap();
    assert_eq!((ttd.events, ttd.detected, ttd.median_seconds), (1, 1, Some(30)));
    let mut planned = drilled.clone();
    planned.mode = crate::drill::Mode::Plan;
    assert_eq!(
        review(&bare, &reqs(vec![]), None, &[&planned])
            .unwrap()
            .kpis
            .time_to_detect,
        None
    );
}
