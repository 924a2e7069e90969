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
