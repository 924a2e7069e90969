//! The documents a rule sees: per account, the exact `input` and the `data` rootwarden adds
//! (`data.requirements`, `data.canonical_events`). Built here for every evaluation, and written
//! out for OPA's own tools, so an author can run `opa eval`, an editor's Rego extension or their
//! own tests against real inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use super::metadata::Fact;
use super::PolicyError;
use crate::requirements::Requirements;
use crate::snapshot::{Account, AccountRole, Snapshot};

/// The documents rootwarden adds to `data`: `data.requirements`, with every default filled in,
/// and `data.canonical_events`, the CloudTrail events detections are measured with.
pub fn rootwarden_data(requirements: &Requirements) -> Json {
    json!({
        "requirements": requirements,
        "canonical_events": crate::canonical_events::rego_data(),
    })
}

/// The `input` document a rule sees for one account.
pub fn account_input(snapshot: &Snapshot, account: &Account) -> Json {
    let errors: Vec<_> = snapshot.errors_for(&account.account_id).collect();
    json!({
        "schema_version": snapshot.schema_version,
        "collected_at": snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "organization": snapshot.organization,
        "account": account,
        "related_accounts": related_accounts(snapshot, account),
        "collection_errors": errors,
    })
}

/// Other accounts of the snapshot that own a trail visible in `account` (organization trails,
/// [`Account::chain_owners`]): a member's root activity is delivered to the owner's log group,
/// filters and alarms, so the rules judging the member's monitoring chain must see the owner's
/// facts.
fn related_accounts<'a>(snapshot: &'a Snapshot, account: &Account) -> BTreeMap<&'a str, &'a Account> {
    let owners = account.chain_owners();
    snapshot
        .accounts
        .iter()
        .filter(|a| owners.contains(&a.account_id.as_str()))
        .map(|a| (a.account_id.as_str(), a))
        .collect()
}

/// The required facts that are `null` for this account.
pub fn missing_facts(required: &[Fact], snapshot: &Snapshot, account: &Account) -> Vec<Fact> {
    // A region meant to be collected but absent holds none of its facts.
    let regional = |present: &dyn Fn(&crate::snapshot::Region) -> bool| {
        !account.expected_regions.is_empty()
            && account
                .expected_regions
                .iter()
                .all(|r| account.regions.get(r).is_some_and(present))
            && account.regions.values().all(present)
    };
    required
        .iter()
        .copied()
        .filter(|fact| {
            let available = match fact {
                Fact::CredentialReport => account.iam.credential_report.as_ref().is_some_and(|r| r.root.is_some()),
                Fact::AccountSummary => account.iam.account_summary.is_some(),
                Fact::RootMfaDevices => account.iam.root_mfa_devices.is_some(),
                Fact::OrganizationRootAccess => {
                    account.role != AccountRole::Management
                        || snapshot.organization.as_ref().is_some_and(|o| o.root_access.is_some())
                }
                Fact::Cloudtrail => regional(&|r| r.cloudtrail.is_some()),
                Fact::Logs => regional(&|r| r.logs.is_some()),
                Fact::Cloudwatch => regional(&|r| r.cloudwatch.is_some()),
                Fact::Sns => regional(&|r| r.sns.is_some()),
                Fact::Events => regional(&|r| r.events.is_some()),
            };
            !available
        })
        .collect()
}

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
