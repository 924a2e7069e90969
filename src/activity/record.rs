//! One CloudTrail record: the fields the review reads, and how a root event is classified.
//!
//! Only records that mention `"Root"` reach this full deserialization (see [`super::logs`]); the
//! struct reads the few fields needed and ignores the rest of the record.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::redact;
use crate::snapshot::{RootEvent, RootEventKind};

/// The fields of a CloudTrail record the review needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    #[serde(rename = "eventID", default)]
    event_id: Option<String>,
    #[serde(default)]
    event_time: Option<String>,
    #[serde(default)]
    event_source: Option<String>,
    #[serde(default)]
    event_name: Option<String>,
    #[serde(default)]
    aws_region: Option<String>,
    #[serde(rename = "sourceIPAddress", default)]
    source_ip_address: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    recipient_account_id: Option<String>,
    #[serde(default)]
    session_credential_from_console: Option<Value>,
    #[serde(default)]
    user_identity: Option<UserIdentity>,
    #[serde(default)]
    response_elements: Option<Value>,
    #[serde(default)]
    additional_event_data: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    invoked_by: Option<String>,
    #[serde(default)]
    session_context: Option<Value>,
}

/// What a record is, for the review.
#[derive(Debug, Clone, PartialEq)]
pub enum Classified {
    /// Not a root event.
    NotRoot,
    /// An AWS service acting on root's behalf (not root activity): the account and the service.
    Service {
        /// The account.
        account_id: String,
        /// `invokedBy`, or the event source for `AwsServiceEvent`s.
        service: String,
        /// `eventTime`, when readable.
        event_time: Option<DateTime<Utc>>,
    },
    /// Root acted.
    Root {
        /// The account.
        account_id: String,
        /// The event.
        event: Box<RootEvent>,
    },
}

/// Why a record cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// The record has no `userIdentity`.
    #[error("record has no userIdentity")]
    NoUserIdentity,
    /// A field root events need is missing or malformed.
    #[error("{0}")]
    Field(String),
}

impl Record {
    /// Parses one record from JSON text.
    pub fn parse(json: &str) -> Result<Record, RecordError> {
        serde_json::from_str(json).map_err(|e| field_error(format!("not a CloudTrail record: {e}")))
    }

    /// Classifies the record.
    pub fn classify(self) -> Result<Classified, RecordError> {
        let Some(identity) = self.user_identity else {
            return Err(RecordError::NoUserIdentity);
        };
        if identity.kind.as_deref() != Some("Root") {
            return Ok(Classified::NotRoot);
        }
        let account_id = self.recipient_account_id.or(identity.account_id).ok_or_else(|| {
            RecordError::Field("root record without recipientAccountId or userIdentity.accountId".into())
        })?;
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(field_error(format!(
                "root record's account {account_id:?} is not a 12-digit AWS account id"
            )));
        }
        let event_type = self.event_type.unwrap_or_default();
        let parsed_time = self.event_time.as_deref().and_then(parse_time);
        if let Some(service) = identity.invoked_by {
            return Ok(Classified::Service {
                account_id,
                service: redact::secrets(&service).into_owned(),
                event_time: parsed_time,
            });
        }
        if event_type == "AwsServiceEvent" {
            let service = redact::secrets(self.event_source.as_deref().unwrap_or("unknown")).into_owned();
            return Ok(Classified::Service {
                account_id,
                service,
                event_time: parsed_time,
            });
        }
        let event_time = match (parsed_time, self.event_time) {
            (Some(t), _) => t,
            (None, None) => return Err(RecordError::Field("root record without eventTime".into())),
            (None, Some(text)) => return Err(field_error(format!("eventTime {text:?} is not a timestamp"))),
        };
        let context = identity.session_context.as_ref();
        let attr = |k: &str| context.and_then(|c| c.get("attributes")).and_then(|a| a.get(k));
        let truthy = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes")),
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        let assumed_root = truthy(context.and_then(|c| c.get("assumedRoot"))) == Some(true);
        let from_console = truthy(self.session_credential_from_console.as_ref()) == Some(true);
        let key_last4 = identity
            .access_key_id
            .as_deref()
            .filter(|k| k.len() >= 4 && k.is_ascii())
            .map(|k| k[k.len() - 4..].to_string());
        let (kind, sign_in_result, mfa_used) = if event_type == "AwsConsoleSignIn" {
            let result = self
                .response_elements
                .as_ref()
                .and_then(|r| r.get("ConsoleLogin"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let mfa = truthy(self.additional_event_data.as_ref().and_then(|d| d.get("MFAUsed")));
            (RootEventKind::ConsoleSignIn, result, mfa)
        } else if assumed_root {
            (RootEventKind::AssumeRootSession, None, truthy(attr("mfaAuthenticated")))
        } else if from_console || event_type == "AwsConsoleAction" {
            (RootEventKind::ConsoleAction, None, truthy(attr("mfaAuthenticated")))
        } else {
            (RootEventKind::Programmatic, None, truthy(attr("mfaAuthenticated")))
        };
        let mut event = RootEvent {
            event_id: self.event_id.unwrap_or_default(),
            event_time,
            region: self.aws_region.unwrap_or_default(),
            kind,
            event_source: self.event_source.unwrap_or_default(),
            event_name: self.event_name.unwrap_or_default(),
            source_ip: self.source_ip_address,
            user_agent: self.user_agent,
            error_code: self.error_code,
            sign_in_result,
            mfa_used,
            // Console and AssumeRoot sessions use temporary keys; only programmatic calls name
            // a key the account owns.
            access_key_last4: if kind == RootEventKind::Programmatic {
                key_last4
            } else {
                None
            },
        };
        // Every field is text CloudTrail copied from the request: no credential goes further.
        redact::root_event(&mut event);
        Ok(Classified::Root {
            account_id,
            event: Box::new(event),
        })
    }
}

/// A record error whose message quotes the record, with any credential in it redacted.
fn field_error(message: String) -> RecordError {
    RecordError::Field(redact::secrets(&message).into_owned())
}

/// Reads CloudTrail's `2026-03-01T10:00:00Z` and the `2026-03-01 10:00:00.000` form of
/// CloudTrail Lake and Athena exports (UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical_events;

