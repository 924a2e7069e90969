//! Parser and matcher for Amazon EventBridge *event patterns*, so a rule that alerts on root
//! activity through EventBridge is judged by the events it matches, not by how its JSON reads.
//!
//! Semantics follow the EventBridge user guide ("Creating event patterns", "Content filtering"):
//! every field of the pattern must match (AND); the values listed for a field are alternatives
//! (OR); a field whose event value is an array matches when any element matches; `$or` lists
//! alternative sub-patterns. Matchers: exact values (strings are case-sensitive, numbers compare
//! numerically, `null` matches a present null), `prefix`, `suffix` (each also with
//! `equals-ignore-case`), `anything-but` (a value, a list, or a `prefix` / `suffix` /
//! `equals-ignore-case` / `wildcard` matcher), `exists`, `equals-ignore-case`, `wildcard` and
//! `numeric`. A field absent from the event matches only `exists: false`.
//!
//! Patterns EventBridge rejects (a leaf that is not a list, an unknown matcher, a malformed
//! `numeric` range) give a [`PatternError`] naming the JSON path, because such a rule cannot
//! exist in AWS and so detects nothing.

use serde_json::{Map, Value};

/// Why an event pattern is not valid, and where (a JSON path such as `detail.userIdentity.type`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event pattern is not valid at {path}: {message}")]
pub struct PatternError {
    /// Dotted path of the offending field (`$` for the pattern itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A parsed EventBridge event pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPattern {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Every field must match; each `$or` entry is a list of alternative nodes.
    Object {
        fields: Vec<(String, Field)>,
        ors: Vec<Vec<Node>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Nested(Node),
    /// Alternatives; the field matches when one of them does.
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone, PartialEq)]
enum Text {
    Exact(String),
    IgnoreCase(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Literal(Value),
    Prefix(Text),
    Suffix(Text),
    EqualsIgnoreCase(String),
    Wildcard(String),
    Exists(bool),
    Numeric(Vec<(Cmp, f64)>),
    AnythingBut(Box<Matcher>),
    /// `anything-but` with a list of literal values.
    NoneOf(Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

/// Parses an event pattern given as JSON text.
pub fn parse(text: &str) -> Result<EventPattern, PatternError> {
    let v: Value = serde_json::from_str(text).map_err(|e| PatternError {
        path: "$".into(),
        message: format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
    })?;
    parse_value(&v)
}

/// Parses an event pattern given as a JSON value.
pub fn parse_value(v: &Value) -> Result<EventPattern, PatternError> {
    match v {
        Value::Object(o) => Ok(EventPattern { root: node(o, "")? }),
        _ => Err(err("$", "an event pattern must be a JSON object")),
    }
}

fn err(path: &str, message: impl Into<String>) -> PatternError {
    PatternError {
        path: if path.is_empty() { "$".into() } else { path.into() },
        message: message.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn node(o: &Map<String, Value>, path: &str) -> Result<Node, PatternError> {
    let mut fields = Vec::new();
    let mut ors = Vec::new();
    for (k, v) in o {
        let here = join(path, k);
        if k == "$or" {
            let Value::Array(alts) = v else {
                return Err(err(&here, "`$or` takes a list of patterns"));
            };
            if alts.len() < 2 {
                return Err(err(&here, "`$or` needs at least two patterns"));
            }
            let mut nodes = Vec::new();
            for (i, a) in alts.iter().enumerate() {
                let Value::Object(ao) = a else {
                    return Err(err(&format!("{here}[{i}]"), "each `$or` entry must be an object"));
                };
                nodes.push(node(ao, &format!("{here}[{i}]"))?);
            }
            ors.push(nodes);
            continue;
        }
        let field = match v {
            Value::Object(inner) => Field::Nested(node(inner, &here)?),
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(err(&here, "an empty list matches nothing; EventBridge rejects it"));
                }
                Field::Leaf(items.iter().map(|m| matcher(m, &here)).collect::<Result<_, _>>()?)
            }
            _ => {
                return Err(err(
                    &here,
                    format!("{v} must be inside a list (write [{v}]): EventBridge rejects bare values"),
                ))
            }
        };
        fields.push((k.clone(), field));
    }
    Ok(Node::Object { fields, ors })
}

fn single<'a>(o: &'a Map<String, Value>, path: &str) -> Result<(&'a str, &'a Value), PatternError> {
    let mut it = o.iter();
    match (it.next(), it.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => Err(err(path, "a matcher object must have exactly one key")),
    }
}

fn string<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a str, PatternError> {
    v.as_str()
        .ok_or_else(|| err(path, format!("`{what}` takes a string, not {v}")))
}

fn text(v: &Value, path: &str, what: &str) -> Result<Text, PatternError> {
    match v {
        Value::String(s) => Ok(Text::Exact(s.clone())),
        Value::Object(o) => {
            let (k, inner) = single(o, path)?;
            if k != "equals-ignore-case" {
                return Err(err(
                    path,
                    format!("`{what}` accepts only `equals-ignore-case` inside, not `{k}`"),
                ));
            }
            Ok(Text::IgnoreCase(string(inner, path, k)?.to_string()))
        }
        _ => Err(err(path, format!("`{what}` takes a string, not {v}"))),
    }
}

fn matcher(m: &Value, path: &str) -> Result<Matcher, PatternError> {
    let Value::Object(o) = m else {
        if m.is_array() {
            return Err(err(path, "lists cannot be nested in a list of values"));
        }
        return Ok(Matcher::Literal(m.clone()));
    };
    let (k, v) = single(o, path)?;
    Ok(match k {
        "prefix" => Matcher::Prefix(text(v, path, k)?),
        "suffix" => Matcher::Suffix(text(v, path, k)?),
        "equals-ignore-case" => Matcher::EqualsIgnoreCase(string(v, path, k)?.to_string()),
        "wildcard" => Matcher::Wildcard(wildcard(string(v, path, k)?, path)?),
        "exists" => Matcher::Exists(
            v.as_bool()
                .ok_or_else(|| err(path, format!("`exists` takes true or false, not {v}")))?,
        ),
        "numeric" => Matcher::Numeric(numeric(v, path)?),
        "anything-but" => match v {
            Value::Array(items) => {
                if items.is_empty() || items.iter().any(|i| i.is_object() || i.is_array()) {
                    return Err(err(path, "`anything-but` with a list takes a non-empty list of values"));
                }
                Matcher::NoneOf(items.clone())
            }
            Value::Object(inner) => {
                let (ik, _) = single(inner, path)?;
                if !matches!(ik, "prefix" | "suffix" | "equals-ignore-case" | "wildcard") {
                    return Err(err(path, format!("`anything-but` cannot contain `{ik}`")));
                }
                Matcher::AnythingBut(Box::new(matcher(v, path)?))
            }
            other => Matcher::NoneOf(vec![other.clone()]),
        },
        "cidr" => return Err(err(path, "`cidr` matching is not supported by rootwarden yet")),
        other => return Err(err(path, format!("unknown matcher `{other}`"))),
    })
}

fn wildcard(p: &str, path: &str) -> Result<String, PatternError> {
    if p.contains("**") {
        return Err(err(path, "`wildcard` cannot contain consecutive `*`"));
    }
    Ok(p.to_string())
}

fn numeric(v: &Value, path: &str) -> Result<Vec<(Cmp, f64)>, PatternError> {
    let Value::Array(items) = v else {
        return Err(err(path, "`numeric` takes a list such as [\">\", 0, \"<=\", 5]"));
    };
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err(err(path, "`numeric` takes one or two operator/number pairs"));
    }
    let mut out = Vec::new();
    for pair in items.chunks(2) {
        let op = match pair[0].as_str() {
            Some("<") => Cmp::Lt,
            Some("<=") => Cmp::Le,
            Some("=") => Cmp::Eq,
            Some(">=") => Cmp::Ge,
            Some(">") => Cmp::Gt,
            _ => {
                return Err(err(
                    path,
                    format!("`numeric` operator {} is not one of < <= = >= >", pair[0]),
                ))
            }
        };
        let n = pair[1].as_f64().ok_or_else(|| {
            err(
                path,
                format!("`numeric` needs a number after {}, not {}", pair[0], pair[1]),
            )
        })?;
        out.push((op, n));
    }
    if out.len() == 2 && (out.iter().any(|(c, _)| *c == Cmp::Eq)) {
        return Err(err(path, "`numeric` with `=` takes a single pair"));
    }
    Ok(out)
}

impl EventPattern {
    /// Whether EventBridge would deliver `event` (a JSON event, e.g. a CloudTrail record wrapped
    /// as `{"source", "detail-type", "detail", ...}`) to a rule with this pattern.
    pub fn matches(&self, event: &Value) -> bool {
        node_matches(&self.root, Some(event))
    }
}

fn node_matches(n: &Node, v: Option<&Value>) -> bool {
    let Node::Object { fields, ors } = n;
    fields.iter().all(|(k, f)| field_matches(f, v, k)) && ors.iter().all(|alts| alts.iter().any(|a| node_matches(a, v)))
}

fn field_matches(f: &Field, parent: Option<&Value>, key: &str) -> bool {
    let values: Vec<&Value> = match parent {
        Some(Value::Object(o)) => o.get(key).into_iter().collect(),
        // Fields inside arrays of objects: any element may match.
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_object().and_then(|o| o.get(key)))
            .collect(),
        _ => Vec::new(),
    };
    match f {
        Field::Nested(inner) => {
            if values.is_empty() {
                return node_matches(inner, None);
            }
            values.iter().any(|v| node_matches(inner, Some(v)))
        }
        Field::Leaf(ms) => {
            if values.is_empty() {
                return ms.contains(&Matcher::Exists(false));
            }
            let leaves: Vec<&Value> = values
                .iter()
                .flat_map(|v| match v {
                    Value::Array(items) => items.iter().collect::<Vec<_>>(),
                    other => vec![*other],
                })
                .collect();
            ms.iter().any(|m| leaf_matches(m, &leaves, values[0]))
        }
    }
}

