//! Keeping secrets out of everything rootwarden prints or writes.
//!
//! Free text copied from AWS — CloudTrail's `userAgent`, error messages and codes, request
//! parameters, API error messages — can carry credentials: a key id pasted into a user agent, a
//! secret or a session token in a failed call's parameters. [`secrets`] rewrites such text before
//! it reaches any output (JSON, HTML, text, a snapshot): access key ids keep their last four
//! characters (`…MPLE`), so events can still be told apart; secret access keys and session tokens
//! are replaced whole.

use std::borrow::Cow;

use crate::snapshot::{Activity, RootEvent};

/// Prefixes of AWS access key ids (`AKIA` long-term, `ASIA` temporary, `ABIA` and `ACCA`) and
/// of the user and role ids that name a principal (`AIDA`, `AROA`).
const KEY_ID_PREFIXES: [&[u8; 4]; 6] = [b"AKIA", b"ASIA", b"ABIA", b"ACCA", b"AIDA", b"AROA"];

/// What replaces a secret access key.
pub const SECRET: &str = "[redacted secret]";
/// What replaces a session token (or any long credential-like run of base64).
pub const TOKEN: &str = "[redacted token]";

/// A secret access key is 40 characters of base64 (`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`).
const SECRET_LEN: usize = 40;
/// Session tokens are hundreds of characters of base64; anything this long is treated as one.
const TOKEN_MIN_LEN: usize = 100;

/// `text` with access key ids cut to their last four characters and secret access keys and
/// session tokens replaced; borrowed when there was nothing to redact.
pub fn secrets(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(len) = run_len(&bytes[i..]) else {
            i += 1;
            continue;
        };
        let run = &text[i..i + len];
        if let Some(replacement) = redact_run(run) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(&replacement);
            copied = i + len;
        }
        i += len;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Redacts `s` in place.
pub fn string(s: &mut String) {
    if let Cow::Owned(r) = secrets(s) {
        *s = r;
    }
}

/// Redacts an optional string in place.
pub fn option(s: &mut Option<String>) {
    if let Some(s) = s {
        string(s);
    }
}

/// Redacts every free-text field of a root event (all of them come from CloudTrail).
pub fn root_event(e: &mut RootEvent) {
    for s in [&mut e.event_id, &mut e.region, &mut e.event_source, &mut e.event_name] {
        string(s);
    }
    for s in [
        &mut e.source_ip,
        &mut e.user_agent,
        &mut e.error_code,
        &mut e.sign_in_result,
        &mut e.access_key_last4,
    ] {
        option(s);
    }
}

/// Redacts an account's activity section: its events, error messages and service names.
pub fn activity(a: &mut Activity) {
    a.events.iter_mut().for_each(root_event);
    for e in &mut a.errors {
        string(&mut e.error_code);
        string(&mut e.message);
        option(&mut e.region);
    }
    if a.service_events.keys().any(|k| matches!(secrets(k), Cow::Owned(_))) {
        let counts = std::mem::take(&mut a.service_events);
        for (k, n) in counts {
            *a.service_events.entry(secrets(&k).into_owned()).or_default() += n;
        }
    }
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn is_escape(s: &[u8]) -> bool {
    s.len() >= 3 && s[0] == b'%' && s[1].is_ascii_hexdigit() && s[2].is_ascii_hexdigit()
}

/// The length of the run of base64 (URL-escaped or not, `=` padding at its end) that starts at
/// `s[0]` and does not continue a word; `None` when none starts there.
fn run_len(s: &[u8]) -> Option<usize> {
    let mut n = 0;
    while n < s.len() {
        if is_b64(s[n]) {
            n += 1;
        } else if is_escape(&s[n..]) {
            n += 3;
        } else {
            break;
        }
    }
    if n == 0 {
        return None;
    }
    while n < s.len() && s[n] == b'=' {
        n += 1;
    }
    Some(n)
}

/// What a maximal run of base64 becomes, if it holds a secret.
fn redact_run(run: &str) -> Option<String> {
    let b = run.as_bytes();
    let decoded_len = b.len() - 2 * b.iter().filter(|&&c| c == b'%').count();
    let mixed = |s: &[u8]| {
        s.iter().any(u8::is_ascii_uppercase) && s.iter().any(u8::is_ascii_lowercase) && s.iter().any(u8::is_ascii_digit)
    };
    if decoded_len >= TOKEN_MIN_LEN && mixed(b) {
        return Some(TOKEN.to_string());
    }
    if b.len() == SECRET_LEN && b.iter().all(|&c| is_b64(c)) && mixed(b) {
        return Some(SECRET.to_string());
    }
    // Key ids: the alphanumeric pieces of the run (between `/`, `+`, `=` and escapes).
    let mut out = String::new();
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let piece = &run[start..i];
        if is_key_id(piece.as_bytes()) {
            out.push('…');
            out.push_str(&piece[piece.len() - 4..]);
            changed = true;
        } else {
            out.push_str(piece);
        }
        let sep = if is_escape(&b[i..]) {
            3
        } else {
            usize::from(i < b.len())
        };
        out.push_str(&run[i..i + sep]);
        i += sep;
    }
    changed.then_some(out)
}

