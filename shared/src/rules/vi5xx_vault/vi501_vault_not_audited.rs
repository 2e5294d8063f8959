use crate::audit::VaultTarget;
use crate::audit::vault::{ReadFailure, Reading};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports what the audit could not read from Vault: the server itself (connection
    /// refused, timeout, unknown TLS authority, a rejected token), and each read Vault
    /// refused or failed (a sealed server, a 403 on `sys/auth`, a 500).
    ///
    /// ## Why it breaks
    /// A check that could not run is not a check that passed: if the audit cannot read
    /// the role, it cannot tell whether the role binds istiod.
    ///
    /// ## How to fix
    /// Point `VAULT_ADDR` (and `VAULT_CACERT` for a private CA) at the server, and give
    /// the audit a token whose policy may read `sys/auth`, `sys/mounts`,
    /// `sys/policies/acl/*`, `auth/<mount>/config`, `auth/<mount>/role/*` and the
    /// secrets' `subkeys/` (KV v2) or paths (KV v1).
    ///
    /// ## Example
    /// ```text
    /// VAULT_ADDR=https://vault.example.com:8200   # no VAULT_CACERT for its private CA
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// VAULT_ADDR=https://vault.example.com:8200 VAULT_CACERT=vault-ca.pem
    /// ```
    code: "VI501",
    name: "vault-not-audited",
    severity: Error,
    title: "part of the Vault server could not be audited",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    let v = t.vault;
    if let Some(why) = &v.unreachable {
        let which = if v.address.is_empty() {
            "Vault".to_string()
        } else {
            format!("Vault at {}", v.address)
        };
        out.emit_at(
            super::at(""),
            format!("{which} could not be audited: {why}"),
        )
        .help("the clusters were still audited; fix VAULT_ADDR, VAULT_CACERT or the token and run again");
        return;
    }
    for n in t.elsewhere {
        let theirs = n.vault_namespace.as_deref().unwrap_or("");
        let name = |ns: &str| {
            if ns.is_empty() {
                "the root namespace".to_string()
            } else {
                format!("namespace `{ns}`")
            }
        };
        out.emit_at(
            super::at(""),
            format!(
                "{}: istiod uses Vault {} (vault.hashicorp.com/namespace), the audit read {}: its Vault setup was not checked",
                super::who(n),
                name(theirs),
                name(v.namespace.as_deref().unwrap_or(""))
            ),
        )
        .severity(crate::finding::Severity::Warning)
        .help(format!("audit it with VAULT_NAMESPACE={theirs}"));
    }
    let mut all: Vec<Option<&ReadFailure>> = vec![failure(&v.auth_mounts)];
    for m in v.auth.values() {
        all.push(failure(&m.config));
        all.extend(m.roles.values().map(failure));
    }
    all.extend(v.policies.values().map(failure));
    for s in v.secrets.values() {
        all.push(failure(&s.mount));
        all.push(failure(&s.keys));
    }
    let mut failures: Vec<&ReadFailure> = Vec::new();
    for f in all.into_iter().flatten() {
        if !failures.contains(&f) {
            failures.push(f);
        }
    }
    for f in failures {
        let path = f.what.split_once(' ').map_or(f.what.as_str(), |(_, p)| p);
        let e = out.emit_at(super::at(path), format!("cannot {}: {}", f.what, f.message));
        if f.status == Some(403) {
            e.help("the audit's token lacks read on this path: add it to the auditor policy (vault policy read <name>)");
        }
    }
}

fn failure<T>(r: &Reading<T>) -> Option<&ReadFailure> {
    match r {
        Reading::Failed(f) => Some(f),
        _ => None,
    }
}
