//! Per-region facts: CloudTrail trails, the log groups and metric filters they feed, alarms,
//! the SNS topics those alarms and EventBridge rules notify, and the EventBridge rules that may
//! concern root activity.
//!
//! Each thing is fetched once per account and region, never per rule. A section whose calls
//! failed is `null`; the failure is in `collection_errors`.

use std::collections::BTreeSet;

use aws_sdk_cloudtrail::types::ReadWriteType as SdkReadWriteType;

use crate::aws::{AccountConfig, Scope};
use crate::snapshot::{
    AdvancedEventSelector, Alarm, CloudTrail, CloudWatch, DataResource, Dimension, EventRule, EventSelector,
    EventTarget, Events, FieldSelector, FilterTest, LogGroup, Logs, MetricFilter, MetricQuery, MetricStat,
    MetricTransformation, ReadWriteType, Region, Retention, Setting, Sns, Subscription, Topic, TopicAttributes, Trail,
    TrailStatus,
};

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// Parts of an ARN: partition, service, region, account, resource (see [`crate::arn::Arn`]).
pub fn arn_parts(arn: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let a = crate::arn::Arn::parse(arn)?;
    Some((a.partition, a.service, a.region, a.account, a.resource))
}

/// The (region, account, name) of a `…:log-group:NAME[:*]` ARN.
pub fn log_group_of(arn: &str) -> Option<(String, String, String)> {
    let (_, _, region, account, res) = arn_parts(arn)?;
    let name = res.strip_prefix("log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    Some((region.to_string(), account.to_string(), name.to_string()))
}

/// Collects one region of one account.
pub async fn collect(cfg: &AccountConfig, scope: &Scope, region: &str) -> Region {
    let (cloudtrail, events) = tokio::join!(trails(cfg, scope, region), events(cfg, scope, region));
    // Only the metric filters of this account's trail log groups can detect anything, and only
    // alarms on those filters' metrics can fire: fetch exactly those, never whole inventories.
    let logs = match &cloudtrail {
        Some(ct) => logs(cfg, scope, region, ct).await,
        None => None,
    };
    let cloudwatch = match &logs {
        Some(l) => alarms(cfg, scope, region, l).await,
        None => None,
    };
    // Topics notified from this region and living in it: alarm actions and EventBridge targets.
    let mut topic_arns = BTreeSet::new();
    for a in cloudwatch.iter().flat_map(|c| c.alarms.iter()) {
        topic_arns.extend(a.alarm_actions.iter().cloned());
    }
    for r in events.iter().flat_map(|e| e.rules.iter()) {
        topic_arns.extend(r.targets.iter().flatten().map(|t| t.arn.clone()));
    }
    let topic_arns: Vec<String> = topic_arns
        .into_iter()
        .filter(|arn| arn_parts(arn).is_some_and(|(_, svc, r, a, _)| svc == "sns" && r == region && a == scope.account))
        .collect();
    let sns = topics(cfg, scope, region, &topic_arns).await;
    let mut out = Region {
        cloudtrail,
        logs,
        cloudwatch,
        sns,
        events,
    };
    // Whether the root alarms' actions have run lately (RW-MON-008): their Action history.
    let root_alarms = super::root_events::root_alarm_names(&out);
    let since = chrono::Utc::now() - chrono::Duration::days(super::root_events::ALARM_HISTORY_DAYS);
    for a in out.cloudwatch.iter_mut().flat_map(|c| c.alarms.iter_mut()) {
        if root_alarms.contains(&a.alarm_name) {
            a.action_history = super::root_events::action_history(cfg, scope, region, &a.alarm_name, since).await;
        }
    }
    out
}

async fn trails(cfg: &AccountConfig, scope: &Scope, region: &str) -> Option<CloudTrail> {
    let client = cfg.cloudtrail(region);
    let out = match client.describe_trails().include_shadow_trails(true).send().await {
        Ok(o) => o,
        Err(e) => return scope.fail("cloudtrail", "DescribeTrails", e),
    };
    let mut trails = Vec::new();
    for t in out.trail_list() {
        let arn = t.trail_arn().unwrap_or_default().to_string();
        let home = t.home_region().unwrap_or(region).to_string();
        // Status and selectors are fetched once, in the trail's home region; shadow copies in
        // other regions get them afterwards (see `fill_shadow_trails`).
        let (status, selectors) = if home == region {
            let (s, sel) = tokio::join!(
                client.get_trail_status().name(&arn).send(),
                client.get_event_selectors().trail_name(&arn).send()
            );
            let status = match s {
                Ok(s) => Some(TrailStatus {
                    is_logging: s.is_logging().unwrap_or(false),
                    latest_delivery_error: s.latest_delivery_error().map(str::to_string),
                    latest_cloud_watch_logs_delivery_error: s
                        .latest_cloud_watch_logs_delivery_error()
                        .map(str::to_string),
                    latest_cloud_watch_logs_delivery_time: time(s.latest_cloud_watch_logs_delivery_time()),
                }),
                Err(e) => scope.fail("cloudtrail", "GetTrailStatus", e),
            };
            let selectors = match sel {
                Ok(o) => Some(selectors_of(&o)),
                Err(e) => scope.fail::<(Option<Vec<EventSelector>>, Option<Vec<AdvancedEventSelector>>), _, _>(
                    "cloudtrail",
                    "GetEventSelectors",
                    e,
                ),
            };
            (status, selectors)
        } else {
            (None, None)
        };
        let (event_selectors, advanced_event_selectors) = selectors.unwrap_or((None, None));
        trails.push(Trail {
            name: t.name().unwrap_or_default().to_string(),
            trail_arn: arn,
            home_region: home,
            is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
            is_organization_trail: t.is_organization_trail().unwrap_or(false),
            include_global_service_events: t.include_global_service_events().unwrap_or(false),
            s3_bucket_name: t.s3_bucket_name().map(str::to_string),
            cloud_watch_logs_log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_string),
            cloud_watch_logs_role_arn: t.cloud_watch_logs_role_arn().map(str::to_string),
            log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: t.kms_key_id().map(str::to_string),
            status,
            event_selectors,
            advanced_event_selectors,
        });
    }
    Some(CloudTrail { trails })
}

