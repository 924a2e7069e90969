//! The requirements document: the organisation's decisions, as data, separate from the rules.
//!
//! Rules see it as `data.requirements` (every field present: defaults are filled in here, so a
//! rule never has to guess). `schemas/requirements.schema.json` is generated from these types.

mod checked;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::input::Step;

pub use checked::{EARLIEST_DATE, LATEST_DATE};

/// The organisation's root-user requirements.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Format version of this document; `1`.
    #[serde(default = "default_version")]
    pub version: u32,
    /// Which accounts are in scope.
    #[serde(default)]
    pub scope: Scope,
    /// Approved root-use exceptions (break-glass scenarios).
    #[serde(default)]
    pub root_use_exceptions: Vec<RootUseException>,
    /// Root access keys that may be retained, deactivated, until their decommission date.
    #[serde(default)]
    pub retained_root_keys: Vec<RetainedRootKey>,
    /// Whether root must use a hardware MFA device (CIS 1.6, Security Hub IAM.6).
    #[serde(default = "yes")]
    pub require_hardware_mfa: bool,
    /// How far back root use counts as "recent", in days (1 to 400).
    #[serde(default = "default_lookback")]
    #[schemars(range(min = 1, max = 400))]
    pub lookback_days: u32,
    /// Logging requirements.
    #[serde(default)]
    pub logging: Logging,
    /// Alerting requirements.
    #[serde(default)]
    pub alerting: Alerting,
    /// Findings the organisation has accepted for a time; a waiver past its expiry date stops
    /// suppressing and is reported.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// An accepted finding: suppresses the `fail` findings of one rule in one account (on the
/// resources its glob matches) until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The rule id, e.g. `RW-MON-007`: a rule loaded for the run (bundled or user).
    #[serde(deserialize_with = "checked::text")]
    pub rule_id: String,
    /// The account, or `*` for every account.
    #[serde(deserialize_with = "checked::text")]
    pub account_id: String,
    /// The finding's resource ARN; `*` matches any run of characters. Default: every resource.
    #[serde(default = "any_resource", deserialize_with = "checked::text")]
    pub resource: String,
    /// Why the finding is accepted (shown as the SARIF suppression's justification).
    #[serde(deserialize_with = "checked::text")]
    pub reason: String,
    /// Who accepted it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::opt_text"
    )]
    pub approver: Option<String>,
    /// Last day it suppresses (inclusive, UTC), judged against the snapshot's collection date.
    #[serde(deserialize_with = "checked::date")]
    pub expires: NaiveDate,
}

fn any_resource() -> String {
    "*".to_string()
}

impl Waiver {
    /// Whether the waiver covers a finding of `rule_id` on `resource` in `account_id`.
    pub fn covers(&self, rule_id: &str, account_id: &str, resource: &str) -> bool {
        self.rule_id == rule_id
            && (self.account_id == "*" || self.account_id == account_id)
            && crate::event_pattern::wildcard_match(&self.resource, resource)
    }
}

fn default_version() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_lookback() -> u32 {
    90
}

/// Which accounts are in scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Only these accounts (empty: every account in the snapshot).
    #[serde(default)]
    pub include_accounts: Vec<AccountId>,
    /// Never these accounts.
    #[serde(default)]
    pub exclude_accounts: Vec<AccountId>,
}

impl Scope {
    /// Why this scope selects none of `accounts` (the snapshot's account ids), for an error.
    pub fn mismatch(&self, accounts: &[&str]) -> String {
        if accounts.is_empty() {
            return "the snapshot has no accounts".to_string();
        }
        let list = |l: &[AccountId]| l.iter().map(AccountId::as_str).collect::<Vec<_>>().join(", ");
        format!(
            "the requirements' scope (include_accounts: [{}], exclude_accounts: [{}]) leaves none of the snapshot's accounts ({}); check the account ids",
            list(&self.include_accounts),
            list(&self.exclude_accounts),
            accounts.join(", ")
        )
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl JsonSchema for AccountId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AccountId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9]{12}$", "description": "A 12-digit AWS account id." })
    }
}

impl AccountId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if crate::snapshot::is_account_id(&s) {
            Ok(AccountId(s))
        } else {
            Err(format!("expected a 12-digit AWS account id, found {s:?}"))
        }
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

