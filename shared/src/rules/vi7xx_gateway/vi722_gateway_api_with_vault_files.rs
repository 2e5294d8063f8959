use super::at;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway API `Gateway` (gateway.networking.k8s.io) whose
    /// `spec.infrastructure.annotations` ask the Vault Agent Injector to render files.
    ///
    /// ## Why it breaks
    /// Istio copies infrastructure annotations onto the gateway pods it deploys, so the
    /// files do get rendered, but a Gateway API listener can only take certificates from
    /// `certificateRefs` (Kubernetes Secrets); Istio explicitly does not support file
    /// mounted certificates there. The Vault files are never served.
    ///
    /// ## How to fix
    /// To serve Vault-rendered files, use an Istio `Gateway` (networking.istio.io) with
    /// `serverCertificate`/`privateKey` paths on a gateway deployed by the `istio/gateway`
    /// chart. To stay with the Gateway API, sync the certificate into a Secret (for
    /// example with the Vault Secrets Operator) and reference it in `certificateRefs`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
    /// spec:
    ///   gatewayClassName: istio
    ///   infrastructure:
    ///     annotations:
    ///       vault.hashicorp.com/agent-inject: "true"
    ///       vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    ///   listeners:
    ///     - {name: https, port: 443, protocol: HTTPS}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
    /// spec:
    ///   gatewayClassName: istio
    ///   listeners:
    ///     - name: https
    ///       port: 443
    ///       protocol: HTTPS
    ///       tls:
    ///         certificateRefs: [{name: shop-tls}]
    /// ```
    code: "VI722",
    name: "gateway-api-with-vault-files",
    severity: Warning,
    title: "files rendered by Vault on a Gateway API gateway, whose listeners cannot use them",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for g in &t.inventory.kube_gateways {
        let mut renders: Vec<&str> = g
            .annotations
            .iter()
            .filter_map(|a| a.vault_name())
            .filter_map(|n| {
                n.strip_prefix("agent-inject-secret-")
                    .or_else(|| n.strip_prefix("agent-inject-template-"))
            })
            .collect();
        renders.sort_unstable();
        renders.dedup();
        let Some(first) = g.annotations.iter().find(|a| {
            a.vault_name().is_some_and(|n| {
                n.starts_with("agent-inject-secret-") || n.starts_with("agent-inject-template-")
            })
        }) else {
            continue;
        };
        out.emit_located(
            &at(&g.at, &first.key_place()),
            format!(
                "the injector renders {} file{} into the pods of Gateway API gateway {}, but its listeners take certificates only from certificateRefs Secrets, so the files are never served",
                renders.len(),
                if renders.len() == 1 { "" } else { "s" },
                g.name
            ),
        )
        .help("serve Vault files through an Istio Gateway (networking.istio.io) on an istio/gateway chart deployment, or sync the certificate into a Secret for certificateRefs");
    }
}
