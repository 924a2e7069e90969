//! `rootwarden remediate`: fix what the rules found, planned first, applied on request.
//!
//! A [`Plan`] is computed from a snapshot, the requirements and the outcome table: per account,
//! the API changes that fix a failing control, each tied to the rule (and accounts) it fixes, and
//! the manual steps for what only a person can do (root credentials of standalone and management
//! accounts, MFA, trails). Monitoring links are judged by the same Rego library the rules use
//! (`rules/lib/remediate_chain.rego` over the monitoring library), so a plan touches only the
//! missing or broken links and reuses every link the rules accept. [`apply`] carries a plan out, [`export`] writes
//! the monitoring chain as CloudFormation or Terraform instead.

pub mod apply;
pub mod export;
pub mod plan;
pub mod render;
pub mod root_session;

use serde::Serialize;

/// The filter pattern a new root-activity metric filter gets: CIS AWS Foundations 4.3 (root
/// usage), which the canonical-event judgement accepts for every required event without noise.
pub const CIS_ROOT_PATTERN: &str =
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

/// The name of every resource rootwarden creates (filter, alarm, topic, EventBridge rule).
pub const RESOURCE_NAME: &str = "rootwarden-root-activity";

/// The metric a new root filter emits when no existing alarm waits for another one.
pub const DEFAULT_NAMESPACE: &str = "CISBenchmark";

/// See [`DEFAULT_NAMESPACE`].
pub const DEFAULT_METRIC: &str = "RootAccountUsage";

/// The AWS managed task policy a privileged root session is scoped to
/// ([`crate::aws::assume_root::TaskPolicy::DeleteRootUserCredentials`]).
pub const DELETE_ROOT_CREDENTIALS_POLICY: &str = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials";

/// What `remediate` would change, and what it leaves to people.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The snapshot's collected_at the plan was computed from.
    pub collected_at: String,
    /// Per account, in account order.
    pub accounts: Vec<AccountPlan>,
    /// Every API change, once each, in the order apply runs them.
    pub steps: Vec<Step>,
}

/// One account's part of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct AccountPlan {
    /// The account.
    pub account_id: String,
    /// `standalone`, `management` or `member`.
    pub role: String,
    /// The root user's access keys and signing certificates before any change.
    pub root_credentials: Vec<CredentialState>,
    /// Ids (`Plan::steps[].id`) of the changes that fix this account's controls.
    pub steps: Vec<String>,
    /// What a person has to do (or provide), tied to the rule it fixes.
    pub manual: Vec<ManualStep>,
    /// Root keys kept (deactivated) under the requirements' retained_root_keys.
    pub retained: Vec<RetainedKey>,
    /// Failing or undecided controls, so the plan's reader sees what stays open.
    pub open_controls: Vec<String>,
}

/// A root access key or signing certificate slot as the credential report shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CredentialState {
    /// `access_key` or `signing_certificate`.
    pub kind: String,
    /// Credential-report slot (1 or 2).
    pub slot: u8,
    /// Active or not.
    pub active: bool,
    /// Last four characters of the key id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    /// Last use (RFC 3339 date), when the report has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

/// A root key the requirements keep until its decommission date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RetainedKey {
    /// Credential-report slot.
    pub slot: u8,
    /// Last four characters of the key id, when the requirements name it.
    pub key_last4: String,
    /// Why it is kept.
    pub justification: String,
    /// Last day it may exist.
    pub decommission_date: String,
}

/// Something only a person can do, or a fact the plan needs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ManualStep {
    /// The rule it fixes.
    pub rule_id: String,
    /// What to do.
    pub text: String,
}

/// One API change (a few calls that belong together), run by `apply`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    /// Stable id within the plan (`s1`, `s2`, …) that account plans refer to.
    pub id: String,
    /// The account the calls go to.
    pub account_id: String,
    /// The region the calls go to.
    pub region: String,
    /// What to do.
    pub action: Action,
    /// The rules this fixes.
    pub fixes: Vec<String>,
    /// The accounts whose controls it fixes (an organization trail's chain serves many).
    pub for_accounts: Vec<String>,
    /// One line for people.
    pub summary: String,
}

