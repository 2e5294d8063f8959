//! Finds gateway inputs in parsed YAML: `istio/gateway` chart values, the legacy
//! `gateways` chart values, IstioOperator `ingressGateways[]`/`egressGateways[]`,
//! gateway Deployments and Pods, Istio `Gateway` and `DestinationRule` objects, and Gateway
//! API `Gateway` objects (also inside a `kind: List`). Shapes istiod would reject (a field
//! of the wrong type, an unknown TLS mode) become [`Malformed`] entries with their place.

use super::{
    DestinationRule, Direction, DrTls, Field, GatewayWorkload, Inventory, IstioGateway,
    KubeGateway, Located, Malformed, Mode, Server, Tls,
};
use crate::model::{IstiodSpec, Origin, Place};
use crate::source::recognize::{
    annotations_from, ignored_codes, merge_annotations, nearest_place, place,
};
use crate::source::yaml::{Document, Node, key_path};

/// What a Helm values document (one without `kind`) is, when the user says (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Decide from the keys: the `istio/gateway` chart's own keys mean gateway values.
    #[default]
    Auto,
    Istiod,
    Gateway,
}

/// Top-level keys only the `istio/gateway` chart's values have (istiod's 1.24+ values
/// share `podAnnotations`, `env`, `revision` and others).
const GATEWAY_VALUES_MARKERS: &[&str] = &[
    "service",
    "labels",
    "autoscaling",
    "networkGateway",
    "name",
    "serviceAccount",
];
/// Top-level keys only istiod's values have.
const ISTIOD_VALUES_MARKERS: &[&str] = &["pilot", "meshConfig", "istiodRemote"];

/// What a Helm values document says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValuesKind {
    Istiod,
    Gateway,
    /// The legacy `gateways` chart (`gateways.istio-ingressgateway`…).
    GatewaysChart,
    /// Nothing tells istiod's values from the gateway chart's.
    Ambiguous,
}

/// A values document (a mapping without `apiVersion`, and without `kind` or with the
/// gateway chart's `kind: Deployment|DaemonSet`), by its keys. `None` for anything else.
fn values_kind(root: &Node) -> Option<ValuesKind> {
    let kind_ok = matches!(
        root.get("kind").and_then(Node::as_str),
        None | Some("Deployment") | Some("DaemonSet")
    );
    if root.get("apiVersion").is_some() || root.as_mapping().is_none() || !kind_ok {
        return None;
    }
    let has = |keys: &[&str]| keys.iter().any(|k| root.get(k).is_some());
    if is_gateways_chart_values(root) {
        return Some(ValuesKind::GatewaysChart);
    }
    if has(&["pilot", "istiodRemote"]) {
        return Some(ValuesKind::Istiod);
    }
    if has(GATEWAY_VALUES_MARKERS) && !has(ISTIOD_VALUES_MARKERS) {
        return Some(ValuesKind::Gateway);
    }
    if has(ISTIOD_VALUES_MARKERS)
        || root.path(&["env", "ROOT_CA_DIR"]).is_some()
        || renders_ca_file(root)
    {
        return Some(ValuesKind::Istiod);
    }
    Some(ValuesKind::Ambiguous)
}

/// An injector annotation in top-level `podAnnotations` renders one of istiod's CA files.
fn renders_ca_file(root: &Node) -> bool {
    root.get("podAnnotations")
        .and_then(Node::as_mapping)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with(crate::injector::catalog::PREFIX))
        .any(|k| {
            crate::rules::vi2xx_istiod::CA_FILES
                .iter()
                .any(|f| k.ends_with(&format!("-{f}")))
        })
}

/// True when a values document is read as the `istio/gateway` chart's: its keys say so,
/// or nothing tells and `--kind gateway` was given.
pub fn is_gateway_values(root: &Node, kind: Kind) -> bool {
    match values_kind(root) {
        Some(ValuesKind::Gateway) => true,
        Some(ValuesKind::Ambiguous) => kind == Kind::Gateway,
        _ => false,
    }
}

/// True when a values document belongs to a gateway chart and is never istiod's.
pub fn is_any_gateway_values(root: &Node, kind: Kind) -> bool {
    is_gateway_values(root, kind) || values_kind(root) == Some(ValuesKind::GatewaysChart)
}

