//! The outcome table: one status per rule × account, and the findings behind it. Every report
//! format derives from this; none computes verdicts of its own.

use serde::Serialize;

use super::metadata::{RuleMetadata, Severity};

/// The verdict of one rule for one account.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The control holds.
    Pass,
    /// The control does not hold (the rule produced `deny` entries).
    Fail,
    /// The control does not apply to this account.
    NotApplicable,
    /// The facts the rule needs were not collected; never read as a pass.
    InsufficientData,
    /// The control does not hold, but every finding is accepted by an unexpired waiver.
    Waived,
}

impl Status {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not_applicable",
            Status::InsufficientData => "insufficient_data",
            Status::Waived => "waived",
        }
    }
}

/// Where a rule came from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleOrigin {
    /// Compiled into the binary.
    Bundled,
    /// Loaded from a `--rules` directory.
    User,
}

/// A loaded rule: its package, file and metadata.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    /// Rego package, e.g. `rootwarden.rules.root_access_keys`.
    pub package: String,
    /// Source file (`rules/root_access_keys.rego` for bundled rules).
    pub file: String,
    /// 1-based line of the `package` statement.
    pub line: usize,
    /// Bundled or user rule.
    pub origin: RuleOrigin,
    /// The METADATA annotations.
    pub metadata: RuleMetadata,
}

impl RuleInfo {
    /// The stable rule id.
    pub fn id(&self) -> &str {
        &self.metadata.custom.id
    }
    /// The severity of a failure.
    pub fn severity(&self) -> Severity {
        self.metadata.custom.severity
    }
}

/// One row of results: a failing `deny` entry, or the single verdict of a rule for an account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// Rule severity.
    pub severity: Severity,
    /// Account.
    pub account_id: String,
    /// Region, for regional findings.
    pub region: Option<String>,
    /// ARN of the resource (`arn:aws:iam::ACCOUNT:root` for account-level controls).
    pub resource: String,
    /// Distinguishes several findings of one rule on one resource (e.g. `access_key_1`), so
    /// each keeps its own fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The verdict.
    pub status: Status,
    /// Human-readable explanation.
    pub message: String,
    /// The facts that made the verdict.
    pub evidence: serde_json::Value,
    /// The waiver that accepts this `fail` finding, if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

/// Why a finding is suppressed: the requirements' waiver that covers it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suppression {
    /// The waiver's reason.
    pub reason: String,
    /// Who accepted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// Last day it suppresses.
    pub expires: String,
}

/// A waiver of the requirements that has expired: it no longer suppresses anything.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExpiredWaiver {
    /// Its position in the requirements' `waivers`.
    pub index: usize,
    /// The rule it waived.
    pub rule_id: String,
    /// The account (or `*`).
    pub account_id: String,
    /// The resource glob.
    pub resource: String,
    /// Its reason.
    pub reason: String,
    /// When it expired.
    pub expires: String,
    /// How many findings it would still cover: these are reported as `fail` again.
    pub findings_no_longer_suppressed: usize,
}

/// The verdict of one rule for one account, with the findings behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Index into [`Evaluation::rules`].
    #[serde(skip)]
    pub rule: usize,
    /// Rule id.
    pub rule_id: String,
    /// Account.
    pub account_id: String,
    /// The verdict.
    pub status: Status,
    /// One finding per `deny` entry for `fail`; exactly one otherwise.
    pub findings: Vec<Finding>,
}

/// The result of evaluating a snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Every rule that was evaluated, in id order.
    pub rules: Vec<RuleInfo>,
    /// When the snapshot was collected (the evaluation's "now").
    pub collected_at: String,
    /// Accounts evaluated (in scope), in snapshot order.
    pub accounts: Vec<String>,
    /// Accounts in the snapshot but out of scope of the requirements.
    pub skipped_accounts: Vec<String>,
    /// One outcome per account × rule, account-major.
    pub outcomes: Vec<Outcome>,
    /// Number of collection errors in the snapshot.
    pub collection_errors: usize,
    /// Waivers of the requirements past their expiry date.
    pub expired_waivers: Vec<ExpiredWaiver>,
}

/// Counts per status.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Outcomes that passed.
    pub pass: usize,
    /// Outcomes that failed.
    pub fail: usize,
    /// Outcomes not applicable.
    pub not_applicable: usize,
    /// Outcomes with insufficient data.
    pub insufficient_data: usize,
    /// Failing outcomes whose every finding is waived.
    pub waived: usize,
}

impl Counts {
    /// Adds one outcome of `status`.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::InsufficientData => self.insufficient_data += 1,
            Status::Waived => self.waived += 1,
        }
    }
}

impl Evaluation {
    /// Every finding, account-major then rule order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.outcomes.iter().flat_map(|o| o.findings.iter())
    }

    /// The rule an outcome belongs to.
    pub fn rule_of(&self, o: &Outcome) -> &RuleInfo {
        &self.rules[o.rule]
    }

    /// Outcome counts over the whole evaluation.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for o in &self.outcomes {
            c.add(o.status);
        }
        c
    }

    /// Whether any failing outcome has severity at or above `threshold`.
    pub fn fails_at_or_above(&self, threshold: Severity) -> bool {
        self.outcomes
            .iter()
            .any(|o| o.status == Status::Fail && self.rules[o.rule].severity() >= threshold)
    }

    /// Whether any outcome lacks data.
    pub fn incomplete(&self) -> bool {
        self.outcomes.iter().any(|o| o.status == Status::InsufficientData)
    }
}
