//! `--verify-filters`: AWS as the oracle for rootwarden's filter-pattern engine.
//!
//! The rules judge a metric filter by running the canonical CloudTrail events through its pattern
//! with rootwarden's own reading of the CloudWatch Logs syntax. Here CloudWatch Logs itself is
//! asked (`logs:TestMetricFilter`, read-only) with the same events, each sent as the JSON message
//! CloudTrail delivers to a log group, and its answer is recorded per event; the rules compare the
//! two and never pass a filter on rootwarden's word alone where AWS answers otherwise.

use std::collections::BTreeMap;

use crate::aws::{describe, AccountConfig, Scope};
use crate::canonical_events::{self, CanonicalEvent};
use crate::snapshot::{FilterTest, Logs};

/// Most messages one TestMetricFilter call accepts.
pub const MAX_MESSAGES: usize = 50;

/// A canonical event as the log event message CloudTrail writes to CloudWatch Logs: the record as
/// one line of JSON.
pub fn log_message(event: &CanonicalEvent) -> String {
    event.record.to_string()
}

/// Runs `pattern` through `logs:TestMetricFilter` with every canonical event and returns, per
/// canonical event id, whether CloudWatch Logs counted it; `Err((code, message))` when a call
/// failed. Reusable outside collection (e.g. a drill of the detection chain).
pub async fn test_metric_filter(
    logs: &aws_sdk_cloudwatchlogs::Client,
    pattern: &str,
) -> Result<BTreeMap<String, bool>, (String, String)> {
    test_events(logs, pattern, canonical_events::all()).await
}

/// [`test_metric_filter`] with the given events (at most [`MAX_MESSAGES`] per call).
pub async fn test_events(
    logs: &aws_sdk_cloudwatchlogs::Client,
    pattern: &str,
    events: &[CanonicalEvent],
) -> Result<BTreeMap<String, bool>, (String, String)> {
    let mut answers = BTreeMap::new();
    for chunk in events.chunks(MAX_MESSAGES) {
        let messages: Vec<String> = chunk.iter().map(log_message).collect();
        let out = logs
            .test_metric_filter()
            .filter_pattern(pattern)
            .set_log_event_messages(Some(messages.clone()))
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let mut counted = vec![false; chunk.len()];
        for m in out.matches() {
            let at = match_index(m.event_number(), m.event_message(), &messages).ok_or_else(|| {
                (
                    "UnrecognizedMatch".to_string(),
                    format!(
                        "TestMetricFilter reported event number {} that matches none of the {} events sent",
                        m.event_number(),
                        messages.len()
                    ),
                )
            })?;
            counted[at] = true;
        }
        answers.extend(chunk.iter().zip(counted).map(|(e, c)| (e.id.clone(), c)));
    }
    Ok(answers)
}

/// The index of the sent message a match names: `eventNumber` counts from 1 (as the AWS CLI's
/// documented output shows); the echoed `eventMessage`, when present, must be that message, and
/// identifies it when the number does not.
fn match_index(number: i64, message: Option<&str>, sent: &[String]) -> Option<usize> {
    let by_number = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < sent.len());
    match message {
        None => by_number,
        Some(m) => by_number
            .filter(|i| sent[*i] == m)
            .or_else(|| sent.iter().position(|s| s == m)),
    }
}

/// Asks AWS about every metric filter of `logs` (each distinct pattern once) and records the
/// answers in the filters' `aws_test`. Every metric filter the collector read sits on a trail's
/// log group, so each one is asked about: which of them are root detections is the rules'
/// judgement, not the collector's.
pub async fn verify(cfg: &AccountConfig, scope: &Scope, region: &str, logs: &mut Logs) {
    let client = cfg.logs(region);
    let mut answers: BTreeMap<String, FilterTest> = BTreeMap::new();
    for f in &mut logs.metric_filters {
        if !answers.contains_key(&f.filter_pattern) {
            let answer = match test_metric_filter(&client, &f.filter_pattern).await {
                Ok(events) => FilterTest::Tested { events },
                Err((code, message)) => {
                    scope
                        .in_region(region)
                        .fail_with("logs", "TestMetricFilter", &code, &message);
                    FilterTest::Failed {
                        error_code: code,
                        message: crate::redact::secrets(&message).into_owned(),
                    }
                }
            };
            answers.insert(f.filter_pattern.clone(), answer);
        }
        f.aws_test = answers[&f.filter_pattern].clone();
    }
}

#[cfg(test)]
mod tests;