/// Values that only say "Vault injector annotations in top-level `podAnnotations`": read
/// as istiod's 1.24+ values unless `--kind gateway`, which could be a wrong guess.
fn is_ambiguous_values(root: &Node) -> bool {
    values_kind(root) == Some(ValuesKind::Ambiguous)
        && root
            .get("podAnnotations")
            .and_then(Node::as_mapping)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .any(|k| k.starts_with(crate::injector::catalog::PREFIX))
}

/// The two gateways of the legacy `gateways` chart (and of IstioOperator's values tree).
const LEGACY_GATEWAYS: [&str; 2] = ["istio-ingressgateway", "istio-egressgateway"];

/// True when a values document is the legacy `gateways` chart's (`gateways.istio-…`);
/// that chart's own values also carry `meshConfig`, but never `pilot`.
fn is_gateways_chart_values(root: &Node) -> bool {
    root.get("apiVersion").is_none()
        && root
            .get("gateways")
            .and_then(Node::as_mapping)
            .is_some_and(|m| {
                m.iter()
                    .any(|(k, _)| k.as_str().is_some_and(|k| LEGACY_GATEWAYS.contains(&k)))
            })
        && root.get("pilot").is_none()
        && root.get("istiodRemote").is_none()
}

pub fn read(file: &str, docs: &[Document], kind: Kind) -> Inventory {
    let mut inv = Inventory::default();
    for doc in docs {
        visit(file, doc.index, &doc.root, kind, &mut inv);
    }
    inv
}

fn located(file: &str, document: usize, place: Place) -> Located {
    Located {
        file: file.to_string(),
        document,
        place,
    }
}

fn visit(file: &str, document: usize, root: &Node, kind: Kind, inv: &mut Inventory) {
    if root.as_mapping().is_none() {
        return;
    }
    let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let group = api.split('/').next().unwrap_or("");
    match root.get("kind").and_then(Node::as_str) {
        Some("List") | Some("DeploymentList") | Some("PodList") => {
            for item in root.get("items").and_then(Node::as_sequence).unwrap_or(&[]) {
                visit(file, document, item, kind, inv);
            }
        }
        Some("Gateway") if group == "networking.istio.io" => {
            istio_gateway(file, document, root, inv)
        }
        Some("Gateway") if group == "gateway.networking.k8s.io" => {
            inv.kube_gateways.push(kube_gateway(file, document, root))
        }
        Some("DestinationRule") if group == "networking.istio.io" => {
            destination_rule(file, document, root, inv)
        }
        // The gateway chart's values have `kind: Deployment` (or DaemonSet).
        Some("Deployment") | Some("DaemonSet")
            if api.is_empty() && is_gateway_values(root, kind) =>
        {
            inv.workloads.push(gateway_values(file, document, root));
        }
        Some("Deployment") | Some("DaemonSet") if api.is_empty() => {}
        Some("Deployment") | Some("DaemonSet") => {
            workload(file, document, root, Origin::Deployment, inv)
        }
        Some("Pod") => workload(file, document, root, Origin::Pod, inv),
        Some("IstioOperator") => istio_operator(file, document, root, inv),
        None if is_gateway_values(root, kind) => {
            inv.workloads.push(gateway_values(file, document, root))
        }
        None if kind == Kind::Auto && is_ambiguous_values(root) => inv.assumed.push(Located {
            file: file.to_string(),
            document,
            place: nearest_place(root, &["podAnnotations"]),
        }),
        None if is_gateways_chart_values(root) => gateways_chart_values(file, document, root, inv),
        _ => {}
    }
}

fn string_map(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_mapping)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
        .collect()
}

fn direction_of(name: &str) -> Option<Direction> {
    if name.contains("egress") {
        Some(Direction::Egress)
    } else if name.contains("ingress") {
        Some(Direction::Ingress)
    } else {
        None
    }
}

