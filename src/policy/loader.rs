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
/// The package prefix of the bundled helper libraries (reserved for them while they are loaded).
pub const LIB_PREFIX: &str = "rootwarden.lib.";
/// Top-level names of `data` that rootwarden fills itself: no rule package or bundle data may
/// use them.
pub const RESERVED_DATA: &[&str] = &["requirements", "canonical_events", "rootwarden"];
/// The longest rule package accepted, so every line generated from it stays short.
const MAX_PACKAGE_LEN: usize = 512;

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

/// A data document of a bundle, placed at `path` below `data`.
#[derive(Debug, Clone)]
pub struct DataDocument {
    /// Where it came from, as shown in messages (`bundle.tar.gz/acme/data.json`).
    pub file: String,
    /// Its place below `data` (empty: merged into `data` itself).
    pub path: Vec<String>,
    /// The document.
    pub value: serde_json::Value,
}

/// Rule, library and test files and data documents, gathered from any number of sources
/// (the bundled rules, directories, OPA bundles).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The `.rego` files.
    pub files: Vec<RuleFile>,
    /// The data documents of bundles.
    pub data: Vec<DataDocument>,
}

impl RuleSet {
    /// The bundled rules (no data).
    pub fn bundled() -> RuleSet {
        RuleSet {
            files: bundled(),
            data: Vec::new(),
        }
    }

    /// Adds the files and data of `other`.
    pub fn extend(&mut self, other: RuleSet) {
        self.files.extend(other.files);
        self.data.extend(other.data);
    }
}

impl From<Vec<RuleFile>> for RuleSet {
    fn from(files: Vec<RuleFile>) -> RuleSet {
        RuleSet {
            files,
            data: Vec::new(),
        }
    }
}

/// The rules at `path`: a directory (every `.rego` file below it) or an OPA bundle file
/// (`.tar.gz`, `.tar` or `.zip`; see [`super::bundle`]).
pub fn from_path(path: &Path) -> Result<RuleSet, PolicyError> {
    if path.is_dir() {
        return Ok(from_dir(path)?.into());
    }
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| PolicyError::Io {
        path: shown.clone(),
        message: format!("{e} (expected a directory of .rego files or an OPA bundle)"),
    })?;
    super::bundle::from_bytes(&bytes, &shown)
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

