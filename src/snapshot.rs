//! The snapshot: plain facts collected from AWS, no verdicts.
//!
//! This is the one contract shared by `collect` (which writes it) and `policy` (which reads it).
//! `schemas/snapshot.schema.json` is generated from these types (`rootwarden schema snapshot`)
//! and a test keeps the checked-in file identical to the generated one.
//!
//! Conventions that rules rely on:
//! - A section that could not be collected is `null` (and the failed calls are listed in
//!   `collection_errors`); an empty list means "collected, and there is none". Rules must never
//!   read `null` as "none": the engine reports `insufficient_data` for rules whose `requires`
//!   names a `null` section.
//! - Credential-report cells keep AWS's own markers (`N/A`, `no_information`, `not_supported`)
//!   instead of squashing them to `false`.

mod values;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use values::{check_time, KeyId, Last4, Retention};

/// The snapshot format version this build reads and writes. 2.0 made every fact explicit: a
/// region list, a log retention that never expires, an unlisted key id and an empty error list
/// are values, so no deleted or `null` field reads as one of them.
pub const SCHEMA_VERSION: &str = "2.0";

/// Whether `s` is a 12-digit AWS account id: the one check every input and flag uses.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// One collection run over one or more accounts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Format version; this build accepts exactly [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// When collection finished. Evaluation measures every age against this, never the clock.
    #[serde(deserialize_with = "values::time")]
    pub collected_at: DateTime<Utc>,
    /// What produced the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<CollectorInfo>,
    /// The AWS Organization the accounts belong to, when there is one and it was readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// The accounts in this snapshot.
    pub accounts: Vec<Account>,
    /// Every API call that failed during collection. Never silently dropped; `[]` when none did.
    pub collection_errors: Vec<CollectionError>,
}

/// The tool and principal that collected a snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CollectorInfo {
    /// Tool name, e.g. `rootwarden`.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// ARN of the principal that ran the collection, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
}

/// Organization-level facts, read from the management account (or a delegated administrator).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Organization id, `o-…`.
    pub id: String,
    /// Account id of the management account.
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_set: Option<String>,
    /// Centralized root access (`iam:ListOrganizationsFeatures`); `null` when it could not be read.
    pub root_access: Option<OrgRootAccess>,
}

/// Centralized root access features of an organization.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrgRootAccess {
    /// `RootCredentialsManagement` is enabled: member accounts can have their root credentials removed.
    pub root_credentials_management: bool,
    /// `RootSessions` is enabled: privileged tasks run through short `sts:AssumeRoot` sessions.
    pub root_sessions: bool,
}

/// Where an account sits in its organization.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Not part of an organization.
    Standalone,
    /// The organization's management account.
    Management,
    /// A member account of an organization.
    Member,
}

/// Everything collected for one AWS account.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit account id.
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    pub account_id: String,
    /// Account name or alias, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// AWS partition (`aws`, `aws-us-gov`, `aws-cn`).
    #[serde(default = "default_partition")]
    pub partition: String,
    /// Standalone, management or member account.
    pub role: AccountRole,
    /// IAM facts about the root user.
    pub iam: Iam,
    /// Regions that were meant to be collected for this account (its enabled regions, or those
    /// chosen with `--regions`). One missing from `regions` was not collected: every regional
    /// fact of the account is then insufficient data.
    pub expected_regions: Vec<String>,
    /// Per-region facts, keyed by region name; every key is one of `expected_regions`.
    pub regions: BTreeMap<String, Region>,
    /// Root activity read from CloudTrail by `rootwarden activity`; absent when activity was
    /// not reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
}

impl Account {
    /// The other accounts that own a trail seen in this account (an organization trail from the
    /// management account): the member's root activity is delivered to the owner's log group,
    /// metric filters, alarms and topics, so judging the member's chain needs the owner's facts.
    pub fn chain_owners(&self) -> Vec<&str> {
        let mut owners: Vec<&str> = Vec::new();
        for region in self.regions.values() {
            for trail in region.cloudtrail.iter().flat_map(|c| c.trails.iter()) {
                if let Some(owner) = crate::arn::Arn::parse(&trail.trail_arn).map(|a| a.account) {
                    if owner != self.account_id && !owners.contains(&owner) {
                        owners.push(owner);
                    }
                }
            }
        }
        owners
    }
}

