//! `-o text`: a readable table per account.

use std::fmt::Write;

use crate::policy::{Evaluation, Status};

fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::NotApplicable => "N/A ",
        Status::InsufficientData => "DATA?",
        Status::Waived => "WAIVED",
    }
}

/// Renders the text report.
pub fn render(eval: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rootwarden {} — snapshot collected {}",
        env!("CARGO_PKG_VERSION"),
        eval.collected_at
    );
    let width = eval.rules.iter().map(|r| r.id().len()).max().unwrap_or(0);
    for account in &eval.accounts {
        let outcomes: Vec<_> = eval.outcomes.iter().filter(|o| &o.account_id == account).collect();
        let mut counts = crate::policy::outcome::Counts::default();
        outcomes.iter().for_each(|o| counts.add(o.status));
        let _ = writeln!(
            out,
            "\nAccount {account}: {} fail, {} pass, {} not applicable, {} insufficient data{}",
            counts.fail,
            counts.pass,
            counts.not_applicable,
            counts.insufficient_data,
            waived_count(counts.waived)
        );
        for o in outcomes {
            let rule = eval.rule_of(o);
            let _ = writeln!(
                out,
                "  {:<6}  {:<width$}  {:<8}  {}",
                label(o.status),
                rule.id(),
                rule.severity().as_str(),
                rule.metadata.title
            );
            if o.status != Status::Pass {
                for f in &o.findings {
                    let region = f.region.as_deref().map(|r| format!("[{r}] ")).unwrap_or_default();
                    let waived = f
                        .suppression
                        .as_ref()
                        .map(|w| format!(" (waived until {}: {})", w.expires, w.reason))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  {:<6}  {:<width$}            ↳ {region}{}{waived}",
                        "", "", f.message
                    );
                }
            }
        }
    }
    if !eval.skipped_accounts.is_empty() {
        let _ = writeln!(out, "\nOut of scope: {}", eval.skipped_accounts.join(", "));
    }
    let c = eval.counts();
    let _ = writeln!(
        out,
        "\n{} accounts × {} rules: {} fail, {} pass, {} not applicable, {} insufficient data{}; {} collection errors",
        eval.accounts.len(),
        eval.rules.len(),
        c.fail,
        c.pass,
        c.not_applicable,
        c.insufficient_data,
        waived_count(c.waived),
        eval.collection_errors
    );
    for w in &eval.expired_waivers {
        let _ = writeln!(
            out,
            "Expired waiver #{} ({} in {} on {}, expired {}: {}): it suppresses nothing; {} finding(s) fail again.",
            w.index, w.rule_id, w.account_id, w.resource, w.expires, w.reason, w.findings_no_longer_suppressed
        );
    }
    out
}

fn waived_count(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {n} waived")
    }
}
