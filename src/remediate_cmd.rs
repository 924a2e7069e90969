//! `rootwarden remediate [plan] | apply --yes | export`: the command line of the remediation
//! stage (see `rootwarden::remediate`).

use rootwarden::report::output::OutputPlan;
use rootwarden::report::split_output;
use rootwarden::report::terminal::escape;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use rootwarden::collect;
use rootwarden::errln;
use rootwarden::policy::{loader, Evaluation, Policy};
use rootwarden::remediate::export::{self, ExportTarget, IacFormat};
use rootwarden::remediate::plan::{self, PlanOptions};
use rootwarden::remediate::{apply, render, Plan};
use rootwarden::requirements::Requirements;
use rootwarden::snapshot::Snapshot;

use super::{load_requirements, snapshot_json, AwsArgs};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct RemediateArgs {
    #[command(subcommand)]
    command: Option<RemediateCommand>,
    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(Subcommand)]
enum RemediateCommand {
    /// Print the changes that would fix the failing controls, each tied to its finding, and the
    /// manual steps; changes nothing (the default).
    Plan(PlanArgs),
    /// Collect, plan and make the changes (only with --yes), then re-collect and re-evaluate and
    /// report every control before -> after.
    Apply(ApplyArgs),
    /// Write the monitoring chain as CloudFormation or Terraform instead of calling the APIs.
    Export(ExportArgs),
}

/// Where the facts come from and what is in scope.
#[derive(clap::Args)]
struct Source {
    /// A saved snapshot to plan from (plan and export only); otherwise the accounts are
    /// collected live.
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// The requirements document (retained keys, accepted endpoints).
    #[arg(long, value_name = "FILE")]
    requirements: Option<PathBuf>,
    /// Plan and change only these accounts (comma-separated ids): a change in any other account
    /// (say, the organization trail's log group in the management account) is listed, not made.
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    accounts: Vec<String>,
    /// Collect every ACTIVE account of the organization (from the management account);
    /// otherwise the caller's account and the --accounts.
    #[arg(long)]
    org: bool,
    #[command(flatten)]
    aws: AwsArgs,
    /// Role assumed in every account other than the caller's.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    role_name: String,
    /// Regions to collect (comma-separated); default: every region enabled in each account.
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    regions: Vec<String>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct PlanArgs {
    #[command(flatten)]
    source: Source,
    /// Subscribe this endpoint where a root-activity topic reaches nobody: an e-mail address,
    /// an https:// URL, an SQS queue or Lambda function ARN (repeatable).
    #[arg(long, value_name = "ENDPOINT")]
    notify: Vec<String>,
    /// Output FORMAT[=PATH] (repeatable): text, json. Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<Output>,
    /// Also write the snapshot the plan was computed from.
    #[arg(long, value_name = "PATH")]
    snapshot_out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ApplyArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Make the changes. Without it apply refuses and changes nothing.
    #[arg(long)]
    yes: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum IacArg {
    Cloudformation,
    Terraform,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The language.
    #[arg(long, value_enum)]
    format: IacArg,
    /// The log group the trail delivers to (the template's default). Without it, the log groups
    /// come from the snapshot (--snapshot, or collected live): one file per log group.
    #[arg(long, value_name = "NAME")]
    log_group: Option<String>,
    /// Subscribe this endpoint to the topic (repeatable).
    #[arg(long, value_name = "ENDPOINT")]
    notify: Vec<String>,
    /// Write here (a file; a directory when there are several log groups). Default: stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
}

/// `-o FORMAT[=PATH]` of plan and apply.
#[derive(Clone)]
struct Output {
    json: bool,
    path: Option<PathBuf>,
}

impl std::str::FromStr for Output {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, path) = split_output(s)?;
        let json = match name {
            "text" => false,
            "json" => true,
            _ => return Err(format!("unknown format {name:?}; expected text or json")),
        };
        Ok(Output { json, path })
    }
}

/// Runs `rootwarden remediate …`.
pub(crate) fn run(args: RemediateArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        None => plan_cmd(args.plan),
        Some(RemediateCommand::Plan(p)) => plan_cmd(p),
        Some(RemediateCommand::Apply(a)) => apply_cmd(a),
        Some(RemediateCommand::Export(e)) => export_cmd(e),
    }
}

fn check_accounts(ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            anyhow::bail!("--accounts: expected 12-digit AWS account ids, found {id:?}");
        }
    }
    Ok(())
}

