use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the Vault path in `agent-inject-secret-<name>` with the path the template
    /// of the same name reads (`with secret "<path>"`).
    ///
    /// ## Why it breaks
    /// The annotation's path is used only by the default template. With a custom template
    /// the file comes from the template's path, so a copy-paste slip (cluster1's path in
    /// cluster2's values) silently renders another cluster's CA.
    ///
    /// ## How to fix
    /// Make both paths the same.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/cluster2/ca"
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/cluster1/ca" -}}{{ .Data.ca_key }}{{ end -}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/cluster2/ca"
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "kv/cluster2/ca" -}}{{ .Data.ca_key }}{{ end -}}
    /// ```
    code: "VI112",
    name: "template-path-mismatch",
    severity: Warning,
    title: "secret annotation path differs from the path the template reads",
    since: "0.1.0",
    Istiod: check,
}

fn norm(p: &str) -> &str {
    p.trim().trim_matches('/')
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        let (Some(path_ann), Some(tpl_ann), Some(tpl)) = (s.path, s.template, s.parsed.as_ref())
        else {
            continue;
        };
        let Some(declared) = path_ann.text() else {
            continue;
        };
        for read in &tpl.secret_reads {
            let Some(read_path) = read.path.as_deref() else {
                continue;
            };
            if norm(read_path) != norm(declared) {
                out.emit(
                    &tpl_ann.text_place(read.span.clone()),
                    format!(
                        "the template for `{}` reads `{read_path}` but `agent-inject-secret-{}` says `{declared}`; the file comes from `{read_path}`",
                        s.file_name(),
                        s.raw_name
                    ),
                )
                .help("use the same path in both annotations");
            }
        }
    }
}
