//! rootwarden: prove the AWS root user of every account is locked away, unused and watched.
//!
//! The one flow is collect → snapshot → evaluate → report. This library holds the snapshot
//! model ([`snapshot`]), the requirements ([`requirements`]), the Rego policy engine
//! ([`policy`]) and the report formats ([`report`]).

pub mod activity;
pub mod arn;
pub mod aws;
pub mod build_info;
pub mod canonical_events;
pub mod collect;
pub mod config_rule;
pub mod drill;
pub mod event_pattern;
pub mod filter_pattern;
pub mod input;
pub mod policy;
pub mod progress;
pub mod redact;
pub mod remediate;
pub mod report;
pub mod requirements;
pub mod schema;
pub mod snapshot;
