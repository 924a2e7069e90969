//! The root-user inventory: every in-scope account's root user in one place — MFA, password,
//! access keys 1 and 2, signing certificates, last console sign-in, centralized root access —
//! as `-o inventory[=PATH]` (CSV), `-o inventory-json[=PATH]` and a section of the HTML report.
//!
//! It states facts, read as the root rules read them (`rules/lib/root.rego`): what an
//! `--audit-root` session (`iam.root_audit`, `iam.root_login_profile`) listed first hand, else
//! the credential report's `<root_account>` row. Where a word would be a verdict — MFA "not
//! applicable" because root has no credentials at all — it is the rules' outcome, not decided here.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::activity::review::root_mfa_rule;
use crate::policy::{Evaluation, Status};
use crate::snapshot::{
    AccessKeyCells, Account, AccountRole, CertCells, CredentialStatus, LoginProfileState, MfaKind, ReportMarker,
    Reported, RootCredentials, RootEventKind, Snapshot,
};

/// Where a fact was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// An `sts:AssumeRoot` session of `--audit-root` (first hand).
    RootSession,
    /// The IAM credential report's `<root_account>` row.
    CredentialReport,
    /// `iam:ListVirtualMFADevices` and the account summary (the MFA device kinds).
    MfaDeviceList,
    /// Root events read from CloudTrail (`rootwarden activity`, `--activity`).
    Cloudtrail,
    /// Nothing that says it was collected.
    NotCollected,
}

impl FactSource {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            FactSource::RootSession => "root session (--audit-root)",
            FactSource::CredentialReport => "credential report",
            FactSource::MfaDeviceList => "MFA device list",
            FactSource::Cloudtrail => "CloudTrail",
            FactSource::NotCollected => "not collected",
        }
    }
}

/// Root's MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaState {
    /// At least one hardware TOTP token or FIDO security key.
    Hardware,
    /// Only authenticator apps (virtual MFA devices).
    Virtual,
    /// MFA is on, but no device of a known kind was listed.
    EnabledKindUnknown,
    /// No MFA device.
    None,
    /// The rules found the MFA control not applicable (root has no credentials at all).
    NotApplicable,
    /// Not collected (no credential report, no root session).
    Unknown,
}

impl MfaState {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            MfaState::Hardware => "hardware",
            MfaState::Virtual => "virtual",
            MfaState::EnabledKindUnknown => "on, kind unknown",
            MfaState::None => "none",
            MfaState::NotApplicable => "not applicable",
            MfaState::Unknown => "unknown",
        }
    }
}

/// Whether root has a console password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordState {
    /// Root has a password.
    Present,
    /// Root has none.
    Absent,
    /// Not known: the credential report says `not_supported` for root's password, and no root
    /// session read it.
    Unknown,
}

impl PasswordState {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            PasswordState::Present => "present",
            PasswordState::Absent => "absent",
            PasswordState::Unknown => "unknown",
        }
    }
}

/// The state of one credential slot (an access key or a signing certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// Holds an active credential.
    Active,
    /// Holds a deactivated credential (it can be reactivated).
    Inactive,
    /// Holds none.
    Absent,
    /// Not collected.
    Unknown,
}

impl SlotState {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            SlotState::Active => "active",
            SlotState::Inactive => "inactive",
            SlotState::Absent => "absent",
            SlotState::Unknown => "unknown",
        }
    }

    /// Whether the slot holds a credential.
    pub fn present(self) -> bool {
        matches!(self, SlotState::Active | SlotState::Inactive)
    }
}

/// Root's MFA facts.
#[derive(Debug, Clone, Serialize)]
pub struct Mfa {
    /// The state.
    pub state: MfaState,
    /// The kinds of the devices listed (`virtual`, `hardware`, `unknown`), when a list was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<MfaKind>>,
    /// Where whether MFA is on was read.
    pub from: FactSource,
}

/// Root's console password.
#[derive(Debug, Clone, Serialize)]
pub struct Password {
    /// The state.
    pub state: PasswordState,
    /// Where it was read.
    pub from: FactSource,
}