type Selectors = (Option<Vec<EventSelector>>, Option<Vec<AdvancedEventSelector>>);

fn selectors_of(o: &aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput) -> Selectors {
    if !o.advanced_event_selectors().is_empty() {
        let adv = o
            .advanced_event_selectors()
            .iter()
            .map(|s| AdvancedEventSelector {
                name: s.name().map(str::to_string),
                field_selectors: s
                    .field_selectors()
                    .iter()
                    .map(|f| {
                        let v = |x: &[String]| if x.is_empty() { None } else { Some(x.to_vec()) };
                        FieldSelector {
                            field: f.field().to_string(),
                            equals: v(f.equals()),
                            starts_with: v(f.starts_with()),
                            ends_with: v(f.ends_with()),
                            not_equals: v(f.not_equals()),
                            not_starts_with: v(f.not_starts_with()),
                            not_ends_with: v(f.not_ends_with()),
                        }
                    })
                    .collect(),
            })
            .collect();
        return (None, Some(adv));
    }
    let classic = o
        .event_selectors()
        .iter()
        .map(|s| EventSelector {
            read_write_type: match s.read_write_type() {
                Some(SdkReadWriteType::ReadOnly) => ReadWriteType::ReadOnly,
                Some(SdkReadWriteType::WriteOnly) => ReadWriteType::WriteOnly,
                _ => ReadWriteType::All,
            },
            include_management_events: s.include_management_events().unwrap_or(true),
            exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
            data_resources: s
                .data_resources()
                .iter()
                .map(|d| DataResource {
                    kind: d.r#type().unwrap_or_default().to_string(),
                    values: d.values().to_vec(),
                })
                .collect(),
        })
        .collect();
    (Some(classic), None)
}

