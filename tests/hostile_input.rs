//! Property tests of every reader of outside input: EventBridge event patterns, snapshots,
//! requirements and AWS Config events. Whatever they are given, they never panic, and what they
//! refuse is refused with the place named. The generators build JSON value trees
//! (`prop_recursive`) shaped like the real documents, so the parsers get past their first check
//! and the matcher really runs; each test counts how often that happened and fails if it was
//! rare.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rootwarden::canonical_events;
use rootwarden::config_rule::event;
use rootwarden::event_pattern;
use rootwarden::input::{self, InputError, Syntax};
use serde_json::{json, Map, Value};
use support::root;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

// --- JSON value trees ------------------------------------------------------------------------

fn words() -> Vec<&'static str> {
    vec![
        "Root",
        "root",
        "AwsServiceEvent",
        "AwsApiCall",
        "ConsoleLogin",
        "signin.amazonaws.com",
        "iam.amazonaws.com",
        "aws.signin",
        "AWS API Call via CloudTrail",
        "Success",
        "a*",
        "*",
        "",
        "10.0.0.0/8",
        ">",
        "<=",
        "=",
        "123456789012",
        "us-east-1",
        "null",
        "~",
        "2026-05-31",
        "+99999-12-31",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "AKIAIOSFODNN7EXAMPLE",
    ]
}

fn keys() -> Vec<&'static str> {
    vec![
        "detail",
        "detail-type",
        "source",
        "userIdentity",
        "type",
        "invokedBy",
        "eventName",
        "eventType",
        "eventSource",
        "sourceIPAddress",
        "account",
        "region",
        "$or",
        "prefix",
        "suffix",
        "anything-but",
        "numeric",
        "exists",
        "equals-ignore-case",
        "wildcard",
        "cidr",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(|n| json!(n)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        prop::sample::select(words()).prop_map(|s| json!(s)),
        "[a-zA-Z0-9*.:-]{0,8}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(keys()).prop_map(str::to_string),
        1 => "[a-z$-]{1,6}",
    ]
}

/// Any JSON value, up to 4 levels deep.
fn json_tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

// --- event patterns ----------------------------------------------------------------------------

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(words()).prop_map(|s| json!(s)),
        "[a-zA-Z*]{0,5}".prop_map(Value::String)
    ]
}

/// One value of a pattern field's list: a literal or a content-filter matcher, sometimes wrong.
fn matcher() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(vec!["<", "<=", "=", ">=", ">", "!"]);
    prop_oneof![
        4 => leaf(),
        1 => text().prop_map(|t| json!({"prefix": t})),
        1 => text().prop_map(|t| json!({"suffix": t})),
        1 => text().prop_map(|t| json!({"prefix": {"equals-ignore-case": t}})),
        1 => text().prop_map(|t| json!({"equals-ignore-case": t})),
        1 => text().prop_map(|t| json!({"wildcard": t})),
        1 => any::<bool>().prop_map(|b| json!({"exists": b})),
        1 => (op.clone(), -10i64..10, op, -10i64..10).prop_map(|(a, x, b, y)| json!({"numeric": [a, x, b, y]})),
        1 => leaf().prop_map(|v| json!({"anything-but": v})),
        1 => prop::collection::vec(leaf(), 0..3).prop_map(|v| json!({"anything-but": v})),
        1 => text().prop_map(|t| json!({"anything-but": {"prefix": t}})),
        1 => json_tree(),
    ]
}

/// An event pattern: fields holding lists of matchers or nested patterns, and `$or` lists.
fn pattern() -> impl Strategy<Value = Value> {
    let field = prop::collection::vec(matcher(), 1..4).prop_map(Value::Array);
    let node = prop::collection::vec((key(), field), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect()));
    node.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            3 => (prop::collection::vec((key(), inner.clone()), 1..4), prop::collection::vec(prop::sample::select(keys()), 0..2))
                .prop_map(|(kv, _)| Value::Object(kv.into_iter().collect())),
            1 => prop::collection::vec(inner, 1..3).prop_map(|alts| json!({"$or": alts})),
        ]
    })
}

/// Every place of `v` as a dotted path (keys and `[i]` indexes), for checking error paths.
fn paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{prefix}[{i}]");
                out.push(p.clone());
                paths(x, &p, out);
            }
        }
        _ => {}
    }
}

