//! Removing a member account's root credentials through a privileged root session:
//! `sts:AssumeRoot` from the management account (or IAM's delegated administrator), scoped by the
//! AWS managed task policy IAMDeleteRootUserCredentials; then, as the member's root user,
//! deactivate and delete its access keys (keeping listed retained keys deactivated) and its
//! signing certificates. A key is deleted only after its deactivation succeeded. Key ids are
//! shown by their last four characters only; the session's credentials are never printed.

use aws_credential_types::Credentials;
use aws_sdk_iam::types::StatusType;
use serde::Serialize;

use super::apply::Change;
use super::DELETE_ROOT_CREDENTIALS_POLICY;
use crate::collect::aws::{describe, AccountConfig};

/// What to remove (from [`super::Action::RemoveRootCredentials`]).
#[derive(Debug, Clone, Default)]
pub struct Removal {
    /// Retained keys by their last four characters: deactivated, kept.
    pub keep_key_last4: Vec<String>,
    /// Retained keys by slot (oldest key is slot 1), for entries without a key id.
    pub keep_key_slots: Vec<u8>,
}

/// One root access key as ListAccessKeys shows it in the root session.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RootKey {
    /// Slot by age (1 = oldest), as the credential report numbers them.
    pub slot: u8,
    /// Last four characters of the key id.
    pub last4: String,
    /// `Active` or `Inactive`.
    pub status: String,
}

/// The outcome of one member account's root session.
#[derive(Debug, Clone, Serialize)]
pub struct RootSessionReport {
    /// The member account.
    pub account_id: String,
    /// Keys before any change (empty when the session could not start).
    pub keys_before: Vec<RootKey>,
    /// Keys after the changes, read again in the same session.
    pub keys_after: Vec<RootKey>,
    /// Signing certificates left (active or not).
    pub certificates_after: usize,
    /// Whether no active root access key remains (`None` when it could not be read).
    pub no_active_key_remains: Option<bool>,
}

fn last4(id: &str) -> String {
    id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
}

/// Runs the privileged session for `member` with `caller` (the management account's
/// configuration) and records every call in `changes`.
pub async fn remove_root_credentials(
    caller: &AccountConfig,
    home_region: &str,
    member: &str,
    step_id: &str,
    removal: &Removal,
    changes: &mut Vec<Change>,
) -> RootSessionReport {
    let mut report = RootSessionReport {
        account_id: member.to_string(),
        keys_before: Vec::new(),
        keys_after: Vec::new(),
        certificates_after: 0,
        no_active_key_remains: None,
    };
    let mut record = |api: &str, resource: &str, result: Result<(), (String, String)>| {
        changes.push(Change::new(step_id, member, "global", api, resource, result));
    };
    // AssumeRoot is served by regional STS endpoints only.
    let sts = caller.sts(home_region);
    let session = sts
        .assume_root()
        .target_principal(member)
        .task_policy_arn(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn(DELETE_ROOT_CREDENTIALS_POLICY)
                .build(),
        )
        .duration_seconds(900)
        .send()
        .await;
    let creds = match session {
        Ok(out) => match out.credentials {
            Some(c) => c,
            None => {
                record(
                    "sts:AssumeRoot",
                    member,
                    Err(("NoCredentials".into(), "AssumeRoot returned no credentials".into())),
                );
                return report;
            }
        },
        Err(e) => {
            record("sts:AssumeRoot", member, Err(describe(&e)));
            return report;
        }
    };
    record("sts:AssumeRoot", member, Ok(()));
    let root = AccountConfig {
        sdk: caller
            .sdk
            .to_builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                Credentials::new(
                    creds.access_key_id,
                    creds.secret_access_key,
                    Some(creds.session_token),
                    None,
                    "rootwarden-assume-root",
                ),
            ))
            .build(),
        counter: caller.counter.clone(),
    };
    let iam = root.iam(home_region);

    let Some(keys) = list_keys(&iam, &mut record).await else {
        return report;
    };
    report.keys_before = keys.iter().map(|(_, k)| k.clone()).collect();
    for (id, key) in &keys {
        let keep = removal.keep_key_last4.contains(&key.last4) || removal.keep_key_slots.contains(&key.slot);
        let resource = format!("root access key …{} (slot {})", key.last4, key.slot);
        let deactivated = if key.status == "Active" {
            let r = iam
                .update_access_key()
                .access_key_id(id)
                .status(StatusType::Inactive)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| describe(&e));
            let ok = r.is_ok();
            record("iam:UpdateAccessKey", &resource, r);
            ok
        } else {
            true
        };
        if keep {
            continue;
        }
        if !deactivated {
            record(
                "iam:DeleteAccessKey",
                &resource,
                Err((
                    "NotAttempted".into(),
                    "deactivation failed, so the key was not deleted".into(),
                )),
            );
            continue;
        }
        let r = iam
            .delete_access_key()
            .access_key_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe(&e));
        record("iam:DeleteAccessKey", &resource, r);
    }

    match iam.list_signing_certificates().send().await {
        Ok(out) => {
            for cert in out.certificates() {
                let id = cert.certificate_id();
                let resource = format!("root signing certificate …{}", last4(id));
                let deactivated = if cert.status().as_str() == "Active" {
                    let r = iam
                        .update_signing_certificate()
                        .certificate_id(id)
                        .status(StatusType::Inactive)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| describe(&e));
                    let ok = r.is_ok();
                    record("iam:UpdateSigningCertificate", &resource, r);
                    ok
                } else {
                    true
                };
                if !deactivated {
                    record(
                        "iam:DeleteSigningCertificate",
                        &resource,
                        Err((
                            "NotAttempted".into(),
                            "deactivation failed, so the certificate was not deleted".into(),
                        )),
                    );
                    continue;
                }
                let r = iam
                    .delete_signing_certificate()
                    .certificate_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe(&e));
                record("iam:DeleteSigningCertificate", &resource, r);
            }
        }
        Err(e) => record("iam:ListSigningCertificates", "root", Err(describe(&e))),
    }
    if let Ok(out) = iam.list_signing_certificates().send().await {
        report.certificates_after = out.certificates().len();
    }

    if let Some(after) = list_keys(&iam, &mut record).await {
        report.keys_after = after.into_iter().map(|(_, k)| k).collect();
        report.no_active_key_remains = Some(report.keys_after.iter().all(|k| k.status != "Active"));
    }
    report
}

/// Root's access keys (full id kept in memory only, for the calls), oldest first.
async fn list_keys(
    iam: &aws_sdk_iam::Client,
    record: &mut impl FnMut(&str, &str, Result<(), (String, String)>),
) -> Option<Vec<(String, RootKey)>> {
    match iam.list_access_keys().send().await {
        Ok(out) => {
            let mut keys: Vec<_> = out.access_key_metadata().to_vec();
            keys.sort_by_key(|k| k.create_date().map(|d| d.secs()).unwrap_or(0));
            Some(
                keys.iter()
                    .enumerate()
                    .filter_map(|(i, k)| {
                        let id = k.access_key_id()?.to_string();
                        Some((
                            id.clone(),
                            RootKey {
                                slot: (i + 1) as u8,
                                last4: last4(&id),
                                status: k.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                            },
                        ))
                    })
                    .collect(),
            )
        }
        Err(e) => {
            record("iam:ListAccessKeys", "root", Err(describe(&e)));
            None
        }
    }
}
