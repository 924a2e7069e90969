//! The activity review for people (text, a self-contained HTML page) and machines (JSON).

use super::page::{self, esc, Card};
use super::provenance::Provenance;
use super::words::plural;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use crate::activity::logs::{LogProblem, LogStats};
use crate::activity::notify::TimeToNotify;
use crate::activity::review::{Review, TimeToDetect, TimelineEvent, Verdict};
use crate::snapshot::RootEventKind;

/// An activity output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityFormat {
    /// KPIs, narratives and the timeline as text.
    Text,
    /// Everything as JSON.
    Json,
    /// A self-contained HTML page.
    Html,
}

impl ActivityFormat {
    /// The name `-o` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityFormat::Text => "text",
            ActivityFormat::Json => "json",
            ActivityFormat::Html => "html",
        }
    }
}

/// One `-o FORMAT[=PATH]` of `rootwarden activity`; no path means stdout.
pub type ActivityOutput = super::output::Output<ActivityFormat>;

impl super::output::OutputFormat for ActivityFormat {
    const KIND: &'static str = "activity format";
    const ALL: &'static [ActivityFormat] = &[ActivityFormat::Text, ActivityFormat::Json, ActivityFormat::Html];
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// Everything an activity report shows.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityReport {
    /// The review.
    #[serde(flatten)]
    pub review: Review,
    /// Where events came from.
    pub sources: Vec<String>,
    /// Log reading counts, when logs were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<LogStats>,
    /// Log files and records that could not be read (the first ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<LogProblem>,
    /// Accounts in the logs but not in the snapshot, left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts_not_in_snapshot: Vec<String>,
    /// Whether any account's alarm history was read (it explains an unknown time to detect).
    #[serde(skip)]
    pub alarm_history_read: bool,
    /// What produced the report (the HTML page shows it; not in JSON, whose content stays the
    /// same run after run).
    #[serde(skip)]
    pub provenance: Provenance,
}

/// Renders the report in `format`.
pub fn render(format: ActivityFormat, report: &ActivityReport) -> String {
    match format {
        ActivityFormat::Text => super::terminal::escape(&text(report)).into_owned(),
        ActivityFormat::Json => json(report),
        ActivityFormat::Html => html(report),
    }
}

fn json(report: &ActivityReport) -> String {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let mut with_tool = serde_json::Map::new();
        with_tool.insert(
            "tool".into(),
            json!({"name": "rootwarden", "version": env!("CARGO_PKG_VERSION")}),
        );
        with_tool.extend(std::mem::take(o));
        *o = with_tool;
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn ts(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

fn duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3600.0),
    }
}

/// The time-to-detect KPI and why it reads as it does: (value, explanation).
pub fn time_to_detect_text(t: &Option<TimeToDetect>, alarm_history_read: bool) -> (String, String) {
    match t {
        None if !alarm_history_read => (
            "unknown".into(),
            "no alarm history was read: review with `rootwarden activity --lookup` (or `scan --activity`), which reads \
             each root alarm's changes to ALARM (DescribeAlarmHistory); log files alone do not say when an alarm fired"
                .into(),
        ),
        None => (
            "unknown".into(),
            "no root event in an account whose alarm history was read, so there was nothing to time".into(),
        ),
        Some(t) => match (t.median_seconds, t.max_seconds) {
            (Some(m), Some(x)) => (
                format!("median {}, slowest {}", duration(m), duration(x)),
                format!(
                    "{} of {} raised a root alarm within a day; the goal is under five minutes",
                    t.detected,
                    plural(t.events, "root event", "root events")
                ),
            ),
            _ => (
                "never detected".into(),
                format!(
                    "no root alarm went to ALARM within a day of any of {}",
                    plural(t.events, "root event", "root events")
                ),
            ),
        },
    }
}

fn seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else {
        duration(s.round() as i64)
    }
}

