//! Root activity from CloudTrail event history (`LookupEvents`) and the root-activity alarms'
//! state changes (`DescribeAlarmHistory`), for one account and region.
//!
//! LookupEvents allows 2 requests per second per account and region; the pages of one region are
//! fetched one after another at most that fast, and throttling is retried by the SDK's adaptive
//! retry. A region whose history cannot be read is an [`ActivityError`], never "no events".

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_sdk_cloudwatch::types::HistoryItemType;
use chrono::{DateTime, Utc};

use crate::activity::record::{Classified, Record};
use crate::aws::{describe, AccountConfig, Scope};
use crate::canonical_events;
use crate::filter_pattern;
use crate::snapshot::{
    ActivityError, Alarm, AlarmActionHistory, AlarmActionItem, AlarmActionRun, AlarmNotification, AlarmTransition,
    MetricFilter, Region, RootEvent,
};

/// Least time between two LookupEvents requests of one account and region (2 per second).
pub const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);

/// What one region's event history held.
#[derive(Debug, Default)]
pub struct RegionActivity {
    /// Root events, in the order CloudTrail returned them (newest first).
    pub events: Vec<RootEvent>,
    /// Service events on root's behalf, by service.
    pub service_events: BTreeMap<String, u64>,
    /// State changes to ALARM of the region's root-activity alarms; `None` when not read.
    pub alarm_transitions: Option<Vec<AlarmTransition>>,
    /// What could not be read.
    pub errors: Vec<ActivityError>,
    /// LookupEvents pages read.
    pub pages: u32,
}

fn to_smithy(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

/// The activity error of history left unread because the time budget ran out.
fn budget_exhausted(source: &str, region: &str) -> ActivityError {
    activity_error(
        source,
        region,
        "BudgetExhausted",
        "the time budget ran out before the history was read to its end",
    )
}

/// Reads root events of `region` in `[start, end)` from CloudTrail event history, stopping at
/// `deadline` (what is left unread is an activity error).
pub async fn lookup_root_events(
    cfg: &AccountConfig,
    scope: &Scope,
    region: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    deadline: Option<tokio::time::Instant>,
    out: &mut RegionActivity,
) {
    let client = cfg.cloudtrail(region);
    // Event history records root's user name as "root"; the attribute narrows the history to
    // root before any page is transferred. The record's own userIdentity.type decides.
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::Username)
        .attribute_value("root")
        .build();
    let attribute = match attribute {
        Ok(a) => a,
        Err(e) => {
            out.errors.push(activity_error(
                "lookup_events",
                region,
                "ConstructionFailure",
                &e.to_string(),
            ));
            return;
        }
    };
    let mut token: Option<String> = None;
    let mut last_request: Option<tokio::time::Instant> = None;
    loop {
        let next = last_request.map_or_else(tokio::time::Instant::now, |last| last + LOOKUP_INTERVAL);
        if deadline.is_some_and(|d| next >= d) {
            out.errors.push(budget_exhausted("lookup_events", region));
            return;
        }
        tokio::time::sleep_until(next).await;
        last_request = Some(tokio::time::Instant::now());
        let request = client
            .lookup_events()
            .lookup_attributes(attribute.clone())
            .start_time(to_smithy(start))
            .end_time(to_smithy(end))
            .max_results(50)
            .set_next_token(token.clone())
            .send();
        let result = match deadline {
            Some(d) => match tokio::time::timeout_at(d, request).await {
                Ok(r) => r,
                Err(_) => {
                    out.errors.push(budget_exhausted("lookup_events", region));
                    return;
                }
            },
            None => request.await,
        };
        let page = match result {
            Ok(p) => p,
            Err(e) => {
                let (code, message) = describe(&e);
                out.errors
                    .push(activity_error("lookup_events", region, &code, &message));
                scope.fail::<(), _, _>("cloudtrail", "LookupEvents", e);
                return;
            }
        };
        out.pages += 1;
        for event in page.events() {
            let Some(text) = event.cloud_trail_event() else {
                continue;
            };
            match Record::parse(text).and_then(Record::classify) {
                Ok(Classified::Root { event, .. }) if event.event_time >= start && event.event_time < end => {
                    out.events.push(*event);
                }
                Ok(Classified::Service { service, .. }) => *out.service_events.entry(service).or_default() += 1,
                Ok(_) => {}
                Err(e) => out.errors.push(activity_error(
                    "lookup_events",
                    region,
                    "MalformedEvent",
                    &format!("event {}: {e}", event.event_id().unwrap_or("?")),
                )),
            }
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return;
        }
    }
}