fn default_partition() -> String {
    "aws".to_string()
}

/// IAM facts about the root user of an account.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Iam {
    /// The IAM credential report; `null` when it could not be generated or read.
    pub credential_report: Option<CredentialReport>,
    /// `iam:GetAccountSummary` flags; `null` when not readable.
    pub account_summary: Option<AccountSummary>,
    /// MFA devices of the root user; `null` when not readable.
    pub root_mfa_devices: Option<Vec<MfaDevice>>,
    /// Whether root has a console password, when known (from an `sts:AssumeRoot` session under
    /// centralized root access); `null` when unknown. The credential report cannot tell: it says
    /// `not_supported` for root's password.
    #[serde(default)]
    pub root_login_profile: Option<LoginProfileState>,
    /// Root's credentials read first hand in an `sts:AssumeRoot` session from the management
    /// account or the delegated administrator (`--audit-root`, task policy
    /// IAMAuditRootUserCredentials); absent when the account was not audited or the session was
    /// refused (the refusal is in `collection_errors`). Where present, the root rules judge these
    /// facts instead of the credential report's. `GetLoginProfile`'s answer is
    /// `root_login_profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_audit: Option<RootAudit>,
}

/// What an `sts:AssumeRoot` session read about the member account's root user. Each list is
/// `null` when its call failed (listed in `collection_errors`): the rules then fall back to the
/// credential report for that fact.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootAudit {
    /// When the session read the facts.
    #[serde(deserialize_with = "values::time")]
    pub audited_at: DateTime<Utc>,
    /// `iam:ListAccessKeys`: root's access keys, oldest first.
    pub access_keys: Option<Vec<RootAccessKey>>,
    /// `iam:ListSigningCertificates`: root's signing certificates, oldest first.
    pub signing_certificates: Option<Vec<RootSigningCertificate>>,
    /// `iam:ListMFADevices`: every MFA device of root (virtual, hardware TOTP, FIDO security key).
    pub mfa_devices: Option<Vec<MfaDevice>>,
}

/// `Active` or `Inactive`, as IAM writes a credential's status.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Usable.
    Active,
    /// Deactivated: unusable until someone reactivates it.
    Inactive,
}

/// One root access key as `iam:ListAccessKeys` shows it in a root session.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootAccessKey {
    /// Last four characters of the key id. Never more.
    pub key_id_last4: Last4,
    /// `Status`.
    pub status: CredentialStatus,
    /// `CreateDate`, when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "values::opt_time"
    )]
    pub create_date: Option<DateTime<Utc>>,
}

/// One root signing certificate as `iam:ListSigningCertificates` shows it in a root session.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootSigningCertificate {
    /// Last four characters of the certificate id. Never more.
    #[serde(deserialize_with = "values::tail4")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9]{4}$"))]
    pub certificate_id_last4: String,
    /// `Status`.
    pub status: CredentialStatus,
    /// `UploadDate`, when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "values::opt_time"
    )]
    pub upload_date: Option<DateTime<Utc>>,
}

/// Whether the root user has a console password.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LoginProfileState {
    /// Root has a password.
    Present,
    /// Root has no password (removed through centralized root access).
    Absent,
}

/// A credential report and its `<root_account>` row.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CredentialReport {
    /// When AWS generated the report (it serves the same report for up to 4 hours).
    #[serde(deserialize_with = "values::time")]
    pub generated_at: DateTime<Utc>,
    /// The `<root_account>` row; `null` when the report had none.
    pub root: Option<RootCredentials>,
}

