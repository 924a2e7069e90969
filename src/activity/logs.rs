//! Offline CloudTrail logs: the `*.json.gz` / `*.json` files CloudTrail delivers to S3 (one
//! `{"Records": [...]}` document each) and CloudTrail Lake / Athena JSON-lines exports.
//!
//! Reading logs is the heavy part of a review (a busy organization writes gigabytes a day) and
//! root events are about one record in a thousand. So files are read in parallel (one worker per
//! core), each streamed a chunk at a time through one reused buffer (gzip inflated as it is read),
//! each record only *delimited* by serde_json (no allocation) and searched for `"Root"` with a
//! SIMD substring search; only the few records that contain it are deserialized.
//!
//! Logs are untrusted input, so every resource is bounded whatever they hold: a worker's memory
//! by the longest record ([`MAX_VALUE_BYTES`]), not by the file; the text one file may inflate to
//! by [`LogOptions::max_file_bytes`] (a decompression bomb is an unreadable file, and the review
//! goes on); the events kept over the review by [`LogOptions::max_kept`].

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use memchr::memmem::Finder;
use serde::de::IgnoredAny;
use serde::Serialize;

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
    /// Uncompressed bytes one file may hold; beyond them it is unreadable (a decompression bomb
    /// stops here instead of filling the disk cache and the clock).
    pub max_file_bytes: u64,
    /// Root events, services and accounts kept in memory over the review ([`MAX_KEPT`]).
    pub max_kept: u64,
}

/// Uncompressed bytes one log file may hold unless `--max-log-size` says otherwise. CloudTrail
/// delivers a file about every five minutes per account and region, a few MB uncompressed even
/// in busy accounts; gzip inflates at most about 1,000-fold, so a 10 MB bomb would be 10 GB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 30;

/// The longest single JSON value read (a record, or a line of JSON lines): a worker's memory.
/// CloudTrail truncates large request and response elements; its records are a few KB.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// Root events, services and accounts kept in memory over one review; beyond them the file is
/// unreadable, so even a log made of root events cannot exhaust memory. Each kept event costs
/// about 3.6 KB of peak memory through the review and its reports (measured with
/// bench/decompression_bomb.py), so this bounds them near 400 MB. A real review sees a few
/// hundred root events; 100,000 in one window would fail RW-ACT-001 long before this.
pub const MAX_KEPT: u64 = 100_000;

/// Bytes of uncompressed text read at a time.
const CHUNK: usize = 1 << 20;

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

/// The log files under the `--logs` paths, listed before any is read (so outputs can be checked
/// against them before the work starts).
#[derive(Debug, Clone, Default)]
pub struct LogFiles {
    /// Log files to read, sorted.
    pub files: Vec<PathBuf>,
    /// Files skipped by name (digests).
    pub skipped: u64,
    /// Entries met in the walk that could not be listed (a dangling symbolic link, a directory
    /// that cannot be read): unreadable files of the review.
    pub unlisted: Vec<LogProblem>,
}

/// Lists every log file under `paths` (files or directories, walked recursively, following
/// symbolic links). A path given that cannot be read is an error; an entry below it that cannot
/// be read is listed as unreadable, and the walk goes on.
pub fn list(paths: &[PathBuf]) -> Result<LogFiles, LogPathError> {
    let mut list = LogFiles::default();
    for path in paths {
        list_files(path, &mut list)?;
    }
    list.files.sort();
    list.files.dedup();
    Ok(list)
}

/// Reads every log file under `paths` (files or directories, walked recursively).
pub fn scan(paths: &[PathBuf], opts: &LogOptions) -> Result<LogScan, LogPathError> {
    Ok(scan_files(&list(paths)?, opts))
}

/// Reads the listed log files.
pub fn scan_files(list: &LogFiles, opts: &LogOptions) -> LogScan {
    let files = &list.files;
    let next = AtomicUsize::new(0);
    let kept = AtomicU64::new(0);
    let jobs = opts.jobs.clamp(1, files.len().max(1));
    let partials: Vec<Reader> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    let mut reader = Reader::new(opts, &kept);
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
    scan.stats.files_skipped = list.skipped;
    scan.stats.files = list.unlisted.len() as u64;
    scan.stats.files_unreadable = list.unlisted.len() as u64;
    scan.problems = list.unlisted.clone();
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
    scan
}

