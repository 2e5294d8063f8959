//! Finds istiod configurations in parsed YAML: Helm values of both chart layouts
//! (1.16–1.23 `pilot.*`, 1.24+ top level with `pilot.*` still winning), IstioOperator,
//! Deployment and Pod manifests (also inside a `kind: List`).

use super::yaml::{Document, Node, Span, key_path};
use crate::gateway::Kind;
use crate::model::{Annotation, EnvVar, IGNORE_ANNOTATION, IstiodSpec, Origin, Place, TokenMounts};

/// Everything found in one file.
#[derive(Debug, Default)]
pub struct Inventory {
    pub specs: Vec<IstiodSpec>,
    /// Kinds of the other objects seen, to explain "nothing found" precisely.
    pub other_kinds: Vec<String>,
}

pub fn recognize(file: &str, docs: &[Document]) -> Inventory {
    recognize_with(file, docs, Kind::Auto)
}

/// [`recognize`], with `kind` deciding what Helm values without `kind` are (`--kind`).
pub fn recognize_with(file: &str, docs: &[Document], kind: Kind) -> Inventory {
    let mut inv = Inventory::default();
    for doc in docs {
        visit(file, doc.index, &doc.root, kind, &mut inv);
    }
    inv
}

fn visit(file: &str, document: usize, root: &Node, kind: Kind, inv: &mut Inventory) {
    match root {
        Node::Mapping(..) => {}
        Node::Sequence(..) => return inv.other_kinds.push("a YAML list, not a mapping".into()),
        Node::Scalar(..) if root.is_null() => return,
        Node::Scalar(..) => {
            return inv
                .other_kinds
                .push("a lone YAML scalar, not a mapping".into());
        }
    }
    if crate::gateway::read::is_any_gateway_values(root, kind) {
        return inv.other_kinds.push("gateway chart values".into());
    }
    match root.get("kind").and_then(Node::as_str) {
        Some("List") | Some("DeploymentList") | Some("PodList") => {
            for item in root.get("items").and_then(Node::as_sequence).unwrap_or(&[]) {
                visit(file, document, item, kind, inv);
            }
        }
        Some("Deployment") => match workload(file, document, root, Origin::Deployment) {
            Some(spec) => inv.specs.push(spec),
            None => inv.other_kinds.push("Deployment (not istiod)".into()),
        },
        Some("Pod") => match workload(file, document, root, Origin::Pod) {
            Some(spec) => inv.specs.push(spec),
            None => inv.other_kinds.push("Pod (not istiod)".into()),
        },
        Some("IstioOperator") if installs_istiod(root) => {
            inv.specs.push(istio_operator(file, document, root))
        }
        Some("IstioOperator") => inv.other_kinds.push("IstioOperator without istiod".into()),
        Some(kind) => inv.other_kinds.push(kind.to_string()),
        None => match helm_values(file, document, root) {
            Some(spec) => inv.specs.push(spec),
            None => inv.other_kinds.push("YAML without istiod values".into()),
        },
    }
}

pub(crate) fn place(span: Span, path: &[&str]) -> Place {
    Place {
        span,
        path: key_path(path),
    }
}

/// The key node for `path` inside `root` (for pointing at a map that is present).
fn key_span(root: &Node, path: &[&str]) -> Option<Span> {
    let (last, parent) = path.split_last()?;
    let parent = root.path(parent)?;
    parent.entry(last).map(|(k, _)| k.span())
}

/// The deepest existing ancestor of `path`, for pointing at where a missing map belongs.
pub(crate) fn nearest_place(root: &Node, path: &[&str]) -> Place {
    for n in (1..=path.len()).rev() {
        if let Some(span) = key_span(root, &path[..n]) {
            return place(span, &path[..n]);
        }
    }
    place(
        Span {
            start: root.span().start,
            end: root.span().start,
        },
        &[],
    )
}

