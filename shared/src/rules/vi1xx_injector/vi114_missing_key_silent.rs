use super::bool_of;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Points out custom templates rendered without `error-on-missing-key-<name>: "true"`.
    ///
    /// ## Why it breaks
    /// By default a field missing from the secret prints `<no value>` and the agent still
    /// writes the file. istiod then fails on a file that says `<no value>`, far from the
    /// cause. With the annotation the agent fails instead and names the key.
    ///
    /// ## How to fix
    /// Add `vault.hashicorp.com/error-on-missing-key-<name>: "true"`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/istio/ca" -}}{{ .Data.ca_key }}{{ end -}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/istio/ca" -}}{{ .Data.ca_key }}{{ end -}}
    ///     vault.hashicorp.com/error-on-missing-key-ca-key.pem: "true"
    /// ```
    code: "VI114",
    name: "missing-key-silent",
    severity: Info,
    title: "a missing secret field would render `<no value>` silently",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        let Some(ann) = s.template else { continue };
        if bool_of(s.error_on_missing_key) == Some(true) {
            continue;
        }
        out.emit(
            &ann.key_place(),
            format!(
                "a field missing from the secret renders `<no value>` into `{}` without an error",
                s.file_name()
            ),
        )
        .help(format!(
            "add `vault.hashicorp.com/error-on-missing-key-{}: \"true\"`",
            s.raw_name
        ));
    }
}
