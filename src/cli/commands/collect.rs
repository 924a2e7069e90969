//! `rootwarden collect`: a snapshot of the accounts in scope, no verdicts.

use rootwarden::errln;
use rootwarden::report::output::{Output, OutputFormat, OutputPlan};

use crate::cli::args::{CollectArgs, ExtraFacts, IncompleteArg};
use crate::cli::Outcome;

/// Collect a snapshot from AWS (no verdicts) and write it as JSON.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("one_scope").args(["org", "accounts"]).multiple(false)))]
pub struct Args {
    #[command(flatten)]
    collect: CollectArgs,
    #[command(flatten)]
    extra: ExtraFacts,
    /// Output FORMAT[=PATH] (repeatable): json, the snapshot. Default: json to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<Output<SnapshotFormat>>,
    #[command(flatten)]
    incomplete: IncompleteArg,
}

/// Collects and writes the snapshot; incomplete when a call failed and --fail-on-incomplete.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut outputs = OutputPlan::new();
    outputs.add_outputs(&args.outputs, SnapshotFormat::Json, |_| ())?;
    let mut opts = args.collect.options();
    args.extra.apply(&mut opts);
    let c = args.collect.collect(&opts)?;
    outputs.commit(|()| c.snapshot.to_json())?;
    let errors = c.snapshot.collection_errors.len();
    if errors > 0 {
        errln!("collection incomplete: {errors} API calls failed (listed in the snapshot's collection_errors)");
        if args.incomplete.fail_on_incomplete {
            return Ok(Outcome::Incomplete);
        }
    }
    Ok(Outcome::Clean)
}

/// The formats of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// The snapshot document (`schemas/snapshot.schema.json`).
    Json,
}

impl OutputFormat for SnapshotFormat {
    const KIND: &'static str = "snapshot format";
    const ALL: &'static [SnapshotFormat] = &[SnapshotFormat::Json];
    fn name(self) -> &'static str {
        "json"
    }
}
