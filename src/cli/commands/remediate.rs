//! `rootwarden remediate [plan] | apply --yes | export`: the command line of the remediation
//! stage (see `rootwarden::remediate`).

use std::path::PathBuf;

use clap::Subcommand;
use rootwarden::collect;
use rootwarden::errln;
use rootwarden::policy::{loader, Evaluation, Policy};
use rootwarden::remediate::export::{self, ExportTarget, IacFormat};
use rootwarden::remediate::plan::{self, PlanOptions};
use rootwarden::remediate::{apply, render, Plan};
use rootwarden::report::output::{Output, OutputFormat, OutputPlan, TextOrJson};
use rootwarden::report::terminal::escape;
use rootwarden::snapshot::Snapshot;

use crate::cli::args::{CollectArgs, RequirementsArg};
use crate::cli::{block_on, Outcome};

/// What to plan, apply or export.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
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

/// Where the facts come from and what is in scope. --accounts plans and changes only those
/// accounts: a change in any other (say, the organization trail's log group in the management
/// account) is listed, not made; the caller's account is collected too.
#[derive(clap::Args)]
struct Source {
    /// A saved snapshot to plan from (plan and export only); otherwise the accounts are
    /// collected live.
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    #[command(flatten)]
    requirements: RequirementsArg,
    #[command(flatten)]
    collect: CollectArgs,
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
    outputs: Vec<Output<TextOrJson>>,
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

#[derive(clap::Args)]
struct ExportArgs {
    /// The log group the trail delivers to (the template's default). Without it, the log groups
    /// come from the snapshot (--snapshot, or collected live): one file per log group.
    #[arg(long, value_name = "NAME")]
    log_group: Option<String>,
    /// Subscribe this endpoint to the topic (repeatable).
    #[arg(long, value_name = "ENDPOINT")]
    notify: Vec<String>,
    /// Output FORMAT[=PATH]: cloudformation or terraform, to stdout or PATH (a file; a directory
    /// when there are several log groups).
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]", required = true)]
    output: Output<IacFormat>,
    #[command(flatten)]
    source: Source,
}

/// Runs `rootwarden remediate …`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        None => plan_cmd(args.plan),
        Some(RemediateCommand::Plan(p)) => plan_cmd(p),
        Some(RemediateCommand::Apply(a)) => apply_cmd(a),
        Some(RemediateCommand::Export(e)) => export_cmd(e),
    }
}

/// Collects live, with the caller's account added to a --accounts list (it usually holds the
/// organization trail's chain).
fn collect_live(source: &Source) -> anyhow::Result<Snapshot> {
    let mut opts = source.collect.options();
    if let collect::AccountScope::List(ids) = &opts.scope {
        let me = block_on(async {
            let base = rootwarden::aws::connection::base_config(&opts.connection()).await;
            let sts = aws_sdk_sts::Client::new(&base);
            let me = sts.get_caller_identity().send().await.ok()?;
            me.account().map(str::to_string)
        })?;
        if let Some(me) = me.filter(|me| !ids.contains(me)) {
            let mut all = ids.clone();
            all.push(me);
            opts.scope = collect::AccountScope::List(all);
        }
    }
    Ok(source.collect.collect(&opts)?.snapshot)
}

fn bundled_policy(requirements: &rootwarden::input::RequirementsDoc) -> anyhow::Result<Policy> {
    let policy = Policy::load(&loader::bundled(), &requirements.requirements)?;
    requirements.check_waiver_rules(policy.rules().map(|r| r.id()))?;
    Ok(policy)
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
    outputs.add_outputs(&args.outputs, TextOrJson::Text, |f| match f {
        TextOrJson::Text => Out::Text,
        TextOrJson::Json => Out::Json,
    })?;
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
    if let Some(p) = &source.requirements.requirements {
        outputs.refuse_input("the requirements", p)?;
    }
    Ok(())
}

/// A plan or apply report as pretty JSON ending in a newline.
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

