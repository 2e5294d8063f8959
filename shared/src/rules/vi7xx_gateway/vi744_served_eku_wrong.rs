use crate::gateway::served::ServedTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the served leaf's extended key usage: when the extension is present it must
    /// allow `serverAuth` for a gateway's served certificate (`tls.crt`), or `clientAuth`
    /// for an egress gateway's client certificate (`client.crt`).
    ///
    /// ## Why it breaks
    /// The peer checks the purpose: a client rejects a server certificate without
    /// `serverAuth` (Go: "certificate specifies an incompatible key usage", OpenSSL:
    /// "unsupported certificate purpose"), and a server that asks for client certificates
    /// rejects one without `clientAuth`. A Vault PKI role sets these with `server_flag`
    /// and `client_flag` (`ext_key_usage` for others).
    ///
    /// ## How to fix
    /// Issue the certificate from a PKI role with `server_flag=true` (served certificates)
    /// or `client_flag=true` (client certificates).
    ///
    /// ## Example
    /// ```text
    /// tls.crt: X509v3 Extended Key Usage: TLS Web Client Authentication
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: X509v3 Extended Key Usage: TLS Web Server Authentication
    /// ```
    code: "VI744",
    name: "served-eku-wrong",
    severity: Error,
    title: "a served certificate's extended key usage does not allow its use",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    let Some(leaf) = t.leaf() else { return };
    let Some(eku) = &leaf.value.ext_key_usage else {
        return;
    };
    let allowed = eku.any
        || if t.client {
            eku.client_auth
        } else {
            eku.server_auth
        };
    if allowed {
        return;
    }
    let mut has: Vec<String> = Vec::new();
    if eku.server_auth {
        has.push("serverAuth".into());
    }
    if eku.client_auth {
        has.push("clientAuth".into());
    }
    has.extend(eku.other.iter().cloned());
    let has = if has.is_empty() {
        "no purpose".to_string()
    } else {
        has.join(", ")
    };
    let (usage, peer, flag) = if t.client {
        (
            "clientAuth",
            "the upstream server rejects it",
            "client_flag",
        )
    } else {
        ("serverAuth", "clients reject it", "server_flag")
    };
    out.emit_at(
        t.cert.at(leaf),
        format!(
            "the leaf `{}` of `{}` allows {has} but not {usage}: {peer} (\"incompatible key usage\")",
            leaf.value.subject, t.cert.name
        ),
    )
    .help(format!(
        "issue it from a PKI role with `{flag}=true` (or an `ext_key_usage` that includes {usage})"
    ));
}
