//! JSON filter patterns: `{ SELECTOR OPERATOR VALUE && ... || ... }`.
//!
//! Grammar (precedence per AWS: "Parenthesis are allowed and the syntax
//! follows standard order of operations () > && > ||"):
//!
//! ```text
//! pattern   := '{' or_expr '}'
//! or_expr   := and_expr ( '||' and_expr )*
//! and_expr  := primary ( '&&' primary )*
//! primary   := '(' or_expr ')' | condition
//! condition := SELECTOR OP VALUE
//!            | SELECTOR IS NULL | SELECTOR IS TRUE | SELECTOR IS FALSE
//!            | SELECTOR NOT EXISTS
//! SELECTOR  := '$' ( '.' NAME ) ( '.' NAME | '[' DIGITS ']' )*
//! VALUE     := NUMBER | STRING | '"' ... '"' | '%' REGEX '%'
//! ```
//!
//! A `%...%` value ("You can use any conditional regular expression when
//! creating filter patterns to match terms in JSON log events") is searched
//! for in the value with `=` and `!=`; at most two per pattern.
//!
//! Keywords (`IS`, `NOT`, `NULL`, `EXISTS`, `TRUE`, `FALSE`) are accepted in
//! any letter case: AWS documents them in upper case, and accepting other
//! spellings cannot change the meaning of a pattern AWS accepted.

use serde_json::Value;

use super::lexer::{chain, literal_after_op, Cursor, LexMode, Tok, TokenParser, Tokens};
use super::matcher::{compare, CmpOp, Literal, Number, Scalar};
use super::ParseError;

/// Maximum parenthesis nesting, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;

/// One step of a selector path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A property selector such as `$.userIdentity.type` or `$.users[0].id`.
///
/// AWS: "Property selectors always start with dollar sign ($), which
/// signifies the root of the JSON. Property selectors are alphanumeric
/// strings that also support '-' and '_' characters. Array elements are
/// denoted with [NUMBER] syntax, and must follow a property." Hence `[*]`
/// and `$[0]` are rejected. Property names are case-sensitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selector {
    text: String,
    steps: Vec<Step>,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl Selector {
    /// The selector as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Lexes a selector; the cursor must be on the `$`.
    pub(crate) fn lex(cur: &mut Cursor) -> Result<Self, ParseError> {
        let start = cur.pos();
        let mut text = String::new();
        if cur.bump() != Some('$') {
            return Err(ParseError::new(start, "a selector must start with `$`"));
        }
        text.push('$');
        let mut steps = Vec::new();
        loop {
            match cur.peek() {
                Some('.') => {
                    cur.bump();
                    text.push('.');
                    let name_pos = cur.pos();
                    let mut name = String::new();
                    while let Some(c) = cur.peek().filter(|&c| is_name_char(c)) {
                        name.push(c);
                        cur.bump();
                    }
                    if name.is_empty() {
                        return Err(ParseError::new(
                            name_pos,
                            "bad selector: expected a property name after `.`",
                        ));
                    }
                    text.push_str(&name);
                    steps.push(Step::Key(name));
                }
                Some('[') => {
                    let open = cur.pos();
                    if steps.is_empty() {
                        return Err(ParseError::new(
                            open,
                            "bad selector: an array index must follow a property (`$.name[0]`)",
                        ));
                    }
                    cur.bump();
                    let digits_pos = cur.pos();
                    let mut digits = String::new();
                    while let Some(c) = cur.peek().filter(char::is_ascii_digit) {
                        digits.push(c);
                        cur.bump();
                    }
                    if digits.is_empty() {
                        let message = if cur.peek() == Some('*') {
                            "bad selector: `[*]` is not supported; array elements are \
                             selected with a number, e.g. `[0]`"
                        } else {
                            "bad selector: expected an array index (a number) after `[`"
                        };
                        return Err(ParseError::new(digits_pos, message));
                    }
                    if cur.peek() != Some(']') {
                        return Err(ParseError::new(
                            cur.pos(),
                            "bad selector: expected `]` to close the array index",
                        ));
                    }
                    cur.bump();
                    let index = digits
                        .parse::<usize>()
                        .map_err(|_| ParseError::new(digits_pos, "bad selector: array index is too large"))?;
                    text.push_str(&format!("[{digits}]"));
                    steps.push(Step::Index(index));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return Err(ParseError::new(
                cur.pos(),
                "bad selector: expected `.` and a property name after `$`",
            ));
        }
        // A selector must be followed by a separator, an operator, or the end
        // of a group; anything else means a character that is not allowed in
        // a property name.
        if let Some(c) = cur.peek().filter(|c| !c.is_whitespace() && !"=!<>)}&|".contains(*c)) {
            return Err(ParseError::new(
                cur.pos(),
                format!("bad selector: unexpected character `{c}` in `{text}`"),
            ));
        }
        Ok(Self { text, steps })
    }

    /// Follows the selector from `root`; `None` when any step is missing
    /// (absent key, index out of range, or a step into a non-container).
    fn resolve<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.steps.iter().try_fold(root, |v, step| match step {
            Step::Key(k) => v.as_object()?.get(k),
            Step::Index(i) => v.as_array()?.get(*i),
        })
    }
}

/// A single test on one selector.
#[derive(Debug, Clone)]
enum Condition {
    Compare {
        selector: Selector,
        op: CmpOp,
        literal: Literal,
    },
    IsNull(Selector),
    NotExists(Selector),
    IsBool(Selector, bool),
}

/// A boolean combination of conditions.
#[derive(Debug, Clone)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Cond(Condition),
}