/// Log groups that trails of this account deliver to in this region, and every metric filter here.
async fn logs(cfg: &AccountConfig, scope: &Scope, region: &str, ct: &CloudTrail) -> Option<Logs> {
    let client = cfg.logs(region);
    let wanted: BTreeSet<String> = ct
        .trails
        .iter()
        .filter_map(|t| t.cloud_watch_logs_log_group_arn.as_deref().and_then(log_group_of))
        .filter(|(r, a, _)| r == region && *a == scope.account)
        .map(|(_, _, n)| n)
        .collect();
    let mut log_groups = Vec::new();
    for name in &wanted {
        let mut pages = client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) => return scope.fail("logs", "DescribeLogGroups", e),
            };
            for g in page
                .log_groups()
                .iter()
                .filter(|g| g.log_group_name() == Some(name.as_str()))
            {
                log_groups.push(LogGroup {
                    log_group_name: name.clone(),
                    arn: g.arn().map(str::to_string),
                    // AWS leaves retentionInDays out for a group whose events never expire; a
                    // value that is not a positive day count cannot be one AWS sends, and reads as
                    // no retention at all rather than as forever.
                    retention_in_days: match g.retention_in_days() {
                        None => Retention::NeverExpires,
                        Some(d) => Retention::Days(u32::try_from(d).unwrap_or(0).max(1)),
                    },
                });
            }
        }
    }
    let mut metric_filters = Vec::new();
    for name in &wanted {
        let mut pages = client
            .describe_metric_filters()
            .log_group_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) => return scope.fail("logs", "DescribeMetricFilters", e),
            };
            for f in page.metric_filters() {
                metric_filters.push(MetricFilter {
                    filter_name: f.filter_name().unwrap_or_default().to_string(),
                    log_group_name: f.log_group_name().unwrap_or_default().to_string(),
                    filter_pattern: f.filter_pattern().unwrap_or_default().to_string(),
                    metric_transformations: f
                        .metric_transformations()
                        .iter()
                        .map(|m| MetricTransformation {
                            metric_name: m.metric_name().to_string(),
                            metric_namespace: m.metric_namespace().to_string(),
                            metric_value: m.metric_value().to_string(),
                            default_value: Some(Setting::from_option(m.default_value())),
                            // AWS: "If you omit this, the unit is set as None".
                            unit: Some(m.unit().map_or("None", |u| u.as_str()).to_string()),
                            dimensions: Some(
                                m.dimensions()
                                    .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                    .unwrap_or_default(),
                            ),
                        })
                        .collect(),
                    aws_test: FilterTest::NotRun {},
                });
            }
        }
    }
    Some(Logs {
        log_groups,
        metric_filters,
    })
}

fn dimensions(d: &[aws_sdk_cloudwatch::types::Dimension]) -> Vec<Dimension> {
    d.iter()
        .map(|d| Dimension {
            name: d.name().unwrap_or_default().to_string(),
            value: d.value().unwrap_or_default().to_string(),
        })
        .collect()
}

fn metric_query(q: &aws_sdk_cloudwatch::types::MetricDataQuery) -> MetricQuery {
    MetricQuery {
        id: q.id().unwrap_or_default().to_string(),
        expression: q.expression().map(str::to_string),
        return_data: q.return_data(),
        metric_stat: q.metric_stat().map(|m| MetricStat {
            namespace: m.metric().and_then(|x| x.namespace()).unwrap_or_default().to_string(),
            metric_name: m.metric().and_then(|x| x.metric_name()).unwrap_or_default().to_string(),
            dimensions: dimensions(m.metric().map(|x| x.dimensions()).unwrap_or_default()),
            period: m.period().and_then(|p| u32::try_from(p).ok()).unwrap_or_default(),
            stat: m.stat().unwrap_or_default().to_string(),
            unit: Setting::from_option(m.unit().map(|u| u.as_str().to_string())),
        }),
    }
}

