//! The GitHub Action (`action.yml`): its metadata hangs together, and its run step
//! (`.github/action/run.sh`) runs rootwarden, records the exit code and the counts as outputs,
//! and points SARIF results at a file of the user's repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{binary, root, run_ok, yaml};

/// `${{ CONTEXT.NAME... }}` references in `text` for one context, e.g. `inputs`.
fn references(text: &str, context: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for expr in text.split("${{").skip(1) {
        let expr = expr.split("}}").next().unwrap();
        for piece in expr.split(&format!("{context}.")).skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn the_action_metadata_hangs_together() {
    let action = yaml("action.yml");
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs: BTreeSet<String> = action["inputs"].as_object().unwrap().keys().cloned().collect();
    for wanted in ["version", "args", "requirements", "fail-on", "upload-sarif"] {
        assert!(inputs.contains(wanted), "no input {wanted}");
    }
    for input in action["inputs"].as_object().unwrap().values() {
        assert!(input["description"].is_string(), "{input}");
    }
    for used in references(&text, "inputs") {
        assert!(inputs.contains(&used), "inputs.{used} is not declared");
    }

    let steps = action["runs"]["steps"].as_array().unwrap();
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    for used in references(&text, "steps") {
        let id = used.split('.').next().unwrap();
        assert!(ids.contains(id), "steps.{used}: no step {id}");
    }
    for step in steps {
        if let Some(script) = step["run"].as_str() {
            assert!(step["shell"].is_string(), "a composite run step needs a shell: {step}");
            // Scripts the step calls ship with the action.
            for word in script.split_whitespace() {
                if let Some(rel) = word.trim_matches('"').strip_prefix("$GITHUB_ACTION_PATH/") {
                    assert!(root().join(rel).is_file(), "{rel} does not exist");
                }
            }
        }
    }
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.iter().any(|u| u.starts_with("actions/cache@")), "{uses:?}");
    assert!(
        uses.iter().any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let install = steps
        .iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains("install.sh")))
        .unwrap();
    assert_eq!(
        install["if"], "steps.cache.outputs.cache-hit != 'true'",
        "the cache is not used"
    );

    let outputs = action["outputs"].as_object().unwrap();
    for wanted in ["exit-code", "failed", "insufficient-data", "passed", "sarif-file"] {
        assert!(outputs.contains_key(wanted), "no output {wanted}");
    }
}

/// What run.sh wrote to GITHUB_OUTPUT.
fn outputs(file: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A workspace like a checked-out repository, with rootwarden on PATH as the action puts it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        for (from, to) in [
            ("fixtures/snapshots/neglected-account.json", "neglected-account.json"),
            (
                "fixtures/snapshots/insufficient-cloudwatch.json",
                "insufficient-cloudwatch.json",
            ),
            ("fixtures/snapshots/compliant-org.json", "compliant-org.json"),
            ("fixtures/requirements/example.yaml", "rootwarden.yaml"),
        ] {
            std::fs::copy(root().join(from), dir.path().join(to)).unwrap();
        }
        let bin = dir.path().join("tool");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(binary(), bin.join("rootwarden")).unwrap();
        Workspace { dir }
    }

    /// Runs the action's run step; `path` is the PATH besides rootwarden's directory.
    fn run(&self, env: &[(&str, &str)], path: &str) -> BTreeMap<String, String> {
        let ws = self.dir.path();
        let out_file = ws.join("github-output");
        let _ = std::fs::remove_file(&out_file);
        // Found on this PATH: the step's own PATH may lack it.
        let bash = which("bash").expect("bash");
        let out = Command::new(bash)
            .arg(root().join(".github/action/run.sh"))
            .current_dir(ws)
            .env_clear()
            .env("PATH", format!("{}:{path}", ws.join("tool").display()))
            .env("GITHUB_OUTPUT", &out_file)
            .env("GITHUB_STEP_SUMMARY", ws.join("summary.md"))
            .env("FAIL_ON", "high")
            .env("SARIF_CATEGORY", "rootwarden")
            .env("OUTPUT_DIR", "reports")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the run step must succeed so SARIF is uploaded:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        outputs(&out_file)
    }

    fn json(&self, rel: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.path().join(rel)).unwrap()).unwrap()
    }
}

/// Exit code and counts of the same evaluation run directly.
fn direct(ws: &Path, args: &[&str]) -> (i32, Value) {
    let json = ws.join("direct.json");
    let out = Command::new(binary())
        .args(args)
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .current_dir(ws)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (out.status.code().unwrap(), doc["summary"]["outcomes"].clone())
}