/// When root last signed in to the console.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleSignIn {
    /// `used` (then `at` is set), `never`, `no_information` (not since IAM began tracking in
    /// October 2014) or `unknown`.
    pub state: &'static str,
    /// The last successful sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// Where it was read.
    pub from: FactSource,
}

/// One root access key slot.
#[derive(Debug, Clone, Serialize)]
pub struct KeySlot {
    /// 1 or 2 (slot 1 is the older key).
    pub slot: usize,
    /// The state.
    pub state: SlotState,
    /// Last four characters of the key id, when listed. Never more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id_last4: Option<String>,
    /// When it was created or last rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    /// When it was last used: a time, `N/A` (never) or `no_information`; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Reported<DateTime<Utc>>>,
    /// The service it was last used with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<Reported<String>>,
    /// The region it was last used in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_region: Option<Reported<String>>,
    /// Where it was read.
    pub from: FactSource,
}

/// One root signing certificate slot.
#[derive(Debug, Clone, Serialize)]
pub struct CertSlot {
    /// 1 or 2.
    pub slot: usize,
    /// The state.
    pub state: SlotState,
    /// Last four characters of the certificate id, when listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id_last4: Option<String>,
    /// When it was uploaded or last rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<DateTime<Utc>>,
    /// Where it was read.
    pub from: FactSource,
}

/// The organization's centralized root access features, as they apply to the account.
#[derive(Debug, Clone, Serialize)]
pub struct CentralizedRootAccess {
    /// `member`, `management`, `standalone` (no organization: nothing to centralize) or
    /// `unknown` (the organization's features could not be read).
    pub scope: &'static str,
    /// `RootCredentialsManagement` is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_credentials_management: Option<bool>,
    /// `RootSessions` is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_sessions: Option<bool>,
}

impl CentralizedRootAccess {
    /// Words for people.
    pub fn label(&self) -> String {
        match (self.root_credentials_management, self.root_sessions) {
            (Some(c), Some(s)) => {
                let on = |b: bool| if b { "on" } else { "off" };
                format!("credentials management {}, root sessions {}", on(c), on(s))
            }
            _ if self.scope == "standalone" => "no organization".into(),
            _ => "unknown".into(),
        }
    }
}

/// One account's root user.
#[derive(Debug, Clone, Serialize)]
pub struct RootUser {
    /// The account.
    pub account_id: String,
    /// Its name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Standalone, management or member.
    pub role: AccountRole,
    /// MFA.
    pub mfa: Mfa,
    /// Console password.
    pub password: Password,
    /// Last console sign-in.
    pub last_console_sign_in: ConsoleSignIn,
    /// Access keys, slots 1 and 2.
    pub access_keys: Vec<KeySlot>,
    /// Signing certificates, slots 1 and 2.
    pub signing_certificates: Vec<CertSlot>,
    /// Centralized root access.
    pub centralized_root_access: CentralizedRootAccess,
    /// When the credential report was generated, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_report_generated_at: Option<DateTime<Utc>>,
    /// When an `--audit-root` session read root's credentials, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_session_at: Option<DateTime<Utc>>,
}

impl RootUser {
    /// Whether root holds an access key, active or not.
    pub fn has_access_keys(&self) -> bool {
        self.access_keys.iter().any(|k| k.state.present())
    }
    /// Whether root holds a signing certificate, active or not.
    pub fn has_signing_certificates(&self) -> bool {
        self.signing_certificates.iter().any(|c| c.state.present())
    }
}

/// The inventory: one entry per in-scope account, in snapshot order.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// When the snapshot was collected.
    pub collected_at: String,
    /// The root users.
    pub accounts: Vec<RootUser>,
}

/// The inventory of the accounts `eval` judged.
pub fn build(snapshot: &Snapshot, eval: &Evaluation) -> Inventory {
    let accounts = eval
        .accounts
        .iter()
        .filter_map(|id| snapshot.accounts.iter().find(|a| &a.account_id == id))
        .map(|a| {
            let mfa_outcome = eval
                .outcomes
                .iter()
                .find(|o| o.account_id == a.account_id && Some(o.rule_id.as_str()) == root_mfa_rule(eval))
                .map(|o| o.status);
            root_user(snapshot, a, mfa_outcome)
        })
        .collect();
    Inventory {
        collected_at: eval.collected_at.clone(),
        accounts,
    }
}

