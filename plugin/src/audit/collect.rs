//! Reads one cluster into a [`ClusterSnapshot`], read-only: get, list and pod logs only.
//!
//! Every read runs under the timeout; a failed read becomes a [`CollectProblem`] and leaves
//! its field `None`, so the rules know a check could not run. A cluster that cannot be
//! reached at all, or refuses the credentials, gets `unreachable`.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use futures::future::join_all;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ConfigMap, ContainerStatus, Endpoints, Namespace, Pod, PodStatus, Secret, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as K8sSelector;
use kube::api::{Api, ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::labels::Selector;
use kube::{Client, Config};
mod gateways;

use vault_istio::audit::snapshot::{
    ClusterSnapshot, CollectProblem, ContainerState, InjectorWebhook, IstiodDeployment, IstiodPod,
    LabelRequirement, LabelSelector, ObjectRef, RootCertConfigMap, SecretInfo, SubjectRef,
};

/// The webhook the Vault Agent Injector registers.
const INJECTOR_WEBHOOK: &str = "vault.hashicorp.com";
/// Lines of the `discovery` log to read per pod.
const LOG_TAIL_LINES: i64 = 500;

/// Collects the snapshot of `context` from `kubeconfig`, or of the cluster this pod runs in
/// (`kubeconfig` `None`; `context` is then only the name reported).
pub async fn collect(
    kubeconfig: Option<Kubeconfig>,
    context: &str,
    namespace: &str,
    timeout: Duration,
) -> ClusterSnapshot {
    let mut snap = ClusterSnapshot {
        cluster: context.to_string(),
        istio_namespace: namespace.to_string(),
        ..Default::default()
    };
    let client = match connect(kubeconfig, context, timeout).await {
        Ok((client, server, server_ca)) => {
            snap.server = Some(server);
            snap.server_ca = server_ca;
            client
        }
        Err(e) => {
            snap.unreachable = Some(e);
            return snap;
        }
    };

    // One cheap read first: a cluster that does not answer, or does not accept the
    // credentials, is not audited at all (rather than failing every read below).
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Err(_) => {
            snap.unreachable = Some(format!(
                "no answer from the API server within {}s",
                timeout.as_secs()
            ));
            return snap;
        }
        Ok(Err(kube::Error::Api(s))) if s.code == 401 => {
            snap.unreachable = Some(format!("unauthorised (401): {}", s.message));
            return snap;
        }
        Ok(Err(kube::Error::Api(_))) | Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            snap.unreachable = Some(chain(&e));
            return snap;
        }
    }

    let c = Collector {
        client,
        ns: namespace.to_string(),
        timeout,
    };
    let (istiod, webhooks, secrets, ns_labels, sas, delegators, roots, gateways) = tokio::join!(
        c.istiod(),
        c.injector_webhooks(),
        c.secrets(),
        c.namespace_labels(),
        c.service_accounts(),
        c.auth_delegators(),
        c.root_cert_configmaps(),
        c.gateway_objects(),
    );
    let p = &mut snap.problems;
    snap.istiod = take(istiod, p).unwrap_or_default();
    snap.injector_webhooks = take(webhooks, p);
    snap.secrets = take(secrets, p);
    snap.istio_namespace_labels = take(ns_labels, p);
    snap.service_accounts = take(sas, p);
    snap.auth_delegators = take(delegators, p);
    snap.root_cert_configmaps = take(roots, p);
    snap.gateway_objects = take(gateways, p).unwrap_or_default();
    let pods = c.gateway_pods(&snap.gateway_objects).await;
    snap.gateway_pods = take(pods, &mut snap.problems);
    snap
}

/// A client for `context` (or the pod's own cluster), with the API server URL and the CA
/// the kubeconfig trusts for it (PEM).
pub async fn connect(
    kubeconfig: Option<Kubeconfig>,
    context: &str,
    timeout: Duration,
) -> Result<(Client, String, Option<String>), String> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = match kubeconfig {
        Some(kc) => Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| format!("kubeconfig: {}", chain(&e)))?,
        // In a pod (the CronJob): the ServiceAccount's token and CA, KUBERNETES_SERVICE_*.
        None => {
            Config::incluster().map_err(|e| format!("in-cluster configuration: {}", chain(&e)))?
        }
    };
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let server_ca = config.root_cert.as_ref().map(|certs| {
        certs
            .iter()
            .map(|der| pem_certificate(der))
            .collect::<String>()
    });
    // The client's own socket timeouts are only a backstop: every read runs under
    // `tokio::time::timeout(timeout, …)`, which gives the clear "within Ns" message.
    // Equal timeouts raced, and hyper's "connection error: timed out" sometimes won.
    let backstop = timeout + Duration::from_secs(2);
    config.connect_timeout = Some(backstop);
    config.read_timeout = Some(backstop);
    config.write_timeout = Some(backstop);
    let client = Client::try_from(config).map_err(|e| format!("client: {}", chain(&e)))?;
    Ok((client, server, server_ca))
}

