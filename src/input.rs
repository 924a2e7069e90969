//! Reading the documents rootwarden is given (snapshot, requirements) with errors that name the
//! file, the place in it and what was expected.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::requirements::Requirements;
use crate::snapshot::{Snapshot, SCHEMA_VERSION};

/// A document that could not be read or does not follow its schema.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read at all.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
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
                let inner = e.into_inner();
                let mut place = match inner.location() {
                    Some(l) => format!("line {}, column {}", l.line(), l.column()),
                    None => "document".to_string(),
                };
                if field != "." && !field.is_empty() {
                    place.push_str(&format!(", at `{field}`"));
                }
                invalid(place, strip_position(&inner.to_string()))
            })
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
    std::fs::read_to_string(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
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

/// Reads and checks a requirements file, and digests the bytes it was read from.
pub fn load_requirements_with_digest(path: &Path) -> Result<(Requirements, String), InputError> {
    let text = read(path)?;
    let req = parse_requirements(path, &text, Syntax::from_path(path))?;
    Ok((req, document_digest(&text)))
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
    if let Ok(v) = serde_json::from_str::<Versioned>(text) {
        match v.schema_version {
            Some(serde_json::Value::String(s)) if s == SCHEMA_VERSION => {}
            Some(other) => {
                return Err(InputError::Invalid {
                    path: path.to_path_buf(),
                    place: "at `schema_version`".into(),
                    message: format!(
                        "unsupported snapshot schema_version {other}; this rootwarden reads \"{SCHEMA_VERSION}\" (re-collect the snapshot with this version)"
                    ),
                })
            }
            None => {
                return Err(InputError::Invalid {
                    path: path.to_path_buf(),
                    place: "document".into(),
                    message: format!("missing `schema_version`; expected \"{SCHEMA_VERSION}\" (is this a rootwarden snapshot?)"),
                })
            }
        }
    }
    let mut snap: Snapshot = parse_document(path, text, Syntax::Json)?;
    // Activity is text copied from CloudTrail; a snapshot from elsewhere (or an older
    // rootwarden) may hold credentials in it, which no report may repeat.
    for a in &mut snap.accounts {
        if let Some(activity) = &mut a.activity {
            crate::redact::activity(activity);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, a) in snap.accounts.iter().enumerate() {
        if a.account_id.len() != 12 || !a.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError::Invalid {
                path: path.to_path_buf(),
                place: format!("at `accounts[{i}].account_id`"),
                message: format!("expected a 12-digit AWS account id, found {:?}", a.account_id),
            });
        }
        if !seen.insert(&a.account_id) {
            return Err(InputError::Invalid {
                path: path.to_path_buf(),
                place: format!("at `accounts[{i}].account_id`"),
                message: format!("account {} appears twice; expected each account once", a.account_id),
            });
        }
    }
    Ok(snap)
}

/// Reads a requirements file (YAML or JSON, by extension) and checks it.
pub fn load_requirements(path: &Path) -> Result<Requirements, InputError> {
    let text = read(path)?;
    parse_requirements(path, &text, Syntax::from_path(path))
}

/// Validates requirements text read from `path`.
pub fn parse_requirements(path: &Path, text: &str, syntax: Syntax) -> Result<Requirements, InputError> {
    let req: Requirements = parse_document(path, text, syntax)?;
    req.validate().map_err(|message| InputError::Invalid {
        path: path.to_path_buf(),
        place: "document".into(),
        message,
    })?;
    Ok(req)
}
