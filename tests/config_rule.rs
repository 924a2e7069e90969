//! The AWS Config backend: event parsing, the evaluations, PutEvaluations' request shape and
//! batching (recorded-response client), and the handler end to end against moto, through
//! `config-rule invoke` and through the Lambda runtime API.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use chrono::{TimeZone, Utc};
use rootwarden::config_rule::event::{self, MessageType, RequirementsSource};
use rootwarden::config_rule::post::{self, PostError};
use rootwarden::policy::Severity;
use rootwarden::report::config_evaluations::{self as evaluations, ComplianceType, ConfigEvaluation};
use serde_json::{json, Value};
use support::{root, rootwarden, Moto};

fn event_file(name: &str) -> String {
    std::fs::read_to_string(root().join("deploy/events").join(name)).unwrap()
}

/// An event like `deploy/events/NAME` with its fields replaced by `changes`.
fn event_with(name: &str, changes: Value) -> tempfile::NamedTempFile {
    let mut ev: Value = serde_json::from_str(&event_file(name)).unwrap();
    for (k, v) in changes.as_object().unwrap() {
        ev[k] = v.clone();
    }
    // An event for another account says so in the invoking event too, as Config's do.
    if let (Some(account), Some(inner)) = (changes.get("accountId"), ev["invokingEvent"].as_str()) {
        let mut inner: Value = serde_json::from_str(inner).unwrap();
        for item in ["configurationItem", "configurationItemSummary"] {
            if inner[item].is_object() {
                inner[item]["awsAccountId"] = account.clone();
            }
        }
        inner["awsAccountId"] = account.clone();
        ev["invokingEvent"] = Value::String(inner.to_string());
    }
    let f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(f.path(), ev.to_string()).unwrap();
    f
}

#[test]
fn each_message_type_orders_evaluations_by_its_own_time() {
    let cases = [
        (
            "scheduled.json",
            MessageType::ScheduledNotification,
            "2026-11-23T06:00:00.373Z",
        ),
        (
            "configuration-item-change.json",
            MessageType::ConfigurationItemChangeNotification,
            "2026-11-23T05:41:12.043Z",
        ),
        (
            "oversized-configuration-item-change.json",
            MessageType::OversizedConfigurationItemChangeNotification,
            "2026-11-23T05:41:12.043Z",
        ),
    ];
    for (file, kind, time) in cases {
        let inv = event::parse(&event_file(file), file).unwrap();
        assert_eq!(inv.message_type, kind, "{file}");
        assert_eq!(
            evaluations::timestamp_text(inv.ordering_timestamp),
            time,
            "{file}: the capture time orders change evaluations, the notification time periodic ones"
        );
        assert_eq!(inv.account_id.as_deref(), Some("123456789012"));
        assert_eq!(inv.result_token, "example-result-token");
        assert!(!inv.event_left_scope);
    }
    let change = event::parse(&event_file("configuration-item-change.json"), "change").unwrap();
    assert_eq!(
        change.parameters.only,
        ["RW-MON-001", "RW-MON-002", "RW-MON-003", "RW-MON-004", "RW-MON-005"]
    );
    let scheduled = event::parse(&event_file("scheduled.json"), "scheduled").unwrap();
    assert_eq!(scheduled.parameters.severity_threshold, Some(Severity::Low));
    assert!(
        event::parse(&event_file("left-scope.json"), "left")
            .unwrap()
            .event_left_scope
    );
}

