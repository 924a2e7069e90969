//! The review: each root event with the approved root-use exception that covers it (as the rules'
//! library decides), a narrative per account, and the KPIs over the window (including time to
//! detect from alarm history).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::notify::TimeToNotify;
use crate::drill::DrillRecord;
use crate::policy::library::LibraryQuery;
use crate::policy::metadata::Kpi;
use crate::policy::{Evaluation, PolicyError, Status};
use crate::requirements::Requirements;
use crate::snapshot::{Account, Activity, ActivityError, AlarmTransition, RootEvent, RootEventKind, Snapshot};

/// What the review makes of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Covered by an approved, unexpired root-use exception.
    Approved,
    /// Not covered by any exception.
    Unapproved,
}

/// The exception that approved an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovedBy {
    /// The exception's scenario.
    pub scenario: String,
    /// Who approved it.
    pub approver: String,
    /// Its last valid day.
    pub expires: String,
}

/// One event on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// The account.
    pub account_id: String,
    /// The event.
    #[serde(flatten)]
    pub event: RootEvent,
    /// Approved or not.
    pub verdict: Verdict,
    /// The exception that approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<ApprovedBy>,
    /// Seconds from the event to the first root-activity alarm going to ALARM, when alarm history
    /// was read and an alarm fired within a day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_after_seconds: Option<i64>,
}

/// One account's review.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReview {
    /// The account.
    pub account_id: String,
    /// Its name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One sentence on what root did.
    pub narrative: String,
    /// Root events (service events excluded).
    pub events: usize,
    /// Of which approved.
    pub approved: usize,
    /// Of which unapproved.
    pub unapproved: usize,
    /// Console sign-ins (successful and failed).
    pub sign_ins: usize,
    /// Service events on root's behalf, ignored as noise.
    pub service_events: u64,
    /// Whether everything that could hold root activity was read.
    pub complete: bool,
    /// What could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ActivityError>,
}

/// A share of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    /// Accounts that meet it.
    pub count: usize,
    /// Accounts it was measured on.
    pub of: usize,
    /// `count / of` in percent, one decimal.
    pub percent: f64,
}

impl Ratio {
    /// `count` of `of`; `None` when nothing was measured (`of` is 0).
    pub fn new(count: usize, of: usize) -> Option<Ratio> {
        (of > 0).then(|| Ratio {
            count,
            of,
            percent: (count as f64 * 1000.0 / of as f64).round() / 10.0,
        })
    }
}

/// Time from root events to their alarms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToDetect {
    /// Root events in accounts whose alarm history was read.
    pub events: usize,
    /// Of which an alarm went to ALARM within a day.
    pub detected: usize,
    /// Median seconds to detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_seconds: Option<i64>,
    /// Slowest detection, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<i64>,
}

/// The KPIs of the seeds' assessment, over the window.
#[derive(Debug, Clone, Serialize)]
pub struct Kpis {
    /// Accounts reviewed.
    pub accounts: usize,
    /// Root console sign-ins (successful and failed).
    pub root_sign_ins: usize,
    /// Failed root console sign-ins.
    pub root_sign_in_failures: usize,
    /// Root events not covered by an exception.
    pub unapproved_events: usize,
    /// Accounts with any root event (service events excluded).
    pub accounts_with_root_use: usize,
    /// Accounts whose root user has MFA, of those whose credential report was read.
    pub root_mfa_adoption: Option<Ratio>,
    /// Accounts passing every control, of those evaluated.
    pub policy_compliance: Option<Ratio>,
    /// Time to detect, where alarm history was read.
    pub time_to_detect: Option<TimeToDetect>,
    /// Time to notify, from the root alarms' history and drill records; `null` when neither
    /// was read.
    pub time_to_notify: Option<TimeToNotify>,
}

/// The whole review.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub window_end: DateTime<Utc>,
    /// The KPIs.
    pub kpis: Kpis,
    /// Per account, in account order.
    pub accounts: Vec<AccountReview>,
    /// Every root event, oldest first.
    pub timeline: Vec<TimelineEvent>,
}

/// The rules' library that decides root-use approval, and what it answers per account: the
/// index (in `activity.events`) of each approved event with the exception that approved it.
const APPROVALS_RULE: &str = "data.rootwarden.lib.root_use.approvals";

