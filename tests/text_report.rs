//! The text report as a person at a terminal reads it: failures first by severity, passing
//! controls counted instead of listed, display filters, colour only on a terminal (a real
//! pseudo-terminal, through util-linux `script`) and never with NO_COLOR, and plurals.
//! Also `rules list`: the CIS column the README promises, and its JSON.

mod support;

use std::process::{Command, Output};

use serde_json::Value;
use support::root;

fn rootwarden(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rootwarden"));
    c.args(args).current_dir(root()).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// (status word, severity, rule id) of each outcome line.
fn outcome_lines(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                [status, sev, id, ..]
                    if ["FAIL", "DATA?", "WAIVED", "N/A", "PASS"].contains(status) && SEVERITIES.contains(sev) =>
                {
                    Some((status.to_string(), sev.to_string(), id.to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn failures_come_first_by_severity_and_passes_are_counted() {
    let o = rootwarden(
        &[
            "evaluate",
            "fixtures/snapshots/neglected-account.json",
            "--fail-on",
            "none",
        ],
        &[],
    );
    let text = stdout(&o);
    let lines = outcome_lines(&text);
    assert!(!lines.is_empty(), "{text}");
    let rank = |s: &str| {
        ["FAIL", "DATA?", "WAIVED", "N/A", "PASS"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let sev = |s: &str| SEVERITIES.iter().position(|x| *x == s).unwrap();
    for pair in lines.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            (rank(&a.0), sev(&a.1)) <= (rank(&b.0), sev(&b.1)),
            "{a:?} before {b:?}\n{text}"
        );
    }
    assert_eq!(lines[0].0, "FAIL");
    assert_eq!(lines[0].1, "critical");
    assert!(
        lines.iter().all(|l| l.0 != "PASS"),
        "passing controls are not listed\n{text}"
    );
    // Every outcome is listed or counted: compare with the JSON report.
    let (_, json) = json(&["evaluate", "fixtures/snapshots/neglected-account.json"]);
    let outcomes = &json["summary"]["outcomes"];
    let listed = lines.len() as u64;
    let passing = outcomes["pass"].as_u64().unwrap();
    let not_applicable = outcomes["not_applicable"].as_u64().unwrap();
    assert_eq!(
        listed + passing + not_applicable,
        json["summary"]["rules"].as_u64().unwrap(),
        "{text}"
    );
    assert!(
        text.contains("counted, not listed (--show-passed lists them)"),
        "{text}"
    );

    let o = rootwarden(
        &["evaluate", "fixtures/snapshots/neglected-account.json", "--show-passed"],
        &[],
    );
    let all = outcome_lines(&stdout(&o));
    assert_eq!(all.len() as u64, json["summary"]["rules"].as_u64().unwrap());
    assert_eq!(all.last().unwrap().0, "PASS");
}

fn json(args: &[&str]) -> (Output, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json", "--fail-on", "none"]);
    let o = rootwarden(&a, &[]);
    let v = serde_json::from_slice(&o.stdout).unwrap();
    (o, v)
}

#[test]
fn a_compliant_organization_reads_in_a_few_lines() {
    let o = rootwarden(&["evaluate", "fixtures/snapshots/compliant-org.json"], &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    // A header, one line per account, the summary and the hint: no line per passing control.
    let accounts: Vec<&str> = text.lines().filter(|l| l.starts_with("Account ")).collect();
    assert_eq!(accounts.len(), 3, "{text}");
    assert!(text.lines().count() <= 1 + 1 + 3 + 1 + 2, "{text}");
    assert!(
        outcome_lines(&text).iter().all(|l| l.0 == "N/A" || l.0 == "DATA?"),
        "{text}"
    );
    assert!(text.contains("3 accounts × "), "{text}");
    assert!(text.contains("0 collection errors."), "{text}");
}

#[test]
fn status_and_severity_filter_what_is_shown_not_what_is_counted() {
    let args = [
        "evaluate",
        "fixtures/snapshots/neglected-account.json",
        "--status",
        "fail",
        "--severity",
        "critical",
    ];
    let o = rootwarden(&args, &[]);
    let text = stdout(&o);
    let lines = outcome_lines(&text);
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l.0 == "FAIL" && l.1 == "critical"), "{text}");
    assert!(text.contains("Shown: --status fail --severity critical only"), "{text}");
    assert_eq!(o.status.code(), Some(1), "the exit code still counts every failure");
    let o = rootwarden(
        &[
            "evaluate",
            "fixtures/snapshots/insufficient-cloudwatch.json",
            "--status",
            "insufficient_data",
        ],
        &[],
    );
    let lines = outcome_lines(&stdout(&o));
    assert!(!lines.is_empty() && lines.iter().all(|l| l.0 == "DATA?"), "{lines:?}");
    let o = rootwarden(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-org.json",
            "--status",
            "passing",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("passing"));
}

#[test]
fn plurals_read_right() {
    let o = rootwarden(
        &["evaluate", "fixtures/snapshots/insufficient-credential-report.json"],
        &[],
    );
    let text = stdout(&o);
    assert!(text.contains("— 1 account × "), "{text}");
    assert!(
        text.contains("1 account × ") && text.contains("; 1 collection error."),
        "{text}"
    );
    assert!(!text.contains("(s)"), "{text}");
}

const ESC: &str = "\x1b[";

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let snap = "fixtures/snapshots/neglected-account.json";
    // stdout is a pipe here.
    let piped = stdout(&rootwarden(&["evaluate", snap], &[]));
    assert!(!piped.contains(ESC), "no colour into a pipe");
    let forced = stdout(&rootwarden(&["evaluate", snap, "--color", "always"], &[]));
    assert!(forced.contains("\x1b[1;31mFAIL"), "{forced}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.txt");
    rootwarden(&["evaluate", snap, "-o", &format!("text={}", file.display())], &[]);
    assert!(
        !std::fs::read_to_string(&file).unwrap().contains(ESC),
        "no colour into a file"
    );

    // A real terminal: util-linux `script` runs the command on a pseudo-terminal.
    let on_tty = |no_color: Option<&str>| -> String {
        let cmd = format!("{} evaluate {snap} --fail-on none", env!("CARGO_BIN_EXE_rootwarden"));
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(root())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let o = c.output().expect("util-linux script");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let tty = on_tty(None);
    assert!(tty.contains("\x1b[1;31mFAIL"), "colour on a terminal: {tty:?}");
    let no_color = on_tty(Some("1"));
    assert!(
        no_color.contains("FAIL") && !no_color.contains(ESC),
        "NO_COLOR: {no_color:?}"
    );
    let empty = on_tty(Some(""));
    assert!(empty.contains(ESC), "an empty NO_COLOR does not count");
}

#[test]
fn rules_list_shows_the_mappings_the_readme_promises() {
    let o = rootwarden(&["rules", "list"], &[]);
    let text = stdout(&o);
    let header = text.lines().next().unwrap();
    for col in ["ID", "SEVERITY", "TITLE", "CIS", "SECURITY HUB", "SOURCE"] {
        assert!(header.contains(col), "{header}");
    }
    let mfa = text.lines().find(|l| l.starts_with("RW-ROOT-003")).unwrap();
    assert!(mfa.contains("1.5 (v1.4.0-v4.0.1)") && mfa.contains("IAM.9"), "{mfa}");

    let o = rootwarden(&["rules", "list", "-o", "json"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let rules: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        rules.len(),
        text.lines().count() - 1,
        "one row per rule under the header"
    );
    // The README's table of bundled rules names each rule's CIS and Security Hub controls as
    // the rules' METADATA does (the README shortens CIS to its number).
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut rows = 0;
    for line in readme.lines().filter(|l| l.starts_with("| RW-")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (id, cis, hub) = (cells[1], cells[4], cells[5]);
        let rule = rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is in the README but not in rules list"));
        let strs = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        // The README gives the v1.4.0-and-later numbers; `rules list` every version's.
        let rule_cis: Vec<String> = strs(&rule["cis"])
            .iter()
            .filter(|c| c.contains("(v1.4.0"))
            .map(|c| c.split_whitespace().next().unwrap().to_string())
            .collect();
        let readme_cis: Vec<String> = cis
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        assert_eq!(readme_cis, rule_cis, "{id}: CIS in the README vs the rule's METADATA");
        let readme_hub: Vec<String> = hub
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        assert_eq!(readme_hub, strs(&rule["aws_security_hub"]), "{id}: Security Hub");
        rows += 1;
    }
    assert_eq!(rows, rules.len(), "the README lists every bundled rule");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/rules.json");
    let o = rootwarden(&["rules", "list", "-o", &format!("json={}", path.display())], &[]);
    assert_eq!(o.status.code(), Some(0));
    let written: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written, rules);
    let o = rootwarden(&["rules", "list", "-o", "sarif"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn colour_is_the_only_escape_sequence_a_snapshot_cannot_add_its_own() {
    // An account name and a collection time that would set the window title and clear the
    // screen: with colour forced on, the report's own SGR sequences stay and theirs are shown.
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/neglected-account.json")).unwrap(),
    )
    .unwrap();
    snap["accounts"][0]["name"] = Value::String("evil\x1b]0;pwned\x07\x1b[2J".into());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    let o = rootwarden(
        &[
            "evaluate",
            path.to_str().unwrap(),
            "--fail-on",
            "none",
            "--color",
            "always",
        ],
        &[],
    );
    let text = stdout(&o);
    assert!(text.contains("evil\\x1b]0;pwned\\x07\\x1b[2J"), "{text}");
    for (i, _) in text.match_indices('\x1b') {
        let rest = &text[i + 1..];
        let sgr = rest
            .strip_prefix('[')
            .and_then(|r| r.find('m').map(|m| &r[..m]))
            .is_some_and(|params| params.chars().all(|c| c.is_ascii_digit() || c == ';'));
        assert!(
            sgr,
            "a non-colour escape sequence at {i}: {:?}",
            &text[i..(i + 12).min(text.len())]
        );
    }
    assert!(text.contains("\x1b[1;31m"), "colour is still on: {text}");
}
