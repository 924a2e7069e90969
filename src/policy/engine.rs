//! Loading rules into regorus and evaluating a snapshot into the outcome table.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use serde_json::{json, Value as Json};

use super::loader::{classify, RuleFile, RuleKind};
use super::metadata::Fact;
use super::outcome::{Evaluation, Finding, Outcome, RuleInfo, Status};
use super::PolicyError;
use crate::requirements::Requirements;
use crate::snapshot::{Account, AccountRole, Snapshot};

/// How long the rules may run on one account before they are stopped as runaway (default).
pub const RULE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The optional verdict sets a rule may define besides `deny`.
const NOT_APPLICABLE: &str = "not_applicable";
const INSUFFICIENT: &str = "insufficient_data";

struct LoadedRule {
    info: RuleInfo,
    has_not_applicable: bool,
    has_insufficient: bool,
    deny_path: String,
    not_applicable_path: String,
    insufficient_path: String,
}

/// Compiled rules plus requirements, ready to evaluate any number of snapshots.
pub struct Policy {
    engine: regorus::Engine,
    rules: Vec<LoadedRule>,
    requirements: Requirements,
    /// The package of the generated module that gathers every rule's verdict sets, once the
    /// current rule selection has one (see [`Policy::batch_module`]).
    batch: Option<String>,
    /// How many batch modules were added; each needs a fresh package name.
    batches: usize,
}

/// The verdict sets of one rule on one account.
#[derive(Default)]
struct Verdicts {
    deny: Vec<Json>,
    insufficient: Vec<Json>,
    not_applicable: Vec<Json>,
}

impl Policy {
    /// Loads rule and library files (test files are ignored here) and the requirements.
    pub fn load(files: &[RuleFile], requirements: &Requirements) -> Result<Policy, PolicyError> {
        let mut engine = new_engine();
        let mut rules = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for f in files {
            let kind = classify(f)?;
            if matches!(kind, RuleKind::Test { .. }) {
                continue;
            }
            engine
                .add_policy(f.path.clone(), f.text.clone())
                .map_err(|e| PolicyError::Rego {
                    file: f.path.clone(),
                    message: e.to_string(),
                })?;
            if let RuleKind::Rule {
                package,
                line,
                metadata,
            } = kind
            {
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
                let declared = |name: &str| -> Result<bool, PolicyError> {
                    engine
                        .has_declared_rule_rooted_at(&f.path, name)
                        .map_err(|e| PolicyError::Rego {
                            file: f.path.clone(),
                            message: e.to_string(),
                        })
                };
                if !declared("deny")? {
                    return Err(PolicyError::Contract {
                        file: f.path.clone(),
                        line,
                        message: format!(
                            "package {package} defines no `deny` rule; every rule must yield a `deny` set"
                        ),
                    });
                }
                let has_not_applicable = declared(NOT_APPLICABLE)?;
                let has_insufficient = declared(INSUFFICIENT)?;
                rules.push(LoadedRule {
                    deny_path: format!("data.{package}.deny"),
                    not_applicable_path: format!("data.{package}.{NOT_APPLICABLE}"),
                    insufficient_path: format!("data.{package}.{INSUFFICIENT}"),
                    has_not_applicable,
                    has_insufficient,
                    info: RuleInfo {
                        package,
                        file: f.path.clone(),
                        line,
                        origin: f.origin.clone(),
                        metadata: *metadata,
                    },
                });
            }
        }
        rules.sort_by(|a, b| a.info.id().cmp(b.info.id()));
        engine
            .add_data(requirements_data(requirements))
            .map_err(|e| PolicyError::Rego {
                file: "<requirements>".into(),
                message: e.to_string(),
            })?;
        Ok(Policy {
            engine,
            rules,
            requirements: requirements.clone(),
            batch: None,
            batches: 0,
        })
    }

    /// Stops any evaluation of one account (all rules together, or one rule in the fallback)
    /// that runs longer than `limit`, so a runaway user rule cannot hang a CI job.
    pub fn set_time_limit(&mut self, limit: Duration) {
        set_time_limit(&mut self.engine, limit);
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
        self.batch = None;
    }

