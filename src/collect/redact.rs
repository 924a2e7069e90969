//! Keeping secrets out of everything rootwarden prints or writes.

/// Replaces every AWS access key id (`AKIA…`, `ASIA…`, 20 characters) in `text` with `…` and its
/// last four characters, so messages can still be correlated without disclosing the key.
pub fn access_key_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let candidate = bytes.get(i..i + 20).filter(|w| {
            (w.starts_with(b"AKIA") || w.starts_with(b"ASIA") || w.starts_with(b"AROA") || w.starts_with(b"AIDA"))
                && w.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
        let at_boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let ends_cleanly = bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric());
        match candidate {
            Some(w) if at_boundary && ends_cleanly => {
                out.push('…');
                out.push_str(std::str::from_utf8(&w[16..]).expect("ascii"));
                i += 20;
            }
            _ => {
                let ch = text[i..].chars().next().expect("in bounds");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_four_only() {
        assert_eq!(
            access_key_ids("The key AKIAIOSFODNN7EXAMPLE is invalid; ASIAXXXXXXXXXXXXQ7ZD too."),
            "The key …MPLE is invalid; …Q7ZD too."
        );
        assert_eq!(access_key_ids("XAKIAIOSFODNN7EXAMPLE"), "XAKIAIOSFODNN7EXAMPLE");
        assert_eq!(access_key_ids("naïve AKIA short"), "naïve AKIA short");
    }
}
