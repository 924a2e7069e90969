//! The collect stage: talks to AWS and writes a snapshot of plain facts.
//!
//! Credentials come from the standard chain (env, profile, SSO, web identity, IMDS). Scope is the
//! current account, a list of accounts, or every ACTIVE account of the organization, reached by
//! assuming a role in each. Work fans out over accounts × regions with bounded concurrency; a
//! failure in one account or region is recorded in `collection_errors` and never stops the rest.

pub mod credential_report;
pub mod iam;
pub mod regional;
pub mod root_audit;
pub mod root_events;
pub mod verify_filters;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use tokio::sync::Semaphore;

use crate::aws::connection::{assumed, base_config, chain_config, Connection};
use crate::aws::{self, AccountConfig, CallCounter, CallCounts, Errors, Scope};
use crate::snapshot::{
    Account, AccountRole, CollectorInfo, Iam, OrgRootAccess, Organization, Snapshot, SCHEMA_VERSION,
};

/// Regions enabled by default in every commercial account; used when the account's own list of
/// enabled regions cannot be read.
pub const DEFAULT_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "sa-east-1",
];

/// The role assumed in every account other than the caller's unless another is named: the one
/// AWS Organizations creates in the accounts it creates.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// Which accounts to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    /// The account of the credentials.
    Current,
    /// Every ACTIVE account of the organization.
    Organization,
    /// These accounts.
    List(Vec<String>),
}

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Named profile of the shared config files.
    pub profile: Option<String>,
    /// Region for global services and the credential chain (default: the chain's, else us-east-1).
    pub region: Option<String>,
    /// Endpoint for every service (tests, AWS-compatible endpoints).
    pub endpoint_url: Option<String>,
    /// Accounts to collect.
    pub scope: AccountScope,
    /// Role assumed in every account other than the current one.
    pub role_name: String,
    /// Regions to collect (default: every region enabled in each account).
    pub regions: Option<Vec<String>>,
    /// At most this many account or region tasks at once.
    pub concurrency: usize,
    /// Time limit of one API call's attempts together (see `aws::connection::Connection`).
    pub call_timeout: Duration,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// A role to assume first: the credentials every call starts from (the AWS Config backend
    /// reaches the evaluated account through the rule's execution role).
    pub assume_role_arn: Option<String>,
    /// Also read root activity (CloudTrail event history and alarm history) over this window.
    pub activity: Option<ActivityWindow>,
    /// Ask CloudWatch Logs (`logs:TestMetricFilter`) how each metric filter treats the canonical
    /// CloudTrail events, so the rules can check their own reading against AWS's.
    pub verify_filters: bool,
    /// Read each member account's root credentials in an `sts:AssumeRoot` session
    /// (IAMAuditRootUserCredentials), opened with the credentials the run starts from (before
    /// `assume_role_arn`): the management account's or the delegated administrator's.
    pub audit_root: bool,
    /// When collecting must stop (a Lambda function's time budget, less what posting needs): an
    /// account still being read then keeps nothing it collected — its rules say insufficient
    /// data — and a `DeadlineExceeded` collection error says why. Throttled calls wait out their
    /// backoff, so without it one slow account could outlast the function and leave AWS Config
    /// with the last evaluations it had.
    pub deadline: Option<std::time::Instant>,
}

/// The time window of an activity review, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityWindow {
    /// Start (inclusive).
    pub start: chrono::DateTime<chrono::Utc>,
    /// End (exclusive).
    pub end: chrono::DateTime<chrono::Utc>,
    /// When reading must stop (a Lambda function's time budget): history not read by then is an
    /// activity error (`BudgetExhausted`), so the review is insufficient data, never a pass.
    pub deadline: Option<std::time::Instant>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            scope: AccountScope::Current,
            role_name: DEFAULT_ROLE_NAME.into(),
            regions: None,
            concurrency: 16,
            call_timeout: Duration::from_secs(60),
            progress: true,
            assume_role_arn: None,
            activity: None,
            verify_filters: false,
            audit_root: false,
            deadline: None,
        }
    }
}

/// A finished collection: the snapshot and the API calls made per account.
pub struct Collection {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Calls per account (`service:Operation` → count).
    pub calls: CallCounts,
}

