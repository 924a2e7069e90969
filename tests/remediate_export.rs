//! `rootwarden remediate export`: the monitoring chain as CloudFormation (checked by cfn-lint)
//! and Terraform (parsed by python-hcl2), with the values that matter read back from the parse.
//! `.ci/run` installs both in the Python named by `ROOTWARDEN_PYTHON`.

mod support;

use std::process::Command;

use support::{root, rootwarden, tool};

const CIS: &str =
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

fn export(format: &str, extra: &[&str]) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("iac");
    // An existing directory gets one file per log group.
    std::fs::create_dir(&out).unwrap();
    let output = format!("{format}={}", out.display());
    let mut args = vec!["remediate", "export", "-o", &output];
    args.extend_from_slice(extra);
    let o = rootwarden(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    (dir, files)
}

#[test]
fn cloudformation_export_passes_cfn_lint_with_the_snapshots_log_group() {
    let Some(python) = tool("ROOTWARDEN_PYTHON") else {
        return;
    };
    let (_dir, files) = export(
        "cloudformation",
        &[
            "--snapshot",
            "fixtures/snapshots/compliant-org.json",
            "--notify",
            "security@example.com",
        ],
    );
    // The organization trail's log group, once, in the management account.
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap();
    assert_eq!(name, "rootwarden-root-monitoring-111111111111-us-east-1.yaml");
    // cfn-lint's entry point sits beside the venv's python.
    let cfn_lint = std::path::Path::new(&python).with_file_name("cfn-lint");
    let o = Command::new(cfn_lint).arg(&files[0]).output().unwrap();
    assert!(
        o.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let group = rootwarden::input::load_snapshot(&root().join("fixtures/snapshots/compliant-org.json"))
        .unwrap()
        .accounts[0]
        .regions["us-east-1"]
        .cloudtrail
        .as_ref()
        .unwrap()
        .trails[0]
        .cloud_watch_logs_log_group_arn
        .clone()
        .unwrap();
    let group_name = group.split(':').nth(6).unwrap();
    assert!(text.contains(&format!("Default: \"{group_name}\"")), "{text}");
}

#[test]
fn terraform_export_parses_and_keeps_the_pattern_and_endpoints_exact() {
    let Some(python) = tool("ROOTWARDEN_PYTHON") else {
        return;
    };
    let (_dir, files) = export(
        "terraform",
        &[
            "--log-group",
            "trail-${env}-logs",
            "--notify",
            "security@example.com",
            "--notify",
            "https://hooks.example.com/root",
        ],
    );
    assert_eq!(files.len(), 1);
    let script = r#"
import json, sys, hcl2
with open(sys.argv[1]) as f:
    doc = hcl2.load(f)
out = {"variables": {}, "resources": {}}
for v in doc["variable"]:
    for name, body in v.items():
        out["variables"][name.strip('"')] = body.get("default")
for r in doc["resource"]:
    for kind, named in r.items():
        for name, body in named.items():
            out["resources"][kind.strip('"') + "." + name.strip('"')] = body
print(json.dumps(out, default=str))
"#;
    let o = Command::new(&python)
        .args(["-c", script])
        .arg(&files[0])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python-hcl2: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let strip = |x: &serde_json::Value| {
        x.as_str()
            .unwrap()
            .trim_matches('"')
            .replace("\\\"", "\"")
            .replace("$${", "${")
    };
    assert_eq!(strip(&v["variables"]["log_group_name"]), "trail-${env}-logs");
    let filter = &v["resources"]["aws_cloudwatch_log_metric_filter.root_activity"];
    assert_eq!(strip(&filter["pattern"]), CIS);
    let endpoints = v["variables"]["notification_endpoints"].to_string();
    assert!(
        endpoints.contains("security@example.com") && endpoints.contains("https://hooks.example.com/root"),
        "{endpoints}"
    );
    let alarm = &v["resources"]["aws_cloudwatch_metric_alarm.root_activity"];
    assert_eq!(alarm["threshold"], 1);
    assert_eq!(strip(&alarm["comparison_operator"]), "GreaterThanOrEqualToThreshold");
}

#[test]
fn remediate_refuses_bad_input_with_exit_2() {
    let o = rootwarden(&[
        "remediate",
        "export",
        "-o",
        "terraform",
        "--log-group",
        "x",
        "--notify",
        "nobody",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--notify \"nobody\""));
    let o = rootwarden(&["remediate", "export", "-o", "pulumi", "--log-group", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rootwarden(&[
        "remediate",
        "export",
        "-o",
        "terraform",
        "--snapshot",
        "fixtures/snapshots/neglected-account.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("RW-MON-001"));
    let o = rootwarden(&[
        "remediate",
        "--snapshot",
        "fixtures/snapshots/compliant-org.json",
        "--accounts",
        "1234",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("12-digit"));
    // apply refuses a saved snapshot (it plans from a fresh collection) and anything without --yes,
    // before any AWS call.
    let o = rootwarden(&[
        "remediate",
        "apply",
        "--yes",
        "--snapshot",
        "fixtures/snapshots/compliant-org.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--snapshot"));
    let o = rootwarden(&["remediate", "apply"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--yes"));
    let o = rootwarden(&[
        "remediate",
        "plan",
        "--snapshot",
        "fixtures/snapshots/compliant-org.json",
        "-o",
        "yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = rootwarden(&["remediate", "plan", "--snapshot", "no/such/file.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.json"));
}
