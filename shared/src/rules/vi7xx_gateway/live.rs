//! What the live gateway rules (VI750–VI755) share: the running pods a Gateway selects,
//! and the certificate files each pod must read.

use super::{dr_tls, dr_used_files, resolved, used_files};
use crate::audit::snapshot::GatewayPod;
use crate::gateway::{Field, IstioGateway};
use crate::rules::{GatewayTarget, LiveGateways};

/// The Vault agent's init container and sidecar (vault-k8s `agent-inject`).
pub(crate) const AGENT_INIT: &str = "vault-agent-init";
pub(crate) const AGENT_SIDECAR: &str = "vault-agent";
pub(crate) const PROXY: &str = "istio-proxy";

/// pilot-agent's line when it cannot load certificate files (secretcache.go).
pub(crate) const FILE_ERROR: &str = "failed to generate secret for proxy from file";
/// pilot-agent's line when it starts watching a certificate file (secretcache.go).
pub(crate) const WATCHING: &str = "adding watcher for file certificate ";

/// A file a pod's proxy must read: the cleaned absolute path, the field naming it, and
/// the object that names it (`Gateway ns/name`).
#[derive(Clone)]
pub(crate) struct NeededFile<'a> {
    pub path: String,
    pub field: &'a Field,
    pub by: String,
}

/// The files `gw`'s servers make pilot-agent read on the judged Istio version.
pub(crate) fn gateway_files<'g>(
    t: &GatewayTarget<'_>,
    gw: &'g IstioGateway,
) -> Vec<NeededFile<'g>> {
    gw.servers
        .iter()
        .filter_map(|s| s.tls.as_ref())
        .flat_map(|tls| used_files(tls, t.istio_version))
        .filter_map(|f| {
            f.text.as_deref().map(|p| NeededFile {
                path: resolved(p),
                field: f,
                by: super::gateway_name(gw),
            })
        })
        .collect()
}

/// The Gateways that make their pods read certificate files, with those files.
pub(crate) fn file_gateways<'t>(
    t: &'t GatewayTarget<'_>,
) -> impl Iterator<Item = (&'t IstioGateway, Vec<NeededFile<'t>>)> {
    t.inventory.gateways.iter().filter_map(move |gw| {
        let files = gateway_files(t, gw);
        (!files.is_empty()).then_some((gw, files))
    })
}

fn has_labels(pod: &GatewayPod, selector: &[(String, String)]) -> bool {
    selector
        .iter()
        .all(|(k, v)| pod.labels.get(k).is_some_and(|have| have == v))
}

/// The pods (any phase) whose labels include every `selector` label of `gw` (all pods for
/// a Gateway without one); with `scoped`, only those in the Gateway's namespace.
pub(crate) fn selected<'p>(
    live: &LiveGateways<'p>,
    gw: &IstioGateway,
    scoped: bool,
) -> Vec<&'p GatewayPod> {
    live.pods
        .iter()
        .filter(|p| gw.selector.as_deref().is_none_or(|sel| has_labels(p, sel)))
        .filter(|p| !scoped || gw.namespace.as_deref().is_none_or(|ns| ns == p.namespace))
        .collect()
}

pub(crate) fn running(pod: &GatewayPod) -> bool {
    pod.phase == "Running"
}

/// Every running pod some file-naming Gateway selects, with the files it must read: those
/// of each such Gateway, and those of the DestinationRules whose `workloadSelector` picks
/// it in their namespace (egress gateways originating TLS with files).
pub(crate) fn pods_reading_files<'t>(
    t: &'t GatewayTarget<'_>,
    live: &LiveGateways<'t>,
) -> Vec<(&'t GatewayPod, Vec<NeededFile<'t>>)> {
    let mut out: Vec<(&GatewayPod, Vec<NeededFile<'_>>)> = Vec::new();
    let mut add = |pod: &'t GatewayPod, files: Vec<NeededFile<'t>>| match out
        .iter_mut()
        .find(|(p, _)| std::ptr::eq(*p, pod))
    {
        Some((_, have)) => {
            for f in files {
                if !have.iter().any(|h| h.path == f.path) {
                    have.push(f);
                }
            }
        }
        None => out.push((pod, files)),
    };
    for (gw, files) in file_gateways(t) {
        for pod in selected(live, gw, t.scoped_to_namespace) {
            if running(pod) {
                add(pod, files.clone());
            }
        }
    }
    for (dr, d, _) in dr_tls(&t.inventory.destination_rules) {
        let Some(sel) = &dr.workload_selector else {
            continue;
        };
        let files: Vec<NeededFile<'_>> = dr_used_files(&d.tls)
            .into_iter()
            .filter_map(|f| {
                f.text.as_deref().map(|p| NeededFile {
                    path: resolved(p),
                    field: f,
                    by: super::dr_name(dr),
                })
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        for pod in live.pods.iter().filter(|p| {
            running(p)
                && has_labels(p, sel)
                && dr.namespace.as_deref().is_none_or(|ns| ns == p.namespace)
        }) {
            add(pod, files.clone());
        }
    }
    out
}

/// The resource an SDS line names: `file-cert:/a.crt~/a.key` or `file-root:/ca.crt`.
fn resource(line: &str) -> Option<&str> {
    let at = line
        .find("file-cert:")
        .or_else(|| line.find("file-root:"))?;
    line[at..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\\' || c == ',')
        .next()
}

/// pilot-agent's "failed to generate secret for proxy from file" lines that no later
/// successful read of the same resource answered (it retries: an error before the agent
/// rendered the files, then a read, is a recovery, not a failure).
pub(crate) fn unrecovered_errors(log: &crate::audit::snapshot::ProxyLog) -> Vec<&String> {
    log.lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(FILE_ERROR))
        .filter(|(i, l)| {
            let Some(res) = resource(l) else { return true };
            !log.lines[i + 1..].iter().any(|later| {
                later.contains("read certificate from file") && resource(later) == Some(res)
            })
        })
        .map(|(_, l)| l)
        .collect()
}

/// The path a watcher line names (text or JSON logs).
pub(crate) fn watched_path(line: &str) -> Option<&str> {
    line.split(WATCHING)
        .nth(1)?
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\\' || c == '}')
        .next()
}

/// Whether the pod is meant to get its files from the Vault agent: it asks for injection,
/// or `path` lies under the agent's secrets directory (`secret-volume-path`, default
/// `/vault/secrets`). Files a Secret or CSI volume provides are not this tool's business.
pub(crate) fn vault_provides(pod: &GatewayPod, path: &str) -> bool {
    let asks = pod
        .annotations
        .get("vault.hashicorp.com/agent-inject")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let dir = pod
        .annotations
        .get("vault.hashicorp.com/secret-volume-path")
        .map_or("/vault/secrets", String::as_str)
        .trim_end_matches('/');
    asks || path.starts_with(&format!("{dir}/"))
}

/// Whether the Vault agent injected the pod.
pub(crate) fn injected(pod: &GatewayPod) -> bool {
    pod.annotations
        .get("vault.hashicorp.com/agent-inject-status")
        .is_some_and(|s| s == "injected")
}

/// `{istio: ingress, app: istio-ingress}` for messages.
pub(crate) fn labels_text<'a>(
    labels: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> String {
    let l: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{{{}}}", l.join(", "))
}
