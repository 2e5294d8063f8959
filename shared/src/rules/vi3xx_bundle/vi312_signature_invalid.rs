use crate::bundle::BundleTarget;
use crate::bundle::chain::End;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds a link of the chain where a certificate with the right issuer name exists but
    /// its key does not verify the signature.
    ///
    /// ## Why it breaks
    /// Go finds the parent by name and then checks the signature; when none verifies,
    /// istiod stops with "x509: certificate signed by unknown authority". Typical cause: a
    /// root or intermediate re-issued with a new key under the same name, with only some
    /// files updated.
    ///
    /// ## How to fix
    /// Use the issuer certificate that actually signed it (compare key identifiers).
    ///
    /// ## Example
    /// ```text
    /// root-cert.pem: a regenerated "CN=Root CA" (new key)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// root-cert.pem: the "CN=Root CA" whose key signed the intermediate
    /// ```
    code: "VI312",
    name: "signature-invalid",
    severity: Error,
    title: "a certificate's signature does not verify with its issuer's key",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(chain) = &t.chain else { return };
    let End::BadSignature { issuer } = chain.end else {
        return;
    };
    let (Some(&child), Some(parent)) = (chain.path.last(), t.bundle.certs.get(issuer)) else {
        return;
    };
    let Some(child) = t.bundle.certs.get(child) else {
        return;
    };
    if child.value.self_issued() {
        // A root copy (e.g. in cert-chain.pem) whose namesake in root-cert.pem has another key.
        out.emit_at(
            t.bundle.at(child),
            format!(
                "{} holds root `{}`, but the `{}` in {} (PEM block {}) has a different key: the root was re-generated and only some files were updated",
                t.bundle.member_name(child.kind),
                child.value.subject,
                parent.value.subject,
                t.bundle.member_name(parent.kind),
                parent.block + 1
            ),
        )
        .help("put the root whose key signed the intermediate in root-cert.pem and cert-chain.pem (or re-issue the intermediate from the new root)");
        return;
    }
    out.emit_at(
        t.bundle.at(child),
        format!(
            "the signature of `{}` does not verify with the key of `{}` ({} PEM block {}): same name, different key; istiod fails with \"certificate signed by unknown authority\"",
            child.value.subject,
            parent.value.subject,
            t.bundle.member_name(parent.kind),
            parent.block + 1
        ),
    )
    .help("use the issuer certificate whose key signed it (compare subject/authority key identifiers)");
}
