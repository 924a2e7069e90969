//! Shared by the integration tests that talk to a real AWS-compatible server: moto, started on
//! 127.0.0.1 by `tests/moto/launcher.py` and populated by `tests/moto/scenario.py`.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

pub mod scan;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the rootwarden binary from the repository root.
pub fn rootwarden(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rootwarden"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// A validator tool `.ci/run` installs and names in `var`; skipped with a note outside CI, a
/// failure under CI.
pub fn tool(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{var} is not set; .ci/run installs it"
            );
            eprintln!("SKIPPED: {var} not set (run `bash .ci/run` to install the validators)");
            None
        }
    }
}

pub fn moto_python() -> Option<String> {
    match std::env::var("ROOTWARDEN_MOTO_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("ROOTWARDEN_MOTO_PYTHON is not set under CI; .ci/run installs moto")
        }
        _ => {
            eprintln!("SKIPPED: ROOTWARDEN_MOTO_PYTHON not set (run `bash .ci/run` to install moto)");
            None
        }
    }
}

/// A launcher process; killed on drop.
pub struct Moto {
    child: Child,
    /// The server's base URL.
    pub url: String,
    /// The Python that runs the launcher and scenario.
    pub python: String,
}

impl Moto {
    pub fn start() -> Option<Moto> {
        let python = moto_python()?;
        let mut child = Command::new(&python)
            .arg(root().join("tests/moto/launcher.py"))
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/moto/launcher.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("launcher did not start: {line:?}"))
            .trim()
            .to_string();
        Some(Moto { child, url, python })
    }

    /// Builds the organization with `faults` and resets the server's call counter.
    pub fn scenario(&self, faults: &[&str]) -> Org {
        self.scenario_run(&[], faults)
    }

    /// Builds an organization of `members` members with `faults`, like [`Moto::scenario`].
    pub fn scenario_of(&self, members: usize, faults: &[&str]) -> Org {
        self.scenario_run(&["--members", &members.to_string()], faults)
    }

    /// Breaks the organization already built with `faults` and resets the call counter.
    pub fn break_scenario(&self, faults: &[&str]) -> Org {
        self.scenario_run(&["--existing"], faults)
    }

    fn scenario_run(&self, extra: &[&str], faults: &[&str]) -> Org {
        let mut cmd = Command::new(&self.python);
        cmd.arg(root().join("tests/moto/scenario.py"))
            .args(["--endpoint", &self.url])
            .args(extra);
        for f in faults {
            cmd.args(["--fault", f]);
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "scenario.py: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        self.post("/_rootwarden/calls/reset");
        let members: Vec<String> = v["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        Org {
            management: v["management"].as_str().unwrap().to_string(),
            members,
        }
    }

    pub fn post(&self, path: &str) {
        let o = Command::new(&self.python)
            .args(["-c", "import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'{}', method='POST'), timeout=30)"])
            .arg(format!("{}{path}", self.url))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    /// POSTs a JSON body to a launcher control path and returns its JSON answer.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let o = Command::new(&self.python)
            .args([
                "-c",
                "import sys,urllib.request; print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method='POST', headers={'Content-Type': 'application/json'}), timeout=30).read().decode())",
            ])
            .arg(format!("{}{path}", self.url))
            .arg(body.to_string())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    /// The server's own count of calls per account since the scenario was built.
    pub fn server_calls(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        serde_json::from_value(self.get_json("/_rootwarden/calls")).unwrap()
    }

    /// TCP connections the server has accepted since it started, this query's own included.
    pub fn connections(&self) -> u64 {
        self.get_json("/_rootwarden/connections")["accepted"]
            .as_u64()
            .expect("GET /_rootwarden/connections: {\"accepted\": N}")
    }

    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let o = Command::new(&self.python)
            .args([
                "-c",
                "import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())",
            ])
            .arg(format!("{}{path}", self.url))
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    }

    /// Runs rootwarden against this server with throwaway credentials and no shared config.
    /// An operation moto lacks makes the test fail: moto answers it with an HTTP 501 AWS never
    /// sends, so a test that needs a refusal injects the AWS error it means (`/_rootwarden/deny`).
    pub fn rootwarden(&self, args: &[&str]) -> Output {
        let out = self.rootwarden_unchecked(args);
        let unimplemented = self.get_json("/_rootwarden/unimplemented");
        assert_eq!(
            unimplemented,
            serde_json::json!({}),
            "rootwarden {args:?} called operations moto lacks; inject the AWS answer the test means instead"
        );
        out
    }

    fn rootwarden_unchecked(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rootwarden"))
            .args(args)
            .args(["--endpoint-url", &self.url])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(root())
            .output()
            .unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Org {
    pub management: String,
    pub members: Vec<String>,
}

impl Org {
    pub fn accounts(&self) -> Vec<String> {
        let mut v = vec![self.management.clone()];
        v.extend(self.members.iter().cloned());
        v.sort();
        v
    }
}
