use super::live::{PROXY, injected, pods_reading_files, unrecovered_errors, watched_path};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: for every running, injected pod that must read certificate files, and
    /// whose whole `istio-proxy` log could be read, checks that pilot-agent logged "adding
    /// watcher for file certificate" for each certificate file (server or client
    /// certificate, CA bundle; keys are not watched).
    ///
    /// ## Why it breaks
    /// pilot-agent loads a file certificate when Envoy first asks for it and watches the
    /// certificate file from then on, so the Vault agent's renewals reach Envoy. No watcher
    /// line means the proxy never loaded the file: no listener asked for it (the Gateway
    /// does not configure this pod, or its port is not served), or the proxy is too old
    /// to watch files (before Istio 1.7; rotation was unreliable before 1.11). Renewed
    /// certificates then wait for a pod restart, and expire in Envoy.
    ///
    /// Only a log read whole from the proxy's start is judged: shorter than what the audit
    /// reads (1 MiB) and holding pilot-agent's "Readiness succeeded" line. A log the kubelet
    /// rotated (10 MiB by default) has lost its start, and a proxy not yet ready may not
    /// have asked for its files: neither is judged.
    ///
    /// ## How to fix
    /// Check that the pod serves the Gateway (`istioctl proxy-config listener <pod>`) and
    /// that the port is on its Service; upgrade a proxy older than 1.11.
    ///
    /// ## Example
    /// ```text
    /// Gateway shop  serverCertificate: /vault/secrets/tls.crt
    /// istio-proxy log: (no file certificate lines)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Gateway shop  serverCertificate: /vault/secrets/tls.crt
    /// istio-proxy log: info cache adding watcher for file certificate /vault/secrets/tls.crt
    /// ```
    code: "VI755",
    name: "gateway-proxy-cert-not-watched",
    severity: Warning,
    title: "a gateway proxy never loaded (or watches) a certificate file it is configured with",
    since: "0.1.0",
    LiveGateways: check,
}

/// The fields whose file pilot-agent watches (the key changes only with its certificate).
const WATCHED: &[&str] = &["serverCertificate", "clientCertificate", "caCertificates"];

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for (pod, files) in pods_reading_files(t, &live) {
        let Some(log) = pod.proxy_log.as_ref().filter(|l| l.complete) else {
            continue;
        };
        if !injected(pod) || !unrecovered_errors(log).is_empty() {
            continue; // VI752, VI754
        }
        let mut missing: Vec<&str> = files
            .iter()
            .filter(|f| WATCHED.contains(&f.field.key.as_str()))
            .map(|f| f.path.as_str())
            .filter(|path| !log.lines.iter().any(|l| watched_path(l) == Some(*path)))
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            continue;
        }
        out.emit_at(
            live.at(pod),
            format!(
                "`{PROXY}` of gateway pod `{}` never logged a watcher for {}: it has not loaded {}, and renewed files will not reach Envoy",
                pod.who(),
                missing.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            ),
        )
        .help(format!(
            "istioctl proxy-config secret {}.{}  (file-cert: entries show what the proxy loaded)",
            pod.name, pod.namespace
        ));
    }
}
