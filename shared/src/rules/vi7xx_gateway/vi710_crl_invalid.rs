use super::{at, credential_in_effect, gateway_name, port_label, server_tls, version_note};
use crate::finding::Severity;
use crate::gateway::Mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `caCrl` that cannot work where it is:
    ///
    /// - on Istio before 1.22, which has no such field;
    /// - under `mode: SIMPLE` with certificate files;
    /// - next to a `credentialName`.
    ///
    /// ## Why it breaks
    /// A certificate revocation list is checked against *client* certificates, so it only
    /// means something when the gateway validates clients (`MUTUAL`, `OPTIONAL_MUTUAL`,
    /// `ISTIO_MUTUAL`).
    ///
    /// - istiod rejects `caCrl` under `SIMPLE` ("CRL is not supported with SIMPLE TLS"),
    ///   and rejects it with a `credentialName` when it gets that far ("CRL is not
    ///   supported with credentialName. CRL has to be specified in the credential"), which
    ///   happens under `PASSTHROUGH`.
    /// - Under `SIMPLE`, `MUTUAL` or `OPTIONAL_MUTUAL` with a credential, istiod stops
    ///   validating once it sees the credential, so the Gateway is accepted. But the
    ///   credential path never reads `caCrl`: no revocation is checked.
    /// - The field arrived in Istio 1.22. Older Gateway CRDs do not know it: the API
    ///   server refuses the object as an unknown field under strict field validation
    ///   (kubectl's default), or drops the field, and nothing is revoked.
    ///
    /// ## How to fix
    /// Use `caCrl` under `MUTUAL` or `OPTIONAL_MUTUAL` with `caCertificates`, and Istio
    /// 1.22 or newer. With a `credentialName`, put the CRL in the credential's Secret under
    /// the `ca.crl` key instead.
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
    ///         caCrl: /vault/secrets/ca.crl
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
    ///         caCrl: /vault/secrets/ca.crl
    /// ```
    code: "VI710",
    name: "crl-invalid",
    severity: Error,
    title: "caCrl under SIMPLE, with credentialName, or before Istio 1.22 is rejected or never checked",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let version = t.istio_version;
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let (Some(field), Some(_)) = (tls.field("caCrl"), tls.text("caCrl")) else {
            continue;
        };
        let head = format!("{}, {}", port_label(server), gateway_name(gw));
        let here = at(&gw.at, &field.place);
        if !version.at_least(1, 22) {
            out.emit_located(
                &here,
                format!(
                    "{head}: caCrl does not exist before Istio 1.22 ({}): the API server refuses it as an unknown field under strict field validation, or drops it, so no CRL is checked",
                    version_note(t)
                ),
            )
            .help("upgrade to Istio 1.22 or newer to check a CRL, or remove caCrl");
            continue;
        }
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        let credential = credential_in_effect(tls, version);
        match mode {
            Mode::Simple | Mode::Mutual | Mode::OptionalMutual if credential.is_some() => {
                let cred = credential
                    .map(|c| c.key.as_str())
                    .unwrap_or("credentialName");
                out.emit_located(
                    &here,
                    format!(
                        "{head}: caCrl is never read with a {cred}: istiod accepts the Gateway because it stops validating once the credential is set, but the credential path ignores caCrl, so no revocation is checked"
                    ),
                )
                .severity(Severity::Warning)
                .help("put the CRL in the credential's Secret under the `ca.crl` key, or drop the credential to serve the Vault files with caCrl");
            }
            Mode::Simple => {
                out.emit_located(
                    &here,
                    format!(
                        "{head}: caCrl under `mode: SIMPLE`, which checks no client certificate, so istiod rejects the Gateway (\"CRL is not supported with SIMPLE TLS\")"
                    ),
                )
                .help("use `mode: MUTUAL` with caCertificates to check client certificates against the CRL, or remove caCrl");
            }
            Mode::Passthrough | Mode::AutoPassthrough if tls.text("credentialName").is_some() => {
                out.emit_located(
                    &here,
                    format!(
                        "{head}: caCrl with a credentialName under `mode: {}`, so istiod rejects the Gateway (\"CRL is not supported with credentialName. CRL has to be specified in the credential\")",
                        mode.as_str()
                    ),
                )
                .help("remove caCrl (a passthrough server checks no client certificate); with a credential, the CRL goes in its Secret under `ca.crl`");
            }
            _ => {}
        }
    }
}
