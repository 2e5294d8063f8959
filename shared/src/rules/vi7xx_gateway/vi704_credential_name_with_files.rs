use super::{
    at, credential_in_effect, gateway_name, port_label, server_tls, tls_certificates, version_note,
};
use crate::finding::Severity;
use crate::gateway::Mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway server that sets `credentialName` (or `credentialNames`) and also
    /// names certificate files (`serverCertificate`, `privateKey`, `caCertificates`,
    /// `tlsCertificates`).
    ///
    /// ## Why it breaks
    /// The two are alternative sources of the same certificate, and the credential always
    /// wins: when istiod builds the listener it looks at `credentialName` first and never
    /// reads the file fields, `caCertificates` included (the client CA then comes from the
    /// credential's `ca.crt` or `caCertCredentialName`).
    ///
    /// - From Istio 1.27 istiod rejects a server with both a credential and a certificate
    ///   and key pair (or `tlsCertificates`): "only one of credential_name,
    ///   credential_names, server_certificate/private_key, tls_certificates should be
    ///   specified". The whole Gateway is refused.
    /// - Up to 1.26 the Gateway is accepted and the Vault-rendered files are silently
    ///   ignored: the gateway serves the Kubernetes Secret, so rotating the files in Vault
    ///   changes nothing.
    /// - A credential with only `caCertificates` is accepted by every version, and the CA
    ///   file is ignored.
    ///
    /// ## How to fix
    /// Keep one source. To serve the files the Vault Agent renders, remove `credentialName`;
    /// to serve the Secret, remove the file fields.
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
    ///         credentialName: shop-cert
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
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       hosts: ["shop.example.com"]
    ///       tls:
    ///         mode: SIMPLE
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    /// ```
    code: "VI704",
    name: "credential-name-with-files",
    severity: Error,
    title: "credentialName next to certificate files: rejected from Istio 1.27, the files ignored before",
    since: "0.1.0",
    Gateways: check,
}

/// The file fields a credential competes with (`caCrl` is VI710's).
const FILES: &[&str] = &["serverCertificate", "privateKey", "caCertificates"];

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let version = t.istio_version;
    let rejects = version.at_least(1, 27);
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        if mode == Mode::IstioMutual {
            continue; // VI705: every certificate field is rejected there
        }
        let Some(cred) = credential_in_effect(tls, version) else {
            continue;
        };
        let mut names: Vec<&str> = tls.files(FILES).iter().map(|f| f.key.as_str()).collect();
        let pairs = tls_certificates(tls).is_some();
        if pairs {
            names.push("tlsCertificates");
        }
        if names.is_empty() {
            continue;
        }
        let pair = tls.text("serverCertificate").is_some() && tls.text("privateKey").is_some();
        let cred_text = match cred.text.as_deref() {
            Some(name) => format!("{} `{name}`", cred.key),
            None => format!("{} [{}]", cred.key, cred.items.join(", ")),
        };
        let head = format!("{}, {}", port_label(server), gateway_name(gw));
        let files = names.join(", ");
        if rejects && (pair || pairs) {
            let before = if cred.key == "credentialName" && pair {
                " (Istio 1.26 and older accept both and ignore the files)"
            } else {
                ""
            };
            out.emit_located(
                &at(&gw.at, &cred.place),
                format!(
                    "{head}: {cred_text} and {files} are both set, so istiod rejects the Gateway (\"only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified\"; {})",
                    version_note(t)
                ),
            )
            .help(format!(
                "keep one certificate source: remove {} to serve the Vault-rendered files, or remove the file fields{before}",
                cred.key
            ));
            continue;
        }
        if !matches!(mode, Mode::Simple | Mode::Mutual | Mode::OptionalMutual) {
            continue; // passthrough ignores every certificate: VI702/VI705
        }
        let ca_only = names == ["caCertificates"];
        let why = if ca_only {
            "the client CA comes from the credential (its `ca.crt`, or caCertCredentialName)"
                .to_string()
        } else {
            "the gateway serves the Secret, not the Vault-rendered files".to_string()
        };
        let later = if pair {
            format!(" ({}; Istio 1.27 and newer reject this)", version_note(t))
        } else {
            String::new()
        };
        let verb = if names.len() == 1 { "is" } else { "are" };
        out.emit_located(
            &at(&gw.at, &cred.place),
            format!("{head}: {cred_text} takes precedence, so {files} {verb} ignored: {why}{later}"),
        )
        .severity(Severity::Warning)
        .help(format!(
            "keep one certificate source: remove {} to serve the Vault-rendered files, or remove {files}",
            cred.key
        ));
    }
}
