use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Says when the certificates in Vault were not verified: `--no-secret-read` was
    /// given, or the audit's token may not read the values (a 403 is normal: an auditor
    /// need not read a CA key). The path, the mount and the fields were still checked.
    ///
    /// ## Why it breaks
    /// Nothing broke; but an expired intermediate or a key that does not match its
    /// certificate in Vault goes unseen until istiod fails.
    ///
    /// ## How to fix
    /// Run the audit once with a token that may read the secret (without
    /// `--no-secret-read`), or verify the bundle where it is made: `kubectl vault-istio
    /// verify`.
    ///
    /// ## Example
    /// ```text
    /// kubectl vault-istio audit --vault --no-secret-read
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// VAULT_TOKEN=<token that may read the CA> kubectl vault-istio audit --vault
    /// ```
    code: "VI513",
    name: "secret-values-not-checked",
    severity: Info,
    title: "the certificates stored in Vault were not verified",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (n, path, state) in super::all_secrets(t) {
        // Without a mount or a secret there is nothing to verify (VI510, VI511 say so).
        if state.mount.found().is_none() || matches!(state.keys, Reading::Missing) {
            continue;
        }
        let why = match &state.values {
            Reading::Skipped(why) => why.clone(),
            Reading::Failed(f) => crate::audit::describe_failure(f),
            _ => continue,
        };
        out.emit_at(
            super::at(&state.api_path(path)),
            format!(
                "{}: the values at `{path}` were not verified: {why}",
                super::who(n)
            ),
        );
    }
}
