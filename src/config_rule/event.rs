//! The event AWS Config sends a custom Lambda rule, and the rule parameters rootwarden reads
//! from it.
//!
//! The event's `invokingEvent` and `ruleParameters` are JSON documents inside JSON strings; both
//! are parsed here, so a malformed event is one error naming the field and what was expected.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::policy::Severity;

/// An event that cannot be handled.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {place}: {message}")]
pub struct EventError {
    /// Where the event came from (a file name, or `<lambda event>`).
    pub source_name: String,
    /// The field at fault, e.g. `invokingEvent.messageType`.
    pub place: String,
    /// What was wrong and what was expected.
    pub message: String,
}

/// The outer event, as AWS Config sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    invoking_event: String,
    #[serde(default)]
    rule_parameters: Option<String>,
    result_token: String,
    #[serde(default)]
    event_left_scope: bool,
    #[serde(default)]
    execution_role_arn: Option<String>,
    #[serde(default)]
    config_rule_arn: Option<String>,
    #[serde(default)]
    config_rule_name: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
}

/// `invokingEvent`, the fields rootwarden uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvokingEvent {
    message_type: String,
    #[serde(default)]
    notification_creation_time: Option<DateTime<Utc>>,
    #[serde(default)]
    aws_account_id: Option<String>,
    #[serde(default)]
    configuration_item: Option<ItemTimes>,
    #[serde(default)]
    configuration_item_summary: Option<ItemTimes>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemTimes {
    #[serde(default)]
    configuration_item_capture_time: Option<DateTime<Utc>>,
    #[serde(default)]
    aws_account_id: Option<String>,
}

/// Why Config invoked the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// A periodic trigger.
    ScheduledNotification,
    /// A recorded resource changed.
    ConfigurationItemChangeNotification,
    /// A recorded resource changed, and its configuration item was too large to include.
    OversizedConfigurationItemChangeNotification,
}

impl MessageType {
    fn parse(s: &str) -> Option<MessageType> {
        match s {
            "ScheduledNotification" => Some(MessageType::ScheduledNotification),
            "ConfigurationItemChangeNotification" => Some(MessageType::ConfigurationItemChangeNotification),
            "OversizedConfigurationItemChangeNotification" => {
                Some(MessageType::OversizedConfigurationItemChangeNotification)
            }
            _ => None,
        }
    }
}

/// A parsed, checked invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Why Config invoked the rule.
    pub message_type: MessageType,
    /// The evaluations' OrderingTimestamp: when Config triggered a periodic evaluation, or
    /// captured the configuration item of a change.
    pub ordering_timestamp: DateTime<Utc>,
    /// The account the evaluation is for, when the event says.
    pub account_id: Option<String>,
    /// Token PutEvaluations needs.
    pub result_token: String,
    /// The resource left the rule's scope: every evaluation is NOT_APPLICABLE.
    pub event_left_scope: bool,
    /// The role Config passes for reaching the evaluated account.
    pub execution_role_arn: Option<String>,
    /// The Config rule's ARN (for logs).
    pub config_rule_arn: Option<String>,
    /// The Config rule's name (for logs).
    pub config_rule_name: Option<String>,
    /// The partition, from the Config rule's ARN (`aws` when absent).
    pub partition: String,
    /// rootwarden's settings from `ruleParameters`.
    pub parameters: RuleParameters,
}

/// Where the requirements document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementsSource {
    /// The built-in CIS-aligned default.
    Default,
    /// YAML or JSON text given in the rule parameters.
    Inline(String),
    /// An S3 object.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Object key.
        key: String,
    },
}