fn root_user(snapshot: &Snapshot, a: &Account, mfa_outcome: Option<Status>) -> RootUser {
    let report = a.iam.credential_report.as_ref();
    let row = report.and_then(|r| r.root.as_ref());
    let audit = a.iam.root_audit.as_ref();
    RootUser {
        account_id: a.account_id.clone(),
        name: a.name.clone(),
        role: a.role,
        mfa: mfa(a, row, mfa_outcome),
        password: password(a, row),
        last_console_sign_in: last_sign_in(a, row),
        access_keys: access_keys(a, row),
        signing_certificates: certificates(a, row),
        centralized_root_access: centralized(snapshot, a),
        credential_report_generated_at: report.map(|r| r.generated_at),
        root_session_at: audit.map(|s| s.audited_at),
    }
}

fn mfa(a: &Account, row: Option<&RootCredentials>, outcome: Option<Status>) -> Mfa {
    // As rules/lib/root.rego: the session's device list when it answered, else the report's
    // mfa_active with the collected device list for the kinds.
    let (on, devices, from) = match a.iam.root_audit.as_ref().and_then(|s| s.mfa_devices.as_ref()) {
        Some(d) => (Some(!d.is_empty()), Some(d), FactSource::RootSession),
        None => match row {
            Some(r) => (
                Some(r.mfa_active),
                a.iam.root_mfa_devices.as_ref(),
                FactSource::CredentialReport,
            ),
            None => (None, a.iam.root_mfa_devices.as_ref(), FactSource::NotCollected),
        },
    };
    let kinds: Option<Vec<MfaKind>> = devices.map(|d| d.iter().map(|m| m.kind).collect());
    let has = |k: MfaKind| kinds.as_ref().is_some_and(|v| v.contains(&k));
    let state = if outcome == Some(Status::NotApplicable) {
        MfaState::NotApplicable
    } else {
        match on {
            None => MfaState::Unknown,
            Some(false) => MfaState::None,
            Some(true) if has(MfaKind::Hardware) => MfaState::Hardware,
            Some(true) if has(MfaKind::Virtual) => MfaState::Virtual,
            Some(true) => MfaState::EnabledKindUnknown,
        }
    };
    Mfa {
        state,
        devices: kinds,
        from,
    }
}

fn password(a: &Account, row: Option<&RootCredentials>) -> Password {
    match (a.iam.root_login_profile, row.map(|r| &r.password_enabled)) {
        (Some(LoginProfileState::Present), _) => Password {
            state: PasswordState::Present,
            from: FactSource::RootSession,
        },
        (Some(LoginProfileState::Absent), _) => Password {
            state: PasswordState::Absent,
            from: FactSource::RootSession,
        },
        (None, Some(Reported::Value(b))) => Password {
            state: if *b {
                PasswordState::Present
            } else {
                PasswordState::Absent
            },
            from: FactSource::CredentialReport,
        },
        (None, Some(Reported::Marker(_))) => Password {
            state: PasswordState::Unknown,
            from: FactSource::CredentialReport,
        },
        (None, None) => Password {
            state: PasswordState::Unknown,
            from: FactSource::NotCollected,
        },
    }
}

fn last_sign_in(a: &Account, row: Option<&RootCredentials>) -> ConsoleSignIn {
    let from_report = row.map(|r| match &r.password_last_used {
        Reported::Value(t) => ("used", Some(*t)),
        Reported::Marker(ReportMarker::NotApplicable) => ("never", None),
        Reported::Marker(ReportMarker::NoInformation) => ("no_information", None),
        Reported::Marker(ReportMarker::NotSupported) => ("unknown", None),
    });
    let from_trail = a.activity.as_ref().and_then(|act| {
        act.events
            .iter()
            .filter(|e| e.kind == RootEventKind::ConsoleSignIn && e.sign_in_result.as_deref() == Some("Success"))
            .map(|e| e.event_time)
            .max()
    });
    match (from_report, from_trail) {
        (Some((_, Some(r))), Some(t)) if r >= t => ConsoleSignIn {
            state: "used",
            at: Some(r),
            from: FactSource::CredentialReport,
        },
        (_, Some(t)) => ConsoleSignIn {
            state: "used",
            at: Some(t),
            from: FactSource::Cloudtrail,
        },
        (Some((state, at)), None) => ConsoleSignIn {
            state,
            at,
            from: FactSource::CredentialReport,
        },
        (None, None) => ConsoleSignIn {
            state: "unknown",
            at: None,
            from: FactSource::NotCollected,
        },
    }
}

