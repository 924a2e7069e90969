//! Space-delimited patterns: `[ip, user, ..., status_code = 4*, bytes > 1000]`.
//!
//! AWS documents:
//! * "the metric filter pattern has to specify the fields with a name,
//!   separated by commas, with the entire pattern enclosed in square
//!   brackets" — each name stands for one field of the log line, so without
//!   an ellipsis the line must have exactly that many fields;
//! * "In cases where you don't know the number of fields, you can use
//!   shorthand notification using an ellipsis (…)" — `...` stands for any
//!   number (zero or more) of fields;
//! * conditions on fields, joined with `&&` and `||`
//!   (`[w1=ERROR || w1=WARN, w2]`, `status_code = 403 || status_code = 404`);
//!   `&&` binds tighter than `||` as in JSON patterns;
//! * "For string fields, you can use = or != operators with an asterisk (*).
//!   For numeric fields, you can use the >, <, >=, <=, =, and != operators."
//!   A `%...%` value is a regular expression searched for in the field
//!   (`[ip=%127\.0\.0\.[1-9]%, ...]`), at most two per pattern;
//! * "The characters between a pair of square brackets [] or two double
//!   quotes ("") are treated as a single field" of the log line; the
//!   extracted value excludes the brackets / quotes.
//!
//! A condition names the field it tests. It may name any field of the
//! pattern (the first field with that name); naming a field that is not in
//! the pattern is an error. A trailing comma before `]` is accepted, as in
//! the documented `[..., request=*.html*, status_code=4*,]`.

use super::lexer::{chain, literal_after_op, Cursor, LexMode, Tok, TokenParser, Tokens};
use super::matcher::{compare, CmpOp, Literal, Scalar};
use super::ParseError;

/// Maximum number of pattern fields: keeps matching cost bounded.
const MAX_SLOTS: usize = 256;

/// A condition over the fields of a space-delimited line.
#[derive(Debug, Clone)]
enum CondExpr {
    Or(Vec<CondExpr>),
    And(Vec<CondExpr>),
    Atom {
        name: String,
        pos: usize,
        /// Index of the slot the name refers to (filled after parsing).
        slot: usize,
        op: CmpOp,
        literal: Literal,
    },
}

impl CondExpr {
    fn resolve(&mut self, slots: &[Slot]) -> Result<(), ParseError> {
        match self {
            CondExpr::Or(parts) | CondExpr::And(parts) => parts.iter_mut().try_for_each(|p| p.resolve(slots)),
            CondExpr::Atom { name, pos, slot, .. } => {
                *slot = slots
                    .iter()
                    .position(|s| matches!(s, Slot::Field { name: n, .. } if n == name))
                    .ok_or_else(|| {
                        ParseError::new(
                            *pos,
                            format!("condition refers to `{name}`, which is not a field of this pattern"),
                        )
                    })?;
                Ok(())
            }
        }
    }

    fn max_slot(&self) -> usize {
        match self {
            CondExpr::Or(parts) | CondExpr::And(parts) => parts.iter().map(CondExpr::max_slot).max().unwrap_or(0),
            CondExpr::Atom { slot, .. } => *slot,
        }
    }

    fn reads_only(&self, slot_index: usize) -> bool {
        match self {
            CondExpr::Or(parts) | CondExpr::And(parts) => parts.iter().all(|p| p.reads_only(slot_index)),
            CondExpr::Atom { slot, .. } => *slot == slot_index,
        }
    }

    fn eval(&self, fields: &[String], assignment: &[usize]) -> bool {
        match self {
            CondExpr::Or(parts) => parts.iter().any(|p| p.eval(fields, assignment)),
            CondExpr::And(parts) => parts.iter().all(|p| p.eval(fields, assignment)),
            CondExpr::Atom { slot, op, literal, .. } => assignment
                .get(*slot)
                .and_then(|&i| fields.get(i))
                .is_some_and(|f| compare(&Scalar::Str(f), *op, literal)),
        }
    }
}

