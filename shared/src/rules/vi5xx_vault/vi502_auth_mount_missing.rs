use crate::audit::VaultTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the auth method istiod's `vault.hashicorp.com/auth-path` names is
    /// mounted in Vault, and that it is a Kubernetes auth method.
    ///
    /// ## Why it breaks
    /// The agent logs in at `<auth-path>/login`. With no such mount the login fails
    /// (`400 missing client token` or `permission denied`) and `vault-agent-init` retries
    /// forever: istiod never starts with its CA.
    ///
    /// ## How to fix
    /// Enable the method at that path (`vault auth enable -path=kubernetes-cluster1
    /// kubernetes`), or point `auth-path` at the mount that exists (`vault auth list`).
    ///
    /// ## Example
    /// ```text
    /// auth-path: auth/kubernetes-cluster1     vault auth list: kubernetes/, token/
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// auth-path: auth/kubernetes-cluster1     vault auth list: kubernetes-cluster1/, token/
    /// ```
    code: "VI502",
    name: "auth-mount-missing",
    severity: Error,
    title: "istiod's auth-path is not a Kubernetes auth method in Vault",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    let Some(mounts) = t.vault.auth_mounts.found() else {
        return;
    };
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| n.auth_mount.clone()) {
            continue;
        }
        let path = format!("auth/{}", n.auth_mount);
        match mounts.get(&n.auth_mount) {
            None => {
                let known: Vec<String> = mounts
                    .iter()
                    .filter(|(_, ty)| *ty == "kubernetes")
                    .map(|(p, _)| format!("auth/{p}"))
                    .collect();
                let known = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                // Without the annotation the injector's own default applies, which the
                // audit cannot see (AGENT_INJECT_VAULT_AUTH_PATH, Helm injector.authPath).
                let default = if n.auth_path_annotated {
                    ""
                } else {
                    " (no auth-path annotation: `auth/kubernetes` is assumed, the injector's default unless its AGENT_INJECT_VAULT_AUTH_PATH says otherwise)"
                };
                out.emit_at(
                    super::at(&path),
                    format!(
                        "{}: istiod logs in at `{}`, but no auth method is mounted there (Kubernetes auth mounts: {known}){default}",
                        super::who(n),
                        n.auth_path
                    ),
                )
                .help(format!(
                    "vault auth enable -path={} kubernetes, or set vault.hashicorp.com/auth-path to an existing mount",
                    n.auth_mount
                ));
            }
            Some(ty) if ty != "kubernetes" => {
                out.emit_at(
                    super::at(&path),
                    format!(
                        "{}: `{path}` is a `{ty}` auth method, not `kubernetes`: the agent's Kubernetes login cannot work there",
                        super::who(n)
                    ),
                );
            }
            Some(_) => {}
        }
    }
}
