//! The activity review for people (text, a self-contained HTML page) and machines (JSON).

use super::split_output;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use crate::activity::logs::{LogProblem, LogStats};
use crate::activity::review::{Review, TimelineEvent, Verdict};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityOutput {
    /// The format.
    pub format: ActivityFormat,
    /// Where to write; `None` for stdout.
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for ActivityOutput {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, path) = split_output(s)?;
        let format = match name {
            "text" => ActivityFormat::Text,
            "json" => ActivityFormat::Json,
            "html" => ActivityFormat::Html,
            _ => return Err(format!("unknown activity format {name:?}; expected text, json or html")),
        };
        Ok(ActivityOutput { format, path })
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

/// The KPI lines shared by text and HTML: (label, value).
fn kpi_rows(r: &ActivityReport) -> Vec<(String, String)> {
    let k = &r.review.kpis;
    let ratio = |r: &Option<crate::activity::review::Ratio>, what: &str| match r {
        Some(r) => format!("{}% ({} of {} accounts)", r.percent, r.count, r.of),
        None => format!("unknown ({what})"),
    };
    vec![
        (
            "Root console sign-ins".into(),
            format!("{} ({} failed)", k.root_sign_ins, k.root_sign_in_failures),
        ),
        ("Unapproved root events".into(), k.unapproved_events.to_string()),
        (
            "Accounts with any root use".into(),
            format!("{} of {}", k.accounts_with_root_use, k.accounts),
        ),
        (
            "Root MFA adoption".into(),
            ratio(&k.root_mfa_adoption, "no credential report in the snapshot"),
        ),
        (
            "Policy compliance (all controls pass)".into(),
            ratio(&k.policy_compliance, "no snapshot evaluated"),
        ),
        (
            "Time to detect".into(),
            match &k.time_to_detect {
                None => "unknown (no alarm history read)".into(),
                Some(t) => match (t.median_seconds, t.max_seconds) {
                    (Some(m), Some(x)) => format!(
                        "median {}, max {}; {} of {} events raised an alarm within a day",
                        duration(m),
                        duration(x),
                        t.detected,
                        t.events
                    ),
                    _ => format!("no alarm fired for any of {} events", t.events),
                },
            },
        ),
    ]
}

fn event_what(e: &TimelineEvent) -> String {
    let ev = &e.event;
    let mut what = format!("{} {}", ev.kind.as_str(), ev.event_name);
    if let Some(r) = &ev.sign_in_result {
        let _ = write!(what, " {r}");
    }
    match ev.mfa_used {
        Some(true) => what.push_str(" (MFA)"),
        Some(false) => what.push_str(" (no MFA)"),
        None => {}
    }
    if let Some(k) = &ev.access_key_last4 {
        let _ = write!(what, " key …{k}");
    }
    if let Some(c) = &ev.error_code {
        let _ = write!(what, " error {c}");
    }
    what
}

fn verdict_text(e: &TimelineEvent) -> String {
    match (&e.verdict, &e.approved_by) {
        (Verdict::Approved, Some(a)) => format!("approved: {} ({})", a.scenario, a.approver),
        _ => "UNAPPROVED".into(),
    }
}

fn text(r: &ActivityReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Root activity {} – {} ({})",
        ts(&r.review.window_start),
        ts(&r.review.window_end),
        r.sources.join(", ")
    );
    if let Some(st) = &r.stats {
        let _ = writeln!(
            s,
            "Read {} files ({} unreadable, {} skipped), {} records ({} unreadable), {:.1} MB of JSON.",
            st.files,
            st.files_unreadable,
            st.files_skipped,
            st.records,
            st.records_unreadable,
            st.bytes_uncompressed as f64 / 1e6
        );
    }
    s.push('\n');
    for (label, value) in kpi_rows(r) {
        let _ = writeln!(s, "  {label:<40} {value}");
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
                e.source, e.error_code, e.message
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

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1b1f24}\
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.kpis td:first-child{font-weight:600}\
tr.unapproved td{background:#ffebe9}tr.approved td{background:#dafbe1}\
.incomplete{color:#9a6700}code{font-size:12px}";

fn html(r: &ActivityReport) -> String {
    let mut s = String::new();
    let title = format!(
        "Root activity {} – {}",
        ts(&r.review.window_start),
        ts(&r.review.window_end)
    );
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n<p>Sources: {}</p>\n",
        esc(&r.sources.join(", ")),
        t = esc(&title)
    );
    s.push_str("<h2>KPIs</h2>\n<table class=\"kpis\">\n");
    for (label, value) in kpi_rows(r) {
        let _ = writeln!(s, "<tr><td>{}</td><td>{}</td></tr>", esc(&label), esc(&value));
    }
    s.push_str("</table>\n<h2>Accounts</h2>\n<table>\n<tr><th>Account</th><th>Events</th><th>Unapproved</th><th>Assessment</th></tr>\n");
    for a in &r.review.accounts {
        let class = if a.complete { "" } else { " class=\"incomplete\"" };
        let _ = writeln!(
            s,
            "<tr{class}><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.account_id),
            a.name.as_deref().map(|n| format!("<br>{}", esc(n))).unwrap_or_default(),
            a.events,
            a.unapproved,
            esc(&a.narrative)
        );
    }
    s.push_str("</table>\n<h2>Timeline</h2>\n");
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
    if !r.problems.is_empty() {
        s.push_str("<h2>Could not read</h2>\n<ul>\n");
        for p in &r.problems {
            let _ = writeln!(s, "<li>{}</li>", esc(&p.to_string()));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests;
