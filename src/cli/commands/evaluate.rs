//! `rootwarden evaluate`: a saved snapshot through the rules, reported.

use std::path::PathBuf;

use rootwarden::input::OpenedSnapshot;

use super::report::ReportArgs;
use crate::cli::Outcome;

/// Evaluate a saved snapshot against the rules and report.
#[derive(clap::Args)]
pub struct Args {
    /// The snapshot file (JSON), from `rootwarden collect` or a fixture. Its accounts are read
    /// one at a time, in constant memory, unless an output is html, inventory or inventory-json
    /// (which show every account's facts).
    snapshot: PathBuf,
    #[command(flatten)]
    report: ReportArgs,
}

/// Checks the rules and outputs, reads the snapshot, evaluates and reports.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut prepared = args.report.prepare(Some(&args.snapshot), None)?;
    if !prepared.streams() {
        let (snapshot, digest) = rootwarden::input::load_snapshot_with_digest(&args.snapshot)?;
        prepared.set_snapshot_file(&args.snapshot, digest);
        return prepared.evaluate_and_report(&snapshot);
    }
    match rootwarden::input::open_snapshot(&args.snapshot)? {
        OpenedSnapshot::Streamed(stream) => {
            prepared.set_snapshot_file(&args.snapshot, stream.digest().to_string());
            prepared.stream_and_report(&stream)
        }
        OpenedSnapshot::Whole(snapshot, digest) => {
            prepared.set_snapshot_file(&args.snapshot, digest);
            prepared.evaluate_and_report(&snapshot)
        }
    }
}
