//! Table-driven checks from the EventBridge user guide's content-filtering examples.

use serde_json::{json, Value};

use super::*;

fn event() -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "111122223333",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        "detail": {
            "instance-id": "i-1234567890abcdef0",
            "state": "terminated",
            "c-count": 5,
            "d-count": 3,
            "x-limit": 301.8,
            "source-ip": "10.0.0.33",
            "location": "us-east-1a",
            "tags": ["prod", "web"],
            "nested": [{"name": "a", "value": 1}, {"name": "b", "value": 2}],
            "empty": null
        }
    })
}

fn check(pattern: Value, expected: bool) {
    let p = parse_value(&pattern).unwrap_or_else(|e| panic!("{pattern} should parse: {e}"));
    assert_eq!(p.matches(&event()), expected, "pattern {pattern}");
}

#[test]
fn documented_matchers() {
    let cases = [
        (json!({"source": ["aws.ec2"]}), true),
        (json!({"source": ["aws.s3", "aws.ec2"]}), true),
        (json!({"source": ["AWS.EC2"]}), false),
        (json!({"source": [{"equals-ignore-case": "AWS.EC2"}]}), true),
        (json!({"source": [{"prefix": "aws."}]}), true),
        (json!({"source": [{"prefix": {"equals-ignore-case": "AWS."}}]}), true),
        (json!({"source": [{"prefix": "AWS."}]}), false),
        (json!({"detail": {"location": [{"suffix": "1a"}]}}), true),
        (
            json!({"detail": {"location": [{"suffix": {"equals-ignore-case": "1A"}}]}}),
            true,
        ),
        (json!({"detail": {"state": [{"anything-but": "initializing"}]}}), true),
        (
            json!({"detail": {"state": [{"anything-but": ["terminated", "stopped"]}]}}),
            false,
        ),
        (
            json!({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}),
            false,
        ),
        (
            json!({"detail": {"state": [{"anything-but": {"suffix": "ated"}}]}}),
            false,
        ),
        (
            json!({"detail": {"state": [{"anything-but": {"equals-ignore-case": "TERMINATED"}}]}}),
            false,
        ),
        (
            json!({"detail": {"state": [{"anything-but": {"wildcard": "*nat*"}}]}}),
            false,
        ),
        (json!({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}), true),
        (json!({"detail": {"c-count": [{"numeric": [">", 5]}]}}), false),
        (json!({"detail": {"x-limit": [{"numeric": ["=", 301.8]}]}}), true),
        (
            json!({"detail": {"d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": [">=", 300]}]}}),
            true,
        ),
        (json!({"detail": {"c-count": [5]}}), true),
        (json!({"detail": {"c-count": [5.0]}}), true),
        (json!({"detail": {"c-count": ["5"]}}), false),
        (json!({"detail": {"instance-id": [{"exists": true}]}}), true),
        (json!({"detail": {"missing": [{"exists": false}]}}), true),
        (json!({"detail": {"missing": [{"exists": true}]}}), false),
        (json!({"detail": {"instance-id": [{"exists": false}]}}), false),
        (json!({"detail": {"missing": [{"anything-but": "x"}]}}), false),
        (json!({"detail": {"empty": [null]}}), true),
        (json!({"detail": {"empty": [{"exists": true}]}}), true),
        (json!({"detail": {"location": [{"wildcard": "us-*-1a"}]}}), true),
        (json!({"detail": {"location": [{"wildcard": "us-*-1b"}]}}), false),
        (json!({"detail": {"tags": ["web"]}}), true),
        (json!({"detail": {"tags": ["dev"]}}), false),
        (json!({"detail": {"nested": {"name": ["b"]}}}), true),
        (json!({"detail": {"nested": {"name": ["c"]}}}), false),
        (
            json!({"detail": {"state": ["running"]}, "$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]}),
            false,
        ),
        (
            json!({"$or": [{"detail": {"state": ["running"]}}, {"source": ["aws.ec2"]}]}),
            true,
        ),
        (
            json!({"$or": [{"detail": {"state": ["running"]}}, {"source": ["aws.s3"]}]}),
            false,
        ),
        (
            json!({"detail": {"state": ["terminated"], "instance-id": [{"prefix": "i-"}]}, "source": ["aws.ec2"]}),
            true,
        ),
    ];
    for (pattern, expected) in cases {
        check(pattern, expected);
    }
}

#[test]
fn wildcard_escapes_and_edges() {
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("a*", "a"));
    assert!(wildcard_match("*a", "bba"));
    assert!(!wildcard_match("a*a", "a"));
    assert!(wildcard_match("a*b*c", "aXbYc"));
    assert!(!wildcard_match("a*b*c", "aXcYb"));
    assert!(wildcard_match(r"a\*b", "a*b"));
    assert!(!wildcard_match(r"a\*b", "axb"));
}

#[test]
fn patterns_eventbridge_rejects_name_the_path() {
    let cases = [
        ("[]", "$", "JSON object"),
        ("{\"source\": \"aws.ec2\"}", "source", "inside a list"),
        ("{\"detail\": {\"state\": []}}", "detail.state", "empty list"),
        (
            "{\"detail\": {\"state\": [{\"prefx\": \"a\"}]}}",
            "detail.state",
            "unknown matcher `prefx`",
        ),
        ("{\"a\": [{\"numeric\": [\">\"]}]}", "a", "operator/number"),
        ("{\"a\": [{\"numeric\": [\"~\", 1]}]}", "a", "not one of"),
        ("{\"a\": [{\"numeric\": [\">\", \"x\"]}]}", "a", "needs a number"),
        ("{\"a\": [{\"exists\": \"yes\"}]}", "a", "true or false"),
        (
            "{\"a\": [{\"prefix\": \"x\", \"suffix\": \"y\"}]}",
            "a",
            "exactly one key",
        ),
        (
            "{\"a\": [{\"anything-but\": {\"exists\": true}}]}",
            "a",
            "cannot contain `exists`",
        ),
        ("{\"a\": [[\"x\"]]}", "a", "nested"),
        ("{\"$or\": [{\"a\": [\"x\"]}]}", "$or", "at least two"),
        ("{\"a\": [{\"wildcard\": \"a**\"}]}", "a", "consecutive"),
        ("{\"a\": ", "$", "not JSON"),
    ];
    for (text, path, message) in cases {
        let e = parse(text).expect_err(text);
        assert_eq!(e.path, path, "{text}: {e}");
        assert!(e.to_string().contains(message), "{text}: {e}");
    }
}

#[test]
fn cloudtrail_root_pattern() {
    let p = parse(
        r#"{"detail-type": ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": false}]}}}"#,
    )
    .unwrap();
    let mut e = json!({
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "detail": {"userIdentity": {"type": "Root"}, "eventType": "AwsApiCall"}
    });
    assert!(p.matches(&e));
    e["detail"]["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    assert!(!p.matches(&e));
    e["detail"]["userIdentity"] = json!({"type": "root"});
    assert!(!p.matches(&e));
}

#[test]
fn arbitrary_json_never_panics() {
    let seeds = [
        json!({}),
        json!({"a": {"b": {"c": [1, "x", null, true]}}}),
        json!({"$or": [{"a": [1]}, {"b": [{"exists": false}]}]}),
        json!({"a": [{"numeric": [">", 1, "<", 2]}, {"anything-but": [1, "a"]}]}),
    ];
    let events = [event(), json!(null), json!([1, 2]), json!({"a": [[1], {"b": 2}]})];
    for s in seeds {
        let p = parse_value(&s).unwrap();
        for e in &events {
            let _ = p.matches(e);
        }
    }
}
