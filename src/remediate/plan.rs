//! Computing a [`Plan`] from a snapshot, the requirements and its outcome table.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value as Json;

use super::{
    endpoint_protocol, AccountPlan, Action, CredentialState, ManualStep, Plan, RetainedKey, Step, CIS_ROOT_PATTERN,
    DEFAULT_METRIC, DEFAULT_NAMESPACE, RESOURCE_NAME,
};
use crate::arn::Arn;
use crate::policy::library::LibraryQuery;
use crate::policy::{Evaluation, Outcome, PolicyError, Status};
use crate::requirements::Requirements;
use crate::snapshot::{Account, AccountRole, Reported, RootCredentials, Snapshot, Topic};

/// The chain query (`rules/lib/remediate_chain.rego`), judged by the monitoring library.
const CHAIN_RULE: &str = "data.rootwarden.lib.remediate_chain.chain";

/// Rules whose failures a plan fixes with API changes (the rest get manual steps).
const KEYS: &str = "RW-ROOT-001";
const CERTS: &str = "RW-ROOT-002";
const FILTER: &str = "RW-MON-003";
const ALARM: &str = "RW-MON-004";
const NOTIFY: &str = "RW-MON-005";

/// What to plan for.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Only these accounts, and only changes inside them (empty: every account).
    pub accounts: Vec<String>,
    /// Endpoints to subscribe where a topic reaches nobody (e-mail, https URL, SQS/Lambda ARN).
    pub notify: Vec<String>,
}

/// A plan could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The chain query failed.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A flag value that cannot work.
    #[error("{0}")]
    Usage(String),
}

/// Checks the options before any work: every --notify endpoint must have a protocol.
pub fn check_options(opts: &PlanOptions) -> Result<(), PlanError> {
    for e in &opts.notify {
        if endpoint_protocol(e).is_none() {
            return Err(PlanError::Usage(format!(
                "--notify {e:?}: expected an e-mail address, an https:// URL, an SQS queue, Lambda function or Firehose ARN, or an E.164 phone number"
            )));
        }
    }
    Ok(())
}

/// Computes the plan. `eval` is the outcome table of the bundled rules on `snapshot`.
pub fn plan(
    snapshot: &Snapshot,
    requirements: &Requirements,
    eval: &Evaluation,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    check_options(opts)?;
    let mut query = LibraryQuery::new(requirements)?;
    query
        .add_data(serde_json::json!({"remediate": {"candidate_endpoints": candidate_endpoints(opts, requirements)}}))?;
    let mut steps = Steps::default();
    let mut accounts = Vec::new();
    let today = snapshot.collected_at.date_naive();
    // Each account's outcomes, found once instead of by a scan of the whole table per question.
    let mut by_account: HashMap<&str, Vec<&Outcome>> = HashMap::new();
    for o in &eval.outcomes {
        by_account.entry(o.account_id.as_str()).or_default().push(o);
    }
    for account in &snapshot.accounts {
        if !opts.accounts.is_empty() && !opts.accounts.contains(&account.account_id) {
            continue;
        }
        let Some(outcomes) = by_account.get(account.account_id.as_str()) else {
            continue; // not evaluated (out of the requirements' scope)
        };
        let status = |rule: &str| outcomes.iter().find(|o| o.rule_id == rule).map(|o| o.status);
        let mut ap = AccountPlan {
            account_id: account.account_id.clone(),
            role: role_name(account.role).into(),
            root_credentials: credential_states(account),
            steps: Vec::new(),
            manual: Vec::new(),
            retained: Vec::new(),
            open_controls: Vec::new(),
        };
        let mut ctx = Ctx {
            account,
            snapshot,
            opts,
            steps: &mut steps,
            plan: &mut ap,
        };
        if status(KEYS) == Some(Status::Fail) || status(CERTS) == Some(Status::Fail) {
            ctx.root_credentials(requirements, today);
        }
        let chain_fails = [FILTER, ALARM, NOTIFY].iter().any(|r| status(r) == Some(Status::Fail));
        if chain_fails {
            let chain = query.eval(snapshot, account, CHAIN_RULE)?;
            ctx.monitoring(&chain, requirements);
        }
        for o in outcomes {
            let rule = eval.rule_of(o);
            match o.status {
                Status::Fail | Status::InsufficientData => {
                    ap.open_controls.push(format!("{} {}", o.rule_id, o.status.as_str()));
                }
                _ => continue,
            }
            let handled = [KEYS, CERTS, FILTER, ALARM, NOTIFY].contains(&o.rule_id.as_str());
            if o.status == Status::InsufficientData {
                let why = o
                    .findings
                    .first()
                    .map(|f| f.message.as_str())
                    .unwrap_or("facts are missing");
                ap.manual.push(ManualStep {
                    rule_id: o.rule_id.clone(),
                    text: format!("insufficient data, nothing planned: {why}"),
                });
            } else if !handled {
                ap.manual.push(ManualStep {
                    rule_id: o.rule_id.clone(),
                    text: one_line(&rule.metadata.custom.remediation),
                });
            }
        }
        accounts.push(ap);
    }
    let steps = steps.finish();
    for ap in &mut accounts {
        ap.steps = steps
            .iter()
            .filter(|s| s.for_accounts.contains(&ap.account_id))
            .map(|s| s.id.clone())
            .collect();
    }
    Ok(Plan {
        collected_at: snapshot.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        accounts,
        steps,
    })
}

