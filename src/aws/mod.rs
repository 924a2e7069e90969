//! SDK plumbing shared by the collectors: per-account clients, call counting and error recording.

pub mod assume_root;
pub mod connection;
pub mod retry;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::snapshot::CollectionError;

/// The IAM action prefix of an SDK service name (as the SDK's operation metadata spells it).
pub fn action_prefix(service: &str) -> String {
    match service {
        "CloudWatch Logs" => "logs".into(),
        "EventBridge" => "events".into(),
        other => other.to_ascii_lowercase().replace(' ', ""),
    }
}

/// Calls per account: account → `prefix:Operation` → count.
pub type CallCounts = BTreeMap<String, BTreeMap<String, u64>>;

/// Counts every operation the SDK clients of one account start (retries not included).
#[derive(Debug, Clone)]
pub struct CallCounter {
    account: String,
    counts: Arc<Mutex<CallCounts>>,
}

impl CallCounter {
    /// A counter that adds to `counts` under `account`.
    pub fn new(account: &str, counts: Arc<Mutex<CallCounts>>) -> Self {
        CallCounter {
            account: account.to_string(),
            counts,
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "rootwarden::CallCounter"
    }

    // Client interceptors' read_before_execution runs before the operation's metadata is in
    // the bag; serialization happens once per operation, before the retry loop.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            let key = format!("{}:{}", action_prefix(m.service()), m.name());
            // -vv: every call, with the account it is made in.
            tracing::debug!(account = %self.account, "call {key}");
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            *counts.entry(self.account.clone()).or_default().entry(key).or_default() += 1;
        }
        Ok(())
    }
}

/// The failed calls of a collection run.
#[derive(Debug, Clone, Default)]
pub struct Errors(Arc<Mutex<Vec<CollectionError>>>);

impl Errors {
    /// Records a failed call (message redacted).
    pub fn push(
        &self,
        account: Option<&str>,
        region: Option<&str>,
        service: &str,
        operation: &str,
        code: &str,
        message: &str,
    ) {
        tracing::warn!(
            account,
            region,
            service,
            operation,
            code,
            "{}",
            crate::redact::secrets(message).into_owned()
        );
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(CollectionError {
            account_id: account.map(str::to_string),
            region: region.map(str::to_string),
            service: service.to_string(),
            operation: operation.to_string(),
            error_code: code.to_string(),
            message: crate::redact::secrets(message).into_owned(),
        });
    }

    /// Records a collection task that panicked or was cancelled, so its account's facts stay
    /// `null` (insufficient data) rather than vanish.
    pub fn task_failed(&self, account: Option<&str>, err: &tokio::task::JoinError) {
        self.push(account, None, "rootwarden", "collect", "TaskFailed", &err.to_string());
    }

    /// The errors recorded so far, in the order they were recorded (they stay recorded).
    pub fn recorded(&self) -> Vec<CollectionError> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every recorded error, sorted for a stable snapshot.
    pub fn take(&self) -> Vec<CollectionError> {
        let mut v = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        v.sort_by(|a, b| {
            (&a.account_id, &a.region, &a.service, &a.operation).cmp(&(
                &b.account_id,
                &b.region,
                &b.service,
                &b.operation,
            ))
        });
        v
    }
}

/// The error code and message of a failed SDK call.
pub fn describe<E, R>(err: &SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = match err {
        SdkError::ServiceError(s) => s.err().code().unwrap_or("Unknown").to_string(),
        SdkError::TimeoutError(_) => "Timeout".to_string(),
        SdkError::DispatchFailure(_) => "DispatchFailure".to_string(),
        SdkError::ResponseError(_) => "ResponseError".to_string(),
        SdkError::ConstructionFailure(_) => "ConstructionFailure".to_string(),
        _ => "Unknown".to_string(),
    };
    let message = match err {
        SdkError::ServiceError(s) => s
            .err()
            .message()
            .map(str::to_string)
            .unwrap_or_else(|| s.err().to_string()),
        other => aws_smithy_types::error::display::DisplayErrorContext(other).to_string(),
    };
    (code, message)
}