fn activity_error(source: &str, region: &str, code: &str, message: &str) -> ActivityError {
    ActivityError {
        source: source.to_string(),
        region: Some(region.to_string()),
        error_code: code.to_string(),
        message: crate::redact::secrets(message).into_owned(),
    }
}

/// The metric filters of a region whose pattern matches a canonical root event that must alert
/// (as rootwarden's filter engine reads the pattern).
pub fn root_metric_filters(region: &Region) -> Vec<&MetricFilter> {
    let Some(logs) = &region.logs else { return Vec::new() };
    let alerting: Vec<&canonical_events::CanonicalEvent> = canonical_events::all()
        .iter()
        .filter(|e| !e.alert_for.is_empty())
        .collect();
    logs.metric_filters
        .iter()
        .filter(|f| {
            filter_pattern::parse(&f.filter_pattern).is_ok_and(|p| alerting.iter().any(|e| p.matches_event(&e.record)))
        })
        .collect()
}

/// The alarms of a region that watch a metric filter catching root activity: a filter of
/// [`root_metric_filters`] and an alarm on its metric (namespace and name).
pub fn root_alarms(region: &Region) -> Vec<&Alarm> {
    let metrics: Vec<(&str, &str)> = root_metric_filters(region)
        .into_iter()
        .flat_map(|f| f.metric_transformations.iter())
        .map(|t| (t.metric_namespace.as_str(), t.metric_name.as_str()))
        .collect();
    let mut alarms: Vec<&Alarm> = region
        .cloudwatch
        .iter()
        .flat_map(|c| c.alarms.iter())
        .filter(|a| {
            metrics
                .iter()
                .any(|(ns, name)| a.namespace.as_deref() == Some(*ns) && a.metric_name.as_deref() == Some(*name))
        })
        .collect();
    alarms.sort_by(|a, b| a.alarm_name.cmp(&b.alarm_name));
    alarms.dedup_by(|a, b| a.alarm_name == b.alarm_name);
    alarms
}

/// The names of [`root_alarms`].
pub fn root_alarm_names(region: &Region) -> Vec<String> {
    root_alarms(region).into_iter().map(|a| a.alarm_name.clone()).collect()
}

/// Reads when each of `alarms` went to ALARM in `[start, end)`, stopping at `deadline` (what
/// is left unread is an activity error).
pub async fn alarm_transitions(
    cfg: &AccountConfig,
    scope: &Scope,
    region: &str,
    alarms: &[String],
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    deadline: Option<tokio::time::Instant>,
    out: &mut RegionActivity,
) {
    let client = cfg.cloudwatch(region);
    let mut transitions = Vec::new();
    for alarm in alarms {
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            out.errors.push(budget_exhausted("alarm_history", region));
            return;
        }
        let mut pages = client
            .describe_alarm_history()
            .alarm_name(alarm)
            .history_item_type(HistoryItemType::StateUpdate)
            .start_date(to_smithy(start))
            .end_date(to_smithy(end))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    let (code, message) = describe(&e);
                    out.errors
                        .push(activity_error("alarm_history", region, &code, &message));
                    scope.fail::<(), _, _>("cloudwatch", "DescribeAlarmHistory", e);
                    return;
                }
            };
            for item in page.alarm_history_items() {
                if !went_to_alarm(item.history_data(), item.history_summary()) {
                    continue;
                }
                let Some(ts) = item
                    .timestamp()
                    .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
                else {
                    continue;
                };
                transitions.push(AlarmTransition {
                    alarm_name: item.alarm_name().unwrap_or(alarm).to_string(),
                    region: region.to_string(),
                    timestamp: ts,
                });
            }
        }
    }
    transitions.sort_by(|a, b| (a.timestamp, &a.alarm_name).cmp(&(b.timestamp, &b.alarm_name)));
    out.alarm_transitions = Some(transitions);
}

/// Days of alarm history CloudWatch keeps.
pub const ALARM_HISTORY_DAYS: i64 = 30;

