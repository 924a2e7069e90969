//! One module per subcommand, each owning its arguments (`Args`) and its `run`.

pub mod activity;
pub mod collect;
pub mod completions;
pub mod config_rule;
pub mod drill;
pub mod evaluate;
pub mod explain_filter;
pub mod remediate;
mod report;
pub mod rules;
pub mod scan;
pub mod schema;