#[test]
fn event_patterns_from_json_trees_parse_or_name_the_path_and_match_without_panicking() {
    let events: Vec<Value> = canonical_events::all().iter().map(|e| e.eventbridge()).collect();
    let (parsed, matched, refused) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
    let strategy = (
        prop_oneof![3 => pattern(), 1 => json_tree()],
        prop::collection::vec(json_tree(), 0..3),
    );
    runner(600)
        .run(&strategy, |(p, random_events)| {
            let by_value = event_pattern::parse_value(&p);
            // The same pattern as text parses the same way.
            prop_assert_eq!(&event_pattern::parse(&p.to_string()), &by_value);
            match by_value {
                Ok(pattern) => {
                    parsed.fetch_add(1, Relaxed);
                    for e in events.iter().chain(&random_events) {
                        if pattern.matches(e) {
                            matched.fetch_add(1, Relaxed);
                        }
                    }
                }
                Err(e) => {
                    refused.fetch_add(1, Relaxed);
                    let mut known = vec!["$".to_string()];
                    paths(&p, "", &mut known);
                    prop_assert!(known.contains(&e.path), "{e} names no place of {p}");
                }
            }
            Ok(())
        })
        .unwrap();
    let (parsed, matched, refused) = (parsed.into_inner(), matched.into_inner(), refused.into_inner());
    eprintln!("event patterns: {parsed} parsed, {refused} refused, {matched} matches");
    assert!(
        parsed >= 150 && refused >= 100,
        "the generator must reach both sides: {parsed} parsed, {refused} refused"
    );
    assert!(matched >= 50, "the matcher must really match: {matched}");
}

/// Scalar leaves of `v` reached through objects only, with their paths.
fn scalar_fields(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    if let Value::Object(o) = v {
        for (k, x) in o {
            path.push(k.clone());
            match x {
                Value::Object(_) => scalar_fields(x, path, out),
                Value::Array(_) => {}
                _ => out.push((path.clone(), x.clone())),
            }
            path.pop();
        }
    }
}

fn nest(fields: &[(Vec<String>, Value)]) -> Value {
    let mut root = Map::new();
    for (path, leaf) in fields {
        let mut node = &mut root;
        for k in &path[..path.len() - 1] {
            node = node
                .entry(k.clone())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .unwrap();
        }
        node.insert(path[path.len() - 1].clone(), leaf.clone());
    }
    Value::Object(root)
}

/// Patterns built from an event's own fields match it, and their negations do not: the matcher
/// agrees with EventBridge's semantics on real events, not only on its own unit tests.
#[test]
fn a_pattern_made_of_an_events_own_values_matches_it_and_its_negation_does_not() {
    let events: Vec<Value> = canonical_events::all().iter().map(|e| e.eventbridge()).collect();
    let strategy = (
        0..events.len(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..5),
        0usize..4,
    );
    runner(300)
        .run(&strategy, |(which, picks, form)| {
            let e = &events[which];
            let mut fields = Vec::new();
            scalar_fields(e, &mut Vec::new(), &mut fields);
            let chosen: Vec<(Vec<String>, Value)> =
                picks.iter().map(|i| fields[i.index(fields.len())].clone()).collect();
            let as_pattern = |f: &dyn Fn(&Value) -> Value| {
                nest(
                    &chosen
                        .iter()
                        .map(|(p, v)| (p.clone(), json!([f(v)])))
                        .collect::<Vec<_>>(),
                )
            };
            let (positive, negative) = match form {
                0 => (as_pattern(&|v| v.clone()), as_pattern(&|v| json!({"anything-but": v}))),
                1 => (
                    as_pattern(&|_| json!({"exists": true})),
                    as_pattern(&|_| json!({"exists": false})),
                ),
                2 => (
                    as_pattern(&|v| match v {
                        Value::String(s) => json!({"equals-ignore-case": s.to_uppercase()}),
                        other => other.clone(),
                    }),
                    as_pattern(&|v| json!({"anything-but": [v]})),
                ),
                _ => (
                    as_pattern(&|v| match v {
                        Value::String(s) => json!({"prefix": s.chars().take(2).collect::<String>()}),
                        other => other.clone(),
                    }),
                    as_pattern(&|v| json!({"anything-but": [v, "something-else"]})),
                ),
            };
            let p =
                event_pattern::parse_value(&positive).map_err(|e| TestCaseError::fail(format!("{e}: {positive}")))?;
            prop_assert!(p.matches(e), "{positive} does not match its own event");
            let n =
                event_pattern::parse_value(&negative).map_err(|e| TestCaseError::fail(format!("{e}: {negative}")))?;
            prop_assert!(!n.matches(e), "{negative} matches the event it excludes");
            Ok(())
        })
        .unwrap();
}

