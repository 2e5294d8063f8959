use crate::bundle::BundleTarget;
use crate::bundle::chain::End;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds a certificate in `cert-chain.pem` that would issue a certificate of the chain
    /// (its name matches) but is not a CA: no basicConstraints, or `CA:FALSE`.
    ///
    /// ## Why it breaks
    /// Go refuses such an intermediate ("x509: certificate is not authorized to sign other
    /// certificates"), so istiod cannot verify its own bundle and does not start; OpenSSL
    /// and Envoy refuse it too. It usually means a leaf or server certificate with the
    /// issuing CA's name was exported into the chain.
    ///
    /// ## How to fix
    /// Put the real issuing CA certificate (with `basicConstraints=critical,CA:true`) in
    /// `cert-chain.pem`.
    ///
    /// ## Example
    /// ```text
    /// cert-chain.pem: ca-cert, "CN=Corp Issuing CA" (X509v3 Basic Constraints: CA:FALSE), root
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cert-chain.pem: ca-cert, "CN=Corp Issuing CA" (CA:TRUE), root
    /// ```
    code: "VI321",
    name: "intermediate-not-ca",
    severity: Error,
    title: "an intermediate on the chain is not a CA certificate",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(chain) = &t.chain else { return };
    let End::NotCa { issuer } = chain.end else {
        return;
    };
    let (Some(child), Some(parent)) = (
        chain.path.last().and_then(|&i| t.bundle.certs.get(i)),
        t.bundle.certs.get(issuer),
    ) else {
        return;
    };
    let why = match parent.value.basic_constraints {
        Some((false, _)) => "its basicConstraints say CA:FALSE",
        _ => "it has no basicConstraints extension",
    };
    out.emit_at(
        t.bundle.at(parent),
        format!(
            "`{}` ({} PEM block {}) would issue `{}`, but {why}: Go refuses it (\"certificate is not authorized to sign other certificates\") and istiod does not start",
            parent.value.subject,
            t.bundle.member_name(parent.kind),
            parent.block + 1,
            child.value.subject
        ),
    )
    .help("put the real issuing CA certificate (basicConstraints=critical,CA:true) in cert-chain.pem");
}
