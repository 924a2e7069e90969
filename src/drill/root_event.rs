//! Step 3, `--root-event`: the end-to-end drill. A real root event in a member account (one
//! read-only call in an `sts:AssumeRoot` session scoped by IAMAuditRootUserCredentials), then the
//! root alarms that watch the member read until CloudTrail → CloudWatch Logs → metric filter →
//! alarm → action has run: time to detect (event → alarm transition) and time to notify
//! (transition → action executed).
//!
//! Only member accounts of an organization with centralized root access (`RootSessions`) can be
//! drilled this way; every other account's step is "not applicable" with the reason. The alarms
//! that watch a member are found from the snapshot: the log group of every trail that records the
//! member (its own, the organization trail of the management account), the root metric filters
//! on that group and the alarms on their metrics, in whichever account owns the group.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::{
    answered, log_call_in, read_history, stop, AccountRecord, ActionResult, DrillOptions, StepOutcome, REASON_PREFIX,
};
use crate::aws::assume_root::{self, TaskPolicy};
use crate::aws::connection::Reach;
use crate::aws::{describe, CallCounter};
use crate::collect::root_events::{root_alarms, root_metric_filters};
use crate::snapshot::{AccountRole, Snapshot};
use aws_sdk_cloudwatch::types::{HistoryItemType, StateValue};

/// The root call the drill makes: allowed by IAMAuditRootUserCredentials, reads only root's own
/// MFA devices, and is recorded by CloudTrail as a management event of the member.
pub const EVENT_NAME: &str = "ListMFADevices";
/// The event's source.
pub const EVENT_SOURCE: &str = "iam.amazonaws.com";

/// The end-to-end drill of one account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootEventDrill {
    /// When the root call was made (to the second, as CloudTrail records `eventTime`); `null`
    /// when it was not made.
    pub event_time: Option<DateTime<Utc>>,
    /// The root call's CloudTrail `eventName`.
    pub event_name: String,
    /// The root call's `eventSource`.
    pub event_source: String,
    /// The alarm whose transition was seen (ARN); the first alarm watching the account when none
    /// was seen; `null` when no alarm watches it.
    pub alarm: Option<String>,
    /// Every root alarm that watches this account's root events (ARNs), with the log group each
    /// one's chain reads.
    pub watching: Vec<WatchingAlarm>,
    /// When the alarm changed to ALARM because of the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition_at: Option<DateTime<Utc>>,
    /// The actions CloudWatch ran for that transition.
    pub actions: Vec<ActionResult>,
    /// The SNS topic(s) notified.
    pub topics: Vec<String>,
    /// Seconds from the event to the alarm's transition to ALARM (time to detect).
    pub seconds_to_detect: Option<i64>,
    /// Seconds from the transition to the first successful action (time to notify).
    pub seconds_to_notify: Option<i64>,
    /// Outcome: `not_applicable` for an account that is not a member with centralized root
    /// access, `insufficient` when nothing arrived within `--wait`.
    pub outcome: StepOutcome,
    /// Why the step is not applicable, or what to do when it did not pass.
    pub next_step: Option<String>,
}

/// A root alarm that watches a member's root events, and the chain it reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchingAlarm {
    /// Alarm ARN.
    pub alarm_arn: String,
    /// Alarm name.
    pub alarm_name: String,
    /// The account the alarm lives in.
    pub account_id: String,
    /// Its region.
    pub region: String,
    /// The log group the trail delivers to and the root metric filter reads.
    pub log_group_arn: String,
    /// The trail that records the member's events into that log group.
    pub trail_arn: String,
    /// `AlarmActions` (when actions are enabled).
    pub alarm_actions: Vec<String>,
}

fn step(outcome: StepOutcome, next_step: Option<String>) -> RootEventDrill {
    RootEventDrill {
        event_time: None,
        event_name: EVENT_NAME.into(),
        event_source: EVENT_SOURCE.into(),
        alarm: None,
        watching: Vec::new(),
        transition_at: None,
        actions: Vec::new(),
        topics: Vec::new(),
        seconds_to_detect: None,
        seconds_to_notify: None,
        outcome,
        next_step,
    }
}

