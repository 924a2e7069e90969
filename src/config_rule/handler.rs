//! One AWS Config invocation: read the requirements, collect the account, evaluate, post.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::chain::ChainReads;
use super::event::{Invocation, RequirementsSource, S3Object};
use super::post::{self, Posted};
use super::warm::Warm;
use crate::aws;
use crate::collect::{self, AccountScope, ActivityWindow, CollectOptions};
use crate::input::{sha256_hex, RequirementsDoc, Syntax};
use crate::policy::{bundle, Policy, RuleSet};
use crate::report::config_evaluations::{self as evaluations, ConfigEvaluation};

/// How the handler runs (the Lambda uses the defaults; local runs and tests set them).
#[derive(Debug, Clone)]
pub struct HandlerOptions {
    /// How to reach AWS: profile, region, endpoint (`AWS_ENDPOINT_URL` works too), call time
    /// limit. Each invocation adds its account's role and the `regions` parameter.
    pub aws: CollectOptions,
    /// Post with TestMode: Config validates the evaluations without recording them.
    pub test_mode: bool,
    /// Post at all (`false`: only compute, for `config-rule invoke --dry-run`).
    pub post: bool,
    /// When the invocation must have answered (the Lambda context's deadline); the activity
    /// review (`activityDays`) stops [`ACTIVITY_RESERVE`] before it, collecting as a whole
    /// [`COLLECTION_RESERVE`] before it.
    pub deadline: Option<Instant>,
}

/// Time kept after the activity review for reading the owners' chains, evaluating and posting.
pub const ACTIVITY_RESERVE: Duration = Duration::from_secs(30);

/// The time before the Lambda deadline at which collecting stops (the account's other facts are
/// read after its activity, so this is the shorter reserve).
pub const COLLECTION_RESERVE: Duration = Duration::from_secs(10);

impl Default for HandlerOptions {
    fn default() -> Self {
        HandlerOptions {
            aws: CollectOptions {
                progress: false,
                call_timeout: Duration::from_secs(20),
                ..CollectOptions::default()
            },
            test_mode: false,
            post: true,
            deadline: None,
        }
    }
}

/// Why an invocation failed (Config then retries it, and the rule shows the error).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The requirements document could not be read or is invalid.
    #[error("requirements: {0}")]
    Requirements(String),
    /// The rules bundle (`rulesS3Uri`) could not be read.
    #[error("rules: {0}")]
    Rules(String),
    /// The rules could not be loaded or selected.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// Collection could not start.
    #[error(transparent)]
    Collect(#[from] collect::CollectError),
    /// The collected account is not the one the event is about.
    #[error("the event is for account {expected}, but the credentials reach account {reached}; set ruleParameters.assumeExecutionRole to \"true\" for an organization rule")]
    WrongAccount {
        /// The event's account.
        expected: String,
        /// The collected account.
        reached: String,
    },
    /// The event names no account and none could be identified.
    #[error(
        "cannot tell which account to report on: the event has no accountId and sts:GetCallerIdentity failed: {0}"
    )]
    NoAccount(String),
    /// Posting failed.
    #[error(transparent)]
    Post(#[from] post::PostError),
}

/// What one invocation did, returned to the Lambda runtime and printed by `config-rule invoke`.
#[derive(Debug, Clone, Serialize)]
pub struct HandlerReport {
    /// The evaluated account.
    pub account_id: String,
    /// The message type of the event.
    pub message_type: String,
    /// The evaluations computed (and posted unless a dry run).
    pub evaluations: Vec<ConfigEvaluation>,
    /// PutEvaluations calls made.
    pub put_evaluations_calls: usize,
    /// API calls that failed during collection (their controls are NON_COMPLIANT with
    /// "Insufficient data").
    pub collection_errors: usize,
    /// Whether PutEvaluations ran in TestMode.
    pub test_mode: bool,
    /// The owners of the chains the account relies on: read now, taken from the warm cache, or
    /// unreachable.
    pub chain: ChainReads,
    /// Whether this invocation compiled the rules (false: a warm invocation reused them).
    pub compiled: bool,
    /// Whether the `rulesS3Uri` bundle was unchanged in S3 (same ETag) and the copy the warm
    /// function kept was used.
    pub rules_unchanged: bool,
    /// Where the invocation's time went, in milliseconds.
    pub timings: Timings,
}

