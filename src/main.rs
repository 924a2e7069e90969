//! The `rootwarden` command line: parse, call the library, map errors to exit codes
//! (0 clean, 1 findings at or above --fail-on, 2 bad input or rule, 3 incomplete).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use rootwarden::input;
use rootwarden::policy::{self, loader, Policy, RuleFile, Severity};
use rootwarden::report::{self, OutputSpec};
use rootwarden::requirements::Requirements;

#[derive(Parser)]
#[command(
    name = "rootwarden",
    version,
    about = "Prove the AWS root user is locked away, unused and watched"
)]
struct Cli {
    /// Log more (repeat for more detail); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a saved snapshot against the rules and report.
    Evaluate(EvaluateArgs),
    /// List, show or test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print a JSON Schema (snapshot or requirements).
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Snapshot,
    Requirements,
}

/// The severity threshold for exit code 1 (`none`: never).
#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(clap::Args)]
struct RuleSelection {
    /// A directory of user rules (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Do not load the bundled rules.
    #[arg(long)]
    no_builtin_rules: bool,
}

#[derive(clap::Args)]
struct EvaluateArgs {
    /// The snapshot file (JSON), from `rootwarden collect` or a fixture.
    snapshot: PathBuf,
    /// The requirements document (YAML or JSON); the built-in CIS-aligned default otherwise.
    #[arg(long, value_name = "FILE")]
    requirements: Option<PathBuf>,
    #[command(flatten)]
    selection: RuleSelection,
    /// Output FORMAT[=PATH] (repeatable): text, json. Default: text to stdout.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=PATH]")]
    outputs: Vec<OutputSpec>,
    /// Exit 1 when a failing control is at or above this severity.
    #[arg(long, value_enum, default_value = "high")]
    fail_on: FailOn,
    /// Exit 3 when any control has insufficient data (and nothing fails at --fail-on).
    #[arg(long)]
    fail_on_incomplete: bool,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List the rules: id, severity, title, source file.
    List {
        #[command(flatten)]
        selection: RuleSelection,
    },
    /// Run every `test_*` rule in `*_test.rego` files (bundled ones unless --no-builtin-rules).
    Test {
        /// Directories of user rules and their tests.
        dirs: Vec<PathBuf>,
        /// Do not include the bundled rules and their tests.
        #[arg(long)]
        no_builtin_rules: bool,
    },
}

fn rule_files(sel: &RuleSelection) -> anyhow::Result<Vec<RuleFile>> {
    let mut files = if sel.no_builtin_rules {
        Vec::new()
    } else {
        loader::bundled()
    };
    for dir in &sel.rules {
        files.extend(loader::from_dir(dir)?);
    }
    Ok(files)
}

fn load_requirements(path: &Option<PathBuf>) -> anyhow::Result<Requirements> {
    Ok(match path {
        Some(p) => input::load_requirements(p)?,
        None => Requirements::default(),
    })
}

fn evaluate(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let mut outputs = args.outputs;
    if outputs.is_empty() {
        outputs.push(OutputSpec {
            format: report::Format::Text,
            path: None,
        });
    }
    report::prepare_outputs(&outputs)?;
    let snapshot = input::load_snapshot(&args.snapshot)?;
    let requirements = load_requirements(&args.requirements)?;
    let mut policy = Policy::load(&rule_files(&args.selection)?, &requirements)?;
    let eval = policy.evaluate(&snapshot)?;
    report::write_outputs(&outputs, &eval)?;
    if args.fail_on.severity().is_some_and(|s| eval.fails_at_or_above(s)) {
        return Ok(ExitCode::from(1));
    }
    if args.fail_on_incomplete && eval.incomplete() {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

fn rules(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::List { selection } => {
            let policy = Policy::load(&rule_files(&selection)?, &Requirements::default())?;
            for r in policy.rules() {
                println!(
                    "{:<12} {:<8} {:<60} {}",
                    r.id(),
                    r.severity().as_str(),
                    r.metadata.title,
                    r.file
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Test { dirs, no_builtin_rules } => {
            let files = rule_files(&RuleSelection {
                rules: dirs,
                no_builtin_rules,
            })?;
            let results = policy::rego_tests::run(&files)?;
            let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
            for r in &failed {
                println!(
                    "FAIL {}:{}: {}: {}",
                    r.file,
                    r.line,
                    r.name,
                    r.failure.as_deref().unwrap_or("")
                );
            }
            println!("{} passed, {} failed", results.len() - failed.len(), failed.len());
            Ok(if failed.is_empty() && !results.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(2),
            };
        }
    };
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ROOTWARDEN_LOG").unwrap_or_else(|_| level.into()))
        .init();
    let result = match cli.command {
        Command::Evaluate(args) => evaluate(args),
        Command::Rules(cmd) => rules(cmd),
        Command::Schema { which } => {
            print!(
                "{}",
                match which {
                    SchemaKind::Snapshot => rootwarden::schema::snapshot_schema(),
                    SchemaKind::Requirements => rootwarden::schema::requirements_schema(),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