/// The planned step for account `account_id` of `snapshot`.
pub fn plan(snapshot: &Snapshot, account_id: &str) -> RootEventDrill {
    let Some(account) = snapshot.accounts.iter().find(|a| a.account_id == account_id) else {
        return step(
            StepOutcome::Insufficient,
            Some("the account is not in the snapshot".into()),
        );
    };
    let not_applicable = |why: &str| step(StepOutcome::NotApplicable, Some(why.to_string()));
    match account.role {
        AccountRole::Standalone => {
            return not_applicable(
                "not a member of an organization: sts:AssumeRoot opens root sessions on member accounts only; test this account's root alarm with a controlled root sign-in instead",
            )
        }
        AccountRole::Management => {
            return not_applicable(
                "the management account: sts:AssumeRoot opens root sessions on member accounts only; test this account's root alarm with a controlled root sign-in instead",
            )
        }
        AccountRole::Member => {}
    }
    match snapshot.organization.as_ref().map(|o| o.root_access.as_ref()) {
        None | Some(None) => {
            return step(
                StepOutcome::Insufficient,
                Some("whether the organization has centralized root access (RootSessions) could not be read (iam:ListOrganizationsFeatures in the management account)".into()),
            )
        }
        Some(Some(r)) if !r.root_sessions => {
            return not_applicable(
                "centralized root access has no root sessions (RootSessions disabled): enable it (aws iam enable-organizations-root-sessions) to drill with a real root event",
            )
        }
        Some(Some(_)) => {}
    }
    let (watching, missing_owner) = watching_alarms(snapshot, account_id);
    let mut s = step(StepOutcome::Planned, None);
    s.alarm = watching.first().map(|w| w.alarm_arn.clone());
    s.watching = watching;
    if s.watching.is_empty() {
        s.outcome = if missing_owner.is_some() {
            StepOutcome::Insufficient
        } else {
            StepOutcome::Failed
        };
        s.next_step = Some(match missing_owner {
            Some(owner) => format!(
                "the trail that records this account delivers to a log group of account {owner}, which is not in this drill's scope: add it (--accounts {account_id},{owner}) so its root alarm can be read"
            ),
            None => "no root alarm watches this account's root events (no trail delivering them to a log group with a root metric filter and an alarm): a root event would reach nobody; `rootwarden scan` shows the missing link".into(),
        });
    }
    s
}

/// The root alarms that watch `member`, and the owner of a chain that is not in the snapshot.
fn watching_alarms(snapshot: &Snapshot, member: &str) -> (Vec<WatchingAlarm>, Option<String>) {
    let Some(account) = snapshot.accounts.iter().find(|a| a.account_id == member) else {
        return (Vec::new(), None);
    };
    let mut out: Vec<WatchingAlarm> = Vec::new();
    let mut missing_owner = None;
    for region in account.regions.values() {
        for trail in region.cloudtrail.iter().flat_map(|c| c.trails.iter()) {
            let Some(group_arn) = trail.cloud_watch_logs_log_group_arn.as_deref() else {
                continue;
            };
            let Some(group) = crate::arn::Arn::parse(group_arn) else {
                continue;
            };
            let name = group
                .resource
                .strip_prefix("log-group:")
                .unwrap_or(group.resource)
                .trim_end_matches(":*");
            let Some(owner) = snapshot.accounts.iter().find(|a| a.account_id == group.account) else {
                missing_owner = Some(group.account.to_string());
                continue;
            };
            let Some(owner_region) = owner.regions.get(group.region) else {
                continue;
            };
            let metrics: Vec<(&str, &str)> = root_metric_filters(owner_region)
                .into_iter()
                .filter(|f| f.log_group_name == name)
                .flat_map(|f| f.metric_transformations.iter())
                .map(|t| (t.metric_namespace.as_str(), t.metric_name.as_str()))
                .collect();
            for alarm in root_alarms(owner_region) {
                let watches = metrics
                    .iter()
                    .any(|(ns, m)| alarm.namespace.as_deref() == Some(*ns) && alarm.metric_name.as_deref() == Some(*m));
                if watches && !out.iter().any(|w| w.alarm_arn == alarm.alarm_arn) {
                    out.push(WatchingAlarm {
                        alarm_arn: alarm.alarm_arn.clone(),
                        alarm_name: alarm.alarm_name.clone(),
                        account_id: owner.account_id.clone(),
                        region: group.region.to_string(),
                        log_group_arn: group_arn.to_string(),
                        trail_arn: trail.trail_arn.clone(),
                        alarm_actions: if alarm.actions_enabled {
                            alarm.alarm_actions.clone()
                        } else {
                            Vec::new()
                        },
                    });
                }
            }
        }
    }
    let missing_owner = if out.is_empty() { missing_owner } else { None };
    (out, missing_owner)
}

/// What the alarm history shows for one watching alarm since the event.
struct Seen {
    transition_at: DateTime<Utc>,
    actions: Vec<ActionResult>,
}

