//! The resource types the stand-in serves, with what discovery says about them, and the
//! normalisation of an object through its k8s-openapi type.

use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use k8s_openapi::api::{admissionregistration, apps, core, discovery, rbac};
use k8s_openapi::{ClusterResourceScope, ListableResource, NamespaceResourceScope, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Whether a k8s-openapi scope type is namespaced.
trait Scope {
    const NAMESPACED: bool;
}
impl Scope for NamespaceResourceScope {
    const NAMESPACED: bool = true;
}
impl Scope for ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// One served resource type (a `group/version` + plural).
pub struct ResourceType {
    /// `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// `v1` or `apps/v1`.
    pub api_version: &'static str,
    pub kind: &'static str,
    pub list_kind: &'static str,
    /// The URL segment, e.g. `pods`.
    pub plural: &'static str,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Read through the k8s-openapi type: deserialise, serialise back.
    normalize: fn(Value) -> Result<Value>,
}

impl ResourceType {
    /// The object as the real type serialises it (fails on what the type rejects).
    pub fn normalize(&self, value: Value) -> Result<Value> {
        (self.normalize)(value)
    }

    /// `pods` or `deployments.apps`: how the API server names the resource in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

fn through<T: Serialize + DeserializeOwned>(value: Value) -> Result<Value> {
    let typed: T = serde_json::from_value(value)?;
    Ok(serde_json::to_value(typed)?)
}

fn rt<T>(short_names: &'static [&'static str], categories: &'static [&'static str]) -> ResourceType
where
    T: Resource + ListableResource + Serialize + DeserializeOwned,
    T::Scope: Scope,
{
    ResourceType {
        group: T::GROUP,
        version: T::VERSION,
        api_version: T::API_VERSION,
        kind: T::KIND,
        list_kind: T::LIST_KIND,
        plural: T::URL_PATH_SEGMENT,
        singular: T::KIND.to_ascii_lowercase(),
        namespaced: <T::Scope as Scope>::NAMESPACED,
        short_names,
        categories,
        normalize: through::<T>,
    }
}

/// Istio's networking custom resources have no k8s-openapi type: an object is checked for
/// what the API server checks of every custom resource (a name, and `spec` an object as
/// Istio's CRD schemas require) and kept as written.
fn custom_object(value: Value) -> Result<Value> {
    anyhow::ensure!(
        value["metadata"]["name"].is_string(),
        "metadata.name must be a string"
    );
    anyhow::ensure!(
        value.get("spec").is_none_or(Value::is_object),
        "spec must be an object"
    );
    Ok(value)
}

fn istio_networking(
    kind: &'static str,
    list_kind: &'static str,
    plural: &'static str,
    short_names: &'static [&'static str],
) -> ResourceType {
    ResourceType {
        group: "networking.istio.io",
        version: "v1",
        api_version: "networking.istio.io/v1",
        kind,
        list_kind,
        plural,
        singular: kind.to_ascii_lowercase(),
        namespaced: true,
        short_names,
        // Istio's CRDs put them in these categories (`kubectl get istio-io`).
        categories: &["istio-io", "networking-istio-io"],
        normalize: custom_object,
    }
}

/// Every type the stand-in stores and serves, in discovery order.
pub static TYPES: LazyLock<Vec<ResourceType>> = LazyLock::new(|| {
    vec![
        rt::<core::v1::ConfigMap>(&["cm"], &[]),
        rt::<core::v1::Endpoints>(&["ep"], &[]),
        rt::<core::v1::Namespace>(&["ns"], &[]),
        rt::<core::v1::Pod>(&["po"], &["all"]),
        rt::<core::v1::Secret>(&[], &[]),
        rt::<core::v1::ServiceAccount>(&["sa"], &[]),
        rt::<core::v1::Service>(&["svc"], &["all"]),
        rt::<apps::v1::Deployment>(&["deploy"], &["all"]),
        rt::<apps::v1::ReplicaSet>(&["rs"], &["all"]),
        rt::<discovery::v1::EndpointSlice>(&[], &[]),
        rt::<rbac::v1::ClusterRoleBinding>(&[], &[]),
        rt::<rbac::v1::ClusterRole>(&[], &[]),
        rt::<rbac::v1::RoleBinding>(&[], &[]),
        rt::<rbac::v1::Role>(&[], &[]),
        rt::<admissionregistration::v1::MutatingWebhookConfiguration>(&[], &["api-extensions"]),
        rt::<admissionregistration::v1::ValidatingWebhookConfiguration>(&[], &["api-extensions"]),
        istio_networking("Gateway", "GatewayList", "gateways", &["gw"]),
        istio_networking(
            "DestinationRule",
            "DestinationRuleList",
            "destinationrules",
            &["dr"],
        ),
    ]
});

