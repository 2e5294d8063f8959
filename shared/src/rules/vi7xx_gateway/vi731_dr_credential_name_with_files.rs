use super::{at, dr_name, dr_tls};
use crate::gateway::{CLIENT_FILE_FIELDS, Mode};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule TLS block with `mode: SIMPLE` or `MUTUAL` that sets
    /// `credentialName` together with `clientCertificate`, `privateKey`, `caCertificates`
    /// or `caCrl`.
    ///
    /// ## Why it breaks
    /// With `credentialName`, the client certificate, key and CA come from a Kubernetes
    /// Secret, and istiod's DestinationRule validation refuses any file field next to it
    /// ("cannot specify client certificates or CA certificate or CA CRL If credentialName
    /// is set"). The check applies to SIMPLE and MUTUAL, the modes that use
    /// `credentialName`. The whole DestinationRule is rejected, so no TLS origination
    /// happens, neither from the Secret nor from the Vault-rendered files.
    ///
    /// ## How to fix
    /// Keep one source: remove `credentialName` to use the files Vault renders in the
    /// gateway pod, or remove the file fields and put the certificate, key and CA
    /// (`ca.crt`) into the Secret.
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
    ///       credentialName: partner-client
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
    code: "VI731",
    name: "dr-credential-name-with-files",
    severity: Error,
    title: "a DestinationRule sets credentialName together with certificate file fields",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (dr, d, mode) in dr_tls(&t.inventory.destination_rules) {
        if !matches!(mode, Mode::Simple | Mode::Mutual) {
            continue;
        }
        let Some(credential) = d
            .tls
            .field("credentialName")
            .filter(|_| d.tls.text("credentialName").is_some())
        else {
            continue;
        };
        let files = d.tls.files(CLIENT_FILE_FIELDS);
        if files.is_empty() {
            continue;
        }
        let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        out.emit_located(
            &at(&dr.at, &credential.place),
            format!(
                "{}, {}: `credentialName` is set together with {}, so istiod rejects the DestinationRule",
                d.scope,
                dr_name(dr),
                names.join(", ")
            ),
        )
        .help(
            "keep one source: remove `credentialName` to use the Vault-rendered files, or remove the file fields and put the certificate, key and `ca.crt` in the Secret",
        );
    }
}