fn timestamp(r: &Reported<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match r {
        Reported::Value(t) => Some(*t),
        Reported::Marker(_) => None,
    }
}

/// A credential-report slot's state: active, or deactivated (it keeps its rotation time), or
/// empty (`N/A`), as `slot_exists` in rules/lib/root.rego.
fn report_slot_state(active: bool, last_rotated: &Reported<DateTime<Utc>>) -> SlotState {
    if active {
        SlotState::Active
    } else if timestamp(last_rotated).is_some() {
        SlotState::Inactive
    } else {
        SlotState::Absent
    }
}

fn status_state(s: CredentialStatus) -> SlotState {
    match s {
        CredentialStatus::Active => SlotState::Active,
        CredentialStatus::Inactive => SlotState::Inactive,
    }
}

/// Slot numbers shown even when empty: IAM allows two access keys and two certificates.
const SLOTS: usize = 2;

fn access_keys(a: &Account, row: Option<&RootCredentials>) -> Vec<KeySlot> {
    let report_cells = |r: &RootCredentials| [r.access_key_1.clone(), r.access_key_2.clone()];
    if let Some(keys) = a.iam.root_audit.as_ref().and_then(|s| s.access_keys.as_ref()) {
        // The session lists the keys, oldest first; their last use is only in the report, found
        // by the key id's last four characters when the report's collector knew them.
        let cells: Vec<AccessKeyCells> = row.map(|r| report_cells(r).to_vec()).unwrap_or_default();
        let mut slots: Vec<KeySlot> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let used = cells
                    .iter()
                    .find(|c| c.key_id_last4.last4() == Some(k.key_id_last4.as_str()));
                KeySlot {
                    slot: i + 1,
                    state: status_state(k.status),
                    key_id_last4: Some(k.key_id_last4.as_str().to_string()),
                    created: k.create_date,
                    last_used: used.map(|c| c.last_used_date.clone()),
                    last_used_service: used.map(|c| c.last_used_service.clone()),
                    last_used_region: used.map(|c| c.last_used_region.clone()),
                    from: FactSource::RootSession,
                }
            })
            .collect();
        for slot in slots.len() + 1..=SLOTS {
            slots.push(empty_key(slot, SlotState::Absent, FactSource::RootSession));
        }
        return slots;
    }
    match row {
        Some(r) => report_cells(r)
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let state = report_slot_state(c.active, &c.last_rotated);
                if state == SlotState::Absent {
                    return empty_key(i + 1, state, FactSource::CredentialReport);
                }
                KeySlot {
                    slot: i + 1,
                    state,
                    key_id_last4: c.key_id_last4.last4().map(str::to_string),
                    created: timestamp(&c.last_rotated),
                    last_used: Some(c.last_used_date),
                    last_used_service: Some(c.last_used_service),
                    last_used_region: Some(c.last_used_region),
                    from: FactSource::CredentialReport,
                }
            })
            .collect(),
        None => (1..=SLOTS)
            .map(|slot| empty_key(slot, SlotState::Unknown, FactSource::NotCollected))
            .collect(),
    }
}

fn empty_key(slot: usize, state: SlotState, from: FactSource) -> KeySlot {
    KeySlot {
        slot,
        state,
        key_id_last4: None,
        created: None,
        last_used: None,
        last_used_service: None,
        last_used_region: None,
        from,
    }
}

