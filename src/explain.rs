//! `rootwarden explain-filter`: runs the canonical CloudTrail events through a pattern and says,
//! per event, whether it is counted, whether it should be, and which conditions decided.

use std::process::ExitCode;

use rootwarden::canonical_events::{self, CanonicalEvent};
use rootwarden::{event_pattern, filter_pattern, outln};
use serde::Serialize;

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

/// Prints the explanation; exit 0 when every must-match event matches and nothing else does,
/// 1 when the pattern misses a root event or counts noise, 2 when it does not parse.
pub fn run(pattern: &str, as_event_pattern: bool, as_json: bool) -> anyhow::Result<ExitCode> {
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
    if as_json {
        rootwarden::report::output::stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(
                &serde_json::json!({"pattern": pattern, "events": rows, "missed": missed, "noise": noise})
            )?
        ));
    } else {
        for r in &rows {
            let verdict = if r.matches { "MATCH" } else { "-    " };
            let flag = if r.missed() {
                "  <- MISSED: a root event that must alert"
            } else if r.noise() {
                "  <- NOISE: not root using a credential"
            } else {
                ""
            };
            outln!("{verdict}  {:<30} ({}){flag}", r.event, r.expected.as_str());
            for c in &r.conditions {
                outln!(
                    "         {} {}  (found {})",
                    if c.holds { "✓" } else { "✗" },
                    c.condition,
                    c.found
                );
            }
        }
        outln!();
        if missed.is_empty() && noise.is_empty() {
            outln!("A root detection: it counts every required root event and nothing else.");
        }
        if !missed.is_empty() {
            outln!("Misses {} root event(s): {}", missed.len(), missed.join(", "));
        }
        if !noise.is_empty() {
            outln!(
                "Also counts {} event(s) that are not root using a credential: {}",
                noise.len(),
                noise.join(", ")
            );
        }
    }
    Ok(if missed.is_empty() && noise.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
