//! Time to notify: for every change of a root alarm to ALARM, the seconds until CloudWatch
//! executed its action successfully (the SNS topic accepted the alarm message). Measured from
//! the root alarms' history in the snapshot (`action_history.notifications`) and from the
//! validation records of `rootwarden drill`; a change whose actions all failed, or that ran
//! none, notified nobody.
//!
//! Which alarms are root alarms is the rules' decision: the monitoring library's `good_alarms`
//! (the alarms RW-MON-004 accepts, in whichever account holds the chain), asked per account.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::drill::{DrillRecord, Mode, StepOutcome};
use crate::policy::library::LibraryQuery;
use crate::policy::PolicyError;
use crate::snapshot::{AlarmNotification, Snapshot};

/// The alarms that fire on a single root event, as the rules' monitoring library decides.
const ROOT_ALARMS_RULE: &str = "data.rootwarden.lib.monitoring.good_alarms";

/// A drill's change to ALARM within this many seconds of a history item is that item (the drill
/// and the snapshot saw the same change).
const SAME_CHANGE_SECONDS: i64 = 2;

/// Time from root alarms' changes to ALARM to their notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToNotify {
    /// Changes to ALARM measured.
    pub transitions: usize,
    /// Of which an action executed successfully.
    pub notified: usize,
    /// Of which no action executed successfully (an action failed, or none ran): not notified.
    pub failed: usize,
    /// Median seconds to the first successful action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_seconds: Option<f64>,
    /// Slowest, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<f64>,
    /// Of the changes, those read from the snapshot's alarm history.
    pub from_alarm_history: usize,
    /// Of the changes, those measured by drills (and not also in the alarm history).
    pub from_drills: usize,
}

/// One measured change to ALARM.
struct Measured {
    alarm_arn: String,
    at: DateTime<Utc>,
    seconds: Option<f64>,
}

/// The alarms of `snapshot` whose history of changes to ALARM was read, by ARN.
fn alarms_with_history(snapshot: &Snapshot) -> BTreeSet<&str> {
    snapshot
        .accounts
        .iter()
        .flat_map(|a| a.regions.values())
        .filter_map(|r| r.cloudwatch.as_ref())
        .flat_map(|c| c.alarms.iter())
        .filter(|al| al.action_history.as_ref().is_some_and(|h| h.notifications.is_some()))
        .map(|al| al.alarm_arn.as_str())
        .collect()
}

/// The root alarms of `snapshot`'s accounts (by ARN) with the changes to ALARM their history
/// holds. Accounts that own an alarm with history are asked first, and asking stops once every
/// such alarm is known to be a root alarm: what other accounts would add has no history.
fn root_alarm_history(
    query: &mut LibraryQuery,
    snapshot: &Snapshot,
) -> Result<BTreeMap<String, Vec<AlarmNotification>>, PolicyError> {
    let wanted = alarms_with_history(snapshot);
    let owns = |a: &crate::snapshot::Account| {
        a.regions
            .values()
            .filter_map(|r| r.cloudwatch.as_ref())
            .flat_map(|c| c.alarms.iter())
            .any(|al| wanted.contains(al.alarm_arn.as_str()))
    };
    let mut accounts: Vec<&crate::snapshot::Account> = snapshot.accounts.iter().collect();
    accounts.sort_by_key(|a| !owns(a));
    let mut out = BTreeMap::new();
    for account in accounts {
        if wanted.iter().all(|arn| out.contains_key(*arn)) {
            break;
        }
        let answer = query.eval(snapshot, account, ROOT_ALARMS_RULE)?;
        for ga in answer.as_array().into_iter().flatten() {
            let alarm = &ga["alarm"];
            let Some(arn) = alarm["alarm_arn"].as_str() else {
                continue;
            };
            let notes = alarm
                .pointer("/action_history/notifications")
                .filter(|v| !v.is_null())
                .and_then(|v| serde_json::from_value::<Vec<AlarmNotification>>(v.clone()).ok());
            if let Some(notes) = notes {
                out.entry(arn.to_string()).or_insert(notes);
            }
        }
    }
    Ok(out)
}

/// Time to notify over the root alarms' history in `snapshot` and the alarm drills of
/// `drills`; `None` when neither holds a measurement source (no history read, no drill run):
/// the figure is then unknown, never 0.
pub fn time_to_notify(
    query: &mut LibraryQuery,
    snapshot: &Snapshot,
    drills: &[&DrillRecord],
) -> Result<Option<TimeToNotify>, PolicyError> {
    // Asking the rules costs an evaluation per account: only when some history was read.
    let history = if alarms_with_history(snapshot).is_empty() {
        BTreeMap::new()
    } else {
        root_alarm_history(query, snapshot)?
    };
    let history_read = !history.is_empty();
    let mut measured: Vec<Measured> = Vec::new();
    for (arn, notes) in &history {
        for n in notes {
            let first_success = n.actions.iter().filter(|a| a.succeeded).map(|a| a.timestamp).min();
            measured.push(Measured {
                alarm_arn: arn.clone(),
                at: n.alarm_at,
                seconds: first_success.map(|t| (t - n.alarm_at).num_milliseconds().max(0) as f64 / 1000.0),
            });
        }
    }
    let from_alarm_history = measured.len();
    let mut drilled = false;
    for record in drills.iter().filter(|r| r.mode == Mode::Run) {
        for d in record.accounts.iter().flat_map(|a| a.alarm_drills.iter()) {
            if !matches!(
                d.outcome,
                StepOutcome::Passed | StepOutcome::Failed | StepOutcome::Unverified
            ) {
                continue;
            }
            let Some(drilled_at) = d.drilled_at else { continue };
            drilled = true;
            let at = d.state_update_at.unwrap_or(drilled_at);
            let seen = measured
                .iter()
                .any(|m| m.alarm_arn == d.alarm_arn && (m.at - at).num_seconds().abs() <= SAME_CHANGE_SECONDS);
            if seen {
                continue;
            }
            measured.push(Measured {
                alarm_arn: d.alarm_arn.clone(),
                at,
                seconds: d.seconds_to_action,
            });
        }
    }
    // The end-to-end step (`--root-event`): a real root event's transition and its actions.
    for record in drills.iter().filter(|r| r.mode == Mode::Run) {
        for e in record.accounts.iter().filter_map(|a| a.root_event.as_ref()) {
            let (Some(at), Some(arn)) = (e.transition_at, e.alarm.as_deref()) else {
                continue;
            };
            drilled = true;
            let seen = measured
                .iter()
                .any(|m| m.alarm_arn == arn && (m.at - at).num_seconds().abs() <= SAME_CHANGE_SECONDS);
            if !seen {
                measured.push(Measured {
                    alarm_arn: arn.to_string(),
                    at,
                    seconds: e.seconds_to_notify.map(|s| s as f64),
                });
            }
        }
    }
    if !history_read && !drilled {
        return Ok(None);
    }
    let mut secs: Vec<f64> = measured.iter().filter_map(|m| m.seconds).collect();
    secs.sort_by(f64::total_cmp);
    Ok(Some(TimeToNotify {
        transitions: measured.len(),
        notified: secs.len(),
        failed: measured.len() - secs.len(),
        median_seconds: secs.get(secs.len() / 2).copied(),
        max_seconds: secs.last().copied(),
        from_alarm_history,
        from_drills: measured.len() - from_alarm_history,
    }))
}

#[cfg(test)]
mod tests;
