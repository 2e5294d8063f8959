use crate::bundle::pem::NotPem;
use crate::bundle::{BundleTarget, FileKind, chain};
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
    if !member.present {
        return;
    }
    if member.blocks.is_empty() {
        // istiod accepts an empty file; it is right only when ca-cert is the root itself.
        if member.not_pem == Some(NotPem::Empty) && !ca.value.self_issued() {
            out.emit_at(
                t.bundle.location(FileKind::CertChain, None),
                format!(
                    "`cert-chain.pem` is empty, so workloads send their certificate without ca-cert (`{}`): peers fail with CERTIFICATE_VERIFY_FAILED",
                    ca.value.subject
                ),
            )
            .help("write cert-chain.pem as ca-cert.pem followed by each CA above it, root last");
        }
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
    // What a peer does with the chain a workload sends: file order, no backtracking. Only
    // when Go's chain ends at a self-signed root (else VI313/VI316 explain the failure).
    let go_anchor_self_signed = t
        .anchored_path()
        .and_then(|p| p.last().map(|a| a.value.self_issued()))
        == Some(true);
    if go_anchor_self_signed
        && let Err(stuck) = chain::envoy_walk(t.bundle)
        && let Some(at) = t.bundle.certs.get(stuck.at)
    {
        out.emit_at(
            t.bundle.at(at),
            format!(
                "peers check the chain a workload sends in cert-chain.pem order and do not backtrack: they reach `{}` ({} PEM block {}), issued by `{}`, which root-cert.pem does not trust, so they fail with \"unable to get local issuer certificate\" although Go (istiod) finds another path",
                at.value.subject,
                t.bundle.member_name(at.kind),
                at.block + 1,
                at.value.issuer
            ),
        )
        .help("order cert-chain.pem so each certificate is followed by the issuer that leads to root-cert.pem, and drop cross-signed copies it does not need");
        return;
    }
    for pair in chain.windows(2) {
        let (lower, upper) = (pair[0], pair[1]);
        // A second copy of the same CA (a cross-sign) after it is not out of order.
        if lower.value.issuer_raw != upper.value.subject_raw
            && !lower.value.self_issued()
            && lower.value.subject_raw != upper.value.subject_raw
        {
            out.emit_at(
                t.bundle.at(upper),
                format!(
                    "in `cert-chain.pem`, `{}` (PEM block {}) does not follow its issuer order: the certificate before it (`{}`, PEM block {}) is issued by `{}`",
                    upper.value.subject,
                    upper.block + 1,
                    lower.value.subject,
                    lower.block + 1,
                    lower.value.issuer
                ),
            )
            .severity(Severity::Warning)
            .help("order cert-chain.pem upward: each certificate followed by its issuer");
        }
    }
}
