use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `sidecar.istio.io/inject: "true"` on istiod's pod.
    ///
    /// ## Why it breaks
    /// The istiod chart sets it to `"false"` on purpose. A meshed istiod gets Istio's
    /// traffic redirection before its own CA exists, and `vault-agent-init` then cannot
    /// reach Vault (connection refused or timeouts), so istiod never starts.
    ///
    /// ## How to fix
    /// Remove the override; leave istiod out of the mesh.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     sidecar.istio.io/inject: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     sidecar.istio.io/inject: "false"
    /// ```
    code: "VI205",
    name: "istiod-sidecar-injected",
    severity: Warning,
    title: "istiod itself would get an Istio sidecar",
    since: "0.1.0",
    check: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(a) = t.spec.annotation("sidecar.istio.io/inject") else {
        return;
    };
    let Some(v) = a.text() else { return };
    if matches!(v.to_ascii_lowercase().as_str(), "true" | "y" | "yes" | "on") {
        out.emit(&a.place(), "istiod would be meshed: Istio's traffic capture can cut `vault-agent-init` off from Vault")
            .help("set `sidecar.istio.io/inject: \"false\"` as the chart does");
    }
}
