//! `ClusterFixture`: the objects, pod logs and access rules of one cluster.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::resources::{self, ResourceType, TYPES};

/// Key of a stored object: index into [`TYPES`], namespace (`""` when cluster-scoped), name.
pub(crate) type ObjectKey = (usize, String, String);

/// One `forbid` rule of `access.yaml`: requests matching every given field answer 403.
///
/// ```yaml
/// forbid:
///   - {verb: list, resource: secrets, namespace: istio-system}
///   - {verb: get, resource: pods/log}          # every namespace
///   - {verb: "*", resource: "*", group: apps}  # a whole API group
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    /// `get`, `list`, `watch`, `create`, … or `*`.
    pub verb: String,
    /// The plural, with a subresource if any (`pods/log`), or `*`.
    pub resource: String,
    /// The API group (`""` = core); any group when absent.
    #[serde(default)]
    pub group: Option<String>,
    /// Only in this namespace; `""` means cluster-scoped requests only; any when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Only for this object name.
    #[serde(default)]
    pub name: Option<String>,
}

impl AccessRule {
    pub(crate) fn matches(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> bool {
        (self.verb == "*" || self.verb == verb)
            && (self.resource == "*" || self.resource == resource)
            && self.group.as_deref().is_none_or(|g| g == group)
            && self.namespace.as_deref().is_none_or(|n| n == namespace)
            && self.name.as_deref().is_none_or(|n| n == name)
    }
}

impl AccessRule {
    /// The permissions the `Role`s and `ClusterRole`s in a multi-document YAML grant (other
    /// kinds are skipped), one rule per group × resource × verb. A ClusterRole's rules apply
    /// in every namespace (as when bound by a ClusterRoleBinding), a Role's only in its own.
    pub fn from_rbac(text: &str) -> Result<Vec<AccessRule>> {
        use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| anyhow!("invalid RBAC YAML: {e}"))?;
        let mut out = Vec::new();
        let mut expand = |rules: Vec<PolicyRule>, namespace: Option<String>| {
            for r in rules {
                for group in r.api_groups.unwrap_or_default() {
                    for resource in r.resources.clone().unwrap_or_default() {
                        for verb in &r.verbs {
                            out.push(AccessRule {
                                verb: verb.clone(),
                                resource: resource.clone(),
                                group: (group != "*").then(|| group.clone()),
                                namespace: namespace.clone(),
                                name: None,
                            });
                        }
                    }
                }
            }
        };
        for doc in docs {
            match doc.get("kind").and_then(Value::as_str) {
                Some("ClusterRole") => {
                    let role: ClusterRole = serde_json::from_value(doc)?;
                    expand(role.rules.unwrap_or_default(), None);
                }
                Some("Role") => {
                    let role: Role = serde_json::from_value(doc)?;
                    let ns = role.metadata.namespace.unwrap_or_else(|| "default".into());
                    expand(role.rules.unwrap_or_default(), Some(ns));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    #[serde(default)]
    forbid: Vec<AccessRule>,
}

/// The state of one cluster: objects (checked against their k8s-openapi types when added),
/// container logs and access rules.
///
/// From a directory ([`ClusterFixture::from_dir`]):
/// - every `*.yaml`/`*.yml` file holds objects, several documents per file, `kind: List`
///   allowed; namespaced objects without a namespace go to `default`;
/// - `logs.yaml` maps `namespace/pod/container` to the container's log text, and/or
///   `logs/<namespace>/<pod>/<container>.log` files hold one log each;
/// - `access.yaml` holds [`AccessRule`]s under `forbid:`.
///
/// Missing `metadata.uid`, `resourceVersion` and `creationTimestamp` are filled in as the
/// API server would. Secrets' `stringData` is merged into `data`; a
/// `kubernetes.io/service-account-token` Secret gets `token`, `ca.crt` and `namespace` when
/// the server starts, like the token controller does.
#[derive(Debug, Clone)]
pub struct ClusterFixture {
    pub(crate) objects: BTreeMap<ObjectKey, Value>,
    pub(crate) logs: BTreeMap<String, String>,
    pub(crate) forbid: Vec<AccessRule>,
    /// When set, only requests matching one of these are allowed (RBAC's default deny).
    pub(crate) allow_only: Option<Vec<AccessRule>>,
    /// `gitVersion` answered at `/version`.
    pub(crate) git_version: String,
    next_resource_version: u64,
}

impl Default for ClusterFixture {
    fn default() -> Self {
        ClusterFixture {
            objects: BTreeMap::new(),
            logs: BTreeMap::new(),
            forbid: Vec::new(),
            allow_only: None,
            git_version: "v1.33.4".to_string(),
            next_resource_version: 1000,
        }
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

impl ClusterFixture {
    /// An empty cluster (no namespaces either).
    pub fn new() -> ClusterFixture {
        ClusterFixture::default()
    }

    /// Loads every YAML file of `dir` (see the type's docs), in file-name order.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<ClusterFixture> {
        let mut fixture = ClusterFixture::new();
        fixture.add_dir(dir)?;
        Ok(fixture)
    }

    /// Adds a fixture directory's objects, logs and access rules (see the type's docs);
    /// objects already present with the same kind, namespace and name are replaced, so a
    /// second directory can overlay a change on a base cluster.
    pub fn add_dir(&mut self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let mut entries: Vec<_> = fs::read_dir(dir)
            .with_context(|| format!("reading fixture directory {}", dir.display()))?
            .collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() && name == "logs" {
                self.load_log_dir(&path)?;
                continue;
            }
            if !path.is_file() || !is_yaml(&path) {
                continue;
            }
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let result = match name.as_str() {
                "logs.yaml" | "logs.yml" => self.add_logs_yaml(&text),
                "access.yaml" | "access.yml" => self.add_access_yaml(&text),
                _ => self.add_yaml(&text).map(|_| ()),
            };
            result.with_context(|| format!("fixture {}", path.display()))?;
        }
        Ok(())
    }

    fn load_log_dir(&mut self, dir: &Path) -> Result<()> {
        for ns in fs::read_dir(dir)? {
            let ns = ns?;
            for pod in fs::read_dir(ns.path())? {
                let pod = pod?;
                for file in fs::read_dir(pod.path())? {
                    let path = file?.path();
                    let Some(container) = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_suffix(".log"))
                    else {
                        continue;
                    };
                    let text = fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let key = format!(
                        "{}/{}/{container}",
                        ns.file_name().to_string_lossy(),
                        pod.file_name().to_string_lossy()
                    );
                    self.logs.insert(key, text);
                }
            }
        }
        Ok(())
    }

    /// Adds every object of a (multi-document) YAML text. Returns how many were added.
    pub fn add_yaml(&mut self, text: &str) -> Result<usize> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| anyhow!("invalid YAML: {e}"))?;
        let mut added = 0;
        for (i, doc) in docs.into_iter().enumerate() {
            if doc.is_null() {
                continue;
            }
            added += self
                .add_value(doc)
                .with_context(|| format!("document {}", i + 1))?;
        }
        Ok(added)
    }

