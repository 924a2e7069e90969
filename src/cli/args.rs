//! Argument groups shared by subcommands, each with one meaning wherever it appears: how to
//! reach AWS, which accounts and regions, how hard to collect, which rules, when to fail.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rootwarden::collect::{self, AccountScope, CollectOptions};
use rootwarden::input::RequirementsDoc;
use rootwarden::policy::{loader, outcome::RuleOrigin, Policy, RuleSet, Severity};
use rootwarden::report::output::OutputPlan;
use rootwarden::report::provenance::DocumentRef;
use rootwarden::requirements::Requirements;

/// How to reach AWS.
#[derive(clap::Args, Clone, Debug)]
pub struct AwsArgs {
    /// Named AWS profile (shared config and credentials files).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region for global services and the credential chain.
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint URL for every AWS service (AWS-compatible endpoints, tests).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Which accounts and regions.
#[derive(clap::Args, Clone, Debug)]
pub struct ScopeArgs {
    /// Every ACTIVE account of the organization (run from the management account or a
    /// delegated administrator).
    #[arg(long)]
    pub org: bool,
    /// These accounts (comma-separated 12-digit ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...", value_parser = account_id,
          env = "ROOTWARDEN_ACCOUNTS")]
    pub accounts: Vec<String>,
    /// Role assumed in every account other than the caller's.
    #[arg(long, default_value = collect::DEFAULT_ROLE_NAME, env = "ROOTWARDEN_ROLE_NAME")]
    pub role_name: String,
    /// Regions to collect (comma-separated); default: every region enabled in each account.
    #[arg(long, value_delimiter = ',', value_name = "REGION,...", env = "ROOTWARDEN_REGIONS",
          value_parser = region)]
    pub regions: Vec<String>,
}

/// How hard to collect.
#[derive(clap::Args, Clone, Debug)]
pub struct TuningArgs {
    /// At most this many tasks at once: account × region collection tasks (default 16) and,
    /// in `activity`, threads reading log files (default: one per core).
    #[arg(long, alias = "jobs", value_name = "N", env = "ROOTWARDEN_CONCURRENCY",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: Option<u16>,
    /// Time limit of one API call in seconds: its attempts together, each at most a third of it
    /// (the backoff between retries of a throttled call comes on top).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, env = "ROOTWARDEN_CALL_TIMEOUT",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub call_timeout: u64,
    /// Print the API calls made per account to stderr.
    #[arg(long)]
    pub stats: bool,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Collection tasks at once unless --concurrency says otherwise.
const DEFAULT_CONCURRENCY: usize = 16;

/// Everything a live collection needs: connection, scope and tuning.
#[derive(clap::Args, Clone, Debug)]
pub struct CollectArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub tuning: TuningArgs,
}

impl CollectArgs {
    /// The collection options of these flags: the one place they are built.
    pub fn options(&self) -> CollectOptions {
        CollectOptions {
            profile: self.aws.profile.clone(),
            region: self.aws.region.clone(),
            endpoint_url: self.aws.endpoint_url.clone(),
            scope: if self.scope.org {
                AccountScope::Organization
            } else if self.scope.accounts.is_empty() {
                AccountScope::Current
            } else {
                AccountScope::List(self.scope.accounts.clone())
            },
            role_name: self.scope.role_name.clone(),
            regions: (!self.scope.regions.is_empty()).then(|| self.scope.regions.clone()),
            concurrency: self.tuning.concurrency.map_or(DEFAULT_CONCURRENCY, usize::from),
            call_timeout: Duration::from_secs(self.tuning.call_timeout),
            progress: !self.tuning.quiet,
            ..CollectOptions::default()
        }
    }

    /// Collects with `opts` (from [`CollectArgs::options`], amended), printing the call counts
    /// with --stats.
    pub fn collect(&self, opts: &CollectOptions) -> anyhow::Result<collect::Collection> {
        let collection = super::block_on(collect::collect(opts))??;
        if self.tuning.stats {
            print_stats(&collection);
        }
        Ok(collection)
    }
}

