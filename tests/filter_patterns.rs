//! Filter-pattern verdicts on the canonical CloudTrail events: a table of pattern variants
//! judged by AWS's documented semantics, and properties that must hold for any pattern.

use proptest::prelude::*;
use rootwarden::canonical_events;
use rootwarden::filter_pattern::{self, FilterPattern};

const TYPE_ROOT: &str = r#"$.userIdentity.type = "Root""#;
const NO_INVOKER: &str = "$.userIdentity.invokedBy NOT EXISTS";
const NOT_SERVICE: &str = r#"$.eventType != "AwsServiceEvent""#;

/// The ids of the canonical events a pattern counts.
fn matched(p: &FilterPattern) -> Vec<&'static str> {
    canonical_events::all()
        .iter()
        .filter(|e| p.matches_event(&e.record))
        .map(|e| e.id.as_str())
        .collect()
}

/// Required root events a pattern misses, and noise events it counts.
fn verdict(pattern: &str) -> Result<(usize, usize), String> {
    let p = filter_pattern::parse(pattern).map_err(|e| e.to_string())?;
    let all = canonical_events::all();
    let missed = all
        .iter()
        .filter(|e| !e.alert_for.is_empty() && !p.matches_event(&e.record))
        .count();
    let noise = all
        .iter()
        .filter(|e| (e.noise.is_some() || !e.root) && p.matches_event(&e.record))
        .count();
    Ok((missed, noise))
}

