use crate::injector::values::parse_bool;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that istiod's pod carries `vault.hashicorp.com/agent-inject: "true"`.
    ///
    /// ## Why it breaks
    /// Without it (or with `"false"`) the injector leaves the pod alone: no Vault agent
    /// runs, nothing is rendered into `/vault/secrets`, and istiod finds no `ca-key.pem`.
    /// It then silently creates a self-signed CA (`istio-ca-secret`), so workloads get
    /// certificates from a root no other cluster trusts.
    ///
    /// ## How to fix
    /// Add the annotation to the pod annotations, quoted.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/role: istiod
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    ///     vault.hashicorp.com/role: istiod
    /// ```
    code: "VI101",
    name: "inject-annotation-missing",
    severity: Error,
    title: "istiod is not marked for Vault agent injection",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    match t.spec.vault("agent-inject") {
        None => {
            out.emit(
                &t.spec.annotations_place,
                "istiod has no `vault.hashicorp.com/agent-inject` annotation: the injector skips the pod and istiod silently self-signs",
            )
            .help("add `vault.hashicorp.com/agent-inject: \"true\"` to the pod annotations");
        }
        Some(a) => {
            if let Some(false) = a.text().and_then(|v| parse_bool(v).ok()) {
                out.emit(
                    &a.place(),
                    format!(
                        "`agent-inject` is `{}`: the injector skips the pod and istiod silently self-signs",
                        a.text().unwrap_or_default()
                    ),
                )
                .help("set it to \"true\"");
            }
        }
    }
}
