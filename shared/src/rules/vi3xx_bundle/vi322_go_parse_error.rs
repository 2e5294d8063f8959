use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports certificates that decode, but that Go's `x509.ParseCertificate` rejects:
    /// a critically marked subject key identifier or authority information access, a
    /// negative serial number (Go 1.23+), duplicate extensions, an inner signature
    /// algorithm that differs from the outer one, and similar encoding errors.
    ///
    /// ## Why it breaks
    /// istiod parses every certificate with Go; a certificate Go cannot parse stops it
    /// with "failed to parse X.509 certificate" (or, in `root-cert.pem`, is silently left
    /// out of the trusted roots). OpenSSL often accepts these, so `openssl verify` passes.
    ///
    /// ## How to fix
    /// Reissue the certificate with a conforming profile (non-critical SKI/AIA, positive
    /// serial numbers).
    ///
    /// ## Example
    /// ```text
    /// X509v3 Subject Key Identifier: critical
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X509v3 Subject Key Identifier:
    /// ```
    code: "VI322",
    name: "go-parse-error",
    severity: Error,
    title: "a certificate Go's x509 parser rejects",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in &t.bundle.certs {
        if c.value.go_parse_errors.is_empty() {
            continue;
        }
        out.emit_at(
            t.bundle.at(c),
            format!(
                "Go refuses to parse `{}` ({} PEM block {}): {}",
                c.value.subject,
                t.bundle.member_name(c.kind),
                c.block + 1,
                c.value.go_parse_errors.join("; ")
            ),
        )
        .help("reissue it with a conforming profile; istiod stops with \"failed to parse X.509 certificate\"");
    }
}