fn certificates(a: &Account, row: Option<&RootCredentials>) -> Vec<CertSlot> {
    if let Some(certs) = a.iam.root_audit.as_ref().and_then(|s| s.signing_certificates.as_ref()) {
        let mut slots: Vec<CertSlot> = certs
            .iter()
            .enumerate()
            .map(|(i, c)| CertSlot {
                slot: i + 1,
                state: status_state(c.status),
                certificate_id_last4: Some(c.certificate_id_last4.clone()),
                uploaded: c.upload_date,
                from: FactSource::RootSession,
            })
            .collect();
        for slot in slots.len() + 1..=SLOTS {
            slots.push(CertSlot {
                slot,
                state: SlotState::Absent,
                certificate_id_last4: None,
                uploaded: None,
                from: FactSource::RootSession,
            });
        }
        return slots;
    }
    let cert = |slot: usize, c: Option<&CertCells>| match c {
        Some(c) => CertSlot {
            slot,
            state: report_slot_state(c.active, &c.last_rotated),
            certificate_id_last4: None,
            uploaded: timestamp(&c.last_rotated),
            from: FactSource::CredentialReport,
        },
        None => CertSlot {
            slot,
            state: SlotState::Unknown,
            certificate_id_last4: None,
            uploaded: None,
            from: FactSource::NotCollected,
        },
    };
    vec![cert(1, row.map(|r| &r.cert_1)), cert(2, row.map(|r| &r.cert_2))]
}

fn centralized(snapshot: &Snapshot, a: &Account) -> CentralizedRootAccess {
    let scope = match a.role {
        AccountRole::Standalone => "standalone",
        AccountRole::Management => "management",
        AccountRole::Member => "member",
    };
    let features = snapshot.organization.as_ref().and_then(|o| o.root_access.as_ref());
    match (a.role, features) {
        (AccountRole::Standalone, _) => CentralizedRootAccess {
            scope,
            root_credentials_management: None,
            root_sessions: None,
        },
        (_, Some(f)) => CentralizedRootAccess {
            scope,
            root_credentials_management: Some(f.root_credentials_management),
            root_sessions: Some(f.root_sessions),
        },
        (_, None) => CentralizedRootAccess {
            scope: "unknown",
            root_credentials_management: None,
            root_sessions: None,
        },
    }
}

/// The views people ask for: root users without MFA, with access keys, used from the console
/// (and when), with signing certificates.
pub fn views(inv: &Inventory) -> serde_json::Value {
    let ids = |keep: &dyn Fn(&RootUser) -> bool| -> Vec<&str> {
        inv.accounts
            .iter()
            .filter(|u| keep(u))
            .map(|u| u.account_id.as_str())
            .collect()
    };
    let console: Vec<serde_json::Value> = inv
        .accounts
        .iter()
        .filter_map(|u| {
            u.last_console_sign_in
                .at
                .map(|t| json!({"account_id": u.account_id, "last_console_sign_in": t}))
        })
        .collect();
    json!({
        "without_mfa": ids(&|u| u.mfa.state == MfaState::None),
        "with_access_keys": ids(&|u| u.has_access_keys()),
        "used_from_console": console,
        "with_signing_certificates": ids(&|u| u.has_signing_certificates()),
    })
}

