//! `--audit-root`: a member account's root credentials read first hand.
//!
//! The credential report says `not_supported` for root's password and may be four hours old. Where
//! centralized root access is enabled, the management account (or IAM's delegated administrator)
//! opens an `sts:AssumeRoot` session on each member with the read-only task policy
//! IAMAuditRootUserCredentials and reads GetLoginProfile, ListAccessKeys, ListMFADevices and
//! ListSigningCertificates as the member's root user. A refused session leaves the report's facts
//! and records the refusal; a failed call leaves that one fact `null`.

use aws_sdk_iam::types::StatusType;

use super::regional::arn_parts;
use crate::aws::assume_root::{self, TaskPolicy};
use crate::aws::{describe, AccountConfig, CallCounter, Scope};
use crate::snapshot::{
    CredentialStatus, Last4, LoginProfileState, MfaDevice, MfaKind, RootAccessKey, RootAudit, RootSigningCertificate,
};

/// What a root session read: the login profile (`root_login_profile`) and the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditedRoot {
    /// `GetLoginProfile`: present, absent (`NoSuchEntity`), or `None` when the call failed.
    pub login_profile: Option<LoginProfileState>,
    /// The other facts; `None` when the session was refused.
    pub audit: Option<RootAudit>,
}

/// Audits the root user of `scope.account` (a member account) with `auditor`'s credentials
/// through the STS endpoint of `region`. The session's calls are counted by `member_counter`.
pub async fn audit(
    auditor: &AccountConfig,
    member_counter: CallCounter,
    scope: &Scope,
    region: &str,
    partition: &str,
) -> AuditedRoot {
    let member = scope.account.as_str();
    let session = match assume_root::open(
        auditor,
        region,
        partition,
        member,
        TaskPolicy::AuditRootUserCredentials,
        member_counter,
    )
    .await
    {
        Ok(s) => s,
        Err(refused) => {
            scope
                .in_region(region)
                .fail_with("sts", "AssumeRoot", &refused.code, &refused.message);
            return AuditedRoot::default();
        }
    };
    let iam = session.iam(region);
    let (login_profile, access_keys, signing_certificates, mfa_devices) = tokio::join!(
        login_profile(&iam, scope),
        access_keys(&iam, scope),
        signing_certificates(&iam, scope),
        mfa_devices(&iam, scope),
    );
    AuditedRoot {
        login_profile,
        audit: Some(RootAudit {
            audited_at: chrono::Utc::now(),
            access_keys,
            signing_certificates,
            mfa_devices,
        }),
    }
}

/// The last four characters of a certificate id, when they are ASCII letters or digits.
fn last4(id: &str) -> Option<String> {
    let tail = id.get(id.len().checked_sub(4)?..)?;
    tail.bytes()
        .all(|b| b.is_ascii_alphanumeric())
        .then(|| tail.to_string())
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn status(s: Option<&StatusType>) -> CredentialStatus {
    // Anything but an explicit Inactive may sign requests: count it as active.
    match s {
        Some(StatusType::Inactive) => CredentialStatus::Inactive,
        _ => CredentialStatus::Active,
    }
}

/// The kind of an MFA device from its serial number: virtual devices are `…:mfa/NAME` ARNs, FIDO
/// security keys `…:u2f/…` ARNs, and hardware TOTP tokens are named by the token's serial number.
pub fn mfa_kind(serial: &str) -> MfaKind {
    if !serial.starts_with("arn:") {
        return MfaKind::Hardware;
    }
    match arn_parts(serial) {
        Some((_, "iam", _, _, res)) if res.starts_with("mfa/") => MfaKind::Virtual,
        Some((_, "iam", _, _, res)) if res.starts_with("u2f/") => MfaKind::Hardware,
        _ => MfaKind::Unknown,
    }
}

async fn login_profile(iam: &aws_sdk_iam::Client, scope: &Scope) -> Option<LoginProfileState> {
    match iam.get_login_profile().send().await {
        Ok(_) => Some(LoginProfileState::Present),
        // No password is a fact, not a failure.
        Err(e) if describe(&e).0 == "NoSuchEntity" => Some(LoginProfileState::Absent),
        Err(e) => scope.fail("iam", "GetLoginProfile", e),
    }
}

async fn access_keys(iam: &aws_sdk_iam::Client, scope: &Scope) -> Option<Vec<RootAccessKey>> {
    let mut pages = iam.list_access_keys().into_paginator().send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.fail("iam", "ListAccessKeys", e),
        };
        for k in page.access_key_metadata() {
            // A key whose id is not shaped like one cannot be told from another: the list is
            // not evidence (the report stands in), never a key fewer.
            let Some(key_id_last4) = k.access_key_id().and_then(Last4::of_key_id) else {
                scope.fail_with(
                    "iam",
                    "ListAccessKeys",
                    "MalformedResponse",
                    "an access key without a well-formed AccessKeyId",
                );
                return None;
            };
            keys.push(RootAccessKey {
                key_id_last4,
                status: status(k.status()),
                create_date: time(k.create_date()),
            });
        }
    }
    // Oldest first, as the credential report numbers its slots.
    keys.sort_by_key(|k| (k.create_date.is_none(), k.create_date));
    Some(keys)
}

async fn signing_certificates(iam: &aws_sdk_iam::Client, scope: &Scope) -> Option<Vec<RootSigningCertificate>> {
    let mut pages = iam.list_signing_certificates().into_paginator().send();
    let mut certs = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.fail("iam", "ListSigningCertificates", e),
        };
        for c in page.certificates() {
            let Some(certificate_id_last4) = last4(c.certificate_id()) else {
                scope.fail_with(
                    "iam",
                    "ListSigningCertificates",
                    "MalformedResponse",
                    "a signing certificate without a well-formed CertificateId",
                );
                return None;
            };
            certs.push(RootSigningCertificate {
                certificate_id_last4,
                status: status(Some(c.status())),
                upload_date: time(c.upload_date()),
            });
        }
    }
    certs.sort_by_key(|c| (c.upload_date.is_none(), c.upload_date));
    Some(certs)
}

async fn mfa_devices(iam: &aws_sdk_iam::Client, scope: &Scope) -> Option<Vec<MfaDevice>> {
    let mut pages = iam.list_mfa_devices().into_paginator().send();
    let mut devices = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.fail("iam", "ListMFADevices", e),
        };
        devices.extend(page.mfa_devices().iter().map(|d| MfaDevice {
            serial_number: d.serial_number().to_string(),
            kind: mfa_kind(d.serial_number()),
            enable_date: time(Some(d.enable_date())),
        }));
    }
    Some(devices)
}

#[cfg(test)]
mod tests;
