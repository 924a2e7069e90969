//! Finding rule files (bundled or in user directories) and telling rules, libraries and tests apart.

use std::path::Path;

use super::metadata::{self, RuleMetadata};
use super::outcome::RuleOrigin;
use super::PolicyError;
use crate::input::sha256_hex;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));
}

/// The package prefix every rule must live under.
pub const RULES_PREFIX: &str = "rootwarden.rules.";
/// The package prefix of shared helper libraries.
pub const LIB_PREFIX: &str = "rootwarden.lib.";

/// One `.rego` file.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// Path as shown in messages and reports.
    pub path: String,
    /// Rego source.
    pub text: String,
    /// Bundled or user.
    pub origin: RuleOrigin,
}

/// What a `.rego` file is.
#[derive(Debug)]
pub enum RuleKind {
    /// A rule (`package rootwarden.rules.*` with METADATA).
    Rule {
        /// The package.
        package: String,
        /// Line of the `package` statement.
        line: usize,
        /// Its METADATA.
        metadata: Box<RuleMetadata>,
    },
    /// A helper library (`package rootwarden.lib.*`).
    Library,
    /// A test file (`*_test.rego`).
    Test {
        /// The package.
        package: String,
    },
}

/// The rule files compiled into the binary.
pub fn bundled() -> Vec<RuleFile> {
    bundled::BUNDLED
        .iter()
        .map(|(p, t)| RuleFile {
            path: (*p).to_string(),
            text: (*t).to_string(),
            origin: RuleOrigin::Bundled,
        })
        .collect()
}

/// The rules digest: `sha256:` and the SHA-256 of the sorted SHA-256 digests of every rule and
/// library file in `files` (test files left out, as [`crate::policy::Policy::load`] leaves them).
/// It names the Rego that judged a snapshot, for audit evidence; it depends on file contents
/// only, so the same rules give the same digest wherever their directory is.
pub fn digest(files: &[RuleFile]) -> String {
    let mut each: Vec<String> = files
        .iter()
        .filter(|f| !f.path.ends_with("_test.rego"))
        .map(|f| sha256_hex(f.text.as_bytes()))
        .collect();
    each.sort();
    format!("sha256:{}", sha256_hex(each.join("\n").as_bytes()))
}

/// Every `.rego` file below `dir`, sorted by path.
pub fn from_dir(dir: &Path) -> Result<Vec<RuleFile>, PolicyError> {
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| PolicyError::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            })?;
            Ok(RuleFile {
                path: p.display().to_string(),
                text,
                origin: RuleOrigin::User,
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), PolicyError> {
    if !dir.is_dir() {
        return Err(PolicyError::Io {
            path: dir.display().to_string(),
            message: "not a directory".into(),
        });
    }
    // walkdir follows links but notices one back to a directory being walked: read_dir recursion
    // walked `a -> .` and `b -> .` exponentially and cut a single loop short silently.
    for entry in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| PolicyError::Io {
            path: e.path().unwrap_or(dir).display().to_string(),
            message: match e.loop_ancestor() {
                Some(a) => format!("symbolic link loop back to {}", a.display()),
                None => e.io_error().map_or_else(|| e.to_string(), ToString::to_string),
            },
        })?;
        let p = entry.path();
        if !entry.file_type().is_dir() && p.extension().is_some_and(|x| x == "rego") {
            out.push(entry.into_path());
        }
    }
    Ok(())
}

/// The `package` of a Rego file and its 1-based line.
pub fn package_of(text: &str) -> Option<(String, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let rest = l.trim_start().strip_prefix("package ")?;
        let pkg = rest.split('#').next().unwrap_or("").trim();
        Some((pkg.to_string(), i + 1))
    })
}

/// Decides what `f` is and checks the rule contract's static parts.
pub fn classify(f: &RuleFile) -> Result<RuleKind, PolicyError> {
    let contract = |line: usize, message: String| PolicyError::Contract {
        file: f.path.clone(),
        line,
        message,
    };
    let (package, line) = package_of(&f.text).ok_or_else(|| contract(1, "no `package` statement".into()))?;
    if f.path.ends_with("_test.rego") {
        return Ok(RuleKind::Test { package });
    }
    if package.starts_with(LIB_PREFIX) {
        return Ok(RuleKind::Library);
    }
    if !package.starts_with(RULES_PREFIX) {
        return Err(contract(
            line,
            format!("package {package} is outside {RULES_PREFIX}* (rules) and {LIB_PREFIX}* (libraries)"),
        ));
    }
    let block = metadata::find_block(&f.text).ok_or_else(|| {
        contract(
            line,
            "no `# METADATA` block; every rule needs title, description and custom: id, severity, remediation".into(),
        )
    })?;
    let metadata = metadata::parse_block(&block).map_err(|(line, message)| contract(line, message))?;
    if metadata.custom.id.trim().is_empty() || metadata.custom.id.len() > 255 {
        return Err(contract(
            block.line,
            "METADATA `custom.id` must be 1 to 255 characters".into(),
        ));
    }
    Ok(RuleKind::Rule {
        package,
        line,
        metadata: Box::new(metadata),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_names_the_rule_contents_not_their_order_or_tests() {
        let files = bundled();
        let d = digest(&files);
        assert!(d.starts_with("sha256:") && d.len() == 7 + 64, "{d}");
        let mut reversed = files.clone();
        reversed.reverse();
        assert_eq!(digest(&reversed), d, "order of loading does not matter");
        let without_tests: Vec<RuleFile> = files
            .iter()
            .filter(|f| !f.path.ends_with("_test.rego"))
            .cloned()
            .collect();
        assert_eq!(digest(&without_tests), d, "test files are not part of the rules");
        let mut edited = files.clone();
        let rule = edited.iter_mut().find(|f| f.path == "rules/root_mfa.rego").unwrap();
        rule.text.push_str("\n# a comment changes the rules' text\n");
        assert_ne!(digest(&edited), d);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
