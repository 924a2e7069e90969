//! Evaluates every bundled rule over a 1,000-account snapshot with one compiled engine, and
//! 1,000 user rules (the `rules new` template) over the same snapshot.
//! Time per account = reported time / 1,000.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rootwarden::input;
use rootwarden::policy::outcome::RuleOrigin;
use rootwarden::policy::{loader, Policy, RuleFile};
use rootwarden::requirements::Requirements;
use rootwarden::snapshot::Snapshot;

// The allocator the rootwarden binary uses, so the figure is the one users get.
#[global_allocator]
static GLOBAL: rootwarden::policy::budget::BudgetedAlloc<mimalloc::MiMalloc> =
    rootwarden::policy::budget::BudgetedAlloc(mimalloc::MiMalloc);

/// `n` user rules as `rootwarden rules new` writes them, each its own package and id.
fn user_rules(n: usize) -> Vec<RuleFile> {
    (0..n)
        .map(|i| RuleFile {
            path: format!("acme/rule_{i}.rego"),
            text: format!(
                r#"# METADATA
# title: Root has no console password in member accounts
# description: A user rule.
# custom:
#   id: ACME-{i:04}
#   severity: medium
#   remediation: Remove the password.
#   requires: [credential_report]
package rootwarden.rules.rule_{i}

import rego.v1

root := input.account.iam.credential_report.root

deny contains {{
	"account_id": input.account.account_id,
	"resource": sprintf("arn:%s:iam::%s:root", [input.account.partition, input.account.account_id]),
	"message": sprintf("The root user of member account %s has a console password.", [input.account.account_id]),
	"evidence": {{"password_enabled": root.password_enabled}},
}} if {{
	input.account.role == "member"
	root.password_enabled == true
}}

not_applicable contains "Only member accounts are judged." if input.account.role != "member"
"#
            ),
            origin: RuleOrigin::User,
        })
        .collect()
}

/// A snapshot of `n` accounts: a mix of the compliant-organization members, compliant
/// standalone accounts and neglected accounts, so every rule takes its pass and fail paths.
fn big_snapshot(n: usize) -> Snapshot {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots");
    let org = input::load_snapshot(&root.join("compliant-org.json")).unwrap();
    let standalone = input::load_snapshot(&root.join("compliant-standalone.json")).unwrap();
    let neglected = input::load_snapshot(&root.join("neglected-account.json")).unwrap();
    let templates = [&org.accounts[1], &standalone.accounts[0], &neglected.accounts[0]];
    let mut snap = org.clone();
    snap.accounts.truncate(1); // keep the management account that owns the organization trail
    for i in 1..n {
        let mut a = templates[i % templates.len()].clone();
        a.account_id = format!("{:012}", 500_000_000_000u64 + i as u64);
        snap.accounts.push(a);
    }
    snap
}

fn bench(c: &mut Criterion) {
    let snap = big_snapshot(1000);
    let mut policy = Policy::load(&loader::bundled(), &Requirements::default()).unwrap();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(snap.accounts.len() as u64));
    g.sample_size(10);
    g.bench_function("all_bundled_rules_1000_accounts", |b| {
        b.iter(|| policy.evaluate(&snap).unwrap())
    });
    // The share of the above spent building each account's input document (snapshot types ->
    // JSON -> regorus values), single-threaded.
    g.bench_function("account_inputs_only_1000_accounts", |b| {
        b.iter(|| {
            for a in &snap.accounts {
                std::hint::black_box(regorus::Value::from(rootwarden::policy::documents::account_input(
                    &snap, a,
                )));
            }
        })
    });
    g.finish();

    let mut user = Policy::load(&user_rules(1000), &Requirements::default()).unwrap();
    // The default 10 s per account is for runaway rules; the bench measures, it does not judge.
    user.set_time_limit(std::time::Duration::from_secs(600));
    let mut g = c.benchmark_group("evaluate_user_rules");
    g.throughput(Throughput::Elements(snap.accounts.len() as u64));
    g.sample_size(10);
    g.bench_function("1000_user_rules_1000_accounts", |b| {
        b.iter(|| user.evaluate(&snap).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
