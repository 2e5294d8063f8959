use super::{at, dr_name, dr_tls};
use crate::gateway::{CLIENT_FILE_FIELDS, Mode};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule TLS block with `mode: ISTIO_MUTUAL` that also sets
    /// `clientCertificate`, `privateKey`, `caCertificates` or `caCrl`.
    ///
    /// ## Why it breaks
    /// ISTIO_MUTUAL means mesh mTLS: the proxy presents its own Istio workload
    /// certificate and verifies the peer against the mesh root. istiod builds that TLS
    /// context from the mesh's SDS resources and never looks at the file fields, and its
    /// validation does not complain about them. The Vault-rendered files are silently
    /// ignored: an external server that expects the Vault-issued client certificate
    /// receives the mesh certificate instead and refuses it, and a private server CA in
    /// `caCertificates` is not used.
    ///
    /// ## How to fix
    /// To originate TLS to an external service with the Vault files, use `mode: MUTUAL`
    /// (or SIMPLE for server-only TLS). For the sidecar-to-egress-gateway hop, which
    /// should stay ISTIO_MUTUAL, remove the file fields.
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
    ///       mode: ISTIO_MUTUAL
    ///       clientCertificate: /vault/secrets/client.crt
    ///       privateKey: /vault/secrets/client.key
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
    code: "VI734",
    name: "dr-istio-mutual-with-files",
    severity: Warning,
    title: "a DestinationRule with ISTIO_MUTUAL names certificate files, which are ignored",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (dr, d, mode) in dr_tls(&t.inventory.destination_rules) {
        if mode != Mode::IstioMutual {
            continue;
        }
        let files = d.tls.files(CLIENT_FILE_FIELDS);
        if files.is_empty() {
            continue;
        }
        let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        let place = d.tls.mode_field.as_ref().map_or(&d.tls.place, |m| &m.place);
        out.emit_located(
            &at(&dr.at, place),
            format!(
                "{}, {}: ISTIO_MUTUAL ignores {}; the proxy sends its mesh certificate and checks the peer against the mesh root instead",
                d.scope,
                dr_name(dr),
                names.join(", ")
            ),
        )
        .help(
            "use `mode: MUTUAL` to originate TLS with the Vault-rendered files, or remove the file fields where mesh mTLS (ISTIO_MUTUAL) is meant",
        );
    }
}
