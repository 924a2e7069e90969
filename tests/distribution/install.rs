//! `install.sh` against a release served on 127.0.0.1: archives and SHA256SUMS made by
//! `.ci/package-release.sh` from the test binary, laid out as GitHub serves a release
//! (`download/TAG/NAME`, `latest/download/NAME`).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::{root, run, run_ok, stripped_binary, Server};

const TAG: &str = concat!("v", env!("CARGO_PKG_VERSION"));
const LINUX: &str = "x86_64-unknown-linux-musl";

/// What to get wrong in the served release.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// SHA256SUMS lists another hash for the archive.
    WrongChecksum,
    /// The archive was changed after SHA256SUMS was made.
    TamperedArchive,
    /// SHA256SUMS has no line for the archive.
    Unlisted,
}

/// What the archives hold.
#[derive(Clone, Copy, PartialEq)]
enum Binary {
    /// The test binary, stripped as the release strips it.
    Real,
    /// A script that only answers `--version`: for tests where what runs does not matter.
    Stub,
}

struct Release {
    dir: tempfile::TempDir,
    server: Server,
}

impl Release {
    /// A release holding archives for `targets` (each with `binary`), SHA256SUMS and
    /// install.sh, under `download/TAG/` and, if `latest`, `latest/download/`.
    fn serve(targets: &[&str], binary: Binary, fault: Fault, latest: bool) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let bin = match binary {
            Binary::Real => stripped_binary(dir.path()),
            Binary::Stub => {
                let stub = dir.path().join("rootwarden");
                std::fs::write(&stub, "#!/bin/sh\necho 'rootwarden 0.0.0 (stub)'\n").unwrap();
                stub
            }
        };
        let assets = dir.path().join("srv/download").join(TAG);
        for t in targets {
            run_ok(
                Command::new("sh")
                    .arg(root().join(".ci/package-release.sh"))
                    .args(["archive", t])
                    .arg(&bin)
                    .arg(&assets),
            );
        }
        std::fs::copy(root().join("install.sh"), assets.join("install.sh")).unwrap();
        run_ok(
            Command::new("sh")
                .arg(root().join(".ci/package-release.sh"))
                .arg("checksums")
                .arg(&assets),
        );
        let sums = assets.join("SHA256SUMS");
        let archive = assets.join(format!("rootwarden-{}.tar.gz", targets[0]));
        match fault {
            Fault::None => {}
            Fault::WrongChecksum => {
                let text = std::fs::read_to_string(&sums).unwrap();
                let name = format!("rootwarden-{}.tar.gz", targets[0]);
                let changed: String = text
                    .lines()
                    .map(|l| {
                        if l.ends_with(&name) {
                            format!("{}{}\n", "0".repeat(64), &l[64..])
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
                assert_ne!(text, changed);
                std::fs::write(&sums, changed).unwrap();
            }
            Fault::TamperedArchive => {
                let mut f = std::fs::OpenOptions::new().append(true).open(&archive).unwrap();
                f.write_all(b"\0").unwrap();
            }
            Fault::Unlisted => {
                let text = std::fs::read_to_string(&sums).unwrap();
                let kept: String = text
                    .lines()
                    .filter(|l| !l.contains(".tar.gz"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                std::fs::write(&sums, kept).unwrap();
            }
        }
        if latest {
            std::fs::create_dir_all(dir.path().join("srv/latest")).unwrap();
            std::os::unix::fs::symlink(&assets, dir.path().join("srv/latest/download")).unwrap();
        }
        let server = Server::start(&dir.path().join("srv"), dir.path().join("server.log"));
        Release { dir, server }
    }

    fn releases_url(&self) -> String {
        self.server.url.clone()
    }
}

/// A directory of commands standing in for the system: `uname` answers `os` and `arch`.
fn fake_uname(dir: &Path, os: &str, arch: &str) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!("#!/bin/sh\ncase \"$1\" in -s) echo '{os}' ;; -m) echo '{arch}' ;; *) echo '{os}' ;; esac\n");
    std::fs::write(bin.join("uname"), script).unwrap();
    std::fs::set_permissions(bin.join("uname"), std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs install.sh with a clean environment: no rootwarden anywhere, HOME in `home`.
fn install(release: &Release, home: &Path, path: &str, args: &[&str]) -> Output {
    run(Command::new("sh")
        .arg(root().join("install.sh"))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("ROOTWARDEN_RELEASES_URL", release.releases_url()))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_one_liner_installs_a_verified_release_and_the_first_report_follows() {
    let release = Release::serve(&[LINUX], Binary::Real, Fault::None, true);
    let home = release.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let snapshot = root().join("fixtures/snapshots/neglected-account.json");

    // README's one-liner, from nothing installed to the first report.
    let started = Instant::now();
    let out = run(Command::new("sh")
        .arg("-c")
        .arg("curl -sSfL \"$ROOTWARDEN_RELEASES_URL/latest/download/install.sh\" | sh")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .env("ROOTWARDEN_RELEASES_URL", release.releases_url()));
    assert!(out.status.success(), "install failed:\n{}", stderr(&out));
    let installed = home.join(".local/bin/rootwarden");
    let report = run(Command::new(&installed).arg("evaluate").arg(&snapshot));
    let elapsed = started.elapsed();
    eprintln!("nothing installed → first report: {:.2} s", elapsed.as_secs_f64());

    let log = stderr(&out);
    assert!(log.contains("sha256 verified"), "{log}");
    assert!(log.contains(&format!("installed {}", installed.display())), "{log}");
    assert!(log.contains("is not on PATH"), "{log}");
    assert_eq!(report.status.code(), Some(1), "neglected-account has high findings");
    assert!(String::from_utf8_lossy(&report.stdout).contains("Account 444455556666"));
    assert_eq!(
        release.server.requests(),
        [
            "/latest/download/install.sh".to_string(),
            "/latest/download/SHA256SUMS".to_string(),
            format!("/latest/download/rootwarden-{LINUX}.tar.gz"),
        ]
    );

    // A pinned version, with or without its v, reads that release and replaces the binary.
    for version in [TAG, env!("CARGO_PKG_VERSION")] {
        let dir = release.dir.path().join("pinned");
        let out = install(
            &release,
            &home,
            "/usr/bin:/bin",
            &["--version", version, "--dir", dir.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let v = run_ok(Command::new(dir.join("rootwarden")).arg("--version"));
        assert!(
            v.starts_with(&format!("rootwarden {}", env!("CARGO_PKG_VERSION"))),
            "{v}"
        );
    }
    assert!(release
        .server
        .requests()
        .contains(&format!("/download/{TAG}/rootwarden-{LINUX}.tar.gz")));
}

#[test]
fn a_wrong_or_missing_checksum_installs_nothing() {
    for (fault, says) in [
        (
            Fault::WrongChecksum,
            "checksum mismatch for rootwarden-x86_64-unknown-linux-musl.tar.gz: SHA256SUMS says 0000",
        ),
        (
            Fault::TamperedArchive,
            "checksum mismatch for rootwarden-x86_64-unknown-linux-musl.tar.gz",
        ),
        (Fault::Unlisted, "SHA256SUMS of v"),
    ] {
        let release = Release::serve(&[LINUX], Binary::Stub, fault, false);
        let home = release.dir.path().join("home");
        let dir = release.dir.path().join("bin");
        let out = install(
            &release,
            &home,
            "/usr/bin:/bin",
            &["--version", TAG, "--dir", dir.to_str().unwrap()],
        );
        let log = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{log}");
        assert!(log.contains(says), "expected '{says}' in:\n{log}");
        assert!(log.contains("not installing"), "{log}");
        assert!(!dir.join("rootwarden").exists(), "installed despite: {log}");
    }
}

#[test]
fn without_a_checksum_tool_nothing_is_installed() {
    let release = Release::serve(&[LINUX], Binary::Stub, Fault::None, false);
    // Every command install.sh uses, but no sha256sum, shasum or openssl.
    let bin = release.dir.path().join("bare-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "sh", "uname", "mktemp", "curl", "awk", "tr", "cut", "mkdir", "tar", "gzip", "cp", "chmod", "mv", "rm", "head",
        "cat",
    ] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists());
        std::os::unix::fs::symlink(found.unwrap_or_else(|| panic!("no {tool}")), bin.join(tool)).unwrap();
    }
    let dir = release.dir.path().join("bin");
    let out = install(
        &release,
        release.dir.path(),
        bin.to_str().unwrap(),
        &["--version", TAG, "--dir", dir.to_str().unwrap()],
    );
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("cannot verify the download: no sha256sum, shasum or openssl"),
        "{log}"
    );
    assert!(!dir.join("rootwarden").exists());
}

#[test]
fn an_unsupported_platform_is_named_and_nothing_is_downloaded() {
    let release = Release::serve(&[LINUX], Binary::Stub, Fault::None, true);
    for (os, arch) in [
        ("FreeBSD", "amd64"),
        ("Linux", "riscv64"),
        ("Linux", "armv7l"),
        ("SunOS", "i86pc"),
    ] {
        let fake = fake_uname(release.dir.path(), os, arch);
        let out = install(
            &release,
            release.dir.path(),
            &format!("{}:/usr/bin:/bin", fake.display()),
            &[],
        );
        let log = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{log}");
        assert!(
            log.contains(&format!("no prebuilt rootwarden for {os} {arch}")),
            "{log}"
        );
        assert!(
            log.contains("Linux x86_64 and aarch64, macOS x86_64 and arm64, Windows x86_64"),
            "{log}"
        );
        assert!(log.contains("cargo install --locked --git"), "{log}");
    }
    // A target asked for by name is checked the same way.
    let out = install(
        &release,
        release.dir.path(),
        "/usr/bin:/bin",
        &["--target", "riscv64gc-unknown-linux-gnu"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no prebuilt rootwarden for target riscv64gc-unknown-linux-gnu"),
        "{}",
        stderr(&out)
    );
    assert!(release.server.requests().is_empty(), "{:?}", release.server.requests());
}

#[test]
fn each_platform_gets_its_own_archive() {
    let targets = [
        LINUX,
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ];
    // Stand-ins that run here whatever platform they claim to be for.
    let release = Release::serve(&targets, Binary::Stub, Fault::None, true);
    for (os, arch, target, exe) in [
        ("Linux", "aarch64", "aarch64-unknown-linux-musl.tar.gz", "rootwarden"),
        ("Darwin", "arm64", "aarch64-apple-darwin.tar.gz", "rootwarden"),
        ("Darwin", "x86_64", "x86_64-apple-darwin.tar.gz", "rootwarden"),
        (
            "MINGW64_NT-10.0-20348",
            "x86_64",
            "x86_64-pc-windows-msvc.zip",
            "rootwarden.exe",
        ),
    ] {
        let fake = fake_uname(release.dir.path(), os, arch);
        let dir = release.dir.path().join("bin").join(target);
        let out = install(
            &release,
            release.dir.path(),
            &format!("{}:/usr/bin:/bin", fake.display()),
            &["--dir", dir.to_str().unwrap()],
        );
        assert!(out.status.success(), "{os} {arch}: {}", stderr(&out));
        assert!(dir.join(exe).is_file(), "{os} {arch}: no {exe}");
        let wanted = format!("/latest/download/rootwarden-{target}");
        assert_eq!(release.server.requests().last(), Some(&wanted), "{os} {arch}");
    }
}
