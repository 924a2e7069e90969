//! Character cursor and tokenizer shared by the JSON and space-delimited
//! pattern parsers.
//!
//! All positions are character offsets (not byte offsets) into the original
//! pattern, so that [`ParseError::position`] lines up with what a user sees.

use super::aws_regex::{self, AwsRegex};
use super::json_pattern::Selector;
use super::matcher::{CmpOp, Literal};
use super::ParseError;

/// A cursor over the characters of a pattern.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    /// Creates a cursor at the start of `text`.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    /// Current character offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The character under the cursor, if any.
    pub(crate) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// The character after the one under the cursor, if any.
    pub(crate) fn peek_second(&self) -> Option<char> {
        self.chars.get(self.pos + 1).copied()
    }

    /// Consumes and returns the character under the cursor.
    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// True once every character has been consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    /// Skips Unicode whitespace.
    pub(crate) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }
}

/// Reads a double-quoted string starting at the opening quote.
///
/// `\"` and `\\` are unescaped; any other backslash is kept literally. An
/// unterminated string is reported at the opening quote.
pub(crate) fn read_quoted(cur: &mut Cursor) -> Result<String, ParseError> {
    let start = cur.pos();
    if cur.bump() != Some('"') {
        return Err(ParseError::new(start, "expected `\"`"));
    }
    let mut out = String::new();
    loop {
        match cur.bump() {
            None => {
                return Err(ParseError::new(start, "unterminated string: missing closing `\"`"));
            }
            Some('"') => return Ok(out),
            Some('\\') => match cur.peek() {
                Some(c @ ('"' | '\\')) => {
                    cur.bump();
                    out.push(c);
                }
                _ => out.push('\\'),
            },
            Some(c) => out.push(c),
        }
    }
}

/// Which grammar the tokenizer serves: `$` starts a selector only in JSON
/// patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexMode {
    /// Inside `{ ... }`.
    Json,
    /// Inside `[ ... ]`.
    SpaceDelimited,
}

/// A token of the JSON / space-delimited grammars.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    And,
    Or,
    Op(CmpOp),
    Selector(Selector),
    Quoted(String),
    /// `%...%`, checked against AWS's subset and compiled.
    Regex(AwsRegex),
    Word(String),
    Eof,
}

impl Tok {
    /// Short description used in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::LBrace => "`{`".into(),
            Tok::RBrace => "`}`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
            Tok::And => "`&&`".into(),
            Tok::Or => "`||`".into(),
            Tok::Op(op) => format!("`{}`", op.symbol()),
            Tok::Selector(s) => format!("selector `{}`", s.text()),
            Tok::Quoted(s) => format!("string \"{s}\""),
            Tok::Regex(r) => format!("regular expression `{}`", r.display()),
            Tok::Word(w) => format!("`{w}`"),
            Tok::Eof => "end of pattern".into(),
        }
    }
}

/// A token together with the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

/// Characters that end an unquoted word. AWS requires values with
/// non-alphanumeric characters to be quoted; we are more lenient (patterns
/// stored in AWS were already accepted by it) and only stop at characters
/// that have a meaning in the grammar. (`%` has one only at the start of a
/// token, where it opens a regular expression.)
pub(crate) fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !"(){}[],&|\"=!<>".contains(c)
}

/// Reads the next token, skipping whitespace first.
pub(crate) fn next_token(cur: &mut Cursor, mode: LexMode) -> Result<Token, ParseError> {
    cur.skip_ws();
    let pos = cur.pos();
    let Some(c) = cur.peek() else {
        return Ok(Token { tok: Tok::Eof, pos });
    };
    let single = |cur: &mut Cursor, tok: Tok| {
        cur.bump();
        tok
    };
    let tok = match c {
        '{' => single(cur, Tok::LBrace),
        '}' => single(cur, Tok::RBrace),
        '(' => single(cur, Tok::LParen),
        ')' => single(cur, Tok::RParen),
        '[' => single(cur, Tok::LBracket),
        ']' => single(cur, Tok::RBracket),
        ',' => single(cur, Tok::Comma),
        '&' | '|' => {
            cur.bump();
            if cur.peek() != Some(c) {
                return Err(ParseError::new(pos, format!("expected `{c}{c}`")));
            }
            cur.bump();
            if c == '&' {
                Tok::And
            } else {
                Tok::Or
            }
        }
        '=' => {
            cur.bump();
            if cur.peek() == Some('=') {
                return Err(ParseError::new(pos, "`==` is not an operator; use `=`"));
            }
            Tok::Op(CmpOp::Eq)
        }
        '!' => {
            cur.bump();
            if cur.peek() != Some('=') {
                return Err(ParseError::new(pos, "expected `!=`"));
            }
            cur.bump();
            Tok::Op(CmpOp::Ne)
        }
        '<' | '>' => {
            cur.bump();
            let or_equal = cur.peek() == Some('=');
            if or_equal {
                cur.bump();
            }
            Tok::Op(match (c, or_equal) {
                ('<', false) => CmpOp::Lt,
                ('<', true) => CmpOp::Le,
                (_, false) => CmpOp::Gt,
                (_, true) => CmpOp::Ge,
            })
        }
        '"' => Tok::Quoted(read_quoted(cur)?),
        '%' => Tok::Regex(aws_regex::read(cur)?),
        '$' if mode == LexMode::Json => Tok::Selector(Selector::lex(cur)?),
        _ => {
            // Every character not handled above is a word character.
            let mut word = String::new();
            while let Some(c) = cur.peek().filter(|&c| is_word_char(c)) {
                word.push(c);
                cur.bump();
            }
            Tok::Word(word)
        }
    };
    Ok(Token { tok, pos })
}

