use crate::bundle::{BundleTarget, FileKind};
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that `cert-chain.pem` starts with the certificate of `ca-cert.pem` and goes
    /// upward, each certificate issued by the next.
    ///
    /// ## Why it breaks
    /// istiod only needs `cert-chain.pem` to contain the intermediates, in any order. But
    /// it appends the file as is to every certificate it issues, and reads its *first*
    /// certificate for the workload-certificate TTL and its expiry metric. Without
    /// `ca-cert` first, workloads present a chain without their issuer and peers fail with
    /// `CERTIFICATE_VERIFY_FAILED`; an old certificate first makes istiod crash with "cert
    /// chain has expired".
    ///
    /// ## How to fix
    /// Write `cert-chain.pem` as `ca-cert.pem` followed by each CA above it, root last (or
    /// omit the root).
    ///
    /// ## Example
    /// ```text
    /// cert-chain.pem: root, ca-cert
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cert-chain.pem: ca-cert, root
    /// ```
    code: "VI314",
    name: "cert-chain-order",
    severity: Error,
    title: "`cert-chain.pem` does not start with `ca-cert.pem` or is out of order",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(ca) = t.bundle.ca_cert() else { return };
    let member = t.bundle.member(FileKind::CertChain);
    if !member.present || member.blocks.is_empty() {
        return;
    }
    let chain: Vec<_> = t.bundle.certs_of(FileKind::CertChain).collect();
    let Some(first) = chain.first() else { return };
    if first.value.der != ca.value.der {
        let position = chain.iter().position(|c| c.value.der == ca.value.der);
        let msg = match position {
            Some(i) => format!(
                "`cert-chain.pem` starts with `{}`; the ca-cert is PEM block {}, but istiod reads the first certificate for the TTL and workloads present the file as is",
                first.value.subject,
                chain[i].block + 1
            ),
            None => format!(
                "`cert-chain.pem` starts with `{}` and does not contain ca-cert (`{}`): workloads present a chain without their issuer, and peers fail with CERTIFICATE_VERIFY_FAILED",
                first.value.subject, ca.value.subject
            ),
        };
        out.emit_at(t.bundle.at(first), msg)
            .help("write cert-chain.pem as ca-cert.pem followed by each CA above it, root last");
        return;
    }
    for pair in chain.windows(2) {
        let (lower, upper) = (pair[0], pair[1]);
        if lower.value.issuer_raw != upper.value.subject_raw && !lower.value.self_issued() {
            out.emit_at(
                t.bundle.at(upper),
                format!("in `cert-chain.pem`, `{}` is not the issuer of the certificate before it (`{}`)", upper.value.subject, lower.value.subject),
            )
            .severity(Severity::Warning)
            .help("order cert-chain.pem upward: each certificate followed by its issuer");
        }
    }
}
