//! Posting evaluations to AWS Config with PutEvaluations, at most 100 per call.

use aws_sdk_config::primitives::DateTime as SmithyTime;
use aws_sdk_config::types::{ComplianceType as SdkCompliance, Evaluation as SdkEvaluation};

use crate::aws;
use crate::report::config_evaluations::{ComplianceType, ConfigEvaluation, BATCH_LIMIT};

/// What PutEvaluations did not take.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// A call failed.
    #[error("config:PutEvaluations failed on batch {batch} of {batches}: {code}: {message}")]
    Call {
        /// 1-based batch number.
        batch: usize,
        /// Number of batches.
        batches: usize,
        /// Error code.
        code: String,
        /// Error message (access key ids redacted).
        message: String,
    },
    /// Config answered, but refused some evaluations.
    #[error("config:PutEvaluations refused {} evaluations: {}", .0.len(), .0.join(", "))]
    Refused(Vec<String>),
    /// An evaluation could not be expressed in the SDK's types.
    #[error("cannot build evaluation {0}: {1}")]
    Build(String, String),
}

/// The result of posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// PutEvaluations calls made.
    pub calls: usize,
    /// Evaluations sent.
    pub evaluations: usize,
}

fn sdk_compliance(c: ComplianceType) -> SdkCompliance {
    match c {
        ComplianceType::Compliant => SdkCompliance::Compliant,
        ComplianceType::NonCompliant => SdkCompliance::NonCompliant,
        ComplianceType::NotApplicable => SdkCompliance::NotApplicable,
    }
}

fn sdk_evaluation(e: &ConfigEvaluation) -> Result<SdkEvaluation, PostError> {
    SdkEvaluation::builder()
        .compliance_resource_type(&e.compliance_resource_type)
        .compliance_resource_id(&e.compliance_resource_id)
        .compliance_type(sdk_compliance(e.compliance_type))
        .annotation(&e.annotation)
        .ordering_timestamp(SmithyTime::from_millis(e.ordering_timestamp.timestamp_millis()))
        .build()
        .map_err(|err| PostError::Build(e.compliance_resource_id.clone(), err.to_string()))
}

/// Posts `evaluations` with `result_token`, in batches of at most 100. `test_mode` asks Config
/// to validate without recording (what local runs and moto use). Every batch is sent even when
/// one fails, so one bad batch does not leave the rest stale; the first failure is returned.
pub async fn put_evaluations(
    client: &aws_sdk_config::Client,
    result_token: &str,
    evaluations: &[ConfigEvaluation],
    test_mode: bool,
) -> Result<Posted, PostError> {
    let batches: Vec<&[ConfigEvaluation]> = evaluations.chunks(BATCH_LIMIT).collect();
    let mut first_error = None;
    let mut refused = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        let items = batch.iter().map(sdk_evaluation).collect::<Result<Vec<_>, _>>()?;
        let mut call = client
            .put_evaluations()
            .result_token(result_token)
            .set_evaluations(Some(items));
        if test_mode {
            call = call.test_mode(true);
        }
        match call.send().await {
            Ok(out) => refused.extend(
                out.failed_evaluations()
                    .iter()
                    .map(|f| format!("{} ({})", f.compliance_resource_id(), f.compliance_type().as_str())),
            ),
            Err(e) => {
                let (code, message) = aws::describe(&e);
                first_error.get_or_insert(PostError::Call {
                    batch: i + 1,
                    batches: batches.len(),
                    code,
                    message: crate::redact::secrets(&message).into_owned(),
                });
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if !refused.is_empty() {
        return Err(PostError::Refused(refused));
    }
    Ok(Posted {
        calls: batches.len(),
        evaluations: evaluations.len(),
    })
}
