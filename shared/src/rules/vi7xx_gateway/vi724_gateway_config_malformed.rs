use crate::gateway::Malformed;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a part of an Istio `Gateway` or `DestinationRule` that Istio refuses outright:
    /// `spec.servers` missing, null or empty; a server, `hosts`, `selector`, `tls`,
    /// `trafficPolicy`, `subsets`, `portLevelSettings`, `exportTo` or `workloadSelector` of
    /// the wrong YAML type; a TLS `mode` that the object's kind does not have (`DISABLE` on
    /// a Gateway server, `PASSTHROUGH` in a DestinationRule, a misspelt or lower-case mode).
    ///
    /// ## Why it breaks
    /// Istio's CRD schemas type these fields and list the TLS modes of each kind, and
    /// istiod's validation refuses a Gateway without a server; a TLS mode is an enum
    /// whose names differ between server settings and client settings. `kubectl apply`
    /// therefore fails and the object never reaches the gateway, so none of its TLS
    /// settings, and none of the Vault-rendered files it names, are used. The other VI7xx
    /// rules cannot judge the broken part either: it is skipped, so this finding is the
    /// only one about it.
    ///
    /// ## How to fix
    /// Give the field the shape the message names: `hosts` and `servers` are lists, `tls`
    /// and `trafficPolicy` are mappings, and `mode` is one of the kind's modes written in
    /// capitals.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
    /// spec:
    ///   selector: {istio: ingress}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: shop.example.com
    ///       tls:
    ///         mode: simple
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
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
    code: "VI724",
    name: "gateway-config-malformed",
    severity: Error,
    title: "a Gateway or DestinationRule field has a shape or TLS mode that Istio rejects",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let mut seen: Vec<&Malformed> = Vec::new();
    for m in &t.inventory.malformed {
        // A YAML alias repeats the same node (and the same mistake) under several paths.
        let same = |o: &&Malformed| {
            o.at.file == m.at.file
                && o.at.document == m.at.document
                && o.at.place.span == m.at.place.span
                && o.message == m.message
        };
        if seen.iter().any(same) {
            continue;
        }
        seen.push(m);
        out.emit_located(&m.at, m.message.clone()).help(
            "write the field as the message says; until then the object is refused when applied and none of its TLS settings take effect",
        );
    }
}
