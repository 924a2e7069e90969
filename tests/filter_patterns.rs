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
        (cis.replace(r#""Root""#, r#""root""#), Ok((5, 0))),
        (cis.replace(r#""Root""#, r#""ROOT""#), Ok((5, 0))),
        (cis.replace(r#""Root""#, r#""Root ""#), Ok((5, 0))),
        (cis.replace(r#""Root""#, r#""Rot""#), Ok((5, 0))),
        // Typos in field names: keys are case-sensitive.
        (cis.replace("userIdentity.type", "userIdentity.Type"), Ok((5, 0))),
        (cis.replace("userIdentity.type", "useridentity.type"), Ok((5, 0))),
        (cis.replace("userIdentity.type", "userIdentity"), Ok((5, 0))),
        (cis.replace("$.eventType", "$.EventType"), Ok((5, 0))),
        // A typo in the invokedBy field name silently disables that exclusion (noise).
        (cis.replace("invokedBy", "InvokedBy"), Ok((0, 1))),
        // Negated or inverted conditions.
        (cis.replace(r#"type = "Root""#, r#"type != "Root""#), Ok((5, 4))),
        (
            cis.replace("NOT EXISTS", "EXISTS")
                .replace("invokedBy EXISTS", "invokedBy = \"*\""),
            Ok((5, 1)),
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
            Ok((3, 0)),
        ),
        (
            format!(
                "{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.responseElements.ConsoleLogin = \"Success\" }}"
            ),
            Ok((4, 0)),
        ),
        (
            format!("{{ {TYPE_ROOT} && $.userIdentity.accessKeyId = \"AKIA*\" }}"),
            Ok((4, 0)),
        ),
        (
            format!("{{ {TYPE_ROOT} && {NO_INVOKER} && {NOT_SERVICE} && $.readOnly IS FALSE }}"),
            Ok((1, 0)),
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
            Ok((5, 0)),
        ),
        (
            r#"{ $.userIdentity.type = "Root" && $.requestParameters.instancesSet.items[0].instanceId = "i-*" }"#
                .into(),
            Ok((5, 0)),
        ),
        // Term patterns search the serialized record: "Root" appears in root and AssumeRoot events.
        (r#""\"type\":\"Root\"""#.into(), Ok((0, 2))),
        ("Root".into(), Ok((0, 3))),
        // Match-everything patterns catch root and everything else.
        ("".into(), Ok((0, 6))),
        (r#"{ $.eventVersion = * }"#.into(), Ok((0, 6))),
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
        "...", ",", "%re%", "\"", "\\", " ", "w1",
    ]), 0..24)) {
        let s = tokens.concat();
        if let Ok(p) = filter_pattern::parse(&s) {
            let _ = matched(&p);
            for e in canonical_events::all() {
                let _ = p.explain(&e.record);
            }
        }
    }

    // Event patterns are fuzzed from JSON value trees in tests/hostile_input.rs.
}
