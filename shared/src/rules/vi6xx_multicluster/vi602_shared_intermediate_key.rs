use crate::bundle::MeshTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Verifying several bundles together, warns when two clusters' `ca-cert`s have the
    /// same public key (one intermediate key shared by several clusters).
    ///
    /// ## Why it breaks
    /// It works, but one leaked key then compromises every cluster that shares it, and
    /// the clusters cannot be rotated or revoked separately. Istio's multicluster guide
    /// uses one intermediate per cluster under a shared root.
    ///
    /// ## How to fix
    /// Issue a separate intermediate (own key) for each cluster.
    ///
    /// ## Example
    /// ```text
    /// cluster1/ca-key.pem == cluster2/ca-key.pem
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cluster1: Intermediate CA (L=cluster1)   cluster2: Intermediate CA (L=cluster2)
    /// ```
    code: "VI602",
    name: "shared-intermediate-key",
    severity: Warning,
    title: "several clusters share one intermediate key",
    since: "0.1.0",
    Mesh: check,
}

fn check(t: &MeshTarget<'_>, out: &mut Emitter<'_>) {
    for (i, a) in t.bundles.iter().enumerate() {
        let Some(ca) = a.ca_cert() else { continue };
        // Report each pair once, at the later bundle.
        let earlier = t.bundles[..i].iter().find(|b| {
            b.ca_cert()
                .is_some_and(|c| c.value.public_key.spki_der == ca.value.public_key.spki_der)
        });
        if let Some(b) = earlier {
            out.emit_at(
                a.at(ca),
                format!("{} and {} sign with the same intermediate key: one leaked key compromises both", b.label, a.label),
            )
            .help("issue a separate intermediate for each cluster under the shared root");
        }
    }
}