#[derive(Debug, Clone)]
enum Slot {
    Ellipsis,
    Field {
        name: String,
        condition: Option<CondExpr>,
        /// True when every field the condition reads is at or before this
        /// slot, so it can be checked as soon as this slot is assigned.
        check_early: bool,
    },
}

/// Scratch state while matching one line.
struct MatchState {
    /// For each slot, the index of the line field it was matched to.
    assignment: Vec<usize>,
    /// Memo of (slot, field) states known to fail, when that is sound.
    failed: Option<Vec<bool>>,
}

/// A parsed space-delimited pattern.
#[derive(Debug, Clone)]
pub(crate) struct SpaceDelimitedPattern {
    slots: Vec<Slot>,
}

struct Parser<'c> {
    tokens: Tokens<'c>,
    /// The field name already consumed for the first atom of a slot.
    pending_name: Option<(String, usize)>,
}

/// Field names are letters, digits and `_`, not starting with a digit (so a
/// stray number is reported as a misplaced value, not taken for a name).
fn is_field_name(w: &str) -> bool {
    w.chars().next().is_some_and(|c| !c.is_ascii_digit()) && w.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl<'c> TokenParser<'c> for Parser<'c> {
    fn tokens(&mut self) -> &mut Tokens<'c> {
        &mut self.tokens
    }
}

impl Parser<'_> {
    fn or_expr(&mut self) -> Result<CondExpr, ParseError> {
        chain(self, &Tok::Or, Self::and_expr, CondExpr::Or)
    }

    fn and_expr(&mut self) -> Result<CondExpr, ParseError> {
        chain(self, &Tok::And, Self::atom, CondExpr::And)
    }

    fn atom(&mut self) -> Result<CondExpr, ParseError> {
        let (name, pos) = match self.pending_name.take() {
            Some(n) => n,
            None => {
                let token = self.tokens.next()?;
                match token.tok {
                    Tok::Word(w) if is_field_name(&w) => (w, token.pos),
                    other => {
                        return Err(ParseError::new(
                            token.pos,
                            format!("expected a field name in a condition, found {}", other.describe()),
                        ));
                    }
                }
            }
        };
        let token = self.tokens.next()?;
        let Tok::Op(op) = token.tok else {
            return Err(ParseError::new(
                token.pos,
                format!(
                    "missing operator after `{name}`: expected =, !=, <, <=, > or >=, found {}",
                    token.tok.describe()
                ),
            ));
        };
        let value = self.tokens.next()?;
        let literal = literal_after_op(value, op)?;
        Ok(CondExpr::Atom {
            name,
            pos,
            slot: usize::MAX,
            op,
            literal,
        })
    }
}

