//! What a warm Lambda function keeps between invocations: the compiled policy, keyed by the
//! digests of the requirements and the rules and by the rule selection (compiling the rules is
//! most of a cold invocation's evaluation time), the S3 objects it read with their ETags (asked
//! for again with If-None-Match), and the owners' chains ([`ChainCache`]).

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
    /// S3 objects read (requirements, rule bundles) by URI: their ETag and content.
    objects: Mutex<HashMap<String, (String, Vec<u8>)>>,
    /// Owners' chains read by this process.
    pub chains: ChainCache,
}

impl Warm {
    /// The compiled policy kept under `key`, taken out of the cache (give it back with
    /// [`Warm::keep`] when the invocation is done).
    pub fn take(&self, key: &str) -> Option<Policy> {
        self.policies.lock().unwrap_or_else(|p| p.into_inner()).remove(key)
    }

    /// The ETag and content of the S3 object `uri` as last read, if kept.
    pub fn object(&self, uri: &str) -> Option<(String, Vec<u8>)> {
        self.objects.lock().unwrap_or_else(|p| p.into_inner()).get(uri).cloned()
    }

    /// Keeps the S3 object `uri`'s content under its ETag (a few objects at most: the rule
    /// parameters name one requirements document and one bundle).
    pub fn keep_object(&self, uri: String, etag: String, bytes: Vec<u8>) {
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        if objects.len() >= POLICIES_KEPT * 2 {
            objects.clear();
        }
        objects.insert(uri, (etag, bytes));
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
