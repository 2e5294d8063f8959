use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the `root-cert.pem` of every `istio-ca-root-cert` ConfigMap: they must all
    /// be identical, hold self-signed roots, and not the self-signed fallback root istiod
    /// creates (`O=<trust domain>`, e.g. `O=cluster.local`).
    ///
    /// ## Why it breaks
    /// Sidecars verify istiod, and each other, with the root in their namespace's
    /// ConfigMap. Differing copies mean a root change that has not reached every namespace
    /// (workloads there fail mTLS); a `cluster.local` root means istiod self-signed.
    ///
    /// ## How to fix
    /// Fix istiod's CA first (see the other findings), then restart istiod so it rewrites
    /// the ConfigMaps, and restart workloads that hold the old root.
    ///
    /// ## Example
    /// ```text
    /// istio-system: CN=Root CA, O=Istio      default: O=cluster.local
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// istio-system: CN=Root CA, O=Istio      default: CN=Root CA, O=Istio
    /// ```
    code: "VI410",
    name: "root-configmaps-inconsistent",
    severity: Error,
    title: "the `istio-ca-root-cert` ConfigMaps disagree or hold a fallback root",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    let Some(maps) = &s.root_cert_configmaps else {
        return;
    };
    let reference = maps
        .iter()
        .find(|m| m.namespace == s.istio_namespace)
        .or(maps.first());
    let Some(reference) = reference else { return };
    for m in maps
        .iter()
        .filter(|m| m.root_cert.trim() != reference.root_cert.trim())
    {
        out.emit_at(
            s.at(Some(&m.namespace), "ConfigMap", "istio-ca-root-cert"),
            format!("`istio-ca-root-cert` in `{}` differs from the one in `{}`: workloads there trust another root", m.namespace, reference.namespace),
        )
        .help("restart istiod so it rewrites the ConfigMaps, then restart the affected workloads");
    }
    for c in reference.certificates() {
        let at = || {
            s.at(
                Some(&reference.namespace),
                "ConfigMap",
                "istio-ca-root-cert",
            )
        };
        if c.subject.contains("O=cluster.local")
            || (c.self_issued() && c.subject.starts_with("O=") && !c.subject.contains("CN="))
        {
            out.emit_at(at(), format!("the distributed root `{}` looks like istiod's self-signed fallback root: the Vault CA is not the mesh's root", c.subject));
        } else if !c.self_issued() {
            out.emit_at(at(), format!("the distributed root `{}` is not self-signed (issued by `{}`): Envoy needs a self-signed root", c.subject, c.issuer));
        }
    }
}
