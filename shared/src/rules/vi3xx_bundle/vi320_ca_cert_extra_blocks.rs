use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Points out a `ca-cert.pem` with more than one PEM block.
    ///
    /// ## Why it breaks
    /// istiod uses only the first block and ignores the rest, so a chain pasted into
    /// `ca-cert.pem` does nothing; the intermediates belong in `cert-chain.pem`.
    ///
    /// ## How to fix
    /// Keep only the signing certificate in `ca-cert.pem`.
    ///
    /// ## Example
    /// ```text
    /// ca-cert.pem: ca-cert, root
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ca-cert.pem: ca-cert         cert-chain.pem: ca-cert, root
    /// ```
    code: "VI320",
    name: "ca-cert-extra-blocks",
    severity: Info,
    title: "`ca-cert.pem` holds more than one block; istiod reads only the first",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let m = t.bundle.member(FileKind::CaCert);
    if let Some(extra) = m.blocks.get(1) {
        out.emit_at(
            t.bundle.location(FileKind::CaCert, Some((extra.index, extra.line))),
            format!("`ca-cert.pem` holds {} PEM blocks; istiod uses only the first and ignores the rest", m.blocks.len()),
        )
        .help("keep only the signing certificate in ca-cert.pem; intermediates go in cert-chain.pem");
    }
}
