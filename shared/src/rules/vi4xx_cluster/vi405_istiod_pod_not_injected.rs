use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every running istiod pod: it carries `vault.hashicorp.com/agent-inject-status:
    /// injected`, and its `vault-agent-init` init container ran and exited 0.
    ///
    /// ## Why it breaks
    /// A pod without that status was not injected (the webhook was down with `Ignore`,
    /// or the annotations never reached it); a `vault-agent-init` that did not exit 0
    /// rendered nothing. Either way istiod runs on a self-signed CA or not at all.
    ///
    /// ## How to fix
    /// Fix the injection (see the lint and webhook findings), then `kubectl rollout
    /// restart deploy/istiod -n istio-system`.
    ///
    /// ## Example
    /// ```text
    /// istiod-5d9c…  annotations: {}   initContainers: []
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// istiod-5d9c…  vault.hashicorp.com/agent-inject-status: injected   vault-agent-init: exit 0
    /// ```
    code: "VI405",
    name: "istiod-pod-not-injected",
    severity: Error,
    title: "a running istiod pod was not injected with the Vault agent",
    since: "0.1.0",
    Cluster: check,
}

const INIT: &str = "vault-agent-init";

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    for d in &s.istiod {
        for p in &d.pods {
            let at = s.at(Some(&d.namespace), "Pod", &p.name);
            let status = p
                .annotations
                .get("vault.hashicorp.com/agent-inject-status")
                .map(String::as_str);
            if status != Some("injected") {
                out.emit_at(at, format!("istiod pod `{}` was not injected by the Vault agent (no `agent-inject-status: injected`): it cannot have the CA from Vault", p.name))
                    .help("fix the injection, then kubectl rollout restart deploy/".to_string() + &d.name);
                continue;
            }
            match p.init_containers.iter().find(|c| c.name == INIT) {
                None => {
                    out.emit_at(at, format!("istiod pod `{}` has no `{INIT}` init container (agent-pre-populate off?): istiod may start before its CA files exist", p.name));
                }
                Some(c) if c.exit_code != Some(0) => {
                    let how = c.exit_code.map_or_else(
                        || format!("is {}", c.state),
                        |code| format!("exited {code}"),
                    );
                    out.emit_at(
                        at,
                        format!(
                            "`{INIT}` in istiod pod `{}` {how}: the CA files were not rendered",
                            p.name
                        ),
                    )
                    .help(format!(
                        "kubectl logs -n {} {} -c {INIT}",
                        d.namespace, p.name
                    ));
                }
                Some(_) => {}
            }
        }
    }
}
