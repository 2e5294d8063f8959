use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the role in istiod's `vault.hashicorp.com/role` exists on the auth
    /// method its `auth-path` names.
    ///
    /// ## Why it breaks
    /// The login is refused with `invalid role name "istiod"`; the agent retries forever
    /// and `vault-agent-init` never finishes.
    ///
    /// ## How to fix
    /// Create the role (`vault write auth/<mount>/role/istiod
    /// bound_service_account_names=istiod bound_service_account_namespaces=istio-system
    /// token_policies=…`), or fix the annotation (`vault list auth/<mount>/role`).
    ///
    /// ## Example
    /// ```text
    /// vault.hashicorp.com/role: istio     # vault list auth/kubernetes/role: istiod
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// vault.hashicorp.com/role: istiod
    /// ```
    code: "VI506",
    name: "role-not-found",
    severity: Error,
    title: "istiod's Vault role does not exist",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| (n.auth_mount.clone(), n.role.clone())) {
            continue;
        }
        let Some(role) = n.role.as_deref() else {
            continue;
        };
        let missing = t
            .vault
            .auth
            .get(&n.auth_mount)
            .and_then(|s| s.roles.get(role))
            .is_some_and(|r| matches!(r, Reading::Missing));
        if missing {
            let path = super::role_path(&n.auth_mount, role);
            out.emit_at(
                super::at(&path),
                format!(
                    "{}: role `{role}` does not exist at `auth/{}`: the agent's login fails with `invalid role name`",
                    super::who(n),
                    n.auth_mount
                ),
            )
            .help(format!(
                "vault write {path} bound_service_account_names={} bound_service_account_namespaces={} token_policies=<policy>, or fix vault.hashicorp.com/role (vault list auth/{}/role)",
                n.service_account, n.namespace, n.auth_mount
            ));
        }
    }
}
