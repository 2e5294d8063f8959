use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Parses each `agent-inject-template-<name>` as the Vault agent will (Go
    /// text/template with consul-template's functions) and reports unclosed actions,
    /// unbalanced `with`/`range`/`if` and `end`, `{{-` without the space that makes it a
    /// trim marker, custom delimiters the template does not use, and templates that read
    /// no secret at all.
    ///
    /// ## Why it breaks
    /// A template that does not parse makes the agent fail, so the init container never
    /// completes and istiod never starts. `{{-3}}` is the number -3, not a trimmed 3. A
    /// template with no `secret` call writes the same text on every cluster.
    ///
    /// ## How to fix
    /// Close every action and block; put a space after `{{-` and before `-}}`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/istio/ca" -}}
    ///       {{ .Data.ca_key }}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/istio/ca" -}}
    ///       {{ .Data.ca_key }}
    ///       {{ end -}}
    /// ```
    code: "VI111",
    name: "template-parse",
    severity: Error,
    title: "agent template that does not parse or reads no secret",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        let (Some(ann), Some(tpl)) = (s.template, s.parsed.as_ref()) else {
            continue;
        };
        let text = ann.text().unwrap_or_default();
        for e in &tpl.errors {
            out.emit(
                &ann.text_place(e.span.clone()),
                format!("template for `{}`: {}", s.file_name(), e.message),
            );
        }
        if !tpl.errors.is_empty() {
            continue;
        }
        let custom = s.left_delim != "{{" || s.right_delim != "}}";
        if custom && !text.contains(s.left_delim.as_str()) && text.contains("{{") {
            out.emit(
                &ann.place(),
                format!(
                    "template for `{}` uses `{{{{ }}}}` but its delimiters are set to `{}` `{}`: the actions are written out as plain text",
                    s.file_name(),
                    s.left_delim,
                    s.right_delim
                ),
            )
            .help("remove the `agent-template-*-delim` annotations or write the actions with the custom delimiters");
        } else if tpl.secret_reads.is_empty() {
            out.emit(
                &ann.place(),
                format!("template for `{}` reads no secret: the file gets the same fixed text everywhere", s.file_name()),
            )
            .help("wrap the field in `{{- with secret \"<path>\" -}}...{{ end -}}`");
        }
    }
}
