use crate::audit::VaultTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares each template's field shape with the real version of the KV mount it
    /// reads (`sys/internal/ui/mounts`): KV v2 keeps fields under `.Data.data`, KV v1
    /// directly under `.Data`.
    ///
    /// ## Why it breaks
    /// The wrong shape renders `<no value>` into the file; istiod then fails with "failed
    /// to create an istiod CA", or, for `ca-key.pem`, may fall back to a self-signed CA.
    ///
    /// ## How to fix
    /// Use `{{ .Data.data.ca_key }}` on KV v2 and `{{ .Data.ca_key }}` on KV v1 — or
    /// move the secret to a mount of the version the templates were written for.
    ///
    /// ## Example
    /// ```text
    /// {{- with secret "kv/istio/ca" -}}{{ .Data.ca_key }}{{ end -}}      # kv/ is KV v2
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// {{- with secret "kv/data/istio/ca" -}}{{ .Data.data.ca_key }}{{ end -}}
    /// ```
    code: "VI509",
    name: "kv-version-mismatch",
    severity: Error,
    title: "a template's field shape does not match its KV mount's version",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| n.reads.clone()) {
            continue;
        }
        for r in &n.reads {
            let Some(state) = t.vault.secrets.get(&r.path) else {
                continue;
            };
            let Some(mount) = state.mount.found().filter(|m| m.type_ == "kv") else {
                continue;
            };
            let (written, wanted) = match (mount.version, r.v2_shape) {
                (2, false) => (
                    format!(".Data.{}", r.field),
                    format!(".Data.data.{}", r.field),
                ),
                (1, true) => (
                    format!(".Data.data.{}", r.field),
                    format!(".Data.{}", r.field),
                ),
                _ => continue,
            };
            out.emit_at(
                super::at(&state.api_path(&r.path)),
                format!(
                    "{}: the template for `{}` reads `{written}` from `{}`, a KV v{} mount: the file renders `<no value>`",
                    super::who(n),
                    r.file,
                    r.path,
                    mount.version
                ),
            )
            .help(format!("use `{wanted}` in vault.hashicorp.com/agent-inject-template-{}", r.file));
        }
    }
}
