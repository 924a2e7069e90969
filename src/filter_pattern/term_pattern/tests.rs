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
