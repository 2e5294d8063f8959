use super::{at, credential_in_effect, gateway_name, port_label, server_tls};
use crate::gateway::Mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `subjectAltNames` on a Gateway server in `mode: SIMPLE` that takes its
    /// certificate from files.
    ///
    /// ## Why it breaks
    /// `subjectAltNames` lists the names a *client* certificate must carry. It has an
    /// effect only when the gateway validates client certificates, that is under `MUTUAL`
    /// or `OPTIONAL_MUTUAL`. Under `SIMPLE` with certificate files, istiod builds no client
    /// validation and drops the list without a word, so any client connects. The field
    /// does not set the names in the gateway's own certificate either: those come from the
    /// certificate the Vault Agent renders.
    ///
    /// ## How to fix
    /// To accept only clients whose certificates carry these names, use `mode: MUTUAL`
    /// with `caCertificates` (the CA that issues the clients). Otherwise remove
    /// `subjectAltNames`; set the server's names in the Vault PKI request (`common_name`,
    /// `alt_names`).
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
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    ///         subjectAltNames: ["checkout.internal.example"]
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
    ///         mode: MUTUAL
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    ///         caCertificates: /vault/secrets/ca.crt
    ///         subjectAltNames: ["checkout.internal.example"]
    /// ```
    code: "VI709",
    name: "san-without-client-validation",
    severity: Warning,
    title: "subjectAltNames under SIMPLE is ignored: no client certificate is checked",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        if tls.mode(Mode::Passthrough) != Some(Mode::Simple) {
            continue;
        }
        // With a credentialName istiod does pass the names to Envoy (without a CA);
        // what Envoy makes of that is not this rule's claim.
        if credential_in_effect(tls, t.istio_version).is_some() {
            continue;
        }
        let Some(field) = tls.field("subjectAltNames") else {
            continue;
        };
        let names: Vec<&str> = if field.items.is_empty() {
            field.text.as_deref().into_iter().collect()
        } else {
            field.items.iter().map(String::as_str).collect()
        };
        let names: Vec<&str> = names.into_iter().filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            continue;
        }
        out.emit_located(
            &at(&gw.at, &field.place),
            format!(
                "{}, {}: subjectAltNames ({}) is ignored under `mode: SIMPLE`: no client certificate is asked for, so no client name is checked (nor does it set the names in the gateway's own certificate)",
                port_label(server),
                gateway_name(gw),
                names.join(", ")
            ),
        )
        .help("to accept only clients with these names use `mode: MUTUAL` with caCertificates (the client CA); otherwise remove subjectAltNames");
    }
}