#[test]
fn rule_parameters_are_read_strictly() {
    let p = event::parse_parameters(
        r#"{"only":"RW-ROOT-001, RW-ROOT-003","skip":"","severityThreshold":"HIGH","requirementsS3Uri":"s3://sec-config/rootwarden/requirements.yaml","regions":"us-east-1,eu-west-1","assumeExecutionRole":"true"}"#,
    )
    .unwrap();
    assert_eq!(p.only, ["RW-ROOT-001", "RW-ROOT-003"]);
    assert!(p.skip.is_empty());
    assert_eq!(p.severity_threshold, Some(Severity::High));
    assert_eq!(
        p.requirements,
        RequirementsSource::S3 {
            bucket: "sec-config".into(),
            key: "rootwarden/requirements.yaml".into()
        }
    );
    assert_eq!(
        p.regions.as_deref(),
        Some(&["us-east-1".to_string(), "eu-west-1".to_string()][..])
    );
    assert!(p.assume_execution_role);
    assert!(!p.audit_root && !p.verify_filters);
    let p = event::parse_parameters(r#"{"auditRoot":"true","verifyFilters":"TRUE"}"#).unwrap();
    assert!(p.audit_root && p.verify_filters && !p.assume_execution_role);
    // The owner's chain and the activity review.
    assert_eq!(p.chain_role_name, None);
    assert_eq!(p.chain_cache_minutes, event::DEFAULT_CHAIN_CACHE_MINUTES);
    assert_eq!(p.activity_days, None);
    let p =
        event::parse_parameters(r#"{"chainRoleName":"rootwarden-chain","chainCacheMinutes":"0","activityDays":"30"}"#)
            .unwrap();
    assert_eq!(p.chain_role_name.as_deref(), Some("rootwarden-chain"));
    assert_eq!(p.chain_cache_minutes, 0);
    assert_eq!(p.activity_days, Some(30));
    // CloudFormation passes unset parameters as empty strings.
    assert_eq!(
        event::parse_parameters(
            r#"{"only":"","severityThreshold":"","requirementsS3Uri":"","memberRoleName":"","chainRoleName":"","activityDays":""}"#
        )
            .unwrap(),
        event::RuleParameters::default()
    );

    for (text, place, says) in [
        (r#"{"onyl":"RW-ROOT-001"}"#, "ruleParameters.onyl", "unknown parameter"),
        (
            r#"{"severityThreshold":"urgent"}"#,
            "ruleParameters.severityThreshold",
            "urgent",
        ),
        (
            r#"{"requirementsS3Uri":"https://x/y"}"#,
            "ruleParameters.requirementsS3Uri",
            "s3://BUCKET/KEY",
        ),
        (
            r#"{"assumeExecutionRole":"yes"}"#,
            "ruleParameters.assumeExecutionRole",
            "true or false",
        ),
        (
            r#"{"auditRoot":"sometimes"}"#,
            "ruleParameters.auditRoot",
            "true or false",
        ),
        (r#"{"only":["RW-ROOT-001"]}"#, "ruleParameters.only", "string"),
        (
            r#"{"requirements":"a: 1","requirementsS3Uri":"s3://b/k"}"#,
            "ruleParameters",
            "not both",
        ),
        (r#"["only"]"#, "ruleParameters", "JSON object"),
        (
            r#"{"rulesS3Uri":"rules.tar.gz"}"#,
            "ruleParameters.rulesS3Uri",
            "s3://BUCKET/KEY",
        ),
        (
            r#"{"chainRoleName":"role/with/slashes"}"#,
            "ruleParameters.chainRoleName",
            "IAM role name",
        ),
        (
            r#"{"chainCacheMinutes":"-1"}"#,
            "ruleParameters.chainCacheMinutes",
            "0 to 1440",
        ),
        (r#"{"activityDays":"91"}"#, "ruleParameters.activityDays", "1 to 90"),
        (r#"{"activityDays":"0"}"#, "ruleParameters.activityDays", "1 to 90"),
    ] {
        let (p, m) = event::parse_parameters(text).unwrap_err();
        assert_eq!(p, place, "{text}");
        assert!(m.contains(says), "{text}: {m}");
    }
}

#[test]
fn a_bad_event_is_exit_2_naming_the_file_and_field() {
    let bad_type = event_with(
        "scheduled.json",
        json!({"invokingEvent": "{\"messageType\":\"Hourly\",\"notificationCreationTime\":\"2026-11-23T06:00:00Z\"}"}),
    );
    let no_token = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(
        no_token.path(),
        r#"{"invokingEvent": "{\"messageType\":\"ScheduledNotification\"}"}"#,
    )
    .unwrap();
    let bad_inner = event_with("scheduled.json", json!({"invokingEvent": "{not json"}));
    let no_time = event_with(
        "scheduled.json",
        json!({"invokingEvent": "{\"messageType\":\"ScheduledNotification\"}"}),
    );
    let typo = event_with(
        "scheduled.json",
        json!({"ruleParameters": "{\"skipp\":\"RW-MON-006\"}"}),
    );
    let unknown_rule = event_with("left-scope.json", json!({"ruleParameters": "{\"only\":\"RW-NOPE-1\"}"}));
    let short_account = event_with("scheduled.json", json!({"accountId": "12345678901"}));
    let mut other = serde_json::from_str::<Value>(&event_file("scheduled.json")).unwrap();
    other["accountId"] = json!("210987654321");
    let other_account = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(other_account.path(), other.to_string()).unwrap();
    let mut item = serde_json::from_str::<Value>(&event_file("configuration-item-change.json")).unwrap();
    item["invokingEvent"] = json!(item["invokingEvent"].as_str().unwrap().replace(
        "\"awsAccountId\":\"123456789012\"",
        "\"awsAccountId\":\"1234567890123\""
    ));
    let item_account = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(item_account.path(), item.to_string()).unwrap();
    let truncated = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(truncated.path(), &event_file("scheduled.json")[..200]).unwrap();
    for (file, says) in [
        (&bad_type, "invokingEvent.messageType: unknown message type \"Hourly\""),
        (&no_token, "missing field `resultToken`"),
        (&bad_inner, "invokingEvent"),
        (&no_time, "no time to order the evaluations by"),
        (&typo, "ruleParameters.skipp: unknown parameter"),
        (&unknown_rule, "no loaded rule has id RW-NOPE-1"),
        (&truncated, "EOF"),
        (
            &short_account,
            "accountId: expected a 12-digit AWS account id, found \"12345678901\"",
        ),
        (
            &other_account,
            "accountId: is 210987654321, but invokingEvent.awsAccountId is 123456789012",
        ),
        (
            &item_account,
            "invokingEvent.configurationItem.awsAccountId: expected a 12-digit AWS account id",
        ),
    ] {
        let path = file.path().display().to_string();
        let o = rootwarden(&["config-rule", "invoke", "--event", &path, "--dry-run"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{says}: {stderr}");
        assert!(stderr.contains(says), "want {says:?} in: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        if !says.starts_with("no loaded rule") {
            assert!(stderr.contains(&path), "the error names the file: {stderr}");
        }
    }
}

#[test]
fn an_account_that_left_scope_is_not_applicable_without_any_aws_call() {
    // --dry-run and no credentials at all: nothing is collected or posted.
    let o = Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args([
            "config-rule",
            "invoke",
            "--event",
            "deploy/events/left-scope.json",
            "--dry-run",
        ])
        .current_dir(root())
        .env_clear()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let evals = report["evaluations"].as_array().unwrap();
    let rules = rootwarden(&["rules", "list", "-o", "json"]);
    let rule_count = serde_json::from_slice::<Vec<Value>>(&rules.stdout).unwrap().len();
    assert_eq!(evals.len(), rule_count + 1, "one per rule and the roll-up");
    for e in evals {
        assert_eq!(e["ComplianceType"], "NOT_APPLICABLE", "{e}");
        assert_eq!(e["ComplianceResourceType"], "AWS::::Account");
        assert_eq!(e["OrderingTimestamp"], "2026-11-23T06:00:00.373Z");
    }
    assert_eq!(evals.last().unwrap()["ComplianceResourceId"], "123456789012");
    assert_eq!(report["put_evaluations_calls"], 0);
}

/// `evaluate -o config-evaluations` on the fixture whose expected table is `fixtures/expected/NAME`.
fn config_evaluations(name: &str) -> Vec<ConfigEvaluation> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(format!("fixtures/expected/{name}.json"))).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("evals.json");
    let mut args = vec![
        "evaluate".to_string(),
        expected["snapshot"].as_str().unwrap().to_string(),
        "-o".into(),
        format!("config-evaluations={}", out.display()),
        "--fail-on".into(),
        "none".into(),
    ];
    if let Some(r) = expected["requirements"].as_str() {
        args.extend(["--requirements".to_string(), r.to_string()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = rootwarden(&refs);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn by_id(evals: &[ConfigEvaluation]) -> std::collections::BTreeMap<String, &ConfigEvaluation> {
    evals.iter().map(|e| (e.compliance_resource_id.clone(), e)).collect()
}

#[test]
fn config_evaluations_follow_the_outcome_table() {
    let evals = config_evaluations("neglected-account");
    let m = by_id(&evals);
    for rule in ["RW-ROOT-001", "RW-ROOT-003", "RW-ROOT-005", "RW-MON-001"] {
        let e = m[&format!("444455556666/{rule}")];
        assert_eq!(e.compliance_type, ComplianceType::NonCompliant, "{rule}");
        assert!(e.annotation.starts_with(&format!("{rule}: ")), "{}", e.annotation);
    }
    let rollup = m["444455556666"];
    assert_eq!(rollup.compliance_type, ComplianceType::NonCompliant);
    assert!(rollup.annotation.contains("RW-ROOT-001"), "{}", rollup.annotation);
    for e in &evals {
        assert!(
            e.annotation.chars().count() <= evaluations::ANNOTATION_LIMIT,
            "{}",
            e.annotation
        );
        assert_eq!(e.compliance_resource_type, "AWS::::Account");
        // Ordered by the snapshot's collection time, never the clock.
        assert_eq!(
            evaluations::timestamp_text(e.ordering_timestamp),
            "2026-11-20T08:00:00.000Z"
        );
    }

    let compliant = config_evaluations("compliant-standalone");
    for e in &compliant {
        assert_ne!(e.compliance_type, ComplianceType::NonCompliant, "{e:?}");
    }
    assert_eq!(
        by_id(&compliant)["555566667777"].compliance_type,
        ComplianceType::Compliant
    );
}

#[test]
fn insufficient_data_is_posted_non_compliant_never_compliant() {
    // Every fixture whose outcome table has insufficient_data cells.
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("fixtures/expected")).unwrap() {
        let path = entry.unwrap().path();
        let table: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let cells: Vec<(String, String)> = table_cells(&table["outcomes"])
            .into_iter()
            .filter(|(_, _, s)| s == "insufficient_data")
            .map(|(a, r, _)| (a, r))
            .collect();
        if cells.is_empty() {
            continue;
        }
        let evals = config_evaluations(&stem);
        let m = by_id(&evals);
        for (account, rule) in cells {
            let e = m[&format!("{account}/{rule}")];
            assert_eq!(
                e.compliance_type,
                ComplianceType::NonCompliant,
                "{stem} {account} {rule}"
            );
            assert!(e.annotation.starts_with("Insufficient data: "), "{}", e.annotation);
            assert_eq!(m[account.as_str()].compliance_type, ComplianceType::NonCompliant);
            seen += 1;
        }
    }
    assert!(seen >= 5, "only {seen} insufficient cells among the fixtures");
}

/// (account, rule, status) cells of an expected outcome table {"ACCOUNT": {"RULE": "status"}}.
fn table_cells(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let Some(accounts) = v.as_object() {
        for (account, rules) in accounts {
            for (rule, status) in rules.as_object().into_iter().flatten() {
                if let Some(s) = status.as_str() {
                    out.push((account.clone(), rule.clone(), s.to_string()));
                }
            }
        }
    }
    out
}

fn sample_evaluations(n: usize) -> Vec<ConfigEvaluation> {
    (0..n)
        .map(|i| ConfigEvaluation {
            compliance_resource_type: "AWS::::Account".into(),
            compliance_resource_id: format!("{:012}/RW-TEST-{i:03}", 100_000_000_000u64 + i as u64),
            compliance_type: if i % 3 == 0 {
                ComplianceType::NonCompliant
            } else {
                ComplianceType::Compliant
            },
            annotation: format!("RW-TEST-{i:03}: example"),
            ordering_timestamp: Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap(),
        })
        .collect()
}

fn replay(responses: &[&str]) -> (StaticReplayClient, aws_sdk_config::Client) {
    let events = responses
        .iter()
        .map(|body| {
            ReplayEvent::new(
                http::Request::builder()
                    .uri("https://config.us-east-1.amazonaws.com/")
                    .body(SdkBody::empty())
                    .unwrap(),
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/x-amz-json-1.1")
                    .body(SdkBody::from(body.to_string()))
                    .unwrap(),
            )
        })
        .collect();
    let http = StaticReplayClient::new(events);
    let conf = aws_sdk_config::Config::builder()
        .behavior_version(aws_sdk_config::config::BehaviorVersion::latest())
        .region(aws_sdk_config::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_config::config::Credentials::new(
            "AKIAEXAMPLEEXAMPLE00",
            "secret",
            None,
            None,
            "test",
        ))
        .http_client(http.clone())
        .build();
    (http, aws_sdk_config::Client::from_conf(conf))
}

#[tokio::test]
async fn put_evaluations_sends_batches_of_100_in_the_api_shape() {
    let ok = r#"{"FailedEvaluations":[]}"#;
    let (http, client) = replay(&[ok, ok, ok]);
    let evals = sample_evaluations(250);
    let posted = post::put_evaluations(&client, "token-123", &evals, true).await.unwrap();
    assert_eq!(posted.calls, 3);
    assert_eq!(posted.evaluations, 250);
    let requests: Vec<_> = http.actual_requests().collect();
    assert_eq!(requests.len(), 3);
    let mut sent = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.method(), "POST");
        assert_eq!(
            r.headers().get("x-amz-target"),
            Some("StarlingDoveService.PutEvaluations")
        );
        let body: Value = serde_json::from_slice(r.body().bytes().unwrap()).unwrap();
        assert_eq!(body["ResultToken"], "token-123");
        assert_eq!(body["TestMode"], true);
        let batch = body["Evaluations"].as_array().unwrap();
        assert_eq!(batch.len(), [100, 100, 50][i]);
        for e in batch {
            assert_eq!(e["ComplianceResourceType"], "AWS::::Account");
            assert!(["COMPLIANT", "NON_COMPLIANT"].contains(&e["ComplianceType"].as_str().unwrap()));
            // awsJson timestamps are epoch seconds.
            assert_eq!(e["OrderingTimestamp"].as_f64(), Some(1_795_413_600.0), "{e}");
            sent.push(e["ComplianceResourceId"].as_str().unwrap().to_string());
        }
    }
    let want: Vec<String> = evals.iter().map(|e| e.compliance_resource_id.clone()).collect();
    assert_eq!(sent, want, "every evaluation once, in order");
}

#[tokio::test]
async fn refused_evaluations_and_failed_calls_are_errors() {
    let refused = r#"{"FailedEvaluations":[{"ComplianceResourceType":"AWS::::Account","ComplianceResourceId":"100000000000/RW-TEST-000","ComplianceType":"NON_COMPLIANT","OrderingTimestamp":1795413600}]}"#;
    let (_, client) = replay(&[refused]);
    let err = post::put_evaluations(&client, "t", &sample_evaluations(3), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PostError::Refused(ids) if ids[0].starts_with("100000000000/RW-TEST-000")),
        "{err}"
    );

    // Not test mode: no TestMode member at all.
    let (http, client) = replay(&[r#"{"FailedEvaluations":[]}"#]);
    post::put_evaluations(&client, "t", &sample_evaluations(1), false)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(http.actual_requests().next().unwrap().body().bytes().unwrap()).unwrap();
    assert!(body.get("TestMode").is_none(), "{body}");
}

/// Runs `config-rule invoke` against moto with an event for `account` built from `base`.
fn invoke(moto: &Moto, base: &str, changes: Value) -> (std::process::Output, Option<Value>) {
    let file = event_with(base, changes);
    let path = file.path().display().to_string();
    let o = moto.rootwarden(&["config-rule", "invoke", "--event", &path, "--test-mode"]);
    let report = serde_json::from_slice(&o.stdout).ok();
    (o, report)
}

fn compliance(report: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ComplianceResourceId"].as_str().unwrap().to_string(),
                (
                    e["ComplianceType"].as_str().unwrap().to_string(),
                    e["Annotation"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// Puts an OPA bundle (`opa build` layout) with rule ACME-001, failing for the accounts its
/// data.json lists (the management account), at s3://sec-config/rootwarden/rules.tar.gz, and a
/// file that is no bundle at .../not-a-bundle.tar.gz.
fn put_bundle(moto: &Moto, org: &support::Org) {
    let rule = r#"# METADATA
# title: Watched accounts
# description: Accounts the security team watches are flagged.
# custom:
#   id: ACME-001
#   severity: low
#   remediation: Stop watching it.
package rootwarden.rules.acme.watched

import rego.v1

deny contains {"account_id": input.account.account_id, "resource": input.account.account_id, "message": "watched", "evidence": {}} if {
	input.account.account_id in data.acme.watched
}
"#;
    let put = Command::new(&moto.python)
        .args([
            "-c",
            "import io, sys, json, tarfile, boto3\n\
             buf = io.BytesIO()\n\
             with tarfile.open(fileobj=buf, mode='w:gz') as t:\n\
             \x20   for name, text in json.loads(sys.argv[2]).items():\n\
             \x20       data = text.encode(); info = tarfile.TarInfo(name); info.size = len(data)\n\
             \x20       t.addfile(info, io.BytesIO(data))\n\
             s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
             if 'sec-config' not in [b['Name'] for b in s3.list_buckets()['Buckets']]: s3.create_bucket(Bucket='sec-config')\n\
             s3.put_object(Bucket='sec-config', Key='rootwarden/rules.tar.gz', Body=buf.getvalue())\n\
             s3.put_object(Bucket='sec-config', Key='rootwarden/not-a-bundle.tar.gz', Body=b'hello')\n",
        ])
        .arg(&moto.url)
        .arg(
            json!({
                "/.manifest": r#"{"roots": ["rootwarden/rules/acme", "acme"]}"#,
                "/rootwarden/rules/acme/watched.rego": rule,
                "/acme/data.json": json!({"watched": [org.management]}).to_string(),
            })
            .to_string(),
        )
        .output()
        .unwrap();
    assert!(put.status.success(), "{}", String::from_utf8_lossy(&put.stderr));
}

#[test]
fn the_handler_collects_evaluates_and_posts_to_moto() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let (o, report) = invoke(&moto, "scheduled.json", json!({"ruleParameters": "{}"}));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let report = report.unwrap();
    assert_eq!(report["account_id"], org.management.as_str());
    assert_eq!(report["collection_errors"], 0);
    assert_eq!(report["put_evaluations_calls"], 1);
    let c = compliance(&report);
    for (id, (ty, note)) in &c {
        // No activity review in the Config rule: RW-ACT-001 is not applicable there.
        let want = if id.ends_with("RW-MON-006") || id.ends_with("RW-ACT-001") {
            "NOT_APPLICABLE"
        } else {
            "COMPLIANT"
        };
        assert_eq!(ty, want, "{id}: {note}");
    }
    let calls = moto.server_calls();
    assert_eq!(calls[&org.management].get("config:PutEvaluations"), Some(&1));

    // An organization rule: the function reaches the member through the execution role.
    let member = &org.members[0];
    let role = format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole");
    let (o, report) = invoke(
        &moto,
        "configuration-item-change.json",
        json!({"accountId": member, "executionRoleArn": role,
               "ruleParameters": "{\"assumeExecutionRole\":\"true\",\"only\":\"RW-ROOT-001,RW-ROOT-003\"}"}),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = report.unwrap();
    assert_eq!(report["account_id"], member.as_str());
    let c = compliance(&report);
    assert_eq!(
        c.keys().cloned().collect::<Vec<_>>(),
        [
            member.to_string(),
            format!("{member}/RW-ROOT-001"),
            format!("{member}/RW-ROOT-003")
        ]
    );
    assert!(c.values().all(|(t, _)| t == "COMPLIANT"), "{c:?}");
    assert_eq!(moto.server_calls()[member].get("config:PutEvaluations"), Some(&1));

    // The same through a named member role (deploy/member-role.yaml), whatever role Config passes.
    let other = &org.members[1];
    let (o, report) = invoke(
        &moto,
        "oversized-configuration-item-change.json",
        json!({"accountId": other,
               "ruleParameters": "{\"memberRoleName\":\"OrganizationAccountAccessRole\",\"only\":\"RW-ROOT-002\",\"regions\":\"us-east-1\"}"}),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = compliance(&report.unwrap());
    assert_eq!(c[&format!("{other}/RW-ROOT-002")].0, "COMPLIANT", "{c:?}");
    let calls = moto.server_calls();
    assert_eq!(calls[other].get("config:PutEvaluations"), Some(&1));
    // The `regions` parameter limits collection: one region of the scenario's two.
    assert_eq!(
        calls[other].get("cloudtrail:DescribeTrails"),
        Some(&1),
        "{:?}",
        calls[other]
    );

    // Requirements from S3: relaxing hardware MFA makes RW-ROOT-004 not applicable; a missing
    // object fails the invocation instead of silently using the default.
    let put = Command::new(&moto.python)
        .args([
            "-c",
            "import sys, boto3; s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing'); \
             s3.create_bucket(Bucket='sec-config'); \
             s3.put_object(Bucket='sec-config', Key='rootwarden/requirements.yaml', Body=b'require_hardware_mfa: false\\n')",
        ])
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(put.status.success(), "{}", String::from_utf8_lossy(&put.stderr));
    let (o, report) = invoke(
        &moto,
        "scheduled.json",
        json!({"ruleParameters": "{\"requirementsS3Uri\":\"s3://sec-config/rootwarden/requirements.yaml\",\"only\":\"RW-ROOT-004\"}"}),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = compliance(&report.unwrap());
    assert_eq!(
        c[&format!("{}/RW-ROOT-004", org.management)].0,
        "NOT_APPLICABLE",
        "{c:?}"
    );
    let (o, _) = invoke(
        &moto,
        "scheduled.json",
        json!({"ruleParameters": "{\"requirementsS3Uri\":\"s3://sec-config/missing.yaml\"}"}),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("s3://sec-config/missing.yaml: cannot read"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // User rules from an OPA bundle in S3 (`opa build` layout: .manifest, data.json beside the
    // rules), evaluated beside the bundled ones; the bundle's data reaches the rule.
    put_bundle(&moto, &org);
    let (o, report) = invoke(
        &moto,
        "scheduled.json",
        json!({"ruleParameters": "{\"rulesS3Uri\":\"s3://sec-config/rootwarden/rules.tar.gz\",\"only\":\"ACME-001,RW-ROOT-004\"}"}),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = compliance(&report.unwrap());
    assert_eq!(c[&format!("{}/ACME-001", org.management)].0, "NON_COMPLIANT", "{c:?}");
    assert!(c.contains_key(&format!("{}/RW-ROOT-004", org.management)), "{c:?}");
    for (uri, says) in [
        (
            "s3://sec-config/rootwarden/missing.tar.gz",
            "s3://sec-config/rootwarden/missing.tar.gz: cannot read",
        ),
        (
            "s3://sec-config/rootwarden/not-a-bundle.tar.gz",
            "s3://sec-config/rootwarden/not-a-bundle.tar.gz",
        ),
    ] {
        let (o, _) = invoke(
            &moto,
            "scheduled.json",
            json!({"ruleParameters": json!({"rulesS3Uri": uri}).to_string()}),
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }

    // Without the role the credentials reach the wrong account: refuse rather than post.
    let (o, _) = invoke(&moto, "scheduled.json", json!({"accountId": member}));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("assumeExecutionRole"));

    // Requirements whose scope leaves the account out evaluate nothing: the invocation fails
    // (Config shows the error) instead of posting nothing, which would keep the last results.
    let before = moto.server_calls()[&org.management]
        .get("config:PutEvaluations")
        .copied();
    let (o, _) = invoke(
        &moto,
        "scheduled.json",
        json!({"ruleParameters": "{\"requirements\":\"scope: {include_accounts: ['111111111112']}\"}"}),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing to evaluate") && stderr.contains("111111111112"),
        "{stderr}"
    );
    assert_eq!(
        moto.server_calls()[&org.management]
            .get("config:PutEvaluations")
            .copied(),
        before
    );
}

#[test]
fn a_collection_error_is_non_compliant_insufficient_data_never_compliant() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&["logs-denied"]);
    let (o, report) = invoke(&moto, "scheduled.json", json!({"ruleParameters": "{}"}));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = report.unwrap();
    assert!(report["collection_errors"].as_u64().unwrap() >= 1);
    let c = compliance(&report);
    for rule in ["RW-MON-003", "RW-MON-004", "RW-MON-005"] {
        let (ty, note) = &c[&format!("{}/{rule}", org.management)];
        assert_eq!(ty, "NON_COMPLIANT", "{rule}: {note}");
        assert!(note.starts_with("Insufficient data: "), "{rule}: {note}");
    }
    let (ty, note) = &c[&org.management];
    assert_eq!(ty, "NON_COMPLIANT");
    assert!(
        note.contains("insufficient data: ") && note.contains("RW-MON-003"),
        "{note}"
    );
}

/// Runs the function (the binary as `bootstrap`, as the provided.al2023 runtime does) in one
/// process behind tests/moto/lambda_runtime_api.py, which hands it `events` one by one; returns
/// the emulator's summary and the function's stderr. Each invocation has `deadline_seconds`.
fn serve(moto: &Moto, events: &[std::path::PathBuf], deadline_seconds: u32) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = dir.path().join("bootstrap");
    std::fs::copy(env!("CARGO_BIN_EXE_rootwarden"), &bootstrap).unwrap();
    let mut api = Command::new(&moto.python)
        .arg(root().join("tests/moto/lambda_runtime_api.py"))
        .args(events)
        .env("LAMBDA_DEADLINE_SECONDS", deadline_seconds.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(api.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let address = ready.strip_prefix("READY ").unwrap().to_string();
    let mut function = Command::new(&bootstrap)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "rootwarden")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/rootwarden")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ROOTWARDEN_CONFIG_TEST_MODE", "true")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let summary: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let _ = function.kill();
    let out = function.wait_with_output().unwrap();
    let _ = api.wait();
    assert!(summary["init_error"].is_null(), "{summary}");
    (summary, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_lambda_serves_config_events_through_the_runtime_api() {
    let Some(moto) = Moto::start() else { return };
    moto.scenario(&[]);
    let (summary, stderr) = serve(
        &moto,
        &[
            root().join("deploy/events/scheduled.json"),
            root().join("deploy/events/left-scope.json"),
        ],
        900,
    );
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{summary} {stderr}");
    for r in results {
        assert_eq!(r["status"], "response", "{r}");
    }
    let scheduled = compliance(&results[0]["body"]);
    assert_eq!(scheduled["123456789012"].0, "COMPLIANT", "{scheduled:?}");
    assert_eq!(results[0]["body"]["put_evaluations_calls"], 1);
    let left = compliance(&results[1]["body"]);
    assert!(left.values().all(|(t, _)| t == "NOT_APPLICABLE"), "{left:?}");
}

#[test]
fn a_warm_function_reuses_an_unchanged_bundle_and_the_compiled_rules() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    put_bundle(&moto, &org);
    let parameters = json!({"rulesS3Uri": "s3://sec-config/rootwarden/rules.tar.gz", "only": "ACME-001,RW-ROOT-001"});
    let event = event_with("scheduled.json", json!({"ruleParameters": parameters.to_string()}));
    let path = event.path().to_path_buf();
    let (summary, stderr) = serve(&moto, &[path.clone(), path.clone(), path], 900);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{summary} {stderr}");
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["status"], "response", "{r}");
        let c = compliance(&r["body"]);
        assert_eq!(c[&format!("{}/ACME-001", org.management)].0, "NON_COMPLIANT", "{c:?}");
        assert_eq!(c[&format!("{}/RW-ROOT-001", org.management)].0, "COMPLIANT", "{c:?}");
        // The first invocation reads and compiles; the others get 304 Not Modified for the
        // bundle's ETag and evaluate with the rules compiled before.
        assert_eq!(r["body"]["compiled"], i == 0, "{r}");
        assert_eq!(r["body"]["rules_unchanged"], i > 0, "{r}");
    }
}

#[test]
fn an_owner_the_chain_role_cannot_reach_is_insufficient_data_never_a_pass() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "sts:AssumeRole", "role_arn": format!("arn:aws:iam::{}:role/rootwarden-chain", org.management)}),
    );
    let parameters = json!({"memberRoleName": "OrganizationAccountAccessRole", "chainRoleName": "rootwarden-chain",
                            "regions": "us-east-1", "only": "RW-MON-001,RW-MON-003"})
    .to_string();
    let events: Vec<_> = org
        .members
        .iter()
        .map(|m| event_with("scheduled.json", json!({"accountId": m, "ruleParameters": parameters})))
        .collect();
    let paths: Vec<_> = events.iter().map(|e| e.path().to_path_buf()).collect();
    let (summary, stderr) = serve(&moto, &paths, 900);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), org.members.len(), "{summary} {stderr}");
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["status"], "response", "{r}");
        assert_eq!(r["body"]["chain"]["unreachable"], json!([org.management]), "{r}");
        // The refusal is remembered for a minute: the other members do not ask again.
        let read = if i == 0 { json!([org.management]) } else { json!([]) };
        assert_eq!(r["body"]["chain"]["read"], read, "{r}");
        let member = r["body"]["account_id"].as_str().unwrap();
        let (ty, note) = &compliance(&r["body"])[&format!("{member}/RW-MON-003")];
        assert_eq!(ty, "NON_COMPLIANT", "{note}");
        assert!(
            note.starts_with("Insufficient data: ") && note.contains(&org.management),
            "{note}"
        );
    }
}

/// One scheduled event per member of `org`, as an organization rule's Config sends them, with
/// the member role of deploy/member-role.yaml serving as the chain role too.
fn member_events(org: &support::Org, dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let parameters = json!({"memberRoleName": "OrganizationAccountAccessRole", "regions": "us-east-1"}).to_string();
    org.members
        .iter()
        .map(|member| {
            let file = event_with(
                "scheduled.json",
                json!({"accountId": member, "ruleParameters": parameters}),
            );
            let path = dir.join(format!("{member}.json"));
            std::fs::copy(file.path(), &path).unwrap();
            path
        })
        .collect()
}

/// The monitoring rules' evaluations of each member: (member, rule) → (compliance, annotation).
fn member_monitoring(summary: &Value, org: &support::Org) -> Vec<(String, String, String, String)> {
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), org.members.len(), "{summary}");
    let mut rows = Vec::new();
    for r in results {
        assert_eq!(r["status"], "response", "{r}");
        let member = r["body"]["account_id"].as_str().unwrap().to_string();
        for (id, (ty, note)) in compliance(&r["body"]) {
            if let Some(rule) = id
                .strip_prefix(&format!("{member}/"))
                .filter(|r| r.starts_with("RW-MON-"))
            {
                rows.push((member.clone(), rule.to_string(), ty, note));
            }
        }
    }
    rows
}

#[test]
fn every_member_is_judged_on_the_organization_trails_chain_read_once_per_cache_period() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario_of(50, &[]);
    let dir = tempfile::tempdir().unwrap();
    let events = member_events(&org, dir.path());

    let started = std::time::Instant::now();
    let (summary, stderr) = serve(&moto, &events, 900);
    let wall = started.elapsed();
    let rows = member_monitoring(&summary, &org);
    // RW-MON-001..005 judge the member's own chain; every one must be seen and pass.
    for rule in ["RW-MON-001", "RW-MON-002", "RW-MON-003", "RW-MON-004", "RW-MON-005"] {
        let judged: Vec<_> = rows.iter().filter(|(_, r, _, _)| r == rule).collect();
        assert_eq!(judged.len(), org.members.len(), "{rule}: {stderr}");
        for (member, _, ty, note) in judged {
            assert_eq!(ty, "COMPLIANT", "{member} {rule}: {note}");
        }
    }
    // The owner's chain is read once for the 50 members: one invocation reads it, the others
    // take it from the warm cache; the owner's server-side calls say the same.
    let results = summary["results"].as_array().unwrap();
    let reads: Vec<&Value> = results
        .iter()
        .filter(|r| r["body"]["chain"]["read"] != json!([]))
        .collect();
    assert_eq!(reads.len(), 1, "{summary}");
    assert_eq!(reads[0]["body"]["chain"]["read"], json!([org.management]));
    let cached = results
        .iter()
        .filter(|r| r["body"]["chain"]["cached"] == json!([org.management]))
        .count();
    assert_eq!(cached, org.members.len() - 1);
    // The rules are compiled by the first invocation only.
    let compiled = results.iter().filter(|r| r["body"]["compiled"] == true).count();
    assert_eq!(compiled, 1, "{summary}");
    let calls = moto.server_calls();
    let owner = &calls[&org.management];
    assert_eq!(owner.get("cloudtrail:DescribeTrails"), Some(&1), "{owner:?}");
    assert_eq!(owner.get("logs:DescribeMetricFilters"), Some(&1), "{owner:?}");
    assert_eq!(owner.get("cloudwatch:DescribeAlarms"), Some(&1), "{owner:?}");
    let total: u64 = calls.values().flat_map(|c| c.values()).sum();
    let owner_total: u64 = owner.values().sum();
    eprintln!(
        "{} members: {:.1} s wall, {:.1} calls per member invocation ({total} in all, {owner_total} in the owner account: {owner:?})",
        org.members.len(),
        wall.as_secs_f64(),
        total as f64 / org.members.len() as f64
    );

    // One broken link of the organization chain: every member fails the same way, in a new
    // function process (a warm one would keep the healthy chain for chainCacheMinutes).
    moto.break_scenario(&["alarm-missing"]);
    let (summary, stderr) = serve(&moto, &events, 900);
    let rows = member_monitoring(&summary, &org);
    let failing: Vec<_> = rows.iter().filter(|(_, r, _, _)| r == "RW-MON-004").collect();
    assert_eq!(failing.len(), org.members.len(), "{stderr}");
    let note = &failing[0].3;
    assert!(
        note.contains(&org.management),
        "the annotation names the owner's chain: {note}"
    );
    for (member, rule, ty, other) in &failing {
        assert_eq!(ty, "NON_COMPLIANT", "{member} {rule}: {other}");
        assert_eq!(other, note, "{member}: every member fails with the same annotation");
    }
}

#[test]
fn the_templates_grant_what_the_collectors_call_and_pass_known_parameters() {
    let policy: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/iam-policy.json")).unwrap()).unwrap();
    let read: Vec<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert!(read.len() >= 15);
    for file in ["deploy/template.yaml", "deploy/member-role.yaml"] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .filter(|a| a.contains(':') && !a.contains(' '))
            .collect();
        for action in &read {
            assert!(listed.contains(&action.as_str()), "{file} lacks {action}");
        }
        assert!(text.contains("Action: config:PutEvaluations"), "{file}");
    }
    // The AssumeRoot statement of --audit-root: the task policy the collector asks for, in the
    // policy file and in the function's role, nowhere else.
    let audit = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == "sts:AssumeRoot")
        .expect("docs/iam-policy.json grants sts:AssumeRoot for --audit-root");
    let task = rootwarden::aws::assume_root::TaskPolicy::AuditRootUserCredentials;
    assert_eq!(audit["Condition"]["StringEquals"]["sts:TaskPolicyArn"], task.arn("aws"));
    assert_eq!(audit["Resource"], "arn:aws:iam::*:root");
    let template = std::fs::read_to_string(root().join("deploy/template.yaml")).unwrap();
    let sid = audit["Sid"].as_str().unwrap();
    let at = template
        .find(&format!("Sid: {sid}"))
        .expect("template.yaml has the AssumeRoot statement");
    let statement: String = template[at..].lines().take(7).collect::<Vec<_>>().join("\n");
    assert!(statement.contains("Action: sts:AssumeRoot"), "{statement}");
    assert!(statement.contains(":iam::*:root"), "{statement}");
    assert!(
        statement.contains(&format!(
            "sts:TaskPolicyArn: !Sub arn:${{AWS::Partition}}:iam::aws:policy/root-task/{}",
            task.name()
        )),
        "{statement}"
    );
    let member = std::fs::read_to_string(root().join("deploy/member-role.yaml")).unwrap();
    assert!(
        !member.contains("sts:AssumeRoot"),
        "member accounts never open root sessions"
    );

    // Every rule parameter the templates pass is one the handler reads.
    let mut passed = 0;
    for name in template
        .split('"')
        .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric()) && template.contains(&format!("\"{w}\":\"${{")))
    {
        assert!(
            event::PARAMETER_NAMES.contains(&name),
            "template passes unknown parameter {name}"
        );
        passed += 1;
    }
    assert!(passed >= 8, "{passed}");
}

