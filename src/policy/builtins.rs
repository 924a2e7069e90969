//! rootwarden's custom Rego builtins: the filter-pattern and event-pattern matchers, so rules
//! judge what a detection does rather than how its text reads.
//!
//! | builtin | result |
//! |---|---|
//! | `rootwarden.filter_matches(pattern, event)` | whether a CloudWatch Logs filter pattern matches a log event (a JSON value, or a string line); `false` when the pattern does not parse |
//! | `rootwarden.filter_error(pattern)` | `""`, or why the pattern does not parse, with its column |
//! | `rootwarden.event_pattern_matches(pattern, event)` | whether an EventBridge event pattern (JSON text or object) matches an event; `false` when it is not valid |
//! | `rootwarden.event_pattern_error(pattern)` | `""`, or why EventBridge would reject the pattern |
//!
//! An unparsable pattern answers `false` rather than raising an error because AWS would not
//! have accepted it, so it detects nothing; rules report the reason from the `*_error` builtin.

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use regorus::Value;
use serde_json::Value as Json;

use crate::event_pattern::{self, EventPattern};
use crate::filter_pattern::{self, FilterPattern};

/// Parsed patterns kept per engine; bounded so a rule feeding endless patterns cannot grow it.
const CACHE_LIMIT: usize = 4096;

/// Registers every builtin on `engine`.
pub fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    let mut filters: HashMap<String, Result<FilterPattern, String>> = HashMap::new();
    let mut filter_events = EventJson::default();
    engine.add_extension(
        "rootwarden.filter_matches".into(),
        2,
        Box::new(move |args: Vec<Value>| {
            let pattern = text_arg(&args[0], "rootwarden.filter_matches", "pattern")?;
            let matched = match cached(&mut filters, &pattern, filter_pattern::parse) {
                Ok(p) => match &args[1] {
                    Value::String(line) => p.matches_line(line),
                    event => p.matches_event(filter_events.get(event)?),
                },
                Err(_) => false,
            };
            Ok(Value::from(matched))
        }),
    )?;
    engine.add_extension(
        "rootwarden.filter_error".into(),
        1,
        Box::new(|args: Vec<Value>| {
            let pattern = text_arg(&args[0], "rootwarden.filter_error", "pattern")?;
            Ok(Value::from(match filter_pattern::parse(&pattern) {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            }))
        }),
    )?;
    let mut events: HashMap<String, Result<EventPattern, String>> = HashMap::new();
    let mut event_json = EventJson::default();
    engine.add_extension(
        "rootwarden.event_pattern_matches".into(),
        2,
        Box::new(move |args: Vec<Value>| {
            let key = pattern_text(&args[0], "rootwarden.event_pattern_matches")?;
            let matched = match cached(&mut events, &key, event_pattern::parse) {
                Ok(p) => p.matches(event_json.get(&args[1])?),
                Err(_) => false,
            };
            Ok(Value::from(matched))
        }),
    )?;
    engine.add_extension(
        "rootwarden.event_pattern_error".into(),
        1,
        Box::new(|args: Vec<Value>| {
            let key = pattern_text(&args[0], "rootwarden.event_pattern_error")?;
            Ok(Value::from(match event_pattern::parse(&key) {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            }))
        }),
    )?;
    Ok(())
}

fn text_arg(v: &Value, builtin: &str, name: &str) -> anyhow::Result<String> {
    match v {
        Value::String(s) => Ok(s.to_string()),
        other => bail!("{builtin}: `{name}` must be a string, got {}", type_name(other)),
    }
}

/// An event pattern as JSON text: a string is taken as is, an object is serialized.
fn pattern_text(v: &Value, builtin: &str) -> anyhow::Result<String> {
    match v {
        Value::String(s) => Ok(s.to_string()),
        Value::Object(_) => Ok(to_json(v)?.to_string()),
        other => bail!(
            "{builtin}: `pattern` must be a JSON string or an object, got {}",
            type_name(other)
        ),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}

fn to_json(v: &Value) -> anyhow::Result<Json> {
    serde_json::to_value(v).map_err(|e| anyhow!("cannot read the event as JSON: {e}"))
}

/// Events as JSON, converted once per engine: rules run the same canonical events (one shared
/// object in `data`) through every pattern of every account, and the conversion costs far more
/// than the match. Keyed by the object's address; the entry holds a clone of the object, so the
/// address cannot be reused by another value while it is cached.
#[derive(Default, Clone)]
struct EventJson {
    by_address: HashMap<usize, (Value, Json)>,
    scratch: Json,
}

impl EventJson {
    fn get(&mut self, event: &Value) -> anyhow::Result<&Json> {
        let Value::Object(obj) = event else {
            self.scratch = to_json(event)?;
            return Ok(&self.scratch);
        };
        let address = std::ptr::from_ref(obj.as_ref()) as usize;
        if self.by_address.len() >= CACHE_LIMIT && !self.by_address.contains_key(&address) {
            self.by_address.clear();
        }
        let cached = match self.by_address.entry(address) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert((event.clone(), to_json(event)?)),
        };
        Ok(&cached.1)
    }
}

/// The parse result of `pattern`, parsed once per engine.
fn cached<'a, T, E: ToString>(
    cache: &'a mut HashMap<String, Result<T, String>>,
    pattern: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> &'a Result<T, String> {
    if cache.len() >= CACHE_LIMIT && !cache.contains_key(pattern) {
        cache.clear();
    }
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| parse(pattern).map_err(|e| e.to_string()))
}
