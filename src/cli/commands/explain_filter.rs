//! `rootwarden explain-filter`: runs the canonical CloudTrail events through a pattern and says,
//! per event, whether it is counted, whether it should be, and which conditions decided.

use rootwarden::canonical_events::{self, CanonicalEvent};
use std::fmt::Write as _;

use rootwarden::event_pattern;
use rootwarden::filter_pattern;
use rootwarden::report::output::{Output, OutputPlan, TextOrJson};
use rootwarden::report::terminal::escape;
use serde::Serialize;

use crate::cli::Outcome;

/// The pattern and how to show the verdicts.
#[derive(clap::Args)]
pub struct Args {
    /// The pattern, quoted for the shell, e.g. '{ $.userIdentity.type = "Root" }'.
    pattern: String,
    /// Read the pattern as an EventBridge event pattern (JSON) instead.
    #[arg(long)]
    event_pattern: bool,
    /// Output FORMAT[=PATH] (repeatable): text, json. Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<Output<TextOrJson>>,
}

/// What a detection should do with an event.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
enum Expected {
    #[serde(rename = "must match")]
    MustMatch,
    #[serde(rename = "should not match")]
    ShouldNotMatch,
    #[serde(rename = "either")]
    Either,
}

impl Expected {
    fn of(e: &CanonicalEvent) -> Expected {
        if !e.alert_for.is_empty() {
            Expected::MustMatch
        } else if e.noise.is_some() || !e.root {
            Expected::ShouldNotMatch
        } else {
            Expected::Either
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Expected::MustMatch => "must match",
            Expected::ShouldNotMatch => "should not match",
            Expected::Either => "either",
        }
    }
}

/// One condition of a JSON filter judged on one event.
#[derive(Serialize)]
struct Condition {
    condition: String,
    found: String,
    holds: bool,
}

/// One canonical event judged by the pattern.
#[derive(Serialize)]
struct Row {
    event: &'static str,
    description: &'static str,
    expected: Expected,
    matches: bool,
    conditions: Vec<Condition>,
}

impl Row {
    fn missed(&self) -> bool {
        self.expected == Expected::MustMatch && !self.matches
    }

    fn noise(&self) -> bool {
        self.expected == Expected::ShouldNotMatch && self.matches
    }
}

/// Prints the explanation; Clean when every must-match event matches and nothing else does,
/// Findings when the pattern misses a root event or counts noise; an error when it does not
/// parse.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (pattern, as_event_pattern) = (args.pattern.as_str(), args.event_pattern);
    let mut outputs = OutputPlan::new();
    outputs.add_outputs(&args.outputs, TextOrJson::Text, |f| f)?;
    let row = |e: &'static CanonicalEvent, matches: bool, conditions: Vec<Condition>| Row {
        event: &e.id,
        description: &e.description,
        expected: Expected::of(e),
        matches,
        conditions,
    };
    let rows: Vec<Row> = if as_event_pattern {
        let p = event_pattern::parse(pattern).map_err(|e| anyhow::anyhow!("the event pattern: {e}"))?;
        canonical_events::all()
            .iter()
            .map(|e| row(e, p.matches(&e.eventbridge()), Vec::new()))
            .collect()
    } else {
        let p = filter_pattern::parse(pattern).map_err(|e| anyhow::anyhow!("the filter pattern {pattern:?}: {e}"))?;
        canonical_events::all()
            .iter()
            .map(|e| {
                let why = p
                    .explain(&e.record)
                    .into_iter()
                    .map(|t| Condition {
                        condition: t.condition,
                        found: t.value.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
                        holds: t.holds,
                    })
                    .collect();
                row(e, p.matches_event(&e.record), why)
            })
            .collect()
    };
    let missed: Vec<&str> = rows.iter().filter(|r| r.missed()).map(|r| r.event).collect();
    let noise: Vec<&str> = rows.iter().filter(|r| r.noise()).map(|r| r.event).collect();
    outputs.commit(|f| match f {
        TextOrJson::Json => {
            let doc = serde_json::json!({"pattern": pattern, "events": rows, "missed": missed, "noise": noise});
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        TextOrJson::Text => escape(&text(&rows, &missed, &noise)).into_owned(),
    })?;
    Ok(if missed.is_empty() && noise.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// The explanation for people: one line per event, its conditions under it, then the verdict.
fn text(rows: &[Row], missed: &[&str], noise: &[&str]) -> String {
    let mut s = String::new();
    for r in rows {
        let verdict = if r.matches { "MATCH" } else { "-    " };
        let flag = if r.missed() {
            "  <- MISSED: a root event that must alert"
        } else if r.noise() {
            "  <- NOISE: not root using a credential"
        } else {
            ""
        };
        let _ = writeln!(s, "{verdict}  {:<30} ({}){flag}", r.event, r.expected.as_str());
        for c in &r.conditions {
            let _ = writeln!(
                s,
                "         {} {}  (found {})",
                if c.holds { "✓" } else { "✗" },
                c.condition,
                c.found
            );
        }
    }
    let _ = writeln!(s);
    if missed.is_empty() && noise.is_empty() {
        let _ = writeln!(
            s,
            "A root detection: it counts every required root event and nothing else."
        );
    }
    if !missed.is_empty() {
        let _ = writeln!(s, "Misses {} root event(s): {}", missed.len(), missed.join(", "));
    }
    if !noise.is_empty() {
        let _ = writeln!(
            s,
            "Also counts {} event(s) that are not root using a credential: {}",
            noise.len(),
            noise.join(", ")
        );
    }
    s
}
