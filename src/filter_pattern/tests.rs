//! Cross-module tests: the public API, the CIS root-usage pattern against
//! realistic CloudTrail records, other CIS benchmark patterns, and a
//! deterministic fuzz test of the parser.

use serde_json::{json, Value};

use super::*;

fn p(pattern: &str) -> FilterPattern {
    parse(pattern).unwrap_or_else(|e| panic!("{pattern:?} should parse: {e}"))
}

// ---------------------------------------------------------------------------
// Realistic CloudTrail records.
// ---------------------------------------------------------------------------

fn root_console_sign_in() -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "Root",
            "principalId": "123456789012",
            "arn": "arn:aws:iam::123456789012:root",
            "accountId": "123456789012"
        },
        "eventTime": "2024-03-01T10:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
        "requestParameters": null,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "Yes"
        },
        "eventID": "3fcfb586-36d4-4b4d-8f3e-1a2b3c4d5e6f",
        "readOnly": false,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management"
    })
}

fn root_api_call_with_access_key() -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": "123456789012",
            "arn": "arn:aws:iam::123456789012:root",
            "accountId": "123456789012",
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE"
        },
        "eventTime": "2024-03-02T08:15:42Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0",
        "requestParameters": {"Host": "s3.amazonaws.com"},
        "responseElements": null,
        "requestID": "A1B2C3D4E5F6G7H8",
        "eventID": "8d7a5c36-2b1f-4a3e-9c8d-7e6f5a4b3c2d",
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256"}
    })
}

/// A service event on the root identity, performed by an AWS service.
fn root_aws_service_event() -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "Root",
            "principalId": "123456789012",
            "arn": "arn:aws:iam::123456789012:root",
            "accountId": "123456789012",
            "invokedBy": "support.amazonaws.com"
        },
        "eventTime": "2024-03-03T12:00:00Z",
        "eventSource": "support.amazonaws.com",
        "eventName": "DescribeTrustedAdvisorChecks",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "support.amazonaws.com",
        "userAgent": "support.amazonaws.com",
        "requestParameters": null,
        "responseElements": null,
        "eventID": "c0ffee00-1111-2222-3333-444455556666",
        "readOnly": true,
        "eventType": "AwsServiceEvent",
        "managementEvent": true,
        "recipientAccountId": "123456789012"
    })
}

/// Root identity, API call made on its behalf by a service (invokedBy set).
fn root_call_invoked_by_service() -> Value {
    let mut e = root_api_call_with_access_key();
    e["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    e["eventType"] = json!("AwsApiCall");
    e
}

/// Root identity, service event without `invokedBy`.
fn root_service_event_without_invoker() -> Value {
    let mut e = root_aws_service_event();
    e["userIdentity"].as_object_mut().expect("object").remove("invokedBy");
    e
}

/// Root identity with `invokedBy: null`: the field exists (with null).
fn root_invoked_by_null() -> Value {
    let mut e = root_api_call_with_access_key();
    e["userIdentity"]["invokedBy"] = Value::Null;
    e
}

fn iam_user_event(event_name: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAJ45Q7YFFAREXAMPLE",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "accessKeyId": "AKIAI44QH8DHBEXAMPLE",
            "userName": "alice"
        },
        "eventTime": "2024-03-04T09:30:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "192.0.2.44",
        "userAgent": "aws-sdk-go/1.44.0",
        "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0abcd1234efgh5678"}]}},
        "responseElements": null,
        "eventType": "AwsApiCall",
        "readOnly": false,
        "managementEvent": true,
        "recipientAccountId": "123456789012"
    })
}

