//! What a rule may not do: builtins that would make the same snapshot give a different report
//! (randomness, the network, the environment) are refused when the rule is loaded, and the
//! clock is pinned to the snapshot's `collected_at`.
//!
//! | builtin | in rootwarden |
//! |---|---|
//! | `time.now_ns()` | the snapshot's `collected_at` (in `rules test`: set it with `with time.now_ns as ...`) |
//! | `rand.intn`, `uuid.rfc4122` | refused: random |
//! | `http.send`, `net.lookup_ip_addr` | refused: network |
//! | `opa.runtime` | refused: exposes the environment |
//! | `rootwarden.internal.*` | refused: rootwarden's own bookkeeping |
//!
//! The load-time check reads the file with regorus' own lexer, so calls inside strings and
//! comments are not mistaken for calls; the refused builtins are also registered to fail at
//! evaluation, so nothing reaches them even if the check were bypassed.

use regorus::unstable::{Lexer, Source, TokenKind};
use regorus::Value;

use super::budget;
use super::PolicyError;

/// The builtin the generated verdict modules call as each rule starts.
pub(crate) const RULE_STARTED: &str = "rootwarden.internal.rule_started";

/// Refused builtins, with why.
const REFUSED: &[(&str, u8, &str)] = &[
    (
        "rand.intn",
        2,
        "random numbers would make the same snapshot give different reports",
    ),
    (
        "uuid.rfc4122",
        1,
        "random identifiers would make the same snapshot give different reports",
    ),
    ("http.send", 1, "evaluation has no network access"),
    ("net.lookup_ip_addr", 1, "evaluation has no network access"),
    ("opa.runtime", 0, "it would expose the environment of the process"),
];

const INTERNAL_PREFIX: &str = "rootwarden.internal.";

/// Registers the pinned clock, the refused builtins and the rule-start marker on `engine`.
pub(crate) fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension(
        "time.now_ns".into(),
        0,
        Box::new(|_: Vec<Value>| match budget::clock_ns() {
            Some(ns) => Ok(Value::from(ns)),
            None => anyhow::bail!(
                "time.now_ns: rootwarden pins the clock to the snapshot's collected_at, and no \
                 snapshot is being evaluated; in a test, set it with `with time.now_ns as ...`"
            ),
        }),
    )?;
    for &(name, nargs, why) in REFUSED {
        engine.add_extension(
            name.into(),
            nargs,
            Box::new(move |_: Vec<Value>| anyhow::bail!("{name} is not available in rootwarden: {why}")),
        )?;
    }
    engine.add_extension(
        RULE_STARTED.into(),
        1,
        Box::new(|args: Vec<Value>| {
            let index = args[0]
                .as_u64()
                .map_err(|_| anyhow::anyhow!("{RULE_STARTED}: bad index"))?;
            Ok(Value::from(budget::rule_started(
                usize::try_from(index).unwrap_or(usize::MAX),
            )))
        }),
    )?;
    Ok(())
}

/// A dotted name in Rego source (`data.acme.lib`, `rand.intn`), where it starts and the symbol
/// right after it (`(` for a call, `[` for a dynamic reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chain {
    /// The dotted name.
    pub name: String,
    /// 1-based line and column of its first character.
    pub at: (u32, u32),
    /// The symbol that follows it, if any.
    pub next: Option<String>,
}

/// Every dotted name of `text`, read with regorus' own lexer (so strings and comments are not
/// mistaken for code); `None` when the lexer cannot read the file (the parser reports it).
pub(crate) fn chains(path: &str, text: &str) -> Option<Vec<Chain>> {
    let source = Source::from_contents(path.to_string(), text.to_string()).ok()?;
    let mut lexer = Lexer::new(&source);
    let mut out = Vec::new();
    // The dotted name being read and whether the last token was a dot after it.
    let mut current: Option<Chain> = None;
    let mut after_dot = false;
    loop {
        let token = lexer.next_token().ok()?;
        let text = token.1.text();
        match token.0 {
            TokenKind::Eof => {
                out.extend(current);
                return Some(out);
            }
            TokenKind::Ident if after_dot && current.is_some() => {
                if let Some(c) = current.as_mut() {
                    c.name.push('.');
                    c.name.push_str(text);
                }
                after_dot = false;
            }
            TokenKind::Ident => {
                out.extend(current.take());
                current = Some(Chain {
                    name: text.to_string(),
                    at: (token.1.line, token.1.col),
                    next: None,
                });
                after_dot = false;
            }
            TokenKind::Symbol if text == "." && current.is_some() && !after_dot => after_dot = true,
            _ => {
                if let Some(mut c) = current.take() {
                    if !after_dot {
                        c.next = Some(text.to_string());
                    }
                    out.push(c);
                }
                after_dot = false;
            }
        }
    }
}

/// Refuses a file that calls a refused builtin, naming the line and column of the call.
/// A file the lexer cannot read is left to the parser, which reports it better.
pub fn check(path: &str, text: &str) -> Result<(), PolicyError> {
    for c in chains(path, text).unwrap_or_default() {
        if c.next.as_deref() == Some("(") {
            refuse(path, &c.name, c.at)?;
        }
    }
    Ok(())
}

fn refuse(path: &str, name: &str, (line, col): (u32, u32)) -> Result<(), PolicyError> {
    let why = if name.starts_with(INTERNAL_PREFIX) {
        Some("it is rootwarden's own bookkeeping")
    } else {
        REFUSED.iter().find(|(n, _, _)| *n == name).map(|(_, _, why)| *why)
    };
    match why {
        Some(why) => Err(PolicyError::Contract {
            file: path.to_string(),
            line: line as usize,
            message: format!("column {col}: calls {name}, which rootwarden refuses: {why}"),
        }),
        None => Ok(()),
    }
}

/// The names of the builtins rootwarden refuses.
pub fn refused() -> impl Iterator<Item = &'static str> {
    REFUSED.iter().map(|(name, _, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str) -> Option<usize> {
        match check("x.rego", text) {
            Ok(()) => None,
            Err(PolicyError::Contract { line, .. }) => Some(line),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn finds_calls_but_not_strings_comments_or_data_refs() {
        assert_eq!(line_of("package p\nx := rand.intn(\"a\", 3)\n"), Some(2));
        assert_eq!(line_of("package p\n\nx := uuid.rfc4122 (\"a\")\n"), Some(3));
        assert_eq!(
            line_of("package p\nx := rootwarden.internal.rule_started(1)\n"),
            Some(2)
        );
        assert_eq!(
            line_of("package p\n# rand.intn(\"a\", 3)\nx := \"rand.intn(1)\"\n"),
            None
        );
        assert_eq!(line_of("package p\nx := `http.send({})`\n"), None);
        assert_eq!(line_of("package p\nx := data.rand.intn\ny := time.now_ns()\n"), None);
        assert_eq!(line_of("package p\nx := my.rand.intn(1, 2)\n"), None);
    }
}
