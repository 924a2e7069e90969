//! The outcome table as AWS Config evaluations: one per rule and account, plus one for the
//! account itself that sums them up.
//!
//! A Config rule keeps one compliance result per resource, so each rule's evaluation needs a
//! resource id of its own: `ACCOUNT/RULE_ID` (type `AWS::::Account`). The account's own id
//! carries the roll-up, so the account resource shows whether every selected control holds.
//!
//! PutEvaluations does not accept INSUFFICIENT_DATA (Config API reference, `Evaluation`), and
//! leaving a rule unreported would keep its previous, possibly COMPLIANT, result. A rule that
//! could not see its facts is therefore posted NON_COMPLIANT with an annotation starting
//! "Insufficient data": never a pass.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::{Evaluation, Outcome, Status};

/// The resource type of every evaluation.
pub const RESOURCE_TYPE: &str = "AWS::::Account";

/// The longest annotation Config accepts.
pub const ANNOTATION_LIMIT: usize = 256;

/// The most evaluations one PutEvaluations call takes.
pub const BATCH_LIMIT: usize = 100;

/// A compliance value Config accepts from PutEvaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceType {
    /// The control holds (or is waived by an unexpired, approved waiver).
    Compliant,
    /// The control does not hold, or could not be judged.
    NonCompliant,
    /// The control does not apply.
    NotApplicable,
}

impl ComplianceType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceType::Compliant => "COMPLIANT",
            ComplianceType::NonCompliant => "NON_COMPLIANT",
            ComplianceType::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// One evaluation, in the shape of PutEvaluations' `Evaluations` members, so a file of them
/// can be posted with `aws configservice put-evaluations --evaluations file://...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigEvaluation {
    /// Always `AWS::::Account`.
    pub compliance_resource_type: String,
    /// `ACCOUNT/RULE_ID` for a rule, `ACCOUNT` for the roll-up.
    pub compliance_resource_id: String,
    /// The compliance value.
    pub compliance_type: ComplianceType,
    /// Why, naming the control (at most 256 characters).
    pub annotation: String,
    /// The event time that ordered this evaluation.
    #[serde(with = "rfc3339")]
    pub ordering_timestamp: DateTime<Utc>,
}

mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::timestamp_text(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// `text` cut to `limit` characters, ending in "…" when cut.
pub fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The evaluations of every account in `eval`, ordered by `ordering_timestamp`: per account its
/// rules in id order, then its roll-up.
pub fn from_evaluation(eval: &Evaluation, ordering_timestamp: DateTime<Utc>) -> Vec<ConfigEvaluation> {
    let mut out = Vec::new();
    for account in &eval.accounts {
        let outcomes: Vec<&Outcome> = eval.outcomes.iter().filter(|o| &o.account_id == account).collect();
        let mut per_rule: Vec<ConfigEvaluation> = outcomes
            .iter()
            .map(|o| rule_evaluation(eval, o, ordering_timestamp))
            .collect();
        per_rule.sort_by(|a, b| a.compliance_resource_id.cmp(&b.compliance_resource_id));
        let rollup = rollup(account, &outcomes, ordering_timestamp);
        out.extend(per_rule);
        out.push(rollup);
    }
    out
}

/// NOT_APPLICABLE for every rule and the roll-up: the account left the Config rule's scope.
pub fn left_scope(account_id: &str, rule_ids: &[String], ordering_timestamp: DateTime<Utc>) -> Vec<ConfigEvaluation> {
    let note = "The account left this Config rule's scope, so rootwarden no longer evaluates it.";
    let mut out: Vec<ConfigEvaluation> = rule_ids
        .iter()
        .map(|id| ConfigEvaluation {
            compliance_resource_type: RESOURCE_TYPE.into(),
            compliance_resource_id: format!("{account_id}/{id}"),
            compliance_type: ComplianceType::NotApplicable,
            annotation: clip(&format!("{id}: {note}"), ANNOTATION_LIMIT),
            ordering_timestamp,
        })
        .collect();
    out.push(ConfigEvaluation {
        compliance_resource_type: RESOURCE_TYPE.into(),
        compliance_resource_id: account_id.to_string(),
        compliance_type: ComplianceType::NotApplicable,
        annotation: note.into(),
        ordering_timestamp,
    });
    out
}

fn rule_evaluation(eval: &Evaluation, o: &Outcome, ordering_timestamp: DateTime<Utc>) -> ConfigEvaluation {
    let rule = &eval.rules[o.rule];
    let first = o.findings.first();
    let message = first.map(|f| f.message.as_str()).unwrap_or_default();
    let more = match o.findings.len() {
        0 | 1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    let (compliance, annotation) = match o.status {
        Status::Pass => (
            ComplianceType::Compliant,
            format!("{}: {}", o.rule_id, rule.metadata.title),
        ),
        Status::Fail => (ComplianceType::NonCompliant, format!("{}: {message}{more}", o.rule_id)),
        Status::InsufficientData => (
            ComplianceType::NonCompliant,
            format!("Insufficient data: {}: {message}", o.rule_id),
        ),
        Status::NotApplicable => (ComplianceType::NotApplicable, format!("{}: {message}", o.rule_id)),
        Status::Waived => {
            let until = first
                .and_then(|f| f.suppression.as_ref())
                .map(|s| format!(" until {}", s.expires))
                .unwrap_or_default();
            (
                ComplianceType::Compliant,
                format!("{}: waived{until}: {message}{more}", o.rule_id),
            )
        }
    };
    ConfigEvaluation {
        compliance_resource_type: RESOURCE_TYPE.into(),
        compliance_resource_id: format!("{}/{}", o.account_id, o.rule_id),
        compliance_type: compliance,
        annotation: clip(&annotation, ANNOTATION_LIMIT),
        ordering_timestamp,
    }
}

/// The account's roll-up: NON_COMPLIANT when any rule fails or lacks data, else COMPLIANT when
/// any rule holds, else NOT_APPLICABLE.
fn rollup(account_id: &str, outcomes: &[&Outcome], ordering_timestamp: DateTime<Utc>) -> ConfigEvaluation {
    let ids = |status: Status| -> Vec<&str> {
        outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.rule_id.as_str())
            .collect()
    };
    let failing = ids(Status::Fail);
    let unknown = ids(Status::InsufficientData);
    let holding = outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Pass | Status::Waived))
        .count();
    let (compliance, annotation) = if !failing.is_empty() || !unknown.is_empty() {
        let mut parts = Vec::new();
        if !failing.is_empty() {
            parts.push(format!("Failing: {}", failing.join(", ")));
        }
        if !unknown.is_empty() {
            parts.push(format!("insufficient data: {}", unknown.join(", ")));
        }
        (ComplianceType::NonCompliant, parts.join("; "))
    } else if holding > 0 {
        (
            ComplianceType::Compliant,
            format!("All {holding} applicable rootwarden controls hold."),
        )
    } else {
        (
            ComplianceType::NotApplicable,
            "No rootwarden control applies to this account.".into(),
        )
    };
    ConfigEvaluation {
        compliance_resource_type: RESOURCE_TYPE.into(),
        compliance_resource_id: account_id.to_string(),
        compliance_type: compliance,
        annotation: clip(&annotation, ANNOTATION_LIMIT),
        ordering_timestamp,
    }
}

/// The `-o config-evaluations` report: the evaluations as a JSON array, ordered by the
/// snapshot's collection time.
pub fn render(eval: &Evaluation) -> String {
    let at = DateTime::parse_from_rfc3339(&eval.collected_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| DateTime::<Utc>::UNIX_EPOCH);
    let mut text = serde_json::to_string_pretty(&from_evaluation(eval, at)).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// `t` as Config prints it.
pub fn timestamp_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
