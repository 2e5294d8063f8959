use crate::bundle::BundleTarget;
use crate::bundle::x509::KeyKind;
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags RSA keys shorter than 2048 bits on the chain, from `ca-cert` (whose key is
    /// `ca-key.pem`'s) to the root.
    ///
    /// ## Why it breaks
    /// Keys under 1024 bits are rejected outright by the Go in Istio 1.26+; 1024–2047 bits
    /// are below every current policy and can be factored by a motivated attacker, who
    /// could then mint any workload identity in the mesh.
    ///
    /// ## How to fix
    /// Reissue with RSA 2048+ (Istio's Makefiles use 4096) or ECDSA P-256/P-384.
    ///
    /// ## Example
    /// ```text
    /// Public-Key: (1024 bit)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Public-Key: (4096 bit)
    /// ```
    code: "VI311",
    name: "weak-key",
    severity: Warning,
    title: "an RSA key is shorter than 2048 bits",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.walked_path() {
        if let KeyKind::Rsa { bits } = c.value.public_key.kind
            && bits < 2048
        {
            let f = out.emit_at(
                t.bundle.at(c),
                format!("`{}` has an RSA key of {bits} bits", c.value.subject),
            );
            if bits < 1024 {
                f.severity(Severity::Error).help(
                    "Istio 1.26+ (Go 1.24) rejects RSA keys under 1024 bits: reissue with 2048+",
                );
            } else {
                f.help("reissue with RSA 2048+ or ECDSA P-256/P-384");
            }
        }
    }
}
