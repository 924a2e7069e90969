//! SARIF and JUnit checked by real consumers: the SARIF Multitool, the OASIS schema, GitHub's
//! ingestion limits, and junitparser, on every fixture evaluated with its own requirements (so
//! waivers reach the outside tools as SARIF suppressions and JUnit skips).
//!
//! `.ci/run` installs the tools and exports `SARIF_MULTITOOL` and `ROOTWARDEN_PYTHON` (a Python
//! with junitparser). When run without them outside CI these checks say so and are skipped; in CI
//! (`CI` set) a missing tool is a failure.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{root, tool};

/// Every fixture snapshot with the requirements its expected table was made with.
fn fixtures() -> Vec<(PathBuf, Vec<String>)> {
    let mut specs: Vec<_> = std::fs::read_dir(root().join("fixtures/expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    specs.sort();
    let snapshots = std::fs::read_dir(root().join("fixtures/snapshots")).unwrap().count();
    assert_eq!(specs.len(), snapshots, "every snapshot has its expected table");
    specs
        .iter()
        .map(|p| {
            let spec = read_json(p);
            let requirements = match spec["requirements"].as_str() {
                Some(r) => vec!["--requirements".to_string(), root().join(r).display().to_string()],
                None => Vec::new(),
            };
            (root().join(spec["snapshot"].as_str().unwrap()), requirements)
        })
        .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

struct Outputs {
    _dir: tempfile::TempDir,
    sarif: PathBuf,
    junit: PathBuf,
    json: PathBuf,
}

fn evaluate(snapshot: &Path, extra: &[&str]) -> Outputs {
    let dir = tempfile::tempdir().unwrap();
    let (sarif, junit, json) = (
        dir.path().join("r.sarif"),
        dir.path().join("junit.xml"),
        dir.path().join("f.json"),
    );
    let mut args = vec![
        "evaluate".to_string(),
        snapshot.display().to_string(),
        "-o".into(),
        format!("sarif={}", sarif.display()),
        "-o".into(),
        format!("junit={}", junit.display()),
        "-o".into(),
        format!("json={}", json.display()),
        "--fail-on".into(),
        "none".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    Outputs {
        _dir: dir,
        sarif,
        junit,
        json,
    }
}

fn escape_bracket_in_language_patterns(v: &mut serde_json::Value) -> usize {
    const ECMA: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        serde_json::Value::String(s) if s == ECMA => {
            *s = ECMA.replace("}]?", "}\\]?");
            1
        }
        serde_json::Value::Array(a) => a.iter_mut().map(escape_bracket_in_language_patterns).sum(),
        serde_json::Value::Object(o) => o.values_mut().map(escape_bracket_in_language_patterns).sum(),
        _ => 0,
    }
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn sarif_follows_the_oasis_schema_and_github_ingestion_rules() {
    let mut schema = read_json(&root().join("tests/data/sarif-schema-2.1.0.json"));
    // The OASIS schema's `language` patterns have an unescaped `]`, valid in ECMA-262 but
    // rejected by Rust's regex engine; escape it so the rest of the schema is enforced.
    let fixed = escape_bracket_in_language_patterns(&mut schema);
    assert!(fixed >= 2, "the schema's language patterns moved: {fixed}");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut results_seen = 0;
    let mut suppressed = 0;
    for (snap, requirements) in fixtures() {
        let out = evaluate(&snap, &args(&requirements));
        let sarif = read_json(&out.sarif);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", snap.display());
        let runs = sarif["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert!(results.len() <= 25_000);
        for rule in rules {
            let id = rule["id"].as_str().unwrap();
            assert!(!id.is_empty() && id.len() <= 255);
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev));
            assert!(rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "security"));
            assert!(rule["help"]["markdown"].as_str().unwrap().contains("Remediation"));
            assert!(rule["defaultConfiguration"]["level"].is_string());
        }
        for r in results {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"], "ruleIndex points at the rule");
            let loc = &r["locations"].as_array().unwrap()[0];
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                root().join(uri).is_file(),
                "location {uri} must be a file in the repository"
            );
            assert!(loc["logicalLocations"].as_array().unwrap().len() >= 2);
            assert!(r["partialFingerprints"]["rootwarden/v1"].is_string());
            assert!(r["message"]["text"].as_str().unwrap().contains("ccount"));
            if let Some(s) = r["suppressions"].as_array() {
                suppressed += 1;
                assert_eq!(s.len(), 1);
                assert_eq!(s[0]["kind"], "external");
                assert_eq!(s[0]["status"], "accepted");
                assert!(!s[0]["justification"].as_str().unwrap().is_empty());
            }
        }
        results_seen += results.len();
    }
    assert!(
        results_seen > 50,
        "the fixtures should produce many results, got {results_seen}"
    );
    assert!(suppressed >= 1, "the waiver fixtures must reach SARIF as suppressions");
}

#[test]
fn sarif_results_match_the_outcome_table_and_fingerprints_are_stable() {
    let snap = root().join("fixtures/snapshots/neglected-account.json");
    let a = evaluate(&snap, &[]);
    let b = evaluate(&snap, &[]);
    let (sa, sb) = (read_json(&a.sarif), read_json(&b.sarif));
    let prints = |s: &serde_json::Value| -> Vec<String> {
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["rootwarden/v1"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&sa), prints(&sb));
    let mut unique = prints(&sa);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), prints(&sa).len(), "one fingerprint per finding");
    // One SARIF result per failing JSON result, same rule ids.
    let json = read_json(&a.json);
    let mut failing: Vec<String> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["rule_id"].as_str().unwrap().to_string())
        .collect();
    let mut sarif_ids: Vec<String> = sa["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect();
    failing.sort();
    sarif_ids.sort();
    assert_eq!(failing, sarif_ids);
}

