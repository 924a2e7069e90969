use super::*;

#[test]
fn mfa_kinds_follow_the_serial_number() {
    assert_eq!(
        mfa_kind("arn:aws:iam::222222222222:mfa/root-account-mfa-device"),
        MfaKind::Virtual
    );
    assert_eq!(
        mfa_kind("arn:aws:iam::222222222222:u2f/root/security-key-AAAABBBBCCCCDDDD"),
        MfaKind::Hardware
    );
    assert_eq!(mfa_kind("GAHT12345678"), MfaKind::Hardware);
    // An ARN of another shape is not guessed to be hardware.
    assert_eq!(mfa_kind("arn:aws:iam::222222222222:sms/root"), MfaKind::Unknown);
    assert_eq!(mfa_kind("arn:aws:sts::222222222222:mfa/x"), MfaKind::Unknown);
}

#[test]
fn only_the_last_four_characters_of_an_id_are_kept() {
    assert_eq!(last4("ASCACKCEVSQ6C2EXAMPLE").as_deref(), Some("MPLE"));
    // Never the whole id, and never a shorter or stranger tail.
    assert_eq!(last4("AB"), None);
    assert_eq!(last4("ASCA-\u{1b}[0m"), None);
    assert_eq!(
        Last4::of_key_id("AKIAOLDROOTKEY00AAAA")
            .map(|l| l.to_string())
            .as_deref(),
        Some("AAAA")
    );
}
