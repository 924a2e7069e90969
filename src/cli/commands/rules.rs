//! `rootwarden rules list | show | test | input | capabilities | new`: rule metadata for people,
//! the rules' own tests, the documents the rules see, the OPA capabilities document and a rule
//! scaffold.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use rootwarden::outln;
use rootwarden::policy::outcome::RuleInfo;
use rootwarden::policy::rego_tests::{self, TestRun};
use rootwarden::policy::{documents, Policy};
use rootwarden::requirements::Requirements;

use rootwarden::report::output::{Output, OutputFormat, OutputPlan, TextOrJson};

use crate::cli::args::{RequirementsArg, RuleDirs, RuleFilter};
use crate::cli::Outcome;

/// List, show or test rules.
#[derive(Subcommand)]
pub enum Args {
    /// List the rules: id, severity, title, CIS and Security Hub mappings, source file.
    List {
        #[command(flatten)]
        dirs: RuleDirs,
        #[command(flatten)]
        filter: RuleFilter,
        /// Output FORMAT[=PATH]: text (a table, the default) or json.
        #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]", default_value = "text")]
        output: Output<TextOrJson>,
    },
    /// Show one rule: metadata, description, remediation, mappings, source.
    Show {
        /// The rule id, e.g. RW-ROOT-001.
        id: String,
        #[command(flatten)]
        dirs: RuleDirs,
    },
    /// Run every `test_*` rule in `*_test.rego` files of the bundled rules (unless
    /// --no-builtin-rules) and of every --rules directory or bundle.
    Test {
        #[command(flatten)]
        dirs: RuleDirs,
        /// Print line coverage of the rule and library files (regorus' coverage report).
        #[arg(long)]
        coverage: bool,
    },
    /// Write, per account of a snapshot, the exact `input` and `data` documents the rules see,
    /// for `opa eval` and editor tooling: `-o json=DIR` writes DIR/ACCOUNT/input.json and
    /// DIR/ACCOUNT/data.json; `-o json` prints `{ACCOUNT: {"input", "data"}}`.
    Input {
        /// The snapshot.
        snapshot: PathBuf,
        /// Only this account.
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        #[command(flatten)]
        requirements: RequirementsArg,
        /// Output json[=DIR]: to stdout, or one directory per account under DIR.
        #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]", default_value = "json")]
        output: Output<DocumentsFormat>,
    },
    /// Print an OPA capabilities JSON declaring rootwarden's builtins, for `opa check
    /// --capabilities` and Rego linters.
    Capabilities {
        /// An OPA capabilities document (`opa capabilities --current`) to complete: rootwarden's
        /// builtins are added and what rootwarden does not provide is removed.
        #[arg(long, value_name = "FILE")]
        base: Option<PathBuf>,
    },
    /// Write a new rule and its test from a template into a directory.
    New {
        /// The rule name: lower case letters, digits and `_` (the package is
        /// rootwarden.rules.NAME).
        name: String,
        /// Where to write NAME.rego and NAME_test.rego.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The rule id for METADATA (default: the name in upper case).
        #[arg(long)]
        id: Option<String>,
    },
}

