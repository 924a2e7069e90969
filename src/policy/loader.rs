//! Finding rule files (bundled or in user directories) and telling rules, libraries and tests apart.

use std::path::Path;

use super::metadata::{self, RuleMetadata};
use super::outcome::RuleOrigin;
use super::PolicyError;

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