/// The time-to-notify KPI and why it reads as it does: (value, explanation). `None` is unknown
/// (no alarm history read, no drill run), never 0.
pub fn time_to_notify_text(t: &Option<TimeToNotify>) -> (String, String) {
    let Some(t) = t else {
        return (
            "insufficient data".into(),
            "no root alarm's history was read and no drill record was given: collect with this version \
             (`scan` reads each root alarm's history), or run `rootwarden drill --yes -o json=FILE` and give `--drill FILE`"
                .into(),
        );
    };
    let mut sources = Vec::new();
    if t.from_alarm_history > 0 {
        sources.push(format!("{} from the root alarms' history", t.from_alarm_history));
    }
    if t.from_drills > 0 {
        sources.push(format!("{} from drill records", t.from_drills));
    }
    let from = if sources.is_empty() {
        String::new()
    } else {
        format!(" ({})", sources.join(", "))
    };
    let failed = if t.failed > 0 {
        format!("; {} not notified (the action failed or none ran)", t.failed)
    } else {
        String::new()
    };
    match (t.median_seconds, t.max_seconds) {
        (Some(m), Some(x)) => (
            format!("median {}, slowest {}", seconds(m), seconds(x)),
            format!(
                "{} of {} to ALARM{from} ran its action successfully{failed}; seconds from the change to the SNS action",
                t.notified,
                plural(t.transitions, "root alarm change", "root alarm changes"),
            ),
        ),
        _ if t.transitions == 0 => (
            "nothing to time".into(),
            "no root alarm went to ALARM in the history read (CloudWatch keeps 30 days) and no drill was run; \
             `rootwarden drill --yes` measures it"
                .into(),
        ),
        _ => (
            "never notified".into(),
            format!(
                "none of {}{from} ran its action successfully{failed}",
                plural(t.transitions, "root alarm change to ALARM", "root alarm changes to ALARM"),
            ),
        ),
    }
}

/// The KPI lines shared by text and HTML: (label, value, explanation).
fn kpi_rows(r: &ActivityReport) -> Vec<(String, String, String)> {
    let k = &r.review.kpis;
    let ratio = |r: &Option<crate::activity::review::Ratio>, what: &str| match r {
        Some(r) => (
            format!(
                "{}% ({} of {})",
                r.percent,
                r.count,
                plural(r.of, "account", "accounts")
            ),
            String::new(),
        ),
        None => ("unknown".to_string(), what.to_string()),
    };
    let (mfa, mfa_why) = ratio(
        &k.root_mfa_adoption,
        "no snapshot was evaluated (give --snapshot or --lookup)",
    );
    let (compliance, compliance_why) = ratio(
        &k.policy_compliance,
        "no snapshot was evaluated (give --snapshot or --lookup)",
    );
    let (ttd, ttd_why) = time_to_detect_text(&k.time_to_detect, r.alarm_history_read);
    let (ttn, ttn_why) = time_to_notify_text(&k.time_to_notify);
    vec![
        (
            "Root console sign-ins".into(),
            format!("{} ({} failed)", k.root_sign_ins, k.root_sign_in_failures),
            "the goal is zero".into(),
        ),
        (
            "Unapproved root events".into(),
            k.unapproved_events.to_string(),
            "root events outside an approved root-use exception".into(),
        ),
        (
            "Accounts with any root use".into(),
            format!("{} of {}", k.accounts_with_root_use, k.accounts),
            String::new(),
        ),
        ("Root MFA adoption".into(), mfa, mfa_why),
        (
            "Policy compliance (all controls pass)".into(),
            compliance,
            compliance_why,
        ),
        ("Time to detect".into(), ttd, ttd_why),
        ("Time to notify".into(), ttn, ttn_why),
    ]
}

/// How a root event kind reads for people.
pub fn kind_label(k: RootEventKind) -> &'static str {
    k.label()
}

/// How an activity source reads for people.
pub fn source_label(s: &str) -> &str {
    match s {
        "lookup_events" => "CloudTrail event history",
        "logs" => "CloudTrail log files",
        "alarm_history" => "alarm history",
        other => other,
    }
}

fn event_what(e: &TimelineEvent) -> String {
    let ev = &e.event;
    let mut what = match ev.kind {
        RootEventKind::ConsoleSignIn => {
            let result = match ev.sign_in_result.as_deref() {
                Some("Success") => "succeeded".to_string(),
                Some("Failure") => "failed".to_string(),
                Some(other) => other.to_string(),
                None => "result not recorded".to_string(),
            };
            format!("console sign-in {result}")
        }
        kind => format!("{} {}", kind_label(kind), ev.event_name),
    };
    match ev.mfa_used {
        Some(true) => what.push_str(" (MFA)"),
        Some(false) => what.push_str(" (no MFA)"),
        None => {}
    }
    if let Some(k) = &ev.access_key_last4 {
        let _ = write!(what, " with key …{k}");
    }
    if let Some(c) = &ev.error_code {
        let _ = write!(what, ", error {c}");
    }
    what
}

fn verdict_text(e: &TimelineEvent) -> String {
    match (&e.verdict, &e.approved_by) {
        (Verdict::Approved, Some(a)) => format!("approved: {} ({})", a.scenario, a.approver),
        _ => "UNAPPROVED".into(),
    }
}

