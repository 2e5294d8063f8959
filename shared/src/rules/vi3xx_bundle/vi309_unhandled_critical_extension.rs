use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds certificates on the chain with a critical extension that Go's `crypto/x509`
    /// does not handle.
    ///
    /// ## Why it breaks
    /// Go refuses to verify a chain through such a certificate ("unhandled critical
    /// extension"), so istiod does not start.
    ///
    /// ## How to fix
    /// Reissue the certificate without that extension, or with it marked non-critical.
    ///
    /// ## Example
    /// ```text
    /// 1.3.6.1.4.1.99999.1: critical
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// 1.3.6.1.4.1.99999.1:
    /// ```
    code: "VI309",
    name: "unhandled-critical-extension",
    severity: Error,
    title: "a certificate has a critical extension Go rejects",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.walked_path() {
        if !c.value.unhandled_critical.is_empty() {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` has critical extension(s) Go does not handle ({}): istiod's verification fails",
                    c.value.subject,
                    c.value.unhandled_critical.join(", ")
                ),
            );
        }
    }
}
