use super::*;

fn toks(s: &str, mode: LexMode) -> Result<Vec<Tok>, ParseError> {
    let mut cur = Cursor::new(s);
    let mut out = Vec::new();
    loop {
        let t = next_token(&mut cur, mode)?;
        if t.tok == Tok::Eof {
            return Ok(out);
        }
        out.push(t.tok);
    }
}

#[test]
fn cursor_counts_characters_not_bytes() {
    let mut cur = Cursor::new("é x");
    assert_eq!(cur.bump(), Some('é'));
    assert_eq!(cur.pos(), 1);
    cur.skip_ws();
    assert_eq!(cur.peek(), Some('x'));
    assert!(!cur.at_end());
    cur.bump();
    assert!(cur.at_end());
}

#[test]
fn quoted_strings_unescape() {
    let mut cur = Cursor::new(r#""a \"b\" \\ \n""#);
    assert_eq!(read_quoted(&mut cur).unwrap(), r#"a "b" \ \n"#);
    assert!(cur.at_end());
}

#[test]
fn unterminated_string_points_at_opening_quote() {
    let mut cur = Cursor::new(r#"ab "cd"#);
    cur.bump();
    cur.bump();
    cur.skip_ws();
    let err = read_quoted(&mut cur).unwrap_err();
    assert_eq!(err.position, 3);
    assert!(err.message.contains("unterminated"));
}

#[test]
fn operators_and_punctuation() {
    let t = toks("= != < <= > >= && || ( ) { } [ ] ,", LexMode::Json).unwrap();
    assert_eq!(
        t,
        vec![
            Tok::Op(CmpOp::Eq),
            Tok::Op(CmpOp::Ne),
            Tok::Op(CmpOp::Lt),
            Tok::Op(CmpOp::Le),
            Tok::Op(CmpOp::Gt),
            Tok::Op(CmpOp::Ge),
            Tok::And,
            Tok::Or,
            Tok::LParen,
            Tok::RParen,
            Tok::LBrace,
            Tok::RBrace,
            Tok::LBracket,
            Tok::RBracket,
            Tok::Comma,
        ]
    );
}

#[test]
fn bad_operators_are_errors() {
    assert_eq!(toks("a & b", LexMode::Json).unwrap_err().position, 2);
    assert_eq!(toks("a | b", LexMode::Json).unwrap_err().position, 2);
    assert_eq!(toks("a == b", LexMode::Json).unwrap_err().position, 2);
    assert_eq!(toks("a ! b", LexMode::Json).unwrap_err().position, 2);
}

#[test]
fn words_stop_at_grammar_characters() {
    let t = toks("123.123.* AccessDenied*,x", LexMode::SpaceDelimited).unwrap();
    assert_eq!(
        t,
        vec![
            Tok::Word("123.123.*".into()),
            Tok::Word("AccessDenied*".into()),
            Tok::Comma,
            Tok::Word("x".into()),
        ]
    );
}

#[test]
fn percent_opens_a_regex_only_at_the_start_of_a_token() {
    let t = toks("100% %a{1,2}|[,]% x", LexMode::Json).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t[0], Tok::Word("100%".into()));
    assert!(matches!(&t[1], Tok::Regex(r) if r.display() == "%a{1,2}|[,]%"));
    assert_eq!(t[2], Tok::Word("x".into()));
}

#[test]
fn a_third_regex_is_an_error_at_its_position() {
    let mut cur = Cursor::new("%a% %b% %c%");
    let mut tokens = Tokens::new(&mut cur, LexMode::SpaceDelimited);
    tokens.next().unwrap();
    tokens.peek().unwrap();
    tokens.next().unwrap();
    let e = tokens.peek().unwrap_err();
    assert_eq!(e.position, 8);
    assert!(e.message.contains("at most two"));
}

#[test]
fn dollar_is_a_word_in_space_delimited_mode() {
    let t = toks("$x", LexMode::SpaceDelimited).unwrap();
    assert_eq!(t, vec![Tok::Word("$x".into())]);
    let t = toks("$.x", LexMode::Json).unwrap();
    assert!(matches!(&t[0], Tok::Selector(s) if s.text() == "$.x"));
}

#[test]
fn literal_after_op_rules() {
    let tok = |tok| Token { tok, pos: 7 };
    assert!(matches!(
        literal_after_op(tok(Tok::Word("42".into())), CmpOp::Lt),
        Ok(Literal::Number(_))
    ));
    let err = literal_after_op(tok(Tok::Word("abc".into())), CmpOp::Gt).unwrap_err();
    assert_eq!(err.position, 7);
    let err = literal_after_op(tok(Tok::Quoted("5".into())), CmpOp::Ge).unwrap_err();
    assert!(err.message.contains("needs a number"));
    let regex = |s: &str| Tok::Regex(aws_regex::read(&mut Cursor::new(s)).unwrap());
    assert!(matches!(
        literal_after_op(tok(regex("%ab%")), CmpOp::Ne),
        Ok(Literal::Regex(_))
    ));
    let err = literal_after_op(tok(regex("%1%")), CmpOp::Le).unwrap_err();
    assert!(err.message.contains("needs a number"));
    let err = literal_after_op(tok(Tok::RBrace), CmpOp::Eq).unwrap_err();
    assert!(err.message.contains("expected a value"));
    assert!(matches!(
        literal_after_op(tok(Tok::Quoted("x".into())), CmpOp::Ne),
        Ok(Literal::Text(_))
    ));
}
