//! The policy stage: regorus loads the bundled and user rules, the requirements become `data`,
//! each account of the snapshot becomes `input`, and the rules' verdicts become the outcome table.
//! Pure and deterministic: no AWS access, no clock (`time.now_ns()` is the snapshot's
//! `collected_at`), no randomness; each account's evaluation runs within a time and a memory
//! budget.

mod batch;
pub mod budget;
pub mod builtins;
pub mod bundle;
pub mod capabilities;
pub mod documents;
pub mod engine;
mod groups;
pub mod library;
pub mod loader;
pub mod metadata;
pub mod outcome;
pub mod rego_tests;
pub mod sandbox;
mod verdicts;

pub use engine::Policy;
pub use loader::{DataDocument, RuleFile, RuleSet};
pub use metadata::Severity;
pub use outcome::{Evaluation, Finding, Outcome, RuleInfo, Status};

/// A rule that could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A rule file or directory could not be read.
    #[error("{path}: cannot read rules: {message}")]
    Io {
        /// File or directory.
        path: String,
        /// The OS error.
        message: String,
    },
    /// regorus rejected the Rego (its message carries line and column).
    #[error("{file}: invalid Rego: {message}")]
    Rego {
        /// The file.
        file: String,
        /// regorus' message.
        message: String,
    },
    /// The file breaks the rule contract (package, METADATA, ids, deny shape).
    #[error("{file}:{line}: {message}")]
    Contract {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A rule failed while running (type error, time limit).
    #[error("{file}: rule {rule_id} failed on account {account_id}: {message}")]
    Eval {
        /// The file.
        file: String,
        /// The rule id.
        rule_id: String,
        /// The account being evaluated.
        account_id: String,
        /// regorus' message.
        message: String,
    },
    /// The rules of one account ran past their time budget (`--rule-timeout`).
    #[error(
        "{file}: rule {rule_id} was running on account {account_id} when the account's time budget of \
         {limit_secs}s ran out (--rule-timeout); {started} of {total} rules had started, none is run again"
    )]
    TimeBudget {
        /// The file of the rule that was running.
        file: String,
        /// Its id.
        rule_id: String,
        /// The account being evaluated.
        account_id: String,
        /// The budget, in seconds.
        limit_secs: f64,
        /// How many rules had started on the account.
        started: usize,
        /// How many rules were selected.
        total: usize,
    },
    /// `--only` / `--skip` names a rule that is not loaded.
    #[error("--only/--skip: {0}")]
    Selection(String),
    /// No account is left to evaluate: the snapshot has none, or the requirements' scope
    /// matches none of them. Evaluating nothing would report a vacuous pass.
    #[error("nothing to evaluate: {0}")]
    NothingInScope(String),
}
