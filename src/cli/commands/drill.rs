//! `rootwarden drill`: prove the root alarm chain reaches a person (see `rootwarden::drill`).

use std::time::Duration;

use rootwarden::drill::{self, AccountOutcome, DrillOptions, DrillRecord, Mode};
use rootwarden::errln;
use rootwarden::report::output::{Output, OutputPlan, TextOrJson};

use crate::cli::args::CollectArgs;
use crate::cli::{block_on, Outcome};

/// Test each root metric filter with CloudWatch Logs and set each root alarm to ALARM, then
/// read the alarm's history for the action's outcome: plans by default, acts only with --yes.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("one_scope").args(["org", "accounts"]).multiple(false)))]
pub struct Args {
    #[command(flatten)]
    collect: CollectArgs,
    /// Carry out the drill: set the root alarms to ALARM (their configuration is never changed;
    /// CloudWatch returns each to its real state at its next evaluation). Without it the drill
    /// is only planned and nothing is changed.
    #[arg(long)]
    yes: bool,
    /// Also the end-to-end drill on member accounts with centralized root access: open an
    /// sts:AssumeRoot session (task policy IAMAuditRootUserCredentials), make one read-only root
    /// call (iam:ListMFADevices, a real root event) and wait for the root alarm that watches the
    /// member to change to ALARM and notify. Planned without --yes.
    #[arg(long)]
    root_event: bool,
    /// Seconds to wait for each alarm's state change and actions to appear in its history (and,
    /// with --root-event, for the root event to reach the alarm and its action).
    #[arg(long, value_name = "SECONDS", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    wait: u64,
    /// Output FORMAT[=PATH] (repeatable): text, json (the validation record). Default: text to
    /// stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<Output<TextOrJson>>,
}

/// Seconds between two reads of an alarm's history.
const POLL: Duration = Duration::from_secs(10);

/// Collects the accounts in scope, then plans or carries out the drill and writes the record.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut outputs = OutputPlan::new();
    outputs.add_outputs(&args.outputs, TextOrJson::Text, |f| f)?;
    let opts = args.collect.options();
    let c = args.collect.collect(&opts)?;
    let drill_opts = DrillOptions {
        drill_id: drill::new_drill_id(chrono::Utc::now()),
        wait: Duration::from_secs(args.wait),
        poll: POLL,
        root_event: args.root_event,
    };
    let record = if args.yes {
        let base = block_on(rootwarden::aws::connection::base_config(&opts.connection()))?;
        let reach = rootwarden::aws::connection::Reach::for_snapshot(base, &c.snapshot, &opts.role_name);
        block_on(drill::run(&c.snapshot, &reach, &drill_opts))?
    } else {
        drill::plan(&c.snapshot, &drill_opts)
    };
    outputs.commit(|f| match f {
        TextOrJson::Text => drill::render::text(&record, args.wait),
        TextOrJson::Json => {
            let mut s = serde_json::to_string_pretty(&record).unwrap_or_default();
            s.push('\n');
            s
        }
    })?;
    Ok(outcome(&record))
}

/// Exit 1 when a step failed, 3 when an account's drill stopped or proved only part of the
/// chain, 0 otherwise (a plan always).
fn outcome(record: &DrillRecord) -> Outcome {
    if record.mode == Mode::Plan {
        return Outcome::Clean;
    }
    let outcomes: Vec<AccountOutcome> = record.accounts.iter().map(|a| a.outcome).collect();
    if outcomes.contains(&AccountOutcome::Failed) {
        Outcome::Findings
    } else if outcomes.iter().any(|o| {
        matches!(
            o,
            AccountOutcome::Stopped | AccountOutcome::Incomplete | AccountOutcome::Planned
        )
    }) {
        errln!("drill incomplete: some accounts could not be drilled in full (see the record)");
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}
