use super::*;

const SRC: &str = "# METADATA\n# title: T\n# description: D\n# custom:\n#   id: RW-X-1\n#   severity: high\n#   remediation: fix\n#   requires: [cloudtrail]\npackage rootwarden.rules.x\n";

#[test]
fn reads_block_and_fields() {
    let b = find_block(SRC).unwrap();
    assert_eq!(b.line, 1);
    let m = parse_block(&b).unwrap();
    assert_eq!(m.custom.id, "RW-X-1");
    assert_eq!(m.custom.severity, Severity::High);
    assert_eq!(m.custom.requires, vec![Fact::Cloudtrail]);
}

#[test]
fn bad_severity_names_line() {
    let src = SRC.replace("severity: high", "severity: urgent");
    let (line, msg) = parse_block(&find_block(&src).unwrap()).unwrap_err();
    assert_eq!(line, 6, "{msg}");
    assert!(msg.contains("custom.severity"), "{msg}");
}

#[test]
fn no_block() {
    assert!(find_block("package a\n").is_none());
}
