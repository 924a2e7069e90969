//! Runs `test_*` rules of `*_test.rego` files, like `opa test`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::engine::engine_with;
use super::loader::{classify, RuleFile, RuleKind, RuleSet};
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

/// The `test_*` rules of every test file loaded in `engine`, in file order then line order:
/// (file, package, name, line). Two definitions of one test are an error: Rego would merge
/// them into one rule that passes when either body holds, so a failing duplicate would pass
/// silently.
fn tests_in(engine: &mut regorus::Engine, set: &RuleSet) -> Result<Vec<(String, String, String, usize)>, PolicyError> {
    use regorus::unstable::{Parser, Rule, RuleHead};
    let mut by_file: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    let mut seen: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
    for module in engine.get_modules() {
        let file = module.package.span.source.get_path().clone();
        if !file.ends_with("_test.rego") {
            continue;
        }
        let package = Parser::get_path_ref_components(&module.package.refr)
            .map_err(|e| PolicyError::Rego {
                file: file.clone(),
                message: e.to_string(),
            })?
            .iter()
            .map(|c| c.text().to_string())
            .collect::<Vec<_>>()
            .join(".");
        for rule in &module.policy {
            let Rule::Spec {
                head: RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. },
                span,
                ..
            } = rule.as_ref()
            else {
                continue;
            };
            let components = Parser::get_path_ref_components(refr).map_err(|e| PolicyError::Rego {
                file: file.clone(),
                message: e.to_string(),
            })?;
            let [name] = components.as_slice() else {
                continue;
            };
            let name = name.text().to_string();
            if !name.starts_with("test_") {
                continue;
            }
            let line = span.line as usize;
            if let Some((other, other_line)) = seen.insert((package.clone(), name.clone()), (file.clone(), line)) {
                return Err(PolicyError::Contract {
                    file: file.clone(),
                    line,
                    message: format!(
                        "test {package}.{name} is already defined at {other}:{other_line}; Rego would merge the \
                         two into one test that passes when either passes, so give each test its own name"
                    ),
                });
            }
            by_file.entry(file.clone()).or_default().push((name, line));
        }
    }
    let mut out = Vec::new();
    for f in &set.files {
        let RuleKind::Test { package } = classify(f)? else {
            continue;
        };
        let mut names = by_file.remove(&f.path).unwrap_or_default();
        names.sort_by_key(|(_, line)| *line);
        out.extend(
            names
                .into_iter()
                .map(|(name, line)| (f.path.clone(), package.clone(), name, line)),
        );
    }
    Ok(out)
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
    run_set(&RuleSet::from(files.to_vec()), coverage)
}

/// Runs every test of `set` with its rules, libraries and data loaded, and the default
/// requirements; the same sources are refused as by `evaluate` (a bundled rule loaded twice, a
/// user file in the bundled namespace).
pub fn run_set(set: &RuleSet, coverage: bool) -> Result<TestRun, PolicyError> {
    let requirements = Requirements::default();
    let mut engine = engine_with(set, &requirements)?;
    engine.set_enable_coverage(coverage);
    let mut results = Vec::new();
    for (file, package, name, line) in tests_in(&mut engine, set)? {
        let outcome = engine.eval_rule(format!("data.{package}.{name}"));
        let failure = match outcome {
            Ok(regorus::Value::Bool(true)) => None,
            Ok(regorus::Value::Undefined) => Some("undefined (a condition in the test body did not hold)".to_string()),
            Ok(other) => Some(format!("evaluated to {other}, expected true")),
            Err(e) => Some(format!("error: {e}")),
        };
        results.push(TestResult {
            file,
            line,
            name: format!("{package}.{name}"),
            passed: failure.is_none(),
            failure,
        });
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
