use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds `vault.hashicorp.com/*` annotations on the Deployment's own `metadata`
    /// instead of the pod template's (`spec.template.metadata.annotations`).
    ///
    /// ## Why it breaks
    /// The injector is a webhook on Pods; it only sees the pod template's annotations.
    /// Annotations on the Deployment do nothing, so istiod starts without Vault and
    /// self-signs.
    ///
    /// ## How to fix
    /// Move them to `spec.template.metadata.annotations`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: istiod
    ///   annotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: discovery
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: istiod
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         vault.hashicorp.com/agent-inject: "true"
    ///     spec:
    ///       containers:
    ///       - name: discovery
    /// ```
    code: "VI122",
    name: "annotations-on-deployment-metadata",
    severity: Error,
    title: "the Vault annotations are on the Deployment, not its pod template",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for a in &t.spec.misplaced_annotations {
        let also_on_pod = t.spec.annotation(&a.key).is_some();
        if also_on_pod {
            continue;
        }
        out.emit(
            &a.key_place(),
            format!(
                "`{}` is on the Deployment's metadata, where the injector never sees it",
                a.key
            ),
        )
        .help("move it to `spec.template.metadata.annotations`");
    }
}
