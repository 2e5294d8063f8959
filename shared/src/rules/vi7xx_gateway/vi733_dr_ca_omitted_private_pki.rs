use super::{at, dr_name, dr_tls};
use crate::gateway::{CLIENT_FILE_FIELDS, Mode};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule TLS block with `mode: SIMPLE` or `MUTUAL`, no
    /// `credentialName` and no `caCertificates`, when its files point to a private PKI:
    /// a MUTUAL client certificate or key file, or any file path under `/vault/` (where
    /// the Vault Agent Injector renders).
    ///
    /// ## Why it breaks
    /// When `caCertificates` is empty, istiod gives the proxy the `file-root:system` SDS
    /// resource: the server's certificate is checked against the operating system's
    /// public roots in the proxy image. A server whose certificate was issued by Vault's
    /// PKI engine (or any private CA) does not chain to those roots, so the handshake
    /// fails with an unknown-CA error even though the client certificate is fine.
    /// Client files from Vault make a private server CA likely, not certain: a server
    /// with a publicly trusted certificate is verified correctly by the OS roots.
    ///
    /// ## How to fix
    /// Render the CA that issued the server's certificate into the gateway pod (for a
    /// Vault PKI mount, its `issuing_ca` or `ca_chain`) and set `caCertificates` to that
    /// file. If the server's certificate really is publicly trusted, ignore VI733 on this
    /// object with the `vault-istio.io/ignore: VI733` annotation.
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
    ///       privateKey: /vault/secrets/client.key
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
    code: "VI733",
    name: "dr-ca-omitted-private-pki",
    severity: Warning,
    title: "a DestinationRule with Vault or client certificate files has no caCertificates, so the OS roots verify the server",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (dr, d, mode) in dr_tls(&t.inventory.destination_rules) {
        let tls = &d.tls;
        if !matches!(mode, Mode::Simple | Mode::Mutual)
            || tls.text("credentialName").is_some()
            || tls.text("caCertificates").is_some()
            || tls
                .text("insecureSkipVerify")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            continue;
        }
        let files = tls.files(CLIENT_FILE_FIELDS);
        let client_files = mode == Mode::Mutual
            && files
                .iter()
                .any(|f| matches!(f.key.as_str(), "clientCertificate" | "privateKey"));
        let vault_path = files
            .iter()
            .any(|f| f.text.as_deref().is_some_and(|p| p.starts_with("/vault/")));
        if !client_files && !vault_path {
            continue;
        }
        let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        out.emit_located(
            &at(&dr.at, &tls.place),
            format!(
                "{}, {}: {} `tls` has {} but no `caCertificates`, so the server is verified against the proxy's OS roots (`file-root:system`) and a server certificate from Vault PKI or another private CA fails verification",
                d.scope,
                dr_name(dr),
                mode.as_str(),
                names.join(", ")
            ),
        )
        .help(
            "render the CA that issued the server's certificate (for Vault PKI, `issuing_ca` or `ca_chain`) into the gateway pod and set `caCertificates` to that file; if the server's certificate is publicly trusted, ignore VI733 on this object",
        );
    }
}
