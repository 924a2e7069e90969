//! `rootwarden drill`: proves that the root alarm chain works, not only that it is configured.
//!
//! For every account in scope, from a fresh snapshot:
//! 1. each root metric filter is tested by CloudWatch Logs itself (`logs:TestMetricFilter`, the
//!    call `scan --verify-filters` makes) with the canonical root events;
//! 2. each root alarm is set to `ALARM` (`cloudwatch:SetAlarmState`, reason
//!    `rootwarden drill ID`; CloudWatch returns it to its real state at its next evaluation and its
//!    configuration is never touched), then its history is read until the state change and the
//!    outcome of each action appear: seconds from the drill to the action, the topic, its
//!    confirmed subscribers and SNS's delivered/failed counts when published;
//! 3. with `--root-event`, on member accounts with centralized root access: a real root event
//!    (one read-only call in an `sts:AssumeRoot` session) and the seconds until the alarm that
//!    watches the member changes to ALARM and until its action runs ([`root_event`]). It runs
//!    before the alarm drills: an alarm it took to ALARM is proven by it, not set again.
//!
//! Without `act` nothing is called: the record lists what would be done. Every call is recorded
//! with account, region and result; a call that fails stops that account's drill only.

pub mod render;
pub mod root_event;

use std::time::Duration;

use aws_sdk_cloudwatch::types::{Dimension, HistoryItemType, ScanBy, StateValue, Statistic};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::aws::connection::Reach;
use crate::aws::{describe, AccountConfig, CallCounter};
use crate::canonical_events;
use crate::collect::root_events::{action_outcome, root_alarms, root_metric_filters};
use crate::collect::verify_filters;
use crate::filter_pattern;
use crate::snapshot::{Account, Snapshot};

/// The reason every drilled alarm carries, followed by the drill id.
pub const REASON_PREFIX: &str = "rootwarden drill";

/// How to drill.
#[derive(Debug, Clone)]
pub struct DrillOptions {
    /// This drill's id, in every alarm's state reason.
    pub drill_id: String,
    /// How long to wait for an alarm's state change and actions to appear in its history.
    pub wait: Duration,
    /// Time between two reads of an alarm's history.
    pub poll: Duration,
    /// Step 3: a real root event on each member account with centralized root access.
    pub root_event: bool,
}

/// A new drill id: `rwd-` and the time to the second, plus 4 hex digits against collisions.
pub fn new_drill_id(now: DateTime<Utc>) -> String {
    let salt = (now.timestamp_subsec_nanos() ^ std::process::id()) & 0xffff;
    format!("rwd-{}-{salt:04x}", now.format("%Y%m%dT%H%M%SZ"))
}

/// The validation record of one drill.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrillRecord {
    /// The drill id (in every drilled alarm's state reason).
    pub drill_id: String,
    /// `plan` (nothing called) or `run`.
    pub mode: Mode,
    /// When the drill started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// One record per account in scope.
    pub accounts: Vec<AccountRecord>,
}

/// Whether the drill was carried out.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Listed only: nothing was called.
    Plan,
    /// Carried out.
    Run,
}

/// How an account's drill ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AccountOutcome {
    /// Planned, not run.
    Planned,
    /// Every filter counted the root events and every alarm's action reached a confirmed
    /// subscriber.
    Passed,
    /// A step failed: see its next step.
    Failed,
    /// A call was refused or failed: the rest of this account's drill was not run.
    Stopped,
    /// Some of the chain could not be read or drilled (an unreadable region, an alarm already in
    /// ALARM): nothing failed, but not everything was proven.
    Incomplete,
    /// No root alarm or filter in this account (its root events may alert through another
    /// account's chain, or not at all: `rootwarden scan` judges which).
    NothingToDrill,
}

/// How one step ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Planned, not run.
    Planned,
    /// Proven to work.
    Passed,
    /// Proven not to work.
    Failed,
    /// Deliberately not run (see the next step).
    Skipped,
    /// Run, but part of it could not be checked (see the next step).
    Unverified,
    /// Not run: the account's drill stopped before it.
    NotRun,
    /// Does not apply to this account (see the next step for why).
    NotApplicable,
    /// Run or planned, but what would prove it could not be read or did not arrive in time
    /// (see the next step): neither a pass nor a proven failure.
    Insufficient,
}

