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
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn root_row_keeps_aws_markers() {
        let csv = format!(
            "{HEADER}\n<root_account>,arn:aws:iam::111122223333:root,2019-03-01T10:00:00+00:00,not_supported,no_information,not_supported,not_supported,false,true,2017-02-11T09:30:00+00:00,2026-11-17T03:14:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\nalice,arn:aws:iam::111122223333:user/alice,2020-01-01T00:00:00+00:00,true,2026-01-01T00:00:00+00:00,2020-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let root = parse(&csv).unwrap().unwrap();
        assert_eq!(root.password_enabled, Reported::Marker(ReportMarker::NotSupported));
        assert_eq!(root.password_last_used, Reported::Marker(ReportMarker::NoInformation));
        assert!(root.access_key_1.active);
        assert_eq!(root.access_key_1.last_used_service, Reported::Value("s3".into()));
        assert_eq!(
            root.access_key_2.last_rotated,
            Reported::Marker(ReportMarker::NotApplicable)
        );
        assert!(!root.mfa_active);
    }

    #[test]
    fn no_root_row_is_none_and_bad_cells_are_errors() {
        assert_eq!(parse(&format!("{HEADER}\n")).unwrap(), None);
        assert!(parse("user,arn\n<root_account>,x\n")
            .unwrap_err()
            .contains("user_creation_time"));
        let bad = format!("{HEADER}\n<root_account>,arn,yesterday,not_supported,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        assert!(parse(&bad).unwrap_err().contains("user_creation_time"));
    }
}