fn sources_text(r: &ActivityReport) -> String {
    r.sources
        .iter()
        .map(|s| source_label(s))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Accounts whose review is incomplete, and log files or records that could not be read.
fn incompleteness(r: &ActivityReport) -> Option<String> {
    let accounts = r.review.accounts.iter().filter(|a| !a.complete).count();
    if accounts == 0 && r.problems.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if accounts > 0 {
        parts.push(format!(
            "the sources of {} of {} could not all be read",
            plural(accounts, "account", "accounts"),
            r.review.accounts.len()
        ));
    }
    if !r.problems.is_empty() {
        parts.push(format!(
            "{} could not be read",
            plural(r.problems.len(), "log file or record", "log files or records")
        ));
    }
    Some(format!(
        "Incomplete review: {}. Root use there may be missing from this report; RW-ACT-001 says insufficient data, never a pass.",
        parts.join("; ")
    ))
}

fn text(r: &ActivityReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Root activity {} – {} ({})",
        ts(&r.review.window_start),
        ts(&r.review.window_end),
        sources_text(r)
    );
    if let Some(st) = &r.stats {
        let _ = writeln!(
            s,
            "Read {} ({} unreadable, {} skipped), {} ({} unreadable), {:.1} MB of JSON.",
            plural(st.files as usize, "file", "files"),
            st.files_unreadable,
            st.files_skipped,
            plural(st.records as usize, "record", "records"),
            st.records_unreadable,
            st.bytes_uncompressed as f64 / 1e6
        );
    }
    if let Some(warning) = incompleteness(r) {
        let _ = writeln!(s, "\n{warning}");
    }
    s.push('\n');
    for (label, value, why) in kpi_rows(r) {
        // Time to notify always says where its figures come from.
        let why = if why.is_empty() || !(value.starts_with("unknown") || label == "Time to notify") {
            String::new()
        } else {
            format!(" — {why}")
        };
        let _ = writeln!(s, "  {label:<40} {value}{why}");
    }
    s.push_str("\nAccounts\n");
    for a in &r.review.accounts {
        let name = a.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(s, "  {}{name}: {}", a.account_id, a.narrative);
        for e in &a.errors {
            let region = e.region.as_deref().map(|r| format!(" {r}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "      cannot read {}{region}: {}: {}",
                source_label(&e.source),
                e.error_code,
                e.message
            );
        }
    }
    if !r.review.timeline.is_empty() {
        s.push_str("\nTimeline\n");
        for e in &r.review.timeline {
            let ev = &e.event;
            let detected = e
                .detected_after_seconds
                .map(|d| format!(", alarm after {}", duration(d)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {}  {}  {:<14} {:<60} from {} — {}{detected}",
                ts(&ev.event_time),
                e.account_id,
                ev.region,
                event_what(e),
                ev.source_ip.as_deref().unwrap_or("?"),
                verdict_text(e)
            );
        }
    }
    if !r.accounts_not_in_snapshot.is_empty() {
        let _ = writeln!(
            s,
            "\nLeft out (in the logs, not in the snapshot): {}",
            r.accounts_not_in_snapshot.join(", ")
        );
    }
    if !r.problems.is_empty() {
        s.push_str("\nCould not read\n");
        for p in &r.problems {
            let _ = writeln!(s, "  {p}");
        }
    }
    s
}

fn html(r: &ActivityReport) -> String {
    let mut s = String::new();
    let k = &r.review.kpis;
    page::open(
        &mut s,
        "rootwarden: root activity review",
        &format!(
            "{} – {} · {} · {}",
            ts(&r.review.window_start),
            ts(&r.review.window_end),
            plural(r.review.accounts.len(), "account", "accounts"),
            sources_text(r)
        ),
    );
    let incomplete = r.review.accounts.iter().filter(|a| !a.complete).count();
    let zero = |n: usize| if n == 0 { " zero" } else { "" };
    page::cards(
        &mut s,
        &[
            Card {
                class: "accounts".into(),
                value: r.review.accounts.len().to_string(),
                label: "accounts reviewed".into(),
            },
            Card {
                class: format!("sev-critical{}", zero(k.unapproved_events)),
                value: k.unapproved_events.to_string(),
                label: "unapproved root events".into(),
            },
            Card {
                class: format!("sev-high{}", zero(k.root_sign_ins)),
                value: k.root_sign_ins.to_string(),
                label: "root console sign-ins".into(),
            },
            Card {
                class: format!("sev-medium{}", zero(k.accounts_with_root_use)),
                value: k.accounts_with_root_use.to_string(),
                label: "accounts with root use".into(),
            },
            Card {
                class: format!("data{}", zero(incomplete)),
                value: incomplete.to_string(),
                label: "incomplete accounts".into(),
            },
        ],
    );
    if let Some(warning) = incompleteness(r) {
        page::banner(&mut s, "", &esc(&warning));
    }
    if k.unapproved_events > 0 {
        page::banner(
            &mut s,
            "bad",
            &format!(
                "<strong>{}</strong> outside an approved root-use exception — see the <a href=\"#timeline\">timeline</a>.",
                esc(&plural(k.unapproved_events, "root event", "root events"))
            ),
        );
    } else if incomplete == 0 && r.problems.is_empty() {
        page::banner(&mut s, "good", "<strong>No unapproved root use</strong> in the window.");
    }
    s.push_str("<h2 id=\"kpis\">Key figures</h2>\n<table class=\"kpis\">\n");
    for (label, value, why) in kpi_rows(r) {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"why\">{}</td></tr>",
            esc(&label),
            esc(&value),
            page::esc_code_spans(&why)
        );
    }
    s.push_str(
        "</table>\n<h2 id=\"accounts\">Accounts</h2>\n<table>\n<tr><th>Account</th><th>Root events</th>\
         <th>Unapproved</th><th>Assessment</th></tr>\n",
    );
    for a in &r.review.accounts {
        let class = if a.complete { "" } else { " class=\"incomplete\"" };
        let errors: String = a
            .errors
            .iter()
            .map(|e| {
                format!(
                    "<br><small>cannot read {}{}: {}: {}</small>",
                    esc(source_label(&e.source)),
                    e.region.as_deref().map(|r| format!(" {}", esc(r))).unwrap_or_default(),
                    esc(&e.error_code),
                    esc(&e.message)
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "<tr{class}><td>{}{}</td><td>{}</td><td>{}</td><td>{}{errors}</td></tr>",
            esc(&a.account_id),
            a.name.as_deref().map(|n| format!("<br>{}", esc(n))).unwrap_or_default(),
            a.events,
            a.unapproved,
            esc(&a.narrative)
        );
    }
    s.push_str("</table>\n<h2 id=\"timeline\">Timeline</h2>\n");
    if r.review.timeline.is_empty() {
        s.push_str("<p>No root events in the window.</p>\n");
    } else {
        s.push_str(
            "<table>\n<tr><th>Time (UTC)</th><th>Account</th><th>Region</th><th>What</th><th>Source IP</th>\
             <th>User agent</th><th>Verdict</th><th>Alarm after</th></tr>\n",
        );
        for e in &r.review.timeline {
            let ev = &e.event;
            let class = match e.verdict {
                Verdict::Approved => "approved",
                Verdict::Unapproved => "unapproved",
            };
            let _ = writeln!(
                s,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&ts(&ev.event_time)),
                esc(&e.account_id),
                esc(&ev.region),
                esc(&event_what(e)),
                esc(ev.source_ip.as_deref().unwrap_or("")),
                esc(ev.user_agent.as_deref().unwrap_or("")),
                esc(&verdict_text(e)),
                e.detected_after_seconds.map(duration).unwrap_or_default()
            );
        }
        s.push_str("</table>\n");
    }
    if !r.accounts_not_in_snapshot.is_empty() {
        let _ = writeln!(
            s,
            "<p>Left out (in the logs, not in the snapshot): {}</p>",
            esc(&r.accounts_not_in_snapshot.join(", "))
        );
    }
    if !r.problems.is_empty() {
        s.push_str("<h2 id=\"unreadable\">Could not read</h2>\n<ul>\n");
        for p in &r.problems {
            let _ = writeln!(s, "<li>{}</li>", esc(&p.to_string()));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<h2 id=\"provenance\">Provenance</h2>\n");
    let mut extra = vec![
        ("Sources".to_string(), esc(&sources_text(r))),
        (
            "Window".to_string(),
            esc(&format!(
                "{} – {}",
                ts(&r.review.window_start),
                ts(&r.review.window_end)
            )),
        ),
    ];
    if let Some(d) = &r.provenance.snapshot {
        extra.push((
            "Snapshot".into(),
            format!("{} <code>{}</code>", esc(&d.path), esc(&d.digest)),
        ));
    }
    if let Some(st) = &r.stats {
        extra.push((
            "Log files".into(),
            esc(&format!(
                "{} read ({} unreadable, {} skipped), {} ({} unreadable)",
                plural(st.files as usize, "file", "files"),
                st.files_unreadable,
                st.files_skipped,
                plural(st.records as usize, "record", "records"),
                st.records_unreadable
            )),
        ));
    }
    page::provenance(&mut s, &r.provenance, &extra);
    page::close(&mut s, &r.provenance);
    s
}

#[cfg(test)]
mod tests;
