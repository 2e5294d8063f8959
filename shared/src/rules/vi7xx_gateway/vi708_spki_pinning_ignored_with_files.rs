use super::{at, credential_in_effect, gateway_name, port_label, server_tls, tls_certificates};
use crate::gateway::{Mode, SERVER_FILE_FIELDS};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `verifyCertificateSpki` or `verifyCertificateHash` on a Gateway server that
    /// takes its certificates from files (no `credentialName`).
    ///
    /// ## Why it breaks
    /// The two lists pin the client certificates the gateway accepts. istiod hands them to
    /// Envoy on one path only: a `credentialName` under `MUTUAL` or `OPTIONAL_MUTUAL`. When
    /// the certificate comes from files (`serverCertificate`, `privateKey`,
    /// `caCertificates`), istiod builds the client validation without them, silently, and
    /// validation does not complain. Every client certificate the CA in `caCertificates`
    /// signed is accepted, not just the pinned ones. Under `SIMPLE` no client certificate
    /// is asked for at all.
    ///
    /// ## How to fix
    /// With files, restrict clients by what is honoured: `mode: MUTUAL` with
    /// `subjectAltNames` (checked against the client certificate), or a client CA in
    /// `caCertificates` that issues only the clients you trust. Or drop the pins, so the
    /// configuration says what it does.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: partners, namespace: istio-ingress}
    /// spec:
    ///   selector: {istio: ingress}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["partners.example.com"]
    ///       tls:
    ///         mode: MUTUAL
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    ///         caCertificates: /vault/secrets/ca.crt
    ///         verifyCertificateSpki:
    ///           - "Xz3ySN9lULcLyeDG2jZnEbUnm6hgtvx3iGKBnWQnhqY="
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: partners, namespace: istio-ingress}
    /// spec:
    ///   selector: {istio: ingress}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["partners.example.com"]
    ///       tls:
    ///         mode: MUTUAL
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    ///         caCertificates: /vault/secrets/ca.crt
    ///         subjectAltNames: ["billing.partner.example"]
    /// ```
    code: "VI708",
    name: "spki-pinning-ignored-with-files",
    severity: Warning,
    title: "verifyCertificateSpki/Hash with certificate files is silently ignored, so clients are not pinned",
    since: "0.1.0",
    Gateways: check,
}

const PINS: &[&str] = &["verifyCertificateSpki", "verifyCertificateHash"];

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        if !matches!(mode, Mode::Simple | Mode::Mutual | Mode::OptionalMutual) {
            continue;
        }
        if credential_in_effect(tls, t.istio_version).is_some() {
            continue;
        }
        if tls.files(SERVER_FILE_FIELDS).is_empty() && tls_certificates(tls).is_none() {
            continue; // no file certificates: VI703's case
        }
        for key in PINS {
            let Some(field) = tls.field(key) else {
                continue;
            };
            let count = if field.items.is_empty() {
                usize::from(field.text.as_deref().is_some_and(|s| !s.is_empty()))
            } else {
                field.items.len()
            };
            if count == 0 {
                continue;
            }
            let consequence = if mode == Mode::Simple {
                "under `mode: SIMPLE` no client certificate is asked for at all".to_string()
            } else {
                "any client certificate signed by the CA in caCertificates is accepted".to_string()
            };
            out.emit_located(
                &at(&gw.at, &field.place),
                format!(
                    "{}, {}: {key} is ignored: this server uses certificate files, and istiod passes client pins to Envoy only with a credentialName under MUTUAL/OPTIONAL_MUTUAL; {consequence}",
                    port_label(server),
                    gateway_name(gw),
                ),
            )
            .help("with files, restrict clients with `mode: MUTUAL` plus subjectAltNames (honoured with files), or a client CA that issues only trusted clients; or remove the pins");
        }
    }
}