/// The approving exception of each approved event of `account`'s activity, by event index, as
/// `rules/lib/root_use.rego` decides it (the rules judge RW-ACT-001 with the same library).
fn approvals(
    query: &mut LibraryQuery,
    snapshot: &Snapshot,
    account: &Account,
) -> Result<BTreeMap<usize, ApprovedBy>, PolicyError> {
    let answer = query.eval(snapshot, account, APPROVALS_RULE)?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    Ok(answer
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let index = usize::try_from(a["index"].as_u64()?).ok()?;
            Some((
                index,
                ApprovedBy {
                    scenario: text(&a["scenario"]),
                    approver: text(&a["approver"]),
                    expires: text(&a["expires"]),
                },
            ))
        })
        .collect())
}

/// How long after an event an alarm may fire and still count as its detection.
const DETECTION_HORIZON: Duration = Duration::days(1);

/// What the rules said about the snapshot's accounts, for the KPIs that need verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSummary {
    /// Accounts evaluated.
    pub accounts: usize,
    /// Accounts where no control fails or lacks data.
    pub passing_all: usize,
    /// Accounts where the root MFA control passes.
    pub root_mfa_pass: usize,
    /// Accounts where the root MFA control passes or fails (not where root has no credentials
    /// or the facts are missing).
    pub root_mfa_judged: usize,
}

/// The rule that judges root MFA: the one whose METADATA says `kpi: root_mfa` (RW-ROOT-003 of
/// the bundled rules); its `not_applicable` is where root has no credentials at all.
pub fn root_mfa_rule(eval: &Evaluation) -> Option<&str> {
    eval.rules
        .iter()
        .find(|r| r.metadata.custom.kpi == Some(Kpi::RootMfa))
        .map(|r| r.id())
}

/// What the rules said about the accounts of `eval`, for the KPIs that need verdicts: policy
/// compliance (no control fails or lacks data; a waived one counts as accepted) and root MFA
/// adoption (of the accounts where the MFA rule passed or failed). The MFA rule is the one whose
/// METADATA says `kpi: root_mfa` (RW-ROOT-003 of the bundled rules), so Rust names no rule.
pub fn control_summary(eval: &Evaluation) -> ControlSummary {
    let mfa_rule = root_mfa_rule(eval);
    let mut failing: BTreeSet<&str> = BTreeSet::new();
    let mut mfa: BTreeMap<&str, Status> = BTreeMap::new();
    for o in &eval.outcomes {
        if matches!(o.status, Status::Fail | Status::InsufficientData) {
            failing.insert(&o.account_id);
        }
        if Some(o.rule_id.as_str()) == mfa_rule {
            mfa.insert(&o.account_id, o.status);
        }
    }
    ControlSummary {
        accounts: eval.accounts.len(),
        passing_all: eval.accounts.iter().filter(|a| !failing.contains(a.as_str())).count(),
        root_mfa_pass: mfa.values().filter(|s| **s == Status::Pass).count(),
        root_mfa_judged: mfa
            .values()
            .filter(|s| matches!(s, Status::Pass | Status::Fail))
            .count(),
    }
}

/// Reviews the activity of every account of `snapshot` that has an activity section.
/// `controls` is given when the snapshot was evaluated; `drills` are validation records whose
/// alarm drills add to time to notify. Which events are approved and which alarms are root alarms
/// is asked of the rules' library (`rules/lib/`); it fails only if that library cannot be
/// evaluated.
pub fn review(
    snapshot: &Snapshot,
    requirements: &Requirements,
    controls: Option<ControlSummary>,
    drills: &[&DrillRecord],
) -> Result<Review, PolicyError> {
    let mut query = LibraryQuery::new(requirements)?;
    let mut accounts = Vec::new();
    let mut timeline = Vec::new();
    let mut window: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for account in &snapshot.accounts {
        let Some(activity) = &account.activity else { continue };
        window = Some(match window {
            None => (activity.window_start, activity.window_end),
            Some((s, e)) => (s.min(activity.window_start), e.max(activity.window_end)),
        });
        let transitions = transitions_of(snapshot, &account.account_id);
        let mut approved = approvals(&mut query, snapshot, account)?;
        let mut reviewed = Vec::new();
        for (index, event) in activity.events.iter().enumerate() {
            let approved_by = approved.remove(&index);
            let detected_after_seconds = transitions.and_then(|ts| {
                ts.iter()
                    .map(|t| t.timestamp)
                    .filter(|t| *t >= event.event_time && *t <= event.event_time + DETECTION_HORIZON)
                    .min()
                    .map(|t| (t - event.event_time).num_seconds())
            });
            reviewed.push(TimelineEvent {
                account_id: account.account_id.clone(),
                event: event.clone(),
                verdict: if approved_by.is_some() {
                    Verdict::Approved
                } else {
                    Verdict::Unapproved
                },
                approved_by,
                detected_after_seconds,
            });
        }
        accounts.push(account_review(
            account.account_id.clone(),
            account.name.clone(),
            activity,
            &reviewed,
        ));
        timeline.extend(reviewed);
    }
    timeline.sort_by(|a, b| {
        (a.event.event_time, &a.account_id, &a.event.event_id).cmp(&(
            b.event.event_time,
            &b.account_id,
            &b.event.event_id,
        ))
    });
    let (window_start, window_end) = window.unwrap_or((snapshot.collected_at, snapshot.collected_at));
    let mut kpis = kpis(snapshot, &accounts, &timeline, controls);
    kpis.time_to_detect = with_drilled_events(kpis.time_to_detect.take(), &timeline, drills);
    kpis.time_to_notify = super::notify::time_to_notify(&mut query, snapshot, drills)?;
    Ok(Review {
        window_start,
        window_end,
        kpis,
        accounts,
        timeline,
    })
}

