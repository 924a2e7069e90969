//! `rootwarden activity`: gather root events (event history, log files), attach them to the
//! snapshot, review and report. Findings when root was used outside an approved exception.

use std::path::PathBuf;

use anyhow::bail;
use rootwarden::activity::{self, logs, review};
use rootwarden::collect::ActivityWindow;
use rootwarden::errln;
use rootwarden::policy::{loader, Policy};
use rootwarden::report::activity::{render, ActivityFormat, ActivityOutput, ActivityReport};
use rootwarden::report::output::OutputPlan;
use rootwarden::report::provenance::{generation_time, DocumentRef, Provenance};
use rootwarden::snapshot::Snapshot;

use crate::cli::args::{parse_size, parse_until, CollectArgs, IncompleteArg, RequirementsArg};
use crate::cli::Outcome;

/// Review root activity in CloudTrail (event history and/or log files): timeline, approved
/// or not, narratives and KPIs.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("one_scope").args(["org", "accounts"]).multiple(false)))]
pub struct Args {
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
    #[command(flatten)]
    requirements: RequirementsArg,
    /// Days before the end of the window to review (default: the requirements' lookback_days;
    /// at most 90 with --lookup, CloudTrail's event history).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: Option<u32>,
    /// End of the window: YYYY-MM-DD (midnight UTC) or an RFC 3339 time. Default: the
    /// snapshot's collected_at, else now.
    #[arg(long, value_name = "TIME", value_parser = parse_until)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// Largest uncompressed size of one log file (bytes, or with a K, M, G or T suffix, powers
    /// of 1024); a larger file, such as a decompression bomb, is listed as unreadable.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    max_log_size: u64,
    /// Output FORMAT[=PATH] (repeatable): text, json, html. Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<ActivityOutput>,
    /// Write the snapshot with each account's activity section (for `rootwarden evaluate`).
    #[arg(long, value_name = "PATH")]
    snapshot_out: Option<PathBuf>,
    /// A validation record of `rootwarden drill -o json=FILE` (repeatable): its measured
    /// seconds to action feed time to notify (a record older than the window's end by more than
    /// alerting.drill_every_days is left out).
    #[arg(long = "drill", value_name = "FILE")]
    drills: Vec<PathBuf>,
    #[command(flatten)]
    incomplete: IncompleteArg,
    #[command(flatten)]
    collect: CollectArgs,
}

/// What one output of `activity` holds.
enum Out {
    Report(ActivityFormat),
    Snapshot,
}

/// CloudTrail event history keeps 90 days.
const EVENT_HISTORY_DAYS: u32 = 90;

