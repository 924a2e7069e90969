//! What the HTML pages (findings report, activity review) share: escaping, the page shell with
//! its inline style sheet, the headline cards, banners and the provenance table. Pages are one
//! self-contained file: no script, no external style sheet, font or image, so they open offline
//! and can be mailed.

use std::fmt::Write as _;

use super::provenance::Provenance;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with `backtick` spans as `<code>` (rule remediations are written that way).
pub fn esc_code_spans(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: show the text as it is.
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(p))
            } else {
                esc(p)
            }
        })
        .collect()
}

/// A fragment identifier for any text: ASCII letters, digits and `-` kept, every other byte
/// written as `_XX`, so distinct texts (rule ids are free-form) never share an anchor.
pub fn anchor(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        for b in p.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' {
                out.push(b as char);
            } else {
                let _ = write!(out, "_{b:02X}");
            }
        }
    }
    out
}

/// The shared style sheet. Status colours come with a symbol and a word, so the page reads in
/// black and white and for colour-blind readers too.
pub const STYLE: &str = "\
:root{--fail:#b42318;--fail-bg:#fee4e2;--pass:#067647;--pass-bg:#dcfae6;--waived:#5925dc;\
--waived-bg:#ebe9fe;--na:#475467;--na-bg:#f2f4f7;--data:#93370d;--data-bg:#fef0c7;--line:#d0d5dd;\
--ink:#101828;--muted:#475467}\
*{box-sizing:border-box}\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:var(--ink);background:#fff}\
main{max-width:1400px;margin:0 auto;padding:24px 32px 48px}\
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}\
h3{font-size:15px;margin:20px 0 6px}\
p.sub{color:var(--muted);margin:0 0 16px}\
a{color:#175cd3}\
code,pre{font:12px/1.4 ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}\
pre{background:#f9fafb;border:1px solid var(--line);padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:6px 0}\
table{border-collapse:collapse;margin:8px 0 16px}\
td,th{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f9fafb;font-weight:600}\
.banner{border-left:6px solid var(--data);background:var(--data-bg);padding:10px 14px;margin:12px 0;border-radius:4px}\
.banner.bad{border-color:var(--fail);background:var(--fail-bg)}.banner.good{border-color:var(--pass);background:var(--pass-bg)}\
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 4px}\
.card{border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:84px;background:#fff}\
.card .n{font-size:26px;font-weight:700;line-height:1.1;display:block}\
.card .l{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}\
.card.sev-critical .n,.card.sev-high .n{color:var(--fail)}.card.sev-medium .n{color:#b54708}\
.card.data .n{color:var(--data)}.card.waived .n{color:var(--waived)}.card.score .n{color:var(--pass)}\
.card.zero .n{color:var(--muted)}\
.kpis td:first-child{font-weight:600;width:260px}\
.kpis td:nth-child(2){white-space:nowrap}.kpis td.why{color:var(--muted)}\
.matrix{font-size:12px}\
.matrix th.rule{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:11px;font-weight:400;vertical-align:bottom;padding:6px 2px}\
.matrix th.rule div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;margin:0 auto}\
.matrix th.rule a{color:var(--ink);text-decoration:none;font-weight:600}\
.matrix tbody th{font-weight:400;white-space:nowrap}\
.matrix td.st{text-align:center;white-space:nowrap;padding:3px 6px;min-width:58px}\
.matrix td.st a{color:inherit;text-decoration:none;display:block}\
.st-pass{background:var(--pass-bg);color:var(--pass)}\
.st-fail{background:var(--fail-bg);color:var(--fail);font-weight:700}\
.st-waived{background:var(--waived-bg);color:var(--waived);font-style:italic}\
.st-not_applicable{background:var(--na-bg);color:var(--na)}\
.st-insufficient_data{background:var(--data-bg);color:var(--data);font-weight:600;\
background-image:repeating-linear-gradient(135deg,transparent 0 6px,rgba(147,55,13,.08) 6px 12px)}\
.legend span{display:inline-block;padding:2px 8px;margin:0 6px 4px 0;border-radius:4px;font-size:12px}\
.sev{display:inline-block;padding:0 6px;border-radius:4px;font-size:11px;font-weight:700;text-transform:uppercase;border:1px solid currentColor}\
.sev-critical{color:#912018}.sev-high{color:var(--fail)}.sev-medium{color:#b54708}.sev-low{color:#175cd3}.sev-info{color:var(--muted)}\
.finding{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:8px 14px;margin:12px 0}\
.finding.f-fail{border-left-color:var(--fail)}.finding.f-insufficient_data{border-left-color:#dc6803}\
.finding.f-waived{border-left-color:var(--waived)}.finding.f-not_applicable{border-left-color:var(--na)}\
.finding h3{margin:2px 0 6px}.finding .meta{color:var(--muted);font-size:12px;margin-bottom:6px}\
.finding table{width:100%}.finding td.acct{white-space:nowrap;width:1%}\
.waiver{color:var(--waived)}\
.inventory{font-size:12px}.inventory small{color:var(--muted);font-weight:400;font-style:normal}\
.inventory td.v-none,.inventory td.v-active{color:var(--fail);font-weight:700}\
.inventory td.v-inactive{color:#b54708;font-weight:600}.inventory td.v-unknown{color:var(--data);font-style:italic}\
.inventory td.v-hardware,.inventory td.v-absent{color:var(--pass)}\
.views li{margin:2px 0}\
.drill{font-size:12px;width:100%}.drill td{overflow-wrap:anywhere}.drill td.secs{white-space:nowrap}\
.banner.stale{border-color:#b54708}\
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}dl.prov dt{font-weight:600}dl.prov dd{margin:0;word-break:break-all}\
footer{color:var(--muted);font-size:12px;margin-top:40px}\
@media print{main{max-width:none;padding:0}.finding{break-inside:avoid}a{color:inherit;text-decoration:none}}";