impl SpaceDelimitedPattern {
    /// Parses a space-delimited pattern; the cursor must be on the `[`.
    /// Input after the closing `]` (other than whitespace) is an error.
    pub(crate) fn parse(cur: &mut Cursor) -> Result<Self, ParseError> {
        let mut p = Parser {
            tokens: Tokens::new(cur, LexMode::SpaceDelimited),
            pending_name: None,
        };
        let open = p.tokens.next()?;
        if open.tok != Tok::LBracket {
            return Err(ParseError::new(open.pos, "expected `[`"));
        }
        let unbalanced = || ParseError::new(open.pos, "unbalanced `[`: missing closing `]`");
        let mut slots: Vec<Slot> = Vec::new();
        loop {
            let token = p.tokens.next()?;
            match token.tok {
                Tok::Word(w) if w == "..." => {
                    // Consecutive ellipses mean the same as one.
                    if !matches!(slots.last(), Some(Slot::Ellipsis)) {
                        slots.push(Slot::Ellipsis);
                    }
                }
                Tok::Word(w) if is_field_name(&w) => {
                    let condition = if matches!(p.tokens.peek()?.tok, Tok::Op(_)) {
                        p.pending_name = Some((w.clone(), token.pos));
                        Some(p.or_expr()?)
                    } else {
                        None
                    };
                    slots.push(Slot::Field {
                        name: w,
                        condition,
                        check_early: false,
                    });
                }
                // `[a, b,]`: trailing comma (documented example).
                Tok::RBracket if !slots.is_empty() => break,
                Tok::RBracket => {
                    return Err(ParseError::new(
                        open.pos,
                        "empty space-delimited pattern `[]`: at least one field is required",
                    ));
                }
                Tok::Eof => return Err(unbalanced()),
                Tok::Word(w) => {
                    return Err(ParseError::new(
                        token.pos,
                        format!("invalid field name `{w}`: use letters, digits and `_`, or `...`"),
                    ));
                }
                other => {
                    return Err(ParseError::new(
                        token.pos,
                        format!("expected a field name or `...`, found {}", other.describe()),
                    ));
                }
            }
            if slots.len() > MAX_SLOTS {
                return Err(ParseError::new(token.pos, "too many fields in pattern"));
            }
            let sep = p.tokens.next()?;
            match sep.tok {
                Tok::Comma => {
                    if p.tokens.peek()?.tok == Tok::RBracket {
                        p.tokens.next()?;
                        break;
                    }
                }
                Tok::RBracket => break,
                Tok::Eof => return Err(unbalanced()),
                Tok::RBrace | Tok::RParen => {
                    return Err(ParseError::new(sep.pos, format!("unmatched {}", sep.tok.describe())));
                }
                other => {
                    return Err(ParseError::new(
                        sep.pos,
                        format!("expected `,` or `]`, found {}", other.describe()),
                    ));
                }
            }
        }
        p.tokens
            .expect_end("unexpected input after the closing `]` of the pattern")?;

        let snapshot = slots.clone();
        for (index, slot) in slots.iter_mut().enumerate() {
            if let Slot::Field {
                condition: Some(c),
                check_early,
                ..
            } = slot
            {
                c.resolve(&snapshot)?;
                *check_early = c.max_slot() <= index;
            }
        }
        Ok(Self { slots })
    }

    /// Whether `line` matches the pattern.
    pub(crate) fn matches(&self, line: &str) -> bool {
        let fields = split_fields(line);
        let mut state = MatchState {
            assignment: vec![usize::MAX; self.slots.len()],
            // When every condition reads only its own field, whether the rest
            // of the pattern matches from (slot, field) does not depend on
            // earlier choices, so failures can be remembered; this keeps
            // patterns with several ellipses polynomial.
            failed: self
                .independent()
                .then(|| vec![false; (self.slots.len() + 1) * (fields.len() + 1)]),
        };
        self.match_from(0, 0, &fields, &mut state)
    }

    fn independent(&self) -> bool {
        self.slots.iter().enumerate().all(|(i, s)| match s {
            Slot::Field { condition: Some(c), .. } => c.reads_only(i),
            _ => true,
        })
    }

    fn match_from(&self, slot: usize, field: usize, fields: &[String], state: &mut MatchState) -> bool {
        let memo_index = slot * (fields.len() + 1) + field;
        if state.failed.as_ref().is_some_and(|f| f.get(memo_index) == Some(&true)) {
            return false;
        }
        let matched = self.try_match_from(slot, field, fields, state);
        if !matched {
            if let Some(f) = state.failed.as_mut().and_then(|f| f.get_mut(memo_index)) {
                *f = true;
            }
        }
        matched
    }

    fn try_match_from(&self, slot: usize, field: usize, fields: &[String], state: &mut MatchState) -> bool {
        let Some(current) = self.slots.get(slot) else {
            return field == fields.len() && self.deferred_conditions_hold(fields, &state.assignment);
        };
        match current {
            Slot::Ellipsis => (field..=fields.len()).any(|next| self.match_from(slot + 1, next, fields, state)),
            Slot::Field {
                condition, check_early, ..
            } => {
                if field >= fields.len() {
                    return false;
                }
                state.assignment[slot] = field;
                if *check_early && condition.as_ref().is_some_and(|c| !c.eval(fields, &state.assignment)) {
                    return false;
                }
                self.match_from(slot + 1, field + 1, fields, state)
            }
        }
    }