/// The changes rootwarden can make.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// `logs:PutMetricFilter`: the CIS root-activity filter on the trail's log group.
    PutMetricFilter {
        /// The log group the trail delivers to.
        log_group_name: String,
        /// The filter's name.
        filter_name: String,
        /// The filter pattern.
        pattern: String,
        /// Metric namespace.
        namespace: String,
        /// Metric name.
        metric_name: String,
    },
    /// `sns:CreateTopic` (idempotent by name).
    CreateTopic {
        /// The topic's name.
        name: String,
        /// Its ARN once created (known in advance: partition, region, account and name).
        topic_arn: String,
    },
    /// `sns:Subscribe` an endpoint to a topic; e-mail endpoints stay pending until confirmed.
    Subscribe {
        /// The topic.
        topic_arn: String,
        /// `email`, `https`, `sqs`, `lambda`, `sms` …
        protocol: String,
        /// The address.
        endpoint: String,
    },
    /// `cloudwatch:PutMetricAlarm`: fires on one root event, notifies the topic.
    PutMetricAlarm {
        /// The alarm's name.
        alarm_name: String,
        /// Metric namespace.
        namespace: String,
        /// Metric name.
        metric_name: String,
        /// The SNS topic it notifies.
        topic_arn: String,
    },
    /// Through `sts:AssumeRoot` (task policy IAMDeleteRootUserCredentials) from the management
    /// account: deactivate then delete the member's root access keys and signing certificates,
    /// keeping listed retained keys deactivated.
    RemoveRootCredentials {
        /// Key slots to delete (after deactivating).
        delete_key_slots: Vec<u8>,
        /// Retained keys (last 4 or slot) to deactivate and keep.
        keep_key_last4: Vec<String>,
        /// Retained key slots, for entries that name a slot only.
        keep_key_slots: Vec<u8>,
        /// Signing certificate slots to delete (after deactivating).
        delete_certificate_slots: Vec<u8>,
    },
}

impl Action {
    /// The API calls this action makes, for logs and plans.
    pub fn api_calls(&self) -> &'static str {
        match self {
            Action::PutMetricFilter { .. } => "logs:PutMetricFilter",
            Action::CreateTopic { .. } => "sns:CreateTopic",
            Action::Subscribe { .. } => "sns:Subscribe",
            Action::PutMetricAlarm { .. } => "cloudwatch:PutMetricAlarm",
            Action::RemoveRootCredentials { .. } => {
                "sts:AssumeRoot, iam:ListAccessKeys, iam:UpdateAccessKey, iam:DeleteAccessKey, iam:ListSigningCertificates, iam:UpdateSigningCertificate, iam:DeleteSigningCertificate"
            }
        }
    }
}

/// The protocol SNS needs for an endpoint, from its form.
pub fn endpoint_protocol(endpoint: &str) -> Option<&'static str> {
    if endpoint.starts_with("https://") {
        Some("https")
    } else if endpoint.starts_with("http://") {
        Some("http")
    } else if endpoint.starts_with("arn:") {
        match crate::arn::Arn::parse(endpoint).map(|a| a.service) {
            Some("sqs") => Some("sqs"),
            Some("lambda") => Some("lambda"),
            Some("firehose") => Some("firehose"),
            _ => None,
        }
    } else if endpoint.starts_with('+') && endpoint[1..].bytes().all(|b| b.is_ascii_digit()) && endpoint.len() > 4 {
        Some("sms")
    } else if let Some((local, domain)) = endpoint.split_once('@') {
        (!local.is_empty() && domain.contains('.') && !endpoint.contains(char::is_whitespace)).then_some("email")
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
