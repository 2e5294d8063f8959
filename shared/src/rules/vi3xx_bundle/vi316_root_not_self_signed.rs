use crate::bundle::x509::{SignatureCheck, verify_signature};
use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that ca-cert's chain ends at a self-signed root of `root-cert.pem` (issuer
    /// equal to subject), and that every self-issued root's own key verifies its signature.
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
    // The anchor of ca-cert's chain must be self-signed. A trusted certificate that is not
    // (an issuing CA kept in root-cert.pem next to its root) is fine when the chain goes on
    // from it to a self-signed root there: the chain builder does that already.
    if let Some(path) = t.anchored_path()
        && let Some(anchor) = path.last()
        && !anchor.value.self_issued()
        && let Some(trusted) = t
            .bundle
            .certs_of(FileKind::RootCert)
            .find(|r| r.value.der == anchor.value.der)
    {
        out.emit_at(
            t.bundle.at(trusted),
            format!(
                "ca-cert's chain ends at `{}` in root-cert.pem, which is issued by `{}`, not by itself, and root-cert.pem holds no root for it: Envoy and ztunnel need a self-signed root and fail with CERTIFICATE_VERIFY_FAILED",
                anchor.value.subject, anchor.value.issuer
            ),
        )
        .help("add the self-signed root to root-cert.pem (and keep the issuing CA in cert-chain.pem)");
    }
    for c in t.bundle.certs_of(FileKind::RootCert) {
        if c.value.self_issued()
            && verify_signature(&c.value, &c.value.public_key) == SignatureCheck::Invalid
        {
            out.emit_at(
                t.bundle.at(c),
                format!("root `{}` names itself as issuer, but its own key does not verify its signature", c.value.subject),
            );
        }
    }
}