/// The pod side of a gateway, in istiod's shape; callers fill the rest.
fn pod_spec(
    file: &str,
    document: usize,
    root: &Node,
    origin: Origin,
    name: String,
    ann_path: &[&str],
) -> IstiodSpec {
    let annotations = annotations_from(root.path(ann_path), ann_path);
    let ignored = ignored_codes(&annotations.iter().collect::<Vec<_>>());
    IstiodSpec {
        file: file.to_string(),
        document,
        origin,
        name,
        namespace: None,
        annotations_place: nearest_place(root, ann_path),
        annotations,
        misplaced_annotations: Vec::new(),
        pod_labels: Vec::new(),
        env_place: nearest_place(root, ann_path),
        env: Vec::new(),
        containers: Some(vec![PROXY.to_string()]),
        service_account: None,
        token: None,
        ignored_codes: ignored,
    }
}

/// The container pilot-agent runs in, on every gateway pod.
pub const PROXY: &str = "istio-proxy";

/// `istio/gateway` chart values: pod labels `app: <name>` and `istio: <name without
/// istio->` (or `labels.istio`), plus `labels`; the name is `name` or the release name.
fn gateway_values(file: &str, document: usize, root: &Node) -> GatewayWorkload {
    let name = root
        .get("name")
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let mut spec = pod_spec(
        file,
        document,
        root,
        Origin::GatewayValues,
        name.clone().unwrap_or_else(|| "<release>".into()),
        &["podAnnotations"],
    );
    spec.service_account = root
        .path(&["serviceAccount", "name"])
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| name.clone());
    let extra = string_map(root.get("labels"));
    let mut labels = Vec::new();
    let mut assumed = None;
    match &name {
        Some(n) => {
            labels.push(("app".to_string(), n.clone()));
            let istio = n.strip_prefix("istio-").unwrap_or(n).to_string();
            labels.push(("istio".to_string(), istio));
        }
        None => {
            assumed = Some(
                "the chart derives the pods' `app` and `istio` labels from the Helm release name, which values do not contain; set `name` or `labels.istio` to make them known".to_string(),
            )
        }
    }
    for (k, v) in extra {
        labels.retain(|(lk, _)| *lk != k);
        labels.push((k, v));
    }
    if assumed.is_some() && labels.iter().any(|(k, _)| k == "istio") {
        assumed = None;
    }
    spec.pod_labels = annotations_from(root.get("labels"), &["labels"]);
    let direction = direction_of(&spec.name).or_else(|| {
        root.path(&["service", "type"])
            .and_then(Node::as_str)
            .map(|t| {
                if t == "ClusterIP" {
                    Direction::Egress
                } else {
                    Direction::Ingress
                }
            })
    });
    GatewayWorkload {
        spec,
        direction,
        labels,
        labels_assumed: assumed,
        proxy_injected: true,
    }
}

/// Legacy `gateways` chart values: `gateways.<name>.podAnnotations`, labels
/// `app: <name>`, `istio: <name without istio->` plus `gateways.<name>.labels`.
fn gateways_chart_values(file: &str, document: usize, root: &Node, inv: &mut Inventory) {
    for key in LEGACY_GATEWAYS {
        let Some(v) = root
            .path(&["gateways", key])
            .filter(|v| v.as_mapping().is_some())
        else {
            continue;
        };
        let name = v
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or(key)
            .to_string();
        let base = ["gateways", key, "podAnnotations"];
        let mut spec = pod_spec(
            file,
            document,
            root,
            Origin::GatewaysChartValues,
            name.clone(),
            &base,
        );
        spec.service_account = Some(format!("{name}-service-account"));
        spec.pod_labels = annotations_from(v.get("labels"), &["gateways", key, "labels"]);
        inv.workloads.push(GatewayWorkload {
            direction: direction_of(key),
            spec,
            labels: legacy_labels(key, v.get("labels")),
            labels_assumed: None,
            proxy_injected: injection_template(Some(v)),
        });
    }
}

/// The legacy chart's default pod labels for `key` (`app: istio-ingressgateway`,
/// `istio: ingressgateway`), with `labels` merged over them as Helm merges values.
fn legacy_labels(key: &str, labels: Option<&Node>) -> Vec<(String, String)> {
    let mut out = vec![
        ("app".to_string(), key.to_string()),
        (
            "istio".to_string(),
            key.strip_prefix("istio-").unwrap_or(key).to_string(),
        ),
    ];
    for (k, v) in string_map(labels) {
        out.retain(|(ok, _)| *ok != k);
        out.push((k, v));
    }
    out
}

