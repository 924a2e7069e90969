//! `rootwarden drill` against a real AWS-compatible server (moto, see tests/moto/): the launcher
//! runs an alarm's SNS action on SetAlarmState as CloudWatch does (history items, the alarm
//! message published to the topic), and an SQS queue subscribed to the topic proves delivery.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::{Moto, Org};

const TOPIC: &str = "root-activity-alerts";
const ALARM: &str = "root-account-usage";

/// Runs `script` (Python, boto3) with the server URL and `args` after it; its stdout as JSON.
fn py(moto: &Moto, script: &str, args: &[&str]) -> Value {
    let o = Command::new(&moto.python)
        .arg("-c")
        .arg(format!("{PRELUDE}\n{script}"))
        .arg(&moto.url)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

/// `client(service, account)`: a boto3 client in `account` (the management account's own
/// credentials, or OrganizationAccountAccessRole assumed in a member).
const PRELUDE: &str = r#"
import json, sys, boto3
URL = sys.argv[1]
def client(service, account=None):
    kw = dict(endpoint_url=URL, region_name="us-east-1")
    if account is None or account == "123456789012":
        return boto3.client(service, aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
    creds = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                      RoleSessionName="test")["Credentials"]
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"], **kw)
"#;

/// Subscribes a new SQS queue to the account's root topic; returns the queue URL.
fn sqs_subscriber(moto: &Moto, account: &str) -> String {
    let v = py(
        moto,
        r#"
account = sys.argv[2]
sqs, sns = client("sqs", account), client("sns", account)
url = sqs.create_queue(QueueName="root-alerts-inbox")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":root-activity-alerts")][0]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
print(json.dumps(url))
"#,
        &[account],
    );
    v.as_str().unwrap().to_string()
}

/// The alarm messages the queue received (SNS envelopes unwrapped).
fn received(moto: &Moto, account: &str, queue_url: &str) -> Vec<Value> {
    let v = py(
        moto,
        r#"
sqs = client("sqs", sys.argv[2])
out = []
while True:
    got = sqs.receive_message(QueueUrl=sys.argv[3], MaxNumberOfMessages=10).get("Messages", [])
    if not got:
        break
    for m in got:
        out.append(json.loads(json.loads(m["Body"])["Message"]))
        sqs.delete_message(QueueUrl=sys.argv[3], ReceiptHandle=m["ReceiptHandle"])
print(json.dumps(out))
"#,
        &[account, queue_url],
    );
    v.as_array().cloned().unwrap_or_default()
}

/// A root monitoring chain of the member's own: trail to a log group, the CIS root filter, an
/// alarm notifying a topic with a confirmed e-mail subscriber.
fn member_chain(moto: &Moto, account: &str) {
    py(
        moto,
        r#"
account = sys.argv[2]
client("s3", account).create_bucket(Bucket=f"trail-{account}")
logs = client("logs", account)
logs.create_log_group(logGroupName="member-trail")
group = logs.describe_log_groups(logGroupNamePrefix="member-trail")["logGroups"][0]["arn"]
ct = client("cloudtrail", account)
ct.create_trail(Name="member-trail", S3BucketName=f"trail-{account}", IsMultiRegionTrail=True,
                CloudWatchLogsLogGroupArn=group,
                CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/CloudTrailToCloudWatchLogs")
ct.start_logging(Name="member-trail")
logs.put_metric_filter(logGroupName="member-trail", filterName="root-usage",
    filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}])
topic = client("sns", account).create_topic(Name="root-activity-alerts")["TopicArn"]
client("cloudwatch", account).put_metric_alarm(
    AlarmName="root-account-usage", MetricName="RootAccountUsage", Namespace="CISBenchmark",
    Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1.0,
    ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
    AlarmActions=[topic], ActionsEnabled=True)
print("null")
"#,
        &[account],
    );
}