/// The API groups served besides the core group, in `/apis` order.
pub const GROUPS: &[(&str, &str)] = &[
    ("apps", "v1"),
    ("discovery.k8s.io", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("admissionregistration.k8s.io", "v1"),
    ("authentication.k8s.io", "v1"),
    ("networking.istio.io", "v1"),
];

/// The type for `apiVersion` + `kind` (fixture loading).
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    TYPES
        .iter()
        .find(|t| t.api_version == api_version && t.kind == kind)
}

/// The type for a URL: group (`""` = core), version, plural.
pub fn by_path(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    TYPES
        .iter()
        .find(|t| t.group == group && t.version == version && t.plural == plural)
}

/// Reads a fixture object through its k8s-openapi type and checks that nothing was dropped
/// on the way (a misspelt field would otherwise vanish silently).
pub fn normalize_checked(rt: &ResourceType, original: Value) -> Result<Value> {
    let normalized = rt
        .normalize(original.clone())
        .with_context(|| format!("not a valid {} {}", rt.api_version, rt.kind))?;
    compare(&original, &normalized, &mut String::new())
        .with_context(|| format!("{} {} does not round-trip", rt.api_version, rt.kind))?;
    Ok(normalized)
}

fn compare(original: &Value, normalized: &Value, path: &mut String) -> Result<()> {
    match (original, normalized) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if value.is_null() {
                    continue;
                }
                let len = path.len();
                path.push('.');
                path.push_str(key);
                match b.get(key) {
                    Some(other) => compare(value, other, path)?,
                    None => bail!("field `{path}` is not part of the schema"),
                }
                path.truncate(len);
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                compare(x, y, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (a, b) if a == b => Ok(()),
        (a, b) => bail!("field `{path}`: {a} is served as {b}"),
    }
}

/// Verbs a read-write API server lists for an ordinary resource.
const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// `/api/v1` or `/apis/<group>/<version>`: an `APIResourceList`, or `None` for an unknown
/// group/version.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut resources = Vec::new();
    if group.is_empty() && version == "v1" || GROUPS.contains(&(group, version)) {
        for t in TYPES
            .iter()
            .filter(|t| t.group == group && t.version == version)
        {
            let mut r = json!({
                "name": t.plural,
                "singularName": t.singular,
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": VERBS,
            });
            if !t.short_names.is_empty() {
                r["shortNames"] = json!(t.short_names);
            }
            if !t.categories.is_empty() {
                r["categories"] = json!(t.categories);
            }
            resources.push(r);
            if t.plural == "pods" {
                resources.push(
                    json!({"name": "pods/log", "singularName": "", "namespaced": true,
                    "kind": "Pod", "verbs": ["get"]}),
                );
            }
            if t.plural == "serviceaccounts" {
                resources.push(json!({"name": "serviceaccounts/token", "singularName": "",
                    "namespaced": true, "group": "authentication.k8s.io", "version": "v1",
                    "kind": "TokenRequest", "verbs": ["create"]}));
            }
        }
        if group == "authentication.k8s.io" {
            resources.push(
                json!({"name": "tokenreviews", "singularName": "tokenreview",
                "namespaced": false, "kind": "TokenReview", "verbs": ["create"]}),
            );
        }
    } else {
        return None;
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// `/apis`: the `APIGroupList`.
pub fn group_list() -> Value {
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|(name, version)| {
            let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
            json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_k8s_openapi_types() {
        let pods = by_path("", "v1", "pods").unwrap();
        assert!(pods.namespaced);
        assert_eq!(pods.list_kind, "PodList");
        let crb = by_path("rbac.authorization.k8s.io", "v1", "clusterrolebindings").unwrap();
        assert!(!crb.namespaced);
        assert_eq!(
            crb.qualified(),
            "clusterrolebindings.rbac.authorization.k8s.io"
        );
        assert_eq!(
            by_kind(
                "admissionregistration.k8s.io/v1",
                "MutatingWebhookConfiguration"
            )
            .unwrap()
            .plural,
            "mutatingwebhookconfigurations"
        );
        for (group, version) in GROUPS {
            assert!(resource_list(group, version).is_some(), "{group}");
        }
        assert!(resource_list("", "v1").is_some());
        assert!(resource_list("batch", "v1").is_none());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_fixture_errors() {
        let cm = by_kind("v1", "ConfigMap").unwrap();
        let ok = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "b", "creationTimestamp": null},
            "data": {"k": "v"}});
        normalize_checked(cm, ok).unwrap();
        let typo = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "b"}, "dta": {"k": "v"}});
        let err = format!("{:#}", normalize_checked(cm, typo).unwrap_err());
        assert!(err.contains("`.dta`"), "{err}");
        let not_a_string = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "annotations": {"x": true}}});
        assert!(normalize_checked(cm, not_a_string).is_err());
    }
}
