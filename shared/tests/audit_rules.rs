//! The cluster (VI4xx) rules on snapshots: a healthy one, the article's setup, stays clean;
//! each broken variant fires its rule and only where expected. Snapshots are plain data,
//! so they also survive a JSON round trip (`--save-snapshot` / `--from-snapshot`).

use std::collections::BTreeMap;
use vault_istio::audit::snapshot::{
    CollectProblem, ContainerState, InjectorWebhook, LabelRequirement, LabelSelector, ObjectRef,
    RootCertConfigMap, SecretInfo, SubjectRef,
};
use vault_istio::audit::{self, ClusterSnapshot, IstiodDeployment, IstiodPod};
use vault_istio::rules::{Check, RULES};
use vault_istio::{Finding, Location};

const DEPLOYMENT: &str = include_str!("../../manifests/examples/istiod-deployment.yaml");

/// istiod 1.23 logs of a plugged-in CA loaded from /vault/secrets (istio.md §1.7).
const PLUGGED_LOG: &str = "info\tUsing istiod file format for signing ca files\ninfo\tUse local CA certificate\ninfo\tUse root cert from /vault/secrets/root-cert.pem\ninfo\tAdded cacerts files watcher at /vault/secrets\n";

fn healthy() -> ClusterSnapshot {
    ClusterSnapshot {
        cluster: "cluster1".into(),
        server: Some("https://cluster1.example.com:6443".into()),
        server_ca: None,
        istio_namespace: "istio-system".into(),
        unreachable: None,
        problems: vec![],
        istiod: vec![IstiodDeployment {
            name: "istiod".into(),
            namespace: "istio-system".into(),
            manifest: DEPLOYMENT.into(),
            pods: vec![IstiodPod {
                name: "istiod-7f9c6b5d4-x2k8q".into(),
                labels: BTreeMap::from([("app".to_string(), "istiod".to_string())]),
                phase: "Running".into(),
                annotations: BTreeMap::from([(
                    "vault.hashicorp.com/agent-inject-status".to_string(),
                    "injected".to_string(),
                )]),
                init_containers: vec![ContainerState {
                    name: "vault-agent-init".into(),
                    exit_code: Some(0),
                    state: "terminated (Completed)".into(),
                }],
                discovery_log: Some(PLUGGED_LOG.into()),
            }],
        }],
        injector_webhooks: Some(vec![InjectorWebhook {
            configuration: "vault-agent-injector-cfg".into(),
            name: "vault.hashicorp.com".into(),
            failure_policy: Some("Fail".into()),
            service: Some(ObjectRef {
                namespace: "vault".into(),
                name: "vault-agent-injector-svc".into(),
            }),
            ready_endpoints: Some(1),
            namespace_selector: Some(LabelSelector::default()),
            object_selector: Some(LabelSelector {
                match_expressions: vec![LabelRequirement {
                    key: "app.kubernetes.io/name".into(),
                    operator: "NotIn".into(),
                    values: vec!["vault-agent-injector".into()],
                }],
                ..Default::default()
            }),
        }]),
        secrets: Some(vec![SecretInfo {
            name: "istiod".into(),
            type_: "kubernetes.io/service-account-token".into(),
            keys: vec!["ca.crt".into(), "namespace".into(), "token".into()],
        }]),
        istio_namespace_labels: Some(BTreeMap::from([(
            "kubernetes.io/metadata.name".to_string(),
            "istio-system".to_string(),
        )])),
        service_accounts: Some(vec!["istiod".into()]),
        auth_delegators: Some(vec![SubjectRef {
            kind: "ServiceAccount".into(),
            namespace: "istio-system".into(),
            name: "istiod".into(),
        }]),
        root_cert_configmaps: Some(vec![
            RootCertConfigMap {
                namespace: "istio-system".into(),
                root_cert: ROOT.into(),
            },
            RootCertConfigMap {
                namespace: "default".into(),
                root_cert: ROOT.into(),
            },
        ]),
        gateway_objects: vec![],
        gateway_pods: None,
    }
}

const ROOT: &str = include_str!("../../tests/fixtures/upstream-seed/certs/root-cert.pem");
/// cluster1's intermediate: a CA certificate, but not self-signed.
const INTERMEDIATE: &str =
    include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-cert.pem");