    /// A module whose rule `verdicts` maps "d", "i" or "n" and each rule's index to its `deny`,
    /// `insufficient_data` or `not_applicable` set, so one evaluation per account yields every
    /// verdict. regorus forgets computed values between evaluations; evaluated together, the
    /// library rules the monitoring rules share (trails, deliveries, alarms...) are computed once
    /// per account instead of once per rule and verdict set, about 7x faster on the bundled rules.
    /// Each set gets a default, so an undefined one reads as empty instead of making the whole
    /// object undefined.
    fn batch_module(&self, package: &str) -> String {
        let mut m = format!("package {package}\n\nimport rego.v1\n\n");
        let mut keys = Vec::new();
        for (idx, rule) in self.rules.iter().enumerate() {
            for (present, set, path) in [
                (true, 'd', &rule.deny_path),
                (rule.has_insufficient, 'i', &rule.insufficient_path),
                (rule.has_not_applicable, 'n', &rule.not_applicable_path),
            ] {
                if present {
                    m.push_str(&format!("default {set}{idx} := set()\n\n{set}{idx} := {path}\n\n"));
                    keys.push(format!("\"{set}{idx}\": {set}{idx}"));
                }
            }
        }
        m.push_str(&format!("verdicts := {{{}}}\n", keys.join(", ")));
        m
    }

    /// The package of the batch module for the current rules, adding the module when needed.
    fn ensure_batch(&mut self) -> Result<String, PolicyError> {
        if let Some(p) = &self.batch {
            return Ok(p.clone());
        }
        self.batches += 1;
        let package = format!("rootwarden.generated.batch{}", self.batches);
        let module = self.batch_module(&package);
        self.engine
            .add_policy(format!("<{package}>"), module)
            .map_err(|e| PolicyError::Rego {
                file: format!("<{package}>"),
                message: e.to_string(),
            })?;
        self.batch = Some(package.clone());
        Ok(package)
    }

