//! Scanning the moto organization and comparing outcome tables, shared by the live tests.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use super::{Moto, Org};

pub type Table = BTreeMap<(String, String), String>;

pub struct Scan {
    pub out: Output,
    pub table: Table,
    pub snapshot: serde_json::Value,
    /// The JSON report (`-o json`).
    pub findings: serde_json::Value,
    _dir: tempfile::TempDir,
}

pub fn scan(moto: &Moto, extra: &[&str]) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("findings.json");
    let snap = dir.path().join("snapshot.json");
    let mut args = vec![
        "scan".to_string(),
        "--org".into(),
        "-o".into(),
        format!("json={}", json.display()),
        "--snapshot-out".into(),
        snap.display().to_string(),
        "--fail-on".into(),
        "none".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = moto.rootwarden(&refs);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let findings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("no findings ({e}): {stderr}")))
            .unwrap_or_else(|e| panic!("unreadable findings ({e}): {stderr}"));
    let table = findings["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["account_id"].as_str().unwrap().to_string(),
                    r["rule_id"].as_str().unwrap().to_string(),
                ),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let snapshot = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    Scan {
        out,
        table,
        snapshot,
        findings,
        _dir: dir,
    }
}

/// The outcome table of the compliant organization: everything passes, except what cannot
/// apply (EventBridge is not an accepted path by default; centralized root access is judged on
/// the management account only).
pub fn compliant_table(org: &Org) -> Table {
    let rules = [
        "RW-ACT-001",
        "RW-MON-001",
        "RW-MON-002",
        "RW-MON-003",
        "RW-MON-004",
        "RW-MON-005",
        "RW-MON-006",
        "RW-MON-007",
        "RW-MON-008",
        "RW-ORG-001",
        "RW-ROOT-001",
        "RW-ROOT-002",
        "RW-ROOT-003",
        "RW-ROOT-004",
        "RW-ROOT-005",
    ];
    let mut t = Table::new();
    for a in org.accounts() {
        for r in rules {
            let status = match r {
                "RW-MON-006" | "RW-ACT-001" => "not_applicable",
                "RW-ORG-001" if a != org.management => "not_applicable",
                _ => "pass",
            };
            t.insert((a.clone(), r.to_string()), status.to_string());
        }
    }
    t
}

/// `t` with `changes`. RW-MON-008 proves the action of RW-MON-004's alarm, so unless a change
/// names it, it follows RW-MON-004: nothing to prove without such an alarm (not applicable), and
/// undecided when the alarm is.
pub fn with(mut t: Table, changes: &[(&str, &str, &str)]) -> Table {
    for (account, rule, status) in changes {
        let key = (account.to_string(), rule.to_string());
        assert!(t.contains_key(&key), "no cell {key:?}");
        t.insert(key, status.to_string());
    }
    for (account, rule, status) in changes {
        let proof = (account.to_string(), "RW-MON-008".to_string());
        if *rule == "RW-MON-004" && !changes.iter().any(|(a, r, _)| a == account && *r == "RW-MON-008") {
            let follows = match *status {
                "fail" | "not_applicable" => "not_applicable",
                other => other,
            };
            if t.contains_key(&proof) {
                t.insert(proof, follows.to_string());
            }
        }
    }
    t
}

pub fn diff(got: &Table, want: &Table) -> String {
    let keys: BTreeSet<_> = got.keys().chain(want.keys()).collect();
    keys.into_iter()
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| format!("{} {}: got {:?}, want {:?}\n", k.0, k.1, got.get(k), want.get(k)))
        .collect()
}
