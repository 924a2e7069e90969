//! Where a run's outputs go: every `-o FORMAT[=PATH]`, `--snapshot-out` and the like.
//!
//! A CI job uploads whatever file is there, so an output must never be empty, half-written or
//! stale from a run that failed. Outputs are therefore planned before any work ([`OutputPlan::add`]
//! checks each path without creating anything, and refuses two outputs to one place, or an output
//! over one of the run's inputs) and written only once the whole run has succeeded
//! ([`OutputPlan::commit`]): each file to a temporary file beside it, renamed into place when
//! every output is written. A failed run leaves no new file and every existing one untouched.
//!
//! Standard output gets the same care: the reader may go away (`| head`), which stops the output
//! quietly instead of failing the run.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// The formats one command's `-o` accepts.
pub trait OutputFormat: Copy + Send + Sync + 'static {
    /// What the formats are called in an error, e.g. `output format`.
    const KIND: &'static str;
    /// Every format, in the order the error lists them.
    const ALL: &'static [Self];
    /// The name `-o` takes.
    fn name(self) -> &'static str;
}

/// The formats of a command whose output is for people or for programs and nothing else (rules
/// list, remediate plan, explain-filter, drill).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOrJson {
    /// For people.
    Text,
    /// For programs.
    Json,
}

impl OutputFormat for TextOrJson {
    const KIND: &'static str = "format";
    const ALL: &'static [TextOrJson] = &[TextOrJson::Text, TextOrJson::Json];
    fn name(self) -> &'static str {
        match self {
            TextOrJson::Text => "text",
            TextOrJson::Json => "json",
        }
    }
}

/// One `-o FORMAT[=PATH]`: the same syntax on every subcommand; no path (or `-`) means stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output<F> {
    /// The format.
    pub format: F,
    /// Where to write; `None` for stdout.
    pub path: Option<PathBuf>,
}

impl<F: OutputFormat> std::str::FromStr for Output<F> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, path) = match s.split_once('=') {
            Some((n, "")) => return Err(format!("`{n}=` needs a path after '='")),
            Some((n, "-")) => (n, None),
            Some((n, p)) => (n, Some(PathBuf::from(p))),
            None => (s, None),
        };
        let names: Vec<&str> = F::ALL.iter().map(|f| f.name()).collect();
        let format = F::ALL.iter().copied().find(|f| f.name() == name).ok_or_else(|| {
            let hint = if name.contains(['/', '.']) {
                // `-o out.json` was a path on some commands once; say how to write it now.
                format!("; to write a file, give FORMAT=PATH, e.g. -o {}={name}", names[0])
            } else {
                String::new()
            };
            let expected = match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => names.join(", "),
            };
            format!("unknown {} {name:?}; expected {expected}{hint}", F::KIND)
        })?;
        Ok(Output { format, path })
    }
}

impl<T> OutputPlan<T> {
    /// Plans every `-o` of `outputs` (or `default` to stdout when there is none), each holding
    /// `what(format)`.
    pub fn add_outputs<F: OutputFormat>(
        &mut self,
        outputs: &[Output<F>],
        default: F,
        what: impl Fn(F) -> T,
    ) -> Result<(), OutputError> {
        for o in outputs {
            self.add(what(o.format), format!("-o {}", o.format.name()), o.path.as_deref())?;
        }
        if outputs.is_empty() {
            self.add(what(default), format!("-o {}", default.name()), None)?;
        }
        Ok(())
    }
}

/// An output that cannot be written where it was asked to go.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path cannot be written (a directory, not writable, no such directory...).
    #[error("{label} {path}: {message}")]
    Path {
        /// The option that asked for it, e.g. `-o sarif`.
        label: String,
        /// The path as given.
        path: String,
        /// Why.
        message: String,
    },
    /// Two outputs go to the same place.
    #[error("{first} and {second} both write to {place}; give each output its own path")]
    Collision {
        /// The earlier output.
        first: String,
        /// The later one.
        second: String,
        /// The place (a path, or standard output).
        place: String,
    },
    /// An output would overwrite (or be read as) an input of the run.
    #[error("{label} {path} is {input}, which this run reads; write the output elsewhere")]
    Input {
        /// The output's option.
        label: String,
        /// Its path as given.
        path: String,
        /// What it is, e.g. `the snapshot` or `a log file under --logs logs/`.
        input: String,
    },
    /// Writing failed after the run (disk full, say); nothing was replaced.
    #[error("{path}: cannot write {label}: {message}")]
    Write {
        /// The output's option.
        label: String,
        /// The path.
        path: String,
        /// The OS error.
        message: String,
    },
}

/// What a place is, to tell two names of one file apart from two files: the device and inode of
/// an existing file (hard and symbolic links, `/dev/stdout`), else the absolute path it will be
/// created at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
}

