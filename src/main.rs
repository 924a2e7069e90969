//! The `rootwarden` binary: parse, run, and map the outcome or error to the exit code, here
//! only: 0 clean, 1 findings at or above --fail-on, 2 bad input, usage or rule error,
//! 3 incomplete with --fail-on-incomplete. The commands live in `cli/`.

use std::process::ExitCode;

use clap::Parser;
use rootwarden::errln;
use rootwarden::policy::budget::BudgetedAlloc;
use rootwarden::report::output::stdout_error;

mod cli;

// regorus allocates and frees small values constantly; mimalloc cut evaluation CPU by ~15%.
// The wrapper holds each account's evaluation to its memory budget (--rule-memory).
#[global_allocator]
static GLOBAL: BudgetedAlloc<mimalloc::MiMalloc> = BudgetedAlloc(mimalloc::MiMalloc);

fn main() -> ExitCode {
    // regorus raises and discards anyhow errors on its normal evaluation path; with
    // RUST_BACKTRACE=1 (common on developer machines and CI) each one captures a backtrace, which
    // made evaluation about 25% slower. RUST_LIB_BACKTRACE governs only those library captures,
    // so panics still honour RUST_BACKTRACE. Set before any thread starts; a user's own
    // RUST_LIB_BACKTRACE wins.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    // Rego's time builtins read the zone "Local" as the machine's zone; pinned to UTC, the same
    // snapshot gives the same report on any machine.
    std::env::set_var("TZ", "UTC");
    // The provided.al2023 runtime starts the function's `bootstrap` without arguments.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as_bootstrap = args.len() == 1
        && std::path::Path::new(&args[0])
            .file_name()
            .is_some_and(|n| n == "bootstrap");
    if invoked_as_bootstrap {
        args.push("lambda".into());
    }
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    cli::logging::init(cli.verbose);
    match (cli.command.run(), stdout_error()) {
        (Err(e), _) => {
            errln!("error: {e:#}");
            ExitCode::from(2)
        }
        // A reader that went away (`| head`) is not an error; a full disk is.
        (Ok(_), Some(e)) => {
            errln!("error: <stdout>: cannot write: {e}");
            ExitCode::from(2)
        }
        (Ok(outcome), None) => outcome.exit_code(),
    }
}
