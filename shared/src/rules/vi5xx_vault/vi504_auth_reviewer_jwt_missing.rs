use crate::audit::VaultTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks who reviews istiod's tokens: a Kubernetes auth method with no
    /// `token_reviewer_jwt` and `disable_local_ca_jwt=true` (a Vault outside the cluster)
    /// calls TokenReview with the logging-in pod's own token, so istiod's ServiceAccount
    /// itself must be bound to `system:auth-delegator`.
    ///
    /// ## Why it breaks
    /// Without a reviewer JWT and without that binding, every login fails with a bare
    /// `403 permission denied` (the server logs `tokenreviews.authentication.k8s.io is
    /// forbidden`), and the agent retries forever.
    ///
    /// ## How to fix
    /// Set a reviewer JWT (`vault write auth/<mount>/config
    /// token_reviewer_jwt=@reviewer.jwt …`, a long-lived token of a ServiceAccount bound
    /// to `system:auth-delegator`), or bind istiod's ServiceAccount to
    /// `system:auth-delegator`.
    ///
    /// ## Example
    /// ```text
    /// token_reviewer_jwt_set=false disable_local_ca_jwt=true   # istiod SA not an auth-delegator
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// token_reviewer_jwt_set=true
    /// ```
    code: "VI504",
    name: "auth-reviewer-jwt-missing",
    severity: Error,
    title: "nobody can review istiod's token: no reviewer JWT and istiod may not review",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| {
            (
                n.cluster.clone(),
                n.auth_mount.clone(),
                n.service_account.clone(),
            )
        }) {
            continue;
        }
        let Some(config) = super::config(t.vault, n) else {
            continue;
        };
        if config.token_reviewer_jwt_set {
            continue;
        }
        let Some(delegators) = t
            .cluster(&n.cluster)
            .and_then(|c| c.auth_delegators.as_ref())
        else {
            continue;
        };
        let bound = delegators.iter().any(|s| {
            s.kind == "ServiceAccount" && s.namespace == n.namespace && s.name == n.service_account
        });
        if bound {
            continue;
        }
        let f = out.emit_at(
            super::at(&format!("auth/{}/config", n.auth_mount)),
            if config.disable_local_ca_jwt {
                format!(
                    "{}: `auth/{}` has no reviewer JWT, so Vault reviews istiod's token with that token itself, but ServiceAccount `{}/{}` is not bound to system:auth-delegator: every login fails with 403",
                    super::who(n),
                    n.auth_mount,
                    n.namespace,
                    n.service_account
                )
            } else {
                format!(
                    "{}: `auth/{}` has no reviewer JWT: unless Vault runs inside this cluster (it then reviews with its own ServiceAccount), it reviews istiod's token with that token itself, and ServiceAccount `{}/{}` is not bound to system:auth-delegator: logins fail with 403",
                    super::who(n),
                    n.auth_mount,
                    n.namespace,
                    n.service_account
                )
            },
        );
        f.help(format!(
            "kubectl create clusterrolebinding {}-tokenreview --clusterrole=system:auth-delegator --serviceaccount={}:{}, or set token_reviewer_jwt on auth/{}/config",
            n.service_account, n.namespace, n.service_account, n.auth_mount
        ));
        if !config.disable_local_ca_jwt {
            f.severity(crate::finding::Severity::Warning);
        }
    }
}
