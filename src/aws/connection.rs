//! How a run reaches AWS: the credential chain or a named profile, an optional role assumed
//! first, the region of global calls, an endpoint override, retries and timeouts. Every command
//! that calls AWS (collect, remediate, the Config backend, activity, drill) starts here.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::ConnectorBuilder;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Where and as whom a run calls AWS.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Named profile of the shared config files.
    pub profile: Option<String>,
    /// Region for global services and the credential chain (default: the chain's, else us-east-1).
    pub region: Option<String>,
    /// Endpoint for every service (tests, AWS-compatible endpoints).
    pub endpoint_url: Option<String>,
    /// Time limit of one API call's attempts together (each may take a third of it); the
    /// waits between the attempts of a throttled call come on top.
    pub call_timeout: Duration,
    /// A role to assume first: the credentials every call starts from.
    pub assume_role_arn: Option<String>,
}

/// The SDK configuration every call of a run starts from: the credential chain (or
/// `conn.assume_role_arn` assumed with it), retries, timeouts, region and endpoint.
pub async fn base_config(conn: &Connection) -> SdkConfig {
    let conf = chain_config(conn).await;
    match &conn.assume_role_arn {
        Some(role) => assumed(&conf, role, "rootwarden").await,
        None => conf,
    }
}

/// [`base_config`] with the credential chain's own credentials, before `conn.assume_role_arn`.
pub async fn chain_config(conn: &Connection) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(super::retry::retry_config())
        .timeout_config(
            TimeoutConfig::builder()
                // The waits between the attempts of a throttled call are not its fault.
                .operation_timeout(conn.call_timeout + super::retry::backoff_budget())
                .operation_attempt_timeout(conn.call_timeout / 3)
                .connect_timeout(Duration::from_secs(10))
                .build(),
        );
    if let Some(p) = &conn.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &conn.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &conn.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let mut conf = loader.load().await;
    if conf.region().is_none() {
        conf = conf.into_builder().region(aws_config::Region::new("us-east-1")).build();
    }
    conf
}

/// `base` with the credentials of `role_arn`, assumed (and refreshed when they expire) with
/// `base`'s own.
pub async fn assumed(base: &SdkConfig, role_arn: &str, session_name: &str) -> SdkConfig {
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(session_name)
        .configure(base)
        .build()
        .await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(own_identity_cache())
        .build()
}

/// A credentials cache for one set of credentials. The SDK's default cache is shared by every
/// configuration derived from the first one and holds 64 credential providers, evicting an
/// arbitrary one to admit another: in an organization scan, where each account has its own,
/// accounts still being read lost their credentials and assumed their role again (126 times
/// for 90 accounts; 6.6 times per account at 1,000, a third of all requests). A cache of their
/// own keeps each account's credentials until the account is done, and goes with it.
pub fn own_identity_cache() -> aws_smithy_runtime_api::client::identity::SharedIdentityCache {
    aws_config::identity::IdentityCache::lazy().build()
}

/// The HTTP client of every SDK client the process builds, whatever the account, region or
/// service. Left to itself the SDK gives each client its own: a TLS configuration (the root
/// certificates parsed again) and a connection pool per client, so per account × region ×
/// service, and a new connection for nearly every call of an organization scan. Shared, the
/// certificates are read once and a connection to an endpoint serves every account.
pub fn http_client() -> SharedHttpClient {
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| SharedHttpClient::new(PooledClient::default()))
        .clone()
}

/// One connector (hyper client and its pool) per distinct timeout setting, built as the SDK
/// builds its default one: rustls with aws-lc, proxies from the environment (`HTTPS_PROXY`,
/// `NO_PROXY`).
#[derive(Debug, Default)]
struct PooledClient {
    connectors: Mutex<HashMap<Timeouts, SharedHttpConnector>>,
}

/// A connector's connect and read timeouts.
type Timeouts = (Option<Duration>, Option<Duration>);

impl HttpClient for PooledClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().unwrap_or_else(|p| p.into_inner());
        connectors
            .entry(key)
            .or_insert_with(|| {
                let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
                builder
                    .set_connector_settings(Some(settings.clone()))
                    .set_sleep_impl(components.sleep_impl())
                    .set_proxy_config(Some(ProxyConfig::from_env()));
                SharedHttpConnector::new(builder.build())
            })
            .clone()
    }
}

/// How a run that changes things reaches each account of its scope: the caller's own
/// configuration in the caller's account, a role assumed in every other.
#[derive(Clone)]
pub struct Reach {
    /// The caller's configuration (credentials chain, endpoint, retries).
    pub base: SdkConfig,
    /// The caller's account.
    pub caller_account: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// The role assumed in every other account.
    pub role_name: String,
    /// Region for STS and IAM.
    pub home_region: String,
}

impl Reach {
    /// How to reach the accounts of `snapshot` with `base`: the caller is the principal that
    /// collected it (its account and partition), `role_name` is assumed everywhere else.
    pub fn for_snapshot(base: SdkConfig, snapshot: &crate::snapshot::Snapshot, role_name: &str) -> Reach {
        let principal = snapshot
            .collector
            .as_ref()
            .and_then(|c| c.principal_arn.as_deref())
            .unwrap_or_default();
        let caller = crate::arn::Arn::parse(principal);
        Reach {
            home_region: base
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
            base,
            caller_account: caller.map(|a| a.account).unwrap_or_default().to_string(),
            partition: caller.map_or("aws", |a| a.partition).to_string(),
            role_name: role_name.to_string(),
        }
    }

    /// The configuration for calls into `account` (the role assumed with `session_name`, the
    /// name CloudTrail records), counting calls with `counter`.
    pub async fn account_config(
        &self,
        account: &str,
        session_name: &str,
        counter: crate::aws::CallCounter,
    ) -> crate::aws::AccountConfig {
        if account == self.caller_account {
            return crate::aws::AccountConfig {
                sdk: self.base.clone(),
                counter,
            };
        }
        let role_arn = format!("arn:{}:iam::{}:role/{}", self.partition, account, self.role_name);
        crate::aws::AccountConfig {
            sdk: assumed(&self.base, &role_arn, session_name).await,
            counter,
        }
    }
}