/// One account's validation record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The account.
    pub account_id: String,
    /// How its drill ended.
    pub outcome: AccountOutcome,
    /// Why the drill stopped, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Regions whose filters or alarms could not be read (not drilled).
    pub unreadable_regions: Vec<String>,
    /// Step 1: each root metric filter tested by CloudWatch Logs.
    pub filter_checks: Vec<FilterCheck>,
    /// Step 2: each root alarm set to ALARM.
    pub alarm_drills: Vec<AlarmDrill>,
    /// Step 3 (`--root-event`): a real root event and the time until it alerted; absent without
    /// `--root-event`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_event: Option<root_event::RootEventDrill>,
    /// Every AWS call of the drill in this account, in order.
    pub calls: Vec<Call>,
}

/// A root metric filter tested with `logs:TestMetricFilter`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FilterCheck {
    /// Region.
    pub region: String,
    /// Log group.
    pub log_group_name: String,
    /// Filter name.
    pub filter_name: String,
    /// The pattern tested.
    pub filter_pattern: String,
    /// Outcome.
    pub outcome: StepOutcome,
    /// Canonical root events that must alert and that CloudWatch Logs counted.
    pub aws_counted: Vec<String>,
    /// Canonical root events that must alert, that rootwarden's reading of the pattern matches
    /// and that CloudWatch Logs did not count.
    pub missed: Vec<String>,
    /// What to do when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
}

/// A root alarm set to ALARM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlarmDrill {
    /// Region.
    pub region: String,
    /// Alarm name.
    pub alarm_name: String,
    /// Alarm ARN.
    pub alarm_arn: String,
    /// The alarm's state when collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_before: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions`.
    pub alarm_actions: Vec<String>,
    /// Outcome.
    pub outcome: StepOutcome,
    /// When SetAlarmState was called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drilled_at: Option<DateTime<Utc>>,
    /// When CloudWatch recorded the drill's change to ALARM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_update_at: Option<DateTime<Utc>>,
    /// The Action history items after the drill's state change.
    pub actions: Vec<ActionResult>,
    /// Seconds from the drill to the first successful action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_to_action: Option<f64>,
    /// The SNS topics the alarm notifies, read after the drill.
    pub topics: Vec<TopicCheck>,
    /// What to do when it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
    /// The root event (`--root-event`, account id) whose transition to ALARM and actions stand
    /// for this drill: the alarm was not set to ALARM again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proven_by: Option<String>,
}

/// One action CloudWatch ran for the drill's state change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResult {
    /// The action (an SNS topic ARN, ...).
    pub resource: String,
    /// Whether CloudWatch executed it successfully.
    pub succeeded: bool,
    /// When.
    pub at: DateTime<Utc>,
    /// CloudWatch's summary.
    pub summary: String,
}

/// An SNS topic an alarm notifies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicCheck {
    /// Topic ARN.
    pub topic_arn: String,
    /// Whether it exists; `null` when not read.
    pub exists: Option<bool>,
    /// Confirmed subscriptions; `null` when not read.
    pub confirmed_subscribers: Option<u32>,
    /// Subscriptions pending confirmation (nothing is delivered to them); `null` when not read.
    pub pending_subscribers: Option<u32>,
    /// `AWS/SNS NumberOfNotificationsDelivered` since the drill; `null` when SNS published none
    /// (yet).
    pub delivered: Option<f64>,
    /// `AWS/SNS NumberOfNotificationsFailed` since the drill; `null` when SNS published none (yet).
    pub failed: Option<f64>,
}

/// One AWS call of a drill.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Account.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// `service:Operation`.
    pub call: String,
    /// What it was about.
    pub resource: String,
    /// `ok`, or the error code.
    pub result: String,
    /// The error message (redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The drill of every account of `snapshot`, planned: what would be tested, nothing called.