/// A DER certificate as PEM.
fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn take<T>((value, mut problems): Collected<T>, into: &mut Vec<CollectProblem>) -> Option<T> {
    into.append(&mut problems);
    value
}

type Collected<T> = (Option<T>, Vec<CollectProblem>);

struct Collector {
    client: Client,
    ns: String,
    timeout: Duration,
}

impl Collector {
    /// Runs one read under the timeout; a failure becomes a problem named `what`.
    async fn read<T>(
        &self,
        what: impl Into<String>,
        fut: impl Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, CollectProblem> {
        let what = what.into();
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(kube::Error::Api(s))) => Err(CollectProblem {
                what,
                status: (s.code != 0).then_some(s.code),
                message: if s.message.is_empty() {
                    s.reason.clone()
                } else {
                    s.message.clone()
                },
            }),
            Ok(Err(e)) => Err(CollectProblem {
                what,
                status: None,
                message: chain(&e),
            }),
            Err(_) => Err(CollectProblem {
                what,
                status: None,
                message: format!("timed out after {}s", self.timeout.as_secs()),
            }),
        }
    }

    fn one<T>(r: Result<T, CollectProblem>) -> Collected<T> {
        match r {
            Ok(v) => (Some(v), Vec::new()),
            Err(p) => (None, vec![p]),
        }
    }

    /// istiod Deployments (label `app=istiod`, or named `istiod`/`istiod-*`), their pods and
    /// the pods' `discovery` logs.
    async fn istiod(&self) -> Collected<Vec<IstiodDeployment>> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), &self.ns);
        let lp = ListParams::default();
        let list = match self
            .read(format!("list deployments in {}", self.ns), api.list(&lp))
            .await
        {
            Ok(l) => l,
            Err(p) => return (None, vec![p]),
        };
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for mut d in list.items {
            let name = d.metadata.name.clone().unwrap_or_default();
            let labelled = d
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.get("app").is_some_and(|v| v == "istiod"));
            if !(labelled || name == "istiod" || name.starts_with("istiod-")) {
                continue;
            }
            d.metadata.managed_fields = None;
            // The pods are what the Deployment's own selector selects (kube-core renders it
            // as a labelSelector query).
            let selector = d
                .spec
                .as_ref()
                .and_then(|s| Selector::try_from(s.selector.clone()).ok());
            let manifest = serde_json::to_string_pretty(&d).unwrap_or_default();
            let pods = match selector {
                Some(sel) if !sel.selects_all() => {
                    let (pods, mut p) = self.pods(&name, &sel).await;
                    problems.append(&mut p);
                    pods
                }
                _ => Vec::new(),
            };
            out.push(IstiodDeployment {
                name,
                namespace: self.ns.clone(),
                manifest,
                pods,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        (Some(out), problems)
    }

    async fn pods(
        &self,
        deployment: &str,
        selector: &Selector,
    ) -> (Vec<IstiodPod>, Vec<CollectProblem>) {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.ns);
        let lp = ListParams::default().labels_from(selector);
        let list = match self
            .read(
                format!("list the pods of deployment {deployment} in {}", self.ns),
                api.list(&lp),
            )
            .await
        {
            Ok(l) => l,
            Err(p) => return (Vec::new(), vec![p]),
        };
        let logs = list.items.iter().map(|pod| async {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let has_discovery = pod
                .spec
                .as_ref()
                .is_some_and(|s| s.containers.iter().any(|c| c.name == "discovery"));
            if !has_discovery {
                return Ok(None);
            }
            let lp = LogParams {
                container: Some("discovery".into()),
                tail_lines: Some(LOG_TAIL_LINES),
                ..Default::default()
            };
            self.read(
                format!("read the discovery log of pod {name} in {}", self.ns),
                api.logs(&name, &lp),
            )
            .await
            .map(Some)
        });
        let logs = join_all(logs).await;
        let mut problems = Vec::new();
        let mut pods = Vec::new();
        for (pod, log) in list.items.into_iter().zip(logs) {
            let discovery_log = match log {
                Ok(l) => l,
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
            let status = pod.status.unwrap_or_default();
            pods.push(IstiodPod {
                name: pod.metadata.name.unwrap_or_default(),
                labels: pod.metadata.labels.unwrap_or_default(),
                phase: status.phase.clone().unwrap_or_default(),
                annotations: pod.metadata.annotations.unwrap_or_default(),
                init_containers: init_states(&status),
                discovery_log,
            });
        }
        pods.sort_by(|a, b| a.name.cmp(&b.name));
        (pods, problems)
    }

    /// The `vault.hashicorp.com` webhooks of every MutatingWebhookConfiguration, with the
    /// ready endpoints of the Service each calls.
    async fn injector_webhooks(&self) -> Collected<Vec<InjectorWebhook>> {
        let api: Api<MutatingWebhookConfiguration> = Api::all(self.client.clone());
        let list = match self
            .read(
                "list mutatingwebhookconfigurations",
                api.list(&ListParams::default()),
            )
            .await
        {
            Ok(l) => l,
            Err(p) => return (None, vec![p]),
        };
        let mut hooks = Vec::new();
        for cfg in list.items {
            let configuration = cfg.metadata.name.clone().unwrap_or_default();
            for w in cfg.webhooks.unwrap_or_default() {
                if w.name != INJECTOR_WEBHOOK {
                    continue;
                }
                hooks.push(InjectorWebhook {
                    configuration: configuration.clone(),
                    name: w.name,
                    failure_policy: w.failure_policy,
                    service: w.client_config.service.map(|s| ObjectRef {
                        namespace: s.namespace,
                        name: s.name,
                    }),
                    ready_endpoints: None,
                    namespace_selector: w.namespace_selector.as_ref().map(label_selector),
                    object_selector: w.object_selector.as_ref().map(label_selector),
                });
            }
        }
        let mut problems = Vec::new();
        let counts = join_all(hooks.iter().map(|h| async {
            match &h.service {
                Some(svc) => Some(self.ready_endpoints(svc).await),
                None => None,
            }
        }))
        .await;
        for (h, count) in hooks.iter_mut().zip(counts) {
            match count {
                Some(Ok(n)) => h.ready_endpoints = Some(n),
                Some(Err(p)) => problems.push(p),
                None => {}
            }
        }
        (Some(hooks), problems)
    }

    /// Ready addresses behind a Service: its EndpointSlices, else its Endpoints.
    async fn ready_endpoints(&self, svc: &ObjectRef) -> Result<usize, CollectProblem> {
        let slices: Api<EndpointSlice> = Api::namespaced(self.client.clone(), &svc.namespace);
        let lp = ListParams::default().labels(&format!("kubernetes.io/service-name={}", svc.name));
        let slice_err = match self
            .read(
                format!("list endpointslices in {}", svc.namespace),
                slices.list(&lp),
            )
            .await
        {
            Ok(list) if !list.items.is_empty() => {
                return Ok(list
                    .items
                    .iter()
                    .flat_map(|s| &s.endpoints)
                    .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) != Some(false))
                    .map(|e| e.addresses.len())
                    .sum());
            }
            Ok(_) => None,
            Err(p) => Some(p),
        };
        let eps: Api<Endpoints> = Api::namespaced(self.client.clone(), &svc.namespace);
        match self
            .read(
                format!("get endpoints {} in {}", svc.name, svc.namespace),
                eps.get_opt(&svc.name),
            )
            .await
        {
            Ok(Some(e)) => Ok(e
                .subsets
                .unwrap_or_default()
                .iter()
                .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
                .sum()),
            Ok(None) => Ok(0),
            Err(p) => Err(slice_err.unwrap_or(p)),
        }
    }

    /// Secrets of the istio namespace: names, types and data keys. Values are dropped here.
    async fn secrets(&self) -> Collected<Vec<SecretInfo>> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &self.ns);
        let r = self
            .read(
                format!("list secrets in {}", self.ns),
                api.list(&ListParams::default()),
            )
            .await
            .map(|list| {
                let mut out: Vec<SecretInfo> = list
                    .items
                    .into_iter()
                    .map(|s| {
                        let mut keys: Vec<String> =
                            s.data.map(|d| d.into_keys().collect()).unwrap_or_default();
                        keys.extend(s.string_data.map(|d| d.into_keys()).into_iter().flatten());
                        keys.sort();
                        keys.dedup();
                        SecretInfo {
                            name: s.metadata.name.unwrap_or_default(),
                            type_: s.type_.unwrap_or_default(),
                            keys,
                        }
                    })
                    .collect();
                out.sort_by(|a, b| a.name.cmp(&b.name));
                out
            });
        Self::one(r)
    }

    /// The istio namespace's labels (a missing namespace has none: istiod is not found).
    async fn namespace_labels(&self) -> Collected<BTreeMap<String, String>> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let r = self
            .read(format!("get namespace {}", self.ns), api.get_opt(&self.ns))
            .await
            .map(|ns| ns.and_then(|n| n.metadata.labels).unwrap_or_default());
        Self::one(r)
    }

    async fn service_accounts(&self) -> Collected<Vec<String>> {
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), &self.ns);
        let r = self
            .read(
                format!("list serviceaccounts in {}", self.ns),
                api.list(&ListParams::default()),
            )
            .await
            .map(|l| {
                let mut names: Vec<String> = l
                    .items
                    .into_iter()
                    .filter_map(|s| s.metadata.name)
                    .collect();
                names.sort();
                names
            });
        Self::one(r)
    }

    /// Subjects of every ClusterRoleBinding to `system:auth-delegator`.
    async fn auth_delegators(&self) -> Collected<Vec<SubjectRef>> {
        let api: Api<ClusterRoleBinding> = Api::all(self.client.clone());
        let r = self
            .read("list clusterrolebindings", api.list(&ListParams::default()))
            .await
            .map(|l| {
                l.items
                    .into_iter()
                    .filter(|b| {
                        b.role_ref.kind == "ClusterRole"
                            && b.role_ref.name == "system:auth-delegator"
                    })
                    .flat_map(|b| b.subjects.unwrap_or_default())
                    .map(|s| SubjectRef {
                        kind: s.kind,
                        namespace: s.namespace.unwrap_or_default(),
                        name: s.name,
                    })
                    .collect()
            });
        Self::one(r)
    }

    /// `root-cert.pem` of every `istio-ca-root-cert` ConfigMap.
    async fn root_cert_configmaps(&self) -> Collected<Vec<RootCertConfigMap>> {
        let api: Api<ConfigMap> = Api::all(self.client.clone());
        let lp = ListParams::default().fields("metadata.name=istio-ca-root-cert");
        let r = self
            .read(
                "list configmaps istio-ca-root-cert in all namespaces",
                api.list(&lp),
            )
            .await
            .map(|l| {
                let mut out: Vec<RootCertConfigMap> = l
                    .items
                    .into_iter()
                    .map(|cm| RootCertConfigMap {
                        namespace: cm.metadata.namespace.unwrap_or_default(),
                        root_cert: cm
                            .data
                            .and_then(|mut d| d.remove("root-cert.pem"))
                            .unwrap_or_default(),
                    })
                    .collect();
                out.sort_by(|a, b| a.namespace.cmp(&b.namespace));
                out
            });
        Self::one(r)
    }
}

