use super::pki::served_certificates;
use super::{gateway_name, port_label};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags the template of a Gateway server's `serverCertificate` when it prints only
    /// the certificate of a Vault PKI issuance, without `.Data.issuing_ca` or
    /// `.Data.ca_chain`.
    ///
    /// ## Why it breaks
    /// Vault PKI returns the leaf (`certificate`), its issuer (`issuing_ca`) and the chain
    /// (`ca_chain`) as separate fields. The gateway sends what is in the file; with the
    /// leaf alone, a client that trusts only the root cannot build the path through the
    /// intermediate and fails with "unable to get local issuer certificate". Istio does
    /// not send `caCertificates` to clients under SIMPLE, so putting the chain there does
    /// not help.
    ///
    /// ## How to fix
    /// Print the chain after the leaf in the certificate file: `.Data.certificate`, then
    /// `.Data.issuing_ca` (one intermediate) or the `.Data.ca_chain` entries.
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: pki_int/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.crt: |
    ///     {{- with secret "pki_int/issue/ingress" "common_name=shop.example.com" -}}
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
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: pki_int/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.crt: |
    ///     {{- with secret "pki_int/issue/ingress" "common_name=shop.example.com" -}}
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
    code: "VI720",
    name: "leaf-without-chain",
    severity: Warning,
    title: "a served certificate file with the PKI leaf but not its chain",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, src) in served_certificates(t) {
        let fields = src.printed_issue_fields();
        let leaf = fields.iter().any(|f| f == "certificate");
        let chain = fields.iter().any(|f| f == "issuing_ca" || f == "ca_chain");
        if !leaf || chain {
            continue;
        }
        out.emit_located(
            &src.located(),
            format!(
                "{}, {}: the template of `{}` prints the certificate without `.Data.issuing_ca` or `.Data.ca_chain`, so clients that trust only the root cannot verify it",
                port_label(server),
                gateway_name(gw),
                src.file.file_name()
            ),
        )
        .help("print `.Data.issuing_ca` (or the `.Data.ca_chain` entries) after `.Data.certificate`");
    }
}
