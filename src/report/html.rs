//! `-o html[=PATH]`: the findings report for people — one self-contained page (no script, no
//! external asset) that someone who never ran rootwarden can read: a headline, the KPIs, the
//! account × control matrix, the findings failures first, the root-user inventory and the
//! provenance. Everything on it is rendered from the outcome table and the snapshot's facts;
//! nothing here decides a verdict.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::inventory::{self, Inventory, RootUser};
use super::page::{self, anchor, esc, esc_code_spans, Card};
use super::words::{counts_sentence, plural, status_label, status_rank, SEVERITIES};
use super::ReportContext;
use crate::activity::notify::{self, TimeToNotify};
use crate::activity::review::{self, Ratio};
use crate::policy::library::LibraryQuery;
use crate::policy::outcome::Counts;
use crate::policy::{Evaluation, Outcome, RuleInfo, Severity, Status};
use crate::snapshot::Snapshot;

/// The matrix cell of a status: a symbol and a short word (readable without colour).
fn status_cell(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓ pass",
        Status::Fail => "✗ FAIL",
        Status::Waived => "⚑ waived",
        Status::NotApplicable => "– n/a",
        Status::InsufficientData => "? no data",
    }
}

/// The order findings are shown in: what needs action first.
const STATUS_ORDER: [Status; 4] = [
    Status::Fail,
    Status::InsufficientData,
    Status::Waived,
    Status::NotApplicable,
];

fn outcome_anchor(account: &str, rule: &str) -> String {
    anchor(&["o", account, rule])
}

fn account_anchor(account: &str) -> String {
    anchor(&["a", account])
}

/// "111122223333 (name)".
fn account_title(snapshot: &Snapshot, account: &str) -> String {
    match snapshot
        .accounts
        .iter()
        .find(|a| a.account_id == account)
        .and_then(|a| a.name.as_deref())
    {
        Some(n) => format!("{account} ({n})"),
        None => account.to_string(),
    }
}

/// The KPIs of the seed assessment the snapshot can give.
struct Kpis {
    compliance: Option<Ratio>,
    root_mfa: Option<Ratio>,
    activity: Option<review::Kpis>,
    alarm_history_read: bool,
    /// Time to notify; `Err` when the rules' library could not say which alarms are root alarms.
    time_to_notify: Result<Option<TimeToNotify>, String>,
}

fn kpis(eval: &Evaluation, ctx: &ReportContext) -> Kpis {
    let summary = review::control_summary(eval);
    let in_scope: BTreeSet<&str> = eval.accounts.iter().map(String::as_str).collect();
    let reviewed = ctx
        .snapshot
        .accounts
        .iter()
        .any(|a| in_scope.contains(a.account_id.as_str()) && a.activity.is_some());
    let alarm_history_read = ctx
        .snapshot
        .accounts
        .iter()
        .filter_map(|a| a.activity.as_ref())
        .any(|a| a.alarm_transitions.is_some());
    // The review covers the accounts this report judged, not those out of scope; if the rules'
    // library cannot judge the events, the activity figures are unknown rather than guessed.
    let mut scoped = ctx.snapshot.clone();
    scoped.accounts.retain(|a| in_scope.contains(a.account_id.as_str()));
    let drills = super::drill::fresh(
        ctx.drills,
        ctx.snapshot.collected_at,
        ctx.requirements.alerting.drill_every_days,
    );
    let activity = reviewed
        .then(|| review::review(&scoped, ctx.requirements, Some(summary), &drills).ok())
        .flatten()
        .map(|r| r.kpis);
    let time_to_notify = match &activity {
        Some(a) => Ok(a.time_to_notify.clone()),
        None => LibraryQuery::new(ctx.requirements)
            .and_then(|mut q| notify::time_to_notify(&mut q, &scoped, &drills))
            .map_err(|e| e.to_string()),
    };
    Kpis {
        compliance: Ratio::new(summary.passing_all, summary.accounts),
        root_mfa: Ratio::new(summary.root_mfa_pass, summary.root_mfa_judged),
        activity,
        alarm_history_read,
        time_to_notify,
    }
}

