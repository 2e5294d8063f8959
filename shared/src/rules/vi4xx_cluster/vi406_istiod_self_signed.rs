use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads each istiod pod's `discovery` log for the lines istiod writes when it builds a
    /// self-signed CA instead of loading the plugged-in one, and looks for the
    /// `istio-ca-secret` Secret that self-signed mode creates.
    ///
    /// ## Why it breaks
    /// A self-signed istiod issues workload certificates from a root no other cluster
    /// trusts: cross-cluster mTLS fails, and the Vault CA is not in use at all.
    ///
    /// ## How to fix
    /// Fix what stopped `ca-key.pem` from reaching `ROOT_CA_DIR` (lint, verify), delete
    /// `istio-ca-secret`, and restart istiod (it does not switch from self-signed to
    /// plugged-in while running).
    ///
    /// ## Example
    /// ```text
    /// info  Use self-signed certificate as the CA certificate
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// info  Use local CA certificate
    /// ```
    code: "VI406",
    name: "istiod-self-signed",
    severity: Error,
    title: "istiod runs (or ran) on a self-signed CA",
    since: "0.1.0",
    Cluster: check,
}

/// Lines istiod logs only in self-signed mode (istio.md §1.7, per version).
const SELF_SIGNED_LINES: &[&str] = &[
    "Use self-signed certificate as the CA certificate",
    "self-signed cert is used",
    "Use istio-generated cacerts at",
    "Use roots from istio-ca-secret",
];

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    for d in &s.istiod {
        for p in &d.pods {
            let Some(log) = &p.discovery_log else {
                continue;
            };
            if let Some(line) = log
                .lines()
                .find(|l| SELF_SIGNED_LINES.iter().any(|m| l.contains(m)))
            {
                out.emit_at(
                    s.at(Some(&d.namespace), "Pod", &p.name),
                    format!("istiod pod `{}` logs that it uses a self-signed CA (\"{}\"): the CA from Vault is not in use", p.name, line.trim()),
                )
                .help("fix what keeps ca-key.pem out of ROOT_CA_DIR, delete istio-ca-secret, then restart istiod");
            }
        }
    }
    if let Some(secret) = s
        .secrets
        .iter()
        .flatten()
        .find(|x| x.name == "istio-ca-secret")
    {
        out.emit_at(
            s.at(Some(&s.istio_namespace), "Secret", &secret.name),
            "Secret `istio-ca-secret` exists: istiod ran with a self-signed CA at least once, and will reuse it whenever the Vault files are missing",
        )
        .help("after istiod runs on the Vault CA, delete it: kubectl delete secret istio-ca-secret -n ".to_string() + &s.istio_namespace);
    }
}
