use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Lists the roots in `root-cert.pem` that `ca-cert` does not chain to.
    ///
    /// ## Why it breaks
    /// Every root in the file is trusted by every workload (it is copied into each
    /// namespace's `istio-ca-root-cert`). That is how a root rotation works: old and new
    /// root side by side for a while. Outside a rotation, a leftover root keeps trusting
    /// whatever it signed.
    ///
    /// ## How to fix
    /// Nothing during a rotation; afterwards, remove the old root.
    ///
    /// ## Example
    /// ```text
    /// root-cert.pem: Root CA 2021 (expired key ceremony), Root CA 2024
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// root-cert.pem: Root CA 2024
    /// ```
    code: "VI317",
    name: "extra-roots",
    severity: Info,
    title: "`root-cert.pem` trusts roots that do not anchor `ca-cert`",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(path) = t.anchored_path() else {
        return;
    };
    for c in t.bundle.certs_of(FileKind::RootCert) {
        // On the chain, or a renewal of a certificate on it (same subject and key): not
        // "another root".
        let on_path = path.iter().any(|p| {
            p.value.der == c.value.der
                || (p.value.subject_raw == c.value.subject_raw
                    && p.value.public_key.spki_der == c.value.public_key.spki_der)
        });
        if !on_path {
            out.emit_at(
                t.bundle.at(c),
                format!("root-cert.pem also trusts `{}` (not on ca-cert's chain): expected during a root rotation, otherwise remove it", c.value.subject),
            );
        }
    }
}