/// The init containers' states of a pod.
fn init_states(status: &PodStatus) -> Vec<ContainerState> {
    status
        .init_container_statuses
        .iter()
        .flatten()
        .map(container_state)
        .collect()
}

fn container_state(s: &ContainerStatus) -> ContainerState {
    let st = s.state.clone().unwrap_or_default();
    let (state, exit_code) = if let Some(t) = st.terminated {
        (with_reason("terminated", t.reason), Some(t.exit_code))
    } else if let Some(w) = st.waiting {
        (with_reason("waiting", w.reason), None)
    } else if st.running.is_some() {
        ("running".to_string(), None)
    } else {
        (String::new(), None)
    };
    ContainerState {
        name: s.name.clone(),
        exit_code,
        state,
    }
}

fn with_reason(state: &str, reason: Option<String>) -> String {
    match reason.filter(|r| !r.is_empty()) {
        Some(r) => format!("{state} ({r})"),
        None => state.to_string(),
    }
}

fn label_selector(s: &K8sSelector) -> LabelSelector {
    LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: s
            .match_expressions
            .iter()
            .flatten()
            .map(|e| LabelRequirement {
                key: e.key.clone(),
                operator: e.operator.clone(),
                values: e.values.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// An error with its causes: `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        src = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    #[test]
    fn selector_conversion() {
        let s = K8sSelector {
            match_labels: Some([("app".to_string(), "istiod".to_string())].into()),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "rev".into(),
                    operator: "In".into(),
                    values: Some(vec!["a".into(), "b".into()]),
                },
                LabelSelectorRequirement {
                    key: "x".into(),
                    operator: "DoesNotExist".into(),
                    values: None,
                },
            ]),
        };
        // The query the pods are listed with.
        assert_eq!(
            Selector::try_from(s.clone()).unwrap().to_string(),
            "app=istiod,rev in (a,b),!x"
        );
        let l = label_selector(&s);
        assert_eq!(l.match_expressions.len(), 2);
        assert_eq!(l.match_labels["app"], "istiod");
    }
}