pub fn plan(snapshot: &Snapshot, opts: &DrillOptions) -> DrillRecord {
    let now = Utc::now();
    DrillRecord {
        drill_id: opts.drill_id.clone(),
        mode: Mode::Plan,
        started_at: now,
        finished_at: now,
        accounts: snapshot
            .accounts
            .iter()
            .map(|a| {
                let mut rec = plan_account(snapshot, a);
                if opts.root_event && rec.outcome != AccountOutcome::Stopped {
                    rec.root_event = Some(root_event::plan(snapshot, &a.account_id));
                    if rec.outcome == AccountOutcome::NothingToDrill {
                        rec.outcome = AccountOutcome::Planned;
                    }
                }
                rec
            })
            .collect(),
    }
}

fn plan_account(snapshot: &Snapshot, account: &Account) -> AccountRecord {
    let mut rec = AccountRecord {
        account_id: account.account_id.clone(),
        outcome: AccountOutcome::Planned,
        stopped: None,
        unreadable_regions: Vec::new(),
        filter_checks: Vec::new(),
        alarm_drills: Vec::new(),
        root_event: None,
        calls: Vec::new(),
    };
    // An account that could not be reached at all has no regions: say so rather than
    // "nothing to drill".
    let unreachable = snapshot
        .collection_errors
        .iter()
        .find(|e| e.account_id.as_deref() == Some(account.account_id.as_str()) && e.operation == "AssumeRole");
    if let Some(e) = unreachable {
        rec.stopped = Some(format!(
            "cannot reach the account ({}: {}); check the role in --role-name",
            e.error_code, e.message
        ));
        rec.outcome = AccountOutcome::Stopped;
        return rec;
    }
    for (name, region) in &account.regions {
        if region.logs.is_none() || region.cloudwatch.is_none() {
            rec.unreadable_regions.push(name.clone());
            continue;
        }
        for f in root_metric_filters(region) {
            rec.filter_checks.push(FilterCheck {
                region: name.clone(),
                log_group_name: f.log_group_name.clone(),
                filter_name: f.filter_name.clone(),
                filter_pattern: f.filter_pattern.clone(),
                outcome: StepOutcome::Planned,
                aws_counted: Vec::new(),
                missed: Vec::new(),
                next_step: None,
            });
        }
        for a in root_alarms(region) {
            rec.alarm_drills.push(AlarmDrill {
                region: name.clone(),
                alarm_name: a.alarm_name.clone(),
                alarm_arn: a.alarm_arn.clone(),
                state_before: a.state_value.clone(),
                actions_enabled: a.actions_enabled,
                alarm_actions: a.alarm_actions.clone(),
                outcome: StepOutcome::Planned,
                drilled_at: None,
                state_update_at: None,
                actions: Vec::new(),
                seconds_to_action: None,
                topics: Vec::new(),
                next_step: None,
                proven_by: None,
            });
        }
    }
    if rec.filter_checks.is_empty() && rec.alarm_drills.is_empty() && rec.unreadable_regions.is_empty() {
        rec.outcome = AccountOutcome::NothingToDrill;
    }
    rec
}

