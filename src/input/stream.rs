//! Reading a snapshot one account at a time, so evaluating thousands of accounts takes the memory
//! of a few accounts and the outcome table, not of the whole document.
//!
//! The file is read in passes, each from the start, each digesting the bytes as they go by:
//! 1. everything but the accounts (in any field order), and of each account its id, its name,
//!    the chain owners it names ([`Account::chain_owners`]) and the checks of
//!    [`super::parse_snapshot`]; management accounts are kept, being the usual chain owners;
//! 2. only when a chain owner was not kept: the chain owners;
//! 3. ([`SnapshotStream::with_accounts`]) each account, redacted, handed over and dropped.
//!
//! Any problem in pass 1 (broken JSON, a wrong version, a duplicate id...) reads the file again
//! the way [`super::load_snapshot_with_digest`] does, so a bad snapshot gets exactly the error it
//! always got; the memory of a run that fails does not matter. A file that changes between the
//! passes (its digest differs) is an error.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize as _;
use sha2::Digest as _;

use super::{check_account, redact_account, InputError};
use crate::snapshot::{Account, AccountRole, Snapshot, SCHEMA_VERSION};

/// How many parsed accounts may wait for the evaluator: enough to keep it busy, few enough that
/// the reader never runs far ahead.
const READ_AHEAD: usize = 4;

/// What the first pass learns of an account besides the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHead {
    /// The account id.
    pub account_id: String,
    /// Its name, when the snapshot has one (the text report shows it).
    pub name: Option<String>,
}

/// A snapshot file read, checked and digested, whose accounts are read again one at a time.
#[derive(Debug)]
pub struct SnapshotStream {
    path: PathBuf,
    context: Snapshot,
    heads: Vec<AccountHead>,
    digest: String,
}

/// A snapshot opened for evaluation.
#[derive(Debug)]
pub enum OpenedSnapshot {
    /// Its accounts are read one at a time.
    Streamed(SnapshotStream),
    /// Read whole (a document the passes do not read, but [`super::parse_snapshot`] accepts),
    /// with its digest.
    Whole(Snapshot, String),
}

/// Opens the snapshot at `path` for reading its accounts one at a time; a bad snapshot is the
/// error [`super::load_snapshot_with_digest`] gives.
pub fn open_snapshot(path: &Path) -> Result<OpenedSnapshot, InputError> {
    match SnapshotStream::open(path) {
        Ok(stream) => Ok(OpenedSnapshot::Streamed(stream)),
        Err(reason) => {
            tracing::debug!("{}: not streamed ({reason}); reading it whole", path.display());
            let (snapshot, digest) = super::load_snapshot_with_digest(path)?;
            Ok(OpenedSnapshot::Whole(snapshot, digest))
        }
    }
}

impl SnapshotStream {
    /// Passes 1 and 2; `Err` says why the file is not streamed (to be read whole instead).
    fn open(path: &Path) -> Result<SnapshotStream, String> {
        let mut heads = Vec::new();
        let mut seen = HashSet::new();
        let mut named = BTreeSet::new();
        let mut kept = Vec::new();
        let mut rest = serde_json::Map::new();
        let digest = pass(path, Some(&mut rest), &mut |i, mut account| {
            check_account(i, &account, &mut seen).map_err(|(_, message)| message)?;
            named.extend(account.chain_owners().into_iter().map(str::to_string));
            heads.push(AccountHead {
                account_id: account.account_id.clone(),
                name: account.name.clone(),
            });
            if account.role == AccountRole::Management {
                redact_account(&mut account);
                kept.push(account);
            }
            Ok(())
        })?;
        match rest.get("schema_version") {
            Some(serde_json::Value::String(v)) if v == SCHEMA_VERSION => {}
            _ => return Err("not this schema version".into()),
        }
        rest.insert("accounts".into(), serde_json::Value::Array(Vec::new()));
        let mut context = Snapshot::deserialize(serde_json::Value::Object(rest)).map_err(|e| e.to_string())?;
        let owners: BTreeSet<&str> = heads
            .iter()
            .map(|h| h.account_id.as_str())
            .filter(|id| named.contains(*id))
            .collect();
        kept.retain(|a| owners.contains(a.account_id.as_str()));
        if kept.len() < owners.len() {
            kept.clear();
            let again = pass(path, None, &mut |_, mut account| {
                if owners.contains(account.account_id.as_str()) {
                    redact_account(&mut account);
                    kept.push(account);
                }
                Ok(())
            })?;
            if again != digest {
                return Err("the file changed while it was read".into());
            }
        }
        context.accounts = kept;
        Ok(SnapshotStream {
            path: path.to_path_buf(),
            context,
            heads,
            digest,
        })
    }