#[test]
fn the_run_step_outputs_the_exit_code_and_counts_and_points_sarif_at_the_repository() {
    let ws = Workspace::new();
    let action = yaml("action.yml");
    let declared: BTreeSet<String> = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(_, o)| o["value"].as_str())
        .filter_map(|v| v.strip_prefix("${{ steps.run.outputs."))
        .map(|v| v.trim_end_matches(" }}").to_string())
        .collect();

    // The example's arguments, with a saved snapshot instead of live AWS.
    let out = ws.run(
        &[
            ("ARGS", "evaluate neglected-account.json --fail-on-incomplete"),
            ("REQUIREMENTS", "./rootwarden.yaml"),
            ("SARIF_CATEGORY", "rootwarden-org"),
        ],
        "/usr/bin:/bin",
    );
    let (code, counts) = direct(
        ws.dir.path(),
        &[
            "evaluate",
            "neglected-account.json",
            "--fail-on-incomplete",
            "--requirements",
            "rootwarden.yaml",
        ],
    );
    assert_eq!(out["exit-code"], code.to_string());
    assert_eq!(code, 1);
    assert_eq!(out["failed"], counts["fail"].to_string());
    assert_eq!(out["insufficient-data"], counts["insufficient_data"].to_string());
    assert_eq!(out["passed"], counts["pass"].to_string());
    assert_eq!(out["not-applicable"], counts["not_applicable"].to_string());
    assert_eq!(out["waived"], counts["waived"].to_string());
    for name in &declared {
        assert!(
            out.contains_key(name),
            "action.yml declares {name}, run.sh does not set it: {out:?}"
        );
    }
    assert_eq!(out["sarif-file"], "reports/rootwarden.sarif");
    let sarif = ws.json("reports/rootwarden.sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "rootwarden.yaml", "a result points outside the repository: {r}");
    }
    // The category upload-sarif is given, so the two agree.
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "rootwarden-org");
    assert!(std::fs::read_to_string(ws.dir.path().join("summary.md"))
        .unwrap()
        .contains("| failed |"));
    assert!(ws.dir.path().join("reports/junit.xml").is_file());

    // No requirements file: results point at the workflow that ran the scan.
    let out = ws.run(
        &[
            ("ARGS", "evaluate insufficient-cloudwatch.json --fail-on-incomplete"),
            ("GITHUB_REPOSITORY", "octo/infra"),
            (
                "GITHUB_WORKFLOW_REF",
                "octo/infra/.github/workflows/rootwarden.yml@refs/heads/main",
            ),
        ],
        "/usr/bin:/bin",
    );
    assert_eq!(
        out["exit-code"], "3",
        "insufficient data with --fail-on-incomplete: {out:?}"
    );
    // RW-MON-004, RW-MON-005 and RW-MON-008 need the alarms.
    assert_eq!(out["insufficient-data"], "3");
    let sarif = ws.json("reports/rootwarden.sarif");
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, ".github/workflows/rootwarden.yml");

    // Counts without jq (python3 reads the report), and a clean run.
    let bare = ws.dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    for tool in ["mkdir", "rm", "python3"] {
        let found = ["/usr/bin", "/bin", "/usr/local/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .or_else(|| which(tool))
            .unwrap_or_else(|| panic!("no {tool}"));
        std::os::unix::fs::symlink(found, bare.join(tool)).unwrap();
    }
    let out = ws.run(&[("ARGS", "evaluate compliant-org.json")], bare.to_str().unwrap());
    let (_, counts) = direct(ws.dir.path(), &["evaluate", "compliant-org.json"]);
    assert_eq!(out["exit-code"], "0");
    assert_eq!(out["passed"], counts["pass"].to_string());
    assert_eq!(out["failed"], "0");

    // A command the action does not run is a usage error, not a silent pass.
    let out = ws.run(&[("ARGS", "remediate --yes")], "/usr/bin:/bin");
    assert_eq!(out["exit-code"], "2");
    assert!(!out.contains_key("failed"));
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    let out = run_ok(Command::new("sh").arg("-c").arg(format!("command -v {tool} || true")));
    let p = out.trim();
    (!p.is_empty()).then(|| std::path::PathBuf::from(p))
}

/// Runs the action's resolve step with the GitHub API served from `api`.
fn resolve(api: &str, version: &str, action_repository: &str) -> (bool, BTreeMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("github-output");
    let out = Command::new("bash")
        .arg(root().join(".github/action/resolve.sh"))
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_API_URL", api)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache")
        .env("RUNNER_ARCH", "X64")
        .env("VERSION", version)
        .env("GH_TOKEN", "not-a-secret")
        .env("ACTION_REPOSITORY", action_repository)
        .output()
        .unwrap();
    (
        out.status.success(),
        outputs(&out_file),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_resolve_step_names_a_version_for_the_cache_key_and_where_to_download() {
    // GitHub's "latest release" answer, for this repository only.
    let srv = tempfile::tempdir().unwrap();
    let api = srv.path().join("repos").join(crate::repository()).join("releases");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(
        api.join("latest"),
        "{\n  \"url\": \"…\",\n  \"tag_name\": \"v9.8.7\",\n  \"name\": \"rootwarden v9.8.7\"\n}\n",
    )
    .unwrap();
    let server = crate::Server::start(srv.path(), srv.path().join("log"));

    // `uses: ./` and some runners leave github.action_repository empty: this repository.
    let (ok, out, _) = resolve(&server.url, "latest", "");
    assert!(ok);
    assert_eq!(out["tag"], "v9.8.7");
    assert_eq!(out["dir"], "/opt/hostedtoolcache/rootwarden/v9.8.7/X64");
    assert_eq!(
        out["releases-url"],
        format!("https://github.example/{}/releases", crate::repository())
    );

    // A pinned version needs no API call; with or without its v it is the same tag.
    for v in ["0.3.1", "v0.3.1"] {
        let (ok, out, _) = resolve("http://127.0.0.1:9", v, "someone/fork");
        assert!(ok);
        assert_eq!(out["tag"], "v0.3.1");
        assert_eq!(out["releases-url"], "https://github.example/someone/fork/releases");
    }

    // A repository without releases: a clear error, no guessed version.
    let (ok, out, said) = resolve(&server.url, "latest", "someone/fork");
    assert!(!ok);
    assert!(!out.contains_key("tag"));
    assert!(
        said.contains("cannot find the latest release of someone/fork"),
        "{said}"
    );
}
