//! The validation drill in the reports: `--drill FILE` reads the record `rootwarden drill -o
//! json` wrote, the findings report shows it ("Validation drill", HTML and text) and its measured
//! seconds to action feed the time-to-notify KPI. A record older than the snapshot by more than
//! `alerting.drill_every_days` is shown as stale and left out of the KPI: it no longer says how
//! the chain behaves.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::page::{esc, esc_code_spans};
use super::terminal::escape;
use crate::drill::root_event::RootEventDrill;
use crate::drill::{AccountOutcome, AccountRecord, AlarmDrill, DrillRecord, Mode, StepOutcome, TopicCheck};
use crate::input::{parse_document, InputError, Syntax};

/// A drill record and the file it was read from.
#[derive(Debug, Clone)]
pub struct LoadedDrill {
    /// The file, as given.
    pub path: String,
    /// The record.
    pub record: DrillRecord,
}

/// Reads a drill record (the JSON `rootwarden drill -o json` writes); fields this version does
/// not know (a newer drill's) are ignored. A bad file is an error naming it and the place.
pub fn load(path: &Path) -> Result<LoadedDrill, InputError> {
    let text = std::fs::read_to_string(path).map_err(|error| InputError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let record: DrillRecord = parse_document(path, &text, Syntax::Json)?;
    Ok(LoadedDrill {
        path: path.display().to_string(),
        record,
    })
}

/// Whether `record` ended more than `days` days before `as_of` (the snapshot's collection).
pub fn is_stale(record: &DrillRecord, as_of: DateTime<Utc>, days: u32) -> bool {
    as_of - record.finished_at > chrono::Duration::days(i64::from(days))
}

/// The records that still say how the chain behaves at `as_of`: those that are not stale.
pub fn fresh(drills: &[LoadedDrill], as_of: DateTime<Utc>, days: u32) -> Vec<&DrillRecord> {
    drills
        .iter()
        .map(|d| &d.record)
        .filter(|r| !is_stale(r, as_of, days))
        .collect()
}

fn step_word(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Planned => "planned",
        StepOutcome::Passed => "passed",
        StepOutcome::Failed => "FAILED",
        StepOutcome::Skipped => "skipped",
        StepOutcome::Unverified => "unverified",
        StepOutcome::NotRun => "not run",
        StepOutcome::NotApplicable => "not applicable",
        StepOutcome::Insufficient => "insufficient data",
    }
}

fn step_class(o: StepOutcome) -> &'static str {
    match o {
        StepOutcome::Passed => "st-pass",
        StepOutcome::Failed => "st-fail",
        StepOutcome::Skipped | StepOutcome::Unverified | StepOutcome::NotRun | StepOutcome::Insufficient => {
            "st-insufficient_data"
        }
        StepOutcome::Planned | StepOutcome::NotApplicable => "st-not_applicable",
    }
}

