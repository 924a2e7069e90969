//! `-o text`: the report for a terminal. Accounts with the worst failures first; in each, failing
//! controls first in severity order, then insufficient data, waived and (with `--show-passed`)
//! not applicable and passing ones, which are otherwise summarised in one line per account.
//! Colour only on a terminal, never with `NO_COLOR` set (<https://no-color.org>).

use std::cmp::Reverse;
use std::fmt::Write;
use std::io::IsTerminal as _;

use super::terminal::escape;
use super::words::{beyond_failing, counts_sentence, plural, status_rank, SEVERITIES};
use super::AccountNames;
use crate::policy::outcome::Counts;
use crate::policy::{Evaluation, Outcome, Severity, Status};

/// When to colour the text report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to something.
    #[default]
    Auto,
    /// Always (also into files and pipes).
    Always,
    /// Never.
    Never,
}

/// What the text report shows; none of it changes the outcome table, the exit code or the other
/// formats.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// List passing and not-applicable controls instead of counting them.
    pub show_passed: bool,
    /// Show only outcomes with these statuses (all when empty).
    pub statuses: Vec<Status>,
    /// Show only controls of these severities (all when empty).
    pub severities: Vec<Severity>,
    /// Colour.
    pub color: ColorChoice,
}

impl TextOptions {
    /// Whether a report written to stdout (`to_stdout`) or a file gets colour.
    pub fn use_color(&self, to_stdout: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_stdout
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    fn filtered(&self) -> bool {
        !self.statuses.is_empty() || !self.severities.is_empty()
    }

    fn shows(&self, status: Status, severity: Severity) -> bool {
        let listed = if self.statuses.is_empty() {
            self.show_passed || !matches!(status, Status::Pass | Status::NotApplicable)
        } else {
            self.statuses.contains(&status)
        };
        listed && (self.severities.is_empty() || self.severities.contains(&severity))
    }
}

/// SGR styles.
const RED_BOLD: &str = "1;31";
const RED: &str = "31";
const YELLOW: &str = "33";
const MAGENTA: &str = "35";
const GREEN: &str = "32";
const DIM: &str = "2";
const BOLD: &str = "1";

struct Painter(bool);

impl Painter {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn label(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Pass => ("PASS", GREEN),
        Status::Fail => ("FAIL", RED_BOLD),
        Status::NotApplicable => ("N/A", DIM),
        Status::InsufficientData => ("DATA?", YELLOW),
        Status::Waived => ("WAIVED", MAGENTA),
    }
}

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => RED_BOLD,
        Severity::High => RED,
        Severity::Medium => YELLOW,
        Severity::Low | Severity::Info => DIM,
    }
}

/// How bad an outcome is, for ordering: smaller is worse.
fn badness(eval: &Evaluation, o: &Outcome) -> (usize, Reverse<Severity>) {
    (status_rank(o.status), Reverse(eval.rule_of(o).severity()))
}

