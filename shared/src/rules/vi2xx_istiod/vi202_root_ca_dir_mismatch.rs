use super::is_ca_file;
use crate::injector::config::clean;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that istiod's `ROOT_CA_DIR` environment variable is set to the directory the
    /// agent renders the CA files into (`/vault/secrets` unless `secret-volume-path` says
    /// otherwise).
    ///
    /// ## Why it breaks
    /// istiod looks for its CA only in `ROOT_CA_DIR`, which defaults to `/etc/cacerts`
    /// (the optional `cacerts` Secret). If it points elsewhere, istiod finds no
    /// `ca-key.pem` and silently self-signs, while the Vault files sit unused.
    ///
    /// ## How to fix
    /// Set `ROOT_CA_DIR` to the render directory (`pilot.env` in values, the `discovery`
    /// container's `env` in manifests).
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   env:
    ///     ROOT_CA_DIR: /vault/secrets
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    /// ```
    code: "VI202",
    name: "root-ca-dir-mismatch",
    severity: Error,
    title: "`ROOT_CA_DIR` is missing or not where the CA files land",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let secrets = &t.injector.secrets;
    let ca: Vec<_> = secrets
        .iter()
        .filter(|s| is_ca_file(s.file_name()))
        .collect();
    let relevant: Vec<_> = if ca.is_empty() {
        secrets.iter().collect()
    } else {
        ca
    };
    let mut dirs: Vec<String> = relevant.iter().map(|s| clean(s.directory())).collect();
    dirs.dedup();
    dirs.sort();
    dirs.dedup();
    let Some(first) = dirs.first() else { return };
    if dirs.len() > 1 {
        out.emit(
            &t.spec.annotations_place,
            format!(
                "the CA files land in different directories ({}), but istiod reads one",
                dirs.join(", ")
            ),
        )
        .help("render all CA files into one directory");
        return;
    }
    match t.spec.env_var("ROOT_CA_DIR") {
        None => {
            out.emit(
                &t.spec.env_place,
                format!("`ROOT_CA_DIR` is not set: istiod reads /etc/cacerts, not the files rendered into {first}, and self-signs"),
            )
            .help(format!("set the environment variable `ROOT_CA_DIR: {first}`"));
        }
        Some(env) => {
            let Some(value) = env.value.as_deref() else {
                return;
            };
            let dir = clean(&format!("/{}", value.trim()));
            if dir != *first {
                out.emit(
                    &env.place,
                    format!("`ROOT_CA_DIR` is `{value}` but the agent renders the CA files into {first}: istiod finds no key and self-signs"),
                )
                .help(format!("set `ROOT_CA_DIR: {first}`"));
            }
        }
    }
}