/// Collection could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// No usable credentials: even `sts:GetCallerIdentity` failed.
    #[error("cannot identify the caller (sts:GetCallerIdentity failed: {code}: {message}); check credentials, --profile and --endpoint-url")]
    Identity {
        /// Error code.
        code: String,
        /// Error message (redacted).
        message: String,
    },
    /// A flag value that cannot work.
    #[error("{0}")]
    Usage(String),
    /// AWS could not be reached at all: no credentials, an unknown profile, a refused or
    /// unresolvable endpoint. One line saying what to do; `-v` logs the SDK's detail.
    #[error("{0}")]
    Unreachable(String),
}

/// Every region of the public, China, GovCloud, ISO and European Sovereign Cloud partitions
/// that `--regions` accepts (a misspelt region would otherwise be collected as disabled and
/// judged insufficient data).
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "eu-isoe-west-1",
    "eusc-de-east-1",
];

/// Checks a `--regions` entry against [`KNOWN_REGIONS`].
pub fn check_region(name: &str) -> Result<(), String> {
    if KNOWN_REGIONS.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an AWS region (e.g. us-east-1, eu-west-1; `aws account list-regions` lists an account's)"
        ))
    }
}

/// Refuses a `--profile` that neither shared file defines, before the SDK's long error.
fn check_profile(name: &str) -> Result<(), CollectError> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let config = std::env::var_os("AWS_CONFIG_FILE").map_or_else(|| home.join(".aws/config"), Into::into);
    let credentials =
        std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").map_or_else(|| home.join(".aws/credentials"), Into::into);
    let sections = |path: &std::path::Path, config_file: bool| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('[')?.split(']').next())
            .map(|h| {
                let h = h.trim();
                match h.strip_prefix("profile") {
                    Some(rest) if config_file && rest.starts_with(char::is_whitespace) => rest.trim().to_string(),
                    _ => h.to_string(),
                }
            })
            .collect()
    };
    let known = sections(&config, true).into_iter().chain(sections(&credentials, false));
    if known.into_iter().any(|p| p == name) {
        return Ok(());
    }
    Err(CollectError::Unreachable(format!(
        "profile '{name}' not found in {} or {}; `aws configure list-profiles` lists the profiles",
        config.display(),
        credentials.display()
    )))
}

impl CollectOptions {
    /// How this collection reaches AWS.
    pub fn connection(&self) -> Connection {
        Connection {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            call_timeout: self.call_timeout,
            assume_role_arn: self.assume_role_arn.clone(),
        }
    }
}

