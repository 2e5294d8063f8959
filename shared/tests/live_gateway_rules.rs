//! The live gateway rules (VI750–VI755) on cluster snapshots: an ingress gateway serving
//! Vault files and an egress gateway originating mutual TLS with Vault files, running and
//! injected, are clean; each broken variant fires its rule with the expected message, and
//! a close miss stays quiet. Offline (no pods read) the live rules say nothing.

use std::collections::BTreeMap;
use vault_istio::audit::snapshot::{
    ContainerState, GatewayPod, ObjectManifest, PodContainer, ProxyLog,
};
use vault_istio::audit::{self, ClusterSnapshot};
use vault_istio::rules::{Check, RULES};
use vault_istio::{Finding, Location};

const INGRESS_DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingress, namespace: istio-ingress}
spec:
  selector: {matchLabels: {app: istio-ingress, istio: ingress}}
  template:
    metadata:
      labels: {app: istio-ingress, istio: ingress}
      annotations:
        inject.istio.io/templates: gateway
        vault.hashicorp.com/agent-inject: "true"
        vault.hashicorp.com/role: istio-ingress
        vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
        vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    spec:
      containers: [{name: istio-proxy, image: auto}]
"#;

const SHOP: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-ingress}
spec:
  selector: {istio: ingress}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/tls.crt, privateKey: /vault/secrets/tls.key}
"#;

const EGRESS_DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-egress, namespace: istio-egress}
spec:
  selector: {matchLabels: {app: istio-egress, istio: egress}}
  template:
    metadata:
      labels: {app: istio-egress, istio: egress}
      annotations:
        inject.istio.io/templates: gateway
        vault.hashicorp.com/agent-inject: "true"
        vault.hashicorp.com/role: istio-egress
        vault.hashicorp.com/agent-inject-secret-client.crt: kv/egress/tls
        vault.hashicorp.com/agent-inject-secret-client.key: kv/egress/tls
        vault.hashicorp.com/agent-inject-secret-ca.crt: kv/egress/tls
    spec:
      containers: [{name: istio-proxy, image: auto}]
"#;

const PARTNER_DR: &str = r#"apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner, namespace: istio-egress}
spec:
  host: partner.example.org
  workloadSelector: {matchLabels: {istio: egress}}
  exportTo: ["."]
  trafficPolicy:
    tls:
      mode: MUTUAL
      clientCertificate: /vault/secrets/client.crt
      privateKey: /vault/secrets/client.key
      caCertificates: /vault/secrets/ca.crt
      sni: partner.example.org
"#;