fn prepare(args: &PlanArgs) -> anyhow::Result<Prepared> {
    // Output paths are checked before a collection or a change, so an unwritable report cannot
    // fail a run after apply has changed accounts.
    let outputs = plan_outputs(args)?;
    let doc = args.source.requirements.load()?;
    let mut policy = bundled_policy(&doc)?;
    let requirements = doc.requirements;
    let opts = PlanOptions {
        accounts: args.source.collect.scope.accounts.clone(),
        notify: args.notify.clone(),
    };
    // Flag errors before a long collection.
    plan::check_options(&opts)?;
    let snapshot = match &args.source.snapshot {
        Some(p) => rootwarden::input::load_snapshot(p)?,
        None => collect_live(&args.source)?,
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

fn plan_cmd(args: PlanArgs) -> anyhow::Result<Outcome> {
    let p = prepare(&args)?;
    p.outputs.commit(|o| match o {
        Out::Text => escape(&render::plan_text(&p.plan)).into_owned(),
        Out::Json => to_json(&p.plan),
        Out::Snapshot => p.snapshot.to_json(),
    })?;
    Ok(Outcome::Clean)
}

fn apply_cmd(args: ApplyArgs) -> anyhow::Result<Outcome> {
    if !args.yes {
        anyhow::bail!("remediate apply changes AWS resources; run `rootwarden remediate plan` to see the changes and add --yes to make them");
    }
    if args.plan.source.snapshot.is_some() {
        anyhow::bail!("remediate apply plans from a fresh collection, not a saved snapshot; drop --snapshot");
    }
    let Prepared {
        outputs,
        snapshot: before_snapshot,
        mut policy,
        eval: before,
        plan,
    } = prepare(&args.plan)?;
    // Nothing to change: no call, and the outcome table stands as collected.
    let (applied, after) = if plan.steps.is_empty() {
        (apply::Applied::default(), None)
    } else {
        let opts = args.plan.source.collect.options();
        let base = block_on(rootwarden::aws::connection::base_config(&opts.connection()))?;
        let reach = apply::Reach::for_snapshot(base, &before_snapshot, &opts.role_name);
        let applied = block_on(apply::apply(&plan, &reach))?;
        let after_snapshot = collect_live(&args.plan.source)?;
        (applied, Some(policy.evaluate(&after_snapshot)?))
    };
    let report = render::ApplyReport::new(plan, applied, &before, after.as_ref().unwrap_or(&before));
    outputs.commit(|o| match o {
        Out::Text => escape(&render::apply_text(&report)).into_owned(),
        Out::Json => to_json(&report),
        Out::Snapshot => before_snapshot.to_json(),
    })?;
    Ok(if report.all_ok() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn export_cmd(args: ExportArgs) -> anyhow::Result<Outcome> {
    plan::check_options(&PlanOptions {
        accounts: Vec::new(),
        notify: args.notify.clone(),
    })?;
    let format = args.output.format;
    let label = format!("-o {}", format.name());
    // Checked before collecting: a file (or standard output) for one log group, a directory
    // for one file each.
    let into_dir = args.output.path.as_ref().is_some_and(|p| p.is_dir());
    let mut single = OutputPlan::new();
    match &args.output.path {
        Some(dir) if into_dir => OutputPlan::<()>::check_dir(&label, dir)?,
        p => single.add(0, label.as_str(), p.as_deref())?,
    }
    refuse_inputs(&single, &args.source)?;
    let targets: Vec<ExportTarget> = match &args.log_group {
        Some(name) => vec![ExportTarget {
            log_group_name: name.clone(),
            location: None,
            endpoints: args.notify.clone(),
        }],
        None => {
            let requirements = args.source.requirements.load()?.requirements;
            let snapshot = match &args.source.snapshot {
                Some(p) => rootwarden::input::load_snapshot(p)?,
                None => collect_live(&args.source)?,
            };
            let found = plan::log_group_targets(&snapshot, &requirements, &args.source.collect.scope.accounts)?;
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
        return Ok(Outcome::Clean);
    }
    let dir = match &args.output.path {
        Some(dir) if into_dir || !dir.exists() => dir,
        _ => anyhow::bail!(
            "{} log groups need one file each; give a directory with -o {}=DIR",
            targets.len(),
            format.name()
        ),
    };
    let mut files = OutputPlan::new();
    let mut written = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let path = dir.join(export::file_name(format, t));
        files.add(i, label.as_str(), Some(&path))?;
        written.push(path);
    }
    refuse_inputs(&files, &args.source)?;
    files.commit(|i| export::render(format, &targets[*i]))?;
    for path in written {
        errln!("wrote {}", path.display());
    }
    Ok(Outcome::Clean)
}