#[test]
fn insufficient_data_is_visible_in_sarif() {
    let out = evaluate(
        &root().join("fixtures/snapshots/insufficient-credential-report.json"),
        &["--sarif-category", "org/slice-7"],
    );
    let s = read_json(&out.sarif);
    let run = &s["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "org/slice-7");
    let notes: Vec<_> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "note")
        .collect();
    assert_eq!(notes.len(), 5, "one note per root-credential rule without data");
    assert!(notes
        .iter()
        .all(|r| r["message"]["text"].as_str().unwrap().starts_with("Insufficient data")));
    let notifications = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 5);
}

#[test]
fn sarif_artifact_option_points_every_result_at_that_file() {
    let out = evaluate(
        &root().join("fixtures/snapshots/neglected-account.json"),
        &["--sarif-artifact", "fixtures/requirements/example.yaml"],
    );
    let s = read_json(&out.sarif);
    for r in s["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "fixtures/requirements/example.yaml"
        );
    }
}

#[test]
fn sarif_multitool_validates_every_fixture() {
    let Some(multitool) = tool("SARIF_MULTITOOL") else {
        return;
    };
    let mut suppressions = 0;
    for (snap, requirements) in fixtures() {
        let out = evaluate(&snap, &args(&requirements));
        suppressions += read_json(&out.sarif)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["suppressions"].is_array())
            .count();
        let report = out.sarif.with_extension("validation.sarif");
        let o = Command::new(&multitool)
            .args(["validate", "--output"])
            .arg(&report)
            .arg(&out.sarif)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}: {}{}",
            snap.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let v = read_json(&report);
        let problems: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| r["level"] == "error" || r["level"].is_null())
                    .map(|r| r["message"].to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            problems.is_empty(),
            "{}: multitool errors: {problems:?}",
            snap.display()
        );
    }
    assert!(suppressions >= 1, "the Multitool must see a suppressed result");
}

#[test]
fn junit_read_by_junitparser_matches_the_json_report() {
    let Some(python) = tool("ROOTWARDEN_PYTHON") else {
        return;
    };
    let mut waived_seen = 0;
    for (snap, requirements) in fixtures() {
        let out = evaluate(&snap, &args(&requirements));
        let o = Command::new(&python)
            .arg(root().join("tests/junit_reader.py"))
            .arg(&out.junit)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let seen: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let json = read_json(&out.json);
        let outcomes = &json["summary"]["outcomes"];
        let count = |k: &str| outcomes[k].as_u64().unwrap();
        let total: u64 = ["pass", "fail", "not_applicable", "insufficient_data", "waived"]
            .iter()
            .map(|k| count(k))
            .sum();
        assert_eq!(seen["tests"].as_u64().unwrap(), total, "{}", snap.display());
        assert_eq!(seen["failures"], outcomes["fail"], "{}", snap.display());
        assert_eq!(seen["errors"], outcomes["insufficient_data"], "{}", snap.display());
        assert_eq!(
            seen["skipped"].as_u64().unwrap(),
            count("not_applicable") + count("waived"),
            "{}: a waived control is skipped, never a failure or a pass",
            snap.display()
        );
        // Each waived control is a skipped case whose message gives the waiver.
        for r in json["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "waived")
        {
            waived_seen += 1;
            let case = seen["suites"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["cases"].as_array().unwrap())
                .find(|c| c["name"].as_str().unwrap().starts_with(r["rule_id"].as_str().unwrap()))
                .unwrap();
            assert_eq!(case["kind"], "skipped", "{case}");
            assert!(case["message"].as_str().unwrap().contains("waived until"), "{case}");
        }
        assert_eq!(
            seen["suites"].as_array().unwrap().len() as u64,
            json["summary"]["accounts"].as_u64().unwrap()
        );
        // Every failing JSON result's message appears in its test case's failure message.
        for r in json["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
        {
            let suite = seen["suites"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == format!("account {}", r["account_id"].as_str().unwrap()))
                .unwrap();
            let case = suite["cases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"].as_str().unwrap().starts_with(r["rule_id"].as_str().unwrap()))
                .unwrap();
            assert_eq!(case["kind"], "failure");
            assert!(
                case["message"]
                    .as_str()
                    .unwrap()
                    .contains(r["message"].as_str().unwrap()),
                "{case} lacks {}",
                r["message"]
            );
        }
    }
    assert!(waived_seen >= 1, "junitparser must see a waived control");
}
