//! Carrying a [`Plan`] out with the SDK.
//!
//! Accounts run side by side; within an account, steps run in plan order. An error is recorded
//! and stops only what depends on it (an alarm or subscription on a topic that could not be
//! created); other steps and other accounts go on. Every call is recorded as a [`Change`] with
//! account, region, API call and result, and logged to stderr as it happens.

use std::collections::BTreeMap;

use serde::Serialize;

use super::root_session::{self, Removal, RootSessionReport};
use super::{Action, Plan, Step};
use crate::aws::{describe, AccountConfig, CallCounter, CallCounts};

/// One API call made by apply.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// The plan step it belongs to.
    pub step: String,
    /// The account called.
    pub account_id: String,
    /// The region called (`global` for IAM).
    pub region: String,
    /// `service:Operation`.
    pub api_call: String,
    /// What it changed.
    pub resource: String,
    /// `ok` or `error`.
    pub result: String,
    /// The error code, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error message, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Change {
    /// A change record, logged as it is made.
    pub fn new(
        step: &str,
        account: &str,
        region: &str,
        api: &str,
        resource: &str,
        result: Result<(), (String, String)>,
    ) -> Change {
        let (res, code, message) = match result {
            Ok(()) => ("ok", None, None),
            Err((c, m)) => ("error", Some(c), Some(crate::redact::secrets(&m).into_owned())),
        };
        match &code {
            None => tracing::info!(target: "rootwarden::remediate::change", account, region, api, resource, "changed"),
            Some(c) => {
                tracing::warn!(target: "rootwarden::remediate::change", account, region, api, resource, code = c.as_str(), "change failed")
            }
        }
        Change {
            step: step.into(),
            account_id: account.into(),
            region: region.into(),
            api_call: api.into(),
            resource: resource.into(),
            result: res.into(),
            error_code: code,
            message,
        }
    }

    /// Whether the call succeeded.
    pub fn ok(&self) -> bool {
        self.result == "ok"
    }
}

/// How apply reaches each account (shared with the drill).
pub use crate::aws::connection::Reach;

/// What apply did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Applied {
    /// Every call, in the order made per account.
    pub changes: Vec<Change>,
    /// The privileged root sessions.
    pub root_sessions: Vec<RootSessionReport>,
}

/// Carries out every step of `plan`.
pub async fn apply(plan: &Plan, reach: &Reach) -> Applied {
    let mut by_account: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for s in &plan.steps {
        by_account.entry(s.account_id.clone()).or_default().push(s.clone());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (account, steps) in by_account {
        let reach = reach.clone();
        tasks.spawn(async move { account_steps(&reach, &account, &steps).await });
    }
    let mut applied = Applied::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(mut a) => {
                applied.changes.append(&mut a.changes);
                applied.root_sessions.append(&mut a.root_sessions);
            }
            Err(e) => applied.changes.push(Change::new(
                "-",
                "-",
                "-",
                "rootwarden:apply",
                "account task",
                Err(("TaskFailed".into(), e.to_string())),
            )),
        }
    }
    let step_order: BTreeMap<&str, usize> = plan.steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    applied.changes.sort_by_key(|c| {
        (
            step_order.get(c.step.as_str()).copied().unwrap_or(usize::MAX),
            c.account_id.clone(),
        )
    });
    applied.root_sessions.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    applied
}

/// The configuration for calls into `account`: the caller's own, or the role assumed there.
pub async fn account_config(reach: &Reach, account: &str) -> AccountConfig {
    let counter = CallCounter::new(account, std::sync::Arc::new(std::sync::Mutex::new(CallCounts::new())));
    reach.account_config(account, "rootwarden-remediate", counter).await
}

