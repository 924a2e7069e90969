//! The documents a rule sees, written out for OPA's own tools: per account, the exact `input`
//! and the `data` rootwarden adds (`data.requirements`, `data.canonical_events`), so an author
//! can run `opa eval`, an editor's Rego extension or their own tests against real inputs.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::engine::{account_input, rootwarden_data};
use super::PolicyError;
use crate::requirements::Requirements;
use crate::snapshot::Snapshot;

/// What the rules see for one account.
#[derive(Debug, Clone)]
pub struct AccountDocuments {
    /// The account.
    pub account_id: String,
    /// `input`.
    pub input: Json,
    /// The part of `data` rootwarden adds: `{"requirements": ..., "canonical_events": ...}`.
    pub data: Json,
}

/// The documents of every account of `snapshot`, or of `account` alone; an account id the
/// snapshot does not hold is an error listing those it does.
pub fn account_documents(
    snapshot: &Snapshot,
    requirements: &Requirements,
    account: Option<&str>,
) -> Result<Vec<AccountDocuments>, PolicyError> {
    let accounts: Vec<_> = snapshot
        .accounts
        .iter()
        .filter(|a| account.is_none_or(|id| a.account_id == id))
        .collect();
    if let (Some(id), true) = (account, accounts.is_empty()) {
        let known: Vec<&str> = snapshot.accounts.iter().map(|a| a.account_id.as_str()).collect();
        return Err(PolicyError::Selection(format!(
            "--account {id}: the snapshot has no such account (it has: {})",
            known.join(", ")
        )));
    }
    let data = rootwarden_data(requirements);
    Ok(accounts
        .into_iter()
        .map(|a| AccountDocuments {
            account_id: a.account_id.clone(),
            input: account_input(snapshot, a),
            data: data.clone(),
        })
        .collect())
}

/// Writes `DIR/ACCOUNT/input.json` and `DIR/ACCOUNT/data.json` for each account; returns the
/// files written.
pub fn write(dir: &Path, docs: &[AccountDocuments]) -> Result<Vec<PathBuf>, PolicyError> {
    let mut written = Vec::new();
    for d in docs {
        let account_dir = dir.join(&d.account_id);
        std::fs::create_dir_all(&account_dir).map_err(|e| PolicyError::Io {
            path: account_dir.display().to_string(),
            message: format!("cannot create directory: {e}"),
        })?;
        for (name, doc) in [("input.json", &d.input), ("data.json", &d.data)] {
            let path = account_dir.join(name);
            let mut text = serde_json::to_string_pretty(doc).map_err(|e| PolicyError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            text.push('\n');
            std::fs::write(&path, text).map_err(|e| PolicyError::Io {
                path: path.display().to_string(),
                message: format!("cannot write: {e}"),
            })?;
            written.push(path);
        }
    }
    Ok(written)
}
