//! How a throttled call is retried: AWS throttles per account, region and API, so a scan of
//! thousands of accounts meets throttling as a matter of course; it must make the scan slower,
//! never incomplete.
//!
//! The SDK's own choices do not fit an organization scan. Its adaptive mode puts a client-side
//! rate limiter in front of every call, and that limiter (like the retry quota of standard
//! mode) is shared by every client of a service and region in the process: one throttled
//! account slowed every account's calls to that service to a trickle (10 tokens a retry at
//! 0.5 a second), and five throttled answers in a row outlasted the call's time limit. Here:
//! standard mode (exponential backoff with full jitter, no client-side limiter), enough attempts
//! to ride out a burst, a retry quota of its own per account × region × service (the scope AWS
//! throttles), HTTP 429 classified as throttling whatever the code, and a call time limit that
//! does not count the waits between attempts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_sts::config::retry::{ClassifyRetry, RetryAction, RetryPartition, TokenBucket};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority;

/// Attempts of one call, the first included. With the backoff below, a call survives about
/// a minute and a half of throttling before it is recorded as a collection error.
pub const MAX_ATTEMPTS: u32 = 10;

/// The first retry waits up to this long; each further one up to twice as long as the one
/// before, never more than [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);

/// The longest wait before one retry.
const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// The retry settings of every SDK client of a run.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The longest a call can spend waiting between its attempts (jitter makes the usual wait
/// about half of it). A call's time limit adds it, so a throttled call is not cut short for
/// waiting as it was told to.
pub fn backoff_budget() -> Duration {
    (1..MAX_ATTEMPTS)
        .map(|retry| {
            INITIAL_BACKOFF
                .saturating_mul(1 << (retry - 1).min(16))
                .min(MAX_BACKOFF)
        })
        .sum()
}

/// The retry partition of the clients of `service` in `account` and `region`: its own retry
/// quota, so throttling (or an outage) in one account never uses up the retries of another.
/// Every client of that account, region and service shares it.
pub fn partition(account: &str, service: &'static str, region: &str) -> RetryPartition {
    type Key = (String, &'static str, String);
    static PARTITIONS: OnceLock<Mutex<HashMap<Key, RetryPartition>>> = OnceLock::new();
    let mut map = PARTITIONS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    map.entry((account.to_string(), service, region.to_string()))
        .or_insert_with(|| {
            RetryPartition::custom(Cow::Owned(format!("{service}-{account}-{region}")))
                .token_bucket(TokenBucket::default())
                .build()
        })
        .clone()
}

/// Classifies an answer with HTTP status 429 (Too Many Requests) as throttling whatever its
/// error code: the SDK knows throttling by a list of codes, which lacks some services' own
/// (SNS answers `Throttled`).
#[derive(Debug, Default, Clone)]
pub struct TooManyRequests;

impl ClassifyRetry for TooManyRequests {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response() {
            Some(r) if ctx.is_failed() && r.status().as_u16() == 429 => RetryAction::throttling_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "rootwarden::TooManyRequests"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After the SDK's own classifiers, so a 429 they let pass is still retried.
        RetryClassifierPriority::run_after(RetryClassifierPriority::modeled_as_retryable_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_budget_is_the_sum_of_the_capped_doublings() {
        // 1 + 2 + 4 + 8 + 16, then 20 for each of the four retries left.
        assert_eq!(backoff_budget(), Duration::from_secs(31 + 4 * 20));
    }

    #[test]
    fn one_partition_per_account_region_and_service() {
        let a = partition("111111111111", "iam", "us-east-1");
        assert_eq!(a, partition("111111111111", "iam", "us-east-1"));
        assert_ne!(a, partition("222222222222", "iam", "us-east-1"));
        assert_ne!(a, partition("111111111111", "iam", "eu-west-1"));
        assert_ne!(a, partition("111111111111", "sns", "us-east-1"));
    }
}
