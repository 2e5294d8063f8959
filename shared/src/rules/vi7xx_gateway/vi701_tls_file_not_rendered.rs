use super::{at, gateway_name, port_label, rendered_files, resolved, server_tls, used_files};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a certificate file a Gateway server names that no gateway pod it selects has:
    /// none of the Vault Agent Injector annotations on those pods renders that path.
    ///
    ///
    /// Only judged when Vault is in play: some selected pod carries Vault injector
    /// annotations, or the path is under `/vault/`. A certificate mounted from a Secret
    /// volume on gateways without the injector is not this tool's business.
    ///
    /// ## Why it breaks
    /// Envoy never opens the files itself: pilot-agent in the gateway pod reads them and
    /// serves them over SDS. When the path does not exist there, pilot-agent logs "failed
    /// to generate secret for proxy from file", retries, and the listener never gets a
    /// certificate, so clients see TLS handshake failures. The Gateway validates fine:
    /// neither istiod nor `istioctl analyze` looks at file paths.
    ///
    /// ## How to fix
    /// Use the exact path the injector writes: `<secret-volume-path>/<name>` for an
    /// `agent-inject-secret-<name>` / `agent-inject-template-<name>` pair (the volume path
    /// defaults to `/vault/secrets`), or the `agent-inject-file-<name>` target. Or add the
    /// annotations that render the missing file to the gateway's `podAnnotations`.
    ///
    /// ## Example
    /// ```yaml
    /// # istio/gateway chart values
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/role: ingress
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/cert.pem
    ///         privateKey: /vault/secrets/key.pem
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # istio/gateway chart values
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/role: ingress
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
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
    code: "VI701",
    name: "tls-file-not-rendered",
    severity: Error,
    title: "a Gateway names a certificate file that no gateway pod it selects renders",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let inv = t.inventory;
    for (gw, server, tls) in server_tls(&inv.gateways) {
        let selected = inv.selected(gw, t.scoped_to_namespace);
        if selected.is_empty() {
            continue; // VI711's case, or no gateway workload among the inputs
        }
        let vault_in_play = selected
            .iter()
            .any(|w| w.spec.annotations.iter().any(|a| a.vault_name().is_some()));
        for field in used_files(tls, t.istio_version) {
            let written = field.text.as_deref().unwrap_or_default();
            let path = resolved(written);
            if !vault_in_play && !path.starts_with("/vault/") {
                continue; // a file from another volume, on gateways without the injector
            }
            let shown = if written == path {
                format!("`{}: {path}`", field.key)
            } else {
                format!("`{}: {written}` (pilot-agent reads {path})", field.key)
            };
            let renders = |w: &&crate::gateway::GatewayWorkload| rendered_files(w).contains(&path);
            if selected.iter().any(renders) {
                continue; // some pods have it: VI713 judges the others
            }
            let what: Vec<String> = selected
                .iter()
                .map(|w| {
                    let files = rendered_files(w);
                    if files.is_empty() {
                        format!("{} renders no file", w.who())
                    } else {
                        format!("{} renders {}", w.who(), files.join(", "))
                    }
                })
                .collect();
            let nearest = selected
                .iter()
                .flat_map(|w| rendered_files(w))
                .filter(|f| {
                    f.rsplit('/').next() == path.rsplit('/').next()
                        || f.rsplit_once('/').map(|x| x.0) == path.rsplit_once('/').map(|x| x.0)
                })
                .collect::<Vec<_>>();
            let f = out.emit_located(
                &at(&gw.at, &field.place),
                format!(
                    "{}, {}: {shown} is not rendered on the gateway pods it selects ({}), so pilot-agent has no certificate to serve",
                    port_label(server),
                    gateway_name(gw),
                    what.join("; ")
                ),
            );
            match nearest.first() {
                Some(n) => f.help(format!("did you mean `{n}`? Paths must match the injector's files exactly")),
                None => f.help("render it with `vault.hashicorp.com/agent-inject-secret-<file>` and `agent-inject-template-<file>` on the gateway pods, or point at a file they render"),
            };
        }
    }
}
