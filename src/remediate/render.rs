//! Plans and apply reports for people (text) and programs (JSON).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::apply::{Applied, Change};
use super::root_session::RootSessionReport;
use super::{AccountPlan, CredentialState, Plan, RetainedKey};
use crate::policy::{Evaluation, Outcome};

/// A control whose outcome apply changed (or did not).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ControlChange {
    /// The account.
    pub account_id: String,
    /// The rule.
    pub rule_id: String,
    /// Outcome before.
    pub before: String,
    /// Outcome after re-collecting.
    pub after: String,
}

/// One account after apply: what it had, what changed, what is kept, whether a root key is left.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSummary {
    /// The account.
    pub account_id: String,
    /// Root keys and certificates before (credential report).
    pub initial_credentials: Vec<CredentialState>,
    /// Calls made for this account's controls (in it or in the account holding its chain).
    pub changes: Vec<Change>,
    /// Keys kept under retained_root_keys.
    pub retained: Vec<RetainedKey>,
    /// Whether no active root access key remains: from the root session when there was one
    /// (current), else from the re-collected credential report; `None` when unknown.
    pub no_active_root_key: Option<bool>,
    /// Manual steps still open.
    pub manual: Vec<super::ManualStep>,
}

/// Everything `remediate apply` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// The plan carried out.
    pub plan: Plan,
    /// The calls made.
    pub applied: Applied,
    /// Per account and rule, the outcome before → after (every rule that was not passing before
    /// or is not passing after).
    pub controls: Vec<ControlChange>,
    /// Per account.
    pub accounts: Vec<AccountSummary>,
}

impl ApplyReport {
    /// Builds the report from the plan, what apply did and the outcome tables before and after.
    pub fn new(plan: Plan, applied: Applied, before: &Evaluation, after: &Evaluation) -> ApplyReport {
        let after: AfterTable = after
            .outcomes
            .iter()
            .map(|a| ((a.account_id.as_str(), a.rule_id.as_str()), a))
            .collect();
        let planned: HashSet<&str> = plan.accounts.iter().map(|a| a.account_id.as_str()).collect();
        let mut controls = Vec::new();
        for o in before
            .outcomes
            .iter()
            .filter(|o| planned.contains(o.account_id.as_str()))
        {
            let after_status = after
                .get(&(o.account_id.as_str(), o.rule_id.as_str()))
                .map_or("not_collected", |a| a.status.as_str());
            let b = o.status.as_str();
            let quiet = |s: &str| s == "pass" || s == "not_applicable";
            if quiet(b) && quiet(after_status) {
                continue;
            }
            controls.push(ControlChange {
                account_id: o.account_id.clone(),
                rule_id: o.rule_id.clone(),
                before: b.into(),
                after: after_status.into(),
            });
        }
        let accounts = plan.accounts.iter().map(|ap| summary(ap, &applied, &after)).collect();
        ApplyReport {
            plan,
            applied,
            controls,
            accounts,
        }
    }

    /// Whether every call succeeded.
    pub fn all_ok(&self) -> bool {
        self.applied.changes.iter().all(Change::ok)
    }
}

/// The re-evaluated outcomes by (account, rule).
type AfterTable<'a> = HashMap<(&'a str, &'a str), &'a Outcome>;

fn summary(ap: &AccountPlan, applied: &Applied, after: &AfterTable) -> AccountSummary {
    let changes = applied
        .changes
        .iter()
        .filter(|c| ap.steps.contains(&c.step))
        .cloned()
        .collect();
    let session: Option<&RootSessionReport> = applied.root_sessions.iter().find(|r| r.account_id == ap.account_id);
    let from_report = || {
        let key_rule = after.get(&(ap.account_id.as_str(), "RW-ROOT-001"))?;
        match key_rule.status.as_str() {
            "pass" | "not_applicable" => Some(true),
            "insufficient_data" => None,
            _ => {
                // A finding that does not say whether its key is active (the account summary
                // reporting a key the stale credential report lacks) leaves it unknown.
                let active: Vec<Option<bool>> = key_rule
                    .findings
                    .iter()
                    .map(|f| f.evidence.get("active").and_then(|v| v.as_bool()))
                    .collect();
                if active.contains(&Some(true)) {
                    Some(false)
                } else if active.contains(&None) {
                    None
                } else {
                    Some(true)
                }
            }
        }
    };
    AccountSummary {
        account_id: ap.account_id.clone(),
        initial_credentials: ap.root_credentials.clone(),
        changes,
        retained: ap.retained.clone(),
        no_active_root_key: session.and_then(|s| s.no_active_key_remains).or_else(from_report),
        manual: ap.manual.clone(),
    }
}

