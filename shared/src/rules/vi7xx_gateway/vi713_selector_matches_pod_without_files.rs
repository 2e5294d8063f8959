use super::{at, gateway_name, port_label, rendered_files, resolved, server_tls, used_files};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway whose selector picks several gateway workloads when only some of
    /// them render the certificate files its servers name.
    ///
    /// ## Why it breaks
    /// A Gateway configures every gateway pod whose labels include its selector, in every
    /// namespace unless istiod scopes Gateways to their namespace. Each of those pods gets
    /// the listener with the file paths; the pods without the files fail to load them
    /// (pilot-agent: "failed to generate secret for proxy from file") and serve no
    /// certificate, so some connections fail depending on which gateway they reach.
    ///
    /// ## How to fix
    /// Make the selector specific to the gateway that renders the files (add a label only
    /// it has), or render the same files on every selected gateway.
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// labels: {istio: ingressgateway, tier: edge}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/role: ingress
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    /// ---
    /// name: internal-gateway
    /// service: {type: ClusterIP}
    /// labels: {istio: ingressgateway, tier: internal}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// labels: {istio: ingressgateway, tier: edge}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/role: ingress
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    /// ---
    /// name: internal-gateway
    /// service: {type: ClusterIP}
    /// labels: {istio: ingressgateway, tier: internal}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   selector: {istio: ingressgateway, tier: edge}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI713",
    name: "selector-matches-pod-without-files",
    severity: Error,
    title: "a Gateway also selects gateway pods that do not render its certificate files",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let inv = t.inventory;
    for (gw, server, tls) in server_tls(&inv.gateways) {
        let selected = inv.selected(gw, t.scoped_to_namespace);
        let paths: Vec<String> = used_files(tls, t.istio_version)
            .iter()
            .map(|f| resolved(f.text.as_deref().unwrap_or_default()))
            .collect();
        if selected.len() < 2 || paths.is_empty() {
            continue;
        }
        let has_all = |w: &crate::gateway::GatewayWorkload| {
            let files = rendered_files(w);
            paths.iter().all(|p| files.contains(p))
        };
        let (with, without): (Vec<_>, Vec<_>) = selected.iter().partition(|w| has_all(w));
        if with.is_empty() || without.is_empty() {
            continue; // none has them: VI701 says so per file
        }
        let who = |ws: &[&&crate::gateway::GatewayWorkload]| {
            ws.iter().map(|w| w.who()).collect::<Vec<_>>().join(", ")
        };
        out.emit_located(
            &at(&gw.at, &gw.selector_place),
            format!(
                "{}, {}: the selector also picks {} without {}, which only {} render{}",
                port_label(server),
                gateway_name(gw),
                who(&without),
                paths.join(" and "),
                who(&with),
                if with.len() == 1 { "s" } else { "" }
            ),
        )
        .help("add a label only the gateway with the files has to both its pods and this selector");
    }
}