/// (name, record, expected match for the CIS root-usage pattern)
fn corpus() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("root console sign-in", root_console_sign_in(), true),
        ("root API call with access key", root_api_call_with_access_key(), true),
        ("root AwsServiceEvent with invokedBy", root_aws_service_event(), false),
        ("root call invoked by service", root_call_invoked_by_service(), false),
        (
            "root service event without invoker",
            root_service_event_without_invoker(),
            false,
        ),
        ("root with invokedBy null", root_invoked_by_null(), false),
        ("IAM user event", iam_user_event("StopInstances"), false),
        ("IAM user event named x", iam_user_event("x"), false),
    ]
}

const CIS_ROOT: &str =
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

fn check_both_ways(pattern: &FilterPattern, name: &str, event: &Value, expected: bool) {
    assert_eq!(
        pattern.matches_event(event),
        expected,
        "{} on {name} (event)",
        pattern.as_str()
    );
    let line = serde_json::to_string(event).expect("serializable");
    assert_eq!(
        pattern.matches_line(&line),
        expected,
        "{} on {name} (line)",
        pattern.as_str()
    );
}

#[test]
fn cis_root_usage_pattern() {
    let pattern = p(CIS_ROOT);
    assert_eq!(pattern.kind(), PatternKind::Json);
    for (name, event, expected) in corpus() {
        check_both_ways(&pattern, name, &event, expected);
    }
}

#[test]
fn cis_root_usage_reordered_clauses_behave_the_same() {
    let clauses = [
        r#"$.userIdentity.type = "Root""#,
        "$.userIdentity.invokedBy NOT EXISTS",
        r#"$.eventType != "AwsServiceEvent""#,
    ];
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for order in orders {
        let body: Vec<&str> = order.iter().map(|&i| clauses[i]).collect();
        for text in [
            format!("{{ {} }}", body.join(" && ")),
            format!("{{ ({}) }}", body.join(") && (")),
            format!("{{{}}}", body.join("&&")),
        ] {
            let pattern = p(&text);
            for (name, event, expected) in corpus() {
                check_both_ways(&pattern, name, &event, expected);
            }
        }
    }
}

#[test]
fn cis_root_usage_with_lower_case_root_matches_nothing() {
    let pattern = p(&CIS_ROOT.replace("\"Root\"", "\"root\""));
    for (name, event, _) in corpus() {
        check_both_ways(&pattern, name, &event, false);
    }
}

#[test]
fn cis_root_usage_with_wrong_key_case_matches_nothing() {
    let pattern = p(&CIS_ROOT.replace("$.userIdentity.type", "$.userIdentity.Type"));
    for (name, event, _) in corpus() {
        check_both_ways(&pattern, name, &event, false);
    }
}

