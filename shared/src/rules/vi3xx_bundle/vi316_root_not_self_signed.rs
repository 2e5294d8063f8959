use crate::bundle::x509::{SignatureCheck, verify_signature};
use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that every certificate in `root-cert.pem` is a self-signed root: issuer equal
    /// to subject, and its own key verifies its signature.
    ///
    /// ## Why it breaks
    /// Go accepts any certificate as a trust anchor, so istiod starts. Envoy and ztunnel
    /// (BoringSSL, rustls) need the chain to end at a self-signed root and fail with
    /// `CERTIFICATE_VERIFY_FAILED` / "unable to get issuer certificate" when
    /// `root-cert.pem` holds an issuing CA instead.
    ///
    /// ## How to fix
    /// Put the real root in `root-cert.pem`, and the issuing CA in `cert-chain.pem`.
    ///
    /// ## Example
    /// ```text
    /// root-cert.pem: "CN=Issuing CA" issued by "CN=Corp Root"
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// root-cert.pem: "CN=Corp Root" issued by "CN=Corp Root"
    /// ```
    code: "VI316",
    name: "root-not-self-signed",
    severity: Error,
    title: "`root-cert.pem` holds a certificate that is not a self-signed root",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.bundle.certs_of(FileKind::RootCert) {
        if !c.value.self_issued() {
            out.emit_at(
                t.bundle.at(c),
                format!("`{}` in root-cert.pem is issued by `{}`, not by itself: Envoy and ztunnel need a self-signed root and fail with CERTIFICATE_VERIFY_FAILED", c.value.subject, c.value.issuer),
            )
            .help("put the real root in root-cert.pem and this CA in cert-chain.pem");
        } else if verify_signature(&c.value, &c.value.public_key) == SignatureCheck::Invalid {
            out.emit_at(t.bundle.at(c), format!("root `{}` names itself as issuer, but its own key does not verify its signature", c.value.subject));
        }
    }
}