/// Where one invocation's time went, in milliseconds (for logs and bench/lambda_cold_start.py).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Loading, compiling and selecting the rules (0 when a warm invocation reused them).
    pub compile_ms: f64,
    /// Collecting the account (and the owners' chains it relies on).
    pub collect_ms: f64,
    /// Evaluating the rules on the collected facts.
    pub evaluate_ms: f64,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Handles one invocation in a process that keeps nothing (`config-rule invoke`).
pub async fn handle(inv: &Invocation, opts: &HandlerOptions) -> Result<HandlerReport, HandlerError> {
    handle_warm(inv, opts, &Warm::default()).await
}

/// Handles one invocation, reusing what `warm` kept from earlier ones (the compiled policy, the
/// owners' chains) and keeping what this one built.
pub async fn handle_warm(inv: &Invocation, opts: &HandlerOptions, warm: &Warm) -> Result<HandlerReport, HandlerError> {
    let p = &inv.parameters;
    let requirements_text = requirements_text(&p.requirements, &opts.aws, warm).await?;
    let mut rules_unchanged = false;
    let bundle = match &p.rules_bundle {
        Some(object) => {
            let (bytes, kept) = s3_bytes(object, &opts.aws, warm).await.map_err(HandlerError::Rules)?;
            rules_unchanged = kept;
            Some((object, bytes))
        }
        None => None,
    };
    // The compiled policy depends on exactly these; the bundled rules are part of the binary.
    let key = format!(
        "{}|{}|{:?}|{:?}|{:?}",
        requirements_text
            .as_ref()
            .map_or_else(|| "default".to_string(), |(_, text)| sha256_hex(text.as_bytes())),
        bundle.as_ref().map_or_else(String::new, |(_, bytes)| sha256_hex(bytes)),
        p.only,
        p.skip,
        p.severity_threshold
    );
    let started = Instant::now();
    let (mut policy, compiled) = match warm.take(&key) {
        Some(policy) => (policy, false),
        None => (compile(requirements_text, bundle, p)?, true),
    };
    let compile_ms = if compiled { ms(started) } else { 0.0 };
    let result = run(inv, opts, warm, &mut policy).await;
    warm.keep(key, policy);
    let mut report = result?;
    report.compiled = compiled;
    report.rules_unchanged = rules_unchanged;
    report.timings.compile_ms = compile_ms;
    Ok(report)
}

/// Loads, checks and selects the rules.
fn compile(
    requirements_text: Option<(String, String)>,
    bundle: Option<(&S3Object, Vec<u8>)>,
    p: &super::event::RuleParameters,
) -> Result<Policy, HandlerError> {
    let doc = match requirements_text {
        None => RequirementsDoc::default(),
        // YAML is a superset of JSON, so one parser reads both.
        Some((name, text)) => RequirementsDoc::parse(Path::new(&name), &text, Syntax::Yaml)
            .map_err(|e| HandlerError::Requirements(e.to_string()))?,
    };
    let mut rules = RuleSet::bundled();
    if let Some((object, bytes)) = bundle {
        rules.extend(bundle::from_bytes(&bytes, &object.to_string())?);
    }
    let mut policy = Policy::load_set(&rules, &doc.requirements)?;
    doc.check_waiver_rules(policy.rules().map(|r| r.id()))
        .map_err(|e| HandlerError::Requirements(e.to_string()))?;
    policy.select(&p.only, &p.skip)?;
    if let Some(min) = p.severity_threshold {
        policy.retain_rules(|r| r.severity() >= min);
    }
    Ok(policy)
}

