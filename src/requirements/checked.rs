//! `deserialize_with` readers for requirements values that YAML would otherwise bend: a `~` or
//! `null` read as the text "null", a number read as text, a date no rule can compute with. Errors
//! raised here carry the parser's line and column.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// The first date a requirements document may name.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The last date a requirements document may name: the end of the next day is the last time the
/// rules' nanosecond clock reaches (2262-04-11).
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2262, 4, 10) {
    Some(d) => d,
    None => panic!("a valid date"),
};

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text (quote it if it looks like a number, a boolean or null)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    // An unquoted account id is a YAML integer; its digits are the text.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom("found null (`~`), expected text"))
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }
}

/// Text: `~` and `null` are errors, not the words for them; so are booleans and fractions (quote
/// them). An integer is read as its digits (an unquoted account id).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextVisitor)
}

/// Optional text: absent or `null` is `None`; numbers and booleans are errors.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Optional(TextVisitor))
}

/// Accepts `null` as `None`, and whatever the inner visitor accepts as `Some`.
struct Optional<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Optional<V> {
    type Value = Option<V::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or nothing")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0).map(Some)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.visit_str(v).map(Some)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.0.visit_string(v).map(Some)
    }
}

/// A list of texts.
pub fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of texts")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(Item(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    struct Item(String);
    impl<'de> Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
            text(d).map(Item)
        }
    }
    d.deserialize_seq(ListVisitor)
}

/// A `YYYY-MM-DD` date between [`EARLIEST_DATE`] and [`LATEST_DATE`].
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    checked_date(&text(d)?)
}

/// An optional date: absent or `null` is `None`.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match opt_text(d)? {
        Some(s) => checked_date(&s).map(Some),
        None => Ok(None),
    }
}

fn checked_date<E: de::Error>(s: &str) -> Result<NaiveDate, E> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(|| E::custom(format!("{s:?} is not a date; expected YYYY-MM-DD")))?;
    if !(EARLIEST_DATE..=LATEST_DATE).contains(&day) {
        return Err(E::custom(format!(
            "{s} is out of range; expected a date between {EARLIEST_DATE} and {LATEST_DATE}"
        )));
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        #[serde(deserialize_with = "text")]
        reason: String,
        #[serde(default, deserialize_with = "opt_text")]
        approver: Option<String>,
        #[serde(default, deserialize_with = "opt_date")]
        starts: Option<NaiveDate>,
        #[serde(deserialize_with = "date")]
        expires: NaiveDate,
        #[serde(default, deserialize_with = "text_list")]
        names: Vec<String>,
    }

    fn yaml(s: &str) -> Result<Doc, String> {
        serde_norway::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn text_is_only_text_and_dates_are_in_range() {
        let d = yaml("reason: ok\napprover: ~\nstarts: null\nexpires: 2026-05-31\nnames: [a, \"b\"]\n").unwrap();
        assert_eq!((d.reason.as_str(), d.approver, d.starts), ("ok", None, None));
        assert_eq!(d.names, ["a", "b"]);
        assert_eq!(
            yaml("reason: 555566667777\nexpires: 2026-05-31\n").unwrap().reason,
            "555566667777"
        );
        assert_eq!(d.expires, NaiveDate::from_ymd_opt(2026, 5, 31).unwrap());
        for (doc, says) in [
            ("reason: ~\nexpires: 2026-05-31\n", "line 1"),
            ("reason: null\nexpires: 2026-05-31\n", "found null"),
            ("reason: true\nexpires: 2026-05-31\n", "expected text"),
            ("reason: 1.5\nexpires: 2026-05-31\n", "expected text"),
            ("reason: r\nexpires: +99999-12-31\n", "not a date"),
            ("reason: r\nexpires: 9999-12-31\n", "out of range"),
            ("reason: r\nexpires: 1969-12-31\n", "out of range"),
            ("reason: r\nexpires: 2026-5-31\n", "not a date"),
            ("reason: r\nexpires: 2026-05-31\nnames: [a, ~]\n", "found null"),
        ] {
            let e = yaml(doc).unwrap_err();
            assert!(e.contains(says), "{doc:?}: {e}");
        }
        let j: Result<Doc, _> = serde_json::from_str(r#"{"reason": null, "expires": "2026-05-31"}"#);
        assert!(j.is_err());
    }
}
