//! Renderers: findings → text (rustc-like), JSON (stable schema) or SARIF 2.1.0.
//! Pure functions returning strings; the caller decides where they go.

pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::Finding;
use crate::lint::Report;

/// What every renderer needs besides the findings.
pub struct RenderInput<'a> {
    pub report: &'a Report,
    /// Source texts by name, for snippets.
    pub sources: &'a [crate::SourceFile],
}

impl RenderInput<'_> {
    pub fn findings(&self) -> &[Finding] {
        &self.report.findings
    }
}