/// Collects, evaluates with `policy` and posts.
async fn run(
    inv: &Invocation,
    opts: &HandlerOptions,
    warm: &Warm,
    policy: &mut Policy,
) -> Result<HandlerReport, HandlerError> {
    let member_role = match (&inv.parameters.member_role_name, &inv.account_id) {
        (Some(name), Some(account)) => Some(format!("arn:{}:iam::{account}:role/{name}", inv.partition)),
        _ => inv
            .execution_role_arn
            .clone()
            .filter(|_| inv.parameters.assume_execution_role),
    };
    // The owner's chain is read with chainRoleName, else the role (path and name) that reached
    // the member; with neither, the function's own credentials cannot reach another account.
    let chain_role = inv.parameters.chain_role_name.clone().or_else(|| {
        member_role
            .as_deref()
            .and_then(|arn| arn.split_once(":role/"))
            .map(|(_, path_and_name)| path_and_name.to_string())
    });
    let activity = inv.parameters.activity_days.map(|days| {
        let end = chrono::Utc::now();
        ActivityWindow {
            start: end - chrono::Duration::days(i64::from(days)),
            end,
            // A budget already spent stops the review before its first request.
            deadline: opts
                .deadline
                .map(|d| d.checked_sub(ACTIVITY_RESERVE).unwrap_or_else(Instant::now)),
        }
    });
    let account_opts = CollectOptions {
        scope: AccountScope::Current,
        regions: inv.parameters.regions.clone(),
        activity,
        assume_role_arn: member_role,
        audit_root: inv.parameters.audit_root,
        verify_filters: inv.parameters.verify_filters,
        // What is not read by then is insufficient data, and the chain (mostly cached), the
        // evaluation and the posting still fit in the function's time.
        deadline: opts
            .deadline
            .map(|d| d.checked_sub(COLLECTION_RESERVE).unwrap_or_else(Instant::now)),
        ..opts.aws.clone()
    };

    let mut chain = ChainReads::default();
    let mut timings = Timings::default();
    let (account_id, evaluations, collection_errors) = if inv.event_left_scope {
        let account_id = match &inv.account_id {
            Some(a) => a.clone(),
            None => caller_account(&account_opts).await?,
        };
        let ids: Vec<String> = policy.rules().map(|r| r.id().to_string()).collect();
        let evals = evaluations::left_scope(&account_id, &ids, inv.ordering_timestamp);
        (account_id, evals, 0)
    } else {
        let started = Instant::now();
        let collection = collect::collect(&account_opts).await?;
        let mut snapshot = collection.snapshot;
        let reached = snapshot
            .accounts
            .first()
            .map(|a| a.account_id.clone())
            .unwrap_or_default();
        if let Some(expected) = inv.account_id.as_ref().filter(|e| **e != reached) {
            return Err(HandlerError::WrongAccount {
                expected: expected.clone(),
                reached,
            });
        }
        let collection_errors = snapshot.collection_errors.len();
        if let Some(role) = &chain_role {
            let keep = Duration::from_secs(u64::from(inv.parameters.chain_cache_minutes) * 60);
            let base = CollectOptions {
                scope: AccountScope::Current,
                regions: inv.parameters.regions.clone(),
                verify_filters: inv.parameters.verify_filters,
                ..opts.aws.clone()
            };
            chain = warm.chains.add_owners(&mut snapshot, role, keep, &base).await;
        }
        timings.collect_ms = ms(started);
        let started = Instant::now();
        let eval = policy.evaluate_only(&snapshot, |a| a.account_id == reached)?;
        timings.evaluate_ms = ms(started);
        let evals = evaluations::from_evaluation(&eval, inv.ordering_timestamp);
        (reached, evals, collection_errors)
    };

    let mut posted = Posted {
        calls: 0,
        evaluations: 0,
    };
    if opts.post {
        let sdk = crate::aws::connection::base_config(&account_opts.connection()).await;
        let client = aws_sdk_config::Client::new(&sdk);
        posted = post::put_evaluations(&client, &inv.result_token, &evaluations, opts.test_mode).await?;
    }
    tracing::info!(
        account = %account_id,
        rule = inv.config_rule_name.as_deref().unwrap_or("-"),
        evaluations = evaluations.len(),
        calls = posted.calls,
        "posted evaluations"
    );
    Ok(HandlerReport {
        account_id,
        message_type: format!("{:?}", inv.message_type),
        evaluations,
        put_evaluations_calls: posted.calls,
        collection_errors,
        test_mode: opts.test_mode,
        chain,
        compiled: false,
        rules_unchanged: false,
        timings,
    })
}

