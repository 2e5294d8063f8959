use super::{at, credential_in_effect, gateway_name, port_label, server_tls, tls_certificates};
use crate::gateway::Mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway server that terminates TLS from files but leaves out a file its mode
    /// needs: `serverCertificate` or `privateKey` under `SIMPLE`, `MUTUAL` or
    /// `OPTIONAL_MUTUAL`, or `caCertificates` under `MUTUAL` or `OPTIONAL_MUTUAL`, when no
    /// `credentialName` supplies the certificate instead.
    ///
    /// ## Why it breaks
    /// istiod's Gateway validation insists on a certificate and a key for every mode that
    /// terminates TLS, and on a client CA bundle for the mutual modes, unless a
    /// `credentialName` (or, from Istio 1.27, `credentialNames` or `tlsCertificates`)
    /// provides them. Without them the Gateway is rejected ("SIMPLE TLS requires a private
    /// key", "MUTUAL TLS requires a client CA bundle"…), so none of its servers is
    /// configured.
    ///
    /// ## How to fix
    /// Name every file the mode needs, using the paths the Vault Agent renders in the
    /// gateway pod (by default under `/vault/secrets/`). If clients present no certificate,
    /// use `mode: SIMPLE`, which needs no CA bundle.
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
    ///         mode: MUTUAL
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
    ///         mode: MUTUAL
    ///         serverCertificate: /vault/secrets/tls.crt
    ///         privateKey: /vault/secrets/tls.key
    ///         caCertificates: /vault/secrets/ca.crt
    /// ```
    code: "VI703",
    name: "tls-required-file-missing",
    severity: Error,
    title: "a TLS server without the certificate, key or client CA file its mode requires is rejected",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let version = t.istio_version;
    for (gw, server, tls) in server_tls(&t.inventory.gateways) {
        let Some(mode) = tls.mode(Mode::Passthrough) else {
            continue;
        };
        let (prefix, needs_ca) = match mode {
            Mode::Simple => ("SIMPLE TLS", false),
            Mode::Mutual => ("MUTUAL TLS", true),
            // istiod checks OPTIONAL_MUTUAL like MUTUAL from 1.19 on, not before.
            Mode::OptionalMutual if version.at_least(1, 19) => ("MUTUAL TLS", true),
            _ => continue,
        };
        if credential_in_effect(tls, version).is_some() {
            continue; // the credential supplies certificate, key and CA
        }
        let pairs = tls_certificates(tls);
        let pairs_count = pairs.is_some() && version.at_least(1, 27);
        let mut missing: Vec<&str> = Vec::new();
        let mut quoted: Vec<String> = Vec::new();
        if !pairs_count {
            if tls.text("serverCertificate").is_none() {
                missing.push("serverCertificate");
                quoted.push(format!("{prefix} requires a server certificate"));
            }
            if tls.text("privateKey").is_none() {
                missing.push("privateKey");
                quoted.push(format!("{prefix} requires a private key"));
            }
        }
        if needs_ca && tls.text("caCertificates").is_none() {
            missing.push("caCertificates");
            quoted.push(format!("{prefix} requires a client CA bundle"));
        }
        if missing.is_empty() {
            continue;
        }
        // `credentialNames` and `tlsCertificates` exist in the 1.26 CRD but istiod reads
        // them only from 1.27.
        let too_new: Vec<&str> = ["credentialNames", "tlsCertificates"]
            .into_iter()
            .filter(|k| tls.field(k).is_some())
            .collect();
        let version_part = if too_new.is_empty() || version.at_least(1, 27) {
            String::new()
        } else {
            format!(
                "; {} count only from Istio 1.27 ({})",
                too_new.join(" and "),
                super::version_note(t)
            )
        };
        let ca_credential =
            if missing.contains(&"caCertificates") && tls.text("caCertCredentialName").is_some() {
                "; caCertCredentialName is read only together with a credentialName"
            } else {
                ""
            };
        let listed = match missing.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => missing.join(""),
        };
        let mut help: Vec<&str> = Vec::new();
        if missing.iter().any(|m| *m != "caCertificates") {
            help.push("set serverCertificate and privateKey to the certificate and key files the Vault Agent renders in the gateway pod (for example /vault/secrets/tls.crt and /vault/secrets/tls.key)");
        }
        if missing.contains(&"caCertificates") {
            help.push("set caCertificates to the client CA bundle the agent renders (for example /vault/secrets/ca.crt), or use `mode: SIMPLE` if clients present no certificate");
        }
        out.emit_located(
            &at(&gw.at, &tls.place),
            format!(
                "{}, {}: `mode: {}` but no {listed} (nor a credentialName), so istiod rejects the Gateway (\"{}\"){ca_credential}{version_part}",
                port_label(server),
                gateway_name(gw),
                mode.as_str(),
                quoted.join("\"; \"")
            ),
        )
        .help(help.join("; "));
    }
}
