//! Report formats. Each turns the outcome table into one format; none decides verdicts.

pub mod activity;
pub mod json;
pub mod junit;
pub mod output;
pub mod sarif;
pub mod terminal;
pub mod text;

use std::path::PathBuf;

use crate::policy::Evaluation;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable table per account.
    Text,
    /// Machine-readable findings and summary.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// JUnit XML for CI test reports.
    Junit,
    /// AWS Config evaluations (PutEvaluations' shape), one per rule and account plus a roll-up.
    ConfigEvaluations,
}

impl Format {
    /// The name `-o` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::ConfigEvaluations => "config-evaluations",
        }
    }

    fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "junit" => Some(Format::Junit),
            "config-evaluations" => Some(Format::ConfigEvaluations),
            _ => None,
        }
    }
}

/// Splits `-o FORMAT[=PATH]` into the format name and the path (`None`, or `-`, for stdout).
pub fn split_output(s: &str) -> Result<(&str, Option<PathBuf>), String> {
    match s.split_once('=') {
        Some((n, "")) => Err(format!("`{n}=` needs a path after '='")),
        Some((n, "-")) => Ok((n, None)),
        Some((n, p)) => Ok((n, Some(PathBuf::from(p)))),
        None => Ok((s, None)),
    }
}

/// One `-o FORMAT[=PATH]` request; no path means stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The format.
    pub format: Format,
    /// Where to write; `None` (or `-`) for stdout.
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for OutputSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, path) = split_output(s)?;
        let format = Format::parse(name).ok_or_else(|| {
            format!("unknown output format {name:?}; expected text, json, sarif, junit or config-evaluations")
        })?;
        Ok(OutputSpec { format, path })
    }
}

/// Options that only some formats use.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// SARIF options.
    pub sarif: sarif::SarifOptions,
}

/// Renders `eval` in `format`.
pub fn render(format: Format, eval: &Evaluation, opts: &ReportOptions) -> String {
    match format {
        Format::Text => terminal::escape(&text::render(eval)).into_owned(),
        Format::Json => json::render(eval),
        Format::Sarif => sarif::render(eval, &opts.sarif),
        Format::Junit => junit::render(eval),
        Format::ConfigEvaluations => crate::config_rule::evaluations::render(eval),
    }
}
