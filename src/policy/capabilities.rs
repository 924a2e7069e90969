//! An OPA capabilities document for rootwarden: its custom builtins with their signatures (OPA's
//! `capabilities.json` format, types as in OPA's `types` JSON), so `opa check --capabilities`,
//! `opa build --capabilities` and Rego linters (Regal) accept rules that call them.
//!
//! OPA reads a capabilities file as the complete list of available builtins. On its own,
//! [`document`] declares only rootwarden's builtins (for Regal's `capabilities.plus`);
//! [`merged`] completes an OPA capabilities document (`opa capabilities --current`) with them
//! and drops what rootwarden does not provide: builtins its engine lacks (regorus, built without
//! network, HTTP, base64 and other optional builtins) and those its sandbox refuses.

use serde_json::{json, Value as Json};

use super::sandbox;

/// OPA type `string`.
fn string() -> Json {
    json!({"type": "string"})
}

/// OPA type `boolean`.
fn boolean() -> Json {
    json!({"type": "boolean"})
}

/// OPA type `any`.
fn any() -> Json {
    json!({"type": "any"})
}

/// An object with any keys and values.
fn object() -> Json {
    json!({"type": "object", "dynamic": {"key": any(), "value": any()}})
}

fn function(name: &str, args: Vec<Json>, result: Json) -> Json {
    json!({
        "name": name,
        "decl": {"type": "function", "args": args, "result": result},
    })
}

/// The declarations of rootwarden's custom builtins (see [`super::builtins`]).
pub fn builtins() -> Vec<Json> {
    let event_pattern = json!({"type": "any", "of": [string(), object()]});
    vec![
        function("rootwarden.event_pattern_error", vec![event_pattern.clone()], string()),
        function(
            "rootwarden.event_pattern_matches",
            vec![event_pattern, any()],
            boolean(),
        ),
        function("rootwarden.filter_error", vec![string()], string()),
        function("rootwarden.filter_matches", vec![string(), any()], boolean()),
    ]
}

/// A capabilities document declaring only rootwarden's builtins.
pub fn document() -> Json {
    json!({ "builtins": builtins() })
}

/// `base` (an OPA capabilities document) restricted to what rootwarden provides, plus
/// rootwarden's builtins. Operators (`infix`) and OPA's internal builtins are kept: the engine
/// implements them in the language itself.
pub fn merged(base: &Json) -> Result<Json, String> {
    let mut doc = base.clone();
    let builtins = doc
        .as_object_mut()
        .ok_or("an OPA capabilities document is a JSON object")?
        .get_mut("builtins")
        .and_then(Json::as_array_mut)
        .ok_or("an OPA capabilities document has a `builtins` array")?;
    let ours = self::builtins();
    let refused: Vec<&str> = sandbox::refused().collect();
    if builtins.iter().any(|b| b.get("name").and_then(Json::as_str).is_none()) {
        return Err("every builtin of an OPA capabilities document has a `name`".into());
    }
    builtins.retain(|b| {
        let name = b["name"].as_str().unwrap_or_default();
        let provided = b.get("infix").is_some()
            || name.starts_with("internal.")
            || name == "print"
            || regorus::unstable::BUILTINS.contains_key(name);
        provided && !refused.contains(&name) && !ours.iter().any(|o| o["name"] == name)
    });
    builtins.extend(ours);
    builtins.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Ok(doc)
}
