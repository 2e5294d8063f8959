use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every CA certificate on the chain (`ca-cert`, intermediates, the root): when
    /// it has a keyUsage extension, that extension must include `keyCertSign`.
    ///
    /// ## Why it breaks
    /// Go ignores key usage, so istiod starts and signs. Envoy (BoringSSL) does check it,
    /// and rejects workload certificates issued by a CA whose key usage forbids signing
    /// certificates: mTLS fails everywhere.
    ///
    /// ## How to fix
    /// Reissue the CA with `keyUsage=critical, keyCertSign, cRLSign` (plus what else your
    /// policy needs).
    ///
    /// ## Example
    /// ```text
    /// X509v3 Key Usage: critical
    ///     Digital Signature, Key Encipherment
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X509v3 Key Usage: critical
    ///     Digital Signature, Certificate Sign, CRL Sign
    /// ```
    code: "VI307",
    name: "ca-missing-key-cert-sign",
    severity: Error,
    title: "a CA certificate's key usage does not allow signing certificates",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.walked_path() {
        if let Some(ku) = &c.value.key_usage
            && !ku.key_cert_sign
        {
            out.emit_at(
                t.bundle.at(c),
                format!("`{}` has a keyUsage extension without keyCertSign: Envoy rejects the certificates it signs", c.value.subject),
            )
            .help("reissue it with keyUsage=critical, keyCertSign, cRLSign");
        }
    }
}
