//! What this binary is: its version, the commit it was built from and the digest of the rules
//! compiled into it (recorded by `build.rs`). `rootwarden --version` prints them, and reports
//! can show them so a result can be traced to the exact rules that produced it.

/// The crate version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit (12 hex digits) the binary was built from, or `unknown`.
pub const GIT_COMMIT: &str = env!("ROOTWARDEN_GIT_COMMIT");

/// The target triple the binary was built for, e.g. `x86_64-unknown-linux-musl`.
pub const TARGET: &str = env!("ROOTWARDEN_TARGET");

/// `-V`: the version and the commit.
pub const SHORT_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ROOTWARDEN_GIT_COMMIT"), ")");

/// `--version`: version, commit, rules digest and target, one per line.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("ROOTWARDEN_GIT_COMMIT"),
    "\nrules:  sha256:",
    env!("ROOTWARDEN_RULES_DIGEST"),
    "\ntarget: ",
    env!("ROOTWARDEN_TARGET"),
);

/// The sha256 digest (64 lowercase hex digits) of the bundled rule files: sha256 of the
/// `sha256sum` listing of `rules/**/*.rego` in byte order of their paths, so it can be
/// recomputed from a checkout with
/// `find rules -name '*.rego' | LC_ALL=C sort | xargs sha256sum | sha256sum`.
pub fn rules_digest() -> &'static str {
    env!("ROOTWARDEN_RULES_DIGEST")
}
