//! Reading the documents rootwarden is given (snapshot, requirements) with errors that name the
//! file, the place in it and what was expected.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::requirements::Requirements;
use crate::snapshot::{Snapshot, SCHEMA_VERSION};

mod stream;
pub use stream::{open_snapshot, AccountHead, OpenedSnapshot, SnapshotStream};

/// A document that could not be read or does not follow its schema.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read at all. The OS error is part of the message, not a `source`,
    /// so an error chain prints it once.
    #[error("{path}: cannot read file: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// The file is not well-formed JSON/YAML, or does not follow the schema.
    #[error("{path}: {place}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where: `line L, column C` and/or the field path (`accounts[0].iam.credential_report`).
        place: String,
        /// What was wrong and what was expected.
        message: String,
    },
}

/// The syntax a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON.
    Json,
    /// YAML (a superset of JSON).
    Yaml,
}

impl Syntax {
    /// Guesses the syntax from the file extension; anything but `.yaml`/`.yml` is JSON.
    pub fn from_path(path: &Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Syntax::Yaml,
            _ => Syntax::Json,
        }
    }
}

/// Parses `text` (from `path`) into `T`, reporting the line, column and field path of any error.
pub fn parse_document<T: DeserializeOwned>(path: &Path, text: &str, syntax: Syntax) -> Result<T, InputError> {
    let invalid = |place: String, message: String| InputError::Invalid {
        path: path.to_path_buf(),
        place,
        message,
    };
    match syntax {
        Syntax::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
            match result {
                Ok(v) => {
                    de.end()
                        .map_err(|e| invalid(json_place(&e, ""), "unexpected text after the document".into()))?;
                    Ok(v)
                }
                Err(e) => {
                    let field = e.path().to_string();
                    let inner = e.into_inner();
                    Err(invalid(json_place(&inner, &field), strip_position(&inner.to_string())))
                }
            }
        }
        Syntax::Yaml => {
            let de = serde_norway::Deserializer::from_str(text);
            let result: Result<T, _> = serde_path_to_error::deserialize(de);
            result.map_err(|e| {
                let field = e.path().to_string();
                let steps = steps_of(e.path());
                let inner = e.into_inner();
                // serde_norway places an error raised while reading a value at the start of the
                // mapping that holds it; find the value's own line when the path leads to it.
                let line_column =
                    locate::line_column(text, syntax, &steps).or(inner.location().map(|l| (l.line(), l.column())));
                let mut place = match line_column {
                    Some((line, column)) => format!("line {line}, column {column}"),
                    None => "document".to_string(),
                };
                if field != "." && !field.is_empty() {
                    place.push_str(&format!(", at `{field}`"));
                }
                // It also prefixes nested errors with (part of) the path, which `place` holds.
                let mut message = strip_position(&inner.to_string());
                if let Some((prefix, rest)) = message.split_once(": ") {
                    if !prefix.is_empty() && field.starts_with(prefix) && !prefix.contains(' ') {
                        message = rest.to_string();
                    }
                }
                invalid(place, message)
            })
        }
    }
}

/// One step of a path into a document: an object member or an array element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The member with this key.
    Key(String),
    /// The element at this index.
    Index(usize),
}

/// The steps of a serde_path_to_error path (enum variants and unknown segments are skipped).
fn steps_of(path: &serde_path_to_error::Path) -> Vec<Step> {
    path.iter()
        .filter_map(|seg| match seg {
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            _ => None,
        })
        .collect()
}

