//! The gateway side of a cluster: Istio `Gateway` and `DestinationRule` objects, the
//! Deployments that run gateway proxies, and the pods those and the Gateways naming
//! certificate files select, with istio-proxy's log lines about file certificates.

use std::collections::BTreeMap;

use futures::future::join_all;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use kube::core::labels::Selector;
use serde_json::Value;
use vault_istio::audit::snapshot::{
    CollectProblem, GatewayPod, ObjectManifest, PodContainer, ProxyLog,
};

use super::{Collected, Collector, init_states};

/// How much of istio-proxy's log to read from its start (pilot-agent's startup lines,
/// where the file watchers are added). A longer log is read again from its end.
const LOG_HEAD_BYTES: i64 = 1 << 20;
/// Lines read from the end of a log longer than [`LOG_HEAD_BYTES`].
const LOG_TAIL_LINES: i64 = 2000;

/// A Deployment running a gateway proxy, as the gateway reader recognises one: the
/// injector's `gateway` template, a `router` proxy, or an `istio: *gateway` pod label.
fn is_gateway_deployment(d: &Deployment) -> bool {
    let Some(template) = d.spec.as_ref().map(|s| &s.template) else {
        return false;
    };
    let meta = template.metadata.as_ref();
    let labelled = meta
        .and_then(|m| m.labels.as_ref())
        .and_then(|l| l.get("istio"))
        .is_some_and(|v| v.ends_with("gateway"));
    let gateway_template = meta
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get("inject.istio.io/templates"))
        .is_some_and(|t| t == "gateway");
    let router = template.spec.as_ref().is_some_and(|s| {
        s.containers.iter().any(|c| {
            c.args
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == "router"))
        })
    });
    labelled || gateway_template || router
}

/// Pods to list: in one namespace or all, by a label selector.
struct PodQuery {
    namespace: Option<String>,
    selector: String,
    why: String,
    /// Keep only gateway proxies: a Gateway's selector may also match sidecar pods, which
    /// Istio never configures as gateways.
    gateways_only: bool,
}

/// A pod that runs (or, before injection, will run) a gateway proxy: the injector's
/// `gateway` template, or an `istio-proxy` started as a `router`.
fn is_gateway_pod(pod: &Pod) -> bool {
    let template = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("inject.istio.io/templates"))
        .is_some_and(|t| t.split(',').any(|t| t.trim() == "gateway"));
    let router = pod.spec.as_ref().is_some_and(|s| {
        s.containers.iter().any(|c| {
            c.name == "istio-proxy"
                && c.args
                    .as_ref()
                    .is_some_and(|a| a.iter().any(|x| x == "router"))
        })
    });
    template || router
}

/// The label selector of a Gateway naming certificate files (`None` otherwise, or when
/// it has no selector: it then applies to every gateway, whose pods are listed anyway).
fn file_gateway_selector(gateway: &Value) -> Option<String> {
    let servers = gateway.pointer("/spec/servers")?.as_array()?;
    let names_files = servers.iter().any(|s| {
        ["serverCertificate", "privateKey", "caCertificates", "caCrl"]
            .iter()
            .any(|k| {
                s.pointer(&format!("/tls/{k}"))
                    .and_then(Value::as_str)
                    .is_some_and(|p| !p.is_empty())
            })
    });
    let selector = gateway.pointer("/spec/selector")?.as_object()?;
    if !names_files || selector.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = selector
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    parts.sort();
    Some(parts.join(","))
}

/// `Deployment/<name>` for a pod of a ReplicaSet (its `pod-template-hash` suffix cut),
/// else the controller's `Kind/name`, else empty.
fn owner(pod: &Pod) -> String {
    let Some(o) = pod.metadata.owner_references.as_ref().and_then(|refs| {
        refs.iter()
            .find(|r| r.controller == Some(true))
            .or(refs.first())
    }) else {
        return String::new();
    };
    let hash = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("pod-template-hash"));
    match hash.and_then(|h| o.name.strip_suffix(&format!("-{h}"))) {
        Some(deployment) if o.kind == "ReplicaSet" => format!("Deployment/{deployment}"),
        _ => format!("{}/{}", o.kind, o.name),
    }
}