/// `injectionTemplate` set: the chart renders a pod whose proxy the injector adds.
fn injection_template(values: Option<&Node>) -> bool {
    values
        .and_then(|v| v.get("injectionTemplate"))
        .and_then(Node::as_str)
        .is_some_and(|t| !t.is_empty())
}

/// IstioOperator `spec.components.{ingress,egress}Gateways[]`: annotations in
/// `k8s.podAnnotations`, labels from `label` (the default gateways' when absent).
fn istio_operator(file: &str, document: usize, root: &Node, inv: &mut Inventory) {
    let namespace = root
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .map(str::to_string);
    for (list, direction) in [
        ("ingressGateways", Direction::Ingress),
        ("egressGateways", Direction::Egress),
    ] {
        let items = root
            .path(&["spec", "components", list])
            .and_then(Node::as_sequence)
            .unwrap_or(&[]);
        for (i, item) in items.iter().enumerate() {
            let enabled = item
                .get("enabled")
                .and_then(Node::as_scalar)
                .map(crate::source::scalar::resolve_k8s);
            if matches!(enabled, Some(crate::source::scalar::Resolved::Bool(false))) {
                continue;
            }
            let name = item
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or(match direction {
                    Direction::Ingress => "istio-ingressgateway",
                    Direction::Egress => "istio-egressgateway",
                })
                .to_string();
            let idx = format!("[{i}]");
            let base = [
                "spec",
                "components",
                list,
                idx.as_str(),
                "k8s",
                "podAnnotations",
            ];
            let annotations = annotations_from(item.path(&["k8s", "podAnnotations"]), &base);
            // The operator renders every ingress (egress) gateway through the values of
            // `gateways.istio-ingressgateway` (`…egressgateway`), whatever its name.
            let key = match direction {
                Direction::Ingress => LEGACY_GATEWAYS[0],
                Direction::Egress => LEGACY_GATEWAYS[1],
            };
            let values_root = root.path(&["spec", "values", "gateways", key]);
            let values_base = ["spec", "values", "gateways", key, "podAnnotations"];
            let values_ann = annotations_from(root.path(&values_base), &values_base);
            let mut spec = pod_spec(
                file,
                document,
                root,
                Origin::IstioOperator,
                name.clone(),
                &base,
            );
            spec.annotations = merge_annotations(values_ann, annotations);
            spec.annotations_place = match item.path(&["k8s", "podAnnotations"]) {
                Some(_) => nearest_place(root, &base),
                None => place(item.span(), &base[..4]),
            };
            spec.ignored_codes = ignored_codes(&spec.annotations.iter().collect::<Vec<_>>());
            spec.namespace = item
                .get("namespace")
                .and_then(Node::as_str)
                .map(str::to_string)
                .or_else(|| namespace.clone());
            spec.service_account = Some(format!("{name}-service-account"));
            // The component's `label` is merged over the chart's default labels.
            let labels = legacy_labels(key, item.get("label"));
            spec.pod_labels = annotations_from(item.get("label"), &base[..4]);
            inv.workloads.push(GatewayWorkload {
                spec,
                direction: Some(direction),
                labels,
                labels_assumed: None,
                proxy_injected: injection_template(values_root),
            });
        }
    }
}

