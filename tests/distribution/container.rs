//! The Containerfile, built with podman and run without a container runtime (none can start
//! here). Images cannot be pulled, so the runtime base is made from this machine's C library
//! (`podman import`), and the `binary` build context supplies the test binary instead of the
//! compiling stage, as the release workflow supplies its static binaries. The image's
//! filesystem is exported and its entrypoint run with chroot, as its user, in its working
//! directory, on a fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{binary, is_root, program, root, run_ok, stripped_binary};

/// podman with its own storage in a temporary directory (vfs: no mounts to undo).
struct Podman {
    program: PathBuf,
    dir: PathBuf,
}

impl Podman {
    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.arg("--root")
            .arg(self.dir.join("storage"))
            .arg("--runroot")
            .arg(self.dir.join("run"))
            .arg("--tmpdir")
            .arg(self.dir.join("libpod"))
            .args(["--storage-driver", "vfs", "--events-backend", "none"])
            .env("TMPDIR", self.dir.join("tmp"));
        c
    }
}

/// The files a dynamically linked `bin` loads (ldd), copied to the same paths under `dir`.
fn copy_libraries(bin: &Path, dir: &Path) -> Vec<String> {
    let ldd = run_ok(Command::new("ldd").arg(bin));
    let mut copied = Vec::new();
    for lib in ldd.split_whitespace().filter(|w| w.starts_with('/')) {
        let to = dir.join(lib.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(lib, &to).unwrap_or_else(|e| panic!("copy {lib}: {e}"));
        copied.push(lib.trim_start_matches('/').to_string());
    }
    assert!(!copied.is_empty(), "ldd found no libraries:\n{ldd}");
    copied
}

fn target_platform() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "linux/amd64",
        "aarch64" => "linux/arm64",
        other => panic!("no container platform for {other}"),
    }
}

#[test]
fn the_image_runs_rootwarden_as_a_non_root_user_on_a_fixture() {
    let Some(program) = program("podman") else { return };
    if !is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the image test needs root (chroot); CI runs as root"
        );
        eprintln!("SKIPPED: the image test needs root (chroot)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for d in ["tmp", "libpod"] {
        std::fs::create_dir_all(t.join(d)).unwrap();
    }
    let podman = Podman {
        program,
        dir: t.to_path_buf(),
    };
    let bin = stripped_binary(t);

    // The runtime base: this machine's C library, nothing else.
    let base = t.join("base");
    std::fs::create_dir_all(base.join("tmp")).unwrap();
    let libs = copy_libraries(&bin, &base);
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(&base)
            .args(["-cf"])
            .arg(t.join("base.tar"))
            .arg("."),
    );
    run_ok(
        podman
            .cmd()
            .arg("import")
            .arg(t.join("base.tar"))
            .arg("localhost/rootwarden-test-base:1"),
    );

    // The test binary where the release puts its static binaries: PLATFORM/rootwarden.
    let prebuilt = t.join("prebuilt");
    let dest = prebuilt.join(target_platform());
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::copy(&bin, dest.join("rootwarden")).unwrap();

    let out = podman
        .cmd()
        .arg("build")
        .arg("--file")
        .arg(root().join("Containerfile"))
        .args(["--build-arg", "RUNTIME_IMAGE=localhost/rootwarden-test-base:1"])
        .arg("--build-context")
        .arg(format!("binary={}", prebuilt.display()))
        .args(["--tag", "localhost/rootwarden-test:1"])
        .arg(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "podman build:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let inspect = run_ok(podman.cmd().args(["image", "inspect", "localhost/rootwarden-test:1"]));
    let image: Value = serde_json::from_str(&inspect).unwrap();
    let image = &image[0];
    let config = &image["Config"];
    let user = config["User"].as_str().unwrap();
    let (uid, gid) = user.split_once(':').unwrap();
    assert_ne!(uid, "0", "the image runs as root");
    assert!(uid.parse::<u32>().is_ok_and(|u| u >= 1000), "{user}");
    let entrypoint: Vec<&str> = config["Entrypoint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(entrypoint, ["/usr/local/bin/rootwarden"]);
    let workdir = config["WorkingDir"].as_str().unwrap();
    let env: Vec<(String, String)> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().split_once('=').unwrap())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let size = image["Size"].as_u64().unwrap();
    let binary_size = std::fs::metadata(&bin).unwrap().len();
    eprintln!("image: {size} bytes ({binary_size} of them the stripped debug binary; a release binary is smaller)");

    // The image's filesystem: the base, the binary and its docs, nothing of the build.
    let container = run_ok(podman.cmd().args(["create", "localhost/rootwarden-test:1"]));
    let rootfs = t.join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    run_ok(
        podman
            .cmd()
            .args(["export", "--output"])
            .arg(t.join("rootfs.tar"))
            .arg(container.trim()),
    );
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-xf")
            .arg(t.join("rootfs.tar")),
    );
    let files: BTreeSet<String> = walkdir::WalkDir::new(&rootfs)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&rootfs).unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected: BTreeSet<String> = libs.into_iter().collect();
    for f in [
        "usr/local/bin/rootwarden",
        "usr/share/doc/rootwarden/LICENSE",
        "usr/share/doc/rootwarden/README.md",
    ] {
        expected.insert(f.to_string());
    }
    assert_eq!(files, expected);

    // `docker run -v DIR:/work IMAGE evaluate snapshot.json -o …`: DIR mounted at the working
    // directory; the entrypoint runs there, as the image's user.
    let work = rootfs.join(workdir.trim_start_matches('/'));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(
        root().join("fixtures/snapshots/neglected-account.json"),
        work.join("snapshot.json"),
    )
    .unwrap();
    run_ok(Command::new("chown").arg(user).arg(&work));
    let chroot = |args: &[&str]| {
        Command::new("unshare")
            .arg(format!("--root={}", rootfs.display()))
            .arg(format!("--wd={workdir}"))
            .arg(format!("--setuid={uid}"))
            .arg(format!("--setgid={gid}"))
            .args(&entrypoint)
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap()
    };
    let version = chroot(&["--version"]);
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with(&format!("rootwarden {}", env!("CARGO_PKG_VERSION"))),
        "{version:?}"
    );
    let report = chroot(&[
        "evaluate",
        "snapshot.json",
        "-o",
        "text",
        "-o",
        "json=out/findings.json",
    ]);
    assert_eq!(
        report.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(String::from_utf8_lossy(&report.stdout).contains("Account 444455556666"));

    // Written by the image's user, and the same findings as the binary run directly.
    let written = work.join("out/findings.json");
    let owner = run_ok(Command::new("stat").args(["-c", "%u:%g"]).arg(&written));
    assert_eq!(owner.trim(), user);
    let direct = t.join("direct.json");
    Command::new(binary())
        .args(["evaluate"])
        .arg(root().join("fixtures/snapshots/neglected-account.json"))
        .arg("-o")
        .arg(format!("json={}", direct.display()))
        .output()
        .unwrap();
    let read = |p: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    assert_eq!(read(&written)["results"], read(&direct)["results"]);
    assert_eq!(read(&written)["summary"], read(&direct)["summary"]);
}
