//! Text meant for a terminal. Snapshot strings (trail, log group, alarm names, credential report
//! cells), rule titles and messages, CloudTrail fields and file names are input, and an escape
//! sequence in one of them would be run by the terminal that shows the text report: clear the
//! screen, rewrite earlier lines, set the window title, plant a hyperlink. So every control
//! character but newline and tab, and every bidirectional override, is shown escaped instead.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a terminal would act on `c` rather than show it: C0 controls other than newline and
/// tab (ESC starts CSI and OSC sequences, CR rewrites the line, BEL ends OSC), DEL, the C1
/// controls (U+0080 to U+009F, CSI and OSC among them), and the bidirectional embeddings,
/// overrides and isolates that reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each unsafe character written as an escape (`\x1b`, `\u{9b}`), visible and
/// inert; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
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
}
