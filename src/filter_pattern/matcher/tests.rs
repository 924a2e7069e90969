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
    let r = Literal::Regex(super::super::aws_regex::read(&mut super::super::lexer::Cursor::new(r"%^4\d\d$%")).unwrap());
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
