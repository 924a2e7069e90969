//! `rootwarden completions SHELL` prints a script for each shell, naming the subcommands and
//! flags; bash's parses.

mod support;

use support::rootwarden;

#[test]
fn each_shell_gets_a_script_that_knows_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = rootwarden(&["completions", shell]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{shell}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let script = String::from_utf8_lossy(&o.stdout);
        // fish names long options without their dashes (`-l fail-on`).
        for word in ["scan", "explain-filter", "fail-on", "concurrency"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let o = rootwarden(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_bash_script_parses() {
    let o = rootwarden(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rootwarden.bash");
    std::fs::write(&path, &o.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}
