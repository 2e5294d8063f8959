use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that `ca-cert.pem` is a CA certificate: a basicConstraints extension with
    /// `CA:TRUE`.
    ///
    /// ## Why it breaks
    /// istiod refuses it at start: "certificate is not authorized to sign other
    /// certificates". On a hot reload the check is skipped, so a leaf certificate slipped
    /// in later is accepted and every workload certificate it signs is rejected by peers.
    ///
    /// ## How to fix
    /// Issue the intermediate with `basicConstraints=critical,CA:true` (Istio's Makefiles
    /// add `pathlen:0`).
    ///
    /// ## Example
    /// ```text
    /// X509v3 Basic Constraints: CA:FALSE
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X509v3 Basic Constraints: critical
    ///     CA:TRUE, pathlen:0
    /// ```
    code: "VI306",
    name: "ca-cert-not-ca",
    severity: Error,
    title: "`ca-cert.pem` is not a CA certificate",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(cert) = t.bundle.ca_cert() else {
        return;
    };
    let why = match cert.value.basic_constraints {
        Some((true, _)) => return,
        Some((false, _)) => "its basicConstraints say CA:FALSE",
        None => "it has no basicConstraints extension",
    };
    out.emit_at(
        t.bundle.at(cert),
        format!("`ca-cert.pem` ({}) is not a CA: {why}; istiod stops with \"certificate is not authorized to sign other certificates\"", cert.value.subject),
    )
    .help("issue the intermediate with basicConstraints=critical,CA:true");
}