#[test]
fn activity_days_reviews_event_history_in_the_function() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    // A root console sign-in in the management account yesterday; none in the member.
    let mut sign_in = rootwarden::canonical_events::all()
        .iter()
        .find(|e| e.id == "root-console-sign-in-success")
        .unwrap()
        .record
        .clone();
    sign_in["eventTime"] = json!((Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string());
    sign_in["recipientAccountId"] = json!(org.management);
    moto.post_json(
        "/_rootwarden/cloudtrail/events",
        &json!({"account_id": org.management, "region": "us-east-1", "records": [sign_in]}),
    );
    let parameters = json!({"activityDays": "30", "only": "RW-ACT-001", "regions": "us-east-1",
                            "memberRoleName": "OrganizationAccountAccessRole"})
    .to_string();
    let events: Vec<_> = [&org.management, &org.members[0]]
        .iter()
        .map(|a| event_with("scheduled.json", json!({"accountId": a, "ruleParameters": parameters})))
        .collect();
    let paths: Vec<_> = events.iter().map(|e| e.path().to_path_buf()).collect();
    let (summary, stderr) = serve(&moto, &paths, 900);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{summary} {stderr}");
    let (ty, note) = &compliance(&results[0]["body"])[&format!("{}/RW-ACT-001", org.management)];
    assert_eq!(ty, "NON_COMPLIANT", "{note}");
    assert!(
        !note.starts_with("Insufficient data"),
        "a finding, not missing data: {note}"
    );
    let member = &org.members[0];
    let (ty, note) = &compliance(&results[1]["body"])[&format!("{member}/RW-ACT-001")];
    assert_eq!(ty, "COMPLIANT", "{note}");
    let calls = moto.server_calls();
    assert!(calls[member].contains_key("cloudtrail:LookupEvents"), "{calls:?}");
}

