//! Privileged root sessions on member accounts: `sts:AssumeRoot` from the organization's
//! management account (or IAM's delegated administrator), scoped by one AWS managed task policy.
//!
//! Shared by the collector's root audit (`--audit-root`, IAMAuditRootUserCredentials) and by
//! remediation (IAMDeleteRootUserCredentials). AssumeRoot is served by regional STS endpoints
//! only, lasts at most 900 seconds, and cannot be called with root credentials. The session's
//! credentials live in memory only; they are never printed or written.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

use super::{describe, AccountConfig, CallCounter};

/// The longest session AssumeRoot grants (and the duration rootwarden asks for).
pub const MAX_SESSION_SECONDS: i32 = 900;

/// The AWS managed task policies an AssumeRoot session can be scoped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskPolicy {
    /// Read root's password state, access keys, signing certificates and MFA devices.
    AuditRootUserCredentials,
    /// Delete root's password, access keys, signing certificates and MFA devices.
    DeleteRootUserCredentials,
}

impl TaskPolicy {
    /// The policy's name, e.g. `IAMAuditRootUserCredentials`.
    pub fn name(self) -> &'static str {
        match self {
            TaskPolicy::AuditRootUserCredentials => "IAMAuditRootUserCredentials",
            TaskPolicy::DeleteRootUserCredentials => "IAMDeleteRootUserCredentials",
        }
    }

    /// The policy's ARN in `partition` (`aws`, `aws-us-gov`, `aws-cn`).
    pub fn arn(self, partition: &str) -> String {
        format!("arn:{partition}:iam::aws:policy/root-task/{}", self.name())
    }

    /// The actions the policy allows (AWS managed policy, version 1), as `service:Operation`.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            TaskPolicy::AuditRootUserCredentials => &[
                "iam:GetAccessKeyLastUsed",
                "iam:GetLoginProfile",
                "iam:GetUser",
                "iam:ListAccessKeys",
                "iam:ListMFADevices",
                "iam:ListSigningCertificates",
            ],
            TaskPolicy::DeleteRootUserCredentials => &[
                "iam:DeactivateMFADevice",
                "iam:DeleteAccessKey",
                "iam:DeleteLoginProfile",
                "iam:DeleteSigningCertificate",
                "iam:DeleteVirtualMFADevice",
                "iam:GetAccessKeyLastUsed",
                "iam:GetLoginProfile",
                "iam:GetUser",
                "iam:ListAccessKeys",
                "iam:ListMFADevices",
                "iam:ListSigningCertificates",
            ],
        }
    }
}

/// Why a root session could not be opened: the error code and message of the AssumeRoot call
/// (message free of credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRefused {
    /// AWS error code, e.g. `AccessDenied`, `Throttling`, `RegionDisabledException`.
    pub code: String,
    /// The error message.
    pub message: String,
}

/// Opens a root session on `member` with `caller`'s credentials through the STS endpoint of
/// `region`, scoped by `policy`. The returned configuration signs as the member's root user;
/// its calls are counted by `counter`.
pub async fn open(
    caller: &AccountConfig,
    region: &str,
    partition: &str,
    member: &str,
    policy: TaskPolicy,
    counter: CallCounter,
) -> Result<AccountConfig, SessionRefused> {
    let out = caller
        .sts(region)
        .assume_root()
        .target_principal(member)
        .task_policy_arn(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn(policy.arn(partition))
                .build(),
        )
        .duration_seconds(MAX_SESSION_SECONDS)
        .send()
        .await
        .map_err(|e| {
            let (code, message) = describe(&e);
            SessionRefused { code, message }
        })?;
    let creds = out.credentials.ok_or_else(|| SessionRefused {
        code: "NoCredentials".into(),
        message: "AssumeRoot returned no credentials".into(),
    })?;
    let provider = SharedCredentialsProvider::new(Credentials::new(
        creds.access_key_id,
        creds.secret_access_key,
        Some(creds.session_token),
        None,
        "rootwarden-assume-root",
    ));
    Ok(AccountConfig {
        sdk: caller
            .sdk
            .to_builder()
            .credentials_provider(provider)
            .identity_cache(super::connection::own_identity_cache())
            .build(),
        counter,
    })
}

#[cfg(test)]
mod tests;