/// A credential-report cell: a value, or one of AWS's markers.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Reported<T> {
    /// AWS wrote a marker instead of a value.
    Marker(ReportMarker),
    /// AWS wrote a value.
    Value(T),
}

impl<'de, T: serde::de::DeserializeOwned + values::Checked> Deserialize<'de> for Reported<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        if let Ok(m) = ReportMarker::deserialize(&v) {
            return Ok(Reported::Marker(m));
        }
        let t = T::deserialize(v).map_err(|e| {
            D::Error::custom(format!(
                "{e}, or one of AWS's markers N/A, no_information, not_supported"
            ))
        })?;
        t.check().map_err(D::Error::custom)?;
        Ok(Reported::Value(t))
    }
}

/// The markers AWS writes in credential-report cells.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum ReportMarker {
    /// Does not apply (e.g. a key that does not exist, never used).
    #[serde(rename = "N/A")]
    NotApplicable,
    /// Not used since IAM started tracking last use (October 2014).
    #[serde(rename = "no_information")]
    NoInformation,
    /// Not supported for this user (root's password fields).
    #[serde(rename = "not_supported")]
    NotSupported,
}

/// The credential report's `<root_account>` row, cell for cell.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootCredentials {
    /// `arn`, e.g. `arn:aws:iam::111122223333:root`.
    pub arn: String,
    /// `user_creation_time`.
    pub user_creation_time: Reported<DateTime<Utc>>,
    /// `password_enabled` (AWS writes `not_supported` for root).
    pub password_enabled: Reported<bool>,
    /// `password_last_used`.
    pub password_last_used: Reported<DateTime<Utc>>,
    /// `password_last_changed`.
    pub password_last_changed: Reported<DateTime<Utc>>,
    /// `mfa_active`.
    pub mfa_active: bool,
    /// `access_key_1_*` cells.
    pub access_key_1: AccessKeyCells,
    /// `access_key_2_*` cells.
    pub access_key_2: AccessKeyCells,
    /// `cert_1_*` cells.
    pub cert_1: CertCells,
    /// `cert_2_*` cells.
    pub cert_2: CertCells,
}

/// The credential-report cells of one root access key slot.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyCells {
    /// `access_key_N_active`.
    pub active: bool,
    /// `access_key_N_last_rotated`; `N/A` when the slot holds no key.
    pub last_rotated: Reported<DateTime<Utc>>,
    /// `access_key_N_last_used_date`; `N/A` when never used.
    pub last_used_date: Reported<DateTime<Utc>>,
    /// `access_key_N_last_used_region`.
    pub last_used_region: Reported<String>,
    /// `access_key_N_last_used_service`.
    pub last_used_service: Reported<String>,
    /// Last four characters of the key id when a collector could list root's keys (never more),
    /// else `not_listed`.
    pub key_id_last4: KeyId,
}

/// The credential-report cells of one root signing certificate slot.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CertCells {
    /// `cert_N_active`.
    pub active: bool,
    /// `cert_N_last_rotated`; `N/A` when the slot holds no certificate.
    pub last_rotated: Reported<DateTime<Utc>>,
}

/// `iam:GetAccountSummary` flags about the root user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountSummary {
    /// `AccountMFAEnabled`.
    pub account_mfa_enabled: bool,
    /// `AccountAccessKeysPresent`.
    pub account_access_keys_present: bool,
    /// `AccountSigningCertificatesPresent`.
    pub account_signing_certificates_present: bool,
}

/// Kind of an MFA device.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MfaKind {
    /// An authenticator app (virtual MFA device).
    Virtual,
    /// A hardware TOTP token or a FIDO security key.
    Hardware,
    /// A device whose serial number says neither (rules must not count it as hardware).
    Unknown,
}

/// An MFA device assigned to the root user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MfaDevice {
    /// Serial number or ARN of the device.
    pub serial_number: String,
    /// Virtual or hardware.
    pub kind: MfaKind,
    /// When it was enabled, when known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "values::opt_time"
    )]
    pub enable_date: Option<DateTime<Utc>>,
}