/// A root like the one istiod generates when it falls back to self-signing
/// (`O=cluster.local`, no CN), made once per run.
fn fallback_root() -> &'static str {
    static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "cluster.local");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().expect("keygen");
        params.self_signed(&key).expect("self-sign").pem()
    })
}

fn istio_system_root(s: &mut ClusterSnapshot) -> &mut String {
    &mut s.root_cert_configmaps.as_mut().unwrap()[0].root_cert
}

fn webhook(s: &mut ClusterSnapshot) -> &mut InjectorWebhook {
    &mut s.injector_webhooks.as_mut().unwrap()[0]
}

fn pod(s: &mut ClusterSnapshot) -> &mut IstiodPod {
    &mut s.istiod[0].pods[0]
}

fn run(s: &ClusterSnapshot) -> Vec<Finding> {
    audit::evaluate(std::slice::from_ref(s), &audit::Options::default())
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
            "VI401",
            "unreachable",
            |s| s.unreachable = Some("dial tcp 10.0.0.1:6443: connection refused".into()),
            "could not be audited: dial tcp",
        ),
        (
            "VI401",
            "secrets_forbidden",
            |s| {
                s.secrets = None;
                s.problems.push(CollectProblem {
                    what: "list secrets in istio-system".into(),
                    status: Some(403),
                    message: "forbidden".into(),
                });
            },
            "cannot list secrets in istio-system: forbidden",
        ),
        (
            "VI402",
            "no_istiod",
            |s| s.istiod.clear(),
            "no istiod Deployment",
        ),
        (
            "VI403",
            "no_injector_webhook",
            |s| s.injector_webhooks = Some(vec![]),
            "no MutatingWebhookConfiguration has the webhook `vault.hashicorp.com`",
        ),
        (
            "VI404",
            "failure_policy_ignore",
            |s| s.injector_webhooks.as_mut().unwrap()[0].failure_policy = Some("Ignore".into()),
            "failurePolicy Ignore",
        ),
        (
            "VI405",
            "pod_not_injected",
            |s| pod(s).annotations.clear(),
            "was not injected",
        ),
        (
            "VI405",
            "agent_init_failed",
            |s| pod(s).init_containers[0].exit_code = Some(1),
            "`vault-agent-init` in istiod pod `istiod-7f9c6b5d4-x2k8q` exited 1",
        ),
        (
            "VI405",
            "agent_init_still_waiting",
            |s| {
                pod(s).init_containers[0].exit_code = None;
                pod(s).init_containers[0].state = "running".into();
            },
            "is running",
        ),
        (
            "VI406",
            "self_signed_log",
            |s| {
                pod(s).discovery_log =
                    Some("info\tUse self-signed certificate as the CA certificate\n".into())
            },
            "logs that it uses a self-signed CA",
        ),
        (
            "VI406",
            "istio_ca_secret",
            |s| {
                s.secrets.as_mut().unwrap().push(SecretInfo {
                    name: "istio-ca-secret".into(),
                    type_: "istio.io/ca-root".into(),
                    keys: vec![],
                })
            },
            "Secret `istio-ca-secret` exists",
        ),
        (
            "VI407",
            "cacerts_left",
            |s| {
                s.secrets.as_mut().unwrap().push(SecretInfo {
                    name: "cacerts".into(),
                    type_: "Opaque".into(),
                    keys: vec!["ca-key.pem".into(), "ca-cert.pem".into()],
                })
            },
            "Secret `cacerts` with a CA private key is still in `istio-system`",
        ),
        (
            "VI408",
            "no_ready_endpoints",
            |s| webhook(s).ready_endpoints = Some(0),
            "calls Service vault/vault-agent-injector-svc, which has no ready endpoints",
        ),
        (
            "VI408",
            "namespace_selector_excludes_istio_system",
            |s| {
                webhook(s).namespace_selector = Some(LabelSelector {
                    match_labels: BTreeMap::from([(
                        "vault-injection".to_string(),
                        "enabled".to_string(),
                    )]),
                    ..Default::default()
                })
            },
            "namespaceSelector does not match namespace `istio-system`",
        ),
        (
            "VI408",
            "object_selector_excludes_istiod",
            |s| {
                webhook(s).object_selector = Some(LabelSelector {
                    match_expressions: vec![LabelRequirement {
                        key: "vault-injection".into(),
                        operator: "Exists".into(),
                        values: vec![],
                    }],
                    ..Default::default()
                })
            },
            "objectSelector does not match istiod pod `istiod-7f9c6b5d4-x2k8q`",
        ),
        (
            "VI409",
            "no_service_account",
            |s| s.service_accounts = Some(vec!["default".into()]),
            "ServiceAccount `istiod` does not exist in `istio-system`",
        ),
        (
            "VI409",
            "no_token_secret",
            |s| s.secrets = Some(vec![]),
            "no long-lived token Secret for ServiceAccount `istiod`",
        ),
        (
            "VI409",
            "not_bound_to_auth_delegator",
            |s| {
                s.auth_delegators = Some(vec![SubjectRef {
                    kind: "ServiceAccount".into(),
                    namespace: "vault".into(),
                    name: "istiod".into(),
                }])
            },
            "ServiceAccount istio-system/istiod is not bound to system:auth-delegator",
        ),
        (
            "VI410",
            "another_namespace_differs",
            |s| s.root_cert_configmaps.as_mut().unwrap()[1].root_cert = fallback_root().into(),
            "`istio-ca-root-cert` in `default` differs from the one in `istio-system`",
        ),
        (
            "VI410",
            "self_signed_fallback_root",
            |s| {
                for m in s.root_cert_configmaps.as_mut().unwrap() {
                    m.root_cert = fallback_root().into();
                }
            },
            "looks like istiod's self-signed fallback root",
        ),
        (
            "VI410",
            "intermediate_as_root",
            |s| {
                for m in s.root_cert_configmaps.as_mut().unwrap() {
                    m.root_cert = INTERMEDIATE.into();
                }
            },
            "is not self-signed (issued by `CN=Root CA, O=Istio`)",
        ),
    ]
}
/// Close misses: the rule must stay quiet.
fn quiet() -> Vec<Case> {
    vec![
        ("VI401", "healthy", |_| {}, ""),
        (
            "VI402",
            "revisioned_istiod",
            |s| s.istiod[0].name = "istiod-1-23".into(),
            "",
        ),
        (
            "VI402",
            "deployments_unreadable",
            |s| {
                s.istiod.clear();
                s.problems.push(CollectProblem {
                    what: "list deployments in istio-system".into(),
                    status: Some(403),
                    message: "forbidden".into(),
                });
            },
            "",
        ),
        (
            "VI403",
            "webhooks_unreadable",
            |s| s.injector_webhooks = None,
            "",
        ),
        (
            "VI404",
            "failure_policy_unset_means_fail",
            |s| s.injector_webhooks.as_mut().unwrap()[0].failure_policy = None,
            "",
        ),
        ("VI405", "no_pods_yet", |s| s.istiod[0].pods.clear(), ""),
        ("VI406", "plugged_in_log", |_| {}, ""),
        (
            "VI406",
            "log_unreadable",
            |s| pod(s).discovery_log = None,
            "",
        ),
        (
            "VI407",
            "other_secrets",
            |s| {
                s.secrets.as_mut().unwrap().push(SecretInfo {
                    name: "cacerts-backup-notes".into(),
                    type_: "Opaque".into(),
                    keys: vec![],
                })
            },
            "",
        ),
        (
            "VI408",
            "ready_endpoints_unknown",
            |s| webhook(s).ready_endpoints = None,
            "",
        ),
        (
            "VI408",
            "namespace_unreadable",
            |s| {
                s.istio_namespace_labels = None;
                webhook(s).namespace_selector = Some(LabelSelector {
                    match_labels: BTreeMap::from([("x".to_string(), "y".to_string())]),
                    ..Default::default()
                });
            },
            "",
        ),
        (
            "VI408",
            "namespace_selector_matches",
            |s| {
                webhook(s).namespace_selector = Some(LabelSelector {
                    match_labels: BTreeMap::from([(
                        "kubernetes.io/metadata.name".to_string(),
                        "istio-system".to_string(),
                    )]),
                    ..Default::default()
                })
            },
            "",
        ),
        (
            "VI409",
            "legacy_token_secret_name",
            |s| s.secrets.as_mut().unwrap()[0].name = "istiod-token-x7k2p".into(),
            "",
        ),
        (
            "VI409",
            "bindings_unreadable",
            |s| {
                s.auth_delegators = None;
                s.service_accounts = None;
            },
            "",
        ),
        (
            "VI410",
            "same_root_with_trailing_newlines",
            |s| istio_system_root(s).push_str("\n\n"),
            "",
        ),
        (
            "VI410",
            "configmaps_unreadable",
            |s| s.root_cert_configmaps = None,
            "",
        ),
    ]
}

