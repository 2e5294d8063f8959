//! What a live istiod asks of Vault, read from its Deployment's annotations: the auth mount
//! and role it logs in with, the ServiceAccount it logs in as, and each KV read its
//! templates make. The Vault collector reads exactly these, and the Vault rules check them.

use super::ClusterSnapshot;
use crate::bundle::FileKind;
use crate::injector::InjectorConfig;
use crate::source::{recognize, yaml};

/// vault-k8s's default `auth-path`.
pub const DEFAULT_AUTH_PATH: &str = "auth/kubernetes";

/// One istiod Deployment's use of Vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstiodNeeds {
    /// The cluster (kube context) it runs in.
    pub cluster: String,
    pub namespace: String,
    pub deployment: String,
    /// The ServiceAccount its pods log in as (`default` when the pod spec names none).
    pub service_account: String,
    /// The auth mount, without `auth/` and slashes: `kubernetes-cluster1`.
    pub auth_mount: String,
    /// `vault.hashicorp.com/auth-path` as written (or the default).
    pub auth_path: String,
    /// Whether `auth_path` was written (else it is vault-k8s's default).
    pub auth_path_annotated: bool,
    /// `vault.hashicorp.com/role`, if set.
    pub role: Option<String>,
    /// `vault.hashicorp.com/namespace` (Vault Enterprise / OpenBao namespaces), if set.
    pub vault_namespace: Option<String>,
    /// Every KV read the templates make, in file order.
    pub reads: Vec<KvRead>,
}

/// A template's read of one field: `{{ with secret "P" }}{{ .Data.x }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvRead {
    /// The rendered file (`ca-key.pem`).
    pub file: String,
    /// Which of istiod's four files it is, if it is one.
    pub kind: Option<FileKind>,
    /// The path as written in `secret "…"`.
    pub path: String,
    /// The field, and whether it was written the KV v2 way (`.Data.data.x`).
    pub field: String,
    pub v2_shape: bool,
}

impl IstiodNeeds {
    /// The distinct secret paths read.
    pub fn paths(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.reads {
            if !out.contains(&r.path.as_str()) {
                out.push(&r.path);
            }
        }
        out
    }

    /// `system:serviceaccount:<ns>:<sa>`, as Vault and Kubernetes name it.
    pub fn identity(&self) -> String {
        format!(
            "system:serviceaccount:{}:{}",
            self.namespace, self.service_account
        )
    }
}

/// The needs of every injected istiod Deployment of a cluster (those whose manifest turns
/// `agent-inject` on). Manifests that do not parse are skipped: the lint rules report them.
pub fn of_cluster(snapshot: &ClusterSnapshot) -> Vec<IstiodNeeds> {
    let mut out = Vec::new();
    for d in &snapshot.istiod {
        let Ok(docs) = yaml::parse(&d.manifest) else {
            continue;
        };
        let inv = recognize(&d.name, &docs);
        for spec in &inv.specs {
            let target = crate::rules::Target::new(spec);
            if !target.injection_on() {
                continue;
            }
            let text = |name: &str| {
                spec.vault(name)
                    .and_then(|a| a.text())
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
            };
            let annotated = text("auth-path");
            let auth_path_annotated = annotated.is_some();
            let auth_path = annotated.unwrap_or_else(|| DEFAULT_AUTH_PATH.to_string());
            out.push(IstiodNeeds {
                cluster: snapshot.cluster.clone(),
                namespace: spec
                    .namespace
                    .clone()
                    .unwrap_or_else(|| d.namespace.clone()),
                deployment: d.name.clone(),
                service_account: spec
                    .service_account
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "default".to_string()),
                auth_mount: auth_mount(&auth_path),
                auth_path,
                auth_path_annotated,
                role: text("role"),
                vault_namespace: text("namespace"),
                reads: reads(&target.injector),
            });
        }
    }
    out
}

/// `auth/kubernetes-cluster1/` → `kubernetes-cluster1`. A path without `auth/` is taken as
/// written (the lint rule VI108 reports it; the login would go to `<path>/login`).
pub fn auth_mount(auth_path: &str) -> String {
    let p = auth_path.trim().trim_matches('/');
    p.strip_prefix("auth/").unwrap_or(p).to_string()
}