/// The alarm state changes that would reveal `account_id`'s root activity: its own, or, when it
/// has none, the management account's (members under an organization trail are watched there).
fn transitions_of<'s>(snapshot: &'s Snapshot, account_id: &str) -> Option<&'s Vec<AlarmTransition>> {
    let of = |id: &str| {
        snapshot
            .accounts
            .iter()
            .find(|a| a.account_id == id)
            .and_then(|a| a.activity.as_ref())
            .and_then(|a| a.alarm_transitions.as_ref())
    };
    let own = of(account_id);
    match own {
        Some(t) if !t.is_empty() => Some(t),
        _ => snapshot
            .organization
            .as_ref()
            .and_then(|o| of(&o.management_account_id))
            .or(own),
    }
}

fn kpis(
    snapshot: &Snapshot,
    accounts: &[AccountReview],
    timeline: &[TimelineEvent],
    controls: Option<ControlSummary>,
) -> Kpis {
    let sign_ins = || timeline.iter().filter(|t| t.event.kind == RootEventKind::ConsoleSignIn);
    let watched: Vec<&TimelineEvent> = timeline
        .iter()
        .filter(|t| transitions_of(snapshot, &t.account_id).is_some())
        .collect();
    let time_to_detect = (!watched.is_empty()).then(|| {
        let mut secs: Vec<i64> = watched.iter().filter_map(|t| t.detected_after_seconds).collect();
        secs.sort_unstable();
        TimeToDetect {
            events: watched.len(),
            detected: secs.len(),
            median_seconds: secs.get(secs.len() / 2).copied(),
            max_seconds: secs.last().copied(),
        }
    });
    Kpis {
        accounts: accounts.len(),
        root_sign_ins: sign_ins().count(),
        root_sign_in_failures: sign_ins()
            .filter(|t| t.event.sign_in_result.as_deref() == Some("Failure"))
            .count(),
        unapproved_events: timeline.iter().filter(|t| t.verdict == Verdict::Unapproved).count(),
        accounts_with_root_use: accounts.iter().filter(|a| a.events > 0).count(),
        root_mfa_adoption: controls.and_then(|c| Ratio::new(c.root_mfa_pass, c.root_mfa_judged)),
        policy_compliance: controls.and_then(|c| Ratio::new(c.passing_all, c.accounts)),
        time_to_detect,
        time_to_notify: None,
    }
}

/// Time to detect with the root events `drill --root-event` made: each is a root event whose
/// detection was timed, unless the review's own history already holds it (same account and call
/// within a few seconds). An event the drill saw go undetected within its wait counts as
/// undetected; a step that made no root call counts as nothing.
fn with_drilled_events(
    reviewed: Option<TimeToDetect>,
    timeline: &[TimelineEvent],
    drills: &[&DrillRecord],
) -> Option<TimeToDetect> {
    let drilled: Vec<Option<i64>> = drills
        .iter()
        .filter(|r| r.mode == crate::drill::Mode::Run)
        .flat_map(|r| r.accounts.iter())
        .filter_map(|a| {
            let e = a.root_event.as_ref()?;
            let at = e.event_time?;
            let in_review = timeline.iter().any(|t| {
                t.account_id == a.account_id
                    && t.event.event_name == e.event_name
                    && (t.event.event_time - at).num_seconds().abs() <= SAME_EVENT_SECONDS
            });
            (!in_review).then_some(e.seconds_to_detect)
        })
        .collect();
    if drilled.is_empty() {
        return reviewed;
    }
    // Only events of watched accounts have a detection time, as in `reviewed`.
    let mut secs: Vec<i64> = timeline.iter().filter_map(|t| t.detected_after_seconds).collect();
    let events = reviewed.as_ref().map_or(0, |r| r.events);
    secs.extend(drilled.iter().flatten());
    secs.sort_unstable();
    Some(TimeToDetect {
        events: events + drilled.len(),
        detected: secs.len(),
        median_seconds: secs.get(secs.len() / 2).copied(),
        max_seconds: secs.last().copied(),
    })
}

