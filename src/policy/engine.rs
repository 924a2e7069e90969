//! Loading rules into regorus and evaluating a snapshot into the outcome table.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroU32;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use serde_json::{json, Value as Json};

use super::batch::{self, VerdictSets};
use super::budget::EvalScope;
use super::documents::{account_input, missing_facts, rootwarden_data};
use super::groups::Placed;
use super::loader::{check_sources, classify, RuleFile, RuleKind, RuleSet, LIB_PREFIX, RULES_PREFIX};
use super::metadata::Fact;
use super::outcome::{Evaluation, Finding, Outcome, RuleInfo, RuleOrigin, Status};
use super::verdicts::{apply_waivers, deny_finding, read_verdicts, reason, Verdicts};
use super::PolicyError;
use crate::requirements::Requirements;
use crate::snapshot::{Account, Snapshot};

/// How long the rules may run on one account, all together, before the run is stopped (default).
pub const RULE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// How many bytes one account's evaluation may allocate (default; enforced when the binary
/// installs [`super::budget::BudgetedAlloc`]).
pub const RULE_MEMORY_LIMIT: u64 = 1 << 30;

/// The optional verdict sets a rule may define besides `deny`.
const NOT_APPLICABLE: &str = "not_applicable";
const INSUFFICIENT: &str = "insufficient_data";

struct LoadedRule {
    info: RuleInfo,
    has_not_applicable: bool,
    has_insufficient: bool,
    /// The engine (of [`Policy::groups`]) that holds it.
    group: usize,
}

/// What one account's evaluation may use.
#[derive(Debug, Clone, Copy)]
struct Limits {
    time: Duration,
    memory: u64,
}

/// One engine and the selected rules it evaluates (see [`super::groups`]).
#[derive(Clone)]
struct Group {
    engine: regorus::Engine,
    /// The rule gathering the verdicts of `members`, once generated for the current selection.
    query: Option<String>,
    /// Indices into [`Policy::rules`], in the order the gathered verdicts come in.
    members: Vec<usize>,
}

/// Compiled rules plus requirements, ready to evaluate any number of snapshots.
pub struct Policy {
    groups: Vec<Group>,
    rules: Vec<LoadedRule>,
    requirements: Requirements,
    /// Whether the groups gather the verdicts of the current selection (see [`batch`]).
    prepared: bool,
    /// How many generations of verdict modules were added; each needs fresh rule names.
    batches: usize,
    /// "rule ID (FILE)" per selected rule, for messages about the running rule.
    labels: Vec<String>,
    limits: Limits,
}

impl Policy {
    /// Loads rule and library files (test files are ignored here) and the requirements.
    pub fn load(files: &[RuleFile], requirements: &Requirements) -> Result<Policy, PolicyError> {
        Policy::load_set(&RuleSet::from(files.to_vec()), requirements)
    }

