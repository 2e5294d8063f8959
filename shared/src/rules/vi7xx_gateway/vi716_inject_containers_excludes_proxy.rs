use crate::gateway::read::PROXY;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/agent-inject-containers` on a gateway workload when the
    /// list leaves out `istio-proxy`.
    ///
    /// ## Why it breaks
    /// The injector mounts the rendered-secrets volume only into the containers listed
    /// there (into every container when the annotation is absent). A gateway has one
    /// container that needs the files: `istio-proxy`, where pilot-agent reads them. Without
    /// it in the list, the files exist in the pod but not at the path pilot-agent opens,
    /// and no certificate is served.
    ///
    /// ## How to fix
    /// Add `istio-proxy` to the list, or remove the annotation.
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-containers: "gateway"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-containers: "istio-proxy"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    /// ```
    code: "VI716",
    name: "inject-containers-excludes-proxy",
    severity: Error,
    title: "the secrets volume is not mounted into the gateway's istio-proxy container",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for w in &t.inventory.workloads {
        let Some(a) = w.spec.vault("agent-inject-containers") else {
            continue;
        };
        let Some(text) = a.text() else { continue };
        let listed: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if listed.is_empty() || listed.contains(&PROXY) {
            continue;
        }
        let at = w.at(a.place());
        out.emit_located(
            &at,
            format!(
                "gateway {}: `agent-inject-containers: {text}` leaves out istio-proxy, so pilot-agent cannot see the rendered files",
                w.who()
            ),
        )
        .help(format!("list istio-proxy: \"{}\"", listed.iter().copied().chain([PROXY]).collect::<Vec<_>>().join(",")));
    }
}
