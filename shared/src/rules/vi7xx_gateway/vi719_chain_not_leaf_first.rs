use super::pki::served_certificates;
use super::{gateway_name, port_label};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags the template of a Gateway server's `serverCertificate` when it prints the
    /// issuing CA or the CA chain of a Vault PKI issuance before the certificate itself.
    ///
    /// ## Why it breaks
    /// pilot-agent loads the file with the key (Go's `tls.LoadX509KeyPair`), which takes
    /// the first certificate as the leaf and requires it to match the private key. With
    /// the CA first, the pair does not match, the load fails ("failed to generate secret
    /// for proxy from file") and no certificate is served. consul-template's own `pkiCert`
    /// example writes the CA first, which is where the order often comes from.
    ///
    /// ## How to fix
    /// Print `.Data.certificate` first, then `.Data.issuing_ca` (or `.Data.ca_chain`).
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: pki/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.crt: |
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" -}}
    ///     {{ .Data.issuing_ca }}
    ///     {{ .Data.certificate }}
    ///     {{- end }}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: pki/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.crt: |
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" -}}
    ///     {{ .Data.certificate }}
    ///     {{ .Data.issuing_ca }}
    ///     {{- end }}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI719",
    name: "chain-not-leaf-first",
    severity: Error,
    title: "a served certificate file that starts with the CA instead of the leaf",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, src) in served_certificates(t) {
        let fields = src.printed_issue_fields();
        let Some(first) = fields
            .iter()
            .find(|f| matches!(f.as_str(), "certificate" | "issuing_ca" | "ca_chain"))
        else {
            continue;
        };
        if first == "certificate" {
            continue;
        }
        out.emit_located(
            &src.located(),
            format!(
                "{}, {}: the template of `{}` prints `.Data.{first}` before `.Data.certificate`, so the file starts with the CA and does not match the private key",
                port_label(server),
                gateway_name(gw),
                src.file.file_name()
            ),
        )
        .help("print `.Data.certificate` first, then the issuing CA or chain");
    }
}