// --- snapshots -----------------------------------------------------------------------------------

fn fixture(name: &str) -> (String, Value) {
    let text = std::fs::read_to_string(root().join("fixtures/snapshots").join(name)).unwrap();
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

/// `doc` with the node at `index` (in a depth-first walk) replaced by `new(node)`.
fn replace_nth(doc: &Value, index: usize, new: &dyn Fn(&Value) -> Value) -> Value {
    fn walk(v: &mut Value, n: &mut usize, new: &dyn Fn(&Value) -> Value) -> bool {
        if *n == 0 {
            *v = new(v);
            return true;
        }
        *n -= 1;
        match v {
            Value::Object(o) => o.values_mut().any(|x| walk(x, n, new)),
            Value::Array(a) => a.iter_mut().any(|x| walk(x, n, new)),
            _ => false,
        }
    }
    let mut out = doc.clone();
    let mut n = index;
    walk(&mut out, &mut n, new);
    out
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(o) => o.values().map(count_nodes).sum(),
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// An input error names the file and a place in it.
fn names_the_place(e: &InputError, file: &str) -> Result<(), TestCaseError> {
    let text = e.to_string();
    prop_assert!(text.starts_with(file), "{text}");
    match e {
        InputError::Invalid { place, .. } => {
            prop_assert!(
                place.contains("line ") || place.starts_with("at `") || place == "document",
                "{text}"
            )
        }
        InputError::Io { .. } => prop_assert!(false, "{text}"),
    }
    Ok(())
}

#[test]
fn the_snapshot_reader_never_panics_and_names_the_place_of_what_it_refuses() {
    let fixtures = [
        "compliant-org.json",
        "activity-unapproved-use.json",
        "advanced-selectors.json",
    ];
    let docs: Vec<(String, Value)> = fixtures.iter().map(|f| fixture(f)).collect();
    let (accepted, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Half the time the new value has the old one's kind (a string for a string...), so the
    // mutant gets past the types to the checks made after them.
    let strategy = (
        0..docs.len(),
        any::<prop::sample::Index>(),
        json_tree(),
        any::<bool>(),
        prop::sample::select(words()),
        any::<prop::sample::Index>(),
    );
    let file = Path::new("hostile.json");
    runner(400)
        .run(&strategy, |(which, at, new, same_kind, word, cut)| {
            let (text, doc) = &docs[which];
            let replace = |old: &Value| match old {
                Value::String(_) if same_kind => json!(word),
                Value::Number(n) if same_kind => json!(n.as_f64().unwrap_or(0.0) * -3.0),
                Value::Bool(b) if same_kind => json!(!b),
                _ => new.clone(),
            };
            let mutant = replace_nth(doc, at.index(count_nodes(doc)), &replace).to_string();
            match input::parse_snapshot(file, &mutant) {
                Ok(_) => {
                    accepted.fetch_add(1, Relaxed);
                }
                Err(e) => {
                    refused.fetch_add(1, Relaxed);
                    names_the_place(&e, "hostile.json")?;
                }
            }
            // A file cut short anywhere is refused with its line.
            let end = cut.index(text.len());
            if let Some(short) = text.get(..end) {
                let e = input::parse_snapshot(file, short).err();
                prop_assert!(e.is_some(), "a snapshot cut at byte {end} was accepted");
                let e = e.unwrap();
                names_the_place(&e, "hostile.json")?;
                prop_assert!(e.to_string().contains("line ") || end == 0, "{e}");
            }
            Ok(())
        })
        .unwrap();
    let (accepted, refused) = (accepted.into_inner(), refused.into_inner());
    eprintln!("snapshots: {accepted} mutants accepted, {refused} refused");
    assert!(
        accepted >= 20 && refused >= 100,
        "{accepted} accepted, {refused} refused"
    );
}

// --- requirements -------------------------------------------------------------------------------

fn yaml_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "~",
            "null",
            "\"\"",
            "0",
            "-1",
            "401",
            "90",
            "true",
            "yes",
            "2026-05-31",
            "+99999-12-31",
            "9999-12-31",
            "2026-02-30",
            "1969-12-31",
            "\"123456789012\"",
            "\"12345\"",
            "\"*\"",
            "RW-ROOT-002",
            "[]",
            "{}",
            "[a, ~]",
            "\"AKIAIOSFODNN7EXAMPLE\"",
            "Q7ZD",
            "'quoted'",
            "|\n  block",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 @.*-]{0,10}",
    ]
}