/// `a.b[2].c`, as serde_path_to_error writes paths.
pub fn path_text(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The place of the value at `path` in `text`: `line L, column C, at `path``, or just the path
/// when the value cannot be found. Checks made after a document is read (cross-field rules,
/// known rule ids) use it to point at the line, as the parser's own errors do.
pub fn place_of(text: &str, syntax: Syntax, path: &[Step]) -> String {
    let at = format!("at `{}`", path_text(path));
    match locate::line_column(text, syntax, path) {
        Some((line, column)) => format!("line {line}, column {column}, {at}"),
        None => at,
    }
}

/// Finding where a value is, by reading the document again and stopping with an error at that
/// value: serde's parsers attach their position to errors, and to nothing else.
mod locate {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{Step, Syntax};

    const HERE: &str = "rootwarden-locate: here";

    pub fn line_column(text: &str, syntax: Syntax, path: &[Step]) -> Option<(usize, usize)> {
        match syntax {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(text);
                match (Seek { path }).deserialize(&mut de) {
                    Err(e) if e.to_string().contains(HERE) => Some((e.line(), e.column())),
                    _ => None,
                }
            }
            Syntax::Yaml => match (Seek { path }).deserialize(serde_norway::Deserializer::from_str(text)) {
                Err(e) if e.to_string().contains(HERE) => e.location().map(|l| (l.line(), l.column())),
                _ => None,
            },
        }
    }

    struct Seek<'p> {
        path: &'p [Step],
    }

    impl<'de> DeserializeSeed<'de> for Seek<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.scalar()
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.scalar()
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.scalar()
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.scalar()
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.scalar()
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.scalar()
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.scalar()
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let Some((first, rest)) = self.path.split_first() else {
                return Err(de::Error::custom(HERE));
            };
            while let Some(key) = map.next_key::<KeyText>()? {
                if matches!(first, Step::Key(k) if *k == key.0) {
                    map.next_value_seed(Seek { path: rest })?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let Some((first, rest)) = self.path.split_first() else {
                return Err(de::Error::custom(HERE));
            };
            let mut i = 0;
            loop {
                let found = if matches!(first, Step::Index(n) if *n == i) {
                    seq.next_element_seed(Seek { path: rest })?.is_some()
                } else {
                    seq.next_element::<IgnoredAny>()?.is_some()
                };
                if !found {
                    return Ok(());
                }
                i += 1;
            }
        }
    }

    impl Seek<'_> {
        fn scalar<E: de::Error>(&self) -> Result<(), E> {
            if self.path.is_empty() {
                Err(E::custom(HERE))
            } else {
                Ok(())
            }
        }
    }

    /// A map key of any scalar type, as text (YAML keys may be numbers or booleans).
    struct KeyText(String);

    impl<'de> de::Deserialize<'de> for KeyText {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = KeyText;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                    Ok(KeyText(v.to_string()))
                }
                fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                    Ok(KeyText(v.to_string()))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                    Ok(KeyText(v.to_string()))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                    Ok(KeyText(v.to_string()))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                    Ok(KeyText(v.to_string()))
                }
                fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                    Ok(KeyText(String::new()))
                }
            }
            d.deserialize_any(V)
        }
    }
}

fn json_place(e: &serde_json::Error, field: &str) -> String {
    let mut place = format!("line {}, column {}", e.line(), e.column());
    if !field.is_empty() && field != "." {
        place.push_str(&format!(", at `{field}`"));
    }
    place
}