/// Reads one file's contents (gzip or not) as a worker would: for tests and fuzzing, and for
/// callers that hold logs in memory.
pub fn scan_bytes(name: &str, bytes: &[u8], opts: &LogOptions) -> LogScan {
    let kept = AtomicU64::new(0);
    let mut reader = Reader::new(opts, &kept);
    reader.stats.files += 1;
    reader.source(name, bytes);
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
pub fn is_log_name(name: &str) -> bool {
    [".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn list_files(path: &Path, list: &mut LogFiles) -> Result<(), LogPathError> {
    let meta = std::fs::metadata(path).map_err(|e| LogPathError {
        path: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    if meta.is_file() {
        list.files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(path).follow_links(true) {
        let entry = match entry {
            Ok(e) => e,
            // A link back to a directory being walked: what it leads to is read already.
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => {
                let at = e.path().unwrap_or(path);
                list.unlisted.push(LogProblem {
                    file: at.display().to_string(),
                    record: None,
                    message: unlisted_message(at, &e),
                });
                continue;
            }
        };
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
            list.skipped += 1;
            continue;
        }
        list.files.push(entry.into_path());
    }
    Ok(())
}

fn unlisted_message(at: &Path, e: &walkdir::Error) -> String {
    let is_link = std::fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::read_link(at) {
        Ok(target) if is_link && std::fs::metadata(at).is_err() => {
            format!("cannot read: dangling symbolic link to {}", target.display())
        }
        _ => format!(
            "cannot read: {}",
            e.io_error().map_or_else(|| e.to_string(), ToString::to_string)
        ),
    }
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

/// One worker's state: a reusable buffer and what it found.
struct Reader<'o> {
    opts: &'o LogOptions,
    /// Root events, services and accounts kept by every worker of the review.
    kept: &'o AtomicU64,
    buf: Vec<u8>,
    stats: LogStats,
    accounts: BTreeMap<String, AccountEvents>,
    problems: Vec<LogProblem>,
    /// The current file met the review's budget of kept events (`LogOptions::max_kept`).
    over_budget: bool,
}

/// Why the rest of a file could not be read.
#[derive(Debug)]
enum ReadError {
    /// The file (or its gzip stream) failed.
    Io(std::io::Error),
    /// It holds more than `max_file_bytes` uncompressed.
    TooLarge,
    /// One record or line is longer than [`MAX_VALUE_BYTES`].
    ValueTooLarge,
    /// Broken JSON, at a 1-based line and column of the uncompressed text.
    Syntax { line: u64, column: u64, message: String },
    /// Well-formed, but not a CloudTrail log.
    NotCloudTrail(&'static str),
    /// Nothing but whitespace.
    Empty,
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Counts the bytes read from the file itself.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<'o> Reader<'o> {
    fn new(opts: &'o LogOptions, kept: &'o AtomicU64) -> Self {
        Reader {
            opts,
            kept,
            buf: Vec::new(),
            stats: LogStats::default(),
            accounts: BTreeMap::new(),
            problems: Vec::new(),
            over_budget: false,
        }
    }

    fn file_problem(&mut self, file: &str, message: String) {
        self.stats.files_unreadable += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(LogProblem {
                file: file.to_string(),
                record: None,
                // A JSON error may quote the text it stopped at.
                message: crate::redact::secrets(&message).into_owned(),
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

    /// Takes one more root event, service or account into memory, if the review's budget
    /// allows.
    fn keep(&mut self) -> bool {
        let ok = self.kept.fetch_add(1, Ordering::Relaxed) < self.opts.max_kept;
        self.over_budget |= !ok;
        ok
    }

    fn file(&mut self, path: &Path) {
        self.stats.files += 1;
        let name = path.display().to_string();
        match std::fs::File::open(path) {
            Ok(f) => self.source(&name, f),
            Err(e) => self.file_problem(&name, format!("cannot read: {e}")),
        }
    }

    /// Reads one file from its bytes as stored; gzip is inflated as it is read, so neither the
    /// file nor its uncompressed text is ever held whole.
    fn source<R: Read>(&mut self, name: &str, raw: R) {
        let mut input = std::io::BufReader::with_capacity(64 << 10, Counted { inner: raw, bytes: 0 });
        let gzip = match input.fill_buf() {
            Ok([]) => {
                return self.file_problem(name, "empty file (0 bytes): no CloudTrail records".into());
            }
            Ok(head) => head.starts_with(&[0x1f, 0x8b]),
            Err(e) => return self.file_problem(name, format!("cannot read: {e}")),
        };
        let records_before = self.stats.records;
        let mut buf = std::mem::take(&mut self.buf);
        let limit = self.opts.max_file_bytes;
        let (result, inflated) = if gzip {
            let mut feed = Feed::new(flate2::bufread::MultiGzDecoder::new(&mut input), &mut buf, limit);
            (self.stream(name, &mut feed), feed.read)
        } else {
            let mut feed = Feed::new(&mut input, &mut buf, limit);
            (self.stream(name, &mut feed), feed.read)
        };
        self.buf = buf;
        self.stats.bytes_on_disk += input.get_ref().bytes;
        self.stats.bytes_uncompressed += inflated;
        let read = self.stats.records - records_before;
        let message = match result {
            Ok(()) => None,
            Err(ReadError::Io(e)) if gzip => Some(format!("truncated or corrupt gzip, file skipped: {e}")),
            Err(ReadError::Io(e)) => Some(format!("cannot read: {e}")),
            Err(ReadError::TooLarge) => Some(format!(
                "more than {} uncompressed, the --max-log-size limit (a decompression bomb?): the rest of the file was not read ({read} records before it were)",
                human_bytes(limit)
            )),
            Err(ReadError::ValueTooLarge) => Some(format!(
                "a record or line longer than {}: the rest of the file was not read ({read} records before it were)",
                human_bytes(MAX_VALUE_BYTES as u64)
            )),
            Err(ReadError::Syntax { line, column, message }) => Some(format!(
                "broken JSON at line {line} column {column} ({read} records before it were read): {message}"
            )),
            Err(ReadError::NotCloudTrail(why)) => Some(format!("not a CloudTrail log: {why}")),
            // A log that holds nothing proves nothing: CloudTrail never delivers one, so it is a
            // failed download or a tampered file, and the review cannot call it clean.
            Err(ReadError::Empty) if inflated == 0 => {
                Some("no CloudTrail records: the file decompresses to nothing".to_string())
            }
            Err(ReadError::Empty) => Some("no CloudTrail records: the file holds only whitespace".to_string()),
        };
        if let Some(m) = message {
            self.file_problem(name, m);
        }
        if std::mem::take(&mut self.over_budget) {
            self.file_problem(
                name,
                format!(
                    "more than {} root events, services and accounts in this review: the rest of this file's were not kept",
                    self.opts.max_kept
                ),
            );
        }
    }

    /// Reads one file's uncompressed text.
    fn stream<R: Read>(&mut self, name: &str, feed: &mut Feed<R>) -> Result<(), ReadError> {
        if feed.need(3)? && feed.window().starts_with(b"\xef\xbb\xbf") {
            feed.consume(3);
        }
        match detect(feed)? {
            Layout::Records => self.records_document(name, feed),
            Layout::Lines => self.lines(name, feed),
            Layout::Empty => Err(ReadError::Empty),
            Layout::Unknown => Err(ReadError::NotCloudTrail(
                "expected a {\"Records\": [...]} document or JSON lines of CloudTrail records",
            )),
        }
    }

    /// A `{"Records": [...]}` document, one record at a time; other keys are skipped.
    fn records_document<R: Read>(&mut self, name: &str, feed: &mut Feed<R>) -> Result<(), ReadError> {
        let mut index = 0u64;
        let mut found = false;
        feed.skip_ws()?;
        feed.consume(1); // '{', checked by detect
        let mut first = true;
        loop {
            match feed.skip_ws()? {
                Some(b'}') => {
                    feed.consume(1);
                    break;
                }
                Some(b',') if !first => feed.consume(1),
                _ if first => {}
                _ => return Err(feed.syntax("expected ',' or '}' after a value of the document")),
            }
            first = false;
            let len = feed.span()?;
            let key: String = serde_json::from_slice(&feed.window()[..len])
                .map_err(|_| feed.syntax("expected a string key in the document"))?;
            feed.consume(len);
            if feed.skip_ws()? != Some(b':') {
                return Err(feed.syntax("expected ':' after a key"));
            }
            feed.consume(1);
            if key == "Records" && !found {
                found = true;
                self.records(name, feed, &mut index)?;
            } else {
                let len = feed.span()?;
                feed.consume(len);
            }
        }
        if feed.skip_ws()?.is_some() {
            return Err(feed.syntax("trailing characters after the document"));
        }
        if found {
            Ok(())
        } else {
            Err(ReadError::NotCloudTrail("the object has no \"Records\" array"))
        }
    }

    /// The `Records` array, each element handed to [`Self::record`] as its raw JSON.
    fn records<R: Read>(&mut self, name: &str, feed: &mut Feed<R>, index: &mut u64) -> Result<(), ReadError> {
        if feed.skip_ws()? != Some(b'[') {
            return Err(ReadError::NotCloudTrail("\"Records\" is not an array"));
        }
        feed.consume(1);
        let mut first = true;
        loop {
            match feed.skip_ws()? {
                Some(b']') => {
                    feed.consume(1);
                    return Ok(());
                }
                Some(b',') if !first => feed.consume(1),
                _ if first => {}
                _ => return Err(feed.syntax("expected ',' or ']' after a record")),
            }
            first = false;
            let len = feed.span()?;
            self.record(name, *index, &feed.window()[..len]);
            feed.consume(len);
            *index += 1;
        }
    }

    /// JSON lines: one record per non-blank line.
    fn lines<R: Read>(&mut self, name: &str, feed: &mut Feed<R>) -> Result<(), ReadError> {
        let mut index = 0u64;
        let mut searched = 0;
        loop {
            let window = feed.window();
            let (end, next) = match memchr::memchr(b'\n', &window[searched..]) {
                Some(i) if searched + i <= MAX_VALUE_BYTES => (searched + i, searched + i + 1),
                Some(_) => return Err(ReadError::ValueTooLarge),
                None if window.len() > MAX_VALUE_BYTES => return Err(ReadError::ValueTooLarge),
                None if feed.eof => (window.len(), window.len()),
                None => {
                    searched = window.len();
                    feed.more()?;
                    continue;
                }
            };
            let line = window[..end].trim_ascii();
            if !line.is_empty() {
                self.record(name, index, line);
                index += 1;
            }
            feed.consume(next);
            searched = 0;
            if next == end && feed.eof {
                return Ok(());
            }
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
                let known = self
                    .accounts
                    .get(&account_id)
                    .is_some_and(|a| a.service_events.contains_key(&service));
                if !known && !self.keep() {
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
                if !self.keep() {
                    return;
                }
                self.stats.root_events += 1;
                self.accounts.entry(account_id).or_default().events.push(*event);
            }
            Err(e) => self.record_problem(name, index, e.to_string()),
        }
    }
}

/// `1073741824` as `1 GiB`.
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

/// A window over a file's uncompressed text, read a chunk at a time: memory is bounded by the
/// longest record, not by the file.
struct Feed<'b, R> {
    src: R,
    buf: &'b mut Vec<u8>,
    /// The unread text is `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// Uncompressed bytes read so far.
    read: u64,
    limit: u64,
    /// Newlines before `start`, and bytes since the last of them: positions for messages.
    line: u64,
    column: u64,
}

impl<'b, R: Read> Feed<'b, R> {
    fn new(src: R, buf: &'b mut Vec<u8>, limit: u64) -> Self {
        Feed {
            src,
            buf,
            start: 0,
            end: 0,
            eof: false,
            read: 0,
            limit,
            line: 0,
            column: 0,
        }
    }

    fn window(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        let done = &self.buf[self.start..self.start + n];
        match memchr::memrchr(b'\n', done) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', done).count() as u64;
                self.column = (n - last - 1) as u64;
            }
            None => self.column += n as u64,
        }
        self.start += n;
    }

    /// Reads the next chunk after the window; `false` at the end of the file.
    fn more(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // A long value is read in doubling steps, so it is parsed O(1) times, not once a chunk.
        let want = (self.end - self.start).clamp(CHUNK, MAX_VALUE_BYTES);
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        let n = loop {
            match self.src.read(&mut self.buf[self.end..self.end + want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(ReadError::TooLarge);
        }
        Ok(true)
    }

    /// Reads until the window holds `n` bytes; `false` when the file is shorter.
    fn need(&mut self, n: usize) -> Result<bool, ReadError> {
        while self.window().len() < n {
            if !self.more()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Skips whitespace; the next byte, or `None` at the end of the file.
    fn skip_ws(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            let w = self.window();
            match w.iter().position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t')) {
                Some(i) => {
                    let b = w[i];
                    self.consume(i);
                    return Ok(Some(b));
                }
                None => {
                    self.consume(w.len());
                    if !self.more()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The length of the JSON value at the start of the window (after whitespace), reading more
    /// of the file as needed.
    fn span(&mut self) -> Result<usize, ReadError> {
        self.skip_ws()?;
        loop {
            let w = self.window();
            let mut values = serde_json::Deserializer::from_slice(w).into_iter::<IgnoredAny>();
            match values.next() {
                // A value that ends the window may go on in the next chunk (a number).
                Some(Ok(_)) if values.byte_offset() > MAX_VALUE_BYTES => return Err(ReadError::ValueTooLarge),
                Some(Ok(_)) if values.byte_offset() < w.len() || self.eof => return Ok(values.byte_offset()),
                Some(Err(e)) if !e.is_eof() || self.eof => return Err(self.serde_error(&e)),
                None if self.eof => return Err(self.syntax("unexpected end of the file")),
                _ => {}
            }
            if w.len() >= MAX_VALUE_BYTES {
                return Err(ReadError::ValueTooLarge);
            }
            self.more()?;
        }
    }

    /// A syntax error at the start of the window.
    fn syntax(&self, message: &str) -> ReadError {
        ReadError::Syntax {
            line: self.line + 1,
            column: self.column + 1,
            message: message.to_string(),
        }
    }

    /// A serde error in the window, placed in the file.
    fn serde_error(&self, e: &serde_json::Error) -> ReadError {
        let (line, column) = if e.line() <= 1 {
            (self.line + 1, self.column + e.column() as u64)
        } else {
            (self.line + e.line() as u64, e.column() as u64)
        };
        let text = e.to_string();
        let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
        ReadError::Syntax {
            line,
            column,
            message: message.to_string(),
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
/// `Records` first) or, failing that, by whether the first line is a CloudTrail record. Reads
/// no further than the first line (at most [`MAX_VALUE_BYTES`]) and consumes nothing but
/// leading whitespace.
fn detect<R: Read>(feed: &mut Feed<R>) -> Result<Layout, ReadError> {
    match feed.skip_ws()? {
        None => return Ok(Layout::Empty),
        Some(b'{') => {}
        Some(_) => return Ok(Layout::Unknown),
    }
    let key = br#""Records""#;
    let mut at = 1;
    loop {
        let w = feed.window();
        while w.get(at).is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t')) {
            at += 1;
        }
        if at + key.len() <= w.len() || feed.eof || w.len() > MAX_VALUE_BYTES {
            break;
        }
        feed.more()?;
    }
    if feed.window()[at..].starts_with(key) {
        return Ok(Layout::Records);
    }
    let mut searched = 0;
    let first_line = loop {
        let w = feed.window();
        if let Some(i) = memchr::memchr(b'\n', &w[searched..]) {
            break Some(searched + i);
        }
        if feed.eof {
            break Some(w.len());
        }
        if w.len() > MAX_VALUE_BYTES {
            break None;
        }
        searched = w.len();
        feed.more()?;
    };
    let looks_like_record = first_line.is_some_and(|end| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&feed.window()[..end])
            .is_ok_and(|m| m.contains_key("eventTime") || m.contains_key("eventName") || m.contains_key("userIdentity"))
    });
    // Anything else that starts with '{' is read as a document whose Records key is not first
    // (pretty-printed, say), and fails with a message if it is not one.
    Ok(if looks_like_record {
        Layout::Lines
    } else {
        Layout::Records
    })
}

#[cfg(test)]
mod tests;
