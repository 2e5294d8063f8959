use super::vault_flag;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/agent-inject-token: "true"` on istiod.
    ///
    /// ## Why it breaks
    /// The agent then also writes its Vault token to `<secret-volume-path>/token`, next to
    /// the CA files. Anything that can read that directory can act as istiod against
    /// Vault for the token's lifetime; istiod itself never needs it.
    ///
    /// ## How to fix
    /// Remove the annotation.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-token: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    /// ```
    code: "VI117",
    name: "inject-token-exposed",
    severity: Warning,
    title: "the agent writes its Vault token next to the CA files",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if let Some(a) = vault_flag(t.spec, "agent-inject-token", true) {
        out.emit(
            &a.place(),
            "the agent writes its Vault token into the secret volume, readable next to the CA key",
        )
        .help("remove `agent-inject-token`");
    }
}
