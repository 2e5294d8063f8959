use crate::audit::VaultTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Kubernetes auth method that still validates the token issuer
    /// (`disable_iss_validation=false`), the default of mounts created before Vault 1.9.
    ///
    /// ## Why it breaks
    /// Projected ServiceAccount tokens (Kubernetes 1.21+) carry the cluster's own issuer,
    /// not the legacy `kubernetes/serviceaccount`. Unless `issuer` is set to exactly that,
    /// logins are rejected for the `iss` claim once istiod's pod gets a projected token.
    ///
    /// ## How to fix
    /// `vault write auth/<mount>/config disable_iss_validation=true …` (the TokenReview
    /// already proves the token), keeping the other config fields.
    ///
    /// ## Example
    /// ```text
    /// auth/kubernetes/config  disable_iss_validation=false issuer=""
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// auth/kubernetes/config  disable_iss_validation=true
    /// ```
    code: "VI505",
    name: "auth-issuer-validation",
    severity: Warning,
    title: "the Kubernetes auth method validates the token issuer",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| n.auth_mount.clone()) {
            continue;
        }
        let Some(config) = super::config(t.vault, n) else {
            continue;
        };
        if config.disable_iss_validation == Some(false) {
            let issuer = if config.issuer.is_empty() {
                "the legacy default `kubernetes/serviceaccount`".to_string()
            } else {
                format!("`{}`", config.issuer)
            };
            out.emit_at(
                super::at(&format!("auth/{}/config", n.auth_mount)),
                format!(
                    "{}: `auth/{}` checks that tokens were issued by {issuer}: projected ServiceAccount tokens carry the cluster's issuer and are refused unless it matches",
                    super::who(n),
                    n.auth_mount
                ),
            )
            .help(format!("vault write auth/{}/config disable_iss_validation=true (repeat the other fields: a write replaces the config)", n.auth_mount));
        }
    }
}
