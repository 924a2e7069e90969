//! What a warm Lambda function keeps between invocations: the compiled policy, keyed by the
//! digests of the requirements and the rules and by the rule selection (compiling the rules is
//! most of a cold invocation's evaluation time), and the owners' chains ([`ChainCache`]).

use std::collections::HashMap;
use std::sync::Mutex;

use super::chain::ChainCache;
use crate::policy::Policy;

/// At most this many compiled policies are kept (one per distinct rule configuration: a
/// function serving a few Config rules with different parameters).
const POLICIES_KEPT: usize = 4;

/// State kept by one function process across invocations.
#[derive(Default)]
pub struct Warm {
    policies: Mutex<HashMap<String, Policy>>,
    /// Owners' chains read by this process.
    pub chains: ChainCache,
}

impl Warm {
    /// The compiled policy kept under `key`, taken out of the cache (give it back with
    /// [`Warm::keep`] when the invocation is done).
    pub fn take(&self, key: &str) -> Option<Policy> {
        self.policies.lock().unwrap_or_else(|p| p.into_inner()).remove(key)
    }

    /// Keeps `policy` under `key` for the next invocations.
    pub fn keep(&self, key: String, policy: Policy) {
        let mut policies = self.policies.lock().unwrap_or_else(|p| p.into_inner());
        if policies.len() >= POLICIES_KEPT {
            policies.clear();
        }
        policies.insert(key, policy);
    }
}