fn print_stats(c: &collect::Collection) {
    use rootwarden::errln;
    errln!("API calls per account:");
    for (account, ops) in &c.calls {
        let total: u64 = ops.values().sum();
        let detail: Vec<String> = ops.iter().map(|(op, n)| format!("{op}={n}")).collect();
        errln!("  {account}: {total} calls ({})", detail.join(", "));
    }
    let total: u64 = c.calls.values().flat_map(|o| o.values()).sum();
    let accounts = c.calls.len().max(1) as u64;
    errln!(
        "  total: {total} calls over {} accounts ({} per account)",
        c.calls.len(),
        total / accounts
    );
}

/// `--regions`: a region AWS has.
fn region(s: &str) -> Result<String, String> {
    collect::check_region(s).map(|()| s.to_string())
}

/// `--accounts`: a 12-digit AWS account id.
fn account_id(s: &str) -> Result<String, String> {
    if rootwarden::snapshot::is_account_id(s) {
        Ok(s.to_string())
    } else {
        Err(format!("expected 12-digit AWS account ids, found {s:?}"))
    }
}

/// Where rules come from.
#[derive(clap::Args, Clone, Debug)]
pub struct RuleDirs {
    /// User rules and their tests: a directory of .rego files or an OPA bundle (.tar.gz, or a
    /// .zip of .rego files); repeatable.
    #[arg(long = "rules", value_name = "DIR|BUNDLE", env = "ROOTWARDEN_RULES")]
    pub rules: Vec<PathBuf>,
    /// Do not load the bundled rules.
    #[arg(long)]
    pub no_builtin_rules: bool,
}

impl RuleDirs {
    /// The rules: bundled (unless --no-builtin-rules) and every --rules directory's or bundle's.
    pub fn set(&self) -> anyhow::Result<RuleSet> {
        let mut set = if self.no_builtin_rules {
            RuleSet::default()
        } else {
            RuleSet::bundled()
        };
        for path in &self.rules {
            set.extend(loader::from_path(path)?);
        }
        Ok(set)
    }

    /// Refuses an output that is a user rule file, an OPA bundle given to --rules, or a `*.rego`
    /// under a --rules directory.
    pub fn refuse_as_outputs<T>(&self, outputs: &OutputPlan<T>, set: &RuleSet) -> anyhow::Result<()> {
        for f in set.files.iter().filter(|f| f.origin == RuleOrigin::User) {
            outputs.refuse_input("a rule file", Path::new(&f.path))?;
        }
        for path in &self.rules {
            if path.is_dir() {
                outputs.refuse_under(&format!("--rules {}", path.display()), path, |n| n.ends_with(".rego"))?;
            } else {
                outputs.refuse_input("an OPA bundle of --rules", path)?;
            }
        }
        Ok(())
    }
}

/// `--only` and `--skip`: which of the loaded rules run (or are listed).
#[derive(clap::Args, Clone, Debug)]
pub struct RuleFilter {
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub only: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub skip: Vec<String>,
}

impl RuleFilter {
    /// Compiles `set` with `requirements` and keeps the selected rules.
    pub fn policy(&self, set: &RuleSet, requirements: &Requirements) -> anyhow::Result<Policy> {
        let mut policy = Policy::load_set(set, requirements)?;
        policy.select(&self.only, &self.skip)?;
        Ok(policy)
    }
}

/// Which rules run, and for how long.
#[derive(clap::Args, Clone, Debug)]
pub struct RuleSelection {
    #[command(flatten)]
    pub dirs: RuleDirs,
    #[command(flatten)]
    pub filter: RuleFilter,
    /// The time all the rules together may take on one account; when it runs out the run
    /// fails with exit 2 naming the rule that was running (nothing is run again).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = positive_seconds,
          env = "ROOTWARDEN_RULE_TIMEOUT")]
    pub rule_timeout: f64,
    /// The memory one account's evaluation may allocate, in MiB; a rule that asks for more ends
    /// the run with exit 2 naming it.
    #[arg(long, value_name = "MIB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_048_576),
          env = "ROOTWARDEN_RULE_MEMORY")]
    pub rule_memory: u64,
}

impl RuleSelection {
    /// Compiles `set` with `requirements`, applying --only, --skip, --rule-timeout and
    /// --rule-memory.
    pub fn policy(&self, set: &RuleSet, requirements: &Requirements) -> anyhow::Result<Policy> {
        let mut policy = self.filter.policy(set, requirements)?;
        policy.set_time_limit(Duration::from_secs_f64(self.rule_timeout));
        policy.set_memory_limit(self.rule_memory << 20);
        Ok(policy)
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 86_400.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds between 0 and 86400")),
    }
}