fn role_name(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Standalone => "standalone",
        AccountRole::Management => "management",
        AccountRole::Member => "member",
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn date(r: &Reported<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    match r {
        Reported::Value(t) => Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Reported::Marker(_) => None,
    }
}

fn root_of(account: &Account) -> Option<&RootCredentials> {
    account.iam.credential_report.as_ref()?.root.as_ref()
}

/// Every key and certificate slot that holds something, from the credential report.
fn credential_states(account: &Account) -> Vec<CredentialState> {
    let Some(root) = root_of(account) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (slot, k) in [(1u8, &root.access_key_1), (2, &root.access_key_2)] {
        if k.active || matches!(k.last_rotated, Reported::Value(_)) {
            out.push(CredentialState {
                kind: "access_key".into(),
                slot,
                active: k.active,
                last4: k.key_id_last4.last4().map(str::to_string),
                last_used: date(&k.last_used_date),
            });
        }
    }
    for (slot, c) in [(1u8, &root.cert_1), (2, &root.cert_2)] {
        if c.active || matches!(c.last_rotated, Reported::Value(_)) {
            out.push(CredentialState {
                kind: "signing_certificate".into(),
                slot,
                active: c.active,
                last4: None,
                last_used: None,
            });
        }
    }
    out
}

/// Steps of the whole plan, deduplicated: an organization trail's chain serves many accounts.
#[derive(Default)]
struct Steps {
    list: Vec<Step>,
}

impl Steps {
    /// Adds (or merges into the same change) a step; returns nothing, ids come at the end.
    fn add(
        &mut self,
        account_id: &str,
        region: &str,
        action: Action,
        fixes: &[&str],
        for_account: &str,
        summary: String,
    ) {
        if let Some(s) = self
            .list
            .iter_mut()
            .find(|s| s.account_id == account_id && s.region == region && s.action == action)
        {
            for f in fixes {
                if !s.fixes.iter().any(|x| x == f) {
                    s.fixes.push((*f).into());
                }
            }
            if !s.for_accounts.iter().any(|a| a == for_account) {
                s.for_accounts.push(for_account.into());
            }
            return;
        }
        self.list.push(Step {
            id: String::new(),
            account_id: account_id.into(),
            region: region.into(),
            action,
            fixes: fixes.iter().map(|f| (*f).to_string()).collect(),
            for_accounts: vec![for_account.into()],
            summary,
        });
    }

    /// Steps in the order apply runs them (topics before subscriptions before filters before
    /// alarms, root credentials last), numbered.
    fn finish(mut self) -> Vec<Step> {
        let order = |a: &Action| match a {
            Action::CreateTopic { .. } => 0,
            Action::Subscribe { .. } => 1,
            Action::PutMetricFilter { .. } => 2,
            Action::PutMetricAlarm { .. } => 3,
            Action::RemoveRootCredentials { .. } => 4,
        };
        self.list.sort_by(|a, b| {
            (order(&a.action), &a.account_id, &a.region).cmp(&(order(&b.action), &b.account_id, &b.region))
        });
        for (i, s) in self.list.iter_mut().enumerate() {
            s.id = format!("s{}", i + 1);
            s.fixes.sort();
            s.for_accounts.sort();
        }
        self.list
    }
}

/// A log group reference from the chain query.
#[derive(Debug, Clone)]
struct LogGroup {
    account: String,
    region: String,
    name: String,
    arn: String,
}

impl LogGroup {
    fn from_json(v: &Json) -> Option<LogGroup> {
        Some(LogGroup {
            account: v["account"].as_str()?.into(),
            region: v["region"].as_str()?.into(),
            name: v["name"].as_str()?.into(),
            arn: v["arn"].as_str()?.into(),
        })
    }
}

struct Ctx<'a> {
    account: &'a Account,
    snapshot: &'a Snapshot,
    opts: &'a PlanOptions,
    steps: &'a mut Steps,
    plan: &'a mut AccountPlan,
}

