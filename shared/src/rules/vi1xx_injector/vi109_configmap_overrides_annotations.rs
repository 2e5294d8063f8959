use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds pods that set `vault.hashicorp.com/agent-configmap` together with secret or
    /// template annotations.
    ///
    /// ## Why it breaks
    /// With a ConfigMap the agent reads its whole configuration (templates included) from
    /// it, and the injector ignores the secret and template annotations. The CA files are
    /// rendered only if the ConfigMap itself says so.
    ///
    /// ## How to fix
    /// Use one or the other: drop `agent-configmap`, or move the templates into it.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-configmap: istiod-agent
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/istio/ca"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-configmap: istiod-agent
    /// ```
    code: "VI109",
    name: "configmap-overrides-annotations",
    severity: Warning,
    title: "`agent-configmap` makes the secret and template annotations ignored",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(cm) = t.spec.vault("agent-configmap") else {
        return;
    };
    if cm.text().is_none_or(|v| v.trim().is_empty()) {
        return;
    }
    if let Some(first) = t.injector.secrets.first() {
        out.emit(
            &first.declared_by.key_place(),
            format!(
                "`agent-configmap` is set, so the injector ignores this and the other {} secret annotation(s)",
                t.injector.secrets.len().saturating_sub(1)
            ),
        )
        .help("remove `agent-configmap`, or put the templates in the ConfigMap and drop these annotations");
    }
}
