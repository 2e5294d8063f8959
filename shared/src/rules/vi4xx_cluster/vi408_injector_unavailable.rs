use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the Vault injector webhook can act on istiod: its Service has ready
    /// endpoints, and its namespaceSelector and objectSelector match istiod's namespace
    /// and pods.
    ///
    /// ## Why it breaks
    /// A webhook with no ready endpoints times out (with `failurePolicy: Ignore`, istiod
    /// starts un-injected and self-signs; with `Fail`, istiod cannot start). A selector
    /// that excludes istiod means it is never injected at all.
    ///
    /// ## How to fix
    /// Bring the injector's pods up (`kubectl get pods -n vault`), and widen the selectors
    /// (vault-helm `injector.namespaceSelector`, `injector.objectSelector`).
    ///
    /// ## Example
    /// ```text
    /// namespaceSelector: {matchLabels: {vault-injection: enabled}}   # istio-system lacks it
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// namespaceSelector: {}
    /// ```
    code: "VI408",
    name: "injector-unavailable",
    severity: Error,
    title: "the Vault injector webhook cannot act on istiod",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    for h in s.injector_webhooks.iter().flatten() {
        let at = || s.at(None, "MutatingWebhookConfiguration", &h.configuration);
        if let (Some(0), Some(svc)) = (h.ready_endpoints, &h.service) {
            out.emit_at(at(), format!("webhook `{}` calls Service {}/{}, which has no ready endpoints: istiod pods are created without injection or not at all", h.name, svc.namespace, svc.name))
                .help(format!("kubectl get pods -n {} (the injector's pods must be Ready)", svc.namespace));
        }
        if let (Some(sel), Some(labels)) = (&h.namespace_selector, &s.istio_namespace_labels)
            && !sel.matches(labels)
        {
            out.emit_at(at(), format!("webhook `{}`'s namespaceSelector does not match namespace `{}`: istiod is never injected", h.name, s.istio_namespace))
                .help("widen injector.namespaceSelector in the vault-helm values, or label the namespace");
        }
        if let Some(sel) = &h.object_selector {
            for d in &s.istiod {
                if let Some(p) = d.pods.iter().find(|p| !sel.matches(&p.labels)) {
                    out.emit_at(s.at(Some(&d.namespace), "Pod", &p.name), format!("webhook `{}`'s objectSelector does not match istiod pod `{}`: it is never injected", h.name, p.name))
                        .help("widen injector.objectSelector in the vault-helm values");
                }
            }
        }
    }
}
