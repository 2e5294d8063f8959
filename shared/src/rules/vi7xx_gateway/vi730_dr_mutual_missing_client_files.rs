use super::{at, dr_name, dr_tls};
use crate::gateway::Mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule TLS block with `mode: MUTUAL` that has no `credentialName`
    /// and lacks `clientCertificate`, `privateKey` or both.
    ///
    /// ## Why it breaks
    /// Without `credentialName`, MUTUAL origination reads the client certificate and key
    /// from files in the proxy's pod, and istiod's DestinationRule validation requires
    /// both paths ("client certificate required for mutual tls", "private key required
    /// for mutual tls"). The DestinationRule is rejected, so the egress gateway does not
    /// originate mutual TLS to the external service at all.
    ///
    /// ## How to fix
    /// Point `clientCertificate` and `privateKey` at the files the Vault Agent Injector
    /// renders in the gateway pod (a certificate and its key, issued together), or use
    /// `credentialName` with a Secret instead of files.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: partner-api, namespace: istio-egress}
    /// spec:
    ///   host: api.partner.example
    ///   workloadSelector:
    ///     matchLabels: {istio: egressgateway}
    ///   trafficPolicy:
    ///     tls:
    ///       mode: MUTUAL
    ///       clientCertificate: /vault/secrets/client.crt
    ///       caCertificates: /vault/secrets/ca.crt
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: partner-api, namespace: istio-egress}
    /// spec:
    ///   host: api.partner.example
    ///   workloadSelector:
    ///     matchLabels: {istio: egressgateway}
    ///   trafficPolicy:
    ///     tls:
    ///       mode: MUTUAL
    ///       clientCertificate: /vault/secrets/client.crt
    ///       privateKey: /vault/secrets/client.key
    ///       caCertificates: /vault/secrets/ca.crt
    /// ```
    code: "VI730",
    name: "dr-mutual-missing-client-files",
    severity: Error,
    title: "a DestinationRule with MUTUAL TLS and no credentialName lacks its client certificate or key file",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (dr, d, mode) in dr_tls(&t.inventory.destination_rules) {
        if mode != Mode::Mutual || d.tls.text("credentialName").is_some() {
            continue;
        }
        let missing: Vec<&str> = ["clientCertificate", "privateKey"]
            .into_iter()
            .filter(|k| d.tls.text(k).is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        out.emit_located(
            &at(&dr.at, &d.tls.place),
            format!(
                "{}, {}: MUTUAL `tls` has no {} and no `credentialName`, so istiod rejects the DestinationRule",
                d.scope,
                dr_name(dr),
                missing.join(" or ")
            ),
        )
        .help(format!(
            "set {} to the file{} the Vault Agent Injector renders in the gateway pod, or use `credentialName` instead of files",
            missing
                .iter()
                .map(|k| match *k {
                    "clientCertificate" => "`clientCertificate` (for example /vault/secrets/client.crt)",
                    _ => "`privateKey` (for example /vault/secrets/client.key)",
                })
                .collect::<Vec<_>>()
                .join(" and "),
            if missing.len() > 1 { "s" } else { "" }
        ));
    }
}