/// Facts of one region of one account. Each service section is `null` when it could not be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// CloudTrail trails visible in this region.
    pub cloudtrail: Option<CloudTrail>,
    /// CloudWatch Logs log groups and metric filters.
    pub logs: Option<Logs>,
    /// CloudWatch metric alarms.
    pub cloudwatch: Option<CloudWatch>,
    /// SNS topics with their subscriptions.
    pub sns: Option<Sns>,
    /// EventBridge rules with their targets.
    pub events: Option<Events>,
}

/// CloudTrail facts of a region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CloudTrail {
    /// Trails returned by `DescribeTrails` (shadow and organization trails included).
    pub trails: Vec<Trail>,
}

/// One CloudTrail trail as seen from a region of an account.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// Trail name.
    pub name: String,
    /// Trail ARN; its account is the owner (the management account for organization trails).
    pub trail_arn: String,
    /// Region the trail was created in.
    pub home_region: String,
    /// `IsMultiRegionTrail`.
    pub is_multi_region_trail: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// S3 bucket the trail delivers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    /// `CloudWatchLogsLogGroupArn`; `null` when the trail does not deliver to CloudWatch Logs.
    #[serde(default)]
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `LogFileValidationEnabled`.
    #[serde(default)]
    pub log_file_validation_enabled: bool,
    /// `KmsKeyId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `GetTrailStatus`; `null` when it could not be read.
    pub status: Option<TrailStatus>,
    /// Classic `EventSelectors`; `null` when the trail uses advanced selectors or they could not be read.
    pub event_selectors: Option<Vec<EventSelector>>,
    /// `AdvancedEventSelectors`; `null` when the trail uses classic selectors or they could not be read.
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
}

/// `GetTrailStatus` facts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
    /// `LatestDeliveryError` (S3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "values::opt_time"
    )]
    pub latest_cloud_watch_logs_delivery_time: Option<DateTime<Utc>>,
}

/// `ReadWriteType` of a classic event selector.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum ReadWriteType {
    /// Read and write events.
    All,
    /// Read events only.
    ReadOnly,
    /// Write events only.
    WriteOnly,
}

/// A classic CloudTrail event selector.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    /// `ReadWriteType`.
    pub read_write_type: ReadWriteType,
    /// `IncludeManagementEvents`.
    pub include_management_events: bool,
    /// `ExcludeManagementEventSources`, e.g. `kms.amazonaws.com`.
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    /// `DataResources`.
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

/// A classic selector's data resource.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// `Type`, e.g. `AWS::S3::Object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `Values`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// A CloudTrail advanced event selector.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AdvancedEventSelector {
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `FieldSelectors`; all must match (AND).
    pub field_selectors: Vec<FieldSelector>,
}

/// One condition of an advanced event selector.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    /// `Field`, e.g. `eventCategory`, `readOnly`, `eventSource`.
    pub field: String,
    /// `Equals`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Vec<String>>,
    /// `StartsWith`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<Vec<String>>,
    /// `EndsWith`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_with: Option<Vec<String>>,
    /// `NotEquals`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Vec<String>>,
    /// `NotStartsWith`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_starts_with: Option<Vec<String>>,
    /// `NotEndsWith`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_ends_with: Option<Vec<String>>,
}

/// CloudWatch Logs facts of a region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Logs {
    /// Log groups that trails deliver to (or all, depending on the collector).
    pub log_groups: Vec<LogGroup>,
    /// Metric filters on those log groups.
    pub metric_filters: Vec<MetricFilter>,
}

/// A CloudWatch Logs log group.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    /// `logGroupName`.
    pub log_group_name: String,
    /// `arn` (AWS appends `:*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `retentionInDays`, or `never_expires` when AWS reports none (events are kept forever).
    pub retention_in_days: Retention,
}

