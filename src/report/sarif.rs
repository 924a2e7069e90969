//! `-o sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! Cloud findings have no source file, so each result points at the file of the rule that
//! produced it (`rules/….rego` for bundled rules, which GitHub can show when rootwarden's rules
//! are in the repository) or at `--sarif-artifact PATH` (for example the requirements file),
//! and carries the account and resource ARN as logical locations. One result per failing
//! finding; `insufficient_data` outcomes are `note` results, so they stay visible.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use serde_sarif::sarif;

use crate::policy::{Evaluation, Finding, RuleInfo, Severity, Status};

/// GitHub code scanning ingests at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;

/// SARIF options.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// `automationDetails.id`, so several slices can be uploaded side by side.
    pub category: Option<String>,
    /// A repository path every result points at, instead of the rule file.
    pub artifact: Option<String>,
}

/// GitHub's `security-severity` score for a severity (critical > 9.0, high 7.0–8.9, …).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// SARIF level of a failing finding of this severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The stable fingerprint of a finding: same rule, account, region, resource, key and status
/// → same fingerprint, run after run. Messages and evidence stay out: they carry dates and
/// counts that change while the finding stays the same.
pub fn fingerprint(f: &Finding) -> String {
    let mut s = format!(
        "{}|{}|{}|{}|{}",
        f.rule_id,
        f.account_id,
        f.region.as_deref().unwrap_or("-"),
        f.resource,
        // A waived finding keeps the fingerprint it had when it failed, so code scanning
        // shows the same alert as suppressed instead of closing it and opening another.
        match f.status {
            Status::Waived => Status::Fail.as_str(),
            s => s.as_str(),
        }
    );
    if let Some(k) = &f.key {
        s.push('|');
        s.push_str(k);
    }
    s
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s.to_string()).build()
}

fn descriptor(rule: &RuleInfo) -> sarif::ReportingDescriptor {
    let m = &rule.metadata;
    let mut tags = vec!["security".to_string(), "aws".to_string(), "root-user".to_string()];
    tags.extend(m.custom.cis.iter().map(|c| format!("CIS {c}")));
    tags.extend(m.custom.aws_security_hub.iter().map(|c| format!("Security Hub {c}")));
    let mut extra = BTreeMap::new();
    extra.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity())),
    );
    extra.insert("severity".to_string(), json!(rule.severity().as_str()));
    let mut markdown = format!(
        "**{}**\n\n{}\n\n**Remediation:** {}\n",
        m.title,
        m.description.trim(),
        m.custom.remediation.trim()
    );
    if !m.custom.cis.is_empty() {
        markdown.push_str(&format!(
            "\nCIS AWS Foundations Benchmark: {}\n",
            m.custom.cis.join(", ")
        ));
    }
    if !m.custom.aws_security_hub.is_empty() {
        markdown.push_str(&format!(
            "\nAWS Security Hub: {}\n",
            m.custom.aws_security_hub.join(", ")
        ));
    }
    let name: String = rule
        .package
        .rsplit('.')
        .next()
        .unwrap_or(&rule.package)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    sarif::ReportingDescriptor::builder()
        .id(rule.id().to_string())
        .name(name)
        .short_description(text(&m.title))
        .full_description(text(m.description.trim()))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(format!(
                    "{} Remediation: {}",
                    m.description.trim(),
                    m.custom.remediation.trim()
                ))
                .markdown(markdown)
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(rule.severity())))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build()
}

