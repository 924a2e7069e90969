//! Value comparison shared by JSON and space-delimited patterns: comparison
//! operators, `*` wildcards, numbers, and the rules for comparing a pattern
//! literal with a value taken from a log event.

use std::cmp::Ordering;

use super::aws_regex::AwsRegex;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written in a pattern.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// `=` and `!=` (the only operators allowed with string values).
    pub(crate) fn is_equality(self) -> bool {
        matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// Whether `field OP literal` holds given `field.cmp(literal)`.
    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// A string value with optional leading / trailing `*` wildcards.
///
/// AWS: "You can use the asterisk '*' wildcard character to match any text
/// at, before, or after a search term. For example, *Event will match
/// PutEvent and GetEvent. Event* will match EventId and EventName. Ev*ent will
/// only match the actual string Ev*ent." So only stars at the ends are
/// wildcards; a star in the middle is a literal character. Matching is
/// otherwise exact and case-sensitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glob {
    leading: bool,
    trailing: bool,
    core: String,
}

impl Glob {
    /// Builds a glob from the raw (unescaped) value text.
    pub(crate) fn new(raw: &str) -> Self {
        Self {
            leading: raw.starts_with('*'),
            trailing: raw.ends_with('*'),
            core: raw.trim_matches('*').to_string(),
        }
    }

    /// Whether `text` matches this glob.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match (self.leading, self.trailing) {
            (false, false) => text == self.core,
            (true, false) => text.ends_with(&self.core),
            (false, true) => text.starts_with(&self.core),
            (true, true) => text.contains(&self.core),
        }
    }
}

/// A number, kept both as text and as a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    text: String,
    float: f64,
    /// Exact value when the number is an integer that fits, so that large
    /// integers compare exactly instead of through `f64`.
    int: Option<i128>,
}

impl Number {
    /// Parses `text` with the documented grammar: "An integer with an
    /// optional + or - sign, a decimal with an optional + or - sign, or a
    /// number in scientific notation, which is an integer or a decimal with an
    /// optional + or - sign, followed by 'e', followed by an integer with an
    /// optional + or - sign." (`E` is accepted too.)
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let mut i = 0;
        let sign = |i: &mut usize| {
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
        };
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        sign(&mut i);
        if !digits(&mut i) {
            return None;
        }
        let mut integral = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            integral = false;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            integral = false;
            sign(&mut i);
            if !digits(&mut i) {
                return None;
            }
        }
        if i != b.len() {
            return None;
        }
        let float = text.parse::<f64>().ok()?;
        let int = if integral { text.parse::<i128>().ok() } else { None };
        Some(Self {
            text: text.to_string(),
            float,
            int,
        })
    }

    /// Converts a JSON number from a log event.
    pub(crate) fn from_json(n: &serde_json::Number) -> Self {
        Self {
            text: n.to_string(),
            float: n.as_f64().unwrap_or(f64::NAN),
            int: n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        }
    }

    /// The number as text (as written in the pattern or the event).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    fn compare(&self, other: &Number) -> Option<Ordering> {
        match (self.int, other.int) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => self.float.partial_cmp(&other.float),
        }
    }
}

/// The value side of a comparison in a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// A string, possibly with wildcards (usable with `=` / `!=` only).
    Text(Glob),
    /// A number (usable with every operator).
    Number(Number),
    /// A regular expression, `%...%` (usable with `=` / `!=` only).
    Regex(AwsRegex),
}

impl Literal {
    /// The value as a pattern would spell it (strings quoted).
    pub(crate) fn display(&self) -> String {
        match self {
            Literal::Text(g) => format!(
                "\"{}{}{}\"",
                if g.leading { "*" } else { "" },
                g.core,
                if g.trailing { "*" } else { "" }
            ),
            Literal::Number(n) => n.text.clone(),
            Literal::Regex(r) => r.display(),
        }
    }

