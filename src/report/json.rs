//! `-o json`: every finding, the rules, and a summary.

use std::collections::BTreeMap;

use serde_json::json;

use crate::policy::{Evaluation, Status};

/// Renders the JSON report: [`document`], written without building it, so that the findings
/// are not held a second time as values.
pub fn render(eval: &Evaluation) -> String {
    super::pretty_json(&Document(eval))
}

/// [`document`], serialized member by member.
struct Document<'a>(&'a Evaluation);

impl serde::Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let eval = self.0;
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("tool", &tool())?;
        map.serialize_entry("collected_at", &eval.collected_at)?;
        map.serialize_entry("rules", &rules(eval))?;
        map.serialize_entry("results", &Findings(eval))?;
        map.serialize_entry("expired_waivers", &eval.expired_waivers)?;
        map.serialize_entry("summary", &summary(eval))?;
        map.end()
    }
}

/// Every finding, in the outcome table's order.
struct Findings<'a>(&'a Evaluation);

impl serde::Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.findings())
    }
}

fn tool() -> serde_json::Value {
    json!({ "name": "rootwarden", "version": env!("CARGO_PKG_VERSION") })
}

/// The JSON report as a value.
pub fn document(eval: &Evaluation) -> serde_json::Value {
    let results: Vec<_> = eval.findings().collect();
    json!({
        "tool": tool(),
        "collected_at": eval.collected_at,
        "rules": rules(eval),
        "results": results,
        "expired_waivers": eval.expired_waivers,
        "summary": summary(eval),
    })
}

/// The rules evaluated.
fn rules(eval: &Evaluation) -> Vec<serde_json::Value> {
    eval.rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "title": r.metadata.title,
                "severity": r.severity(),
                "file": r.file,
                "origin": r.origin,
                "cis": r.metadata.custom.cis,
                "aws_security_hub": r.metadata.custom.aws_security_hub,
            })
        })
        .collect()
}

/// Counts for people and dashboards.
pub fn summary(eval: &Evaluation) -> serde_json::Value {
    let counts = eval.counts();
    let mut failing_by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    let mut account_ok: BTreeMap<&str, bool> = eval.accounts.iter().map(|a| (a.as_str(), true)).collect();
    for o in &eval.outcomes {
        if o.status == Status::Fail {
            *failing_by_severity
                .entry(eval.rule_of(o).severity().as_str())
                .or_default() += 1;
        }
        if matches!(o.status, Status::Fail | Status::InsufficientData) {
            account_ok.insert(o.account_id.as_str(), false);
        }
    }
    let passing = account_ok.values().filter(|ok| **ok).count();
    let score = if eval.accounts.is_empty() {
        100.0
    } else {
        100.0 * passing as f64 / eval.accounts.len() as f64
    };
    json!({
        "accounts": eval.accounts.len(),
        "accounts_out_of_scope": eval.skipped_accounts,
        "rules": eval.rules.len(),
        "outcomes": counts,
        "failing_outcomes_by_severity": failing_by_severity,
        "accounts_passing_all_controls": passing,
        "compliance_score_percent": (score * 10.0).round() / 10.0,
        "collection_errors": eval.collection_errors,
    })
}