/// The account the credentials reach.
async fn caller_account(opts: &CollectOptions) -> Result<String, HandlerError> {
    let sdk = crate::aws::connection::base_config(&opts.connection()).await;
    let sts = aws_sdk_sts::Client::new(&sdk);
    match sts.get_caller_identity().send().await {
        Ok(id) => Ok(id.account().unwrap_or_default().to_string()),
        Err(e) => {
            let (code, message) = aws::describe(&e);
            Err(HandlerError::NoAccount(format!("{code}: {message}")))
        }
    }
}

/// The requirements text from the rule parameters, with the name errors give it: none for the
/// built-in default, inline text, or an S3 object read with the function's own credentials (the
/// bucket lives with the function, not in each account).
async fn requirements_text(
    source: &RequirementsSource,
    own: &CollectOptions,
    warm: &Warm,
) -> Result<Option<(String, String)>, HandlerError> {
    match source {
        RequirementsSource::Default => Ok(None),
        RequirementsSource::Inline(text) => Ok(Some(("ruleParameters.requirements".to_string(), text.clone()))),
        RequirementsSource::S3 { bucket, key } => {
            let object = S3Object {
                bucket: bucket.clone(),
                key: key.clone(),
            };
            let (bytes, _) = s3_bytes(&object, own, warm).await.map_err(HandlerError::Requirements)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| HandlerError::Requirements(format!("{object}: is not UTF-8 text")))?;
            Ok(Some((object.to_string(), text)))
        }
    }
}

/// The content of an S3 object, read with the function's own credentials (the bucket lives with
/// the function, not in each account); the error names the URI. An object `warm` kept is asked
/// for with its ETag (If-None-Match) and reused when S3 answers 304 Not Modified. Returns the
/// bytes and whether they are the kept copy.
async fn s3_bytes(object: &S3Object, own: &CollectOptions, warm: &Warm) -> Result<(Vec<u8>, bool), String> {
    let sdk = crate::aws::connection::base_config(&own.connection()).await;
    // Custom endpoints (AWS-compatible servers) rarely resolve bucket subdomains.
    let conf = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(own.endpoint_url.is_some())
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let uri = object.to_string();
    let kept = warm.object(&uri);
    let answer = s3
        .get_object()
        .bucket(&object.bucket)
        .key(&object.key)
        .set_if_none_match(kept.as_ref().map(|(etag, _)| etag.clone()))
        .send()
        .await;
    let answer = match (answer, kept) {
        (Ok(a), _) => a,
        (Err(e), Some((_, bytes))) if e.raw_response().is_some_and(|r| r.status().as_u16() == 304) => {
            return Ok((bytes, true));
        }
        (Err(e), _) => {
            let (code, message) = aws::describe(&e);
            return Err(format!("{object}: cannot read: {code}: {message}"));
        }
    };
    let etag = answer.e_tag().map(str::to_string);
    let bytes = answer
        .body
        .collect()
        .await
        .map_err(|e| format!("{object}: cannot read: {e}"))?
        .into_bytes()
        .to_vec();
    if let Some(etag) = etag {
        warm.keep_object(uri, etag, bytes.clone());
    }
    Ok((bytes, false))
}