pub(crate) fn annotations_from(map: Option<&Node>, base: &[&str]) -> Vec<Annotation> {
    let Some(entries) = map.and_then(Node::as_mapping) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_str()?.to_string();
            let mut path: Vec<&str> = base.to_vec();
            path.push(&key);
            Some(Annotation {
                path: key_path(&path),
                key_span: k.span(),
                value: v.clone(),
                key,
            })
        })
        .collect()
}

/// Helm and IstioOperator values give env as a map of name → value: the same entries as
/// an annotation map, read as variables.
fn env_from_map(map: Option<&Node>, base: &[&str]) -> Vec<EnvVar> {
    annotations_from(map, base)
        .into_iter()
        .map(|a| EnvVar {
            value: a.text().map(str::to_string),
            place: a.place(),
            name: a.key,
        })
        .collect()
}

/// Manifests give env as a list of `EnvVar` objects.
fn env_from_list(list: Option<&Node>, base: &[&str]) -> Vec<EnvVar> {
    let Some(items) = list.and_then(Node::as_sequence) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let name = item.get("name")?.as_str()?.to_string();
            let idx = format!("[{i}]");
            let mut path: Vec<&str> = base.to_vec();
            path.push(&idx);
            path.push("value");
            let value_node = item.get("value");
            Some(EnvVar {
                value: value_node.and_then(Node::as_str).map(str::to_string),
                place: place(value_node.unwrap_or(item).span(), &path),
                name,
            })
        })
        .collect()
}

/// Entries of `winning` override those of `base` with the same key (as the 1.24+ chart's
/// `pilot.*` does over top-level values); file order is kept otherwise.
fn merge_by_key<T>(base: Vec<T>, winning: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut out: Vec<T> = base
        .into_iter()
        .filter(|b| !winning.iter().any(|w| key(w) == key(b)))
        .collect();
    out.extend(winning);
    out
}

pub(crate) fn merge_annotations(
    base: Vec<Annotation>,
    winning: Vec<Annotation>,
) -> Vec<Annotation> {
    merge_by_key(base, winning, |a| &a.key)
}

fn merge_env(base: Vec<EnvVar>, winning: Vec<EnvVar>) -> Vec<EnvVar> {
    merge_by_key(base, winning, |e| &e.name)
}