/// Collects a snapshot.
pub async fn collect(opts: &CollectOptions) -> Result<Collection, CollectError> {
    if opts.concurrency == 0 {
        return Err(CollectError::Usage("--concurrency must be at least 1".into()));
    }
    if let Some(p) = &opts.profile {
        check_profile(p)?;
    }
    let discovery = spinner(opts.progress, "identifying the caller");
    let base = base_config(&opts.connection()).await;
    let home = base
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let counts: Arc<Mutex<CallCounts>> = Arc::default();
    let errors = Errors::default();

    // Who are we? Counted under "caller" until the account is known.
    let caller_cfg = AccountConfig {
        sdk: base.clone(),
        counter: CallCounter::new("caller", counts.clone()),
    };
    // Few retries here: an endpoint that refuses or does not resolve will not start answering,
    // and the person waiting needs to hear it. An endpoint that answered (throttling, above
    // all) is reachable: the call gets the retries every call gets.
    let sts = caller_cfg.sts(&home);
    let quick = sts
        .get_caller_identity()
        .customize()
        .config_override(
            aws_sdk_sts::config::Builder::default().retry_config(RetryConfig::standard().with_max_attempts(2)),
        )
        .send()
        .await;
    let identity = match quick {
        Err(aws_smithy_runtime_api::client::result::SdkError::ServiceError(_)) => {
            sts.get_caller_identity().send().await
        }
        other => other,
    };
    let identity = identity.map_err(|e| {
        discovery.finish_and_clear();
        let (code, message) = aws::describe(&e);
        let message = crate::redact::secrets(&message).into_owned();
        let endpoint = opts
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://sts.{home}.amazonaws.com"));
        // After the retries a refused or unresolvable endpoint often surfaces as a timeout;
        // a direct connection names the cause (credential problems are already precise).
        let what = aws::unreachable(&e, &endpoint).map(|what| {
            if what.contains("credentials") {
                what
            } else {
                aws::probe(&endpoint).unwrap_or(what)
            }
        });
        match what {
            Some(what) => {
                tracing::info!("sts:GetCallerIdentity failed: {code}: {message}");
                CollectError::Unreachable(what)
            }
            None => CollectError::Identity { code, message },
        }
    })?;
    let me = identity.account().unwrap_or_default().to_string();
    let principal = identity.arn().map(str::to_string);
    let partition = principal
        .as_deref()
        .and_then(crate::arn::Arn::parse)
        .map(|a| a.partition)
        .unwrap_or("aws")
        .to_string();
    let my_cfg = AccountConfig {
        sdk: base.clone(),
        counter: CallCounter::new(&me, counts.clone()),
    };

    let org_scope = Scope {
        account: me.clone(),
        region: None,
        errors: errors.clone(),
    };
    let want_org = opts.scope == AccountScope::Organization;
    if want_org {
        tracing::info!("discovering the organization from account {me}");
        discovery.set_message("discovering the organization");
    }
    let (mut organization, org_accounts) = organization(&my_cfg, &org_scope, &home, want_org).await;
    discovery.finish_and_clear();
    if want_org && org_accounts.is_empty() {
        // Scanning only the caller's account would look like a scan of the organization.
        // A discovery call that failed (throttled past its retries, refused) is the reason:
        // say which, rather than guess at the caller's place in the organization.
        if let Some(e) = errors.recorded().into_iter().find(|e| e.service == "organizations") {
            return Err(CollectError::Usage(format!(
                "--org: the organization's accounts could not be read from account {me}: organizations:{} failed: {}: {}; try again later (throttling) or check the caller's permissions, or name the accounts with --accounts",
                e.operation, e.error_code, e.message
            )));
        }
        return Err(CollectError::Usage(match &organization {
            None => format!(
                "--org: account {me} belongs to no organization it can read; run from the organization's management account or a delegated administrator, or name the accounts with --accounts"
            ),
            Some(o) => format!(
                "--org: account {me} is neither the management account ({}) of organization {} nor a delegated administrator (organizations:ListAccounts failed); run from the management account, or name the accounts with --accounts",
                o.management_account_id, o.id
            ),
        }));
    }
    let auditor = root_auditor(
        opts,
        &base,
        organization.as_mut(),
        &org_scope,
        CallCounter::new(&me, counts.clone()),
        &home,
    )
    .await;
    let targets: Vec<(String, Option<String>)> = match &opts.scope {
        AccountScope::Current => vec![(me.clone(), None)],
        AccountScope::List(ids) => ids.iter().map(|i| (i.clone(), None)).collect(),
        AccountScope::Organization => {
            if org_accounts.is_empty() {
                vec![(me.clone(), None)]
            } else {
                org_accounts
            }
        }
    };

    let regions_each = opts
        .regions
        .as_ref()
        .map_or_else(|| "each enabled".to_string(), |r| r.len().to_string());
    tracing::info!(
        "collecting {} account{} × {regions_each} region{}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        if regions_each == "1" { "" } else { "s" }
    );
    let bar = progress_bar(opts.progress, targets.len());
    let limit = Arc::new(Semaphore::new(opts.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let mut placeholders = std::collections::HashMap::new();
    let mut accounts = Vec::new();
    // Accounts are started as earlier ones finish, not all at once: a task spawned for every
    // account up front holds its future (and, since the call limit is first-come first-served,
    // its assumed-role credentials) for the whole run, so memory and CPU per account grew with
    // the organization. Twice the call limit keeps every permit busy while some accounts wait on
    // a call made outside it (ListRegions) or assemble their results.
    let in_flight = opts.concurrency.saturating_mul(2);
    let deadline = opts.deadline.map(tokio::time::Instant::from_std);
    for (account_id, name) in targets {
        while tasks.len() >= in_flight {
            if let Some(done) = tasks.join_next_with_id().await {
                joined(done, &mut accounts, &mut placeholders, &errors);
            }
        }
        let ctx = AccountTask {
            account_id,
            name,
            me: me.clone(),
            partition: partition.clone(),
            home: home.clone(),
            base: base.clone(),
            counts: counts.clone(),
            errors: errors.clone(),
            limit: limit.clone(),
            role_name: opts.role_name.clone(),
            regions: opts.regions.clone(),
            organization: organization.clone(),
            activity: opts.activity,
            verify_filters: opts.verify_filters,
            auditor: auditor.clone(),
        };
        let bar = bar.clone();
        // Kept so that an account whose task dies still appears, with nothing collected:
        // its rules then say insufficient_data instead of the account silently vanishing.
        let placeholder = ctx.unread("TaskFailed", "the account's collection task failed");
        let handle = tasks.spawn(async move {
            let account = ctx.run_until(deadline).await;
            bar.inc(1);
            account
        });
        placeholders.insert(handle.id(), placeholder);
    }
    while let Some(done) = tasks.join_next_with_id().await {
        joined(done, &mut accounts, &mut placeholders, &errors);
    }
    bar.finish_and_clear();
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));

    let mut calls = std::mem::take(&mut *counts.lock().unwrap_or_else(|p| p.into_inner()));
    // The identity call was made with the caller's own credentials.
    if let Some(c) = calls.remove("caller") {
        let mine = calls.entry(me.clone()).or_default();
        for (k, v) in c {
            *mine.entry(k).or_default() += v;
        }
    }
    let snapshot = Snapshot {
        schema_version: SCHEMA_VERSION.to_string(),
        collected_at: chrono::Utc::now(),
        collector: Some(CollectorInfo {
            name: "rootwarden".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            principal_arn: principal,
        }),
        organization,
        accounts,
        collection_errors: errors.take(),
    };
    Ok(Collection { snapshot, calls })
}

