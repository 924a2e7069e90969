//! Offline CloudTrail logs: the `*.json.gz` / `*.json` files CloudTrail delivers to S3 (one
//! `{"Records": [...]}` document each) and CloudTrail Lake / Athena JSON-lines exports.
//!
//! Reading logs is the heavy part of a review (a busy organization writes gigabytes a day) and
//! root events are about one record in a thousand. So files are read in parallel (one worker per
//! core, each reusing its buffers: memory is bounded by the largest file, not the input), each
//! record is only *delimited* by serde_json (borrowed `RawValue`, no allocation) and searched for
//! `"Root"` with a SIMD substring search; only the few records that contain it are deserialized.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use memchr::memmem::Finder;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;

use super::record::{Classified, Record, RecordError};
use crate::snapshot::RootEvent;

/// How to read logs.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Keep events from this time on (inclusive).
    pub start: DateTime<Utc>,
    /// Keep events before this time.
    pub end: DateTime<Utc>,
    /// Worker threads (at least 1).
    pub jobs: usize,
}

/// Counts over a log read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogStats {
    /// Log files found.
    pub files: u64,
    /// Files that could not be read (missing, empty, truncated gzip, not CloudTrail, broken JSON).
    pub files_unreadable: u64,
    /// Files skipped by name (CloudTrail digest files).
    pub files_skipped: u64,
    /// Records read.
    pub records: u64,
    /// Records that could not be used (no `userIdentity`, malformed root record).
    pub records_unreadable: u64,
    /// Bytes of JSON read, after decompression.
    pub bytes_uncompressed: u64,
    /// Bytes read from disk.
    pub bytes_on_disk: u64,
    /// Root events in the window (service events excluded).
    pub root_events: u64,
    /// Events AWS services recorded on root's behalf, in the window.
    pub service_events: u64,
    /// Root and service events outside the window (ignored).
    pub outside_window: u64,
}

/// A file or record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogProblem {
    /// The file.
    pub file: String,
    /// The record's index in the file (0-based), when the problem is one record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for LogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.record {
            Some(i) => write!(f, "{}: record {i}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Root events found in one account's logs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountEvents {
    /// Root events in the window, oldest first.
    pub events: Vec<RootEvent>,
    /// Service events on root's behalf, by service.
    pub service_events: BTreeMap<String, u64>,
}

/// The result of reading logs.
#[derive(Debug, Clone, Default)]
pub struct LogScan {
    /// Events per account.
    pub accounts: BTreeMap<String, AccountEvents>,
    /// Counts.
    pub stats: LogStats,
    /// The first problems met (at most [`MAX_PROBLEMS`]); `stats` counts them all.
    pub problems: Vec<LogProblem>,
    /// Accounts whose logs were found, from the S3 key layout `AWSLogs/[ORG/]ACCOUNT/CloudTrail/`.
    pub accounts_with_logs: std::collections::BTreeSet<String>,
}

/// Problems kept in detail; a directory of junk would otherwise fill memory with messages.
pub const MAX_PROBLEMS: usize = 200;

/// A path given to `--logs` that cannot be walked.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LogPathError {
    /// The path.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Reads every log file under `paths` (files or directories, walked recursively).
pub fn scan(paths: &[PathBuf], opts: &LogOptions) -> Result<LogScan, LogPathError> {
    let mut files = Vec::new();
    let mut skipped = 0;
    for path in paths {
        list_files(path, &mut files, &mut skipped)?;
    }
    files.sort();
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.clamp(1, files.len().max(1));
    let partials: Vec<Reader> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    let mut reader = Reader::new(opts);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        reader.file(file);
                    }
                    reader
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut scan = LogScan::default();
    scan.stats.files_skipped = skipped;
    scan.accounts_with_logs = files.iter().filter_map(|f| account_of_path(f)).collect();
    for p in partials {
        scan.merge(p);
    }
    for account in scan.accounts.values_mut() {
        account
            .events
            .sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
    }
    scan.problems
        .sort_by(|a, b| (&a.file, a.record).cmp(&(&b.file, b.record)));
    scan.problems.truncate(MAX_PROBLEMS);
    Ok(scan)
}

/// Reads one file's contents (already decompressed or not) as a worker would: for tests and
/// fuzzing, and for callers that hold logs in memory.
pub fn scan_bytes(name: &str, bytes: &[u8], opts: &LogOptions) -> LogScan {
    let mut reader = Reader::new(opts);
    reader.stats.files += 1;
    reader.contents(name, bytes);
    let mut scan = LogScan::default();
    scan.merge(reader);
    scan
}

impl LogScan {
    fn merge(&mut self, r: Reader) {
        add_stats(&mut self.stats, &r.stats);
        for (account, mut found) in r.accounts {
            let into = self.accounts.entry(account).or_default();
            into.events.append(&mut found.events);
            for (service, n) in found.service_events {
                *into.service_events.entry(service).or_default() += n;
            }
        }
        self.problems.extend(r.problems);
    }
}

