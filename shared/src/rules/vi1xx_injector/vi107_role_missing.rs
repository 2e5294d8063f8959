use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that an injected istiod names the Vault Kubernetes-auth role it logs in with
    /// (`vault.hashicorp.com/role`, or `auth-config-role`).
    ///
    /// ## Why it breaks
    /// Without a role the webhook denies the pod, so istiod never starts. (With
    /// `agent-configmap` the role comes from the agent config instead, and this rule stays
    /// quiet.)
    ///
    /// ## How to fix
    /// Add `vault.hashicorp.com/role` with the role bound to istiod's service account.
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
    ///     vault.hashicorp.com/role: istiod
    /// ```
    code: "VI107",
    name: "role-missing",
    severity: Error,
    title: "no Vault role for the injected agent",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if !t.injection_on() || t.spec.vault("agent-configmap").is_some() {
        return;
    }
    let has = |k: &str| {
        t.spec
            .vault(k)
            .and_then(|a| a.text())
            .is_some_and(|v| !v.trim().is_empty())
    };
    if !has("role") && !has("auth-config-role") {
        out.emit(
            &t.spec.annotations_place,
            "no `vault.hashicorp.com/role` annotation: the webhook rejects the pod",
        )
        .help("add `vault.hashicorp.com/role: <role bound to istiod's service account>`");
    }
}