fn leaf_matches(m: &Matcher, leaves: &[&Value], raw: &Value) -> bool {
    match m {
        Matcher::Exists(want) => {
            // A field holding an object (not a leaf) does not "exist" as a leaf in EventBridge.
            let present = !(raw.is_object() || raw.is_array() && leaves.is_empty());
            present == *want
        }
        Matcher::AnythingBut(inner) => !leaves.is_empty() && leaves.iter().all(|l| l.is_string() && !one(inner, l)),
        Matcher::NoneOf(vals) => !leaves.is_empty() && leaves.iter().all(|l| !vals.iter().any(|v| literal_eq(v, l))),
        _ => leaves.iter().any(|l| one(m, l)),
    }
}

fn one(m: &Matcher, v: &Value) -> bool {
    match m {
        Matcher::Literal(lit) => literal_eq(lit, v),
        Matcher::Prefix(t) => v.as_str().is_some_and(|s| match t {
            Text::Exact(p) => s.starts_with(p.as_str()),
            Text::IgnoreCase(p) => s.to_lowercase().starts_with(&p.to_lowercase()),
        }),
        Matcher::Suffix(t) => v.as_str().is_some_and(|s| match t {
            Text::Exact(p) => s.ends_with(p.as_str()),
            Text::IgnoreCase(p) => s.to_lowercase().ends_with(&p.to_lowercase()),
        }),
        Matcher::EqualsIgnoreCase(p) => v.as_str().is_some_and(|s| s.to_lowercase() == p.to_lowercase()),
        Matcher::Wildcard(p) => v.as_str().is_some_and(|s| wildcard_match(p, s)),
        Matcher::Numeric(conds) => v.as_f64().is_some_and(|n| {
            conds.iter().all(|(c, x)| match c {
                Cmp::Lt => n < *x,
                Cmp::Le => n <= *x,
                Cmp::Eq => n == *x,
                Cmp::Ge => n >= *x,
                Cmp::Gt => n > *x,
            })
        }),
        Matcher::Exists(_) | Matcher::AnythingBut(_) | Matcher::NoneOf(_) => false,
    }
}

fn literal_eq(lit: &Value, v: &Value) -> bool {
    match (lit, v) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => lit == v,
    }
}

/// `*` matches any run of characters (including none); `\*` and `\\` are literal. (Also
/// used for the resource globs of requirement waivers.)
pub fn wildcard_match(pattern: &str, s: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    parts.last_mut().expect("non-empty").push(n);
                }
            }
            '*' => parts.push(String::new()),
            other => parts.last_mut().expect("non-empty").push(other),
        }
    }
    if parts.len() == 1 {
        return s == parts[0];
    }
    let (first, rest) = parts.split_first().expect("non-empty");
    let (last, middle) = rest.split_last().expect("two or more parts");
    let Some(mut tail) = s.strip_prefix(first.as_str()) else {
        return false;
    };
    for m in middle {
        match tail.find(m.as_str()) {
            Some(i) => tail = &tail[i + m.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last.as_str())
}

#[cfg(test)]
mod tests;