/// What a person can do about a call that never reached AWS: no credentials, an endpoint
/// refused or unresolvable, a timeout. `None` for other errors (a service's own answer above all).
pub fn unreachable<E, R>(err: &SdkError<E, R>, endpoint: &str) -> Option<String>
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    use aws_credential_types::provider::error::CredentialsError;
    if matches!(err, SdkError::ServiceError(_)) {
        return None;
    }
    let mut text = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Some(match c {
                CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found: set AWS_PROFILE (or give --profile), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`".to_string(),
                CredentialsError::ProviderTimedOut(_) => "no AWS credentials found: the credential provider timed out (instance metadata unreachable?); set AWS_PROFILE or give --profile".to_string(),
                other => format!(
                    "cannot load AWS credentials: {}; check --profile and ~/.aws/config",
                    crate::redact::secrets(&aws_smithy_types::error::display::DisplayErrorContext(other).to_string()).into_owned()
                ),
            });
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return Some(format!(
                        "cannot connect to {endpoint}: connection refused; check --endpoint-url and the network"
                    ))
                }
                std::io::ErrorKind::TimedOut => {
                    return Some(format!(
                        "cannot connect to {endpoint}: timed out; check --endpoint-url, proxies and the network"
                    ))
                }
                _ => {}
            }
        }
        text.push_str(&e.to_string().to_lowercase());
        text.push('\n');
        cur = e.source();
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        return Some(format!(
            "cannot resolve the host of {endpoint} (DNS lookup failed); check --endpoint-url, --region and the network"
        ));
    }
    if text.contains("connection refused") {
        return Some(format!(
            "cannot connect to {endpoint}: connection refused; check --endpoint-url and the network"
        ));
    }
    match err {
        SdkError::TimeoutError(_) => Some(format!(
            "no answer from {endpoint} in time; check the network or raise --call-timeout"
        )),
        SdkError::DispatchFailure(_) => Some(format!(
            "cannot reach {endpoint}; check --endpoint-url and the network (-v shows the detail)"
        )),
        _ => None,
    }
}

/// Why a TCP connection to `endpoint` (an `http(s)://host[:port]` URL) fails, when it does
/// quickly: the host does not resolve, or the port refuses. `None` when it connects, or cannot
/// tell. Used to name the cause after the SDK's retries ended in a timeout.
pub fn probe(endpoint: &str) -> Option<String> {
    use std::net::ToSocketAddrs;
    let (scheme, rest) = endpoint.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        && !host_port.ends_with(']');
    let target = if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:{}", if scheme == "http" { 80 } else { 443 })
    };
    let addrs: Vec<_> = match target.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => {
            return Some(format!(
            "cannot resolve the host of {endpoint} (DNS lookup failed); check --endpoint-url, --region and the network"
        ))
        }
    };
    let mut refused = false;
    for addr in &addrs {
        match std::net::TcpStream::connect_timeout(addr, std::time::Duration::from_secs(3)) {
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused = true,
            Err(_) => {}
        }
    }
    refused.then(|| format!("cannot connect to {endpoint}: connection refused; check --endpoint-url and the network"))
}

/// Where a call was made, for error records.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The account.
    pub account: String,
    /// The region (`None` for global services).
    pub region: Option<String>,
    /// Errors of the run.
    pub errors: Errors,
}

impl Scope {
    /// Records `err` from `service:operation` and returns `None`, for `?`-free chaining.
    pub fn fail<T, E, R>(&self, service: &str, operation: &str, err: SdkError<E, R>) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let (code, message) = describe(&err);
        self.errors.push(
            Some(&self.account),
            self.region.as_deref(),
            service,
            operation,
            &code,
            &message,
        );
        None
    }

    /// Records a failed `service:operation` whose error was already described as `code` and
    /// `message` (redacted when recorded).
    pub fn fail_with(&self, service: &str, operation: &str, code: &str, message: &str) {
        self.errors.push(
            Some(&self.account),
            self.region.as_deref(),
            service,
            operation,
            code,
            message,
        );
    }

    /// The same account in `region`.
    pub fn in_region(&self, region: &str) -> Scope {
        Scope {
            account: self.account.clone(),
            region: Some(region.to_string()),
            errors: self.errors.clone(),
        }
    }
}

/// One account's SDK configuration plus its call counter.
#[derive(Clone)]
pub struct AccountConfig {
    /// Credentials, retry, timeout and endpoint settings for this account.
    pub sdk: SdkConfig,
    /// Counts the calls made for this account.
    pub counter: CallCounter,
}

macro_rules! client_fn {
    ($name:ident, $krate:ident) => {
        /// A client of this service for `region`, counting calls, with the account's own
        /// retry quota for the service in `region`.
        pub fn $name(&self, region: &str) -> $krate::Client {
            let conf = $krate::config::Builder::from(&self.sdk)
                .region(aws_config::Region::new(region.to_string()))
                .interceptor(self.counter.clone())
                .retry_partition(retry::partition(&self.counter.account, stringify!($name), region))
                .retry_classifier(retry::TooManyRequests)
                .build();
            $krate::Client::from_conf(conf)
        }
    };
}

impl AccountConfig {
    client_fn!(iam, aws_sdk_iam);
    client_fn!(sts, aws_sdk_sts);
    client_fn!(organizations, aws_sdk_organizations);
    client_fn!(account, aws_sdk_account);
    client_fn!(cloudtrail, aws_sdk_cloudtrail);
    client_fn!(logs, aws_sdk_cloudwatchlogs);
    client_fn!(cloudwatch, aws_sdk_cloudwatch);
    client_fn!(sns, aws_sdk_sns);
    client_fn!(events, aws_sdk_eventbridge);
}
