//! `evaluate` reading a snapshot's accounts one at a time gives exactly the reports of reading it
//! whole: the same outcomes in the same order, the same waivers, the same digest, whatever the
//! order of the snapshot's members and accounts.

mod support;

use std::path::{Path, PathBuf};

use rootwarden::input::{self, OpenedSnapshot, SnapshotStream};
use rootwarden::policy::{loader, Evaluation, Policy};
use rootwarden::report;
use rootwarden::requirements::Requirements;
use support::{root, rootwarden};

/// Every fixture snapshot, with the requirements its expected outcome table is judged with.
fn fixtures() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures/snapshots")).unwrap() {
        let path = entry.unwrap().path();
        let expected = root().join("fixtures/expected").join(path.file_name().unwrap());
        let requirements = std::fs::read_to_string(expected)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|spec| spec["requirements"].as_str().map(|r| root().join(r)));
        out.push((path, requirements));
    }
    out.sort();
    assert!(out.len() >= 20, "expected the full fixture set, found {}", out.len());
    out
}

fn policy(requirements: &Requirements) -> Policy {
    Policy::load(&loader::bundled(), requirements).unwrap()
}

fn streamed(path: &Path) -> SnapshotStream {
    match input::open_snapshot(path).unwrap() {
        OpenedSnapshot::Streamed(s) => s,
        OpenedSnapshot::Whole(..) => panic!("{}: read whole, not streamed", path.display()),
    }
}

/// The reports that need only the outcome table.
fn reports(eval: &Evaluation) -> [String; 4] {
    [
        report::json::render(eval),
        report::sarif::render(eval, &report::sarif::SarifOptions::default()),
        report::junit::render(eval),
        report::config_evaluations::render(eval),
    ]
}

/// Evaluates `path` read whole and read one account at a time; both reports and digests.
fn both(path: &Path, requirements: &Requirements) -> ([String; 4], [String; 4], String, String) {
    let (whole, whole_digest) = input::load_snapshot_with_digest(path).unwrap();
    let whole_eval = policy(requirements).evaluate(&whole).unwrap();
    // The JSON report is written member by member; it is its document, as it always was.
    let document = serde_json::to_string_pretty(&report::json::document(&whole_eval)).unwrap() + "\n";
    assert!(
        document == report::json::render(&whole_eval),
        "{}: JSON report",
        path.display()
    );
    let opts = report::sarif::SarifOptions::default();
    let document = serde_json::to_string_pretty(&report::sarif::document(&whole_eval, &opts)).unwrap() + "\n";
    assert!(
        document == report::sarif::render(&whole_eval, &opts),
        "{}: SARIF",
        path.display()
    );
    let stream = streamed(path);
    let ids: Vec<&str> = stream.accounts().iter().map(|a| a.account_id.as_str()).collect();
    let want: Vec<&str> = whole.accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, want, "{}", path.display());
    let mut p = policy(requirements);
    let eval = stream
        .with_accounts(|accounts| p.evaluate_stream(stream.context(), &ids, accounts))
        .unwrap()
        .unwrap();
    (
        reports(&whole_eval),
        reports(&eval),
        whole_digest,
        stream.digest().to_string(),
    )
}

#[test]
fn every_fixture_streams_to_the_reports_of_the_whole_snapshot() {
    for (path, requirements) in fixtures() {
        let req = requirements.map_or_else(Requirements::default, |r| input::load_requirements(&r).unwrap());
        let (whole, streamed, whole_digest, digest) = both(&path, &req);
        assert_eq!(digest, whole_digest, "{}", path.display());
        for (w, s) in whole.iter().zip(&streamed) {
            assert!(
                w == s,
                "{}: streamed report differs:\n{s}\nread whole:\n{w}",
                path.display()
            );
        }
    }
}

/// `compliant-org.json` with its members in reverse order (each member before its management
/// account, whose organization trail it relies on) and its top-level members reversed (the
/// accounts before the version and the collection time).
fn reordered(dir: &Path, owner_role: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("fixtures/snapshots/compliant-org.json")).unwrap();
    let doc: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut members: Vec<(String, serde_json::Value)> = doc.into_iter().collect();
    members.reverse();
    assert_eq!(
        members[members.len() - 1].0,
        "schema_version",
        "the fixture starts with its version"
    );
    let mut out = String::from("{");
    for (i, (key, mut value)) in members.into_iter().enumerate() {
        if key == "accounts" {
            let accounts = value.as_array_mut().unwrap();
            assert_eq!(accounts[0]["role"], "management");
            accounts[0]["role"] = owner_role.into();
            accounts.reverse();
        }
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&format!(
            "{}: {}",
            serde_json::to_string(&key).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        ));
    }
    out.push_str("}\n");
    let path = dir.join(format!("reordered-{owner_role}.json"));
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn member_order_and_field_order_do_not_change_the_streamed_reports() {
    let dir = tempfile::tempdir().unwrap();
    // A management account is kept by the first reading; a chain owner of another role (a
    // delegated administrator's trail, say) is found by a second.
    for role in ["management", "member"] {
        let path = reordered(dir.path(), role);
        let stream = streamed(&path);
        let owners: Vec<&str> = stream
            .context()
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect();
        let last = stream.accounts().last().unwrap().account_id.clone();
        assert_eq!(owners, [last.as_str()], "the chain owner, listed last, is kept");
        let (whole, streamed, whole_digest, digest) = both(&path, &Requirements::default());
        assert_eq!(digest, whole_digest);
        assert_eq!(whole, streamed, "{role}");
        let findings: serde_json::Value = serde_json::from_str(&streamed[0]).unwrap();
        assert!(
            findings["summary"]["outcomes"]["pass"].as_u64().unwrap() > 0,
            "the members' chains pass through their owner's trail: {findings}"
        );
    }
}