fn ratio_text(r: &Ratio, of_what: &str) -> String {
    format!(
        "{}% ({} of {})",
        r.percent,
        r.count,
        plural(r.of, of_what, &format!("{of_what}s"))
    )
}

/// Renders the findings report.
pub fn render(eval: &Evaluation, ctx: &ReportContext) -> String {
    let mut out = String::new();
    let counts = eval.counts();
    let k = kpis(eval, ctx);
    page::open(
        &mut out,
        "rootwarden: AWS root user findings",
        &format!(
            "{} × {} · snapshot collected {}",
            plural(eval.accounts.len(), "account", "accounts"),
            plural(eval.rules.len(), "control", "controls"),
            eval.collected_at
        ),
    );
    headline(&mut out, eval, &counts, &k);
    banners(&mut out, eval, ctx, &counts);
    key_figures(&mut out, &k);
    matrix(&mut out, eval, ctx);
    findings(&mut out, eval, ctx);
    accounts(&mut out, eval, ctx);
    super::drill::html_section(
        &mut out,
        ctx.drills,
        ctx.snapshot.collected_at,
        ctx.requirements.alerting.drill_every_days,
    );
    let inv = inventory::build(ctx.snapshot, eval);
    inventory_section(&mut out, &inv, ctx.snapshot);
    controls(&mut out, eval);
    expired_waivers(&mut out, eval);
    provenance(&mut out, eval, ctx);
    page::close(&mut out, ctx.provenance);
    out
}

fn failing_by_severity(eval: &Evaluation) -> BTreeMap<Severity, usize> {
    let mut m = BTreeMap::new();
    for o in eval.outcomes.iter().filter(|o| o.status == Status::Fail) {
        *m.entry(eval.rule_of(o).severity()).or_default() += 1;
    }
    m
}

fn headline(out: &mut String, eval: &Evaluation, counts: &Counts, k: &Kpis) {
    let failing = failing_by_severity(eval);
    let mut cards = vec![Card {
        class: "accounts".into(),
        value: eval.accounts.len().to_string(),
        label: if eval.accounts.len() == 1 {
            "account"
        } else {
            "accounts"
        }
        .into(),
    }];
    cards.push(Card {
        class: "score".into(),
        value: k
            .compliance
            .map(|r| format!("{}%", r.percent))
            .unwrap_or_else(|| "–".into()),
        label: "compliance score".into(),
    });
    for sev in SEVERITIES {
        let n = failing.get(&sev).copied().unwrap_or(0);
        cards.push(Card {
            class: format!("sev-{}{}", sev.as_str(), if n == 0 { " zero" } else { "" }),
            value: n.to_string(),
            label: format!("{} failing", sev.as_str()),
        });
    }
    cards.push(Card {
        class: format!("data{}", if counts.insufficient_data == 0 { " zero" } else { "" }),
        value: counts.insufficient_data.to_string(),
        label: "insufficient data".into(),
    });
    cards.push(Card {
        class: format!("waived{}", if counts.waived == 0 { " zero" } else { "" }),
        value: counts.waived.to_string(),
        label: "waived".into(),
    });
    page::cards(out, &cards);
    let _ = writeln!(
        out,
        "<p class=\"sub\">Counts are controls per account: a control failing in two accounts counts twice. \
         The compliance score is the share of accounts where no control fails or lacks data.</p>"
    );
}

