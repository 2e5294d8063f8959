use super::{at, credential_in_effect, gateway_name, port_label, server_tls};
use crate::finding::Severity;
use crate::gateway::Mode;
use crate::injector::config::join_clean;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a certificate path that the gateway cannot use as written:
    ///
    /// - a `~` anywhere in `serverCertificate`, `privateKey` or `caCertificates`;
    /// - a relative path (one not starting with `/`), saying which file it really names.
    ///
    /// Only files the server really reads are judged: certificate and key when the mode
    /// terminates TLS, `caCertificates` and `caCrl` under `MUTUAL`/`OPTIONAL_MUTUAL`, and
    /// no `credentialName` taking precedence.
    ///
    /// ## Why it breaks
    /// Envoy does not open the certificate files itself. istiod turns them into SDS
    /// resource names, `file-cert:<certificate>~<key>` and `file-root:<ca>`, and
    /// pilot-agent in the gateway pod splits those names on `~` to find the paths again. A
    /// path with its own `~` splits into the wrong number of parts, the name is not
    /// recognised, and no certificate (or client CA) is served. There is no home-directory
    /// expansion either: `~/tls.crt` is not a path in the user's home.
    ///
    /// A relative path is opened from the working directory of pilot-agent (and of the
    /// Envoy it starts, which reads `caCrl`): `/`, the proxy image's working directory. So
    /// `tls.crt` means `/tls.crt`, not a file next to the Vault Agent's output, and the
    /// setting silently depends on the image.
    ///
    /// ## How to fix
    /// Write the absolute path the Vault Agent renders, such as `/vault/secrets/tls.crt`.
    /// If a directory or file name contains `~`, rename it (`agent-inject-file-<name>`, or
    /// the secret volume path).
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
    ///         serverCertificate: /vault/secrets/shop~tls.crt
    ///         privateKey: tls.key
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
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/shop-tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI707",
    name: "tls-file-path-invalid",
    severity: Error,
    title: "a certificate path with `~` breaks the SDS resource name; a relative one resolves against `/`",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        // (field, carried in an SDS resource name) for the files this mode reads.
        let used: &[(&str, bool)] = match mode {
            Mode::Simple => &[("serverCertificate", true), ("privateKey", true)],
            Mode::Mutual | Mode::OptionalMutual => &[
                ("serverCertificate", true),
                ("privateKey", true),
                ("caCertificates", true),
                ("caCrl", false),
            ],
            // ISTIO_MUTUAL still applies a CRL file to the mesh certificates.
            Mode::IstioMutual => &[("caCrl", false)],
            _ => continue,
        };
        if mode != Mode::IstioMutual && credential_in_effect(tls, t.istio_version).is_some() {
            continue; // the credential wins and the files are not read (VI704)
        }
        let head = format!("{}, {}", port_label(server), gateway_name(gw));
        for (key, in_sds_name) in used {
            let (Some(field), Some(path)) = (tls.field(key), tls.text(key)) else {
                continue;
            };
            if *in_sds_name && path.contains('~') {
                let (resource, lost) = if *key == "caCertificates" {
                    ("file-root:<ca>", "no client CA is loaded")
                } else {
                    ("file-cert:<certificate>~<key>", "no certificate is served")
                };
                let home = if path.starts_with('~') {
                    " (and `~` is not expanded to a home directory)"
                } else {
                    ""
                };
                out.emit_located(
                    &at(&gw.at, &field.place),
                    format!(
                        "{head}: `{key}: {path}` contains `~`, which separates the paths in the SDS resource name `{resource}`, so pilot-agent cannot parse the name and {lost}{home}"
                    ),
                )
                .help("use an absolute path without `~`: rename the rendered file (`agent-inject-file-<name>`) or the secret volume path, and name the new path here");
                continue;
            }
            if !path.starts_with('/') {
                let lands = join_clean("/", path);
                let reader = if *in_sds_name {
                    "pilot-agent resolves it"
                } else {
                    "Envoy resolves it"
                };
                let name = lands.rsplit('/').next().unwrap_or_default();
                out.emit_located(
                    &at(&gw.at, &field.place),
                    format!(
                        "{head}: `{key}: {path}` is a relative path; {reader} against its working directory `/`, so it names `{lands}`"
                    ),
                )
                .severity(Severity::Warning)
                .help(format!(
                    "write the absolute path the Vault Agent renders, for example `/vault/secrets/{name}`"
                ));
            }
        }
    }
}
