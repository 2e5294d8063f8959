use super::live::{PROXY, unrecovered_errors};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: reads the `istio-proxy` log of every gateway pod and flags pilot-agent's
    /// "failed to generate secret for proxy from file" lines that no later read of the same
    /// files answered (pilot-agent retries), quoting the most recent. Only pilot-agent's own
    /// lines count: a client cannot plant one through the access log.
    ///
    /// ## Why it breaks
    /// pilot-agent writes that line when it cannot load a certificate file a Gateway or
    /// DestinationRule names: the file is missing, unreadable by uid 1337, not PEM, or
    /// its first certificate does not match the key. Envoy then has no certificate for the
    /// listener (or the upstream cluster) and keeps asking; clients see handshake
    /// failures while every Kubernetes object looks fine.
    ///
    /// ## How to fix
    /// Read the quoted error: `no such file or directory` means the agent did not render
    /// the path (compare the Gateway with the pod's `agent-inject-secret-*` annotations),
    /// `permission denied` means the file mode hides it from uid 1337, `private key does
    /// not match public key` means the certificate file does not start with the leaf of
    /// that key. `kubectl vault-istio verify --gateway` checks rendered files offline.
    ///
    /// ## Example
    /// ```text
    /// error cache resource:file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key failed to generate secret for proxy from file: open /vault/secrets/tls.crt: no such file or directory
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// info cache adding watcher for file certificate /vault/secrets/tls.crt
    /// info cache read certificate from file resource=file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key
    /// ```
    code: "VI754",
    name: "gateway-proxy-file-cert-error",
    severity: Error,
    title: "a gateway proxy logs that it cannot load its certificate files",
    since: "0.1.0",
    LiveGateways: check,
}

/// Quoted lines are cut to this many characters.
const QUOTE: usize = 300;

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for pod in live.pods {
        let Some(log) = &pod.proxy_log else { continue };
        let failures = unrecovered_errors(log);
        let Some(last) = failures.last() else {
            continue;
        };
        let quoted: String = last
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(QUOTE)
            .collect();
        out.emit_at(
            live.at(pod),
            format!(
                "`{PROXY}` of gateway pod `{}` cannot load certificate files ({} time{} in the log read); the latest: {quoted}",
                pod.who(),
                failures.len(),
                if failures.len() == 1 { "" } else { "s" }
            ),
        )
        .help(format!(
            "kubectl logs -n {} {} -c {PROXY} | grep 'from file'",
            pod.namespace, pod.name
        ));
    }
}