/// The requirements document.
#[derive(clap::Args, Clone, Debug)]
pub struct RequirementsArg {
    /// The requirements document (YAML or JSON); the built-in CIS-aligned default otherwise.
    #[arg(long, value_name = "FILE", env = "ROOTWARDEN_REQUIREMENTS")]
    pub requirements: Option<PathBuf>,
}

impl RequirementsArg {
    /// Reads the document, or the default.
    pub fn load(&self) -> anyhow::Result<RequirementsDoc> {
        Ok(self.load_with_ref()?.0)
    }

    /// The document and, when read from a file, its path and digest for a report's provenance.
    pub fn load_with_ref(&self) -> anyhow::Result<(RequirementsDoc, Option<DocumentRef>)> {
        Ok(match &self.requirements {
            Some(p) => {
                let doc = RequirementsDoc::load(p)?;
                let digest = doc.digest().unwrap_or_default();
                let r = DocumentRef {
                    path: p.display().to_string(),
                    digest,
                };
                (doc, Some(r))
            }
            None => (RequirementsDoc::default(), None),
        })
    }
}

/// `--fail-on-incomplete`.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct IncompleteArg {
    /// Exit 3 when the run could not see everything (a call failed, a control has
    /// insufficient data, a source could not be read) and nothing fails at --fail-on.
    #[arg(long)]
    pub fail_on_incomplete: bool,
}

/// When a report fails the run.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct FailPolicy {
    /// Exit 1 when a failing control is at or above this severity (any case).
    #[arg(
        long,
        value_enum,
        default_value = "high",
        ignore_case = true,
        env = "ROOTWARDEN_FAIL_ON"
    )]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub incomplete: IncompleteArg,
}

/// The severity threshold for exit code 1 (`none`: never).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    /// The lowest severity that fails the run.
    pub fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// `--until`: YYYY-MM-DD (midnight UTC) or an RFC 3339 time.
pub fn parse_until(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{s:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))
}

/// `1048576`, `512K`, `64M`, `1G`, `2T` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, shift) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 10),
        Some((i, 'M' | 'm')) => (&s[..i], 20),
        Some((i, 'G' | 'g')) => (&s[..i], 30),
        Some((i, 'T' | 't')) => (&s[..i], 40),
        _ => (s, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is not a size: a positive number of bytes, or with K, M, G or T"))
}

/// `--activity[=DAYS]`, `--verify-filters` and `--audit-root` of collect and scan: what a
/// collection reads beyond the configuration.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct ExtraFacts {
    /// Also read root activity from CloudTrail event history (LookupEvents) and the root alarms'
    /// history over the last DAYS days (default 90, the most event history keeps), so RW-ACT-001
    /// can judge it. `rootwarden activity` reviews it in full.
    #[arg(long = "activity", value_name = "DAYS", num_args = 0..=1, default_missing_value = "90",
          value_parser = clap::value_parser!(u32).range(1..=90))]
    pub activity_days: Option<u32>,
    /// Ask CloudWatch Logs itself (logs:TestMetricFilter, read-only) how each metric filter on a
    /// trail's log group treats the canonical CloudTrail events, and record its answers; where
    /// AWS and rootwarden's filter engine disagree, the control is insufficient data.
    #[arg(long)]
    pub verify_filters: bool,
    /// Read each member account's root password, access keys, MFA devices and signing
    /// certificates in an sts:AssumeRoot session (task policy IAMAuditRootUserCredentials, at most
    /// 900 s) opened from the management account or IAM's delegated administrator; the root rules
    /// judge these facts instead of the credential report's. Needs centralized root access.
    #[arg(long)]
    pub audit_root: bool,
}

impl ExtraFacts {
    /// Sets these facts' options on `opts`, the activity window ending now.
    pub fn apply(&self, opts: &mut CollectOptions) {
        let end = chrono::Utc::now();
        opts.activity = self.activity_days.map(|d| collect::ActivityWindow {
            start: end - chrono::Duration::days(i64::from(d)),
            end,
            deadline: None,
        });
        opts.verify_filters = self.verify_filters;
        opts.audit_root = self.audit_root;
    }
}
