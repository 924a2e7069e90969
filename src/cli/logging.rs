//! Log lines on stderr, through `tracing`, printed above the progress bar.

use std::io::IsTerminal;

/// Sets up logging: warnings of rootwarden by default (the SDK's own warnings, such as instance
/// metadata retries, only when they are errors), the phases of a run with `-v`, every AWS call
/// with `-vv`; `ROOTWARDEN_LOG` (an `EnvFilter`) overrides.
pub fn init(verbose: u8) {
    let filter = match verbose {
        0 => "warn,aws_config=error",
        1 => "warn,rootwarden=info",
        _ => "info,rootwarden=debug",
    };
    tracing_subscriber::fmt()
        .with_writer(rootwarden::progress::AboveTheBar)
        // Colour only on a terminal, and never with NO_COLOR set (<https://no-color.org>).
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROOTWARDEN_LOG").unwrap_or_else(|_| {
                // Every change remediate makes is logged, whatever the verbosity.
                format!("{filter},rootwarden::remediate::change=info").into()
            }),
        )
        .init();
}
