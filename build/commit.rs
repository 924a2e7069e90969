//! The commit `rootwarden --version` names, found by `build.rs` (and unit-tested by
//! tests/distribution, which includes this file too).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The commit and the files whose change should rerun the build script.
pub struct Commit {
    /// 12 hex digits, a label given by the builder, or `unknown`.
    pub id: String,
    /// Git files that move when HEAD does.
    pub watch: Vec<PathBuf>,
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// Finds the commit the crate at `root` is built from. In order: `from_env`
/// (`ROOTWARDEN_GIT_COMMIT`, set by the release workflow and the container build, whose build
/// context has no `.git`); the commit `cargo package` recorded in `.cargo_vcs_info.json` (a
/// crate from crates.io); git, in a checkout; else `unknown`, never a failed build.
pub fn git_commit(root: &Path, from_env: Option<&str>) -> Commit {
    let none = Vec::new();
    if let Some(given) = from_env {
        let id: String = given
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            .take(40)
            .collect();
        if id.len() >= 12 && id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Commit {
                id: short(&id),
                watch: none,
            };
        }
        if !id.is_empty() {
            return Commit { id, watch: none };
        }
    }
    let vcs_info = root.join(".cargo_vcs_info.json");
    if let Ok(text) = std::fs::read_to_string(&vcs_info) {
        // {"git": {"sha1": "…"}, "path_in_vcs": ""}: the one field, without a JSON parser.
        if let Some(rest) = text.split("\"sha1\"").nth(1) {
            let sha: String = rest
                .chars()
                .skip_while(|c| !c.is_ascii_hexdigit())
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if sha.len() >= 12 {
                return Commit {
                    id: short(&sha),
                    watch: vec![vcs_info],
                };
            }
        }
    }
    if let Some(head) = git(root, &["rev-parse", "--verify", "-q", "HEAD"]) {
        // HEAD moves on a commit or a checkout. In a worktree HEAD is in its own git dir and
        // the branch ref in the common one. Cargo reruns a build script on every build when a
        // watched path does not exist, so only existing files are named.
        let mut watch = Vec::new();
        let git_dir = git(root, &["rev-parse", "--absolute-git-dir"]).map(PathBuf::from);
        let common_dir = git(root, &["rev-parse", "--git-common-dir"]).map(|d| root.join(d));
        let head_ref = git(root, &["symbolic-ref", "-q", "HEAD"]);
        for dir in git_dir.iter().chain(common_dir.iter()) {
            watch.push(dir.join("HEAD"));
            watch.push(dir.join("packed-refs"));
            if let Some(r) = &head_ref {
                watch.push(dir.join(r));
            }
        }
        watch.retain(|f| f.is_file());
        watch.sort();
        watch.dedup();
        return Commit {
            id: short(&head),
            watch,
        };
    }
    Commit {
        id: "unknown".to_string(),
        watch: none,
    }
}