/// A CloudWatch Logs metric filter.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    /// `filterName`.
    pub filter_name: String,
    /// `logGroupName`.
    pub log_group_name: String,
    /// `filterPattern`, exactly as stored.
    pub filter_pattern: String,
    /// `metricTransformations`.
    pub metric_transformations: Vec<MetricTransformation>,
    /// What CloudWatch Logs itself answered when the canonical CloudTrail events were run through
    /// `filter_pattern` with `logs:TestMetricFilter` (`--verify-filters`). Always present, never
    /// `null`: "not asked" is its own value, so a missing answer can never read as AWS agreeing.
    pub aws_test: FilterTest,
}

/// AWS's own answer for a metric filter's pattern (`logs:TestMetricFilter` with the canonical
/// CloudTrail events, each sent as the JSON message CloudTrail delivers to CloudWatch Logs).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum FilterTest {
    /// AWS was not asked (collected without `--verify-filters`): the rules judge the pattern with
    /// rootwarden's own filter engine alone.
    NotRun {},
    /// AWS answered.
    Tested {
        /// Canonical event id (`fixtures/cloudtrail/ID.json`) -> whether AWS counted it. An event
        /// the rules know but that is not listed here was not asked about.
        events: BTreeMap<String, bool>,
    },
    /// The call failed; the error is also in `collection_errors`.
    Failed {
        /// AWS error code, e.g. `ThrottlingException`, `AccessDeniedException`.
        error_code: String,
        /// Error message.
        message: String,
    },
}

/// Where a metric filter publishes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricTransformation {
    /// `metricName`.
    pub metric_name: String,
    /// `metricNamespace`.
    pub metric_namespace: String,
    /// `metricValue`, e.g. `1`, or a field of the log event such as `$.bytes`.
    pub metric_value: String,
    /// `defaultValue`: the value published for a minute with log events but no match, or
    /// `"not_set"`; `null` when not collected.
    #[serde(default)]
    pub default_value: Option<Setting<f64>>,
    /// `unit`: AWS's `None` when the filter names no unit; `null` when not collected.
    #[serde(default)]
    pub unit: Option<String>,
    /// `dimensions`: dimension name → field of the log event (`$.field`); `{}` when there are
    /// none; `null` when not collected.
    #[serde(default)]
    pub dimensions: Option<BTreeMap<String, String>>,
}

/// An optional AWS setting, collected: its value, or the explicit marker that it is not set.
/// A `null` in its place means the fact was not collected, which a rule must never read as
/// "not set".
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Setting<T> {
    /// The setting is absent in AWS's answer.
    NotSet(NotSet),
    /// The value AWS returned.
    Value(T),
}

/// The `"not_set"` marker of a [`Setting`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum NotSet {
    /// Not set.
    #[serde(rename = "not_set")]
    NotSet,
}

impl<T> Setting<T> {
    /// `Value(v)` for `Some(v)`, `NotSet` for `None`.
    pub fn from_option(v: Option<T>) -> Self {
        match v {
            Some(v) => Setting::Value(v),
            None => Setting::NotSet(NotSet::NotSet),
        }
    }
}

/// CloudWatch facts of a region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CloudWatch {
    /// Metric alarms on the metrics of the trail log groups' filters, directly or in a metric
    /// math query (`DescribeAlarms`, kept when they name one of those metrics).
    pub alarms: Vec<Alarm>,
}

/// A metric dimension.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// `Name`.
    pub name: String,
    /// `Value`.
    pub value: String,
}

/// One query of a metric math alarm (`Metrics`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricQuery {
    /// `Id`.
    pub id: String,
    /// `Expression`, for a math expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// `ReturnData`: the query whose result the alarm compares (AWS's default is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
    /// `MetricStat`, for a query that retrieves a metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
}

/// `MetricStat` of a metric math query.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricStat {
    /// `Metric.Namespace`.
    pub namespace: String,
    /// `Metric.MetricName`.
    pub metric_name: String,
    /// `Metric.Dimensions`.
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// `Period` in seconds.
    pub period: u32,
    /// `Stat`, a statistic or an extended statistic (`Sum`, `p99`, `TM(10%:90%)`, …).
    pub stat: String,
    /// `Unit`.
    pub unit: Setting<String>,
}