/// serde appends "at line L column C" to its messages; we report the position separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn read(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|error| InputError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256:` and the SHA-256 of `text`: how reports name the exact document they were made from.
pub fn document_digest(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

/// Reads and validates a snapshot file, and digests the bytes it was read from.
pub fn load_snapshot_with_digest(path: &Path) -> Result<(Snapshot, String), InputError> {
    let text = read(path)?;
    Ok((parse_snapshot(path, &text)?, document_digest(&text)))
}

/// Reads and validates a snapshot file (JSON).
pub fn load_snapshot(path: &Path) -> Result<Snapshot, InputError> {
    let text = read(path)?;
    parse_snapshot(path, &text)
}

/// Validates snapshot text read from `path`.
pub fn parse_snapshot(path: &Path, text: &str) -> Result<Snapshot, InputError> {
    // Check the version first, so an old or future snapshot gets a version error instead of a
    // confusing complaint about some field that moved.
    #[derive(serde::Deserialize)]
    struct Versioned {
        schema_version: Option<serde_json::Value>,
    }
    // A YAML (or other text) file given as a snapshot: say so, not "expected value".
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if !start.is_empty()
        && !start.starts_with(['{', '['])
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_err()
    {
        let line = text[..text.len() - start.len()].matches('\n').count() + 1;
        return Err(InputError::Invalid {
            path: path.to_path_buf(),
            place: format!("line {line}"),
            message: "not JSON: a snapshot is the JSON document `rootwarden collect` writes; YAML and other text are not read".into(),
        });
    }
    if let Ok(v) = serde_json::from_str::<Versioned>(text) {
        let invalid = |place: &str, message: String| InputError::Invalid {
            path: path.to_path_buf(),
            place: place.into(),
            message,
        };
        match v.schema_version {
            Some(serde_json::Value::String(s)) if s == SCHEMA_VERSION => {}
            Some(serde_json::Value::String(s)) if s == "1.0" => {
                return Err(invalid(
                    "at `schema_version`",
                    format!(
                        "snapshot schema_version \"1.0\" is no longer read: this rootwarden reads \"{SCHEMA_VERSION}\", which records what 1.0 left implicit (the regions meant to be collected, log groups whose events never expire, root key ids that were not listed, empty error lists), and a 1.0 snapshot cannot tell those from deleted facts; re-collect it with this version"
                    ),
                ))
            }
            Some(other) => {
                return Err(invalid(
                    "at `schema_version`",
                    format!(
                        "unsupported snapshot schema_version {other}; this rootwarden reads \"{SCHEMA_VERSION}\" (re-collect the snapshot with this version)"
                    ),
                ))
            }
            None => {
                return Err(invalid(
                    "document",
                    format!("missing `schema_version`; expected \"{SCHEMA_VERSION}\" (is this a rootwarden snapshot?)"),
                ))
            }
        }
    }
    let mut snap: Snapshot = parse_document(path, text, Syntax::Json)?;
    check_snapshot(&snap).map_err(|(at, message)| InputError::Invalid {
        path: path.to_path_buf(),
        place: place_of(text, Syntax::Json, &at),
        message,
    })?;
    snap.accounts.iter_mut().for_each(redact_account);
    Ok(snap)
}

/// Activity is text copied from CloudTrail; a snapshot from elsewhere (or an older rootwarden)
/// may hold credentials in it, which no report may repeat.
fn redact_account(a: &mut crate::snapshot::Account) {
    if let Some(activity) = &mut a.activity {
        crate::redact::activity(activity);
    }
}

/// What the snapshot's types cannot say: unique 12-digit account ids, regions that were meant
/// to be collected, field selectors AWS would accept. Errors are (path, message).
fn check_snapshot(snap: &Snapshot) -> Result<(), (Vec<Step>, String)> {
    let mut seen = std::collections::HashSet::new();
    for (i, a) in snap.accounts.iter().enumerate() {
        check_account(i, a, &mut seen)?;
    }
    Ok(())
}

/// [`check_snapshot`] for the account at index `i`; `seen` holds the ids of the accounts before it.
fn check_account(
    i: usize,
    a: &crate::snapshot::Account,
    seen: &mut std::collections::HashSet<String>,
) -> Result<(), (Vec<Step>, String)> {
    let key = |k: &str| Step::Key(k.to_string());
    let at = |rest: &[Step]| {
        let mut p = vec![key("accounts"), Step::Index(i)];
        p.extend_from_slice(rest);
        p
    };
    if !crate::snapshot::is_account_id(&a.account_id) {
        return Err((
            at(&[key("account_id")]),
            format!("expected a 12-digit AWS account id, found {:?}", a.account_id),
        ));
    }
    if !seen.insert(a.account_id.clone()) {
        return Err((
            at(&[key("account_id")]),
            format!("account {} appears twice; expected each account once", a.account_id),
        ));
    }
    let mut expected = std::collections::BTreeSet::new();
    for (j, r) in a.expected_regions.iter().enumerate() {
        if !expected.insert(r) {
            return Err((
                at(&[key("expected_regions"), Step::Index(j)]),
                format!("region {r} is listed twice; expected each region once"),
            ));
        }
    }
    for (name, region) in &a.regions {
        if !expected.contains(name) {
            return Err((
                    at(&[key("regions"), key(name)]),
                    format!("region {name} is not in the account's expected_regions; every collected region is one that was meant to be collected"),
                ));
        }
        let trails = region.cloudtrail.iter().flat_map(|c| c.trails.iter()).enumerate();
        for (t, trail) in trails {
            for (s, selector) in trail.advanced_event_selectors.iter().flatten().enumerate() {
                for (f, field) in selector.field_selectors.iter().enumerate() {
                    let operators = [
                        &field.equals,
                        &field.starts_with,
                        &field.ends_with,
                        &field.not_equals,
                        &field.not_starts_with,
                        &field.not_ends_with,
                    ];
                    let message = if operators.iter().all(|o| o.is_none()) {
                        "has no operator; AWS requires at least one (equals, starts_with, ends_with, not_equals, not_starts_with, not_ends_with)"
                    } else if operators.iter().any(|o| o.as_ref().is_some_and(Vec::is_empty)) {
                        "has an operator with no values; AWS requires at least one value"
                    } else {
                        continue;
                    };
                    return Err((
                        at(&[
                            key("regions"),
                            key(name),
                            key("cloudtrail"),
                            key("trails"),
                            Step::Index(t),
                            key("advanced_event_selectors"),
                            Step::Index(s),
                            key("field_selectors"),
                            Step::Index(f),
                        ]),
                        format!("field selector on {} {message}", field.field),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Reads a requirements file (YAML or JSON, by extension) and checks it.
pub fn load_requirements(path: &Path) -> Result<Requirements, InputError> {
    Ok(RequirementsDoc::load(path)?.requirements)
}

/// Validates requirements text read from `path`.
pub fn parse_requirements(path: &Path, text: &str, syntax: Syntax) -> Result<Requirements, InputError> {
    Ok(RequirementsDoc::parse(path, text, syntax)?.requirements)
}

/// A requirements document with the text it was read from, so that checks which need the loaded
/// rules (a waiver's rule id) can still name the line.
#[derive(Debug, Clone, Default)]
pub struct RequirementsDoc {
    /// The requirements, defaults filled in.
    pub requirements: Requirements,
    /// Where they came from; `None` for the built-in default.
    source: Option<(PathBuf, String, Syntax)>,
}

impl RequirementsDoc {
    /// Reads a requirements file (YAML or JSON, by extension) and checks it.
    pub fn load(path: &Path) -> Result<RequirementsDoc, InputError> {
        let text = read(path)?;
        RequirementsDoc::parse(path, &text, Syntax::from_path(path))
    }

    /// Validates requirements text read from `path` (a file, or a name such as an S3 URI).
    pub fn parse(path: &Path, text: &str, syntax: Syntax) -> Result<RequirementsDoc, InputError> {
        let requirements: Requirements = parse_document(path, text, syntax)?;
        let doc = RequirementsDoc {
            requirements,
            source: Some((path.to_path_buf(), text.to_string(), syntax)),
        };
        doc.requirements.validate().map_err(|e| doc.invalid(e))?;
        Ok(doc)
    }

    /// `sha256:` and the SHA-256 of the text the requirements were read from; `None` for the
    /// built-in default.
    pub fn digest(&self) -> Option<String> {
        self.source.as_ref().map(|(_, text, _)| document_digest(text))
    }

    /// Checks that every waiver names one of `rule_ids`, the rules loaded for this run (bundled
    /// and user, before --only/--skip).
    pub fn check_waiver_rules<'a>(&self, rule_ids: impl IntoIterator<Item = &'a str>) -> Result<(), InputError> {
        self.requirements
            .check_waiver_rules(rule_ids)
            .map_err(|e| self.invalid(e))
    }

    fn invalid(&self, (at, message): (Vec<Step>, String)) -> InputError {
        match &self.source {
            Some((path, text, syntax)) => InputError::Invalid {
                path: path.clone(),
                place: place_of(text, *syntax, &at),
                message,
            },
            None => InputError::Invalid {
                path: PathBuf::from("<built-in requirements>"),
                place: format!("at `{}`", path_text(&at)),
                message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    #[test]
    fn place_of_finds_the_line_of_a_value_in_json_and_yaml() {
        let json = "{\n  \"a\": [\n    {\"b\": 1},\n    {\"b\": 2, \"c\": \"x\"}\n  ]\n}";
        let place = place_of(json, Syntax::Json, &[key("a"), Step::Index(1), key("c")]);
        assert!(place.starts_with("line 4, "), "{place}");
        assert!(place.ends_with("at `a[1].c`"), "{place}");
        let yaml = "a:\n  - b: 1\n  - b: 2\n    c: x\nd: ~\n";
        let place = place_of(yaml, Syntax::Yaml, &[key("a"), Step::Index(1), key("c")]);
        assert!(place.starts_with("line 4, "), "{place}");
        assert!(place_of(yaml, Syntax::Yaml, &[key("d")]).starts_with("line 5, "));
        // A path that is not in the document is named without a line.
        assert_eq!(place_of(yaml, Syntax::Yaml, &[key("zz")]), "at `zz`");
        assert_eq!(place_of("{broken", Syntax::Json, &[key("a")]), "at `a`");
    }
}
