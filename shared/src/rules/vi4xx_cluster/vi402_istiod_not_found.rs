use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the cluster runs istiod: a Deployment `istiod` or `istiod-<revision>`
    /// (label `app=istiod`) in the Istio namespace.
    ///
    /// ## Why it breaks
    /// Without istiod there is no CA at all; usually the audit looks in the wrong
    /// namespace (`-n`) or the wrong cluster (`--context`).
    ///
    /// ## How to fix
    /// Pass the namespace istiod runs in with `-n`, or the right `--context`.
    ///
    /// ## Example
    /// ```text
    /// kubectl vault-istio audit            # istiod runs in istio-control
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// kubectl vault-istio audit -n istio-control
    /// ```
    code: "VI402",
    name: "istiod-not-found",
    severity: Error,
    title: "no istiod Deployment in the Istio namespace",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    if s.unreachable.is_none()
        && s.istiod.is_empty()
        && !s.problems.iter().any(|p| p.what.contains("deployments"))
    {
        out.emit_at(
            s.at(Some(&s.istio_namespace), "Namespace", &s.istio_namespace),
            format!("no istiod Deployment (`istiod`, `istiod-<revision>`, label app=istiod) in namespace `{}`", s.istio_namespace),
        )
        .help("pass the namespace istiod runs in with -n");
    }
}