#[test]
fn the_healthy_snapshot_is_clean() {
    let findings = run(&healthy());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn each_broken_snapshot_fires_its_rule_and_close_misses_stay_quiet() {
    for (code, name, breaks, expected) in firing() {
        let mut s = healthy();
        breaks(&mut s);
        let findings = run(&s);
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
            let Location::Object { cluster, .. } = &f.location else {
                panic!("{code} {name}: not an object location")
            };
            assert_eq!(cluster, "cluster1");
        }
    }
    for (code, name, breaks, _) in quiet() {
        let mut s = healthy();
        breaks(&mut s);
        let findings = run(&s);
        assert!(
            !findings.iter().any(|f| f.code == code),
            "{code} {name}: fired: {findings:#?}"
        );
    }
}

#[test]
fn live_deployments_go_through_the_lint_rules() {
    let mut s = healthy();
    s.istiod[0].manifest = DEPLOYMENT.replace(
        "          value: /vault/secrets",
        "          value: /etc/cacerts",
    );
    let findings = run(&s);
    let vi202: Vec<_> = findings.iter().filter(|f| f.code == "VI202").collect();
    assert_eq!(vi202.len(), 1, "{findings:#?}");
    assert_eq!(
        vi202[0].location.file(),
        "k8s/cluster1/istio-system/Deployment/istiod"
    );
}

