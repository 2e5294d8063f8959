use crate::audit::VaultTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the secret has every field istiod's templates print (on KV v2 from
    /// `subkeys/`, without reading a value).
    ///
    /// ## Why it breaks
    /// The agent renders a missing field as `<no value>` and writes the file anyway:
    /// istiod fails to load its CA, or with no usable `ca-key.pem` signs with a
    /// self-signed one.
    ///
    /// ## How to fix
    /// Add the field (`vault kv patch <path> root_cert=@root-cert.pem`), or fix the
    /// field name in the template.
    ///
    /// ## Example
    /// ```text
    /// {{ .Data.root_cert }}        # the secret has ca_key, ca_cert, cert_chain
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// vault kv patch kv/istio/ca root_cert=@root-cert.pem
    /// ```
    code: "VI512",
    name: "secret-key-missing",
    severity: Error,
    title: "the secret lacks a field istiod's templates print",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        for r in &n.reads {
            if !super::first(t.needs, i, |n| {
                n.reads
                    .iter()
                    .any(|o| o.path == r.path && o.field == r.field)
            }) {
                continue;
            }
            let Some(state) = t.vault.secrets.get(&r.path) else {
                continue;
            };
            let Some(keys) = state.keys.found() else {
                continue;
            };
            if keys.contains(&r.field) {
                continue;
            }
            let fields = if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            };
            out.emit_at(
                super::at(&state.api_path(&r.path)),
                format!(
                    "{}: the secret at `{}` has no field `{}` (fields: {fields}): `{}` renders `<no value>`",
                    super::who(n),
                    r.path,
                    r.field,
                    r.file
                ),
            )
            .help(format!(
                "vault kv patch {} {}=@{}, or fix the field in the template",
                r.path, r.field, r.file
            ));
        }
    }
}
