//! Term patterns for unstructured log events: `ERROR`, `ERROR Exception`,
//! `"Failed to process"`, `ERROR -Exiting`, `?ERROR ?WARN`.
//!
//! AWS documents:
//! * "You can specify multiple terms in a metric filter pattern, but all
//!   terms must appear in a log event for there to be a match. Metric filters
//!   are case sensitive." Terms match anywhere in the message: `ERROR`
//!   matches "Exiting with ERRORCODE: -1", so matching is by substring.
//! * "Enclose exact phrases and terms that include non-alphanumeric
//!   characters in double quotation marks" — a quoted term is one phrase.
//! * "To exclude a term, use a minus sign (-) before the term." One version
//!   of the page writes this as `"ERROR" - "Exiting"`, so whitespace between
//!   the `-` (or `?`) and its term is allowed.
//! * "Use a question mark for OR, such as `?term`": `?ERROR ?WARN` matches
//!   events containing either word.
//!
//! Mixing `?` terms with plain or `-` terms is not documented. We read it
//! as: every plain term must appear, no `-` term may appear, and, if there
//! are `?` terms, at least one of them must appear.

use super::lexer::{read_quoted, Cursor};
use super::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermKind {
    Required,
    Excluded,
    Optional,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    kind: TermKind,
    text: String,
}

/// A parsed term pattern.
#[derive(Debug, Clone)]
pub(crate) struct TermPattern {
    terms: Vec<Term>,
}

impl TermPattern {
    /// Parses whitespace-separated terms until the end of the input.
    pub(crate) fn parse(cur: &mut Cursor) -> Result<Self, ParseError> {
        let mut terms = Vec::new();
        loop {
            cur.skip_ws();
            let Some(c) = cur.peek() else { break };
            let prefix_pos = cur.pos();
            let kind = match c {
                '-' => TermKind::Excluded,
                '?' => TermKind::Optional,
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                cur.bump();
                cur.skip_ws();
                if cur.at_end() {
                    return Err(ParseError::new(prefix_pos, format!("expected a term after `{c}`")));
                }
            }
            let term_pos = cur.pos();
            let text = if cur.peek() == Some('"') {
                read_quoted(cur)?
            } else {
                let mut word = String::new();
                while let Some(c) = cur.peek().filter(|c| !c.is_whitespace()) {
                    word.push(c);
                    cur.bump();
                }
                if word.starts_with('%') {
                    return Err(ParseError::new(
                        term_pos,
                        "a regular expression (`%...%`) is a whole pattern of its own, not one term \
                         of several (combine conditions in a JSON or space-delimited pattern)",
                    ));
                }
                word
            };
            terms.push(Term { kind, text });
        }
        Ok(Self { terms })
    }

    /// Whether `line` satisfies the terms.
    pub(crate) fn matches(&self, line: &str) -> bool {
        let mut has_optional = false;
        let mut optional_hit = false;
        for term in &self.terms {
            let found = line.contains(term.text.as_str());
            match term.kind {
                TermKind::Required if !found => return false,
                TermKind::Excluded if found => return false,
                TermKind::Optional => {
                    has_optional = true;
                    optional_hit |= found;
                }
                _ => {}
            }
        }
        !has_optional || optional_hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<TermPattern, ParseError> {
        TermPattern::parse(&mut Cursor::new(s))
    }

    fn m(pattern: &str, line: &str) -> bool {
        parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(line)
    }

    #[test]
    fn single_term_is_a_case_sensitive_substring() {
        assert!(m("ERROR", "[ERROR] A fatal exception has occurred"));
        assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
        assert!(!m("ERROR", "error: lower case"));
    }

    #[test]
    fn all_terms_must_appear_in_any_order() {
        assert!(m("ERROR Exception", "[ERROR] Caught IllegalArgumentException"));
        assert!(m("Exception ERROR", "[ERROR] Unhandled Exception"));
        assert!(!m("ERROR Exception", "[ERROR] all good"));
    }

    #[test]
    fn quoted_phrase_is_exact() {
        let p = r#""Failed to process the request""#;
        assert!(m(p, "[WARN] Failed to process the request"));
        assert!(!m(p, "[WARN] Failed to process a request"));
        assert!(!m(p, "request the process to Failed"));
        assert!(m(r#""user:root""#, "login user:root ok"));
    }

    #[test]
    fn exclusion() {
        assert!(!m("ERROR -Exiting", "Exiting with ERRORCODE: -1"));
        assert!(m("ERROR -Exiting", "[ERROR] A fatal exception"));
        // The spelling with a space after the minus, as on one doc version.
        assert!(!m(r#""ERROR" - "Exiting""#, "Exiting with ERRORCODE: -1"));
        assert!(m(r#"ERROR -"fatal exception""#, "[ERROR] other"));
        assert!(!m(r#"ERROR -"fatal exception""#, "[ERROR] fatal exception"));
    }

    #[test]
    fn or_terms_from_docs() {
        let ev1 = "ERROR WARN message";
        let ev2 = "ERROR message";
        let ev3 = "WARN message";
        assert!(m("ERROR", ev1) && m("ERROR", ev2) && !m("ERROR", ev3));
        assert!(m("?ERROR ?WARN", ev1) && m("?ERROR ?WARN", ev2) && m("?ERROR ?WARN", ev3));
        assert!(!m("?ERROR ?WARN", "INFO message"));
        assert!(m("ERROR WARN", ev1) && !m("ERROR WARN", ev2) && !m("ERROR WARN", ev3));
        assert!(!m("ERROR -WARN", ev1) && m("ERROR -WARN", ev2) && !m("ERROR -WARN", ev3));
    }

    #[test]
    fn mixed_optional_and_required() {
        assert!(m("message ?ERROR ?WARN", "WARN message"));
        assert!(!m("message ?ERROR ?WARN", "INFO message"));
        assert!(!m("other ?ERROR", "ERROR message"));
    }

    #[test]
    fn errors() {
        assert_eq!(parse("ERROR -").unwrap_err().position, 6);
        assert_eq!(parse("?  ").unwrap_err().position, 0);
        assert_eq!(parse(r#"a "unterminated"#).unwrap_err().position, 2);
        let e = parse("ERROR %WARN%").unwrap_err();
        assert_eq!(e.position, 6);
        assert!(e.message.contains("whole pattern"));
        assert_eq!(parse("-%x%").unwrap_err().position, 1);
    }

    #[test]
    fn positions_are_characters() {
        let e = parse(r#"héllo "wörld"#).unwrap_err();
        assert_eq!(e.position, 6);
    }
}
