//! Report formats. Each turns the outcome table into one format; none decides verdicts.

pub mod activity;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write report: {message}")]
pub struct ReportError {
    /// The output path.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Checks up front that every output path can be written (creating parent directories), so a
/// typo fails before any work is done.
pub fn prepare_outputs(specs: &[OutputSpec]) -> Result<(), ReportError> {
    for spec in specs {
        let Some(path) = &spec.path else { continue };
        let err = |m: String| ReportError {
            path: path.display().to_string(),
            message: m,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(format!("cannot create directory {}: {e}", parent.display())))?;
        }
        if path.is_dir() {
            return Err(err("is a directory".into()));
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| err(e.to_string()))?;
    }
    Ok(())
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
        Format::Text => text::render(eval),
        Format::Json => json::render(eval),
        Format::Sarif => sarif::render(eval, &opts.sarif),
        Format::Junit => junit::render(eval),
        Format::ConfigEvaluations => crate::config_rule::evaluations::render(eval),
    }
}

/// Writes every requested output.
pub fn write_outputs(specs: &[OutputSpec], eval: &Evaluation, opts: &ReportOptions) -> Result<(), ReportError> {
    for spec in specs {
        write_to(spec.path.as_deref(), &render(spec.format, eval, opts))?;
    }
    Ok(())
}

/// Writes `body` to `path`, or to stdout when there is none.
pub fn write_to(path: Option<&Path>, body: &str) -> Result<(), ReportError> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(body.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| ReportError {
                    path: "<stdout>".into(),
                    message: e.to_string(),
                })
        }
        Some(p) => std::fs::write(p, body).map_err(|e| ReportError {
            path: p.display().to_string(),
            message: e.to_string(),
        }),
    }
}
