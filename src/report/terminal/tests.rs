use super::*;

#[test]
fn sequences_are_shown_not_run() {
    assert_eq!(
        escape("a\x1b[2Jb\x1b]0;title\x07c\u{9b}31m\rd\u{202e}e\x7f"),
        "a\\x1b[2Jb\\x1b]0;title\\x07c\\u{9b}31m\\x0dd\\u{202e}e\\x7f"
    );
    assert_eq!(
        escape("tab\tand\nnewline, ünïcode — ↳"),
        "tab\tand\nnewline, ünïcode — ↳"
    );
    assert!(matches!(escape("plain"), Cow::Borrowed(_)));
}

proptest::proptest! {
    #[test]
    fn nothing_unsafe_is_left(s in "\\PC*|[\\x00-\\x20\\x7f-\\u{a0}\\u{2060}-\\u{2070}]*") {
        proptest::prop_assert!(!escape(&s).chars().any(is_unsafe));
    }
}
