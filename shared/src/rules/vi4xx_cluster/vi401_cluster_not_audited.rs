use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports what the audit could not read: a cluster it could not reach or log in to,
    /// and each read the API server refused (403) or that timed out.
    ///
    /// ## Why it breaks
    /// A check that could not run is not a check that passed. An audit that silently
    /// skips the Secrets of `istio-system` cannot see a leftover `cacerts` key.
    ///
    /// ## How to fix
    /// Grant the audit's read-only ClusterRole (`manifests/rbac/`), or point
    /// `--context` at a reachable cluster.
    ///
    /// ## Example
    /// ```text
    /// cannot list secrets in istio-system: forbidden
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// kubectl apply -f manifests/rbac/   # get/list/logs only
    /// ```
    code: "VI401",
    name: "cluster-not-audited",
    severity: Error,
    title: "part of a cluster could not be audited",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    if let Some(why) = &s.unreachable {
        out.emit_at(
            s.at(None, "Cluster", &s.cluster),
            format!("cluster `{}` could not be audited: {why}", s.cluster),
        )
        .help("check the kube context (`--context`), the network path and the credentials");
        return;
    }
    for p in &s.problems {
        let f = out.emit_at(
            s.at(Some(&s.istio_namespace), "Cluster", &s.cluster),
            format!("cannot {}: {}", p.what, p.message),
        );
        if p.status == Some(403) {
            f.help("grant the audit's read-only ClusterRole from manifests/rbac/ (get, list and pods/log only)");
        }
    }
}