/// A CloudWatch metric alarm.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// `AlarmName`.
    pub alarm_name: String,
    /// `AlarmArn`.
    pub alarm_arn: String,
    /// `MetricName`; `null` for metric-math alarms.
    pub metric_name: Option<String>,
    /// `Namespace`; `null` for metric-math alarms.
    pub namespace: Option<String>,
    /// `Statistic`, e.g. `Sum`; `null` for extended-statistic and metric-math alarms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// `ExtendedStatistic`, e.g. `p99`, `tm90`, `TM(10%:90%)`, `IQM`, `PR(:300)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// `Dimensions`; `[]` when there are none; `null` when not collected.
    #[serde(default)]
    pub dimensions: Option<Vec<Dimension>>,
    /// `Unit`, or `"not_set"` (the alarm then sees datapoints of every unit); `null` when not
    /// collected.
    #[serde(default)]
    pub unit: Option<Setting<String>>,
    /// `Period` in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// `EvaluationPeriods`.
    pub evaluation_periods: u32,
    /// `DatapointsToAlarm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<u32>,
    /// `Threshold`.
    pub threshold: Option<f64>,
    /// `ComparisonOperator`, e.g. `GreaterThanOrEqualToThreshold`.
    pub comparison_operator: String,
    /// `TreatMissingData` (`missing`, AWS's default, when the alarm names none); `null` when not
    /// collected.
    #[serde(default)]
    pub treat_missing_data: Option<String>,
    /// `EvaluateLowSampleCountPercentile` (`evaluate`, AWS's default, when the alarm names none);
    /// `null` when not collected.
    #[serde(default)]
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// `Metrics`, the queries of a metric math alarm; `[]` for an alarm on one metric; `null`
    /// when not collected.
    #[serde(default)]
    pub metrics: Option<Vec<MetricQuery>>,
    /// `ThresholdMetricId`, for an alarm on an anomaly-detection band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_metric_id: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions` (ARNs).
    pub alarm_actions: Vec<String>,
    /// `StateValue`: `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_value: Option<String>,
    /// The outcome of the alarm's actions over the history CloudWatch keeps (30 days), read for
    /// root-activity alarms only (`DescribeAlarmHistory`, `Action` items); absent (`null`) when
    /// not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_history: Option<AlarmActionHistory>,
}

/// What an alarm's `Action` history items say: the newest success and the newest failure since
/// `since`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmActionHistory {
    /// Start of the history read.
    #[serde(deserialize_with = "values::time")]
    pub since: DateTime<Utc>,
    /// The newest action CloudWatch executed successfully (a drill's or a real alert's); `null`
    /// when none since `since`.
    pub last_success: Option<AlarmActionItem>,
    /// The newest action that failed; `null` when none since `since`.
    pub last_failure: Option<AlarmActionItem>,
    /// Each change of the alarm to `ALARM` since `since`, oldest first, with the outcome of the
    /// actions CloudWatch ran for it (its `StateUpdate` and `Action` items, read in the same
    /// call); absent (`null`) when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<AlarmNotification>>,
}

/// A change of an alarm to `ALARM` and what CloudWatch did about it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmNotification {
    /// When the alarm went to `ALARM` (its `StateUpdate` item).
    #[serde(deserialize_with = "values::time")]
    pub alarm_at: DateTime<Utc>,
    /// The actions CloudWatch ran for this change (`Action` items before the alarm's next state
    /// change), oldest first; `[]` when it ran none.
    pub actions: Vec<AlarmActionRun>,
}

/// One action CloudWatch ran for an alarm's change of state.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmActionRun {
    /// When CloudWatch ran it.
    #[serde(deserialize_with = "values::time")]
    pub timestamp: DateTime<Utc>,
    /// The action (an SNS topic ARN...).
    pub resource: String,
    /// Whether CloudWatch executed it successfully.
    pub succeeded: bool,
}