fn banners(out: &mut String, eval: &Evaluation, ctx: &ReportContext, counts: &Counts) {
    let errors = ctx.snapshot.collection_errors.len();
    if counts.insufficient_data > 0 || errors > 0 {
        let mut parts = Vec::new();
        if counts.insufficient_data > 0 {
            parts.push(format!(
                "{} could not be judged for lack of data (<a href=\"#findings\">see Findings</a>)",
                esc(&plural(counts.insufficient_data, "control", "controls"))
            ));
        }
        if errors > 0 {
            parts.push(format!(
                "{} during collection (<a href=\"#collection-errors\">listed below</a>)",
                esc(&plural(errors, "API call failed", "API calls failed"))
            ));
        }
        page::banner(
            out,
            "",
            &format!(
                "<strong>Incomplete.</strong> {}. Missing facts are never counted as passing.",
                parts.join("; ")
            ),
        );
    }
    if counts.fail > 0 {
        page::banner(
            out,
            "bad",
            &format!(
                "<strong>{} failing</strong> — see <a href=\"#findings\">Findings</a>, most severe first.",
                esc(&plural(counts.fail, "control", "controls"))
            ),
        );
    } else if counts.insufficient_data == 0 && errors == 0 && !eval.accounts.is_empty() {
        page::banner(
            out,
            "good",
            "<strong>Every applicable control holds</strong> in every account of this snapshot.",
        );
    }
    if eval.accounts.is_empty() {
        page::banner(
            out,
            "bad",
            "<strong>No account was evaluated</strong>: the snapshot holds none in the requirements' scope.",
        );
    }
}

fn key_figures(out: &mut String, k: &Kpis) {
    out.push_str("<h2 id=\"kpis\">Key figures</h2>\n<table class=\"kpis\">\n");
    let mut row = |label: &str, value: String, why: &str| {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"why\">{}</td></tr>",
            esc(label),
            esc(&value),
            esc_code_spans(why)
        );
    };
    row(
        "Policy compliance score",
        k.compliance
            .map(|r| ratio_text(&r, "account"))
            .unwrap_or_else(|| "unknown".into()),
        "accounts where every control passes, is waived or does not apply",
    );
    match &k.root_mfa {
        Some(r) => row(
            "Root MFA adoption",
            ratio_text(r, "account"),
            "accounts whose root user has MFA, of those where the MFA control was judged (not where root has no credentials or the facts are missing)",
        ),
        None => row(
            "Root MFA adoption",
            "unknown".into(),
            "the root MFA control (RW-ROOT-003) was not judged in any account",
        ),
    }
    match &k.activity {
        Some(a) => {
            row(
                "Root console sign-ins",
                format!("{} ({} failed)", a.root_sign_ins, a.root_sign_in_failures),
                "in the reviewed window; the goal is zero",
            );
            row(
                "Unapproved root events",
                a.unapproved_events.to_string(),
                "root events outside an approved root-use exception",
            );
            let (value, why) = super::activity::time_to_detect_text(&a.time_to_detect, k.alarm_history_read);
            row("Time to detect", value, &why);
        }
        None => row(
            "Root sign-ins, unapproved root events, time to detect",
            "not reviewed".into(),
            "the snapshot holds no root activity: review it with `rootwarden activity --snapshot-out FILE` and \
             evaluate FILE, or collect with `scan --activity`",
        ),
    }
    match &k.time_to_notify {
        Ok(t) => {
            let (value, why) = super::activity::time_to_notify_text(t);
            row("Time to notify", value, &why);
        }
        Err(e) => row(
            "Time to notify",
            "insufficient data".into(),
            &format!("the rules' library could not say which alarms fire on a root event: {e}"),
        ),
    }
    out.push_str("</table>\n");
}

fn legend(out: &mut String) {
    out.push_str("<p class=\"legend\">");
    for s in [
        Status::Fail,
        Status::InsufficientData,
        Status::Waived,
        Status::NotApplicable,
        Status::Pass,
    ] {
        let meaning = match s {
            Status::Fail => "failing",
            Status::InsufficientData => "insufficient data: could not be judged",
            Status::Waived => "failing, accepted by a waiver",
            Status::NotApplicable => "not applicable",
            Status::Pass => "passing",
        };
        let _ = write!(
            out,
            "<span class=\"st-{}\">{} — {meaning}</span>",
            s.as_str(),
            esc(status_cell(s)),
        );
    }
    out.push_str("</p>\n");
}

