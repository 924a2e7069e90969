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
    assert_eq!(key.access_key_last4.as_ref().map(|k| k.as_str()), Some("MPLE"));
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
    let bad_time = r#"{"eventTime":"yesterday","recipientAccountId":"111122223333","userIdentity":{"type":"Root"}}"#;
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
