use super::pki::{issue_arg, served_certificates};
use super::{at, covers, gateway_name, host_name, port_label};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the names a Vault PKI issuance asks for (`common_name=` and `alt_names=`
    /// in the template's `secret "<mount>/issue/<role>"` call) with the `hosts` of the
    /// Gateway server that serves the certificate, and flags hosts no name covers.
    ///
    /// ## Why it breaks
    /// Clients check that the certificate names the host they connect to. A host the
    /// certificate does not cover fails with a name mismatch, although the gateway
    /// routes it. (The PKI role's `allowed_domains` may also refuse names; that needs
    /// Vault, which `audit --vault` reads.)
    ///
    /// ## How to fix
    /// Add the host to `alt_names` (comma-separated) in the issuance call, or use a
    /// wildcard the role allows (`*.example.com` covers `shop.example.com`).
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
    ///       hosts: ["shop.example.com", "api.example.com"]
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
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" "alt_names=api.example.com" -}}
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
    ///       hosts: ["shop.example.com", "api.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI721",
    name: "cert-san-misses-gateway-hosts",
    severity: Warning,
    title: "the PKI issuance does not name every host the Gateway serves with it",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, src) in served_certificates(t) {
        let Some(issue) = src.issue() else { continue };
        let mut names: Vec<String> = Vec::new();
        if let Some(cn) = issue_arg(issue, "common_name") {
            names.push(cn.trim().to_string());
        }
        if let Some(alt) = issue_arg(issue, "alt_names") {
            names.extend(
                alt.split(',')
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
            );
        }
        if names.is_empty() {
            continue; // no literal names: nothing to compare
        }
        for (host, place) in &server.hosts {
            let name = host_name(host);
            if name == "*" || names.iter().any(|n| covers(n, name)) {
                continue;
            }
            out.emit_located(
                &at(&gw.at, place),
                format!(
                    "{}, {}: host `{name}` is not among the names `{}` asks Vault PKI for ({}), so clients reaching it get a certificate name mismatch",
                    port_label(server),
                    gateway_name(gw),
                    src.file.file_name(),
                    names.join(", ")
                ),
            )
            .help(format!("add `{name}` to `alt_names` in the `secret \"{}\"` call", issue.path.as_deref().unwrap_or_default()));
        }
    }
}