#[test]
fn activity_that_the_time_budget_cannot_cover_is_insufficient_data_never_a_pass() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    let event = event_with(
        "scheduled.json",
        json!({"ruleParameters": json!({"activityDays": "30", "only": "RW-ACT-001", "regions": "us-east-1"}).to_string()}),
    );
    // 20 seconds left is less than the handler keeps for the chain, evaluation and posting.
    let (summary, stderr) = serve(&moto, &[event.path().to_path_buf()], 20);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{summary} {stderr}");
    assert_eq!(results[0]["status"], "response", "{summary}");
    let c = compliance(&results[0]["body"]);
    let (ty, note) = &c[&format!("{}/RW-ACT-001", org.management)];
    assert_eq!(ty, "NON_COMPLIANT", "{note}");
    assert!(
        note.starts_with("Insufficient data: ") && note.contains("BudgetExhausted"),
        "{note}"
    );
    let calls = moto.server_calls();
    assert_eq!(calls[&org.management].get("cloudtrail:LookupEvents"), None, "{calls:?}");
}

#[test]
fn an_account_the_time_budget_cannot_read_is_insufficient_data_and_answered_in_time() {
    let Some(moto) = Moto::start() else { return };
    let org = moto.scenario(&[]);
    // CloudWatch keeps throttling: each call would wait out ten attempts of backoff (up to
    // 111 s), longer than the function has.
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "cloudwatch:DescribeAlarms", "account_id": org.management, "code": "Throttling", "times": 10000}),
    );
    let event = event_with(
        "scheduled.json",
        json!({"ruleParameters": json!({"regions": "us-east-1"}).to_string()}),
    );
    // The function stops collecting 10 s before its deadline; ten throttled attempts take
    // longer than the 20 s left to collect, whatever the jitter.
    let deadline = 30.0;
    let (summary, stderr) = serve(&moto, &[event.path().to_path_buf()], deadline as u32);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{summary} {stderr}");
    let r = &results[0];
    assert_eq!(r["status"], "response", "{summary}");
    let took = r["answered_at"].as_f64().unwrap() - r["delivered_at"].as_f64().unwrap();
    assert!(
        took < deadline,
        "answered after {took:.1} s, past the {deadline} s deadline"
    );
    let c = compliance(&r["body"]);
    let (ty, note) = &c[&format!("{}/RW-MON-004", org.management)];
    assert_eq!(ty, "NON_COMPLIANT", "{note}");
    assert!(note.starts_with("Insufficient data"), "{note}");
    // Nothing the unfinished account collected is used: no control of it passes (the
    // organization's centralized root access was read before, in discovery, and stands).
    let passed: Vec<_> = c
        .iter()
        .filter(|(id, (ty, _))| ty == "COMPLIANT" && !id.ends_with("/RW-ORG-001"))
        .collect();
    assert!(passed.is_empty(), "{passed:?}");
    assert!(stderr.contains("DeadlineExceeded"), "{stderr}");
}