fn is_key_id(piece: &[u8]) -> bool {
    (16..=128).contains(&piece.len())
        && KEY_ID_PREFIXES.iter().any(|p| piece.starts_with(*p))
        && piece.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDxPNZtKg7ekNqB5Yb0sEkD1Zc3Vx7nXl3lrYCdVrX0TwIgSJ9pxJv2YhW8mVw5g8nB2Rv0bqgQ0c3MAb7Cq2HCrJ8q6wIIQxAAGgwxMTExMjIyMjMzMzMiDE6wzxPmGCX2X9qYvyrIAjx7SkWu3Y5zGJQ9cc5EXAMPLE==";

    #[test]
    fn key_ids_keep_their_last_four() {
        assert_eq!(
            secrets("The key AKIAIOSFODNN7EXAMPLE is invalid; ASIAXXXXXXXXXXXXQ7ZD too."),
            "The key …MPLE is invalid; …Q7ZD too."
        );
        assert_eq!(
            secrets("role AROADBQP57FF2AEXAMPLE"),
            "role …MPLE",
            "21-character ids too"
        );
        assert_eq!(secrets("path /x/AKIAIOSFODNN7EXAMPLE/y"), "path /x/…MPLE/y");
        assert_eq!(secrets("k=AKIAIOSFODNN7EXAMPLE&"), "k=…MPLE&");
        assert_eq!(
            secrets("XAKIAIOSFODNN7EXAMPLE"),
            "XAKIAIOSFODNN7EXAMPLE",
            "not a key id"
        );
        assert_eq!(secrets("naïve AKIA short"), "naïve AKIA short");
    }

    #[test]
    fn secrets_and_session_tokens_are_replaced_whole() {
        assert_eq!(
            secrets("aws-cli/2.15 secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end"),
            "aws-cli/2.15 secret=[redacted secret] end"
        );
        assert_eq!(
            secrets(&format!("token {SESSION_TOKEN}; next")),
            "token [redacted token]; next"
        );
        let escaped = SESSION_TOKEN.replace('/', "%2F").replace('=', "%3D");
        assert_eq!(
            secrets(&format!("X-Amz-Security-Token={escaped}&X-Amz-Date=20260301")),
            "X-Amz-Security-Token=[redacted token]&X-Amz-Date=20260301"
        );
        assert_eq!(
            secrets("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "…MPLE:[redacted secret]"
        );
    }

    #[test]
    fn ordinary_text_is_left_alone_and_borrowed() {
        for text in [
            "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/s3.ls",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
            "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
            "3f786850e387550fdab836ed7e6dc881de23001b",
            "7e2a1f5c-9d0b-4c1e-8a8f-2b6e7d4c9a01",
            "AccessDenied",
            "",
        ] {
            assert!(matches!(secrets(text), Cow::Borrowed(_)), "{text}");
        }
    }

    proptest::proptest! {
        /// Redacting never panics (any UTF-8), is idempotent, and leaves no key id whole.
        #[test]
        fn redaction_is_total_and_idempotent(prefix in ".{0,40}", key in "AKIA[A-Z0-9]{16}", suffix in ".{0,40}") {
            let text = format!("{prefix} {key} {suffix}");
            let once = secrets(&text).into_owned();
            proptest::prop_assert!(!once.contains(&key), "{once}");
            proptest::prop_assert_eq!(secrets(&once).into_owned(), once.clone());
        }
    }
}
