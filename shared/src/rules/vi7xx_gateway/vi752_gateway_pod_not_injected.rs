use super::live::{AGENT_INIT, AGENT_SIDECAR, injected, pods_reading_files, vault_provides};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: checks every running pod that a Gateway (or a DestinationRule's
    /// `workloadSelector`) makes read certificate files from the Vault agent (the pod asks
    /// for injection, or a file is under its secrets directory). It must carry
    /// `vault.hashicorp.com/agent-inject-status: injected`, its `vault-agent-init` must
    /// have exited 0, and it must run the `vault-agent` sidecar unless
    /// `vault.hashicorp.com/agent-pre-populate-only` is `"true"`.
    ///
    /// ## Why it breaks
    /// A pod the injector never mutated (webhook down with `failurePolicy: Ignore`,
    /// annotations missing from the pod template, `agent-inject` not `"true"`) has no
    /// `/vault/secrets` at all: pilot-agent logs "failed to generate secret for proxy
    /// from file" and the listener never gets its certificate. A `vault-agent-init` that
    /// did not exit 0 rendered nothing. Without the sidecar nobody renews the files, and a
    /// PKI certificate expires in place.
    ///
    /// ## How to fix
    /// Fix the injection (the lint and webhook findings say how), then restart the
    /// gateway: `kubectl rollout restart deploy/<gateway> -n <namespace>`.
    ///
    /// ## Example
    /// ```text
    /// pod istio-ingress/istio-ingress-6f7c9-abcde  annotations: {}  initContainers: []
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// pod istio-ingress/istio-ingress-6f7c9-abcde
    ///   vault.hashicorp.com/agent-inject-status: injected
    ///   initContainers: vault-agent-init (exit 0)   containers: istio-proxy, vault-agent
    /// ```
    code: "VI752",
    name: "gateway-pod-not-injected",
    severity: Error,
    title: "a gateway pod that must read certificate files was not injected by the Vault agent",
    since: "0.1.0",
    LiveGateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for (pod, files) in pods_reading_files(t, &live) {
        // Files from a Secret or CSI volume are not the Vault agent's to render.
        let files: Vec<_> = files
            .into_iter()
            .filter(|f| vault_provides(pod, &f.path))
            .collect();
        if files.is_empty() {
            continue;
        }
        let by = files[0].by.as_str();
        let restart = match pod.owner.split_once('/') {
            Some(("Deployment", name)) => {
                format!("kubectl rollout restart deploy/{name} -n {}", pod.namespace)
            }
            _ => format!(
                "kubectl delete pod {} -n {} (to recreate it)",
                pod.name, pod.namespace
            ),
        };
        if !injected(pod) {
            out.emit_at(
                live.at(pod),
                format!(
                    "gateway pod `{}` was not injected by the Vault agent (no `agent-inject-status: injected`), so the files {by} names (`{}`) do not exist there",
                    pod.who(),
                    files[0].path
                ),
            )
            .help(format!("fix the injection, then {restart}"));
            continue;
        }
        match pod.init_containers.iter().find(|c| c.name == AGENT_INIT) {
            Some(c) if c.exit_code != Some(0) => {
                let how = c.exit_code.map_or_else(
                    || format!("is {}", c.state),
                    |code| format!("exited {code}"),
                );
                out.emit_at(
                    live.at(pod),
                    format!(
                        "`{AGENT_INIT}` in gateway pod `{}` {how}: the certificate files were not rendered",
                        pod.who()
                    ),
                )
                .help(format!(
                    "kubectl logs -n {} {} -c {AGENT_INIT}",
                    pod.namespace, pod.name
                ));
            }
            _ => {}
        }
        let pre_populate_only = pod
            .annotations
            .get("vault.hashicorp.com/agent-pre-populate-only")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !pre_populate_only && pod.container(AGENT_SIDECAR).is_none() {
            out.emit_at(
                live.at(pod),
                format!(
                    "gateway pod `{}` runs no `{AGENT_SIDECAR}` sidecar although pre-populate-only is off: nobody renews its certificate files",
                    pod.who()
                ),
            )
            .help(format!("check the injector's version and the pod's annotations, then {restart}"));
        }
    }
}
