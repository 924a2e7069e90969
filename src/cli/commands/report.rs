//! What `scan` and `evaluate` share: the report flags, the outputs planned before any work,
//! evaluation and the exit outcome.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use rootwarden::input::SnapshotStream;
use rootwarden::policy::{loader, Evaluation, Policy, Severity, Status};
use rootwarden::report::output::OutputPlan;
use rootwarden::report::provenance::{DocumentRef, Provenance};
use rootwarden::report::{self, OutputSpec};
use rootwarden::requirements::Requirements;
use rootwarden::snapshot::Snapshot;

use crate::cli::args::{FailPolicy, RequirementsArg, RuleSelection};
use crate::cli::Outcome;

/// The rules, requirements, outputs and fail policy of a report.
#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    requirements: RequirementsArg,
    #[command(flatten)]
    selection: RuleSelection,
    /// Output FORMAT[=PATH] (repeatable): text, json, sarif, junit, config-evaluations, html
    /// (a self-contained page), inventory (root users as CSV), inventory-json.
    /// Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<OutputSpec>,
    /// Text report: list passing and not-applicable controls too (otherwise counted per account).
    #[arg(long)]
    show_passed: bool,
    /// Text report: show only outcomes with these statuses (the exit code and the other formats
    /// still count every outcome).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS,...")]
    status: Vec<StatusArg>,
    /// Text report: show only controls of these severities.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SEVERITY,...")]
    severity: Vec<SeverityArg>,
    /// Colour the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
    #[command(flatten)]
    fail: FailPolicy,
    /// SARIF `automationDetails.id` (category), to upload several slices side by side.
    #[arg(long, value_name = "ID")]
    sarif_category: Option<String>,
    /// A repository path every SARIF result points at (default: the rule's own file).
    #[arg(long, value_name = "PATH")]
    sarif_artifact: Option<String>,
    /// A validation record of `rootwarden drill -o json=FILE` (repeatable): the HTML and text
    /// reports show it, and its measured seconds to action feed time to notify.
    #[arg(long = "drill", value_name = "FILE")]
    drills: Vec<PathBuf>,
}

/// A severity named on the command line.
#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// An outcome status named on the command line (as the JSON report writes it).
#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Fail,
    #[value(name = "insufficient_data", alias = "insufficient-data")]
    InsufficientData,
    Waived,
    #[value(name = "not_applicable", alias = "not-applicable")]
    NotApplicable,
    Pass,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Status {
        match s {
            StatusArg::Fail => Status::Fail,
            StatusArg::InsufficientData => Status::InsufficientData,
            StatusArg::Waived => Status::Waived,
            StatusArg::NotApplicable => Status::NotApplicable,
            StatusArg::Pass => Status::Pass,
        }
    }
}

/// When to colour the text report.
#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// What one output of `evaluate` or `scan` holds.
enum Out {
    /// A report in a format, and whether it goes to standard output (colour on a terminal).
    Report(report::Format, bool),
    Snapshot,
}

/// Everything `evaluate` and `scan` need before any work: outputs checked, requirements and
/// rules loaded, so bad input fails before a long collection.
pub struct Prepared {
    outputs: OutputPlan<Out>,
    policy: Policy,
    requirements: Requirements,
    /// Where the report came from (rules, requirements, snapshot), for the formats that say.
    pub provenance: Provenance,
    opts: report::ReportOptions,
    fail: FailPolicy,
    drills: Vec<report::drill::LoadedDrill>,
}