#[test]
fn snapshots_round_trip_through_json() {
    let mut s = healthy();
    s.problems.push(CollectProblem {
        what: "get pods/log".into(),
        status: None,
        message: "timed out".into(),
    });
    let text = serde_json::to_string_pretty(&s).unwrap();
    assert!(
        text.contains("\"istioNamespace\": \"istio-system\""),
        "{text}"
    );
    let back: ClusterSnapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    assert_eq!(run(&back), run(&s));
}

#[test]
fn every_cluster_rule_has_a_firing_and_a_quiet_case() {
    // Rules over several clusters have their own tests here; a new one needs one too.
    let multi: Vec<&str> = RULES
        .iter()
        .filter(|r| matches!(r.check, Check::Clusters(_)))
        .map(|r| r.meta.code)
        .collect();
    assert_eq!(
        multi,
        ["VI603"],
        "add a test for the new multi-cluster rule"
    );

    let fires: Vec<&str> = firing().iter().map(|c| c.0).collect();
    let quiets: Vec<&str> = quiet().iter().map(|c| c.0).collect();
    for rule in RULES
        .iter()
        .filter(|r| matches!(r.check, Check::Cluster(_)))
    {
        assert!(
            fires.contains(&rule.meta.code),
            "{}: no firing case",
            rule.meta.code
        );
        assert!(
            quiets.contains(&rule.meta.code),
            "{}: no quiet case",
            rule.meta.code
        );
    }
}

#[test]
fn clusters_without_a_common_root_fire_vi603() {
    let one = healthy();
    let mut two = healthy();
    two.cluster = "cluster2".into();
    let clean = audit::evaluate(&[one.clone(), two.clone()], &audit::Options::default());
    assert!(clean.is_empty(), "{clean:#?}");

    for m in two.root_cert_configmaps.as_mut().unwrap() {
        m.root_cert = fallback_root().into();
    }
    let findings = audit::evaluate(&[one.clone(), two.clone()], &audit::Options::default());
    let vi603: Vec<_> = findings.iter().filter(|f| f.code == "VI603").collect();
    assert_eq!(vi603.len(), 1, "{findings:#?}");
    assert!(
        vi603[0].message.contains(
            "clusters `cluster1` (`CN=Root CA, O=Istio`) and `cluster2` (`O=cluster.local`)"
        ),
        "{}",
        vi603[0].message
    );
    assert_eq!(
        vi603[0].location.object_uri().as_deref(),
        Some("k8s/cluster2/istio-system/ConfigMap/istio-ca-root-cert")
    );

    // A cluster mid-rotation distributing both roots still shares one: quiet.
    for m in two.root_cert_configmaps.as_mut().unwrap() {
        m.root_cert = format!("{}{ROOT}", fallback_root());
    }
    let findings = audit::evaluate(&[one, two], &audit::Options::default());
    assert!(!findings.iter().any(|f| f.code == "VI603"), "{findings:#?}");
}
