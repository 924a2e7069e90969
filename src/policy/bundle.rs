//! OPA bundles as rule sources: a gzipped tarball (what `opa build` writes) or a zip, holding
//! `.rego` files, `data.json` / `data.yaml` documents placed at their directory's path under
//! `data`, and an optional `.manifest` whose `roots` the bundle's packages and data must stay
//! under. [`from_bytes`] reads one from memory, so a bundle fetched from anywhere (a file, an S3
//! object) goes through the same checks.
//!
//! Refused, each with a clear error: signed bundles (`.signatures.json`: rootwarden cannot
//! verify a signature and will not pretend it did), delta bundles (`patch.json`), Wasm and plan
//! files (rootwarden evaluates Rego source), Rego v0 bundles (`rego_version: 0`), links and
//! paths that leave the bundle, and more than [`MAX_UNPACKED_BYTES`] unpacked.

use std::io::Read;

use serde::Deserialize;
use serde_json::Value as Json;

use super::loader::{package_of, DataDocument, RuleFile, RuleSet};
use super::outcome::RuleOrigin;
use super::PolicyError;

/// The most a bundle may unpack to (all files together): rules are small, and a decompression
/// bomb must fail before it fills memory.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;

/// `.manifest`, as far as rootwarden reads it.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    #[serde(default)]
    roots: Option<Vec<String>>,
    #[serde(default)]
    rego_version: Option<i64>,
    #[serde(default)]
    file_rego_versions: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    wasm: Vec<Json>,
}

/// Reads an OPA bundle (`.tar.gz`, `.tar` or `.zip`, told apart by content) from `bytes`.
/// `name` is how the bundle is shown in messages and reports (a path, an `s3://` URI); its files
/// are shown as `NAME/PATH-IN-BUNDLE`.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<RuleSet, PolicyError> {
    let entries = if bytes.starts_with(&[0x1f, 0x8b]) {
        read_tar(flate2::read::GzDecoder::new(bytes), name)?
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        read_zip(bytes, name)?
    } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        read_tar(bytes, name)?
    } else {
        return Err(bad(
            name,
            "not an OPA bundle: expected a gzipped tarball (.tar.gz, as `opa build` writes), a tar or a zip",
        ));
    };
    assemble(entries, name)
}

fn bad(name: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Io {
        path: name.to_string(),
        message: message.into(),
    }
}

/// One regular file of the archive: its normalised path inside the bundle and its bytes.
struct Entry {
    path: String,
    bytes: Vec<u8>,
}

/// A path inside the bundle without leading `/` or `./`; `None` if it leaves the bundle.
fn normalise(raw: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains(':') => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Reads at most what is left of the unpacking allowance from `r`.
fn read_limited(r: impl Read, budget: &mut u64, name: &str, path: &str) -> Result<Vec<u8>, PolicyError> {
    let mut bytes = Vec::new();
    r.take(*budget + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(name, format!("{path}: cannot read: {e}")))?;
    if bytes.len() as u64 > *budget {
        return Err(bad(
            name,
            format!(
                "unpacks to more than {} MiB; refusing it (a rule bundle is far smaller)",
                MAX_UNPACKED_BYTES >> 20
            ),
        ));
    }
    *budget -= bytes.len() as u64;
    Ok(bytes)
}

fn read_tar(r: impl Read, name: &str) -> Result<Vec<Entry>, PolicyError> {
    let mut archive = tar::Archive::new(r);
    let mut budget = MAX_UNPACKED_BYTES;
    let mut out = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| bad(name, format!("cannot read the archive: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| bad(name, format!("cannot read the archive: {e}")))?;
        let raw = entry.path().map_or_else(
            |_| String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
            |p| p.to_string_lossy().into_owned(),
        );
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(bad(
                name,
                format!("{raw}: is a link or special file; a bundle holds regular files only"),
            ));
        }
        let path = normalise(&raw).ok_or_else(|| bad(name, format!("{raw}: path leaves the bundle")))?;
        let bytes = read_limited(entry, &mut budget, name, &path)?;
        out.push(Entry { path, bytes });
    }
    Ok(out)
}

fn read_zip(bytes: &[u8], name: &str) -> Result<Vec<Entry>, PolicyError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(name, format!("cannot read the zip: {e}")))?;
    let mut budget = MAX_UNPACKED_BYTES;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| bad(name, format!("cannot read the zip: {e}")))?;
        let raw = file.name().to_string();
        if file.is_dir() {
            continue;
        }
        if file.is_symlink() {
            return Err(bad(
                name,
                format!("{raw}: is a link; a bundle holds regular files only"),
            ));
        }
        let path = normalise(&raw).ok_or_else(|| bad(name, format!("{raw}: path leaves the bundle")))?;
        let bytes = read_limited(file, &mut budget, name, &path)?;
        out.push(Entry { path, bytes });
    }
    Ok(out)
}