fn matrix(out: &mut String, eval: &Evaluation, ctx: &ReportContext) {
    out.push_str("<h2 id=\"matrix\">Accounts × controls</h2>\n");
    legend(out);
    out.push_str("<table class=\"matrix\">\n<thead><tr><th>Account</th>");
    for r in &eval.rules {
        let _ = write!(
            out,
            "<th class=\"rule\" title=\"{}\"><div><a href=\"#{}\">{}</a> <span class=\"sev sev-{}\">{}</span></div></th>",
            esc(&r.metadata.title),
            anchor(&["r", r.id()]),
            esc(r.id()),
            r.severity().as_str(),
            r.severity().as_str()
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let by_key: BTreeMap<(&str, &str), &Outcome> = eval
        .outcomes
        .iter()
        .map(|o| ((o.account_id.as_str(), o.rule_id.as_str()), o))
        .collect();
    for account in &eval.accounts {
        let _ = write!(
            out,
            "<tr><th><a href=\"#{}\">{}</a></th>",
            account_anchor(account),
            esc(&account_title(ctx.snapshot, account))
        );
        for r in &eval.rules {
            match by_key.get(&(account.as_str(), r.id())) {
                Some(o) => {
                    let message = o.findings.first().map(|f| f.message.as_str()).unwrap_or("");
                    let cell = esc(status_cell(o.status));
                    let inner = if o.status == Status::Pass {
                        cell
                    } else {
                        format!("<a href=\"#{}\">{cell}</a>", outcome_anchor(account, r.id()))
                    };
                    let _ = write!(
                        out,
                        "<td class=\"st st-{s}\" data-account=\"{a}\" data-rule=\"{id}\" data-status=\"{s}\" title=\"{id}: {label}. {m}\">{inner}</td>",
                        s = o.status.as_str(),
                        a = esc(account),
                        id = esc(r.id()),
                        label = esc(status_label(o.status)),
                        m = esc(message),
                    );
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Mappings of a rule: "CIS 1.5 · Security Hub IAM.9".
fn mappings(r: &RuleInfo) -> String {
    let mut parts = Vec::new();
    if !r.metadata.custom.cis.is_empty() {
        parts.push(format!("CIS {}", r.metadata.custom.cis.join(", ")));
    }
    if !r.metadata.custom.aws_security_hub.is_empty() {
        parts.push(format!(
            "Security Hub {}",
            r.metadata.custom.aws_security_hub.join(", ")
        ));
    }
    parts.join(" · ")
}

fn findings(out: &mut String, eval: &Evaluation, ctx: &ReportContext) {
    out.push_str("<h2 id=\"findings\">Findings</h2>\n");
    let mut any = false;
    for status in STATUS_ORDER {
        // Rules with an outcome of this status, most severe first, then by id.
        let mut rules: Vec<usize> = eval
            .outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.rule)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if rules.is_empty() {
            continue;
        }
        any = true;
        rules.sort_by(|a, b| {
            let (ra, rb) = (&eval.rules[*a], &eval.rules[*b]);
            rb.severity().cmp(&ra.severity()).then(ra.id().cmp(rb.id()))
        });
        let heading = match status {
            Status::Fail => "Failing",
            Status::InsufficientData => "Insufficient data — could not be judged",
            Status::Waived => "Waived — failing, accepted until the waiver expires",
            _ => "Not applicable",
        };
        // Every group stays open: matrix cells link into them, and a closed <details> would hide
        // the target in some browsers and mail clients.
        let n = eval.outcomes.iter().filter(|o| o.status == status).count();
        let _ = writeln!(out, "<h3>{} ({})</h3>", esc(heading), n);
        for idx in rules {
            finding_card(out, eval, ctx, status, idx);
        }
    }
    if !any {
        out.push_str("<p>Every control passes in every account.</p>\n");
    }
}

fn finding_card(out: &mut String, eval: &Evaluation, ctx: &ReportContext, status: Status, idx: usize) {
    let rule = &eval.rules[idx];
    let outcomes: Vec<&Outcome> = eval
        .outcomes
        .iter()
        .filter(|o| o.rule == idx && o.status == status)
        .collect();
    let verb = match status {
        Status::Fail => "failing in",
        Status::InsufficientData => "insufficient data in",
        Status::Waived => "waived in",
        _ => "not applicable in",
    };
    let _ = writeln!(
        out,
        "<section class=\"finding f-{}\">\n<h3><span class=\"sev sev-{sev}\">{sev}</span> {} {} — {verb} {}</h3>",
        status.as_str(),
        esc(rule.id()),
        esc(&rule.metadata.title),
        esc(&plural(outcomes.len(), "account", "accounts")),
        sev = rule.severity().as_str(),
    );
    let map = mappings(rule);
    let _ = writeln!(
        out,
        "<div class=\"meta\">{}{}{}</div>",
        esc(&map),
        if map.is_empty() { "" } else { " · " },
        esc(&format!("{}:{}", rule.file, rule.line))
    );
    if matches!(status, Status::Fail | Status::Waived) {
        let _ = writeln!(
            out,
            "<p><strong>Remediation.</strong> {}</p>",
            esc_code_spans(rule.metadata.custom.remediation.trim())
        );
    }
    let _ = writeln!(
        out,
        "<details><summary>About this control</summary><p>{}</p></details>",
        esc_code_spans(rule.metadata.description.trim())
    );
    out.push_str("<table>\n<tr><th>Account</th><th>Region</th><th>Resource</th><th>Finding</th></tr>\n");
    for o in outcomes {
        for (i, f) in o.findings.iter().enumerate() {
            let id = if i == 0 {
                format!(" id=\"{}\"", outcome_anchor(&o.account_id, rule.id()))
            } else {
                String::new()
            };
            let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
            let waiver = match &f.suppression {
                Some(w) => format!(
                    "<p class=\"waiver\">Waived until {}{}: {}</p>",
                    esc(&w.expires),
                    w.approver
                        .as_deref()
                        .map(|a| format!(", approved by {}", esc(a)))
                        .unwrap_or_default(),
                    esc(&w.reason)
                ),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "<tr{id}><td class=\"acct\"><a href=\"#{}\">{}</a></td><td>{}</td><td><code>{}</code></td>\
                 <td>{}{waiver}<details><summary>Evidence</summary><pre>{}</pre></details></td></tr>",
                account_anchor(&o.account_id),
                esc(&account_title(ctx.snapshot, &o.account_id)),
                esc(f.region.as_deref().unwrap_or("global")),
                esc(&f.resource),
                esc(&f.message),
                esc(&evidence)
            );
        }
    }
    out.push_str("</table>\n</section>\n");
}

fn accounts(out: &mut String, eval: &Evaluation, ctx: &ReportContext) {
    out.push_str("<h2 id=\"accounts\">Accounts</h2>\n");
    for account in &eval.accounts {
        let mut outcomes: Vec<&Outcome> = eval.outcomes.iter().filter(|o| &o.account_id == account).collect();
        let mut counts = Counts::default();
        outcomes.iter().for_each(|o| counts.add(o.status));
        let role = ctx
            .snapshot
            .accounts
            .iter()
            .find(|a| &a.account_id == account)
            .map(|a| inventory::role_text(a.role))
            .unwrap_or("");
        let _ = writeln!(
            out,
            "<h3 id=\"{}\">{} <small>{}</small></h3>",
            account_anchor(account),
            esc(&account_title(ctx.snapshot, account)),
            esc(role)
        );
        let _ = writeln!(out, "<p>{}</p>", esc(&counts_sentence(&counts)));
        outcomes.retain(|o| o.status != Status::Pass);
        outcomes.sort_by_key(|o| (status_rank(o.status), std::cmp::Reverse(eval.rule_of(o).severity())));
        if outcomes.is_empty() {
            continue;
        }
        out.push_str("<ul>\n");
        for o in outcomes {
            let r = eval.rule_of(o);
            let _ = writeln!(
                out,
                "<li class=\"st-{}\"><span class=\"sev sev-{sev}\">{sev}</span> {}: <a href=\"#{}\">{} {}</a> — {}</li>",
                o.status.as_str(),
                esc(status_label(o.status)),
                outcome_anchor(account, r.id()),
                esc(r.id()),
                esc(&r.metadata.title),
                esc(o.findings.first().map(|f| f.message.as_str()).unwrap_or("")),
                sev = r.severity().as_str()
            );
        }
        out.push_str("</ul>\n");
    }
}

fn field(name: &str, text: &str) -> String {
    format!("<span data-field=\"{name}\">{}</span>", esc(text))
}

fn inventory_section(out: &mut String, inv: &Inventory, snapshot: &Snapshot) {
    out.push_str(
        "<h2 id=\"inventory\">Root-user inventory</h2>\n<p class=\"sub\">Facts as the root rules read them: \
         first hand from an <code>sts:AssumeRoot</code> session (<code>--audit-root</code>) where one read them, \
         else the IAM credential report. The same table is <code>-o inventory</code> (CSV) and \
         <code>-o inventory-json</code>.</p>\n",
    );
    out.push_str(
        "<table class=\"inventory\">\n<tr><th>Account</th><th>MFA</th><th>Password</th><th>Last console sign-in</th>\
         <th>Access key 1</th><th>Access key 2</th><th>Signing certificate 1</th><th>Signing certificate 2</th>\
         <th>Centralized root access</th><th>Facts from</th></tr>\n",
    );
    for u in &inv.accounts {
        let cells = inventory::row(u);
        let value = |name: &str| -> &str {
            let i = inventory::CSV_COLUMNS
                .iter()
                .position(|c| *c == name)
                .expect("a CSV column");
            &cells[i]
        };
        let col = |name: &str| field(name, value(name));
        // A detail with its label, or (when empty) only its hidden, empty field.
        let detail = |label: &str, name: &str| -> String {
            if value(name).is_empty() {
                format!("<span data-field=\"{name}\" hidden></span>")
            } else {
                format!("<br><small>{} {}</small>", esc(label), col(name))
            }
        };
        let _ = write!(
            out,
            "<tr data-account=\"{}\"><td>{}<br>{} · {}</td>",
            esc(&u.account_id),
            col("account_id"),
            col("account_name"),
            col("role")
        );
        let _ = write!(
            out,
            "<td class=\"v-{}\">{}{}{}</td>",
            serde_plain(&u.mfa.state),
            col("mfa"),
            detail("devices:", "mfa_devices"),
            detail("from", "mfa_from")
        );
        let _ = write!(
            out,
            "<td class=\"v-{}\">{}{}</td><td>{}</td>",
            serde_plain(&u.password.state),
            col("password"),
            detail("from", "password_from"),
            col("last_console_sign_in")
        );
        for slot in 1..=2 {
            let state = u
                .access_keys
                .iter()
                .find(|k| k.slot == slot)
                .map(|k| serde_plain(&k.state))
                .unwrap_or_default();
            let p = format!("access_key_{slot}");
            let _ = write!(
                out,
                "<td class=\"v-{state}\">{} {}{}{}{}{}</td>",
                col(&p),
                col(&format!("{p}_id_last4")),
                detail("created", &format!("{p}_created")),
                detail("last used", &format!("{p}_last_used")),
                detail("service", &format!("{p}_last_used_service")),
                detail("region", &format!("{p}_last_used_region")),
            );
        }
        for slot in 1..=2 {
            let state = u
                .signing_certificates
                .iter()
                .find(|c| c.slot == slot)
                .map(|c| serde_plain(&c.state))
                .unwrap_or_default();
            let p = format!("signing_certificate_{slot}");
            let _ = write!(
                out,
                "<td class=\"v-{state}\">{} {}{}</td>",
                col(&p),
                col(&format!("{p}_id_last4")),
                detail("uploaded", &format!("{p}_uploaded")),
            );
        }
        let _ = writeln!(
            out,
            "<td>{}</td><td><small>keys from {}</small>{}{}</td></tr>",
            col("centralized_root_access"),
            col("keys_from"),
            detail("credential report of", "credential_report_generated_at"),
            detail("root session at", "root_session_at"),
        );
    }
    out.push_str("</table>\n");
    views(out, inv, snapshot);
}

/// An enum's serde name (`snake_case`), for class names.
fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn views(out: &mut String, inv: &Inventory, snapshot: &Snapshot) {
    let link = |u: &RootUser| {
        format!(
            "<a href=\"#{}\">{}</a>",
            account_anchor(&u.account_id),
            esc(&account_title(snapshot, &u.account_id))
        )
    };
    let mut view = |title: &str, id: &str, items: Vec<String>| {
        let _ = writeln!(out, "<h3 id=\"{id}\">{} ({})</h3>", esc(title), items.len());
        if items.is_empty() {
            out.push_str("<p>None.</p>\n");
        } else {
            let _ = writeln!(
                out,
                "<ul class=\"views\" data-view=\"{id}\">\n{}\n</ul>",
                items.join("\n")
            );
        }
    };
    let li = |u: &RootUser, detail: String| {
        format!("<li data-account=\"{}\">{}{}</li>", esc(&u.account_id), link(u), detail)
    };
    view(
        "Root users without MFA",
        "without_mfa",
        inv.accounts
            .iter()
            .filter(|u| u.mfa.state == inventory::MfaState::None)
            .map(|u| li(u, format!(" — password {}", esc(u.password.state.label()))))
            .collect(),
    );
    view(
        "Root users with access keys",
        "with_access_keys",
        inv.accounts
            .iter()
            .filter(|u| u.has_access_keys())
            .map(|u| {
                let keys: Vec<String> = u
                    .access_keys
                    .iter()
                    .filter(|k| k.state.present())
                    .map(|k| {
                        format!(
                            "key {} {}{}, last used {}",
                            k.slot,
                            k.state.label(),
                            k.key_id_last4
                                .as_deref()
                                .map(|l| format!(" (…{l})"))
                                .unwrap_or_default(),
                            match inventory::reported_text(&k.last_used, "never") {
                                s if s.is_empty() => "unknown".to_string(),
                                s => s,
                            }
                        )
                    })
                    .collect();
                li(u, format!(" — {}", esc(&keys.join("; "))))
            })
            .collect(),
    );
    view(
        "Root users used from the console",
        "used_from_console",
        inv.accounts
            .iter()
            .filter(|u| u.last_console_sign_in.at.is_some())
            .map(|u| {
                li(
                    u,
                    format!(
                        " — last sign-in {} (from {})",
                        esc(&inventory::sign_in_text(&u.last_console_sign_in)),
                        esc(u.last_console_sign_in.from.label())
                    ),
                )
            })
            .collect(),
    );
    view(
        "Root users with signing certificates",
        "with_signing_certificates",
        inv.accounts
            .iter()
            .filter(|u| u.has_signing_certificates())
            .map(|u| {
                let certs: Vec<String> = u
                    .signing_certificates
                    .iter()
                    .filter(|c| c.state.present())
                    .map(|c| format!("certificate {} {}", c.slot, c.state.label()))
                    .collect();
                li(u, format!(" — {}", esc(&certs.join("; "))))
            })
            .collect(),
    );
}

fn controls(out: &mut String, eval: &Evaluation) {
    out.push_str(
        "<h2 id=\"controls\">Controls</h2>\n<table>\n<tr><th>Id</th><th>Severity</th><th>Control</th><th>CIS</th>\
         <th>Security Hub</th><th>Fail</th><th>Insufficient data</th><th>Waived</th><th>Not applicable</th><th>Pass</th></tr>\n",
    );
    for (idx, r) in eval.rules.iter().enumerate() {
        let mut c = Counts::default();
        eval.outcomes
            .iter()
            .filter(|o| o.rule == idx)
            .for_each(|o| c.add(o.status));
        let _ = writeln!(
            out,
            "<tr id=\"{}\"><td><code>{}</code></td><td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(&["r", r.id()]),
            esc(r.id()),
            esc(&r.metadata.title),
            esc(&r.metadata.custom.cis.join(", ")),
            esc(&r.metadata.custom.aws_security_hub.join(", ")),
            c.fail,
            c.insufficient_data,
            c.waived,
            c.not_applicable,
            c.pass,
            sev = r.severity().as_str()
        );
    }
    out.push_str("</table>\n");
}

fn expired_waivers(out: &mut String, eval: &Evaluation) {
    if eval.expired_waivers.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"expired-waivers\">Expired waivers</h2>\n<p>These waivers suppress nothing any more: what they covered fails again.</p>\n<ul>\n");
    for w in &eval.expired_waivers {
        let _ = writeln!(
            out,
            "<li>#{} {} in {} on <code>{}</code>, expired {}: {} — {} again</li>",
            w.index,
            esc(&w.rule_id),
            esc(&w.account_id),
            esc(&w.resource),
            esc(&w.expires),
            esc(&w.reason),
            esc(&plural(
                w.findings_no_longer_suppressed,
                "finding fails",
                "findings fail"
            ))
        );
    }
    out.push_str("</ul>\n");
}

fn provenance(out: &mut String, eval: &Evaluation, ctx: &ReportContext) {
    out.push_str("<h2 id=\"provenance\">Provenance</h2>\n");
    let s = ctx.snapshot;
    let p = ctx.provenance;
    let mut extra = vec![(
        "Snapshot".to_string(),
        match &p.snapshot {
            Some(d) => format!("{} <code>{}</code>", esc(&d.path), esc(&d.digest)),
            None => "collected by this run".to_string(),
        },
    )];
    extra.push(("Snapshot collected at".into(), esc(&eval.collected_at)));
    if let Some(c) = &s.collector {
        extra.push((
            "Collected by".into(),
            esc(&format!(
                "{} {}{}",
                c.name,
                c.version,
                c.principal_arn
                    .as_deref()
                    .map(|a| format!(" as {a}"))
                    .unwrap_or_default()
            )),
        ));
    }
    if let Some(o) = &s.organization {
        extra.push((
            "Organization".into(),
            esc(&format!("{} (management account {})", o.id, o.management_account_id)),
        ));
    }
    extra.push((
        "Accounts covered".into(),
        format!(
            "{}: {}",
            esc(&plural(eval.accounts.len(), "account", "accounts")),
            esc(&eval.accounts.join(", "))
        ),
    ));
    if !eval.skipped_accounts.is_empty() {
        extra.push((
            "Out of scope".into(),
            esc(&format!(
                "{} in the snapshot, not judged: {}",
                plural(eval.skipped_accounts.len(), "account", "accounts"),
                eval.skipped_accounts.join(", ")
            )),
        ));
    }
    let regions: BTreeSet<&str> = s
        .accounts
        .iter()
        .filter(|a| eval.accounts.contains(&a.account_id))
        .flat_map(|a| a.regions.keys().map(String::as_str))
        .collect();
    extra.push((
        "Regions covered".into(),
        esc(&format!(
            "{}: {}",
            plural(regions.len(), "region", "regions"),
            regions.into_iter().collect::<Vec<_>>().join(", ")
        )),
    ));
    extra.push((
        "Collection errors".into(),
        esc(&plural(
            s.collection_errors.len(),
            "failed API call",
            "failed API calls",
        )),
    ));
    page::provenance(out, p, &extra);
    out.push_str("<h3 id=\"collection-errors\">Collection errors</h3>\n");
    if s.collection_errors.is_empty() {
        out.push_str("<p>None: every API call succeeded.</p>\n");
        return;
    }
    out.push_str(
        "<table>\n<tr><th>Account</th><th>Region</th><th>Service</th><th>Operation</th><th>Error</th><th>Message</th></tr>\n",
    );
    for e in &s.collection_errors {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(e.account_id.as_deref().unwrap_or("organization")),
            esc(e.region.as_deref().unwrap_or("global")),
            esc(&e.service),
            esc(&e.operation),
            esc(&e.error_code),
            esc(&e.message)
        );
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_of_distinct_texts_differ_and_are_plain() {
        let a = anchor(&["o", "111122223333", "RW-ROOT-001"]);
        assert_eq!(a, "o.111122223333.RW-ROOT-001");
        let odd = anchor(&["o", "111122223333", "my rule \"x\"<y>"]);
        assert!(
            odd.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)),
            "{odd}"
        );
        assert_ne!(anchor(&["o", "1", "a_20b"]), anchor(&["o", "1", "a b"]));
    }

    #[test]
    fn remediation_code_spans_are_escaped() {
        assert_eq!(
            esc_code_spans("run `aws <x>` & wait"),
            "run <code>aws &lt;x&gt;</code> &amp; wait"
        );
        assert_eq!(esc_code_spans("one ` only"), "one ` only");
    }
}
