use super::bool_of;
use crate::injector::values::parse_file_mode;
use crate::rules::{Emitter, Target, declare_rule};

/// The uid istiod's `discovery` container runs as.
const ISTIOD_UID: &str = "1337";

declare_rule! {
    /// ## What it does
    /// Finds `agent-inject-perms-<name>` modes without group read while the agent runs as
    /// a different user than istiod.
    ///
    /// ## Why it breaks
    /// The agent writes the files as uid 100 by default; istiod reads them as uid 1337
    /// (group 1337 through the pod's fsGroup, which owns the volume). Unix applies the
    /// group bits to istiod, so with `0600` (or even `0604`) istiod gets `permission
    /// denied` on `ca-key.pem` and crashes at start.
    ///
    /// ## How to fix
    /// Grant group read (`0640`: the group is istiod's fsGroup), or run the agent as
    /// istiod's user (`agent-run-as-user: "1337"` or `agent-run-as-same-user: "true"`).
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    ///     vault.hashicorp.com/agent-inject-perms-ca-key.pem: "0600"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    ///     vault.hashicorp.com/agent-inject-perms-ca-key.pem: "0640"
    /// ```
    code: "VI116",
    name: "perms-uid-mismatch",
    severity: Warning,
    title: "file mode istiod's user cannot read",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let run_as = t.spec.vault("agent-run-as-user").and_then(|a| a.text());
    if run_as == Some(ISTIOD_UID) || bool_of(t.spec.vault("agent-run-as-same-user")) == Some(true) {
        return;
    }
    for s in &t.injector.secrets {
        let Some(perms) = s.perms else { continue };
        let Some(mode) = perms.text().and_then(|v| parse_file_mode(v).ok()) else {
            continue;
        };
        // The volume's group is istiod's fsGroup, so for istiod the group bits decide
        // (Unix checks the first class that matches: a readable "other" does not help).
        if mode & 0o040 == 0 {
            out.emit(
                &perms.place(),
                format!(
                    "mode {:04o} gives istiod's group no read on `{}`: the agent writes it as uid {}, istiod reads as uid/group 1337 and gets permission denied",
                    mode,
                    s.file_name(),
                    run_as.unwrap_or("100")
                ),
            )
            .help("use \"0640\" (istiod reads through its fsGroup), or set `agent-run-as-user: \"1337\"`");
        }
    }
}
