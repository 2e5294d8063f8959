//! The snapshot of one cluster: what the audit collected, in the engine's own types.

use crate::finding::Location;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSnapshot {
    /// The kube context (or another name the user knows the cluster by).
    pub cluster: String,
    /// The API server URL, for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The CA the kubeconfig trusts for that server (public certificates), to compare
    /// with Vault's `kubernetes_ca_cert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ca: Option<String>,
    /// Where istiod runs (default `istio-system`).
    pub istio_namespace: String,
    /// Why the cluster could not be read at all (unreachable, unauthorised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
    /// Reads that failed (forbidden, timed out): each means a check could not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<CollectProblem>,
    /// Every istiod Deployment (all revisions) with its running pods.
    #[serde(default)]
    pub istiod: Vec<IstiodDeployment>,
    /// The Vault injector's webhooks (`vault.hashicorp.com`), from any
    /// MutatingWebhookConfiguration. `None` when they could not be listed.
    #[serde(default)]
    pub injector_webhooks: Option<Vec<InjectorWebhook>>,
    /// Secrets in the istio namespace: names, types and keys only, never data. `None`
    /// when they could not be listed.
    #[serde(default)]
    pub secrets: Option<Vec<SecretInfo>>,
    /// Labels of the Istio namespace (for the webhook's namespaceSelector); `None` when
    /// the namespace could not be read.
    #[serde(default)]
    pub istio_namespace_labels: Option<BTreeMap<String, String>>,
    /// ServiceAccount names in the Istio namespace; `None` when not listable.
    #[serde(default)]
    pub service_accounts: Option<Vec<String>>,
    /// Subjects bound to the ClusterRole `system:auth-delegator` (any binding); `None`
    /// when ClusterRoleBindings could not be listed.
    #[serde(default)]
    pub auth_delegators: Option<Vec<SubjectRef>>,
    /// `root-cert.pem` of every `istio-ca-root-cert` ConfigMap, by namespace; `None` when
    /// ConfigMaps could not be listed.
    #[serde(default)]
    pub root_cert_configmaps: Option<Vec<RootCertConfigMap>>,
    /// Gateway objects from every namespace, as manifests: Istio `Gateway` and
    /// `DestinationRule` objects and the Deployments that run gateway proxies. The gateway
    /// (VI7xx) rules judge them as they judge files. Empty when none exist or they could
    /// not be listed (then `problems` says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateway_objects: Vec<ObjectManifest>,
    /// The pods of the gateway Deployments and the pods the Gateways naming certificate
    /// files select, with their istio-proxy log lines about file certificates. `None` when
    /// pods were not read (an older snapshot, or the list was refused: `problems` says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_pods: Option<Vec<GatewayPod>>,
}

/// A pod that runs (or should run) a gateway proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayPod {
    pub namespace: String,
    pub name: String,
    /// What runs it: `Deployment/<name>` (from the ReplicaSet that owns it), another
    /// owner's `Kind/name`, or empty for a bare pod.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `Pending`, `Running`, ...
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub init_containers: Vec<ContainerState>,
    /// The containers with the directories mounted into each.
    #[serde(default)]
    pub containers: Vec<PodContainer>,
    /// istio-proxy's log lines about certificate files (`file-cert:`, `file-root:`, the
    /// file watcher), from the start of the log and its end; never other lines (access
    /// logs stay out of snapshots). `None` when the log was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_log: Option<ProxyLog>,
}

/// The file-certificate lines of a proxy's log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyLog {
    pub lines: Vec<String>,
    /// The log was read whole from the proxy's start: shorter than the read limit, and
    /// holding pilot-agent's readiness line (a log the kubelet rotated, or a proxy not yet
    /// ready, is not complete). Only then does a missing line mean it was never written.
    #[serde(default)]
    pub complete: bool,
}

impl ProxyLog {
    /// Whether `line` is one pilot-agent's secret cache wrote about certificate files: a
    /// text line (`<time>\t<level>\tcache\t…`) or a JSON one (`"scope":"cache"`). Envoy's
    /// access log lines start with `[` and never qualify, whatever a client put in them.
    pub fn keeps(line: &str) -> bool {
        let about_files = line.contains("file-cert:")
            || line.contains("file-root:")
            || line.contains("file certificate")
            || line.contains("secret for proxy from file");
        about_files && pilot_agent_line(line, Some("cache"))
    }

    /// Whether `line` is pilot-agent's "Readiness succeeded in …": written once, when Envoy
    /// first became ready, so a log that holds it was read from the proxy's start.
    pub fn is_readiness(line: &str) -> bool {
        pilot_agent_line(line, None)
            && (line.contains("\tReadiness succeeded in ")
                || line.contains("\"msg\":\"Readiness succeeded in "))
    }
}

