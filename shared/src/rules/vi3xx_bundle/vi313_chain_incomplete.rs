use crate::bundle::BundleTarget;
use crate::bundle::chain::End;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Follows `ca-cert.pem` upward through `cert-chain.pem` to `root-cert.pem` the way Go
    /// does (issuer names compared byte for byte) and reports where the chain stops.
    ///
    /// ## Why it breaks
    /// istiod verifies this chain at start and stops with "x509: certificate signed by
    /// unknown authority" when it cannot reach a root: a middle intermediate missing from
    /// `cert-chain.pem` (multi-level PKI), the wrong root, or a name that reads the same
    /// but is encoded differently (PrintableString vs UTF8String), which OpenSSL accepts
    /// and Go does not.
    ///
    /// ## How to fix
    /// Put every CA between `ca-cert` and the root into `cert-chain.pem`, the root into
    /// `root-cert.pem`, and issue with byte-identical names.
    ///
    /// ## Example
    /// ```text
    /// root → corp-intermediate → cluster-intermediate; cert-chain.pem lacks corp-intermediate
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// cert-chain.pem: cluster-intermediate, corp-intermediate, root
    /// ```
    code: "VI313",
    name: "chain-incomplete",
    severity: Error,
    title: "`ca-cert.pem` does not chain to a root in `root-cert.pem`",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(chain) = &t.chain else { return };
    let Some(last) = chain.path.last().and_then(|&i| t.bundle.certs.get(i)) else {
        return;
    };
    match &chain.end {
        // A self-signed root reached through cert-chain.pem: it is there, but not trusted.
        End::IssuerNotFound { similar: None } if last.value.self_issued() => {
            out.emit_at(
                t.bundle.at(last),
                format!(
                    "the chain from `ca-cert.pem` ends at the root `{}` ({} PEM block {}), which root-cert.pem does not hold: istiod fails with \"certificate signed by unknown authority\"",
                    last.value.subject,
                    t.bundle.member_name(last.kind),
                    last.block + 1
                ),
            )
            .help("put this root in root-cert.pem, or issue ca-cert from a root that root-cert.pem holds");
        }
        End::IssuerNotFound { similar } => {
            let f = out.emit_at(
                t.bundle.at(last),
                format!(
                    "`{}` is issued by `{}`, which is in neither cert-chain.pem nor root-cert.pem: istiod fails with \"certificate signed by unknown authority\"",
                    last.value.subject, last.value.issuer
                ),
            );
            match similar.and_then(|i| t.bundle.certs.get(i)) {
                Some(s) => {
                    f.help(format!(
                        "{} PEM block {} has that name as text, but encoded differently; Go compares the DER bytes, so reissue with an identical name",
                        t.bundle.member_name(s.kind),
                        s.block + 1
                    ));
                }
                None => {
                    f.help("add the issuing CA to cert-chain.pem (intermediates) or root-cert.pem (the root)");
                }
            }
        }
        End::TooDeep => {
            out.emit_at(
                t.bundle.at(last),
                "the chain from `ca-cert.pem` is longer than 10 certificates or loops; Go gives up",
            );
        }
        End::TooManyChecks => {
            out.emit_at(
                t.bundle.at(last),
                "building the chain from `ca-cert.pem` takes more than 100 signature checks (many certificates with the same names); Go gives up with \"signature check attempts limit reached\"",
            )
            .help("remove duplicate and stale certificates from cert-chain.pem and root-cert.pem");
        }
        // Reported by VI312 and VI321.
        End::Anchored | End::BadSignature { .. } | End::NotCa { .. } => {}
    }
}
