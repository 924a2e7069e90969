//! The progress bar on stderr and the lines written while it is drawn: log lines and warnings
//! are printed above the bar (the bar is hidden while they are written) instead of through it.

use std::io::Write;
use std::sync::Mutex;

use indicatif::ProgressBar;

static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Makes `bar` the one that stderr writes suspend (the latest shown wins).
pub fn show(bar: &ProgressBar) {
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar.clone());
}

/// Runs `f` with the current progress bar, if any is drawn, hidden.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match bar {
        Some(bar) if !bar.is_finished() && !bar.is_hidden() => bar.suspend(f),
        _ => f(),
    }
}

/// Writes `bytes` to stderr above the progress bar, ignoring a reader that has gone.
pub fn stderr(bytes: &[u8]) {
    suspend(|| {
        let _ = std::io::stderr().lock().write_all(bytes);
    });
}

/// A `tracing_subscriber` writer: each log line goes to stderr above the progress bar.
#[derive(Debug, Default, Clone, Copy)]
pub struct AboveTheBar;

/// One log line, written when dropped.
#[derive(Debug, Default)]
pub struct LineWriter(Vec<u8>);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            stderr(&self.0);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for AboveTheBar {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> LineWriter {
        LineWriter::default()
    }
}
