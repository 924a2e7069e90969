use super::*;
use serde_json::json;

fn parse(s: &str) -> Result<JsonPattern, ParseError> {
    let mut cur = Cursor::new(s);
    cur.skip_ws();
    JsonPattern::parse(&mut cur)
}

fn m(pattern: &str, event: &Value) -> bool {
    parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .matches(event)
}

fn err(pattern: &str) -> ParseError {
    match parse(pattern) {
        Ok(_) => panic!("{pattern} should not parse"),
        Err(e) => e,
    }
}

/// The example event from the AWS documentation.
fn doc_event() -> Value {
    json!({
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": null,
        "ThisFlag": true
    })
}

/// The compound-condition example event from the AWS documentation.
fn compound_event() -> Value {
    json!({
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [
            {"id": 2, "email": "John.Doe@example.com"},
            {"id": 3, "email": "Jane.Doe@example.com"}
        ],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
    })
}

#[test]
fn documented_single_conditions_match() {
    let e = doc_event();
    for p in [
        r#"{ $.eventType = "UpdateTrail" }"#,
        "{ $.sourceIPAddress != 123.123.* }",
        r#"{ $.arrayKey[0] = "value" }"#,
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ] {
        assert!(m(p, &e), "{p}");
    }
}

#[test]
fn documented_compound_examples() {
    let e = compound_event();
    assert!(m(
        r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
        &e
    ));
    assert!(!m(
        r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
        &e
    ));
    // && binds tighter than ||.
    assert!(m(
        r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
        &e
    ));
    assert!(!m(
        r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
        &e
    ));
    assert!(m("{ $.coordinates[2][0] = 7 }", &e));
}

#[test]
fn or_pattern_matching_from_docs() {
    let bar = json!({"foo": "bar"});
    let baz = json!({"foo": "baz"});
    assert!(m("{$.foo = bar}", &bar));
    assert!(!m("{$.foo = bar}", &baz));
    assert!(m("{$.foo = bar || $.foo = baz }", &bar));
    assert!(m("{$.foo = bar || $.foo = baz }", &baz));
}

