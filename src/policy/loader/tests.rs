use super::*;

#[test]
fn digest_names_the_rule_contents_not_their_order_or_tests() {
    let files = bundled();
    let d = digest(&files);
    assert!(d.starts_with("sha256:") && d.len() == 7 + 64, "{d}");
    let mut reversed = files.clone();
    reversed.reverse();
    assert_eq!(digest(&reversed), d, "order of loading does not matter");
    let without_tests: Vec<RuleFile> = files
        .iter()
        .filter(|f| !f.path.ends_with("_test.rego"))
        .cloned()
        .collect();
    assert_eq!(digest(&without_tests), d, "test files are not part of the rules");
    let mut edited = files.clone();
    let rule = edited.iter_mut().find(|f| f.path == "rules/root_mfa.rego").unwrap();
    rule.text.push_str("\n# a comment changes the rules' text\n");
    assert_ne!(digest(&edited), d);
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