/// A drilled root call and an event of the review this close together, in the same account and
/// with the same name, are the same event.
const SAME_EVENT_SECONDS: i64 = 5;

fn account_review(
    account_id: String,
    name: Option<String>,
    activity: &Activity,
    events: &[TimelineEvent],
) -> AccountReview {
    let approved = events.iter().filter(|e| e.verdict == Verdict::Approved).count();
    let service_events: u64 = activity.service_events.values().sum();
    AccountReview {
        narrative: narrative(activity, events),
        account_id,
        name,
        events: events.len(),
        approved,
        unapproved: events.len() - approved,
        sign_ins: events
            .iter()
            .filter(|e| e.event.kind == RootEventKind::ConsoleSignIn)
            .count(),
        service_events,
        complete: activity.errors.is_empty(),
        errors: activity.errors.clone(),
    }
}

/// From this many root events, or root use on this many days, use is "frequent operational use"
/// rather than a one-off.
const FREQUENT_EVENTS: usize = 10;
const FREQUENT_DAYS: usize = 5;

/// The assessment's sentence for one account.
pub fn narrative(activity: &Activity, events: &[TimelineEvent]) -> String {
    let days = (activity.window_end - activity.window_start).num_days().max(1);
    let dates: BTreeSet<String> = events
        .iter()
        .map(|e| e.event.event_time.date_naive().to_string())
        .collect();
    let list = |d: &BTreeSet<String>| {
        let v: Vec<&str> = d.iter().map(String::as_str).collect();
        match v.len() {
            0..=3 => v.join(", "),
            n => format!("{}, … ({n} days)", v[..3].join(", ")),
        }
    };
    let mut s = if events.is_empty() {
        format!("No root activity in {days} days.")
    } else if events.iter().all(|e| e.verdict == Verdict::Approved) {
        let scenarios: BTreeSet<String> = events
            .iter()
            .filter_map(|e| e.approved_by.as_ref())
            .map(|a| format!("{}, approved by {}", a.scenario, a.approver))
            .collect();
        format!(
            "Only approved break-glass use on {} ({}).",
            list(&dates),
            scenarios.into_iter().collect::<Vec<_>>().join("; ")
        )
    } else if events.len() >= FREQUENT_EVENTS || dates.len() >= FREQUENT_DAYS {
        let unapproved = events.iter().filter(|e| e.verdict == Verdict::Unapproved).count();
        format!(
            "Frequent operational use: {} events over {} days, mostly {} ({unapproved} unapproved).",
            events.len(),
            dates.len(),
            most_common_service(events)
        )
    } else {
        let unapproved: Vec<&TimelineEvent> = events.iter().filter(|e| e.verdict == Verdict::Unapproved).collect();
        let dates: BTreeSet<String> = unapproved
            .iter()
            .map(|e| e.event.event_time.date_naive().to_string())
            .collect();
        let kinds: BTreeSet<&str> = unapproved.iter().map(|e| e.event.kind.label()).collect();
        let ips: BTreeSet<&str> = unapproved.iter().filter_map(|e| e.event.source_ip.as_deref()).collect();
        format!(
            "Unapproved root use: {} event{} on {} ({}) from {}.",
            unapproved.len(),
            if unapproved.len() == 1 { "" } else { "s" },
            list(&dates),
            kinds.into_iter().collect::<Vec<_>>().join(", "),
            if ips.is_empty() {
                "an unknown address".to_string()
            } else {
                ips.into_iter().collect::<Vec<_>>().join(", ")
            }
        )
    };
    let service: u64 = activity.service_events.values().sum();
    if service > 0 {
        s.push_str(&format!(" {service} AWS-service events on root's behalf ignored."));
    }
    if !activity.errors.is_empty() {
        s.push_str(&format!(
            " Incomplete: {} source{} could not be read, so root use may be missing.",
            activity.errors.len(),
            if activity.errors.len() == 1 { "" } else { "s" }
        ));
    }
    s
}

/// The service most events went to (`iam` for `iam.amazonaws.com`).
fn most_common_service(events: &[TimelineEvent]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events {
        let service = e.event.event_source.split('.').next().unwrap_or_default();
        *counts.entry(service).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| s.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