/// An approved root-use scenario.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RootUseException {
    /// The account the exception is for.
    pub account_id: AccountId,
    /// What the root user may be used for, e.g. "close account", "restore S3 bucket policy".
    #[serde(deserialize_with = "checked::text")]
    pub scenario: String,
    /// CloudTrail event names root may perform under this exception (e.g. `ConsoleLogin`).
    #[serde(default, deserialize_with = "checked::text_list")]
    pub allowed_event_names: Vec<String>,
    /// Who approved it.
    #[serde(deserialize_with = "checked::text")]
    pub approver: String,
    /// First day the exception is valid (inclusive); unbounded when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "checked::opt_date"
    )]
    pub starts: Option<NaiveDate>,
    /// Last day the exception is valid (inclusive, UTC).
    #[serde(deserialize_with = "checked::date")]
    pub expires: NaiveDate,
}

/// A root access key that may be kept, deactivated, until it is decommissioned.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetainedRootKey {
    /// The account holding the key.
    pub account_id: AccountId,
    /// Last four characters of the access key id.
    #[schemars(regex(pattern = r"^[A-Z0-9]{4}$"))]
    #[serde(deserialize_with = "checked::text")]
    pub key_last4: String,
    /// Credential-report slot (1 or 2), used when the collector could not read key ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2))]
    pub slot: Option<u8>,
    /// Why it is kept.
    #[serde(deserialize_with = "checked::text")]
    pub justification: String,
    /// Last day it may exist (inclusive, UTC).
    #[serde(deserialize_with = "checked::date")]
    pub decommission_date: NaiveDate,
}

/// Logging requirements.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    /// Minimum retention of the log group the trail delivers to, in days.
    #[serde(default = "default_retention")]
    pub min_retention_days: u32,
}

fn default_retention() -> u32 {
    365
}

impl Default for Logging {
    fn default() -> Self {
        Logging {
            min_retention_days: default_retention(),
        }
    }
}

/// Root events that must raise an alert.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    /// Root console sign-in (success or failure).
    ConsoleSignIn,
    /// Any API call made as root.
    ApiCall,
    /// Any use of a root access key.
    AccessKeyUse,
}

/// Alerting requirements.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alerting {
    /// Root events that must alert.
    #[serde(default = "all_alert_events")]
    pub required_events: Vec<AlertEvent>,
    /// Subscription endpoints that count as reaching a person (exact, or with `*` wildcards,
    /// e.g. `*@example.com`). Empty: any confirmed subscription counts.
    #[serde(default, deserialize_with = "checked::text_list")]
    pub accepted_endpoints: Vec<String>,
    /// Whether an EventBridge rule on root activity with an SNS target is an acceptable
    /// detection path instead of the CIS metric filter and alarm.
    #[serde(default)]
    pub allow_eventbridge: bool,
    /// The root alarm's action must have run successfully (a `rootwarden drill` or a real
    /// alert) within this many days (RW-MON-008). CloudWatch keeps alarm history 30 days.
    #[serde(default = "default_drill_every_days")]
    #[schemars(range(min = 1, max = 30))]
    pub drill_every_days: u32,
}

fn default_drill_every_days() -> u32 {
    30
}

fn all_alert_events() -> Vec<AlertEvent> {
    vec![AlertEvent::ConsoleSignIn, AlertEvent::ApiCall, AlertEvent::AccessKeyUse]
}

impl Default for Alerting {
    fn default() -> Self {
        Alerting {
            required_events: all_alert_events(),
            accepted_endpoints: Vec::new(),
            allow_eventbridge: false,
            drill_every_days: default_drill_every_days(),
        }
    }
}

impl Default for Requirements {
    /// The built-in, CIS-aligned requirements used when no file is given.
    fn default() -> Self {
        Requirements {
            version: 1,
            scope: Scope::default(),
            root_use_exceptions: Vec::new(),
            retained_root_keys: Vec::new(),
            require_hardware_mfa: true,
            lookback_days: default_lookback(),
            logging: Logging::default(),
            alerting: Alerting::default(),
            waivers: Vec::new(),
        }
    }
}

