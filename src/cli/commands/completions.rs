//! `rootwarden completions SHELL`: a completion script generated from the clap tree.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, Outcome};

/// The shell.
#[derive(clap::Args)]
pub struct Args {
    /// bash, zsh, fish, powershell (or elvish).
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the script to stdout.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "rootwarden", &mut script);
    rootwarden::report::output::stdout(&String::from_utf8_lossy(&script));
    Ok(Outcome::Clean)
}
