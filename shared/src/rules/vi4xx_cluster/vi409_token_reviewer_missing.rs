use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks what Vault's Kubernetes auth needs in the cluster for istiod's ServiceAccount:
    /// the ServiceAccount itself, a long-lived token Secret for it
    /// (`kubernetes.io/service-account-token`, the token Vault reviews with), and a
    /// binding to `system:auth-delegator` so that token may create TokenReviews.
    ///
    /// ## Why it breaks
    /// Without the binding every login fails with a bare `403 permission denied`, and the
    /// agent retries forever: `vault-agent-init` hangs at `Init:0/1`. Since Kubernetes
    /// 1.24 the token Secret is not created automatically.
    ///
    /// ## How to fix
    /// Apply the ServiceAccount, token Secret and ClusterRoleBinding (`render` generates
    /// them as `istiod-serviceaccount.yaml`).
    ///
    /// ## Example
    /// ```text
    /// kubectl get clusterrolebindings -o wide | grep auth-delegator   # no istiod
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// kubectl apply -f out/cluster1/istiod-serviceaccount.yaml
    /// ```
    code: "VI409",
    name: "token-reviewer-missing",
    severity: Error,
    title: "the cluster is not set up for Vault's token review of istiod",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    let ns = s.istio_namespace.as_str();
    // The ServiceAccounts istiod runs as: `istiod` or `istiod-<revision>`, by Deployment.
    for d in &s.istiod {
        let sa = d.name.as_str();
        if let Some(sas) = &s.service_accounts
            && !sas.iter().any(|x| x == sa)
        {
            out.emit_at(
                s.at(Some(ns), "ServiceAccount", sa),
                format!("ServiceAccount `{sa}` does not exist in `{ns}`"),
            );
            continue;
        }
        if let Some(secrets) = &s.secrets
            && !secrets.iter().any(|x| {
                x.type_ == "kubernetes.io/service-account-token"
                    && (x.name == sa || x.name.starts_with(&format!("{sa}-token")))
            })
        {
            out.emit_at(s.at(Some(ns), "ServiceAccount", sa), format!("no long-lived token Secret for ServiceAccount `{sa}`: Vault has no reviewer JWT from this cluster (not created automatically since Kubernetes 1.24)"))
                .help("create a Secret of type kubernetes.io/service-account-token annotated kubernetes.io/service-account.name: ".to_string() + sa);
        }
        if let Some(subjects) = &s.auth_delegators
            && !subjects
                .iter()
                .any(|x| x.kind == "ServiceAccount" && x.namespace == ns && x.name == sa)
        {
            out.emit_at(s.at(None, "ClusterRoleBinding", "system:auth-delegator"), format!("ServiceAccount {ns}/{sa} is not bound to system:auth-delegator: Vault's TokenReview is forbidden and every login fails with 403"))
                .help(format!("kubectl create clusterrolebinding {sa}-vault-tokenreview --clusterrole=system:auth-delegator --serviceaccount={ns}:{sa}"));
        }
    }
}
