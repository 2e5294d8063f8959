use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds PEM files (`*.pem`, `tls.crt`, `tls.key`, `ca.crt`) that the injector would
    /// render with its default template, because no `agent-inject-template-<name>` (or
    /// `agent-inject-template-file-<name>`) is given.
    ///
    /// ## Why it breaks
    /// The default template writes the whole secret as `key: value` lines (or JSON), and on
    /// KV v2 as `data: map[...]`. That is not PEM: istiod fails with "failed to create an
    /// istiod CA", or, for a missing `ca-key.pem`, falls back to a self-signed CA.
    ///
    /// ## How to fix
    /// Add a template that prints just the one field.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/istio/ca"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/istio/ca"
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/istio/ca" -}}
    ///       {{ .Data.ca_key }}
    ///       {{ end -}}
    /// ```
    code: "VI110",
    name: "template-missing-for-pem",
    severity: Error,
    title: "a PEM file is rendered with the injector's default template",
    since: "0.1.0",
    Istiod: check,
}

pub(crate) fn is_pem_file(name: &str) -> bool {
    name.ends_with(".pem") || matches!(name, "tls.crt" | "tls.key" | "ca.crt")
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        if s.template.is_some() || s.template_file.is_some() || !is_pem_file(s.file_name()) {
            continue;
        }
        let path = s.path.and_then(|p| p.text()).unwrap_or("<path>");
        out.emit(
            &s.declared_by.key_place(),
            format!(
                "`{}` has no custom template, so the injector writes the whole secret as `key: value` text, not PEM",
                s.file_name()
            ),
        )
        .help(format!(
            "add `vault.hashicorp.com/agent-inject-template-{}` with `{{{{- with secret \"{path}\" -}}}}{{{{ .Data.<field> }}}}{{{{ end -}}}}`",
            s.raw_name
        ));
    }
}
