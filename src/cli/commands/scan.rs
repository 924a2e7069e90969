//! `rootwarden scan`: collect, evaluate and report in one run.

use std::path::PathBuf;

use super::report::ReportArgs;
use crate::cli::args::{CollectArgs, ExtraFacts};
use crate::cli::Outcome;

/// Collect, evaluate and report in one run.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("one_scope").args(["org", "accounts"]).multiple(false)))]
pub struct Args {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    extra: ExtraFacts,
    #[command(flatten)]
    report: ReportArgs,
    /// Also write the collected snapshot here.
    #[arg(long, value_name = "PATH")]
    snapshot_out: Option<PathBuf>,
}

/// Checks the rules and outputs, collects, evaluates and reports.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let prepared = args.report.prepare(None, args.snapshot_out.as_ref())?;
    let mut opts = args.collect.options();
    args.extra.apply(&mut opts);
    let c = args.collect.collect(&opts)?;
    prepared.evaluate_and_report(&c.snapshot)
}