fn credentials_line(creds: &[CredentialState]) -> String {
    if creds.is_empty() {
        return "no root access key or signing certificate".into();
    }
    creds
        .iter()
        .map(|c| {
            let kind = if c.kind == "access_key" {
                "access key"
            } else {
                "signing certificate"
            };
            let id = c.last4.as_ref().map(|l| format!(" …{l}")).unwrap_or_default();
            let used = c
                .last_used
                .as_ref()
                .map(|u| format!(", last used {u}"))
                .unwrap_or_default();
            let state = if c.active { "active" } else { "inactive" };
            format!("{kind} {}{id} {state}{used}", c.slot)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The plan as text.
pub fn plan_text(plan: &Plan) -> String {
    let manual: usize = plan.accounts.iter().map(|a| a.manual.len()).sum();
    let mut s = format!(
        "rootwarden remediate plan (snapshot collected {})\n{} change(s) to make, {} manual step(s), {} account(s).\n",
        plan.collected_at,
        plan.steps.len(),
        manual,
        plan.accounts.len()
    );
    if !plan.steps.is_empty() {
        s.push_str("\nChanges (in the order apply makes them):\n");
        for st in &plan.steps {
            s.push_str(&format!(
                "  {:<4} {} {:<10} {:<26} {}\n       fixes {} for {}\n",
                st.id,
                st.account_id,
                st.region,
                st.action.api_calls().split(',').next().unwrap_or(""),
                st.summary,
                st.fixes.join(", "),
                st.for_accounts.join(", ")
            ));
        }
    }
    for ap in &plan.accounts {
        s.push_str(&format!("\nAccount {} ({})\n", ap.account_id, ap.role));
        s.push_str(&format!(
            "  root credentials: {}\n",
            credentials_line(&ap.root_credentials)
        ));
        if ap.steps.is_empty() {
            s.push_str("  changes: none\n");
        } else {
            s.push_str(&format!("  changes: {}\n", ap.steps.join(", ")));
        }
        for r in &ap.retained {
            s.push_str(&format!(
                "  retained: key slot {} …{} kept deactivated until {}: {}\n",
                r.slot, r.key_last4, r.decommission_date, r.justification
            ));
        }
        for m in &ap.manual {
            s.push_str(&format!("  manual {}: {}\n", m.rule_id, m.text));
        }
        if ap.open_controls.is_empty() {
            s.push_str("  open controls: none\n");
        } else {
            s.push_str(&format!("  open controls: {}\n", ap.open_controls.join(", ")));
        }
    }
    if plan.steps.is_empty() {
        s.push_str("\nNo change for rootwarden to make; anything left is listed as manual.\n");
    } else {
        s.push_str("\nNothing has been changed. Run `rootwarden remediate apply --yes` with the same options to make these changes.\n");
    }
    s
}

/// The apply report as text.
pub fn apply_text(r: &ApplyReport) -> String {
    let failed = r.applied.changes.iter().filter(|c| !c.ok()).count();
    let mut s = format!(
        "rootwarden remediate apply: {} call(s), {} failed.\n",
        r.applied.changes.len(),
        failed
    );
    if !r.applied.changes.is_empty() {
        s.push_str("\nChanges:\n");
        for c in &r.applied.changes {
            let err = match (&c.error_code, &c.message) {
                (Some(code), Some(m)) => format!(" ({code}: {m})"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "  {:<4} {} {:<10} {:<30} {:<5} {}{}\n",
                c.step, c.account_id, c.region, c.api_call, c.result, c.resource, err
            ));
        }
    }
    if !r.controls.is_empty() {
        s.push_str("\nControls, before -> after (re-collected and re-evaluated):\n");
        for c in &r.controls {
            s.push_str(&format!(
                "  {} {:<12} {} -> {}\n",
                c.account_id, c.rule_id, c.before, c.after
            ));
        }
    }
    for a in &r.accounts {
        s.push_str(&format!("\nAccount {}\n", a.account_id));
        s.push_str(&format!("  initial: {}\n", credentials_line(&a.initial_credentials)));
        s.push_str(&format!(
            "  changes made: {}\n",
            a.changes.iter().filter(|c| c.ok()).count()
        ));
        for k in &a.retained {
            s.push_str(&format!(
                "  retained: key slot {} …{} until {}: {}\n",
                k.slot, k.key_last4, k.decommission_date, k.justification
            ));
        }
        s.push_str(&format!(
            "  active root access key remaining: {}\n",
            match a.no_active_root_key {
                Some(true) => "none",
                Some(false) => "YES",
                None => "unknown (could not be read)",
            }
        ));
        for m in &a.manual {
            s.push_str(&format!("  manual {}: {}\n", m.rule_id, m.text));
        }
    }
    s
}