/// Metric alarms that read a metric sharing its name or its namespace with a metric the
/// collected filters publish, directly or in a metric math query: a superset of the alarms the
/// rules judge (those on a filter's metric) and of those they name as near misses (the right
/// name in another namespace, or the right namespace with another name). Which of them would
/// alert is the rules' decision. Every metric alarm of the region is listed and the rest dropped
/// here: the server is not trusted to filter by dimensions, and DescribeAlarmsForMetric would
/// miss math alarms and alarms on dimensions.
async fn alarms(cfg: &AccountConfig, scope: &Scope, region: &str, logs: &Logs) -> Option<CloudWatch> {
    let client = cfg.cloudwatch(region);
    let published = PublishedMetrics::of(logs);
    let mut alarms: Vec<Alarm> = Vec::new();
    if published.is_empty() {
        return Some(CloudWatch { alarms });
    }
    let mut pages = client
        .describe_alarms()
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.fail("cloudwatch", "DescribeAlarms", e),
        };
        for a in page.metric_alarms() {
            let reads = published.related(a.metric_name(), a.namespace())
                || a.metrics().iter().any(|q| {
                    q.metric_stat()
                        .and_then(|m| m.metric())
                        .is_some_and(|m| published.related(m.metric_name(), m.namespace()))
                });
            if !reads {
                continue;
            }
            alarms.push(Alarm {
                alarm_name: a.alarm_name().unwrap_or_default().to_string(),
                alarm_arn: a.alarm_arn().unwrap_or_default().to_string(),
                metric_name: a.metric_name().map(str::to_string),
                namespace: a.namespace().map(str::to_string),
                statistic: a.statistic().map(|s| s.as_str().to_string()),
                extended_statistic: a.extended_statistic().map(str::to_string),
                dimensions: Some(dimensions(a.dimensions())),
                unit: Some(Setting::from_option(a.unit().map(|u| u.as_str().to_string()))),
                period: a.period().and_then(|p| u32::try_from(p).ok()),
                evaluation_periods: a.evaluation_periods().and_then(|p| u32::try_from(p).ok()).unwrap_or(1),
                datapoints_to_alarm: a.datapoints_to_alarm().and_then(|p| u32::try_from(p).ok()),
                threshold: a.threshold(),
                comparison_operator: a
                    .comparison_operator()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
                // AWS's documented defaults when the alarm names none.
                treat_missing_data: Some(a.treat_missing_data().unwrap_or("missing").to_string()),
                evaluate_low_sample_count_percentile: Some(
                    a.evaluate_low_sample_count_percentile()
                        .unwrap_or("evaluate")
                        .to_string(),
                ),
                metrics: Some(a.metrics().iter().map(metric_query).collect()),
                threshold_metric_id: a.threshold_metric_id().map(str::to_string),
                actions_enabled: a.actions_enabled().unwrap_or(false),
                alarm_actions: a.alarm_actions().to_vec(),
                state_value: a.state_value().map(|s| s.as_str().to_string()),
                action_history: None,
            });
        }
    }
    alarms.sort_by(|a, b| a.alarm_arn.cmp(&b.alarm_arn));
    Some(CloudWatch { alarms })
}

/// The metric names and namespaces the collected metric filters publish to.
struct PublishedMetrics<'a> {
    names: BTreeSet<&'a str>,
    namespaces: BTreeSet<&'a str>,
}

impl<'a> PublishedMetrics<'a> {
    fn of(logs: &'a Logs) -> Self {
        let transformations = || logs.metric_filters.iter().flat_map(|f| f.metric_transformations.iter());
        PublishedMetrics {
            names: transformations().map(|m| m.metric_name.as_str()).collect(),
            namespaces: transformations().map(|m| m.metric_namespace.as_str()).collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether a metric shares its name or its namespace with a published one.
    fn related(&self, name: Option<&str>, namespace: Option<&str>) -> bool {
        name.is_some_and(|n| self.names.contains(n)) || namespace.is_some_and(|ns| self.namespaces.contains(ns))
    }
}

async fn topics(cfg: &AccountConfig, scope: &Scope, region: &str, arns: &[String]) -> Option<Sns> {
    let client = cfg.sns(region);
    let mut topics = Vec::new();
    let mut absent_topics = Vec::new();
    for arn in arns {
        let mut subscriptions = Some(Vec::new());
        let mut exists = true;
        let mut pages = client
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => {
                    for s in p.subscriptions() {
                        let sub_arn = s.subscription_arn().unwrap_or_default().to_string();
                        subscriptions.get_or_insert_with(Vec::new).push(Subscription {
                            pending_confirmation: sub_arn == "PendingConfirmation" || !sub_arn.starts_with("arn:"),
                            subscription_arn: sub_arn,
                            protocol: s.protocol().unwrap_or_default().to_string(),
                            endpoint: s.endpoint().unwrap_or_default().to_string(),
                        });
                    }
                }
                // A deleted topic is a fact (the chain is broken), not missing data.
                Err(e) if crate::aws::describe(&e).0 == "NotFound" => {
                    exists = false;
                    break;
                }
                Err(e) => {
                    subscriptions = scope.fail("sns", "ListSubscriptionsByTopic", e);
                    break;
                }
            }
        }
        if !exists {
            absent_topics.push(arn.clone());
            continue;
        }
        // Who may publish (EventBridge needs the topic policy to allow it) and its encryption.
        let attributes = match client.get_topic_attributes().topic_arn(arn).send().await {
            Ok(o) => {
                let attr = |k: &str| o.attributes().and_then(|a| a.get(k)).cloned();
                Some(TopicAttributes {
                    policy: attr("Policy"),
                    kms_master_key_id: Some(Setting::from_option(attr("KmsMasterKeyId").filter(|k| !k.is_empty()))),
                })
            }
            Err(e) if crate::aws::describe(&e).0 == "NotFound" => {
                absent_topics.push(arn.clone());
                continue;
            }
            Err(e) => scope.fail("sns", "GetTopicAttributes", e),
        };
        topics.push(Topic {
            topic_arn: arn.clone(),
            subscriptions,
            attributes,
        });
    }
    Some(Sns { topics, absent_topics })
}

