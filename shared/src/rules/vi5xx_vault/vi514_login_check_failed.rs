use crate::audit::VaultTarget;
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// With `--login-check`: reports when the real login path fails — a token requested
    /// for istiod's ServiceAccount (TokenRequest) is refused at `<auth-path>/login` with
    /// istiod's role, or the token it gets may not read every path the templates read
    /// (`sys/capabilities-self`).
    ///
    /// ## Why it breaks
    /// This is exactly what `vault-agent-init` does in istiod's pod: if it fails here,
    /// it fails there, and istiod never gets its CA.
    ///
    /// ## How to fix
    /// Vault's message says which step failed: `invalid role name` (the role),
    /// `service account name not authorized` / `namespace not authorized` (the role's
    /// bindings), `permission denied` (the TokenReview: reviewer JWT, CA, RBAC), or a
    /// missing `read` capability (the role's policies).
    ///
    /// ## Example
    /// ```text
    /// POST auth/kubernetes-cluster1/login {"role":"istiod"} → 403 permission denied
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// POST auth/kubernetes-cluster1/login {"role":"istiod"} → 200; read on the CA path
    /// ```
    code: "VI514",
    name: "login-check-failed",
    severity: Error,
    title: "logging in as istiod and reading its CA failed",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for l in &t.vault.logins {
        let who = format!("{} ({}/{})", l.cluster, l.namespace, l.deployment);
        let at = super::at(&format!("auth/{}/login", l.auth_mount));
        if let Some(why) = &l.not_tried {
            out.emit_at(at, format!("{who}: the login check could not run: {why}"))
                .severity(Severity::Warning);
            continue;
        }
        if l.status != Some(200) {
            let status = l
                .status
                .map_or_else(|| "no answer".to_string(), |s| s.to_string());
            out.emit_at(
                at,
                format!(
                    "{who}: logging in as istiod at `auth/{}/login` with role `{}` was refused ({status}): {}",
                    l.auth_mount, l.role, l.error
                ),
            )
            .help(next_step(&l.error));
            continue;
        }
        if let Some(why) = &l.revoke_error {
            out.emit_at(
                at.clone(),
                format!("{who}: the login check's Vault token could not be revoked ({why}): it stays valid until its TTL ends"),
            )
            .severity(Severity::Warning)
            .help("revoke it: vault token revoke -accessor <accessor from vault list auth/token/accessors>");
        }
        if let Some(why) = &l.capabilities_error {
            out.emit_at(
                at,
                format!("{who}: the login worked, but what its token may read could not be asked: {why}"),
            )
            .severity(Severity::Warning)
            .help("a role with token_no_default_policy=true gives tokens that may not ask sys/capabilities-self: check the read with `vault read` and that token");
            continue;
        }
        for (path, caps) in &l.capabilities {
            if !caps.iter().any(|c| c == "read" || c == "root") {
                out.emit_at(
                    super::at(path),
                    format!(
                        "{who}: istiod's login token (policies {}) may not read `{path}` (capabilities: {})",
                        l.policies.join(", "),
                        if caps.is_empty() { "none".to_string() } else { caps.join(", ") }
                    ),
                )
                .help(format!("grant read on `{path}` in a policy of role `{}`", l.role));
            }
        }
    }
}

/// The operator's next step for Vault's Kubernetes-auth login errors (vault.md §4).
fn next_step(error: &str) -> String {
    if error.contains("invalid role name") {
        "create the role, or fix vault.hashicorp.com/role".into()
    } else if error.contains("service account name not authorized") {
        "add istiod's ServiceAccount to the role's bound_service_account_names".into()
    } else if error.contains("namespace not authorized") {
        "add istiod's namespace to the role's bound_service_account_namespaces".into()
    } else if error.contains("audience") {
        "the role's `audience` must be one the token carries, or unset".into()
    } else if error.contains("permission denied") || error.contains("lookup failed") {
        "Vault's TokenReview failed: check kubernetes_host, kubernetes_ca_cert and the reviewer JWT of the auth config, and that the reviewer is bound to system:auth-delegator".into()
    } else {
        "see Vault's server log for the login".into()
    }
}
