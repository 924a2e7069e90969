//! Regular expressions in filter patterns: `%...%`, standalone, as a JSON value or as a
//! space-delimited field value.
//!
//! AWS ("Supported regular expressions (regex) syntax") allows only:
//! * ASCII letters and digits, and the symbols `:` `_` `#` `=` `@` `/` `;` `,` `-` (its own
//!   example `%^starting|^initializing|^shutting down%` has a space, so a space is a
//!   literal too); "Multi-byte characters are not supported";
//! * the operators `^` `$` `?` `[` `]` `{` `}` `|` `\` `*` `+` `.`; "The ( and ) operators are
//!   not supported. You cannot use parentheses to define a subpattern";
//! * the escapes `\d` `\D` `\s` `\S` `\w` `\W`, `\xhh` (an ASCII character: "you can use \xhh
//!   to match symbol characters that are not supported") and `\` before an operator.
//!
//! Anything else is a [`ParseError`] at the character at fault, as AWS rejects it. Where the
//! page is silent about a construct other engines accept (a quantifier on a quantifier such as
//! `a*?` or `a*+`, an escaped non-operator such as `\/`, an empty alternative, `[` inside a
//! class), it is rejected too, with the message saying how to write it within the subset:
//! rootwarden supports exactly the documented subset rather than guess at the rest.
//!
//! The expression is checked and rewritten into the `regex` crate's syntax (every literal as
//! `\x{hh}`, every class escape as an explicit ASCII class), so no syntax of that crate beyond
//! the subset can leak in. Matching searches the value: `%AUTHORIZED%` matches
//! "[ERROR 401] UNAUTHORIZED REQUEST" and `{ $.eventType = %Trail% }` matches "UpdateTrail" in
//! AWS's examples; `^` and `$` anchor to the start and end of the value; `.` is "any single
//! character" (a newline too); matching is case-sensitive.

use std::fmt;

use super::lexer::Cursor;
use super::ParseError;

/// Compiled-program size cap: a 1024-character pattern with counted repetitions such as
/// `[a-z]{1000}` stays far below it, while `\w{60000}` is refused instead of using memory.
const SIZE_LIMIT: usize = 4 << 20;

/// The symbol characters AWS lists as allowed, besides letters and digits (and the space its
/// examples use).
const SYMBOLS: &str = ":_#=@/;,- ";

/// The operator characters; `\` before one of them means the character itself.
const OPERATORS: &str = "^$?[]{}|\\*+.";

/// A regular expression of a filter pattern, checked against AWS's subset and compiled.
#[derive(Clone)]
pub(crate) struct AwsRegex {
    /// The expression as written, without the surrounding `%`.
    source: String,
    compiled: regex::Regex,
}

impl fmt::Debug for AwsRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl PartialEq for AwsRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl AwsRegex {
    /// Whether the expression matches somewhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }

    /// The expression as a pattern spells it, `%...%`.
    pub(crate) fn display(&self) -> String {
        format!("%{}%", self.source)
    }
}

/// Reads `%...%` starting at the opening `%`, up to and including the closing one.
pub(crate) fn read(cur: &mut Cursor) -> Result<AwsRegex, ParseError> {
    let open = cur.pos();
    if cur.bump() != Some('%') {
        return Err(ParseError::new(open, "expected `%` to open a regular expression"));
    }
    // A missing closing `%` is the first thing to say: what follows is pattern syntax, not
    // a character the expression got wrong.
    let mut ahead = cur.clone();
    loop {
        match ahead.bump() {
            Some('%') => break,
            Some('\\') => {
                ahead.bump();
            }
            Some(_) => {}
            None => {
                return Err(ParseError::new(
                    open,
                    "unterminated regular expression: missing closing `%`",
                ))
            }
        }
    }
    let mut t = Translator {
        cur,
        open,
        out: String::new(),
        source: String::new(),
    };
    t.expression()?;
    let compiled = regex::RegexBuilder::new(&t.out)
        .dot_matches_new_line(true)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => ParseError::new(open, "regular expression is too large"),
            // The translation emits only syntax the crate accepts; should that ever fail, it
            // is still an error on this pattern, not a panic.
            other => ParseError::new(open, format!("regular expression could not be compiled: {other}")),
        })?;
    Ok(AwsRegex {
        source: t.source,
        compiled,
    })
}

