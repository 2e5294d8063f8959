use super::{at, gateway_name};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags an Istio Gateway that names certificate files when its `selector` matches none
    /// of the gateway workloads in the inputs (only when some gateway workload is given: a
    /// Gateway linted alone is not judged; Gateways without files are not this tool's
    /// business). An audit that read the cluster's pods checks the running pods instead
    /// (VI750).
    ///
    /// ## Why it breaks
    /// A Gateway applies to the gateway pods whose labels include every selector label. No
    /// match means no listener anywhere: the ports, hosts and certificate files of its
    /// servers are never configured, and nothing reports it (`istioctl analyze` reports
    /// IST0101 only against a live cluster). The usual cause: the `istio/gateway` chart
    /// labels pods `istio: <release name without istio->` (`istio: ingress` for a release
    /// named `istio-ingress`), while samples select `istio: ingressgateway`. With istiod's
    /// `PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true`, a gateway in another namespace does not
    /// count either.
    ///
    /// ## How to fix
    /// Select labels the gateway pods really have (the finding lists them), or set the
    /// chart's `labels` so the pods carry the selected ones.
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingress
    /// service: {type: LoadBalancer}
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
    /// name: istio-ingress
    /// service: {type: LoadBalancer}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   selector: {istio: ingress}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI711",
    name: "selector-matches-no-gateway",
    severity: Error,
    title: "a Gateway with certificate files selects none of the gateway workloads given",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let inv = t.inventory;
    // An audit that read the running pods judges them instead (VI750).
    if inv.workloads.is_empty() || t.live.is_some() {
        return;
    }
    for gw in &inv.gateways {
        let Some(selector) = &gw.selector else {
            continue; // no selector: every gateway proxy
        };
        let names_files = gw.servers.iter().any(|s| {
            s.tls
                .as_ref()
                .is_some_and(|t| !t.files(crate::gateway::SERVER_FILE_FIELDS).is_empty())
        });
        if !names_files {
            continue;
        }
        if !inv.selected(gw, t.scoped_to_namespace).is_empty() {
            continue;
        }
        let wanted: Vec<String> = selector.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let have: Vec<String> = inv
            .workloads
            .iter()
            .map(|w| {
                let labels: Vec<String> =
                    w.labels.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                let mut s = format!("{} has {{{}}}", w.who(), labels.join(", "));
                if let Some(why) = &w.labels_assumed {
                    s.push_str(&format!(" ({why})"));
                }
                if t.scoped_to_namespace && w.matches(selector) {
                    s.push_str(", but in another namespace and Gateways are scoped to their own");
                }
                s
            })
            .collect();
        out.emit_located(
            &at(&gw.at, &gw.selector_place),
            format!(
                "selector {{{}}} of {} matches no gateway workload given, so no gateway serves it; {}",
                wanted.join(", "),
                gateway_name(gw),
                have.join("; ")
            ),
        )
        .help("select labels the gateway pods have; the istio/gateway chart sets `istio: <release name without istio->` unless `labels.istio` is set");
    }
}