impl Source {
    fn options(&self) -> collect::CollectOptions {
        let scope = if self.org {
            collect::AccountScope::Organization
        } else if self.accounts.is_empty() {
            collect::AccountScope::Current
        } else {
            // The caller's own account too: it usually holds the organization trail's chain.
            collect::AccountScope::List(self.accounts.clone())
        };
        collect::CollectOptions {
            profile: self.aws.profile.clone(),
            region: self.aws.region.clone(),
            endpoint_url: self.aws.endpoint_url.clone(),
            scope,
            role_name: self.role_name.clone(),
            regions: (!self.regions.is_empty()).then(|| self.regions.clone()),
            progress: !self.quiet,
            ..Default::default()
        }
    }
}

/// Collects live, with the caller's account added to a --accounts list (it usually holds the
/// organization trail's chain).
async fn collect_live(source: &Source) -> anyhow::Result<Snapshot> {
    let mut opts = source.options();
    if let collect::AccountScope::List(ids) = &opts.scope {
        let base = collect::base_config(&opts).await;
        let sts = aws_sdk_sts::Client::new(&base);
        if let Ok(me) = sts.get_caller_identity().send().await {
            if let Some(me) = me.account() {
                if !ids.iter().any(|i| i == me) {
                    let mut all = ids.clone();
                    all.push(me.to_string());
                    opts.scope = collect::AccountScope::List(all);
                }
            }
        }
    }
    Ok(collect::collect(&opts).await?.snapshot)
}

fn bundled_policy(requirements: &Requirements) -> anyhow::Result<Policy> {
    Ok(Policy::load(&loader::bundled(), requirements)?)
}

/// What one output of `plan` or `apply` holds.
enum Out {
    Text,
    Json,
    Snapshot,
}

/// Plans the -o outputs and --snapshot-out, refusing any that is an input.
fn plan_outputs(args: &PlanArgs) -> anyhow::Result<OutputPlan<Out>> {
    let mut outputs = OutputPlan::new();
    for o in &args.outputs {
        let (what, label) = if o.json {
            (Out::Json, "-o json")
        } else {
            (Out::Text, "-o text")
        };
        outputs.add(what, label, o.path.as_deref())?;
    }
    if outputs.is_empty() {
        outputs.add(Out::Text, "-o text", None)?;
    }
    if let Some(p) = &args.snapshot_out {
        outputs.add(Out::Snapshot, "--snapshot-out", Some(p))?;
    }
    refuse_inputs(&outputs, &args.source)?;
    Ok(outputs)
}