/// Whether `package` is `prefix` or lies below it.
fn at_or_below(package: &str, prefix: &str) -> bool {
    package == prefix
        || package
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Decides what `f` is and checks the rule contract's static parts.
pub fn classify(f: &RuleFile) -> Result<RuleKind, PolicyError> {
    let contract = |line: usize, message: String| PolicyError::Contract {
        file: f.path.clone(),
        line,
        message,
    };
    let (package, line) = package_of(&f.text).ok_or_else(|| contract(1, "no `package` statement".into()))?;
    if let Some(reserved) = RESERVED_DATA
        .iter()
        .find(|r| **r != "rootwarden" && at_or_below(&package, r))
    {
        return Err(contract(
            line,
            format!("package {package} is reserved: rootwarden puts data.{reserved} there"),
        ));
    }
    if f.path.ends_with("_test.rego") {
        return Ok(RuleKind::Test { package });
    }
    if package.starts_with(LIB_PREFIX) {
        return Ok(RuleKind::Library);
    }
    if !package.starts_with(RULES_PREFIX) {
        if at_or_below(&package, "rootwarden") {
            return Err(contract(
                line,
                format!("package {package} is outside {RULES_PREFIX}* (rules) and {LIB_PREFIX}* (libraries)"),
            ));
        }
        if metadata::find_block(&f.text).is_some() {
            return Err(contract(
                line,
                format!(
                    "package {package} has a rule's METADATA but is outside {RULES_PREFIX}*; rules live in \
                     {RULES_PREFIX}NAME (libraries may use any package outside rootwarden.*)"
                ),
            ));
        }
        // A library of the user's own; `Policy::load` refuses one that defines `deny`.
        return Ok(RuleKind::Library);
    }
    let name = &package[RULES_PREFIX.len()..];
    let identifier = |c: &str| {
        c.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    };
    if !name.split('.').all(identifier) || ["input", "data"].contains(&name.split('.').next().unwrap_or_default()) {
        return Err(contract(
            line,
            format!(
                "rule package {package}: write it as {RULES_PREFIX}NAME, NAME made of identifiers (letters, digits, `_`) \
                 separated by dots, not starting with input or data"
            ),
        ));
    }
    if name.starts_with(super::batch::RESERVED_NAME) {
        return Err(contract(
            line,
            format!(
                "rule package {package}: names starting with {} are rootwarden's own",
                super::batch::RESERVED_NAME
            ),
        ));
    }
    if package.len() > MAX_PACKAGE_LEN {
        return Err(contract(
            line,
            format!("a rule package may be at most {MAX_PACKAGE_LEN} characters long"),
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

/// Checks what can only be judged over all the sources together: while the bundled rules are
/// loaded, their packages (and everything below them) and `rootwarden.lib.*` belong to them, so
/// a user file may neither extend a bundled rule (inheriting its `deny` set under another id) nor
/// load a second copy of it; two user rule files may not share a package; bundle data may not
/// take a place rootwarden fills; no package spans two files. Refused the same way by `evaluate`
/// and `rules test`.
pub fn check_sources(set: &RuleSet) -> Result<(), PolicyError> {
    let bundled: Vec<(String, &str)> = set
        .files
        .iter()
        .filter(|f| f.origin == RuleOrigin::Bundled)
        .filter_map(|f| package_of(&f.text).map(|(p, _)| (p, f.path.as_str())))
        .collect();
    for f in set.files.iter().filter(|f| f.origin != RuleOrigin::Bundled) {
        let Some((package, line)) = package_of(&f.text) else {
            continue; // `classify` reports it
        };
        let reserved = |message: String| PolicyError::Contract {
            file: f.path.clone(),
            line,
            message,
        };
        if !bundled.is_empty() && package.starts_with(LIB_PREFIX) {
            return Err(reserved(format!(
                "package {package} is reserved for rootwarden's bundled libraries; give your library a \
                 package outside rootwarden.* (or run with --no-builtin-rules if this is a copy of the bundled rules)"
            )));
        }
        if let Some((owner, path)) = bundled.iter().find(|(b, _)| at_or_below(&package, b)) {
            return Err(reserved(format!(
                "package {package} is reserved: it belongs to the bundled {path} (package {owner}). \
                 A rule of your own needs a package of its own; if this is a copy of the bundled rules, \
                 run with --no-builtin-rules"
            )));
        }
    }
    // regorus 0.14 evaluates a package spread over several files wrongly (it turned a failing
    // monitoring control into a pass: tests/split_packages.rs), so every package is one file.
    let mut packages: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for f in &set.files {
        let Some((package, line)) = package_of(&f.text) else {
            continue;
        };
        if let Some(first) = packages.insert(package.clone(), &f.path) {
            let message = if package.starts_with(RULES_PREFIX) && !f.path.ends_with("_test.rego") {
                format!("package {package} is already a rule in {first}; each rule has a package of its own")
            } else {
                format!(
                    "package {package} is also declared in {first}: put the whole package in one file \
                     (rootwarden's Rego interpreter, regorus 0.14, evaluates a package spread over \
                     several files wrongly)"
                )
            };
            return Err(PolicyError::Contract {
                file: f.path.clone(),
                line,
                message,
            });
        }
    }
    for d in &set.data {
        let top: Vec<&str> = match (d.path.first(), &d.value) {
            (Some(first), _) => vec![first.as_str()],
            (None, serde_json::Value::Object(o)) => o.keys().map(String::as_str).collect(),
            (None, _) => {
                return Err(PolicyError::Io {
                    path: d.file.clone(),
                    message: "a data document at the root of a bundle must be an object".into(),
                })
            }
        };
        if let Some(name) = top.iter().find(|t| RESERVED_DATA.contains(t)) {
            return Err(PolicyError::Io {
                path: d.file.clone(),
                message: format!("data.{name} is reserved: rootwarden fills it itself"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
