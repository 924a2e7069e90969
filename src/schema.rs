//! JSON Schemas generated from the snapshot and requirements types.

use crate::requirements::Requirements;
use crate::snapshot::Snapshot;

/// The snapshot JSON Schema, as checked into `schemas/snapshot.schema.json`.
pub fn snapshot_schema() -> String {
    pretty(
        schemars::schema_for!(Snapshot),
        "https://rootwarden.dev/schemas/snapshot.schema.json",
    )
}

/// The requirements JSON Schema, as checked into `schemas/requirements.schema.json`.
pub fn requirements_schema() -> String {
    pretty(
        schemars::schema_for!(Requirements),
        "https://rootwarden.dev/schemas/requirements.schema.json",
    )
}

fn pretty(schema: schemars::Schema, id: &str) -> String {
    let mut v = schema.to_value();
    if let Some(o) = v.as_object_mut() {
        o.insert("$id".into(), serde_json::Value::String(id.into()));
    }
    let mut s = serde_json::to_string_pretty(&v).expect("schemas serialize");
    s.push('\n');
    s
}
