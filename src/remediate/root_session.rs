//! Removing a member account's root credentials through a privileged root session:
//! `sts:AssumeRoot` from the management account (or IAM's delegated administrator), scoped by the
//! AWS managed task policy IAMDeleteRootUserCredentials; then, as the member's root user,
//! deactivate and delete its access keys (keeping listed retained keys deactivated) and its
//! signing certificates. A key is deleted only after its deactivation succeeded. Key ids are
//! shown by their last four characters only; the session's credentials are never printed.

use aws_sdk_iam::types::StatusType;
use serde::Serialize;

use super::apply::Change;
use crate::aws::assume_root::{self, TaskPolicy};
use crate::aws::{describe, AccountConfig};

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
    // The session's calls are counted with the caller's, as every remediation call is.
    let root = match assume_root::open(
        caller,
        home_region,
        "aws",
        member,
        TaskPolicy::DeleteRootUserCredentials,
        caller.counter.clone(),
    )
    .await
    {
        Ok(root) => root,
        Err(refused) => {
            record("sts:AssumeRoot", member, Err((refused.code, refused.message)));
            return report;
        }
    };
    record("sts:AssumeRoot", member, Ok(()));
    let iam = root.iam(home_region);

    let Some(keys) = list_keys(&iam, &mut record).await else {
        return report;
    };
    report.keys_before = keys.iter().map(|(_, k)| k.clone()).collect();
    for (id, key) in &keys {
        let keep = removal.keep_key_last4.contains(&key.last4) || removal.keep_key_slots.contains(&key.slot);
        let credential = Credential {
            resource: format!("root access key …{} (slot {})", key.last4, key.slot),
            active: key.status == "Active",
            keep,
            apis: ("iam:UpdateAccessKey", "iam:DeleteAccessKey"),
        };
        let deactivate = iam
            .update_access_key()
            .access_key_id(id)
            .status(StatusType::Inactive)
            .send();
        let delete = || iam.delete_access_key().access_key_id(id).send();
        credential
            .remove(
                &mut record,
                async { deactivate.await.map(|_| ()).map_err(|e| describe(&e)) },
                || async { delete().await.map(|_| ()).map_err(|e| describe(&e)) },
            )
            .await;
    }

    match iam.list_signing_certificates().send().await {
        Ok(out) => {
            for cert in out.certificates() {
                let id = cert.certificate_id();
                let credential = Credential {
                    resource: format!("root signing certificate …{}", last4(id)),
                    active: cert.status().as_str() == "Active",
                    keep: false,
                    apis: ("iam:UpdateSigningCertificate", "iam:DeleteSigningCertificate"),
                };
                let deactivate = iam
                    .update_signing_certificate()
                    .certificate_id(id)
                    .status(StatusType::Inactive)
                    .send();
                let delete = || iam.delete_signing_certificate().certificate_id(id).send();
                credential
                    .remove(
                        &mut record,
                        async { deactivate.await.map(|_| ()).map_err(|e| describe(&e)) },
                        || async { delete().await.map(|_| ()).map_err(|e| describe(&e)) },
                    )
                    .await;
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

/// A call's result: `Err((code, message))`.
type Outcome = Result<(), (String, String)>;

/// A root access key or signing certificate to deactivate and then (unless kept) delete.
struct Credential {
    resource: String,
    active: bool,
    keep: bool,
    /// The deactivate and delete calls, as `service:Operation`.
    apis: (&'static str, &'static str),
}

impl Credential {
    /// Deactivates (when active), then deletes only if that succeeded and the credential is not
    /// kept; every call and every skipped delete is recorded.
    async fn remove<F: std::future::Future<Output = Outcome>>(
        &self,
        record: &mut impl FnMut(&str, &str, Outcome),
        deactivate: impl std::future::Future<Output = Outcome>,
        delete: impl FnOnce() -> F,
    ) {
        let deactivated = if self.active {
            let r = deactivate.await;
            let ok = r.is_ok();
            record(self.apis.0, &self.resource, r);
            ok
        } else {
            true
        };
        if self.keep {
            return;
        }
        if !deactivated {
            record(
                self.apis.1,
                &self.resource,
                Err((
                    "NotAttempted".into(),
                    "deactivation failed, so it was not deleted".into(),
                )),
            );
            return;
        }
        let r = delete().await;
        record(self.apis.1, &self.resource, r);
    }
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
