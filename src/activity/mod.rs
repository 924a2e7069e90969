//! Root activity review: what did root do, was it approved, and how fast would we have known.
//!
//! Events come from CloudTrail event history (collected with the snapshot, see
//! `collect::root_events`) or from CloudTrail log files ([`logs`]). Either way they become each
//! account's `activity` section of the snapshot — facts, so rules can judge them — and the
//! [`review`] turns them into a timeline, narratives and KPIs.

pub mod logs;
pub mod notify;
pub mod record;
pub mod review;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::snapshot::{Account, AccountRole, Activity, ActivityError, Iam, Snapshot, SCHEMA_VERSION};

/// The activity sections that log files give, one per account found in them.
pub fn from_logs(scan: &logs::LogScan, start: DateTime<Utc>, end: DateTime<Utc>) -> BTreeMap<String, Activity> {
    let mut out = BTreeMap::new();
    let accounts = scan.accounts.keys().chain(scan.accounts_with_logs.iter());
    for account_id in accounts {
        let found = scan.accounts.get(account_id).cloned().unwrap_or_default();
        out.entry(account_id.clone()).or_insert_with(|| Activity {
            window_start: start,
            window_end: end,
            sources: vec!["logs".into()],
            regions: Vec::new(),
            errors: unreadable_logs(scan),
            events: found.events,
            service_events: found.service_events,
            alarm_transitions: None,
        });
    }
    out
}

/// An error for every account when some files or records could not be read: any of them may
/// have held that account's root activity.
fn unreadable_logs(scan: &logs::LogScan) -> Vec<ActivityError> {
    let s = &scan.stats;
    if s.files_unreadable == 0 && s.records_unreadable == 0 {
        return Vec::new();
    }
    vec![ActivityError {
        source: "logs".into(),
        region: None,
        error_code: "Unreadable".into(),
        message: format!(
            "{} of {} log files and {} records could not be read",
            s.files_unreadable, s.files, s.records_unreadable
        ),
    }]
}

/// Adds log-file activity to the snapshot's accounts, merging with event history already there
/// (an event in both counts once). Returns the accounts of the logs that are not in the
/// snapshot, which are left out.
pub fn attach_logs(
    snapshot: &mut Snapshot,
    mut from_logs: BTreeMap<String, Activity>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<String> {
    for account in &mut snapshot.accounts {
        let logs = from_logs.remove(&account.account_id).unwrap_or_else(|| Activity {
            window_start: start,
            window_end: end,
            sources: vec!["logs".into()],
            regions: Vec::new(),
            errors: vec![ActivityError {
                source: "logs".into(),
                region: None,
                error_code: "NoLogs".into(),
                message: "no log files of this account were found under the log paths".into(),
            }],
            events: Vec::new(),
            service_events: BTreeMap::new(),
            alarm_transitions: None,
        });
        account.activity = Some(match account.activity.take() {
            None => logs,
            Some(history) => merge(history, logs),
        });
    }
    from_logs.into_keys().collect()
}

/// Event history and logs of one account as one section. A log file holds every region, so a
/// complete log read covers for a region whose event history failed; errors of both are kept
/// only when neither source is complete.
fn merge(mut a: Activity, b: Activity) -> Activity {
    a.window_start = a.window_start.min(b.window_start);
    a.window_end = a.window_end.max(b.window_end);
    for s in b.sources {
        if !a.sources.contains(&s) {
            a.sources.push(s);
        }
    }
    let seen: std::collections::HashSet<String> = a.events.iter().map(|e| e.event_id.clone()).collect();
    a.events.extend(
        b.events
            .into_iter()
            .filter(|e| e.event_id.is_empty() || !seen.contains(&e.event_id)),
    );
    a.events
        .sort_by(|x, y| (x.event_time, &x.event_id).cmp(&(y.event_time, &y.event_id)));
    // The same service event may be in both; keep the larger count per service.
    for (svc, n) in b.service_events {
        let e = a.service_events.entry(svc).or_default();
        *e = (*e).max(n);
    }
    if b.errors.is_empty() {
        a.errors.clear();
    } else if !a.errors.is_empty() {
        a.errors.extend(b.errors);
    }
    a
}

/// A snapshot holding only activity, for a review of log files without a collected snapshot:
/// one account per account found in the logs, every other fact unknown (`null`).
pub fn logs_only_snapshot(activities: BTreeMap<String, Activity>, end: DateTime<Utc>) -> Snapshot {
    Snapshot {
        schema_version: SCHEMA_VERSION.to_string(),
        collected_at: end,
        collector: None,
        organization: None,
        accounts: activities
            .into_iter()
            .map(|(account_id, activity)| Account {
                account_id,
                name: None,
                partition: "aws".into(),
                role: AccountRole::Standalone,
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
            })
            .collect(),
        collection_errors: Vec::new(),
    }
}
