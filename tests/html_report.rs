//! The HTML findings report and the root-user inventory, looked at as a person would: every
//! fixture's page parsed by a spec-conformant HTML5 parser (html5ever) that must report no parse
//! error, its matrix and inventory cells compared with the JSON report and the inventory JSON
//! (and those with the snapshot's own facts), and the page rendered by headless Chromium into a
//! screenshot that must not be blank.
//!
//! `.ci/run` installs Debian's `chromium` and exports `ROOTWARDEN_CHROMIUM`; without it the
//! rendering tests say they skipped, and fail under `CI`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use html5ever::tendril::TendrilSink;
use scraper::{ElementRef, Html, Selector};
use serde_json::{json, Value};
use support::root;

/// One fixture: its snapshot and the requirements its expected outcome table was made with.
struct Fixture {
    name: String,
    snapshot: PathBuf,
    requirements: Option<PathBuf>,
}

fn fixtures() -> Vec<Fixture> {
    let mut v: Vec<Fixture> = std::fs::read_dir(root().join("fixtures/expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let spec: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            Fixture {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                snapshot: root().join(spec["snapshot"].as_str().unwrap()),
                requirements: spec["requirements"].as_str().map(|r| root().join(r)),
            }
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    let snapshots = std::fs::read_dir(root().join("fixtures/snapshots")).unwrap().count();
    assert_eq!(v.len(), snapshots, "every snapshot fixture has an expected table");
    v
}

fn rootwarden(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rootwarden"));
    c.args(args).current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// The reports of one fixture, written into a temporary directory.
struct Reports {
    dir: tempfile::TempDir,
    html: String,
    json: Value,
    inventory: Value,
    csv: String,
}

fn reports(snapshot: &Path, requirements: Option<&Path>) -> Reports {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let mut args = vec![
        "evaluate".to_string(),
        snapshot.display().to_string(),
        "--fail-on".into(),
        "none".into(),
    ];
    for (format, file) in [
        ("html", "r.html"),
        ("json", "r.json"),
        ("inventory-json", "inv.json"),
        ("inventory", "inv.csv"),
    ] {
        args.push("-o".into());
        args.push(format!("{format}={}", p(file)));
    }
    if let Some(r) = requirements {
        args.push("--requirements".into());
        args.push(r.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = rootwarden(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
    Reports {
        html: read("r.html"),
        json: serde_json::from_str(&read("r.json")).unwrap(),
        inventory: serde_json::from_str(&read("inv.json")).unwrap(),
        csv: read("inv.csv"),
        dir,
    }
}

/// Parses `html` as a document with html5ever reporting every parse error exactly.
fn parse_strict(html: &str) -> Html {
    let opts = html5ever::ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    html5ever::parse_document(scraper::HtmlTreeSink::new(Html::new_document()), opts).one(html)
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: &ElementRef) -> String {
    e.text().collect::<String>()
}

/// What a person (or a mail client) needs of a page: well-formed HTML5, standards mode, unique
/// ids, every in-page link landing somewhere, and nothing fetched from elsewhere.
fn assert_valid_self_contained(name: &str, html: &str) -> Html {
    let doc = parse_strict(html);
    assert!(doc.errors.is_empty(), "{name}: HTML parse errors: {:?}", doc.errors);
    assert_eq!(
        doc.quirks_mode,
        html5ever::tree_builder::QuirksMode::NoQuirks,
        "{name}: standards mode"
    );
    let mut ids = BTreeSet::new();
    for e in doc.select(&sel("[id]")) {
        let id = e.value().attr("id").unwrap();
        assert!(ids.insert(id.to_string()), "{name}: duplicate id {id:?}");
    }
    for a in doc.select(&sel("a[href]")) {
        let href = a.value().attr("href").unwrap();
        let target = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{name}: a link leaves the page: {href:?}"));
        assert!(ids.contains(target), "{name}: link to missing #{target}");
    }
    for forbidden in ["script", "link", "img", "iframe", "object", "embed", "[src]"] {
        assert_eq!(
            doc.select(&sel(forbidden)).count(),
            0,
            "{name}: the page must not load anything ({forbidden})"
        );
    }
    let style: String = doc.select(&sel("style")).map(|s| text(&s)).collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{name}: the style sheet loads nothing"
    );
    doc
}

#[test]
fn the_strict_parser_reports_errors() {
    // The check above is only worth something if the parser does complain.
    let broken = "<!DOCTYPE html><html lang=en><head><title>t</title></head><body>\
                  <table><tr><td>x</td></tr><p>stray</p></table><a href=#a class=x class=y>y</a></body></html>";
    let doc = parse_strict(broken);
    assert!(doc.errors.len() >= 2, "{:?}", doc.errors);
    let quirks = parse_strict("<html><body><p>no doctype</p></body></html>");
    assert_eq!(quirks.quirks_mode, html5ever::tree_builder::QuirksMode::Quirks);
}

/// outcome table of the JSON report: (account, rule) -> status.
fn json_outcomes(json: &Value) -> BTreeMap<(String, String), String> {
    let mut m: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in json["results"].as_array().unwrap() {
        m.entry((
            r["account_id"].as_str().unwrap().to_string(),
            r["rule_id"].as_str().unwrap().to_string(),
        ))
        .or_default()
        .insert(r["status"].as_str().unwrap().to_string());
    }
    m.into_iter()
        .map(|(k, v)| {
            assert_eq!(v.len(), 1, "{k:?}: one status per outcome, got {v:?}");
            (k, v.into_iter().next().unwrap())
        })
        .collect()
}

fn html_matrix(doc: &Html) -> BTreeMap<(String, String), String> {
    doc.select(&sel("table.matrix td[data-status]"))
        .map(|td| {
            let v = td.value();
            (
                (
                    v.attr("data-account").unwrap().to_string(),
                    v.attr("data-rule").unwrap().to_string(),
                ),
                v.attr("data-status").unwrap().to_string(),
            )
        })
        .collect()
}

/// The text the inventory shows for each fact of the inventory JSON (its documented labels).
fn expected_fields(u: &Value) -> BTreeMap<String, String> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let source = |v: &Value| {
        match v.as_str().unwrap() {
            "root_session" => "root session (--audit-root)",
            "credential_report" => "credential report",
            "mfa_device_list" => "MFA device list",
            "cloudtrail" => "CloudTrail",
            "not_collected" => "not collected",
            other => panic!("unknown source {other}"),
        }
        .to_string()
    };
    let reported = |v: &Value, never: &str| match v.as_str() {
        None => String::new(),
        Some("N/A") => never.to_string(),
        Some("no_information") => "no information".into(),
        Some("not_supported") => "not supported".into(),
        Some(x) => x.to_string(),
    };
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put("account_id", s(&u["account_id"]));
    put("account_name", s(&u["name"]));
    put("role", s(&u["role"]));
    put(
        "mfa",
        match u["mfa"]["state"].as_str().unwrap() {
            "enabled_kind_unknown" => "on, kind unknown".into(),
            "not_applicable" => "not applicable".into(),
            other => other.to_string(),
        },
    );
    put(
        "mfa_devices",
        u["mfa"]["devices"]
            .as_array()
            .map(|d| d.iter().map(|k| k.as_str().unwrap()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
    );
    put("mfa_from", source(&u["mfa"]["from"]));
    put("password", s(&u["password"]["state"]));
    put("password_from", source(&u["password"]["from"]));
    let sign_in = &u["last_console_sign_in"];
    put(
        "last_console_sign_in",
        match sign_in["at"].as_str() {
            Some(t) => t.to_string(),
            None => sign_in["state"].as_str().unwrap().replace('_', " "),
        },
    );
    let keys = u["access_keys"].as_array().unwrap();
    for slot in 1..=2u64 {
        let k = keys.iter().find(|k| k["slot"] == slot).unwrap();
        let p = format!("access_key_{slot}");
        put(&p, s(&k["state"]));
        put(&format!("{p}_id_last4"), s(&k["key_id_last4"]));
        put(&format!("{p}_created"), s(&k["created"]));
        put(&format!("{p}_last_used"), reported(&k["last_used"], "never"));
        put(&format!("{p}_last_used_service"), reported(&k["last_used_service"], ""));
        put(&format!("{p}_last_used_region"), reported(&k["last_used_region"], ""));
    }
    put("keys_from", source(&keys[0]["from"]));
    let certs = u["signing_certificates"].as_array().unwrap();
    for slot in 1..=2u64 {
        let c = certs.iter().find(|c| c["slot"] == slot).unwrap();
        let p = format!("signing_certificate_{slot}");
        put(&p, s(&c["state"]));
        put(&format!("{p}_id_last4"), s(&c["certificate_id_last4"]));
        put(&format!("{p}_uploaded"), s(&c["uploaded"]));
    }
    let cra = &u["centralized_root_access"];
    put(
        "centralized_root_access",
        match (
            cra["root_credentials_management"].as_bool(),
            cra["root_sessions"].as_bool(),
        ) {
            (Some(c), Some(r)) => format!(
                "credentials management {}, root sessions {}",
                if c { "on" } else { "off" },
                if r { "on" } else { "off" }
            ),
            _ if cra["scope"] == "standalone" => "no organization".into(),
            _ => "unknown".into(),
        },
    );
    put(
        "credential_report_generated_at",
        s(&u["credential_report_generated_at"]),
    );
    put("root_session_at", s(&u["root_session_at"]));
    m
}

/// The root-user facts straight from the snapshot, as AWS and rules/lib/root.rego define them:
/// an audited list wins over the credential report.
fn check_inventory_against_snapshot(name: &str, snapshot: &Value, json: &Value, inventory: &Value) {
    let mfa_outcome: BTreeMap<&str, &str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "RW-ROOT-003")
        .map(|r| (r["account_id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    for u in inventory["accounts"].as_array().unwrap() {
        let id = u["account_id"].as_str().unwrap();
        let a = snapshot["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == id)
            .unwrap();
        let iam = &a["iam"];
        let row = &iam["credential_report"]["root"];
        // Access keys.
        let states: Vec<&str> = u["access_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["state"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = match iam["root_audit"]["access_keys"].as_array() {
            Some(list) => (0..2)
                .map(|i| match list.get(i) {
                    Some(k) => k["status"].as_str().unwrap().to_lowercase(),
                    None => "absent".into(),
                })
                .collect(),
            None if row.is_object() => ["access_key_1", "access_key_2"]
                .iter()
                .map(|slot| {
                    let c = &row[slot];
                    if c["active"] == true {
                        "active".into()
                    } else if c["last_rotated"].as_str().is_some_and(|t| t.contains('T')) {
                        "inactive".into()
                    } else {
                        "absent".into()
                    }
                })
                .collect(),
            None => vec!["unknown".into(), "unknown".into()],
        };
        assert_eq!(states, expected, "{name} {id}: access keys");
        // Password.
        let password = match iam["root_login_profile"].as_str() {
            Some(p) => p.to_string(),
            None => match row["password_enabled"].as_bool() {
                Some(true) => "present".into(),
                Some(false) => "absent".into(),
                None => "unknown".into(),
            },
        };
        assert_eq!(u["password"]["state"], password.as_str(), "{name} {id}: password");
        // MFA: "not applicable" is the rules' word; otherwise the audited list or the report.
        let on = match iam["root_audit"]["mfa_devices"].as_array() {
            Some(d) => Some(!d.is_empty()),
            None => row["mfa_active"].as_bool(),
        };
        let mfa = u["mfa"]["state"].as_str().unwrap();
        match (mfa_outcome.get(id), on) {
            (Some(&"not_applicable"), _) => assert_eq!(mfa, "not_applicable", "{name} {id}"),
            (_, None) => assert_eq!(mfa, "unknown", "{name} {id}"),
            (_, Some(false)) => assert_eq!(mfa, "none", "{name} {id}"),
            (_, Some(true)) => assert!(
                ["hardware", "virtual", "enabled_kind_unknown"].contains(&mfa),
                "{name} {id}: {mfa}"
            ),
        }
        if mfa == "hardware" {
            let devices = iam["root_audit"]["mfa_devices"]
                .as_array()
                .or(iam["root_mfa_devices"].as_array())
                .unwrap();
            assert!(devices.iter().any(|d| d["kind"] == "hardware"), "{name} {id}");
        }
    }
}

#[test]
fn every_fixture_page_is_valid_and_its_cells_equal_the_json_reports() {
    let mut pages = 0;
    let mut cells = 0;
    let mut facts = 0;
    for f in fixtures() {
        let r = reports(&f.snapshot, f.requirements.as_deref());
        let doc = assert_valid_self_contained(&f.name, &r.html);
        // The matrix shows exactly the JSON report's outcome table.
        let matrix = html_matrix(&doc);
        let outcomes = json_outcomes(&r.json);
        assert_eq!(matrix, outcomes, "{}: matrix vs JSON", f.name);
        assert_eq!(
            matrix.len(),
            r.json["summary"]["accounts"].as_u64().unwrap() as usize
                * r.json["summary"]["rules"].as_u64().unwrap() as usize
        );
        cells += matrix.len();
        // Every non-passing cell leads to that account's finding.
        for td in doc.select(&sel("table.matrix td[data-status]")) {
            let status = td.value().attr("data-status").unwrap();
            let link = td.select(&sel("a[href]")).next();
            assert_eq!(link.is_some(), status != "pass", "{}: {:?}", f.name, td.html());
            if let Some(a) = link {
                let target = &a.value().attr("href").unwrap()[1..];
                let row = doc
                    .select(&sel(&format!("[id=\"{target}\"]")))
                    .next()
                    .unwrap_or_else(|| panic!("{}: no #{target}", f.name));
                assert!(
                    text(&row).contains(td.value().attr("data-account").unwrap()),
                    "{}: #{target} is not the account's finding",
                    f.name
                );
            }
        }
        // The headline counts what the JSON summary counts.
        let card = |label: &str| -> String {
            doc.select(&sel(".card"))
                .find(|c| text(c).ends_with(label))
                .map(|c| text(&c.select(&sel(".n")).next().unwrap()))
                .unwrap_or_else(|| panic!("{}: no card {label}", f.name))
        };
        let summary = &r.json["summary"];
        let accounts_card = doc.select(&sel(".card.accounts .n")).next().map(|n| text(&n));
        assert_eq!(accounts_card, Some(summary["accounts"].to_string()), "{}", f.name);
        assert_eq!(
            card("insufficient data"),
            summary["outcomes"]["insufficient_data"].to_string()
        );
        for sev in ["critical", "high", "medium", "low", "info"] {
            let n = summary["failing_outcomes_by_severity"][sev].as_u64().unwrap_or(0);
            assert_eq!(card(&format!("{sev} failing")), n.to_string(), "{} {sev}", f.name);
        }
        assert_eq!(
            card("compliance score"),
            format!("{}%", summary["compliance_score_percent"]).replace(".0%", "%"),
            "{}",
            f.name
        );
        // The inventory table shows exactly the inventory JSON, and the CSV the same cells.
        let mut csv = csv::Reader::from_reader(r.csv.as_bytes());
        let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let csv_rows: Vec<Vec<String>> = csv
            .records()
            .map(|row| row.unwrap().iter().map(String::from).collect())
            .collect();
        let accounts = r.inventory["accounts"].as_array().unwrap();
        let rows: Vec<ElementRef> = doc.select(&sel("table.inventory tr[data-account]")).collect();
        assert_eq!(rows.len(), accounts.len(), "{}", f.name);
        assert_eq!(csv_rows.len(), accounts.len(), "{}", f.name);
        for ((u, tr), csv_row) in accounts.iter().zip(&rows).zip(&csv_rows) {
            let shown: BTreeMap<String, String> = tr
                .select(&sel("[data-field]"))
                .map(|e| (e.value().attr("data-field").unwrap().to_string(), text(&e)))
                .collect();
            assert_eq!(shown, expected_fields(u), "{}: inventory row", f.name);
            let from_csv: BTreeMap<String, String> = header.iter().cloned().zip(csv_row.iter().cloned()).collect();
            assert_eq!(from_csv, shown, "{}: CSV row", f.name);
            facts += shown.len();
        }
        // The views list the accounts the inventory JSON's views name.
        for view in ["without_mfa", "with_access_keys", "with_signing_certificates"] {
            let listed: BTreeSet<String> = doc
                .select(&sel(&format!("ul[data-view=\"{view}\"] li")))
                .map(|li| li.value().attr("data-account").unwrap().to_string())
                .collect();
            let expected: BTreeSet<String> = r.inventory["views"][view]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            assert_eq!(listed, expected, "{}: view {view}", f.name);
        }
        let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&f.snapshot).unwrap()).unwrap();
        check_inventory_against_snapshot(&f.name, &snapshot, &r.json, &r.inventory);
        drop(r.dir);
        pages += 1;
    }
    eprintln!("{pages} pages: {cells} matrix cells and {facts} inventory facts matched the JSON reports");
    assert!(pages >= 30 && cells > 400, "{pages} pages, {cells} cells");
}

#[test]
fn findings_come_failures_first_by_severity_with_mappings_and_waivers() {
    let r = reports(
        &root().join("fixtures/snapshots/waived-signing-cert.json"),
        Some(&root().join("fixtures/requirements/waive-signing-cert.yaml")),
    );
    let doc = assert_valid_self_contained("waived", &r.html);
    let waived: Vec<ElementRef> = doc.select(&sel("section.finding.f-waived")).collect();
    assert_eq!(waived.len(), 1);
    let w = text(&waived[0]);
    assert!(w.contains("Waived until"), "{w}");
    let waiver = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["status"] == "waived")
        .unwrap();
    assert!(w.contains(waiver["suppression"]["reason"].as_str().unwrap()), "{w}");
    if let Some(a) = waiver["suppression"]["approver"].as_str() {
        assert!(w.contains(a), "{w}");
    }

    let r = reports(&root().join("fixtures/snapshots/neglected-account.json"), None);
    let doc = assert_valid_self_contained("neglected", &r.html);
    let order = ["critical", "high", "medium", "low", "info"];
    let mut last_group = 0;
    let mut last_sev = 0;
    for s in doc.select(&sel("section.finding")) {
        let class = s.value().attr("class").unwrap();
        let group = ["f-fail", "f-insufficient_data", "f-waived", "f-not_applicable"]
            .iter()
            .position(|g| class.contains(g))
            .unwrap();
        let sev_text = text(&s.select(&sel("h3 .sev")).next().unwrap());
        let sev = order.iter().position(|o| *o == sev_text).unwrap();
        if group != last_group {
            assert!(group > last_group, "failing findings come first");
            last_group = group;
            last_sev = 0;
        }
        assert!(sev >= last_sev, "most severe first within a group");
        last_sev = sev;
        let body = text(&s);
        if group == 0 {
            assert!(body.contains("Remediation."), "{body}");
            assert!(body.contains("Evidence"), "{body}");
        }
    }
    let root_keys = doc
        .select(&sel("section.finding.f-fail"))
        .find(|s| text(s).contains("RW-ROOT-001"))
        .unwrap();
    let t = text(&root_keys);
    assert!(t.contains("CIS 1.4") && t.contains("Security Hub IAM.4"), "{t}");
}

#[test]
fn provenance_names_rules_requirements_and_snapshot_and_pins_generation_time() {
    let requirements = root().join("fixtures/requirements/example.yaml");
    let snapshot = root().join("fixtures/snapshots/compliant-org.json");
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, epoch: &str| {
        let out = dir.path().join(name);
        let o = rootwarden(
            &[
                "evaluate",
                snapshot.to_str().unwrap(),
                "--requirements",
                requirements.to_str().unwrap(),
                "-o",
                &format!("html={}", out.display()),
            ],
            &[("SOURCE_DATE_EPOCH", epoch)],
        );
        (o, std::fs::read_to_string(&out).unwrap_or_default())
    };
    let (o, a) = run("a.html", "1700000000");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, b) = run("b.html", "1700000000");
    assert_eq!(a, b, "the same inputs and generation time give the same page");
    let doc = assert_valid_self_contained("provenance", &a);
    let prov: BTreeMap<String, String> = doc
        .select(&sel("dl.prov dt"))
        .map(|dt| {
            let dd = dt.next_siblings().find_map(ElementRef::wrap).unwrap();
            (text(&dt), text(&dd))
        })
        .collect();
    let sha = |p: &Path| {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(std::fs::read(p).unwrap());
        format!("sha256:{}", d.iter().map(|b| format!("{b:02x}")).collect::<String>())
    };
    assert_eq!(prov["rootwarden"], env!("CARGO_PKG_VERSION"));
    assert!(prov["Requirements"].contains(&sha(&requirements)), "{prov:?}");
    assert!(prov["Snapshot"].contains(&sha(&snapshot)), "{prov:?}");
    let digest = rootwarden::policy::loader::digest(&rootwarden::policy::loader::bundled());
    assert!(
        prov["Rules"].contains(&digest) && prov["Rules"].contains("bundled"),
        "{prov:?}"
    );
    assert_eq!(prov["Report generated"], "2023-11-14 22:13:20 UTC");
    assert_eq!(prov["Snapshot collected at"], "2026-11-20T08:00:00Z");
    assert!(prov["Accounts covered"].starts_with("3 accounts:"), "{prov:?}");
    assert!(prov["Regions covered"].contains("us-east-1"), "{prov:?}");
    assert_eq!(prov["Collection errors"], "0 failed API calls");

    let (o, _) = run("c.html", "yesterday");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SOURCE_DATE_EPOCH"));
}

#[test]
fn collection_errors_show_an_incomplete_banner_and_are_listed() {
    let r = reports(&root().join("fixtures/snapshots/audited-org.json"), None);
    let doc = assert_valid_self_contained("audited", &r.html);
    let banner = doc
        .select(&sel(".banner"))
        .map(|b| text(&b))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        banner.contains("Incomplete.") && banner.contains("1 API call failed"),
        "{banner}"
    );
    let errors: Vec<String> = doc
        .select(&sel("#collection-errors + table tr td"))
        .map(|t| text(&t))
        .collect();
    assert!(
        errors.contains(&"AssumeRoot".to_string()) && errors.contains(&"AccessDenied".to_string()),
        "{errors:?}"
    );
}

#[test]
fn hostile_names_are_text_and_csv_cells_are_not_formulas() {
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/neglected-account.json")).unwrap(),
    )
    .unwrap();
    snap["accounts"][0]["name"] = Value::String("=HYPERLINK(\"http://x\")<script>alert(1)</script>".into());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    let r = reports(&path, None);
    let doc = assert_valid_self_contained("hostile", &r.html);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert!(r.html.contains("&lt;script&gt;"));
    let mut csv = csv::Reader::from_reader(r.csv.as_bytes());
    let row = csv.records().next().unwrap().unwrap();
    assert!(row[1].starts_with("'="), "{:?}", &row[1]);
}

// --- rendering in Chromium ------------------------------------------------------------------

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ROOTWARDEN_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let default = PathBuf::from("/usr/bin/chromium");
    if default.exists() {
        return Some(default);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "ROOTWARDEN_CHROMIUM is not set and /usr/bin/chromium is missing; .ci/run installs chromium"
    );
    eprintln!("SKIPPED: no chromium (run `bash .ci/run` to install it)");
    None
}

