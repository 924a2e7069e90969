//! A Rego package spread over several files is refused. regorus 0.14 evaluates such a package
//! wrongly: moving one rule of the bundled monitoring library into a second file of the same
//! package turns RW-MON-002 on a trail that is not logging from "fail" into "pass". Until the
//! interpreter is fixed, every package lives in one file, bundled or not.

mod support;

use std::path::Path;
use std::process::Output;

use support::{root, rootwarden as run};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The bundled rules with one definition of `rules/lib/monitoring.rego` moved into a file of
/// its own that loads first: the same package in two files, nothing else changed.
fn bundled_rules_with_monitoring_split(dir: &Path) {
    copy_dir(&root().join("rules"), dir);
    let path = dir.join("lib/monitoring.rego");
    let text = std::fs::read_to_string(&path).unwrap();
    let moved = "related := object.get(input, \"related_accounts\", {})\n";
    assert!(
        text.contains(moved),
        "the monitoring library defines `related` as expected"
    );
    std::fs::write(&path, text.replacen(moved, "", 1)).unwrap();
    std::fs::write(
        dir.join("lib/0_related.rego"),
        format!("package rootwarden.lib.monitoring\n\nimport rego.v1\n\n{moved}"),
    )
    .unwrap();
}

fn assert_refused_naming_both(o: &Output, files: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for f in files {
        assert!(err.contains(f), "expected {f} in: {err}");
    }
    assert!(err.contains("one file"), "says what to do: {err}");
}

#[test]
fn a_package_split_over_two_files_is_refused_instead_of_evaluated_wrongly() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    bundled_rules_with_monitoring_split(&rules);
    let snapshot = root().join("fixtures/snapshots/fault-trail-not-logging.json");
    let args = [
        "evaluate",
        "--no-builtin-rules",
        "--rules",
        rules.to_str().unwrap(),
        snapshot.to_str().unwrap(),
        "-o",
        "json",
    ];
    let o = run(&args);
    // Without the check regorus answers exit 0 with RW-MON-002..005 "pass" on this snapshot.
    assert_refused_naming_both(
        &o,
        &["lib/monitoring.rego", "lib/0_related.rego", "rootwarden.lib.monitoring"],
    );
    let o = run(&[
        "rules",
        "test",
        "--no-builtin-rules",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_refused_naming_both(&o, &["lib/monitoring.rego", "lib/0_related.rego"]);

    // The same rules in one file evaluate as the bundled ones do.
    std::fs::remove_file(rules.join("lib/0_related.rego")).unwrap();
    std::fs::copy(
        root().join("rules/lib/monitoring.rego"),
        rules.join("lib/monitoring.rego"),
    )
    .unwrap();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mon002 = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "RW-MON-002")
        .unwrap();
    assert_eq!(mon002["status"], "fail", "{mon002}");
}

#[test]
fn a_user_library_split_over_two_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (name, body) in [("a.rego", "x := 1\n"), ("b.rego", "y := x + 1\n")] {
        std::fs::write(
            dir.join(name),
            format!("package team.helpers\n\nimport rego.v1\n\n{body}"),
        )
        .unwrap();
    }
    let snapshot = root().join("fixtures/snapshots/compliant-standalone.json");
    let o = run(&["evaluate", "--rules", dir.to_str().unwrap(), snapshot.to_str().unwrap()]);
    assert_refused_naming_both(&o, &["a.rego", "b.rego", "team.helpers"]);
    let o = run(&["rules", "test", "--rules", dir.to_str().unwrap()]);
    assert_refused_naming_both(&o, &["a.rego", "b.rego"]);
}

#[test]
fn two_rules_with_one_package_are_refused_as_one_rule_each() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (name, id) in [("a.rego", "ACME-1"), ("b.rego", "ACME-2")] {
        std::fs::write(
            dir.join(name),
            format!(
                "# METADATA\n# title: Rule {id}\n# description: A user rule.\n# custom:\n#   id: {id}\n\
                 #   severity: low\n#   remediation: None.\n#   requires: [credential_report]\n\
                 package rootwarden.rules.acme\n\nimport rego.v1\n\ndeny contains x if {{\n\tx := input.nothing\n}}\n"
            ),
        )
        .unwrap();
    }
    let snapshot = root().join("fixtures/snapshots/compliant-standalone.json");
    let o = run(&["evaluate", "--rules", dir.to_str().unwrap(), snapshot.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in ["a.rego", "b.rego", "each rule has a package of its own"] {
        assert!(err.contains(needle), "expected {needle} in: {err}");
    }
}
