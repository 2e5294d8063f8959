use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that a KV secrets engine is mounted where istiod's templates read.
    ///
    /// ## Why it breaks
    /// The agent's read fails (`no secret exists at`, or a 403 from the preflight check);
    /// `vault-agent-init` exits after its retries and istiod never starts with its CA.
    ///
    /// ## How to fix
    /// Mount the engine (`vault secrets enable -path=kv -version=2 kv`) and store the CA,
    /// or fix the template's path (`vault secrets list`).
    ///
    /// ## Example
    /// ```text
    /// {{- with secret "kubernetes-cluster1-secret/istiod-service/certs" -}}   # mount is …-secrets/
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// {{- with secret "kubernetes-cluster1-secrets/istiod-service/certs" -}}
    /// ```
    code: "VI510",
    name: "kv-mount-missing",
    severity: Error,
    title: "no KV secrets engine is mounted where istiod's templates read",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (n, path, state) in super::all_secrets(t) {
        match &state.mount {
            Reading::Missing => {
                out.emit_at(
                    super::at(path),
                    format!(
                        "{}: no secrets engine is mounted at `{path}`: the agent cannot read istiod's CA",
                        super::who(n)
                    ),
                )
                .help("mount a KV engine there (vault secrets enable -path=<mount> kv), or fix the path in the templates (vault secrets list)");
            }
            Reading::Found(m) if m.type_ != "kv" => {
                out.emit_at(
                    super::at(path),
                    format!(
                        "{}: `{path}` is on a `{}` secrets engine mounted at `{}`, not KV",
                        super::who(n),
                        m.type_,
                        m.path
                    ),
                );
            }
            _ => {}
        }
    }
}