/// Runs `rootwarden rules …`; `test` is Findings when a test failed or none ran.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args {
        Args::List { dirs, filter, output } => {
            let mut outputs = OutputPlan::new();
            outputs.add_outputs(std::slice::from_ref(&output), TextOrJson::Text, |f| f)?;
            let set = dirs.set()?;
            dirs.refuse_as_outputs(&outputs, &set)?;
            let policy = filter.policy(&set, &Requirements::default())?;
            let rules: Vec<_> = policy.rules().collect();
            outputs.commit(|f| list(&rules, *f))?;
            Ok(Outcome::Clean)
        }
        Args::Show { id, dirs } => {
            let policy = Policy::load_set(&dirs.set()?, &Requirements::default())?;
            let rule = policy
                .rules()
                .find(|r| r.id() == id)
                .ok_or_else(|| anyhow::anyhow!("no loaded rule has id {id}; `rootwarden rules list` shows them"))?;
            rootwarden::out!("{}", show(rule));
            Ok(Outcome::Clean)
        }
        Args::New { name, dir, id } => {
            for path in scaffold(&name, id.as_deref(), &dir)? {
                outln!("wrote {}", path.display());
            }
            Ok(Outcome::Clean)
        }
        Args::Test { dirs, coverage } => Ok(print_test_run(&rego_tests::run_set(&dirs.set()?, coverage)?)),
        Args::Input {
            snapshot,
            account,
            requirements,
            output,
        } => {
            let requirements = requirements.load()?;
            let snapshot = rootwarden::input::load_snapshot(&snapshot)?;
            let docs = documents::account_documents(&snapshot, &requirements.requirements, account.as_deref())?;
            match &output.path {
                Some(dir) => {
                    for path in documents::write(dir, &docs)? {
                        outln!("wrote {}", path.display());
                    }
                }
                None => {
                    let all: serde_json::Map<String, serde_json::Value> = docs
                        .into_iter()
                        .map(|d| (d.account_id, serde_json::json!({"input": d.input, "data": d.data})))
                        .collect();
                    let mut text = serde_json::to_string_pretty(&all)?;
                    text.push('\n');
                    rootwarden::report::output::stdout(&text);
                }
            }
            Ok(Outcome::Clean)
        }
        Args::Capabilities { base } => {
            rootwarden::report::output::stdout(&capabilities(base.as_deref())?);
            Ok(Outcome::Clean)
        }
    }
}

/// The format of `rules input`: JSON, the documents as OPA reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentsFormat {
    /// `input` and `data` per account.
    Json,
}

impl OutputFormat for DocumentsFormat {
    const KIND: &'static str = "format of rules input";
    const ALL: &'static [DocumentsFormat] = &[DocumentsFormat::Json];
    fn name(self) -> &'static str {
        "json"
    }
}