/// A Deployment or Pod running a gateway proxy: the injector's `gateway` template, a
/// `router` proxy, or the `istio: *gateway` label.
fn workload(file: &str, document: usize, root: &Node, origin: Origin, inv: &mut Inventory) {
    let (meta, spec_path): (&[&str], &[&str]) = match origin {
        Origin::Deployment => (
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
        ),
        _ => (&["metadata"], &["spec"]),
    };
    let pod_meta = root.path(meta);
    let labels = string_map(pod_meta.and_then(|m| m.get("labels")));
    let template = pod_meta
        .and_then(|m| m.path(&["annotations", "inject.istio.io/templates"]))
        .and_then(Node::as_str);
    let containers = root
        .path(spec_path)
        .and_then(|s| s.get("containers"))
        .and_then(Node::as_sequence)
        .unwrap_or(&[]);
    let router = containers.iter().any(|c| {
        c.get("args")
            .and_then(Node::as_sequence)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("router")))
    });
    let istio_label = labels
        .iter()
        .any(|(k, v)| k == "istio" && v.ends_with("gateway"));
    if !(template == Some("gateway") || router || istio_label) {
        return;
    }
    let name = root
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("gateway")
        .to_string();
    let ann_path: Vec<&str> = meta.iter().copied().chain(["annotations"]).collect();
    let mut spec = pod_spec(file, document, root, origin, name.clone(), &ann_path);
    let own = annotations_from(
        root.path(&["metadata", "annotations"]),
        &["metadata", "annotations"],
    );
    spec.ignored_codes
        .extend(ignored_codes(&own.iter().collect::<Vec<_>>()));
    spec.namespace = root
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .map(str::to_string);
    let names: Vec<String> = containers
        .iter()
        .filter_map(|c| c.get("name").and_then(Node::as_str).map(str::to_string))
        .collect();
    // The `gateway` injection template adds istio-proxy when the pod says `image: auto`.
    spec.containers = Some(if names.is_empty() {
        vec![PROXY.to_string()]
    } else {
        names
    });
    spec.service_account = root
        .path(spec_path)
        .and_then(|s| s.get("serviceAccountName"))
        .and_then(Node::as_str)
        .map(str::to_string);
    let labels_path: Vec<&str> = meta.iter().copied().chain(["labels"]).collect();
    spec.pod_labels = annotations_from(root.path(&labels_path), &labels_path);
    let direction = labels
        .iter()
        .find(|(k, _)| k == "istio")
        .and_then(|(_, v)| direction_of(v))
        .or_else(|| direction_of(&name));
    // `image: auto` (or the gateway template): the injector builds istio-proxy.
    let proxy_injected = template == Some("gateway")
        || containers
            .iter()
            .any(|c| c.get("image").and_then(Node::as_str) == Some("auto"));
    inv.workloads.push(GatewayWorkload {
        spec,
        direction,
        labels,
        labels_assumed: None,
        proxy_injected,
    });
}

/// Object name, namespace and the ignore annotation of a manifest.
fn meta(root: &Node) -> (String, Option<String>, Vec<String>) {
    let name = root
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let namespace = root
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .map(str::to_string);
    let own = annotations_from(
        root.path(&["metadata", "annotations"]),
        &["metadata", "annotations"],
    );
    (
        name,
        namespace,
        ignored_codes(&own.iter().collect::<Vec<_>>()),
    )
}

fn malformed(
    inv: &mut Inventory,
    file: &str,
    document: usize,
    node: &Node,
    path: &[&str],
    message: String,
) {
    inv.malformed.push(Malformed {
        at: located(file, document, place(node.span(), path)),
        message,
    });
}

fn describe(node: &Node) -> &'static str {
    match node {
        Node::Mapping(..) => "a mapping",
        Node::Sequence(..) => "a list",
        Node::Scalar(..) if node.is_null() => "null",
        Node::Scalar(..) => "a scalar",
    }
}

fn istio_gateway(file: &str, document: usize, root: &Node, inv: &mut Inventory) {
    let (name, namespace, ignored) = meta(root);
    let selector_node = root.path(&["spec", "selector"]);
    let selector = match selector_node {
        None => None,
        Some(n) if n.is_null() => None,
        Some(n) if n.as_mapping().is_none() => {
            malformed(
                inv,
                file,
                document,
                n,
                &["spec", "selector"],
                format!(
                    "`spec.selector` is {}; it must be a mapping of labels, so Istio rejects the Gateway",
                    describe(n)
                ),
            );
            None
        }
        Some(n) => Some(string_map(Some(n))),
    };
    let selector_place = match selector_node {
        Some(n) => place(n.span(), &["spec", "selector"]),
        None => nearest_place(root, &["spec", "selector"]),
    };
    let mut servers = Vec::new();
    match root.path(&["spec", "servers"]) {
        None => {
            let n = root.get("spec").unwrap_or(root);
            malformed(
                inv,
                file,
                document,
                n,
                &["spec"],
                "no `spec.servers`; istiod rejects a Gateway without servers".to_string(),
            );
        }
        Some(n) if n.as_sequence().is_none() => {
            malformed(
                inv,
                file,
                document,
                n,
                &["spec", "servers"],
                format!(
                    "`spec.servers` is {}; it must be a list of servers, and istiod rejects a Gateway without one",
                    describe(n)
                ),
            );
        }
        Some(n) if n.as_sequence().is_some_and(<[Node]>::is_empty) => {
            malformed(
                inv,
                file,
                document,
                n,
                &["spec", "servers"],
                "`spec.servers` is an empty list; istiod rejects a Gateway without servers"
                    .to_string(),
            );
        }
        Some(n) => {
            for (i, s) in n.as_sequence().unwrap_or(&[]).iter().enumerate() {
                let idx = format!("[{i}]");
                let base = ["spec", "servers", idx.as_str()];
                if s.as_mapping().is_none() {
                    malformed(
                        inv,
                        file,
                        document,
                        s,
                        &base,
                        format!(
                            "`spec.servers{idx}` is {}; a server is a mapping with `port` and `hosts`, so Istio rejects the Gateway",
                            describe(s)
                        ),
                    );
                    continue;
                }
                servers.push(server(file, document, i, s, &base, inv));
            }
        }
    }
    inv.gateways.push(IstioGateway {
        at: located(file, document, place(root.span(), &[])),
        name,
        namespace,
        selector,
        selector_place,
        servers,
        ignored_codes: ignored,
    });
}