fn refuse_inputs<T>(outputs: &OutputPlan<T>, source: &Source) -> anyhow::Result<()> {
    if let Some(p) = &source.snapshot {
        outputs.refuse_input("the snapshot", p)?;
    }
    if let Some(p) = &source.requirements {
        outputs.refuse_input("the requirements", p)?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Snapshot (given or collected), its outcome table and the plan.
/// Everything a plan was computed from, and the compiled rules to evaluate again with.
struct Prepared {
    outputs: OutputPlan<Out>,
    snapshot: Snapshot,
    policy: Policy,
    eval: Evaluation,
    plan: Plan,
}

fn prepare(args: &PlanArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<Prepared> {
    check_accounts(&args.source.accounts)?;
    // Output paths are checked before a collection or a change, so an unwritable report cannot
    // fail a run after apply has changed accounts.
    let outputs = plan_outputs(args)?;
    let requirements = load_requirements(&args.source.requirements)?;
    let mut policy = bundled_policy(&requirements)?;
    let opts = PlanOptions {
        accounts: args.source.accounts.clone(),
        notify: args.notify.clone(),
    };
    // Flag errors before a long collection.
    plan::check_options(&opts)?;
    let snapshot = match &args.source.snapshot {
        Some(p) => rootwarden::input::load_snapshot(p)?,
        None => runtime.block_on(collect_live(&args.source))?,
    };
    let eval = policy.evaluate(&snapshot)?;
    let plan = plan::plan(&snapshot, &requirements, &eval, &opts)?;
    Ok(Prepared {
        outputs,
        snapshot,
        policy,
        eval,
        plan,
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn plan_cmd(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let p = prepare(&args, &rt)?;
    p.outputs.commit(|o| match o {
        Out::Text => escape(&render::plan_text(&p.plan)).into_owned(),
        Out::Json => to_json(&p.plan),
        Out::Snapshot => snapshot_json(&p.snapshot),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn apply_cmd(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    if !args.yes {
        anyhow::bail!("remediate apply changes AWS resources; run `rootwarden remediate plan` to see the changes and add --yes to make them");
    }
    if args.plan.source.snapshot.is_some() {
        anyhow::bail!("remediate apply plans from a fresh collection, not a saved snapshot; drop --snapshot");
    }
    let rt = runtime()?;
    let Prepared {
        outputs,
        snapshot: before_snapshot,
        mut policy,
        eval: before,
        plan,
    } = prepare(&args.plan, &rt)?;
    // Nothing to change: no call, and the outcome table stands as collected.
    let (applied, after) = if plan.steps.is_empty() {
        (apply::Applied::default(), None)
    } else {
        let opts = args.plan.source.options();
        let base = rt.block_on(collect::base_config(&opts));
        let principal = before_snapshot
            .collector
            .as_ref()
            .and_then(|c| c.principal_arn.clone())
            .unwrap_or_default();
        let parts: Vec<&str> = principal.split(':').collect();
        let reach = apply::Reach {
            home_region: base
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
            base,
            caller_account: parts.get(4).copied().unwrap_or_default().to_string(),
            partition: parts.get(1).copied().unwrap_or("aws").to_string(),
            role_name: args.plan.source.role_name.clone(),
        };
        let applied = rt.block_on(apply::apply(&plan, &reach));
        let after_snapshot = rt.block_on(collect_live(&args.plan.source))?;
        (applied, Some(policy.evaluate(&after_snapshot)?))
    };
    let report = render::ApplyReport::new(plan, applied, &before, after.as_ref().unwrap_or(&before));
    outputs.commit(|o| match o {
        Out::Text => escape(&render::apply_text(&report)).into_owned(),
        Out::Json => to_json(&report),
        Out::Snapshot => snapshot_json(&before_snapshot),
    })?;
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn export_cmd(args: ExportArgs) -> anyhow::Result<ExitCode> {
    check_accounts(&args.source.accounts)?;
    plan::check_options(&PlanOptions {
        accounts: Vec::new(),
        notify: args.notify.clone(),
    })?;
    let format = match args.format {
        IacArg::Cloudformation => IacFormat::CloudFormation,
        IacArg::Terraform => IacFormat::Terraform,
    };
    // Checked before collecting: a file (or standard output) for one log group, a directory
    // for one file each.
    let into_dir = args.output.as_ref().is_some_and(|p| p.is_dir());
    let mut single = OutputPlan::new();
    match &args.output {
        Some(dir) if into_dir => OutputPlan::<()>::check_dir("-o", dir)?,
        p => single.add(0, "-o", p.as_deref())?,
    }
    refuse_inputs(&single, &args.source)?;
    let targets: Vec<ExportTarget> = match &args.log_group {
        Some(name) => vec![ExportTarget {
            log_group_name: name.clone(),
            location: None,
            endpoints: args.notify.clone(),
        }],
        None => {
            let requirements = load_requirements(&args.source.requirements)?;
            let snapshot = match &args.source.snapshot {
                Some(p) => rootwarden::input::load_snapshot(p)?,
                None => runtime()?.block_on(collect_live(&args.source))?,
            };
            let found = plan::log_group_targets(&snapshot, &requirements, &args.source.accounts)?;
            if found.is_empty() {
                anyhow::bail!("no trail in scope delivers to a CloudWatch Logs log group; fix RW-MON-001/RW-MON-002 first or name one with --log-group");
            }
            found
                .into_iter()
                .map(|(account, region, name)| ExportTarget {
                    log_group_name: name,
                    location: Some((account, region)),
                    endpoints: args.notify.clone(),
                })
                .collect()
        }
    };
    if targets.len() == 1 && !into_dir {
        single.commit(|i| export::render(format, &targets[*i]))?;
        return Ok(ExitCode::SUCCESS);
    }
    let dir = match &args.output {
        Some(dir) if into_dir || !dir.exists() => dir,
        _ => anyhow::bail!(
            "{} log groups need one file each; give a directory with -o DIR",
            targets.len()
        ),
    };
    let mut files = OutputPlan::new();
    let mut written = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let path = dir.join(export::file_name(format, t));
        files.add(i, "-o", Some(&path))?;
        written.push(path);
    }
    refuse_inputs(&files, &args.source)?;
    files.commit(|i| export::render(format, &targets[*i]))?;
    for path in written {
        errln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
