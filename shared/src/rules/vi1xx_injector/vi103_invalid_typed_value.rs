use super::typed_annotations;
use crate::finding::Severity;
use crate::injector::catalog::{OnInvalid, ValueKind, validate};
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Parses every typed injector annotation the way the injector (or the Vault agent)
    /// does: integers (`agent-run-as-user`), whole seconds (`agent-revoke-grace`), Go
    /// durations (`auth-min-backoff`), resource quantities (`agent-limits-cpu`), JSON
    /// patches, `agent-inject-default-template` and file modes (`agent-inject-perms-*`).
    ///
    /// ## Why it breaks
    /// A value the injector cannot parse makes the webhook deny the pod, so istiod never
    /// starts. `agent-revoke-grace: "5s"`, as some docs write it, is such a value: it takes
    /// a number of seconds. A bad file mode passes the webhook but makes the agent fail.
    ///
    /// ## How to fix
    /// Write the value in the form the message gives.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-revoke-grace: "5s"
    ///     vault.hashicorp.com/agent-limits-cpu: "half"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-revoke-grace: "5"
    ///     vault.hashicorp.com/agent-limits-cpu: "500m"
    /// ```
    code: "VI103",
    name: "invalid-typed-value",
    severity: Error,
    title: "annotation value the injector or agent cannot parse",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for (a, spec, value) in typed_annotations(&t.spec.annotations) {
        // Booleans are VI102, addresses VI120.
        if matches!(spec.kind, ValueKind::Bool | ValueKind::Url) {
            continue;
        }
        let Err(e) = validate(spec, value) else {
            continue;
        };
        match spec.on_invalid {
            OnInvalid::Rejected => {
                out.emit(
                    &a.place(),
                    format!("{}: the webhook rejects the pod", e.message),
                );
            }
            OnInvalid::AgentFails => {
                out.emit(
                    &a.place(),
                    format!("{}: the Vault agent fails to start", e.message),
                );
            }
            OnInvalid::SilentlyIgnored | OnInvalid::NotValidated => {
                out.emit(
                    &a.place(),
                    format!("{}: the injector passes it on unchecked", e.message),
                )
                .severity(Severity::Warning);
            }
        }
    }
}
