use crate::injector::catalog::{self, ValueKind};
use crate::rules::{Emitter, Target, declare_rule};
use crate::source::scalar::{Resolved, resolve_k8s};
use crate::source::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Finds pod annotation values that Kubernetes and Helm do not read as strings. They
    /// parse YAML with the 1.1 rules of go-yaml v2: unquoted `true`, `yes`, `on`, `y` are
    /// booleans, `100` and `0644` are integers (`0644` is octal, i.e. 420), `1.5` is a float.
    ///
    /// ## Why it breaks
    /// Annotation values must be strings. A Deployment manifest with such a value is
    /// rejected when it is applied; through Helm values the chart re-renders the value
    /// unquoted (`0644` even becomes `420`) and the install fails the same way.
    ///
    /// ## How to fix
    /// Quote the value.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: yes
    ///     vault.hashicorp.com/agent-inject-perms-ca-key.pem: 0640
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    ///     vault.hashicorp.com/agent-inject-perms-ca-key.pem: "0640"
    /// ```
    code: "VI104",
    name: "unquoted-annotation-value",
    severity: Error,
    title: "annotation value is not a string as Kubernetes reads YAML",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for a in &t.spec.annotations {
        let scalar = match &a.value {
            Node::Scalar(s, _) => s,
            Node::Mapping(..) | Node::Sequence(..) => {
                out.emit(
                    &a.place(),
                    format!(
                        "`{}` has a map or list as its value: annotation values must be strings",
                        a.key
                    ),
                );
                continue;
            }
        };
        let resolved = resolve_k8s(scalar);
        let reading = match &resolved {
            Resolved::Str | Resolved::Null => continue,
            Resolved::Bool(b) => format!("the boolean {b}"),
            Resolved::Int(i) if i.to_string() != scalar.value.trim_start_matches('+') => {
                format!("the integer {i}")
            }
            Resolved::Int(_) => "an integer".to_string(),
            Resolved::Float => "a float".to_string(),
        };
        let bool_key = a
            .vault_name()
            .and_then(catalog::lookup)
            .is_some_and(|r| r.spec.kind == ValueKind::Bool);
        let suggestion = match resolved {
            Resolved::Bool(b) if bool_key => format!("\"{b}\""),
            _ => format!("\"{}\"", scalar.value),
        };
        // Only a tag (`!!bool "true"`) can make a quoted value something other than a string.
        let (written, fix) = match &scalar.tag {
            Some(tag) => {
                let shown = tag
                    .strip_prefix("tag:yaml.org,2002:")
                    .map_or_else(|| tag.clone(), |t| format!("!!{t}"));
                (format!("`{shown}`-tagged"), "drop the tag and quote it")
            }
            None => ("unquoted".to_string(), "quote it"),
        };
        out.emit(
            &a.place(),
            format!(
                "{written} `{}` is read as {} (YAML 1.1, as Kubernetes and Helm parse it); annotation values must be strings",
                scalar.value, reading
            ),
        )
        .help(format!("{fix}: {suggestion}"));
    }
}