    /// A double-quoted value: always a string. AWS's own tooling writes
    /// `$.field = "*"` to mean "has a value", so stars inside quotes are still
    /// wildcards (the CIS benchmark patterns rely on `"*UnauthorizedOperation"`).
    pub(crate) fn quoted(text: &str) -> Self {
        Literal::Text(Glob::new(text))
    }

    /// An unquoted value: a number if it follows the number grammar,
    /// otherwise a string (e.g. `123.123.*` or `AccessDenied*`).
    pub(crate) fn unquoted(text: &str) -> Self {
        match Number::parse(text) {
            Some(n) => Literal::Number(n),
            None => Literal::Text(Glob::new(text)),
        }
    }
}

/// A scalar taken from a log event.
#[derive(Debug, Clone)]
pub(crate) enum Scalar<'a> {
    /// A string (a JSON string, or a field of a space-delimited line).
    Str(&'a str),
    /// A JSON number.
    Num(Number),
}

/// Evaluates `scalar OP literal`.
///
/// Rules (the AWS documentation only says that values must "exactly match"
/// and that numeric operators compare numbers):
/// * string literal (only `=` / `!=`): the wildcard match is applied to the
///   scalar's text; a JSON number is compared by its JSON text, so
///   `= "200"` and `= 2*` match the number `200`;
/// * number literal against a number: numeric comparison, so `= 400` matches
///   `400.0` and `> 1e3` matches `1500`;
/// * number literal against a string that is itself a number (always the
///   case for space-delimited fields, and common for CloudTrail fields such
///   as account ids): numeric comparison;
/// * number literal against a non-numeric string: `=` and the ordering
///   operators are false, `!=` is true (the values differ);
/// * regular expression (only `=` / `!=`): searched for in the scalar's text,
///   a JSON number by its JSON text like a string literal (AWS documents
///   regular expressions on strings only).
pub(crate) fn compare(scalar: &Scalar<'_>, op: CmpOp, literal: &Literal) -> bool {
    let text = || match scalar {
        Scalar::Str(s) => s,
        Scalar::Num(n) => n.text(),
    };
    let equality = |found: bool| match op {
        CmpOp::Eq => found,
        CmpOp::Ne => !found,
        // The parser never builds this; be conservative.
        _ => false,
    };
    match literal {
        Literal::Text(glob) => equality(glob.matches(text())),
        Literal::Regex(r) => equality(r.is_match(text())),
        Literal::Number(lit) => {
            let value = match scalar {
                Scalar::Num(n) => Some(n.clone()),
                Scalar::Str(s) => Number::parse(s),
            };
            match value.and_then(|v| v.compare(lit)) {
                Some(ord) => op.holds(ord),
                None => op == CmpOp::Ne,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn glob_exact_is_case_sensitive() {
        let g = Glob::new("Root");
        assert!(g.matches("Root"));
        assert!(!g.matches("root"));
        assert!(!g.matches("Roots"));
        assert!(!g.matches("IRoot"));
    }

    #[test]
    fn glob_leading_trailing_and_both() {
        assert!(Glob::new("*Event").matches("PutEvent"));
        assert!(Glob::new("*Event").matches("Event"));
        assert!(!Glob::new("*Event").matches("EventId"));
        assert!(Glob::new("Event*").matches("EventName"));
        assert!(!Glob::new("Event*").matches("PutEvent"));
        assert!(Glob::new("*html*").matches("GET /index.html HTTP/1.0"));
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("**").matches("anything"));
    }

    #[test]
    fn glob_inner_star_is_literal() {
        // AWS: "Ev*ent will only match the actual string Ev*ent".
        let g = Glob::new("Ev*ent");
        assert!(g.matches("Ev*ent"));
        assert!(!g.matches("Event"));
        assert!(!g.matches("EvXent"));
    }

    #[test]
    fn number_grammar() {
        for ok in ["0", "42", "+1000", "-7", "55.5", "-0.25", "10e3", "10e-3", "1.5E+2"] {
            assert!(Number::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "+",
            "1.",
            ".5",
            "1e",
            "1e+",
            "12a",
            "123.123.*",
            "4*",
            "0x10",
            "inf",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(num("10e-3").float, 0.01);
        assert_eq!(num("+1000").int, Some(1000));
        assert_eq!(num("1e3").int, None);
    }

    #[test]
    fn large_integers_compare_exactly() {
        let a = num("9007199254740993");
        let b = num("9007199254740992");
        assert_eq!(a.compare(&b), Some(Ordering::Greater));
        let j: serde_json::Value = serde_json::from_str("9007199254740993").unwrap();
        let n = Number::from_json(j.as_number().unwrap());
        assert_eq!(n.compare(&a), Some(Ordering::Equal));
    }

    #[test]
    fn operators_hold() {
        let five = Scalar::Num(num("5"));
        let lit = |s: &str| Literal::Number(num(s));
        assert!(compare(&five, CmpOp::Eq, &lit("5.0")));
        assert!(compare(&five, CmpOp::Ne, &lit("6")));
        assert!(compare(&five, CmpOp::Lt, &lit("6")));
        assert!(compare(&five, CmpOp::Le, &lit("5")));
        assert!(compare(&five, CmpOp::Gt, &lit("4.99")));
        assert!(compare(&five, CmpOp::Ge, &lit("5e0")));
        assert!(!compare(&five, CmpOp::Gt, &lit("5")));
        assert!(!compare(&five, CmpOp::Lt, &lit("-1")));
    }

    #[test]
    fn numbers_in_strings_compare_numerically() {
        let s = Scalar::Str("1534");
        assert!(compare(&s, CmpOp::Gt, &Literal::Number(num("1000"))));
        assert!(compare(&s, CmpOp::Eq, &Literal::Number(num("1534.0"))));
        let dash = Scalar::Str("-");
        assert!(!compare(&dash, CmpOp::Gt, &Literal::Number(num("1000"))));
        assert!(!compare(&dash, CmpOp::Eq, &Literal::Number(num("1"))));
        assert!(compare(&dash, CmpOp::Ne, &Literal::Number(num("1"))));
    }

    #[test]
    fn text_literal_against_number_uses_json_text() {
        let n = Scalar::Num(num("404"));
        assert!(compare(&n, CmpOp::Eq, &Literal::unquoted("4*")));
        assert!(compare(&n, CmpOp::Eq, &Literal::quoted("404")));
        assert!(compare(&n, CmpOp::Ne, &Literal::quoted("500")));
        assert!(!compare(&n, CmpOp::Lt, &Literal::quoted("500")));
    }

    #[test]
    fn regex_literal_searches_strings_and_number_text() {
        let r =
            Literal::Regex(super::super::aws_regex::read(&mut super::super::lexer::Cursor::new(r"%^4\d\d$%")).unwrap());
        assert_eq!(r.display(), r"%^4\d\d$%");
        assert!(compare(&Scalar::Num(num("404")), CmpOp::Eq, &r));
        assert!(compare(&Scalar::Str("403"), CmpOp::Eq, &r));
        assert!(!compare(&Scalar::Str("4031"), CmpOp::Eq, &r));
        assert!(compare(&Scalar::Str("200"), CmpOp::Ne, &r));
        assert!(!compare(&Scalar::Str("404"), CmpOp::Ne, &r));
        assert!(!compare(&Scalar::Str("404"), CmpOp::Gt, &r));
    }

    #[test]
    fn unquoted_literal_classification() {
        assert!(matches!(Literal::unquoted("200"), Literal::Number(_)));
        assert!(matches!(Literal::unquoted("123.123.*"), Literal::Text(_)));
        assert!(matches!(Literal::quoted("200"), Literal::Text(_)));
    }
}
