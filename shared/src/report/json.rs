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
    envelope(
        &report.findings,
        ("configurations", report.configuration_count()),
        vec![
            ("configurations", json!(report.configurations)),
            ("gateways", json!(report.gateways.objects())),
        ],
    )
}

/// `verify -o json`: the same envelope as `lint`, with `bundles` (each chain from ca-cert
/// upward) and, for several bundles, `trust` (shared roots, mutual trust).
pub fn render_verify(report: &crate::verify::Report) -> String {
    envelope(
        &report.findings,
        ("bundles", report.bundles.len()),
        vec![
            ("bundles", json!(report.bundles)),
            ("trust", json!(report.trust)),
        ],
    )
}

/// `verify --gateway -o json`: the same envelope, with `served` (per gateway directory:
/// the leaf and its issuers as the files hold them, the leaf's DNS names, the hosts checked,
/// the key type and whether it matches the leaf).
pub fn render_served(
    findings: &[crate::Finding],
    served: &[crate::gateway::served::ServedSummary],
) -> String {
    envelope(
        findings,
        ("served", served.len()),
        vec![("served", json!(served))],
    )
}

/// `audit -o json`: the same envelope, with `clusters` (what was read from each: server,
/// Istio namespace, istiod Deployments, reads that failed, or why it was unreachable), so a
/// cluster without findings is still visible.
pub fn render_audit(
    findings: &[crate::Finding],
    snapshots: &[crate::audit::ClusterSnapshot],
    vault: Option<&crate::audit::VaultSnapshot>,
) -> String {
    let clusters: Vec<serde_json::Value> = snapshots
        .iter()
        .map(|s| {
            json!({
                "name": s.cluster,
                "server": s.server,
                "istio_namespace": s.istio_namespace,
                "unreachable": s.unreachable,
                "istiod": s.istiod.iter().map(|d| &d.name).collect::<Vec<_>>(),
                "failed_reads": s.problems.iter().map(|p| &p.what).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut sections = vec![("clusters", json!(clusters))];
    if let Some(v) = vault {
        use crate::audit::vault::Reading;
        let values_read: Vec<&String> = v
            .secrets
            .iter()
            .filter(|(_, s)| matches!(s.values, Reading::Found(_)))
            .map(|(p, _)| p)
            .collect();
        sections.push((
            "vault",
            json!({
                "address": v.address,
                "unreachable": v.unreachable,
                "auth_mounts": v.auth.keys().collect::<Vec<_>>(),
                "secrets": v.secrets.keys().collect::<Vec<_>>(),
                "values_read": values_read,
                "login_checks": v.logins.len(),
            }),
        ));
    }
    envelope(findings, ("clusters", snapshots.len()), sections)
}

/// Every command's JSON: schema version, tool, summary (with the count of what was
/// checked), the command's own sections, then the findings.
fn envelope(
    findings: &[crate::Finding],
    (checked_name, checked): (&str, usize),
    sections: Vec<(&str, serde_json::Value)>,
) -> String {
    let s = Summary::of(findings);
    let mut summary = serde_json::Map::new();
    summary.insert("errors".into(), json!(s.errors));
    summary.insert("warnings".into(), json!(s.warnings));
    summary.insert("infos".into(), json!(s.infos));
    summary.insert(checked_name.into(), json!(checked));
    let mut doc = serde_json::Map::new();
    doc.insert("schema_version".into(), json!(SCHEMA_VERSION));
    doc.insert(
        "tool".into(),
        json!({ "name": "vault-istio", "version": crate::VERSION }),
    );
    doc.insert("summary".into(), serde_json::Value::Object(summary));
    for (name, value) in sections {
        doc.insert(name.into(), value);
    }
    doc.insert("findings".into(), json!(findings));
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
        .unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