/// The credentials `--audit-root` opens root sessions with: the chain's own (an AWS Config
/// function's role in the management or delegated administrator account) when the run reaches
/// accounts through `assume_role_arn`, else the run's. They also read the organization's
/// centralized root access features when the run's own credentials could not (a delegated
/// administrator, or a Config function reaching a member). `None` when not asked, or when the
/// organization is known to have privileged root sessions disabled (recorded once).
async fn root_auditor(
    opts: &CollectOptions,
    base: &SdkConfig,
    organization: Option<&mut Organization>,
    scope: &Scope,
    counter: CallCounter,
    home: &str,
) -> Option<SdkConfig> {
    if !opts.audit_root {
        return None;
    }
    let auditor = match opts.assume_role_arn {
        Some(_) => chain_config(&opts.connection()).await,
        None => base.clone(),
    };
    if let Some(org) = organization {
        if org.root_access.is_none() {
            let cfg = AccountConfig {
                sdk: auditor.clone(),
                counter,
            };
            org.root_access = root_access(&cfg, scope, home).await;
        }
        if org.root_access.as_ref().is_some_and(|a| !a.root_sessions) {
            scope.errors.push(
                None,
                None,
                "sts",
                "AssumeRoot",
                "RootSessionsNotEnabled",
                "--audit-root needs centralized root access with privileged root sessions (RootSessions) enabled in the organization; the credential report's facts are used instead",
            );
            return None;
        }
    }
    Some(auditor)
}

/// The organization's centralized root access features (`iam:ListOrganizationsFeatures`,
/// readable from the management account or IAM's delegated administrator).
async fn root_access(cfg: &AccountConfig, scope: &Scope, home: &str) -> Option<OrgRootAccess> {
    match cfg.iam(home).list_organizations_features().send().await {
        Ok(f) => {
            let on = |feat: &str| f.enabled_features().iter().any(|x| x.as_str() == feat);
            Some(OrgRootAccess {
                root_credentials_management: on("RootCredentialsManagement"),
                root_sessions: on("RootSessions"),
            })
        }
        Err(e) => scope.fail("iam", "ListOrganizationsFeatures", e),
    }
}

fn progress_bar(enabled: bool, len: usize) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} collecting {pos}/{len} accounts [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    crate::progress::show(&bar);
    bar
}

/// A spinner for the steps before the accounts are known (identity, organization).
fn spinner(enabled: bool, message: &'static str) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    crate::progress::show(&bar);
    bar
}

