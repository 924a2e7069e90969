//! Snapshot values whose every form means one thing: a missing or `null` value is never also a
//! meaningful one, so deleting or nulling a fact can only make the reader refuse the snapshot or
//! a rule say "insufficient data", never read as a good fact.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// How long a log group keeps its events: a number of days, or `"never_expires"` (AWS leaves
/// `retentionInDays` out then). There is no `null`: a retention that was not read cannot pass
/// for one that never expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Events are deleted after this many days.
    Days(u32),
    /// Events are kept forever.
    NeverExpires,
}

const NEVER_EXPIRES: &str = "never_expires";

impl Serialize for Retention {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Retention::Days(d) => s.serialize_u32(*d),
            Retention::NeverExpires => s.serialize_str(NEVER_EXPIRES),
        }
    }
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Retention;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a number of days (1 or more) or \"{NEVER_EXPIRES}\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Retention, E> {
                match u32::try_from(v) {
                    Ok(d) if d >= 1 => Ok(Retention::Days(d)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Retention, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Retention, E> {
                if v == NEVER_EXPIRES {
                    Ok(Retention::NeverExpires)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Retention {
    fn schema_name() -> Cow<'static, str> {
        "Retention".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A number of days, or \"never_expires\".",
            "oneOf": [
                { "type": "integer", "minimum": 1, "maximum": u32::MAX },
                { "const": NEVER_EXPIRES }
            ]
        })
    }
}

/// The last four characters of an AWS access key id (`A-Z`, `0-9`), never more: a longer value
/// would be a key id, which reports must not show.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Last4(String);

impl Last4 {
    /// The four characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four characters of a full access key id; `None` when it is not shaped like one.
    pub fn of_key_id(key_id: &str) -> Option<Last4> {
        let tail = key_id.get(key_id.len().checked_sub(4)?..)?;
        Last4::try_from(tail.to_string()).ok()
    }
}

impl TryFrom<String> for Last4 {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            Ok(Last4(s))
        } else {
            Err(format!(
                "expected the last 4 characters of an access key id (A-Z, 0-9), found {} characters",
                s.chars().count()
            ))
        }
    }
}

impl From<Last4> for String {
    fn from(l: Last4) -> String {
        l.0
    }
}

impl fmt::Display for Last4 {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for Last4 {
    fn schema_name() -> Cow<'static, str> {
        "Last4".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z0-9]{4}$",
            "description": "The last 4 characters of an access key id."
        })
    }
}

/// `deserialize_with` for the last four characters of an id other than an access key's (a
/// signing certificate's): exactly four ASCII letters or digits, never the whole id.
pub fn tail4<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(de::Error::custom(format!(
            "expected the last 4 characters of an id (A-Z, a-z, 0-9), found {} characters",
            s.chars().count()
        )))
    }
}

/// Which key a credential-report key slot holds: its id's last four characters when a collector
/// could list root's keys, else `"not_listed"` (IAM principals cannot list root's keys). No
/// `null`: a deleted key id must not let a retained-key entry match by slot alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyId {
    /// The key id ends in these four characters.
    Last4(Last4),
    /// The collector could not list root's access keys.
    NotListed,
}

const NOT_LISTED: &str = "not_listed";

impl KeyId {
    /// The last four characters, when listed.
    pub fn last4(&self) -> Option<&str> {
        match self {
            KeyId::Last4(l) => Some(l.as_str()),
            KeyId::NotListed => None,
        }
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.last4().unwrap_or(NOT_LISTED))
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == NOT_LISTED {
            return Ok(KeyId::NotListed);
        }
        Last4::try_from(s)
            .map(KeyId::Last4)
            .map_err(|e| de::Error::custom(format!("{e}, or \"{NOT_LISTED}\"")))
    }
}

impl JsonSchema for KeyId {
    fn schema_name() -> Cow<'static, str> {
        "KeyId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([A-Z0-9]{4}|not_listed)$",
            "description": "The last 4 characters of the key id, or \"not_listed\"."
        })
    }
}

/// The earliest time a snapshot may hold.
pub const EARLIEST: &str = "1970-01-01T00:00:00Z";
/// The latest time a snapshot may hold: the rules compute with nanoseconds since the epoch in
/// 64 bits, which end on 2262-04-11.
pub const LATEST: &str = "2262-04-11T00:00:00Z";

/// [`LATEST`] in seconds since the epoch.
const LATEST_SECS: i64 = 9_223_286_400;

/// Checks that `t` is a time the rules can compute with.
pub fn check_time(t: &DateTime<Utc>) -> Result<(), String> {
    if (0..LATEST_SECS).contains(&t.timestamp()) {
        Ok(())
    } else {
        Err(format!(
            "{} is out of range; expected a time between {EARLIEST} and {LATEST}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
    }
}

/// `deserialize_with` for a time the rules can compute with.
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let t = DateTime::<Utc>::deserialize(d)?;
    check_time(&t).map_err(de::Error::custom)?;
    Ok(t)
}

/// `deserialize_with` for an optional time the rules can compute with.
pub fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let t = Option::<DateTime<Utc>>::deserialize(d)?;
    if let Some(t) = &t {
        check_time(t).map_err(de::Error::custom)?;
    }
    Ok(t)
}

/// A value checked after it is read (a credential-report cell's value).
pub trait Checked {
    /// Why the value cannot be used, if it cannot.
    fn check(&self) -> Result<(), String>;
}

impl Checked for DateTime<Utc> {
    fn check(&self) -> Result<(), String> {
        check_time(self)
    }
}

impl Checked for bool {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

impl Checked for String {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_the_last_day_nanoseconds_reach() {
        let latest = DateTime::parse_from_rfc3339(LATEST).unwrap().timestamp();
        assert_eq!(latest, LATEST_SECS);
        let t = DateTime::<Utc>::from_timestamp(LATEST_SECS - 1, 0).unwrap();
        assert!(t.timestamp_nanos_opt().is_some() && check_time(&t).is_ok());
        assert!(check_time(&DateTime::<Utc>::from_timestamp(LATEST_SECS, 0).unwrap()).is_err());
        assert!(check_time(&DateTime::<Utc>::from_timestamp(-1, 0).unwrap()).is_err());
    }

    #[test]
    fn values_have_one_meaning_each() {
        let r: Retention = serde_json::from_str("30").unwrap();
        assert_eq!(r, Retention::Days(30));
        assert_eq!(
            serde_json::from_str::<Retention>("\"never_expires\"").unwrap(),
            Retention::NeverExpires
        );
        for bad in ["null", "0", "-3", "\"forever\"", "1.5"] {
            assert!(serde_json::from_str::<Retention>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&Retention::NeverExpires).unwrap(),
            "\"never_expires\""
        );
        assert!(serde_json::from_str::<KeyId>("null").is_err());
        assert!(serde_json::from_str::<KeyId>("\"AKIAIOSFODNN7EXAMPLE\"").is_err());
        assert_eq!(
            serde_json::from_str::<KeyId>("\"not_listed\"").unwrap(),
            KeyId::NotListed
        );
        assert_eq!(serde_json::from_str::<KeyId>("\"Q7ZD\"").unwrap().last4(), Some("Q7ZD"));
        assert_eq!(Last4::of_key_id("AKIAIOSFODNN7EXAMPLE").unwrap().as_str(), "MPLE");
        assert!(Last4::of_key_id("abc").is_none());
    }
}
