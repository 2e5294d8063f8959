//! `-o json`: a documented, stable schema (`schema_version` 1). Fields are only ever added.
//!
//! ```json
//! { "schema_version": 1,
//!   "tool": { "name": "vault-istio", "version": "0.1.0" },
//!   "summary": { "errors": 0, "warnings": 0, "infos": 2, "configurations": 1 },
//!   "configurations": [ { "file": "values.yaml", "document": 0, "origin": "helm-values-legacy",
//!                         "name": "istiod",
//!                         "files": [ { "path": "/vault/secrets/ca-key.pem", "template": "custom",
//!                                      "reads": ["kv/istio/ca"],
//!                                      "preview": "<ca_key from kv/istio/ca>\n", "exact": true } ] } ],
//!   "findings": [ { "code": "VI114", "name": "missing-key-silent", "severity": "info",
//!                   "message": "...", "help": "...",
//!                   "location": { "kind": "yaml", "file": "values.yaml", "document": 0,
//!                                 "line": 8, "column": 5, "end_line": 8, "end_column": 58,
//!                                 "key_path": "pilot.podAnnotations.\"...\"" } } ] }
//! ```

use crate::finding::Summary;
use serde_json::json;

pub const SCHEMA_VERSION: u32 = 1;

/// `lint -o json`.
pub fn render(report: &crate::Report) -> String {
    let s = Summary::of(&report.findings);
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "vault-istio", "version": crate::VERSION },
        "summary": {
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
            "configurations": report.configuration_count(),
        },
        "configurations": report.configurations,
        "findings": report.findings,
    });
    pretty(&doc)
}

pub(crate) fn pretty(doc: &serde_json::Value) -> String {
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// `verify -o json`: the same envelope as `lint`, with `bundles` (each chain from ca-cert
/// upward) and, for several bundles, `trust` (shared roots, mutual trust).
pub fn render_verify(report: &crate::verify::Report) -> String {
    let s = Summary::of(&report.findings);
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "vault-istio", "version": crate::VERSION },
        "summary": {
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
            "bundles": report.bundles.len(),
        },
        "bundles": report.bundles,
        "trust": report.trust,
        "findings": report.findings,
    });
    pretty(&doc)
}
