use crate::bundle::pem::NotPem;
use crate::bundle::{BundleTarget, FileKind};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that each file holds PEM that decodes, and when it does not, says which
    /// Vault template mistake produced it: `<no value>` (a missing field, or `.Data.x` on
    /// KV v2), a `data: map[...]` or `key: value` dump (the injector's default template),
    /// JSON (the `json` default template), an empty file, or a `-----BEGIN` that is not at
    /// the start of a line.
    ///
    /// ## Why it breaks
    /// istiod decodes each file with Go's PEM decoder and stops with "failed to create an
    /// istiod CA" (or, for a key file it cannot read, treats the CA as absent).
    ///
    /// ## How to fix
    /// Fix the template so it prints exactly one field (see the hint), or re-export the file.
    ///
    /// ## Example
    /// ```text
    /// $ cat /vault/secrets/ca-cert.pem
    /// <no value>
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -----BEGIN CERTIFICATE-----
    /// MIIFUjCCAzqgAwIBAgIJAN7f...
    /// ```
    code: "VI302",
    name: "pem-not-decodable",
    severity: Error,
    title: "a bundle file holds no PEM that decodes",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for m in t.bundle.members.iter().filter(|m| m.present) {
        let name = t.bundle.member_name(m.kind);
        // An empty cert-chain.pem is allowed by istiod; VI314 says what it means.
        if m.kind == FileKind::CertChain && m.not_pem == Some(NotPem::Empty) {
            continue;
        }
        if let Some(what) = m.not_pem {
            let head = if m.blocks.is_empty() {
                "holds no PEM block"
            } else {
                "is not one PEM value"
            };
            out.emit_at(
                t.bundle.location(m.kind, None),
                format!("`{name}` {head}: {}", what.hint()),
            );
            continue;
        }
        for b in &m.blocks {
            if let Err(why) = &b.der {
                out.emit_at(
                    t.bundle.location(m.kind, Some((b.index, b.line))),
                    format!(
                        "PEM block {} (`{}`) of `{name}` is damaged: {why}",
                        b.index + 1,
                        b.label
                    ),
                );
            }
        }
    }
}