/// A line pilot-agent wrote (text: it starts with its timestamp and has tab-separated
/// fields; JSON: an object), with the given scope when one is asked for.
fn pilot_agent_line(line: &str, scope: Option<&str>) -> bool {
    if line.starts_with('{') {
        return scope.is_none_or(|s| line.contains(&format!("\"scope\":\"{s}\"")));
    }
    if !line.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let fields: Vec<&str> = line.splitn(4, '\t').collect();
    match scope {
        Some(s) => fields.len() == 4 && fields[2] == s,
        None => fields.len() >= 3,
    }
}

/// A container and where volumes are mounted in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodContainer {
    pub name: String,
    #[serde(default)]
    pub mounts: Vec<String>,
}

impl GatewayPod {
    pub fn container(&self, name: &str) -> Option<&PodContainer> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// `ns/name`, as messages name pods.
    pub fn who(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl PodContainer {
    /// Whether `path` (absolute, clean) lies in a directory mounted into this container.
    pub fn sees(&self, path: &str) -> bool {
        self.mounts.iter().any(|m| {
            let m = m.trim_end_matches('/');
            m.is_empty() || path == m || path.starts_with(&format!("{m}/"))
        })
    }
}

/// What an audit evaluates: the clusters, and the Vault server when it was audited; what
/// `--save-snapshot` writes and `--from-snapshot` reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    pub clusters: Vec<ClusterSnapshot>,
    pub vault: Option<super::VaultSnapshot>,
}

impl Saved {
    /// Reads a saved snapshot: a JSON array of cluster snapshots (without Vault), one cluster
    /// snapshot, or `{"clusters": [...], "vault": {...}}`. Users pass these files around,
    /// so any text gives a value or an error that says what is wrong, never a panic.
    /// A private key pasted anywhere into the file (a manifest, a certificate field) is
    /// dropped on reading, as the audit drops it when it collects.
    pub fn parse(text: &str) -> Result<Saved, String> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a snapshot (JSON): {e}"))?;
        scrub_keys(&mut value);
        let not_a_snapshot = |e: serde_json::Error| format!("not a snapshot: {e}");
        match value {
            serde_json::Value::Array(_) => Ok(Saved {
                clusters: serde_json::from_value(value).map_err(not_a_snapshot)?,
                vault: None,
            }),
            serde_json::Value::Object(mut o) if o.contains_key("clusters") => {
                let clusters = serde_json::from_value(o.remove("clusters").unwrap_or_default())
                    .map_err(not_a_snapshot)?;
                let vault = match o.remove("vault") {
                    Some(v) if !v.is_null() => {
                        Some(serde_json::from_value(v).map_err(not_a_snapshot)?)
                    }
                    _ => None,
                };
                Ok(Saved { clusters, vault })
            }
            _ => Ok(Saved {
                clusters: vec![serde_json::from_value(value).map_err(not_a_snapshot)?],
                vault: None,
            }),
        }
    }

    /// What `--save-snapshot` writes: the plain array of cluster snapshots without Vault
    /// (as before Vault was audited), `{"clusters", "vault"}` with it.
    /// Private key material in any collected text (a key pasted into a live Deployment's
    /// annotation, say) is dropped.
    pub fn to_json(&self) -> String {
        let mut value = match &self.vault {
            Some(v) => serde_json::json!({"clusters": self.clusters, "vault": v}),
            None => serde_json::to_value(&self.clusters).unwrap_or_default(),
        };
        scrub_keys(&mut value);
        let mut json = serde_json::to_string_pretty(&value).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// Every string of `value` with private key bytes in it loses them (see
/// `vault::without_key_bytes`). JSON nesting is bounded by the parser (128 levels).
fn scrub_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains("PRIVATE KEY") => {
            *s = super::vault::without_key_bytes(s);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub_keys),
        serde_json::Value::Object(map) => map.values_mut().for_each(scrub_keys),
        _ => {}
    }
}

/// A live object kept whole (as JSON), for the lint rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectManifest {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The object as JSON (`managedFields` dropped).
    pub manifest: String,
}

impl ClusterSnapshot {
    /// `k8s/<cluster>/<namespace>/<kind>/<name>`: how findings about live objects are named
    /// (also the SARIF URI).
    pub fn object_uri(&self, namespace: &str, kind: &str, name: &str) -> String {
        crate::finding::object_uri(&self.cluster, Some(namespace), kind, name)
    }

