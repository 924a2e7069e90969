//! Outputs of every command: checked before any work without creating anything, written only
//! when the whole run succeeded (never half-written, never over an input or another output), and
//! a reader that goes away (`| head`) stops the output quietly.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::{root, rootwarden as run};

const SNAP: &str = "fixtures/snapshots/compliant-org.json";
const LOGS: &str = "fixtures/activity/logs";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file and directory below `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut all: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    all.sort();
    all
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const BROKEN_RULE: &str = "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: U-1\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.broken\nimport rego.v1\n\ndeny contains x if {\n  x := \n}\n";
const FAILING_RULE: &str = "# METADATA\n# title: t\n# description: d\n# custom:\n#   id: U-BOOM\n#   severity: low\n#   remediation: r\npackage rootwarden.rules.boom\nimport rego.v1\ndeny contains x if {\n  x := to_number(\"not a number\")\n}\n";

#[test]
fn a_failed_run_creates_no_file_and_leaves_existing_ones_untouched() {
    let inputs = tempfile::tempdir().unwrap();
    let i = inputs.path();
    let broken_rules = i.join("broken");
    std::fs::create_dir(&broken_rules).unwrap();
    write(&broken_rules, "broken.rego", BROKEN_RULE);
    let failing_rules = i.join("failing");
    std::fs::create_dir(&failing_rules).unwrap();
    write(&failing_rules, "boom.rego", FAILING_RULE);
    let broken_yaml = write(i, "requirements.yaml", "lookback_days: soon\n");
    let broken_snap = write(i, "snapshot.json", "{\"schema_version\": \"1.0\", \"accounts\": [");
    let (broken_rules, failing_rules) = (broken_rules.display().to_string(), failing_rules.display().to_string());

    let out = tempfile::tempdir().unwrap();
    let o = out.path();
    let existing = write(o, "existing.sarif", "the previous run's report\n");
    let new = |name: &str| o.join(name).display().to_string();
    let (nested, new_json, new_snap) = (new("new/dir/junit.xml"), new("new.json"), new("snap-out.json"));
    let (json_new_snap, json_existing) = (format!("json={new_snap}"), format!("json={existing}"));
    let terraform_new_json = format!("terraform={new_json}");
    let sarif = format!("sarif={existing}");
    let junit = format!("junit={nested}");
    let json = format!("json={new_json}");
    let html = format!("html={existing}");
    let plan_json = format!("json={existing}");
    let cases: Vec<Vec<&str>> = vec![
        // The snapshot is read after the outputs are checked.
        vec!["evaluate", "missing.json", "-o", &sarif, "-o", &junit, "-o", &json],
        vec![
            "evaluate",
            SNAP,
            "--rules",
            &broken_rules,
            "-o",
            &sarif,
            "-o",
            &junit,
            "-o",
            &json,
        ],
        // Fails in the middle of the evaluation.
        vec!["evaluate", SNAP, "--rules", &failing_rules, "-o", &sarif, "-o", &junit],
        vec![
            "scan",
            "--requirements",
            &broken_yaml,
            "-o",
            &sarif,
            "-o",
            &json,
            "--snapshot-out",
            &new_snap,
        ],
        vec!["collect", "--accounts", "12", "-o", &json_new_snap],
        vec!["collect", "--accounts", "12", "-o", &json_existing],
        vec![
            "activity",
            "--logs",
            LOGS,
            "--snapshot",
            &broken_snap,
            "-o",
            &html,
            "-o",
            &json,
            "--snapshot-out",
            &new_snap,
        ],
        vec![
            "activity",
            "--logs",
            LOGS,
            "--requirements",
            &broken_yaml,
            "-o",
            &html,
            "-o",
            &json,
        ],
        vec![
            "remediate",
            "plan",
            "--snapshot",
            &broken_snap,
            "-o",
            &plan_json,
            "--snapshot-out",
            &new_snap,
        ],
        vec![
            "remediate",
            "export",
            "--snapshot",
            &broken_snap,
            "-o",
            &terraform_new_json,
        ],
    ];
    for args in cases {
        let r = run(&args);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(!stderr(&r).contains("panicked"), "{}", stderr(&r));
        assert_eq!(listing(o), ["existing.sarif"], "{args:?} left files behind");
        assert_eq!(
            std::fs::read_to_string(&existing).unwrap(),
            "the previous run's report\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_successful_run_replaces_outputs_whole_and_leaves_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let report = write(dir, "report.sarif", "old\n");
    let link = dir.join("latest.json");
    let target = write(dir, "findings-v1.json", "old\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("findings-v1.json", &link).unwrap();
    }
    #[cfg(not(unix))]
    std::fs::copy(&target, &link).unwrap();
    let r = run(&[
        "evaluate",
        SNAP,
        "-o",
        &format!("sarif={report}"),
        "-o",
        &format!("json={}", link.display()),
        "-o",
        &format!("junit={}", dir.join("a/b/junit.xml").display()),
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(dir.join("a/b/junit.xml"))
        .unwrap()
        .contains("<testsuites"));
    assert_eq!(
        listing(dir),
        [
            "a",
            "a/b",
            "a/b/junit.xml",
            "findings-v1.json",
            "latest.json",
            "report.sarif"
        ],
        "no temporary file is left"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&report).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "the replaced file keeps its permissions");
        assert!(
            link.is_symlink(),
            "a symbolic link is kept; the file it leads to is replaced"
        );
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
        assert_eq!(v["summary"]["accounts"], 3);
    }
}

/// Exit 2 before any work, with a message holding every `needle`.
fn assert_refused(args: &[&str], needles: &[&str]) {
    let r = run(args);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in {err}");
    }
    assert!(
        r.stdout.is_empty(),
        "{args:?}: nothing is written: {}",
        String::from_utf8_lossy(&r.stdout)
    );
}

#[test]
fn two_outputs_to_one_place_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let p = |n: &str| d.path().join(n).display().to_string();
    let same = p("out.json");
    let dotted = format!("{}/./sub/../out.json", d.path().display());
    std::fs::create_dir(d.path().join("sub")).unwrap();
    assert_refused(
        &[
            "evaluate",
            SNAP,
            "-o",
            &format!("json={same}"),
            "-o",
            &format!("sarif={dotted}"),
        ],
        &["-o json and -o sarif both write to", "out.json"],
    );
    assert_refused(
        &["evaluate", SNAP, "-o", "json", "-o", "sarif"],
        &["-o json and -o sarif both write to standard output"],
    );
    assert_refused(
        &["evaluate", SNAP, "-o", "json", "-o", "text=-"],
        &["both write to standard output"],
    );
    // stdout is a pipe here: /dev/stdout is the same file.
    #[cfg(target_os = "linux")]
    assert_refused(
        &["evaluate", SNAP, "-o", "json", "-o", "sarif=/dev/stdout"],
        &["both write to standard output"],
    );
    // Hard links are one file.
    std::fs::write(p("a.xml"), "").unwrap();
    std::fs::hard_link(p("a.xml"), p("b.xml")).unwrap();
    assert_refused(
        &[
            "evaluate",
            SNAP,
            "-o",
            &format!("junit={}", p("a.xml")),
            "-o",
            &format!("json={}", p("b.xml")),
        ],
        &["both write to"],
    );
    // scan's snapshot and a report: refused before any AWS call (none is reachable here).
    assert_refused(
        &[
            "scan",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "-o",
            &format!("json={same}"),
            "--snapshot-out",
            &same,
        ],
        &["-o json and --snapshot-out both write to"],
    );
    assert_refused(
        &["activity", "--logs", LOGS, "-o", "json", "-o", "html"],
        &["-o json and -o html both write to standard output"],
    );
    assert_refused(
        &[
            "remediate",
            "plan",
            "--snapshot",
            SNAP,
            "-o",
            &format!("json={same}"),
            "--snapshot-out",
            &same,
        ],
        &["both write to"],
    );
    assert_eq!(listing(d.path()), ["a.xml", "b.xml", "sub"]);
}

#[test]
fn an_output_over_an_input_is_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let copy = |from: &str, name: &str| {
        let to = d.path().join(name);
        std::fs::copy(root().join(from), &to).unwrap();
        to.display().to_string()
    };
    let snap = copy(SNAP, "snap.json");
    let req = copy("fixtures/activity/requirements.yaml", "req.yaml");
    let rules = d.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let rule = rules.join("root_mfa_copy.rego");
    std::fs::write(
        &rule,
        std::fs::read_to_string(root().join("rules/root_mfa.rego"))
            .unwrap()
            .replace("RW-ROOT-003", "U-MFA")
            .replace("rules.root_mfa", "rules.root_mfa_copy"),
    )
    .unwrap();
    let (rules_s, rule_s) = (rules.display().to_string(), rule.display().to_string());
    // The same rule as an OPA bundle (a plain tar) for --rules.
    let bundle = d.path().join("rules.tar");
    let mut tar = tar::Builder::new(std::fs::File::create(&bundle).unwrap());
    tar.append_path_with_name(&rule, "rootwarden/rules/root_mfa_copy.rego")
        .unwrap();
    tar.finish().unwrap();
    drop(tar);
    let bundle_s = bundle.display().to_string();
    let logs = d.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("a.json");
    std::fs::write(&log, "{\"Records\": []}").unwrap();
    let (logs_s, log_s) = (logs.display().to_string(), log.display().to_string());
    let before = listing(d.path());
    let contents = |p: &str| std::fs::read(p).unwrap();
    let (snap_bytes, req_bytes, rule_bytes) = (contents(&snap), contents(&req), contents(&rule_s));
    let bundle_bytes = contents(&bundle_s);

    assert_refused(
        &["evaluate", &snap, "-o", &format!("json={snap}")],
        &["-o json", "is the snapshot"],
    );
    assert_refused(
        &["evaluate", &snap, "--requirements", &req, "-o", &format!("junit={req}")],
        &["is the requirements"],
    );
    assert_refused(
        &["evaluate", &snap, "--rules", &rules_s, "-o", &format!("sarif={rule_s}")],
        &["is a rule file"],
    );
    assert_refused(
        &[
            "evaluate",
            &snap,
            "--rules",
            &bundle_s,
            "-o",
            &format!("json={bundle_s}"),
        ],
        &["-o json", "is an OPA bundle of --rules"],
    );
    // Not there yet, but the next run would read it as a rule.
    let new_rule = format!("text={}/report.rego", rules_s);
    assert_refused(&["evaluate", &snap, "--rules", &rules_s, "-o", &new_rule], &["--rules"]);
    assert_refused(
        &["activity", "--logs", &logs_s, "-o", &format!("json={log_s}")],
        &["is a log file"],
    );
    assert_refused(
        &[
            "activity",
            "--logs",
            &logs_s,
            "-o",
            &format!("html={}/report.json", logs_s),
        ],
        &["--logs"],
    );
    assert_refused(
        &[
            "activity",
            "--logs",
            &logs_s,
            "--snapshot",
            &snap,
            "--snapshot-out",
            &snap,
        ],
        &["--snapshot-out", "is the snapshot"],
    );
    assert_refused(
        &[
            "remediate",
            "plan",
            "--snapshot",
            &snap,
            "--requirements",
            &req,
            "-o",
            &format!("text={req}"),
        ],
        &["is the requirements"],
    );
    assert_refused(
        &[
            "remediate",
            "export",
            "--snapshot",
            &snap,
            "-o",
            &format!("cloudformation={snap}"),
        ],
        &["is the snapshot"],
    );
    assert_eq!(listing(d.path()), before);
    assert_eq!(contents(&snap), snap_bytes);
    assert_eq!(contents(&req), req_bytes);
    assert_eq!(contents(&rule_s), rule_bytes);
    assert_eq!(contents(&bundle_s), bundle_bytes);
}

#[test]
fn paths_are_checked_without_creating_anything() {
    let d = tempfile::tempdir().unwrap();
    let file = write(d.path(), "file", "x");
    assert_refused(
        &["evaluate", SNAP, "-o", &format!("json={file}/sub/out.json")],
        &["-o json", "is not a directory"],
    );
    assert_refused(
        &["evaluate", SNAP, "-o", &format!("json={}", d.path().display())],
        &["is a directory"],
    );
    assert_refused(
        &[
            "evaluate",
            SNAP,
            "-o",
            &format!("json={}/", d.path().join("newdir").display()),
        ],
        &["names a directory"],
    );
    #[cfg(unix)]
    {
        let dangling = d.path().join("dangling.json");
        std::os::unix::fs::symlink("/nonexistent/x.json", &dangling).unwrap();
        assert_refused(
            &["evaluate", SNAP, "-o", &format!("json={}", dangling.display())],
            &["symbolic link to nothing"],
        );
        std::fs::remove_file(&dangling).unwrap();
    }
    // A directory this user cannot write to (root can write anywhere: then nothing to check).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = d.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let root_user = std::fs::write(ro.join("probe"), "").is_ok();
        let _ = std::fs::remove_file(ro.join("probe"));
        if !root_user {
            assert_refused(
                &["evaluate", SNAP, "-o", &format!("json={}/x/out.json", ro.display())],
                &["cannot create files in"],
            );
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(listing(d.path()), ["file", "ro"]);
}

/// Runs rootwarden with a standard output whose reader is gone before anything is written.
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_reader_that_goes_away_stops_the_output_quietly() {
    let d = tempfile::tempdir().unwrap();
    let json = d.path().join("also.json");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["rules", "list"], 0),
        (vec!["rules", "show", "RW-ROOT-001"], 0),
        (vec!["rules", "test"], 0),
        (vec!["evaluate", SNAP], 0),
        (vec!["evaluate", SNAP, "-o", "json"], 0),
        (
            vec!["evaluate", "fixtures/snapshots/neglected-account.json", "-o", "sarif"],
            1,
        ),
        (vec!["schema", "snapshot"], 0),
        (vec!["explain-filter", "{ $.userIdentity.type = \"Root\" }"], 1),
        (
            vec![
                "activity",
                "--logs",
                LOGS,
                "--snapshot",
                SNAP,
                "--requirements",
                "fixtures/activity/requirements.yaml",
            ],
            1,
        ),
        (
            vec![
                "remediate",
                "plan",
                "--snapshot",
                "fixtures/snapshots/neglected-account.json",
            ],
            0,
        ),
        (
            vec!["remediate", "export", "-o", "terraform", "--log-group", "trail-logs"],
            0,
        ),
    ];
    for (args, code) in cases {
        let r = run_into_closed_pipe(&args);
        let err = stderr(&r);
        assert_eq!(r.status.code(), Some(code), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("error"),
            "{args:?}: {err}"
        );
    }
    // Files are still written when the reader of standard output is gone.
    let spec = format!("json={}", json.display());
    let r = run_into_closed_pipe(&["evaluate", SNAP, "-o", "text", "-o", &spec]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(json.exists());
}
