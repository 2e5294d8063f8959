use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `cacerts` Secret in the Istio namespace.
    ///
    /// ## Why it breaks
    /// Keeping the CA in Vault exists to keep its key out of Kubernetes Secrets (base64 in
    /// etcd, readable by anyone who can read Secrets there). A leftover `cacerts` still
    /// holds a CA key, and istiod mounts it at `/etc/cacerts`; if `ROOT_CA_DIR` is ever
    /// unset, istiod silently signs with it instead of the Vault CA.
    ///
    /// ## How to fix
    /// Delete it once istiod runs on the Vault CA, and rotate that key if it was ever the
    /// mesh's CA.
    ///
    /// ## Example
    /// ```text
    /// kubectl get secret cacerts -n istio-system   # ca-key.pem, ca-cert.pem, ...
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// kubectl delete secret cacerts -n istio-system
    /// ```
    code: "VI407",
    name: "cacerts-secret-leftover",
    severity: Error,
    title: "a `cacerts` Secret still holds a CA in the cluster",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    if let Some(secret) = s.secrets.iter().flatten().find(|x| x.name == "cacerts") {
        let key = if secret
            .keys
            .iter()
            .any(|k| k == "ca-key.pem" || k == "tls.key")
        {
            "with a CA private key "
        } else {
            ""
        };
        out.emit_at(
            s.at(Some(&s.istio_namespace), "Secret", "cacerts"),
            format!("Secret `cacerts` {key}is still in `{}`: the CA key lives in etcd, which the Vault setup exists to avoid, and istiod falls back to it if ROOT_CA_DIR is unset", s.istio_namespace),
        )
        .help(format!("kubectl delete secret cacerts -n {} (and rotate that key if it ever signed for the mesh)", s.istio_namespace));
    }
}
