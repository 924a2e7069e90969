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