/// Carries out the planned step of `rec` (its `root_event` is `Planned`). `Err` when a call
/// failed: the account's drill is stopped.
/// `proven`: alarm ARN → the account whose root event took it to ALARM earlier in this run.
pub async fn run(
    reach: &Reach,
    rec: &mut AccountRecord,
    opts: &DrillOptions,
    proven: &std::collections::HashMap<String, String>,
) -> Result<(), ()> {
    let member = rec.account_id.clone();
    let region = reach.home_region.clone();
    let watching = rec.root_event.as_ref().map(|s| s.watching.clone()).unwrap_or_default();
    let counter = CallCounter::new(&member, Default::default());

    // An alarm already in ALARM makes no transition: the event would prove nothing.
    let mut owners = std::collections::HashMap::new();
    for w in &watching {
        if !owners.contains_key(&w.account_id) {
            let cfg = reach
                .account_config(
                    &w.account_id,
                    "rootwarden-drill",
                    CallCounter::new(&w.account_id, Default::default()),
                )
                .await;
            owners.insert(w.account_id.clone(), cfg);
        }
        let cw = owners[&w.account_id].cloudwatch(&w.region);
        let read = cw
            .describe_alarms()
            .alarm_names(&w.alarm_name)
            .send()
            .await
            .map_err(|e| describe(&e));
        log_call_in(
            rec,
            &w.account_id,
            &w.region,
            "cloudwatch:DescribeAlarms",
            &w.alarm_arn,
            read.as_ref().map(|_| ()),
        );
        match read {
            Ok(out) => {
                let in_alarm = out
                    .metric_alarms()
                    .iter()
                    .any(|a| a.state_value() == Some(&StateValue::Alarm));
                if in_alarm {
                    let s = rec.root_event.as_mut().expect("planned step");
                    s.outcome = StepOutcome::Skipped;
                    s.alarm = Some(w.alarm_arn.clone());
                    s.next_step = Some(match proven.get(&w.alarm_arn) {
                        Some(by) => format!(
                            "the root event of account {by} took the alarm {} to ALARM earlier in this run: it makes no new transition until CloudWatch returns it to OK at an evaluation without root events; drill this account in a later run",
                            w.alarm_name
                        ),
                        None => format!(
                            "the alarm {} is already in ALARM (a drill, a root event or a real alert within its period): a new root event would make no transition; investigate it, and run the drill again once it is OK",
                            w.alarm_name
                        ),
                    });
                    return Ok(());
                }
            }
            Err(e) => {
                stop(rec, "cloudwatch:DescribeAlarms", &e);
                return Err(());
            }
        }
    }

    let caller = reach
        .account_config(&reach.caller_account, "rootwarden-drill", counter.clone())
        .await;
    let root_arn = format!("arn:{}:iam::{member}:root", reach.partition);
    let session = assume_root::open(
        &caller,
        &region,
        &reach.partition,
        &member,
        TaskPolicy::AuditRootUserCredentials,
        counter,
    )
    .await;
    let session = match session {
        Ok(s) => {
            log_call_in(rec, &reach.caller_account, &region, "sts:AssumeRoot", &root_arn, Ok(()));
            s
        }
        Err(refused) => {
            let err = (refused.code, refused.message);
            log_call_in(
                rec,
                &reach.caller_account,
                &region,
                "sts:AssumeRoot",
                &root_arn,
                Err(&err),
            );
            stop(rec, "sts:AssumeRoot", &err);
            return Err(());
        }
    };
    // CloudTrail stamps eventTime to the second: the transition is at or after it.
    let event_time = Utc::now().trunc_subsecs(0);
    let call = session
        .iam(&region)
        .list_mfa_devices()
        .send()
        .await
        .map_err(|e| describe(&e));
    log_call_in(
        rec,
        &member,
        &region,
        &format!("iam:{EVENT_NAME}"),
        &root_arn,
        call.as_ref().map(|_| ()),
    );
    if let Err(e) = call {
        stop(rec, &format!("iam:{EVENT_NAME} (root session)"), &e);
        return Err(());
    }
    rec.root_event.as_mut().expect("planned step").event_time = Some(event_time);

    let deadline = tokio::time::Instant::now() + opts.wait;
    let mut seen: Option<(usize, Seen)> = None;
    loop {
        for (i, w) in watching.iter().enumerate() {
            let cw = owners[&w.account_id].cloudwatch(&w.region);
            let read = read_history(&cw, &w.alarm_name, event_time - chrono::Duration::seconds(60)).await;
            let items = answered(
                rec,
                Some(&w.account_id),
                &w.region,
                "cloudwatch:DescribeAlarmHistory",
                &w.alarm_arn,
                read,
            )?;
            // The event's transition: to ALARM, at or after the event, not a drill's SetAlarmState.
            let transition = items
                .iter()
                .filter(|it| it.kind == HistoryItemType::StateUpdate && it.at >= event_time)
                .find(|it| {
                    let d = it.data.as_ref();
                    d.and_then(|d| d.pointer("/newState/stateValue"))
                        .and_then(|v| v.as_str())
                        == Some("ALARM")
                        && !d
                            .and_then(|d| d.pointer("/newState/stateReason"))
                            .and_then(|v| v.as_str())
                            .is_some_and(|r| r.starts_with(REASON_PREFIX))
                })
                .map(|it| it.at);
            if let Some(at) = transition {
                let next_change = items
                    .iter()
                    .filter(|it| it.kind == HistoryItemType::StateUpdate && it.at > at)
                    .map(|it| it.at)
                    .min();
                let actions: Vec<ActionResult> = items
                    .iter()
                    .filter(|it| it.kind == HistoryItemType::Action && it.at >= at)
                    .filter(|it| next_change.is_none_or(|n| it.at < n))
                    .filter_map(super::action_result)
                    .collect();
                if seen.as_ref().is_none_or(|(_, s)| s.actions.len() < actions.len()) {
                    seen = Some((
                        i,
                        Seen {
                            transition_at: at,
                            actions,
                        },
                    ));
                }
            }
        }
        let done = seen.as_ref().is_some_and(|(i, s)| {
            watching[*i]
                .alarm_actions
                .iter()
                .all(|x| s.actions.iter().any(|r| &r.resource == x))
        });
        let now = tokio::time::Instant::now();
        if done || now >= deadline {
            break;
        }
        tokio::time::sleep(opts.poll.min(deadline - now)).await;
    }
    judge(rec.root_event.as_mut().expect("planned step"), &watching, seen, opts);
    Ok(())
}

