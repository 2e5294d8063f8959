use super::{at, gateway_name, port_label, server_tls, tls_certificates};
use crate::finding::Severity;
use crate::gateway::{Mode, SERVER_FILE_FIELDS};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags certificate files on a Gateway server whose `mode` does not use them:
    /// `ISTIO_MUTUAL`, `PASSTHROUGH` or `AUTO_PASSTHROUGH`, set explicitly. (A `tls` block
    /// without `mode` is VI702's case.)
    ///
    /// ## Why it breaks
    /// - `ISTIO_MUTUAL` terminates TLS with the mesh's own workload certificate, the one
    ///   sidecars use to reach an egress gateway. istiod rejects a server in this mode that
    ///   also names `serverCertificate`, `privateKey`, `caCertificates` or (from 1.27)
    ///   `tlsCertificates`, one error per field ("ISTIO_MUTUAL TLS cannot have associated
    ///   server certificate"…), so the whole Gateway is refused. (`caCrl` is allowed: it
    ///   is applied to the mesh certificates.)
    /// - `PASSTHROUGH` and `AUTO_PASSTHROUGH` never terminate TLS, so the gateway has no
    ///   use for a certificate. istiod only warns that "they will be ignored"; the
    ///   Vault-rendered files are dead weight and the backend's own certificate is what
    ///   clients see.
    ///
    /// ## How to fix
    /// To serve the Vault-rendered certificate, use `mode: SIMPLE` (or `MUTUAL` to require
    /// client certificates). Otherwise remove the file fields: `ISTIO_MUTUAL` needs none,
    /// and passthrough leaves TLS to the backend.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: egress, namespace: istio-egress}
    /// spec:
    ///   selector: {istio: egressgateway}
    ///   servers:
    ///     - port: {number: 443, name: tls, protocol: TLS}
    ///       hosts: ["api.example.com"]
    ///       tls:
    ///         mode: ISTIO_MUTUAL
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: egress, namespace: istio-egress}
    /// spec:
    ///   selector: {istio: egressgateway}
    ///   servers:
    ///     - port: {number: 443, name: tls, protocol: TLS}
    ///       hosts: ["api.example.com"]
    ///       tls:
    ///         mode: ISTIO_MUTUAL
    /// ```
    code: "VI705",
    name: "files-on-istio-mutual-or-passthrough",
    severity: Error,
    title: "certificate files under ISTIO_MUTUAL are rejected, under PASSTHROUGH ignored",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let Some(mode_field) = &tls.mode_field else {
            continue; // no `mode`: VI702
        };
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        let head = format!("{}, {}", port_label(server), gateway_name(gw));
        match mode {
            Mode::IstioMutual => {
                let what = [
                    ("serverCertificate", "server certificate"),
                    ("privateKey", "private key"),
                    ("caCertificates", "CA bundle"),
                ];
                let mut names: Vec<&str> = Vec::new();
                let mut quoted: Vec<&str> = Vec::new();
                for f in &tls.fields {
                    if let Some((_, noun)) = what.iter().find(|(k, _)| *k == f.key)
                        && tls.text(&f.key).is_some()
                    {
                        names.push(&f.key);
                        quoted.push(noun);
                    }
                }
                // Istio 1.26 has the field in its CRD but ignores it; 1.27 rejects it.
                if tls_certificates(tls).is_some() && t.istio_version.at_least(1, 27) {
                    names.push("tlsCertificates");
                    quoted.push("tlsCertificates");
                }
                if names.is_empty() {
                    continue;
                }
                let errors: Vec<String> = quoted
                    .iter()
                    .map(|q| format!("ISTIO_MUTUAL TLS cannot have associated {q}"))
                    .collect();
                out.emit_located(
                    &at(&gw.at, &mode_field.place),
                    format!(
                        "{head}: `mode: ISTIO_MUTUAL` uses the mesh certificates, yet `tls` names {}, so istiod rejects the Gateway (\"{}\")",
                        names.join(", "),
                        errors.join("\"; \"")
                    ),
                )
                .help("remove the file fields to keep ISTIO_MUTUAL (sidecar-to-gateway mTLS), or use `mode: SIMPLE`/`MUTUAL` to serve the Vault-rendered certificate");
            }
            Mode::Passthrough | Mode::AutoPassthrough => {
                let mut names: Vec<&str> = tls
                    .files(SERVER_FILE_FIELDS)
                    .iter()
                    .map(|f| f.key.as_str())
                    .collect();
                if tls_certificates(tls).is_some() {
                    names.push("tlsCertificates");
                }
                if names.is_empty() {
                    continue;
                }
                let verb = if names.len() == 1 { "is" } else { "are" };
                out.emit_located(
                    &at(&gw.at, &mode_field.place),
                    format!(
                        "{head}: `mode: {m}` forwards TLS without terminating it, so {} {verb} ignored (istiod warns \"{m} mode does not use certificates, they will be ignored\")",
                        names.join(", "),
                        m = mode.as_str()
                    ),
                )
                .severity(Severity::Warning)
                .help("use `mode: SIMPLE` (or `MUTUAL`) to terminate TLS with the Vault-rendered files, or remove the file fields to pass TLS through to the backend");
            }
            _ => {}
        }
    }
}