    /// A location for a live object.
    pub fn at(&self, namespace: Option<&str>, kind: &str, name: &str) -> Location {
        Location::Object {
            cluster: self.cluster.clone(),
            namespace: namespace.map(str::to_string),
            kind: kind.to_string(),
            name: name.to_string(),
        }
    }
}

/// A read that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectProblem {
    /// What was being read, as a sentence fragment: `list secrets in istio-system`.
    pub what: String,
    /// The HTTP status, when the API server answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IstiodDeployment {
    pub name: String,
    pub namespace: String,
    /// The Deployment as the API server returned it (YAML or JSON), for the lint rules.
    #[serde(default)]
    pub manifest: String,
    #[serde(default)]
    pub pods: Vec<IstiodPod>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IstiodPod {
    pub name: String,
    /// The pod's labels (for the webhook's objectSelector).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `Pending`, `Running`, ...
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub init_containers: Vec<ContainerState>,
    /// The `discovery` container's log (recent lines), if it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_log: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    pub name: String,
    /// Exit code once terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// `waiting`, `running` or `terminated`, with the reason if any.
    #[serde(default)]
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InjectorWebhook {
    /// The MutatingWebhookConfiguration.
    pub configuration: String,
    /// The webhook's name (`vault.hashicorp.com`).
    pub name: String,
    /// `Fail` or `Ignore` (Kubernetes defaults to `Fail` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<String>,
    /// The Service the webhook calls (`clientConfig.service`); `None` for a URL webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ObjectRef>,
    /// Ready endpoints behind that Service; `None` when not readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_endpoints: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_selector: Option<LabelSelector>,
}

/// A namespaced object's coordinates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub namespace: String,
    pub name: String,
}

/// A ServiceAccount (or other) subject of a binding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectRef {
    pub kind: String,
    #[serde(default)]
    pub namespace: String,
    pub name: String,
}

/// A Kubernetes label selector (matchLabels + matchExpressions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub match_expressions: Vec<LabelRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelRequirement {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Does the selector match these labels (Kubernetes semantics; an empty selector
    /// matches everything)?
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => value.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// One `istio-ca-root-cert` ConfigMap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootCertConfigMap {
    pub namespace: String,
    /// Its `root-cert.pem` (public certificates only).
    pub root_cert: String,
}

impl RootCertConfigMap {
    /// The certificates in `root-cert.pem` (blocks that do not parse are skipped).
    pub fn certificates(&self) -> Vec<crate::bundle::x509::CertInfo> {
        crate::bundle::certificates(&self.root_cert)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretInfo {
    pub name: String,
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Data keys only.
    #[serde(default)]
    pub keys: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::ProxyLog;

    /// Only pilot-agent's own lines are kept: a client cannot plant one through Envoy's
    /// access log (which starts with `[`), text or JSON.
    #[test]
    fn only_pilot_agent_cache_lines_are_kept() {
        let keep = [
            "2024-11-01T09:00:06.512044Z\tinfo\tcache\tadding watcher for file certificate /vault/secrets/tls.crt",
            "2024-11-01T09:00:06.4Z\terror\tcache\tresource:file-cert:/a~/b failed to generate secret for proxy from file: open /a: no such file or directory",
            r#"{"level":"info","scope":"cache","msg":"read certificate from file","resource":"file-cert:/a~/b"}"#,
        ];
        let drop = [
            "[2024-11-01T09:01:12.004Z] \"GET / HTTP/1.1\" 200 - \"failed to generate secret for proxy from file\" \"curl\"",
            "[2024-11-01T09:01:12.004Z] \"GET / HTTP/1.1\" 200 - \"x\tinfo\tcache\tadding watcher for file certificate /vault/secrets/tls.crt\"",
            "2024-11-01T09:00:06.5Z\tinfo\tads\tSDS: PUSH resource:file-cert:/a~/b",
            r#"{"level":"info","scope":"envoy","msg":"adding watcher for file certificate /a"}"#,
            r#"{"path":"/x","ua":"\"scope\":\"cache\" failed to generate secret for proxy from file"}"#,
        ];
        for l in keep {
            assert!(ProxyLog::keeps(l), "{l}");
        }
        for l in drop {
            assert!(!ProxyLog::keeps(l), "{l}");
        }
        assert!(ProxyLog::is_readiness(
            "2024-11-01T09:00:06.309881Z\tinfo\tReadiness succeeded in 212.4ms"
        ));
        assert!(ProxyLog::is_readiness(
            r#"{"level":"info","msg":"Readiness succeeded in 1.2s"}"#
        ));
        assert!(!ProxyLog::is_readiness(
            "[2024-11-01T09:01:12.004Z] \"GET /?q=\tReadiness succeeded in 1s\""
        ));
    }
}
