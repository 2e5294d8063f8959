use crate::model::{Annotation, Origin};
use crate::rules::{Emitter, Target, declare_rule};

const INJECT: &str = "sidecar.istio.io/inject";

declare_rule! {
    /// ## What it does
    /// Flags an istiod pod that Istio would give a sidecar: the `sidecar.istio.io/inject`
    /// label set to true (`podLabels` in values, the pod template's labels in manifests),
    /// or, on a manifest without that label, the older annotation of the same name.
    ///
    /// ## Why it breaks
    /// The istiod chart labels its pod `sidecar.istio.io/inject: "false"` on purpose (the
    /// label wins over the annotation, so an annotation in values changes nothing). A
    /// meshed istiod gets Istio's traffic redirection before its own CA exists, and
    /// `vault-agent-init` then cannot reach Vault (connection refused or timeouts), so
    /// istiod never starts.
    ///
    /// ## How to fix
    /// Remove the override; leave istiod out of the mesh.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podLabels:
    ///     sidecar.istio.io/inject: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podLabels:
    ///     sidecar.istio.io/inject: "false"
    /// ```
    code: "VI205",
    name: "istiod-sidecar-injected",
    severity: Warning,
    title: "istiod itself would get an Istio sidecar",
    since: "0.1.0",
    Istiod: check,
}

/// Istio's injector reads these (case-insensitively) as "inject".
fn truthy(a: &Annotation) -> bool {
    a.text()
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "y" | "yes" | "on"))
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    // The label decides when present. Without one, manifests fall back to the annotation;
    // the istiod chart always renders the label "false", so values annotations never count.
    let decisive = match t.spec.pod_label(INJECT) {
        Some(label) => Some((label, "label")),
        None if matches!(t.spec.origin, Origin::Deployment | Origin::Pod) => {
            t.spec.annotation(INJECT).map(|a| (a, "annotation"))
        }
        None => None,
    };
    if let Some((a, what)) = decisive
        && truthy(a)
    {
        out.emit(
            &a.place(),
            format!("the `{INJECT}` {what} meshes istiod: Istio's traffic capture can cut `vault-agent-init` off from Vault"),
        )
        .help(format!("set `{INJECT}: \"false\"` as the chart does"));
    }
}