/// What Chromium made of a page: the screenshot's size and RGBA pixels, and every message the
/// page wrote to the console (a refused resource, a Content-Security-Policy violation, a script
/// error), read from Chromium's log.
struct Shot {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    console: Vec<String>,
}

/// Renders `html` headless into a PNG (kept next to it) and decodes it.
fn screenshot(chromium: &Path, html: &Path, png: &Path, size: (u32, u32)) -> Shot {
    let profile = tempfile::tempdir().unwrap();
    let log = png.with_extension("log");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Console messages go to the log as `INFO:CONSOLE...` lines.
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "chromium failed on {}: {}",
                html.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            break;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {} in 180 s", html.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let console = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Shot {
        width: info.width,
        height: info.height,
        pixels: rgba,
        console,
    }
}

/// Rows in the upper half of the screenshot (where the headline and its banners are) at least
/// 90% filled with exactly `rgb`: a full-width banner, not a legend chip or a matrix row of
/// the same colour (the account column and the cell borders keep those well below 90%).
fn banner_rows(shot: &Shot, rgb: [u8; 3]) -> usize {
    let w = shot.width as usize;
    shot.pixels
        .chunks(w * 4)
        .take(shot.height as usize / 2)
        .filter(|row| row.chunks(4).filter(|p| p[..3] == rgb).count() * 10 >= w * 9)
        .count()
}