/// The rule list: a table (id, severity, title, CIS, Security Hub, source) or JSON.
fn list(rules: &[&RuleInfo], format: TextOrJson) -> String {
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    match format {
        TextOrJson::Json => {
            let rows: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id(),
                        "severity": r.severity(),
                        "title": r.metadata.title,
                        "cis": r.metadata.custom.cis,
                        "aws_security_hub": r.metadata.custom.aws_security_hub,
                        "requires": r.metadata.custom.requires,
                        "file": r.file,
                        "line": r.line,
                        "origin": r.origin,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            s
        }
        TextOrJson::Text => {
            let rows: Vec<[String; 6]> = rules
                .iter()
                .map(|r| {
                    [
                        r.id().to_string(),
                        r.severity().as_str().to_string(),
                        r.metadata.title.clone(),
                        list(&r.metadata.custom.cis),
                        list(&r.metadata.custom.aws_security_hub),
                        r.file.clone(),
                    ]
                    // Titles and paths come from rule files: shown, never run by the terminal.
                    .map(|cell| rootwarden::report::terminal::escape(&cell).into_owned())
                })
                .collect();
            let header = ["ID", "SEVERITY", "TITLE", "CIS", "SECURITY HUB", "SOURCE"].map(String::from);
            let mut widths = [0usize; 6];
            for row in std::iter::once(&header).chain(&rows) {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let mut s = String::new();
            for row in std::iter::once(&header).chain(&rows) {
                let mut line = String::new();
                for (i, cell) in row.iter().enumerate() {
                    if i + 1 == row.len() {
                        line.push_str(cell);
                    } else {
                        let pad = widths[i] - cell.chars().count();
                        let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
                    }
                }
                let _ = writeln!(s, "{}", line.trim_end());
            }
            s
        }
    }
}

/// A rule's metadata as text.
fn show(r: &RuleInfo) -> String {
    let m = &r.metadata;
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", r.id(), m.title);
    let _ = writeln!(s, "severity:     {}", r.severity().as_str());
    let _ = writeln!(s, "package:      {}", r.package);
    let _ = writeln!(s, "source:       {}:{}", r.file, r.line);
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    let _ = writeln!(s, "CIS:          {}", list(&m.custom.cis));
    let _ = writeln!(s, "Security Hub: {}", list(&m.custom.aws_security_hub));
    let requires: Vec<&str> = m.custom.requires.iter().map(|f| f.as_str()).collect();
    let _ = writeln!(
        s,
        "requires:     {}",
        if requires.is_empty() {
            "-".into()
        } else {
            requires.join(", ")
        }
    );
    let _ = writeln!(s, "\n{}\n", m.description.trim());
    let _ = writeln!(s, "Remediation: {}", m.custom.remediation.trim());
    s
}

/// Writes NAME.rego and NAME_test.rego into `dir`; refuses to overwrite.
fn scaffold(name: &str, id: Option<&str>, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let valid = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        bail!("rule name {name:?}: use lower case letters, digits and `_`, starting with a letter (it becomes package rootwarden.rules.{name})");
    }
    let id = id.map_or_else(|| name.to_uppercase().replace('_', "-"), str::to_string);
    let rule = dir.join(format!("{name}.rego"));
    let test = dir.join(format!("{name}_test.rego"));
    for p in [&rule, &test] {
        if p.exists() {
            bail!("{}: already exists; not overwriting", p.display());
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
    let fill = |t: &str| t.replace("NAME", name).replace("RULE-ID", &id);
    std::fs::write(&rule, fill(RULE_TEMPLATE)).with_context(|| format!("{}: cannot write", rule.display()))?;
    std::fs::write(&test, fill(TEST_TEMPLATE)).with_context(|| format!("{}: cannot write", test.display()))?;
    Ok(vec![rule, test])
}

const RULE_TEMPLATE: &str = r#"# METADATA
# title: Root has no console password in member accounts
# description: >-
#   Say what the control is and why it matters. This template fails a member account whose
#   root user still has a console password (the credential report's password_enabled).
# custom:
#   id: RULE-ID
#   severity: medium
#   remediation: >-
#     Say how to fix a failure, e.g. remove the password with sts:AssumeRoot and the
#     IAMDeleteRootUserCredentials task policy.
#   requires: [credential_report]
package rootwarden.rules.NAME

import rego.v1

root := input.account.iam.credential_report.root

deny contains {
	"account_id": input.account.account_id,
	"resource": sprintf("arn:%s:iam::%s:root", [input.account.partition, input.account.account_id]),
	"message": sprintf("The root user of member account %s has a console password.", [input.account.account_id]),
	"evidence": {"password_enabled": root.password_enabled},
} if {
	input.account.role == "member"
	root.password_enabled == true
}

not_applicable contains "Only member accounts are judged." if input.account.role != "member"
"#;

const TEST_TEMPLATE: &str = r#"package rootwarden.rules.NAME_test

import rego.v1

import data.rootwarden.rules.NAME as rule

account(role, password) := {
	"account_id": "123456789012",
	"partition": "aws",
	"role": role,
	"iam": {"credential_report": {"root": {"password_enabled": password}}},
}

test_member_with_password_fails if {
	inp := {"account": account("member", true)}
	count(rule.deny) == 1 with input as inp
}

test_member_without_password_passes if {
	inp := {"account": account("member", false)}
	count(rule.deny) == 0 with input as inp
}

test_standalone_is_not_applicable if {
	inp := {"account": account("standalone", true)}
	count(rule.not_applicable) == 1 with input as inp
}
"#;

/// The OPA capabilities document to print: rootwarden's builtins alone, or `base` (an OPA
/// capabilities file) completed with them.
fn capabilities(base: Option<&Path>) -> anyhow::Result<String> {
    let doc = match base {
        None => rootwarden::policy::capabilities::document(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            let base: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
            rootwarden::policy::capabilities::merged(&base).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
    };
    Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?))
}

/// Prints one line per test (and coverage); exit 1 when any test failed or none ran.
fn print_test_run(run: &TestRun) -> Outcome {
    for r in &run.results {
        if r.passed {
            outln!("PASS {}", r.name);
        } else {
            outln!(
                "FAIL {} ({}:{}): {}",
                r.name,
                r.file,
                r.line,
                r.failure.as_deref().unwrap_or("")
            );
        }
    }
    let failed = run.results.iter().filter(|r| !r.passed).count();
    if let Some(files) = &run.coverage {
        outln!("\ncoverage:");
        for f in files {
            let missing = if f.not_covered.is_empty() {
                String::new()
            } else {
                let lines: Vec<String> = f.not_covered.iter().map(u32::to_string).collect();
                format!("  not covered: lines {}", lines.join(", "))
            };
            outln!("  {:>5.1}%  {}{missing}", f.percent(), f.file);
        }
    }
    outln!("\n{} passed, {failed} failed", run.results.len() - failed);
    if failed == 0 && !run.results.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    }
}