#[test]
fn arrays_and_objects_are_not_value_nodes() {
    let e = json!({"users": [1, 2, 3], "obj": {"a": 1}});
    assert!(!m("{ $.users = 1 }", &e));
    assert!(!m("{ $.users != 1 }", &e));
    assert!(!m("{ $.obj = 1 }", &e));
    assert!(!m("{ $.obj != 1 }", &e));
    assert!(!m(r#"{ $.users = "*" }"#, &e));
}

#[test]
fn missing_fields_match_neither_eq_nor_ne() {
    let e = json!({"a": "x"});
    assert!(!m(r#"{ $.b = "x" }"#, &e));
    assert!(!m(r#"{ $.b != "x" }"#, &e));
    assert!(!m("{ $.b > 0 }", &e));
    assert!(!m(r#"{ $.b = "*" }"#, &e));
    assert!(m("{ $.b NOT EXISTS }", &e));
}

#[test]
fn null_and_booleans_are_not_value_nodes() {
    let e = json!({"n": null, "t": true, "f": false, "s": "true"});
    assert!(!m(r#"{ $.n = "*" }"#, &e));
    assert!(!m("{ $.n != x }", &e));
    assert!(!m("{ $.t = true }", &e));
    assert!(m("{ $.t IS TRUE }", &e));
    assert!(!m("{ $.t IS FALSE }", &e));
    assert!(m("{ $.f IS FALSE }", &e));
    assert!(!m("{ $.s IS TRUE }", &e));
    assert!(!m("{ $.missing IS FALSE }", &e));
}

#[test]
fn is_null_versus_not_exists() {
    let e = json!({"n": null, "s": "v"});
    assert!(m("{ $.n IS NULL }", &e));
    assert!(!m("{ $.n NOT EXISTS }", &e));
    assert!(!m("{ $.missing IS NULL }", &e));
    assert!(m("{ $.missing NOT EXISTS }", &e));
    assert!(!m("{ $.s IS NULL }", &e));
    // Stepping through a non-container means the path does not exist.
    assert!(m("{ $.s.deeper NOT EXISTS }", &e));
    assert!(m("{ $.n.deeper NOT EXISTS }", &e));
}

#[test]
fn array_index_rules() {
    let e = json!({"a": ["x", "y"], "o": {"0": "z"}});
    assert!(m("{ $.a[1] = y }", &e));
    assert!(!m("{ $.a[2] = y }", &e));
    assert!(m("{ $.a[2] NOT EXISTS }", &e));
    // "If arrayKey is not an array this will be false."
    assert!(!m("{ $.o[0] = z }", &e));
}

#[test]
fn string_matching_is_exact_and_case_sensitive() {
    let e = json!({"t": "Root", "ip": "123.123.4.5"});
    assert!(m("{ $.t = Root }", &e));
    assert!(m(r#"{ $.t = "Root" }"#, &e));
    assert!(!m(r#"{ $.t = "root" }"#, &e));
    assert!(!m(r#"{ $.t = "Roo" }"#, &e));
    assert!(m(r#"{ $.t = "Ro*" }"#, &e));
    assert!(m(r#"{ $.t = "*oot" }"#, &e));
    assert!(!m("{ $.ip != 123.123.* }", &e));
    assert!(m("{ $.ip = 123.123.* }", &e));
}

#[test]
fn numeric_comparisons() {
    let e = json!({"latency": 500, "numbers": [0.005], "errorCode": 400,
                   "p": [{}, {}, {}, {}, {"averageRuntime": 55.5}]});
    for p in [
        "{ $.latency >= 500 }",
        "{ $.numbers[0] < 10e3 }",
        "{ $.numbers[0] < 10e-3 }",
        "{ $.p[4].averageRuntime <= 55.5 }",
        "{ $.errorCode = 400 }",
        "{ $.errorCode != 500 }",
        "{ $.latency > +100 }",
        "{ $.latency = 5e2 }",
    ] {
        assert!(m(p, &e), "{p}");
    }
    assert!(!m("{ $.latency > 500 }", &e));
    assert!(!m("{ $.errorCode != 400 }", &e));
}

#[test]
fn numbers_against_strings() {
    let e = json!({"account": "123456789012", "code": "AccessDenied", "n": 200});
    assert!(m("{ $.account = 123456789012 }", &e));
    assert!(m("{ $.account > 100 }", &e));
    assert!(!m("{ $.code = 5 }", &e));
    assert!(m("{ $.code != 5 }", &e));
    assert!(!m("{ $.code > 5 }", &e));
    assert!(m(r#"{ $.n = "200" }"#, &e));
    assert!(m("{ $.n = 2* }", &e));
}

#[test]
fn keywords_are_case_insensitive() {
    let e = json!({"n": null});
    assert!(m("{ $.n is null }", &e));
    assert!(m("{ $.x not exists }", &e));
}

#[test]
fn selector_names_allow_dash_and_underscore_and_are_case_sensitive() {
    let e = json!({"a-b": {"c_d": "v"}, "type": "Root"});
    assert!(m("{ $.a-b.c_d = v }", &e));
    assert!(!m("{ $.Type = Root }", &e));
}

#[test]
fn selector_errors() {
    assert_eq!(err("{ $ = 1 }").position, 3);
    assert_eq!(err("{ $. = 1 }").position, 4);
    assert_eq!(err("{ $.a. = 1 }").position, 6);
    assert_eq!(err("{ $[0] = 1 }").position, 3);
    let e = err("{ $.a[*] = 1 }");
    assert_eq!(e.position, 6);
    assert!(e.message.contains("[*]"));
    assert_eq!(err("{ $.a[x] = 1 }").position, 6);
    assert_eq!(err("{ $.a[1 = 1 }").position, 7);
    assert_eq!(err("{ $.a#b = 1 }").position, 5);
    assert_eq!(err("{ $.a[99999999999999999999999] = 1 }").position, 6);
    assert_eq!(err("{ a = 1 }").position, 2);
}

#[test]
fn structural_errors() {
    let e = err("{}");
    assert_eq!(e.position, 0);
    assert!(e.message.contains("empty"));
    assert!(err("{   }").message.contains("empty"));
    let e = err("{ $.a = 1");
    assert_eq!(e.position, 0);
    assert!(e.message.contains("missing closing `}`"));
    assert!(err("{").message.contains("missing closing"));
    let e = err("{ ($.a = 1 }");
    assert_eq!(e.position, 2);
    assert!(e.message.contains("missing closing `)`"));
    assert_eq!(err("{ $.a = 1) }").position, 9);
    assert_eq!(err("{ ) }").position, 2);
    assert_eq!(err("{ () }").position, 3);
    assert_eq!(err("{ $.a = 1 } x").position, 12);
    assert_eq!(err("{ $.a = 1 }}").position, 11);
    assert_eq!(err("{ $.a = 1 $.b = 2 }").position, 10);
    assert_eq!(err("{ $.a = 1 && }").position, 13);
    assert_eq!(err("{ $.a = 1 || ").position, 13);
}

#[test]
fn operator_errors() {
    let e = err(r#"{ $.a "x" }"#);
    assert_eq!(e.position, 6);
    assert!(e.message.contains("missing operator"));
    assert_eq!(err("{ $.a }").position, 6);
    assert_eq!(err("{ $.a = }").position, 8);
    assert_eq!(err("{ $.a > abc }").position, 8);
    assert_eq!(err("{ $.a IS MAYBE }").position, 9);
    assert_eq!(err("{ $.a NOT THERE }").position, 10);
    assert_eq!(err("{ $.a EXISTS }").position, 6);
    assert_eq!(err("{ $.a == 1 }").position, 6);
    assert_eq!(err(r#"{ $.a = "x }"#).position, 8);
    assert_eq!(err("{ $.a = %(ab)% }").position, 9);
    assert_eq!(err("{ $.a >= %1% }").position, 9);
    assert_eq!(err("{ $.a = 1 && %b% = 2 }").position, 13);
}

#[test]
fn regex_values_search_value_nodes_only() {
    let e = doc_event();
    assert!(m("{ $.eventType = %Trail% }", &e));
    assert!(m("{ $.eventType != %^Trail% }", &e));
    assert!(m(
        r"{ $.sourceIPAddress = %^111\.111\.% && $.objectList[0].id = %^1$% }",
        &e
    ));
    assert!(!m("{ $.eventType = %trail% }", &e));
    // Not value nodes: neither = nor != holds, as for other values.
    for p in [
        "{ $.SomeObject = %.% }",
        "{ $.SomeObject != %x% }",
        "{ $.ThisFlag != %x% }",
        "{ $.arrayKey != %x% }",
        "{ $.missing != %x% }",
    ] {
        assert!(!m(p, &e), "{p}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(500), ")".repeat(500));
    assert!(err(&deep).message.contains("too deeply"));
    let ok = format!("{{ {}$.a = 1{} }}", "(".repeat(10), ")".repeat(10));
    assert!(m(&ok, &json!({"a": 1})));
}

#[test]
fn whitespace_is_optional() {
    let e = json!({"a": "x", "b": 2});
    assert!(m("{$.a=x&&$.b>=2}", &e));
    assert!(m("{\n  $.a = \"x\"\n  && ( $.b < 3 )\n}", &e));
}