/// A page that renders, says nothing on the console, and is not blank.
fn assert_renders(name: &str, shot: &Shot) {
    assert!(shot.console.is_empty(), "{name}: console messages: {:#?}", shot.console);
    assert_not_blank(name, shot.width, shot.height, &shot.pixels);
}

#[test]
fn the_console_and_banner_checks_see_what_they_look_for() {
    // A page that fetches an image and runs a script under the reports' own policy: Chromium
    // must log both refusals, or an empty console would prove nothing.
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("bad.html");
    std::fs::write(
        &html,
        format!(
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{}\"><title>t</title></head>\
             <body><div style=\"background:#fee4e2;height:40px\">banner</div>\
             <img src=\"https://example.com/pixel.png\" alt=\"\"><script>console.error('x')</script></body></html>",
            rootwarden::report::page::CSP
        ),
    )
    .unwrap();
    let shot = screenshot(&chromium, &html, &dir.path().join("bad.png"), (800, 600));
    assert!(shot.console.len() >= 2, "{:#?}", shot.console);
    assert!(
        shot.console.iter().any(|l| l.contains("Content Security Policy")),
        "{:#?}",
        shot.console
    );
    let rows = banner_rows(&shot, [0xfe, 0xe4, 0xe2]);
    assert_eq!(rows, 40, "a 40 px banner");
}