/// A requirements document: the example's keys with values drawn at random.
fn requirements_doc() -> impl Strategy<Value = String> {
    let fields = prop::collection::vec(
        (
            prop::sample::select(vec![
                "version",
                "lookback_days",
                "require_hardware_mfa",
                "scope.include_accounts",
                "scope.exclude_accounts",
                "logging.min_retention_days",
                "alerting.accepted_endpoints",
                "alerting.required_events",
                "waivers[0].rule_id",
                "waivers[0].account_id",
                "waivers[0].reason",
                "waivers[0].expires",
                "waivers[0].approver",
                "waivers[0].resource",
                "root_use_exceptions[0].account_id",
                "root_use_exceptions[0].scenario",
                "root_use_exceptions[0].approver",
                "root_use_exceptions[0].starts",
                "root_use_exceptions[0].expires",
                "root_use_exceptions[0].allowed_event_names",
                "retained_root_keys[0].key_last4",
                "retained_root_keys[0].slot",
                "retained_root_keys[0].justification",
                "retained_root_keys[0].decommission_date",
                "retained_root_keys[0].account_id",
                "unknown_key",
            ]),
            yaml_scalar(),
        ),
        0..6,
    );
    fields.prop_map(|fields| {
        let mut base = json!({
            "waivers": [{"rule_id": "RW-ROOT-002", "account_id": "555566667777", "reason": "r", "expires": "2099-12-31"}],
            "root_use_exceptions": [{"account_id": "111111111111", "scenario": "s", "approver": "a", "expires": "2026-05-31"}],
            "retained_root_keys": [{"account_id": "555566667777", "key_last4": "Q7ZD", "justification": "j", "decommission_date": "2027-03-31"}],
        });
        let mut overrides = Vec::new();
        for (path, value) in fields {
            overrides.push((path, value));
        }
        // Written as YAML by hand so each value keeps its YAML spelling (`~`, `yes`, `+99999-12-31`).
        let mut out = String::new();
        let mut sections: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
        for (path, value) in &overrides {
            let path: &str = path;
            let (section, rest) = path.split_once(['.', '[']).unwrap_or((path, ""));
            sections.entry(section.to_string()).or_default().push((rest.to_string(), value.clone()));
        }
        for list in ["waivers", "root_use_exceptions", "retained_root_keys"] {
            let item = base[list][0].as_object_mut().unwrap();
            out.push_str(&format!("{list}:\n  -"));
            let mut first = true;
            let mut fields: Vec<(String, String)> =
                item.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
            for (rest, value) in sections.remove(list).unwrap_or_default() {
                let field = rest.trim_start_matches("0].").to_string();
                fields.retain(|(k, _)| *k != field);
                fields.push((field, value));
            }
            for (k, v) in fields {
                out.push_str(&format!("{}{k}: {v}\n", if first { " " } else { "    " }));
                first = false;
            }
        }
        for (section, entries) in sections {
            for (rest, value) in entries {
                if rest.is_empty() {
                    out.push_str(&format!("{section}: {value}\n"));
                } else {
                    out.push_str(&format!("{section}:\n  {rest}: {value}\n"));
                }
            }
        }
        out
    })
}

