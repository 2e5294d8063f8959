use crate::rules::vi1xx_injector::vault_flag;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/agent-pre-populate: "false"` on istiod.
    ///
    /// ## Why it breaks
    /// Without pre-population there is no `vault-agent-init` init container: istiod starts
    /// at the same time as the agent sidecar, finds an empty directory, and self-signs.
    /// It does not switch to the Vault CA when the files appear later.
    ///
    /// ## How to fix
    /// Remove the annotation (pre-population is on by default).
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-pre-populate: "false"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-pre-populate: "true"
    /// ```
    code: "VI203",
    name: "pre-populate-disabled",
    severity: Error,
    title: "istiod would start before the CA files exist",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if let Some(a) = vault_flag(t.spec, "agent-pre-populate", false) {
        out.emit(
            &a.place(),
            "no init container renders the CA files before istiod starts, so istiod self-signs",
        )
        .help("remove `agent-pre-populate` or set it to \"true\"");
    }
}
