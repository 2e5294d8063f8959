use super::pki::is_issue_path;
use crate::rules::vi1xx_injector::vault_flag;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a gateway workload with `vault.hashicorp.com/agent-pre-populate-only: "true"`
    /// whose templates issue certificates from Vault PKI (`secret "<mount>/issue/<role>"`
    /// or `pkiCert`).
    ///
    /// ## Why it breaks
    /// Pre-populate-only runs the agent once, as an init container, and adds no sidecar.
    /// With the sidecar, the agent issues a fresh certificate at about 90% of its lifetime
    /// and pilot-agent picks up the new file; without it nothing renews, and the gateway
    /// serves the certificate until it expires, then every handshake fails.
    ///
    /// ## How to fix
    /// Remove `agent-pre-populate-only` so the agent sidecar renews the certificate, or
    /// serve long-lived certificates from KV (and rotate them by restarting the gateway).
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-pre-populate-only: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: pki/issue/ingress
    ///   vault.hashicorp.com/agent-inject-template-tls.crt: |
    ///     {{- with secret "pki/issue/ingress" "common_name=shop.example.com" -}}
    ///     {{ .Data.certificate }}
    ///     {{ .Data.issuing_ca }}
    ///     {{- end }}
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
    /// ```
    code: "VI717",
    name: "prepopulate-only-with-expiring-cert",
    severity: Warning,
    title: "certificates issued from Vault PKI once, with no agent sidecar to renew them",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for w in &t.inventory.workloads {
        let Some(a) = vault_flag(&w.spec, "agent-pre-populate-only", true) else {
            continue;
        };
        let injector = crate::injector::InjectorConfig::from_spec(&w.spec);
        let issued: Vec<&str> = injector
            .secrets
            .iter()
            .filter(|s| {
                let reads_issue = s.parsed.as_ref().is_some_and(|p| {
                    p.secret_reads
                        .iter()
                        .any(|r| r.path.as_deref().is_some_and(is_issue_path))
                });
                let pki_cert = s
                    .template
                    .and_then(|t| t.text())
                    .is_some_and(|t| t.contains("pkiCert"));
                reads_issue || pki_cert
            })
            .map(|s| s.file_name())
            .collect();
        if issued.is_empty() {
            continue;
        }
        let at = w.at(a.place());
        out.emit_located(
            &at,
            format!(
                "gateway {} issues {} from Vault PKI once, at start: with pre-populate-only no agent sidecar renews them, so the gateway serves them until they expire",
                w.who(),
                issued.join(", ")
            ),
        )
        .help("remove `agent-pre-populate-only` so the agent sidecar renews the certificate before it expires");
    }
}
