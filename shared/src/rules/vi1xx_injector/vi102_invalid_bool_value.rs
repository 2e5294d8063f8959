use super::typed_annotations;
use crate::finding::Severity;
use crate::injector::catalog::{OnInvalid, ValueKind};
use crate::injector::values::parse_bool;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every boolean injector annotation against the set the injector accepts
    /// (Go's `strconv.ParseBool`): `true`, `false`, `1`, `0`, `t`, `f`, `T`, `F`, `TRUE`,
    /// `FALSE`, `True`, `False`, and the empty string.
    ///
    /// ## Why it breaks
    /// `"yes"`, `"on"` or `" true"` are not in that set. The webhook then denies the pod
    /// (`admission webhook "vault.hashicorp.com" denied the request`), so the istiod
    /// ReplicaSet shows `FailedCreate` and no istiod pod starts. For
    /// `preserve-secret-case` the error is swallowed and the value counts as false.
    ///
    /// ## How to fix
    /// Use `"true"` or `"false"`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "yes"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    /// ```
    code: "VI102",
    name: "invalid-bool-value",
    severity: Error,
    title: "boolean annotation value the injector cannot parse",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for (a, spec, value) in typed_annotations(&t.spec.annotations) {
        if spec.kind != ValueKind::Bool {
            continue;
        }
        let Err(e) = parse_bool(value) else { continue };
        if spec.on_invalid == OnInvalid::SilentlyIgnored {
            out.emit(
                &a.place(),
                format!(
                    "{}: the injector ignores the error and treats it as false",
                    e.message
                ),
            )
            .severity(Severity::Warning)
            .help("use \"true\" or \"false\"");
        } else {
            out.emit(
                &a.place(),
                format!("{}: the webhook rejects the pod", e.message),
            )
            .help("use \"true\" or \"false\"");
        }
    }
}