/// A parsed JSON pattern.
#[derive(Debug, Clone)]
pub(crate) struct JsonPattern {
    expr: Expr,
}

struct Parser<'c> {
    tokens: Tokens<'c>,
    depth: usize,
}

impl<'c> TokenParser<'c> for Parser<'c> {
    fn tokens(&mut self) -> &mut Tokens<'c> {
        &mut self.tokens
    }
}

impl Parser<'_> {
    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        chain(self, &Tok::Or, Self::and_expr, Expr::Or)
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        chain(self, &Tok::And, Self::primary, Expr::And)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let token = self.tokens.next()?;
        match token.tok {
            Tok::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(ParseError::new(token.pos, "parentheses nested too deeply"));
                }
                self.depth += 1;
                let inner = self.or_expr()?;
                self.depth -= 1;
                let close = self.tokens.next()?;
                match close.tok {
                    Tok::RParen => Ok(inner),
                    Tok::Eof | Tok::RBrace => Err(ParseError::new(token.pos, "unbalanced `(`: missing closing `)`")),
                    other => Err(ParseError::new(
                        close.pos,
                        format!("expected `&&`, `||` or `)`, found {}", other.describe()),
                    )),
                }
            }
            Tok::Selector(selector) => self.condition(selector).map(Expr::Cond),
            Tok::RParen => Err(ParseError::new(token.pos, "unmatched `)`: expected a condition")),
            Tok::Word(w) => Err(ParseError::new(
                token.pos,
                format!("bad selector: expected a selector starting with `$.`, found `{w}`"),
            )),
            other => Err(ParseError::new(
                token.pos,
                format!(
                    "expected a condition (`$.field ...` or `(`), found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn keyword(&mut self, expected: &[&str], after: &str) -> Result<String, ParseError> {
        let token = self.tokens.next()?;
        if let Tok::Word(w) = &token.tok {
            let upper = w.to_ascii_uppercase();
            if expected.contains(&upper.as_str()) {
                return Ok(upper);
            }
        }
        Err(ParseError::new(
            token.pos,
            format!(
                "expected {} after `{after}`, found {}",
                expected.join(" or "),
                token.tok.describe()
            ),
        ))
    }

    fn condition(&mut self, selector: Selector) -> Result<Condition, ParseError> {
        let token = self.tokens.next()?;
        match token.tok {
            Tok::Op(op) => {
                let value = self.tokens.next()?;
                let literal = literal_after_op(value, op)?;
                Ok(Condition::Compare { selector, op, literal })
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("IS") => {
                match self.keyword(&["NULL", "TRUE", "FALSE"], "IS")?.as_str() {
                    "NULL" => Ok(Condition::IsNull(selector)),
                    "TRUE" => Ok(Condition::IsBool(selector, true)),
                    _ => Ok(Condition::IsBool(selector, false)),
                }
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("NOT") => {
                self.keyword(&["EXISTS"], "NOT")?;
                Ok(Condition::NotExists(selector))
            }
            other => Err(ParseError::new(
                token.pos,
                format!(
                    "missing operator after `{}`: expected =, !=, <, <=, >, >=, \
                     IS NULL, IS TRUE, IS FALSE or NOT EXISTS, found {}",
                    selector.text(),
                    other.describe()
                ),
            )),
        }
    }
}

impl JsonPattern {
    /// Parses a JSON pattern; the cursor must be on the opening `{`. Input
    /// after the closing `}` (other than whitespace) is an error.
    pub(crate) fn parse(cur: &mut Cursor) -> Result<Self, ParseError> {
        let mut p = Parser {
            tokens: Tokens::new(cur, LexMode::Json),
            depth: 0,
        };
        let open = p.tokens.next()?;
        if open.tok != Tok::LBrace {
            return Err(ParseError::new(open.pos, "a JSON pattern must start with `{`"));
        }
        match p.tokens.peek()?.tok {
            Tok::RBrace => {
                return Err(ParseError::new(
                    open.pos,
                    "empty JSON pattern `{}`: at least one condition is required",
                ));
            }
            Tok::Eof => {
                return Err(ParseError::new(open.pos, "unbalanced `{`: missing closing `}`"));
            }
            _ => {}
        }
        let expr = p.or_expr()?;
        let close = p.tokens.next()?;
        match close.tok {
            Tok::RBrace => {}
            Tok::Eof => {
                return Err(ParseError::new(open.pos, "unbalanced `{`: missing closing `}`"));
            }
            Tok::RParen => {
                return Err(ParseError::new(close.pos, "unmatched `)`"));
            }
            other => {
                return Err(ParseError::new(
                    close.pos,
                    format!("expected `&&`, `||` or `}}`, found {}", other.describe()),
                ));
            }
        }
        p.tokens
            .expect_end("unexpected input after the closing `}` of the JSON pattern")?;
        Ok(Self { expr })
    }

    /// Evaluates the pattern against a JSON log event.
    pub(crate) fn matches(&self, event: &Value) -> bool {
        eval(&self.expr, event)
    }

    /// Every condition of the pattern, in order, judged on `event`.
    pub(crate) fn trace(&self, event: &Value) -> Vec<super::ConditionTrace> {
        let mut out = Vec::new();
        collect_conditions(&self.expr, &mut |c| {
            let selector = match c {
                Condition::Compare { selector, .. }
                | Condition::IsNull(selector)
                | Condition::NotExists(selector)
                | Condition::IsBool(selector, _) => selector,
            };
            out.push(super::ConditionTrace {
                condition: describe(c),
                value: selector.resolve(event).cloned(),
                holds: eval_condition(c, event),
            });
        });
        out
    }
}

fn collect_conditions<'e>(expr: &'e Expr, f: &mut impl FnMut(&'e Condition)) {
    match expr {
        Expr::Or(parts) | Expr::And(parts) => parts.iter().for_each(|p| collect_conditions(p, f)),
        Expr::Cond(c) => f(c),
    }
}

fn describe(c: &Condition) -> String {
    match c {
        Condition::Compare { selector, op, literal } => {
            format!("{} {} {}", selector.text(), op.symbol(), literal.display())
        }
        Condition::IsNull(s) => format!("{} IS NULL", s.text()),
        Condition::NotExists(s) => format!("{} NOT EXISTS", s.text()),
        Condition::IsBool(s, b) => format!("{} IS {}", s.text(), if *b { "TRUE" } else { "FALSE" }),
    }
}

fn eval(expr: &Expr, event: &Value) -> bool {
    match expr {
        Expr::Or(parts) => parts.iter().any(|e| eval(e, event)),
        Expr::And(parts) => parts.iter().all(|e| eval(e, event)),
        Expr::Cond(c) => eval_condition(c, event),
    }
}

fn eval_condition(cond: &Condition, event: &Value) -> bool {
    match cond {
        // AWS: "The SELECTOR must point to a value node (string or number) in
        // the JSON. If it points to an array or object, the filter will not be
        // applied because the log format doesn't match the filter. For
        // example, both {$.users = 1} and {$.users != 1} will fail to match a
        // log event where users is an array." We read "value node (string or
        // number)" literally: when the selector resolves to nothing (missing
        // field), to null, to a boolean, to an array or to an object, there is
        // no value node, so neither `=` nor `!=` (nor `<` ...) matches.
        // Absence is tested with NOT EXISTS, null with IS NULL, booleans with
        // IS TRUE / IS FALSE. This is why the CIS root-usage pattern needs
        // `$.userIdentity.invokedBy NOT EXISTS` rather than a `!=` test.
        Condition::Compare { selector, op, literal } => match selector.resolve(event) {
            Some(Value::String(s)) => compare(&Scalar::Str(s), *op, literal),
            Some(Value::Number(n)) => compare(&Scalar::Num(Number::from_json(n)), *op, literal),
            _ => false,
        },
        // AWS: "This will only be true is the specified object is set to
        // null." A missing field is not null.
        Condition::IsNull(selector) => matches!(selector.resolve(event), Some(Value::Null)),
        // AWS: "This will only be true if specified object does not exist in
        // log data." A field present with a null value exists.
        Condition::NotExists(selector) => selector.resolve(event).is_none(),
        // AWS: "Filters on ThisFlag being TRUE. This also works for boolean
        // filters which check for FALSE value." Only JSON booleans qualify;
        // the string "true" is not a boolean.
        Condition::IsBool(selector, b) => selector.resolve(event) == Some(&Value::Bool(*b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<JsonPattern, ParseError> {
        let mut cur = Cursor::new(s);
        cur.skip_ws();
        JsonPattern::parse(&mut cur)
    }

    fn m(pattern: &str, event: &Value) -> bool {
        parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(event)
    }

    fn err(pattern: &str) -> ParseError {
        match parse(pattern) {
            Ok(_) => panic!("{pattern} should not parse"),
            Err(e) => e,
        }
    }

    /// The example event from the AWS documentation.
    fn doc_event() -> Value {
        json!({
            "eventType": "UpdateTrail",
            "sourceIPAddress": "111.111.111.111",
            "arrayKey": ["value", "another value"],
            "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
            "SomeObject": null,
            "ThisFlag": true
        })
    }

    /// The compound-condition example event from the AWS documentation.
    fn compound_event() -> Value {
        json!({
            "user": {"id": 1, "email": "John.Stiles@example.com"},
            "users": [
                {"id": 2, "email": "John.Doe@example.com"},
                {"id": 3, "email": "Jane.Doe@example.com"}
            ],
            "actions": ["GET", "PUT", "DELETE"],
            "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
        })
    }

    #[test]
    fn documented_single_conditions_match() {
        let e = doc_event();
        for p in [
            r#"{ $.eventType = "UpdateTrail" }"#,
            "{ $.sourceIPAddress != 123.123.* }",
            r#"{ $.arrayKey[0] = "value" }"#,
            "{ $.objectList[1].id = 2 }",
            "{ $.SomeObject IS NULL }",
            "{ $.SomeOtherObject NOT EXISTS }",
            "{ $.ThisFlag IS TRUE }",
        ] {
            assert!(m(p, &e), "{p}");
        }
    }

    #[test]
    fn documented_compound_examples() {
        let e = compound_event();
        assert!(m(
            r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
            &e
        ));
        assert!(!m(
            r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
            &e
        ));
        // && binds tighter than ||.
        assert!(m(
            r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
            &e
        ));
        assert!(!m(
            r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
            &e
        ));
        assert!(m("{ $.coordinates[2][0] = 7 }", &e));
    }

    #[test]
    fn or_pattern_matching_from_docs() {
        let bar = json!({"foo": "bar"});
        let baz = json!({"foo": "baz"});
        assert!(m("{$.foo = bar}", &bar));
        assert!(!m("{$.foo = bar}", &baz));
        assert!(m("{$.foo = bar || $.foo = baz }", &bar));
        assert!(m("{$.foo = bar || $.foo = baz }", &baz));
    }

    #[test]
    fn arrays_and_objects_are_not_value_nodes() {
        let e = json!({"users": [1, 2, 3], "obj": {"a": 1}});
        assert!(!m("{ $.users = 1 }", &e));
        assert!(!m("{ $.users != 1 }", &e));
        assert!(!m("{ $.obj = 1 }", &e));
        assert!(!m("{ $.obj != 1 }", &e));
        assert!(!m(r#"{ $.users = "*" }"#, &e));
    }

    #[test]
    fn missing_fields_match_neither_eq_nor_ne() {
        let e = json!({"a": "x"});
        assert!(!m(r#"{ $.b = "x" }"#, &e));
        assert!(!m(r#"{ $.b != "x" }"#, &e));
        assert!(!m("{ $.b > 0 }", &e));
        assert!(!m(r#"{ $.b = "*" }"#, &e));
        assert!(m("{ $.b NOT EXISTS }", &e));
    }

    #[test]
    fn null_and_booleans_are_not_value_nodes() {
        let e = json!({"n": null, "t": true, "f": false, "s": "true"});
        assert!(!m(r#"{ $.n = "*" }"#, &e));
        assert!(!m("{ $.n != x }", &e));
        assert!(!m("{ $.t = true }", &e));
        assert!(m("{ $.t IS TRUE }", &e));
        assert!(!m("{ $.t IS FALSE }", &e));
        assert!(m("{ $.f IS FALSE }", &e));
        assert!(!m("{ $.s IS TRUE }", &e));
        assert!(!m("{ $.missing IS FALSE }", &e));
    }

    #[test]
    fn is_null_versus_not_exists() {
        let e = json!({"n": null, "s": "v"});
        assert!(m("{ $.n IS NULL }", &e));
        assert!(!m("{ $.n NOT EXISTS }", &e));
        assert!(!m("{ $.missing IS NULL }", &e));
        assert!(m("{ $.missing NOT EXISTS }", &e));
        assert!(!m("{ $.s IS NULL }", &e));
        // Stepping through a non-container means the path does not exist.
        assert!(m("{ $.s.deeper NOT EXISTS }", &e));
        assert!(m("{ $.n.deeper NOT EXISTS }", &e));
    }

    #[test]
    fn array_index_rules() {
        let e = json!({"a": ["x", "y"], "o": {"0": "z"}});
        assert!(m("{ $.a[1] = y }", &e));
        assert!(!m("{ $.a[2] = y }", &e));
        assert!(m("{ $.a[2] NOT EXISTS }", &e));
        // "If arrayKey is not an array this will be false."
        assert!(!m("{ $.o[0] = z }", &e));
    }

    #[test]
    fn string_matching_is_exact_and_case_sensitive() {
        let e = json!({"t": "Root", "ip": "123.123.4.5"});
        assert!(m("{ $.t = Root }", &e));
        assert!(m(r#"{ $.t = "Root" }"#, &e));
        assert!(!m(r#"{ $.t = "root" }"#, &e));
        assert!(!m(r#"{ $.t = "Roo" }"#, &e));
        assert!(m(r#"{ $.t = "Ro*" }"#, &e));
        assert!(m(r#"{ $.t = "*oot" }"#, &e));
        assert!(!m("{ $.ip != 123.123.* }", &e));
        assert!(m("{ $.ip = 123.123.* }", &e));
    }

    #[test]
    fn numeric_comparisons() {
        let e = json!({"latency": 500, "numbers": [0.005], "errorCode": 400,
                       "p": [{}, {}, {}, {}, {"averageRuntime": 55.5}]});
        for p in [
            "{ $.latency >= 500 }",
            "{ $.numbers[0] < 10e3 }",
            "{ $.numbers[0] < 10e-3 }",
            "{ $.p[4].averageRuntime <= 55.5 }",
            "{ $.errorCode = 400 }",
            "{ $.errorCode != 500 }",
            "{ $.latency > +100 }",
            "{ $.latency = 5e2 }",
        ] {
            assert!(m(p, &e), "{p}");
        }
        assert!(!m("{ $.latency > 500 }", &e));
        assert!(!m("{ $.errorCode != 400 }", &e));
    }

    #[test]
    fn numbers_against_strings() {
        let e = json!({"account": "123456789012", "code": "AccessDenied", "n": 200});
        assert!(m("{ $.account = 123456789012 }", &e));
        assert!(m("{ $.account > 100 }", &e));
        assert!(!m("{ $.code = 5 }", &e));
        assert!(m("{ $.code != 5 }", &e));
        assert!(!m("{ $.code > 5 }", &e));
        assert!(m(r#"{ $.n = "200" }"#, &e));
        assert!(m("{ $.n = 2* }", &e));
    }

    #[test]
    fn keywords_are_case_insensitive() {
        let e = json!({"n": null});
        assert!(m("{ $.n is null }", &e));
        assert!(m("{ $.x not exists }", &e));
    }

    #[test]
    fn selector_names_allow_dash_and_underscore_and_are_case_sensitive() {
        let e = json!({"a-b": {"c_d": "v"}, "type": "Root"});
        assert!(m("{ $.a-b.c_d = v }", &e));
        assert!(!m("{ $.Type = Root }", &e));
    }

    #[test]
    fn selector_errors() {
        assert_eq!(err("{ $ = 1 }").position, 3);
        assert_eq!(err("{ $. = 1 }").position, 4);
        assert_eq!(err("{ $.a. = 1 }").position, 6);
        assert_eq!(err("{ $[0] = 1 }").position, 3);
        let e = err("{ $.a[*] = 1 }");
        assert_eq!(e.position, 6);
        assert!(e.message.contains("[*]"));
        assert_eq!(err("{ $.a[x] = 1 }").position, 6);
        assert_eq!(err("{ $.a[1 = 1 }").position, 7);
        assert_eq!(err("{ $.a#b = 1 }").position, 5);
        assert_eq!(err("{ $.a[99999999999999999999999] = 1 }").position, 6);
        assert_eq!(err("{ a = 1 }").position, 2);
    }

    #[test]
    fn structural_errors() {
        let e = err("{}");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("empty"));
        assert!(err("{   }").message.contains("empty"));
        let e = err("{ $.a = 1");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("missing closing `}`"));
        assert!(err("{").message.contains("missing closing"));
        let e = err("{ ($.a = 1 }");
        assert_eq!(e.position, 2);
        assert!(e.message.contains("missing closing `)`"));
        assert_eq!(err("{ $.a = 1) }").position, 9);
        assert_eq!(err("{ ) }").position, 2);
        assert_eq!(err("{ () }").position, 3);
        assert_eq!(err("{ $.a = 1 } x").position, 12);
        assert_eq!(err("{ $.a = 1 }}").position, 11);
        assert_eq!(err("{ $.a = 1 $.b = 2 }").position, 10);
        assert_eq!(err("{ $.a = 1 && }").position, 13);
        assert_eq!(err("{ $.a = 1 || ").position, 13);
    }

    #[test]
    fn operator_errors() {
        let e = err(r#"{ $.a "x" }"#);
        assert_eq!(e.position, 6);
        assert!(e.message.contains("missing operator"));
        assert_eq!(err("{ $.a }").position, 6);
        assert_eq!(err("{ $.a = }").position, 8);
        assert_eq!(err("{ $.a > abc }").position, 8);
        assert_eq!(err("{ $.a IS MAYBE }").position, 9);
        assert_eq!(err("{ $.a NOT THERE }").position, 10);
        assert_eq!(err("{ $.a EXISTS }").position, 6);
        assert_eq!(err("{ $.a == 1 }").position, 6);
        assert_eq!(err(r#"{ $.a = "x }"#).position, 8);
        assert_eq!(err("{ $.a = %(ab)% }").position, 9);
        assert_eq!(err("{ $.a >= %1% }").position, 9);
        assert_eq!(err("{ $.a = 1 && %b% = 2 }").position, 13);
    }

    #[test]
    fn regex_values_search_value_nodes_only() {
        let e = doc_event();
        assert!(m("{ $.eventType = %Trail% }", &e));
        assert!(m("{ $.eventType != %^Trail% }", &e));
        assert!(m(
            r"{ $.sourceIPAddress = %^111\.111\.% && $.objectList[0].id = %^1$% }",
            &e
        ));
        assert!(!m("{ $.eventType = %trail% }", &e));
        // Not value nodes: neither = nor != holds, as for other values.
        for p in [
            "{ $.SomeObject = %.% }",
            "{ $.SomeObject != %x% }",
            "{ $.ThisFlag != %x% }",
            "{ $.arrayKey != %x% }",
            "{ $.missing != %x% }",
        ] {
            assert!(!m(p, &e), "{p}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(500), ")".repeat(500));
        assert!(err(&deep).message.contains("too deeply"));
        let ok = format!("{{ {}$.a = 1{} }}", "(".repeat(10), ")".repeat(10));
        assert!(m(&ok, &json!({"a": 1})));
    }

    #[test]
    fn whitespace_is_optional() {
        let e = json!({"a": "x", "b": 2});
        assert!(m("{$.a=x&&$.b>=2}", &e));
        assert!(m("{\n  $.a = \"x\"\n  && ( $.b < 3 )\n}", &e));
    }
}
