//! Errors a person can act on: one line saying what failed and what to do, the detail only with
//! -v, no ANSI codes when stderr is not a terminal; bad flags and files exit 2 before any work.

mod support;

use std::process::{Command, Output};

use support::{root, Moto};

/// Runs rootwarden with no AWS setting of the machine: no credentials unless `creds`, config
/// files from `config` (else none), no instance metadata.
fn isolated(args: &[&str], creds: bool, config: Option<&std::path::Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rootwarden"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .current_dir(root());
    let none = std::path::Path::new("/dev/null");
    c.env("AWS_CONFIG_FILE", config.unwrap_or(none))
        .env("AWS_SHARED_CREDENTIALS_FILE", none);
    if creds {
        c.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A 127.0.0.1 port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn connection_refused_is_one_line_with_the_endpoint() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let o = isolated(
        &["collect", "--endpoint-url", &url, "--call-timeout", "5", "-q"],
        true,
        None,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected:\n{err}");
    assert!(
        err.contains(&format!("cannot connect to {url}")) && err.contains("connection refused"),
        "{err}"
    );
    assert!(!err.contains("DispatchFailure") && !err.contains('\x1b'), "{err}");
    // -v adds the SDK's detail, still without colour on a pipe.
    let o = isolated(
        &["collect", "--endpoint-url", &url, "--call-timeout", "5", "-q", "-v"],
        true,
        None,
    );
    let verbose = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{verbose}");
    assert!(verbose.len() > err.len() && !verbose.contains('\x1b'), "{verbose}");
}

#[test]
fn an_unknown_profile_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile dev]\nregion = eu-west-1\n").unwrap();
    let o = isolated(&["collect", "--profile", "prod", "-q"], false, Some(&config));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected:\n{err}");
    assert!(err.contains("profile 'prod' not found"), "{err}");
}

#[test]
fn no_credentials_says_how_to_give_them() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let o = isolated(&["collect", "--endpoint-url", &url, "-q"], false, None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected:\n{err}");
    assert!(
        err.contains("no AWS credentials found") && err.contains("AWS_PROFILE"),
        "{err}"
    );
}

#[test]
fn an_unknown_region_is_a_usage_error() {
    for cmd in ["collect", "scan"] {
        let o = isolated(&[cmd, "--regions", "us-east-1,us-east-7"], true, None);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("us-east-7") && err.contains("region"), "{err}");
    }
}

#[test]
fn a_missing_file_is_reported_once() {
    let o = isolated(&["evaluate", "no-such-snapshot.json"], false, None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    assert!(err.contains("no-such-snapshot.json"), "{err}");
}

#[test]
fn a_yaml_snapshot_is_said_not_to_be_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("snap.yaml");
    std::fs::write(&p, "schema_version: '1.0'\naccounts: []\n").unwrap();
    let o = isolated(&["evaluate", p.to_str().unwrap()], false, None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("snap.yaml") && err.contains("not JSON"), "{err}");
}

#[test]
fn org_outside_an_organization_is_an_error_and_v_shows_the_phases() {
    let Some(moto) = Moto::start() else { return };
    // moto's default account belongs to no organization.
    let o = moto.rootwarden(&["collect", "--org", "--regions", "us-east-1", "-q"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--org") && err.contains("management account"), "{err}");
    let o = moto.rootwarden(&["scan", "--regions", "us-east-1", "-q", "-v", "--fail-on", "NONE"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    for phase in ["collecting 1 account", "evaluating", "writing"] {
        assert!(err.contains(phase), "{phase}: {err}");
    }
    assert!(!err.contains('\x1b'), "{err}");
}