impl Requirements {
    /// Whether `account_id` is in scope.
    pub fn in_scope(&self, account_id: &str) -> bool {
        let listed = |l: &[AccountId]| l.iter().any(|a| a.as_str() == account_id);
        (self.scope.include_accounts.is_empty() || listed(&self.scope.include_accounts))
            && !listed(&self.scope.exclude_accounts)
    }

    /// Checks that cannot be expressed by the types alone. Errors are (path, message).
    pub fn validate(&self) -> Result<(), (Vec<Step>, String)> {
        let key = |k: &str| Step::Key(k.to_string());
        let at = |list: &str, i: usize, field: &str| {
            let mut p = vec![key(list), Step::Index(i)];
            if !field.is_empty() {
                p.push(key(field));
            }
            p
        };
        if self.version != 1 {
            return Err((vec![key("version")], format!("expected 1, found {}", self.version)));
        }
        if !(1..=400).contains(&self.lookback_days) {
            return Err((
                vec![key("lookback_days")],
                format!("expected 1 to 400, found {}", self.lookback_days),
            ));
        }
        if !(1..=30).contains(&self.alerting.drill_every_days) {
            return Err((
                vec![key("alerting"), key("drill_every_days")],
                format!(
                    "expected 1 to 30 (CloudWatch keeps alarm history 30 days), found {}",
                    self.alerting.drill_every_days
                ),
            ));
        }
        for (i, k) in self.retained_root_keys.iter().enumerate() {
            if k.key_last4.len() != 4
                || !k
                    .key_last4
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Err((
                    at("retained_root_keys", i, "key_last4"),
                    format!(
                        "expected the last 4 characters of an access key id (A-Z, 0-9), found {} characters",
                        k.key_last4.chars().count()
                    ),
                ));
            }
            if let Some(s) = k.slot {
                if !(1..=2).contains(&s) {
                    return Err((
                        at("retained_root_keys", i, "slot"),
                        format!("expected 1 or 2, found {s}"),
                    ));
                }
            }
            if k.justification.trim().is_empty() {
                return Err((
                    at("retained_root_keys", i, "justification"),
                    "a retained key needs a justification".into(),
                ));
            }
        }
        for (i, e) in self.root_use_exceptions.iter().enumerate() {
            if let Some(s) = e.starts {
                if s > e.expires {
                    return Err((
                        at("root_use_exceptions", i, "starts"),
                        format!("`starts` ({s}) is after `expires` ({})", e.expires),
                    ));
                }
            }
            for (field, value) in [("scenario", &e.scenario), ("approver", &e.approver)] {
                if value.trim().is_empty() {
                    return Err((
                        at("root_use_exceptions", i, field),
                        format!("an exception needs its {field}"),
                    ));
                }
            }
        }
        for (i, w) in self.waivers.iter().enumerate() {
            if w.rule_id.trim().is_empty() {
                return Err((at("waivers", i, "rule_id"), "must name a rule".into()));
            }
            let id_ok =
                w.account_id == "*" || (w.account_id.len() == 12 && w.account_id.bytes().all(|b| b.is_ascii_digit()));
            if !id_ok {
                return Err((
                    at("waivers", i, "account_id"),
                    format!("expected a 12-digit account id or `*`, found {:?}", w.account_id),
                ));
            }
            if w.reason.trim().is_empty() {
                return Err((at("waivers", i, "reason"), "a waiver needs a reason".into()));
            }
        }
        Ok(())
    }

    /// Checks that every waiver names one of `rule_ids` (the rules loaded for the run): a waiver
    /// for an unknown id, a typo above all, would silently waive nothing.
    pub fn check_waiver_rules<'a>(
        &self,
        rule_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), (Vec<Step>, String)> {
        let known: std::collections::BTreeSet<&str> = rule_ids.into_iter().collect();
        for (i, w) in self.waivers.iter().enumerate() {
            if !known.contains(w.rule_id.as_str()) {
                let list: Vec<&str> = known.iter().copied().collect();
                return Err((
                    vec![Step::Key("waivers".into()), Step::Index(i), Step::Key("rule_id".into())],
                    format!(
                        "no rule loaded for this run has id {:?} (loaded: {})",
                        w.rule_id,
                        list.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}