fn account_word(o: AccountOutcome) -> &'static str {
    match o {
        AccountOutcome::Planned => "planned, not run",
        AccountOutcome::Passed => "passed",
        AccountOutcome::Failed => "FAILED",
        AccountOutcome::Stopped => "STOPPED",
        AccountOutcome::Incomplete => "incomplete",
        AccountOutcome::NothingToDrill => "nothing to drill",
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// When the account was drilled: its first alarm drill, else the drill's start.
fn drilled_at(record: &DrillRecord, a: &AccountRecord) -> String {
    match record.mode {
        Mode::Plan => format!("planned {}, not run", time(&record.started_at)),
        Mode::Run => time(
            &a.alarm_drills
                .iter()
                .filter_map(|d| d.drilled_at)
                .min()
                .unwrap_or(record.started_at),
        ),
    }
}

fn subscribers(t: &TopicCheck) -> String {
    match (t.exists, t.confirmed_subscribers, t.pending_subscribers) {
        (Some(false), _, _) => "topic does not exist".into(),
        (_, Some(c), Some(p)) => format!("{c} confirmed, {p} pending"),
        (_, Some(c), None) => format!("{c} confirmed"),
        _ => "not read (another account's topic)".into(),
    }
}

fn deliveries(t: &TopicCheck) -> String {
    let n = |v: Option<f64>| v.map_or("not published".to_string(), |v| format!("{v}"));
    format!("{} / {}", n(t.delivered), n(t.failed))
}

fn seconds(d: &AlarmDrill) -> String {
    d.seconds_to_action.map_or("–".to_string(), |s| format!("{s:.1} s"))
}

/// The end-to-end step's event and alarm, in words.
fn root_event_what(e: &RootEventDrill) -> String {
    let when = e
        .event_time
        .map_or("not made".to_string(), |t| format!("at {}", time(&t)));
    let alarm = e.alarm.as_deref().map(|a| format!("; alarm {a}")).unwrap_or_default();
    format!("{} {when}{alarm}", e.event_name)
}

/// The end-to-end step's time to detect and to notify.
fn root_event_seconds(e: &RootEventDrill) -> String {
    let s = |v: Option<i64>| v.map_or("–".to_string(), |v| format!("{v} s"));
    format!("detect {}, notify {}", s(e.seconds_to_detect), s(e.seconds_to_notify))
}

fn stale_text(record: &DrillRecord, as_of: DateTime<Utc>, days: u32) -> String {
    format!(
        "the drill ended {} days before the snapshot was collected, more than alerting.drill_every_days ({days}); \
         it is left out of time to notify. Run `rootwarden drill --yes -o json=FILE` again.",
        (as_of - record.finished_at).num_days()
    )
}

/// The "Validation drill" section of the findings page.
pub fn html_section(out: &mut String, drills: &[LoadedDrill], as_of: DateTime<Utc>, days: u32) {
    if drills.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=\"drill\">Validation drill</h2>\n<p class=\"sub\">What <code>rootwarden drill</code> proved: each root metric \
         filter tested by CloudWatch Logs, each root alarm set to ALARM and the outcome of its action. \
         Seconds to action run from the drill to CloudWatch's successful action.</p>\n",
    );
    for d in drills {
        let r = &d.record;
        let stale = is_stale(r, as_of, days);
        let _ = writeln!(
            out,
            "<h3 class=\"drill-id\">Drill <code>{}</code> · {} · {}</h3>\n<p class=\"sub\">From <code>{}</code>, ended {}.</p>",
            esc(&r.drill_id),
            match r.mode {
                Mode::Plan => "plan (nothing was changed)",
                Mode::Run => "run",
            },
            esc(&time(&r.started_at)),
            esc(&d.path),
            esc(&time(&r.finished_at)),
        );
        if stale {
            let _ = writeln!(
                out,
                "<div class=\"banner stale\">{}</div>",
                esc_code_spans(&format!("Stale drill {}: {}", r.drill_id, stale_text(r, as_of, days)))
            );
        }
        for a in &r.accounts {
            account_html(out, r, a);
        }
    }
}

