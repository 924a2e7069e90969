//! The `rootwarden` command line: parse, call the library, map errors to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 bad input or rule, 3 incomplete).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use rootwarden::collect;
use rootwarden::config_rule;
use rootwarden::input;
use rootwarden::policy::{self, loader, Policy, RuleSet, Severity, Status};
use rootwarden::report::output::OutputPlan;
use rootwarden::report::provenance::{DocumentRef, Provenance};
use rootwarden::report::{self, OutputSpec};
use rootwarden::snapshot::Snapshot;
use rootwarden::{errln, outln};

#[derive(Parser)]
#[command(
    name = "rootwarden",
    version = rootwarden::build_info::SHORT_VERSION,
    long_version = rootwarden::build_info::LONG_VERSION,
    about = "Prove the AWS root user is locked away, unused and watched"
)]
struct Cli {
    /// Log more (repeat for more detail); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Collect a snapshot from AWS (no verdicts) and write it as JSON.
    Collect(CollectCmd),
    /// Collect, evaluate and report in one run.
    Scan(ScanArgs),
    /// Evaluate a saved snapshot against the rules and report.
    Evaluate(EvaluateArgs),
    /// List, show or test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Review root activity in CloudTrail (event history and/or log files): timeline, approved
    /// or not, narratives and KPIs.
    Activity(Box<ActivityArgs>),
    /// Fix what the rules found: plan the changes (default), apply them with --yes, or export
    /// the monitoring chain as CloudFormation or Terraform.
    Remediate(Box<remediate_cmd::RemediateArgs>),
    /// Show which canonical CloudTrail events a CloudWatch Logs filter pattern (or, with
    /// --event-pattern, an EventBridge event pattern) matches, and why.
    ExplainFilter(ExplainArgs),
    /// Run the AWS Config custom-rule handler locally on a saved event.
    #[command(subcommand)]
    ConfigRule(ConfigRuleCommand),
    /// Serve AWS Config invocations through the Lambda runtime API (what the function runs;
    /// a binary named `bootstrap` started without arguments does this too).
    Lambda,
    /// Print a JSON Schema (snapshot or requirements).
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
}

