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
//! * `% ... %` — a regular expression searched for in the text of the event
//!   ([`PatternKind::Regex`]);
//! * anything else — terms and quoted phrases searched for in the text of the
//!   event ([`PatternKind::Terms`]).
//!
//! An empty pattern, a blank pattern, or `""` matches every event
//! ([`PatternKind::MatchAll`]). Regular expressions may also be the value of a
//! JSON or space-delimited condition (`{ $.eventType = %Trail% }`,
//! `[ip=%127\.0\.0\.[1-9]%, ...]`), at most two per pattern; only the
//! subset AWS documents is accepted (see `aws_regex`).
//!
//! The module is judged semantically: the question it answers is "which log
//! events would AWS count for this pattern". Where the documentation is
//! silent, the choice made is explained next to the code that makes it.

mod aws_regex;
mod json_pattern;
mod lexer;
mod matcher;
mod space_delimited;
mod term_pattern;

#[cfg(test)]
mod tests;

use std::str::FromStr;

use aws_regex::AwsRegex;
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
    /// A standalone regular expression such as `%AUTHORIZED%`.
    Regex,
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
    Regex(AwsRegex),
}

/// PutMetricFilter: "filterPattern ... Length Constraints: Minimum length of 0.
/// Maximum length of 1024."
pub const MAX_PATTERN_CHARS: usize = 1024;

/// Parses a CloudWatch Logs filter pattern.
///
/// Returns a [`ParseError`] carrying the character position of the first
/// problem found (unbalanced braces, brackets or parentheses, a missing
/// operator, a malformed selector, an unterminated string, trailing input,
/// an empty JSON pattern `{}`, a regular expression outside AWS's subset or
/// beyond its quota of two, or a pattern longer than [`MAX_PATTERN_CHARS`]).
pub fn parse(pattern: &str) -> Result<FilterPattern, ParseError> {
    if pattern.chars().nth(MAX_PATTERN_CHARS).is_some() {
        return Err(ParseError::new(
            MAX_PATTERN_CHARS,
            format!("a filter pattern is at most {MAX_PATTERN_CHARS} characters long"),
        ));
    }
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
        // "Regular expressions (regex) can be used to create standalone filter patterns": the
        // expression is the whole pattern.
        Some('%') => {
            let regex = aws_regex::read(&mut cur)?;
            cur.skip_ws();
            if !cur.at_end() {
                return Err(ParseError::new(
                    cur.pos(),
                    "a standalone regular expression is the whole pattern: nothing may follow its \
                     closing `%` (combine conditions in a JSON or space-delimited pattern)",
                ));
            }
            Inner::Regex(regex)
        }
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
            Inner::Regex(_) => PatternKind::Regex,
        }
    }

    /// Tests a structured log event, such as one CloudTrail record.
    ///
    /// CloudTrail delivers each record to CloudWatch Logs as the JSON record
    /// serialized on one line. JSON patterns are evaluated directly on the
    /// value; term, regular-expression and space-delimited patterns are
    /// matched against the compact serialization (`serde_json::to_string`).
    pub fn matches_event(&self, event: &serde_json::Value) -> bool {
        match &self.inner {
            Inner::MatchAll => true,
            Inner::Json(p) => p.matches(event),
            Inner::Terms(p) => p.matches(&event.to_string()),
            Inner::SpaceDelimited(p) => p.matches(&event.to_string()),
            Inner::Regex(r) => r.is_match(&event.to_string()),
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
            Inner::Regex(r) => r.is_match(line),
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
