//! rootwarden as the backend of an AWS Config custom rule: Config invokes the function with an
//! event per account (periodically, or on a recorded change), the function collects that account,
//! evaluates the selected rules and posts one evaluation per rule with PutEvaluations.
//!
//! [`event`] parses the invocation, [`handler`] runs it, [`chain`] reads the owner of a chain a
//! member relies on (an organization trail's), [`warm`] keeps that chain and the compiled policy
//! between invocations, and [`post`] sends the evaluations. [`run_lambda`] serves the Lambda runtime
//! API (the `provided.al2023` runtime runs the binary as `bootstrap`).

pub mod chain;
pub mod event;
pub mod handler;
pub mod post;
pub mod warm;

use lambda_runtime::{service_fn, LambdaEvent};

/// Settings of the Lambda function read from its environment:
/// `ROOTWARDEN_CONFIG_TEST_MODE=true` posts with TestMode (dry runs against Config, tests).
fn lambda_options() -> handler::HandlerOptions {
    let test_mode = std::env::var("ROOTWARDEN_CONFIG_TEST_MODE").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    handler::HandlerOptions {
        test_mode,
        ..handler::HandlerOptions::default()
    }
}

/// Serves AWS Config invocations through the Lambda runtime API until the runtime stops.
pub async fn run_lambda() -> Result<(), lambda_runtime::Error> {
    let opts = lambda_options();
    let warm = std::sync::Arc::new(warm::Warm::default());
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<serde_json::Value>| {
        let mut opts = opts.clone();
        let warm = warm.clone();
        // The context's deadline is wall-clock milliseconds; the review's budget is monotonic.
        let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
        opts.deadline = Some(
            std::time::Instant::now() + std::time::Duration::from_millis(ev.context.deadline.saturating_sub(now_ms)),
        );
        async move {
            let text = ev.payload.to_string();
            let invocation = event::parse(&text, "<lambda event>")?;
            let report = handler::handle_warm(&invocation, &opts, &warm).await?;
            Ok::<_, lambda_runtime::Error>(report)
        }
    }))
    .await
}