/// Reviews; Findings when root was used outside an approved exception.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if args.logs.is_empty() && !args.lookup {
        bail!("nothing to review: give --logs PATH (CloudTrail log files) and/or --lookup (CloudTrail event history)");
    }
    let mut outputs = OutputPlan::new();
    outputs.add_outputs(&args.outputs, ActivityFormat::Text, Out::Report)?;
    if let Some(p) = &args.snapshot_out {
        outputs.add(Out::Snapshot, "--snapshot-out", Some(p))?;
    }
    if let Some(p) = &args.snapshot {
        outputs.refuse_input("the snapshot", p)?;
    }
    if let Some(p) = &args.requirements.requirements {
        outputs.refuse_input("the requirements", p)?;
    }
    for p in &args.drills {
        outputs.refuse_input("a drill record", p)?;
    }
    let drills = args
        .drills
        .iter()
        .map(|p| rootwarden::report::drill::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    // The log files are listed before any work, so no output can overwrite one (or become one
    // for the next run).
    let log_files = logs::list(&args.logs)?;
    for f in &log_files.files {
        outputs.refuse_input("a log file", f)?;
    }
    for dir in &args.logs {
        outputs.refuse_under(&format!("--logs {}", dir.display()), dir, logs::is_log_name)?;
    }
    if args.snapshot_out.is_some() && args.snapshot.is_none() && !args.lookup {
        bail!("--snapshot-out needs a snapshot to add activity to: give --snapshot FILE or --lookup");
    }
    let (doc, requirements_ref) = args.requirements.load_with_ref()?;
    let requirements = &doc.requirements;
    let days = args.days.unwrap_or(requirements.lookback_days);
    if args.lookup && days > EVENT_HISTORY_DAYS {
        bail!("--days {days}: CloudTrail event history (--lookup) keeps {EVENT_HISTORY_DAYS} days; review older activity from log files with --logs");
    }
    let mut provenance = Provenance::new(generation_time().map_err(anyhow::Error::msg)?);
    let mut snapshot: Option<Snapshot> = match &args.snapshot {
        Some(p) => {
            let (snapshot, digest) = rootwarden::input::load_snapshot_with_digest(p)?;
            provenance.snapshot = Some(DocumentRef {
                path: p.display().to_string(),
                digest,
            });
            Some(snapshot)
        }
        None => None,
    };
    let end = args
        .until
        .or(snapshot.as_ref().map(|s| s.collected_at))
        .unwrap_or_else(chrono::Utc::now);
    let start = end - chrono::Duration::days(i64::from(days));
    // Rules and requirements are checked before any long work.
    let policy = Policy::load(&loader::bundled(), requirements)?;
    doc.check_waiver_rules(policy.rules().map(|r| r.id()))?;

    if args.lookup {
        let mut opts = args.collect.options();
        opts.activity = Some(ActivityWindow {
            start,
            end,
            deadline: None,
        });
        snapshot = Some(args.collect.collect(&opts)?.snapshot);
    }

    let mut sources = Vec::new();
    if args.lookup {
        sources.push("lookup_events".to_string());
    }
    let mut stats = None;
    let mut problems = Vec::new();
    let mut left_out = Vec::new();
    let mut evaluated = snapshot.is_some();
    if !args.logs.is_empty() {
        sources.push("logs".to_string());
        // --concurrency: the threads reading log files here.
        let jobs = args
            .collect
            .tuning
            .concurrency
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        tracing::info!("reading {} log files with {jobs} threads", log_files.files.len());
        let scan = logs::scan_files(
            &log_files,
            &logs::LogOptions {
                start,
                end,
                jobs,
                max_file_bytes: args.max_log_size,
                max_kept: logs::MAX_KEPT,
            },
        );
        let found = activity::from_logs(&scan, start, end);
        match snapshot.as_mut() {
            Some(s) => left_out = activity::attach_logs(s, found, start, end),
            None => {
                snapshot = Some(activity::logs_only_snapshot(found, end));
                evaluated = false;
            }
        }
        if scan.stats.files_unreadable + scan.stats.records_unreadable > 0 {
            errln!(
                "warning: {} of {} log files and {} of {} records could not be read (listed in the report); the review is incomplete",
                scan.stats.files_unreadable, scan.stats.files, scan.stats.records_unreadable, scan.stats.records
            );
        }
        if scan.stats.files == 0 {
            errln!(
                "warning: no log files (*.json, *.json.gz, *.jsonl) under {}",
                display_paths(&args.logs)
            );
        }
        stats = Some(scan.stats);
        problems = scan.problems;
    }
    let Some(snapshot) = snapshot else {
        bail!("nothing was reviewed");
    };

    // The compliance and MFA KPIs need verdicts: the snapshot's accounts through every rule.
    let controls = if evaluated {
        let mut policy = policy;
        let eval = policy.evaluate(&snapshot)?;
        Some(review::control_summary(&eval))
    } else {
        None
    };
    let fresh = rootwarden::report::drill::fresh(&drills, end, requirements.alerting.drill_every_days);
    if fresh.len() < drills.len() {
        errln!(
            "warning: {} drill record(s) ended more than alerting.drill_every_days ({}) before {}: left out of time to notify",
            drills.len() - fresh.len(),
            requirements.alerting.drill_every_days,
            end.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    let review = review::review(&snapshot, requirements, controls, &fresh)?;
    let unapproved = review.kpis.unapproved_events;
    let incomplete = review.accounts.iter().any(|a| !a.complete);
    provenance.requirements = requirements_ref;
    let report = ActivityReport {
        review,
        sources,
        stats,
        problems,
        accounts_not_in_snapshot: left_out,
        alarm_history_read: snapshot
            .accounts
            .iter()
            .filter_map(|a| a.activity.as_ref())
            .any(|a| a.alarm_transitions.is_some()),
        provenance,
    };
    tracing::info!("writing the review");
    outputs.commit(|o| match o {
        Out::Report(f) => render(*f, &report),
        Out::Snapshot => snapshot.to_json(),
    })?;
    if unapproved > 0 {
        return Ok(Outcome::Findings);
    }
    if args.incomplete.fail_on_incomplete && incomplete {
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Clean)
}

fn display_paths(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