/// The page's Content Security Policy: its inline style sheet and nothing else. A report is
/// mailed and opened anywhere, and holds text from AWS (names, messages, log fields): even if
/// some markup slipped through escaping, the browser would neither run a script nor fetch
/// anything (no tracking pixel, no remote style sheet).
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// Starts a page: doctype, head with the style sheet, and the title as `<h1>`.
pub fn open(out: &mut String, title: &str, subtitle: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"generator\" content=\"rootwarden {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        esc(title),
        esc(subtitle)
    );
}

/// Ends a page.
pub fn close(out: &mut String, p: &Provenance) {
    let _ = write!(
        out,
        "<footer>Generated by rootwarden {} on {}.</footer>\n</main>\n</body>\n</html>\n",
        esc(&p.version),
        esc(&time(&p.generated_at))
    );
}

/// A banner: `class` is `""` (warning), `"bad"` or `"good"`.
pub fn banner(out: &mut String, class: &str, html: &str) {
    let _ = writeln!(out, "<div class=\"banner {class}\" role=\"status\">{html}</div>");
}

/// One headline card: a number (or short text) and its label.
pub struct Card {
    /// Extra classes.
    pub class: String,
    /// The number.
    pub value: String,
    /// What it counts.
    pub label: String,
}

/// The headline: a row of cards.
pub fn cards(out: &mut String, cards: &[Card]) {
    out.push_str("<div class=\"cards\">\n");
    for c in cards {
        let _ = writeln!(
            out,
            "<div class=\"card {}\"><span class=\"n\">{}</span><span class=\"l\">{}</span></div>",
            esc(&c.class),
            esc(&c.value),
            esc(&c.label)
        );
    }
    out.push_str("</div>\n");
}

/// A time as people read it in reports.
pub fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The provenance rows every page shows, plus `extra` rows (label, escaped HTML), as a
/// definition list.
pub fn provenance(out: &mut String, p: &Provenance, extra: &[(String, String)]) {
    out.push_str("<dl class=\"prov\">\n");
    let mut row = |label: &str, html: String| {
        let _ = writeln!(out, "<dt>{}</dt><dd>{html}</dd>", esc(label));
    };
    row("rootwarden", esc(&p.version));
    if !p.rules_digest.is_empty() {
        row(
            "Rules",
            format!(
                "<code>{}</code> ({})",
                esc(&p.rules_digest),
                esc(&p.rule_sources.join(", "))
            ),
        );
    }
    row(
        "Requirements",
        match &p.requirements {
            Some(d) => format!("{} <code>{}</code>", esc(&d.path), esc(&d.digest)),
            None => "built-in default (CIS-aligned)".into(),
        },
    );
    for (label, html) in extra {
        row(label, html.clone());
    }
    row("Report generated", esc(&time(&p.generated_at)));
    out.push_str("</dl>\n");
}