/// Whether an EventBridge rule's pattern may concern root activity: a superset filter, the rules
/// judge what the pattern really matches (and report a broken root rule). A pattern is kept when
/// it mentions root in any spelling, or when it may deliver an event CloudTrail emits (a rule can
/// match root events without naming root). It is left out only when it mentions no root and
/// provably cannot deliver a CloudTrail event: its `source` is a list of exact values none of
/// which is an AWS source (`aws.*`), or its `detail-type` a list of exact values none of which is
/// a CloudTrail detail type (`... via CloudTrail`; exact values match case-sensitively).
fn may_concern_root(pattern: &str) -> bool {
    if pattern.to_lowercase().contains("root") {
        return true;
    }
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str::<serde_json::Value>(pattern) else {
        return true; // not judged here: the rules say what an unreadable pattern delivers
    };
    let excludes = |field: &str, admits: fn(&str) -> bool| match top.get(field) {
        Some(serde_json::Value::Array(values)) => {
            !values.is_empty() && values.iter().all(|v| v.as_str().is_some_and(|s| !admits(s)))
        }
        _ => false,
    };
    !(excludes("source", |s| s.starts_with("aws.")) || excludes("detail-type", |s| s.contains("CloudTrail")))
}

async fn events(cfg: &AccountConfig, scope: &Scope, region: &str) -> Option<Events> {
    let client = cfg.events(region);
    let mut rules = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = match client.list_rules().set_next_token(next.clone()).send().await {
            Ok(o) => o,
            Err(e) => return scope.fail("events", "ListRules", e),
        };
        for r in out.rules() {
            let pattern = r.event_pattern().map(str::to_string);
            if !pattern.as_deref().is_some_and(may_concern_root) {
                continue;
            }
            let name = r.name().unwrap_or_default().to_string();
            let targets = match client.list_targets_by_rule().rule(&name).send().await {
                Ok(t) => Some(
                    t.targets()
                        .iter()
                        .map(|t| EventTarget {
                            id: t.id().to_string(),
                            arn: t.arn().to_string(),
                            role_arn: t.role_arn().map(str::to_string),
                        })
                        .collect(),
                ),
                Err(e) => scope.fail("events", "ListTargetsByRule", e),
            };
            rules.push(EventRule {
                name,
                arn: r.arn().unwrap_or_default().to_string(),
                event_bus_name: r.event_bus_name().unwrap_or("default").to_string(),
                state: r.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
                event_pattern: pattern,
                targets,
            });
        }
        next = out.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    Some(Events { rules })
}

/// Gives shadow copies of a trail (seen outside its home region) the status and selectors
/// fetched in the home region.
pub fn fill_shadow_trails(regions: &mut std::collections::BTreeMap<String, Region>) {
    let homes: Vec<Trail> = regions
        .iter()
        .flat_map(|(name, r)| {
            r.cloudtrail
                .iter()
                .flat_map(|c| c.trails.iter())
                .filter(move |t| &t.home_region == name)
        })
        .cloned()
        .collect();
    for (name, r) in regions.iter_mut() {
        for t in r.cloudtrail.iter_mut().flat_map(|c| c.trails.iter_mut()) {
            if &t.home_region == name {
                continue;
            }
            if let Some(home) = homes.iter().find(|h| h.trail_arn == t.trail_arn) {
                t.status = home.status.clone();
                t.event_selectors = home.event_selectors.clone();
                t.advanced_event_selectors = home.advanced_event_selectors.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests;