#[test]
fn the_requirements_reader_never_panics_and_names_the_line_of_what_it_refuses() {
    let (accepted, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner(400)
        .run(&requirements_doc(), |text| {
            let path = Path::new("hostile.yaml");
            match input::RequirementsDoc::parse(path, &text, Syntax::Yaml) {
                Ok(doc) => {
                    accepted.fetch_add(1, Relaxed);
                    let r = &doc.requirements;
                    for w in &r.waivers {
                        prop_assert!(
                            !w.reason.trim().is_empty() && w.reason != "null" && w.reason != "~",
                            "{text}"
                        );
                        prop_assert!(w.expires <= rootwarden::requirements::LATEST_DATE, "{text}");
                    }
                    let known = ["RW-ROOT-001", "RW-ROOT-002"];
                    if let Err(e) = doc.check_waiver_rules(known) {
                        let e = e.to_string();
                        prop_assert!(
                            e.contains("hostile.yaml: line ") && e.contains("waivers["),
                            "{e}\n{text}"
                        );
                    }
                }
                Err(e) => {
                    refused.fetch_add(1, Relaxed);
                    let msg = e.to_string();
                    prop_assert!(msg.starts_with("hostile.yaml: line "), "no line in {msg:?} for\n{text}");
                }
            }
            Ok(())
        })
        .unwrap();
    let (accepted, refused) = (accepted.into_inner(), refused.into_inner());
    eprintln!("requirements: {accepted} accepted, {refused} refused");
    assert!(
        accepted >= 30 && refused >= 100,
        "{accepted} accepted, {refused} refused"
    );
}

// --- AWS Config events --------------------------------------------------------------------------

fn account_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("123456789012")),
        Just(json!("210987654321")),
        Just(Value::Null),
        "[0-9]{0,14}".prop_map(Value::String),
        leaf(),
    ]
}

#[test]
fn config_events_are_read_strictly_and_errors_name_the_field() {
    let bases: Vec<Value> = [
        "scheduled.json",
        "configuration-item-change.json",
        "oversized-configuration-item-change.json",
        "left-scope.json",
    ]
    .iter()
    .map(|f| serde_json::from_str(&std::fs::read_to_string(root().join("deploy/events").join(f)).unwrap()).unwrap())
    .collect();
    let (accepted, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let outer = prop::sample::select(vec![
        "accountId",
        "invokingEvent",
        "ruleParameters",
        "resultToken",
        "eventLeftScope",
        "executionRoleArn",
        "configRuleArn",
    ]);
    let inner = prop::sample::select(vec![
        "awsAccountId",
        "messageType",
        "notificationCreationTime",
        "configurationItem",
    ]);
    let strategy = (
        0..bases.len(),
        prop::option::of((outer, prop_oneof![account_value(), json_tree()])),
        prop::option::of((inner, prop_oneof![account_value(), json_tree()])),
        prop::option::of(account_value()),
    );
    runner(500)
        .run(&strategy, |(which, outer, inner, item_account)| {
            let mut ev = bases[which].clone();
            let mut invoking: Value = serde_json::from_str(ev["invokingEvent"].as_str().unwrap()).unwrap();
            if let Some((k, v)) = inner {
                invoking[k] = v;
            }
            if let (Some(v), Some(item)) = (
                item_account,
                invoking.get_mut("configurationItem").filter(|i| i.is_object()),
            ) {
                item["awsAccountId"] = v;
            }
            ev["invokingEvent"] = Value::String(invoking.to_string());
            if let Some((k, v)) = outer {
                ev[k] = v;
            }
            match event::parse(&ev.to_string(), "hostile-event.json") {
                Ok(inv) => {
                    accepted.fetch_add(1, Relaxed);
                    if let Some(a) = &inv.account_id {
                        prop_assert!(a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()), "{a}");
                        for named in [ev.get("accountId"), invoking.get("awsAccountId")]
                            .into_iter()
                            .flatten()
                        {
                            if let Some(n) = named.as_str() {
                                prop_assert_eq!(n, a.as_str());
                            }
                        }
                    }
                }
                Err(e) => {
                    refused.fetch_add(1, Relaxed);
                    prop_assert_eq!(&e.source_name, "hostile-event.json");
                    let top = e.place.split(['.', '[']).next().unwrap_or_default().to_string();
                    prop_assert!(
                        top == "event"
                            || ev.get(&top).is_some()
                            || top == "accountId"
                            || top == "executionRoleArn"
                            || top == "resultToken",
                        "{e} names no field of {ev}"
                    );
                }
            }
            Ok(())
        })
        .unwrap();
    let (accepted, refused) = (accepted.into_inner(), refused.into_inner());
    eprintln!("config events: {accepted} accepted, {refused} refused");
    assert!(
        accepted >= 50 && refused >= 100,
        "{accepted} accepted, {refused} refused"
    );
}
