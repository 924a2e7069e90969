//! How outcomes read for people, shared by the text and HTML reports: status words, the order
//! that puts what needs action first, counts as sentences, plurals.

use crate::policy::outcome::Counts;
use crate::policy::{Severity, Status};

/// Severities from the most to the least severe.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// A status in words.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Waived => "waived",
        Status::NotApplicable => "not applicable",
        Status::InsufficientData => "insufficient data",
    }
}

/// Sort key: fail, insufficient data, waived, not applicable, pass.
pub fn status_rank(s: Status) -> usize {
    match s {
        Status::Fail => 0,
        Status::InsufficientData => 1,
        Status::Waived => 2,
        Status::NotApplicable => 3,
        Status::Pass => 4,
    }
}

/// "3 controls: 1 failing, 1 passing, 1 not applicable."
pub fn counts_sentence(c: &Counts) -> String {
    let mut parts = Vec::new();
    if c.fail > 0 {
        parts.push(format!("{} failing", c.fail));
    }
    parts.extend(beyond_failing(c));
    let total = c.fail + c.insufficient_data + c.waived + c.pass + c.not_applicable;
    format!("{}: {}.", plural(total, "control", "controls"), parts.join(", "))
}

/// The counts after the failing one, as the reports word them: "2 with insufficient data",
/// "1 waived", "5 passing" (always), "3 not applicable"; the zero ones left out.
pub fn beyond_failing(c: &Counts) -> Vec<String> {
    let mut parts = Vec::new();
    if c.insufficient_data > 0 {
        parts.push(format!("{} with insufficient data", c.insufficient_data));
    }
    if c.waived > 0 {
        parts.push(format!("{} waived", c.waived));
    }
    parts.push(format!("{} passing", c.pass));
    if c.not_applicable > 0 {
        parts.push(format!("{} not applicable", c.not_applicable));
    }
    parts
}

/// `n thing` or `n things`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_sentences() {
        let mut c = Counts::default();
        c.add(Status::Pass);
        assert_eq!(counts_sentence(&c), "1 control: 1 passing.");
        c.add(Status::Fail);
        c.add(Status::NotApplicable);
        assert_eq!(
            counts_sentence(&c),
            "3 controls: 1 failing, 1 passing, 1 not applicable."
        );
        assert_eq!(plural(0, "error", "errors"), "0 errors");
    }
}
