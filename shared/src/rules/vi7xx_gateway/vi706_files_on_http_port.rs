use super::{at, gateway_name, port_label};
use crate::gateway::{IstioGateway, Mode, Server};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway server whose port protocol and `tls` block disagree:
    ///
    /// - a plain-text HTTP port (`HTTP`, `HTTP2`, `HTTP_PROXY`, `GRPC`, `GRPC-WEB`) whose
    ///   `tls` names certificate files or sets a mode that terminates TLS;
    /// - a `TCP`, `UDP`, `MONGO`, `REDIS` or `MYSQL` port with any `tls` block;
    /// - an `HTTPS` or `TLS` port with no `tls` block at all.
    ///
    /// ## Why it breaks
    /// istiod validates the pair. An HTTP port may carry `tls` only to redirect clients to
    /// HTTPS (`httpsRedirect`), without certificates; anything more is rejected with
    /// "server cannot have TLS settings for plain text HTTP ports". Other non-TLS protocols
    /// may not carry `tls` at all ("server cannot have TLS settings for non HTTPS/TLS
    /// ports"), and an HTTPS or TLS port without it is rejected too ("server must have TLS
    /// settings for HTTPS/TLS protocols"). A rejected Gateway configures none of its
    /// servers, so the Vault-rendered certificate is never served.
    ///
    /// ## How to fix
    /// Terminate TLS on a port whose protocol is `HTTPS` (or `TLS` for raw TCP) with
    /// `mode: SIMPLE` and the certificate files. On the plain HTTP port keep at most
    /// `tls: {httpsRedirect: true}`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-ingress}
    /// spec:
    ///   selector: {istio: ingress}
    ///   servers:
    ///     - port: {number: 443, name: web, protocol: HTTP}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
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
    ///     - port: {number: 80, name: http, protocol: HTTP}
    ///       hosts: ["shop.example.com"]
    ///       tls: {httpsRedirect: true}
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI706",
    name: "files-on-http-port",
    severity: Error,
    title: "a plain-text port with TLS settings, or an HTTPS/TLS port without them, is rejected",
    since: "0.1.0",
    Gateways: check,
}

/// The fields istiod refuses on a plain-text HTTP port (`caCrl` is not among them).
const HTTP_FORBIDDEN: &[&str] = &["serverCertificate", "privateKey", "caCertificates"];

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for gw in &t.inventory.gateways {
        for server in &gw.servers {
            let Some(protocol) = server.protocol.as_deref() else {
                continue;
            };
            let head = format!("{}, {}", port_label(server), gateway_name(gw));
            match protocol {
                "HTTPS" | "TLS" => {
                    if server.tls.is_some() || tls_malformed(t, gw, server) {
                        continue;
                    }
                    let place = server.protocol_place.as_ref().unwrap_or(&server.place);
                    out.emit_located(
                        &at(&gw.at, place),
                        format!(
                            "{head}: no `tls` block, so istiod rejects the Gateway (\"server must have TLS settings for HTTPS/TLS protocols\")"
                        ),
                    )
                    .help("add `tls` with `mode: SIMPLE`, serverCertificate and privateKey (the files the Vault Agent renders), or use protocol HTTP for plain text");
                }
                "HTTP" | "HTTP2" | "HTTP_PROXY" | "GRPC" | "GRPC-WEB" => {
                    let Some(tls) = &server.tls else { continue };
                    let Some(mode) = tls.mode(Mode::Passthrough) else {
                        continue;
                    };
                    let files: Vec<&str> = tls
                        .files(HTTP_FORBIDDEN)
                        .iter()
                        .map(|f| f.key.as_str())
                        .collect();
                    let passthrough = matches!(mode, Mode::Passthrough | Mode::AutoPassthrough);
                    if passthrough && files.is_empty() {
                        continue; // `httpsRedirect` alone is what istiod allows
                    }
                    let what = if files.is_empty() {
                        format!("`mode: {}`", mode.as_str())
                    } else {
                        files.join(", ")
                    };
                    out.emit_located(
                        &at(&gw.at, &tls.place),
                        format!(
                            "{head}: `tls` on a plain-text {protocol} port has {what}, so istiod rejects the Gateway (\"server cannot have TLS settings for plain text HTTP ports\")"
                        ),
                    )
                    .help("terminate TLS on a port with protocol HTTPS (443 by convention); on the HTTP port keep at most `tls: {httpsRedirect: true}`");
                }
                "TCP" | "UDP" | "MONGO" | "REDIS" | "MYSQL" => {
                    let Some(tls) = &server.tls else { continue };
                    out.emit_located(
                        &at(&gw.at, &tls.place),
                        format!(
                            "{head}: a `tls` block on a {protocol} port, so istiod rejects the Gateway (\"server cannot have TLS settings for non HTTPS/TLS ports\")"
                        ),
                    )
                    .help("use protocol TLS to terminate TLS and forward the plain TCP stream, or remove `tls`");
                }
                _ => {}
            }
        }
    }
}

/// True when the server has a `tls` key that `read` could not take (reported elsewhere).
fn tls_malformed(t: &GatewayTarget<'_>, gw: &IstioGateway, server: &Server) -> bool {
    let prefix = format!("{}.tls", server.place.path);
    t.inventory.malformed.iter().any(|m| {
        m.at.file == gw.at.file
            && m.at.document == gw.at.document
            && (m.at.place.path == prefix || m.at.place.path.starts_with(&format!("{prefix}.")))
    })
}
