//! Reading a rule's `# METADATA` block (OPA annotation syntax). regorus does not parse these
//! comments, so we take the YAML block ourselves.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a failing control is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lower-case name, as written in METADATA.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "expected one of critical, high, medium, low, info; found {s:?}"
            )),
        }
    }
}

/// A snapshot section a rule needs. When it is `null` (not collected) for the account being
/// evaluated, the engine reports `insufficient_data` without consulting the rule.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// `account.iam.credential_report` and its root row.
    CredentialReport,
    /// `account.iam.account_summary`.
    AccountSummary,
    /// `account.iam.root_mfa_devices`.
    RootMfaDevices,
    /// `organization.root_access` (management accounts only; other accounts do not need it).
    OrganizationRootAccess,
    /// `regions.*.cloudtrail` in every collected region.
    Cloudtrail,
    /// `regions.*.logs` in every collected region.
    Logs,
    /// `regions.*.cloudwatch` in every collected region.
    Cloudwatch,
    /// `regions.*.sns` in every collected region.
    Sns,
    /// `regions.*.events` in every collected region.
    Events,
}

impl Fact {
    /// Whether the fact is collected per region.
    pub fn regional(self) -> bool {
        matches!(
            self,
            Fact::Cloudtrail | Fact::Logs | Fact::Cloudwatch | Fact::Sns | Fact::Events
        )
    }

    /// The snake_case name used in METADATA and evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::CredentialReport => "credential_report",
            Fact::AccountSummary => "account_summary",
            Fact::RootMfaDevices => "root_mfa_devices",
            Fact::OrganizationRootAccess => "organization_root_access",
            Fact::Cloudtrail => "cloudtrail",
            Fact::Logs => "logs",
            Fact::Cloudwatch => "cloudwatch",
            Fact::Sns => "sns",
            Fact::Events => "events",
        }
    }
}

/// The annotations of one rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleMetadata {
    /// Annotation scope (`package`); accepted and ignored.
    #[serde(default, skip_serializing)]
    pub scope: Option<String>,
    /// One-line title.
    pub title: String,
    /// What the rule checks and why.
    pub description: String,
    /// OPA `related_resources`; accepted and kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_resources: Vec<serde_json::Value>,
    /// OPA `authors`; accepted and kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<serde_json::Value>,
    /// rootwarden's own fields.
    pub custom: CustomMetadata,
}

/// The `custom:` part of a rule's METADATA.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomMetadata {
    /// Stable id, e.g. `RW-ROOT-001`.
    pub id: String,
    /// Severity of a failure.
    pub severity: Severity,
    /// How to fix a failure.
    pub remediation: String,
    /// CIS AWS Foundations Benchmark controls, e.g. `["1.4 (v1.4-v4.0)"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// AWS Security Hub controls, e.g. `["IAM.4"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_security_hub: Vec<String>,
    /// Snapshot sections the rule cannot decide without.
    #[serde(default)]
    pub requires: Vec<Fact>,
    /// The activity review's key figure this rule's outcome feeds (`root_mfa`), so the review
    /// asks the rules instead of naming one.
    #[serde(default, skip_serializing)]
    pub kpi: Option<Kpi>,
}

/// A key figure of the activity review that a rule's outcome decides.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kpi {
    /// Accounts whose root user has MFA (pass) among those judged (pass or fail).
    RootMfa,
}

/// Where a METADATA block sits in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataBlock {
    /// The YAML text, comment markers removed.
    pub yaml: String,
    /// 1-based line of the `# METADATA` marker.
    pub line: usize,
}

/// Finds the first `# METADATA` comment block in Rego source.
pub fn find_block(source: &str) -> Option<MetadataBlock> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines.iter().position(|l| l.trim() == "# METADATA")?;
    let mut yaml = String::new();
    for l in &lines[start + 1..] {
        let t = l.trim_start();
        let Some(rest) = t.strip_prefix('#') else { break };
        // OPA strips exactly one space after '#'.
        yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        yaml.push('\n');
    }
    Some(MetadataBlock { yaml, line: start + 1 })
}

/// Parses a METADATA block; errors give the line in the Rego file.
pub fn parse_block(block: &MetadataBlock) -> Result<RuleMetadata, (usize, String)> {
    let de = serde_norway::Deserializer::from_str(&block.yaml);
    serde_path_to_error::deserialize::<_, RuleMetadata>(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = inner.location().map(|l| block.line + l.line()).unwrap_or(block.line);
        let mut msg = inner.to_string();
        if let Some(i) = msg.rfind(" at line ") {
            msg.truncate(i);
        }
        if field != "." && !field.is_empty() {
            msg = format!("`{field}`: {msg}");
        }
        (line, format!("invalid METADATA: {msg}"))
    })
}

#[cfg(test)]
mod tests;
