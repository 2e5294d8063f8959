use super::vault_flag;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/tls-skip-verify: "true"`.
    ///
    /// ## Why it breaks
    /// The agent then accepts any certificate from whatever answers at the Vault address.
    /// Whoever can intercept that connection can hand istiod a CA of their choosing, and
    /// with it every workload identity in the mesh.
    ///
    /// ## How to fix
    /// Mount Vault's CA with `tls-secret` and point `ca-cert` at it.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/tls-skip-verify: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/tls-secret: vault-ca
    ///     vault.hashicorp.com/ca-cert: /vault/tls/ca.crt
    /// ```
    code: "VI118",
    name: "tls-skip-verify-enabled",
    severity: Warning,
    title: "the agent does not verify Vault's TLS certificate",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if let Some(a) = vault_flag(t.spec, "tls-skip-verify", true) {
        out.emit(&a.place(), "the agent does not verify Vault's TLS certificate: anyone on the path can serve istiod a CA")
            .help("set `tls-secret` and `ca-cert: /vault/tls/<file>` instead");
    }
}
