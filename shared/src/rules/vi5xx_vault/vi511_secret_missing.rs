use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that a secret exists at each path istiod's templates read (KV v2:
    /// `subkeys/`, so no value is read; KV v1: the read itself, or a LIST of its
    /// parent with `--no-secret-read`).
    ///
    /// ## Why it breaks
    /// The agent logs `no secret exists at <path>`, retries about twelve times, then
    /// exits: `vault-agent-init` ends in `Init:Error` and istiod never starts.
    ///
    /// ## How to fix
    /// Store the four PEM files there (`vault kv put <path> ca_key=@ca-key.pem
    /// ca_cert=@ca-cert.pem cert_chain=@cert-chain.pem root_cert=@root-cert.pem`), or
    /// fix the path in the templates.
    ///
    /// ## Example
    /// ```text
    /// vault kv get kubernetes-cluster1-secrets/istiod-service/certs   # No value found
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// vault kv put kubernetes-cluster1-secrets/istiod-service/certs ca_key=@ca-key.pem …
    /// ```
    code: "VI511",
    name: "secret-missing",
    severity: Error,
    title: "no secret exists at a path istiod's templates read",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (n, path, state) in super::all_secrets(t) {
        if matches!(state.keys, Reading::Missing) {
            out.emit_at(
                super::at(&state.api_path(path)),
                format!(
                    "{}: no secret exists at `{path}`: the agent fails with `no secret exists at` and istiod gets no CA",
                    super::who(n)
                ),
            )
            .help(format!("vault kv put {path} ca_key=@ca-key.pem ca_cert=@ca-cert.pem cert_chain=@cert-chain.pem root_cert=@root-cert.pem"));
        }
    }
}
