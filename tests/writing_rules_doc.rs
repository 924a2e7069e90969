//! docs/writing-rules.md stays true: every snapshot field is documented, and the worked
//! example rule and its tests run as written.

mod support;

use support::{root, rootwarden};

fn doc() -> String {
    std::fs::read_to_string(root().join("docs/writing-rules.md")).unwrap()
}

/// The `<!-- file: NAME -->` fenced blocks of the doc.
fn files(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find("<!-- file: ") {
        rest = &rest[i + "<!-- file: ".len()..];
        let name = rest[..rest.find(" -->").unwrap()].to_string();
        let start = rest.find("```rego\n").unwrap() + "```rego\n".len();
        let body = &rest[start..];
        let end = body.find("```").unwrap();
        out.push((name, body[..end].to_string()));
        rest = &body[end..];
    }
    out
}

#[test]
fn every_snapshot_field_is_documented() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/snapshot.schema.json")).unwrap()).unwrap();
    let doc = doc();
    let mut missing = Vec::new();
    let mut check = |owner: &str, props: &serde_json::Map<String, serde_json::Value>| {
        for k in props.keys() {
            if !doc.contains(&format!("| `{k}` |")) {
                missing.push(format!("{owner}.{k}"));
            }
        }
    };
    check("Snapshot", schema["properties"].as_object().unwrap());
    for (name, def) in schema["$defs"].as_object().unwrap() {
        if let Some(props) = def["properties"].as_object() {
            assert!(doc.contains(&format!("#### `{name}`")), "no section for {name}");
            check(name, props);
        }
    }
    assert!(missing.is_empty(), "undocumented fields: {missing:?}");
}

#[test]
fn worked_example_runs_as_written_and_matches_the_scaffold() {
    let blocks = files(&doc());
    assert_eq!(blocks.len(), 2, "the rule and its test");
    let d = tempfile::tempdir().unwrap();
    for (name, text) in &blocks {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    let dir = d.path().display().to_string();

    let o = rootwarden(&["rules", "test", "--rules", &dir, "--no-builtin-rules", "--coverage"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("3 passed, 0 failed"), "{out}");

    let o = rootwarden(&["rules", "list", "--rules", &dir]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("ACME-ROOT-001"));

    let o = rootwarden(&[
        "evaluate",
        "fixtures/snapshots/compliant-org.json",
        "--rules",
        &dir,
        "--only",
        "ACME-ROOT-001",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut statuses: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["not_applicable", "pass", "pass"], "as the doc says");

    // `rules new` writes exactly the documented example.
    let s = tempfile::tempdir().unwrap();
    let sdir = s.path().display().to_string();
    let o = rootwarden(&[
        "rules",
        "new",
        "no_member_password",
        "--dir",
        &sdir,
        "--id",
        "ACME-ROOT-001",
    ]);
    assert_eq!(o.status.code(), Some(0));
    for (name, text) in &blocks {
        assert_eq!(&std::fs::read_to_string(s.path().join(name)).unwrap(), text, "{name}");
    }
}

#[test]
fn the_requires_names_in_the_doc_are_the_engines() {
    let doc = doc();
    let meta = |fact: &str| {
        format!("# METADATA\n# title: t\n# description: d\n# custom:\n#   id: X-1\n#   severity: low\n#   remediation: r\n#   requires: [{fact}]\n")
    };
    let bogus = rootwarden::policy::metadata::find_block(&meta("bogus")).unwrap();
    assert!(
        rootwarden::policy::metadata::parse_block(&bogus).is_err(),
        "unknown facts are rejected"
    );
    for fact in [
        "credential_report",
        "account_summary",
        "root_mfa_devices",
        "organization_root_access",
        "cloudtrail",
        "logs",
        "cloudwatch",
        "sns",
        "events",
    ] {
        let block = rootwarden::policy::metadata::find_block(&meta(fact)).unwrap();
        assert!(
            rootwarden::policy::metadata::parse_block(&block).is_ok(),
            "{fact} is not a fact the engine knows"
        );
        assert!(doc.contains(&format!("`{fact}`")), "{fact} not in the doc");
    }
}