/// The organization (when readable) and, when `list` is set, its ACTIVE accounts with names.
async fn organization(
    cfg: &AccountConfig,
    scope: &Scope,
    home: &str,
    list: bool,
) -> (Option<Organization>, Vec<(String, Option<String>)>) {
    let client = cfg.organizations(home);
    let org = match client.describe_organization().send().await {
        Ok(o) => o.organization,
        Err(e) => {
            let (code, _) = aws::describe(&e);
            if code != "AWSOrganizationsNotInUseException" {
                scope.fail::<(), _, _>("organizations", "DescribeOrganization", e);
            }
            None
        }
    };
    let Some(org) = org else { return (None, Vec::new()) };
    let management = org.master_account_id().unwrap_or_default().to_string();
    // Centralized root access is readable from the management account (or a delegated admin).
    let root_access = if management == scope.account {
        root_access(cfg, scope, home).await
    } else {
        None
    };
    let organization = Organization {
        id: org.id().unwrap_or_default().to_string(),
        management_account_id: management,
        feature_set: org.feature_set().map(|f| f.as_str().to_string()),
        root_access,
    };
    let mut accounts = Vec::new();
    if list {
        let mut pages = client.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => accounts.extend(
                    p.accounts()
                        .iter()
                        .filter(|a| a.state().is_none_or(|s| s.as_str() == "ACTIVE"))
                        .filter(|a| a.status().is_none_or(|s| s.as_str() == "ACTIVE"))
                        .filter_map(|a| Some((a.id()?.to_string(), a.name().map(str::to_string)))),
                ),
                Err(e) => {
                    scope.fail::<(), _, _>("organizations", "ListAccounts", e);
                    break;
                }
            }
        }
    }
    (Some(organization), accounts)
}

/// Keeps a finished account task's account; for a task that died, its placeholder (nothing
/// collected, so its rules say insufficient_data) and the error.
fn joined(
    done: Result<(tokio::task::Id, Account), tokio::task::JoinError>,
    accounts: &mut Vec<Account>,
    placeholders: &mut std::collections::HashMap<tokio::task::Id, Account>,
    errors: &Errors,
) {
    match done {
        Ok((id, a)) => {
            placeholders.remove(&id);
            accounts.push(a);
        }
        Err(e) => {
            let account = placeholders.remove(&e.id());
            errors.task_failed(account.as_ref().map(|a| a.account_id.as_str()), &e);
            accounts.extend(account);
        }
    }
}

struct AccountTask {
    account_id: String,
    name: Option<String>,
    me: String,
    partition: String,
    home: String,
    base: SdkConfig,
    counts: Arc<Mutex<CallCounts>>,
    errors: Errors,
    limit: Arc<Semaphore>,
    role_name: String,
    regions: Option<Vec<String>>,
    organization: Option<Organization>,
    activity: Option<ActivityWindow>,
    verify_filters: bool,
    /// Opens `--audit-root` sessions (see [`root_auditor`]).
    auditor: Option<SdkConfig>,
}

impl AccountTask {
    fn role(&self) -> AccountRole {
        match &self.organization {
            None => AccountRole::Standalone,
            Some(o) if o.management_account_id == self.account_id => AccountRole::Management,
            Some(_) if self.account_id == self.me => AccountRole::Member,
            // Accounts reached through the organization (or listed) belong to it.
            Some(_) => AccountRole::Member,
        }
    }

    /// The account when nothing of it could be read (`code`, `message`: why): no facts, and
    /// asked-for activity incomplete rather than absent, so its rules say insufficient data.
    fn unread(&self, code: &str, message: &str) -> Account {
        let mut account = self.empty();
        if let Some(w) = self.activity {
            let mut a = assemble_activity(w, &[], Vec::new());
            a.alarm_transitions = None;
            a.errors.push(crate::snapshot::ActivityError {
                source: "lookup_events".into(),
                region: None,
                error_code: code.into(),
                message: message.into(),
            });
            account.activity = Some(a);
        }
        account
    }

    fn empty(&self) -> Account {
        Account {
            account_id: self.account_id.clone(),
            name: self.name.clone(),
            partition: self.partition.clone(),
            role: self.role(),
            iam: Iam {
                credential_report: None,
                account_summary: None,
                root_mfa_devices: None,
                root_login_profile: None,
                root_audit: None,
            },
            // Unreachable: no region could be read, and which were enabled is unknown.
            expected_regions: Vec::new(),
            regions: BTreeMap::new(),
            activity: None,
        }
    }

