//! Parsing the IAM credential report CSV into the snapshot's `<root_account>` row.

use chrono::{DateTime, Utc};

use crate::snapshot::{AccessKeyCells, CertCells, KeyId, ReportMarker, Reported, RootCredentials};

/// The user name AWS gives the root user's row.
pub const ROOT_ROW: &str = "<root_account>";

/// Columns the root row must have (AWS's names).
const REQUIRED: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

fn marker(s: &str) -> Option<ReportMarker> {
    match s {
        "N/A" => Some(ReportMarker::NotApplicable),
        "no_information" => Some(ReportMarker::NoInformation),
        "not_supported" => Some(ReportMarker::NotSupported),
        _ => None,
    }
}

fn time(col: &str, s: &str) -> Result<Reported<DateTime<Utc>>, String> {
    if let Some(m) = marker(s) {
        return Ok(Reported::Marker(m));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| Reported::Value(t.with_timezone(&Utc)))
        .map_err(|_| {
            format!("column {col}: expected an ISO 8601 time or N/A/no_information/not_supported, found {s:?}")
        })
}

fn boolean(col: &str, s: &str) -> Result<Reported<bool>, String> {
    match s {
        "true" => Ok(Reported::Value(true)),
        "false" => Ok(Reported::Value(false)),
        _ => marker(s)
            .map(Reported::Marker)
            .ok_or_else(|| format!("column {col}: expected true or false, found {s:?}")),
    }
}

fn plain_bool(col: &str, s: &str) -> Result<bool, String> {
    match boolean(col, s)? {
        Reported::Value(b) => Ok(b),
        // AWS writes false, never a marker, for these; a marker means "no such credential".
        Reported::Marker(_) => Ok(false),
    }
}

fn text(s: &str) -> Reported<String> {
    marker(s)
        .map(Reported::Marker)
        .unwrap_or_else(|| Reported::Value(s.to_string()))
}

/// Parses a credential report; `Ok(None)` when it has no `<root_account>` row.
pub fn parse(csv_text: &str) -> Result<Option<RootCredentials>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("credential report header: {e}"))?
        .clone();
    let index = |name: &str| headers.iter().position(|h| h == name);
    for col in REQUIRED {
        if index(col).is_none() {
            return Err(format!("credential report has no column {col:?}"));
        }
    }
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("credential report row {}: {e}", n + 2))?;
        let cell = |name: &str| record.get(index(name).expect("checked above")).unwrap_or("");
        if cell("user") != ROOT_ROW {
            continue;
        }
        let key = |k: u8| -> Result<AccessKeyCells, String> {
            let c = |f: &str| format!("access_key_{k}_{f}");
            Ok(AccessKeyCells {
                active: plain_bool(&c("active"), cell(&c("active")))?,
                last_rotated: time(&c("last_rotated"), cell(&c("last_rotated")))?,
                last_used_date: time(&c("last_used_date"), cell(&c("last_used_date")))?,
                last_used_region: text(cell(&c("last_used_region"))),
                last_used_service: text(cell(&c("last_used_service"))),
                // The report has no key ids, and IAM principals cannot list root's keys.
                key_id_last4: KeyId::NotListed,
            })
        };
        let cert = |k: u8| -> Result<CertCells, String> {
            let c = |f: &str| format!("cert_{k}_{f}");
            Ok(CertCells {
                active: plain_bool(&c("active"), cell(&c("active")))?,
                last_rotated: time(&c("last_rotated"), cell(&c("last_rotated")))?,
            })
        };
        return Ok(Some(RootCredentials {
            arn: cell("arn").to_string(),
            user_creation_time: time("user_creation_time", cell("user_creation_time"))?,
            password_enabled: boolean("password_enabled", cell("password_enabled"))?,
            password_last_used: time("password_last_used", cell("password_last_used"))?,
            password_last_changed: time("password_last_changed", cell("password_last_changed"))?,
            mfa_active: plain_bool("mfa_active", cell("mfa_active"))?,
            access_key_1: key(1)?,
            access_key_2: key(2)?,
            cert_1: cert(1)?,
            cert_2: cert(2)?,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
