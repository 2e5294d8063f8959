use crate::bundle::{FileKind, MeshTarget};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Verifying several bundles together (one per cluster), checks that each cluster's
    /// `ca-cert`, with its own `cert-chain.pem`, chains to a root that every *other*
    /// cluster trusts (is in its `root-cert.pem`).
    ///
    /// ## Why it breaks
    /// A workload presents its certificate plus its cluster's `cert-chain.pem`; the peer
    /// verifies it against its own cluster's roots. Without a shared root, cross-cluster
    /// mTLS fails (`CERTIFICATE_VERIFY_FAILED`, `TLSV1_ALERT_UNKNOWN_CA`) while each
    /// cluster looks healthy on its own.
    ///
    /// ## How to fix
    /// Issue every cluster's intermediate from one root and put that root in every
    /// cluster's `root-cert.pem`.
    ///
    /// ## Example
    /// ```text
    /// cluster1: Intermediate ← Root A     cluster2: Intermediate ← Root B
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cluster1: Intermediate ← Root       cluster2: Intermediate ← Root
    /// ```
    code: "VI601",
    name: "cross-cluster-untrusted",
    severity: Error,
    title: "a cluster's CA is not trusted by another cluster",
    since: "0.1.0",
    Mesh: check,
}

fn check(t: &MeshTarget<'_>, out: &mut Emitter<'_>) {
    for (i, from) in t.bundles.iter().enumerate() {
        let Some(leaf) = from.ca_cert() else { continue };
        for (j, to) in t.bundles.iter().enumerate() {
            if i == j || to.certs_of(FileKind::RootCert).next().is_none() {
                continue;
            }
            if t.trusted[i][j] == Some(false) {
                out.emit_at(
                    from.at(leaf),
                    format!(
                        "workloads of {} (CA `{}`) are not trusted by {}: no root in its root-cert.pem anchors this CA, so cross-cluster mTLS fails",
                        from.label, leaf.value.subject, to.label
                    ),
                )
                .help("issue every cluster's intermediate from one shared root and put that root in every root-cert.pem");
            }
        }
    }
}
