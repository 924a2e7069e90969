//! User rules at scale: any number of rules, hard time and memory budgets per account, the
//! sandbox (pinned clock, refused builtins, the reserved bundled namespace), OPA bundles,
//! `rules input` and `rules capabilities`.

mod support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use rootwarden::input;
use rootwarden::policy::{loader, Policy, RuleSet};
use rootwarden::requirements::Requirements;
use serde_json::Value as Json;
use support::{root, rootwarden as run};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2, no panic, no abort, and every `needle` in stderr; returns stderr.
fn assert_refused(o: &Output, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    err
}

/// A user rule in the shape `rules new` writes: fails a member account whose root has a
/// console password; `body` is added to the deny conditions.
fn user_rule(name: &str, id: &str, body: &str) -> String {
    format!(
        r#"# METADATA
# title: Rule {name}
# description: A generated user rule.
# custom:
#   id: {id}
#   severity: medium
#   remediation: Remove the password.
#   requires: [credential_report]
package rootwarden.rules.{name}

import rego.v1

root := input.account.iam.credential_report.root

deny contains {{
	"account_id": input.account.account_id,
	"resource": sprintf("arn:%s:iam::%s:root", [input.account.partition, input.account.account_id]),
	"message": sprintf("{id}: the root user of member account %s has a console password.", [input.account.account_id]),
	"evidence": {{"password_enabled": root.password_enabled}},
}} if {{
	input.account.role == "member"
	root.password_enabled == true
{body}}}

not_applicable contains "Only member accounts are judged." if input.account.role != "member"
"#
    )
}

/// A rule with no required facts that passes, after `body` (statements) has run.
fn plain_rule(name: &str, id: &str, body: &str) -> String {
    format!(
        "# METADATA\n# title: {name}\n# description: d\n# custom:\n#   id: {id}\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.{name}\n\nimport rego.v1\n\ndeny contains {{\"account_id\": input.account.account_id, \"resource\": \"r\", \"message\": \"m\", \"evidence\": x}} if {{\n{body}\n\tx == \"never\"\n}}\n"
    )
}

