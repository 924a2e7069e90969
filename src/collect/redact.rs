//! Keeping secrets out of everything rootwarden prints or writes; see [`crate::redact`].

/// Cuts access key ids in `text` to their last four characters (`…MPLE`) and replaces secret
/// access keys and session tokens: error messages AWS returns can quote them.
pub fn access_key_ids(text: &str) -> String {
    crate::redact::secrets(text).into_owned()
}