    /// Loads the rule and library files and the data documents of `set` (test files are ignored
    /// here) and the requirements.
    pub fn load_set(set: &RuleSet, requirements: &Requirements) -> Result<Policy, PolicyError> {
        check_sources(set)?;
        let mut kinds = Vec::new();
        for f in &set.files {
            let kind = classify(f)?;
            if matches!(kind, RuleKind::Test { .. }) {
                continue;
            }
            if f.origin != RuleOrigin::Bundled {
                super::sandbox::check(&f.path, &f.text)?;
            }
            let package = match &kind {
                RuleKind::Rule { package, .. } => package.clone(),
                _ => super::loader::package_of(&f.text).map(|(p, _)| p).unwrap_or_default(),
            };
            kinds.push((f, kind, package));
        }
        let placed: Vec<Placed<'_>> = kinds
            .iter()
            .map(|(f, kind, package)| Placed {
                file: f,
                package,
                rule: matches!(kind, RuleKind::Rule { .. }),
            })
            .collect();
        let mut plan = super::groups::plan(&placed);
        // Every file is compiled at least once, so a broken library nobody reads is still reported.
        let unplaced: Vec<usize> = (0..kinds.len())
            .filter(|i| !plan.iter().any(|e| e.contains(i)))
            .collect();
        plan[0].splice(0..0, unplaced);
        let mut group_of = vec![0; kinds.len()];
        let mut groups = Vec::with_capacity(plan.len());
        let mut declared: HashMap<String, HashSet<String>> = HashMap::new();
        for (g, members) in plan.iter().enumerate() {
            let mut engine = new_engine();
            for &i in members {
                add_file(&mut engine, kinds[i].0)?;
                if placed[i].rule {
                    group_of[i] = g;
                }
            }
            add_data(&mut engine, set, requirements)?;
            declared.extend(declared_rules(&mut engine)?);
            groups.push(Group {
                engine,
                query: None,
                members: Vec::new(),
            });
        }
        let declares = |f: &RuleFile, name: &str| declared.get(&f.path).is_some_and(|names| names.contains(name));
        let mut rules = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (i, (f, kind, package)) in kinds.into_iter().enumerate() {
            let (line, metadata) = match kind {
                RuleKind::Rule { line, metadata, .. } => (line, metadata),
                RuleKind::Library => {
                    if !package.starts_with(LIB_PREFIX) && declares(f, "deny") {
                        return Err(PolicyError::Contract {
                            file: f.path.clone(),
                            line: super::loader::package_of(&f.text).map_or(1, |(_, l)| l),
                            message: format!(
                                "package {package} defines `deny` but is outside {RULES_PREFIX}*; rules live in \
                                 {RULES_PREFIX}NAME (libraries may use any package outside rootwarden.*)"
                            ),
                        });
                    }
                    continue;
                }
                RuleKind::Test { .. } => continue,
            };
            if let Some(other) = ids.insert(metadata.custom.id.clone(), f.path.clone()) {
                return Err(PolicyError::Contract {
                    file: f.path.clone(),
                    line,
                    message: format!(
                        "rule id {} is already used by {other}; ids must be unique",
                        metadata.custom.id
                    ),
                });
            }
            if !declares(f, "deny") {
                return Err(PolicyError::Contract {
                    file: f.path.clone(),
                    line,
                    message: format!("package {package} defines no `deny` rule; every rule must yield a `deny` set"),
                });
            }
            rules.push(LoadedRule {
                has_not_applicable: declares(f, NOT_APPLICABLE),
                has_insufficient: declares(f, INSUFFICIENT),
                group: group_of[i],
                info: RuleInfo {
                    package,
                    file: f.path.clone(),
                    line,
                    origin: f.origin.clone(),
                    metadata: *metadata,
                },
            });
        }
        rules.sort_by(|a, b| a.info.id().cmp(b.info.id()));
        Ok(Policy {
            groups,
            rules,
            requirements: requirements.clone(),
            prepared: false,
            batches: 0,
            labels: Vec::new(),
            limits: Limits {
                time: RULE_TIME_LIMIT,
                memory: RULE_MEMORY_LIMIT,
            },
        })
    }

    /// Bounds the time all the rules together may take on one account. When it runs out the
    /// evaluation stops with an error naming the rule that was running: a runaway user rule
    /// cannot hang a CI job, and no rule is run again.
    pub fn set_time_limit(&mut self, limit: Duration) {
        self.limits.time = limit;
    }

    /// Bounds the bytes one account's evaluation may allocate (see [`super::budget`]).
    pub fn set_memory_limit(&mut self, bytes: u64) {
        self.limits.memory = bytes;
    }