/// Runs `rootwarden drill ARGS -o json=FILE`; the exit code, the record and stdout.
fn drill(moto: &Moto, args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drill.json");
    let out_arg = format!("json={}", path.display());
    let mut all = vec!["drill", "--regions", "us-east-1", "--quiet"];
    if !args.contains(&"--wait") {
        all.extend_from_slice(&["--wait", "5"]);
    }
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", &out_arg, "-o", "text"]);
    let out = moto.rootwarden(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v = std::fs::read_to_string(&path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| panic!("no record written; stderr: {stderr}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.code().unwrap_or(-1), v, stdout)
}

fn account<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("no record for {id}: {record}"))
}

fn calls(moto: &Moto, account: &str, op: &str) -> u64 {
    moto.server_calls()
        .get(account)
        .and_then(|ops| ops.get(op).copied())
        .unwrap_or(0)
}

fn start() -> Option<Moto> {
    let moto = Moto::start();
    if moto.is_none() {
        eprintln!("SKIPPED: moto not available");
    }
    moto
}

#[test]
fn a_working_chain_is_drilled_to_a_delivered_message_and_timed() {
    let Some(moto) = start() else { return };
    let org: Org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let queue = sqs_subscriber(&moto, mgmt);

    let (code, record, text) = drill(&moto, &["--accounts", mgmt, "--yes"]);
    assert_eq!(code, 0, "{text}\n{record:#}");
    assert_eq!(record["mode"], "run");
    let a = account(&record, mgmt);
    assert_eq!(a["outcome"], "passed", "{a:#}");

    // Step 1: CloudWatch Logs (the launcher's TestMetricFilter) counts the root events.
    let f = &a["filter_checks"][0];
    assert_eq!(f["outcome"], "passed", "{f:#}");
    assert!(
        f["aws_counted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "root-console-sign-in-success"),
        "{f:#}"
    );

    // Step 2: the drill's state change and the SNS action, timed.
    let d = &a["alarm_drills"][0];
    assert_eq!(d["alarm_name"], ALARM);
    assert_eq!(d["outcome"], "passed", "{d:#}");
    assert!(d["state_update_at"].is_string());
    assert_eq!(d["actions"][0]["succeeded"], true);
    let secs = d["seconds_to_action"].as_f64().unwrap();
    assert!((0.0..5.0).contains(&secs), "{secs}");
    let t = &d["topics"][0];
    assert!(t["topic_arn"].as_str().unwrap().ends_with(TOPIC));
    // The confirmed e-mail subscriber and the queue.
    assert_eq!(t["confirmed_subscribers"], 2, "{t:#}");

    // The message reached the queue: the alarm's, with the drill's reason.
    let drill_id = record["drill_id"].as_str().unwrap();
    let msgs = received(&moto, mgmt, &queue);
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert_eq!(msgs[0]["AlarmName"], ALARM);
    assert_eq!(msgs[0]["NewStateValue"], "ALARM");
    assert_eq!(msgs[0]["NewStateReason"], format!("rootwarden drill {drill_id}"));

    // One SetAlarmState, and every call is in the record with its result.
    assert_eq!(calls(&moto, mgmt, "cloudwatch:SetAlarmState"), 1);
    let logged: Vec<&str> = a["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call"].as_str().unwrap())
        .collect();
    assert!(
        logged.contains(&"logs:TestMetricFilter") && logged.contains(&"cloudwatch:SetAlarmState"),
        "{logged:?}"
    );
    assert!(a["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["result"] == "ok" && c["account_id"] == mgmt && c["region"] == "us-east-1"));
    assert!(text.contains("alarm us-east-1 root-account-usage: passed"), "{text}");
}

#[test]
fn without_yes_the_drill_is_planned_and_nothing_is_called() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let queue = sqs_subscriber(&moto, mgmt);

    let (code, record, text) = drill(&moto, &["--accounts", mgmt]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(record["mode"], "plan");
    let a = account(&record, mgmt);
    assert_eq!(a["outcome"], "planned");
    assert_eq!(a["alarm_drills"][0]["outcome"], "planned");
    assert_eq!(a["filter_checks"][0]["outcome"], "planned");
    assert!(text.contains("would set to ALARM"), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    // The collection reads (the alarm's action history among them); the drill makes no call.
    for op in [
        "cloudwatch:SetAlarmState",
        "logs:TestMetricFilter",
        "cloudwatch:GetMetricStatistics",
    ] {
        assert_eq!(calls(&moto, mgmt, op), 0, "{op} called without --yes");
    }
    assert_eq!(a["calls"], json!([]));
    assert!(received(&moto, mgmt, &queue).is_empty());
}

#[test]
fn an_alarm_whose_topic_was_deleted_fails_with_the_actions_error() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&["topic-missing"]);
    let mgmt = org.management.as_str();

    let (code, record, text) = drill(&moto, &["--accounts", mgmt, "--yes"]);
    assert_eq!(code, 1, "{text}");
    let a = account(&record, mgmt);
    assert_eq!(a["outcome"], "failed");
    let d = &a["alarm_drills"][0];
    assert_eq!(d["outcome"], "failed", "{d:#}");
    assert_eq!(d["actions"][0]["succeeded"], false, "{d:#}");
    assert!(d["seconds_to_action"].is_null());
    assert_eq!(d["topics"][0]["exists"], false);
    assert!(
        d["next_step"]
            .as_str()
            .unwrap()
            .contains("could not execute the action"),
        "{d:#}"
    );
    assert!(text.contains("FAILED"), "{text}");
}

#[test]
fn a_topic_without_subscribers_is_published_to_but_reaches_nobody() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    py(
        &moto,
        r#"
sns = client("sns")
for s in sns.list_subscriptions()["Subscriptions"]:
    sns.unsubscribe(SubscriptionArn=s["SubscriptionArn"])
print("null")
"#,
        &[],
    );

    let (code, record, text) = drill(&moto, &["--accounts", mgmt, "--yes"]);
    assert_eq!(code, 1, "{text}");
    let d = &account(&record, mgmt)["alarm_drills"][0];
    assert_eq!(d["outcome"], "failed", "{d:#}");
    // CloudWatch did its part: the action executed.
    assert_eq!(d["actions"][0]["succeeded"], true);
    assert_eq!(d["topics"][0]["exists"], true);
    assert_eq!(d["topics"][0]["confirmed_subscribers"], 0);
    assert!(
        d["next_step"].as_str().unwrap().contains("no confirmed subscriber"),
        "{d:#}"
    );
}

#[test]
fn a_refused_set_alarm_state_stops_only_that_accounts_drill() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    member_chain(&moto, member);
    let queue = sqs_subscriber(&moto, member);
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "cloudwatch:SetAlarmState", "account_id": mgmt, "code": "AccessDenied"}),
    );

    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(&moto, &["--accounts", &accounts, "--yes"]);
    assert_eq!(code, 3, "{text}");

    let m = account(&record, mgmt);
    assert_eq!(m["outcome"], "stopped", "{m:#}");
    assert!(
        m["stopped"]
            .as_str()
            .unwrap()
            .contains("cloudwatch:SetAlarmState failed (AccessDenied"),
        "{m:#}"
    );
    assert!(
        m["stopped"].as_str().unwrap().contains("iam-drill-policy.json"),
        "{m:#}"
    );
    assert_eq!(m["alarm_drills"][0]["outcome"], "not_run");
    let refused = m["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call"] == "cloudwatch:SetAlarmState")
        .unwrap();
    assert_eq!(refused["result"], "AccessDenied");
    // Nothing after the refusal in that account.
    assert_eq!(
        m["calls"].as_array().unwrap().last().unwrap()["call"],
        "cloudwatch:SetAlarmState"
    );
    assert_eq!(
        calls(&moto, mgmt, "sns:ListSubscriptionsByTopic"),
        1,
        "only the collection's"
    );

    let a = account(&record, member);
    assert_eq!(a["outcome"], "passed", "{a:#}");
    assert_eq!(a["alarm_drills"][0]["outcome"], "passed");
    assert_eq!(received(&moto, member, &queue).len(), 1);
    assert!(text.contains("STOPPED"), "{text}");
}