/// rootwarden's settings in the Config rule's `ruleParameters` (every value a string, as the
/// Config console and CloudFormation write them; lists are comma-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParameters {
    /// `only`: evaluate only these rule ids.
    pub only: Vec<String>,
    /// `skip`: do not evaluate these rule ids.
    pub skip: Vec<String>,
    /// `severityThreshold`: evaluate only rules of at least this severity.
    pub severity_threshold: Option<Severity>,
    /// `requirements` (inline) or `requirementsS3Uri` (`s3://bucket/key`).
    pub requirements: RequirementsSource,
    /// `regions`: regions to collect; default every enabled region.
    pub regions: Option<Vec<String>>,
    /// `assumeExecutionRole`: collect and post with the event's `executionRoleArn` (an
    /// organization rule's function runs in another account than the one evaluated).
    pub assume_execution_role: bool,
    /// `memberRoleName`: collect and post with this role in the event's account instead
    /// (`deploy/member-role.yaml` creates it), for organization rules.
    pub member_role_name: Option<String>,
    /// `auditRoot`: read a member account's root credentials in an `sts:AssumeRoot` session
    /// opened with the function's own role (in the management or delegated administrator account).
    pub audit_root: bool,
    /// `verifyFilters`: ask CloudWatch Logs (`logs:TestMetricFilter`) how each metric filter
    /// treats the canonical CloudTrail events.
    pub verify_filters: bool,
    /// `rulesS3Uri`: an OPA bundle of user rules (`s3://bucket/key`), evaluated beside the
    /// bundled rules.
    pub rules_bundle: Option<S3Object>,
    /// `chainRoleName`: the role assumed in the account that owns the evaluated account's
    /// monitoring chain (an organization trail's owner) to read that chain; default the member
    /// role (`memberRoleName`, else the execution role's name with `assumeExecutionRole`).
    pub chain_role_name: Option<String>,
    /// `chainCacheMinutes`: how long a warm function keeps an owner's chain (default 15; 0
    /// reads it on every invocation).
    pub chain_cache_minutes: u32,
    /// `activityDays`: review the account's root activity (CloudTrail event history) over this
    /// many days within the function's time budget (RW-ACT-001); none: not reviewed.
    pub activity_days: Option<u32>,
}

/// An object in S3, named by an `s3://BUCKET/KEY` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
}