fn server(
    file: &str,
    document: usize,
    index: usize,
    s: &Node,
    base: &[&str],
    inv: &mut Inventory,
) -> Server {
    fn sub<'a>(base: &[&'a str], k: &'a str) -> Vec<&'a str> {
        base.iter().copied().chain([k]).collect()
    }
    let port = s.get("port");
    let port_number = port
        .and_then(|p| p.get("number"))
        .and_then(Node::as_str)
        .and_then(|n| n.parse().ok());
    let protocol_node = port.and_then(|p| p.get("protocol"));
    let mut hosts = Vec::new();
    match s.get("hosts") {
        None => {}
        Some(h) => match h.as_sequence() {
            Some(items) => {
                for (j, item) in items.iter().enumerate() {
                    let idx = format!("[{j}]");
                    let path: Vec<&str> = base
                        .iter()
                        .copied()
                        .chain(["hosts", idx.as_str()])
                        .collect();
                    match item.as_str().filter(|_| !item.is_null()) {
                        Some(text) => hosts.push((text.to_string(), place(item.span(), &path))),
                        None => malformed(
                            inv,
                            file,
                            document,
                            item,
                            &path,
                            format!(
                                "a host is {}; hosts are strings such as `example.com` or `ns/example.com`, so Istio rejects the Gateway",
                                describe(item)
                            ),
                        ),
                    }
                }
            }
            None => malformed(
                inv,
                file,
                document,
                h,
                &sub(base, "hosts"),
                format!(
                    "`hosts` is {}; it must be a list of host names, so Istio rejects the Gateway",
                    describe(h)
                ),
            ),
        },
    }
    let tls = s.entry("tls").and_then(|(k, t)| {
        let path = sub(base, "tls");
        tls_block(file, document, (k, t), &path, false, inv)
    });
    Server {
        index,
        place: place(s.span(), base),
        port_number,
        protocol: protocol_node
            .and_then(Node::as_str)
            .map(|p| p.to_ascii_uppercase()),
        protocol_place: protocol_node.map(|p| {
            let path: Vec<&str> = base.iter().copied().chain(["port", "protocol"]).collect();
            place(p.span(), &path)
        }),
        hosts,
        tls,
    }
}

/// The modes `ServerTLSSettings` (a Gateway server) accepts.
const SERVER_MODES: &[Mode] = &[
    Mode::Passthrough,
    Mode::Simple,
    Mode::Mutual,
    Mode::AutoPassthrough,
    Mode::IstioMutual,
    Mode::OptionalMutual,
];
/// The modes `ClientTLSSettings` (a DestinationRule) accepts.
const CLIENT_MODES: &[Mode] = &[Mode::Disable, Mode::Simple, Mode::Mutual, Mode::IstioMutual];