/// Turns the archive's files into rule files and data documents, checking the manifest.
fn assemble(entries: Vec<Entry>, name: &str) -> Result<RuleSet, PolicyError> {
    let mut manifest = Manifest::default();
    let mut set = RuleSet::default();
    let mut seen = std::collections::BTreeSet::new();
    for e in &entries {
        if !seen.insert(e.path.as_str()) {
            return Err(bad(name, format!("{}: appears twice in the bundle", e.path)));
        }
        let file_name = e.path.rsplit('/').next().unwrap_or("");
        let shown = format!("{name}/{}", e.path);
        let text = || {
            std::str::from_utf8(&e.bytes).map_err(|_| PolicyError::Io {
                path: shown.clone(),
                message: "not UTF-8 text".into(),
            })
        };
        match file_name {
            ".manifest" if e.path == ".manifest" => {
                manifest = serde_json::from_slice(&e.bytes).map_err(|err| PolicyError::Io {
                    path: shown.clone(),
                    message: format!("invalid manifest: {err}"),
                })?;
            }
            ".signatures.json" => {
                return Err(bad(
                    name,
                    "is a signed bundle (.signatures.json); rootwarden cannot verify bundle signatures, \
                     so it does not load signed bundles: build the bundle without --signing-key",
                ))
            }
            "patch.json" => return Err(bad(name, "is a delta bundle (patch.json); only snapshot bundles hold rules")),
            "policy.wasm" | "plan.json" => {
                return Err(bad(
                    name,
                    format!("{}: rootwarden evaluates Rego source, not Wasm or plan bundles (build with `opa build` without -t)", e.path),
                ))
            }
            "data.json" => {
                let value: Json = serde_json::from_slice(&e.bytes).map_err(|err| PolicyError::Io {
                    path: shown.clone(),
                    message: format!("invalid JSON: {err}"),
                })?;
                set.data.push(data_document(&shown, &e.path, value));
            }
            "data.yaml" | "data.yml" => {
                let value: Json = serde_norway::from_str(text()?).map_err(|err| PolicyError::Io {
                    path: shown.clone(),
                    message: format!("invalid YAML: {err}"),
                })?;
                set.data.push(data_document(&shown, &e.path, value));
            }
            _ if e.path.ends_with(".rego") => set.files.push(RuleFile {
                path: shown.clone(),
                text: text()?.to_string(),
                origin: RuleOrigin::User,
            }),
            // OPA ignores any other file (READMEs, schemas...); so does rootwarden.
            _ => {}
        }
    }
    check_manifest(&manifest, &set, name)?;
    Ok(set)
}

fn data_document(shown: &str, path: &str, value: Json) -> DataDocument {
    let mut at: Vec<String> = path.split('/').map(str::to_string).collect();
    at.pop();
    DataDocument {
        file: shown.to_string(),
        path: at,
        value,
    }
}

/// Whether `path` (slash-separated) is at or below `root`.
fn within(root: &str, path: &str) -> bool {
    root.is_empty() || path == root || path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

fn check_manifest(m: &Manifest, set: &RuleSet, name: &str) -> Result<(), PolicyError> {
    if m.rego_version == Some(0) || m.file_rego_versions.values().any(|v| *v == 0) {
        return Err(bad(
            name,
            "its manifest declares Rego v0 (rego_version 0); rootwarden rules are Rego v1: build with OPA 1.x or `opa build --v1-compatible`",
        ));
    }
    if !m.wasm.is_empty() {
        return Err(bad(
            name,
            "its manifest names Wasm modules; rootwarden evaluates Rego source only",
        ));
    }
    let roots: Vec<String> = m
        .roots
        .clone()
        .unwrap_or_else(|| vec![String::new()])
        .into_iter()
        .map(|r| r.trim_matches('/').to_string())
        .collect();
    for (i, a) in roots.iter().enumerate() {
        for b in &roots[i + 1..] {
            if within(a, b) || within(b, a) {
                return Err(bad(name, format!("its manifest has overlapping roots '{a}' and '{b}'")));
            }
        }
    }
    for f in &set.files {
        let Some((package, line)) = package_of(&f.text) else {
            continue; // the loader reports a file without a package
        };
        let path = package_path(&package);
        if !roots.iter().any(|r| within(r, &path)) {
            return Err(PolicyError::Contract {
                file: f.path.clone(),
                line,
                message: format!("package {package} is outside the manifest's roots {roots:?}"),
            });
        }
    }
    for d in &set.data {
        check_data_roots(&roots, &d.path.join("/"), &d.value, &d.file)?;
    }
    Ok(())
}

/// Like OPA: data is allowed at or below a root, and an object above the roots is walked into.
fn check_data_roots(roots: &[String], path: &str, value: &Json, file: &str) -> Result<(), PolicyError> {
    if roots.iter().any(|r| within(r, path)) {
        return Ok(());
    }
    if let Json::Object(o) = value {
        let above_a_root = roots.iter().any(|r| path.is_empty() || within(path, r));
        if above_a_root {
            for (k, v) in o {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}/{k}")
                };
                check_data_roots(roots, &child, v, file)?;
            }
            return Ok(());
        }
    }
    Err(PolicyError::Io {
        path: file.to_string(),
        message: format!("data at /{path} is outside the manifest's roots {roots:?}"),
    })
}

/// `rootwarden.rules["a-b"]` as the slash path OPA compares roots with.
fn package_path(package: &str) -> String {
    package
        .replace("[\"", ".")
        .replace("\"]", "")
        .split('.')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_roots() {
        assert_eq!(normalise("./a/b/../c"), None);
        assert_eq!(normalise("/a//b/./c.rego").as_deref(), Some("a/b/c.rego"));
        assert_eq!(normalise("C:/x"), None);
        assert!(within("", "a/b"));
        assert!(within("a", "a/b"));
        assert!(!within("a", "ab/c"));
        assert_eq!(package_path("rootwarden.rules[\"x-y\"].z"), "rootwarden/rules/x-y/z");
    }
}