/// One `Action` history item of an alarm.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmActionItem {
    /// When CloudWatch ran the action.
    #[serde(deserialize_with = "values::time")]
    pub timestamp: DateTime<Utc>,
    /// The action (an SNS topic ARN...).
    pub resource: String,
    /// CloudWatch's summary, e.g. `Successfully executed action arn:aws:sns:...`.
    pub summary: String,
}

/// SNS facts of a region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sns {
    /// Topics (at least those alarm and EventBridge actions point to).
    pub topics: Vec<Topic>,
    /// ARNs of topics that alarm actions or EventBridge targets name and that do not exist
    /// (AWS answered `NotFound`). A referenced topic in neither list was not collected.
    #[serde(default)]
    pub absent_topics: Vec<String>,
}

/// An SNS topic.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// `TopicArn`.
    pub topic_arn: String,
    /// Subscriptions (`ListSubscriptionsByTopic`); `null` when they could not be read.
    pub subscriptions: Option<Vec<Subscription>>,
    /// `GetTopicAttributes`; `null` when not read.
    #[serde(default)]
    pub attributes: Option<TopicAttributes>,
}

/// The attributes of an SNS topic that decide who may publish to it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TopicAttributes {
    /// `Policy`, the topic's access policy (JSON text); `null` when AWS returned none.
    #[serde(default)]
    pub policy: Option<String>,
    /// `KmsMasterKeyId` (server-side encryption), or `"not_set"`; `null` when not collected.
    #[serde(default)]
    pub kms_master_key_id: Option<Setting<String>>,
}

/// An SNS subscription.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// `SubscriptionArn`, or `PendingConfirmation` as AWS writes it for unconfirmed ones.
    pub subscription_arn: String,
    /// `Protocol`: `email`, `https`, `sqs`, `lambda`, …
    pub protocol: String,
    /// `Endpoint`.
    pub endpoint: String,
    /// Not yet confirmed: nothing is delivered to it.
    pub pending_confirmation: bool,
}

/// EventBridge facts of a region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// Rules on the default event bus.
    pub rules: Vec<EventRule>,
}

/// An EventBridge rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    /// `Name`.
    pub name: String,
    /// `Arn`.
    pub arn: String,
    /// `EventBusName`.
    pub event_bus_name: String,
    /// `State`: `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
    pub state: String,
    /// `EventPattern`, the JSON text exactly as stored; `null` for scheduled rules.
    pub event_pattern: Option<String>,
    /// Targets (`ListTargetsByRule`); `null` when they could not be read.
    pub targets: Option<Vec<EventTarget>>,
}

/// An EventBridge rule target.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventTarget {
    /// `Id`.
    pub id: String,
    /// `Arn` of the target (an SNS topic ARN for notifications).
    pub arn: String,
    /// `RoleArn`, the role EventBridge uses to reach the target, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// One API call that failed during collection.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CollectionError {
    /// Account the call was for; `null` for organization-level calls.
    pub account_id: Option<String>,
    /// Region of the call; `null` for global services.
    pub region: Option<String>,
    /// Service, e.g. `iam`, `cloudtrail`, `logs`, `cloudwatch`, `sns`, `events`, `organizations`, `sts`.
    pub service: String,
    /// Operation, e.g. `GetCredentialReport`.
    pub operation: String,
    /// AWS error code, e.g. `AccessDenied`, `ThrottlingException`.
    pub error_code: String,
    /// Error message (never contains credentials).
    pub message: String,
}