/// What `alarm`'s history since `since` says about its actions: the newest successful and the
/// newest failed action, and each change to ALARM with the actions run for it. One
/// `DescribeAlarmHistory` read (every item type, oldest first, all pages), so the changes and
/// their actions come from the same call; `None` when the history could not be read (recorded in
/// the collection errors).
pub async fn action_history(
    cfg: &AccountConfig,
    scope: &Scope,
    region: &str,
    alarm: &str,
    since: DateTime<Utc>,
) -> Option<AlarmActionHistory> {
    let mut pages = cfg
        .cloudwatch(region)
        .describe_alarm_history()
        .alarm_name(alarm)
        .start_date(to_smithy(since))
        .scan_by(aws_sdk_cloudwatch::types::ScanBy::TimestampAscending)
        .into_paginator()
        .send();
    let mut items = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.in_region(region).fail("cloudwatch", "DescribeAlarmHistory", e),
        };
        for item in page.alarm_history_items() {
            let Some(timestamp) = item
                .timestamp()
                .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
            else {
                continue;
            };
            let Some(kind) = item.history_item_type() else { continue };
            items.push(HistoryEntry {
                kind: kind.clone(),
                timestamp,
                summary: item.history_summary().unwrap_or_default().to_string(),
                data: item.history_data().map(str::to_string),
            });
        }
    }
    Some(summarize_history(since, items))
}

/// One alarm history item as read.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// `HistoryItemType`.
    pub kind: HistoryItemType,
    /// `Timestamp`.
    pub timestamp: DateTime<Utc>,
    /// `HistorySummary`.
    pub summary: String,
    /// `HistoryData` (JSON text).
    pub data: Option<String>,
}

/// The action history of an alarm from its history items (any order): the newest success and
/// failure of any action, and each change to ALARM with its actions. An `Action` item belongs to
/// the change its `stateUpdateTimestamp` names (as CloudWatch records it), else to the latest
/// state change before it when that was a change to ALARM.
pub fn summarize_history(since: DateTime<Utc>, mut items: Vec<HistoryEntry>) -> AlarmActionHistory {
    items.sort_by_key(|i| (i.timestamp, i.kind != HistoryItemType::StateUpdate));
    let mut out = AlarmActionHistory {
        since,
        last_success: None,
        last_failure: None,
        notifications: Some(Vec::new()),
    };
    let notes = out.notifications.get_or_insert_with(Vec::new);
    let mut current: Option<usize> = None;
    for item in items {
        match item.kind {
            HistoryItemType::StateUpdate => {
                if went_to_alarm(item.data.as_deref(), Some(&item.summary)) {
                    notes.push(AlarmNotification {
                        alarm_at: item.timestamp,
                        actions: Vec::new(),
                    });
                    current = Some(notes.len() - 1);
                } else {
                    current = None;
                }
            }
            HistoryItemType::Action => {
                let data = item
                    .data
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
                let (resource, succeeded) = action_outcome(&item.summary, data.as_ref());
                let resource = resource.unwrap_or_default();
                let named = data
                    .as_ref()
                    .and_then(|d| d.get("stateUpdateTimestamp"))
                    .and_then(serde_json::Value::as_i64)
                    .and_then(|ms| notes.iter().rposition(|n| n.alarm_at.timestamp_millis() == ms));
                if let Some(i) = named.or(current) {
                    notes[i].actions.push(AlarmActionRun {
                        timestamp: item.timestamp,
                        resource: resource.clone(),
                        succeeded,
                    });
                }
                let slot = if succeeded {
                    &mut out.last_success
                } else {
                    &mut out.last_failure
                };
                *slot = Some(AlarmActionItem {
                    timestamp: item.timestamp,
                    resource,
                    summary: item.summary,
                });
            }
            _ => {}
        }
    }
    out
}

/// The action an `Action` history item is about and whether it succeeded: `notificationResource`
/// and `actionState` of its data, else the ARN in its summary and the summary's "Successfully
/// executed" (as CloudWatch words it).
pub fn action_outcome(summary: &str, data: Option<&serde_json::Value>) -> (Option<String>, bool) {
    let resource = data
        .and_then(|d| d.get("notificationResource"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| {
            summary
                .split_whitespace()
                .find(|w| w.starts_with("arn:"))
                .map(|w| w.trim_end_matches(['.', ',']).to_string())
        });
    let succeeded = match data.and_then(|d| d.get("actionState")).and_then(|v| v.as_str()) {
        Some(state) => state == "Succeeded",
        None => summary.starts_with("Successfully executed"),
    };
    (resource, succeeded)
}

/// Whether a StateUpdate history item is a change to ALARM: `HistoryData`'s
/// `newState.stateValue`, else the summary ("Alarm updated from OK to ALARM").
fn went_to_alarm(data: Option<&str>, summary: Option<&str>) -> bool {
    if let Some(v) = data.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) {
        if let Some(state) = v.pointer("/newState/stateValue").and_then(|s| s.as_str()) {
            return state == "ALARM";
        }
    }
    summary.is_some_and(|s| s.trim_end().ends_with("to ALARM"))
}

#[cfg(test)]
mod tests;
