//! The crate package (`cargo package`) and the release assets (`.ci/package-release.sh`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run_ok};

/// crates.io refuses a .crate above 10 MiB; the files' total size bounds the compressed crate.
const CRATES_IO_LIMIT: u64 = 10 * 1024 * 1024;

/// Files `include_str!` / `include_bytes!` pull into the build from `src/`.
fn included_files() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for entry in walkdir::WalkDir::new(root().join("src")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for macro_name in ["include_str!(\"", "include_bytes!(\""] {
            for piece in text.split(macro_name).skip(1) {
                let rel = piece.split('"').next().unwrap();
                let path = entry.path().parent().unwrap().join(rel);
                let path = std::fs::canonicalize(&path)
                    .unwrap_or_else(|e| panic!("{} includes {rel}: {e}", entry.path().display()));
                let root = std::fs::canonicalize(root()).unwrap();
                found.insert(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

#[test]
fn the_crate_package_holds_what_the_build_needs_and_fits_crates_io() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let list = run_ok(
        Command::new(cargo)
            .args(["package", "--list", "--allow-dirty", "--offline"])
            .current_dir(root()),
    );
    let files: BTreeSet<&str> = list.lines().collect();

    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "build/commit.rs",
        "src/main.rs",
        "src/lib.rs",
    ] {
        assert!(files.contains(needed), "the package lacks {needed}");
    }
    // What README, the archives and the license terms need.
    for needed in [
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "fixtures/snapshots/neglected-account.json",
    ] {
        assert!(files.contains(needed), "the package lacks {needed}");
    }
    // build.rs compiles every rule in; src/ includes files by path.
    let rules: Vec<String> = walkdir::WalkDir::new(root().join("rules"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rego"))
        .map(|p| p.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    assert!(rules.len() > 10, "{rules:?}");
    let included = included_files();
    assert!(!included.is_empty());
    for f in rules.iter().chain(included.iter()) {
        assert!(
            files.contains(f.as_str()),
            "the package lacks {f}, which the build reads"
        );
    }
    // Repository-only files stay out.
    for f in &files {
        for prefix in ["target/", ".github/", ".ci/", "tests/", "bench/"] {
            assert!(!f.starts_with(prefix), "the package ships {f}");
        }
    }

    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(root().join(f)).ok())
        .map(|m| m.len())
        .sum();
    eprintln!("crate package: {} files, {total} bytes before compression", files.len());
    assert!(total < CRATES_IO_LIMIT, "{total} bytes: over crates.io's limit");
}

fn package(args: &[&str]) -> PathBuf {
    let out = run_ok(
        Command::new("sh")
            .arg(root().join(".ci/package-release.sh"))
            .args(args)
            .env("SOURCE_DATE_EPOCH", "1700000000"),
    );
    PathBuf::from(out.trim())
}

/// `tar -tvzf` / `unzip -Z` listing: (mode, name) per entry.
fn entries(archive: &Path) -> Vec<(String, String)> {
    let name = archive.to_string_lossy();
    let listing = if name.ends_with(".zip") {
        run_ok(Command::new("unzip").arg("-Z").arg(archive))
    } else {
        run_ok(Command::new("tar").arg("-tvzf").arg(archive))
    };
    listing
        .lines()
        .filter(|l| l.starts_with('-') || l.starts_with('d'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields[0].to_string(), fields.last().unwrap().to_string())
        })
        .collect()
}

#[test]
fn release_archives_hold_the_binary_and_the_docs_and_are_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    // What the binary is does not matter here (the install tests unpack and run the real one).
    let bin = dir.path().join("rootwarden");
    std::fs::write(&bin, "#!/bin/sh\necho 'rootwarden 0.0.0 (stub)'\n").unwrap();
    let out = dir.path().join("dist");
    let out_s = out.to_str().unwrap();

    let tgz = package(&["archive", "x86_64-unknown-linux-musl", bin.to_str().unwrap(), out_s]);
    assert_eq!(tgz, out.join("rootwarden-x86_64-unknown-linux-musl.tar.gz"));
    let e = entries(&tgz);
    let names: Vec<&str> = e.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "rootwarden-x86_64-unknown-linux-musl/",
            "rootwarden-x86_64-unknown-linux-musl/CHANGELOG.md",
            "rootwarden-x86_64-unknown-linux-musl/LICENSE",
            "rootwarden-x86_64-unknown-linux-musl/README.md",
            "rootwarden-x86_64-unknown-linux-musl/rootwarden",
        ]
    );
    assert_eq!(e[4].0, "-rwxr-xr-x", "the binary is not executable: {e:?}");

    // Same inputs, same bytes: anyone can rebuild an archive and compare it with SHA256SUMS.
    let again = package(&[
        "archive",
        "x86_64-unknown-linux-musl",
        bin.to_str().unwrap(),
        dir.path().join("again").to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&tgz).unwrap(),
        std::fs::read(&again).unwrap(),
        "archives differ between runs"
    );

    let zip = package(&["archive", "x86_64-pc-windows-msvc", bin.to_str().unwrap(), out_s]);
    assert_eq!(zip, out.join("rootwarden-x86_64-pc-windows-msvc.zip"));
    let names: BTreeSet<String> = entries(&zip).into_iter().map(|(_, n)| n).collect();
    assert!(
        names.contains("rootwarden-x86_64-pc-windows-msvc/rootwarden.exe"),
        "{names:?}"
    );
    assert!(names.contains("rootwarden-x86_64-pc-windows-msvc/LICENSE"), "{names:?}");

    // The Lambda zip: one executable file named bootstrap at the top.
    let lambda = package(&["lambda", "arm64", bin.to_str().unwrap(), out_s]);
    assert_eq!(lambda, out.join("rootwarden-lambda-arm64.zip"));
    assert_eq!(entries(&lambda), [("-rwxr-xr-x".to_string(), "bootstrap".to_string())]);
    let refused = Command::new("sh")
        .arg(root().join(".ci/package-release.sh"))
        .args(["lambda", "arm", bin.to_str().unwrap(), out_s])
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let sums = package(&["checksums", out_s]);
    let text = std::fs::read_to_string(&sums).unwrap();
    let listed: Vec<&str> = text.lines().map(|l| l.split("  ").nth(1).unwrap()).collect();
    assert_eq!(
        listed,
        [
            "rootwarden-lambda-arm64.zip",
            "rootwarden-x86_64-pc-windows-msvc.zip",
            "rootwarden-x86_64-unknown-linux-musl.tar.gz",
        ]
    );
    // The file verifies with the tool users run on it.
    run_ok(Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(&out));
}
