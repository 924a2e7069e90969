//! Reading what the rules answered: regorus values as verdict sets, `deny` entries checked
//! against the rule contract into findings, and waivers applied to the outcomes.

use serde_json::Value as Json;

use super::outcome::{ExpiredWaiver, Finding, Outcome, RuleInfo, Status, Suppression};
use super::PolicyError;
use crate::requirements::Requirements;

/// The verdict sets of one rule on one account.
#[derive(Default)]
pub(super) struct Verdicts {
    pub(super) deny: Vec<Json>,
    pub(super) insufficient: Vec<Json>,
    pub(super) not_applicable: Vec<Json>,
}

/// Fills in `out` the verdict sets of `members` (rule indices) from the value of a generated
/// gathering rule: an array of chunks, each an array of `[deny, insufficient_data,
/// not_applicable]` per rule, in the order of `members`.
pub(super) fn read_verdicts(value: regorus::Value, members: &[usize], out: &mut [Verdicts]) {
    let regorus::Value::Array(chunks) = value else {
        return;
    };
    let triples = chunks.iter().flat_map(|chunk| match chunk {
        regorus::Value::Array(t) => t.iter().collect::<Vec<_>>(),
        _ => Vec::new(),
    });
    for (&idx, triple) in members.iter().zip(triples) {
        let set = |i: usize| match triple {
            regorus::Value::Array(t) => t.get(i).map(|v| set_members(v_json(v.clone()))).unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Some(v) = out.get_mut(idx) {
            *v = Verdicts {
                deny: set(0),
                insufficient: set(1),
                not_applicable: set(2),
            };
        }
    }
}

/// Marks the `fail` findings an unexpired waiver covers as suppressed, and a failing outcome
/// whose findings are all suppressed as waived. Expired waivers (expiry before `today`, the
/// snapshot's collection date) suppress nothing and are returned, with how many findings they
/// would otherwise have covered.
pub(super) fn apply_waivers(
    requirements: &Requirements,
    today: chrono::NaiveDate,
    outcomes: &mut [Outcome],
) -> Vec<ExpiredWaiver> {
    let waivers = &requirements.waivers;
    let mut uncovered = vec![0usize; waivers.len()];
    for o in outcomes.iter_mut().filter(|o| o.status == Status::Fail) {
        for f in &mut o.findings {
            let mut covering = waivers
                .iter()
                .enumerate()
                .filter(|(_, w)| w.covers(&f.rule_id, &f.account_id, &f.resource));
            if let Some((_, w)) = covering.clone().find(|(_, w)| w.expires >= today) {
                f.suppression = Some(Suppression {
                    reason: w.reason.clone(),
                    approver: w.approver.clone(),
                    expires: w.expires.to_string(),
                });
            } else {
                for (i, _) in covering.by_ref() {
                    uncovered[i] += 1;
                }
            }
        }
        if o.findings.iter().all(|f| f.suppression.is_some()) {
            o.status = Status::Waived;
            for f in &mut o.findings {
                f.status = Status::Waived;
            }
        }
    }
    waivers
        .iter()
        .enumerate()
        .filter(|(_, w)| w.expires < today)
        .map(|(index, w)| ExpiredWaiver {
            index,
            rule_id: w.rule_id.clone(),
            account_id: w.account_id.clone(),
            resource: w.resource.clone(),
            reason: w.reason.clone(),
            expires: w.expires.to_string(),
            findings_no_longer_suppressed: uncovered[index],
        })
        .collect()
}

/// A regorus value as JSON; undefined (which has no JSON form) as null.
pub(super) fn v_json(v: regorus::Value) -> Json {
    serde_json::to_value(&v).unwrap_or(Json::Null)
}

/// The members of a Rego set (or array) result; undefined means empty.
pub(super) fn set_members(v: Json) -> Vec<Json> {
    match v {
        Json::Array(items) => items,
        Json::Null => Vec::new(),
        other => vec![other],
    }
}

/// A message and evidence from a `not_applicable` / `insufficient_data` entry (string or object).
pub(super) fn reason(entry: &Json) -> (String, Json) {
    match entry {
        Json::String(s) => (s.clone(), Json::Null),
        Json::Object(o) => (
            o.get("message")
                .and_then(Json::as_str)
                .unwrap_or("(no message)")
                .to_string(),
            o.get("evidence").cloned().unwrap_or(Json::Null),
        ),
        other => (other.to_string(), Json::Null),
    }
}

/// A `deny` entry as a finding, checked against the rule contract (`account_id`, `resource`,
/// `message`, `evidence`; optional `region` and `key`).
pub(super) fn deny_finding(info: &RuleInfo, account_id: &str, entry: Json) -> Result<Finding, PolicyError> {
    let bad = |what: String| PolicyError::Contract {
        file: info.file.clone(),
        line: info.line,
        message: format!("rule {}: a `deny` entry for account {account_id} {what}", info.id()),
    };
    let Json::Object(mut o) = entry else {
        return Err(bad(format!(
            "is {entry}, expected an object with account_id, resource, message and evidence"
        )));
    };
    let mut text = |key: &str| -> Result<String, PolicyError> {
        match o.remove(key) {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Err(bad(format!("has `{key}` = {other}, expected a string"))),
            None => Err(bad(format!("has no `{key}`"))),
        }
    };
    let entry_account = text("account_id")?;
    let resource = text("resource")?;
    let message = text("message")?;
    if entry_account != account_id {
        return Err(bad(format!(
            "names account {entry_account}; rules only judge the account in `input.account`"
        )));
    }
    let region = match o.remove("region") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => return Err(bad(format!("has `region` = {other}, expected a string"))),
    };
    let key = match o.remove("key") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => return Err(bad(format!("has `key` = {other}, expected a string"))),
    };
    let evidence = o
        .remove("evidence")
        .ok_or_else(|| bad("has no `evidence`".to_string()))?;
    Ok(Finding {
        rule_id: info.id().to_string(),
        title: info.metadata.title.clone(),
        severity: info.severity(),
        account_id: account_id.to_string(),
        region,
        resource,
        key,
        status: Status::Fail,
        message,
        evidence,
        suppression: None,
    })
}