fn account_html(out: &mut String, r: &DrillRecord, a: &AccountRecord) {
    let _ = writeln!(
        out,
        "<p class=\"drill-account\" data-account=\"{0}\"><strong>Account {0}</strong>: {1} · drilled {2}</p>",
        esc(&a.account_id),
        esc(account_word(a.outcome)),
        esc(&drilled_at(r, a)),
    );
    if !a.filter_checks.is_empty() || !a.alarm_drills.is_empty() || a.root_event.is_some() {
        let _ = writeln!(
            out,
            "<table class=\"drill\" data-account=\"{}\">\n<tr><th>Step</th><th>What</th><th>Outcome</th><th>Seconds to action</th>\
             <th>Topic</th><th>Subscribers</th><th>Delivered / failed</th><th>Next step</th></tr>",
            esc(&a.account_id)
        );
        for f in &a.filter_checks {
            let _ = writeln!(
                out,
                "<tr data-step=\"filter\"><td>filter check</td><td>{} <code>{}</code> / <code>{}</code></td>\
                 <td class=\"{}\">{}</td><td>–</td><td>–</td><td>–</td><td>–</td><td>{}</td></tr>",
                esc(&f.region),
                esc(&f.log_group_name),
                esc(&f.filter_name),
                step_class(f.outcome),
                step_word(f.outcome),
                esc_code_spans(f.next_step.as_deref().unwrap_or("")),
            );
        }
        for d in &a.alarm_drills {
            let cell = |f: &dyn Fn(&TopicCheck) -> String| -> String {
                if d.topics.is_empty() {
                    "–".into()
                } else {
                    d.topics.iter().map(|t| esc(&f(t))).collect::<Vec<_>>().join("<br>")
                }
            };
            let _ = writeln!(
                out,
                "<tr data-step=\"alarm\"><td>alarm drill</td><td>{} <code>{}</code></td><td class=\"{}\">{}</td>\
                 <td class=\"secs\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.region),
                esc(&d.alarm_name),
                step_class(d.outcome),
                step_word(d.outcome),
                esc(&seconds(d)),
                cell(&|t| t.topic_arn.clone()),
                cell(&subscribers),
                cell(&deliveries),
                esc_code_spans(d.next_step.as_deref().unwrap_or("")),
            );
        }
        if let Some(e) = &a.root_event {
            let _ = writeln!(
                out,
                "<tr data-step=\"root-event\"><td>root event</td><td>{}</td><td class=\"{}\">{}</td>\
                 <td class=\"secs\">{}</td><td>{}</td><td>–</td><td>–</td><td>{}</td></tr>",
                esc(&root_event_what(e)),
                step_class(e.outcome),
                step_word(e.outcome),
                esc(&root_event_seconds(e)),
                if e.topics.is_empty() {
                    "–".to_string()
                } else {
                    e.topics.iter().map(|t| esc(t)).collect::<Vec<_>>().join("<br>")
                },
                esc_code_spans(e.next_step.as_deref().unwrap_or("")),
            );
        }
        out.push_str("</table>\n");
    }
    if !a.unreadable_regions.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"sub\">Not drilled: the filters or alarms of {} could not be read.</p>",
            esc(&a.unreadable_regions.join(", "))
        );
    }
    if let Some(s) = &a.stopped {
        let _ = writeln!(out, "<p class=\"sub\">Stopped: {}</p>", esc_code_spans(s));
    }
}

/// The "Validation drill" section of the text report.
pub fn text_section(drills: &[LoadedDrill], as_of: DateTime<Utc>, days: u32) -> String {
    let mut out = String::new();
    if drills.is_empty() {
        return out;
    }
    out.push_str("\nValidation drill\n");
    for d in drills {
        let r = &d.record;
        let _ = writeln!(
            out,
            "  drill {} ({}), {} — from {}",
            escape(&r.drill_id),
            match r.mode {
                Mode::Plan => "plan, nothing was changed",
                Mode::Run => "run",
            },
            time(&r.started_at),
            escape(&d.path)
        );
        if is_stale(r, as_of, days) {
            let _ = writeln!(out, "    stale: {}", stale_text(r, as_of, days));
        }
        for a in &r.accounts {
            let _ = writeln!(
                out,
                "    account {}: {} (drilled {})",
                a.account_id,
                account_word(a.outcome),
                drilled_at(r, a)
            );
            for f in &a.filter_checks {
                let _ = writeln!(
                    out,
                    "      filter check {} {}/{}: {}",
                    f.region,
                    escape(&f.log_group_name),
                    escape(&f.filter_name),
                    step_word(f.outcome)
                );
                if let Some(n) = &f.next_step {
                    let _ = writeln!(out, "        next step: {}", escape(n));
                }
            }
            for dr in &a.alarm_drills {
                let _ = writeln!(
                    out,
                    "      alarm drill {} {}: {}{}",
                    dr.region,
                    escape(&dr.alarm_name),
                    step_word(dr.outcome),
                    dr.seconds_to_action
                        .map(|s| format!(", action {s:.1} s after the drill"))
                        .unwrap_or_default()
                );
                for t in &dr.topics {
                    let _ = writeln!(
                        out,
                        "        topic {}: {}; delivered / failed {}",
                        escape(&t.topic_arn),
                        subscribers(t),
                        deliveries(t)
                    );
                }
                if let Some(n) = &dr.next_step {
                    let _ = writeln!(out, "        next step: {}", escape(n));
                }
            }
            if let Some(e) = &a.root_event {
                let _ = writeln!(
                    out,
                    "      root event {}: {} ({})",
                    escape(&root_event_what(e)),
                    step_word(e.outcome),
                    root_event_seconds(e)
                );
                if let Some(n) = &e.next_step {
                    let _ = writeln!(out, "        next step: {}", escape(n));
                }
            }
            if let Some(s) = &a.stopped {
                let _ = writeln!(out, "      stopped: {}", escape(s));
            }
        }
    }
    out
}