fn judge(s: &mut RootEventDrill, watching: &[WatchingAlarm], seen: Option<(usize, Seen)>, opts: &DrillOptions) {
    let wait = opts.wait.as_secs();
    let Some((i, seen)) = seen else {
        s.outcome = StepOutcome::Insufficient;
        s.next_step = Some(format!(
            "no root alarm changed to ALARM within {wait} s of the root event ({}): the chain did not detect it in time; check that the trail {} is logging management events to {}, that its root metric filter matches the event (`rootwarden drill` step 1), and read the log group for the event; raise --wait if CloudTrail's delivery is slow",
            EVENT_NAME,
            watching.first().map_or("?", |w| w.trail_arn.as_str()),
            watching.first().map_or("?", |w| w.log_group_arn.as_str()),
        ));
        return;
    };
    let w = &watching[i];
    s.alarm = Some(w.alarm_arn.clone());
    s.transition_at = Some(seen.transition_at);
    s.seconds_to_detect = s.event_time.map(|t| (seen.transition_at - t).num_seconds().max(0));
    s.topics = w
        .alarm_actions
        .iter()
        .filter(|a| crate::arn::Arn::parse(a).is_some_and(|a| a.service == "sns"))
        .cloned()
        .collect();
    s.seconds_to_notify = seen
        .actions
        .iter()
        .filter(|r| r.succeeded)
        .map(|r| (r.at - seen.transition_at).num_seconds().max(0))
        .min();
    s.actions = seen.actions;
    if w.alarm_actions.is_empty() {
        s.outcome = StepOutcome::Failed;
        s.next_step = Some(format!(
            "the root event was detected ({} went to ALARM) but the alarm has no enabled ALARM action: nobody was notified; add an SNS topic with a confirmed subscriber (`rootwarden remediate plan`)",
            w.alarm_name
        ));
    } else if let Some(bad) = s.actions.iter().find(|r| !r.succeeded) {
        s.outcome = StepOutcome::Failed;
        s.next_step = Some(format!(
            "the root event was detected but CloudWatch could not execute the action {} ({}): recreate the topic or let CloudWatch publish to it",
            bad.resource, bad.summary
        ));
    } else if let Some(missing) = w
        .alarm_actions
        .iter()
        .find(|x| !s.actions.iter().any(|r| &r.resource == *x))
    {
        s.outcome = StepOutcome::Insufficient;
        s.next_step = Some(format!(
            "the root event was detected but no action history for {missing} appeared within {wait} s: read the alarm's history later, or raise --wait"
        ));
    } else {
        s.outcome = StepOutcome::Passed;
        s.next_step = None;
    }
}
