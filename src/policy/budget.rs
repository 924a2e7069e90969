//! The hard budgets of one account's evaluation, and what a rule may ask of the clock.
//!
//! While rootwarden evaluates an account, the thread doing it carries an [`EvalScope`]: which
//! rule is running (the generated verdict modules report each rule as it starts), which rules
//! must not run (their required facts are missing), the pinned clock, and the bytes allocated
//! so far. On a time-out or an error, the scope names the rule that was running; when the
//! memory budget runs out, [`BudgetedAlloc`] ends the process with exit code 2 and a message
//! naming the rule and the account.
//!
//! Why an allocator and not regorus' own limits: regorus 0.14 offers a *process-wide* allocation
//! limit (feature `allocator-memory-limits`, through its own vendored mimalloc) that the
//! interpreter checks cooperatively, between steps and inside some builtins. It cannot tell which
//! of the parallel evaluations is at fault, and a single large allocation (`numbers.range`
//! sizes its array before checking, `concat` joins in one allocation) reaches the allocator
//! before any check: the allocation fails and Rust aborts the process. Only the allocator sees
//! every request before it is made, so the budget is enforced there, per evaluating thread.
//! Unwinding out of an allocator is undefined behaviour and returning null aborts, so on
//! exhaustion it reports and exits: the run fails with exit code 2, as any rule error does.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::io::Write as _;

thread_local! {
    // The scope of the evaluation running on this thread, or null. A raw pointer in a
    // const-initialised `Cell` (no destructor, no lazy initialisation), so that the allocator can
    // read it on any thread at any time without allocating.
    static ACTIVE: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
}

/// What one account's evaluation may use, and where it has got to.
pub struct EvalScope<'a> {
    /// Label of each rule, by index ("rule RW-ROOT-001 (rules/root_access_keys.rego)").
    labels: &'a [String],
    /// Rules that must not run on this account (their required facts were not collected).
    skip: &'a [bool],
    /// The account being evaluated.
    account: &'a str,
    /// `time.now_ns()`: the snapshot's `collected_at`, in nanoseconds since the epoch.
    clock_ns: Option<i64>,
    /// Bytes this evaluation may allocate beyond what was live when it started.
    memory_limit: u64,
    /// Bytes allocated minus bytes freed on this thread since the scope started.
    used: Cell<i64>,
    /// The rule running now.
    current: Cell<Option<usize>>,
    /// How many rules have started.
    started: Cell<usize>,
}

impl<'a> EvalScope<'a> {
    /// A scope for evaluating `account` with the rules labelled `labels`, skipping those
    /// marked in `skip` (same length, or empty for none).
    pub fn new(labels: &'a [String], skip: &'a [bool], account: &'a str) -> EvalScope<'a> {
        EvalScope {
            labels,
            skip,
            account,
            clock_ns: None,
            memory_limit: u64::MAX,
            used: Cell::new(0),
            current: Cell::new(None),
            started: Cell::new(0),
        }
    }

    /// Pins `time.now_ns()` to `ns`.
    pub fn with_clock(mut self, ns: i64) -> Self {
        self.clock_ns = Some(ns);
        self
    }

    /// Bounds the bytes the evaluation may allocate (enforced by [`BudgetedAlloc`]).
    pub fn with_memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Runs `f` with this scope active on the current thread.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore(*const ());
        impl Drop for Restore {
            fn drop(&mut self) {
                ACTIVE.with(|a| a.set(self.0));
            }
        }
        let previous = ACTIVE.with(|a| a.replace(std::ptr::from_ref(self).cast()));
        let _restore = Restore(previous);
        f()
    }

    /// The index of the rule that was running last, if any had started.
    pub fn current_rule(&self) -> Option<usize> {
        self.current.get()
    }

    /// How many rules had started.
    pub fn rules_started(&self) -> usize {
        self.started.get()
    }
}

