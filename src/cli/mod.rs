//! The command line: the clap tree, argument groups shared by subcommands ([`args`]) and one
//! module per subcommand ([`commands`]). A new subcommand is one file there and one line in
//! [`Command`].

pub mod args;
pub mod commands;
pub mod logging;

use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};

use self::commands::*;

/// `rootwarden`.
#[derive(Parser)]
#[command(
    name = "rootwarden",
    version = rootwarden::build_info::SHORT_VERSION,
    long_version = rootwarden::build_info::LONG_VERSION,
    about = "Prove the AWS root user is locked away, unused and watched",
    propagate_version = true
)]
pub struct Cli {
    /// Log more to stderr: -v the phases of a run, -vv every AWS call.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Collect a snapshot from AWS (no verdicts) and write it as JSON.
    Collect(Box<collect::Args>),
    /// Collect, evaluate and report in one run.
    Scan(Box<scan::Args>),
    /// Evaluate a saved snapshot against the rules and report.
    Evaluate(Box<evaluate::Args>),
    /// List, show or test rules.
    #[command(subcommand)]
    Rules(rules::Args),
    /// Review root activity in CloudTrail (event history and/or log files): timeline, approved
    /// or not, narratives and KPIs.
    Activity(Box<activity::Args>),
    /// Fix what the rules found: plan the changes (default), apply them with --yes, or export
    /// the monitoring chain as CloudFormation or Terraform.
    Remediate(Box<remediate::Args>),
    /// Prove the root alarm reaches a person: test the root metric filters with CloudWatch Logs
    /// and set the root alarms to ALARM, then read each alarm's action outcome (plans by
    /// default; acts only with --yes).
    Drill(Box<drill::Args>),
    /// Show which canonical CloudTrail events a CloudWatch Logs filter pattern (or, with
    /// --event-pattern, an EventBridge event pattern) matches, and why.
    ExplainFilter(explain_filter::Args),
    /// Run the AWS Config custom-rule handler locally on a saved event.
    #[command(subcommand)]
    ConfigRule(config_rule::Args),
    /// Serve AWS Config invocations through the Lambda runtime API (what the function runs;
    /// a binary named `bootstrap` started without arguments does this too).
    Lambda,
    /// Print a JSON Schema (snapshot or requirements).
    Schema(schema::Args),
    /// Print a shell completion script: `source <(rootwarden completions bash)`.
    Completions(completions::Args),
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<Outcome> {
        match self {
            Command::Collect(a) => collect::run(*a),
            Command::Scan(a) => scan::run(*a),
            Command::Evaluate(a) => evaluate::run(*a),
            Command::Rules(a) => rules::run(a),
            Command::Activity(a) => activity::run(*a),
            Command::Remediate(a) => remediate::run(*a),
            Command::Drill(a) => drill::run(*a),
            Command::ExplainFilter(a) => explain_filter::run(a),
            Command::ConfigRule(a) => config_rule::run(a),
            Command::Lambda => config_rule::lambda(),
            Command::Schema(a) => schema::run(a),
            Command::Completions(a) => completions::run(a),
        }
    }
}

/// How a run that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the fail threshold: exit 0.
    Clean,
    /// Findings at or above the threshold (a failing test, an unapproved root event...): exit 1.
    Findings,
    /// Not everything could be seen and the run was asked to fail on that: exit 3.
    Incomplete,
}

impl Outcome {
    /// The exit code. Errors (bad input, usage, rules) exit 2; see `main`.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Incomplete => ExitCode::from(3),
        }
    }
}

/// Runs `future` to completion on the process's one tokio runtime, built on first use.
pub fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match rt {
        Ok(rt) => Ok(rt.block_on(future)),
        Err(e) => anyhow::bail!("cannot start the async runtime: {e}"),
    }
}