/// A `tls:` mapping (`client`: a DestinationRule's, else a Gateway server's); `None`
/// (after a [`Malformed`]) when it is not one, or when its mode is not one of that
/// kind's TLS modes. A null value counts as absent, as the API server prunes it.
fn tls_block(
    file: &str,
    document: usize,
    (key, t): (&Node, &Node),
    path: &[&str],
    client: bool,
    inv: &mut Inventory,
) -> Option<Tls> {
    if t.is_null() {
        return None;
    }
    let Some(entries) = t.as_mapping() else {
        malformed(
            inv,
            file,
            document,
            t,
            path,
            format!(
                "`tls` is {}; it must be a mapping with `mode` and the certificate settings, so Istio rejects the object",
                describe(t)
            ),
        );
        return None;
    };
    let mut mode_field = None;
    let mut fields = Vec::new();
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        let field_path: Vec<&str> = path.iter().copied().chain([key]).collect();
        let items = v
            .as_sequence()
            .unwrap_or(&[])
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        let field = Field {
            key: key.to_string(),
            text: (!v.is_null())
                .then(|| v.as_str())
                .flatten()
                .map(str::to_string),
            items,
            place: place(v.span(), &field_path),
        };
        if key == "mode" {
            mode_field = (!v.is_null()).then_some(field);
        } else {
            fields.push(field);
        }
    }
    let (modes, kind) = if client {
        (CLIENT_MODES, "a DestinationRule")
    } else {
        (SERVER_MODES, "a Gateway server")
    };
    if let Some(m) = &mode_field
        && !m
            .text
            .as_deref()
            .and_then(Mode::parse)
            .is_some_and(|mode| modes.contains(&mode))
    {
        let shown = match &m.text {
            Some(t) => format!("`mode: {t}`"),
            None => "`mode` (not a string)".to_string(),
        };
        let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
        inv.malformed.push(Malformed {
            at: located(file, document, m.place.clone()),
            message: format!(
                "{shown} is not a TLS mode of {kind} ({}); istiod rejects the object",
                names.join(", ")
            ),
        });
        return None;
    }
    Some(Tls {
        place: place(key.span(), path),
        mode_field,
        fields,
    })
}