#[test]
fn cis_root_usage_with_extra_or_matches_more() {
    let text = CIS_ROOT.replace(" }", r#" || $.eventName = "x" }"#);
    assert!(text.ends_with(r#"|| $.eventName = "x" }"#));
    let wider = p(&text);
    let strict = p(CIS_ROOT);
    let mut extra = 0;
    for (name, event, _) in corpus() {
        let before = strict.matches_event(&event);
        let after = wider.matches_event(&event);
        // && binds tighter than ||: (A && B && C) || D only ever adds matches.
        assert!(!before || after, "{name}");
        if after && !before {
            extra += 1;
            assert_eq!(event["eventName"], "x", "{name}");
        }
    }
    assert_eq!(extra, 1);
}

#[test]
fn cis_root_usage_variants_without_not_exists_differ() {
    // A `!=` test on invokedBy is not the same as NOT EXISTS: a missing
    // field matches neither = nor !=, so this pattern never matches the
    // sign-in record that has no invokedBy.
    let pattern = p(&CIS_ROOT.replace(
        "$.userIdentity.invokedBy NOT EXISTS",
        r#"$.userIdentity.invokedBy != "x""#,
    ));
    assert!(!pattern.matches_event(&root_console_sign_in()));
    assert!(pattern.matches_event(&root_call_invoked_by_service()));
}

#[test]
fn cis_unauthorized_api_calls_precedence() {
    // A || B && C && D  ==  A || (B && C && D)
    let pattern = p(
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
    );
    let mut e = iam_user_event("HeadBucket");
    assert!(!pattern.matches_event(&e), "no errorCode");
    e["errorCode"] = json!("Client.UnauthorizedOperation");
    assert!(pattern.matches_event(&e), "first alternative alone");
    e["errorCode"] = json!("AccessDenied");
    assert!(!pattern.matches_event(&e), "HeadBucket excluded");
    e["eventName"] = json!("GetObject");
    assert!(pattern.matches_event(&e));
    e["sourceIPAddress"] = json!("delivery.logs.amazonaws.com");
    assert!(!pattern.matches_event(&e));
}

#[test]
fn cis_console_login_without_mfa() {
    let pattern = p(
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
    );
    let mut e = root_console_sign_in();
    assert!(!pattern.matches_event(&e));
    e["userIdentity"]["type"] = json!("IAMUser");
    assert!(!pattern.matches_event(&e), "MFA used");
    e["additionalEventData"]["MFAUsed"] = json!("No");
    assert!(pattern.matches_event(&e));
}

#[test]
fn other_cis_patterns_parse_and_match() {
    let cases: &[(&str, Value, bool)] = &[
        (
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
            json!({"eventName": "StopLogging"}),
            true,
        ),
        (
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
            json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication"}),
            true,
        ),
        (
            "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
            json!({"eventSource": "kms.amazonaws.com", "eventName": "ScheduleKeyDeletion"}),
            true,
        ),
        (
            "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
            json!({"eventSource": "ec2.amazonaws.com", "eventName": "DisableKey"}),
            false,
        ),
        (
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
            json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy"}),
            true,
        ),
        (
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
            json!({"eventName": "AttachUserPolicy"}),
            true,
        ),
        (
            r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "LeaveOrganization")) }"#,
            json!({"eventSource": "organizations.amazonaws.com", "eventName": "LeaveOrganization"}),
            true,
        ),
    ];
    for (pattern, event, expected) in cases {
        assert_eq!(p(pattern).matches_event(event), *expected, "{pattern}");
    }
}

// ---------------------------------------------------------------------------
// Public API.
// ---------------------------------------------------------------------------

#[test]
fn match_all_patterns() {
    for text in ["", "   ", "\"\"", "  \"\"  ", "\n"] {
        let pattern = p(text);
        assert_eq!(pattern.kind(), PatternKind::MatchAll, "{text:?}");
        assert!(pattern.matches_line("anything"));
        assert!(pattern.matches_line(""));
        assert!(pattern.matches_event(&json!({"a": 1})));
        assert_eq!(pattern.as_str(), text);
    }
}

#[test]
fn kinds() {
    assert_eq!(p("{ $.a = 1 }").kind(), PatternKind::Json);
    assert_eq!(p("  { $.a = 1 }  ").kind(), PatternKind::Json);
    assert_eq!(p("ERROR").kind(), PatternKind::Terms);
    assert_eq!(p("\"a b\"").kind(), PatternKind::Terms);
    assert_eq!(p("[a, b]").kind(), PatternKind::SpaceDelimited);
    assert_eq!(p(" %a|b% ").kind(), PatternKind::Regex);
    assert_eq!(p("{ $.a = %a% }").kind(), PatternKind::Json);
}

#[test]
fn standalone_regex_searches_the_serialized_record() {
    let sign_in = root_console_sign_in();
    let regex = p(r"%\x22type\x22:\x22Root\x22%");
    check_both_ways(&regex, "root console sign-in", &sign_in, true);
    check_both_ways(&regex, "IAM user event", &iam_user_event("x"), false);
    // `^` is the start of the whole record, which starts with `{`.
    assert!(!p("%^.eventVersion%").matches_event(&sign_in));
    assert!(p(r"%^\{.eventVersion%").matches_event(&sign_in));
    assert!(p(r"%Management.\}$%").matches_event(&sign_in));
    assert!(!p(r"%Management\}$%").matches_event(&sign_in));
    assert!(p(" %ConsoleLogin% ").explain(&sign_in).is_empty());
}