/// `-o inventory-json`: the inventory and its views.
pub fn render_json(inv: &Inventory) -> String {
    let doc = json!({
        "tool": {"name": "rootwarden", "version": env!("CARGO_PKG_VERSION")},
        "collected_at": inv.collected_at,
        "accounts": inv.accounts,
        "views": views(inv),
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("inventory serializes");
    s.push('\n');
    s
}

/// A reported cell as text: a time as RFC 3339, `N/A` as `never`.
pub fn reported_text<T: std::fmt::Display>(r: &Option<Reported<T>>, never: &str) -> String {
    match r {
        None => String::new(),
        Some(Reported::Value(v)) => v.to_string(),
        Some(Reported::Marker(ReportMarker::NotApplicable)) => never.to_string(),
        Some(Reported::Marker(ReportMarker::NoInformation)) => "no information".to_string(),
        Some(Reported::Marker(ReportMarker::NotSupported)) => "not supported".to_string(),
    }
}

/// A time as the reports print it.
pub fn time_text(t: &Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A reported time as text (RFC 3339), or its marker in words.
fn reported_time(r: &Option<Reported<DateTime<Utc>>>) -> String {
    match r {
        Some(Reported::Value(t)) => time_text(&Some(*t)),
        other => reported_text(other, "never"),
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "account_id",
    "account_name",
    "role",
    "mfa",
    "mfa_devices",
    "mfa_from",
    "password",
    "password_from",
    "last_console_sign_in",
    "access_key_1",
    "access_key_1_id_last4",
    "access_key_1_created",
    "access_key_1_last_used",
    "access_key_1_last_used_service",
    "access_key_1_last_used_region",
    "access_key_2",
    "access_key_2_id_last4",
    "access_key_2_created",
    "access_key_2_last_used",
    "access_key_2_last_used_service",
    "access_key_2_last_used_region",
    "keys_from",
    "signing_certificate_1",
    "signing_certificate_1_id_last4",
    "signing_certificate_1_uploaded",
    "signing_certificate_2",
    "signing_certificate_2_id_last4",
    "signing_certificate_2_uploaded",
    "centralized_root_access",
    "credential_report_generated_at",
    "root_session_at",
];

/// The cells of one account's CSV row, in [`CSV_COLUMNS`] order, as text (the HTML report
/// shows the same text).
pub fn row(u: &RootUser) -> Vec<String> {
    let mut r = vec![
        u.account_id.clone(),
        u.name.clone().unwrap_or_default(),
        role_text(u.role).to_string(),
        u.mfa.state.label().to_string(),
        u.mfa
            .devices
            .as_ref()
            .map(|d| d.iter().map(|k| kind_text(*k)).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        u.mfa.from.label().to_string(),
        u.password.state.label().to_string(),
        u.password.from.label().to_string(),
        sign_in_text(&u.last_console_sign_in),
    ];
    for slot in 1..=SLOTS {
        match u.access_keys.iter().find(|k| k.slot == slot) {
            Some(k) => r.extend([
                k.state.label().to_string(),
                k.key_id_last4.clone().unwrap_or_default(),
                time_text(&k.created),
                reported_time(&k.last_used),
                reported_text(&k.last_used_service, ""),
                reported_text(&k.last_used_region, ""),
            ]),
            None => r.extend(std::iter::repeat_n(String::new(), 6)),
        }
    }
    r.push(
        u.access_keys
            .first()
            .map(|k| k.from.label().to_string())
            .unwrap_or_default(),
    );
    for slot in 1..=SLOTS {
        match u.signing_certificates.iter().find(|c| c.slot == slot) {
            Some(c) => r.extend([
                c.state.label().to_string(),
                c.certificate_id_last4.clone().unwrap_or_default(),
                time_text(&c.uploaded),
            ]),
            None => r.extend(std::iter::repeat_n(String::new(), 3)),
        }
    }
    r.extend([
        u.centralized_root_access.label(),
        time_text(&u.credential_report_generated_at),
        time_text(&u.root_session_at),
    ]);
    r
}

/// The last console sign-in in words: a time, `never`, `no information`, `unknown`.
pub fn sign_in_text(s: &ConsoleSignIn) -> String {
    match s.at {
        Some(t) => time_text(&Some(t)),
        None => s.state.replace('_', " "),
    }
}

/// An account role in words.
pub fn role_text(r: AccountRole) -> &'static str {
    match r {
        AccountRole::Standalone => "standalone",
        AccountRole::Management => "management",
        AccountRole::Member => "member",
    }
}

fn kind_text(k: MfaKind) -> &'static str {
    match k {
        MfaKind::Virtual => "virtual",
        MfaKind::Hardware => "hardware",
        MfaKind::Unknown => "unknown",
    }
}

/// Keeps a spreadsheet from reading a cell as a formula: account names come from AWS and may
/// be chosen by anyone who can rename an account (OWASP "CSV injection").
fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// `-o inventory`: one CSV row per account, with a header row.
pub fn render_csv(inv: &Inventory) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |cells: Vec<String>| {
        // Writing to a Vec cannot fail; a record of the header's length is always accepted.
        let _ = w.write_record(cells.into_iter().map(defuse));
    };
    write(CSV_COLUMNS.iter().map(|c| c.to_string()).collect());
    for u in &inv.accounts {
        write(row(u));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
