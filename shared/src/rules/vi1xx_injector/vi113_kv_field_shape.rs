use crate::finding::Severity;
use crate::injector::config::looks_kv2;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Matches the fields a template prints with the KV version its path suggests. A KV v2
    /// read goes through `<mount>/data/<path>` and its fields sit under `.Data.data`; a KV
    /// v1 read returns them directly under `.Data`.
    ///
    /// ## Why it breaks
    /// `.Data.ca_key` on a KV v2 path prints `<no value>`: the agent writes that text into
    /// `ca-key.pem` and istiod fails to parse it. `.Data.data.ca_key` on a KV v1 mount
    /// does the same. (A path without `data/` on a KV v2 mount still works, because the
    /// agent inserts `data/` itself; writing it out makes the version explicit. Connect to
    /// Vault with `audit --vault` to know the mount's version for sure.)
    ///
    /// ## How to fix
    /// On KV v2 read `<mount>/data/<path>` and print `.Data.data.<field>`; on KV v1 print
    /// `.Data.<field>`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "secret/data/istio/ca" -}}{{ .Data.ca_key }}{{ end -}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: |
    ///       {{- with secret "secret/data/istio/ca" -}}{{ .Data.data.ca_key }}{{ end -}}
    /// ```
    code: "VI113",
    name: "kv-field-shape",
    severity: Error,
    title: "template field shape does not match the KV version of its path",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        let (Some(ann), Some(tpl)) = (s.template, s.parsed.as_ref()) else {
            continue;
        };
        for field in &tpl.field_refs {
            let Some(read) = field.secret.and_then(|i| tpl.secret_reads.get(i)) else {
                continue;
            };
            let Some(path) = read.path.as_deref() else {
                continue;
            };
            let chain: Vec<&str> = field.chain.iter().map(String::as_str).collect();
            match (looks_kv2(path), chain.as_slice()) {
                (true, ["Data", key, ..]) if *key != "data" && *key != "metadata" => {
                    out.emit(
                        &ann.text_place(field.span.clone()),
                        format!("`.Data.{key}` on the KV v2 path `{path}` renders `<no value>`: KV v2 keeps fields under `.Data.data`"),
                    )
                    .help(format!("use `.Data.data.{key}`"));
                }
                (false, ["Data", "data", key, ..]) => {
                    out.emit(
                        &ann.text_place(field.span.clone()),
                        format!(
                            "`.Data.data.{key}` on `{path}`, which has no `data/` segment: on a KV v1 mount this renders `<no value>`"
                        ),
                    )
                    .severity(Severity::Warning)
                    .help("for KV v2 write the path as `<mount>/data/<path>`; for KV v1 use `.Data.<field>`");
                }
                _ => {}
            }
        }
    }
}