    /// Keeps only the rules whose ids are in `only` (when non-empty) and not in `skip`; an id
    /// that names no loaded rule is an error, since a typo would silently check nothing.
    pub fn select(&mut self, only: &[String], skip: &[String]) -> Result<(), PolicyError> {
        for id in only.iter().chain(skip) {
            if !self.rules.iter().any(|r| r.info.id() == id) {
                let known: Vec<&str> = self.rules.iter().map(|r| r.info.id()).collect();
                return Err(PolicyError::Selection(format!(
                    "no loaded rule has id {id} (loaded: {})",
                    known.join(", ")
                )));
            }
        }
        self.retain_rules(|r| {
            (only.is_empty() || only.iter().any(|i| i == r.id())) && !skip.iter().any(|i| i == r.id())
        });
        Ok(())
    }

    /// The loaded rules, in id order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleInfo> {
        self.rules.iter().map(|r| &r.info)
    }

    /// Keeps only the rules for which `keep` returns true.
    pub fn retain_rules(&mut self, mut keep: impl FnMut(&RuleInfo) -> bool) {
        self.rules.retain(|r| keep(&r.info));
        self.prepared = false;
    }

    /// Adds to each engine the modules gathering the verdicts of its selected rules, when the
    /// selection changed.
    fn ensure_batch(&mut self) -> Result<(), PolicyError> {
        if self.prepared {
            return Ok(());
        }
        self.batches += 1;
        let (verdicts, ready) = batch::rule_names(self.batches);
        for (g, group) in self.groups.iter_mut().enumerate() {
            group.members = (0..self.rules.len()).filter(|&i| self.rules[i].group == g).collect();
            group.query = None;
            if group.members.is_empty() {
                continue;
            }
            let sets: Vec<VerdictSets<'_>> = group
                .members
                .iter()
                .map(|&i| VerdictSets {
                    index: i,
                    package: &self.rules[i].info.package,
                    insufficient: self.rules[i].has_insufficient,
                    not_applicable: self.rules[i].has_not_applicable,
                })
                .collect();
            for (path, module) in batch::modules(self.batches, &sets) {
                group
                    .engine
                    .add_policy(path.clone(), module)
                    .map_err(|e| PolicyError::Rego {
                        file: path,
                        message: e.to_string(),
                    })?;
            }
            // Prepare the engine (analysis of every module) now, once, rather than inside the
            // first account's budgets and once per worker.
            group
                .engine
                .eval_rule(format!("data.{}.{ready}", batch::PACKAGE))
                .map_err(|e| PolicyError::Rego {
                    file: "<generated verdicts>".into(),
                    message: e.to_string(),
                })?;
            group.query = Some(format!("data.{}.{verdicts}", batch::PACKAGE));
        }
        self.labels = self
            .rules
            .iter()
            .map(|r| format!("rule {} ({})", r.info.id(), r.info.file))
            .collect();
        self.prepared = true;
        Ok(())
    }

    /// Evaluates every rule for every in-scope account of `snapshot`. Accounts are shared out
    /// to one worker per core, each with its own clone of the compiled engine; outcomes keep
    /// the snapshot's account order.
    pub fn evaluate(&mut self, snapshot: &Snapshot) -> Result<Evaluation, PolicyError> {
        self.evaluate_only(snapshot, |_| true)
    }

    /// Evaluates the in-scope accounts of `snapshot` that `judged` accepts; the others are
    /// there only as related accounts (the owner of an organization trail a member relies on),
    /// seen by the rules through `input.related_accounts` and given no outcome of their own.
    pub fn evaluate_only(
        &mut self,
        snapshot: &Snapshot,
        judged: impl Fn(&Account) -> bool,
    ) -> Result<Evaluation, PolicyError> {
        let ids: Vec<&str> = snapshot.accounts.iter().map(|a| a.account_id.as_str()).collect();
        self.evaluate_stream(snapshot, &ids, snapshot.accounts.iter().filter(|a| judged(a)))
    }

    /// Evaluates `accounts` as they come, holding only the few being evaluated: the same
    /// evaluation as [`Policy::evaluate_only`] of a snapshot whose accounts `accounts` yields.
    /// `context` is that snapshot with, in its `accounts`, at least the chain owners of the
    /// accounts judged (the accounts `input.related_accounts` shows); `ids` is every account
    /// id of the snapshot, in order (what a scope that matches nothing is compared with);
    /// `accounts` yields the accounts to judge, in the snapshot's order. Outcomes keep that
    /// order; workers (one per core) take accounts from a short queue.
    pub fn evaluate_stream<A: Borrow<Account> + Send>(
        &mut self,
        context: &Snapshot,
        ids: &[&str],
        accounts: impl Iterator<Item = A>,
    ) -> Result<Evaluation, PolicyError> {
        self.ensure_batch()?;
        let expected = ids.iter().filter(|id| self.requirements.in_scope(id)).count();
        if expected == 0 {
            return Err(PolicyError::NothingInScope(self.requirements.scope.mismatch(ids)));
        }
        for id in self.requirements.scope.include_accounts.iter().map(|a| a.as_str()) {
            if !ids.contains(&id) {
                tracing::warn!("requirements scope.include_accounts lists {id}, which is not in the snapshot");
            }
        }
        let mut in_scope: Vec<String> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        let requirements = &self.requirements;
        let accounts = accounts.filter(|a| {
            let id = &a.borrow().account_id;
            let scoped = requirements.in_scope(id);
            if scoped { &mut in_scope } else { &mut skipped }.push(id.clone());
            scoped
        });
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(expected.div_ceil(ACCOUNTS_PER_WORKER_AT_LEAST))
            .max(1);
        let shared = Shared {
            rules: &self.rules,
            labels: &self.labels,
            limits: self.limits,
            clock_ns: clock_ns(context),
        };
        let mut outcomes = if workers == 1 {
            let mut w = Worker {
                groups: &mut self.groups,
                shared: &shared,
            };
            let mut outcomes = Vec::new();
            for account in accounts {
                w.account(context, account.borrow(), &mut outcomes)?;
            }
            outcomes
        } else {
            in_parallel(&self.groups, &shared, context, workers, accounts)?
        };
        if in_scope.is_empty() {
            return Err(PolicyError::NothingInScope(self.requirements.scope.mismatch(ids)));
        }
        let expired_waivers = apply_waivers(&self.requirements, context.collected_at.date_naive(), &mut outcomes);
        Ok(Evaluation {
            rules: self.rules.iter().map(|r| r.info.clone()).collect(),
            collected_at: context.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            accounts: in_scope,
            skipped_accounts: skipped,
            outcomes,
            collection_errors: context.collection_errors.len(),
            expired_waivers,
        })
    }
}