    async fn credentials(&self, scope: &Scope) -> Option<AccountConfig> {
        let counter = CallCounter::new(&self.account_id, self.counts.clone());
        if self.account_id == self.me {
            return Some(AccountConfig {
                sdk: self.base.clone(),
                counter,
            });
        }
        let role_arn = format!(
            "arn:{}:iam::{}:role/{}",
            self.partition, self.account_id, self.role_name
        );
        let sdk = assumed(&self.base, &role_arn, "rootwarden").await;
        let cfg = AccountConfig { sdk, counter };
        // Prove the role works before fanning out, so an unreachable account is one clear error.
        match cfg.sts(&self.home).get_caller_identity().send().await {
            Ok(_) => Some(cfg),
            Err(e) => {
                let (code, message) = aws::describe(&e);
                let code = if code == "Unknown" || code == "DispatchFailure" {
                    "AssumeRoleFailed".to_string()
                } else {
                    code
                };
                self.errors
                    .push(Some(&self.account_id), None, "sts", "AssumeRole", &code, &message);
                let _ = scope;
                None
            }
        }
    }

    async fn regions(&self, cfg: &AccountConfig, scope: &Scope) -> Vec<String> {
        if let Some(r) = &self.regions {
            return r.clone();
        }
        let client = cfg.account(&self.home);
        let mut out = Vec::new();
        let mut pages = client
            .list_regions()
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.regions().iter().filter_map(|r| r.region_name().map(str::to_string))),
                Err(e) => {
                    scope.fail::<(), _, _>("account", "ListRegions", e);
                    return DEFAULT_REGIONS.iter().map(|s| s.to_string()).collect();
                }
            }
        }
        out.sort();
        out
    }

    /// [`AccountTask::run`], given up at `deadline`: the account then keeps nothing it
    /// collected, and a `DeadlineExceeded` collection error says why.
    async fn run_until(self, deadline: Option<tokio::time::Instant>) -> Account {
        let Some(deadline) = deadline else {
            return self.run().await;
        };
        const WHY: &str = "the account was still being read when the time budget ran out (throttled or slow calls); nothing it collected is used";
        let (unread, errors) = (self.unread("DeadlineExceeded", WHY), self.errors.clone());
        match tokio::time::timeout_at(deadline, self.run()).await {
            Ok(account) => account,
            Err(_) => {
                let id = Some(unread.account_id.as_str());
                errors.push(id, None, "rootwarden", "collect", "DeadlineExceeded", WHY);
                unread
            }
        }
    }

    async fn run(self) -> Account {
        let scope = Scope {
            account: self.account_id.clone(),
            region: None,
            errors: self.errors.clone(),
        };
        let mut account = self.empty();
        let cfg = {
            let _permit = self.limit.acquire().await;
            match self.credentials(&scope).await {
                Some(c) => c,
                None => {
                    return self.unread(
                        "AssumeRoleFailed",
                        &format!("cannot reach the account through role {}", self.role_name),
                    );
                }
            }
        };
        let regions = self.regions(&cfg, &scope).await;
        account.expected_regions = regions.clone();
        let iam_task = {
            let (cfg, scope, home, limit) = (cfg.clone(), scope.clone(), self.home.clone(), self.limit.clone());
            tokio::spawn(async move {
                let _permit = limit.acquire().await;
                iam::collect(&cfg, &scope, &home).await
            })
        };
        let audit_task = self.root_audit_task(&scope);
        let mut region_tasks = tokio::task::JoinSet::new();
        let window = self.activity;
        let verify = self.verify_filters;
        for region in regions {
            let (cfg, scope, limit) = (cfg.clone(), scope.in_region(&region), self.limit.clone());
            region_tasks.spawn(async move {
                let _permit = limit.acquire().await;
                let mut facts = regional::collect(&cfg, &scope, &region).await;
                if let (true, Some(logs)) = (verify, facts.logs.as_mut()) {
                    verify_filters::verify(&cfg, &scope, &region, logs).await;
                }
                let activity = match window {
                    Some(w) => Some(region_activity(&cfg, &scope, &region, &facts, w).await),
                    None => None,
                };
                (region, facts, activity)
            });
        }
        let mut activities = Vec::new();
        while let Some(done) = region_tasks.join_next().await {
            match done {
                Ok((region, facts, activity)) => {
                    account.regions.insert(region.clone(), facts);
                    activities.extend(activity.map(|a| (region, a)));
                }
                Err(e) => self.errors.task_failed(Some(&self.account_id), &e),
            }
        }
        if let Some(w) = window {
            account.activity = Some(assemble_activity(w, &account.expected_regions, activities));
        }
        regional::fill_shadow_trails(&mut account.regions);
        match iam_task.await {
            Ok(iam) => account.iam = iam,
            Err(e) => self.errors.task_failed(Some(&self.account_id), &e),
        }
        if let Some(task) = audit_task {
            match task.await {
                Ok(audited) => {
                    account.iam.root_login_profile = audited.login_profile;
                    account.iam.root_audit = audited.audit;
                }
                Err(e) => self.errors.task_failed(Some(&self.account_id), &e),
            }
        }
        account
    }

    /// Starts the `--audit-root` session of a member account. AssumeRoot reaches member accounts
    /// only; it is counted as a call of the caller's account, the session's calls as the member's.
    fn root_audit_task(&self, scope: &Scope) -> Option<tokio::task::JoinHandle<root_audit::AuditedRoot>> {
        let auditor = self.auditor.clone()?;
        if self.role() != AccountRole::Member {
            return None;
        }
        let auditor = AccountConfig {
            sdk: auditor,
            counter: CallCounter::new(&self.me, self.counts.clone()),
        };
        let member = CallCounter::new(&self.account_id, self.counts.clone());
        let (scope, home, partition, limit) = (
            scope.clone(),
            self.home.clone(),
            self.partition.clone(),
            self.limit.clone(),
        );
        Some(tokio::spawn(async move {
            let _permit = limit.acquire().await;
            root_audit::audit(&auditor, member, &scope, &home, &partition).await
        }))
    }
}