    fn classify_canonical(id: &str) -> Classified {
        let e = canonical_events::all().iter().find(|e| e.id == id).unwrap();
        Record::parse(&e.record.to_string()).unwrap().classify().unwrap()
    }

    fn root(id: &str) -> RootEvent {
        match classify_canonical(id) {
            Classified::Root { account_id, event } => {
                assert_eq!(account_id, "111122223333");
                *event
            }
            other => panic!("{id}: {other:?}"),
        }
    }

    #[test]
    fn console_sign_ins_carry_result_and_mfa() {
        let ok = root("root-console-sign-in-success");
        assert_eq!(ok.kind, RootEventKind::ConsoleSignIn);
        assert_eq!(ok.sign_in_result.as_deref(), Some("Success"));
        assert_eq!(ok.mfa_used, Some(true));
        assert_eq!(ok.source_ip.as_deref(), Some("203.0.113.10"));
        let failed = root("root-console-sign-in-failure");
        assert_eq!(failed.kind, RootEventKind::ConsoleSignIn);
        assert_eq!(failed.sign_in_result.as_deref(), Some("Failure"));
        assert_eq!(failed.mfa_used, Some(false));
    }

    #[test]
    fn console_action_programmatic_and_assume_root() {
        let action = root("root-console-action");
        assert_eq!(action.kind, RootEventKind::ConsoleAction);
        assert_eq!(action.event_name, "CreateUser");
        assert_eq!(action.access_key_last4, None, "console keys are temporary");
        assert_eq!(action.mfa_used, Some(true));
        let key = root("root-api-call-access-key");
        assert_eq!(key.kind, RootEventKind::Programmatic);
        assert_eq!(key.access_key_last4.as_deref(), Some("MPLE"));
        assert_eq!(key.event_source, "s3.amazonaws.com");
        let session = root("root-assume-root-session");
        assert_eq!(session.kind, RootEventKind::AssumeRootSession);
        assert_eq!(session.event_name, "DeleteLoginProfile");
        assert_eq!(session.access_key_last4, None);
    }

    #[test]
    fn service_events_are_noise_with_their_service() {
        let service = |id: &str| match classify_canonical(id) {
            Classified::Service {
                account_id,
                service,
                event_time,
            } => {
                assert_eq!(account_id, "111122223333");
                assert!(event_time.is_some());
                service
            }
            other => panic!("{id}: {other:?}"),
        };
        assert_eq!(service("root-aws-service-event"), "support.amazonaws.com");
        assert_eq!(service("root-call-invoked-by-service"), "cloudformation.amazonaws.com");
    }

    #[test]
    fn every_non_root_canonical_event_is_not_root() {
        for e in canonical_events::all().iter().filter(|e| !e.root) {
            assert_eq!(
                Record::parse(&e.record.to_string()).unwrap().classify().unwrap(),
                Classified::NotRoot,
                "{}",
                e.id
            );
        }
    }

    #[test]
    fn every_canonical_root_event_is_root_or_noise_as_labelled() {
        for e in canonical_events::all().iter().filter(|e| e.root) {
            let c = Record::parse(&e.record.to_string()).unwrap().classify().unwrap();
            let is_service = matches!(c, Classified::Service { .. });
            assert_eq!(is_service, e.noise.as_deref() == Some("aws_service"), "{}", e.id);
        }
    }

    #[test]
    fn bad_records() {
        let no_identity = r#"{"eventTime":"2026-03-01T10:00:00Z","eventName":"X"}"#;
        assert_eq!(
            Record::parse(no_identity).unwrap().classify(),
            Err(RecordError::NoUserIdentity)
        );
        let bad_time =
            r#"{"eventTime":"yesterday","recipientAccountId":"111122223333","userIdentity":{"type":"Root"}}"#;
        let err = Record::parse(bad_time).unwrap().classify().unwrap_err();
        assert!(err.to_string().contains("yesterday"), "{err}");
        assert!(Record::parse("[1,2]").is_err());
        let made_up = r#"{"eventTime":"2026-03-01T10:00:00Z","recipientAccountId":"AKIAIOSFODNN7EXAMPLE","userIdentity":{"type":"Root"}}"#;
        let err = Record::parse(made_up).unwrap().classify().unwrap_err().to_string();
        assert!(err.contains("not a 12-digit AWS account id"), "{err}");
        assert!(err.contains("…MPLE") && !err.contains("AKIAIOSFODNN7EXAMPLE"), "{err}");
        assert!(Record::parse(r#"{"userIdentity":"Root"}"#).is_err());
    }

    #[test]
    fn lake_and_athena_timestamps() {
        let t = parse_time("2026-03-01 10:00:00.000").unwrap();
        assert_eq!(t, parse_time("2026-03-01T10:00:00Z").unwrap());
        assert!(parse_time("2026-13-01T10:00:00Z").is_none());
    }
}
