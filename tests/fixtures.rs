//! Every fixture's full outcome table, the schemas, and the bundled Rego unit tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rootwarden::input;
use rootwarden::policy::{loader, rego_tests, Policy};
use rootwarden::requirements::Requirements;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected_files() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("fixtures/expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

type Table = BTreeMap<String, BTreeMap<String, String>>;

fn outcome_table(snapshot: &Path, requirements: Option<&Path>) -> Table {
    let snap = input::load_snapshot(snapshot).unwrap();
    let req = requirements
        .map(|p| input::load_requirements(p).unwrap())
        .unwrap_or_default();
    let mut policy = Policy::load(&loader::bundled(), &req).unwrap();
    let eval = policy.evaluate(&snap).unwrap();
    let mut t = Table::new();
    for o in &eval.outcomes {
        t.entry(o.account_id.clone())
            .or_default()
            .insert(o.rule_id.clone(), o.status.as_str().to_string());
    }
    t
}

#[test]
fn every_fixture_yields_its_expected_outcome_table() {
    let files = expected_files();
    assert!(
        files.len() >= 20,
        "expected the full fixture set, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for f in files {
        let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let snapshot = root().join(spec["snapshot"].as_str().unwrap());
        let requirements = spec["requirements"].as_str().map(|r| root().join(r));
        let expected: Table = serde_json::from_value(spec["outcomes"].clone()).unwrap();
        let actual = outcome_table(&snapshot, requirements.as_deref());
        for (acct, rules) in &expected {
            for (rule, status) in rules {
                let got = actual
                    .get(acct)
                    .and_then(|r| r.get(rule))
                    .map(String::as_str)
                    .unwrap_or("<missing>");
                if got != status {
                    failures.push(format!("{}: {acct} {rule}: expected {status}, got {got}", f.display()));
                }
            }
        }
        let rules_run: usize = actual.values().map(|r| r.len()).sum();
        let rules_expected: usize = expected.values().map(|r| r.len()).sum();
        if rules_run != rules_expected {
            failures.push(format!(
                "{}: {rules_run} outcomes, expected {rules_expected}",
                f.display()
            ));
        }
    }
    assert!(failures.is_empty(), "outcome mismatches:\n{}", failures.join("\n"));
}

#[test]
fn committed_fixtures_are_what_the_generator_writes() {
    let out = std::process::Command::new("python3")
        .arg("fixtures/generate.py")
        .arg("--check")
        .current_dir(root())
        .output()
        .expect("python3 runs the fixture generator");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn checked_in_schemas_match_the_types() {
    let snap = std::fs::read_to_string(root().join("schemas/snapshot.schema.json")).unwrap();
    assert_eq!(
        snap,
        rootwarden::schema::snapshot_schema(),
        "run: cargo run -- schema snapshot > schemas/snapshot.schema.json"
    );
    let req = std::fs::read_to_string(root().join("schemas/requirements.schema.json")).unwrap();
    assert_eq!(
        req,
        rootwarden::schema::requirements_schema(),
        "run: cargo run -- schema requirements > schemas/requirements.schema.json"
    );
}

fn validator(schema_file: &str) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(schema_file)).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn every_fixture_snapshot_validates_against_the_schema() {
    let v = validator("schemas/snapshot.schema.json");
    let mut n = 0;
    for e in std::fs::read_dir(root().join("fixtures/snapshots")).unwrap() {
        let p = e.unwrap().path();
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        n += 1;
    }
    assert!(n >= 20);
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let v = validator("schemas/snapshot.schema.json");
    let path = root().join("fixtures/snapshots/compliant-standalone.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["accounts"][0]["iam"]["credential_report"]["root"]["mfa_active"] = serde_json::json!("yes");
    assert!(!v.is_valid(&doc));
    assert!(input::parse_snapshot(&path, &doc.to_string()).is_err());
    doc["accounts"][0]["iam"]["credential_report"]["root"]["mfa_active"] = serde_json::json!(true);
    doc["accounts"][0]["surprise"] = serde_json::json!(1);
    assert!(!v.is_valid(&doc));
    assert!(input::parse_snapshot(&path, &doc.to_string()).is_err());
}

#[test]
fn requirements_examples_validate_against_their_schema() {
    let v = validator("schemas/requirements.schema.json");
    for e in std::fs::read_dir(root().join("fixtures/requirements")).unwrap() {
        let p = e.unwrap().path();
        let req = input::load_requirements(&p).unwrap_or_else(|e| panic!("{e}"));
        let doc: serde_json::Value = serde_norway::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        assert!(req.validate().is_ok());
    }
    let default = serde_json::to_value(Requirements::default()).unwrap();
    assert!(v.is_valid(&default));
}

#[test]
fn bundled_rego_unit_tests_pass() {
    let results = rego_tests::run(&loader::bundled()).unwrap();
    let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
    assert!(failed.is_empty(), "failing Rego tests: {failed:#?}");
    // Every bundled rule has its own test file with tests in it.
    let policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
    for rule in policy.rules() {
        let test_file = rule.file.replace(".rego", "_test.rego");
        let n = results.iter().filter(|r| r.file == test_file).count();
        assert!(
            n >= 3,
            "{} has {n} tests in {test_file}; expected at least 3",
            rule.id()
        );
    }
}

#[test]
fn bundled_rules_are_deterministic_and_standard() {
    for f in loader::bundled() {
        assert!(
            !f.text.contains("time.now_ns"),
            "{} reads the clock; use util.now_ns (collected_at)",
            f.path
        );
        assert!(!f.text.contains("http.send"), "{} makes network calls", f.path);
        assert!(f.text.contains("import rego.v1"), "{} is not rego.v1", f.path);
        // Custom builtins: only the documented ones (docs/writing-rules.md, README).
        let documented = [
            "filter_matches(",
            "filter_error(",
            "event_pattern_matches(",
            "event_pattern_error(",
        ];
        let doc = std::fs::read_to_string(root().join("docs/writing-rules.md")).unwrap();
        for (i, _) in f.text.match_indices("rootwarden.") {
            let rest = &f.text[i + "rootwarden.".len()..];
            if rest.starts_with("rules.") || rest.starts_with("lib.") {
                continue; // package paths, not calls
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let call = format!("{name}(");
            assert!(
                documented.contains(&call.as_str()),
                "{} calls undocumented rootwarden.{name}",
                f.path
            );
            assert!(
                doc.contains(&format!("rootwarden.{name}(")),
                "rootwarden.{name} missing from docs/writing-rules.md"
            );
        }
    }
}

/// Large snapshots are evaluated by several workers; the result must be the same outcomes, in
/// the snapshot's account order, as each template account evaluated on its own.
#[test]
fn parallel_evaluation_matches_serial_and_keeps_account_order() {
    let dir = root().join("fixtures/snapshots");
    let org = input::load_snapshot(&dir.join("compliant-org.json")).unwrap();
    let neglected = input::load_snapshot(&dir.join("neglected-account.json")).unwrap();
    let noisy = input::load_snapshot(&dir.join("fault-filter-counts-service-events.json")).unwrap();
    let templates = [&org.accounts[1], &neglected.accounts[0], &noisy.accounts[0]];
    let mut big = org.clone();
    big.accounts.truncate(1);
    for i in 1..100 {
        let mut a = templates[i % 3].clone();
        a.account_id = format!("{:012}", 700_000_000_000u64 + i as u64);
        big.accounts.push(a);
    }
    let mut policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
    let eval = policy.evaluate(&big).unwrap();
    let order: Vec<&str> = big.accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(eval.accounts, order);
    let rules = eval.rules.len();
    assert_eq!(eval.outcomes.len(), order.len() * rules);
    // Each account alone (one worker), in a snapshot with the management account, which owns
    // the organization trail.
    for (i, acct) in order.iter().enumerate().skip(1) {
        let mut s = big.clone();
        s.accounts = vec![big.accounts[0].clone(), big.accounts[i].clone()];
        let alone: Vec<String> = policy.evaluate(&s).unwrap().outcomes[rules..]
            .iter()
            .map(|o| o.status.as_str().to_string())
            .collect();
        let got: Vec<String> = eval.outcomes[i * rules..(i + 1) * rules]
            .iter()
            .map(|o| {
                assert_eq!(o.account_id, *acct);
                o.status.as_str().to_string()
            })
            .collect();
        assert_eq!(got, alone, "account {acct}");
    }
}