impl ReportArgs {
    /// Plans the report outputs (and `--snapshot-out`), refusing any that is an input: the
    /// requirements, a rule file (or a `*.rego` a --rules walk would read), `snapshot`.
    pub fn prepare(&self, snapshot: Option<&Path>, snapshot_out: Option<&PathBuf>) -> anyhow::Result<Prepared> {
        let mut outputs = OutputPlan::new();
        for o in &self.outputs {
            outputs.add(
                Out::Report(o.format, o.path.is_none()),
                format!("-o {}", o.format.as_str()),
                o.path.as_deref(),
            )?;
        }
        if outputs.is_empty() {
            outputs.add(Out::Report(report::Format::Text, true), "-o text", None)?;
        }
        if let Some(p) = snapshot_out {
            outputs.add(Out::Snapshot, "--snapshot-out", Some(p))?;
        }
        if let Some(p) = snapshot {
            outputs.refuse_input("the snapshot", p)?;
        }
        if let Some(p) = &self.requirements.requirements {
            outputs.refuse_input("the requirements", p)?;
        }
        for p in &self.drills {
            outputs.refuse_input("a drill record", p)?;
        }
        // Read before any work: a bad record fails the run before a long collection.
        let drills = self
            .drills
            .iter()
            .map(|p| report::drill::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        let set = self.selection.dirs.set()?;
        self.selection.dirs.refuse_as_outputs(&outputs, &set)?;
        let mut provenance = Provenance::new(report::provenance::generation_time().map_err(anyhow::Error::msg)?);
        let (requirements, requirements_ref) = self.requirements.load_with_ref()?;
        let policy = self.selection.policy(&set, &requirements.requirements)?;
        requirements.check_waiver_rules(policy.rules().map(|r| r.id()))?;
        provenance.rules_digest = loader::digest(&set.files);
        provenance.rule_sources = (!self.selection.dirs.no_builtin_rules)
            .then(|| "bundled".to_string())
            .into_iter()
            .chain(self.selection.dirs.rules.iter().map(|d| d.display().to_string()))
            .collect();
        provenance.requirements = requirements_ref;
        let opts = report::ReportOptions {
            sarif: report::sarif::SarifOptions {
                category: self.sarif_category.clone(),
                artifact: self.sarif_artifact.clone(),
            },
            text: report::text::TextOptions {
                show_passed: self.show_passed,
                statuses: self.status.iter().map(|s| Status::from(*s)).collect(),
                severities: self.severity.iter().map(|s| Severity::from(*s)).collect(),
                color: match self.color {
                    ColorArg::Auto => report::text::ColorChoice::Auto,
                    ColorArg::Always => report::text::ColorChoice::Always,
                    ColorArg::Never => report::text::ColorChoice::Never,
                },
            },
        };
        Ok(Prepared {
            outputs,
            policy,
            requirements: requirements.requirements,
            provenance,
            opts,
            fail: self.fail,
            drills,
        })
    }
}

impl Prepared {
    /// Records the snapshot file the report is about (path and digest).
    pub fn set_snapshot_file(&mut self, path: &Path, digest: String) {
        self.provenance.snapshot = Some(DocumentRef {
            path: path.display().to_string(),
            digest,
        });
    }

    /// Whether every output needs only the outcome table and a few facts per account, so the
    /// snapshot's accounts may be read one at a time ([`report::Format::reads_accounts`]).
    pub fn streams(&self) -> bool {
        self.outputs
            .iter()
            .all(|o| matches!(o, Out::Report(f, _) if !f.reads_accounts()))
    }

    /// Evaluates, then writes every output (the snapshot too, when asked) only now that the run
    /// has succeeded.
    pub fn evaluate_and_report(mut self, snapshot: &Snapshot) -> anyhow::Result<Outcome> {
        tracing::info!("evaluating {} accounts", snapshot.accounts.len());
        let eval = self.policy.evaluate(snapshot)?;
        let names = report::account_names(snapshot.accounts.iter().map(|a| (&a.account_id, &a.name)));
        self.report(&eval, snapshot, &names, Some(snapshot))
    }

    /// [`Prepared::evaluate_and_report`] reading the snapshot's accounts one at a time; only
    /// when [`Prepared::streams`].
    pub fn stream_and_report(mut self, stream: &SnapshotStream) -> anyhow::Result<Outcome> {
        anyhow::ensure!(
            self.streams(),
            "an output needs the whole snapshot; it cannot be read one account at a time"
        );
        tracing::info!("evaluating {} accounts, reading one at a time", stream.accounts().len());
        let ids: Vec<&str> = stream.accounts().iter().map(|a| a.account_id.as_str()).collect();
        let policy = &mut self.policy;
        let eval = stream.with_accounts(|accounts| policy.evaluate_stream(stream.context(), &ids, accounts))??;
        let names = report::account_names(stream.accounts().iter().map(|a| (&a.account_id, &a.name)));
        self.report(&eval, stream.context(), &names, None)
    }

    /// Writes every output of `eval` and says how the run ends. `context` is the snapshot
    /// evaluated, or (when streamed) all of it but the accounts; `whole` is the whole snapshot
    /// when it was read whole.
    fn report(
        self,
        eval: &Evaluation,
        context: &Snapshot,
        names: &report::AccountNames,
        whole: Option<&Snapshot>,
    ) -> anyhow::Result<Outcome> {
        tracing::info!("writing the reports");
        let ctx = report::ReportContext {
            snapshot: context,
            names,
            requirements: &self.requirements,
            provenance: &self.provenance,
            drills: &self.drills,
        };
        self.outputs.commit(|o| match (o, whole) {
            (Out::Report(f, to_stdout), _) => report::render(*f, eval, &ctx, &self.opts, *to_stdout),
            (Out::Snapshot, Some(snapshot)) => snapshot.to_json(),
            // Not reached: `stream_and_report` refuses a snapshot output.
            (Out::Snapshot, None) => String::new(),
        })?;
        if self.fail.fail_on.severity().is_some_and(|s| eval.fails_at_or_above(s)) {
            return Ok(Outcome::Findings);
        }
        if self.fail.incomplete.fail_on_incomplete && (eval.incomplete() || !context.collection_errors.is_empty()) {
            return Ok(Outcome::Incomplete);
        }
        Ok(Outcome::Clean)
    }
}
