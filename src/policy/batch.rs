//! The generated modules that gather every selected rule's verdict sets, so one evaluation per
//! account yields them all.
//!
//! regorus forgets computed values between evaluations; evaluated together, the library rules
//! the monitoring rules share (trails, deliveries, alarms...) are computed once per account
//! instead of once per rule and verdict set. Each verdict set of rule N is read by a rule of its
//! own whose body first reports rule N as started (the running rule is then known on a
//! time-out, an error or a memory overrun, and a rule whose facts are missing is not run at
//! all), with a default of the empty set, so an undefined verdict set reads as empty. Arrays
//! gather them: one per chunk of rules (`[deny, insufficient_data, not_applicable]` per rule),
//! and one array of the chunks.
//!
//! Two properties of regorus shape this. A `data.` reference scans every loaded module before
//! it looks the rule up, so the modules are in package `rootwarden.rules` and import each rule
//! package by its first component below it (`import data.rootwarden.rules.acme`, then
//! `acme.owners.deny`), which regorus resolves straight to the rule. And a partial set grows by
//! copying, so complete rules and array literals are used instead. Either would make gathering
//! N rules cost N² (half a minute per account for 1,000 rules).
//!
//! Nothing here grows with the number of rules on one line or in one file: each definition is a
//! few short lines, the definitions are spread over modules of [`RULES_PER_MODULE`] rules, and
//! the module gathering the chunks has one line per chunk, far below regorus' limits (1,024
//! columns, 20,000 lines and 1 MiB per file).

use super::loader::RULES_PREFIX;
use super::sandbox::RULE_STARTED;

/// How many rules each generated module holds.
const RULES_PER_MODULE: usize = 256;

/// The package of the generated modules: the parent of every rule package.
pub(crate) const PACKAGE: &str = "rootwarden.rules";

/// The prefix of the generated rules' names; no rule package may start with it.
pub(crate) const RESERVED_NAME: &str = "__rootwarden";

/// The verdict sets a rule defines besides `deny`.
pub(crate) struct VerdictSets<'a> {
    /// The rule's index, as reported when it starts.
    pub index: usize,
    /// The rule's package (`rootwarden.rules.NAME...`, identifiers only; see the loader).
    pub package: &'a str,
    /// Whether it declares `insufficient_data`.
    pub insufficient: bool,
    /// Whether it declares `not_applicable`.
    pub not_applicable: bool,
}

/// The generated rules of generation `generation`: the one that gathers the verdicts, and a
/// trivial one evaluated once so the engine is prepared before any account.
pub(crate) fn rule_names(generation: usize) -> (String, String) {
    (
        format!("{RESERVED_NAME}_verdicts_{generation}"),
        format!("{RESERVED_NAME}_ready_{generation}"),
    )
}

/// The modules `(path, source)` of generation `generation` for `rules`. The gathering rule's
/// value is an array of chunks, each an array with, per rule in the order of `rules`, the array
/// `[deny, insufficient_data, not_applicable]`.
pub(crate) fn modules(generation: usize, rules: &[VerdictSets<'_>]) -> Vec<(String, String)> {
    let (verdicts, ready) = rule_names(generation);
    let header = format!("package {PACKAGE}\n\nimport rego.v1\n");
    let mut out = Vec::new();
    let mut top = format!("{header}\n{ready} := true\n\n{verdicts} := [\n");
    for (chunk, part) in rules.chunks(RULES_PER_MODULE).enumerate() {
        let mut imports: Vec<&str> = part
            .iter()
            .map(|r| relative(r.package).split('.').next().unwrap_or_default())
            .collect();
        imports.sort_unstable();
        imports.dedup();
        let mut m = header.clone();
        for first in imports {
            m.push_str(&format!("import data.{PACKAGE}.{first}\n"));
        }
        let mut gather = format!("\n{RESERVED_NAME}_{generation}_chunk_{chunk} := [\n");
        for rule in part {
            let index = rule.index;
            let mut triple = Vec::new();
            for (present, name) in [
                (true, "deny"),
                (rule.insufficient, "insufficient_data"),
                (rule.not_applicable, "not_applicable"),
            ] {
                if !present {
                    triple.push("set()".to_string());
                    continue;
                }
                let set = format!("{RESERVED_NAME}_{generation}_{index}_{name}");
                m.push_str(&format!(
                    "\ndefault {set} := set()\n\n{set} := v if {{\n\t{RULE_STARTED}({index})\n\tv := {}.{name}\n}}\n",
                    relative(rule.package)
                ));
                triple.push(set);
            }
            gather.push_str(&format!("\t[{}],\n", triple.join(", ")));
        }
        gather.push_str("]\n");
        m.push_str(&gather);
        out.push((format!("<generated verdicts {generation}.{chunk}>"), m));
        top.push_str(&format!("\t{RESERVED_NAME}_{generation}_chunk_{chunk},\n"));
    }
    top.push_str("]\n");
    out.push((format!("<generated verdicts {generation}>"), top));
    out
}

/// A rule package below `rootwarden.rules.`.
fn relative(package: &str) -> &str {
    package.strip_prefix(RULES_PREFIX).unwrap_or(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_and_no_module_grows_with_the_number_of_rules() {
        let packages: Vec<String> = (0..1000).map(|i| format!("rootwarden.rules.r{i}")).collect();
        let rules: Vec<VerdictSets<'_>> = packages
            .iter()
            .enumerate()
            .map(|(index, p)| VerdictSets {
                index,
                package: p,
                insufficient: p.ends_with('7'),
                not_applicable: true,
            })
            .collect();
        let mods = modules(1, &rules);
        assert_eq!(mods.len(), 5);
        for (_, text) in &mods {
            assert!(text.lines().all(|l| l.len() < 120), "{text}");
            assert!(text.lines().count() < 5000);
        }
        let all: String = mods.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(all.matches(" := v if {").count(), 2100);
        assert!(all.contains("import data.rootwarden.rules.r999\n"));
        assert!(all.contains("\tv := r999.not_applicable\n"));
        assert!(all.contains("\t[__rootwarden_1_999_deny, set(), __rootwarden_1_999_not_applicable],\n"));
        assert!(all.contains("\t__rootwarden_1_chunk_3,\n"));
    }
}
