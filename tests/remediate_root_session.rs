//! The privileged root session (sts:AssumeRoot, then IAM as the member's root user) through the
//! real SDK with recorded responses: moto implements neither AssumeRoot nor root's own keys.

use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use rootwarden::aws::{AccountConfig, CallCounter};
use rootwarden::remediate::apply::Change;
use rootwarden::remediate::root_session::{remove_root_credentials, Removal, RootSessionReport};

const MEMBER: &str = "222222222222";
const SESSION_KEY: &str = "ASIAROOTSESSION0KEY1";
const SESSION_TOKEN: &str = "root-session-token-recorded";

fn xml(status: u16, body: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://example.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

fn assume_root_ok() -> ReplayEvent {
    xml(
        200,
        &format!(
            r#"<AssumeRootResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRootResult>
    <Credentials>
      <AccessKeyId>{SESSION_KEY}</AccessKeyId>
      <SecretAccessKey>recorded-secret</SecretAccessKey>
      <SessionToken>{SESSION_TOKEN}</SessionToken>
      <Expiration>2026-11-29T19:15:00Z</Expiration>
    </Credentials>
    <SourceIdentity>rootwarden</SourceIdentity>
  </AssumeRootResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</AssumeRootResponse>"#
        ),
    )
}

fn iam_ok(op: &str, result: &str) -> ReplayEvent {
    let inner = if result.is_empty() {
        String::new()
    } else {
        format!("<{op}Result>{result}</{op}Result>")
    };
    xml(
        200,
        &format!(
            r#"<{op}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">{inner}<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{op}Response>"#
        ),
    )
}

fn error(status: u16, code: &str) -> ReplayEvent {
    xml(
        status,
        &format!(
            r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>recorded {code} for AKIAOLDROOTKEY00AAAA</Message></Error><RequestId>r</RequestId></ErrorResponse>"#
        ),
    )
}

fn keys(list: &[(&str, &str, &str)]) -> ReplayEvent {
    let members: String = list
        .iter()
        .map(|(id, status, created)| {
            format!("<member><AccessKeyId>{id}</AccessKeyId><Status>{status}</Status><CreateDate>{created}</CreateDate></member>")
        })
        .collect();
    iam_ok(
        "ListAccessKeys",
        &format!("<AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>"),
    )
}

fn certs(list: &[(&str, &str)]) -> ReplayEvent {
    let members: String = list
        .iter()
        .map(|(id, status)| {
            format!("<member><UserName>root</UserName><CertificateId>{id}</CertificateId><CertificateBody>-----BEGIN CERTIFICATE-----</CertificateBody><Status>{status}</Status><UploadDate>2018-01-01T00:00:00Z</UploadDate></member>")
        })
        .collect();
    iam_ok(
        "ListSigningCertificates",
        &format!("<Certificates>{members}</Certificates><IsTruncated>false</IsTruncated>"),
    )
}

async fn caller(events: Vec<ReplayEvent>) -> (StaticReplayClient, AccountConfig) {
    let http = StaticReplayClient::new(events);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAMANAGEMENTCALLER",
            "secret",
            None,
            None,
            "test",
        ))
        .http_client(http.clone())
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let cfg = AccountConfig {
        sdk,
        counter: CallCounter::new("111111111111", Arc::new(Mutex::new(Default::default()))),
    };
    (http, cfg)
}

/// The form fields of a query-protocol request body.
fn form(r: &aws_smithy_runtime_api::http::Request) -> Vec<(String, String)> {
    let body = std::str::from_utf8(r.body().bytes().unwrap()).unwrap();
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), urlencoding_decode(v)))
        .collect()
}

fn urlencoding_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn field<'a>(f: &'a [(String, String)], k: &str) -> Option<&'a str> {
    f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

async fn run(events: Vec<ReplayEvent>, removal: Removal) -> (StaticReplayClient, Vec<Change>, RootSessionReport) {
    let (http, cfg) = caller(events).await;
    let mut changes = Vec::new();
    let report = remove_root_credentials(&cfg, "eu-west-1", MEMBER, "s7", &removal, &mut changes).await;
    (http, changes, report)
}

