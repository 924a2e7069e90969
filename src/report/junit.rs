//! `-o junit`: one test suite per account, one test case per rule. `fail` is a failure,
//! `not_applicable` is skipped, `insufficient_data` is an error (CI must not read it as green).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::policy::{Evaluation, Status};

/// Renders the JUnit XML report.
pub fn render(eval: &Evaluation) -> String {
    let mut report = Report::new("rootwarden");
    let mut by_account: std::collections::HashMap<&str, Vec<&crate::policy::Outcome>> =
        std::collections::HashMap::new();
    for o in &eval.outcomes {
        by_account.entry(o.account_id.as_str()).or_default().push(o);
    }
    for account in &eval.accounts {
        let mut suite = TestSuite::new(format!("account {account}"));
        suite.add_property(("account_id", account.as_str()));
        suite.add_property(("collected_at", eval.collected_at.as_str()));
        for o in by_account.remove(account.as_str()).unwrap_or_default() {
            let rule = eval.rule_of(o);
            let messages: Vec<String> = o
                .findings
                .iter()
                .map(|f| match &f.region {
                    Some(r) => format!("[{r}] {}", f.message),
                    None => f.message.clone(),
                })
                .collect();
            let evidence = || {
                let details: Vec<serde_json::Value> = o
                    .findings
                    .iter()
                    .map(|f| serde_json::json!({"resource": f.resource, "region": f.region, "evidence": f.evidence}))
                    .collect();
                serde_json::to_string_pretty(&details).unwrap_or_default()
            };
            let status = match o.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(messages.join("; "))
                        .set_type(format!("{} severity", rule.severity().as_str()))
                        .set_description(evidence());
                    s
                }
                Status::NotApplicable => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(messages.join("; "));
                    s
                }
                // An accepted risk does not fail the CI gate; the waiver's reason says why.
                Status::Waived => {
                    let mut s = TestCaseStatus::skipped();
                    let reasons: Vec<String> = o
                        .findings
                        .iter()
                        .filter_map(|f| f.suppression.as_ref())
                        .map(|w| format!("waived until {}: {}", w.expires, w.reason))
                        .collect();
                    s.set_message(format!("{} ({})", messages.join("; "), reasons.join("; ")));
                    s
                }
                Status::InsufficientData => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(messages.join("; "))
                        .set_type("insufficient_data")
                        .set_description(evidence());
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {}", rule.id(), rule.metadata.title), status);
            case.set_classname(format!("rootwarden.{account}"));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    super::measured(|w| report.serialize(w).map_err(std::io::Error::other)).expect("JUnit XML serializes")
}