#[derive(Subcommand)]
enum ConfigRuleCommand {
    /// Handle a saved AWS Config rule event as the Lambda function would: collect the account,
    /// evaluate, post the evaluations, and print what was done as JSON.
    Invoke {
        /// The event (JSON), e.g. from the function's CloudWatch logs or deploy/events/.
        #[arg(long, value_name = "FILE")]
        event: PathBuf,
        /// Compute the evaluations but do not call PutEvaluations.
        #[arg(long)]
        dry_run: bool,
        /// Call PutEvaluations with TestMode (Config validates, records nothing).
        #[arg(long)]
        test_mode: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The pattern, quoted for the shell, e.g. '{ $.userIdentity.type = "Root" }'.
    pattern: String,
    /// Read the pattern as an EventBridge event pattern (JSON) instead.
    #[arg(long)]
    event_pattern: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ActivityArgs {
    /// CloudTrail log files or directories, walked recursively: `*.json.gz` / `*.json` as
    /// delivered to S3, and JSON-lines exports (`*.jsonl`, CloudTrail Lake, Athena). Repeatable.
    #[arg(long = "logs", value_name = "PATH")]
    logs: Vec<PathBuf>,
    /// Read CloudTrail event history (LookupEvents, at most 2 requests/s per account and region)
    /// and root alarms' history of the collected accounts; collects a snapshot too.
    #[arg(long, conflicts_with = "snapshot")]
    lookup: bool,
    /// A saved snapshot to review the logs against (accounts, root MFA, controls); its
    /// collected_at ends the window unless --until is given.
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// The requirements document (approved root-use exceptions, lookback window).
    #[arg(long, value_name = "FILE")]
    requirements: Option<PathBuf>,
    /// Days before the end of the window to review (default: the requirements' lookback_days;
    /// at most 90 with --lookup, CloudTrail's event history).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: Option<u32>,
    /// End of the window: YYYY-MM-DD (midnight UTC) or an RFC 3339 time. Default: the
    /// snapshot's collected_at, else now.
    #[arg(long, value_name = "TIME", value_parser = parse_until)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// Threads reading log files (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// Largest uncompressed size of one log file (bytes, or with a K, M, G or T suffix, powers
    /// of 1024); a larger file, such as a decompression bomb, is listed as unreadable.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    max_log_size: u64,
    /// Output FORMAT[=PATH] (repeatable): text, json, html. Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<report::activity::ActivityOutput>,
    /// Write the snapshot with each account's activity section (for `rootwarden evaluate`).
    #[arg(long, value_name = "PATH")]
    snapshot_out: Option<PathBuf>,
    /// Exit 3 when some source could not be read (and no unapproved root event was found).
    #[arg(long)]
    fail_on_incomplete: bool,
    #[command(flatten)]
    collect: CollectArgs,
}

fn parse_until(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{s:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"))
}

/// `1048576`, `512K`, `64M`, `1G`, `2T` (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
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

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Snapshot,
    Requirements,
}

/// The severity threshold for exit code 1 (`none`: never).
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
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

/// A severity named on the command line.
#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// An outcome status named on the command line (as the JSON report writes it).
#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Fail,
    #[value(name = "insufficient_data", alias = "insufficient-data")]
    InsufficientData,
    Waived,
    #[value(name = "not_applicable", alias = "not-applicable")]
    NotApplicable,
    Pass,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Status {
        match s {
            StatusArg::Fail => Status::Fail,
            StatusArg::InsufficientData => Status::InsufficientData,
            StatusArg::Waived => Status::Waived,
            StatusArg::NotApplicable => Status::NotApplicable,
            StatusArg::Pass => Status::Pass,
        }
    }
}

/// When to colour the text report.
#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct RuleSelection {
    /// User rules: a directory of .rego files or an OPA bundle (.tar.gz, or a .zip of .rego
    /// files); repeatable.
    #[arg(long = "rules", value_name = "DIR|BUNDLE")]
    rules: Vec<PathBuf>,
    /// Do not load the bundled rules.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    only: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    skip: Vec<String>,
    /// The time all the rules together may take on one account; when it runs out the run
    /// fails with exit 2 naming the rule that was running (nothing is run again).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = positive_seconds)]
    rule_timeout: f64,
    /// The memory one account's evaluation may allocate, in MiB; a rule that asks for more ends
    /// the run with exit 2 naming it.
    #[arg(long, value_name = "MIB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    rule_memory: u64,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 86_400.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds between 0 and 86400")),
    }
}

/// Loads the selected rules with the requirements, checks that each waiver names a loaded rule,
/// and applies --only, --skip, --rule-timeout and --rule-memory.
fn load_policy(sel: &RuleSelection, requirements: &input::RequirementsDoc) -> anyhow::Result<Policy> {
    policy_from(&rule_set(&sel.rules, sel.no_builtin_rules)?, sel, requirements)
}

fn policy_from(set: &RuleSet, sel: &RuleSelection, requirements: &input::RequirementsDoc) -> anyhow::Result<Policy> {
    let mut policy = Policy::load_set(set, &requirements.requirements)?;
    requirements.check_waiver_rules(policy.rules().map(|r| r.id()))?;
    policy.select(&sel.only, &sel.skip)?;
    policy.set_time_limit(std::time::Duration::from_secs_f64(sel.rule_timeout));
    policy.set_memory_limit(sel.rule_memory << 20);
    Ok(policy)
}

