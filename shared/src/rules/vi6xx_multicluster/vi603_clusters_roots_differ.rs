use crate::audit::ClustersTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Auditing several clusters together, compares the roots each distributes in its
    /// `istio-ca-root-cert` ConfigMap (Istio namespace): every cluster must distribute at
    /// least one root that every other cluster distributes too.
    ///
    /// ## Why it breaks
    /// Workloads verify peers against their own cluster's distributed roots. Without a
    /// common root, cross-cluster mTLS fails (`CERTIFICATE_VERIFY_FAILED`) although each
    /// cluster looks healthy on its own — typically because one istiod fell back to a
    /// self-signed CA.
    ///
    /// ## How to fix
    /// Make every istiod load an intermediate issued by the shared root (see the other
    /// findings for the cluster that differs), and restart it.
    ///
    /// ## Example
    /// ```text
    /// cluster1: CN=Root CA, O=Istio      cluster2: O=cluster.local
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cluster1: CN=Root CA, O=Istio      cluster2: CN=Root CA, O=Istio
    /// ```
    code: "VI603",
    name: "clusters-roots-differ",
    severity: Error,
    title: "the audited clusters distribute no common root",
    since: "0.1.0",
    Clusters: check,
}

fn check(t: &ClustersTarget<'_>, out: &mut Emitter<'_>) {
    // Each cluster's distributed roots, by fingerprint.
    let sets: Vec<(&crate::audit::ClusterSnapshot, Vec<(String, String)>)> = t
        .snapshots
        .iter()
        .filter_map(|s| {
            let maps = s.root_cert_configmaps.as_ref()?;
            let m = maps.iter().find(|m| m.namespace == s.istio_namespace)?;
            Some((
                s,
                m.certificates()
                    .iter()
                    .map(|c| (c.sha256_fingerprint(), c.subject.clone()))
                    .collect(),
            ))
        })
        .collect();
    for (i, (a, roots_a)) in sets.iter().enumerate() {
        for (b, roots_b) in sets.iter().skip(i + 1) {
            if !roots_a
                .iter()
                .any(|(fa, _)| roots_b.iter().any(|(fb, _)| fa == fb))
            {
                let names = |r: &[(String, String)]| {
                    r.iter()
                        .map(|(_, s)| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                out.emit_at(
                    b.at(Some(&b.istio_namespace), "ConfigMap", "istio-ca-root-cert"),
                    format!("clusters `{}` ({}) and `{}` ({}) distribute no common root: cross-cluster mTLS fails", a.cluster, names(roots_a), b.cluster, names(roots_b)),
                )
                .help("issue every cluster's intermediate from one shared root, then restart istiod");
            }
        }
    }
}
