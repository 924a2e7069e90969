//! Runs `test_*` rules of `*_test.rego` files, like `opa test`.

use serde::Serialize;

use super::engine::engine_with;
use super::loader::{classify, RuleFile, RuleKind};
use super::PolicyError;
use crate::requirements::Requirements;

/// The result of one `test_*` rule.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TestResult {
    /// The test file.
    pub file: String,
    /// 1-based line of the test rule.
    pub line: usize,
    /// `package.test_name`.
    pub name: String,
    /// Whether it evaluated to `true`.
    pub passed: bool,
    /// Why it failed (`undefined`, a value other than true, or an evaluation error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// The `test_*` rule heads of a test file, with their lines (each name once).
pub fn test_names(text: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if !l.starts_with("test_") {
            continue;
        }
        let name: String = l
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, i + 1));
        }
    }
    out
}

/// Line coverage of one rule or library file over a test run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileCoverage {
    /// The file.
    pub file: String,
    /// Lines that were evaluated.
    pub covered: usize,
    /// Lines with code that were never evaluated.
    pub not_covered: Vec<u32>,
}

impl FileCoverage {
    /// Covered lines as a percentage of lines with code.
    pub fn percent(&self) -> f64 {
        let total = self.covered + self.not_covered.len();
        if total == 0 {
            100.0
        } else {
            100.0 * self.covered as f64 / total as f64
        }
    }
}

/// The results of a test run, and coverage when asked for.
#[derive(Debug, Clone, Serialize)]
pub struct TestRun {
    /// One result per `test_*` rule.
    pub results: Vec<TestResult>,
    /// Per rule and library file (test files left out), when coverage was requested.
    pub coverage: Option<Vec<FileCoverage>>,
}

/// Runs every test in the test files among `files`, with every rule and library loaded.
pub fn run(files: &[RuleFile]) -> Result<Vec<TestResult>, PolicyError> {
    Ok(run_with(files, false)?.results)
}

/// [`run`], with regorus' line coverage of the rule and library files when `coverage`.
pub fn run_with(files: &[RuleFile], coverage: bool) -> Result<TestRun, PolicyError> {
    let requirements = Requirements::default();
    let mut engine = engine_with(files, &requirements)?;
    engine.set_enable_coverage(coverage);
    let mut results = Vec::new();
    for f in files {
        let RuleKind::Test { package } = classify(f)? else {
            continue;
        };
        for (name, line) in test_names(&f.text) {
            let outcome = engine.eval_rule(format!("data.{package}.{name}"));
            let failure = match outcome {
                Ok(regorus::Value::Bool(true)) => None,
                Ok(regorus::Value::Undefined) => {
                    Some("undefined (a condition in the test body did not hold)".to_string())
                }
                Ok(other) => Some(format!("evaluated to {other}, expected true")),
                Err(e) => Some(format!("error: {e}")),
            };
            results.push(TestResult {
                file: f.path.clone(),
                line,
                name: format!("{package}.{name}"),
                passed: failure.is_none(),
                failure,
            });
        }
    }
    let coverage = if coverage {
        let report = engine.get_coverage_report().map_err(|e| PolicyError::Rego {
            file: "<coverage>".into(),
            message: e.to_string(),
        })?;
        Some(
            report
                .files
                .into_iter()
                .filter(|f| !f.path.ends_with("_test.rego"))
                .map(|f| FileCoverage {
                    file: f.path,
                    covered: f.covered.len(),
                    not_covered: f.not_covered.into_iter().collect(),
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(TestRun { results, coverage })
}