#[derive(Debug)]
enum Target {
    Stdout,
    /// Written to a temporary file in `path`'s directory and renamed over it; `mode` is the
    /// permission bits of the file it replaces.
    Replace {
        path: PathBuf,
        mode: Option<u32>,
    },
    /// Written in place: a device or FIFO (`/dev/null`, process substitution), or a file in a
    /// directory this user cannot create files in.
    InPlace {
        path: PathBuf,
        truncate: bool,
    },
}

#[derive(Debug)]
struct Planned<T> {
    what: T,
    label: String,
    given: String,
    target: Target,
    identity: Option<Identity>,
    /// The absolute path it lands at (symbolic links resolved); `None` for standard output.
    place: Option<PathBuf>,
}

/// The outputs of one run, checked; `T` says what to render into each.
#[derive(Debug)]
pub struct OutputPlan<T> {
    outputs: Vec<Planned<T>>,
}

impl<T> Default for OutputPlan<T> {
    fn default() -> Self {
        OutputPlan { outputs: Vec::new() }
    }
}

impl<T> OutputPlan<T> {
    /// No outputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there is no output.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// What each output renders, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.outputs.iter().map(|o| &o.what)
    }

    /// Adds an output (`path` `None` for standard output) asked for by `label` (`-o sarif`,
    /// `--snapshot-out`), after checking, without creating anything, that the path can be
    /// written and that no earlier output goes to the same place.
    pub fn add(&mut self, what: T, label: impl Into<String>, path: Option<&Path>) -> Result<(), OutputError> {
        let label = label.into();
        let planned = match path {
            None => Planned {
                what,
                label,
                given: "standard output".into(),
                target: Target::Stdout,
                identity: stdout_identity(),
                place: None,
            },
            Some(p) => {
                let given = p.display().to_string();
                let (target, identity, place) = check_path(p).map_err(|message| OutputError::Path {
                    label: label.clone(),
                    path: given.clone(),
                    message,
                })?;
                Planned {
                    what,
                    label,
                    given,
                    target,
                    identity,
                    place: Some(place),
                }
            }
        };
        let stdout = matches!(planned.target, Target::Stdout);
        let same = |o: &Planned<T>| {
            (stdout && matches!(o.target, Target::Stdout))
                || (planned.identity.is_some() && o.identity == planned.identity)
        };
        if let Some(earlier) = self.outputs.iter().find(|o| same(o)) {
            let place = if stdout || matches!(earlier.target, Target::Stdout) {
                "standard output".to_string()
            } else {
                planned.given.clone()
            };
            return Err(OutputError::Collision {
                first: earlier.label.clone(),
                second: planned.label,
                place,
            });
        }
        self.outputs.push(planned);
        Ok(())
    }

    /// Checks, creating nothing, that files can be written in `dir` (an existing directory, or
    /// one that can be created), for outputs whose names are known only after the work.
    pub fn check_dir(label: &str, dir: &Path) -> Result<(), OutputError> {
        let err = |message: String| OutputError::Path {
            label: label.to_string(),
            path: dir.display().to_string(),
            message,
        };
        match std::fs::metadata(dir) {
            Ok(m) if !m.is_dir() => Err(err("is not a directory".into())),
            Ok(_) if !can_create_in(dir) => Err(err("cannot create files in it: permission denied".into())),
            Ok(_) => Ok(()),
            Err(_) => check_path(dir).map(|_| ()).map_err(err),
        }
    }

    /// Refuses an output that is one of the run's input files (`what`: how to name it, e.g.
    /// `the snapshot`). Inputs that do not exist are ignored: reading them fails on its own.
    pub fn refuse_input(&self, what: &str, input: &Path) -> Result<(), OutputError> {
        let Some(id) = existing_identity(input) else {
            return Ok(());
        };
        match self.outputs.iter().find(|o| o.identity.as_ref() == Some(&id)) {
            Some(o) => Err(OutputError::Input {
                label: o.label.clone(),
                path: o.given.clone(),
                input: what.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Refuses an output that a walk of the input directory `dir` would read (`is_input` on its
    /// file name), such as a `*.json` under `--logs` or a `*.rego` under `--rules`, whether it
    /// exists yet or not. `what` names the directory in the message.
    pub fn refuse_under(&self, what: &str, dir: &Path, is_input: impl Fn(&str) -> bool) -> Result<(), OutputError> {
        let Ok(dir) = dir.canonicalize() else {
            return Ok(());
        };
        for o in &self.outputs {
            let Some(place) = &o.place else { continue };
            let name = place
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if place.starts_with(&dir) && is_input(&name) {
                return Err(OutputError::Input {
                    label: o.label.clone(),
                    path: o.given.clone(),
                    input: format!("a file of {what}"),
                });
            }
        }
        Ok(())
    }

    /// Renders every output and writes it: files first, each to a temporary file renamed over
    /// its path once all are written (so a failure leaves every existing file as it was), then
    /// standard output. Call it only when the run has succeeded.
    pub fn commit(self, mut render: impl FnMut(&T) -> String) -> Result<(), OutputError> {
        // A file's body is written to its temporary file as soon as it is rendered and dropped,
        // so a run holds one report at a time besides those for stdout and in-place files.
        let mut staging = Staging::default();
        let mut labels: Vec<(PathBuf, String)> = Vec::new();
        let mut later: Vec<(Planned<T>, String)> = Vec::new();
        for o in self.outputs {
            let body = render(&o.what);
            if let Target::Replace { path, mode } = &o.target {
                staging
                    .stage(path, *mode, body.as_bytes())
                    .map_err(|e| write_error(&o, path, &e))?;
                labels.push((path.clone(), o.label.clone()));
            } else {
                later.push((o, body));
            }
        }
        staging.publish().map_err(|(path, e)| OutputError::Write {
            label: labels
                .iter()
                .find(|(p, _)| *p == path)
                .map_or_else(String::new, |(_, l)| l.clone()),
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        for (o, body) in &later {
            if let Target::InPlace { path, truncate } = &o.target {
                write_in_place(path, *truncate, body.as_bytes()).map_err(|e| write_error(o, path, &e))?;
            }
        }
        for (o, body) in &later {
            if matches!(o.target, Target::Stdout) {
                stdout(body);
            }
        }
        Ok(())
    }
}

fn write_error<T>(o: &Planned<T>, path: &Path, e: &std::io::Error) -> OutputError {
    OutputError::Write {
        label: o.label.clone(),
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn write_in_place(path: &Path, truncate: bool, body: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).truncate(truncate).open(path)?;
    f.write_all(body)?;
    f.flush()
}

/// Temporary files written beside their final paths, and the directories made for them; what
/// is not published is removed, also when the run panics.
#[derive(Default)]
struct Staging {
    /// (temporary file, final path).
    staged: Vec<(PathBuf, PathBuf)>,
    made_dirs: Vec<PathBuf>,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Staging {
    fn stage(&mut self, path: &Path, mode: Option<u32>, body: &[u8]) -> std::io::Result<()> {
        let dir = parent_dir(path);
        self.make_dirs(&dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (temp, mut file) = loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = dir.join(format!(".{name}.rootwarden-{}-{n}.tmp", std::process::id()));
            match new_file(&temp) {
                Ok(f) => break (temp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        self.staged.push((temp.clone(), path.to_path_buf()));
        file.write_all(body)?;
        file.sync_all()?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        Ok(())
    }

    /// Creates the missing directories of `dir`, remembering them to remove on failure.
    fn make_dirs(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_path_buf());
            at = d.parent();
        }
        for d in missing.into_iter().rev() {
            match std::fs::create_dir(&d) {
                Ok(()) => self.made_dirs.push(d),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Renames every temporary file over its path.
    fn publish(mut self) -> Result<(), (PathBuf, std::io::Error)> {
        let staged = std::mem::take(&mut self.staged);
        let mut rest = staged.into_iter();
        while let Some((temp, path)) = rest.next() {
            if let Err(e) = std::fs::rename(&temp, &path) {
                // A file bind-mounted into a container cannot be replaced, only rewritten.
                let busy = matches!(e.raw_os_error(), Some(code) if code == EBUSY || code == EXDEV);
                let body = if busy { std::fs::read(&temp).ok() } else { None };
                let _ = std::fs::remove_file(&temp);
                if body.is_none_or(|body| write_in_place(&path, true, &body).is_err()) {
                    self.staged = rest.collect();
                    return Err((path, e));
                }
            }
        }
        self.made_dirs.clear();
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
        }
        for d in self.made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

const EBUSY: i32 = 16;
const EXDEV: i32 = 18;

fn new_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // As File::create would: the umask decides.
        o.mode(0o666);
    }
    o.open(path)
}

/// The directory a file is created in (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks that `path` can be written, creating nothing: how it will be written, what it is, and
/// the absolute path it lands at.
fn check_path(path: &Path) -> Result<(Target, Option<Identity>, PathBuf), String> {
    let text = path.as_os_str().to_string_lossy();
    if text.ends_with('/') || path.file_name().is_none() {
        return Err("names a directory, not a file".into());
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err("is a directory".into()),
        Ok(m) => {
            // Symbolic links are kept: the file they lead to is written. (`/dev/stdout` leads to
            // `pipe:[N]`, which is no path.)
            let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            let id = identity_of(&m, &real);
            if !m.is_file() {
                // /dev/null, /dev/stderr, a FIFO: written in place, at the end.
                return Ok((
                    Target::InPlace {
                        path: path.to_path_buf(),
                        truncate: false,
                    },
                    id,
                    real,
                ));
            }
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| format!("cannot write: {e}"))?;
            let dir = parent_dir(&real);
            let target = if can_create_in(&dir) {
                Target::Replace {
                    path: real.clone(),
                    mode: mode_of(&m),
                }
            } else {
                Target::InPlace {
                    path: real.clone(),
                    truncate: true,
                }
            };
            Ok((target, id, real))
        }
        Err(_) if std::fs::symlink_metadata(path).is_ok() => {
            Err("is a symbolic link to nothing; remove it or give the path it should lead to".into())
        }
        Err(_) => {
            // A new file: the nearest existing ancestor must be a directory we can create in.
            let mut missing = Vec::new();
            let mut at = path;
            let existing = loop {
                match at.parent() {
                    Some(p) if !p.as_os_str().is_empty() => {
                        missing.push(at.file_name().map(|n| n.to_os_string()));
                        at = p;
                        if std::fs::symlink_metadata(at).is_ok() {
                            break at.to_path_buf();
                        }
                    }
                    _ => {
                        missing.push(at.file_name().map(|n| n.to_os_string()));
                        break PathBuf::from(".");
                    }
                }
            };
            let meta = std::fs::metadata(&existing).map_err(|e| format!("cannot read {}: {e}", existing.display()))?;
            if !meta.is_dir() {
                return Err(format!("{} is not a directory", existing.display()));
            }
            if !can_create_in(&existing) {
                return Err(format!(
                    "cannot create files in {}: permission denied",
                    existing.display()
                ));
            }
            let mut id = existing.canonicalize().map_err(|e| format!("cannot resolve: {e}"))?;
            for part in missing.into_iter().rev() {
                match part {
                    Some(name) => id.push(name),
                    None => return Err("`..` after a directory that does not exist yet".into()),
                }
            }
            Ok((
                Target::Replace {
                    path: path.to_path_buf(),
                    mode: None,
                },
                Some(Identity::Path(id.clone())),
                id,
            ))
        }
    }
}

/// Whether this process may create (and rename) files in `dir`.
fn can_create_in(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

fn inode(m: &std::fs::Metadata) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Identity::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

fn mode_of(m: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

/// What an existing file is; `None` for a terminal or `/dev/null`, which take any number of
/// outputs.
fn identity_of(m: &std::fs::Metadata, real: &Path) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if m.file_type().is_char_device() {
            return None;
        }
    }
    Some(inode(m).unwrap_or_else(|| Identity::Path(real.to_path_buf())))
}

fn existing_identity(path: &Path) -> Option<Identity> {
    let m = std::fs::metadata(path).ok()?;
    identity_of(&m, &path.canonicalize().ok()?)
}

/// The file standard output is, so `-o json=/dev/stdout` next to `-o text` is seen as a collision.
fn stdout_identity() -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let m = std::fs::File::from(fd).metadata().ok()?;
        identity_of(&m, Path::new("/dev/stdout"))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes `text` to standard output. When the reader has gone (`rootwarden ... | head`), this and
/// every later write are dropped quietly; any other failure is kept for [`stdout_error`].
pub fn stdout(text: &str) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => STDOUT_GONE.store(true, Ordering::Relaxed),
        Err(e) => {
            STDOUT_GONE.store(true, Ordering::Relaxed);
            if let Ok(mut slot) = STDOUT_ERROR.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// Formats and writes to standard output (see [`stdout`]), with control characters escaped
/// for the terminal. Used by [`out!`](crate::out) and [`outln!`](crate::outln).
pub fn stdout_fmt(args: fmt::Arguments<'_>) {
    stdout(&super::terminal::escape(&args.to_string()));
}

/// Writes to standard error, control characters escaped, ignoring a reader that has gone
/// (`2>&1 | head`).
pub fn stderr_fmt(args: fmt::Arguments<'_>) {
    let text = args.to_string();
    crate::progress::stderr(super::terminal::escape(&text).as_bytes());
}

/// Why writing to standard output failed, other than the reader going away.
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR.lock().ok().and_then(|s| s.clone())
}

/// `print!` for text meant for people: control characters escaped, a closed pipe quiet.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::report::output::stdout_fmt(format_args!($($arg)*)) };
}

/// `println!` for text meant for people: control characters escaped, a closed pipe quiet.
#[macro_export]
macro_rules! outln {
    () => { $crate::report::output::stdout("\n") };
    ($($arg:tt)*) => {{
        $crate::report::output::stdout_fmt(format_args!($($arg)*));
        $crate::report::output::stdout("\n");
    }};
}

/// `eprintln!` that neither passes control characters nor panics when standard error is closed.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        $crate::report::output::stderr_fmt(format_args!($($arg)*));
        $crate::report::output::stderr_fmt(format_args!("\n"));
    }};
}

#[cfg(test)]
mod tests;