/// Root activity of one account over a window, as read from CloudTrail. Facts only: whether an
/// event was approved is decided against the requirements by the rules and the activity review.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// Start of the window (inclusive).
    #[serde(deserialize_with = "values::time")]
    pub window_start: DateTime<Utc>,
    /// End of the window (exclusive).
    #[serde(deserialize_with = "values::time")]
    pub window_end: DateTime<Utc>,
    /// Where the events came from: `lookup_events` (CloudTrail event history, per region) and/or
    /// `logs` (CloudTrail log files).
    pub sources: Vec<String>,
    /// Regions whose event history was read (`lookup_events`; `[]` for log files only).
    pub regions: Vec<String>,
    /// What could not be read (a region's event history, a log file); `[]` when everything was.
    /// Any entry makes the activity incomplete: a rule must not read "no events" as "no root
    /// use" then.
    pub errors: Vec<ActivityError>,
    /// Root events in the window, oldest first, AWS-service events excluded.
    pub events: Vec<RootEvent>,
    /// Events AWS services recorded on root's behalf (`invokedBy` set or `AwsServiceEvent`):
    /// not root activity, counted by service.
    #[serde(default)]
    pub service_events: BTreeMap<String, u64>,
    /// State changes to `ALARM` of the account's root-activity alarms in the window
    /// (`DescribeAlarmHistory`); `null` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_transitions: Option<Vec<AlarmTransition>>,
}

/// Something the activity review could not read.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActivityError {
    /// `lookup_events`, `alarm_history` or `logs`.
    pub source: String,
    /// The region, for API sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// AWS error code or a short reason.
    pub error_code: String,
    /// What went wrong.
    pub message: String,
}

/// How root acted in one event.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RootEventKind {
    /// A console sign-in (`AwsConsoleSignIn`), successful or not.
    ConsoleSignIn,
    /// An action in a console session.
    ConsoleAction,
    /// An API call signed with a root access key.
    Programmatic,
    /// An action in a privileged session opened with `sts:AssumeRoot`.
    AssumeRootSession,
}

impl RootEventKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RootEventKind::ConsoleSignIn => "console_sign_in",
            RootEventKind::ConsoleAction => "console_action",
            RootEventKind::Programmatic => "programmatic",
            RootEventKind::AssumeRootSession => "assume_root_session",
        }
    }

    /// How the kind reads for people (reports, narratives).
    pub fn label(self) -> &'static str {
        match self {
            RootEventKind::ConsoleSignIn => "console sign-in",
            RootEventKind::ConsoleAction => "console action",
            RootEventKind::Programmatic => "API call",
            RootEventKind::AssumeRootSession => "AssumeRoot session action",
        }
    }
}

/// One root event, classified.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootEvent {
    /// `eventID`.
    pub event_id: String,
    /// `eventTime`.
    #[serde(deserialize_with = "values::time")]
    pub event_time: DateTime<Utc>,
    /// `awsRegion`.
    pub region: String,
    /// How root acted.
    pub kind: RootEventKind,
    /// `eventSource`, e.g. `iam.amazonaws.com`.
    pub event_source: String,
    /// `eventName`, e.g. `ConsoleLogin`.
    pub event_name: String,
    /// `sourceIPAddress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// `userAgent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// `errorCode`, when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Console sign-ins: `Success` or `Failure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_result: Option<String>,
    /// Whether MFA was used (sign-ins: `MFAUsed`; sessions: `mfaAuthenticated`), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_used: Option<bool>,
    /// Last 4 characters of the access key id, for programmatic calls. Never more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_last4: Option<Last4>,
}

/// One change of an alarm to the `ALARM` state.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmTransition {
    /// The alarm.
    pub alarm_name: String,
    /// Region of the alarm.
    pub region: String,
    /// When the alarm went to `ALARM`.
    #[serde(deserialize_with = "values::time")]
    pub timestamp: DateTime<Utc>,
}

impl Snapshot {
    /// The snapshot as the JSON document `collect` writes (pretty, ending in a newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }

    /// The collection errors that concern `account_id`, plus organization-level ones.
    pub fn errors_for<'a>(&'a self, account_id: &'a str) -> impl Iterator<Item = &'a CollectionError> + 'a {
        self.collection_errors
            .iter()
            .filter(move |e| e.account_id.as_deref().is_none_or(|a| a == account_id))
    }
}