/// One region's root activity: event history, then the state changes of its root alarms.
async fn region_activity(
    cfg: &AccountConfig,
    scope: &Scope,
    region: &str,
    facts: &crate::snapshot::Region,
    w: ActivityWindow,
) -> root_events::RegionActivity {
    let mut out = root_events::RegionActivity::default();
    let deadline = w.deadline.map(tokio::time::Instant::from_std);
    root_events::lookup_root_events(cfg, scope, region, w.start, w.end, deadline, &mut out).await;
    let alarms = root_events::root_alarm_names(facts);
    root_events::alarm_transitions(cfg, scope, region, &alarms, (w.start, w.end), deadline, &mut out).await;
    out
}

/// The account's activity section from its regions' activity. A region whose tasks died is
/// missing from `regions`' activity and counts as an error.
fn assemble_activity(
    w: ActivityWindow,
    regions: &[String],
    per_region: Vec<(String, root_events::RegionActivity)>,
) -> crate::snapshot::Activity {
    let mut activity = crate::snapshot::Activity {
        window_start: w.start,
        window_end: w.end,
        sources: vec!["lookup_events".into()],
        regions: Vec::new(),
        errors: Vec::new(),
        events: Vec::new(),
        service_events: BTreeMap::new(),
        alarm_transitions: Some(Vec::new()),
    };
    for (region, mut a) in per_region {
        activity.regions.push(region);
        activity.events.append(&mut a.events);
        for (svc, n) in a.service_events {
            *activity.service_events.entry(svc).or_default() += n;
        }
        match (a.alarm_transitions, activity.alarm_transitions.as_mut()) {
            (Some(mut t), Some(all)) => all.append(&mut t),
            _ => activity.alarm_transitions = None,
        }
        activity.errors.append(&mut a.errors);
    }
    for region in regions {
        if !activity.regions.contains(region) {
            activity.errors.push(crate::snapshot::ActivityError {
                source: "lookup_events".into(),
                region: Some(region.clone()),
                error_code: "TaskFailed".into(),
                message: "the region's collection did not finish".into(),
            });
        }
    }
    activity.regions.sort();
    activity
        .events
        .sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
    if let Some(t) = activity.alarm_transitions.as_mut() {
        t.sort_by(|a, b| (a.timestamp, &a.alarm_name).cmp(&(b.timestamp, &b.alarm_name)));
    }
    activity
}