    /// Adds an object (or every item of a `kind: List`). Returns how many were added.
    pub fn add_value(&mut self, value: Value) -> Result<usize> {
        let api_version = value["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        if kind == "List" || kind.ends_with("List") && value["items"].is_array() {
            let mut n = 0;
            for item in value["items"].as_array().into_iter().flatten() {
                n += self.add_value(item.clone())?;
            }
            return Ok(n);
        }
        let Some(rt) = resources::by_kind(&api_version, &kind) else {
            bail!("the stand-in does not serve {api_version:?} {kind:?}");
        };
        let index = TYPES
            .iter()
            .position(|t| std::ptr::eq(t, rt))
            .expect("from TYPES");
        let mut value = value;
        if kind == "Secret" {
            merge_string_data(&mut value)?;
        }
        let mut value = resources::normalize_checked(rt, value)?;
        let (namespace, name) = self.fill_metadata(rt, &mut value)?;
        self.objects.insert((index, namespace, name), value);
        Ok(1)
    }

    /// Adds a typed object, e.g. a `k8s_openapi::api::core::v1::Pod`.
    pub fn add<T: k8s_openapi::Resource + Serialize>(&mut self, object: &T) -> Result<()> {
        let mut value = serde_json::to_value(object)?;
        value["apiVersion"] = json!(T::API_VERSION);
        value["kind"] = json!(T::KIND);
        self.add_value(value).map(|_| ())
    }

