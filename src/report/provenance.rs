//! Provenance of a report for people, as audit evidence: which rootwarden, which rules and
//! requirements judged which snapshot, and when the report was made.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A document a report was made from, named by its path and content digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRef {
    /// The path as given.
    pub path: String,
    /// `sha256:` and the SHA-256 of the file's bytes.
    pub digest: String,
}

/// What produced a report from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// rootwarden's version.
    pub version: String,
    /// The digest of the rule and library files that judged (`policy::loader::digest`).
    pub rules_digest: String,
    /// Where the rules came from: `bundled` and each `--rules` directory.
    pub rule_sources: Vec<String>,
    /// The requirements file; `None` for the built-in default.
    pub requirements: Option<DocumentRef>,
    /// The snapshot file; `None` when this run collected it.
    pub snapshot: Option<DocumentRef>,
    /// When the report was generated: the clock, or `SOURCE_DATE_EPOCH` when set (reproducible
    /// reports). Evaluation itself never reads the clock.
    pub generated_at: DateTime<Utc>,
}

impl Provenance {
    /// Provenance with the version of this build and the given generation time, the rest empty.
    pub fn new(generated_at: DateTime<Utc>) -> Provenance {
        Provenance {
            version: env!("CARGO_PKG_VERSION").to_string(),
            rules_digest: String::new(),
            rule_sources: Vec::new(),
            requirements: None,
            snapshot: None,
            generated_at,
        }
    }
}

/// The report's generation time: `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds
/// convention) when set, else the clock.
pub fn generation_time() -> Result<DateTime<Utc>, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| format!("SOURCE_DATE_EPOCH={v:?}: expected whole seconds since 1970-01-01 UTC")),
        _ => Ok(Utc::now()),
    }
}
