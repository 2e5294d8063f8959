use crate::gateway::served::ServedTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the served certificate file carries the leaf's issuer: flags a leaf
    /// that is not self-issued when no certificate of the file has the leaf's issuer as
    /// its subject. An issuer found only in `ca.crt` counts when it is a root (peers are
    /// expected to trust it), not when it is an intermediate.
    ///
    /// ## Why it breaks
    /// Envoy sends exactly the certificates of the file. Peers trust the root, not the
    /// intermediate that signed the leaf: with the leaf alone they fail with "unable to
    /// get local issuer certificate" (or "x509: certificate signed by unknown
    /// authority"). `ca.crt` is never sent: it only checks the other side.
    ///
    /// ## How to fix
    /// Append the issuing CA after the leaf: with Vault PKI, print `.Data.issuing_ca` (or
    /// range over `.Data.ca_chain`) after `.Data.certificate`.
    ///
    /// ## Example
    /// ```text
    /// tls.crt: CN=shop.example.com (issued by CN=Issuing CA)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: CN=shop.example.com, then CN=Issuing CA
    /// ```
    code: "VI743",
    name: "served-chain-incomplete",
    severity: Warning,
    title: "a served certificate file lacks the leaf's issuer",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    let Some(leaf) = t.leaf() else { return };
    let v = &leaf.value;
    if v.self_issued() {
        return;
    }
    let issued_by = |c: &crate::gateway::served::Cert| {
        c.value.subject_raw == v.issuer_raw && c.value.der != v.der
    };
    if t.cert.certs.iter().any(issued_by) {
        return;
    }
    let in_ca =
        t.ca.as_ref()
            .and_then(|ca| ca.certs.iter().find(|c| issued_by(c)).map(|c| (ca, c)));
    let (peers, fail) = if t.client {
        (
            "the upstream server",
            "an upstream server that trusts only the root fails",
        )
    } else {
        ("clients", "clients that trust only the root fail")
    };
    let fails = if t.client { "fails" } else { "fail" };
    let name = &t.cert.name;
    let msg = match in_ca {
        Some((_, c)) if c.value.self_issued() => return,
        Some((ca, _)) => format!(
            "`{name}` holds the leaf `{}` but not its issuer `{}`, which is only in `{}`: that file is never sent, so {peers} {fails} with \"unable to get local issuer certificate\"",
            v.subject, v.issuer, ca.name
        ),
        None => format!(
            "`{name}` holds the leaf `{}` but not its issuer `{}`: {fail} with \"unable to get local issuer certificate\"",
            v.subject, v.issuer
        ),
    };
    out.emit_at(t.cert.at(leaf), msg).help(
        "append the issuing CA after the leaf (Vault PKI: print `.Data.issuing_ca` or `.Data.ca_chain` after `.Data.certificate`)",
    );
}