    /// Builder form of [`ClusterFixture::add_yaml`].
    pub fn with_yaml(mut self, text: &str) -> Result<ClusterFixture> {
        self.add_yaml(text)?;
        Ok(self)
    }

    /// Removes an object; `namespace` is `""` for cluster-scoped kinds. Whether it existed.
    pub fn remove(&mut self, kind: &str, namespace: &str, name: &str) -> bool {
        let keys: Vec<ObjectKey> = self
            .objects
            .keys()
            .filter(|(i, ns, n)| TYPES[*i].kind == kind && ns == namespace && n == name)
            .cloned()
            .collect();
        for key in &keys {
            self.objects.remove(key);
        }
        !keys.is_empty()
    }

    /// The stored object (normalised JSON), to inspect or edit; edits are read through the
    /// k8s-openapi type again when the server starts.
    pub fn object_mut(&mut self, kind: &str, namespace: &str, name: &str) -> Option<&mut Value> {
        self.objects
            .iter_mut()
            .find(|((i, ns, n), _)| TYPES[*i].kind == kind && ns == namespace && n == name)
            .map(|(_, v)| v)
    }

    /// Sets the log text of `namespace/pod/container`.
    pub fn set_log(&mut self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.logs
            .insert(format!("{namespace}/{pod}/{container}"), text.to_string());
    }

    /// Adds a 403 rule (see [`AccessRule`]).
    pub fn forbid(&mut self, rule: AccessRule) {
        self.forbid.push(rule);
    }

    /// Denies every request that no rule allows, as RBAC does; `forbid` rules still apply.
    /// With [`AccessRule::from_rbac`], the stand-in grants exactly what a set of
    /// Roles/ClusterRoles grants.
    pub fn allow_only(&mut self, rules: Vec<AccessRule>) {
        self.allow_only = Some(rules);
    }

    /// The `gitVersion` answered at `/version` (default `v1.33.4`).
    pub fn set_git_version(&mut self, version: &str) {
        self.git_version = version.to_string();
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn add_logs_yaml(&mut self, text: &str) -> Result<()> {
        let logs: BTreeMap<String, String> =
            serde_saphyr::from_str(text).map_err(|e| anyhow!("invalid logs YAML: {e}"))?;
        for (key, text) in logs {
            if key.split('/').count() != 3 {
                bail!("log key {key:?} is not namespace/pod/container");
            }
            self.logs.insert(key, text);
        }
        Ok(())
    }

    fn add_access_yaml(&mut self, text: &str) -> Result<()> {
        let access: AccessFile =
            serde_saphyr::from_str(text).map_err(|e| anyhow!("invalid access YAML: {e}"))?;
        self.forbid.extend(access.forbid);
        Ok(())
    }

    fn fill_metadata(&mut self, rt: &ResourceType, value: &mut Value) -> Result<(String, String)> {
        let meta = value
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| anyhow!("{} without metadata", rt.kind))?;
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| anyhow!("{} without metadata.name", rt.kind))?
            .to_string();
        let namespace = match (rt.namespaced, meta.get("namespace").and_then(Value::as_str)) {
            (true, Some(ns)) => ns.to_string(),
            (true, None) => {
                meta.insert("namespace".into(), json!("default"));
                "default".to_string()
            }
            (false, None) => String::new(),
            (false, Some(ns)) => bail!(
                "{} {name} is cluster-scoped but has namespace {ns}",
                rt.kind
            ),
        };
        if !meta.contains_key("uid") {
            meta.insert("uid".into(), json!(fake_uid(&[rt.kind, &namespace, &name])));
        }
        if !meta.contains_key("resourceVersion") {
            self.next_resource_version += 1;
            meta.insert(
                "resourceVersion".into(),
                json!(self.next_resource_version.to_string()),
            );
        }
        if !meta.contains_key("creationTimestamp") {
            let now = super::table::now();
            meta.insert("creationTimestamp".into(), json!(now.to_string()));
        }
        Ok((namespace, name))
    }
}

