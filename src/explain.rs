//! `rootwarden explain-filter`: runs the canonical CloudTrail events through a pattern and says,
//! per event, whether it is counted, whether it should be, and which conditions decided.

use std::process::ExitCode;

use rootwarden::canonical_events::{self, CanonicalEvent};
use rootwarden::{event_pattern, filter_pattern};
use serde_json::{json, Value};

/// What a detection should do with an event.
fn expectation(e: &CanonicalEvent) -> &'static str {
    if !e.alert_for.is_empty() {
        "must match"
    } else if e.noise.is_some() || !e.root {
        "should not match"
    } else {
        "either"
    }
}

/// Prints the explanation; exit 0 when every must-match event matches and nothing else does,
/// 1 when the pattern misses a root event or counts noise, 2 when it does not parse.
pub fn run(pattern: &str, as_event_pattern: bool, as_json: bool) -> anyhow::Result<ExitCode> {
    let rows: Vec<Value> = if as_event_pattern {
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
                    .map(|t| {
                        json!({
                            "condition": t.condition,
                            "found": t.value.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
                            "holds": t.holds,
                        })
                    })
                    .collect();
                row(e, p.matches_event(&e.record), why)
            })
            .collect()
    };
    let missed: Vec<&str> = rows
        .iter()
        .filter(|r| r["expected"] == "must match" && r["matches"] == false)
        .filter_map(|r| r["event"].as_str())
        .collect();
    let noise: Vec<&str> = rows
        .iter()
        .filter(|r| r["expected"] == "should not match" && r["matches"] == true)
        .filter_map(|r| r["event"].as_str())
        .collect();
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"pattern": pattern, "events": rows, "missed": missed, "noise": noise})
            )?
        );
    } else {
        for r in &rows {
            let verdict = if r["matches"] == true { "MATCH" } else { "-    " };
            let flag = match (r["expected"].as_str(), r["matches"].as_bool()) {
                (Some("must match"), Some(false)) => "  <- MISSED: a root event that must alert",
                (Some("should not match"), Some(true)) => "  <- NOISE: not root using a credential",
                _ => "",
            };
            println!(
                "{verdict}  {:<30} ({}){flag}",
                r["event"].as_str().unwrap_or(""),
                r["expected"].as_str().unwrap_or("")
            );
            for c in r["conditions"].as_array().into_iter().flatten() {
                println!(
                    "         {} {}  (found {})",
                    if c["holds"] == true { "✓" } else { "✗" },
                    c["condition"].as_str().unwrap_or(""),
                    c["found"].as_str().unwrap_or("")
                );
            }
        }
        println!();
        match (missed.is_empty(), noise.is_empty()) {
            (true, true) => println!("A root detection: it counts every required root event and nothing else."),
            _ => {
                if !missed.is_empty() {
                    println!("Misses {} root event(s): {}", missed.len(), missed.join(", "));
                }
                if !noise.is_empty() {
                    println!(
                        "Also counts {} event(s) that are not root using a credential: {}",
                        noise.len(),
                        noise.join(", ")
                    );
                }
            }
        }
    }
    Ok(if missed.is_empty() && noise.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn row(e: &CanonicalEvent, matches: bool, conditions: Vec<Value>) -> Value {
    json!({
        "event": e.id,
        "description": e.description,
        "expected": expectation(e),
        "matches": matches,
        "conditions": conditions,
    })
}