impl std::fmt::Display for S3Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Reads an `s3://BUCKET/KEY` URI.
fn s3_object(text: &str) -> Option<S3Object> {
    text.strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .map(|(bucket, key)| S3Object {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
}

impl Default for RuleParameters {
    fn default() -> Self {
        RuleParameters {
            only: Vec::new(),
            skip: Vec::new(),
            severity_threshold: None,
            requirements: RequirementsSource::Default,
            regions: None,
            assume_execution_role: false,
            member_role_name: None,
            audit_root: false,
            verify_filters: false,
            rules_bundle: None,
            chain_role_name: None,
            chain_cache_minutes: DEFAULT_CHAIN_CACHE_MINUTES,
            activity_days: None,
        }
    }
}

/// How long a warm function keeps an owner's chain unless `chainCacheMinutes` says otherwise.
pub const DEFAULT_CHAIN_CACHE_MINUTES: u32 = 15;

/// The parameter names rootwarden reads; any other is a typo worth stopping for.
pub const PARAMETER_NAMES: &[&str] = &[
    "only",
    "skip",
    "severityThreshold",
    "requirements",
    "requirementsS3Uri",
    "regions",
    "assumeExecutionRole",
    "memberRoleName",
    "auditRoot",
    "verifyFilters",
    "rulesS3Uri",
    "chainRoleName",
    "chainCacheMinutes",
    "activityDays",
];

/// Parses a Config rule event (JSON text) read from `source_name`.
pub fn parse(text: &str, source_name: &str) -> Result<Invocation, EventError> {
    let err = |place: &str, message: String| EventError {
        source_name: source_name.to_string(),
        place: place.to_string(),
        message,
    };
    let raw: RawEvent = {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let place = e.path().to_string();
            err(
                if place == "." { "event" } else { &place },
                format!(
                    "{} (expected an AWS Config custom rule event with invokingEvent and resultToken)",
                    e.inner()
                ),
            )
        })?
    };
    let invoking: InvokingEvent = {
        let de = &mut serde_json::Deserializer::from_str(&raw.invoking_event);
        serde_path_to_error::deserialize(de).map_err(|e| {
            err(
                &format!("invokingEvent.{}", e.path()),
                format!("{} (invokingEvent must be a JSON document in a string)", e.inner()),
            )
        })?
    };
    let message_type = MessageType::parse(&invoking.message_type).ok_or_else(|| {
        err(
            "invokingEvent.messageType",
            format!(
                "unknown message type {:?}; expected ScheduledNotification, ConfigurationItemChangeNotification or OversizedConfigurationItemChangeNotification",
                invoking.message_type
            ),
        )
    })?;
    let item = match message_type {
        MessageType::ScheduledNotification => None,
        MessageType::ConfigurationItemChangeNotification => invoking.configuration_item.as_ref(),
        MessageType::OversizedConfigurationItemChangeNotification => invoking.configuration_item_summary.as_ref(),
    };
    // A deleted resource's change notification has no configuration item; the notification's
    // own time orders it then.
    let ordering_timestamp = item
        .and_then(|i| i.configuration_item_capture_time)
        .or(invoking.notification_creation_time)
        .ok_or_else(|| {
            err(
                "invokingEvent",
                "no time to order the evaluations by: expected notificationCreationTime, or configurationItemCaptureTime in the configuration item".into(),
            )
        })?;
    if raw.result_token.is_empty() {
        return Err(err("resultToken", "is empty; PutEvaluations needs it".into()));
    }
    let item_place = match message_type {
        MessageType::OversizedConfigurationItemChangeNotification => {
            "invokingEvent.configurationItemSummary.awsAccountId"
        }
        _ => "invokingEvent.configurationItem.awsAccountId",
    };
    let account_id = event_account(&[
        ("accountId", raw.account_id.as_deref()),
        ("invokingEvent.awsAccountId", invoking.aws_account_id.as_deref()),
        (item_place, item.and_then(|i| i.aws_account_id.as_deref())),
    ])
    .map_err(|(place, message)| err(place, message))?;
    let parameters = match raw.rule_parameters.as_deref().map(str::trim) {
        None | Some("") => RuleParameters::default(),
        Some(text) => parse_parameters(text).map_err(|(place, message)| err(&place, message))?,
    };
    if parameters.member_role_name.is_some() && account_id.is_none() {
        return Err(err(
            "accountId",
            "is missing, but ruleParameters.memberRoleName needs the evaluated account".into(),
        ));
    }
    if parameters.assume_execution_role && raw.execution_role_arn.is_none() {
        return Err(err(
            "executionRoleArn",
            "is missing, but ruleParameters.assumeExecutionRole is true".into(),
        ));
    }
    Ok(Invocation {
        message_type,
        ordering_timestamp,
        account_id,
        result_token: raw.result_token,
        event_left_scope: raw.event_left_scope,
        execution_role_arn: raw.execution_role_arn,
        config_rule_arn: raw.config_rule_arn.clone(),
        config_rule_name: raw.config_rule_name,
        partition: raw
            .config_rule_arn
            .as_deref()
            .and_then(crate::arn::Arn::parse)
            .map(|a| a.partition)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string(),
        parameters,
    })
}

/// The account an event is about, from every field that names it: each must be a 12-digit
/// account id and all must agree, or the evaluations would be posted for a made-up resource.
/// Errors are (place, message).
fn event_account<'a>(fields: &[(&'a str, Option<&str>)]) -> Result<Option<String>, (&'a str, String)> {
    let mut found: Option<(&str, &str)> = None;
    for (place, value) in fields {
        let Some(id) = value else { continue };
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err((place, format!("expected a 12-digit AWS account id, found {id:?}")));
        }
        match found {
            Some((first, other)) if other != *id => {
                return Err((
                    first,
                    format!("is {other}, but {place} is {id}; an event names one account"),
                ))
            }
            Some(_) => {}
            None => found = Some((place, id)),
        }
    }
    Ok(found.map(|(_, id)| id.to_string()))
}

