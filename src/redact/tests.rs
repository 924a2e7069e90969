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