fn write_rules(dir: &Path, rules: impl IntoIterator<Item = (String, String)>) {
    for (file, text) in rules {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

fn json_report(args: &[&str]) -> (Output, Json) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let spec = format!("json={}", out.display());
    let mut a = args.to_vec();
    a.extend(["-o", &spec]);
    let o = run(&a);
    let v = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    (o, v)
}

fn status_of(report: &Json, rule: &str, account: &str) -> Option<String> {
    report["results"]
        .as_array()?
        .iter()
        .find(|r| r["rule_id"] == rule && r["account_id"] == account)
        .and_then(|r| r["status"].as_str())
        .map(str::to_string)
}

const ORG: &str = "fixtures/snapshots/compliant-org.json";
const STANDALONE: &str = "fixtures/snapshots/compliant-standalone.json";
const STANDALONE_ACCOUNT: &str = "555566667777";

#[test]
fn twenty_eight_rules_made_with_rules_new_evaluate_and_test() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().display().to_string();
    for i in 0..28 {
        let o = run(&["rules", "new", &format!("acme_rule_{i}"), "--dir", &dir]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (o, report) = json_report(&["evaluate", ORG, "--rules", &dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let members: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "ACME-RULE-27")
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 3, "{members:?}");
    assert!(
        members.contains(&"pass") && members.contains(&"not_applicable"),
        "{members:?}"
    );
    let o = run(&["rules", "test", "--rules", &dir]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn a_thousand_user_rules_evaluate_with_the_bundled_ones() {
    let d = tempfile::tempdir().unwrap();
    write_rules(
        d.path(),
        (0..1000).map(|i| {
            (
                format!("r{i}.rego"),
                user_rule(&format!("r{i}"), &format!("U-{i:04}"), ""),
            )
        }),
    );
    // A member whose root has a password: every user rule fails it.
    let snap = tempfile::tempdir().unwrap();
    let mut org = input::load_snapshot(&root().join(ORG)).unwrap();
    let member = org.accounts[1].account_id.clone();
    org.accounts[1]
        .iam
        .credential_report
        .as_mut()
        .unwrap()
        .root
        .as_mut()
        .unwrap()
        .password_enabled = serde_json::from_value(Json::Bool(true)).unwrap();
    let path = snap.path().join("org.json");
    std::fs::write(&path, serde_json::to_string(&org).unwrap()).unwrap();
    // The budget is wall-clock time on a shared machine running a debug build: generous.
    let (o, report) = json_report(&[
        "evaluate",
        &path.display().to_string(),
        "--rules",
        &d.path().display().to_string(),
        "--rule-timeout",
        "600",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let results = report["results"].as_array().unwrap();
    let user: Vec<&Json> = results
        .iter()
        .filter(|r| r["rule_id"].as_str().unwrap().starts_with("U-"))
        .collect();
    assert_eq!(user.len(), 1000 * org.accounts.len());
    for i in [0, 499, 999] {
        assert_eq!(
            status_of(&report, &format!("U-{i:04}"), &member).as_deref(),
            Some("fail")
        );
        assert_eq!(
            status_of(&report, &format!("U-{i:04}"), &org.accounts[0].account_id).as_deref(),
            Some("not_applicable")
        );
    }
    // The bundled rules still judge the same snapshot.
    assert!(results.iter().any(|r| r["rule_id"] == "RW-ROOT-001"));
}

#[test]
fn ten_thousand_rule_files_load_and_evaluate() {
    let set = RuleSet::from(
        (0..10_000)
            .map(|i| rootwarden::policy::RuleFile {
                path: format!("user/r{i}.rego"),
                text: user_rule(&format!("r{i}"), &format!("U-{i:05}"), ""),
                origin: rootwarden::policy::outcome::RuleOrigin::User,
            })
            .collect::<Vec<_>>(),
    );
    let mut policy = Policy::load_set(&set, &Requirements::default()).unwrap();
    policy.set_time_limit(Duration::from_secs(600));
    let snap = input::load_snapshot(&root().join(STANDALONE)).unwrap();
    let eval = policy.evaluate(&snap).unwrap();
    assert_eq!(eval.outcomes.len(), 10_000);
    assert!(eval
        .outcomes
        .iter()
        .all(|o| o.status == rootwarden::policy::Status::NotApplicable));
}

/// A rule that burns CPU for about `units` × the calibrated unit, allocating little.
fn spin_rule(name: &str, id: &str, units: u64) -> String {
    plain_rule(
        name,
        id,
        &format!("\tn := count([1 | some i in numbers.range(1, {units}); some j in numbers.range(1, 1000); i + j == 0])\n\tx := sprintf(\"%d\", [n])"),
    )
}

/// Seconds one spin unit takes here, now (the machine is shared; measured, not assumed).
fn seconds_per_spin_unit() -> f64 {
    let snap = input::load_snapshot(&root().join(STANDALONE)).unwrap();
    let mut units = 50;
    loop {
        let set = RuleSet::from(vec![rootwarden::policy::RuleFile {
            path: "spin.rego".into(),
            text: spin_rule("spin", "SPIN", units),
            origin: rootwarden::policy::outcome::RuleOrigin::User,
        }]);
        let mut policy = Policy::load_set(&set, &Requirements::default()).unwrap();
        policy.set_time_limit(Duration::from_secs(120));
        let start = Instant::now();
        policy.evaluate(&snap).unwrap();
        let took = start.elapsed().as_secs_f64();
        if took > 0.5 {
            return took / units as f64;
        }
        units *= 4;
    }
}

#[test]
fn the_time_budget_covers_all_rules_of_an_account_and_nothing_runs_again() {
    // Four rules of about 3 s each under a 5 s budget. Each rule alone is well inside the
    // budget, so a per-rule limit would pass them all (exit 0 after ~12 s); the account's budget
    // stops the run while the second rule runs.
    let units = (3.0 / seconds_per_spin_unit()).ceil() as u64;
    let d = tempfile::tempdir().unwrap();
    write_rules(
        d.path(),
        (1..=4).map(|i| {
            (
                format!("spin{i}.rego"),
                spin_rule(&format!("spin{i}"), &format!("SPIN-{i}"), units),
            )
        }),
    );
    let start = Instant::now();
    let o = run(&[
        "evaluate",
        STANDALONE,
        "--rules",
        &d.path().display().to_string(),
        "--no-builtin-rules",
        "--rule-timeout",
        "5",
    ]);
    let took = start.elapsed();
    let err = assert_refused(
        &o,
        &[
            STANDALONE_ACCOUNT,
            "time budget of 5s",
            "--rule-timeout",
            "of 4 rules had started",
        ],
    );
    // The rule named is the one that was running: the last one started.
    let started: usize = err
        .split(" of 4 rules had started")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!((1..4).contains(&started), "{err}");
    assert!(err.contains(&format!("rule SPIN-{started} was running")), "{err}");
    // Generous: catches a run of the rules again (21-29 s), not a slow machine.
    assert!(took < Duration::from_secs(15), "took {took:?}: {err}");
}

#[test]
fn a_rule_that_allocates_gigabytes_is_stopped_and_named() {
    let cases = [
        // One allocation of ~240 GB: numbers.range sizes its array up front.
        ("range", "\tx := count(numbers.range(1, 10000000000))"),
        // A 10 MB string joined 1,000 times: one 10 GB allocation.
        (
            "concat",
            "\ts := concat(\"\", [\"xxxxxxxxxx\" | some i in numbers.range(1, 1000000)])\n\tt := concat(s, [\"\" | some i in numbers.range(1, 1000)])\n\tx := count(t)",
        ),
        // Growth a little at a time: a comprehension of pairs over numbers.range.
        (
            "comprehension",
            "\tx := count([[i, j] | some i in numbers.range(1, 100000); some j in numbers.range(1, 1000)])",
        ),
    ];
    for (name, body) in cases {
        let d = tempfile::tempdir().unwrap();
        write_rules(
            d.path(),
            [
                ("ok.rego".to_string(), plain_rule("ok", "OK-1", "\tx := \"fine\"")),
                (format!("{name}.rego"), plain_rule(name, "HOG-1", body)),
            ],
        );
        let o = run(&[
            "evaluate",
            STANDALONE,
            "--rules",
            &d.path().display().to_string(),
            "--no-builtin-rules",
            "--rule-memory",
            "64",
            "--rule-timeout",
            "120",
        ]);
        assert_refused(
            &o,
            &[
                "rule HOG-1 (",
                &format!("{name}.rego)"),
                STANDALONE_ACCOUNT,
                "memory budget",
                "--rule-memory",
            ],
        );
    }
}

#[test]
fn the_memory_budget_leaves_ordinary_evaluations_alone() {
    let (o, report) = json_report(&[
        "evaluate",
        "fixtures/snapshots/neglected-account.json",
        "--rule-memory",
        "32",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!report["results"].as_array().unwrap().is_empty());
}

#[test]
fn the_clock_is_the_snapshots_collected_at_in_any_time_zone() {
    let d = tempfile::tempdir().unwrap();
    let rule = "# METADATA\n# title: clock\n# description: d\n# custom:\n#   id: CLOCK-1\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.clock\n\nimport rego.v1\n\ndeny contains {\"account_id\": input.account.account_id, \"resource\": \"r\", \"message\": \"now\", \"evidence\": {\"now\": time.now_ns(), \"hour\": time.clock([time.now_ns(), \"Local\"])[0]}} if true\n";
    std::fs::write(d.path().join("clock.rego"), rule).unwrap();
    let snap = input::load_snapshot(&root().join(STANDALONE)).unwrap();
    let expected = snap.collected_at.timestamp_nanos_opt().unwrap();
    let mut seen = Vec::new();
    for tz in ["UTC", "Asia/Tokyo", "America/Los_Angeles"] {
        let out = d.path().join(format!("{}.json", tz.replace('/', "_")));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rootwarden"))
            .args([
                "evaluate",
                STANDALONE,
                "--rules",
                &d.path().display().to_string(),
                "--only",
                "CLOCK-1",
                "--fail-on",
                "low",
                "-o",
                &format!("json={}", out.display()),
            ])
            .env("TZ", tz)
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let report: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let evidence = &report["results"][0]["evidence"];
        assert_eq!(evidence["now"].as_i64(), Some(expected), "{evidence}");
        seen.push(evidence["hour"].clone());
    }
    assert_eq!(
        seen[0],
        Json::from(snap.collected_at.format("%H").to_string().parse::<i64>().unwrap())
    );
    assert!(seen.iter().all(|h| *h == seen[0]), "{seen:?}");

    // In `rules test` there is no snapshot: a test sets the clock itself.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("clock.rego"), rule).unwrap();
    std::fs::write(
        t.path().join("clock_test.rego"),
        "package rootwarden.rules.clock_test\n\nimport rego.v1\n\ntest_mocked if {\n\tsome d in data.rootwarden.rules.clock.deny with input as {\"account\": {\"account_id\": \"1\"}} with time.now_ns as 7\n\td.evidence.now == 7\n}\n\ntest_unmocked if {\n\tcount(data.rootwarden.rules.clock.deny) == 1 with input as {\"account\": {\"account_id\": \"1\"}}\n}\n",
    )
    .unwrap();
    let o = run(&[
        "rules",
        "test",
        "--rules",
        &t.path().display().to_string(),
        "--no-builtin-rules",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("PASS rootwarden.rules.clock_test.test_mocked"), "{out}");
    assert!(
        out.contains("FAIL rootwarden.rules.clock_test.test_unmocked") && out.contains("with time.now_ns as"),
        "{out}"
    );
}

#[test]
fn random_and_network_builtins_are_refused_when_the_rule_loads() {
    for (call, why) in [
        ("rand.intn(\"seed\", 10)", "random"),
        ("uuid.rfc4122(\"seed\")", "random"),
        (
            "http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"})",
            "network",
        ),
        ("opa.runtime()", "environment"),
    ] {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("dice.rego"),
            plain_rule(
                "dice",
                "DICE-1",
                &format!("\t# rand.intn( in a comment is fine\n\tx := {call}"),
            ),
        )
        .unwrap();
        let dir = d.path().display().to_string();
        for args in [
            vec!["evaluate", STANDALONE, "--rules", &dir],
            vec!["rules", "test", "--rules", &dir],
        ] {
            let o = run(&args);
            let name = call.split('(').next().unwrap();
            assert_refused(&o, &["dice.rego:14", name, why]);
        }
    }
}

#[test]
fn the_bundled_namespace_is_reserved() {
    let d = tempfile::tempdir().unwrap();
    // Declares the bundled root-keys rule's package: would inherit its deny set under its own id
    // and severity.
    std::fs::write(
        d.path().join("keys.rego"),
        "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: ACME-KEYS\n#   severity: info\n#   remediation: r\npackage rootwarden.rules.root_access_keys\n\nimport rego.v1\n\nextra := 1\n",
    )
    .unwrap();
    let dir = d.path().display().to_string();
    let err = assert_refused(
        &run(&["evaluate", ORG, "--rules", &dir]),
        &["keys.rego:8", "reserved", "rules/root_access_keys.rego"],
    );
    assert!(err.contains("--no-builtin-rules"), "{err}");
    assert_refused(&run(&["rules", "test", "--rules", &dir]), &["keys.rego:8", "reserved"]);

    // A file extending a bundled library.
    let l = tempfile::tempdir().unwrap();
    std::fs::write(
        l.path().join("mon.rego"),
        "package rootwarden.lib.monitoring\n\nimport rego.v1\n\nroot_alarm_ok contains 1 if true\n",
    )
    .unwrap();
    assert_refused(
        &run(&["evaluate", ORG, "--rules", &l.path().display().to_string()]),
        &["mon.rego:1", "rootwarden.lib.monitoring", "reserved"],
    );
    // Without the bundled rules, nothing is reserved: the same file is a library of the user's.
    let o = run(&[
        "evaluate",
        ORG,
        "--rules",
        &l.path().display().to_string(),
        "--no-builtin-rules",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A user library outside rootwarden.* is welcome; one that defines deny is a misplaced rule.
    let u = tempfile::tempdir().unwrap();
    std::fs::write(
        u.path().join("acme.rego"),
        "package acme.lib\n\nimport rego.v1\n\nmember(a) if a.role == \"member\"\n",
    )
    .unwrap();
    std::fs::write(
        u.path().join("uses.rego"),
        plain_rule(
            "uses",
            "USES-1",
            "\tdata.acme.lib.member(input.account)\n\tx := \"member\"",
        ),
    )
    .unwrap();
    let o = run(&["evaluate", ORG, "--rules", &u.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_bundled_rules_loaded_twice_are_refused_alike_by_evaluate_and_rules_test() {
    let rules = root().join("rules").display().to_string();
    for args in [
        vec!["rules", "test", "--rules", &rules],
        vec!["evaluate", ORG, "--rules", &rules],
    ] {
        let err = assert_refused(&run(&args), &["reserved", "--no-builtin-rules"]);
        assert!(!err.contains("FAIL"), "{err}");
    }
    // The same directory alone: every bundled test passes once.
    let o = run(&["rules", "test", "--rules", &rules, "--no-builtin-rules"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    let bundled = run(&["rules", "test"]);
    assert_eq!(
        out.lines().last(),
        String::from_utf8_lossy(&bundled.stdout).lines().last(),
        "the copy runs exactly the bundled tests"
    );
}

#[test]
fn two_tests_with_the_same_name_are_an_error() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("r.rego"), user_rule("r", "R-1", "")).unwrap();
    std::fs::write(
        d.path().join("r_test.rego"),
        "package rootwarden.rules.r_test\n\nimport rego.v1\n\ntest_fails if false\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("r_more_test.rego"),
        "package rootwarden.rules.r_test\n\nimport rego.v1\n\ntest_fails if true\n",
    )
    .unwrap();
    let dir = d.path().display().to_string();
    assert_refused(
        &run(&["rules", "test", "--rules", &dir, "--no-builtin-rules"]),
        // A package is one file (tests/split_packages.rs), so the second file is refused first.
        &["r_test.rego", "r_more_test.rego", "one file"],
    );
    // Within one file too.
    std::fs::remove_file(d.path().join("r_more_test.rego")).unwrap();
    std::fs::write(
        d.path().join("r_test.rego"),
        "package rootwarden.rules.r_test\n\nimport rego.v1\n\ntest_fails if false\n\ntest_fails if true\n",
    )
    .unwrap();
    assert_refused(
        &run(&["rules", "test", "--rules", &dir, "--no-builtin-rules"]),
        &["r_test.rego:7", "already defined"],
    );
}

/// Files of a bundle: (path in the bundle, content).
fn bundle_files(roots: &str) -> Vec<(String, String)> {
    let rule = "# METADATA\n# title: Approved break-glass owners\n# description: d\n# custom:\n#   id: ACME-OWNERS\n#   severity: high\n#   remediation: r\npackage rootwarden.rules.acme.owners\n\nimport rego.v1\n\ndeny contains {\"account_id\": input.account.account_id, \"resource\": \"r\", \"message\": \"no owner\", \"evidence\": null} if {\n\tnot data.acme.owners[input.account.account_id]\n}\n";
    let test = "package rootwarden.rules.acme.owners_test\n\nimport rego.v1\n\ntest_owned if {\n\tcount(data.rootwarden.rules.acme.owners.deny) == 0 with input as {\"account\": {\"account_id\": \"555566667777\"}}\n}\n";
    vec![
        (
            ".manifest".into(),
            format!("{{\"revision\": \"7\", \"roots\": {roots}}}"),
        ),
        ("rootwarden/rules/acme/owners.rego".into(), rule.into()),
        ("rootwarden/rules/acme/owners_test.rego".into(), test.into()),
        ("acme/owners/data.json".into(), "{\"555566667777\": \"alice\"}".into()),
        ("acme/data.yaml".into(), "team: platform\n".into()),
        ("README.md".into(), "ignored".into()),
    ]
}

fn tar_gz(files: &[(String, String)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, text.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn zip_of(files: &[(String, String)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, text) in files {
        z.start_file(path.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn an_opa_bundle_is_accepted_wherever_rules_are() {
    let d = tempfile::tempdir().unwrap();
    let good = bundle_files(r#"["rootwarden/rules/acme", "acme"]"#);
    for (name, bytes) in [("acme.tar.gz", tar_gz(&good)), ("acme.zip", zip_of(&good))] {
        let path = d.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let p = path.display().to_string();
        let (o, report) = json_report(&["evaluate", STANDALONE, "--rules", &p, "--only", "ACME-OWNERS"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(
            status_of(&report, "ACME-OWNERS", STANDALONE_ACCOUNT).as_deref(),
            Some("pass")
        );
        let rules = run(&["rules", "list", "--rules", &p]);
        assert!(
            String::from_utf8_lossy(&rules.stdout).contains(&format!("{p}/rootwarden/rules/acme/owners.rego")),
            "{}",
            String::from_utf8_lossy(&rules.stdout)
        );
        let t = run(&["rules", "test", "--rules", &p]);
        let out = String::from_utf8_lossy(&t.stdout);
        assert!(
            t.status.success() && out.contains("PASS rootwarden.rules.acme.owners_test.test_owned"),
            "{out}"
        );
    }
    // The same rule fails an account the bundle's data does not name.
    let mut other = input::load_snapshot(&root().join(STANDALONE)).unwrap();
    other.accounts[0].account_id = "999900001111".into();
    let snap = d.path().join("other.json");
    std::fs::write(&snap, serde_json::to_string(&other).unwrap()).unwrap();
    let p = d.path().join("acme.tar.gz").display().to_string();
    let o = run(&[
        "evaluate",
        &snap.display().to_string(),
        "--rules",
        &p,
        "--only",
        "ACME-OWNERS",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    // The manifest's roots bind the bundle's packages and data.
    for (roots, needle) in [
        (r#"["acme"]"#, "owners.rego:8"),
        (r#"["rootwarden/rules/acme", "acme/owners"]"#, "data at /acme/team"),
        (
            r#"["rootwarden/rules", "rootwarden/rules/acme", "acme"]"#,
            "overlapping roots",
        ),
    ] {
        let path = d.path().join("bad.tar.gz");
        std::fs::write(&path, tar_gz(&bundle_files(roots))).unwrap();
        assert_refused(
            &run(&["evaluate", STANDALONE, "--rules", &path.display().to_string()]),
            &["bad.tar.gz", needle],
        );
    }
    // What rootwarden cannot honour is refused, not ignored.
    for (extra, needle) in [
        ((".signatures.json", "{}"), "signed bundle"),
        (("policy.wasm", "\0asm"), "Wasm"),
        (("requirements/data.json", "{}"), "data.requirements is reserved"),
        (("../escape.rego", "package x"), "leaves the bundle"),
    ] {
        let mut files = bundle_files(r#"[""]"#);
        files.push((extra.0.into(), extra.1.into()));
        let path = d.path().join("odd.zip");
        std::fs::write(&path, zip_of(&files)).unwrap();
        assert_refused(
            &run(&["evaluate", STANDALONE, "--rules", &path.display().to_string()]),
            &["odd.zip", needle],
        );
    }
    let path = d.path().join("junk.tar.gz");
    std::fs::write(&path, b"not a bundle").unwrap();
    assert_refused(
        &run(&["evaluate", STANDALONE, "--rules", &path.display().to_string()]),
        &["junk.tar.gz", "not an OPA bundle"],
    );
}

#[test]
fn a_bundle_from_bytes_is_the_same_library_call_for_any_source() {
    // What the AWS Config backend calls with an S3 object's bytes (rulesS3Uri).
    let bytes = tar_gz(&bundle_files(r#"["rootwarden/rules/acme", "acme"]"#));
    let set = rootwarden::policy::bundle::from_bytes(&bytes, "s3://bucket/rules.tar.gz").unwrap();
    assert_eq!(set.files.len(), 2);
    assert_eq!(set.data.len(), 2);
    assert!(set
        .files
        .iter()
        .any(|f| f.path == "s3://bucket/rules.tar.gz/rootwarden/rules/acme/owners.rego"));
    let mut all = RuleSet::bundled();
    all.extend(set);
    let mut policy = Policy::load_set(&all, &Requirements::default()).unwrap();
    let eval = policy
        .evaluate(&input::load_snapshot(&root().join(STANDALONE)).unwrap())
        .unwrap();
    assert!(eval
        .outcomes
        .iter()
        .any(|o| o.rule_id == "ACME-OWNERS" && o.status == rootwarden::policy::Status::Pass));
}

/// Evaluates `rule`'s verdict sets as `opa eval` would: a plain engine with the rule files, the
/// builtins the rules call, `data.json` and `input.json` as written by `rules input`.
fn status_as_opa_eval(engine: &mut regorus::Engine, package: &str) -> String {
    let mut set = |name: &str| -> usize {
        match engine.eval_rule(format!("data.{package}.{name}")) {
            Ok(regorus::Value::Set(s)) => s.len(),
            Ok(regorus::Value::Array(a)) => a.len(),
            Ok(regorus::Value::Undefined) => 0,
            Ok(regorus::Value::Object(o)) => usize::from(!o.is_empty()),
            Ok(regorus::Value::String(_)) => 1,
            Ok(other) => panic!("{package}.{name}: {other}"),
            Err(e) if e.to_string().contains("not a valid rule path") => 0,
            Err(e) => panic!("{package}.{name}: {e}"),
        }
    };
    if set("deny") > 0 {
        "fail".into()
    } else if set("insufficient_data") > 0 {
        "insufficient_data".into()
    } else if set("not_applicable") > 0 {
        "not_applicable".into()
    } else {
        "pass".into()
    }
}

/// The bundled files a rule file needs, as `opa eval -d` would be given them: the file and the
/// libraries it imports, transitively.
fn with_imports(path: &str, bundled: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut queue = vec![path.to_string()];
    while let Some(p) = queue.pop() {
        if out.iter().any(|(q, _)| *q == p) {
            continue;
        }
        let (_, text) = bundled
            .iter()
            .find(|(q, _)| *q == p)
            .unwrap_or_else(|| panic!("{p} is not a bundled file"));
        // Imports (`import data.rootwarden.lib.X [as Y]`) and direct references alike.
        for (at, _) in text.match_indices("data.rootwarden.lib.") {
            let lib: String = text[at + "data.rootwarden.lib.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            queue.push(format!("rules/lib/{lib}.rego"));
        }
        out.push((p, text.clone()));
    }
    out
}

#[test]
fn rules_input_documents_reproduce_the_outcomes() {
    let bundled: Vec<(String, String)> = loader::bundled()
        .into_iter()
        .filter(|f| !f.path.ends_with("_test.rego"))
        .map(|f| (f.path, f.text))
        .collect();
    let policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
    let mut needed_builtins = std::collections::BTreeSet::new();
    for fixture in [ORG, "fixtures/snapshots/neglected-account.json"] {
        let d = tempfile::tempdir().unwrap();
        let out = format!("json={}", d.path().display());
        let o = run(&["rules", "input", fixture, "-o", &out]);
        assert!(o.status.success(), "{}", stderr(&o));
        // `-o json` prints the same documents, keyed by account.
        let printed = run(&["rules", "input", fixture]);
        assert!(printed.status.success(), "{}", stderr(&printed));
        let printed: Json = serde_json::from_slice(&printed.stdout).unwrap();
        let (_, report) = json_report(&["evaluate", fixture]);
        let snap = input::load_snapshot(&root().join(fixture)).unwrap();
        let mut compared = 0;
        for account in &snap.accounts {
            let dir = d.path().join(&account.account_id);
            for doc in ["input", "data"] {
                let written: Json =
                    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{doc}.json"))).unwrap()).unwrap();
                assert_eq!(
                    printed[&account.account_id][doc], written,
                    "{doc} of {}",
                    account.account_id
                );
            }
            for rule in policy.rules() {
                let result = report["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["rule_id"] == rule.id() && x["account_id"] == account.account_id.as_str())
                    .unwrap();
                if result["evidence"].get("missing_facts").is_some() {
                    continue; // decided by rootwarden before the rule runs
                }
                // As `opa eval -d RULE -d LIBS... -d data.json -i input.json` would: a plain
                // engine with the files the rule imports, and rootwarden's builtins only when
                // they import the monitoring library (the documented exception).
                let files = with_imports(&rule.file, &bundled);
                let mut engine = regorus::Engine::new();
                for (path, text) in &files {
                    engine.add_policy(path.clone(), text.clone()).unwrap();
                }
                if files.iter().any(|(p, _)| p == "rules/lib/monitoring.rego") {
                    rootwarden::policy::builtins::register(&mut engine).unwrap();
                    needed_builtins.insert(rule.id().to_string());
                }
                engine
                    .add_data_json(&std::fs::read_to_string(dir.join("data.json")).unwrap())
                    .unwrap();
                engine
                    .set_input_json(&std::fs::read_to_string(dir.join("input.json")).unwrap())
                    .unwrap();
                assert_eq!(
                    status_as_opa_eval(&mut engine, &rule.package),
                    result["status"].as_str().unwrap(),
                    "{fixture} {} {}",
                    rule.id(),
                    account.account_id
                );
                compared += 1;
            }
        }
        assert!(compared >= 10, "{fixture}: compared {compared}");
    }
    // What docs/writing-rules.md says: the monitoring rules, and only they, need the builtins.
    let monitoring: std::collections::BTreeSet<String> = policy
        .rules()
        .map(|r| r.id().to_string())
        .filter(|id| id.starts_with("RW-MON-"))
        .collect();
    assert_eq!(needed_builtins, monitoring);
    // One account only; an unknown one is an error naming those there are.
    let d = tempfile::tempdir().unwrap();
    let o = run(&[
        "rules",
        "input",
        STANDALONE,
        "--account",
        STANDALONE_ACCOUNT,
        "-o",
        &format!("json={}", d.path().display()),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.path().join(STANDALONE_ACCOUNT).join("input.json").is_file());
    assert_refused(
        &run(&[
            "rules",
            "input",
            STANDALONE,
            "--account",
            "000000000000",
            "-o",
            &format!("json={}", d.path().display()),
        ]),
        &["000000000000", STANDALONE_ACCOUNT],
    );
}

/// Checks `t` against OPA's type JSON (`types` package): any, null, boolean, number, string,
/// array (static/dynamic), set (of), object (static key/value list, dynamic key/value).
fn assert_opa_type(t: &Json, at: &str) {
    let kind = t["type"].as_str().unwrap_or_else(|| panic!("{at}: no type in {t}"));
    let allowed: &[&str] = match kind {
        "null" | "boolean" | "number" | "string" => &["type"],
        "any" => &["type", "of"],
        "array" => &["type", "static", "dynamic"],
        "set" => &["type", "of"],
        "object" => &["type", "static", "dynamic"],
        other => panic!("{at}: unknown OPA type {other}"),
    };
    for k in t.as_object().unwrap().keys() {
        assert!(allowed.contains(&k.as_str()), "{at}: {kind} has no field {k}");
    }
    match kind {
        "any" => {
            for (i, o) in t["of"].as_array().into_iter().flatten().enumerate() {
                assert_opa_type(o, &format!("{at}.of[{i}]"));
            }
        }
        "set" => assert_opa_type(&t["of"], &format!("{at}.of")),
        "array" => {
            if let Some(d) = t.get("dynamic") {
                assert_opa_type(d, &format!("{at}.dynamic"));
            }
        }
        "object" => {
            if let Some(d) = t.get("dynamic") {
                assert_opa_type(&d["key"], &format!("{at}.dynamic.key"));
                assert_opa_type(&d["value"], &format!("{at}.dynamic.value"));
            }
        }
        _ => {}
    }
}

/// `(name, arity)` of every builtin `src/policy/builtins.rs` registers.
fn registered_builtins() -> Vec<(String, usize)> {
    let src = std::fs::read_to_string(root().join("src/policy/builtins.rs")).unwrap();
    let mut out = Vec::new();
    for call in src.split("add_extension(").skip(1) {
        let name = call.split('"').nth(1).unwrap().to_string();
        let arity: usize = call
            .split(',')
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("arity of {name}"));
        out.push((name, arity));
    }
    assert!(out.len() >= 4, "{out:?}");
    out
}

#[test]
fn capabilities_declare_every_custom_builtin_in_opas_format() {
    let o = run(&["rules", "capabilities"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let caps: Json = serde_json::from_slice(&o.stdout).unwrap();
    let builtins = caps["builtins"].as_array().unwrap();
    for b in builtins {
        let name = b["name"].as_str().unwrap();
        assert_eq!(b["decl"]["type"], "function", "{name}");
        for (i, a) in b["decl"]["args"].as_array().unwrap().iter().enumerate() {
            assert_opa_type(a, &format!("{name}.args[{i}]"));
        }
        assert_opa_type(&b["decl"]["result"], &format!("{name}.result"));
    }
    let declared: Vec<(String, usize)> = builtins
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["decl"]["args"].as_array().unwrap().len(),
            )
        })
        .collect();
    let mut registered = registered_builtins();
    registered.sort();
    assert_eq!(declared, registered);

    // Completing OPA's own document: what rootwarden lacks or refuses goes, operators stay.
    let d = tempfile::tempdir().unwrap();
    let base = d.path().join("opa.json");
    let number = serde_json::json!({"type": "number"});
    let f = |name: &str, args: Vec<Json>, infix: Option<&str>| {
        let mut b = serde_json::json!({"name": name, "decl": {"type": "function", "args": args, "result": number}});
        if let Some(i) = infix {
            b["infix"] = Json::from(i);
        }
        b
    };
    let doc = serde_json::json!({
        "builtins": [
            f("abs", vec![number.clone()], None),
            f("plus", vec![number.clone(), number.clone()], Some("+")),
            f("internal.member_2", vec![number.clone(), number.clone()], None),
            f("rand.intn", vec![number.clone(), number.clone()], None),
            f("base64.encode", vec![number.clone()], None),
            f("http.send", vec![number.clone()], None),
            f("time.now_ns", vec![], None),
        ],
        "features": ["rego_v1"],
    });
    std::fs::write(&base, doc.to_string()).unwrap();
    let o = run(&["rules", "capabilities", "--base", &base.display().to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let merged: Json = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = merged["builtins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    for kept in [
        "abs",
        "plus",
        "internal.member_2",
        "time.now_ns",
        "rootwarden.filter_matches",
    ] {
        assert!(names.contains(&kept), "{kept} missing from {names:?}");
    }
    for dropped in ["rand.intn", "base64.encode", "http.send"] {
        assert!(!names.contains(&dropped), "{dropped} kept in {names:?}");
    }
    assert_eq!(merged["features"], doc["features"]);
    assert_refused(
        &run(&["rules", "capabilities", "--base", "no/such.json"]),
        &["no/such.json"],
    );
}
