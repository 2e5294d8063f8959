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

use super::RenderInput;
use crate::finding::Summary;
use serde_json::json;

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(input: &RenderInput<'_>) -> String {
    let s = Summary::of(input.findings());
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "vault-istio", "version": crate::VERSION },
        "summary": {
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
            "configurations": input.report.configuration_count(),
        },
        "configurations": input.report.configurations,
        "findings": input.findings(),
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
