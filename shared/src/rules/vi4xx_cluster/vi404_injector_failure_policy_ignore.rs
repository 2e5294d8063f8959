use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags the Vault injector webhook with `failurePolicy: Ignore` (the vault-helm
    /// chart's default).
    ///
    /// ## Why it breaks
    /// With `Ignore`, a pod created while the injector is down, slow or unreachable is
    /// admitted without injection. For istiod that is a silent self-signed CA after the
    /// next restart, and a mesh split from every other cluster.
    ///
    /// ## How to fix
    /// Set `injector.webhook.failurePolicy=Fail` in the vault-helm values (pod creation
    /// then fails loudly instead).
    ///
    /// ## Example
    /// ```text
    /// failurePolicy: Ignore
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// failurePolicy: Fail
    /// ```
    code: "VI404",
    name: "injector-failure-policy-ignore",
    severity: Warning,
    title: "an injector outage would silently start istiod without its CA",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    for h in s.injector_webhooks.iter().flatten() {
        if h.failure_policy.as_deref() == Some("Ignore") {
            out.emit_at(
                s.at(None, "MutatingWebhookConfiguration", &h.configuration),
                format!("webhook `{}` in `{}` has failurePolicy Ignore: while the injector is unavailable, istiod pods start without Vault and self-sign", h.name, h.configuration),
            )
            .help("set injector.webhook.failurePolicy=Fail in the vault-helm values");
        }
    }
}
