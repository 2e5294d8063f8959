use crate::injector::values::parse_file_mode;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `vault.hashicorp.com/agent-inject-perms-<name>` on a gateway workload when the
    /// mode leaves the file unreadable to pilot-agent.
    ///
    /// ## Why it breaks
    /// The agent writes files as its own user (uid 100, group 1000 by default), while
    /// pilot-agent in `istio-proxy` reads them as uid and gid 1337, and the gateway
    /// injection template sets no `fsGroup`. So only the "other" read bit lets the proxy
    /// read: a mode such as `0400`, `0600` or `0640` ends in "permission denied", logged as
    /// "failed to generate secret for proxy from file", and no certificate is served.
    ///
    /// ## How to fix
    /// Use `0644` (the default), or make the agent run as the proxy's user with
    /// `vault.hashicorp.com/agent-run-as-user: "1337"` and keep an owner-read mode.
    ///
    /// ## Example
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-perms-tls.key: "0400"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// name: istio-ingressgateway
    /// service: {type: LoadBalancer}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-run-as-user: "1337"
    ///   vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    ///   vault.hashicorp.com/agent-inject-perms-tls.key: "0400"
    /// ```
    code: "VI714",
    name: "perms-unreadable-by-proxy",
    severity: Error,
    title: "a file mode the gateway proxy (uid 1337) cannot read",
    since: "0.1.0",
    Gateways: check,
}

const PROXY_UID: &str = "1337";

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for w in &t.inventory.workloads {
        let run_as = w.spec.vault("agent-run-as-user").and_then(|a| a.text());
        let injector = crate::injector::InjectorConfig::from_spec(&w.spec);
        for s in &injector.secrets {
            let Some(perms) = s.perms else { continue };
            let Some(mode) = perms.text().and_then(|v| parse_file_mode(v).ok()) else {
                continue; // VI103 reports a value that is not a mode
            };
            let readable = if run_as == Some(PROXY_UID) {
                mode & 0o400 != 0
            } else {
                mode & 0o004 != 0
            };
            if readable {
                continue;
            }
            let at = w.at(perms.place());
            let why = match run_as {
                Some(PROXY_UID) => "the agent writes it as uid 1337, pilot-agent's own user, but the mode gives the owner no read".to_string(),
                other => format!(
                    "the agent writes it as uid {} and pilot-agent reads as uid 1337 with no shared group",
                    other.unwrap_or("100")
                ),
            };
            out.emit_located(
                &at,
                format!(
                    "mode {mode:04o} on `{}` of gateway {}: {why}, so pilot-agent gets permission denied",
                    s.file_name(),
                    w.who()
                ),
            )
            .help("use \"0644\", or set `vault.hashicorp.com/agent-run-as-user: \"1337\"` with an owner-read mode");
        }
    }
}