    /// The snapshot without its accounts, except the chain owners: the accounts whose trail
    /// another account's trail list names (what [`Account::chain_owners`] finds).
    pub fn context(&self) -> &Snapshot {
        &self.context
    }

    /// Every account's id and name, in the snapshot's order.
    pub fn accounts(&self) -> &[AccountHead] {
        &self.heads
    }

    /// `sha256:` and the SHA-256 of the file, as [`super::document_digest`] writes it.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Reads the accounts again, in order, each checked and redacted as
    /// [`super::parse_snapshot`] does, and gives them to `consume` one at a time (read on another
    /// thread, a few ahead). If `consume` stops early the reading stops. A file that changed
    /// since it was opened is an error, whatever `consume` made of it.
    pub fn with_accounts<R>(
        &self,
        consume: impl FnOnce(&mut dyn Iterator<Item = Account>) -> R,
    ) -> Result<R, InputError> {
        let (tx, rx) = mpsc::sync_channel::<Account>(READ_AHEAD);
        let (result, read) = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut stopped = false;
                let mut count = 0;
                let read = pass(&self.path, None, &mut |_, mut account| {
                    redact_account(&mut account);
                    count += 1;
                    tx.send(account).map_err(|_| {
                        stopped = true;
                        "stopped".to_string()
                    })
                });
                match read {
                    _ if stopped => Ok(()),
                    Ok(digest) if digest == self.digest && count == self.heads.len() => Ok(()),
                    _ => Err(()),
                }
            });
            let mut accounts = rx.into_iter();
            let result = consume(&mut accounts);
            drop(accounts);
            let read = reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (result, read)
        });
        read.map_err(|()| InputError::Invalid {
            path: self.path.clone(),
            place: "document".into(),
            message: "the file changed while it was read (its SHA-256 differs between readings); read a snapshot nothing is writing".into(),
        })?;
        Ok(result)
    }
}

/// One reading of the file: every account is parsed and given to `account` with its index; the
/// other members are kept in `rest` (`None`: skipped). Returns the file's digest.
fn pass(
    path: &Path,
    rest: Option<&mut serde_json::Map<String, serde_json::Value>>,
    account: &mut dyn FnMut(usize, Account) -> Result<(), String>,
) -> Result<String, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut hashing = Hashing {
        inner: file,
        sha: sha2::Sha256::new(),
    };
    {
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, &mut hashing));
        de.deserialize_map(Top { rest, account }).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
    }
    // `end` read to the end of the file; anything left (nothing) is digested all the same.
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| e.to_string())?;
    let sum = hashing.sha.finalize();
    Ok(format!(
        "sha256:{}",
        sum.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// A reader that digests what it reads.
struct Hashing {
    inner: File,
    sha: sha2::Sha256,
}

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }
}

/// The snapshot object: `accounts` element by element, the rest as values.
struct Top<'a> {
    rest: Option<&'a mut serde_json::Map<String, serde_json::Value>>,
    account: &'a mut dyn FnMut(usize, Account) -> Result<(), String>,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut accounts = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "accounts" {
                if std::mem::replace(&mut accounts, true) {
                    return Err(de::Error::duplicate_field("accounts"));
                }
                map.next_value_seed(Accounts {
                    account: &mut *self.account,
                })?;
            } else if let Some(rest) = self.rest.as_deref_mut() {
                let value = map.next_value::<serde_json::Value>()?;
                if rest.insert(key, value).is_some() {
                    return Err(de::Error::custom("a member appears twice"));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !accounts {
            return Err(de::Error::missing_field("accounts"));
        }
        Ok(())
    }
}

/// The `accounts` array, parsed one element at a time.
struct Accounts<'a> {
    account: &'a mut dyn FnMut(usize, Account) -> Result<(), String>,
}

impl<'de> DeserializeSeed<'de> for Accounts<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Accounts<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of accounts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(account) = seq.next_element::<Account>()? {
            (self.account)(i, account).map_err(de::Error::custom)?;
            i += 1;
        }
        Ok(())
    }
}