    /// Evaluates every rule for every in-scope account of `snapshot`. Accounts are shared out
    /// to one worker per core, each with its own clone of the compiled engine; outcomes keep
    /// the snapshot's account order.
    pub fn evaluate(&mut self, snapshot: &Snapshot) -> Result<Evaluation, PolicyError> {
        let batch = self.ensure_batch()?;
        let (in_scope, skipped): (Vec<&Account>, Vec<&Account>) = snapshot
            .accounts
            .iter()
            .partition(|a| self.requirements.in_scope(&a.account_id));
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(in_scope.len().div_ceil(ACCOUNTS_PER_WORKER_AT_LEAST))
            .max(1);
        let chunk = in_scope.len().div_ceil(workers).max(1);
        let rules = &self.rules;
        let results: Vec<Result<Vec<Outcome>, PolicyError>> = if workers == 1 {
            let mut w = Worker {
                engine: &mut self.engine,
                rules,
                batch: &batch,
            };
            vec![w.accounts(snapshot, &in_scope)]
        } else {
            let engine = &self.engine;
            std::thread::scope(|scope| {
                let handles: Vec<_> = in_scope
                    .chunks(chunk)
                    .map(|part| {
                        let batch = &batch;
                        scope.spawn(move || {
                            let mut engine = engine.clone();
                            Worker {
                                engine: &mut engine,
                                rules,
                                batch,
                            }
                            .accounts(snapshot, part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .collect()
            })
        };
        let mut outcomes = Vec::with_capacity(in_scope.len() * self.rules.len());
        for r in results {
            outcomes.extend(r?);
        }
        let expired_waivers = apply_waivers(&self.requirements, snapshot.collected_at.date_naive(), &mut outcomes);
        Ok(Evaluation {
            rules: self.rules.iter().map(|r| r.info.clone()).collect(),
            collected_at: snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            accounts: in_scope.iter().map(|a| a.account_id.clone()).collect(),
            skipped_accounts: skipped.iter().map(|a| a.account_id.clone()).collect(),
            outcomes,
            collection_errors: snapshot.collection_errors.len(),
            expired_waivers,
        })
    }
}

/// Marks the `fail` findings an unexpired waiver covers as suppressed, and a failing outcome
/// whose findings are all suppressed as waived. Expired waivers (expiry before `today`, the
/// snapshot's collection date) suppress nothing and are returned, with how many findings they
/// would otherwise have covered.
fn apply_waivers(
    requirements: &Requirements,
    today: chrono::NaiveDate,
    outcomes: &mut [Outcome],
) -> Vec<super::outcome::ExpiredWaiver> {
    let waivers = &requirements.waivers;
    let mut uncovered = vec![0usize; waivers.len()];
    for o in outcomes.iter_mut().filter(|o| o.status == Status::Fail) {
        for f in &mut o.findings {
            let mut covering = waivers
                .iter()
                .enumerate()
                .filter(|(_, w)| w.covers(&f.rule_id, &f.account_id, &f.resource));
            if let Some((_, w)) = covering.clone().find(|(_, w)| w.expires >= today) {
                f.suppression = Some(super::outcome::Suppression {
                    reason: w.reason.clone(),
                    approver: w.approver.clone(),
                    expires: w.expires.to_string(),
                });
            } else {
                for (i, _) in covering.by_ref() {
                    uncovered[i] += 1;
                }
            }
        }
        if o.findings.iter().all(|f| f.suppression.is_some()) {
            o.status = Status::Waived;
            for f in &mut o.findings {
                f.status = Status::Waived;
            }
        }
    }
    waivers
        .iter()
        .enumerate()
        .filter(|(_, w)| w.expires < today)
        .map(|(index, w)| super::outcome::ExpiredWaiver {
            index,
            rule_id: w.rule_id.clone(),
            account_id: w.account_id.clone(),
            resource: w.resource.clone(),
            reason: w.reason.clone(),
            expires: w.expires.to_string(),
            findings_no_longer_suppressed: uncovered[index],
        })
        .collect()
}

/// Below this many accounts per core, another thread costs more than it saves.
const ACCOUNTS_PER_WORKER_AT_LEAST: usize = 16;

/// Evaluates accounts with one engine.
struct Worker<'a> {
    engine: &'a mut regorus::Engine,
    rules: &'a [LoadedRule],
    batch: &'a str,
}

impl Worker<'_> {
    /// The outcomes of every rule on each account, in order.
    fn accounts(&mut self, snapshot: &Snapshot, accounts: &[&Account]) -> Result<Vec<Outcome>, PolicyError> {
        let mut outcomes = Vec::with_capacity(accounts.len() * self.rules.len());
        for account in accounts {
            self.engine
                .set_input(regorus::Value::from(account_input(snapshot, account)));
            let mut verdicts = self.batch_verdicts().map(Vec::into_iter);
            for idx in 0..self.rules.len() {
                let batched = verdicts.as_mut().and_then(Iterator::next);
                let missing = missing_facts(&self.rules[idx].info.metadata.custom.requires, snapshot, account);
                // A rule whose required facts are missing is insufficient data whatever it
                // says; in the fallback it is not run at all, since it may fail on the nulls
                // (the usual reason the batch failed).
                let v = match batched {
                    _ if !missing.is_empty() => Verdicts::default(),
                    Some(v) => v,
                    None => self.rule_verdicts(idx, account)?,
                };
                outcomes.push(self.outcome(idx, snapshot, account, &missing, v)?);
            }
        }
        Ok(outcomes)
    }

    /// Every rule's verdict sets for the account in the engine's input, in one evaluation;
    /// `None` when it fails, so the caller can evaluate rule by rule and name the rule at fault.
    fn batch_verdicts(&mut self) -> Option<Vec<Verdicts>> {
        let v = self.engine.eval_rule(format!("data.{}.verdicts", self.batch)).ok()?;
        let Json::Object(mut all) = v_json(v) else {
            return None;
        };
        let mut take = |set: char, idx: usize| all.remove(&format!("{set}{idx}")).map(set_members).unwrap_or_default();
        Some(
            (0..self.rules.len())
                .map(|idx| Verdicts {
                    deny: take('d', idx),
                    insufficient: take('i', idx),
                    not_applicable: take('n', idx),
                })
                .collect(),
        )
    }

    /// One rule's verdict sets, evaluated on their own (the fallback when the batch fails).
    fn rule_verdicts(&mut self, idx: usize, account: &Account) -> Result<Verdicts, PolicyError> {
        let rule = &self.rules[idx];
        let info = &rule.info;
        let mut eval = |present: bool, path: &str| -> Result<Vec<Json>, PolicyError> {
            if !present {
                return Ok(Vec::new());
            }
            let v = self.engine.eval_rule(path.to_string()).map_err(|e| PolicyError::Eval {
                file: info.file.clone(),
                rule_id: info.id().to_string(),
                account_id: account.account_id.clone(),
                message: e.to_string(),
            })?;
            Ok(set_members(v_json(v)))
        };
        Ok(Verdicts {
            deny: eval(true, &rule.deny_path)?,
            insufficient: eval(rule.has_insufficient, &rule.insufficient_path)?,
            not_applicable: eval(rule.has_not_applicable, &rule.not_applicable_path)?,
        })
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
        let rule = &self.rules[idx];
        let info = &rule.info;
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
            return Ok(single(
                Status::InsufficientData,
                format!(
                    "cannot decide: {} not collected for account {}",
                    names.join(", "),
                    account.account_id
                ),
                json!({ "missing_facts": names, "collection_errors": errors }),
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
    engine
}

/// Builds a regorus engine holding `files` (rules, libraries and tests) and the requirements;
/// used by the Rego test runner, which evaluates `test_*` rules instead of `deny`.
pub(crate) fn engine_with(files: &[RuleFile], requirements: &Requirements) -> Result<regorus::Engine, PolicyError> {
    let mut engine = new_engine();
    for f in files {
        engine
            .add_policy(f.path.clone(), f.text.clone())
            .map_err(|e| PolicyError::Rego {
                file: f.path.clone(),
                message: e.to_string(),
            })?;
    }
    engine
        .add_data(requirements_data(requirements))
        .map_err(|e| PolicyError::Rego {
            file: "<requirements>".into(),
            message: e.to_string(),
        })?;
    Ok(engine)
}

/// The bundled Rego libraries (`rules/lib/`, tests left out) plus modules of the caller's, for
/// questions other than the rules' verdicts: `rootwarden remediate` asks the monitoring library
/// which links of a chain hold, so a plan fixes exactly what the rules find broken.
pub struct LibraryQuery {
    engine: regorus::Engine,
}

impl LibraryQuery {
    /// Compiles the bundled libraries, `modules` (path, source) and the requirements.
    pub fn new(modules: &[(&str, &str)], requirements: &Requirements) -> Result<LibraryQuery, PolicyError> {
        let mut files: Vec<RuleFile> = super::loader::bundled()
            .into_iter()
            .filter(|f| f.path.starts_with("rules/lib/") && !f.path.ends_with("_test.rego"))
            .collect();
        files.extend(modules.iter().map(|(path, text)| RuleFile {
            path: (*path).to_string(),
            text: (*text).to_string(),
            origin: super::outcome::RuleOrigin::Bundled,
        }));
        Ok(LibraryQuery {
            engine: engine_with(&files, requirements)?,
        })
    }

    /// Adds a document of the caller's to `data` (merged at the top level), for questions about
    /// values that are neither facts nor requirements (e.g. `data.remediate`).
    pub fn add_data(&mut self, doc: Json) -> Result<(), PolicyError> {
        self.engine
            .add_data(regorus::Value::from(doc))
            .map_err(|e| PolicyError::Rego {
                file: "<data>".into(),
                message: e.to_string(),
            })
    }

    /// Evaluates the rule at `path` (e.g. `data.pkg.name`) with `account` of `snapshot` as input,
    /// exactly as the rules see it; undefined comes back as null.
    pub fn eval(&mut self, snapshot: &Snapshot, account: &Account, path: &str) -> Result<Json, PolicyError> {
        self.engine
            .set_input(regorus::Value::from(account_input(snapshot, account)));
        let v = self.engine.eval_rule(path.to_string()).map_err(|e| PolicyError::Eval {
            file: path.to_string(),
            rule_id: path.to_string(),
            account_id: account.account_id.clone(),
            message: e.to_string(),
        })?;
        Ok(v_json(v))
    }
}

/// `data.requirements`, with every default filled in, and `data.canonical_events`, the
/// CloudTrail events detections are measured with.
fn requirements_data(requirements: &Requirements) -> regorus::Value {
    regorus::Value::from(json!({
        "requirements": requirements,
        "canonical_events": crate::canonical_events::rego_data(),
    }))
}

/// The `input` document a rule sees for one account.
pub fn account_input(snapshot: &Snapshot, account: &Account) -> Json {
    let errors: Vec<_> = snapshot.errors_for(&account.account_id).collect();
    json!({
        "schema_version": snapshot.schema_version,
        "collected_at": snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "organization": snapshot.organization,
        "account": account,
        "related_accounts": related_accounts(snapshot, account),
        "collection_errors": errors,
    })
}

/// Other accounts of the snapshot that own a trail visible in `account` (organization trails):
/// a member's root activity is delivered to the owner's log group, filters and alarms, so the
/// rules judging the member's monitoring chain must see the owner's facts.
fn related_accounts<'a>(snapshot: &'a Snapshot, account: &Account) -> BTreeMap<&'a str, &'a Account> {
    let mut owners: Vec<&str> = Vec::new();
    for region in account.regions.values() {
        for trail in region.cloudtrail.iter().flat_map(|c| c.trails.iter()) {
            if let Some(owner) = trail.trail_arn.split(':').nth(4) {
                if owner != account.account_id && !owners.contains(&owner) {
                    owners.push(owner);
                }
            }
        }
    }
    snapshot
        .accounts
        .iter()
        .filter(|a| owners.contains(&a.account_id.as_str()))
        .map(|a| (a.account_id.as_str(), a))
        .collect()
}

/// The required facts that are `null` for this account.
pub fn missing_facts(required: &[Fact], snapshot: &Snapshot, account: &Account) -> Vec<Fact> {
    let regional = |present: &dyn Fn(&crate::snapshot::Region) -> bool| {
        !account.regions.is_empty() && account.regions.values().all(present)
    };
    required
        .iter()
        .copied()
        .filter(|fact| {
            let available = match fact {
                Fact::CredentialReport => account.iam.credential_report.as_ref().is_some_and(|r| r.root.is_some()),
                Fact::AccountSummary => account.iam.account_summary.is_some(),
                Fact::RootMfaDevices => account.iam.root_mfa_devices.is_some(),
                Fact::OrganizationRootAccess => {
                    account.role != AccountRole::Management
                        || snapshot.organization.as_ref().is_some_and(|o| o.root_access.is_some())
                }
                Fact::Cloudtrail => regional(&|r| r.cloudtrail.is_some()),
                Fact::Logs => regional(&|r| r.logs.is_some()),
                Fact::Cloudwatch => regional(&|r| r.cloudwatch.is_some()),
                Fact::Sns => regional(&|r| r.sns.is_some()),
                Fact::Events => regional(&|r| r.events.is_some()),
            };
            !available
        })
        .collect()
}

/// A regorus value as JSON; undefined (which has no JSON form) as null.
fn v_json(v: regorus::Value) -> Json {
    serde_json::to_value(&v).unwrap_or(Json::Null)
}

/// The members of a Rego set (or array) result; undefined means empty.
fn set_members(v: Json) -> Vec<Json> {
    match v {
        Json::Array(items) => items,
        Json::Null => Vec::new(),
        other => vec![other],
    }
}

/// A message and evidence from a `not_applicable` / `insufficient_data` entry (string or object).
fn reason(entry: &Json) -> (String, Json) {
    match entry {
        Json::String(s) => (s.clone(), Json::Null),
        Json::Object(o) => (
            o.get("message")
                .and_then(Json::as_str)
                .unwrap_or("(no message)")
                .to_string(),
            o.get("evidence").cloned().unwrap_or(Json::Null),
        ),
        other => (other.to_string(), Json::Null),
    }
}

fn deny_finding(info: &RuleInfo, account_id: &str, entry: Json) -> Result<Finding, PolicyError> {
    let bad = |what: String| PolicyError::Contract {
        file: info.file.clone(),
        line: info.line,
        message: format!("rule {}: a `deny` entry for account {account_id} {what}", info.id()),
    };
    let Json::Object(mut o) = entry else {
        return Err(bad(format!(
            "is {entry}, expected an object with account_id, resource, message and evidence"
        )));
    };
    let mut text = |key: &str| -> Result<String, PolicyError> {
        match o.remove(key) {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Err(bad(format!("has `{key}` = {other}, expected a string"))),
            None => Err(bad(format!("has no `{key}`"))),
        }
    };
    let entry_account = text("account_id")?;
    let resource = text("resource")?;
    let message = text("message")?;
    if entry_account != account_id {
        return Err(bad(format!(
            "names account {entry_account}; rules only judge the account in `input.account`"
        )));
    }
    let region = match o.remove("region") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => return Err(bad(format!("has `region` = {other}, expected a string"))),
    };
    let key = match o.remove("key") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => return Err(bad(format!("has `key` = {other}, expected a string"))),
    };
    let evidence = o
        .remove("evidence")
        .ok_or_else(|| bad("has no `evidence`".to_string()))?;
    Ok(Finding {
        rule_id: info.id().to_string(),
        title: info.metadata.title.clone(),
        severity: info.severity(),
        account_id: account_id.to_string(),
        region,
        resource,
        key,
        status: Status::Fail,
        message,
        evidence,
        suppression: None,
    })
}