/// (pattern, expected (missed required root events, noise events counted); Err = does not parse)
#[allow(clippy::type_complexity)]
fn variants() -> Vec<(String, Result<(usize, usize), &'static str>)> {
    let cis = format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} }}");
    let ok = Ok((0, 0));
    // Every required root event: what a pattern that sees no root event misses.
    let every = canonical_events::all()
        .iter()
        .filter(|e| !e.alert_for.is_empty())
        .count();
    vec![
        // The CIS pattern and equivalent rewrites: reordered, re-spaced, parenthesized.
        (cis.clone(), ok),
        (format!("{{ {NOT_SERVICE} && {TYPE_ROOT} && {NO_INVOKER} }}"), ok),
        (format!("{{ {NO_INVOKER} && {NOT_SERVICE} && {TYPE_ROOT} }}"), ok),
        (format!("{{ {NO_INVOKER} && {TYPE_ROOT} && {NOT_SERVICE} }}"), ok),
        (format!("{{({TYPE_ROOT})&&({NO_INVOKER})&&({NOT_SERVICE})}}"), ok),
        (format!("{{ (({TYPE_ROOT}) && ({NO_INVOKER} && {NOT_SERVICE})) }}"), ok),
        (
            format!("{{\n  {TYPE_ROOT}\n  && {NO_INVOKER}\n  && {NOT_SERVICE}\n}}"),
            ok,
        ),
        (
            r#"{$.userIdentity.type="Root"&&$.userIdentity.invokedBy NOT EXISTS&&$.eventType!="AwsServiceEvent"}"#
                .into(),
            ok,
        ),
        (format!("{{ {TYPE_ROOT} && ({NO_INVOKER}) && ({NOT_SERVICE}) }}"), ok),
        (format!("{{ ((({TYPE_ROOT}))) && {NO_INVOKER} && {NOT_SERVICE} }}"), ok),
        // Wildcard and equivalent value forms.
        (cis.replace(r#""Root""#, r#""Roo*""#), ok),
        (cis.replace(r#""Root""#, r#""*oot""#), ok),
        (cis.replace(r#""AwsServiceEvent""#, r#""AwsService*""#), ok),
        (
            format!(
                "{{ {TYPE_ROOT} && {NO_INVOKER} && $.eventType != \"AwsServiceEvent\" && $.eventVersion = \"1.*\" }}"
            ),
            ok,
        ),
        // Typos in values: case-sensitive matching counts no root event.
        (cis.replace(r#""Root""#, r#""root""#), Ok((every, 0))),
        (cis.replace(r#""Root""#, r#""ROOT""#), Ok((every, 0))),
        (cis.replace(r#""Root""#, r#""Root ""#), Ok((every, 0))),
        (cis.replace(r#""Root""#, r#""Rot""#), Ok((every, 0))),
        // Typos in field names: keys are case-sensitive.
        (cis.replace("userIdentity.type", "userIdentity.Type"), Ok((every, 0))),
        (cis.replace("userIdentity.type", "useridentity.type"), Ok((every, 0))),
        (cis.replace("userIdentity.type", "userIdentity"), Ok((every, 0))),
        (cis.replace("$.eventType", "$.EventType"), Ok((every, 0))),
        // A typo in the invokedBy field name silently disables that exclusion (noise).
        (cis.replace("invokedBy", "InvokedBy"), Ok((0, 1))),
        // Negated or inverted conditions.
        (cis.replace(r#"type = "Root""#, r#"type != "Root""#), Ok((every, 4))),
        (
            cis.replace("NOT EXISTS", "EXISTS")
                .replace("invokedBy EXISTS", "invokedBy = \"*\""),
            Ok((every, 1)),
        ),
        // Weakened: a dropped exclusion, or an || that lets more through.
        (format!("{{ {TYPE_ROOT} && {NOT_SERVICE} }}"), Ok((0, 1))),
        // Every canonical AWS-service event carries invokedBy, so this one is enough on them.
        (format!("{{ {TYPE_ROOT} && {NO_INVOKER} }}"), Ok((0, 0))),
        (format!("{{ {TYPE_ROOT} }}"), Ok((0, 2))),
        (
            format!("{{ {TYPE_ROOT} || {NO_INVOKER} && {NOT_SERVICE} }}"),
            Ok((0, 6)),
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} || {NOT_SERVICE} }}"),
            Ok((0, 5)),
        ),
        (
            format!("{{ ({TYPE_ROOT} || {NO_INVOKER}) && {NOT_SERVICE} }}"),
            Ok((0, 5)),
        ),
        // Harmless extra clauses: still exactly a root detection.
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} || $.eventName = \"NoSuchCall\" }}"),
            ok,
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.recipientAccountId = \"111122223333\" }}"),
            ok,
        ),
        // Narrowing clauses: miss some of the required root events.
        (
            format!("{{ {TYPE_ROOT} && $.eventName = \"ConsoleLogin\" }}"),
            Ok((5, 0)),
        ),
        (
            format!(
                "{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.responseElements.ConsoleLogin = \"Success\" }}"
            ),
            Ok((6, 0)),
        ),
        (
            format!("{{ {TYPE_ROOT} && $.userIdentity.accessKeyId = \"AKIA*\" }}"),
            Ok((5, 0)),
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.readOnly IS FALSE }}"),
            Ok((2, 0)),
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.awsRegion = \"eu-*\" }}"),
            Ok((5, 0)),
        ),
        // Numeric and array forms: an unquoted number compares numerically with a numeric
        // string ("1.10"), so 1.1 and 1.10 are the same version; 1.09 is not.
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.eventVersion = 1.1 }}"),
            ok,
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.eventVersion >= 1.09 }}"),
            ok,
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.eventVersion < 1.09 }}"),
            Ok((every, 0)),
        ),
        (
            r#"{ $.userIdentity.type = "Root" && $.requestParameters.instancesSet.items[0].instanceId = "i-*" }"#
                .into(),
            Ok((every, 0)),
        ),
        // Term patterns search the serialized record: "Root" appears in root and AssumeRoot events.
        (r#""\"type\":\"Root\"""#.into(), Ok((0, 2))),
        ("Root".into(), Ok((0, 3))),
        // Match-everything patterns catch root and everything else.
        ("".into(), Ok((0, 6))),
        (r#"{ $.eventVersion = * }"#.into(), Ok((0, 6))),
        // Regular expressions (`%...%`) search the value, as `{ $.eventType = %Trail% }` matches
        // "UpdateTrail" in AWS's documentation; case-sensitive; `^` and `$` anchor.
        (cis.replace(r#""Root""#, "%^Root$%"), ok),
        (cis.replace(r#""Root""#, "%Root%"), ok),
        (cis.replace(r#""Root""#, "%oo%"), ok),
        (cis.replace(r#""Root""#, "%[Rr]oot%"), ok),
        (
            cis.replace(r#""Root""#, "%^Root$%")
                .replace(r#""AwsServiceEvent""#, "%^AwsService%"),
            ok,
        ),
        (
            format!(r#"{{ $.userIdentity.arn = %^arn:aws:iam::\d{{12}}:root$% && {NO_INVOKER} && {NOT_SERVICE} }}"#),
            ok,
        ),
        (
            format!("{{ $.userIdentity.arn = %:root$% && {NO_INVOKER} && {NOT_SERVICE} }}"),
            ok,
        ),
        (cis.replace(r#""Root""#, "%^root$%"), Ok((every, 0))),
        (cis.replace(r#""Root""#, "%^Roo$%"), Ok((every, 0))),
        (cis.replace(r#""Root""#, "%Root %"), Ok((every, 0))),
        (cis.replace(r#"type = "Root""#, "type != %^Root$%"), Ok((every, 4))),
        (
            format!("{{ $.userIdentity.arn = %:root% && {NO_INVOKER} && $.eventType != %Service% }}"),
            ok,
        ),
        // A standalone regular expression searches the serialized record, like a term.
        ("%Root%".into(), Ok((0, 3))),
        ("%type.{3}Root%".into(), Ok((0, 2))),
        (r#"%\x22type\x22:\x22Root\x22%"#.into(), Ok((0, 2))),
        (r#"%\x22arn\x22:\x22arn:aws:iam::\d+:root\x22%"#.into(), Ok((0, 2))),
        // Outside AWS's subset: AWS rejects these, so no detection exists.
        (cis.replace(r#""Root""#, "%(Root)%"), Err("at column 26: parentheses")),
        (cis.replace(r#""Root""#, r#"%"Root"%"#), Err("at column 26")),
        (cis.replace(r#""Root""#, "%Root"), Err("at column 25: unterminated")),
        (cis.replace(r#""Root""#, "%Röot%"), Err("at column 27: multi-byte")),
        (cis.replace(r#"type = "Root""#, "type > %Root%"), Err("needs a number")),
        (
            "{ $.userIdentity.type = %Root% && $.eventType != %Service% && $.eventName = %.% }".into(),
            Err("at column 77: at most two regular expressions"),
        ),
        (r#"%"type":"Root"%"#.into(), Err("at column 2")),
        ("%Root% %Console%".into(), Err("at column 8")),
        // Unparsable: AWS would reject them, so no detection exists.
        (format!("{{ {TYPE_ROOT} && }}"), Err("at column")),
        (format!("{{ {TYPE_ROOT} && {NO_INVOKER}"), Err("at column")),
        (r#"{ $.userIdentity.type = "Root }"#.into(), Err("at column")),
        (r#"{ userIdentity.type = "Root" }"#.into(), Err("at column")),
        (r#"{ $.userIdentity.type == "Root" }"#.into(), Err("at column")),
    ]
}

#[test]
fn pattern_variants_agree_with_aws_semantics() {
    let table = variants();
    assert!(table.len() >= 40, "{} variants", table.len());
    let mut wrong = Vec::new();
    for (pattern, want) in &table {
        let got = verdict(pattern);
        let ok = match (&got, want) {
            (Ok(g), Ok(w)) => g == w,
            (Err(e), Err(w)) => e.contains(w),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{pattern}\n   got {got:?}, want {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} variants wrong:\n{}",
        wrong.len(),
        table.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_text_comparison_with_the_cis_pattern_would_be_wrong_on_these() {
    // What text-based scanners do: compare with the CIS string, whitespace aside.
    let cis = format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} }}");
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text_says_ok = |p: &str| squash(p) == squash(&cis);
    let mut disagreements = 0;
    for (pattern, want) in variants() {
        let semantically_ok = matches!(want, Ok((0, 0)));
        if text_says_ok(&pattern) != semantically_ok {
            disagreements += 1;
        }
    }
    assert!(disagreements >= 10, "only {disagreements} disagreements");
}

/// The JSON log event of AWS's "Using filter patterns to match terms in JSON log events".
const DOC_JSON_EVENT: &str = r#"{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"], "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null}"#;

/// The space-delimited log events of the same page.
const DOC_ACCESS_LOG: &str = r#"127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
const DOC_GET: &str = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200";
const DOC_POST: &str = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310";

/// Every regular-expression example and rule of AWS's "Filter pattern syntax" and "Supported
/// regular expressions (regex) syntax" pages: (pattern, log events it matches, events it does
/// not). Where the page describes a match ("`%^[hc]at%` matches hat and cat, but only at the
/// beginning of a string"), the events are the ones it names.
#[allow(clippy::type_complexity)]
fn documented_regex_examples() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    vec![
        (
            "%AUTHORIZED%",
            vec!["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST"],
            vec!["[ERROR 400] BAD REQUEST", "authorized"],
        ),
        (
            r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%",
            vec!["connect from 10.0.0.1 ok", "111.111.111.111"],
            vec!["10.0.0", "a.b.c.d"],
        ),
        (
            "%[Ee]rror|[Ff]ail%",
            vec!["Error", "error: x", "Fail", "it will fail"],
            vec!["ERROR", "FAIL"],
        ),
        ("%^[hc]at%", vec!["hat", "cat trick"], vec!["a hat", "bat"]),
        ("%[hc]at$%", vec!["the hat", "cat"], vec!["cats", "hat trick"]),
        ("%colou?r%", vec!["color", "colour"], vec!["colouur", "colr"]),
        ("%[abc]%", vec!["a", "xbx", "c"], vec!["xyz", "ABC"]),
        ("%[a-z]%", vec!["A1b", "z"], vec!["ABC 123", ""]),
        ("%[abcx-z]%", vec!["a", "y", "z"], vec!["d", "w"]),
        ("%a{3,5}%", vec!["aaa", "aaaa", "aaaaa"], vec!["aa", "a a a"]),
        ("%^a{3,5}$%", vec!["aaa", "aaaaa"], vec!["aa", "aaaaaa"]),
        // "Either m or n can be omitted."
        ("%^a{3,}$%", vec!["aaa", "aaaaaaaa"], vec!["aa"]),
        ("%^a{,2}$%", vec!["", "a", "aa"], vec!["aaa"]),
        ("%a{2}%", vec!["aa"], vec!["a"]),
        ("%gra|ey%", vec!["gray", "grey"], vec!["gry"]),
        (
            "%^starting|^initializing|^shutting down%",
            vec!["starting ...", "initializing ...", "shutting down"],
            vec!["skipping initializing ..."],
        ),
        ("%abcc|ab[^c]$%", vec!["abcc ...", "aba"], vec!["aac ...", "abc"]),
        (
            r"%\[.\]%",
            vec!["[a]", "[b]", "[7]", "[@]", "[]]", "[ ]"],
            vec!["[]", "[ab]"],
        ),
        (r"%10\.10\.0\.1%", vec!["10.10.0.1"], vec!["10010,051"]),
        // "`%10.10.0.1%` can match 10010,051": the unescaped dot is any character.
        ("%10.10.0.1%", vec!["10.10.0.1", "10010,051"], vec!["10.10.0"]),
        ("%ab*c%", vec!["ac", "abc", "abbbc"], vec!["ab", "adc"]),
        ("%ab[0-9]*%", vec!["ab", "ab0", "ab129"], vec!["a b"]),
        ("%ab+c%", vec!["abc", "abbc", "abbbc"], vec!["ac"]),
        ("%.at%", vec!["hat", "cat", "bat", "4at", "#at", " at"], vec!["at"]),
        (r"%\d%", vec!["port 80"], vec!["port"]),
        ("%[0-9]%", vec!["port 80"], vec!["port"]),
        (r"%^\D+$%", vec!["port"], vec!["port 80"]),
        ("%^[^0-9]+$%", vec!["port"], vec!["port 80"]),
        (r"%a\sb%", vec!["a b", "a\tb", "a\nb"], vec!["ab", "a_b"]),
        (r"%^\S+$%", vec!["a_b"], vec!["a b"]),
        // `\w` is `[a-zA-Z_0-9]`: ASCII, so "é" is a non-word character.
        (r"%^\w+$%", vec!["a_Z9"], vec!["a-b", "é"]),
        ("%^[a-zA-Z_0-9]+$%", vec!["a_Z9"], vec!["a-b"]),
        (r"%\W%", vec!["a-b", "é"], vec!["a_Z9"]),
        ("%[^a-zA-Z_0-9]%", vec!["a-b"], vec!["a_Z9"]),
        (r"%\x3A%", vec!["a:b"], vec!["ab"]),
        (r"%\x28%", vec!["f(x)"], vec!["fx"]),
        // The symbol characters AWS lists are literals.
        (
            "%^a:b_c#d=e@f/g;h,i-j$%",
            vec!["a:b_c#d=e@f/g;h,i-j"],
            vec!["a:b_c#d=e@f/g;h,i+j"],
        ),
        // In a JSON pattern: "This filter pattern matches the string Trail in the property eventType".
        ("{ $.eventType = %Trail% }", vec![DOC_JSON_EVENT], vec![]),
        ("{ $.eventType != %Trail% }", vec![], vec![DOC_JSON_EVENT]),
        (
            r"{ $.sourceIPAddress = %111\.111\.111\.1[0-9]{1,2}% }",
            vec![DOC_JSON_EVENT],
            vec![],
        ),
        ("{ $.arrayKey[0] = %val.{2}% }", vec![DOC_JSON_EVENT], vec![]),
        (
            "{ $.eventType = %^Trail% || $.objectList[1].name = %^b$% }",
            vec![DOC_JSON_EVENT],
            vec![],
        ),
        ("{ $.SomeObject = %.% }", vec![], vec![DOC_JSON_EVENT]),
        // In a space-delimited pattern: `ip` "matches IP address range 127.0.0.1 - 127.0.0.9".
        (
            r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]",
            vec![DOC_ACCESS_LOG],
            vec![r#"127.0.1.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#],
        ),
        (
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
            vec![DOC_GET],
            vec![DOC_POST],
        ),
        (
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]",
            vec![DOC_POST],
            vec![DOC_GET],
        ),
        (
            "[w1=%^ERR|^WARN%, w2]",
            vec!["ERROR message", "WARNING message"],
            vec!["INFO message"],
        ),
    ]
}

/// Patterns AWS's rules reject, with the column of the character at fault and why.
fn documented_regex_rejections() -> Vec<(&'static str, usize, &'static str)> {
    vec![
        // "%something!% would be rejected since '!' is not supported."
        ("%something!%", 11, "`!` is not allowed"),
        // "The ( and ) operators are not supported."
        ("%(abc)%", 2, "parentheses"),
        ("%a|(b)%", 4, "parentheses"),
        ("%abc)%", 5, "parentheses"),
        // "Multi-byte characters are not supported."
        ("%café%", 5, "multi-byte"),
        // "There is a limit of 2 regex for each filter pattern when creating a delimited or JSON
        // filter pattern."
        (
            "{ $.a = %a% && $.b = %b% && $.c = %c% }",
            35,
            "at most two regular expressions",
        ),
        ("[a=%a%, b=%b%, c=%c%]", 18, "at most two regular expressions"),
        // The page's own `%abcc|ab[^c]$` lacks its closing `%`.
        ("%abcc|ab[^c]$", 1, "unterminated"),
        ("{ $.a = %abc }", 9, "unterminated"),
        ("%%", 1, "empty regular expression"),
        // Operators need what they operate on.
        ("%*a%", 2, "`*` must follow"),
        ("%a|+b%", 4, "`+` must follow"),
        ("%^?%", 3, "`?` must follow"),
        ("%a**%", 4, "follow another"),
        ("%a{2}{3}%", 6, "follow another"),
        ("%a|%", 3, "empty alternative"),
        ("%|a%", 2, "empty alternative"),
        // `{m, n}`: m at most n, one of them given, closed.
        ("%a{5,3}%", 3, "more than"),
        ("%a{,}%", 3, "`{m,n}`"),
        ("%a{2%", 3, "`{m,n}`"),
        ("%a{x}%", 3, "`{m,n}`"),
        ("%a}%", 3, "`}`"),
        // Character classes.
        ("%[]%", 2, "empty character class"),
        ("%[^]%", 2, "empty character class"),
        ("%[z-a]%", 3, "out of order"),
        ("%[abc%", 2, "missing `]`"),
        ("%abc]%", 5, "`]`"),
        // Escapes: the documented ones only.
        (r"%\q%", 2, r"`\q` is not"),
        (r"%\xZZ%", 2, "two hexadecimal digits"),
        (r"%\x8F%", 2, "ASCII"),
        (r"%a\%b%", 3, r"`\%`"),
        (r"%a\%", 1, "unterminated"),
        // Other characters outside the documented set.
        ("%a\"b%", 3, "is not allowed"),
        ("%a'b%", 3, "is not allowed"),
        ("%a\tb%", 3, "is not allowed"),
        // Regular expressions take `=` and `!=` only.
        ("{ $.a > %1% }", 9, "needs a number"),
        ("[a >= %1%]", 7, "needs a number"),
        // Where a selector or a field name belongs.
        ("{ %a% = 1 }", 3, "expected a condition"),
        ("[%a%]", 2, "expected a field name"),
        // A standalone regular expression is the whole pattern.
        ("%ERROR% WARN", 9, "whole pattern"),
        ("ERROR %WARN%", 7, "whole pattern"),
        ("?%ERROR% ?%WARN%", 2, "whole pattern"),
    ]
}

#[test]
fn aws_documented_regex_examples_match_as_documented() {
    let examples = documented_regex_examples();
    let rejections = documented_regex_rejections();
    assert!(examples.len() + rejections.len() >= 30);
    let mut wrong = Vec::new();
    for (pattern, yes, no) in &examples {
        let p = match filter_pattern::parse(pattern) {
            Ok(p) => p,
            Err(e) => {
                wrong.push(format!("{pattern}: {e}"));
                continue;
            }
        };
        for line in yes.iter().filter(|l| !p.matches_line(l)) {
            wrong.push(format!("{pattern} should match {line:?}"));
        }
        for line in no.iter().filter(|l| p.matches_line(l)) {
            wrong.push(format!("{pattern} should not match {line:?}"));
        }
    }
    for (pattern, column, reason) in &rejections {
        match filter_pattern::parse(pattern) {
            Ok(_) => wrong.push(format!("{pattern} should not parse")),
            Err(e) => {
                let text = e.to_string();
                if !text.starts_with(&format!("at column {column}: ")) || !text.contains(reason) {
                    wrong.push(format!("{pattern}: got {text:?}, want column {column} and {reason:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_filter_pattern_is_at_most_1024_characters() {
    // PutMetricFilter: "filterPattern ... Maximum length of 1024."
    let at_limit = format!("%{}%", "a".repeat(1022));
    assert!(filter_pattern::parse(&at_limit).is_ok());
    let over = format!("{{ $.a = \"{}\" }}", "é".repeat(1020));
    let e = filter_pattern::parse(&over).unwrap_err();
    assert_eq!(e.position, 1024, "{e}");
    assert!(e.message.contains("1024"), "{e}");
}

/// A CIS condition rendered with optional redundant parentheses and spacing.
fn condition(c: &'static str) -> impl Strategy<Value = String> {
    (0usize..3, prop::sample::select(vec![" ", "", "  ", "\n", "\t"]))
        .prop_map(move |(parens, ws)| format!("{ws}{}{c}{}{ws}", "(".repeat(parens), ")".repeat(parens)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Reordering the `&&` operands and adding redundant parentheses never changes a verdict.
    #[test]
    fn reordering_and_parenthesizing_never_changes_a_verdict(
        a in condition(TYPE_ROOT),
        b in condition(NO_INVOKER),
        c in condition(NOT_SERVICE),
        order in Just([0usize, 1, 2]).prop_shuffle(),
        wrap in any::<bool>(),
    ) {
        let parts = [a, b, c];
        let body = order.iter().map(|i| parts[*i].as_str()).collect::<Vec<_>>().join("&&");
        let body = if wrap { format!("({body})") } else { body };
        let reference = filter_pattern::parse(&format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} }}")).unwrap();
        let p = filter_pattern::parse(&format!("{{{body}}}")).unwrap();
        prop_assert_eq!(matched(&p), matched(&reference));
    }

    /// The same for any conjunction of conditions on fields the events have.
    #[test]
    fn conjunctions_are_order_independent(
        conds in prop::sample::subsequence(vec![
            r#"$.userIdentity.type = "Root""#,
            r#"$.eventType != "AwsServiceEvent""#,
            "$.userIdentity.invokedBy NOT EXISTS",
            r#"$.eventSource = "*.amazonaws.com""#,
            r#"$.eventName = "ConsoleLogin""#,
            "$.readOnly IS TRUE",
            r#"$.userIdentity.accessKeyId = "AKIA*""#,
            "$.errorMessage EXISTS",
        ], 1..5).prop_shuffle(),
    ) {
        let forward = filter_pattern::parse(&format!("{{ {} }}", conds.join(" && ")));
        let mut rev = conds.clone();
        rev.reverse();
        let backward = filter_pattern::parse(&format!("{{ ({}) }}", rev.join(") && (")));
        match (forward, backward) {
            (Ok(f), Ok(b)) => prop_assert_eq!(matched(&f), matched(&b)),
            (Err(_), Err(_)) => {}
            (f, b) => prop_assert!(false, "parse disagreed: {:?} vs {:?}", f.err(), b.err()),
        }
    }

    /// Fuzz: any input parses or fails with a position inside it, and never panics.
    #[test]
    fn arbitrary_input_never_panics(s in ".{0,80}") {
        match filter_pattern::parse(&s) {
            Ok(p) => { let _ = matched(&p); let _ = p.matches_line(&s); }
            Err(e) => prop_assert!(e.position <= s.chars().count(), "{} beyond {:?}", e.position, s),
        }
    }

    /// Fuzz built from pattern tokens, which reaches deeper into the parser than random text.
    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(vec![
        "{", "}", "(", ")", "[", "]", "$.a", "$.userIdentity.type", "$.x[0]", "=", "!=", "<", ">=",
        "&&", "||", "\"Root\"", "\"*\"", "1.5", "-3", "NOT EXISTS", "IS NULL", "IS TRUE", "?", "-",
        "...", ",", "%re%", "\"", "\\", " ", "w1", "%^Root$%", "%a{2,}|[^b]%", "%\\d%", "%",
    ]), 0..24)) {
        let s = tokens.concat();
        if let Ok(p) = filter_pattern::parse(&s) {
            let _ = matched(&p);
            for e in canonical_events::all() {
                let _ = p.explain(&e.record);
            }
        }
    }

    /// Regular expressions built from AWS's operators, escapes and characters (and some it
    /// rejects), standalone and as JSON and space-delimited values: they parse or fail with a
    /// position inside the pattern, and matching never panics.
    #[test]
    fn regex_soup_never_panics(
        parts in prop::collection::vec(prop::sample::select(vec![
            "^", "$", "?", "*", "+", ".", "|", "[", "]", "[^", "{", "}", "{2}", "{1,3}", "{,2}", "{3,}",
            "{2, 4}", "{5,1}", "\\", "\\d", "\\D", "\\s", "\\S", "\\w", "\\W", "\\x3A", "\\x7f",
            "\\xZ1", "\\.", "\\[", "\\q", "a", "Root", "0", "9", ":", "_", "#", "=", "@", "/", ";",
            ",", "-", " ", "a-z", "z-a", "(", ")", "!", "\"", "é", "%", "\t",
        ]), 0..16),
        context in 0usize..4,
    ) {
        let body = parts.concat();
        let s = match context {
            0 => format!("%{body}%"),
            1 => format!("{{ $.userIdentity.type = %{body}% && $.eventName != %{body}% }}"),
            2 => format!("[..., status = %{body}% || status = 2*, bytes]"),
            _ => format!("{{ $.eventName != %{body}% }}"),
        };
        match filter_pattern::parse(&s) {
            Ok(p) => {
                let _ = matched(&p);
                let _ = p.matches_line(&s);
                for e in canonical_events::all() {
                    let _ = p.explain(&e.record);
                }
            }
            Err(e) => prop_assert!(e.position <= s.chars().count(), "{} beyond {:?}", e.position, s),
        }
    }

    /// A regular expression of letters, digits and AWS's symbol characters only searches for
    /// that text: standalone it agrees with the quoted term, as a JSON value with `"*text*"`.
    #[test]
    fn a_literal_regex_is_a_substring_search(
        text in "[A-Za-z0-9:_#=@/;,-]{1,8}",
        line in "[A-Za-z0-9:_#=@/;, -]{0,30}",
    ) {
        let regex = filter_pattern::parse(&format!("%{text}%")).unwrap();
        let term = filter_pattern::parse(&format!("\"{text}\"")).unwrap();
        prop_assert_eq!(regex.matches_line(&line), line.contains(&text));
        prop_assert_eq!(regex.matches_line(&line), term.matches_line(&line));
        let event = serde_json::json!({ "f": line });
        let json_regex = filter_pattern::parse(&format!("{{ $.f = %{text}% }}")).unwrap();
        let json_glob = filter_pattern::parse(&format!("{{ $.f = \"*{text}*\" }}")).unwrap();
        prop_assert_eq!(json_regex.matches_event(&event), json_glob.matches_event(&event));
        let anchored = filter_pattern::parse(&format!("{{ $.f = %^{text}$% }}")).unwrap();
        prop_assert_eq!(anchored.matches_event(&event), line == text);
    }

    /// Event patterns: any JSON either is rejected with a path or matches without panicking.
    #[test]
    fn event_pattern_fuzz_never_panics(s in r#"[{}\[\]":,a-z0-9 $-]{0,60}"#) {
        if let Ok(p) = rootwarden::event_pattern::parse(&s) {
            for e in canonical_events::all() {
                let _ = p.matches(&e.eventbridge());
            }
        }
    }
}
