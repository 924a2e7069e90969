//! `rootwarden schema`: the JSON Schemas of the documents rootwarden reads.

use crate::cli::Outcome;

/// Which schema.
#[derive(clap::Args)]
pub struct Args {
    /// Which schema.
    #[arg(value_enum)]
    which: SchemaKind,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaKind {
    Snapshot,
    Requirements,
}

/// Prints the schema.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    rootwarden::report::output::stdout(&match args.which {
        SchemaKind::Snapshot => rootwarden::schema::snapshot_schema(),
        SchemaKind::Requirements => rootwarden::schema::requirements_schema(),
    });
    Ok(Outcome::Clean)
}
