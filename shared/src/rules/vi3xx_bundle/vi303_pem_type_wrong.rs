use crate::bundle::{BundleTarget, FileKind};
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the block types of the certificate files: `ca-cert.pem`, `cert-chain.pem`
    /// and `root-cert.pem` must start with a `CERTIFICATE` block whose content parses as
    /// X.509, and must not carry a private key.
    ///
    /// ## Why it breaks
    /// istiod parses the first block of `ca-cert.pem` and every certificate of the others
    /// ("failed to parse X.509 certificate" stops it). Worse, istiod hands `cert-chain.pem`
    /// to every workload with its certificate and copies `root-cert.pem` into the
    /// `istio-ca-root-cert` ConfigMap of every namespace, byte for byte: a private key
    /// pasted into either is published to the whole cluster.
    ///
    /// ## How to fix
    /// Put only certificates in these files; the key belongs in `ca-key.pem` alone.
    ///
    /// ## Example
    /// ```text
    /// cert-chain.pem: -----BEGIN CERTIFICATE----- ... -----BEGIN RSA PRIVATE KEY----- ...
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cert-chain.pem: -----BEGIN CERTIFICATE----- (ca-cert) ... -----BEGIN CERTIFICATE----- (root)
    /// ```
    code: "VI303",
    name: "pem-type-wrong",
    severity: Error,
    title: "a certificate file holds the wrong kind of PEM block",
    since: "0.1.0",
    Bundle: check,
}

/// Who gets to see the bytes of a certificate file.
fn exposure(kind: FileKind) -> &'static str {
    match kind {
        FileKind::RootCert => {
            "istiod copies this file into the istio-ca-root-cert ConfigMap of every namespace"
        }
        FileKind::CertChain => "istiod sends this file to every workload with its certificate",
        _ => "keys belong in ca-key.pem only",
    }
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for m in t
        .bundle
        .members
        .iter()
        .filter(|m| m.present && m.kind != FileKind::CaKey)
    {
        let name = t.bundle.member_name(m.kind);
        for b in m.blocks.iter().filter(|b| b.der.is_ok()) {
            let at = t.bundle.location(m.kind, Some((b.index, b.line)));
            if b.label.contains("PRIVATE KEY") {
                let published = exposure(m.kind);
                out.emit_at(
                    at,
                    format!(
                        "`{name}` holds a private key (`{}`, PEM block {}): {published}",
                        b.label,
                        b.index + 1
                    ),
                )
                .help("remove the key block now and treat that key as exposed");
            } else if b.label != "CERTIFICATE" {
                let f = out.emit_at(
                    at,
                    format!(
                        "PEM block {} of `{name}` is `{}`, not `CERTIFICATE`",
                        b.index + 1,
                        b.label
                    ),
                );
                if b.index > 0 {
                    f.severity(Severity::Warning);
                }
            }
        }
    }
    // Key text that is not a block of its own (e.g. `ca_key: -----BEGIN ...` in a dump).
    for m in t
        .bundle
        .members
        .iter()
        .filter(|m| m.present && m.kind != FileKind::CaKey && m.private_key_text)
    {
        if m.blocks.iter().any(|b| b.label.contains("PRIVATE KEY")) {
            continue;
        }
        let name = t.bundle.member_name(m.kind);
        let published = exposure(m.kind);
        out.emit_at(
            t.bundle.location(m.kind, None),
            format!("`{name}` contains private key text: {published}"),
        )
        .help("render only the certificate field into this file, and treat the key as exposed");
    }
    for e in &t.bundle.cert_errors {
        let name = t.bundle.member_name(e.kind);
        out.emit_at(
            t.bundle.at(e),
            format!(
                "PEM block {} of `{name}` is not an X.509 certificate: {}",
                e.block + 1,
                e.value
            ),
        );
    }
}
