//! The drill's validation record as text for people; JSON is the record serialized.

use std::fmt::Write;

use super::{AccountOutcome, DrillRecord, Mode, StepOutcome};
use crate::report::terminal::escape;

fn word(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Planned => "planned",
        StepOutcome::Passed => "passed",
        StepOutcome::Failed => "FAILED",
        StepOutcome::Skipped => "skipped",
        StepOutcome::Unverified => "unverified",
        StepOutcome::NotRun => "not run",
    }
}

fn account_word(o: AccountOutcome) -> &'static str {
    match o {
        AccountOutcome::Planned => "planned",
        AccountOutcome::Passed => "passed",
        AccountOutcome::Failed => "FAILED",
        AccountOutcome::Stopped => "STOPPED",
        AccountOutcome::Incomplete => "incomplete",
        AccountOutcome::NothingToDrill => "nothing to drill",
    }
}

/// The record as text.
pub fn text(record: &DrillRecord, wait_secs: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rootwarden drill {} ({}), {}",
        record.drill_id,
        match record.mode {
            Mode::Plan => "plan: nothing is changed",
            Mode::Run => "run",
        },
        record.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for a in &record.accounts {
        let _ = writeln!(out, "\naccount {}: {}", a.account_id, account_word(a.outcome));
        for f in &a.filter_checks {
            let what = format!("{} {}/{}", f.region, escape(&f.log_group_name), escape(&f.filter_name));
            match f.outcome {
                StepOutcome::Planned => {
                    let _ = writeln!(
                        out,
                        "  filter {what}: would test with logs:TestMetricFilter (read-only) against the canonical root events"
                    );
                }
                o => {
                    let _ = writeln!(
                        out,
                        "  filter {what}: {} (CloudWatch Logs counts {} root event(s) that must alert{})",
                        word(o),
                        f.aws_counted.len(),
                        if f.missed.is_empty() {
                            String::new()
                        } else {
                            format!("; misses {}", f.missed.join(", "))
                        }
                    );
                }
            }
            if let Some(n) = &f.next_step {
                let _ = writeln!(out, "    next step: {}", escape(n));
            }
        }
        for d in &a.alarm_drills {
            let what = format!("{} {}", d.region, escape(&d.alarm_name));
            if d.outcome == StepOutcome::Planned {
                let _ = writeln!(
                    out,
                    "  alarm {what}: would set to ALARM (cloudwatch:SetAlarmState, reason \"{} {}\"), then read its history for up to {wait_secs} s; actions: {}",
                    super::REASON_PREFIX,
                    record.drill_id,
                    if d.alarm_actions.is_empty() { "none".to_string() } else { d.alarm_actions.join(", ") }
                );
                continue;
            }
            let timing = d
                .seconds_to_action
                .map(|s| format!(", action {s:.1} s after the drill"))
                .unwrap_or_default();
            let _ = writeln!(out, "  alarm {what}: {}{timing}", word(d.outcome));
            for r in &d.actions {
                let _ = writeln!(
                    out,
                    "    action {}: {}",
                    escape(&r.resource),
                    if r.succeeded { "executed" } else { "failed" }
                );
            }
            for t in &d.topics {
                let count = |n: Option<u32>| n.map_or("?".to_string(), |n| n.to_string());
                let metric = |n: Option<f64>| n.map_or("not published yet".to_string(), |n| format!("{n}"));
                let _ = writeln!(
                    out,
                    "    topic {}: {}",
                    escape(&t.topic_arn),
                    if t.exists == Some(false) {
                        "does not exist".to_string()
                    } else {
                        format!(
                            "{} confirmed subscriber(s), {} pending; delivered {}, failed {}",
                            count(t.confirmed_subscribers),
                            count(t.pending_subscribers),
                            metric(t.delivered),
                            metric(t.failed)
                        )
                    }
                );
            }
            if let Some(n) = &d.next_step {
                let _ = writeln!(out, "    next step: {}", escape(n));
            }
        }
        if !a.unreadable_regions.is_empty() {
            let _ = writeln!(
                out,
                "  not drilled: the filters or alarms of {} could not be read (see -v)",
                a.unreadable_regions.join(", ")
            );
        }
        if let Some(s) = &a.stopped {
            let _ = writeln!(out, "  stopped: {}", escape(s));
        }
        if a.outcome == AccountOutcome::NothingToDrill {
            let _ = writeln!(
                out,
                "  no root metric filter or alarm in this account: its root events alert through another account's chain or not at all (`rootwarden scan` judges which)"
            );
        }
        if !a.calls.is_empty() {
            let failed = a.calls.iter().filter(|c| c.result != "ok").count();
            let _ = writeln!(
                out,
                "  calls: {} ({} failed; -o json lists each)",
                a.calls.len(),
                failed
            );
        }
    }
    if record.mode == Mode::Plan {
        let _ = writeln!(
            out,
            "\nnothing was changed; run again with --yes to carry out the drill"
        );
    }
    out
}