fn result(eval: &Evaluation, rule_index: usize, f: &Finding, opts: &SarifOptions) -> sarif::Result {
    let rule = &eval.rules[rule_index];
    let (uri, line) = match &opts.artifact {
        Some(a) => (a.clone(), 1),
        None => (rule.file.clone(), rule.line),
    };
    let where_ = f.region.as_deref().map(|r| format!(" in {r}")).unwrap_or_default();
    let (level, message) = match f.status {
        Status::InsufficientData => (
            "note",
            format!("Insufficient data for account {}{where_}: {}", f.account_id, f.message),
        ),
        _ => (
            self::level(rule.severity()),
            format!("Account {}{where_}: {} ({})", f.account_id, f.message, f.resource),
        ),
    };
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
        .region(sarif::Region::builder().start_line(line as i64).build())
        .build();
    let logical = vec![
        sarif::LogicalLocation::builder()
            .name(f.resource.clone())
            .fully_qualified_name(format!(
                "{}/{}/{}",
                f.account_id,
                f.region.as_deref().unwrap_or("global"),
                f.resource
            ))
            .kind("resource")
            .build(),
        sarif::LogicalLocation::builder()
            .name(f.account_id.clone())
            .kind("namespace")
            .build(),
    ];
    let location = sarif::Location::builder()
        .physical_location(physical)
        .logical_locations(logical)
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("rootwarden/v1".to_string(), fingerprint(f));
    let mut props = BTreeMap::new();
    props.insert("account_id".to_string(), json!(f.account_id));
    props.insert("resource".to_string(), json!(f.resource));
    props.insert("status".to_string(), json!(f.status.as_str()));
    props.insert("evidence".to_string(), f.evidence.clone());
    if let Some(r) = &f.region {
        props.insert("region".to_string(), json!(r));
    }
    let mut r = sarif::Result::builder()
        .rule_id(rule.id().to_string())
        .rule_index(rule_index as i64)
        .level(match level {
            "error" => sarif::ResultLevel::Error,
            "warning" => sarif::ResultLevel::Warning,
            _ => sarif::ResultLevel::Note,
        })
        .message(sarif::Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(sarif::PropertyBag::builder().additional_properties(props).build())
        .build();
    if let Some(w) = &f.suppression {
        let approver = w
            .approver
            .as_deref()
            .map(|a| format!(", approved by {a}"))
            .unwrap_or_default();
        r.suppressions = Some(vec![sarif::Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(format!("{} (waived until {}{approver})", w.reason, w.expires))
            .build()]);
    }
    r
}

/// The SARIF log as a value.
pub fn document(eval: &Evaluation, opts: &SarifOptions) -> Value {
    let (mut log, findings) = log(eval, opts);
    log.runs[0].results = Some(findings.iter().map(|(r, f)| result(eval, *r, f, opts)).collect());
    serde_json::to_value(log).expect("SARIF serializes")
}

/// The SARIF log with no results yet, and the findings its results are made of, in order.
fn log<'e>(eval: &'e Evaluation, opts: &SarifOptions) -> (sarif::Sarif, Vec<(usize, &'e Finding)>) {
    let rules: Vec<_> = eval.rules.iter().map(descriptor).collect();
    // Most severe first, so a cap at GitHub's limit drops the least important results.
    let mut findings: Vec<(usize, &Finding)> = eval
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Fail | Status::InsufficientData | Status::Waived))
        .flat_map(|o| o.findings.iter().map(move |f| (o.rule, f)))
        .collect();
    findings.sort_by_key(|(r, f)| {
        (
            f.status != Status::Fail || f.suppression.is_some(),
            std::cmp::Reverse(eval.rules[*r].severity()),
        )
    });
    let mut notifications = Vec::new();
    if findings.len() > MAX_RESULTS {
        notifications.push(
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(sarif::Message::builder().text(format!(
                    "{} results exceed GitHub's limit of {MAX_RESULTS} per run; the least severe were left out (use --sarif-category to upload slices)",
                    findings.len()
                )).build())
                .build(),
        );
        findings.truncate(MAX_RESULTS);
    }
    for o in eval.outcomes.iter().filter(|o| o.status == Status::InsufficientData) {
        notifications.push(
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "{} on account {}: insufficient data: {}",
                            o.rule_id,
                            o.account_id,
                            o.findings.first().map(|f| f.message.as_str()).unwrap_or("")
                        ))
                        .build(),
                )
                .build(),
        );
    }
    let mut invocation = sarif::Invocation::builder().execution_successful(true).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = sarif::ToolComponent::builder()
        .name("rootwarden")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    let category = opts.category.clone().unwrap_or_else(|| "rootwarden/".to_string());
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .automation_details(sarif::RunAutomationDetails::builder().id(category).build())
        .invocations(vec![invocation])
        .results(Vec::new())
        .build();
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    (log, findings)
}

/// Renders the SARIF log ([`document`]), each result made as it is written rather than all of
/// them held at once.
pub fn render(eval: &Evaluation, opts: &SarifOptions) -> String {
    let (log, findings) = log(eval, opts);
    let log = serde_json::to_value(log).expect("SARIF serializes");
    super::pretty_json(&WithResults {
        log: &log,
        results: Results { eval, findings, opts },
    })
}

/// A log without results, written with `results` in its run.
struct WithResults<'a> {
    log: &'a Value,
    results: Results<'a>,
}

/// The results of a run, made one at a time as they are written.
struct Results<'a> {
    eval: &'a Evaluation,
    findings: Vec<(usize, &'a Finding)>,
    opts: &'a SarifOptions,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.findings.iter().map(|(r, f)| result(self.eval, *r, f, self.opts)))
    }
}

impl serde::Serialize for WithResults<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap as _, SerializeSeq as _};
        /// The one run, its `results` member replaced.
        struct Run<'a>(&'a serde_json::Map<String, Value>, &'a Results<'a>);
        impl serde::Serialize for Run<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    if k == "results" {
                        map.serialize_entry(k, self.1)?;
                    } else {
                        map.serialize_entry(k, v)?;
                    }
                }
                map.end()
            }
        }
        /// The runs: the one run, with its results.
        struct Runs<'a>(&'a [Value], &'a Results<'a>);
        impl serde::Serialize for Runs<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
                for run in self.0 {
                    match run.as_object() {
                        Some(run) => seq.serialize_element(&Run(run, self.1))?,
                        None => seq.serialize_element(run)?,
                    }
                }
                seq.end()
            }
        }
        let Some(log) = self.log.as_object() else {
            return self.log.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(log.len()))?;
        for (k, v) in log {
            match (k.as_str(), v.as_array()) {
                ("runs", Some(runs)) => map.serialize_entry(k, &Runs(runs, &self.results))?,
                _ => map.serialize_entry(k, v)?,
            }
        }
        map.end()
    }
}