/// One item of a character class, or what an escape stands for.
enum Item {
    /// One character.
    Char(char),
    /// A class escape: the ASCII class body (`0-9`) and whether it is negated (`\D`).
    Class(&'static str, bool),
}

fn class_body(escape: char) -> Option<(&'static str, bool)> {
    let (body, negated) = match escape {
        'd' | 'D' => (r"0-9", escape == 'D'),
        // AWS: "Whitespace characters include the tab (\t), space, and newline (\n)"; the rest
        // of ASCII whitespace (CR, VT, FF) as in the engines that define `\s` for ASCII.
        's' | 'S' => (r"\x{09}-\x{0D}\x{20}", escape == 'S'),
        // AWS: "%\w% is equivalent to %[a-zA-Z_0-9]%".
        'w' | 'W' => (r"a-zA-Z_0-9", escape == 'W'),
        _ => return None,
    };
    Some((body, negated))
}

fn hex(c: char) -> String {
    format!(r"\x{{{:02X}}}", u32::from(c))
}

struct Translator<'c> {
    cur: &'c mut Cursor,
    /// Position of the opening `%`.
    open: usize,
    /// The expression in the `regex` crate's syntax.
    out: String,
    source: String,
}

impl Translator<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.cur.bump()?;
        if c != '%' {
            self.source.push(c);
        }
        Some(c)
    }

    /// `branch ('|' branch)* '%'`.
    fn expression(&mut self) -> Result<(), ParseError> {
        if self.cur.peek() == Some('%') {
            return Err(ParseError::new(self.open, "empty regular expression `%%`"));
        }
        loop {
            let start = self.cur.pos();
            let pieces = self.branch()?;
            let at = self.cur.pos();
            match self.bump() {
                Some('|') => {
                    if pieces == 0 || matches!(self.cur.peek(), Some('|' | '%') | None) {
                        return Err(ParseError::new(at, "empty alternative: `|` needs a term on both sides"));
                    }
                    self.out.push('|');
                }
                Some('%') if pieces > 0 => return Ok(()),
                Some('%') => {
                    return Err(ParseError::new(
                        start,
                        "empty alternative: `|` needs a term on both sides",
                    ))
                }
                None => {
                    return Err(ParseError::new(
                        self.open,
                        "unterminated regular expression: missing closing `%`",
                    ))
                }
                // A branch stops only before `|`, `%` or the end.
                Some(c) => return Err(ParseError::new(at, format!("unexpected `{c}`"))),
            }
        }
    }

    /// Pieces up to `|`, `%` or the end; returns how many.
    fn branch(&mut self) -> Result<usize, ParseError> {
        let mut pieces = 0;
        while !matches!(self.cur.peek(), Some('|' | '%') | None) {
            self.piece()?;
            pieces += 1;
        }
        Ok(pieces)
    }

    /// An anchor, or a term with an optional quantifier.
    fn piece(&mut self) -> Result<(), ParseError> {
        let at = self.cur.pos();
        let c = self.bump().expect("branch checked a character is there");
        match c {
            '^' | '$' => {
                self.out.push(c);
                return Ok(());
            }
            '.' => self.out.push('.'),
            '[' => self.class(at)?,
            '\\' => {
                let item = self.escape(at)?;
                self.out.push_str(&match item {
                    Item::Char(c) => hex(c),
                    Item::Class(body, negated) => format!("[{}{body}]", if negated { "^" } else { "" }),
                });
            }
            '?' | '*' | '+' => {
                return Err(ParseError::new(
                    at,
                    format!("`{c}` must follow a character, class or `.` it repeats; write `\\{c}` to match it"),
                ));
            }
            '{' => {
                return Err(ParseError::new(
                    at,
                    "`{` must follow a character, class or `.` it repeats; write `\\{` to match it",
                ));
            }
            ']' | '}' => {
                return Err(ParseError::new(
                    at,
                    format!("unmatched `{c}`: write `\\{c}` to match it"),
                ));
            }
            c => self.out.push_str(&hex(literal(at, c)?)),
        }
        self.quantifier()
    }

    /// An optional `?`, `*`, `+` or `{m,n}` after a term.
    fn quantifier(&mut self) -> Result<(), ParseError> {
        match self.cur.peek() {
            Some(c @ ('?' | '*' | '+')) => {
                self.bump();
                self.out.push(c);
            }
            Some('{') => self.counted()?,
            _ => return Ok(()),
        }
        if let Some(c @ ('?' | '*' | '+' | '{')) = self.cur.peek() {
            return Err(ParseError::new(
                self.cur.pos(),
                format!(
                    "`{c}` cannot follow another quantifier: AWS documents `?`, `*`, `+` and `{{m,n}}` on a term only"
                ),
            ));
        }
        Ok(())
    }

    /// `{m}`, `{m,}`, `{,n}` or `{m,n}` ("Either m or n can be omitted"); the documentation
    /// writes the form `{m, n}`, so a space may follow the comma.
    fn counted(&mut self) -> Result<(), ParseError> {
        let open = self.cur.pos();
        self.bump();
        let malformed = || {
            ParseError::new(
                open,
                "malformed repetition: write `{m}`, `{m,}`, `{,n}` or `{m,n}` with numbers, or `\\{` to match a brace",
            )
        };
        let min = self.number(open)?;
        let max = match self.bump() {
            Some('}') => {
                let m = min.ok_or_else(malformed)?;
                self.out.push_str(&format!("{{{m}}}"));
                return Ok(());
            }
            Some(',') => {
                while self.cur.peek() == Some(' ') {
                    self.bump();
                }
                let max = self.number(open)?;
                if self.bump() != Some('}') || (min.is_none() && max.is_none()) {
                    return Err(malformed());
                }
                max
            }
            _ => return Err(malformed()),
        };
        if let (Some(m), Some(n)) = (min, max) {
            if m > n {
                return Err(ParseError::new(
                    open,
                    format!("repetition `{{{m},{n}}}` asks for more than it allows: the minimum must not exceed the maximum"),
                ));
            }
        }
        self.out.push_str(&format!(
            "{{{},{}}}",
            min.unwrap_or(0),
            max.map(|n| n.to_string()).unwrap_or_default()
        ));
        Ok(())
    }

    fn number(&mut self, open: usize) -> Result<Option<u32>, ParseError> {
        let mut digits = String::new();
        while let Some(d) = self.cur.peek().filter(char::is_ascii_digit) {
            self.bump();
            digits.push(d);
        }
        if digits.is_empty() {
            return Ok(None);
        }
        digits
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ParseError::new(open, "repetition count is too large"))
    }

    /// `[...]` or `[^...]`, the `[` at `open` already read.
    fn class(&mut self, open: usize) -> Result<(), ParseError> {
        let mut out = String::from("[");
        if self.cur.peek() == Some('^') {
            self.bump();
            out.push('^');
        }
        let unterminated = || ParseError::new(open, "unterminated character class: missing `]`");
        let mut items = 0;
        loop {
            let at = self.cur.pos();
            let item = match self.cur.peek() {
                None | Some('%') => return Err(unterminated()),
                Some(']') if items == 0 => {
                    return Err(ParseError::new(
                        open,
                        "empty character class: write `\\]` to match a bracket",
                    ))
                }
                Some(']') => {
                    self.bump();
                    break;
                }
                Some('[') => {
                    return Err(ParseError::new(
                        at,
                        "`[` inside a character class: write `\\[` to match it",
                    ))
                }
                Some('\\') => {
                    self.bump();
                    self.escape(at)?
                }
                Some(c) => {
                    self.bump();
                    Item::Char(class_literal(at, c)?)
                }
            };
            items += 1;
            match item {
                Item::Class(body, false) => out.push_str(body),
                Item::Class(body, true) => out.push_str(&format!("[^{body}]")),
                Item::Char(lo) => {
                    let is_range = self.cur.peek() == Some('-') && !matches!(self.cur.peek_second(), Some(']') | None);
                    if !is_range {
                        out.push_str(&hex(lo));
                        continue;
                    }
                    self.bump();
                    let hi_at = self.cur.pos();
                    let hi = match self.bump() {
                        Some('\\') => self.escape(hi_at)?,
                        Some('%') | None => return Err(unterminated()),
                        Some('[') => {
                            return Err(ParseError::new(
                                hi_at,
                                "`[` inside a character class: write `\\[` to match it",
                            ))
                        }
                        Some(c) => Item::Char(class_literal(hi_at, c)?),
                    };
                    let Item::Char(hi) = hi else {
                        return Err(ParseError::new(hi_at, "a range cannot end in a class escape"));
                    };
                    if lo > hi {
                        return Err(ParseError::new(at, format!("range `{lo}-{hi}` is out of order")));
                    }
                    out.push_str(&format!("{}-{}", hex(lo), hex(hi)));
                }
            }
        }
        out.push(']');
        self.out.push_str(&out);
        Ok(())
    }

    /// What follows a `\` (at `at`, already read).
    fn escape(&mut self, at: usize) -> Result<Item, ParseError> {
        let c = match self.cur.peek() {
            None => return Err(ParseError::new(at, "`\\` at the end of the regular expression")),
            Some('%') => {
                return Err(ParseError::new(
                    at,
                    "`\\%` is not a supported escape: write `\\x25` to match `%`",
                ))
            }
            Some(c) => c,
        };
        self.bump();
        if OPERATORS.contains(c) {
            return Ok(Item::Char(c));
        }
        if let Some((body, negated)) = class_body(c) {
            return Ok(Item::Class(body, negated));
        }
        if c == 'x' {
            let mut digits = String::new();
            for _ in 0..2 {
                match self.cur.peek().filter(char::is_ascii_hexdigit) {
                    Some(d) => {
                        self.bump();
                        digits.push(d);
                    }
                    None => return Err(ParseError::new(at, "`\\x` takes two hexadecimal digits, as in `\\x3A`")),
                }
            }
            let code = u8::from_str_radix(&digits, 16).expect("two hexadecimal digits");
            if !code.is_ascii() {
                return Err(ParseError::new(
                    at,
                    format!("`\\x{digits}` is not an ASCII character: `\\xhh` names one of the ASCII table"),
                ));
            }
            return Ok(Item::Char(char::from(code)));
        }
        let hint = if c.is_ascii_alphanumeric() {
            String::new()
        } else {
            format!("; `{c}` needs no escape")
        };
        Err(ParseError::new(
            at,
            format!(
                "`\\{c}` is not a supported escape: AWS documents `\\d`, `\\D`, `\\s`, `\\S`, `\\w`, `\\W`, `\\xhh` and `\\` before an operator{hint}"
            ),
        ))
    }
}