/// Turns the token after a comparison operator into a [`Literal`].
///
/// Quoted values are always strings; unquoted values are numbers when they
/// follow the documented number grammar and strings otherwise; `%...%` is a
/// regular expression. Ordering operators (`<`, `<=`, `>`, `>=`) need a
/// number: AWS documents them only as `SELECTOR NUMERIC_OPERATOR NUMBER`.
pub(crate) fn literal_after_op(token: Token, op: CmpOp) -> Result<Literal, ParseError> {
    let literal = match token.tok {
        Tok::Quoted(s) => Literal::quoted(&s),
        Tok::Regex(r) => Literal::Regex(r),
        Tok::Word(w) => Literal::unquoted(&w),
        other => {
            return Err(ParseError::new(
                token.pos,
                format!("expected a value after `{}`, found {}", op.symbol(), other.describe()),
            ));
        }
    };
    if !op.is_equality() && !matches!(literal, Literal::Number(_)) {
        return Err(ParseError::new(
            token.pos,
            format!("operator `{}` needs a number", op.symbol()),
        ));
    }
    Ok(literal)
}

/// AWS: "There is a limit of 2 regex for each filter pattern when creating a
/// delimited or JSON filter pattern".
const MAX_REGEXES: usize = 2;

/// The tokens of one pattern with one token of lookahead, shared by the JSON and
/// space-delimited parsers.
pub(crate) struct Tokens<'c> {
    cur: &'c mut Cursor,
    mode: LexMode,
    peeked: Option<Token>,
    /// Regular expressions read so far.
    regexes: usize,
}

impl<'c> Tokens<'c> {
    pub(crate) fn new(cur: &'c mut Cursor, mode: LexMode) -> Self {
        Tokens {
            cur,
            mode,
            peeked: None,
            regexes: 0,
        }
    }

    /// Reads a token from the text (each token is read once, peeked or not).
    fn read(&mut self) -> Result<Token, ParseError> {
        let token = next_token(self.cur, self.mode)?;
        if matches!(token.tok, Tok::Regex(_)) {
            self.regexes += 1;
            if self.regexes > MAX_REGEXES {
                return Err(ParseError::new(
                    token.pos,
                    "at most two regular expressions are allowed in a JSON or space-delimited pattern (AWS quota)",
                ));
            }
        }
        Ok(token)
    }

    /// The next token, without consuming it.
    pub(crate) fn peek(&mut self) -> Result<&Token, ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.read()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    /// Consumes the next token.
    pub(crate) fn next(&mut self) -> Result<Token, ParseError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.read(),
        }
    }

    /// After the closing bracket: only whitespace may follow, else `message` at the first
    /// character that does.
    pub(crate) fn expect_end(&mut self, message: &str) -> Result<(), ParseError> {
        debug_assert!(self.peeked.is_none());
        self.cur.skip_ws();
        if self.cur.at_end() {
            Ok(())
        } else {
            Err(ParseError::new(self.cur.pos(), message))
        }
    }
}

/// A parser reading [`Tokens`].
pub(crate) trait TokenParser<'c> {
    /// Its token stream.
    fn tokens(&mut self) -> &mut Tokens<'c>;
}

/// `operand (sep operand)*`, as the `&&` and `||` chains of both pattern kinds are parsed:
/// a single operand is returned as is, several are combined.
pub(crate) fn chain<'c, P: TokenParser<'c>, E>(
    p: &mut P,
    sep: &Tok,
    operand: fn(&mut P) -> Result<E, ParseError>,
    combine: fn(Vec<E>) -> E,
) -> Result<E, ParseError> {
    let mut parts = vec![operand(p)?];
    while p.tokens().peek()?.tok == *sep {
        p.tokens().next()?;
        parts.push(operand(p)?);
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        combine(parts)
    })
}

#[cfg(test)]
mod tests {
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
}