fn destination_rule(file: &str, document: usize, root: &Node, inv: &mut Inventory) {
    let (name, namespace, ignored) = meta(root);
    let mut tls = Vec::new();
    // Every traffic policy: the top one, its port-level settings, and each subset's.
    let mut policies: Vec<(String, &Node, Vec<String>)> = Vec::new();
    if let Some(p) = root.path(&["spec", "trafficPolicy"]) {
        policies.push((
            "trafficPolicy".into(),
            p,
            vec!["spec".into(), "trafficPolicy".into()],
        ));
    }
    match root.path(&["spec", "subsets"]) {
        Some(s) if s.as_sequence().is_none() && !s.is_null() => malformed(
            inv,
            file,
            document,
            s,
            &["spec", "subsets"],
            format!(
                "`spec.subsets` is {}; it must be a list, so Istio rejects the DestinationRule",
                describe(s)
            ),
        ),
        Some(s) => {
            for (i, subset) in s.as_sequence().unwrap_or(&[]).iter().enumerate() {
                if subset.as_mapping().is_none() {
                    let idx = format!("[{i}]");
                    malformed(
                        inv,
                        file,
                        document,
                        subset,
                        &["spec", "subsets", idx.as_str()],
                        format!(
                            "`spec.subsets{idx}` is {}; a subset is a mapping with `name`, so Istio rejects the DestinationRule",
                            describe(subset)
                        ),
                    );
                    continue;
                }
                if let Some(p) = subset.get("trafficPolicy") {
                    let label = subset
                        .get("name")
                        .and_then(Node::as_str)
                        .map(|n| format!("subset `{n}`"))
                        .unwrap_or_else(|| format!("subsets[{i}]"));
                    policies.push((
                        label,
                        p,
                        vec![
                            "spec".into(),
                            "subsets".into(),
                            format!("[{i}]"),
                            "trafficPolicy".into(),
                        ],
                    ));
                }
            }
        }
        None => {}
    }
    for (scope, policy, path) in policies {
        let path_ref: Vec<&str> = path.iter().map(String::as_str).collect();
        if policy.is_null() {
            continue;
        }
        if policy.as_mapping().is_none() {
            malformed(
                inv,
                file,
                document,
                policy,
                &path_ref,
                format!(
                    "`{}` is {}; a traffic policy is a mapping, so Istio rejects the DestinationRule",
                    key_path(&path_ref),
                    describe(policy)
                ),
            );
            continue;
        }
        if let Some(entry) = policy.entry("tls") {
            let tpath: Vec<&str> = path_ref.iter().copied().chain(["tls"]).collect();
            if let Some(block) = tls_block(file, document, entry, &tpath, true, inv) {
                tls.push(DrTls {
                    scope: scope.clone(),
                    tls: block,
                });
            }
        }
        if let Some(ports) = policy.get("portLevelSettings") {
            let Some(items) = ports.as_sequence() else {
                let ppath: Vec<&str> = path_ref
                    .iter()
                    .copied()
                    .chain(["portLevelSettings"])
                    .collect();
                malformed(
                    inv,
                    file,
                    document,
                    ports,
                    &ppath,
                    format!(
                        "`portLevelSettings` is {}; it must be a list, so Istio rejects the DestinationRule",
                        describe(ports)
                    ),
                );
                continue;
            };
            for (j, item) in items.iter().enumerate() {
                let idx = format!("[{j}]");
                if item.as_mapping().is_none() {
                    let ipath: Vec<&str> = path_ref
                        .iter()
                        .copied()
                        .chain(["portLevelSettings", idx.as_str()])
                        .collect();
                    malformed(
                        inv,
                        file,
                        document,
                        item,
                        &ipath,
                        format!(
                            "`portLevelSettings{idx}` is {}; it must be a mapping with `port`, so Istio rejects the DestinationRule",
                            describe(item)
                        ),
                    );
                    continue;
                }
                if let Some(entry) = item.entry("tls") {
                    let tpath: Vec<&str> = path_ref
                        .iter()
                        .copied()
                        .chain(["portLevelSettings", idx.as_str(), "tls"])
                        .collect();
                    if let Some(block) = tls_block(file, document, entry, &tpath, true, inv) {
                        tls.push(DrTls {
                            scope: format!("{scope} port-level settings {idx}"),
                            tls: block,
                        });
                    }
                }
            }
        }
    }
    // `exportTo` and `workloadSelector` of the wrong type: the DR would otherwise read as
    // exported everywhere or unscoped (VI732) although it is rejected.
    let shapes: [(&[&str], bool, &str); 3] = [
        (&["spec", "exportTo"], true, "a list of namespaces"),
        (
            &["spec", "workloadSelector"],
            false,
            "a mapping with `matchLabels`",
        ),
        (
            &["spec", "workloadSelector", "matchLabels"],
            false,
            "a mapping of labels",
        ),
    ];
    for (keys, list, want) in shapes {
        let Some(n) = root.path(keys) else { continue };
        let ok = if list {
            n.as_sequence().is_some()
        } else {
            n.as_mapping().is_some()
        };
        if !ok && !n.is_null() {
            malformed(
                inv,
                file,
                document,
                n,
                keys,
                format!(
                    "`{}` is {}; it must be {want}, so Istio rejects the DestinationRule",
                    key_path(keys),
                    describe(n)
                ),
            );
        }
    }
    let export_to = root
        .path(&["spec", "exportTo"])
        .and_then(Node::as_sequence)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        });
    inv.destination_rules.push(DestinationRule {
        at: located(file, document, place(root.span(), &[])),
        name,
        namespace,
        host: root
            .path(&["spec", "host"])
            .and_then(Node::as_str)
            .map(str::to_string),
        workload_selector: root
            .path(&["spec", "workloadSelector", "matchLabels"])
            .map(|n| string_map(Some(n))),
        export_to,
        tls,
        ignored_codes: ignored,
    });
}

fn kube_gateway(file: &str, document: usize, root: &Node) -> KubeGateway {
    let (name, namespace, ignored) = meta(root);
    const PATH: &[&str] = &["spec", "infrastructure", "annotations"];
    KubeGateway {
        at: located(file, document, place(root.span(), &[])),
        name,
        namespace,
        class: root
            .path(&["spec", "gatewayClassName"])
            .and_then(Node::as_str)
            .map(str::to_string),
        annotations: annotations_from(root.path(PATH), PATH),
        annotations_place: nearest_place(root, PATH),
        ignored_codes: ignored,
    }
}
