use super::{at, gateway_name, port_label, server_tls};
use crate::gateway::SERVER_FILE_FIELDS;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway server whose `tls` block names certificate files but has no `mode`.
    ///
    /// ## Why it breaks
    /// `mode` is an enum whose zero value is `PASSTHROUGH`, so a `tls` block without it
    /// passes the TLS connection through untouched: the gateway never terminates TLS, the
    /// Vault-rendered `serverCertificate` and `privateKey` are ignored (istiod only warns
    /// that "they will be ignored"), and HTTP routes bound to the server never match.
    ///
    /// ## How to fix
    /// Set `mode: SIMPLE` (server TLS) or `mode: MUTUAL` (client certificates required,
    /// with `caCertificates`).
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
    ///       hosts: ["shop.example.com"]
    ///       tls:
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
    code: "VI702",
    name: "tls-mode-omitted",
    severity: Error,
    title: "a TLS block with certificate files but no mode passes TLS through and ignores them",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        if tls.mode_field.is_some() {
            continue;
        }
        let files = tls.files(SERVER_FILE_FIELDS);
        if files.is_empty() {
            continue;
        }
        let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        out.emit_located(
            &at(&gw.at, &tls.place),
            format!(
                "{}, {}: `tls` has {} but no `mode`, so it is PASSTHROUGH and the files are ignored",
                port_label(server),
                gateway_name(gw),
                names.join(", ")
            ),
        )
        .help("add `mode: SIMPLE` (or `mode: MUTUAL` with `caCertificates` to require client certificates)");
    }
}
