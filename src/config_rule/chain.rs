//! The monitoring chain a member relies on but does not own: an organization trail's owner holds
//! the log group, metric filters, alarms and topics that watch the member's root user. The
//! handler reads that owner's account through a role in it and adds it to the member's snapshot,
//! where the rules see it as `input.related_accounts[owner]` (the same logic `scan --org` uses).
//!
//! A warm function keeps what it read for a bounded time, so the N member invocations of one
//! Config evaluation round read the owner about once instead of N times.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::collect::{self, AccountScope, CollectOptions};
use crate::snapshot::{Account, CollectionError, Snapshot};

/// What reading one owner's chain gave: its account facts and the calls that failed, or why the
/// owner could not be reached at all (its facts are then absent, and the member's monitoring
/// rules say insufficient data).
#[derive(Debug, Clone)]
pub enum OwnerChain {
    /// The owner's account, collected (failed calls are in `errors`).
    Read {
        /// The owner's facts.
        account: Box<Account>,
        /// The calls that failed while reading it.
        errors: Vec<CollectionError>,
    },
    /// The owner could not be reached (the role could not be assumed, ...).
    Unreachable(String),
}

/// How long an unreachable owner is remembered: long enough that the members of one round do not
/// each retry a role that cannot be assumed, short enough that a fixed role is seen soon.
const UNREACHABLE_FOR: Duration = Duration::from_secs(60);

/// Owners' chains read by this process, by (owner account, role ARN, regions, verify filters).
#[derive(Default)]
pub struct ChainCache {
    entries: Mutex<HashMap<String, (Instant, OwnerChain)>>,
}

/// How the owners of one invocation were obtained.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ChainReads {
    /// Owners read from AWS during this invocation.
    pub read: Vec<String>,
    /// Owners taken from the warm cache.
    pub cached: Vec<String>,
    /// Owners that could not be reached (their chain is insufficient data).
    pub unreachable: Vec<String>,
}

impl ChainCache {
    /// Adds the owners of the chains `snapshot`'s accounts rely on to `snapshot`, each read with
    /// `role_name` assumed in the owner account (or taken from the cache when younger than
    /// `keep`). `base` says how to reach AWS (endpoint, region, regions to collect).
    pub async fn add_owners(
        &self,
        snapshot: &mut Snapshot,
        role_name: &str,
        keep: Duration,
        base: &CollectOptions,
    ) -> ChainReads {
        let mut owners: Vec<(String, String)> = Vec::new();
        for account in &snapshot.accounts {
            for owner in account.chain_owners() {
                if !snapshot.accounts.iter().any(|a| a.account_id == owner) && !owners.iter().any(|(o, _)| o == owner) {
                    owners.push((owner.to_string(), account.partition.clone()));
                }
            }
        }
        let mut reads = ChainReads::default();
        for (owner, partition) in owners {
            let role_arn = format!("arn:{partition}:iam::{owner}:role/{role_name}");
            let key = format!("{owner}|{role_arn}|{:?}|{}", base.regions, base.verify_filters);
            let fresh = |at: &Instant, chain: &OwnerChain| {
                let limit = match chain {
                    OwnerChain::Read { .. } => keep,
                    OwnerChain::Unreachable(_) => keep.min(UNREACHABLE_FOR),
                };
                at.elapsed() < limit
            };
            let cached = self
                .entries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .filter(|(at, chain)| fresh(at, chain))
                .map(|(_, chain)| chain.clone());
            let chain = match cached {
                Some(chain) => {
                    reads.cached.push(owner.clone());
                    chain
                }
                None => {
                    let chain = read_owner(&owner, &role_arn, base).await;
                    reads.read.push(owner.clone());
                    let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
                    entries.retain(|_, (at, chain)| fresh(at, chain));
                    entries.insert(key, (Instant::now(), chain.clone()));
                    chain
                }
            };
            match chain {
                OwnerChain::Read { account, errors } => {
                    snapshot.accounts.push(*account);
                    snapshot.collection_errors.extend(errors);
                }
                OwnerChain::Unreachable(why) => {
                    tracing::warn!(owner = %owner, "cannot read the chain's owner: {why}");
                    reads.unreachable.push(owner);
                }
            }
        }
        reads
    }
}

/// Collects the owner's account through `role_arn`.
async fn read_owner(owner: &str, role_arn: &str, base: &CollectOptions) -> OwnerChain {
    let opts = CollectOptions {
        scope: AccountScope::Current,
        assume_role_arn: Some(role_arn.to_string()),
        // The owner's root credentials are not what the member's rules judge.
        audit_root: false,
        activity: None,
        ..base.clone()
    };
    match collect::collect(&opts).await {
        Ok(collection) => {
            let mut snapshot = collection.snapshot;
            match snapshot.accounts.iter().position(|a| a.account_id == owner) {
                Some(i) => OwnerChain::Read {
                    account: Box::new(snapshot.accounts.swap_remove(i)),
                    errors: snapshot
                        .collection_errors
                        .into_iter()
                        .filter(|e| e.account_id.as_deref().is_none_or(|a| a == owner))
                        .map(|mut e| {
                            e.account_id = Some(owner.to_string());
                            e
                        })
                        .collect(),
                },
                None => OwnerChain::Unreachable(format!("{role_arn} reaches another account")),
            }
        }
        Err(e) => OwnerChain::Unreachable(format!("{role_arn}: {e}")),
    }
}