/// `evaluate` with outputs that need only the outcome table streams; adding `-o html` reads the
/// snapshot whole. Both write the same JSON, SARIF and JUnit, and end the same way.
#[test]
fn evaluate_writes_the_same_reports_streamed_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    let reordered = reordered(dir.path(), "management");
    let cases = [
        (root().join("fixtures/snapshots/compliant-org.json"), None),
        (reordered, None),
        (
            root().join("fixtures/snapshots/waived-signing-cert.json"),
            Some(root().join("fixtures/requirements/waive-signing-cert.yaml")),
        ),
        (root().join("fixtures/snapshots/neglected-account.json"), None),
    ];
    for (n, (snapshot, requirements)) in cases.iter().enumerate() {
        let run = |tag: &str, html: bool| {
            let out = |f: &str| dir.path().join(format!("{n}-{tag}.{f}")).display().to_string();
            let mut args: Vec<String> = vec!["evaluate".into(), snapshot.display().to_string()];
            if let Some(r) = requirements {
                args.extend(["--requirements".into(), r.display().to_string()]);
            }
            for f in ["json", "sarif", "junit", "text"] {
                args.extend(["-o".into(), format!("{f}={}", out(f))]);
            }
            if html {
                args.extend(["-o".into(), format!("html={}", out("html"))]);
            }
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_rootwarden"))
                .args(&args)
                .env("SOURCE_DATE_EPOCH", "1767225600")
                .current_dir(root())
                .output()
                .unwrap();
            let reports: Vec<String> = ["json", "sarif", "junit", "text"]
                .iter()
                .map(|f| std::fs::read_to_string(out(f)).unwrap())
                .collect();
            (output.status.code(), reports)
        };
        let (code, streamed) = run("streamed", false);
        let (whole_code, whole) = run("whole", true);
        assert_eq!(code, whole_code, "{}", snapshot.display());
        assert!(matches!(code, Some(0 | 1)), "{}: exit {code:?}", snapshot.display());
        assert_eq!(streamed, whole, "{}", snapshot.display());
    }
}

/// A snapshot the passes refuse gets the error of reading it whole: exit 2, file, line and path.
#[test]
fn a_bad_snapshot_gets_the_error_of_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/snapshots/compliant-org.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let accounts = serde_json::to_string(&doc["accounts"]).unwrap();
    let id = doc["accounts"][1]["account_id"].as_str().unwrap().to_string();
    let mut dup = doc.clone();
    dup["accounts"].as_array_mut().unwrap().push(doc["accounts"][1].clone());
    let without_end = &text.trim_end()[..text.trim_end().len() - 1];
    let cases = [
        ("empty", String::new()),
        ("truncated", text[..text.len() / 2].to_string()),
        ("version", text.replacen("\"2.0\"", "\"3.0\"", 1)),
        ("twice", format!("{without_end}, \"accounts\": {accounts}}}")),
        ("duplicate-id", serde_json::to_string_pretty(&dup).unwrap()),
        ("trailing", format!("{text} {{}}")),
    ];
    for (name, body) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, &body).unwrap();
        let whole = input::load_snapshot_with_digest(&path).unwrap_err().to_string();
        let opened = input::open_snapshot(&path).unwrap_err().to_string();
        assert_eq!(opened, whole, "{name}");
        let out = rootwarden(&["evaluate", path.to_str().unwrap(), "-o", "json"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&whole), "{name}: {stderr}\nexpected: {whole}");
        assert!(whole.contains(path.to_str().unwrap()), "{name}: {whole}");
        if name == "duplicate-id" {
            assert!(whole.contains(&id) && whole.contains("line "), "{whole}");
        }
    }
}

/// A scope that matches no account of a streamed snapshot is the error it always was.
#[test]
fn a_scope_that_matches_nothing_is_an_error_when_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let req = dir.path().join("req.yaml");
    std::fs::write(&req, "scope:\n  include_accounts: ['999999999999']\n").unwrap();
    let snapshot = root().join("fixtures/snapshots/compliant-org.json");
    let args = [
        "evaluate",
        snapshot.to_str().unwrap(),
        "--requirements",
        req.to_str().unwrap(),
        "-o",
        "json",
    ];
    let streamed = rootwarden(&args);
    // An html output makes evaluate read the snapshot whole.
    let html = format!("html={}", dir.path().join("r.html").display());
    let whole = rootwarden(&[&args[..], &["-o", &html]].concat());
    assert_eq!(streamed.status.code(), Some(2));
    assert_eq!(streamed.stderr, whole.stderr);
    assert!(!streamed.stderr.is_empty());
}
