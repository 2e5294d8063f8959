use crate::gateway::served::ServedTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the served certificate file starts with the leaf: flags a file whose
    /// first certificate is a CA while a later one is not, or whose key belongs to a later
    /// certificate rather than the first.
    ///
    /// ## Why it breaks
    /// pilot-agent loads the file with Go's `tls.LoadX509KeyPair`, which takes the first
    /// certificate as the leaf and requires it to match the private key. With the CA
    /// first the pair does not match, the load fails ("failed to generate secret for
    /// proxy from file") and no certificate is served. consul-template's `pkiCert`
    /// example writes the CA before the certificate, which is where the order often
    /// comes from.
    ///
    /// ## How to fix
    /// Write the leaf first, then its issuers: `.Data.certificate`, then
    /// `.Data.issuing_ca` (or `.Data.ca_chain`).
    ///
    /// ## Example
    /// ```text
    /// tls.crt: CN=Issuing CA (CA:TRUE), then CN=shop.example.com
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: CN=shop.example.com, then CN=Issuing CA (CA:TRUE)
    /// ```
    code: "VI741",
    name: "served-cert-not-leaf-first",
    severity: Error,
    title: "a served certificate file does not start with the leaf",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    let certs = &t.cert.certs;
    let Some(first) = certs.first() else { return };
    let name = &t.cert.name;
    let by_key = t.key_match().filter(|i| *i > 0);
    let Some(i) = by_key.or_else(|| t.ca_first()) else {
        return;
    };
    let leaf = &certs[i];
    let why = if by_key.is_some() {
        format!(
            "`{}` belongs to PEM block {} (`{}`)",
            t.key_name(),
            leaf.block + 1,
            leaf.value.subject
        )
    } else {
        format!(
            "the first non-CA certificate is PEM block {} (`{}`)",
            leaf.block + 1,
            leaf.value.subject
        )
    };
    out.emit_at(
        t.cert.at(first),
        format!(
            "`{name}` starts with `{}`{}, but {why}: pilot-agent takes the first certificate as the leaf, the pair does not match and no certificate is served",
            first.value.subject,
            if first.value.is_ca() { " (a CA)" } else { "" },
        ),
    )
    .help("write the leaf first, then its issuers (`.Data.certificate`, then `.Data.issuing_ca` or `.Data.ca_chain`)");
}
