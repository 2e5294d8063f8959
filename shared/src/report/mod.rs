//! Renderers: findings → text (rustc-like), JSON (stable schema) or SARIF 2.1.0.
//! Pure functions returning strings; the caller decides where they go.

pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::Finding;
use crate::source::SourceFile;

/// What every renderer needs: the findings, the texts they point into (for snippets), and
/// what was checked (for the summary line).
pub struct RenderInput<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a [SourceFile],
    /// How many things were checked and their noun, singular and plural.
    pub checked: (usize, &'static str, &'static str),
}

impl<'a> RenderInput<'a> {
    /// For a `lint` report.
    pub fn lint(report: &'a crate::Report, sources: &'a [SourceFile]) -> Self {
        RenderInput {
            findings: &report.findings,
            sources,
            checked: match (report.configuration_count(), report.gateway_count()) {
                (n, 0) => (n, "istiod configuration", "istiod configurations"),
                (0, g) => (g, "gateway object", "gateway objects"),
                (n, g) => (n + g, "configuration", "configurations"),
            },
        }
    }

    pub fn findings(&self) -> &[Finding] {
        self.findings
    }
}
