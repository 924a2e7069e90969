//! Questions to the bundled Rego libraries other than the rules' verdicts.

use serde_json::Value as Json;

use super::budget::EvalScope;
use super::engine::{clock_ns, engine_with};
use super::loader::{RuleFile, RuleSet};
use super::verdicts::v_json;
use super::PolicyError;
use crate::requirements::Requirements;
use crate::snapshot::{Account, Snapshot};

/// The bundled Rego libraries (`rules/lib/`, tests left out), for
/// questions other than the rules' verdicts: `rootwarden remediate` asks the monitoring library
/// which links of a chain hold, so a plan fixes exactly what the rules find broken.
pub struct LibraryQuery {
    engine: regorus::Engine,
}

impl LibraryQuery {
    /// Compiles the bundled libraries and the requirements.
    pub fn new(requirements: &Requirements) -> Result<LibraryQuery, PolicyError> {
        let files: Vec<RuleFile> = super::loader::bundled()
            .into_iter()
            .filter(|f| f.path.starts_with("rules/lib/") && !f.path.ends_with("_test.rego"))
            .collect();
        Ok(LibraryQuery {
            engine: engine_with(&RuleSet::from(files), requirements)?,
        })
    }

    /// Adds a document of the caller's to `data` (merged at the top level), for questions about
    /// values that are neither facts nor requirements (e.g. `data.remediate`).
    pub fn add_data(&mut self, doc: Json) -> Result<(), PolicyError> {
        self.engine
            .add_data(regorus::Value::from(doc))
            .map_err(|e| PolicyError::Rego {
                file: "<data>".into(),
                message: e.to_string(),
            })
    }

    /// Evaluates the rule at `path` (e.g. `data.pkg.name`) with `account` of `snapshot` as input,
    /// exactly as the rules see it; undefined comes back as null.
    pub fn eval(&mut self, snapshot: &Snapshot, account: &Account, path: &str) -> Result<Json, PolicyError> {
        self.engine
            .set_input(regorus::Value::from(super::documents::account_input(snapshot, account)));
        let scope = EvalScope::new(&[], &[], &account.account_id).with_clock(clock_ns(snapshot));
        let engine = &mut self.engine;
        let v = scope
            .run(|| engine.eval_rule(path.to_string()))
            .map_err(|e| PolicyError::Eval {
                file: path.to_string(),
                rule_id: path.to_string(),
                account_id: account.account_id.clone(),
                message: e.to_string(),
            })?;
        Ok(v_json(v))
    }
}
