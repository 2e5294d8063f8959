//! What the page computes, with the engine, from what was pasted: the same calls and the
//! same JSON as `kubectl vault-istio lint` and `verify`. No I/O here, so native tests run it.

use vault_istio::bundle::{BundleInput, FileKind, Member};
use vault_istio::{SourceFile, verify};

/// The file name the pasted values are reported under.
pub const VALUES_FILE: &str = "values.yaml";
/// The directory the pasted CA files are reported under (`pasted/ca-cert.pem`).
pub const BUNDLE_DIR: &str = "pasted";

/// The lint report of the pasted values, and its JSON (`lint -o json values.yaml`).
pub struct Linted {
    pub report: vault_istio::Report,
    pub json: String,
}

pub fn lint(text: &str) -> Linted {
    let sources = [SourceFile::new(VALUES_FILE, text)];
    let report = vault_istio::lint(&sources, &vault_istio::Options::default());
    let json = vault_istio::report::json::render(&report);
    Linted { report, json }
}

/// The verify report of the pasted CA files, and its JSON (`verify -o json pasted/`).
pub struct Verified {
    pub report: verify::Report,
    pub json: String,
}

/// `pems` in [`FileKind::ALL`] order; empty ones are absent files. `None` when all are
/// empty (nothing to verify).
pub fn verify(pems: &[String; 4], now: i64) -> Option<Verified> {
    if pems.iter().all(|p| p.trim().is_empty()) {
        return None;
    }
    let members = FileKind::ALL
        .iter()
        .zip(pems)
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(kind, text)| Member {
            kind: *kind,
            file: format!("{BUNDLE_DIR}/{}", kind.file_name()),
            member: None,
            text: text.clone(),
        })
        .collect();
    let input = BundleInput {
        label: BUNDLE_DIR.to_string(),
        origin: BUNDLE_DIR.to_string(),
        embedded: false,
        named_files: false,
        members,
    };
    let report = verify::verify(
        &[input],
        &verify::Options {
            now,
            expires_within: verify::DEFAULT_EXPIRES_WITHIN,
            ignore: Vec::new(),
        },
    );
    let json = vault_istio::report::json::render_verify(&report);
    Some(Verified { report, json })
}

/// 1-based lines of the values that findings point at (for highlighting).
pub fn finding_lines(report: &vault_istio::Report) -> Vec<u32> {
    let mut lines = Vec::new();
    for f in &report.findings {
        if let vault_istio::Location::Yaml { line, end_line, .. } = &f.location {
            let end = (*end_line).max(*line);
            lines.extend(*line..=end);
        }
    }
    for (_, e) in report.input_errors() {
        lines.push(e.line);
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = include_str!("../../tests/fixtures/upstream-seed/cluster1-values.yaml");
    const BROKEN: &str = include_str!("../../manifests/examples/broken/istiod-values-broken.yaml");

    #[test]
    fn the_articles_values_have_no_error() {
        let l = lint(ARTICLE);
        assert!(
            l.report
                .findings
                .iter()
                .all(|f| f.severity != vault_istio::Severity::Error),
            "{:#?}",
            l.report.findings
        );
        assert!(l.json.contains("\"findings\""));
    }

    #[test]
    fn broken_values_point_at_lines() {
        let l = lint(BROKEN);
        assert!(!l.report.findings.is_empty());
        assert!(!finding_lines(&l.report).is_empty());
    }

    #[test]
    fn nothing_pasted_nothing_verified() {
        assert!(verify(&Default::default(), 0).is_none());
    }
}
