//! Compiles the bundled Rego rules (`rules/**/*.rego`) into the binary, and records what
//! `rootwarden --version` reports: the git commit and the digest of those rule files.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[path = "build/commit.rs"]
mod commit;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rego") {
            out.push(p);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of `sha256sum`'s output over the rule files in byte order of their paths, so anyone
/// can recompute it from a checkout:
/// `find rules -name '*.rego' | LC_ALL=C sort | xargs sha256sum | sha256sum`.
fn rules_digest(files: &[(String, Vec<u8>)]) -> String {
    let mut manifest = String::new();
    for (rel, content) in files {
        manifest.push_str(&format!("{}  {rel}\n", hex(&Sha256::digest(content))));
    }
    hex(&Sha256::digest(manifest.as_bytes()))
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut paths = Vec::new();
    collect(&rules, &mut paths);
    let mut files: Vec<(String, PathBuf)> = paths
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, f)
        })
        .collect();
    files.sort();
    let mut code = String::from("/// Bundled rule files: (path relative to the repository, source).\npub static BUNDLED: &[(&str, &str)] = &[\n");
    let mut contents = Vec::new();
    for (rel, f) in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
        contents.push((rel.clone(), std::fs::read(f).expect("read a bundled rule file")));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled_rules.rs");
    std::fs::write(out, code).expect("write bundled_rules.rs");

    println!("cargo:rustc-env=ROOTWARDEN_RULES_DIGEST={}", rules_digest(&contents));
    println!("cargo:rerun-if-env-changed=ROOTWARDEN_GIT_COMMIT");
    let commit = commit::git_commit(&root, std::env::var("ROOTWARDEN_GIT_COMMIT").ok().as_deref());
    for f in &commit.watch {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    println!("cargo:rustc-env=ROOTWARDEN_GIT_COMMIT={}", commit.id);
    println!(
        "cargo:rustc-env=ROOTWARDEN_TARGET={}",
        std::env::var("TARGET").expect("cargo sets TARGET")
    );
}
