use crate::model::Origin;
use crate::rules::vi1xx_injector::vault_flag;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/agent-run-as-same-user: "true"` on a gateway installed by
    /// the legacy `gateways` chart or an IstioOperator.
    ///
    /// ## Why it breaks
    /// With run-as-same-user the injector copies the `runAsUser` of the pod's first
    /// container. Those installs render the proxy container themselves and set uid 1337
    /// only at pod level, so the container has none, and the webhook rejects the pod
    /// ("RunAsUser is nil for Container 0's SecurityContext"): the gateway Deployment
    /// cannot create pods. (The `istio/gateway` chart, and these installs with
    /// `injectionTemplate: gateway`, let the injector's gateway template build the proxy
    /// container with its uid, so they are not affected.)
    ///
    /// ## How to fix
    /// Use `vault.hashicorp.com/agent-run-as-user: "1337"` instead.
    ///
    /// ## Example
    /// ```yaml
    /// gateways:
    ///   istio-ingressgateway:
    ///     podAnnotations:
    ///       vault.hashicorp.com/agent-inject: "true"
    ///       vault.hashicorp.com/agent-run-as-same-user: "true"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gateways:
    ///   istio-ingressgateway:
    ///     podAnnotations:
    ///       vault.hashicorp.com/agent-inject: "true"
    ///       vault.hashicorp.com/agent-run-as-user: "1337"
    /// ```
    code: "VI715",
    name: "run-as-same-user-on-legacy-gateway",
    severity: Error,
    title: "run-as-same-user on a gateway whose proxy container has no runAsUser",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for w in &t.inventory.workloads {
        // With `injectionTemplate` the injector's gateway template builds the proxy
        // container, uid included.
        if !matches!(
            w.spec.origin,
            Origin::GatewaysChartValues | Origin::IstioOperator
        ) || w.proxy_injected
        {
            continue;
        }
        let Some(a) = vault_flag(&w.spec, "agent-run-as-same-user", true) else {
            continue;
        };
        let at = w.at(a.place());
        out.emit_located(
            &at,
            format!(
                "gateway {}: its proxy container has no runAsUser (uid 1337 is set on the pod), so the injector rejects the pod: \"RunAsUser is nil for Container 0's SecurityContext\"",
                w.who()
            ),
        )
        .help("use `vault.hashicorp.com/agent-run-as-user: \"1337\"` instead");
    }
}
