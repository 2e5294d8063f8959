use super::bool_of;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Points out injected pods without `agent-auto-auth-exit-on-err: "true"`.
    ///
    /// ## Why it breaks
    /// By default the agent retries a failed Vault login forever with backoff. A wrong
    /// role, auth path or unreachable Vault then shows up as an init container stuck at
    /// `Init:0/1` with no restart and no event, instead of a crash that alerts.
    ///
    /// ## How to fix
    /// Add `vault.hashicorp.com/agent-auto-auth-exit-on-err: "true"`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    ///     vault.hashicorp.com/agent-auto-auth-exit-on-err: "true"
    /// ```
    code: "VI121",
    name: "auto-auth-hangs",
    severity: Info,
    title: "a failing Vault login would hang the init container silently",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if !t.injection_on() || bool_of(t.spec.vault("agent-auto-auth-exit-on-err")) == Some(true) {
        return;
    }
    let place = t
        .spec
        .vault("agent-inject")
        .map(|a| a.key_place())
        .unwrap_or_else(|| t.spec.annotations_place.clone());
    out.emit(
        &place,
        "a failing Vault login retries forever: the init container hangs instead of failing",
    )
    .help("add `vault.hashicorp.com/agent-auto-auth-exit-on-err: \"true\"`");
}
