//! examples/: the GitHub workflow uses this repository's Action with inputs it has; the GitLab
//! job uses the image, GitLab OIDC and publishes the JUnit report its command writes. Both
//! name the repository, image and releases the release workflow publishes.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::{binary, repository, root, yaml};

#[test]
fn the_github_example_uses_the_action_with_inputs_it_has() {
    let example = yaml("examples/github-actions.yml");
    let action = yaml("action.yml");
    let inputs: BTreeSet<&String> = action["inputs"].as_object().unwrap().keys().collect();
    let steps = example["jobs"]["scan"]["steps"].as_array().unwrap();
    let text = std::fs::read_to_string(root().join("examples/github-actions.yml")).unwrap();
    assert!(
        !text.contains("cargo install"),
        "the example builds rootwarden instead of installing it"
    );

    let step = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{}@", repository())))
        })
        .unwrap_or_else(|| panic!("no step uses {}", repository()));
    let with = step["with"].as_object().unwrap();
    for key in with.keys() {
        assert!(
            inputs.contains(key),
            "the example passes {key}, which action.yml does not have"
        );
    }
    let args = with["args"].as_str().unwrap();
    assert!(args.contains("--fail-on-incomplete"), "{args}");
    // SARIF results must point at a file of the user's repository: the requirements file.
    assert!(
        with.contains_key("requirements") || args.contains("--sarif-artifact"),
        "{with:?}"
    );
    // The Action pins a release; the example pins the same one.
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(step["uses"], format!("{}@{tag}", repository()));
    assert_eq!(with["version"], tag.as_str());

    assert_eq!(example["permissions"]["security-events"], "write");
    assert_eq!(example["permissions"]["id-token"], "write");
    let checkout = steps
        .iter()
        .position(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@")));
    let scan = steps.iter().position(|s| s == step);
    assert!(checkout < scan, "the requirements file is read before checkout");
}

/// The job's `script:` lines.
fn script(job: &Value) -> Vec<String> {
    job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_gitlab_example_uses_the_image_oidc_and_publishes_the_junit_its_command_writes() {
    let example = yaml("examples/gitlab-ci.yml");
    let job = &example["rootwarden"];
    let text = std::fs::read_to_string(root().join("examples/gitlab-ci.yml")).unwrap();
    assert!(!text.contains("cargo install"));

    let image = job["image"]["name"].as_str().unwrap();
    assert_eq!(image, format!("ghcr.io/{}:{}", repository(), env!("CARGO_PKG_VERSION")));
    // The image's entrypoint is rootwarden; a GitLab job needs a shell.
    assert_eq!(job["image"]["entrypoint"], serde_json::json!([""]));

    // GitLab OIDC: an ID token for STS, written where the SDK's web identity provider reads it,
    // with the role to assume: the SDK calls AssumeRoleWithWebIdentity.
    let tokens = job["id_tokens"].as_object().unwrap();
    let (token_var, token) = tokens.iter().next().unwrap();
    assert_eq!(token["aud"], "sts.amazonaws.com");
    let lines = script(job);
    let file = lines
        .iter()
        .find_map(|l| l.split("AWS_WEB_IDENTITY_TOKEN_FILE=").nth(1))
        .map(|f| f.split_whitespace().next().unwrap().to_string())
        .expect("AWS_WEB_IDENTITY_TOKEN_FILE is set");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("\"${token_var}\"")) && l.ends_with(&format!("> {file}"))),
        "the token {token_var} is not written to {file}: {lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("AWS_ROLE_ARN=")));

    // The command runs as written (a saved snapshot instead of `scan`) and writes the JUnit
    // report where the job publishes it from.
    let command = lines.iter().find(|l| l.starts_with("rootwarden ")).unwrap();
    assert!(command.contains("--fail-on-incomplete"), "{command}");
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert_eq!(
        job["artifacts"]["when"], "always",
        "a failing job must still publish its report"
    );
    let args: Vec<String> = command
        .split_whitespace()
        .skip(1)
        .map(|a| a.to_string())
        .collect::<Vec<_>>();
    assert_eq!(args[0], "scan");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/requirements/example.yaml"),
        dir.path().join("rootwarden.yaml"),
    )
    .unwrap();
    let snapshot = root().join("fixtures/snapshots/neglected-account.json");
    let out = Command::new(binary())
        .arg("evaluate")
        .arg(&snapshot)
        .args(&args[1..])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report =
        std::fs::read_to_string(dir.path().join(junit)).expect("the JUnit report is where the job publishes it");
    assert!(report.contains("<testsuite"), "{report}");
}

#[test]
fn every_install_path_names_the_published_repository() {
    let repo = repository();
    let releases = format!("https://github.com/{repo}/releases");
    let install = std::fs::read_to_string(root().join("install.sh")).unwrap();
    assert!(
        install.contains(&format!("ROOTWARDEN_RELEASES_URL:-{releases}")),
        "install.sh downloads elsewhere"
    );
    let resolve = std::fs::read_to_string(root().join(".github/action/resolve.sh")).unwrap();
    assert!(
        resolve.contains(&format!("repo={repo}")),
        "the Action downloads elsewhere"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(&format!("curl -sSfL {releases}/latest/download/install.sh | sh")));
    assert!(readme.contains(&format!("ghcr.io/{repo}")));
    assert!(readme.contains(&format!("uses: {repo}@v")));
    assert!(readme.contains("cargo install --locked --path ."));
    // The release workflow pushes ghcr.io/OWNER/NAME of the repository it runs in.
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    assert!(release.contains("image=ghcr.io/${GITHUB_REPOSITORY,,}"));
}
