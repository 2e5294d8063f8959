use crate::bundle::BundleTarget;
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds certificates on the chain signed with SHA-1 or MD5.
    ///
    /// ## Why it breaks
    /// Go (1.18+, so every supported Istio) refuses SHA-1 signatures: istiod stops with
    /// "x509: cannot verify signature: insecure algorithm SHA1-RSA". A root's own
    /// self-signature is not checked, but it is a warning sign for the whole PKI.
    ///
    /// ## How to fix
    /// Reissue with SHA-256 or stronger (`openssl ... -sha256`; old LibreSSL defaults to SHA-1).
    ///
    /// ## Example
    /// ```text
    /// Signature Algorithm: sha1WithRSAEncryption
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Signature Algorithm: sha256WithRSAEncryption
    /// ```
    code: "VI310",
    name: "insecure-signature-algorithm",
    severity: Error,
    title: "a certificate is signed with SHA-1 or MD5",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.walked_path() {
        let alg = &c.value.signature_algorithm;
        if !alg.is_insecure() {
            continue;
        }
        if c.value.self_issued() {
            out.emit_at(t.bundle.at(c), format!("root `{}` signs itself with {}; Go does not check a root's own signature, but reissue it", c.value.subject, alg.name()))
                .severity(Severity::Warning);
        } else {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` is signed with {}: Go refuses it and istiod does not start",
                    c.value.subject,
                    alg.name()
                ),
            )
            .help("reissue it with SHA-256 or stronger");
        }
    }
}
