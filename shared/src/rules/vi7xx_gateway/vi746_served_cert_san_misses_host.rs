use super::{covers, host_name};
use crate::gateway::served::ServedTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the served leaf's DNS names (subjectAltName) with the hosts the gateway
    /// serves it for (`--host`, or the `servers[].hosts` of the Gateway that names the
    /// file) and flags every host no name covers. `*.example.com` covers one label
    /// (`shop.example.com`); a `*` host is skipped, and an `ns/` prefix is dropped.
    ///
    /// ## Why it breaks
    /// Clients check that the certificate names the host they connect to, and ignore the
    /// common name when the certificate has DNS names (Go always ignores it). A host the
    /// certificate does not cover fails with a name mismatch although the gateway routes
    /// it.
    ///
    /// ## How to fix
    /// Issue the certificate with every host among its names (Vault PKI: `common_name=`
    /// and `alt_names=` in the `secret "pki/issue/<role>"` call, which the role's
    /// `allowed_domains` must permit), or a wildcard that covers them.
    ///
    /// ## Example
    /// ```text
    /// hosts: shop.example.com, api.example.com
    /// tls.crt: DNS:shop.example.com
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// hosts: shop.example.com, api.example.com
    /// tls.crt: DNS:shop.example.com, DNS:api.example.com
    /// ```
    code: "VI746",
    name: "served-cert-san-misses-host",
    severity: Error,
    title: "a served certificate does not name a host the gateway serves with it",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    if t.client {
        return;
    }
    let Some(leaf) = t.leaf() else { return };
    let names = &leaf.value.dns_names;
    let mut done: Vec<String> = Vec::new();
    for host in &t.hosts {
        let name = host_name(host);
        if name == "*" || name.is_empty() || done.iter().any(|d| d.eq_ignore_ascii_case(name)) {
            continue;
        }
        done.push(name.to_string());
        if names.iter().any(|n| covers(n, name)) {
            continue;
        }
        let has = if names.is_empty() {
            "no DNS names (clients ignore the common name)".to_string()
        } else {
            format!(
                "the DNS names {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.emit_at(
            t.cert.at(leaf),
            format!(
                "host `{name}` is not covered by the leaf `{}` of `{}`, which has {has}: clients reaching it get a certificate name mismatch",
                leaf.value.subject, t.cert.name
            ),
        )
        .help(format!(
            "issue the certificate with `{name}` among its names (Vault PKI: `alt_names=` in the `secret \"pki/issue/<role>\"` call)"
        ));
    }
}