fn manifest(kind: &str, namespace: &str, name: &str, text: &str) -> ObjectManifest {
    ObjectManifest {
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
        manifest: text.into(),
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// pilot-agent's lines for file certificates it loaded and watches.
fn watching(files: &[&str]) -> ProxyLog {
    ProxyLog {
        lines: files
            .iter()
            .map(|f| format!("2024-11-01T09:00:06.512044Z\tinfo\tcache\tadding watcher for file certificate {f}"))
            .collect(),
        complete: true,
    }
}

/// A running gateway pod of `deployment`, injected by both webhooks.
fn pod(namespace: &str, deployment: &str, suffix: &str, app: &str, log: ProxyLog) -> GatewayPod {
    GatewayPod {
        namespace: namespace.into(),
        name: format!("{deployment}-5c8d7f9b6d-{suffix}"),
        owner: format!("Deployment/{deployment}"),
        labels: labels(&[
            ("app", deployment),
            ("istio", app),
            ("pod-template-hash", "5c8d7f9b6d"),
        ]),
        phase: "Running".into(),
        annotations: labels(&[("vault.hashicorp.com/agent-inject-status", "injected")]),
        init_containers: vec![ContainerState {
            name: "vault-agent-init".into(),
            exit_code: Some(0),
            state: "terminated (Completed)".into(),
        }],
        containers: vec![
            PodContainer {
                name: "istio-proxy".into(),
                mounts: vec![
                    "/etc/istio/proxy".into(),
                    "/var/run/secrets/tokens".into(),
                    "/vault/secrets".into(),
                ],
            },
            PodContainer {
                name: "vault-agent".into(),
                mounts: vec!["/home/vault".into(), "/vault/secrets".into()],
            },
        ],
        proxy_log: Some(log),
    }
}

fn healthy() -> ClusterSnapshot {
    ClusterSnapshot {
        cluster: "cluster1".into(),
        istio_namespace: "istio-system".into(),
        gateway_objects: vec![
            manifest(
                "Deployment",
                "istio-ingress",
                "istio-ingress",
                INGRESS_DEPLOYMENT,
            ),
            manifest("Gateway", "istio-ingress", "shop", SHOP),
            manifest(
                "Deployment",
                "istio-egress",
                "istio-egress",
                EGRESS_DEPLOYMENT,
            ),
            manifest("DestinationRule", "istio-egress", "partner", PARTNER_DR),
        ],
        gateway_pods: Some(vec![
            pod(
                "istio-ingress",
                "istio-ingress",
                "h7x2k",
                "ingress",
                watching(&["/vault/secrets/tls.crt"]),
            ),
            pod(
                "istio-ingress",
                "istio-ingress",
                "q9w4m",
                "ingress",
                watching(&["/vault/secrets/tls.crt"]),
            ),
            pod(
                "istio-egress",
                "istio-egress",
                "z3k8p",
                "egress",
                watching(&["/vault/secrets/client.crt", "/vault/secrets/ca.crt"]),
            ),
        ]),
        ..Default::default()
    }
}

fn gateway_findings(s: &ClusterSnapshot) -> Vec<Finding> {
    audit::evaluate(std::slice::from_ref(s), &audit::Options::default())
        .into_iter()
        .filter(|f| f.code.starts_with("VI7"))
        .collect()
}

fn pods(s: &mut ClusterSnapshot) -> &mut Vec<GatewayPod> {
    s.gateway_pods.as_mut().unwrap()
}

fn ingress(s: &mut ClusterSnapshot) -> &mut GatewayPod {
    &mut pods(s)[0]
}

fn egress(s: &mut ClusterSnapshot) -> &mut GatewayPod {
    &mut pods(s)[2]
}

fn shop(s: &mut ClusterSnapshot) -> &mut String {
    &mut s.gateway_objects[1].manifest
}

fn proxy(p: &mut GatewayPod) -> &mut PodContainer {
    p.containers
        .iter_mut()
        .find(|c| c.name == "istio-proxy")
        .unwrap()
}

type Case = (
    &'static str,
    &'static str,
    fn(&mut ClusterSnapshot),
    &'static str,
);

/// (rule, case, how to break the healthy snapshot, a piece of the expected message).
fn firing() -> Vec<Case> {
    vec![
        (
            "VI755",
            "JSON log without the CA's watcher",
            |s| {
                egress(s).proxy_log = Some(ProxyLog {
                lines: vec![r#"{"level":"info","time":"2024-11-01T09:00:06.512044Z","scope":"cache","msg":"adding watcher for file certificate /vault/secrets/client.crt"}"#.into()],
                complete: true,
            });
            },
            "`/vault/secrets/ca.crt`",
        ),
        (
            "VI754",
            "an error the proxy never recovered from",
            |s| {
                ingress(s).proxy_log = Some(ProxyLog {
                lines: vec![
                    "2024-11-01T09:00:06.4Z\terror\tcache\tresource:file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key failed to generate secret for proxy from file: open /vault/secrets/tls.crt: no such file or directory".into(),
                    "2024-11-01T09:00:07.1Z\tinfo\tcache\tread certificate from file\tresource=file-cert:/vault/secrets/other.crt~/vault/secrets/other.key".into(),
                ],
                complete: true,
            });
            },
            "(1 time in the log read)",
        ),
        (
            "VI750",
            "selector matches no pod",
            |s| {
                *shop(s) = SHOP.replace(
                    "selector: {istio: ingress}",
                    "selector: {istio: ingressgateway}",
                );
            },
            "no pod carries those labels",
        ),
        (
            "VI750",
            "pods not running",
            |s| {
                pods(s)[0].phase = "Pending".into();
                pods(s)[1].phase = "Failed".into();
            },
            "is Pending",
        ),
        (
            "VI751",
            "two workloads carry the labels",
            |s| {
                let mut other = pod(
                    "istio-internal",
                    "istio-internal",
                    "a1b2c",
                    "ingress",
                    watching(&[]),
                );
                other.labels.insert("app".into(), "istio-internal".into());
                pods(s).push(other);
            },
            "Deployment istio-internal/istio-internal",
        ),
        (
            "VI752",
            "no inject status",
            |s| {
                ingress(s).annotations.clear();
            },
            "was not injected by the Vault agent",
        ),
        (
            "VI752",
            "init container failed",
            |s| {
                ingress(s).init_containers[0].exit_code = Some(1);
            },
            "`vault-agent-init` in gateway pod `istio-ingress/istio-ingress-5c8d7f9b6d-h7x2k` exited 1",
        ),
        (
            "VI752",
            "no sidecar",
            |s| {
                ingress(s).containers.retain(|c| c.name != "vault-agent");
            },
            "runs no `vault-agent` sidecar",
        ),
        (
            "VI752",
            "egress pod, DestinationRule files",
            |s| {
                egress(s).annotations.clear();
            },
            "DestinationRule istio-egress/partner",
        ),
        (
            "VI753",
            "proxy without the mount",
            |s| {
                proxy(ingress(s)).mounts.retain(|m| m != "/vault/secrets");
            },
            "`/vault/secrets/tls.crt` (Gateway istio-ingress/shop `serverCertificate`) is in no volume mounted into `istio-proxy`",
        ),
        (
            "VI753",
            "egress proxy without the mount",
            |s| {
                proxy(egress(s)).mounts = vec!["/vault/secrets/ca.crt".into()];
            },
            "`/vault/secrets/client.crt` (DestinationRule istio-egress/partner `clientCertificate`)",
        ),
        (
            "VI753",
            "no istio-proxy container",
            |s| {
                ingress(s).containers.retain(|c| c.name != "istio-proxy");
            },
            "has no `istio-proxy` container",
        ),
        (
            "VI754",
            "missing file",
            |s| {
                ingress(s).proxy_log = Some(ProxyLog {
                lines: vec!["2024-11-01T09:00:06.512044Z\terror\tcache\tresource:file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key failed to generate secret for proxy from file: open /vault/secrets/tls.crt: no such file or directory".into()],
                complete: true,
            });
            },
            "open /vault/secrets/tls.crt: no such file or directory",
        ),
        (
            "VI755",
            "no watcher line",
            |s| {
                ingress(s).proxy_log = Some(watching(&[]));
            },
            "never logged a watcher for `/vault/secrets/tls.crt`",
        ),
        (
            "VI755",
            "egress CA not watched",
            |s| {
                egress(s).proxy_log = Some(watching(&["/vault/secrets/client.crt"]));
            },
            "`/vault/secrets/ca.crt`",
        ),
    ]
}

fn quiet() -> Vec<Case> {
    vec![
        (
            "VI754",
            "an error the proxy recovered from (the agent rendered the file later)",
            |s| {
                ingress(s).proxy_log = Some(ProxyLog {
                lines: vec![
                    "2024-11-01T09:00:06.4Z\terror\tcache\tresource:file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key failed to generate secret for proxy from file: open /vault/secrets/tls.crt: no such file or directory".into(),
                    "2024-11-01T09:00:07.0Z\tinfo\tcache\tadding watcher for file certificate /vault/secrets/tls.crt".into(),
                    "2024-11-01T09:00:07.1Z\tinfo\tcache\tread certificate from file\tresource=file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key".into(),
                ],
                complete: true,
            });
            },
            "",
        ),
        (
            "VI755",
            "a JSON log with every watcher",
            |s| {
                egress(s).proxy_log = Some(ProxyLog {
                lines: ["client.crt", "ca.crt"].iter().map(|f| format!(r#"{{"level":"info","scope":"cache","msg":"adding watcher for file certificate /vault/secrets/{f}"}}"#)).collect(),
                complete: true,
            });
            },
            "",
        ),
        (
            "VI752",
            "a gateway serving files from a Secret volume, without Vault",
            |s| {
                *shop(s) = SHOP.replace("/vault/secrets/", "/etc/istio/ingressgateway-certs/");
                for p in pods(s)
                    .iter_mut()
                    .filter(|p| p.namespace == "istio-ingress")
                {
                    p.annotations.clear();
                    p.init_containers.clear();
                    p.containers.retain(|c| c.name == "istio-proxy");
                    p.containers[0]
                        .mounts
                        .push("/etc/istio/ingressgateway-certs".into());
                }
            },
            "",
        ),
        (
            "VI750",
            "a Gateway without files selects nothing",
            |s| {
                *shop(s) = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: istio-ingress}\nspec:\n  selector: {istio: nothing}\n  servers:\n    - port: {number: 80, name: http, protocol: HTTP}\n      hosts: [\"shop.example.com\"]\n".into();
            },
            "",
        ),
        (
            "VI750",
            "one of two replicas pending",
            |s| {
                pods(s)[1].phase = "Pending".into();
            },
            "",
        ),
        (
            "VI751",
            "two replicas of one Deployment",
            |s| {
                let _ = s;
            },
            "",
        ),
        (
            "VI752",
            "pre-populate-only without a sidecar",
            |s| {
                let p = ingress(s);
                p.containers.retain(|c| c.name != "vault-agent");
                p.annotations.insert(
                    "vault.hashicorp.com/agent-pre-populate-only".into(),
                    "true".into(),
                );
            },
            "",
        ),
        (
            "VI752",
            "a pod no Gateway with files selects",
            |s| {
                let mut other = pod(
                    "istio-internal",
                    "istio-internal",
                    "a1b2c",
                    "internal",
                    watching(&[]),
                );
                other.annotations.clear();
                pods(s).push(other);
            },
            "",
        ),
        (
            "VI753",
            "the files' parent directory is mounted",
            |s| {
                proxy(ingress(s)).mounts = vec!["/vault".into()];
            },
            "",
        ),
        (
            "VI753",
            "not injected (VI752 says so)",
            |s| {
                let p = ingress(s);
                p.annotations.clear();
                proxy(p).mounts.clear();
            },
            "",
        ),
        (
            "VI754",
            "the read line is no error",
            |s| {
                ingress(s).proxy_log = Some(ProxyLog {
                lines: vec!["2024-11-01T09:00:06.512101Z\tinfo\tcache\tread certificate from file\tresource=file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key".into()],
                complete: true,
            });
            },
            "",
        ),
        (
            "VI755",
            "a log whose start was lost",
            |s| {
                ingress(s).proxy_log = Some(ProxyLog {
                    lines: vec![],
                    complete: false,
                });
            },
            "",
        ),
        (
            "VI755",
            "keys are not watched",
            |s| {
                let _ = s; // healthy: only tls.crt has a watcher line
            },
            "",
        ),
    ]
}

#[test]
fn the_healthy_gateways_are_clean() {
    let findings = gateway_findings(&healthy());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn each_broken_snapshot_fires_its_rule_and_close_misses_stay_quiet() {
    for (code, name, breaks, expected) in firing() {
        let mut s = healthy();
        breaks(&mut s);
        let findings = gateway_findings(&s);
        let ours: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
        assert!(
            !ours.is_empty(),
            "{code} {name}: did not fire; got {findings:#?}"
        );
        assert!(
            ours.iter().any(|f| f.message.contains(expected)),
            "{code} {name}: {ours:#?}"
        );
        for f in &ours {
            match &f.location {
                Location::Object { cluster, kind, .. } => {
                    assert_eq!(
                        (cluster.as_str(), kind.as_str()),
                        ("cluster1", "Pod"),
                        "{code} {name}"
                    );
                }
                Location::Yaml { file, .. } => {
                    assert!(file.starts_with("k8s/cluster1/"), "{code} {name}: {file}");
                }
                other => panic!("{code} {name}: {other:?}"),
            }
        }
    }
    for (code, name, breaks, _) in quiet() {
        let mut s = healthy();
        breaks(&mut s);
        let findings = gateway_findings(&s);
        assert!(
            !findings.iter().any(|f| f.code == code),
            "{code} {name}: fired: {findings:#?}"
        );
    }
}

#[test]
fn every_live_gateway_rule_has_a_firing_and_a_quiet_case() {
    let fires: Vec<&str> = firing().iter().map(|c| c.0).collect();
    let quiets: Vec<&str> = quiet().iter().map(|c| c.0).collect();
    let live: Vec<&str> = RULES
        .iter()
        .filter(|r| matches!(r.check, Check::LiveGateways(_)))
        .map(|r| r.meta.code)
        .collect();
    assert_eq!(live, ["VI750", "VI751", "VI752", "VI753", "VI754", "VI755"]);
    for code in live {
        assert!(fires.contains(&code), "{code}: no firing case");
        assert!(quiets.contains(&code), "{code}: no quiet case");
    }
}

/// Without the pods (an older snapshot, or `lint`), the live rules are silent and the
/// offline VI711 judges the selector against the Deployments instead.
#[test]
fn without_pods_the_offline_rules_judge() {
    let mut s = healthy();
    *shop(&mut s) = SHOP.replace(
        "selector: {istio: ingress}",
        "selector: {istio: ingressgateway}",
    );
    let live: Vec<String> = gateway_findings(&s)
        .into_iter()
        .map(|f| f.code.to_string())
        .collect();
    assert_eq!(live, ["VI750"]);
    s.gateway_pods = None;
    let offline: Vec<String> = gateway_findings(&s)
        .into_iter()
        .map(|f| f.code.to_string())
        .collect();
    assert_eq!(offline, ["VI711"]);
}

/// PILOT_SCOPE_GATEWAY_TO_NAMESPACE on the live istiod: a Gateway in an application
/// namespace no longer reaches the gateway pods elsewhere.
#[test]
fn a_gateway_scoped_away_from_its_pods_is_vi750() {
    let mut s = healthy();
    *shop(&mut s) = SHOP.replace("namespace: istio-ingress}", "namespace: shop}");
    s.gateway_objects[1].namespace = "shop".into();
    assert!(
        gateway_findings(&s).is_empty(),
        "unscoped, any namespace counts"
    );
    s.istiod = vec![audit::IstiodDeployment {
        name: "istiod".into(),
        namespace: "istio-system".into(),
        manifest: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec:\n  template:\n    spec:\n      containers:\n        - name: discovery\n          image: docker.io/istio/pilot:1.26.2\n          env:\n            - {name: PILOT_SCOPE_GATEWAY_TO_NAMESPACE, value: \"true\"}\n".into(),
        pods: vec![],
    }];
    let findings = gateway_findings(&s);
    let vi750: Vec<&Finding> = findings.iter().filter(|f| f.code == "VI750").collect();
    assert_eq!(vi750.len(), 1, "{findings:#?}");
    assert!(
        vi750[0].message.contains("only pods in other namespaces"),
        "{}",
        vi750[0].message
    );
}

#[test]
fn the_judged_istio_version_is_the_oldest_istiod_image_tag() {
    let deployment = |tag: &str| audit::IstiodDeployment {
        name: format!("istiod-{tag}"),
        namespace: "istio-system".into(),
        manifest: format!(
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: discovery\n          image: registry.example.com:5000/istio/pilot:{tag}\n"
        ),
        pods: vec![],
    };
    let mut s = healthy();
    assert_eq!(audit::istio_version(&s), None);
    s.istiod = vec![deployment("1.27.1-distroless"), deployment("1.24.3")];
    assert_eq!(
        audit::istio_version(&s).map(|v| v.to_string()),
        Some("1.24".into())
    );
    s.istiod = vec![deployment("latest")];
    assert_eq!(
        audit::istio_version(&s),
        None,
        "a registry port is no tag, nor is `latest`"
    );
}
