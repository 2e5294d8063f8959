use super::live::{PROXY, injected, pods_reading_files};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: for every running, injected pod that a Gateway (or a
    /// DestinationRule's `workloadSelector`) makes read certificate files, checks that
    /// each file lies in a volume mounted into its `istio-proxy` container.
    ///
    /// ## Why it breaks
    /// pilot-agent, inside `istio-proxy`, reads the files. The injector mounts its
    /// `vault-secrets` volume only into the containers `vault.hashicorp.com/
    /// agent-inject-containers` lists (every container when unset), and at the directory
    /// `secret-volume-path` says. A list without `istio-proxy`, a custom path the
    /// Gateway does not use, or a proxy added after the Vault injector ran leaves the
    /// proxy without the files although the pod has them.
    ///
    /// ## How to fix
    /// Add `istio-proxy` to `agent-inject-containers` (or remove the annotation), and
    /// point the Gateway at the directory the agent renders to.
    ///
    /// ## Example
    /// ```text
    /// Gateway shop  serverCertificate: /vault/secrets/tls.crt
    /// pod …  istio-proxy mounts: /etc/istio/proxy, /var/run/secrets/workload-spiffe-uds
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Gateway shop  serverCertificate: /vault/secrets/tls.crt
    /// pod …  istio-proxy mounts: /etc/istio/proxy, /vault/secrets
    /// ```
    code: "VI753",
    name: "gateway-files-not-mounted-in-proxy",
    severity: Error,
    title: "a gateway's certificate files are not mounted into its istio-proxy container",
    since: "0.1.0",
    LiveGateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for (pod, files) in pods_reading_files(t, &live) {
        if !injected(pod) {
            continue; // VI752
        }
        let Some(proxy) = pod.container(PROXY) else {
            out.emit_at(
                live.at(pod),
                format!(
                    "gateway pod `{}` has no `{PROXY}` container, so nothing reads the files {} names",
                    pod.who(),
                    files[0].by
                ),
            );
            continue;
        };
        for f in files.iter().filter(|f| !proxy.sees(&f.path)) {
            let mounts = if proxy.mounts.is_empty() {
                "none".to_string()
            } else {
                proxy.mounts.join(", ")
            };
            out.emit_at(
                live.at(pod),
                format!(
                    "`{}` ({} `{}`) is in no volume mounted into `{PROXY}` of gateway pod `{}` (its mounts: {mounts})",
                    f.path, f.by, f.field.key, pod.who()
                ),
            )
            .help("list istio-proxy in vault.hashicorp.com/agent-inject-containers (or drop the annotation), and use the directory the agent renders to");
        }
    }
}
