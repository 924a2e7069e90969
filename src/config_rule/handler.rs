//! One AWS Config invocation: read the requirements, collect the account, evaluate, post.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::event::{Invocation, RequirementsSource, S3Object};
use super::post::{self, Posted};
use crate::aws;
use crate::collect::{self, AccountScope, CollectOptions};
use crate::input::{RequirementsDoc, Syntax};
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
}

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
}

/// Handles one invocation.
pub async fn handle(inv: &Invocation, opts: &HandlerOptions) -> Result<HandlerReport, HandlerError> {
    let doc = requirements(&inv.parameters.requirements, &opts.aws).await?;
    let mut rules = RuleSet::bundled();
    if let Some(object) = &inv.parameters.rules_bundle {
        let bytes = s3_bytes(object, &opts.aws).await.map_err(HandlerError::Rules)?;
        rules.extend(bundle::from_bytes(&bytes, &object.to_string())?);
    }
    let mut policy = Policy::load_set(&rules, &doc.requirements)?;
    doc.check_waiver_rules(policy.rules().map(|r| r.id()))
        .map_err(|e| HandlerError::Requirements(e.to_string()))?;
    policy.select(&inv.parameters.only, &inv.parameters.skip)?;
    if let Some(min) = inv.parameters.severity_threshold {
        policy.retain_rules(|r| r.severity() >= min);
    }
    let role = match (&inv.parameters.member_role_name, &inv.account_id) {
        (Some(name), Some(account)) => Some(format!("arn:{}:iam::{account}:role/{name}", inv.partition)),
        _ => inv
            .execution_role_arn
            .clone()
            .filter(|_| inv.parameters.assume_execution_role),
    };
    let account_opts = CollectOptions {
        scope: AccountScope::Current,
        regions: inv.parameters.regions.clone(),
        assume_role_arn: role,
        audit_root: inv.parameters.audit_root,
        verify_filters: inv.parameters.verify_filters,
        ..opts.aws.clone()
    };

    let (account_id, evaluations, collection_errors) = if inv.event_left_scope {
        let account_id = match &inv.account_id {
            Some(a) => a.clone(),
            None => caller_account(&account_opts).await?,
        };
        let ids: Vec<String> = policy.rules().map(|r| r.id().to_string()).collect();
        let evals = evaluations::left_scope(&account_id, &ids, inv.ordering_timestamp);
        (account_id, evals, 0)
    } else {
        let collection = collect::collect(&account_opts).await?;
        let snapshot = collection.snapshot;
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
        let eval = policy.evaluate(&snapshot)?;
        let evals = evaluations::from_evaluation(&eval, inv.ordering_timestamp);
        (reached, evals, snapshot.collection_errors.len())
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

/// The requirements from the rule parameters: built-in, inline, or an S3 object read with the
/// function's own credentials (the bucket lives with the function, not in each account).
async fn requirements(source: &RequirementsSource, own: &CollectOptions) -> Result<RequirementsDoc, HandlerError> {
    let (name, text) = match source {
        RequirementsSource::Default => return Ok(RequirementsDoc::default()),
        RequirementsSource::Inline(text) => ("ruleParameters.requirements".to_string(), text.clone()),
        RequirementsSource::S3 { bucket, key } => {
            let object = S3Object {
                bucket: bucket.clone(),
                key: key.clone(),
            };
            let bytes = s3_bytes(&object, own).await.map_err(HandlerError::Requirements)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| HandlerError::Requirements(format!("{object}: is not UTF-8 text")))?;
            (object.to_string(), text)
        }
    };
    // YAML is a superset of JSON, so one parser reads both.
    RequirementsDoc::parse(Path::new(&name), &text, Syntax::Yaml).map_err(|e| HandlerError::Requirements(e.to_string()))
}

/// The content of an S3 object, read with the function's own credentials (the bucket lives with
/// the function, not in each account); the error names the URI.
async fn s3_bytes(object: &S3Object, own: &CollectOptions) -> Result<Vec<u8>, String> {
    let sdk = crate::aws::connection::base_config(&own.connection()).await;
    // Custom endpoints (AWS-compatible servers) rarely resolve bucket subdomains.
    let conf = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(own.endpoint_url.is_some())
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let answer = s3
        .get_object()
        .bucket(&object.bucket)
        .key(&object.key)
        .send()
        .await
        .map_err(|e| {
            let (code, message) = aws::describe(&e);
            format!("{object}: cannot read: {code}: {message}")
        })?;
    let bytes = answer
        .body
        .collect()
        .await
        .map_err(|e| format!("{object}: cannot read: {e}"))?
        .into_bytes();
    Ok(bytes.to_vec())
}