/// Evaluates `accounts` on `workers` threads, each with its own clone of `groups`, fed from a
/// short queue so that only a few accounts are held at a time. The outcomes keep the order of
/// `accounts`; an error is that of the first account (in that order) that failed.
fn in_parallel<A: Borrow<Account> + Send>(
    groups: &[Group],
    shared: &Shared<'_>,
    context: &Snapshot,
    workers: usize,
    accounts: impl Iterator<Item = A>,
) -> Result<Vec<Outcome>, PolicyError> {
    type Done = (usize, Result<Vec<Outcome>, PolicyError>);
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, A)>(workers * 2);
    // Shared by the workers only: when they are all gone (a panic), sending fails instead of
    // waiting for a reader that will never come.
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
    // By account index; `None` until its worker reports.
    let mut results: Vec<Option<Result<Vec<Outcome>, PolicyError>>> = Vec::new();
    let record = |(i, r): Done, results: &mut Vec<Option<_>>| {
        let failed = r.is_err();
        results[i] = Some(r);
        failed
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let work_rx = std::sync::Arc::clone(&work_rx);
                let done_tx = done_tx.clone();
                scope.spawn(move || {
                    let mut groups = groups.to_vec();
                    let mut w = Worker {
                        groups: &mut groups,
                        shared,
                    };
                    loop {
                        // A worker that panicked held no lock: the queue is still sound.
                        let next = work_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok((i, account)) = next else { break };
                        let mut outcomes = Vec::new();
                        let r = w.account(context, account.borrow(), &mut outcomes).map(|()| outcomes);
                        drop(account);
                        if done_tx.send((i, r)).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(done_tx);
        drop(work_rx);
        let mut failed = false;
        for (i, account) in accounts.enumerate() {
            while let Ok(done) = done_rx.try_recv() {
                failed |= record(done, &mut results);
            }
            // Accounts after one that failed are not started: its error is the answer.
            if failed {
                break;
            }
            results.push(None);
            if work_tx.send((i, account)).is_err() {
                break;
            }
        }
        drop(work_tx);
        for done in done_rx.iter() {
            record(done, &mut results);
        }
        for h in handles {
            h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    let mut outcomes = Vec::new();
    for r in results {
        // A hole follows the first failure (nothing after it was started) or a panic (resumed above).
        match r {
            Some(r) => outcomes.extend(r?),
            None => break,
        }
    }
    Ok(outcomes)
}

/// The snapshot's `collected_at` in nanoseconds: what `time.now_ns()` answers.
pub(super) fn clock_ns(snapshot: &Snapshot) -> i64 {
    snapshot.collected_at.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// Adds one `.rego` file to `engine`.
fn add_file(engine: &mut regorus::Engine, f: &RuleFile) -> Result<(), PolicyError> {
    engine
        .add_policy(f.path.clone(), f.text.clone())
        .map_err(|e| PolicyError::Rego {
            file: f.path.clone(),
            message: e.to_string(),
        })?;
    Ok(())
}

/// The names of the rules each loaded file declares at the top of its package (`deny`,
/// `not_applicable`...), read once from the parsed modules.
fn declared_rules(engine: &mut regorus::Engine) -> Result<HashMap<String, HashSet<String>>, PolicyError> {
    use regorus::unstable::{Parser, Rule, RuleHead};
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for module in engine.get_modules() {
        let path = module.package.span.source.get_path().clone();
        let names = out.entry(path.clone()).or_default();
        for rule in &module.policy {
            let refr = match rule.as_ref() {
                Rule::Spec { head, .. } => match head {
                    RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. } => refr,
                },
                Rule::Default { refr, .. } => refr,
            };
            let components = Parser::get_path_ref_components(refr).map_err(|e| PolicyError::Rego {
                file: path.clone(),
                message: e.to_string(),
            })?;
            if let Some(first) = components.first() {
                names.insert(first.text().to_string());
            }
        }
    }
    Ok(out)
}

/// Adds the data documents of `set`, then `data.requirements` and `data.canonical_events`.
fn add_data(engine: &mut regorus::Engine, set: &RuleSet, requirements: &Requirements) -> Result<(), PolicyError> {
    for d in &set.data {
        let mut value = d.value.clone();
        for key in d.path.iter().rev() {
            value = json!({ key: value });
        }
        engine
            .add_data(regorus::Value::from(value))
            .map_err(|e| PolicyError::Rego {
                file: d.file.clone(),
                message: format!("cannot add this data document: {e}"),
            })?;
    }
    engine
        .add_data(regorus::Value::from(rootwarden_data(requirements)))
        .map_err(|e| PolicyError::Rego {
            file: "<requirements>".into(),
            message: e.to_string(),
        })
}

/// Below this many accounts per core, another thread costs more than it saves.
const ACCOUNTS_PER_WORKER_AT_LEAST: usize = 16;

/// What every worker of one evaluation shares.
struct Shared<'a> {
    rules: &'a [LoadedRule],
    labels: &'a [String],
    limits: Limits,
    clock_ns: i64,
}

/// Evaluates accounts with its own copy of the engines.
struct Worker<'a> {
    groups: &'a mut [Group],
    shared: &'a Shared<'a>,
}

impl Worker<'_> {
    /// Adds the outcomes of every rule on `account` to `outcomes`, in rule order. The account is
    /// evaluated within one time and one memory budget, whatever the number of engines; rules
    /// whose required facts are missing are not run. `snapshot` holds the account's chain owners.
    fn account(
        &mut self,
        snapshot: &Snapshot,
        account: &Account,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<(), PolicyError> {
        let shared = self.shared;
        {
            let input = regorus::Value::from(account_input(snapshot, account));
            let missing: Vec<Vec<Fact>> = shared
                .rules
                .iter()
                .map(|r| missing_facts(&r.info.metadata.custom.requires, snapshot, account))
                .collect();
            let skip: Vec<bool> = missing.iter().map(|m| !m.is_empty()).collect();
            let scope = EvalScope::new(shared.labels, &skip, &account.account_id)
                .with_clock(shared.clock_ns)
                .with_memory_limit(shared.limits.memory);
            let start = std::time::Instant::now();
            let mut verdicts: Vec<Verdicts> = (0..shared.rules.len()).map(|_| Verdicts::default()).collect();
            for g in 0..self.groups.len() {
                let group = &mut self.groups[g];
                let Some(query) = group.query.clone() else {
                    continue;
                };
                let remaining = shared.limits.time.saturating_sub(start.elapsed());
                if remaining.is_zero() {
                    return Err(self.timed_out(&scope, account));
                }
                set_time_limit(&mut group.engine, remaining);
                group.engine.set_input(input.clone());
                let engine = &mut group.engine;
                let result = scope.run(|| engine.eval_rule(query));
                let value = result.map_err(|e| self.failure(&e, &scope, account))?;
                read_verdicts(value, &self.groups[g].members, &mut verdicts);
            }
            for (idx, (missing, v)) in missing.iter().zip(verdicts).enumerate() {
                outcomes.push(self.outcome(idx, snapshot, account, missing, v)?);
            }
        }
        Ok(())
    }

    /// The error for an account whose time budget ran out, naming the rule that was running.
    fn timed_out(&self, scope: &EvalScope<'_>, account: &Account) -> PolicyError {
        let rules = self.shared.rules;
        let rule = scope.current_rule().and_then(|i| rules.get(i));
        PolicyError::TimeBudget {
            file: rule.map_or_else(|| "<rules>".to_string(), |r| r.info.file.clone()),
            rule_id: rule.map_or_else(|| "?".to_string(), |r| r.info.id().to_string()),
            account_id: account.account_id.clone(),
            limit_secs: self.shared.limits.time.as_secs_f64(),
            started: scope.rules_started(),
            total: rules.len(),
        }
    }

    /// The error for an evaluation that failed, naming the rule that was running.
    fn failure(&self, e: &anyhow::Error, scope: &EvalScope<'_>, account: &Account) -> PolicyError {
        let rules = self.shared.rules;
        let Some(rule) = scope.current_rule().and_then(|i| rules.get(i)) else {
            return PolicyError::Rego {
                file: "<evaluation>".into(),
                message: format!("account {}: {e}", account.account_id),
            };
        };
        let timed_out = e.chain().any(|c| {
            matches!(
                c.downcast_ref::<regorus::LimitError>(),
                Some(regorus::LimitError::TimeLimitExceeded { .. })
            ) || c.to_string().contains("exceeded time limit")
        });
        if timed_out {
            return self.timed_out(scope, account);
        }
        PolicyError::Eval {
            file: rule.info.file.clone(),
            rule_id: rule.info.id().to_string(),
            account_id: account.account_id.clone(),
            message: e.to_string(),
        }
    }

    /// The outcome of rule `idx` on `account` from its verdict sets: missing facts first, then
    /// any deny, then insufficient data, then not applicable, else pass.
    fn outcome(
        &self,
        idx: usize,
        snapshot: &Snapshot,
        account: &Account,
        missing: &[Fact],
        v: Verdicts,
    ) -> Result<Outcome, PolicyError> {
        let info = &self.shared.rules[idx].info;
        let root_arn = format!("arn:{}:iam::{}:root", account.partition, account.account_id);
        let single = |status: Status, message: String, evidence: Json| Outcome {
            rule: idx,
            rule_id: info.id().to_string(),
            account_id: account.account_id.clone(),
            status,
            findings: vec![Finding {
                rule_id: info.id().to_string(),
                title: info.metadata.title.clone(),
                severity: info.severity(),
                account_id: account.account_id.clone(),
                region: None,
                resource: root_arn.clone(),
                key: None,
                status,
                message,
                evidence,
                suppression: None,
            }],
        };

        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|f| f.as_str()).collect();
            let errors: Vec<&crate::snapshot::CollectionError> = snapshot.errors_for(&account.account_id).collect();
            let absent: Vec<&str> = account
                .expected_regions
                .iter()
                .filter(|r| !account.regions.contains_key(*r))
                .map(String::as_str)
                .collect();
            let regions_note = if absent.is_empty() || missing.iter().all(|f| !f.regional()) {
                String::new()
            } else {
                format!(" (regions not collected: {})", absent.join(", "))
            };
            return Ok(single(
                Status::InsufficientData,
                format!(
                    "cannot decide: {} not collected for account {}{regions_note}",
                    names.join(", "),
                    account.account_id
                ),
                json!({ "missing_facts": names, "regions_not_collected": absent, "collection_errors": errors }),
            ));
        }

        if !v.deny.is_empty() {
            let mut findings = Vec::with_capacity(v.deny.len());
            for d in v.deny {
                findings.push(deny_finding(info, &account.account_id, d)?);
            }
            findings.sort_by(|a, b| (&a.region, &a.resource, &a.message).cmp(&(&b.region, &b.resource, &b.message)));
            return Ok(Outcome {
                rule: idx,
                rule_id: info.id().to_string(),
                account_id: account.account_id.clone(),
                status: Status::Fail,
                findings,
            });
        }
        for (entries, status) in [
            (&v.insufficient, Status::InsufficientData),
            (&v.not_applicable, Status::NotApplicable),
        ] {
            if let Some(first) = entries.first() {
                let (message, evidence) = reason(first);
                let evidence = if entries.len() > 1 {
                    json!({ "reasons": entries })
                } else {
                    evidence
                };
                return Ok(single(status, message, evidence));
            }
        }
        Ok(single(
            Status::Pass,
            format!("{} holds for account {}", info.metadata.title, account.account_id),
            Json::Null,
        ))
    }
}

fn set_time_limit(engine: &mut regorus::Engine, limit: Duration) {
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::new(1000).expect("non-zero"),
    });
}

fn new_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    set_time_limit(&mut engine, RULE_TIME_LIMIT);
    // Registering fails only for a duplicate name, which a fresh engine cannot have.
    super::builtins::register(&mut engine).expect("builtins register on a fresh engine");
    super::sandbox::register(&mut engine).expect("sandbox builtins register on a fresh engine");
    engine
}

/// Builds a regorus engine holding the files of `set` (rules, libraries and tests), its data and
/// the requirements; used by the Rego test runner, which evaluates `test_*` rules instead of
/// `deny`.
pub(crate) fn engine_with(set: &RuleSet, requirements: &Requirements) -> Result<regorus::Engine, PolicyError> {
    check_sources(set)?;
    let mut engine = new_engine();
    for f in &set.files {
        if f.origin != RuleOrigin::Bundled {
            super::sandbox::check(&f.path, &f.text)?;
        }
        add_file(&mut engine, f)?;
    }
    add_data(&mut engine, set, requirements)?;
    Ok(engine)
}