pub(crate) fn ignored_codes(annotations: &[&Annotation]) -> Vec<String> {
    annotations
        .iter()
        .filter(|a| a.key == IGNORE_ANNOTATION)
        .filter_map(|a| a.text())
        .flat_map(|t| t.split(','))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Keys that only the istiod chart's values have at the top level.
/// Top-level keys only the istiod chart's values have (`global`, `revision`,
/// `podAnnotations` and `env` are shared with the gateway chart and many others).
const ISTIOD_VALUES_MARKERS: &[&str] = &["pilot", "meshConfig", "istiodRemote"];

fn helm_values(file: &str, document: usize, root: &Node) -> Option<IstiodSpec> {
    let legacy_ann = root.path(&["pilot", "podAnnotations"]);
    let legacy_env = root.path(&["pilot", "env"]);
    let top_ann = root.get("podAnnotations");
    let top_env = root.get("env");
    let has_pilot = root.get("pilot").and_then(Node::as_mapping).is_some();
    let top_mentions_vault = top_ann.and_then(Node::as_mapping).is_some_and(|m| {
        m.iter().any(|(k, _)| {
            k.as_str()
                .is_some_and(|k| k.starts_with(crate::injector::catalog::PREFIX))
        })
    }) || top_env.and_then(|e| e.get("ROOT_CA_DIR")).is_some();
    let has_marker = ISTIOD_VALUES_MARKERS.iter().any(|k| root.get(k).is_some());
    if !has_pilot && !top_mentions_vault && !has_marker {
        return None;
    }
    let legacy = legacy_ann.is_some() || legacy_env.is_some();
    let annotations = merge_annotations(
        annotations_from(top_ann, &["podAnnotations"]),
        annotations_from(legacy_ann, &["pilot", "podAnnotations"]),
    );
    let env = merge_env(
        env_from_map(top_env, &["env"]),
        env_from_map(legacy_env, &["pilot", "env"]),
    );
    let (ann_path, env_path): (&[&str], &[&str]) =
        if legacy || top_ann.is_none() && top_env.is_none() {
            (&["pilot", "podAnnotations"], &["pilot", "env"])
        } else {
            (&["podAnnotations"], &["env"])
        };
    let ignored = ignored_codes(&annotations.iter().collect::<Vec<_>>());
    let pod_labels = merge_annotations(
        annotations_from(root.get("podLabels"), &["podLabels"]),
        annotations_from(root.path(&["pilot", "podLabels"]), &["pilot", "podLabels"]),
    );
    Some(IstiodSpec {
        file: file.to_string(),
        document,
        origin: if legacy {
            Origin::HelmValuesLegacy
        } else {
            Origin::HelmValues
        },
        name: "istiod".into(),
        namespace: None,
        annotations_place: nearest_place(root, ann_path),
        annotations,
        misplaced_annotations: Vec::new(),
        pod_labels,
        env_place: nearest_place(root, env_path),
        env,
        containers: None,
        service_account: None,
        token: None,
        ignored_codes: ignored,
    })
}

/// An IstioOperator installs istiod unless `components.pilot.enabled` is false, or its
/// profile is `empty`/`remote` and it does not enable pilot itself (gateway-only operators).
fn installs_istiod(root: &Node) -> bool {
    let enabled = root
        .path(&["spec", "components", "pilot", "enabled"])
        .and_then(Node::as_scalar)
        .map(super::scalar::resolve_k8s);
    match enabled {
        Some(super::scalar::Resolved::Bool(b)) => b,
        _ => !matches!(
            root.path(&["spec", "profile"]).and_then(Node::as_str),
            Some("empty") | Some("remote")
        ),
    }
}

fn istio_operator(file: &str, document: usize, root: &Node) -> IstiodSpec {
    const K8S_ANN: &[&str] = &["spec", "components", "pilot", "k8s", "podAnnotations"];
    const K8S_ENV: &[&str] = &["spec", "components", "pilot", "k8s", "env"];
    const VAL_ANN: &[&str] = &["spec", "values", "pilot", "podAnnotations"];
    const VAL_ENV: &[&str] = &["spec", "values", "pilot", "env"];
    let annotations = merge_annotations(
        annotations_from(root.path(VAL_ANN), VAL_ANN),
        annotations_from(root.path(K8S_ANN), K8S_ANN),
    );
    let env = merge_env(
        env_from_map(root.path(VAL_ENV), VAL_ENV),
        env_from_list(root.path(K8S_ENV), K8S_ENV),
    );
    let ann_path = if root.path(VAL_ANN).is_some() && root.path(K8S_ANN).is_none() {
        VAL_ANN
    } else {
        K8S_ANN
    };
    let env_path = if root.path(VAL_ENV).is_some() && root.path(K8S_ENV).is_none() {
        VAL_ENV
    } else {
        K8S_ENV
    };
    let meta = root.path(&["metadata", "annotations"]);
    let meta_ann = annotations_from(meta, &["metadata", "annotations"]);
    let ignored = ignored_codes(
        &annotations
            .iter()
            .chain(meta_ann.iter())
            .collect::<Vec<_>>(),
    );
    IstiodSpec {
        file: file.to_string(),
        document,
        origin: Origin::IstioOperator,
        name: root
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("istiod")
            .to_string(),
        namespace: root
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .map(str::to_string),
        annotations_place: nearest_place(root, ann_path),
        annotations,
        misplaced_annotations: Vec::new(),
        pod_labels: annotations_from(
            root.path(&["spec", "values", "pilot", "podLabels"]),
            &["spec", "values", "pilot", "podLabels"],
        ),
        env_place: nearest_place(root, env_path),
        env,
        containers: None,
        service_account: None,
        token: None,
        ignored_codes: ignored,
    }
}

/// The container istiod runs in.
pub const DISCOVERY: &str = "discovery";

fn is_istiod_workload(root: &Node, pod_spec: Option<&Node>, labels: Option<&Node>) -> bool {
    let name = root
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let app = labels.and_then(|l| l.get("app")).and_then(Node::as_str);
    let has_discovery = pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(Node::as_sequence)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.get("name").and_then(Node::as_str) == Some(DISCOVERY))
        });
    name == "istiod" || name.starts_with("istiod-") || app == Some("istiod") || has_discovery
}

