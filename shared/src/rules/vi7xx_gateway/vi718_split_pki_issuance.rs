use super::pki::{field_sources, issue_key};
use super::{gateway_name, port_label, server_tls};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway server whose certificate and private key files are rendered by
    /// templates that issue from Vault PKI separately: `secret "pki/issue/<role>"` calls
    /// with different arguments, or `pkiCert` in each template.
    ///
    /// ## Why it breaks
    /// Every `pki/issue` call creates a new key pair. consul-template shares one call only
    /// between templates whose `secret` path and arguments are identical; `pkiCert`
    /// dependencies are keyed by their output file, so two templates issue twice. The
    /// certificate file then holds one issuance and the key file another: pilot-agent
    /// fails to load the pair (the first certificate must match the key) and no
    /// certificate is served.
    ///
    /// ## How to fix
    /// Write the identical `secret "pki/issue/<role>" "common_name=…"` call, with the same
    /// arguments in the same order, in the certificate and the key template, so both
    /// render from one issuance.
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
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: pki/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.key: |
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" "ttl=24h" -}}
    ///     {{ .Data.private_key }}
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
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: pki/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.key: |
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" -}}
    ///     {{ .Data.private_key }}
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
    code: "VI718",
    name: "split-pki-issuance",
    severity: Error,
    title: "the certificate and the key come from separate PKI issuances",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let inv = t.inventory;
    for (gw, server, _) in server_tls(&inv.gateways) {
        let certs = field_sources(t, gw, server, "serverCertificate");
        let keys = field_sources(t, gw, server, "privateKey");
        for cert in &certs {
            let Some(key) = keys
                .iter()
                .find(|k| std::ptr::eq(k.workload, cert.workload))
            else {
                continue;
            };
            let why = match (cert.issue(), key.issue()) {
                (Some(c), Some(k)) if issue_key(c) != issue_key(k) => format!(
                    "`{}` and `{}` call `secret \"{}\"` with different arguments ({} vs {}), so each issues its own key pair",
                    cert.file.file_name(),
                    key.file.file_name(),
                    c.path.as_deref().unwrap_or_default(),
                    show(&c.extra_args),
                    show(&k.extra_args)
                ),
                _ if cert.uses_pki_cert()
                    && key.uses_pki_cert()
                    && cert.file.destination != key.file.destination =>
                {
                    format!(
                        "`{}` and `{}` each use `pkiCert`, which issues once per output file",
                        cert.file.file_name(),
                        key.file.file_name()
                    )
                }
                _ => continue,
            };
            out.emit_located(
                &key.located(),
                format!(
                    "{}, {}: {why}; the key will not match the certificate",
                    port_label(server),
                    gateway_name(gw)
                ),
            )
            .help("use the identical `secret \"pki/issue/<role>\" …` call (same arguments, same order) in both templates");
        }
    }
}

fn show(args: &[String]) -> String {
    if args.is_empty() {
        "none".into()
    } else {
        args.iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
