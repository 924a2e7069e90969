//! `rootwarden config-rule invoke` and `rootwarden lambda`: the AWS Config custom-rule backend,
//! run locally on a saved event or served through the Lambda runtime API.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use rootwarden::config_rule;

use crate::cli::args::AwsArgs;
use crate::cli::{block_on, Outcome};

/// Run the AWS Config custom-rule handler locally on a saved event.
#[derive(Subcommand)]
pub enum Args {
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

/// Handles the event and prints the report as JSON.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Args::Invoke {
        event,
        dry_run,
        test_mode,
        aws,
    } = args;
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
    let report = block_on(config_rule::handler::handle(&invocation, &opts))??;
    rootwarden::report::output::stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    Ok(Outcome::Clean)
}

/// Serves invocations until the Lambda runtime stops the process.
pub fn lambda() -> anyhow::Result<Outcome> {
    block_on(config_rule::run_lambda())?.map_err(|e| anyhow::anyhow!("lambda runtime: {e}"))?;
    Ok(Outcome::Clean)
}