fn workload(file: &str, document: usize, root: &Node, origin: Origin) -> Option<IstiodSpec> {
    let (pod_meta_path, pod_spec_path): (&[&str], &[&str]) = match origin {
        Origin::Deployment => (
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
        ),
        _ => (&["metadata"], &["spec"]),
    };
    let pod_spec = root.path(pod_spec_path);
    let pod_labels = root.path(pod_meta_path).and_then(|m| m.get("labels"));
    if !is_istiod_workload(root, pod_spec, pod_labels) {
        return None;
    }
    let ann_path: Vec<&str> = pod_meta_path
        .iter()
        .copied()
        .chain(["annotations"])
        .collect();
    let annotations = annotations_from(root.path(&ann_path), &ann_path);
    let own_meta = annotations_from(
        root.path(&["metadata", "annotations"]),
        &["metadata", "annotations"],
    );
    let misplaced = if origin == Origin::Deployment {
        own_meta
            .iter()
            .filter(|a| a.vault_name().is_some())
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let containers = pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(Node::as_sequence)
        .unwrap_or(&[]);
    let discovery_idx = containers
        .iter()
        .position(|c| c.get("name").and_then(Node::as_str) == Some(DISCOVERY))
        .or(if containers.is_empty() { None } else { Some(0) });
    let env_base: Vec<String> = pod_spec_path
        .iter()
        .map(|s| s.to_string())
        .chain([
            "containers".to_string(),
            format!("[{}]", discovery_idx.unwrap_or(0)),
            "env".to_string(),
        ])
        .collect();
    let env_base: Vec<&str> = env_base.iter().map(String::as_str).collect();
    let env_node = discovery_idx
        .and_then(|i| containers.get(i))
        .and_then(|c| c.get("env"));
    let env = env_from_list(env_node, &env_base);
    let env_place = match (env_node, discovery_idx.and_then(|i| containers.get(i))) {
        (Some(n), _) => place(n.span(), &env_base),
        (None, Some(c)) => place(c.span(), &env_base[..env_base.len() - 1]),
        (None, None) => nearest_place(root, pod_spec_path),
    };
    let ignored = ignored_codes(
        &annotations
            .iter()
            .chain(own_meta.iter())
            .collect::<Vec<_>>(),
    );
    Some(IstiodSpec {
        file: file.to_string(),
        document,
        origin,
        name: root
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("istiod")
            .to_string(),
        namespace: root
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .map(str::to_string),
        annotations_place: nearest_place(root, &ann_path),
        annotations,
        misplaced_annotations: misplaced,
        pod_labels: {
            let labels_path: Vec<&str> = pod_meta_path.iter().copied().chain(["labels"]).collect();
            annotations_from(root.path(&labels_path), &labels_path)
        },
        env_place,
        env,
        containers: Some(
            containers
                .iter()
                .filter_map(|c| c.get("name").and_then(Node::as_str).map(str::to_string))
                .collect(),
        ),
        service_account: pod_spec
            .and_then(|s| s.get("serviceAccountName"))
            .and_then(Node::as_str)
            .map(str::to_string),
        token: Some(token_mounts(pod_spec, pod_spec_path)),
        ignored_codes: ignored,
    })
}

fn token_mounts(pod_spec: Option<&Node>, pod_spec_path: &[&str]) -> TokenMounts {
    let automount = pod_spec
        .and_then(|s| s.entry("automountServiceAccountToken"))
        .and_then(|(_, v)| {
            let scalar = v.as_scalar()?;
            let value = match super::scalar::resolve_k8s(scalar) {
                super::scalar::Resolved::Bool(b) => b,
                _ => return None,
            };
            let mut path: Vec<&str> = pod_spec_path.to_vec();
            path.push("automountServiceAccountToken");
            Some((value, place(v.span(), &path)))
        });
    let containers = pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(Node::as_sequence)
        .unwrap_or(&[]);
    let explicit_mount = containers.iter().any(|c| {
        c.get("volumeMounts")
            .and_then(Node::as_sequence)
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| m.get("mountPath").and_then(Node::as_str))
            .any(|p| p.contains("serviceaccount"))
    });
    let projected_token_volumes = pod_spec
        .and_then(|s| s.get("volumes"))
        .and_then(Node::as_sequence)
        .unwrap_or(&[])
        .iter()
        .filter(|v| {
            v.path(&["projected", "sources"])
                .and_then(Node::as_sequence)
                .is_some_and(|srcs| srcs.iter().any(|s| s.get("serviceAccountToken").is_some()))
        })
        .filter_map(|v| v.get("name").and_then(Node::as_str).map(str::to_string))
        .collect();
    TokenMounts {
        automount,
        explicit_mount,
        projected_token_volumes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml::parse;

    fn specs(text: &str) -> Vec<IstiodSpec> {
        recognize("t.yaml", &parse(text).unwrap()).specs
    }

    #[test]
    fn legacy_values_layout() {
        let s = specs(
            "pilot:\n  env:\n    ROOT_CA_DIR: /vault/secrets\n  podAnnotations:\n    vault.hashicorp.com/role: istiod\n",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].origin, Origin::HelmValuesLegacy);
        assert_eq!(
            s[0].env_var("ROOT_CA_DIR").unwrap().value.as_deref(),
            Some("/vault/secrets")
        );
        let role = s[0].vault("role").unwrap();
        assert_eq!(role.text(), Some("istiod"));
        assert_eq!(role.value.span().start.line, 5);
        assert_eq!(
            role.path,
            r#"pilot.podAnnotations."vault.hashicorp.com/role""#
        );
    }

    #[test]
    fn top_level_layout_with_pilot_winning() {
        let s = specs(concat!(
            "podAnnotations:\n  vault.hashicorp.com/role: top\n  vault.hashicorp.com/agent-inject: \"true\"\n",
            "env:\n  ROOT_CA_DIR: /top\n",
            "pilot:\n  podAnnotations:\n    vault.hashicorp.com/role: pilot\n",
        ));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].vault("role").unwrap().text(), Some("pilot"));
        assert_eq!(s[0].vault("agent-inject").unwrap().text(), Some("true"));
        assert_eq!(
            s[0].env_var("ROOT_CA_DIR").unwrap().value.as_deref(),
            Some("/top")
        );
        let s = specs("podAnnotations:\n  vault.hashicorp.com/role: r\n");
        assert_eq!(s[0].origin, Origin::HelmValues);
    }

    #[test]
    fn unrelated_values_are_not_istiod() {
        assert!(specs("replicaCount: 2\nimage: nginx\n").is_empty());
        assert!(specs("podAnnotations:\n  foo: bar\n").is_empty());
        // The Istio gateway chart's values, and a generic chart with `global`.
        assert!(specs("revision: \"\"\npodAnnotations:\n  prometheus.io/port: \"15020\"\nenv: {}\nservice:\n  type: LoadBalancer\n").is_empty());
        assert!(specs("global: {imageRegistry: \"\"}\npodAnnotations: {}\nenv: {}\n").is_empty());
        // But 1.24+ istiod values are recognised by meshConfig or the Vault wiring.
        assert_eq!(
            specs("meshConfig: {trustDomain: cluster.local}\npodAnnotations: {}\n").len(),
            1
        );
        assert_eq!(specs("env:\n  ROOT_CA_DIR: /vault/secrets\n").len(), 1);
    }

    #[test]
    fn gateway_only_istio_operators_are_not_istiod() {
        let gw = "kind: IstioOperator\nspec:\n  profile: empty\n  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n      enabled: true\n";
        assert!(specs(gw).is_empty());
        let off = "kind: IstioOperator\nspec:\n  components:\n    pilot:\n      enabled: false\n";
        assert!(specs(off).is_empty());
        let on = "kind: IstioOperator\nspec:\n  profile: empty\n  components:\n    pilot:\n      enabled: true\n";
        assert_eq!(specs(on).len(), 1);
        assert_eq!(specs("kind: IstioOperator\nspec: {}\n").len(), 1);
    }

    #[test]
    fn deployment_template_annotations_env_and_misplaced_keys() {
        let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istiod
  namespace: istio-system
  annotations:
    vault.hashicorp.com/agent-inject: "true"
spec:
  template:
    metadata:
      annotations:
        vault.hashicorp.com/role: istiod
    spec:
      serviceAccountName: istiod
      containers:
      - name: discovery
        env:
        - name: ROOT_CA_DIR
          value: /vault/secrets
        - name: FROM_REF
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
"#;
        let s = specs(text);
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.origin, Origin::Deployment);
        assert_eq!(s.namespace.as_deref(), Some("istio-system"));
        assert_eq!(s.service_account.as_deref(), Some("istiod"));
        assert_eq!(s.misplaced_annotations.len(), 1);
        assert_eq!(s.vault("role").unwrap().text(), Some("istiod"));
        assert_eq!(
            s.env_var("ROOT_CA_DIR").unwrap().value.as_deref(),
            Some("/vault/secrets")
        );
        assert_eq!(s.env_var("FROM_REF").unwrap().value, None);
        assert_eq!(
            s.containers.as_deref(),
            Some(&["discovery".to_string()][..])
        );
    }

    #[test]
    fn other_deployments_and_lists() {
        let text = "kind: List\nitems:\n- kind: Deployment\n  metadata: {name: web}\n- kind: Pod\n  metadata: {name: istiod-abc, labels: {app: istiod}}\n  spec: {containers: [{name: discovery}]}\n";
        let inv = recognize("t", &parse(text).unwrap());
        assert_eq!(inv.specs.len(), 1);
        assert_eq!(inv.specs[0].origin, Origin::Pod);
        assert_eq!(inv.other_kinds, vec!["Deployment (not istiod)".to_string()]);
    }

    #[test]
    fn istio_operator_k8s_wins_over_values() {
        let text = r#"
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    pilot:
      env: {ROOT_CA_DIR: /values}
  components:
    pilot:
      k8s:
        podAnnotations:
          vault.hashicorp.com/agent-inject: "true"
        env:
        - name: ROOT_CA_DIR
          value: /vault/secrets
"#;
        let s = specs(text);
        assert_eq!(s[0].origin, Origin::IstioOperator);
        assert_eq!(
            s[0].env_var("ROOT_CA_DIR").unwrap().value.as_deref(),
            Some("/vault/secrets")
        );
        assert!(s[0].vault("agent-inject").is_some());
    }

    #[test]
    fn ignore_annotation_is_collected() {
        let s = specs("pilot:\n  podAnnotations:\n    vault-istio.io/ignore: \"VI114, VI121\"\n");
        assert_eq!(s[0].ignored_codes, vec!["VI114", "VI121"]);
    }
}
