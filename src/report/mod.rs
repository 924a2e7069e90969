//! Report formats. Each turns the outcome table into one format; none decides verdicts.

pub mod activity;
pub mod config_evaluations;
pub mod drill;
pub mod html;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod output;
pub mod page;
pub mod provenance;
pub mod sarif;
pub mod terminal;
pub mod text;
pub mod words;

use crate::policy::Evaluation;
use crate::requirements::Requirements;
use crate::snapshot::Snapshot;

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
    /// A self-contained HTML page for people.
    Html,
    /// The root-user inventory as CSV.
    Inventory,
    /// The root-user inventory as JSON.
    InventoryJson,
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
            Format::Html => "html",
            Format::Inventory => "inventory",
            Format::InventoryJson => "inventory-json",
        }
    }
}

/// One `-o FORMAT[=PATH]` of the scan and evaluate reports; no path means stdout.
pub type OutputSpec = output::Output<Format>;

impl output::OutputFormat for Format {
    const KIND: &'static str = "output format";
    const ALL: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::ConfigEvaluations,
        Format::Html,
        Format::Inventory,
        Format::InventoryJson,
    ];
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Format {
    /// Whether the format reads the snapshot's accounts (the HTML page and the inventories
    /// show their facts). The others need only the outcome table, the snapshot's collection
    /// time and the account names ([`ReportContext::names`]), so `evaluate` can read the
    /// accounts of a snapshot one at a time for them.
    pub fn reads_accounts(self) -> bool {
        match self {
            Format::Html | Format::Inventory | Format::InventoryJson => true,
            Format::Text | Format::Json | Format::Sarif | Format::Junit | Format::ConfigEvaluations => false,
        }
    }
}

/// Account id → name, for the accounts that have one.
pub type AccountNames = std::collections::HashMap<String, String>;

/// The names of `accounts`, given as (id, name) pairs: a snapshot's accounts, or the heads of a
/// snapshot read one account at a time.
pub fn account_names<'a>(accounts: impl IntoIterator<Item = (&'a String, &'a Option<String>)>) -> AccountNames {
    accounts
        .into_iter()
        .filter_map(|(id, name)| Some((id.clone(), name.clone()?)))
        .collect()
}

/// `value` as pretty-printed JSON and a newline, in a string of exactly that length: the text
/// is measured first, so a report of many accounts is not held up to three times over while
/// its string grows.
pub(crate) fn pretty_json<T: serde::Serialize>(value: &T) -> String {
    let mut text =
        measured(|w| serde_json::to_writer_pretty(w, value).map_err(std::io::Error::other)).expect("reports serialize");
    text.push('\n');
    text
}

/// The UTF-8 text `write` writes, in a string of exactly its length (plus room for a newline):
/// `write` runs twice, first to measure.
pub(crate) fn measured(
    mut write: impl FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<String> {
    /// Counts the bytes written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    write(&mut count)?;
    let mut bytes = Vec::with_capacity(count.0 + 1);
    write(&mut bytes)?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// Options that only some formats use.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// SARIF options.
    pub sarif: sarif::SarifOptions,
    /// What the text report shows, and its colour.
    pub text: text::TextOptions,
}

/// What the reports for people need besides the outcome table: the facts and where they came from.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    /// The snapshot that was evaluated (inventory facts, regions, collection errors, activity).
    /// When its accounts were read one at a time, only the formats that do not
    /// [`Format::reads_accounts`] are rendered, and it holds only a few of its accounts.
    pub snapshot: &'a Snapshot,
    /// The accounts' names.
    pub names: &'a AccountNames,
    /// The requirements it was judged against (root-use exceptions for the activity KPIs).
    pub requirements: &'a Requirements,
    /// Versions, digests and times.
    pub provenance: &'a provenance::Provenance,
    /// Drill records given with `--drill` (the HTML and text reports show them; they feed time
    /// to notify).
    pub drills: &'a [drill::LoadedDrill],
}

/// Renders `eval` in `format`; `to_stdout` says whether it goes to stdout (colour on a terminal).
pub fn render(format: Format, eval: &Evaluation, ctx: &ReportContext, opts: &ReportOptions, to_stdout: bool) -> String {
    match format {
        // Text from the snapshot and the rules is escaped field by field inside (the colours are
        // the only escape sequences the report may hold).
        Format::Text => {
            let mut out = text::render(eval, ctx.names, &opts.text, opts.text.use_color(to_stdout));
            out.push_str(&drill::text_section(
                ctx.drills,
                ctx.snapshot.collected_at,
                ctx.requirements.alerting.drill_every_days,
            ));
            out
        }
        Format::Json => json::render(eval),
        Format::Sarif => sarif::render(eval, &opts.sarif),
        Format::Junit => junit::render(eval),
        Format::ConfigEvaluations => config_evaluations::render(eval),
        Format::Html => html::render(eval, ctx),
        Format::Inventory => inventory::render_csv(&inventory::build(ctx.snapshot, eval)),
        Format::InventoryJson => inventory::render_json(&inventory::build(ctx.snapshot, eval)),
    }
}