/// How to reach AWS, shared by every command that calls it.
#[derive(clap::Args)]
struct AwsArgs {
    /// Named AWS profile (shared config and credentials files).
    #[arg(long)]
    profile: Option<String>,
    /// Region for global services and the credential chain.
    #[arg(long)]
    region: Option<String>,
    /// Endpoint URL for every AWS service (AWS-compatible endpoints, tests).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

#[derive(clap::Args)]
struct CollectArgs {
    #[command(flatten)]
    aws: AwsArgs,
    /// Collect every ACTIVE account of the organization (from the management account).
    #[arg(long, conflicts_with = "accounts")]
    org: bool,
    /// Collect these accounts (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    accounts: Vec<String>,
    /// Role assumed in every account other than the caller's.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    role_name: String,
    /// Regions to collect (comma-separated); default: every region enabled in each account.
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    regions: Vec<String>,
    /// At most this many account/region tasks at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Time limit of one API call in seconds, retries included.
    #[arg(long, default_value_t = 60)]
    call_timeout: u64,
    /// Print the API calls made per account to stderr.
    #[arg(long)]
    stats: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

impl CollectArgs {
    fn options(&self) -> anyhow::Result<collect::CollectOptions> {
        for id in &self.accounts {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                anyhow::bail!("--accounts: expected 12-digit AWS account ids, found {id:?}");
            }
        }
        Ok(collect::CollectOptions {
            profile: self.aws.profile.clone(),
            region: self.aws.region.clone(),
            endpoint_url: self.aws.endpoint_url.clone(),
            scope: if self.org {
                collect::AccountScope::Organization
            } else if self.accounts.is_empty() {
                collect::AccountScope::Current
            } else {
                collect::AccountScope::List(self.accounts.clone())
            },
            role_name: self.role_name.clone(),
            regions: if self.regions.is_empty() {
                None
            } else {
                Some(self.regions.clone())
            },
            concurrency: self.concurrency,
            call_timeout: std::time::Duration::from_secs(self.call_timeout.max(1)),
            progress: !self.quiet,
            assume_role_arn: None,
            activity: None,
            verify_filters: false,
            audit_root: false,
        })
    }
}

/// `--activity[=DAYS]` of collect and scan.
#[derive(clap::Args)]
struct ActivityFlag {
    /// Also read root activity from CloudTrail event history (LookupEvents) and the root alarms'
    /// history over the last DAYS days (default 90, the most event history keeps), so RW-ACT-001
    /// can judge it. `rootwarden activity` reviews it in full.
    #[arg(long = "activity", value_name = "DAYS", num_args = 0..=1, default_missing_value = "90",
          value_parser = clap::value_parser!(u32).range(1..=90))]
    days: Option<u32>,
}

impl ActivityFlag {
    fn window(&self, end: chrono::DateTime<chrono::Utc>) -> Option<collect::ActivityWindow> {
        self.days.map(|d| collect::ActivityWindow {
            start: end - chrono::Duration::days(i64::from(d)),
            end,
        })
    }
}

/// `--verify-filters` and `--audit-root` of collect and scan: facts read first hand.
#[derive(clap::Args)]
struct FirstHandFlags {
    /// Ask CloudWatch Logs itself (logs:TestMetricFilter, read-only) how each metric filter on a
    /// trail's log group treats the canonical CloudTrail events, and record its answers; where
    /// AWS and rootwarden's filter engine disagree, the control is insufficient data.
    #[arg(long)]
    verify_filters: bool,
    /// Read each member account's root password, access keys, MFA devices and signing
    /// certificates in an sts:AssumeRoot session (task policy IAMAuditRootUserCredentials, at most
    /// 900 s) opened from the management account or IAM's delegated administrator; the root rules
    /// judge these facts instead of the credential report's. Needs centralized root access.
    #[arg(long)]
    audit_root: bool,
}

