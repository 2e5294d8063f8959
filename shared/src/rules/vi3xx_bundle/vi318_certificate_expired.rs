use super::{date, date_time, days};
use crate::bundle::x509::CertInfo;
use crate::bundle::{BundleTarget, FileKind, Located};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that every certificate istiod relies on is valid now: the chain from
    /// `ca-cert` to its root, and the first certificate of `cert-chain.pem`.
    ///
    /// ## Why it breaks
    /// Go checks the validity of every certificate on the chain, the root included:
    /// istiod crash-loops with "x509: certificate has expired or is not yet valid", or
    /// "cert chain has expired" for the first certificate of `cert-chain.pem`. Istio never
    /// rotates a plugged-in CA; an intermediate that expires while istiod runs keeps
    /// signing (before 1.28.7/1.29.3) certificates every peer rejects.
    ///
    /// ## How to fix
    /// Issue a new intermediate (and root, if it is the one expiring), store it in Vault,
    /// and restart istiod.
    ///
    /// ## Example
    /// ```text
    /// Not After : Nov 16 22:01:54 2024 GMT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Not After : Nov 14 22:01:54 2032 GMT
    /// ```
    code: "VI318",
    name: "certificate-expired",
    severity: Error,
    title: "a certificate istiod relies on has expired or is not yet valid",
    since: "0.1.0",
    Bundle: check,
}

/// The certificates istiod's checks read: the chain, plus the first of cert-chain.pem.
pub(crate) fn relied_on<'a>(t: &BundleTarget<'a>) -> Vec<&'a Located<CertInfo>> {
    let mut out = t.walked_path();
    if let Some(first) = t.bundle.certs_of(FileKind::CertChain).next()
        && !out.iter().any(|c| c.value.der == first.value.der)
    {
        out.push(first);
    }
    out
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in relied_on(t) {
        let v = &c.value;
        if t.now > v.not_after {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` ({} PEM block {}) expired on {} ({} days ago): istiod fails with \"certificate has expired or is not yet valid\"",
                    v.subject,
                    t.bundle.member_name(c.kind),
                    c.block + 1,
                    date_time(v.not_after),
                    days(v.not_after, t.now)
                ),
            )
            .help("issue a new certificate, store it in Vault, and restart istiod (Istio never rotates a plugged-in CA)");
        } else if t.now < v.not_before {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` is not valid until {} (clock skew, or issued with a future start)",
                    v.subject,
                    date(v.not_before)
                ),
            );
        }
    }
}
