//! Parser and matcher for AWS CloudWatch Logs *filter patterns*.
//!
//! The syntax follows the AWS documentation page "Filter pattern syntax for
//! metric filters, subscription filters, and filter log events". Three
//! families of patterns exist, chosen by the first non-blank character:
//!
//! * `{ ... }` — a JSON pattern evaluated against a JSON log event
//!   ([`PatternKind::Json`]);
//! * `[ ... ]` — a space-delimited pattern matched against the fields of a
//!   space-delimited log line ([`PatternKind::SpaceDelimited`]);
//! * anything else — terms and quoted phrases searched for in the text of the
//!   event ([`PatternKind::Terms`]).
//!
//! An empty pattern, a blank pattern, or `""` matches every event
//! ([`PatternKind::MatchAll`]).
//!
//! The module is judged semantically: the question it answers is "which log
//! events would AWS count for this pattern". Where the documentation is
//! silent, the choice made is explained next to the code that makes it.
//! Regular-expression patterns (`%...%`) are rejected with a [`ParseError`]
//! rather than guessed at.

mod json_pattern;
mod lexer;
mod matcher;
mod space_delimited;
mod term_pattern;

#[cfg(test)]
mod tests;

use std::str::FromStr;

use json_pattern::JsonPattern;
use lexer::Cursor;
use space_delimited::SpaceDelimitedPattern;
use term_pattern::TermPattern;

/// Error returned when a filter pattern cannot be parsed.
///
/// `position` is the 0-based character (not byte) offset into the pattern at
/// which the problem was detected; the [`Display`](std::fmt::Display) form
/// reports it as a 1-based column, e.g. `at column 3: missing operator`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {}: {}", .position + 1, .message)]
pub struct ParseError {
    /// 0-based character offset into the pattern.
    pub position: usize,
    /// Human-readable description of the problem.
    pub message: String,
}

impl ParseError {
    /// Builds an error at `position` (0-based character offset).
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

/// One condition of a JSON pattern judged on one event, for explaining a verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionTrace {
    /// The condition as it would be written, e.g. `$.userIdentity.type = "Root"`.
    pub condition: String,
    /// What the selector found in the event (`None`: the field does not exist).
    pub value: Option<serde_json::Value>,
    /// Whether the condition holds.
    pub holds: bool,
}

/// The family a parsed filter pattern belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternKind {
    /// A JSON pattern such as `{ $.eventName = "ConsoleLogin" }`.
    Json,
    /// Term / phrase patterns such as `ERROR -Exiting` or `?ERROR ?WARN`.
    Terms,
    /// A space-delimited pattern such as `[ip, user, ..., status = 4*]`.
    SpaceDelimited,
    /// The empty pattern (or `""`), which matches every event.
    MatchAll,
}

/// A parsed CloudWatch Logs filter pattern.
///
/// Build one with [`parse`] (or [`str::parse`]), then test log events with
/// [`FilterPattern::matches_event`] or [`FilterPattern::matches_line`].
#[derive(Debug, Clone)]
pub struct FilterPattern {
    source: String,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    MatchAll,
    Json(JsonPattern),
    Terms(TermPattern),
    SpaceDelimited(SpaceDelimitedPattern),
}

/// Parses a CloudWatch Logs filter pattern.
///
/// Returns a [`ParseError`] carrying the character position of the first
/// problem found (unbalanced braces, brackets or parentheses, a missing
/// operator, a malformed selector, an unterminated string, trailing input,
/// an empty JSON pattern `{}`, or an unsupported regular expression).
pub fn parse(pattern: &str) -> Result<FilterPattern, ParseError> {
    let trimmed = pattern.trim();
    // AWS: "The filter pattern "" matches all log events." A blank pattern
    // is what the console/API stores for "match everything" as well.
    if trimmed.is_empty() || trimmed == "\"\"" {
        return Ok(FilterPattern {
            source: pattern.to_string(),
            inner: Inner::MatchAll,
        });
    }
    let mut cur = Cursor::new(pattern);
    cur.skip_ws();
    let start = cur.pos();
    let inner = match cur.peek() {
        Some('{') => Inner::Json(JsonPattern::parse(&mut cur)?),
        Some('[') => Inner::SpaceDelimited(SpaceDelimitedPattern::parse(&mut cur)?),
        Some(c @ ('}' | ']' | ')')) => {
            return Err(ParseError::new(
                start,
                format!("unmatched `{c}` at the start of the pattern"),
            ));
        }
        _ => Inner::Terms(TermPattern::parse(&mut cur)?),
    };
    Ok(FilterPattern {
        source: pattern.to_string(),
        inner,
    })
}

impl FilterPattern {
    /// Returns the pattern text exactly as it was given to [`parse`].
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Returns which family of pattern this is.
    pub fn kind(&self) -> PatternKind {
        match self.inner {
            Inner::MatchAll => PatternKind::MatchAll,
            Inner::Json(_) => PatternKind::Json,
            Inner::Terms(_) => PatternKind::Terms,
            Inner::SpaceDelimited(_) => PatternKind::SpaceDelimited,
        }
    }

    /// Tests a structured log event, such as one CloudTrail record.
    ///
    /// CloudTrail delivers each record to CloudWatch Logs as the JSON record
    /// serialized on one line. JSON patterns are evaluated directly on the
    /// value; term and space-delimited patterns are matched against the
    /// compact serialization (`serde_json::to_string`).
    pub fn matches_event(&self, event: &serde_json::Value) -> bool {
        match &self.inner {
            Inner::MatchAll => true,
            Inner::Json(p) => p.matches(event),
            Inner::Terms(p) => p.matches(&event.to_string()),
            Inner::SpaceDelimited(p) => p.matches(&event.to_string()),
        }
    }

    /// For a JSON pattern, each of its conditions judged on `event` (empty for other kinds,
    /// whose verdict is a text search over the serialized event).
    pub fn explain(&self, event: &serde_json::Value) -> Vec<ConditionTrace> {
        match &self.inner {
            Inner::Json(p) => p.trace(event),
            _ => Vec::new(),
        }
    }

    /// Tests one raw log event message.
    ///
    /// For JSON patterns the line is parsed as JSON first; a line that is not
    /// valid JSON never matches a JSON pattern (AWS applies JSON patterns only
    /// to JSON log events).
    pub fn matches_line(&self, line: &str) -> bool {
        match &self.inner {
            Inner::MatchAll => true,
            Inner::Json(p) => serde_json::from_str::<serde_json::Value>(line)
                .map(|v| p.matches(&v))
                .unwrap_or(false),
            Inner::Terms(p) => p.matches(line),
            Inner::SpaceDelimited(p) => p.matches(line),
        }
    }
}

impl FromStr for FilterPattern {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