fn gateway_pod(pod: Pod, proxy_log: Option<ProxyLog>) -> GatewayPod {
    let owner = owner(&pod);
    let spec = pod.spec.unwrap_or_default();
    let status = pod.status.unwrap_or_default();
    GatewayPod {
        namespace: pod.metadata.namespace.unwrap_or_default(),
        name: pod.metadata.name.unwrap_or_default(),
        owner,
        labels: pod.metadata.labels.unwrap_or_default(),
        phase: status.phase.clone().unwrap_or_default(),
        annotations: pod.metadata.annotations.unwrap_or_default(),
        init_containers: init_states(&status),
        containers: spec
            .containers
            .iter()
            .map(|c| PodContainer {
                name: c.name.clone(),
                mounts: c
                    .volume_mounts
                    .iter()
                    .flatten()
                    .map(|m| m.mount_path.clone())
                    .collect(),
            })
            .collect(),
        proxy_log,
    }
}

/// The file-certificate lines of `text` (see [`ProxyLog::keeps`]).
fn kept(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .filter(|l| ProxyLog::keeps(l))
        .map(str::to_string)
}

impl Collector {
    /// Istio `Gateway` and `DestinationRule` objects and the Deployments running gateway
    /// proxies, in every namespace, for the gateway rules. Istio's CRDs not installed (404)
    /// is no problem: there is nothing to judge.
    pub(super) async fn gateway_objects(&self) -> Collected<Vec<ObjectManifest>> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let lp = ListParams::default();
        for (kind, plural) in [
            ("Gateway", "gateways"),
            ("DestinationRule", "destinationrules"),
        ] {
            let ar = ApiResource {
                group: "networking.istio.io".into(),
                version: "v1".into(),
                api_version: "networking.istio.io/v1".into(),
                kind: kind.into(),
                plural: plural.into(),
            };
            let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &ar);
            match self
                .read(
                    format!("list {plural}.networking.istio.io in all namespaces"),
                    api.list(&lp),
                )
                .await
            {
                Ok(list) => {
                    for mut o in list.items {
                        o.metadata.managed_fields = None;
                        // List items carry no apiVersion/kind; the reader needs them.
                        let mut v = serde_json::to_value(&o).unwrap_or_default();
                        v["apiVersion"] = ar.api_version.clone().into();
                        v["kind"] = kind.into();
                        out.push(ObjectManifest {
                            kind: kind.to_string(),
                            namespace: o.metadata.namespace.clone().unwrap_or_default(),
                            name: o.metadata.name.clone().unwrap_or_default(),
                            manifest: serde_json::to_string_pretty(&v).unwrap_or_default(),
                        });
                    }
                }
                Err(p) if p.status == Some(404) => {}
                Err(p) => problems.push(p),
            }
        }
        let api: Api<Deployment> = Api::all(self.client.clone());
        match self
            .read("list deployments in all namespaces", api.list(&lp))
            .await
        {
            Ok(list) => {
                for mut d in list.items.into_iter().filter(is_gateway_deployment) {
                    d.metadata.managed_fields = None;
                    out.push(ObjectManifest {
                        kind: "Deployment".into(),
                        namespace: d.metadata.namespace.clone().unwrap_or_default(),
                        name: d.metadata.name.clone().unwrap_or_default(),
                        manifest: serde_json::to_string_pretty(&d).unwrap_or_default(),
                    });
                }
            }
            Err(p) => problems.push(p),
        }
        out.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
        (Some(out), problems)
    }

    /// The pods of the gateway Deployments and those the Gateways naming files select
    /// (any namespace), with istio-proxy's file-certificate log lines of the running ones.
    /// `None` when a list failed: a partial list would make the live rules guess.
    pub(super) async fn gateway_pods(
        &self,
        objects: &[ObjectManifest],
    ) -> Collected<Vec<GatewayPod>> {
        let mut queries: Vec<PodQuery> = Vec::new();
        for o in objects {
            let Ok(v) = serde_json::from_str::<Value>(&o.manifest) else {
                continue;
            };
            let query = match o.kind.as_str() {
                "Deployment" => serde_json::from_value::<Deployment>(v)
                    .ok()
                    .and_then(|d| d.spec)
                    .and_then(|s| Selector::try_from(s.selector).ok())
                    .filter(|s| !s.selects_all())
                    .map(|s| PodQuery {
                        namespace: Some(o.namespace.clone()),
                        selector: s.to_string(),
                        why: format!("list the pods of deployment {} in {}", o.name, o.namespace),
                        gateways_only: false,
                    }),
                "Gateway" => file_gateway_selector(&v).map(|s| PodQuery {
                    namespace: None,
                    gateways_only: true,
                    selector: s.clone(),
                    why: format!(
                        "list the pods Gateway {}/{} selects ({s}) in all namespaces",
                        o.namespace, o.name
                    ),
                }),
                _ => None,
            };
            if let Some(q) = query.filter(|q| {
                !queries
                    .iter()
                    .any(|h| h.namespace == q.namespace && h.selector == q.selector)
            }) {
                queries.push(q);
            }
        }
        let lists = join_all(queries.iter().map(|q| {
            let api: Api<Pod> = match &q.namespace {
                Some(ns) => Api::namespaced(self.client.clone(), ns),
                None => Api::all(self.client.clone()),
            };
            let lp = ListParams::default().labels(&q.selector);
            async move { self.read(q.why.clone(), api.list(&lp)).await }
        }))
        .await;
        let mut pods: BTreeMap<(String, String), Pod> = BTreeMap::new();
        let mut problems = Vec::new();
        for (list, query) in lists.into_iter().zip(&queries) {
            match list {
                Ok(l) => {
                    for p in l.items {
                        if query.gateways_only && !is_gateway_pod(&p) {
                            continue;
                        }
                        let key = (
                            p.metadata.namespace.clone().unwrap_or_default(),
                            p.metadata.name.clone().unwrap_or_default(),
                        );
                        pods.insert(key, p);
                    }
                }
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return (None, problems);
        }
        let logs = join_all(pods.values().map(|p| self.proxy_log(p))).await;
        let mut out = Vec::new();
        for (pod, log) in pods.into_values().zip(logs) {
            let log = match log {
                Ok(l) => l,
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
            out.push(gateway_pod(pod, log));
        }
        (Some(out), problems)
    }

    /// istio-proxy's file-certificate lines of a running pod: the start of the log, and
    /// its end when the log is longer than what was read. Read as bytes (a cut at the byte
    /// limit, or a client's bytes in an access log, need not be UTF-8).
    async fn proxy_log(&self, pod: &Pod) -> Result<Option<ProxyLog>, CollectProblem> {
        let running = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p == "Running");
        let has_proxy = pod
            .spec
            .as_ref()
            .is_some_and(|s| s.containers.iter().any(|c| c.name == "istio-proxy"));
        if !running || !has_proxy {
            return Ok(None);
        }
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &ns);
        let what = format!("read the istio-proxy log of pod {name} in {ns}");
        let head = LogParams {
            container: Some("istio-proxy".into()),
            limit_bytes: Some(LOG_HEAD_BYTES),
            ..Default::default()
        };
        let bytes = self
            .read(what.clone(), log_bytes(&api, &name, &head))
            .await?;
        let text = String::from_utf8_lossy(&bytes);
        let whole = (bytes.len() as i64) < LOG_HEAD_BYTES;
        let complete = whole && text.lines().any(ProxyLog::is_readiness);
        let mut lines: Vec<String> = kept(&text).collect();
        if !whole {
            let tail = LogParams {
                container: Some("istio-proxy".into()),
                tail_lines: Some(LOG_TAIL_LINES),
                ..Default::default()
            };
            let end = self.read(what, log_bytes(&api, &name, &tail)).await?;
            let end = String::from_utf8_lossy(&end);
            let more: Vec<String> = kept(&end).filter(|l| !lines.contains(l)).collect();
            lines.extend(more);
        }
        Ok(Some(ProxyLog { lines, complete }))
    }
}

/// A log as the API server sends it, bytes and all.
async fn log_bytes(api: &Api<Pod>, name: &str, lp: &LogParams) -> Result<Vec<u8>, kube::Error> {
    use futures::AsyncReadExt as _;
    let mut stream = api.log_stream(name, lp).await?;
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .await
        .map_err(kube::Error::ReadEvents)?;
    Ok(bytes)
}