/// Carries out the drill planned from `snapshot`, accounts side by side.
pub async fn run(snapshot: &Snapshot, reach: &Reach, opts: &DrillOptions) -> DrillRecord {
    let mut record = plan(snapshot, opts);
    record.mode = Mode::Run;
    // Step 3 first, one account after the other: members often share the organization's alarm,
    // and an alarm in ALARM (after a drill or another event) makes no transition to time.
    let mut proven: std::collections::HashMap<String, (String, DateTime<Utc>, Vec<ActionResult>)> =
        std::collections::HashMap::new();
    for rec in record.accounts.iter_mut() {
        if rec
            .root_event
            .as_ref()
            .is_none_or(|s| s.outcome != StepOutcome::Planned)
        {
            continue;
        }
        let by: std::collections::HashMap<String, String> = proven
            .iter()
            .map(|(arn, (account, _, _))| (arn.clone(), account.clone()))
            .collect();
        if root_event::run(reach, rec, opts, &by).await.is_err() {
            rec.outcome = account_outcome(rec);
            continue;
        }
        let s = rec.root_event.as_ref().expect("planned step");
        if let (Some(alarm), Some(at)) = (&s.alarm, s.transition_at) {
            proven
                .entry(alarm.clone())
                .or_insert_with(|| (rec.account_id.clone(), at, s.actions.clone()));
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    let mut index = std::collections::HashMap::new();
    for (i, rec) in record.accounts.iter().enumerate() {
        if rec.outcome != AccountOutcome::Planned || rec.stopped.is_some() {
            continue;
        }
        let (rec, reach, opts, proven) = (rec.clone(), reach.clone(), opts.clone(), proven.clone());
        let handle = tasks.spawn(async move {
            let counter = CallCounter::new(&rec.account_id, Default::default());
            let cfg = reach.account_config(&rec.account_id, "rootwarden-drill", counter).await;
            drill_account(&cfg, rec, &opts, &proven).await
        });
        index.insert(handle.id(), i);
    }
    while let Some(done) = tasks.join_next_with_id().await {
        match done {
            Ok((id, rec)) => record.accounts[index[&id]] = rec,
            // A task that died proved nothing: its account says so rather than stay "planned".
            Err(e) => {
                let rec = &mut record.accounts[index[&e.id()]];
                stop(rec, "the drill task", &("TaskFailed".to_string(), e.to_string()));
                rec.outcome = AccountOutcome::Stopped;
            }
        }
    }
    record.finished_at = Utc::now();
    record
}

/// Records a call in `rec` and logs it.
fn log_call(rec: &mut AccountRecord, region: &str, call: &str, resource: &str, result: Result<(), &(String, String)>) {
    let account = rec.account_id.clone();
    log_call_in(rec, &account, region, call, resource, result);
}

/// Records in `rec` a call made in `account` (the management account's AssumeRoot, the alarm of
/// another account's chain) and logs it.
fn log_call_in(
    rec: &mut AccountRecord,
    account: &str,
    region: &str,
    call: &str,
    resource: &str,
    result: Result<(), &(String, String)>,
) {
    let (result, message) = match result {
        Ok(()) => ("ok".to_string(), None),
        Err((code, message)) => (code.clone(), Some(crate::redact::secrets(message).into_owned())),
    };
    tracing::info!(
        account,
        region,
        resource,
        "drill call {call}: {result}{}",
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    );
    rec.calls.push(Call {
        at: Utc::now(),
        account_id: account.to_string(),
        region: region.to_string(),
        call: call.to_string(),
        resource: resource.to_string(),
        result,
        message,
    });
}

/// Records a call (made in `account`, or in `rec`'s own account when `None`) and its answer; a
/// refused call stops `rec`'s drill, and `Err(())` tells the step to return.
fn answered<T>(
    rec: &mut AccountRecord,
    account: Option<&str>,
    region: &str,
    call: &str,
    resource: &str,
    result: Result<T, (String, String)>,
) -> Result<T, ()> {
    let account = account.map_or_else(|| rec.account_id.clone(), str::to_string);
    log_call_in(rec, &account, region, call, resource, result.as_ref().map(|_| ()));
    result.map_err(|e| stop(rec, call, &e))
}

/// Stops `rec`'s drill after a failed call: the steps not yet run say so.
fn stop(rec: &mut AccountRecord, call: &str, err: &(String, String)) {
    rec.stopped = Some(format!(
        "{call} failed ({}: {}); the rest of this account's drill was not run. {}",
        err.0,
        crate::redact::secrets(&err.1),
        if err.0.contains("AccessDenied") || err.0.contains("Unauthorized") {
            "Grant the drill's permissions (docs/iam-drill-policy.json) and run it again."
        } else {
            "Run the drill again."
        }
    ));
    for f in rec
        .filter_checks
        .iter_mut()
        .filter(|f| f.outcome == StepOutcome::Planned)
    {
        f.outcome = StepOutcome::NotRun;
    }
    for a in rec
        .alarm_drills
        .iter_mut()
        .filter(|a| a.outcome == StepOutcome::Planned)
    {
        a.outcome = StepOutcome::NotRun;
    }
    if let Some(s) = rec.root_event.as_mut().filter(|s| s.outcome == StepOutcome::Planned) {
        s.outcome = StepOutcome::NotRun;
    }
}

/// Alarm ARN → (the account whose root event proved it, its transition, its actions).
type Proven = std::collections::HashMap<String, (String, DateTime<Utc>, Vec<ActionResult>)>;

async fn drill_account(
    cfg: &AccountConfig,
    mut rec: AccountRecord,
    opts: &DrillOptions,
    proven: &Proven,
) -> AccountRecord {
    if check_filters(cfg, &mut rec).await.is_ok() {
        for i in 0..rec.alarm_drills.len() {
            if drill_alarm(cfg, &mut rec, i, opts, proven).await.is_err() {
                break;
            }
        }
    }
    rec.outcome = account_outcome(&rec);
    rec
}

fn account_outcome(rec: &AccountRecord) -> AccountOutcome {
    let outcomes: Vec<StepOutcome> = rec
        .filter_checks
        .iter()
        .map(|f| f.outcome)
        .chain(rec.alarm_drills.iter().map(|a| a.outcome))
        .chain(rec.root_event.iter().map(|s| s.outcome))
        .filter(|o| *o != StepOutcome::NotApplicable)
        .collect();
    if outcomes.contains(&StepOutcome::Failed) {
        AccountOutcome::Failed
    } else if rec.stopped.is_some() {
        AccountOutcome::Stopped
    } else if outcomes.is_empty() && rec.unreadable_regions.is_empty() {
        AccountOutcome::NothingToDrill
    } else if !rec.unreadable_regions.is_empty() || outcomes.iter().any(|o| *o != StepOutcome::Passed) {
        AccountOutcome::Incomplete
    } else {
        AccountOutcome::Passed
    }
}

/// Step 1. `Err` when a call failed (the account's drill is stopped).
async fn check_filters(cfg: &AccountConfig, rec: &mut AccountRecord) -> Result<(), ()> {
    let alerting: Vec<&canonical_events::CanonicalEvent> = canonical_events::all()
        .iter()
        .filter(|e| !e.alert_for.is_empty())
        .collect();
    for i in 0..rec.filter_checks.len() {
        let (region, pattern, resource) = {
            let f = &rec.filter_checks[i];
            (
                f.region.clone(),
                f.filter_pattern.clone(),
                format!("{}/{}", f.log_group_name, f.filter_name),
            )
        };
        let answer = verify_filters::test_metric_filter(&cfg.logs(&region), &pattern).await;
        let answers = answered(rec, None, &region, "logs:TestMetricFilter", &resource, answer)?;
        let parsed = filter_pattern::parse(&pattern).ok();
        let f = &mut rec.filter_checks[i];
        for e in &alerting {
            let aws = answers.get(&e.id).copied().unwrap_or(false);
            let ours = parsed.as_ref().is_some_and(|p| p.matches_event(&e.record));
            if aws {
                f.aws_counted.push(e.id.clone());
            } else if ours {
                f.missed.push(e.id.clone());
            }
        }
        if f.missed.is_empty() && !f.aws_counted.is_empty() {
            f.outcome = StepOutcome::Passed;
        } else {
            f.outcome = StepOutcome::Failed;
            f.next_step = Some(if f.aws_counted.is_empty() {
                "CloudWatch Logs counts none of the root events with this pattern: replace it with the CIS root pattern (`rootwarden remediate plan`)".to_string()
            } else {
                format!(
                    "CloudWatch Logs does not count {} with this pattern: fix the pattern (`rootwarden explain-filter` shows how rootwarden reads it)",
                    f.missed.join(", ")
                )
            });
        }
    }
    Ok(())
}

fn smithy_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(t.timestamp_millis())
}

fn chrono_time(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Step 2 for alarm `i`. `Err` when a call failed (the account's drill is stopped).
async fn drill_alarm(
    cfg: &AccountConfig,
    rec: &mut AccountRecord,
    i: usize,
    opts: &DrillOptions,
    proven: &Proven,
) -> Result<(), ()> {
    let (region, name, arn) = {
        let a = &rec.alarm_drills[i];
        (a.region.clone(), a.alarm_name.clone(), a.alarm_arn.clone())
    };
    if rec.alarm_drills[i].state_before.as_deref() == Some("ALARM") {
        let a = &mut rec.alarm_drills[i];
        a.outcome = StepOutcome::Skipped;
        a.next_step = Some(
            "the alarm is already in ALARM (a real alert may be open): setting it to ALARM again runs no action; investigate it, and drill again once it is OK".into(),
        );
        return Ok(());
    }
    let expected: Vec<String> = if rec.alarm_drills[i].actions_enabled {
        rec.alarm_drills[i].alarm_actions.clone()
    } else {
        Vec::new()
    };
    let drilled_at = if let Some((by, at, actions)) = proven.get(&arn) {
        // A root event took the alarm to ALARM through the real chain moments ago: its
        // transition and actions are the proof; setting it to ALARM again would run no action.
        let a = &mut rec.alarm_drills[i];
        a.proven_by = Some(by.clone());
        a.state_update_at = Some(*at);
        a.actions = actions.clone();
        *at
    } else {
        match set_and_watch(cfg, rec, i, opts, &region, &name, &arn, &expected).await {
            Ok(t) => t,
            Err(()) => return Err(()),
        }
    };
    let first_success = rec.alarm_drills[i]
        .actions
        .iter()
        .filter(|r| r.succeeded)
        .map(|r| r.at)
        .min();
    // A drill proven by a root event made no call to time from (its timings are the event's).
    if rec.alarm_drills[i].proven_by.is_none() {
        rec.alarm_drills[i].seconds_to_action =
            first_success.map(|t| ((t - drilled_at).num_milliseconds().max(0) as f64) / 1000.0);
    }
    // The topics, as they are now.
    let topics: Vec<String> = expected
        .iter()
        .filter(|a| crate::arn::Arn::parse(a).is_some_and(|a| a.service == "sns"))
        .cloned()
        .collect();
    for topic in topics {
        // A topic of another account is read there (the drill of that account), not with this
        // account's credentials.
        if crate::arn::Arn::parse(&topic).map(|a| a.account) != Some(rec.account_id.as_str()) {
            rec.alarm_drills[i].topics.push(TopicCheck {
                topic_arn: topic,
                exists: None,
                confirmed_subscribers: None,
                pending_subscribers: None,
                delivered: None,
                failed: None,
            });
            continue;
        }
        let check = match check_topic(cfg, rec, &topic, drilled_at).await {
            Ok(c) => c,
            Err(()) => return Err(()),
        };
        rec.alarm_drills[i].topics.push(check);
    }
    judge_alarm(&mut rec.alarm_drills[i], &expected, opts);
    Ok(())
}

/// Sets alarm `i` to ALARM and reads its history until the drill's state change and actions
/// appear (or `--wait` is over). The time of the call; `Err` when a call failed.
#[allow(clippy::too_many_arguments)]
async fn set_and_watch(
    cfg: &AccountConfig,
    rec: &mut AccountRecord,
    i: usize,
    opts: &DrillOptions,
    region: &str,
    name: &str,
    arn: &str,
    expected: &[String],
) -> Result<DateTime<Utc>, ()> {
    let cw = cfg.cloudwatch(region);
    let reason = format!("{REASON_PREFIX} {}", opts.drill_id);
    let drilled_at = Utc::now();
    let set = cw
        .set_alarm_state()
        .alarm_name(name)
        .state_value(StateValue::Alarm)
        .state_reason(&reason)
        .state_reason_data(serde_json::json!({ "rootwarden_drill": opts.drill_id }).to_string())
        .send()
        .await
        .map_err(|e| describe(&e));
    answered(rec, None, region, "cloudwatch:SetAlarmState", arn, set)?;
    rec.alarm_drills[i].drilled_at = Some(drilled_at);
    let deadline = tokio::time::Instant::now() + opts.wait;
    // CloudWatch's clock, not ours, stamps the history: read from a minute before the call.
    let since = drilled_at - chrono::Duration::seconds(60);
    loop {
        let read = read_history(&cw, name, since).await;
        let items = answered(rec, None, region, "cloudwatch:DescribeAlarmHistory", arn, read)?;
        let a = &mut rec.alarm_drills[i];
        a.state_update_at = items
            .iter()
            .find(|it| it.kind == HistoryItemType::StateUpdate && is_drill_state_update(&it.data, &opts.drill_id))
            .map(|it| it.at);
        if let Some(changed) = a.state_update_at {
            // The drill's actions are those CloudWatch ran for its state change: stamped at or
            // after it and before the alarm's next state change (an earlier drill's or a real
            // alarm's actions are not this drill's proof).
            let next_change = items
                .iter()
                .filter(|it| it.kind == HistoryItemType::StateUpdate && it.at > changed)
                .map(|it| it.at)
                .min();
            a.actions = items
                .iter()
                .filter(|it| it.kind == HistoryItemType::Action && it.at >= changed)
                .filter(|it| next_change.is_none_or(|next| it.at < next))
                .filter_map(action_result)
                .collect();
            let all_seen = expected.iter().all(|x| a.actions.iter().any(|r| &r.resource == x));
            if all_seen {
                break;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(opts.poll).await;
    }
    Ok(drilled_at)
}

/// The outcome and next step of a drilled alarm.
fn judge_alarm(a: &mut AlarmDrill, expected: &[String], opts: &DrillOptions) {
    let failed = |a: &mut AlarmDrill, why: String| {
        a.outcome = StepOutcome::Failed;
        a.next_step = Some(why);
    };
    if a.state_update_at.is_none() {
        return failed(
            a,
            format!(
                "CloudWatch recorded no change to ALARM for the drill within {} s: check the alarm's history in the console",
                opts.wait.as_secs()
            ),
        );
    }
    if !a.actions_enabled {
        return failed(
            a,
            "the alarm's actions are disabled: nobody is notified; enable them (aws cloudwatch enable-alarm-actions)"
                .into(),
        );
    }
    if expected.is_empty() {
        return failed(a, "the alarm has no ALARM action: nobody is notified; add an SNS topic with a confirmed subscriber (`rootwarden remediate plan`)".into());
    }
    if let Some(bad) = a.actions.iter().find(|r| !r.succeeded) {
        return failed(
            a,
            format!(
                "CloudWatch could not execute the action {} ({}): recreate the topic or let CloudWatch publish to it (topic policy, KMS key policy); `rootwarden remediate plan` lists the fix",
                bad.resource, bad.summary
            ),
        );
    }
    if let Some(missing) = expected.iter().find(|x| !a.actions.iter().any(|r| &r.resource == *x)) {
        return failed(
            a,
            format!(
                "no action history for {missing} within {} s of the drill: wait and read the alarm's history, or raise --wait",
                opts.wait.as_secs()
            ),
        );
    }
    if let Some(t) = a.topics.iter().find(|t| t.exists == Some(false)) {
        return failed(
            a,
            format!(
                "the topic {} does not exist: recreate it and subscribe a person",
                t.topic_arn
            ),
        );
    }
    if let Some(t) = a.topics.iter().find(|t| t.confirmed_subscribers == Some(0)) {
        return failed(
            a,
            format!(
                "the alarm published to {} but it has no confirmed subscriber{}: nobody received it; subscribe a monitored endpoint and confirm it (`rootwarden remediate plan --notify ENDPOINT`)",
                t.topic_arn,
                match t.pending_subscribers {
                    Some(n) if n > 0 => format!(" ({n} pending confirmation)"),
                    _ => String::new(),
                }
            ),
        );
    }
    if let Some(t) = a.topics.iter().find(|t| t.exists.is_none()) {
        a.outcome = StepOutcome::Unverified;
        a.next_step = Some(format!(
            "CloudWatch executed the action, but the subscribers of {} (another account) were not read: check that someone confirmed a subscription there",
            t.topic_arn
        ));
        return;
    }
    if let Some(t) = a.topics.iter().find(|t| t.failed.is_some_and(|n| n > 0.0)) {
        return failed(
            a,
            format!(
                "SNS failed to deliver {} notification(s) from {}: check the subscribers' endpoints (delivery status logs)",
                t.failed.unwrap_or_default(),
                t.topic_arn
            ),
        );
    }
    a.outcome = StepOutcome::Passed;
    a.next_step = None;
}

struct HistoryItem {
    kind: HistoryItemType,
    at: DateTime<Utc>,
    summary: String,
    data: Option<serde_json::Value>,
}

async fn read_history(
    cw: &aws_sdk_cloudwatch::Client,
    name: &str,
    since: DateTime<Utc>,
) -> Result<Vec<HistoryItem>, (String, String)> {
    let mut pages = cw
        .describe_alarm_history()
        .alarm_name(name)
        .start_date(smithy_time(since))
        .scan_by(ScanBy::TimestampAscending)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e))?;
        for it in page.alarm_history_items() {
            let (Some(kind), Some(at)) = (it.history_item_type(), it.timestamp().and_then(chrono_time)) else {
                continue;
            };
            out.push(HistoryItem {
                kind: kind.clone(),
                at,
                summary: it.history_summary().unwrap_or_default().to_string(),
                data: it.history_data().and_then(|d| serde_json::from_str(d).ok()),
            });
        }
    }
    Ok(out)
}

/// Whether a StateUpdate item is this drill's change to ALARM (its reason names the drill).
fn is_drill_state_update(data: &Option<serde_json::Value>, drill_id: &str) -> bool {
    let Some(d) = data else { return false };
    d.pointer("/newState/stateValue").and_then(|v| v.as_str()) == Some("ALARM")
        && d.pointer("/newState/stateReason")
            .and_then(|v| v.as_str())
            .is_some_and(|r| r == format!("{REASON_PREFIX} {drill_id}"))
}

/// An Action item as the drill records it.
fn action_result(it: &HistoryItem) -> Option<ActionResult> {
    let (resource, succeeded) = action_outcome(&it.summary, it.data.as_ref());
    Some(ActionResult {
        resource: resource?,
        succeeded,
        at: it.at,
        summary: it.summary.clone(),
    })
}

/// Reads a topic's subscriptions and SNS's delivery counts since `since`. `Err` when a call
/// failed (the account's drill is stopped); a topic that does not exist is a fact.
async fn check_topic(
    cfg: &AccountConfig,
    rec: &mut AccountRecord,
    topic: &str,
    since: DateTime<Utc>,
) -> Result<TopicCheck, ()> {
    let region = crate::arn::Arn::parse(topic)
        .map_or("us-east-1", |a| a.region)
        .to_string();
    let mut check = TopicCheck {
        topic_arn: topic.to_string(),
        exists: None,
        confirmed_subscribers: None,
        pending_subscribers: None,
        delivered: None,
        failed: None,
    };
    let sns = cfg.sns(&region);
    let mut pages = sns
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .into_paginator()
        .send();
    let (mut confirmed, mut pending) = (0u32, 0u32);
    let mut answer: Result<(), (String, String)> = Ok(());
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => {
                for s in p.subscriptions() {
                    if s.subscription_arn().is_some_and(|a| a.starts_with("arn:")) {
                        confirmed += 1;
                    } else {
                        pending += 1;
                    }
                }
            }
            Err(e) => {
                answer = Err(describe(&e));
                break;
            }
        }
    }
    log_call(
        rec,
        &region,
        "sns:ListSubscriptionsByTopic",
        topic,
        answer.as_ref().map(|_| ()),
    );
    match answer {
        Ok(()) => {
            check.exists = Some(true);
            check.confirmed_subscribers = Some(confirmed);
            check.pending_subscribers = Some(pending);
        }
        Err((code, _)) if code == "NotFound" => {
            check.exists = Some(false);
            return Ok(check);
        }
        Err(e) => {
            stop(rec, "sns:ListSubscriptionsByTopic", &e);
            return Err(());
        }
    }
    let cw = cfg.cloudwatch(&region);
    let topic_name = crate::arn::Arn::parse(topic).map_or(topic, |a| a.name()).to_string();
    for metric in ["NumberOfNotificationsDelivered", "NumberOfNotificationsFailed"] {
        let dim = Dimension::builder().name("TopicName").value(&topic_name).build();
        let read = cw
            .get_metric_statistics()
            .namespace("AWS/SNS")
            .metric_name(metric)
            .dimensions(dim)
            .start_time(smithy_time(since - chrono::Duration::seconds(60)))
            .end_time(smithy_time(Utc::now() + chrono::Duration::seconds(60)))
            .period(60)
            .statistics(Statistic::Sum)
            .send()
            .await
            .map_err(|e| describe(&e));
        let resource = format!("AWS/SNS {metric} {topic_name}");
        let out = answered(rec, None, &region, "cloudwatch:GetMetricStatistics", &resource, read)?;
        let points = out.datapoints();
        let sum = (!points.is_empty()).then(|| points.iter().filter_map(|p| p.sum()).sum::<f64>());
        if metric == "NumberOfNotificationsDelivered" {
            check.delivered = sum;
        } else {
            check.failed = sum;
        }
    }
    Ok(check)
}

#[cfg(test)]
mod tests;