#[test]
fn json_regex_conditions_are_explained() {
    let pattern = p("{ $.userIdentity.type = %^Root$% && $.eventType != %Service% }");
    let trace = pattern.explain(&root_aws_service_event());
    assert_eq!(trace.len(), 2);
    assert_eq!(trace[0].condition, "$.userIdentity.type = %^Root$%");
    assert!(trace[0].holds);
    assert_eq!(trace[1].condition, "$.eventType != %Service%");
    assert_eq!(trace[1].value, Some(json!("AwsServiceEvent")));
    assert!(!trace[1].holds);
}

#[test]
fn from_str_matches_parse() {
    let pattern: FilterPattern = "{ $.a = 1 }".parse().expect("parses");
    assert!(pattern.matches_event(&json!({"a": 1})));
    assert!("{".parse::<FilterPattern>().is_err());
}

#[test]
fn error_display_uses_one_based_columns() {
    let err = parse(r#"{ $.a "x" }"#).unwrap_err();
    assert_eq!(err.position, 6);
    assert!(err.to_string().starts_with("at column 7: missing operator"));
}

#[test]
fn error_positions_across_pattern_kinds() {
    let cases: &[(&str, usize)] = &[
        ("{}", 0),
        ("  {}", 2),
        ("{ $.a = 1", 0),
        ("{ ($.a = 1 }", 2),
        ("{ $.a = 1 ) }", 10),
        ("{ $.a 1 }", 6),
        ("{ $.a. = 1 }", 6),
        (r#"{ $.a = "x }"#, 8),
        ("{ $.a = 1 } trailing", 12),
        ("[a, b", 0),
        ("[a, b] x", 7),
        ("[]", 0),
        (r#"ERROR "unterminated"#, 6),
        ("}", 0),
        ("  ] x", 2),
        (") x", 0),
        (r#"{ $.a = "é" "x" }"#, 12),
        ("%a(b%", 2),
        ("  %ab% c", 7),
        ("{ $.a = %x }", 8),
        ("[a = %é%]", 6),
        (r"{ $.é = %\q% }", 9),
    ];
    for (pattern, position) in cases {
        match parse(pattern) {
            Ok(_) => panic!("{pattern:?} should not parse"),
            Err(e) => assert_eq!(e.position, *position, "{pattern:?}: {e}"),
        }
    }
}

#[test]
fn json_pattern_on_non_json_line_does_not_match() {
    let pattern = p("{ $.a NOT EXISTS }");
    assert!(!pattern.matches_line("not json at all"));
    assert!(pattern.matches_line("{}"));
    assert!(pattern.matches_line("[1, 2]"));
}

#[test]
fn terms_on_events_use_compact_serialization() {
    let event = root_console_sign_in();
    assert!(p(r#""\"type\":\"Root\"""#).matches_event(&event));
    assert!(!p(r#""\"type\": \"Root\"""#).matches_event(&event));
    assert!(p("ConsoleLogin -AccessDenied").matches_event(&event));
    assert!(!p("ConsoleLogin -Root").matches_event(&event));
    assert!(p("?Nope ?AwsConsoleSignIn").matches_event(&event));
}

#[test]
fn space_delimited_lines() {
    let pattern = p("[ip, user, username, timestamp, request, status_code = 4*, bytes]");
    assert!(
        pattern.matches_line(r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 534"#)
    );
    assert!(
        !pattern.matches_line(r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 200 534"#)
    );
    // A compact JSON record is a single field.
    assert!(p("[only]").matches_event(&json!({"a": 1})));
}

// ---------------------------------------------------------------------------
// Fuzz-style robustness: parse never panics, matching never panics.
// ---------------------------------------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[char] = &[
    '{', '}', '[', ']', '(', ')', '$', '.', '&', '|', '=', '!', '<', '>', '"', '\\', '*', '?', '-', '+', '%', ',', ' ',
    ' ', '\t', '\n', '0', '1', '9', 'e', 'E', 'a', 'b', 'I', 'S', 'N', 'O', 'T', 'X', '_', ':', '/', 'é', '\u{0}',
    '\u{200b}', '^', 'd', 'w', 'x', 'F', '%', '%',
];

const SEEDS: &[&str] = &[
    CIS_ROOT,
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") }"#,
    "{ $.coordinates[0][1] = 5 && $.a IS NULL || $.b IS TRUE }",
    "{ $.latency >= -1.5e+3 }",
    "[ip, user, ..., status_code = 4* && bytes > 1000, bytes]",
    "[w1=ERROR || w1=WARN, w2,]",
    r#"ERROR -Exiting ?"Failed to process" ?WARN"#,
    r#"{ $.userIdentity.type = %^R[a-z]{2,3}$% && $.eventType != %Service|x\d\W% }"#,
    r"%^\d{1,3}\.[^a-c\s]*|\[.\]$%",
    r"[ip = %^127\.0\.0\.[1-9]$%, ..., status = 4* || status = %^5%, bytes]",
    "",
    "\"\"",
];

fn fuzz_one(input: &str, events: &[Value], lines: &[&str]) {
    match parse(input) {
        Ok(pattern) => {
            let _ = pattern.kind();
            for e in events {
                let _ = pattern.explain(e);
            }
            for e in events {
                let _ = pattern.matches_event(e);
            }
            for l in lines {
                let _ = pattern.matches_line(l);
            }
        }
        Err(e) => {
            assert!(
                e.position <= input.chars().count(),
                "{input:?}: position {} out of range",
                e.position
            );
            assert!(!e.message.is_empty());
            let _ = e.to_string();
        }
    }
}

#[test]
fn fuzz_parse_never_panics() {
    let events = vec![root_console_sign_in(), iam_user_event("x"), json!([1, {"a": null}])];
    let lines = [
        "",
        "ERROR WARN message",
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 404 534"#,
        r#"{"a": [1, 2, {"b": "c"}], "userIdentity": {"type": "Root"}}"#,
        "[unterminated \"quote",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);

    // Random strings over the grammar's alphabet.
    for _ in 0..6000 {
        let len = rng.below(40);
        let s: String = (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect();
        fuzz_one(&s, &events, &lines);
        // Same with a leading brace or bracket so the structured parsers run, and as a
        // regular expression, standalone and as a value.
        fuzz_one(&format!("{{{s}"), &events, &lines);
        fuzz_one(&format!("[{s}"), &events, &lines);
        fuzz_one(&format!("%{s}%"), &events, &lines);
        fuzz_one(&format!("{{ $.a = %{s}% }}"), &events, &lines);
        fuzz_one(&format!("[a != %{s}%, b]"), &events, &lines);
    }

    // Random bytes, decoded lossily.
    for _ in 0..3000 {
        let len = rng.below(48);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        fuzz_one(&String::from_utf8_lossy(&bytes), &events, &lines);
    }

    // Mutations of valid seeds.
    for _ in 0..8000 {
        let mut chars: Vec<char> = SEEDS[rng.below(SEEDS.len())].chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(chars.len() + 1);
            match rng.below(5) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                2 if at < chars.len() => chars[at] = ALPHABET[rng.below(ALPHABET.len())],
                3 => chars.truncate(at),
                _ => {
                    let end = (at + rng.below(8)).min(chars.len());
                    let slice: Vec<char> = chars[at..end].to_vec();
                    for (k, c) in slice.into_iter().enumerate() {
                        chars.insert(end + k, c);
                    }
                }
            }
        }
        let s: String = chars.into_iter().collect();
        fuzz_one(&s, &events, &lines);
    }
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        p(seed);
    }
}