fn add_stats(into: &mut LogStats, s: &LogStats) {
    into.files += s.files;
    into.files_unreadable += s.files_unreadable;
    into.files_skipped += s.files_skipped;
    into.records += s.records;
    into.records_unreadable += s.records_unreadable;
    into.bytes_uncompressed += s.bytes_uncompressed;
    into.bytes_on_disk += s.bytes_on_disk;
    into.root_events += s.root_events;
    into.service_events += s.service_events;
    into.outside_window += s.outside_window;
}

/// Whether a file name is one of the log formats read.
fn is_log_name(name: &str) -> bool {
    [".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn list_files(path: &Path, files: &mut Vec<PathBuf>, skipped: &mut u64) -> Result<(), LogPathError> {
    let meta = std::fs::metadata(path).map_err(|e| LogPathError {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    if meta.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(path).follow_links(true) {
        let entry = entry.map_err(|e| LogPathError {
            path: e.path().unwrap_or(path).display().to_string(),
            message: format!("cannot walk: {e}"),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !is_log_name(&name) {
            continue;
        }
        // Digest files sit beside the logs (AWSLogs/ACCOUNT/CloudTrail-Digest/...) and hold
        // hashes, not records.
        if entry.path().components().any(|c| c.as_os_str() == "CloudTrail-Digest") || name.contains("CloudTrail-Digest")
        {
            *skipped += 1;
            continue;
        }
        files.push(entry.into_path());
    }
    Ok(())
}

/// The account of a log file from CloudTrail's key layout: the 12-digit directory before
/// `CloudTrail`.
pub fn account_of_path(path: &Path) -> Option<String> {
    let parts: Vec<&std::ffi::OsStr> = path.iter().collect();
    let at = parts.iter().position(|p| *p == "CloudTrail")?;
    let account = parts.get(at.checked_sub(1)?)?.to_str()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

fn root_finder() -> &'static Finder<'static> {
    static F: OnceLock<Finder<'static>> = OnceLock::new();
    F.get_or_init(|| Finder::new(b"\"Root\""))
}

fn identity_finder() -> &'static Finder<'static> {
    static F: OnceLock<Finder<'static>> = OnceLock::new();
    F.get_or_init(|| Finder::new(b"\"userIdentity\""))
}

/// One worker's state: reusable buffers and what it found.
struct Reader<'o> {
    opts: &'o LogOptions,
    raw: Vec<u8>,
    inflated: Vec<u8>,
    stats: LogStats,
    accounts: BTreeMap<String, AccountEvents>,
    problems: Vec<LogProblem>,
}

impl<'o> Reader<'o> {
    fn new(opts: &'o LogOptions) -> Self {
        Reader {
            opts,
            raw: Vec::new(),
            inflated: Vec::new(),
            stats: LogStats::default(),
            accounts: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn file_problem(&mut self, file: &str, message: String) {
        self.stats.files_unreadable += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(LogProblem {
                file: file.to_string(),
                record: None,
                message,
            });
        }
    }

    fn record_problem(&mut self, file: &str, index: u64, message: String) {
        self.stats.records_unreadable += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(LogProblem {
                file: file.to_string(),
                record: Some(index),
                message,
            });
        }
    }

    fn file(&mut self, path: &Path) {
        self.stats.files += 1;
        let name = path.display().to_string();
        let mut raw = std::mem::take(&mut self.raw);
        raw.clear();
        let read = std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut raw));
        if let Err(e) = read {
            self.raw = raw;
            return self.file_problem(&name, format!("cannot read: {e}"));
        }
        self.stats.bytes_on_disk += raw.len() as u64;
        if raw.is_empty() {
            self.raw = raw;
            return self.file_problem(&name, "empty file (0 bytes): no CloudTrail records".into());
        }
        if raw.starts_with(&[0x1f, 0x8b]) {
            let mut inflated = std::mem::take(&mut self.inflated);
            inflated.clear();
            match flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut inflated) {
                Ok(_) => self.contents(&name, &inflated),
                Err(e) => self.file_problem(&name, format!("truncated or corrupt gzip, file skipped: {e}")),
            }
            self.inflated = inflated;
        } else {
            self.contents(&name, &raw);
        }
        self.raw = raw;
    }

    /// Reads one file's (decompressed) bytes.
    fn contents(&mut self, name: &str, bytes: &[u8]) {
        self.stats.bytes_uncompressed += bytes.len() as u64;
        let nothing = bytes.is_empty();
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        match detect(bytes) {
            Layout::Records => self.records_document(name, bytes),
            Layout::Lines => self.lines(name, bytes),
            // A log that holds nothing proves nothing: CloudTrail never delivers one, so it is a
            // failed download or a tampered file, and the review cannot call it clean.
            Layout::Empty if nothing => {
                self.file_problem(name, "no CloudTrail records: the file decompresses to nothing".into())
            }
            Layout::Empty => self.file_problem(name, "no CloudTrail records: the file holds only whitespace".into()),
            Layout::Unknown => self.file_problem(
                name,
                "not a CloudTrail log: expected a {\"Records\": [...]} document or JSON lines of CloudTrail records"
                    .into(),
            ),
        }
    }

    fn records_document(&mut self, name: &str, bytes: &[u8]) {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let mut index = 0u64;
        let result = DocSeed {
            on_record: &mut |raw: &RawValue| {
                self.record(name, index, raw.get().as_bytes());
                index += 1;
            },
        }
        .deserialize(&mut de)
        .and_then(|found| de.end().map(|()| found));
        match result {
            Ok(true) => {}
            Ok(false) => self.file_problem(name, "not a CloudTrail log: the object has no \"Records\" array".into()),
            Err(e) => self.file_problem(
                name,
                format!(
                    "broken JSON at line {} column {} ({index} records before it were read): {e}",
                    e.line(),
                    e.column()
                ),
            ),
        }
    }

    fn lines(&mut self, name: &str, bytes: &[u8]) {
        let lines = bytes
            .split(|&b| b == b'\n')
            .map(<[u8]>::trim_ascii)
            .filter(|l| !l.is_empty());
        for (index, line) in lines.enumerate() {
            self.record(name, index as u64, line);
        }
    }

    /// One record: skipped cheaply unless it mentions `"Root"`.
    fn record(&mut self, name: &str, index: u64, raw: &[u8]) {
        self.stats.records += 1;
        if root_finder().find(raw).is_none() {
            if identity_finder().find(raw).is_none() {
                self.record_problem(name, index, RecordError::NoUserIdentity.to_string());
            }
            return;
        }
        let classified = std::str::from_utf8(raw)
            .map_err(|_| RecordError::Field("record is not UTF-8".into()))
            .and_then(Record::parse)
            .and_then(Record::classify);
        let in_window = |t: DateTime<Utc>| t >= self.opts.start && t < self.opts.end;
        match classified {
            Ok(Classified::NotRoot) => {}
            Ok(Classified::Service {
                account_id,
                service,
                event_time,
            }) => {
                if event_time.is_some_and(|t| !in_window(t)) {
                    self.stats.outside_window += 1;
                    return;
                }
                self.stats.service_events += 1;
                *self
                    .accounts
                    .entry(account_id)
                    .or_default()
                    .service_events
                    .entry(service)
                    .or_default() += 1;
            }
            Ok(Classified::Root { account_id, event }) => {
                if !in_window(event.event_time) {
                    self.stats.outside_window += 1;
                    return;
                }
                self.stats.root_events += 1;
                self.accounts.entry(account_id).or_default().events.push(*event);
            }
            Err(e) => self.record_problem(name, index, e.to_string()),
        }
    }
}

#[derive(Debug, PartialEq)]
enum Layout {
    Records,
    Lines,
    Empty,
    Unknown,
}

/// Tells a `{"Records": [...]}` document from JSON lines by the first key (CloudTrail writes
/// `Records` first) or, failing that, by whether the first line is a CloudTrail record.
fn detect(bytes: &[u8]) -> Layout {
    let text = bytes.trim_ascii_start();
    if text.is_empty() {
        return Layout::Empty;
    }
    let Some(after_brace) = text.strip_prefix(b"{") else {
        return Layout::Unknown;
    };
    if after_brace.trim_ascii_start().starts_with(b"\"Records\"") {
        return Layout::Records;
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let looks_like_record = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(first_line)
        .is_ok_and(|m| m.contains_key("eventTime") || m.contains_key("eventName") || m.contains_key("userIdentity"));
    if looks_like_record {
        return Layout::Lines;
    }
    // A pretty-printed document whose Records key is not first.
    let whole_doc_has_records = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text)
        .is_ok_and(|m| m.get("Records").is_some_and(serde_json::Value::is_array));
    if whole_doc_has_records {
        Layout::Records
    } else {
        Layout::Unknown
    }
}

/// Visits the top-level object, handing each element of `Records` to `on_record`; yields
/// whether a `Records` array was found.
struct DocSeed<'f, F> {
    on_record: &'f mut F,
}

impl<'de, F: FnMut(&'de RawValue)> DeserializeSeed<'de> for DocSeed<'_, F> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for DocSeed<'_, F> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log object {\"Records\": [...]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" && !found {
                map.next_value_seed(RecordsSeed {
                    on_record: &mut *self.on_record,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct RecordsSeed<'f, F> {
    on_record: &'f mut F,
}

impl<'de, F: FnMut(&'de RawValue)> DeserializeSeed<'de> for RecordsSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for RecordsSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            (self.on_record)(raw);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