fn reads(injector: &InjectorConfig<'_>) -> Vec<KvRead> {
    let mut out = Vec::new();
    for s in &injector.secrets {
        let file = s.file_name().to_string();
        let kind = FileKind::from_file_name(&file);
        let Some(tpl) = &s.parsed else {
            continue;
        };
        for f in tpl.field_refs.iter().filter(|f| f.printed) {
            let Some(path) = f
                .secret
                .and_then(|i| tpl.secret_reads.get(i))
                .and_then(|r| r.path.clone())
            else {
                continue;
            };
            let chain: Vec<&str> = f.chain.iter().map(String::as_str).collect();
            let (field, v2_shape) = match chain.as_slice() {
                ["Data", "data", key, ..] => (key.to_string(), true),
                ["Data", key, ..] if *key != "metadata" => (key.to_string(), false),
                _ => continue,
            };
            out.push(KvRead {
                file: file.clone(),
                kind,
                path: path.trim().to_string(),
                field,
                v2_shape,
            });
        }
    }
    out
}

/// Does this istiod use the Vault namespace `namespace` (the audit's `VAULT_NAMESPACE`)?
/// Without the annotation it uses the injector's default, taken here as the root namespace.
pub fn same_namespace(n: &IstiodNeeds, namespace: Option<&str>) -> bool {
    let norm = |ns: Option<&str>| {
        ns.map(|s| s.trim_matches('/').to_string())
            .unwrap_or_default()
    };
    norm(n.vault_namespace.as_deref()) == norm(namespace)
}

/// The KV API path a read goes to, given the mount (`secret/`) and its version: on KV v2
/// consul-template inserts `data/` after the mount unless the path already has `data/`,
/// `metadata/` or `subkeys/` there (vault.md §2).
pub fn api_path(path: &str, mount: &str, version: u8) -> String {
    let path = path.trim_start_matches('/');
    if version != 2 {
        return path.to_string();
    }
    let mount = mount.trim_end_matches('/');
    let rest = path
        .strip_prefix(mount)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(path);
    if ["data/", "metadata/", "subkeys/"]
        .iter()
        .any(|p| rest.starts_with(p))
    {
        path.to_string()
    } else {
        format!("{mount}/data/{rest}")
    }
}

/// The secret's path below the mount, without a KV v2 `data/` prefix: what `subkeys/` and
/// `metadata/` take.
pub fn secret_name(path: &str, mount: &str, version: u8) -> String {
    let mount = mount.trim_end_matches('/');
    let rest = path
        .trim_start_matches('/')
        .strip_prefix(mount)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(path);
    if version == 2 {
        rest.strip_prefix("data/").unwrap_or(rest).to_string()
    } else {
        rest.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::IstiodDeployment;

    const DEPLOYMENT: &str = include_str!("../../../manifests/examples/istiod-deployment.yaml");

    #[test]
    fn the_example_deployment_reads_four_fields_of_one_path() {
        let snap = ClusterSnapshot {
            cluster: "cluster1".into(),
            istio_namespace: "istio-system".into(),
            istiod: vec![IstiodDeployment {
                name: "istiod".into(),
                namespace: "istio-system".into(),
                manifest: DEPLOYMENT.into(),
                pods: vec![],
            }],
            ..Default::default()
        };
        let needs = of_cluster(&snap);
        assert_eq!(needs.len(), 1, "{needs:#?}");
        let n = &needs[0];
        assert_eq!(n.service_account, "istiod");
        assert_eq!(n.role.as_deref(), Some("istiod"));
        assert_eq!(n.reads.len(), 4, "{:#?}", n.reads);
        let kinds: Vec<_> = n.reads.iter().filter_map(|r| r.kind).collect();
        for k in FileKind::ALL {
            assert!(kinds.contains(&k), "{k:?} in {kinds:?}");
        }
        assert_eq!(n.paths().len(), 1);
    }

    #[test]
    fn auth_paths_and_kv_paths() {
        assert_eq!(
            auth_mount("auth/kubernetes-cluster1/"),
            "kubernetes-cluster1"
        );
        assert_eq!(auth_mount("kubernetes"), "kubernetes");
        assert_eq!(
            api_path("secret/istio/ca", "secret/", 2),
            "secret/data/istio/ca"
        );
        assert_eq!(
            api_path("secret/data/istio/ca", "secret/", 2),
            "secret/data/istio/ca"
        );
        assert_eq!(api_path("kv/istio/ca", "kv/", 1), "kv/istio/ca");
        assert_eq!(
            secret_name("secret/data/istio/ca", "secret/", 2),
            "istio/ca"
        );
        assert_eq!(secret_name("secret/istio/ca", "secret/", 2), "istio/ca");
        assert_eq!(secret_name("kv/istio/ca", "kv/", 1), "istio/ca");
        assert_eq!(
            api_path("platform/istio/ca", "platform/istio/", 2),
            "platform/istio/data/ca"
        );
    }
}