/// Runs `f` on the active scope of this thread, if there is one.
fn with_active<R>(f: impl FnOnce(&EvalScope<'_>) -> R) -> Option<R> {
    let p = ACTIVE.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: `EvalScope::run` sets the pointer to a scope it borrows for the whole call and
    // restores the previous value before returning (also on unwind), so a non-null pointer
    // always refers to a live scope on this thread.
    Some(f(unsafe { &*p.cast::<EvalScope<'_>>() }))
}

/// Called by the generated verdict modules as rule `index` starts; whether it should run.
pub(crate) fn rule_started(index: usize) -> bool {
    with_active(|s| {
        if s.current.get() != Some(index) {
            s.current.set(Some(index));
            s.started.set(s.started.get() + 1);
        }
        !s.skip.get(index).copied().unwrap_or(false)
    })
    .unwrap_or(true)
}

/// The pinned clock of the evaluation on this thread, if one is running.
pub(crate) fn clock_ns() -> Option<i64> {
    with_active(|s| s.clock_ns).flatten()
}

/// The process's global allocator wrapped so that each evaluation stays within its memory
/// budget. Install it in the binary (`#[global_allocator]`); outside an evaluation it only
/// forwards to the inner allocator.
pub struct BudgetedAlloc<A>(pub A);

// SAFETY: every method forwards to the inner allocator with the same arguments; the accounting
// around it neither allocates nor unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for BudgetedAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        // SAFETY: as above.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        credit(layout.size());
        // SAFETY: as above.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            charge(new_size - layout.size());
        } else {
            credit(layout.size() - new_size);
        }
        // SAFETY: as above.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

fn credit(size: usize) {
    let p = ACTIVE.with(Cell::get);
    if !p.is_null() {
        // SAFETY: see `with_active`.
        let s = unsafe { &*p.cast::<EvalScope<'_>>() };
        s.used.set(s.used.get().saturating_sub(size as i64));
    }
}

fn charge(size: usize) {
    let p = ACTIVE.with(Cell::get);
    if p.is_null() {
        return;
    }
    // SAFETY: see `with_active`.
    let s = unsafe { &*p.cast::<EvalScope<'_>>() };
    let used = s.used.get().saturating_add(size.min(i64::MAX as usize) as i64);
    s.used.set(used);
    if used > 0 && used as u64 > s.memory_limit {
        out_of_memory(s, size);
    }
}

/// Reports the rule that exceeded its memory budget and ends the process (exit code 2).
#[cold]
fn out_of_memory(s: &EvalScope<'_>, size: usize) -> ! {
    // Deactivate first: reporting may allocate, and must not be charged again.
    ACTIVE.with(|a| a.set(std::ptr::null()));
    let rule = s
        .current
        .get()
        .and_then(|i| s.labels.get(i))
        .map_or("the rules", String::as_str);
    let message = format!(
        "error: {rule} exceeded its memory budget on account {}: it asked for {} more bytes with \
         {} MiB of the {} MiB an account's evaluation may use already taken (--rule-memory); \
         evaluation stopped\n",
        s.account,
        size,
        (s.used.get().max(0) as u64).saturating_sub(size as u64) >> 20,
        s.memory_limit >> 20,
    );
    let _ = std::io::stderr().write_all(message.as_bytes());
    std::process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_counted_once_and_skipped_as_marked() {
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let skip = [false, true, false];
        let scope = EvalScope::new(&labels, &skip, "111122223333").with_clock(7);
        let (runs, clock) = scope.run(|| {
            let runs = [rule_started(0), rule_started(0), rule_started(1), rule_started(2)];
            (runs, clock_ns())
        });
        assert_eq!(runs, [true, true, false, true]);
        assert_eq!(clock, Some(7));
        assert_eq!(scope.current_rule(), Some(2));
        assert_eq!(scope.rules_started(), 3);
        // Outside a scope every rule runs and there is no clock.
        assert!(rule_started(1));
        assert_eq!(clock_ns(), None);
    }
}
