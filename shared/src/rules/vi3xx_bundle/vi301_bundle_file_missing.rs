use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that all four files of istiod's CA are there: `ca-key.pem`, `ca-cert.pem`,
    /// `cert-chain.pem` and `root-cert.pem`.
    ///
    /// ## Why it breaks
    /// Up to Istio 1.26.0 istiod looks only for `ca-key.pem`: without it, it silently
    /// creates a self-signed CA even when the other three files are there, and the cluster
    /// leaves the shared root of trust. With the key but another file missing, it crashes
    /// at start. From 1.26.1 any incomplete set stops istiod ("incomplete signing CA
    /// bundle detected").
    ///
    /// ## How to fix
    /// Render or copy all four files into `ROOT_CA_DIR`.
    ///
    /// ## Example
    /// ```text
    /// /vault/secrets/ca-cert.pem  cert-chain.pem  root-cert.pem     (no ca-key.pem)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// /vault/secrets/ca-key.pem  ca-cert.pem  cert-chain.pem  root-cert.pem
    /// ```
    code: "VI301",
    name: "bundle-file-missing",
    severity: Error,
    title: "a file of the CA bundle is missing",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for m in t.bundle.members.iter().filter(|m| !m.present) {
        let consequence = match m.kind {
            FileKind::CaKey => {
                "istiod 1.26.0 and older silently fall back to a self-signed CA; 1.26.1+ refuse to start"
            }
            _ => "istiod fails to load its CA and does not start",
        };
        let what = match &m.member {
            Some(key) => format!("`{key}` is missing from {}", t.bundle.label),
            None if t.bundle.named_files => {
                format!(
                    "`{}` was not given (istiod needs all four files)",
                    m.kind.file_name()
                )
            }
            None => format!("`{}` is missing", m.file),
        };
        out.emit_at(
            t.bundle.location(m.kind, None),
            format!("{what}: {consequence}"),
        );
    }
}
