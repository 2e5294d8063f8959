//! `-o text`: grouped by file, each finding with a source snippet and a caret, like rustc.
//! Colours are ANSI escapes chosen by the caller (`color`), never decided here.

use super::RenderInput;
use crate::finding::{Finding, Location, Severity, Summary};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

struct Palette {
    error: Style,
    warning: Style,
    info: Style,
    accent: Style,
    bold: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if !color {
            return Palette {
                error: Style::new(),
                warning: Style::new(),
                info: Style::new(),
                accent: Style::new(),
                bold: Style::new(),
            };
        }
        Palette {
            error: AnsiColor::Red.on_default().bold(),
            warning: AnsiColor::Yellow.on_default().bold(),
            info: AnsiColor::Cyan.on_default().bold(),
            accent: AnsiColor::Blue.on_default().bold(),
            bold: Style::new().bold(),
        }
    }

    fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

pub fn render(input: &RenderInput<'_>, color: bool) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    for f in input.findings() {
        finding(&mut out, f, input, &p);
        out.push('\n');
    }
    out.push_str(&summary_line(input, color));
    out.push('\n');
    out
}

/// `1 error, 2 warnings, 4 infos in 2 istiod configurations`.
pub fn summary_line(input: &RenderInput<'_>, color: bool) -> String {
    let p = Palette::new(color);
    let s = Summary::of(input.findings());
    let (n, one, many) = input.checked;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let counts = format!(
        "{}, {}, {}",
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        plural(s.infos, "info", "infos")
    );
    let style = if s.errors > 0 {
        p.error
    } else if s.warnings > 0 {
        p.warning
    } else {
        p.bold
    };
    format!("{} in {}", paint(style, &counts), plural(n, one, many))
}

fn finding(out: &mut String, f: &Finding, input: &RenderInput<'_>, p: &Palette) {
    let sev = p.severity(f.severity);
    let _ = writeln!(
        out,
        "{}: {}",
        paint(sev, &format!("{}[{}]", f.severity, f.code)),
        paint(p.bold, &f.message)
    );
    let (gutter_width, key_path) = match &f.location {
        Location::Yaml { line, key_path, .. } => (line.to_string().len(), key_path.as_str()),
        Location::Pem { .. } | Location::Object { .. } | Location::Vault { .. } => (1, ""),
    };
    let pad = " ".repeat(gutter_width);
    let _ = writeln!(
        out,
        "{pad}{} {}",
        paint(p.accent, "-->"),
        f.location.describe()
    );
    if let Location::Yaml {
        file,
        line,
        column,
        end_line,
        end_column,
        ..
    } = &f.location
    {
        let source = input.sources.iter().find(|s| s.name == *file);
        if let Some((src, raw)) = source.and_then(|s| s.line(*line).map(|l| (s, l))) {
            let bar = paint(p.accent, "|");
            let redacted = crate::finding::redact(raw);
            if src.in_pem_block(*line) || matches!(redacted, std::borrow::Cow::Owned(_)) {
                // Key material may be on this line: never print it, and no caret that
                // would point at the wrong column.
                let shown = if src.in_pem_block(*line) {
                    "[line inside a PEM block: not shown]".into()
                } else {
                    redacted
                };
                let _ = writeln!(out, "{pad} {bar}");
                let _ = writeln!(out, "{} {bar} {shown}", paint(p.accent, &line.to_string()));
            } else {
                snippet(
                    out,
                    raw,
                    *line,
                    *column,
                    *end_line,
                    *end_column,
                    &pad,
                    &bar,
                    p,
                    sev,
                );
            }
        }
    }
    let eq = paint(p.accent, "=");
    if !key_path.is_empty() {
        let _ = writeln!(out, "{pad} {eq} at: {key_path}");
    }
    if let Some(help) = &f.help {
        let _ = writeln!(out, "{pad} {eq} {}: {help}", paint(p.bold, "help"));
    }
    let _ = writeln!(
        out,
        "{pad} {eq} rule: {} (explain: `kubectl vault-istio explain {}`)",
        f.name, f.code
    );
}