#[derive(clap::Args)]
struct CollectCmd {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    activity: ActivityFlag,
    #[command(flatten)]
    first_hand: FirstHandFlags,
    /// Where to write the snapshot (default: stdout).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,
    /// Exit 3 when any call failed (the snapshot is still written).
    #[arg(long)]
    fail_on_incomplete: bool,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    activity: ActivityFlag,
    #[command(flatten)]
    first_hand: FirstHandFlags,
    #[command(flatten)]
    report: ReportArgs,
    /// Also write the collected snapshot here.
    #[arg(long, value_name = "PATH")]
    snapshot_out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct EvaluateArgs {
    /// The snapshot file (JSON), from `rootwarden collect` or a fixture.
    snapshot: PathBuf,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The requirements document (YAML or JSON); the built-in CIS-aligned default otherwise.
    #[arg(long, value_name = "FILE")]
    requirements: Option<PathBuf>,
    #[command(flatten)]
    selection: RuleSelection,
    /// Output FORMAT[=PATH] (repeatable): text, json, sarif, junit, config-evaluations, html
    /// (a self-contained page), inventory (root users as CSV), inventory-json.
    /// Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<OutputSpec>,
    /// Text report: list passing and not-applicable controls too (otherwise counted per account).
    #[arg(long)]
    show_passed: bool,
    /// Text report: show only outcomes with these statuses (the exit code and the other formats
    /// still count every outcome).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS,...")]
    status: Vec<StatusArg>,
    /// Text report: show only controls of these severities.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SEVERITY,...")]
    severity: Vec<SeverityArg>,
    /// Colour the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
    /// Exit 1 when a failing control is at or above this severity.
    #[arg(long, value_enum, default_value = "high")]
    fail_on: FailOn,
    /// Exit 3 when any control has insufficient data (and nothing fails at --fail-on).
    #[arg(long)]
    fail_on_incomplete: bool,
    /// SARIF `automationDetails.id` (category), to upload several slices side by side.
    #[arg(long, value_name = "ID")]
    sarif_category: Option<String>,
    /// A repository path every SARIF result points at (default: the rule's own file).
    #[arg(long, value_name = "PATH")]
    sarif_artifact: Option<String>,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the rules: id, severity, title, CIS and Security Hub mappings, source file.
    List {
        #[command(flatten)]
        selection: RuleSelection,
        /// Output FORMAT[=PATH]: text (a table, the default) or json.
        #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]", default_value = "text")]
        output: String,
    },
    /// Show one rule: metadata, description, remediation, mappings, source.
    Show {
        /// The rule id, e.g. RW-ROOT-001.
        id: String,
        #[command(flatten)]
        selection: RuleSelection,
    },
    /// Run every `test_*` rule in `*_test.rego` files (bundled ones unless --no-builtin-rules).
    Test {
        /// Directories or OPA bundles of user rules and their tests.
        #[arg(value_name = "DIR|BUNDLE")]
        dirs: Vec<PathBuf>,
        /// Do not include the bundled rules and their tests.
        #[arg(long)]
        no_builtin_rules: bool,
        /// Print line coverage of the rule and library files (regorus' coverage report).
        #[arg(long)]
        coverage: bool,
    },
    /// Write, per account of a snapshot, the exact `input` and `data` documents the rules see
    /// (DIR/ACCOUNT/input.json and DIR/ACCOUNT/data.json), for `opa eval` and editor tooling.
    Input {
        /// The snapshot.
        snapshot: PathBuf,
        /// Only this account.
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Requirements document (YAML or JSON); default: the built-in defaults.
        #[arg(long, value_name = "FILE")]
        requirements: Option<PathBuf>,
        /// Directory to write into.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: PathBuf,
    },
    /// Print an OPA capabilities JSON declaring rootwarden's builtins, for `opa check
    /// --capabilities` and Rego linters.
    Capabilities {
        /// An OPA capabilities document (`opa capabilities --current`) to complete: rootwarden's
        /// builtins are added and what rootwarden does not provide is removed.
        #[arg(long, value_name = "FILE")]
        base: Option<PathBuf>,
    },
    /// Write a new rule and its test from a template into a directory.
    New {
        /// The rule name: lower case letters, digits and `_` (the package is
        /// rootwarden.rules.NAME).
        name: String,
        /// Where to write NAME.rego and NAME_test.rego.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The rule id for METADATA (default: the name in upper case).
        #[arg(long)]
        id: Option<String>,
    },
}

fn rule_set(paths: &[PathBuf], no_builtin_rules: bool) -> anyhow::Result<RuleSet> {
    let mut set = if no_builtin_rules {
        RuleSet::default()
    } else {
        RuleSet::bundled()
    };
    for path in paths {
        set.extend(loader::from_path(path)?);
    }
    Ok(set)
}

fn load_requirements(path: &Option<PathBuf>) -> anyhow::Result<input::RequirementsDoc> {
    Ok(load_requirements_with_ref(path)?.0)
}

/// The requirements and, when read from a file, its path and digest for the report's provenance.
fn load_requirements_with_ref(path: &Option<PathBuf>) -> anyhow::Result<(input::RequirementsDoc, Option<DocumentRef>)> {
    Ok(match path {
        Some(p) => {
            let doc = input::RequirementsDoc::load(p)?;
            let digest = doc.digest().unwrap_or_default();
            (
                doc,
                Some(DocumentRef {
                    path: p.display().to_string(),
                    digest,
                }),
            )
        }
        None => (input::RequirementsDoc::default(), None),
    })
}

/// What one output of `evaluate`, `scan` or `collect` holds.
enum Out {
    /// A report in a format, and whether it goes to standard output (colour on a terminal).
    Report(report::Format, bool),
    Snapshot,
}

/// Everything `evaluate` and `scan` need before any work: outputs checked, requirements and
/// rules loaded, so bad input fails before a long collection.
struct Prepared {
    outputs: OutputPlan<Out>,
    policy: Policy,
    requirements: rootwarden::requirements::Requirements,
    provenance: Provenance,
    opts: report::ReportOptions,
}

/// Plans the report outputs (and `--snapshot-out`), refusing any that is an input: the
/// requirements, a rule file (or a `*.rego` a --rules walk would read), `snapshot`.
fn prepare(
    args: &ReportArgs,
    snapshot: Option<&std::path::Path>,
    snapshot_out: Option<&PathBuf>,
) -> anyhow::Result<Prepared> {
    let mut outputs = OutputPlan::new();
    for o in &args.outputs {
        outputs.add(
            Out::Report(o.format, o.path.is_none()),
            format!("-o {}", o.format.as_str()),
            o.path.as_deref(),
        )?;
    }
    if outputs.is_empty() {
        outputs.add(Out::Report(report::Format::Text, true), "-o text", None)?;
    }
    if let Some(p) = snapshot_out {
        outputs.add(Out::Snapshot, "--snapshot-out", Some(p))?;
    }
    if let Some(p) = snapshot {
        outputs.refuse_input("the snapshot", p)?;
    }
    if let Some(p) = &args.requirements {
        outputs.refuse_input("the requirements", p)?;
    }
    let set = rule_set(&args.selection.rules, args.selection.no_builtin_rules)?;
    refuse_rule_inputs(&outputs, &args.selection.rules, &set)?;
    let mut provenance = Provenance::new(report::provenance::generation_time().map_err(anyhow::Error::msg)?);
    let (requirements, requirements_ref) = load_requirements_with_ref(&args.requirements)?;
    let policy = policy_from(&set, &args.selection, &requirements)?;
    provenance.rules_digest = loader::digest(&set.files);
    provenance.rule_sources = (!args.selection.no_builtin_rules)
        .then(|| "bundled".to_string())
        .into_iter()
        .chain(args.selection.rules.iter().map(|d| d.display().to_string()))
        .collect();
    provenance.requirements = requirements_ref;
    let opts = report::ReportOptions {
        sarif: report::sarif::SarifOptions {
            category: args.sarif_category.clone(),
            artifact: args.sarif_artifact.clone(),
        },
        text: report::text::TextOptions {
            show_passed: args.show_passed,
            statuses: args.status.iter().map(|s| Status::from(*s)).collect(),
            severities: args.severity.iter().map(|s| Severity::from(*s)).collect(),
            color: match args.color {
                ColorArg::Auto => report::text::ColorChoice::Auto,
                ColorArg::Always => report::text::ColorChoice::Always,
                ColorArg::Never => report::text::ColorChoice::Never,
            },
        },
    };
    Ok(Prepared {
        outputs,
        policy,
        requirements: requirements.requirements,
        provenance,
        opts,
    })
}

/// Refuses an output that is a user rule file, an OPA bundle given to --rules, or a `*.rego`
/// under a --rules directory.
fn refuse_rule_inputs<T>(outputs: &OutputPlan<T>, paths: &[PathBuf], set: &RuleSet) -> anyhow::Result<()> {
    for f in set
        .files
        .iter()
        .filter(|f| f.origin == policy::outcome::RuleOrigin::User)
    {
        outputs.refuse_input("a rule file", std::path::Path::new(&f.path))?;
    }
    for path in paths {
        if path.is_dir() {
            outputs.refuse_under(&format!("--rules {}", path.display()), path, |n| n.ends_with(".rego"))?;
        } else {
            outputs.refuse_input("an OPA bundle of --rules", path)?;
        }
    }
    Ok(())
}

/// Evaluates, then writes every output (the snapshot too, when asked) only now that the run has
/// succeeded.
fn evaluate_and_report(mut p: Prepared, args: &ReportArgs, snapshot: &Snapshot) -> anyhow::Result<ExitCode> {
    let eval = p.policy.evaluate(snapshot)?;
    let ctx = report::ReportContext {
        snapshot,
        requirements: &p.requirements,
        provenance: &p.provenance,
    };
    p.outputs.commit(|o| match o {
        Out::Report(f, to_stdout) => report::render(*f, &eval, &ctx, &p.opts, *to_stdout),
        Out::Snapshot => snapshot_json(snapshot),
    })?;
    if args.fail_on.severity().is_some_and(|s| eval.fails_at_or_above(s)) {
        return Ok(ExitCode::from(1));
    }
    if args.fail_on_incomplete && (eval.incomplete() || !snapshot.collection_errors.is_empty()) {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let mut prepared = prepare(&args.report, Some(&args.snapshot), None)?;
    let (snapshot, digest) = input::load_snapshot_with_digest(&args.snapshot)?;
    prepared.provenance.snapshot = Some(DocumentRef {
        path: args.snapshot.display().to_string(),
        digest,
    });
    evaluate_and_report(prepared, &args.report, &snapshot)
}

fn run_collection(
    args: &CollectArgs,
    activity: &ActivityFlag,
    first_hand: &FirstHandFlags,
) -> anyhow::Result<collect::Collection> {
    let mut opts = args.options()?;
    opts.activity = activity.window(chrono::Utc::now());
    opts.verify_filters = first_hand.verify_filters;
    opts.audit_root = first_hand.audit_root;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let collection = runtime.block_on(collect::collect(&opts))?;
    if args.stats {
        print_stats(&collection);
    }
    Ok(collection)
}

fn print_stats(c: &collect::Collection) {
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

/// A snapshot as the JSON document `collect` writes.
fn snapshot_json(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(snapshot).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn collect_cmd(args: CollectCmd) -> anyhow::Result<ExitCode> {
    let mut outputs = OutputPlan::new();
    outputs.add((), "-o", args.output.as_deref())?;
    let c = run_collection(&args.collect, &args.activity, &args.first_hand)?;
    outputs.commit(|()| snapshot_json(&c.snapshot))?;
    let errors = c.snapshot.collection_errors.len();
    if errors > 0 {
        errln!("collection incomplete: {errors} API calls failed (listed in the snapshot's collection_errors)");
        if args.fail_on_incomplete {
            return Ok(ExitCode::from(3));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let prepared = prepare(&args.report, None, args.snapshot_out.as_ref())?;
    let c = run_collection(&args.collect, &args.activity, &args.first_hand)?;
    evaluate_and_report(prepared, &args.report, &c.snapshot)
}

fn rules(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::List { selection, output } => {
            let (format, path) = rules_cmd::list_output(&output).map_err(anyhow::Error::msg)?;
            let mut outputs = OutputPlan::new();
            outputs.add((), "rules list -o", path.as_deref())?;
            let set = rule_set(&selection.rules, selection.no_builtin_rules)?;
            refuse_rule_inputs(&outputs, &selection.rules, &set)?;
            let policy = policy_from(&set, &selection, &input::RequirementsDoc::default())?;
            let rules: Vec<_> = policy.rules().collect();
            outputs.commit(|()| rules_cmd::list(&rules, format))?;
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show { id, selection } => {
            let policy = load_policy(&selection, &input::RequirementsDoc::default())?;
            let rule = policy
                .rules()
                .find(|r| r.id() == id)
                .ok_or_else(|| anyhow::anyhow!("no loaded rule has id {id}; `rootwarden rules list` shows them"))?;
            rootwarden::out!("{}", rules_cmd::show(rule));
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::New { name, dir, id } => {
            for path in rules_cmd::scaffold(&name, id.as_deref(), &dir)? {
                outln!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Test {
            dirs,
            no_builtin_rules,
            coverage,
        } => {
            let run = policy::rego_tests::run_set(&rule_set(&dirs, no_builtin_rules)?, coverage)?;
            Ok(rules_cmd::print_test_run(&run))
        }
        RulesCommand::Input {
            snapshot,
            account,
            requirements,
            output,
        } => {
            let requirements = load_requirements(&requirements)?;
            let snapshot = input::load_snapshot(&snapshot)?;
            let docs = policy::documents::account_documents(&snapshot, &requirements.requirements, account.as_deref())?;
            for path in policy::documents::write(&output, &docs)? {
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Capabilities { base } => {
            print!("{}", rules_cmd::capabilities(base.as_deref())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn config_rule(cmd: ConfigRuleCommand) -> anyhow::Result<ExitCode> {
    let ConfigRuleCommand::Invoke {
        event,
        dry_run,
        test_mode,
        aws,
    } = cmd;
    let text =
        std::fs::read_to_string(&event).with_context(|| format!("{}: cannot read the event", event.display()))?;
    let invocation = config_rule::event::parse(&text, &event.display().to_string())?;
    let mut opts = config_rule::handler::HandlerOptions {
        test_mode,
        post: !dry_run,
        ..Default::default()
    };
    opts.aws.profile = aws.profile;
    opts.aws.region = aws.region;
    opts.aws.endpoint_url = aws.endpoint_url;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(config_rule::handler::handle(&invocation, &opts))?;
    report::output::stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    Ok(ExitCode::SUCCESS)
}

fn lambda() -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime
        .block_on(config_rule::run_lambda())
        .map_err(|e| anyhow::anyhow!("lambda runtime: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

mod activity_cmd;
mod explain;
mod remediate_cmd;
mod rules_cmd;

// regorus allocates and frees small values constantly; mimalloc cut evaluation CPU by ~15%.
// The wrapper holds each account's evaluation to its memory budget (--rule-memory).
#[global_allocator]
static GLOBAL: policy::budget::BudgetedAlloc<mimalloc::MiMalloc> = policy::budget::BudgetedAlloc(mimalloc::MiMalloc);

fn main() -> ExitCode {
    // regorus raises and discards anyhow errors on its normal evaluation path; with
    // RUST_BACKTRACE=1 (common on developer machines and CI) each one captures a backtrace, which
    // made evaluation about 25% slower. RUST_LIB_BACKTRACE governs only those library captures,
    // so panics still honour RUST_BACKTRACE. Set before any thread starts; a user's own
    // RUST_LIB_BACKTRACE wins.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    // Rego's time builtins read the zone "Local" as the machine's zone; pinned to UTC, the same
    // snapshot gives the same report on any machine.
    std::env::set_var("TZ", "UTC");
    // The provided.al2023 runtime starts the function's `bootstrap` without arguments.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as_bootstrap = args.len() == 1
        && std::path::Path::new(&args[0])
            .file_name()
            .is_some_and(|n| n == "bootstrap");
    if invoked_as_bootstrap {
        args.push("lambda".into());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROOTWARDEN_LOG").unwrap_or_else(|_| {
                // Every change remediate makes is logged, whatever the verbosity.
                format!("{level},rootwarden::remediate::change=info").into()
            }),
        )
        .init();
    let result = match cli.command {
        Command::Collect(args) => collect_cmd(args),
        Command::Scan(args) => scan(args),
        Command::Evaluate(args) => evaluate(args),
        Command::Rules(cmd) => rules(cmd),
        Command::ConfigRule(cmd) => config_rule(cmd),
        Command::Lambda => lambda(),
        Command::Activity(args) => activity_cmd::run(*args),
        Command::Remediate(args) => remediate_cmd::run(*args),
        Command::ExplainFilter(args) => explain::run(&args.pattern, args.event_pattern, args.json),
        Command::Schema { which } => {
            report::output::stdout(&match which {
                SchemaKind::Snapshot => rootwarden::schema::snapshot_schema(),
                SchemaKind::Requirements => rootwarden::schema::requirements_schema(),
            });
            Ok(ExitCode::SUCCESS)
        }
    };
    match (result, report::output::stdout_error()) {
        (Err(e), _) => {
            errln!("error: {e:#}");
            ExitCode::from(2)
        }
        // A reader that went away (`| head`) is not an error; a full disk is.
        (Ok(_), Some(e)) => {
            errln!("error: <stdout>: cannot write: {e}");
            ExitCode::from(2)
        }
        (Ok(code), None) => code,
    }
}
