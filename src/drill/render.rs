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
        StepOutcome::NotApplicable => "not applicable",
        StepOutcome::Insufficient => "INSUFFICIENT",
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
            if let Some(by) = &d.proven_by {
                let _ = writeln!(
                    out,
                    "    not set to ALARM: the root event of account {by} took it to ALARM through the real chain"
                );
            }
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
        if let Some(s) = &a.root_event {
            root_event(&mut out, s, wait_secs);
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

fn root_event(out: &mut String, s: &super::root_event::RootEventDrill, wait_secs: u64) {
    let alarms: Vec<String> = s
        .watching
        .iter()
        .map(|w| format!("{} ({})", w.alarm_name, w.account_id))
        .collect();
    match s.outcome {
        StepOutcome::Planned => {
            let _ = writeln!(
                out,
                "  root event: would open an sts:AssumeRoot session (IAMAuditRootUserCredentials), call iam:{} as root, and wait up to {wait_secs} s for {} to change to ALARM and notify",
                s.event_name,
                alarms.join(", ")
            );
        }
        o => {
            let timing = match (s.seconds_to_detect, s.seconds_to_notify) {
                (Some(d), Some(n)) => format!(", detected in {d} s, notified {n} s later"),
                (Some(d), None) => format!(", detected in {d} s"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  root event iam:{}{}: {}{timing}",
                s.event_name,
                s.event_time
                    .map(|t| format!(" at {}", t.format("%H:%M:%S UTC")))
                    .unwrap_or_default(),
                word(o)
            );
            if let Some(a) = &s.alarm {
                let _ = writeln!(out, "    alarm {}", escape(a));
            }
            for t in &s.topics {
                let _ = writeln!(out, "    topic {}", escape(t));
            }
        }
    }
    if let Some(n) = &s.next_step {
        let label = if s.outcome == StepOutcome::NotApplicable {
            "why"
        } else {
            "next step"
        };
        let _ = writeln!(out, "    {label}: {}", escape(n));
    }
}
