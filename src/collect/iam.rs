//! IAM facts about the root user: credential report, account summary, MFA devices.

use std::time::Duration;

use aws_sdk_iam::types::{AssignmentStatusType, ReportStateType, SummaryKeyType};

use super::credential_report;
use crate::aws::{AccountConfig, Scope};
use crate::snapshot::{AccountSummary, CredentialReport, Iam, MfaDevice, MfaKind};

/// How long to wait for AWS to finish generating a credential report.
const REPORT_WAIT: Duration = Duration::from_secs(90);

/// Collects the IAM section of one account. `home` is the region the (global) IAM client uses.
pub async fn collect(cfg: &AccountConfig, scope: &Scope, home: &str) -> Iam {
    let client = cfg.iam(home);
    let (report, summary, devices) = tokio::join!(
        credential_report(&client, scope),
        account_summary(&client, scope),
        virtual_devices(&client, scope)
    );
    let mfa_active = report.as_ref().and_then(|r| r.root.as_ref()).map(|r| r.mfa_active);
    let mfa_on = mfa_active.or(summary.as_ref().map(|s| s.account_mfa_enabled));
    let root_mfa_devices = devices.map(|mut virtuals| {
        // Root's hardware tokens and security keys are not listable by IAM principals; MFA that is
        // on without a virtual device assigned to root is a hardware device (as Security Hub IAM.6
        // reasons too).
        if virtuals.is_empty() && mfa_on == Some(true) {
            virtuals.push(MfaDevice {
                serial_number: "root-non-virtual-mfa (hardware token or security key)".into(),
                kind: MfaKind::Hardware,
                enable_date: None,
            });
        }
        virtuals
    });
    Iam {
        credential_report: report,
        account_summary: summary,
        root_mfa_devices,
        root_login_profile: None,
        root_audit: None,
    }
}

async fn credential_report(client: &aws_sdk_iam::Client, scope: &Scope) -> Option<CredentialReport> {
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        let out = match client.generate_credential_report().send().await {
            Ok(o) => o,
            Err(e) => return scope.fail("iam", "GenerateCredentialReport", e),
        };
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if started.elapsed() > REPORT_WAIT {
            scope.errors.push(
                Some(&scope.account),
                None,
                "iam",
                "GenerateCredentialReport",
                "ReportNotReady",
                &format!(
                    "credential report still {:?} after {}s",
                    out.state(),
                    REPORT_WAIT.as_secs()
                ),
            );
            return None;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(8));
    }
    let out = match client.get_credential_report().send().await {
        Ok(o) => o,
        Err(e) => return scope.fail("iam", "GetCredentialReport", e),
    };
    let content = out
        .content()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    let generated_at = out
        .generated_time()
        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        .unwrap_or_default();
    match credential_report::parse(&content) {
        Ok(root) => Some(CredentialReport { generated_at, root }),
        Err(message) => {
            scope.errors.push(
                Some(&scope.account),
                None,
                "iam",
                "GetCredentialReport",
                "UnparsableReport",
                &message,
            );
            None
        }
    }
}

async fn account_summary(client: &aws_sdk_iam::Client, scope: &Scope) -> Option<AccountSummary> {
    let out = match client.get_account_summary().send().await {
        Ok(o) => o,
        Err(e) => return scope.fail("iam", "GetAccountSummary", e),
    };
    let map = out.summary_map()?;
    let flag = |k: SummaryKeyType| map.get(&k).copied().unwrap_or(0) > 0;
    Some(AccountSummary {
        account_mfa_enabled: flag(SummaryKeyType::AccountMfaEnabled),
        account_access_keys_present: flag(SummaryKeyType::AccountAccessKeysPresent),
        account_signing_certificates_present: flag(SummaryKeyType::AccountSigningCertificatesPresent),
    })
}

/// Virtual MFA devices assigned to root.
async fn virtual_devices(client: &aws_sdk_iam::Client, scope: &Scope) -> Option<Vec<MfaDevice>> {
    let mut pages = client
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) => return scope.fail("iam", "ListVirtualMFADevices", e),
        };
        for d in page.virtual_mfa_devices() {
            if d.user().is_some_and(|u| u.arn().ends_with(":root")) {
                out.push(MfaDevice {
                    serial_number: d.serial_number().to_string(),
                    kind: MfaKind::Virtual,
                    enable_date: d
                        .enable_date()
                        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
                });
            }
        }
    }
    Some(out)
}
