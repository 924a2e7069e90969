//! `rootwarden activity`: gather root events (event history, log files), attach them to the
//! snapshot, review and report. Exit 1 when root was used outside an approved exception.

use std::process::ExitCode;

use anyhow::bail;
use rootwarden::activity::{self, logs, review};
use rootwarden::collect::ActivityWindow;
use rootwarden::errln;
use rootwarden::policy::{loader, Policy};
use rootwarden::report::activity::{render, ActivityFormat, ActivityReport};
use rootwarden::report::output::OutputPlan;
use rootwarden::report::provenance::{generation_time, DocumentRef, Provenance};
use rootwarden::snapshot::Snapshot;

use super::{snapshot_json, ActivityArgs};

/// What one output of `activity` holds.
enum Out {
    Report(ActivityFormat),
    Snapshot,
}

/// CloudTrail event history keeps 90 days.
const EVENT_HISTORY_DAYS: u32 = 90;

pub fn run(args: ActivityArgs) -> anyhow::Result<ExitCode> {
    if args.logs.is_empty() && !args.lookup {
        bail!("nothing to review: give --logs PATH (CloudTrail log files) and/or --lookup (CloudTrail event history)");
    }
    let mut outputs = OutputPlan::new();
    for o in &args.outputs {
        outputs.add(
            Out::Report(o.format),
            format!("-o {}", o.format.as_str()),
            o.path.as_deref(),
        )?;
    }
    if outputs.is_empty() {
        outputs.add(Out::Report(ActivityFormat::Text), "-o text", None)?;
    }
    if let Some(p) = &args.snapshot_out {
        outputs.add(Out::Snapshot, "--snapshot-out", Some(p))?;
    }
    if let Some(p) = &args.snapshot {
        outputs.refuse_input("the snapshot", p)?;
    }
    if let Some(p) = &args.requirements {
        outputs.refuse_input("the requirements", p)?;
    }
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
    let (doc, requirements_ref) = super::load_requirements_with_ref(&args.requirements)?;
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
        let mut opts = args.collect.options()?;
        opts.activity = Some(ActivityWindow { start, end });
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let collection = runtime.block_on(rootwarden::collect::collect(&opts))?;
        if args.collect.stats {
            super::print_stats(&collection);
        }
        snapshot = Some(collection.snapshot);
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
        let jobs = args
            .jobs
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
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
    let review = review::review(&snapshot, requirements, controls)?;
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
    outputs.commit(|o| match o {
        Out::Report(f) => render(*f, &report),
        Out::Snapshot => snapshot_json(&snapshot),
    })?;
    if unapproved > 0 {
        return Ok(ExitCode::from(1));
    }
    if args.fail_on_incomplete && incomplete {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

fn display_paths(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