async fn account_steps(reach: &Reach, account: &str, steps: &[Step]) -> Applied {
    let mut out = Applied::default();
    let mut failed_topics: Vec<String> = Vec::new();
    let mut cfg: Option<AccountConfig> = None;
    for step in steps {
        if let Action::RemoveRootCredentials {
            keep_key_last4,
            keep_key_slots,
            ..
        } = &step.action
        {
            // The privileged session starts from the caller (the management account).
            let caller = AccountConfig {
                sdk: reach.base.clone(),
                counter: CallCounter::new(&reach.caller_account, Default::default()),
            };
            let removal = Removal {
                keep_key_last4: keep_key_last4.clone(),
                keep_key_slots: keep_key_slots.clone(),
            };
            let report = root_session::remove_root_credentials(
                &caller,
                &reach.home_region,
                account,
                &step.id,
                &removal,
                &mut out.changes,
            )
            .await;
            out.root_sessions.push(report);
            continue;
        }
        if cfg.is_none() {
            cfg = Some(account_config(reach, account).await);
        }
        let cfg = cfg.as_ref().expect("set above");
        let region = step.region.as_str();
        let mut record = |api: &str, resource: &str, r: Result<(), (String, String)>| {
            out.changes
                .push(Change::new(&step.id, account, region, api, resource, r));
        };
        match &step.action {
            Action::CreateTopic { name, topic_arn } => {
                let r = cfg.sns(region).create_topic().name(name).send().await;
                match r {
                    Ok(o) if o.topic_arn() == Some(topic_arn.as_str()) => record("sns:CreateTopic", topic_arn, Ok(())),
                    Ok(o) => {
                        failed_topics.push(topic_arn.clone());
                        record(
                            "sns:CreateTopic",
                            topic_arn,
                            Err((
                                "UnexpectedArn".into(),
                                format!(
                                    "the topic was created as {}, not the planned ARN",
                                    o.topic_arn().unwrap_or("?")
                                ),
                            )),
                        );
                    }
                    Err(e) => {
                        failed_topics.push(topic_arn.clone());
                        record("sns:CreateTopic", topic_arn, Err(describe(&e)));
                    }
                }
            }
            Action::Subscribe {
                topic_arn,
                protocol,
                endpoint,
            } => {
                let resource = format!("{endpoint} on {topic_arn}");
                if failed_topics.contains(topic_arn) {
                    record(
                        "sns:Subscribe",
                        &resource,
                        Err(not_attempted("the topic could not be created")),
                    );
                    continue;
                }
                let r = cfg
                    .sns(region)
                    .subscribe()
                    .topic_arn(topic_arn)
                    .protocol(protocol)
                    .endpoint(endpoint)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe(&e));
                record("sns:Subscribe", &resource, r);
            }
            Action::PutMetricFilter {
                log_group_name,
                filter_name,
                pattern,
                namespace,
                metric_name,
            } => {
                let transformation = aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_name(metric_name)
                    .metric_namespace(namespace)
                    .metric_value("1")
                    .build();
                let r = match transformation {
                    Ok(t) => cfg
                        .logs(region)
                        .put_metric_filter()
                        .log_group_name(log_group_name)
                        .filter_name(filter_name)
                        .filter_pattern(pattern)
                        .metric_transformations(t)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| describe(&e)),
                    Err(e) => Err(("InvalidParameter".to_string(), e.to_string())),
                };
                record("logs:PutMetricFilter", &format!("{filter_name} on {log_group_name}"), r);
            }
            Action::PutMetricAlarm {
                alarm_name,
                namespace,
                metric_name,
                topic_arn,
            } => {
                if failed_topics.contains(topic_arn) {
                    record(
                        "cloudwatch:PutMetricAlarm",
                        alarm_name,
                        Err(not_attempted("its topic could not be created")),
                    );
                    continue;
                }
                use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
                let r = cfg
                    .cloudwatch(region)
                    .put_metric_alarm()
                    .alarm_name(alarm_name)
                    .alarm_description("Root user activity (rootwarden remediate; CIS AWS Foundations 4.3)")
                    .namespace(namespace)
                    .metric_name(metric_name)
                    .statistic(Statistic::Sum)
                    .period(300)
                    .evaluation_periods(1)
                    .datapoints_to_alarm(1)
                    .threshold(1.0)
                    .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
                    .treat_missing_data("notBreaching")
                    .actions_enabled(true)
                    .alarm_actions(topic_arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe(&e));
                record("cloudwatch:PutMetricAlarm", alarm_name, r);
            }
            // Run before the match, through the privileged session.
            Action::RemoveRootCredentials { .. } => {}
        }
    }
    out
}

fn not_attempted(why: &str) -> (String, String) {
    ("NotAttempted".into(), format!("not attempted: {why}"))
}