/// Share of pixels within 3 of `rgb` in each channel.
fn share_of(pixels: &[u8], rgb: [u8; 3]) -> f64 {
    let n = pixels
        .chunks(4)
        .filter(|p| (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 3))
        .count();
    n as f64 / (pixels.len() / 4) as f64
}

fn assert_not_blank(name: &str, w: u32, h: u32, pixels: &[u8]) {
    let distinct: BTreeSet<[u8; 3]> = pixels.chunks(4).map(|p| [p[0], p[1], p[2]]).collect();
    assert!(
        distinct.len() > 50,
        "{name}: {w}x{h} screenshot has {} colours",
        distinct.len()
    );
    let white = share_of(pixels, [255, 255, 255]);
    assert!(white < 0.97, "{name}: the screenshot is {:.1}% white", white * 100.0);
}

#[test]
fn every_fixture_page_renders_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let fixtures = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    for f in &fixtures {
        let r = reports(&f.snapshot, f.requirements.as_deref());
        let html = dir.path().join(format!("{}.html", f.name));
        std::fs::write(&html, &r.html).unwrap();
        let failing = r.json["summary"]["outcomes"]["fail"].as_u64().unwrap() > 0;
        let clean = !failing
            && r.json["summary"]["outcomes"]["insufficient_data"] == 0
            && r.json["summary"]["collection_errors"] == 0;
        pages.push((f.name.clone(), html, failing, clean));
    }
    // Two at a time: CI has two cores.
    let started = Instant::now();
    let queue = std::sync::Mutex::new(pages.into_iter());
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some((name, html, failing, clean)) = queue.lock().unwrap().next() else {
                    return;
                };
                let png = html.with_extension("png");
                let shot = screenshot(&chromium, &html, &png, (1280, 900));
                assert_eq!((shot.width, shot.height), (1280, 900), "{name}");
                assert_renders(&name, &shot);
                // The first screen says how it stands: the red banner of failing controls, or
                // the green one of a clean snapshot (solid fills: exact colours, full width).
                let red = banner_rows(&shot, [0xfe, 0xe4, 0xe2]);
                let green = banner_rows(&shot, [0xdc, 0xfa, 0xe6]);
                if failing {
                    assert!(red >= 12, "{name}: no red banner on the first screen ({red} rows)");
                    assert_eq!(green, 0, "{name}: a green banner on a failing page");
                }
                if clean {
                    assert!(
                        green >= 12,
                        "{name}: no green banner on the first screen ({green} rows)"
                    );
                    assert_eq!(red, 0, "{name}: a red banner on a clean page");
                }
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
        }
    });
    let n = rendered.into_inner();
    assert_eq!(n, fixtures.len());
    eprintln!(
        "rendered {n} fixture pages in Chromium in {:.1} s (2 at a time)",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn reviewed_activity_shows_its_kpis_and_the_activity_page_reads_like_the_findings_report() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("with-activity.json");
    let activity_html = dir.path().join("activity.html");
    let activity_json = dir.path().join("activity.json");
    let o = rootwarden(
        &[
            "activity",
            "--logs",
            "fixtures/activity/logs",
            "--snapshot",
            "fixtures/snapshots/compliant-org.json",
            "--requirements",
            "fixtures/activity/requirements.yaml",
            "--snapshot-out",
            snap.to_str().unwrap(),
            "-o",
            &format!("html={}", activity_html.display()),
            "-o",
            &format!("json={}", activity_json.display()),
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "unapproved events: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let review: Value = serde_json::from_str(&std::fs::read_to_string(&activity_json).unwrap()).unwrap();
    let kpis = &review["kpis"];

    // The findings report of the reviewed snapshot carries the activity KPIs.
    let r = reports(&snap, Some(&root().join("fixtures/activity/requirements.yaml")));
    let doc = assert_valid_self_contained("findings with activity", &r.html);
    let kpi: BTreeMap<String, String> = doc
        .select(&sel("table.kpis tr"))
        .map(|tr| {
            let tds: Vec<String> = tr.select(&sel("td")).map(|t| text(&t)).collect();
            (tds[0].clone(), tds[1].clone())
        })
        .collect();
    assert_eq!(
        kpi["Root console sign-ins"],
        format!("{} ({} failed)", kpis["root_sign_ins"], kpis["root_sign_in_failures"])
    );
    assert_eq!(kpi["Unapproved root events"], kpis["unapproved_events"].to_string());
    assert_eq!(kpi["Time to detect"], "unknown");
    let compliance = &kpis["policy_compliance"];
    assert_eq!(
        kpi["Policy compliance score"],
        format!(
            "{}% ({} of {} accounts)",
            compliance["percent"], compliance["count"], compliance["of"]
        )
    );

    // The activity page: same look, human words, the reason time to detect is unknown.
    let page = std::fs::read_to_string(&activity_html).unwrap();
    let doc = assert_valid_self_contained("activity", &page);
    let visible: String = doc.select(&sel("body")).map(|b| text(&b)).collect();
    for token in [
        "console_sign_in",
        "console_action",
        "assume_root_session",
        "lookup_events",
        "programmatic",
    ] {
        assert!(!visible.contains(token), "internal token {token} on the page");
    }
    assert!(visible.contains("console sign-in"), "{visible}");
    assert!(visible.contains("no alarm history was read"), "{visible}");
    assert!(doc.select(&sel(".cards .card")).count() >= 4);
    assert!(doc.select(&sel("dl.prov")).count() == 1 && visible.contains("fixtures/activity/requirements.yaml"));
    assert!(
        doc.select(&sel(".banner.bad")).count() == 1,
        "unapproved events are a red banner"
    );

    // An unreadable log file makes the review incomplete: a banner says so.
    let logs = dir.path().join("logs");
    copy_dir(&root().join("fixtures/activity/logs"), &logs);
    std::fs::write(logs.join("broken.json.gz"), b"\x1f\x8b\x08\x00truncated").unwrap();
    let incomplete_html = dir.path().join("incomplete.html");
    let o = rootwarden(
        &[
            "activity",
            "--logs",
            logs.to_str().unwrap(),
            "--snapshot",
            "fixtures/snapshots/compliant-org.json",
            "--requirements",
            "fixtures/activity/requirements.yaml",
            "-o",
            &format!("html={}", incomplete_html.display()),
        ],
        &[],
    );
    assert!(o.status.code().is_some(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&incomplete_html).unwrap();
    let doc = assert_valid_self_contained("incomplete activity", &page);
    let banners: Vec<String> = doc.select(&sel(".banner")).map(|b| text(&b)).collect();
    assert!(
        banners.iter().any(|b| b.starts_with("Incomplete review:")),
        "{banners:?}"
    );

    if let Some(chromium) = chromium() {
        for (name, html) in [("activity", &activity_html), ("incomplete activity", &incomplete_html)] {
            let shot = screenshot(&chromium, html, &html.with_extension("png"), (1280, 900));
            assert_renders(name, &shot);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// What Chromium lays out at `width` px: the document's width, the window's, the right edge of
/// the widest drill table and of the page's content box. A copy of the page with a probe script
/// (the report's own policy refuses scripts, so the copy goes without it) writes them into the
/// DOM that `--dump-dom` prints.
fn layout_widths(chromium: &Path, page: &str, dir: &Path, width: u32) -> [f64; 4] {
    let csp = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        rootwarden::report::page::CSP
    );
    assert!(page.contains(&csp), "the page carries its policy");
    let probe = page.replace(&csp, "").replace(
        "</body>",
        "<script>var m=document.querySelector('main'),r=m.getBoundingClientRect();\
         var right=0;document.querySelectorAll('table.drill').forEach(function(t){\
         right=Math.max(right,t.getBoundingClientRect().right)});\
         document.body.setAttribute('data-widths',[document.documentElement.scrollWidth,window.innerWidth,\
         right,r.right-parseFloat(getComputedStyle(m).paddingRight)].join(' '))</script></body>",
    );
    let path = dir.join(format!("probe-{width}.html"));
    std::fs::write(&path, probe).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},900"))
        .arg("--dump-dom")
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("start chromium");
    let dom = String::from_utf8_lossy(&o.stdout);
    let at = dom
        .find("data-widths=\"")
        .unwrap_or_else(|| panic!("no probe result: {:.300}", dom));
    let rest = &dom[at + 13..];
    let v: Vec<f64> = rest[..rest.find('"').unwrap()]
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    [v[0], v[1], v[2], v[3]]
}

#[test]
fn the_validation_drill_section_renders_without_widening_the_page() {
    let dir = tempfile::tempdir().unwrap();
    // A drill record of the fixture's root alarm, with a long topic ARN and a long next step.
    let record = json!({
        "drill_id": "rwd-20261119T080000Z-00ab", "mode": "run",
        "started_at": "2026-11-19T08:00:00Z", "finished_at": "2026-11-19T08:01:00Z",
        "accounts": [{
            "account_id": "555566667777", "outcome": "failed", "unreadable_regions": [], "calls": [],
            "root_event": {
                "event_time": "2026-11-19T07:55:00Z", "event_name": "ListMFADevices",
                "event_source": "iam.amazonaws.com",
                "alarm": "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage",
                "watching": [], "transition_at": "2026-11-19T07:58:00Z", "actions": [], "topics": [],
                "seconds_to_detect": 180, "seconds_to_notify": 4, "outcome": "passed", "next_step": null
            },
            "filter_checks": [{
                "region": "us-east-1", "log_group_name": "org-trail", "filter_name": "root-usage",
                "filter_pattern": "{ $.userIdentity.type = \"Root\" }", "outcome": "failed",
                "aws_counted": [], "missed": ["root-console-sign-in-success"],
                "next_step": "CloudWatch Logs counts none of the root events with this pattern: replace it with the CIS root pattern (`rootwarden remediate plan`)"
            }],
            "alarm_drills": [{
                "region": "us-east-1", "alarm_name": "root-account-usage",
                "alarm_arn": "arn:aws:cloudwatch:us-east-1:555566667777:alarm:root-account-usage",
                "actions_enabled": true, "alarm_actions": [], "outcome": "failed",
                "drilled_at": "2026-11-19T08:00:00Z", "state_update_at": "2026-11-19T08:00:01Z",
                "seconds_to_action": 2.5, "actions": [],
                "topics": [{
                    "topic_arn": "arn:aws:sns:us-east-1:555566667777:root-activity-alerts-for-the-security-operations-team-on-call-rotation",
                    "exists": true, "confirmed_subscribers": 0, "pending_subscribers": 1, "delivered": null, "failed": null
                }],
                "next_step": "the alarm published to arn:aws:sns:us-east-1:555566667777:root-activity-alerts-for-the-security-operations-team-on-call-rotation but it has no confirmed subscriber (1 pending confirmation): nobody received it"
            }]
        }]
    });
    let drill = dir.path().join("drill.json");
    std::fs::write(&drill, record.to_string()).unwrap();
    let html = dir.path().join("r.html");
    let o = rootwarden(
        &[
            "evaluate",
            "fixtures/snapshots/compliant-standalone.json",
            "--fail-on",
            "none",
            "--drill",
            drill.to_str().unwrap(),
            "-o",
            &format!("html={}", html.display()),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    let doc = assert_valid_self_contained("drill", &page);
    assert_eq!(doc.select(&sel("h2#drill")).count(), 1);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table.drill tr[data-step]"))
        .map(|tr| tr.select(&sel("td")).map(|t| text(&t)).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!((rows[2][0].as_str(), rows[2][2].as_str()), ("root event", "passed"));
    assert_eq!(rows[2][3], "detect 180 s, notify 4 s");
    assert!(
        rows[2][1].starts_with("ListMFADevices at 2026-11-19 07:55:00 UTC; alarm arn:"),
        "{rows:?}"
    );
    assert_eq!((rows[0][0].as_str(), rows[0][2].as_str()), ("filter check", "FAILED"));
    assert!(rows[0][7].contains("rootwarden remediate plan"), "{rows:?}");
    assert_eq!((rows[1][0].as_str(), rows[1][3].as_str()), ("alarm drill", "2.5 s"));
    assert_eq!(rows[1][5], "0 confirmed, 1 pending");
    assert_eq!(rows[1][6], "not published / not published");
    assert!(rows[1][7].contains("no confirmed subscriber"), "{rows:?}");
    let account: String = doc.select(&sel("p.drill-account")).map(|p| text(&p)).collect();
    assert!(account.contains("drilled 2026-11-19 08:00:00 UTC"), "{account}");

    let Some(chromium) = chromium() else { return };
    let shot = screenshot(&chromium, &html, &html.with_extension("png"), (1280, 900));
    assert_renders("drill", &shot);
    // The probe sees overflow where there is some, so a pass below means something.
    let wide = page.replacen(
        "<td>filter check</td>",
        "<td>filter check<div style=\"width:3000px\">wide</div></td>",
        1,
    );
    let [doc, window, drill, content] = layout_widths(&chromium, &wide, dir.path(), 1280);
    assert!(
        doc > window && drill > content,
        "the probe misses a 3000 px cell: {doc} {window} {drill} {content}"
    );
    // The whole page fits a 1280 px window; at 1024 px (where the control matrix may need
    // more) the drill tables still fit the content box: long ARNs and next steps wrap.
    let [doc, window, drill, content] = layout_widths(&chromium, &page, dir.path(), 1280);
    assert!(doc <= window, "at 1280 px the page is {doc} px wide");
    assert!(
        drill > 0.0 && drill <= content,
        "at 1280 px: drill {drill}, content {content}"
    );
    let [_, _, drill, content] = layout_widths(&chromium, &page, dir.path(), 1024);
    assert!(
        drill > 0.0 && drill <= content,
        "at 1024 px: drill {drill}, content {content}"
    );
}