#[tokio::test]
async fn keys_are_deactivated_then_deleted_retained_ones_kept_and_certificates_removed() {
    let (http, changes, report) = run(
        vec![
            assume_root_ok(),
            keys(&[
                ("AKIAOLDROOTKEY00AAAA", "Active", "2019-05-01T00:00:00Z"),
                ("AKIANEWROOTKEY00BBBB", "Active", "2021-02-03T00:00:00Z"),
            ]),
            iam_ok("UpdateAccessKey", ""),
            iam_ok("DeleteAccessKey", ""),
            iam_ok("UpdateAccessKey", ""),
            certs(&[("CERTIFICATE000000000000000000001", "Active")]),
            iam_ok("UpdateSigningCertificate", ""),
            iam_ok("DeleteSigningCertificate", ""),
            certs(&[]),
            keys(&[("AKIANEWROOTKEY00BBBB", "Inactive", "2021-02-03T00:00:00Z")]),
        ],
        Removal {
            keep_key_last4: vec!["BBBB".into()],
            keep_key_slots: Vec::new(),
        },
    )
    .await;
    let requests: Vec<_> = http.actual_requests().collect();
    assert_eq!(requests.len(), 10);

    // AssumeRoot goes to the regional STS endpoint with the member and the task policy.
    let first = form(requests[0]);
    assert!(
        requests[0].uri().contains("sts.eu-west-1.amazonaws.com"),
        "{}",
        requests[0].uri()
    );
    assert_eq!(field(&first, "Action"), Some("AssumeRoot"));
    assert_eq!(field(&first, "TargetPrincipal"), Some(MEMBER));
    assert_eq!(
        field(&first, "TaskPolicyArn.arn"),
        Some("arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials")
    );
    assert_eq!(field(&first, "DurationSeconds"), Some("900"));
    assert!(requests[0]
        .headers()
        .get("authorization")
        .unwrap()
        .contains("Credential=AKIAMANAGEMENTCALLER/"));

    // Every IAM call runs as the member's root session.
    for r in &requests[1..] {
        assert!(r.uri().contains("iam.amazonaws.com"), "{}", r.uri());
        assert_eq!(r.headers().get("x-amz-security-token"), Some(SESSION_TOKEN));
        assert!(r
            .headers()
            .get("authorization")
            .unwrap()
            .contains(&format!("Credential={SESSION_KEY}/")));
    }
    let calls: Vec<(String, Option<String>, Option<String>)> = requests[1..]
        .iter()
        .map(|r| {
            let f = form(r);
            (
                field(&f, "Action").unwrap().to_string(),
                field(&f, "AccessKeyId")
                    .or(field(&f, "CertificateId"))
                    .map(str::to_string),
                field(&f, "Status").map(str::to_string),
            )
        })
        .collect();
    let call =
        |a: &str, id: Option<&str>, s: Option<&str>| (a.to_string(), id.map(str::to_string), s.map(str::to_string));
    assert_eq!(
        calls,
        vec![
            call("ListAccessKeys", None, None),
            call("UpdateAccessKey", Some("AKIAOLDROOTKEY00AAAA"), Some("Inactive")),
            call("DeleteAccessKey", Some("AKIAOLDROOTKEY00AAAA"), None),
            // The retained key is deactivated, never deleted.
            call("UpdateAccessKey", Some("AKIANEWROOTKEY00BBBB"), Some("Inactive")),
            call("ListSigningCertificates", None, None),
            call(
                "UpdateSigningCertificate",
                Some("CERTIFICATE000000000000000000001"),
                Some("Inactive")
            ),
            call(
                "DeleteSigningCertificate",
                Some("CERTIFICATE000000000000000000001"),
                None
            ),
            call("ListSigningCertificates", None, None),
            call("ListAccessKeys", None, None),
        ]
    );

    assert!(changes.iter().all(Change::ok), "{changes:#?}");
    let apis: Vec<&str> = changes.iter().map(|c| c.api_call.as_str()).collect();
    assert_eq!(
        apis,
        [
            "sts:AssumeRoot",
            "iam:UpdateAccessKey",
            "iam:DeleteAccessKey",
            "iam:UpdateAccessKey",
            "iam:UpdateSigningCertificate",
            "iam:DeleteSigningCertificate"
        ]
    );
    assert!(changes.iter().all(|c| c.account_id == MEMBER && c.step == "s7"));
    assert_eq!(report.keys_before.len(), 2);
    assert_eq!(report.keys_before[0].slot, 1);
    assert_eq!(report.keys_before[0].last4, "AAAA");
    assert_eq!(report.keys_after.len(), 1);
    assert_eq!(report.keys_after[0].status, "Inactive");
    assert_eq!(report.certificates_after, 0);
    assert_eq!(report.no_active_key_remains, Some(true));

    // Neither the full key ids nor the session's secrets reach the records.
    let text = format!(
        "{}{}",
        serde_json::to_string(&changes).unwrap(),
        serde_json::to_string(&report).unwrap()
    );
    for secret in [
        "AKIAOLDROOTKEY00AAAA",
        "AKIANEWROOTKEY00BBBB",
        SESSION_KEY,
        SESSION_TOKEN,
        "recorded-secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test]
async fn a_key_whose_deactivation_is_refused_is_not_deleted() {
    let (http, changes, report) = run(
        vec![
            assume_root_ok(),
            keys(&[("AKIAOLDROOTKEY00AAAA", "Active", "2019-05-01T00:00:00Z")]),
            error(403, "AccessDenied"),
            certs(&[]),
            certs(&[]),
            keys(&[("AKIAOLDROOTKEY00AAAA", "Active", "2019-05-01T00:00:00Z")]),
        ],
        Removal::default(),
    )
    .await;
    let actions: Vec<String> = http
        .actual_requests()
        .map(|r| field(&form(r), "Action").unwrap().to_string())
        .collect();
    assert!(!actions.iter().any(|a| a == "DeleteAccessKey"), "{actions:?}");
    let refused = changes.iter().find(|c| c.api_call == "iam:UpdateAccessKey").unwrap();
    assert_eq!(refused.error_code.as_deref(), Some("AccessDenied"));
    // The error message named the full key id; the record keeps its last four only.
    assert!(!refused.message.as_deref().unwrap().contains("AKIAOLDROOTKEY00AAAA"));
    let skipped = changes.iter().find(|c| c.api_call == "iam:DeleteAccessKey").unwrap();
    assert_eq!(skipped.error_code.as_deref(), Some("NotAttempted"));
    assert_eq!(report.no_active_key_remains, Some(false));
}

#[tokio::test]
async fn a_refused_root_session_makes_no_iam_call() {
    let (http, changes, report) = run(vec![error(403, "AccessDenied")], Removal::default()).await;
    assert_eq!(http.actual_requests().count(), 1);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].api_call, "sts:AssumeRoot");
    assert_eq!(changes[0].error_code.as_deref(), Some("AccessDenied"));
    assert!(report.keys_before.is_empty());
    assert_eq!(report.no_active_key_remains, None);
}