/// The source line with a caret under the span.
#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    src: &str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    pad: &str,
    bar: &str,
    p: &Palette,
    sev: Style,
) {
    let _ = writeln!(out, "{pad} {bar}");
    let _ = writeln!(out, "{} {bar} {src}", paint(p.accent, &line.to_string()));
    let width = u32::try_from(src.chars().count()).unwrap_or(u32::MAX);
    let start = column.max(1);
    let len = if end_line == line && end_column > start {
        (end_column - start)
            .min(width.saturating_sub(start - 1))
            .max(1)
    } else {
        width.saturating_sub(start - 1).clamp(1, 60)
    };
    let caret_pad: String = src
        .chars()
        .take((start - 1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(
        out,
        "{pad} {bar} {caret_pad}{}",
        paint(sev, &"^".repeat(len as usize))
    );
}

/// `verify`'s chain overview: per bundle, ca-cert up to its root, then cross-cluster trust.
pub fn render_chains(report: &crate::verify::Report, color: bool) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    for b in &report.bundles {
        let _ = writeln!(out, "{}", paint(p.bold, &b.label));
        if b.chain.is_empty() {
            let _ = writeln!(out, "  (no readable ca-cert.pem)");
        }
        for (i, c) in b.chain.iter().enumerate() {
            let role = if i == 0 {
                "ca-cert".to_string()
            } else if i + 1 == b.chain.len() && b.anchored {
                "root".to_string()
            } else {
                "issuer".to_string()
            };
            chain_line(&mut out, &p, i, b.chain.len(), &role, c);
        }
        if !b.chain.is_empty() && !b.anchored {
            let _ = writeln!(
                out,
                "  {}",
                paint(
                    p.error,
                    "✗ the chain does not reach a root in root-cert.pem"
                )
            );
        }
        key_line(&mut out, &p, b.key.as_deref(), b.key_matches, "ca-cert");
        out.push('\n');
    }
    if let Some(t) = &report.trust {
        let all = if t.bundles == 2 {
            "both".to_string()
        } else {
            format!("all {}", t.bundles)
        };
        let line = match (t.shared_roots.as_slice(), t.mutual) {
            ([], _) => paint(p.error, &format!("✗ no root is shared by {all} bundles")),
            (roots, true) => format!(
                "✔ {all} bundles share the root {} and each CA is trusted by every other cluster",
                roots
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (roots, false) => paint(
                p.warning,
                &format!(
                    "{all} bundles hold the root {}, but not every CA chains to it",
                    roots
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        let _ = writeln!(out, "trust: {line}\n");
    }
    out
}

/// `verify --gateway`'s overview: per directory, the leaf and its issuers as the files
/// hold them, the leaf's names against the hosts, and the key.
pub fn render_served(served: &[crate::gateway::served::ServedSummary], color: bool) -> String {
    let p = Palette::new(color);
    let mut out = String::new();
    for s in served {
        let what = if s.client {
            "client certificate"
        } else {
            "served certificate"
        };
        let _ = writeln!(out, "{} ({what} {})", paint(p.bold, &s.label), s.file);
        if s.chain.is_empty() {
            let _ = writeln!(out, "  (no readable certificate)");
        }
        for (i, c) in s.chain.iter().enumerate() {
            let role = if i == 0 { "leaf" } else { "issuer" };
            chain_line(&mut out, &p, i, s.chain.len(), role, c);
        }
        if !s.chain.is_empty() {
            let names = if s.dns_names.is_empty() {
                "(none)".to_string()
            } else {
                s.dns_names.join(", ")
            };
            let _ = writeln!(out, "  names: {names}");
        }
        if !s.hosts.is_empty() {
            let _ = writeln!(out, "  hosts: {}", s.hosts.join(", "));
        }
        key_line(&mut out, &p, s.key.as_deref(), s.key_matches, "the leaf");
        out.push('\n');
    }
    out
}

/// `  key: <what>, matches <cert>` (or does NOT, or nothing readable), for the chain views.
fn key_line(out: &mut String, p: &Palette, key: Option<&str>, matches: Option<bool>, cert: &str) {
    match (key, matches) {
        (Some(k), Some(true)) => {
            let _ = writeln!(out, "  key: {k}, matches {cert}");
        }
        (Some(k), Some(false)) => {
            let _ = writeln!(
                out,
                "  key: {k}, {}",
                paint(p.error, &format!("does NOT match {cert}"))
            );
        }
        (Some(k), None) => {
            let _ = writeln!(out, "  key: {k}");
        }
        (None, _) => {
            let _ = writeln!(out, "  key: none readable (see the findings)");
        }
    }
}

/// One certificate of a chain view: indented under the one before, with its validity, and
/// its issuer named on the last line (the tree shows each issuer as the next line).
fn chain_line(
    out: &mut String,
    p: &Palette,
    i: usize,
    len: usize,
    role: &str,
    c: &crate::verify::ChainEntry,
) {
    let indent = if i == 0 {
        String::new()
    } else {
        format!("{}└─ ", "   ".repeat(i - 1))
    };
    let left = if c.days_left < 0 {
        paint(p.error, &format!("expired {} days ago", -c.days_left))
    } else {
        format!("{} days left", c.days_left)
    };
    let issued_by = if i + 1 == len && c.issuer != c.subject {
        format!("  issued by {}", c.issuer)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {indent}{role}: {}  [{}, not after {}, {left}]  ({} #{}){issued_by}",
        c.subject, c.key, c.not_after, c.file, c.block
    );
}