/// Parses `ruleParameters` (a JSON object in a string). Errors are (place, message).
pub fn parse_parameters(text: &str) -> Result<RuleParameters, (String, String)> {
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(text).map_err(|e| {
        (
            "ruleParameters".to_string(),
            format!("{e} (expected a JSON object of strings)"),
        )
    })?;
    let mut p = RuleParameters::default();
    let place = |k: &str| format!("ruleParameters.{k}");
    for (key, value) in &map {
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => {
                return Err((place(key), format!("is {other}; every rule parameter is a string")));
            }
        };
        // CloudFormation templates pass every parameter, unset ones as "".
        if text.is_empty() {
            continue;
        }
        let list = || -> Vec<String> {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        match key.as_str() {
            "only" => p.only = list(),
            "skip" => p.skip = list(),
            "severityThreshold" => {
                p.severity_threshold = Some(
                    text.to_ascii_lowercase()
                        .parse::<Severity>()
                        .map_err(|m| (place(key), m))?,
                )
            }
            "requirements" => p.requirements = RequirementsSource::Inline(text.clone()),
            "requirementsS3Uri" => {
                let object =
                    s3_object(&text).ok_or_else(|| (place(key), format!("{text:?} is not an s3://BUCKET/KEY URI")))?;
                p.requirements = RequirementsSource::S3 {
                    bucket: object.bucket,
                    key: object.key,
                };
            }
            "rulesS3Uri" => {
                p.rules_bundle = Some(s3_object(&text).ok_or_else(|| {
                    (
                        place(key),
                        format!("{text:?} is not an s3://BUCKET/KEY URI of an OPA bundle"),
                    )
                })?);
            }
            "regions" => p.regions = Some(list()).filter(|r| !r.is_empty()),
            "memberRoleName" | "chainRoleName" => {
                let valid =
                    text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
                if !valid {
                    return Err((place(key), format!("{text:?} is not an IAM role name")));
                }
                if key == "memberRoleName" {
                    p.member_role_name = Some(text.clone());
                } else {
                    p.chain_role_name = Some(text.clone());
                }
            }
            "activityDays" => {
                // CloudTrail event history keeps 90 days.
                p.activity_days = Some(
                    text.parse::<u32>()
                        .ok()
                        .filter(|d| (1..=90).contains(d))
                        .ok_or_else(|| (place(key), format!("is {text:?}; expected whole days from 1 to 90")))?,
                );
            }
            "chainCacheMinutes" => {
                p.chain_cache_minutes = text.parse::<u32>().ok().filter(|m| *m <= 24 * 60).ok_or_else(|| {
                    (
                        place(key),
                        format!("is {text:?}; expected whole minutes from 0 to 1440"),
                    )
                })?;
            }
            "assumeExecutionRole" | "auditRoot" | "verifyFilters" => {
                let on = match text.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err((place(key), format!("is {text:?}; expected true or false"))),
                };
                match key.as_str() {
                    "auditRoot" => p.audit_root = on,
                    "verifyFilters" => p.verify_filters = on,
                    _ => p.assume_execution_role = on,
                }
            }
            _ => {
                return Err((
                    place(key),
                    format!("unknown parameter; rootwarden reads {}", PARAMETER_NAMES.join(", ")),
                ))
            }
        }
    }
    let given = |k: &str| {
        map.get(k)
            .and_then(|v| v.as_str())
            .is_some_and(|s| !s.trim().is_empty())
    };
    if given("requirements") && given("requirementsS3Uri") {
        return Err((
            "ruleParameters".into(),
            "give requirements or requirementsS3Uri, not both".into(),
        ));
    }
    Ok(p)
}
