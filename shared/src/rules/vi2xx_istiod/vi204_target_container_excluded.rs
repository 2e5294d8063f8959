use crate::rules::{Emitter, Target, declare_rule};
use crate::source::recognize::DISCOVERY;

declare_rule! {
    /// ## What it does
    /// Checks that `vault.hashicorp.com/agent-inject-containers`, when set, includes
    /// istiod's `discovery` container.
    ///
    /// ## Why it breaks
    /// The injector mounts the secret volume only into the listed containers. Without
    /// `discovery` istiod sees no `/vault/secrets` at all and self-signs.
    ///
    /// ## How to fix
    /// Add `discovery` to the list, or remove the annotation.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-containers: "istio-proxy"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-containers: "discovery"
    /// ```
    code: "VI204",
    name: "target-container-excluded",
    severity: Error,
    title: "`agent-inject-containers` leaves out istiod's `discovery` container",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(a) = t.spec.vault("agent-inject-containers") else {
        return;
    };
    let Some(v) = a.text() else { return };
    if v.trim().is_empty() || v.split(',').any(|c| c.trim() == DISCOVERY) {
        return;
    }
    out.emit(&a.place(), format!("`agent-inject-containers` is `{v}`: the `discovery` container gets no CA files and istiod self-signs"))
        .help(format!("use \"{}\"", if v.trim().is_empty() { DISCOVERY.to_string() } else { format!("{v},{DISCOVERY}") }));
}