/// Merges a Secret's `stringData` into `data`, as the API server does on write.
fn merge_string_data(secret: &mut Value) -> Result<()> {
    let Some(obj) = secret.as_object_mut() else {
        return Ok(());
    };
    let Some(string_data) = obj.remove("stringData") else {
        return Ok(());
    };
    let Value::Object(string_data) = string_data else {
        bail!("Secret stringData is not a map");
    };
    let data = obj
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(data) = data.as_object_mut() else {
        bail!("Secret data is not a map");
    };
    for (k, v) in string_data {
        let Some(s) = v.as_str() else {
            bail!("Secret stringData.{k} is not a string");
        };
        data.insert(
            k,
            json!(base64::engine::general_purpose::STANDARD.encode(s)),
        );
    }
    Ok(())
}

/// A stable UUID-shaped id derived from `parts`.
pub(crate) fn fake_uid(parts: &[&str]) -> String {
    // FNV-1a, twice with different seeds: stable across runs and platforms.
    let hash = |seed: u64| {
        let mut h = seed;
        for p in parts {
            for b in p.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        h
    };
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rbac_roles_become_allow_rules() {
        let rules =
            AccessRule::from_rbac(include_str!("../../../manifests/rbac/audit-rbac.yaml")).unwrap();
        let allowed = |verb, group, resource, ns| {
            rules
                .iter()
                .any(|r| r.matches(verb, group, resource, ns, "x"))
        };
        // The ClusterRole: anywhere. The Role: only in istio-system.
        assert!(allowed("list", "", "configmaps", "default"));
        assert!(allowed(
            "list",
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations",
            ""
        ));
        assert!(allowed("get", "", "pods/log", "istio-system"));
        assert!(allowed("list", "", "secrets", "istio-system"));
        assert!(!allowed("list", "", "secrets", "default"));
        assert!(!allowed("get", "", "secrets", "istio-system"));
        // Gateway Deployments and Istio's gateway objects live in any namespace.
        assert!(allowed("list", "apps", "deployments", "kube-system"));
        assert!(allowed("list", "networking.istio.io", "gateways", "shop"));
        assert!(!allowed("get", "apps", "deployments", "kube-system"));
        assert!(!allowed("list", "", "deployments", "istio-system"));
        // Read-only: no write verb anywhere.
        for r in &rules {
            assert!(matches!(r.verb.as_str(), "get" | "list"), "{r:?}");
        }
    }

    #[test]
    fn yaml_objects_lists_and_string_data() {
        let mut f = ClusterFixture::new();
        let n = f
            .add_yaml(
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# only a comment\n---\n\
                 apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  \
                 metadata: {name: s, namespace: a}\n  stringData: {k: hello}\n",
            )
            .unwrap();
        assert_eq!(n, 2);
        let s = f.object_mut("Secret", "a", "s").unwrap();
        assert_eq!(s["data"]["k"], "aGVsbG8=");
        assert!(s["metadata"]["uid"].as_str().unwrap().len() == 36);
        assert!(f.remove("Namespace", "", "a"));
        assert!(!f.remove("Namespace", "", "a"));
        let err = f
            .add_yaml("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n")
            .unwrap_err();
        assert!(format!("{err:#}").contains("does not serve"), "{err:#}");
        let err = f
            .add_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n")
            .unwrap_err();
        assert!(format!("{err:#}").contains("cluster-scoped"), "{err:#}");
    }

    #[test]
    fn access_rules_match_by_every_given_field() {
        let rule = AccessRule {
            verb: "list".into(),
            resource: "secrets".into(),
            namespace: Some("istio-system".into()),
            ..Default::default()
        };
        assert!(rule.matches("list", "", "secrets", "istio-system", ""));
        assert!(!rule.matches("get", "", "secrets", "istio-system", "x"));
        assert!(!rule.matches("list", "", "secrets", "", ""));
        let mut f = ClusterFixture::new();
        f.add_access_yaml("forbid:\n  - {verb: '*', resource: pods/log}\n")
            .unwrap();
        assert!(f.forbid[0].matches("get", "", "pods/log", "x", "y"));
        assert!(
            f.add_access_yaml("forbid: [{verb: get, resourse: x}]")
                .is_err()
        );
    }
}