/// The actions of the statements of a policy document.
fn actions(path: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(support::root().join(path)).unwrap()).unwrap();
    let mut out = Vec::new();
    for s in doc["Statement"].as_array().unwrap() {
        match &s["Action"] {
            Value::String(a) => out.push(a.clone()),
            Value::Array(a) => out.extend(a.iter().map(|x| x.as_str().unwrap().to_string())),
            other => panic!("{path}: Action {other}"),
        }
    }
    out
}

/// The statement of a policy document that grants `action`.
fn doc_statement(path: &str, action: &str) -> Value {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(support::root().join(path)).unwrap()).unwrap();
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == action || s["Action"].as_array().is_some_and(|a| a.iter().any(|x| x == action)))
        .cloned()
        .unwrap_or_else(|| panic!("{path}: no statement grants {action}"))
}

#[test]
fn every_call_of_a_drill_is_granted_and_its_writes_only_by_the_drill_policy() {
    let read_only = actions("docs/iam-policy.json");
    let drill_policy = actions("docs/iam-drill-policy.json");
    assert!(!read_only
        .iter()
        .any(|a| a == "cloudwatch:SetAlarmState" || a == "cloudwatch:*"));
    assert!(drill_policy.iter().any(|a| a == "cloudwatch:SetAlarmState"));

    // The end-to-end drill's root session, scoped to the audit task policy.
    let assume_root = doc_statement("docs/iam-drill-policy.json", "sts:AssumeRoot");
    assert_eq!(
        assume_root["Condition"]["StringEquals"]["sts:TaskPolicyArn"],
        "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    );

    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    sqs_subscriber(&moto, mgmt);
    moto.post_json("/_rootwarden/delivery", &json!({"delay_seconds": 1}));
    moto.post("/_rootwarden/calls/reset");
    let accounts = format!("{mgmt},{member}");
    let (code, _, text) = drill(
        &moto,
        &["--accounts", &accounts, "--yes", "--root-event", "--wait", "20"],
    );
    assert_eq!(code, 0, "{text}");
    // The root call is allowed by the session's task policy (AWS managed), not by an identity
    // policy: in the member account only.
    let task_policy = ["iam:ListMFADevices"];
    for (account, ops) in moto.server_calls() {
        for op in ops.keys() {
            assert!(
                read_only.contains(op)
                    || drill_policy.contains(op)
                    || (account == member && task_policy.contains(&op.as_str())),
                "{op} (called in {account}) is in neither docs/iam-policy.json nor docs/iam-drill-policy.json"
            );
        }
    }
}

/// The launcher's record of each CloudTrail delivery.
fn deliveries(moto: &Moto) -> Vec<Value> {
    let v = moto.post_json("/_rootwarden/delivery", &json!({"delay_seconds": 2}));
    v["deliveries"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_root_event_in_a_member_reaches_the_organizations_alarm_and_is_timed() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    let queue = sqs_subscriber(&moto, mgmt);
    moto.post_json("/_rootwarden/delivery", &json!({"delay_seconds": 2}));

    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(
        &moto,
        &["--accounts", &accounts, "--yes", "--root-event", "--wait", "30"],
    );
    assert_eq!(code, 0, "{text}\n{record:#}");

    let m = account(&record, member);
    assert_eq!(m["outcome"], "passed", "{m:#}");
    let r = &m["root_event"];
    assert_eq!(r["outcome"], "passed", "{r:#}");
    assert_eq!(r["event_name"], "ListMFADevices");
    assert!(r["event_time"].is_string(), "{r:#}");
    assert_eq!(
        r["alarm"],
        format!("arn:aws:cloudwatch:us-east-1:{mgmt}:alarm:{ALARM}"),
        "the alarm lives in the management account, on the organization trail's log group"
    );
    assert!(
        r["watching"][0]["trail_arn"]
            .as_str()
            .unwrap()
            .ends_with(":trail/org-trail"),
        "{r:#}"
    );
    // CloudTrail's delivery (2 s here) is the time to detect; the action follows the transition.
    let detect = r["seconds_to_detect"].as_i64().unwrap();
    assert!((1..=15).contains(&detect), "{r:#}");
    let notify = r["seconds_to_notify"].as_i64().unwrap();
    assert!((0..=5).contains(&notify), "{r:#}");
    assert!(r["topics"][0].as_str().unwrap().ends_with(TOPIC), "{r:#}");
    assert_eq!(r["actions"][0]["succeeded"], true);

    // The queue subscribed to the topic got the alarm message of the real transition.
    let msgs = received(&moto, mgmt, &queue);
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert_eq!(msgs[0]["AlarmName"], ALARM);
    assert!(
        msgs[0]["NewStateReason"]
            .as_str()
            .unwrap()
            .starts_with("Threshold Crossed"),
        "{msgs:#?}"
    );

    // The session was opened from the management account, the call made as the member's root.
    assert_eq!(calls(&moto, mgmt, "sts:AssumeRoot"), 1);
    assert_eq!(calls(&moto, member, "iam:ListMFADevices"), 1);
    let logged: Vec<(&str, &str)> = m["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["account_id"].as_str().unwrap(), c["call"].as_str().unwrap()))
        .collect();
    assert!(logged.contains(&(mgmt, "sts:AssumeRoot")), "{logged:?}");
    assert!(logged.contains(&(member, "iam:ListMFADevices")), "{logged:?}");
    assert!(
        logged.contains(&(mgmt, "cloudwatch:DescribeAlarmHistory")),
        "{logged:?}"
    );

    // The management account: no root session on it, and its alarm was proven by the event
    // rather than set to ALARM again.
    let a = account(&record, mgmt);
    assert_eq!(a["root_event"]["outcome"], "not_applicable", "{a:#}");
    assert!(a["root_event"]["next_step"]
        .as_str()
        .unwrap()
        .contains("member accounts only"));
    assert_eq!(a["alarm_drills"][0]["proven_by"], member, "{a:#}");
    assert_eq!(a["alarm_drills"][0]["outcome"], "passed", "{a:#}");
    assert_eq!(calls(&moto, mgmt, "cloudwatch:SetAlarmState"), 0);
    assert_eq!(a["outcome"], "passed", "{a:#}");
    assert!(text.contains("root event iam:ListMFADevices"), "{text}");
    assert!(text.contains(": passed, detected in"), "{text}");

    // A second member in the same run: the shared alarm is in ALARM already, so its event
    // would make no transition; skipped with the reason, no root session opened, not a pass.
    let other = org.members[1].as_str();
    py(
        &moto,
        r#"
client("cloudwatch").set_alarm_state(AlarmName="root-account-usage", StateValue="OK", StateReason="evaluated")
print("null")
"#,
        &[],
    );
    let accounts = format!("{mgmt},{member},{other}");
    let (code, record, text) = drill(
        &moto,
        &["--accounts", &accounts, "--yes", "--root-event", "--wait", "5"],
    );
    assert_eq!(code, 3, "{text}");
    // Members are drilled in account order, and moto draws account ids at random: whichever
    // comes first takes the alarm to ALARM, the other is skipped naming it.
    let (first, second) = if member < other {
        (member, other)
    } else {
        (other, member)
    };
    assert_eq!(account(&record, first)["root_event"]["outcome"], "passed");
    let o = account(&record, second);
    assert_eq!(o["outcome"], "incomplete", "{o:#}");
    assert_eq!(o["root_event"]["outcome"], "skipped", "{o:#}");
    assert!(
        o["root_event"]["next_step"]
            .as_str()
            .unwrap()
            .contains(&format!("the root event of account {first}")),
        "{o:#}"
    );
    // The member drilled in the first run made one root call then; the skipped one none now.
    let earlier = u64::from(second == member);
    assert_eq!(calls(&moto, second, "iam:ListMFADevices"), earlier);
}

#[test]
fn a_root_event_the_chain_does_not_carry_is_insufficient_with_a_next_step() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&["trail-stopped"]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    moto.post_json("/_rootwarden/delivery", &json!({"delay_seconds": 1}));

    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(
        &moto,
        &["--accounts", &accounts, "--yes", "--root-event", "--wait", "4"],
    );
    assert_eq!(code, 3, "{text}");
    let m = account(&record, member);
    assert_eq!(m["outcome"], "incomplete", "{m:#}");
    let r = &m["root_event"];
    assert_eq!(r["outcome"], "insufficient", "{r:#}");
    assert!(r["event_time"].is_string());
    assert!(
        r["seconds_to_detect"].is_null() && r["seconds_to_notify"].is_null(),
        "{r:#}"
    );
    let next = r["next_step"].as_str().unwrap();
    assert!(next.contains("no root alarm changed to ALARM within 4 s"), "{next}");
    assert!(next.contains("org-trail"), "{next}");
    // The event was made; the stopped trail delivered it nowhere.
    assert_eq!(calls(&moto, member, "iam:ListMFADevices"), 1);
    let ours: Vec<Value> = deliveries(&moto)
        .into_iter()
        .filter(|d| d["account_id"] == member)
        .collect();
    assert!(
        !ours.is_empty() && ours.iter().all(|d| d["skipped"] == "the trail is not logging"),
        "{ours:#?}"
    );
    assert!(text.contains("INSUFFICIENT"), "{text}");
}

#[test]
fn a_filter_that_misses_root_events_leaves_the_root_event_undetected() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    // A pattern that reads as a root filter (console sign-ins) but misses API calls.
    py(
        &moto,
        r#"
client("logs").put_metric_filter(logGroupName="aws-cloudtrail-logs-org", filterName="root-usage",
    filterPattern='{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',
    metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark", "metricValue": "1"}])
print("null")
"#,
        &[],
    );
    moto.post_json("/_rootwarden/delivery", &json!({"delay_seconds": 1}));
    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(
        &moto,
        &["--accounts", &accounts, "--yes", "--root-event", "--wait", "4"],
    );
    assert_ne!(code, 0, "{text}");
    let r = &account(&record, member)["root_event"];
    assert_eq!(r["outcome"], "insufficient", "{r:#}");
    assert!(r["seconds_to_detect"].is_null());
    // The event reached the log group; the filter did not count it.
    let ours: Vec<Value> = deliveries(&moto)
        .into_iter()
        .filter(|d| d["account_id"] == member && d.get("log_group").is_some())
        .collect();
    assert!(
        ours.iter()
            .any(|d| d["filters"].as_array().unwrap().iter().any(|f| f["matched"] == false)),
        "{ours:#?}"
    );
}

#[test]
fn without_yes_the_root_event_is_planned_and_no_root_session_is_opened() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(&moto, &["--accounts", &accounts, "--root-event"]);
    assert_eq!(code, 0, "{text}");
    let r = &account(&record, member)["root_event"];
    assert_eq!(r["outcome"], "planned", "{r:#}");
    assert_eq!(r["watching"][0]["alarm_name"], ALARM);
    assert_eq!(r["watching"][0]["account_id"], mgmt);
    assert!(r["event_time"].is_null());
    assert_eq!(account(&record, mgmt)["root_event"]["outcome"], "not_applicable");
    assert!(text.contains("would open an sts:AssumeRoot session"), "{text}");
    assert_eq!(calls(&moto, mgmt, "sts:AssumeRoot"), 0);
    assert_eq!(calls(&moto, member, "iam:ListMFADevices"), 0);
}

#[test]
fn without_root_sessions_the_root_event_is_not_applicable_never_a_pass() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&["root-sessions-disabled"]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(&moto, &["--accounts", &accounts, "--yes", "--root-event"]);
    let m = account(&record, member);
    let r = &m["root_event"];
    assert_eq!(r["outcome"], "not_applicable", "{r:#}");
    assert!(r["next_step"].as_str().unwrap().contains("RootSessions"), "{r:#}");
    // Nothing else to drill in the member: its record is not a pass.
    assert_eq!(m["outcome"], "nothing_to_drill", "{m:#}");
    assert_eq!(calls(&moto, mgmt, "sts:AssumeRoot"), 0);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_refused_assume_root_stops_only_that_accounts_drill() {
    let Some(moto) = start() else { return };
    let org = moto.scenario(&[]);
    let mgmt = org.management.as_str();
    let member = org.members[0].as_str();
    sqs_subscriber(&moto, mgmt);
    moto.post_json(
        "/_rootwarden/deny",
        &json!({"action": "sts:AssumeRoot", "account_id": member, "code": "AccessDenied"}),
    );
    let accounts = format!("{mgmt},{member}");
    let (code, record, text) = drill(&moto, &["--accounts", &accounts, "--yes", "--root-event"]);
    assert_eq!(code, 3, "{text}");
    let m = account(&record, member);
    assert_eq!(m["outcome"], "stopped", "{m:#}");
    assert!(
        m["stopped"]
            .as_str()
            .unwrap()
            .contains("sts:AssumeRoot failed (AccessDenied"),
        "{m:#}"
    );
    assert_eq!(m["root_event"]["outcome"], "not_run");
    assert_eq!(calls(&moto, member, "iam:ListMFADevices"), 0);
    // The management account's own drill ran: its alarm set to ALARM and notified.
    let a = account(&record, mgmt);
    assert_eq!(a["outcome"], "passed", "{a:#}");
    assert!(a["alarm_drills"][0]["proven_by"].is_null());
    assert_eq!(calls(&moto, mgmt, "cloudwatch:SetAlarmState"), 1);
}