    fn deferred_conditions_hold(&self, fields: &[String], assignment: &[usize]) -> bool {
        self.slots.iter().all(|s| match s {
            Slot::Field {
                condition: Some(c),
                check_early: false,
                ..
            } => c.eval(fields, assignment),
            _ => true,
        })
    }
}

/// Splits a log line into fields: runs of whitespace separate fields, and a
/// field that starts with `"` or `[` extends to the matching `"` / `]`
/// (spaces included) with the delimiters removed. Inside quotes, `\"` is a
/// literal quote. An unterminated quote or bracket extends to the end of the
/// line.
pub(crate) fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = chars.next() else { break };
        let mut field = String::new();
        match first {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' if chars.peek() == Some(&'"') => {
                            field.push('"');
                            chars.next();
                        }
                        '"' => break,
                        _ => field.push(c),
                    }
                }
            }
            '[' => {
                let mut depth = 1usize;
                for c in chars.by_ref() {
                    match c {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    field.push(c);
                }
            }
            _ => {
                field.push(first);
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    field.push(c);
                }
            }
        }
        fields.push(field);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE_200: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;
    const LINE_500: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#;
    const LINE_404: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 534"#;

    fn parse(s: &str) -> Result<SpaceDelimitedPattern, ParseError> {
        SpaceDelimitedPattern::parse(&mut Cursor::new(s))
    }

    fn m(pattern: &str, line: &str) -> bool {
        parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(line)
    }

    fn err(pattern: &str) -> ParseError {
        match parse(pattern) {
            Ok(_) => panic!("{pattern} should not parse"),
            Err(e) => e,
        }
    }

    #[test]
    fn splits_brackets_and_quotes_as_single_fields() {
        assert_eq!(
            split_fields(LINE_200),
            vec![
                "127.0.0.1",
                "-",
                "frank",
                "10/Oct/2000:13:25:15 -0700",
                "GET /apache_pb.gif HTTP/1.0",
                "200",
                "1534"
            ]
        );
        assert_eq!(split_fields("  a \t b  "), vec!["a", "b"]);
        assert_eq!(split_fields(r#""say \"hi\"" x"#), vec![r#"say "hi""#, "x"]);
        assert_eq!(split_fields("[a [b] c] d"), vec!["a [b] c", "d"]);
        assert_eq!(split_fields("\"open ended"), vec!["open ended"]);
        assert!(split_fields("").is_empty());
    }

    #[test]
    fn field_count_must_match_without_ellipsis() {
        let p = "[ip, user, username, timestamp, request, status_code, bytes]";
        assert!(m(p, LINE_200));
        assert!(!m("[ip, user, username, timestamp, request, status_code]", LINE_200));
        assert!(!m(
            "[ip, user, username, timestamp, request, status_code, bytes, extra]",
            LINE_200
        ));
    }

    #[test]
    fn ellipsis_forms_from_docs() {
        for p in [
            "[..., status_code, bytes]",
            "[ip, user, ..., status_code, bytes]",
            "[ip, user, ...]",
            "[...]",
            "[..., ...]",
        ] {
            assert!(m(p, LINE_200), "{p}");
        }
        assert!(m("[..., status_code = 500, bytes]", LINE_500));
        assert!(!m("[..., status_code = 500, bytes]", LINE_200));
        assert!(m("[a, ..., b, ..., c]", "a x b y c"));
        assert!(m("[a, ..., b, ..., c]", "a b c"));
        assert!(!m("[a, ..., b, ..., c]", "a b"));
    }

    #[test]
    fn documented_conditions() {
        let p = "[ip, user, username, timestamp, request, status_code, bytes > 1000]";
        assert!(m(p, LINE_200));
        assert!(!m(p, LINE_404));
        let p = "[ip, user, username, timestamp, request, status_code = 200, bytes]";
        assert!(m(p, LINE_200) && !m(p, LINE_500));
        let p = "[ip, user, username, timestamp, request, status_code = 4*, bytes]";
        assert!(m(p, LINE_404) && !m(p, LINE_200));
        let p = "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]";
        assert!(m(p, LINE_404) && !m(p, LINE_200));
        let p = "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]";
        assert!(m(p, LINE_404) && !m(p, LINE_500));
        assert!(m(
            "[..., request=*.html*, status_code=4*,]",
            LINE_404.trim_end_matches(" 534")
        ));
    }

    #[test]
    fn or_and_from_docs() {
        let (ev1, ev2, ev3) = ("ERROR WARN message", "ERROR message", "WARN message");
        let p = "[w1=ERROR, w2]";
        assert!(!m(p, ev1) && m(p, ev2) && !m(p, ev3));
        let p = "[w1=ERROR || w1=WARN, w2]";
        assert!(!m(p, ev1) && m(p, ev2) && m(p, ev3));
        let p = "[w1!=ERROR&&w1!=WARN, w2]";
        assert!(!m(p, ev2) && !m(p, ev3) && m(p, "INFO message"));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // a=1 || (a=2 && b=3)
        let p = "[a = 1 || a = 2 && b = 3, b]";
        assert!(m(p, "1 9"));
        assert!(m(p, "2 3"));
        assert!(!m(p, "2 4"));
    }

    #[test]
    fn conditions_may_refer_to_later_fields() {
        let p = "[status = 4* && bytes > 1000, bytes]";
        assert!(m(p, "404 2000"));
        assert!(!m(p, "404 20"));
        assert!(!m(p, "200 2000"));
        let p = "[..., status = 4* && bytes > 1000, bytes]";
        assert!(m(p, "x y 404 2000"));
    }

    #[test]
    fn numeric_and_string_conditions() {
        assert!(m("[a > 10, b <= 2.5, c != x*]", "11 2.5 yes"));
        assert!(!m("[a > 10]", "abc"));
        assert!(m(r#"[a = "GET /x"]"#, r#""GET /x""#));
        assert!(m("[a != 5]", "abc"));
        assert!(!m("[a = Get]", "GET"));
    }

    #[test]
    fn many_ellipses_on_a_long_line_stay_fast() {
        let line = vec!["x"; 400].join(" ");
        let pattern = format!("[{}last = z]", "..., a, ".repeat(20));
        // Would be astronomically slow without memoisation.
        assert!(!m(&pattern, &line));
        let line = format!("{line} z");
        assert!(m(&pattern, &line));
    }

    #[test]
    fn errors() {
        assert!(err("[]").message.contains("empty"));
        assert_eq!(err("[a, b").position, 0);
        assert_eq!(err("[a, b,").position, 0);
        assert_eq!(err("[a b]").position, 3);
        assert_eq!(err("[a, b] c").position, 7);
        assert_eq!(err("[a =]").position, 4);
        assert_eq!(err("[a > x]").position, 5);
        assert_eq!(err("[a = 1 && 5]").position, 10);
        assert_eq!(err("[a = 1 && b c]").position, 12);
        let e = err("[a = 1 && nope = 2, b]");
        assert_eq!(e.position, 10);
        assert!(e.message.contains("nope"));
        assert_eq!(err("[a.b]").position, 1);
        assert_eq!(err("[, a]").position, 1);
        assert_eq!(err("[a, ,]").position, 4);
        assert_eq!(err("[a = \"x]").position, 5);
        assert_eq!(err("[a)").position, 2);
        assert_eq!(err("[a = %x!%]").position, 7);
        assert_eq!(err("[a = %x%, b = %y%, c = %z%]").position, 23);
        assert_eq!(err("[a < %1%]").position, 5);
    }

    #[test]
    fn regex_conditions_search_the_field() {
        let p = r"[ip = %^127\.0\.0\.[1-9]$%, user, username, timestamp, request = %GET /[a-z_]+\.gif%, status_code != 5*, bytes]";
        assert!(m(p, LINE_200));
        assert!(!m(p, LINE_500));
        assert!(!m(p, LINE_404));
        assert!(m("[w1 = %^ERR% || w1 = %^WARN%, w2]", "WARN message"));
        assert!(!m("[w1 = %^ERR% || w1 = %^WARN%, w2]", "INFO message"));
    }
}