/// A character AWS allows as itself outside a class.
fn literal(at: usize, c: char) -> Result<char, ParseError> {
    if c.is_ascii_alphanumeric() || SYMBOLS.contains(c) {
        Ok(c)
    } else {
        Err(disallowed(at, c))
    }
}

/// Inside a class the operator characters other than `\`, `[` and `]` stand for themselves.
fn class_literal(at: usize, c: char) -> Result<char, ParseError> {
    if "^$?{}|*+.".contains(c) {
        Ok(c)
    } else {
        literal(at, c)
    }
}

fn disallowed(at: usize, c: char) -> ParseError {
    let message = match c {
        '(' | ')' => "parentheses are not supported in a regular expression (AWS has no groups); \
                      write `\\x28` or `\\x29` to match one"
            .to_string(),
        c if !c.is_ascii() => {
            format!("multi-byte character `{c}` is not supported in a regular expression")
        }
        c if c.is_ascii_graphic() => format!(
            "`{c}` is not allowed in a regular expression; write `\\x{:02X}` to match it",
            u32::from(c)
        ),
        c => format!(
            "character U+{:04X} is not allowed in a regular expression; write `\\x{:02X}` to match it",
            u32::from(c),
            u32::from(c)
        ),
    };
    ParseError::new(at, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translate(s: &str) -> Result<(String, AwsRegex), ParseError> {
        let mut cur = Cursor::new(s);
        let open = cur.pos();
        let mut t = Translator {
            cur: &mut cur,
            open,
            out: String::new(),
            source: String::new(),
        };
        t.cur.bump();
        t.expression()?;
        let out = t.out.clone();
        let r = read(&mut Cursor::new(s))?;
        Ok((out, r))
    }

    #[test]
    fn literals_become_hex_escapes_and_class_escapes_ascii_classes() {
        let (out, r) = translate(r"%a.b\d\W\x3A[^a-c\s]%").unwrap();
        assert_eq!(
            out,
            r"\x{61}.\x{62}[0-9][^a-zA-Z_0-9]\x{3A}[^\x{61}-\x{63}\x{09}-\x{0D}\x{20}]"
        );
        assert_eq!(r.display(), r"%a.b\d\W\x3A[^a-c\s]%");
        assert_eq!(format!("{r:?}"), r"%a.b\d\W\x3A[^a-c\s]%");
    }

    #[test]
    fn repetitions_translate() {
        assert_eq!(
            translate("%a{3}b{2,}c{,4}d{1, 5}%").unwrap().0,
            r"\x{61}{3}\x{62}{2,}\x{63}{0,4}\x{64}{1,5}"
        );
    }

    #[test]
    fn reading_stops_after_the_closing_percent() {
        let mut cur = Cursor::new("%a|b% && x");
        let r = read(&mut cur).unwrap();
        assert_eq!(cur.pos(), 5);
        assert!(r.is_match("b") && !r.is_match("c"));
    }

    #[test]
    fn negated_class_escape_inside_a_class_is_a_nested_class() {
        let (_, r) = translate(r"%^[\Da]$%").unwrap();
        assert!(r.is_match("x") && r.is_match("a") && !r.is_match("5"));
    }

    #[test]
    fn range_edges() {
        let (_, r) = translate("%^[-a]+$%").unwrap();
        assert!(r.is_match("-a-"));
        let (_, r) = translate("%^[a-]+$%").unwrap();
        assert!(r.is_match("a-") && !r.is_match("b"));
        let (_, r) = translate(r"%^[\x20-\x2F]$%").unwrap();
        assert!(r.is_match("#") && !r.is_match("0"));
        let (_, r) = translate("%^[.*+]$%").unwrap();
        assert!(r.is_match("*") && !r.is_match("a"));
        assert!(translate(r"%[a-\d]%").unwrap_err().message.contains("class escape"));
        assert!(translate("%[a-%").unwrap_err().message.contains("missing `]`"));
    }

    #[test]
    fn dot_matches_any_character_including_newline() {
        let (_, r) = translate("%^a.b$%").unwrap();
        assert!(r.is_match("a\nb") && r.is_match("aéb"));
    }

    #[test]
    fn huge_repetitions_are_errors_not_allocations() {
        let e = translate(r"%\w{60000}%").unwrap_err();
        assert_eq!(e.position, 0);
        assert!(e.message.contains("too large"), "{e}");
        let e = translate("%a{99999999999}%").unwrap_err();
        assert!(e.message.contains("too large"), "{e}");
    }

    #[test]
    fn control_characters_are_named_by_code_point() {
        let e = translate("%a\u{7}%").unwrap_err();
        assert_eq!(e.position, 2);
        assert!(e.message.contains("U+0007") && e.message.contains(r"\x07"), "{e}");
    }
}
