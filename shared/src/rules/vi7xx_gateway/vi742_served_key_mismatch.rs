use crate::gateway::served::ServedTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the served key (`tls.key`, `client.key`) belongs to a certificate of
    /// the certificate file; flags a key that matches none of them.
    ///
    /// ## Why it breaks
    /// Go's `tls.LoadX509KeyPair` fails with "private key does not match public key":
    /// pilot-agent logs "failed to generate secret for proxy from file" and serves no
    /// certificate. With Vault PKI this is the classic split issuance: the certificate
    /// and the key rendered by two templates that each issue their own certificate.
    ///
    /// ## How to fix
    /// Render both files from one issuance: the same `secret "pki/issue/<role>" ...` call,
    /// with identical arguments, in both templates (consul-template then issues once).
    ///
    /// ## Example
    /// ```text
    /// tls.crt: certificate of issuance 1
    /// tls.key: private key of issuance 2
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: certificate of issuance 1
    /// tls.key: private key of issuance 1
    /// ```
    code: "VI742",
    name: "served-key-mismatch",
    severity: Error,
    title: "the served private key belongs to no certificate of the certificate file",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    let Some(key) = t.private_key().filter(|k| k.public_key_known()) else {
        return;
    };
    let Some(first) = t.cert.certs.first() else {
        return;
    };
    if t.key_match().is_some() {
        return;
    }
    out.emit_at(
        t.key_location(),
        format!(
            "the {} key in `{}` matches no certificate of `{}` (the first is `{}`, {}): pilot-agent fails with \"private key does not match public key\" and serves no certificate",
            key.kind,
            t.key_name(),
            t.cert.name,
            first.value.subject,
            first.value.public_key.kind
        ),
    )
    .help("render the certificate and the key from one issuance (identical `secret \"pki/issue/<role>\" ...` arguments in both templates)");
}