impl Ctx<'_> {
    fn manual(&mut self, rule: &str, text: String) {
        self.plan.manual.push(ManualStep {
            rule_id: rule.into(),
            text,
        });
    }

    /// Adds a step when its account is in scope; otherwise says what is left out and why.
    fn step(&mut self, target: &str, region: &str, action: Action, fixes: &[&str], summary: String) {
        if !self.opts.accounts.is_empty() && !self.opts.accounts.iter().any(|a| a == target) {
            self.manual(
                fixes[0],
                format!("not planned, account {target} is outside --accounts: {summary}"),
            );
            return;
        }
        let me = self.account.account_id.clone();
        self.steps.add(target, region, action, fixes, &me, summary);
    }

    fn root_credentials(&mut self, requirements: &Requirements, today: NaiveDate) {
        let Some(root) = root_of(self.account) else { return };
        let id = self.account.account_id.clone();
        let mut delete_keys = Vec::new();
        let mut keep_last4 = Vec::new();
        let mut keep_slots = Vec::new();
        for (slot, k) in [(1u8, &root.access_key_1), (2, &root.access_key_2)] {
            if !(k.active || matches!(k.last_rotated, Reported::Value(_))) {
                continue;
            }
            let retained = requirements.retained_root_keys.iter().find(|e| {
                e.account_id.as_str() == id
                    && e.decommission_date >= today
                    && match k.key_id_last4.last4() {
                        Some(l4) => e.key_last4 == l4,
                        None => e.slot == Some(slot),
                    }
            });
            match retained {
                Some(e) => {
                    self.plan.retained.push(RetainedKey {
                        slot,
                        key_last4: e.key_last4.clone(),
                        justification: e.justification.clone(),
                        decommission_date: e.decommission_date.to_string(),
                    });
                    if k.active {
                        match k.key_id_last4.last4() {
                            Some(l4) => keep_last4.push(l4.to_string()),
                            None => keep_slots.push(slot),
                        }
                    }
                }
                None => delete_keys.push(slot),
            }
        }
        let delete_certs: Vec<u8> = [(1u8, &root.cert_1), (2, &root.cert_2)]
            .iter()
            .filter(|(_, c)| c.active)
            .map(|(s, _)| *s)
            .collect();
        if delete_keys.is_empty() && keep_last4.is_empty() && keep_slots.is_empty() && delete_certs.is_empty() {
            return;
        }
        let central = self
            .snapshot
            .organization
            .as_ref()
            .and_then(|o| o.root_access.as_ref())
            .is_some_and(|r| r.root_credentials_management);
        let mut fixes = Vec::new();
        if !(delete_keys.is_empty() && keep_last4.is_empty() && keep_slots.is_empty()) {
            fixes.push(KEYS);
        }
        if !delete_certs.is_empty() {
            fixes.push(CERTS);
        }
        let mut parts = Vec::new();
        if !delete_keys.is_empty() {
            parts.push(format!(
                "deactivate then delete root access key slot(s) {}",
                slots(&delete_keys)
            ));
        }
        if !keep_last4.is_empty() || !keep_slots.is_empty() {
            let mut named: Vec<String> = keep_last4.iter().map(|l| format!("…{l}")).collect();
            named.extend(keep_slots.iter().map(|s| format!("slot {s}")));
            parts.push(format!(
                "deactivate retained root key(s) {} and keep them",
                named.join(", ")
            ));
        }
        if !delete_certs.is_empty() {
            parts.push(format!(
                "deactivate then delete root signing certificate slot(s) {}",
                slots(&delete_certs)
            ));
        }
        if self.account.role == AccountRole::Member && central {
            let action = Action::RemoveRootCredentials {
                delete_key_slots: delete_keys,
                keep_key_last4: keep_last4,
                keep_key_slots: keep_slots,
                delete_certificate_slots: delete_certs.clone(),
            };
            let summary = format!(
                "root session (sts:AssumeRoot, IAMDeleteRootUserCredentials) in {id}: {}",
                parts.join("; ")
            );
            self.step(&id, "global", action, &fixes, summary);
            return;
        }
        let why = match self.account.role {
            AccountRole::Member => "centralized root access (RootCredentialsManagement) is not enabled for the organization, so only root itself can change them; enable it (RW-ORG-001) and rerun, or",
            AccountRole::Management => "AssumeRoot cannot reach the management account, so",
            AccountRole::Standalone => "a standalone account's root credentials can only be changed by root itself, so",
        };
        self.manual(
            fixes[0],
            format!(
                "{why} sign in as root to account {id}, open Security credentials and {}.",
                parts.join("; ")
            ),
        );
    }

    fn monitoring(&mut self, chain: &Json, requirements: &Requirements) {
        let arr = |k: &str| chain[k].as_array().cloned().unwrap_or_default();
        let deliveries = arr("deliveries");
        let ok: Vec<&Json> = deliveries.iter().filter(|d| d["state"] == "ok").collect();
        if ok.is_empty() {
            let why: Vec<String> = deliveries
                .iter()
                .filter_map(|d| d["text"].as_str().filter(|t| !t.is_empty()).map(str::to_string))
                .collect();
            let text = if deliveries.is_empty() {
                "no multi-region trail that logs management events covers this account; create or fix one (RW-MON-001), with delivery to CloudWatch Logs (RW-MON-002), then rerun".to_string()
            } else {
                format!(
                    "no qualifying trail delivers to a readable CloudWatch Logs log group ({}); fix RW-MON-002 first, then rerun",
                    why.join("; ")
                )
            };
            self.manual(FILTER, text);
            return;
        }
        let root_filters = arr("root_filters");
        let has_filter = |lg: &str| root_filters.iter().any(|f| f["log_group"]["arn"] == lg);
        let chosen = ok
            .iter()
            .find(|d| d["log_group"]["arn"].as_str().is_some_and(has_filter))
            .or_else(|| ok.iter().find(|d| d["group_exists"] == true))
            .copied();
        let Some(d) = chosen else {
            let names: Vec<&str> = ok.iter().filter_map(|d| d["log_group"]["arn"].as_str()).collect();
            self.manual(
                FILTER,
                format!(
                    "the log group the trail delivers to does not exist ({}); fix RW-MON-002 first",
                    names.join(", ")
                ),
            );
            return;
        };
        let Some(lg) = LogGroup::from_json(&d["log_group"]) else {
            return;
        };
        let unreadable: Vec<String> = arr("sections")
            .iter()
            .filter(|s| s["log_group"]["arn"] == lg.arn.as_str() && s["known"] == false)
            .filter_map(|s| s["why"].as_str().map(str::to_string))
            .collect();
        if !unreadable.is_empty() {
            self.manual(
                FILTER,
                format!(
                    "insufficient data, nothing planned for the monitoring chain: {}",
                    unreadable.join("; ")
                ),
            );
            return;
        }
        let on_lg = |v: &Json| v["log_group"]["arn"] == lg.arn.as_str();
        let links: Vec<Json> = arr("alarm_links").into_iter().filter(on_lg).collect();
        let good: Vec<Json> = links
            .iter()
            .flat_map(|l| l["good"].as_array().cloned().unwrap_or_default())
            .collect();
        let reaches = |a: &Json| {
            a["topics"]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| t["verdict"]["state"] == "ok"))
        };
        if good.iter().any(reaches) {
            return; // every link holds; the failing rule is about something else (noise, region)
        }
        let lg_label = format!("log group {} ({} {})", lg.name, lg.account, lg.region);

        // Stage 3: a root filter, and the metric it feeds.
        let filters_here: Vec<Json> = root_filters.into_iter().filter(on_lg).collect();
        let mut alarms = good;
        let (namespace, metric) = if let Some(f) = filters_here.first() {
            let link_filter = links
                .iter()
                .find(|l| !l["good"].as_array().is_none_or(Vec::is_empty))
                .and_then(|l| l["filter_name"].as_str());
            let f = link_filter
                .and_then(|n| filters_here.iter().find(|f| f["filter_name"] == n))
                .unwrap_or(f);
            let m = &f["metrics"][0];
            (
                m["namespace"].as_str().unwrap_or(DEFAULT_NAMESPACE).to_string(),
                m["metric_name"].as_str().unwrap_or(DEFAULT_METRIC).to_string(),
            )
        } else {
            let reusable: Vec<Json> = arr("reusable_alarms").into_iter().filter(on_lg).collect();
            let reused = reusable
                .iter()
                .find(|a| reaches(a))
                .or_else(|| {
                    reusable
                        .iter()
                        .find(|a| a["topics"].as_array().is_some_and(|t| !t.is_empty()))
                })
                .cloned();
            let (ns, m) = match &reused {
                Some(a) => (
                    a["namespace"].as_str().unwrap_or(DEFAULT_NAMESPACE).to_string(),
                    a["metric_name"].as_str().unwrap_or(DEFAULT_METRIC).to_string(),
                ),
                None => (DEFAULT_NAMESPACE.to_string(), DEFAULT_METRIC.to_string()),
            };
            let reuse = reused
                .as_ref()
                .and_then(|a| a["alarm_name"].as_str())
                .map(|n| format!(", the metric existing alarm {n} already watches"))
                .unwrap_or_default();
            // Feeding an alarm that already fires on one event fixes its link too.
            let mut fixes = vec![FILTER];
            if let Some(a) = &reused {
                fixes.push(ALARM);
                if reaches(a) {
                    fixes.push(NOTIFY);
                }
            }
            self.step(
                &lg.account,
                &lg.region,
                Action::PutMetricFilter {
                    log_group_name: lg.name.clone(),
                    filter_name: RESOURCE_NAME.into(),
                    pattern: CIS_ROOT_PATTERN.into(),
                    namespace: ns.clone(),
                    metric_name: m.clone(),
                },
                &fixes,
                format!(
                    "metric filter {RESOURCE_NAME} (CIS root-activity pattern) on {lg_label}, counting {ns}/{m}{reuse}"
                ),
            );
            if let Some(a) = reused {
                alarms = vec![a];
            }
            (ns, m)
        };
        if alarms.iter().any(reaches) {
            return;
        }

        // Stage 5 first: the topic a (new or reused) alarm notifies.
        let topic_arn = match alarms.first() {
            Some(a) => a["topics"][0]["topic_arn"].as_str().map(str::to_string),
            None => None,
        };
        let topic_arn = match topic_arn {
            Some(t) => t,
            None => {
                let reaching = arr("reaching_topics")
                    .into_iter()
                    .filter(on_lg)
                    .find_map(|t| t["topic_arn"].as_str().map(str::to_string));
                match reaching {
                    Some(t) => t,
                    None => {
                        let arn = format!(
                            "arn:{}:sns:{}:{}:{RESOURCE_NAME}",
                            self.account.partition, lg.region, lg.account
                        );
                        if self.topic(&arn).is_none() {
                            self.step(
                                &lg.account,
                                &lg.region,
                                Action::CreateTopic {
                                    name: RESOURCE_NAME.into(),
                                    topic_arn: arn.clone(),
                                },
                                &[NOTIFY],
                                format!("SNS topic {RESOURCE_NAME} in {} {}", lg.account, lg.region),
                            );
                        }
                        arn
                    }
                }
            }
        };
        // A topic the snapshot knows was deleted gets no call but its re-creation, under the same
        // name so the ARN the alarm names is valid again; its subscriptions follow.
        let absent = alarms.iter().any(|a| {
            a["topics"].as_array().is_some_and(|ts| {
                ts.iter()
                    .any(|t| t["topic_arn"] == topic_arn.as_str() && t["verdict"]["absent"] == true)
            })
        });
        if absent {
            let (region, acct) = Arn::parse(&topic_arn).map_or(("", ""), |a| (a.region, a.account));
            let name = arn_name(&topic_arn).to_string();
            let alarm = alarms
                .first()
                .and_then(|a| a["alarm_name"].as_str())
                .unwrap_or("the alarm");
            self.step(
                acct,
                region,
                Action::CreateTopic {
                    name: name.clone(),
                    topic_arn: topic_arn.clone(),
                },
                &[NOTIFY],
                format!("re-create SNS topic {name} in {acct} {region}: it was deleted, and alarm {alarm} still notifies it"),
            );
        }
        let reaches_topic = arr("reaching_topics")
            .iter()
            .any(|t| t["topic_arn"] == topic_arn.as_str())
            || alarms.iter().any(|a| {
                a["topics"].as_array().is_some_and(|ts| {
                    ts.iter()
                        .any(|t| t["topic_arn"] == topic_arn.as_str() && t["verdict"]["state"] == "ok")
                })
            });
        if !reaches_topic {
            self.subscriptions(&topic_arn, chain, requirements);
        }

        // Stage 4: an alarm, unless a reused one already fires on one event.
        if alarms.is_empty() {
            self.step(
                &lg.account,
                &lg.region,
                Action::PutMetricAlarm {
                    alarm_name: RESOURCE_NAME.into(),
                    namespace: namespace.clone(),
                    metric_name: metric.clone(),
                    topic_arn: topic_arn.clone(),
                },
                if reaches_topic {
                    &[ALARM, NOTIFY][..]
                } else {
                    &[ALARM][..]
                },
                format!(
                    "alarm {RESOURCE_NAME} on {namespace}/{metric} (Sum >= 1 over 5 minutes, 1 datapoint) notifying {}",
                    arn_name(&topic_arn)
                ),
            );
        }
    }

    /// The topic of the snapshot with this ARN.
    fn topic(&self, arn: &str) -> Option<&Topic> {
        let Arn { region, account, .. } = Arn::parse(arn)?;
        self.snapshot
            .accounts
            .iter()
            .find(|a| a.account_id == account)?
            .regions
            .get(region)?
            .sns
            .as_ref()?
            .topics
            .iter()
            .find(|t| t.topic_arn == arn)
    }

    /// Subscriptions that make `topic_arn` reach a person: the --notify endpoints and the
    /// concrete accepted endpoints, minus those already there. Whether the requirements accept an
    /// endpoint is the monitoring library's verdict (`chain.accepted_endpoints`).
    fn subscriptions(&mut self, topic_arn: &str, chain: &Json, requirements: &Requirements) {
        let accepted = &requirements.alerting.accepted_endpoints;
        let verdicts: Vec<&str> = chain["accepted_endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let endpoints = candidate_endpoints(self.opts, requirements);
        let existing: Vec<(String, bool)> = self
            .topic(topic_arn)
            .and_then(|t| t.subscriptions.as_ref())
            .map(|subs| {
                subs.iter()
                    .map(|s| {
                        (
                            s.endpoint.clone(),
                            s.pending_confirmation || s.subscription_arn == "PendingConfirmation",
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let name = arn_name(topic_arn).to_string();
        let mut planned = 0;
        for e in endpoints {
            if !verdicts.contains(&e.as_str()) {
                self.manual(
                    NOTIFY,
                    format!(
                        "{e} is not one of the requirements' accepted_endpoints ({}); not subscribed",
                        accepted.join(", ")
                    ),
                );
                continue;
            }
            match existing.iter().find(|(ep, _)| *ep == e) {
                Some((_, true)) => {
                    self.manual(
                        NOTIFY,
                        format!("{e} is subscribed to topic {name} but has not confirmed; the owner must follow the link AWS sent"),
                    );
                    planned += 1;
                }
                Some((_, false)) => planned += 1,
                None => {
                    let protocol = endpoint_protocol(&e).unwrap_or("email").to_string();
                    let (region, acct) = Arn::parse(topic_arn).map_or(("", ""), |a| (a.region, a.account));
                    let summary = format!("subscribe {e} ({protocol}) to topic {name}");
                    self.step(
                        acct,
                        region,
                        Action::Subscribe {
                            topic_arn: topic_arn.into(),
                            protocol,
                            endpoint: e,
                        },
                        &[NOTIFY],
                        summary,
                    );
                    planned += 1;
                }
            }
        }
        if planned == 0 {
            self.manual(
                NOTIFY,
                format!("topic {name} reaches nobody: pass --notify ADDRESS (or list a concrete address in alerting.accepted_endpoints) to subscribe someone"),
            );
        }
    }
}

/// The endpoints a plan may subscribe where a topic reaches nobody: the --notify endpoints, then
/// the requirements' accepted endpoints that name one address (no `*`) of a known protocol.
fn candidate_endpoints(opts: &PlanOptions, requirements: &Requirements) -> Vec<String> {
    let mut endpoints: Vec<String> = opts.notify.clone();
    endpoints.extend(
        requirements
            .alerting
            .accepted_endpoints
            .iter()
            .filter(|e| !e.contains('*') && endpoint_protocol(e).is_some())
            .cloned(),
    );
    endpoints.dedup();
    endpoints
}

fn slots(s: &[u8]) -> String {
    s.iter().map(u8::to_string).collect::<Vec<_>>().join(" and ")
}

fn arn_name(arn: &str) -> &str {
    Arn::parse(arn).map_or(arn, |a| a.name())
}

/// The log groups qualifying trails deliver to, for the accounts in scope (all when empty):
/// where an exported monitoring chain belongs. `(account, region, log group name)`, deduplicated.
pub fn log_group_targets(
    snapshot: &Snapshot,
    requirements: &Requirements,
    accounts: &[String],
) -> Result<Vec<(String, String, String)>, PlanError> {
    let mut query = LibraryQuery::new(requirements)?;
    let mut out: Vec<(String, String, String)> = Vec::new();
    for account in &snapshot.accounts {
        if !accounts.is_empty() && !accounts.contains(&account.account_id) {
            continue;
        }
        let chain = query.eval(snapshot, account, CHAIN_RULE)?;
        for d in chain["deliveries"].as_array().into_iter().flatten() {
            if d["state"] != "ok" {
                continue;
            }
            if let Some(lg) = LogGroup::from_json(&d["log_group"]) {
                let t = (lg.account, lg.region, lg.name);
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    Ok(out)
}
