use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that `ca-key.pem` is the private key of the certificate in `ca-cert.pem`.
    ///
    /// ## Why it breaks
    /// istiod pairs them at start and fails with "the cert does not match the key" /
    /// "private key does not match public key". In Vault this usually means one field was
    /// updated without the other (a new version of `ca_cert` with the old `ca_key`).
    ///
    /// ## How to fix
    /// Store the key and certificate of the same issuance together.
    ///
    /// ## Example
    /// ```text
    /// ca-key.pem from the 2024 intermediate, ca-cert.pem from the 2025 one
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ca-key.pem and ca-cert.pem from the same issuance
    /// ```
    code: "VI305",
    name: "key-cert-mismatch",
    severity: Error,
    title: "`ca-key.pem` is not the key of `ca-cert.pem`",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let (Some(key), Some(cert)) = (&t.bundle.key, t.bundle.ca_cert()) else {
        return;
    };
    let Ok(k) = &key.value else { return };
    if !k.matches(&cert.value) {
        out.emit_at(
            t.bundle.at(key),
            format!(
                "`ca-key.pem` ({}) is not the key of `ca-cert.pem` ({}, {}): istiod fails with \"the cert does not match the key\"",
                k.kind.describe(),
                cert.value.subject,
                cert.value.public_key.kind.describe()
            ),
        )
        .help("store the key and the certificate of the same issuance together");
    }
}
