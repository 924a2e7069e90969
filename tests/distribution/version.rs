//! `rootwarden --version`: the version, the commit and the digest of the bundled rules.

use std::process::Command;

use crate::{binary, root, run_ok};

#[path = "../../build/commit.rs"]
#[allow(dead_code)]
mod commit;

/// The digest by the recipe the docs give, from the files of the checkout.
fn rules_digest_by_recipe() -> String {
    let out = run_ok(
        Command::new("sh")
            .arg("-c")
            .arg("find rules -name '*.rego' | LC_ALL=C sort | xargs sha256sum | sha256sum")
            .current_dir(root()),
    );
    out.split_whitespace()
        .next()
        .expect("sha256sum prints a digest")
        .to_string()
}

#[test]
fn version_names_the_release_the_commit_and_the_rules_digest() {
    let text = run_ok(Command::new(binary()).arg("--version"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("rootwarden {}", env!("CARGO_PKG_VERSION")), "{text}");

    let digest = lines
        .iter()
        .find_map(|l| l.strip_prefix("rules:  sha256:"))
        .unwrap_or_else(|| panic!("no rules digest in:\n{text}"));
    let expected = rules_digest_by_recipe();
    assert_eq!(digest, expected, "the digest is not the documented recipe's");
    assert_eq!(rootwarden::build_info::rules_digest(), expected);

    let commit = lines
        .iter()
        .find_map(|l| l.strip_prefix("commit: "))
        .unwrap_or_else(|| panic!("no commit in:\n{text}"));
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output();
    match head {
        Ok(h) if h.status.success() && std::env::var_os("ROOTWARDEN_GIT_COMMIT").is_none() => {
            let head = String::from_utf8(h.stdout).unwrap();
            assert_eq!(commit, &head.trim()[..12], "the commit is not HEAD's");
        }
        _ => assert!(!commit.is_empty()),
    }
    assert!(lines
        .iter()
        .any(|l| *l == format!("target: {}", rootwarden::build_info::TARGET)));

    let short = run_ok(Command::new(binary()).arg("-V"));
    assert_eq!(
        short.trim(),
        format!("rootwarden {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_commit_comes_from_the_builder_the_package_or_git_and_else_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    // Not a checkout, no package metadata: unknown, and the build goes on.
    let c = commit::git_commit(dir.path(), None);
    assert_eq!(c.id, "unknown");
    assert!(c.watch.is_empty());

    // What the release workflow and the container build pass.
    let sha = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(commit::git_commit(dir.path(), Some(sha)).id, "0123456789ab");
    assert_eq!(commit::git_commit(dir.path(), Some(" v0.1.0-rc1\n")).id, "v0.1.0-rc1");
    assert_eq!(commit::git_commit(dir.path(), Some("a;rm -rf /")).id, "arm-rf");
    assert_eq!(commit::git_commit(dir.path(), Some("")).id, "unknown");

    // A crate unpacked from crates.io: the commit `cargo package` recorded.
    let vcs_info = dir.path().join(".cargo_vcs_info.json");
    std::fs::write(
        &vcs_info,
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{sha}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}"),
    )
    .unwrap();
    let c = commit::git_commit(dir.path(), None);
    assert_eq!(c.id, "0123456789ab");
    assert_eq!(c.watch, vec![vcs_info]);

    // A checkout: HEAD, and the files that move with it are watched (and exist).
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        run_ok(
            Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(repo.path()),
        )
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    let head = git(&["rev-parse", "HEAD"]);
    let c = commit::git_commit(repo.path(), None);
    assert_eq!(c.id, head.trim()[..12]);
    assert!(c.watch.iter().any(|f| f.ends_with(".git/HEAD")), "{:?}", c.watch);
    assert!(
        c.watch.iter().any(|f| f.ends_with(".git/refs/heads/main")),
        "{:?}",
        c.watch
    );
    assert!(c.watch.iter().all(|f| f.is_file()));
}