/// Renders the text report.
pub fn render(eval: &Evaluation, names: &AccountNames, opts: &TextOptions, color: bool) -> String {
    let p = Painter(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rootwarden {} — snapshot collected {} — {} × {}",
        env!("CARGO_PKG_VERSION"),
        escape(&eval.collected_at),
        plural(eval.accounts.len(), "account", "accounts"),
        plural(eval.rules.len(), "control", "controls"),
    );
    let width = eval
        .rules
        .iter()
        .map(|r| escape(r.id()).chars().count())
        .max()
        .unwrap_or(0);
    // Accounts with the worst outcome first; snapshot order among equals.
    let mut by_account: std::collections::HashMap<&str, Vec<&Outcome>> = std::collections::HashMap::new();
    for o in &eval.outcomes {
        by_account.entry(o.account_id.as_str()).or_default().push(o);
    }
    let mut accounts: Vec<(&String, Vec<&Outcome>)> = eval
        .accounts
        .iter()
        .map(|a| {
            let mut os: Vec<&Outcome> = by_account.remove(a.as_str()).unwrap_or_default();
            os.sort_by(|x, y| badness(eval, x).cmp(&badness(eval, y)).then(x.rule_id.cmp(&y.rule_id)));
            (a, os)
        })
        .collect();
    accounts.sort_by_key(|(_, os)| os.first().map(|o| badness(eval, o)));
    // Accounts with something listed get a paragraph each; those with nothing listed (all
    // passing, say) one line each, together, so a clean organization stays short.
    let mut in_block = false;
    let mut counted_not_listed = false;
    for (account, outcomes) in &accounts {
        let mut counts = Counts::default();
        outcomes.iter().for_each(|o| counts.add(o.status));
        let shown: Vec<&&Outcome> = outcomes
            .iter()
            .filter(|o| opts.shows(o.status, eval.rule_of(o).severity()))
            .collect();
        if shown.is_empty() && opts.filtered() {
            continue;
        }
        counted_not_listed |= shown.len() < outcomes.len();
        let name = names
            .get(account.as_str())
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default();
        if shown.is_empty() {
            if !in_block {
                out.push('\n');
                in_block = true;
            }
        } else {
            out.push('\n');
            in_block = false;
        }
        let _ = writeln!(
            out,
            "{} {}",
            p.paint(BOLD, &format!("Account {}{name}:", escape(account))),
            counts_sentence(&counts)
        );
        for o in &shown {
            let rule = eval.rule_of(o);
            let (word, style) = label(o.status);
            let _ = writeln!(
                out,
                "  {}  {}  {:<width$}  {}",
                p.paint(style, &format!("{word:<6}")),
                p.paint(
                    severity_style(rule.severity()),
                    &format!("{:<8}", rule.severity().as_str())
                ),
                escape(rule.id()),
                escape(&rule.metadata.title)
            );
            if !matches!(o.status, Status::Pass) {
                for f in &o.findings {
                    let region = f
                        .region
                        .as_deref()
                        .map(|r| format!("[{}] ", escape(r)))
                        .unwrap_or_default();
                    let waived = f
                        .suppression
                        .as_ref()
                        .map(|w| {
                            format!(
                                " (waived until {}{}: {})",
                                escape(&w.expires),
                                w.approver
                                    .as_deref()
                                    .map(|a| format!(", approved by {}", escape(a)))
                                    .unwrap_or_default(),
                                escape(&w.reason)
                            )
                        })
                        .unwrap_or_default();
                    let _ = writeln!(out, "  {:<6}  {:<8}  ↳ {region}{}{waived}", "", "", escape(&f.message));
                }
            }
        }
    }
    if !eval.skipped_accounts.is_empty() {
        let _ = writeln!(
            out,
            "\nOut of scope ({}): {}",
            plural(eval.skipped_accounts.len(), "account", "accounts"),
            escape(&eval.skipped_accounts.join(", "))
        );
    }
    let _ = writeln!(out, "\n{}", summary(eval));
    for w in &eval.expired_waivers {
        let _ = writeln!(
            out,
            "Expired waiver #{} ({} in {} on {}, expired {}: {}): it suppresses nothing; {} again.",
            w.index,
            escape(&w.rule_id),
            escape(&w.account_id),
            escape(&w.resource),
            escape(&w.expires),
            escape(&w.reason),
            plural(w.findings_no_longer_suppressed, "finding fails", "findings fail")
        );
    }
    if counted_not_listed && !opts.filtered() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                DIM,
                "Passing and not-applicable controls are counted, not listed (--show-passed lists them)."
            )
        );
    }
    if opts.filtered() {
        let mut f = Vec::new();
        if !opts.statuses.is_empty() {
            let s: Vec<&str> = opts.statuses.iter().map(|s| s.as_str()).collect();
            f.push(format!("--status {}", s.join(",")));
        }
        if !opts.severities.is_empty() {
            let s: Vec<&str> = opts.severities.iter().map(|s| s.as_str()).collect();
            f.push(format!("--severity {}", s.join(",")));
        }
        let _ = writeln!(
            out,
            "Shown: {} only (the summary, exit code and other formats count everything).",
            f.join(" ")
        );
    }
    out
}

/// The closing line: every outcome counted, failing ones by severity.
fn summary(eval: &Evaluation) -> String {
    let c = eval.counts();
    let mut by_sev = Vec::new();
    for sev in SEVERITIES {
        let n = eval
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Fail && eval.rule_of(o).severity() == sev)
            .count();
        if n > 0 {
            by_sev.push(format!("{n} {}", sev.as_str()));
        }
    }
    let failing = if by_sev.is_empty() {
        "0 failing".to_string()
    } else {
        format!("{} failing ({})", c.fail, by_sev.join(", "))
    };
    let mut parts = vec![failing];
    parts.extend(beyond_failing(&c));
    format!(
        "{} × {}: {}; {}.",
        plural(eval.accounts.len(), "account", "accounts"),
        plural(eval.rules.len(), "control", "controls"),
        parts.join(", "),
        plural(eval.collection_errors, "collection error", "collection errors")
    )
}
