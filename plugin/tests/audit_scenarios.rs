//! The audit issue's scenarios, each in text, JSON and SARIF: the same findings and the same
//! exit code whatever the format. Clusters are the article's two (tests/fixtures/kube) on
//! the Kubernetes API stand-in, changed as each scenario says, reached through a real
//! kubeconfig.

mod common;
use common::run_with;
use serde_json::{Value, json};
use vault_istio_testbed::kube::{AccessRule, ClusterFixture, KubeStandIn, Kubeconfig, fixture_dir};

const POD1: &str = "istiod-7d4b9c5f6b-x2k5p";
const NAMESPACES: [&str; 4] = ["default", "istio-system", "kube-system", "vault"];

fn article(n: u8) -> ClusterFixture {
    ClusterFixture::from_dir(fixture_dir(&format!("article-cluster{n}"))).expect("fixture")
}

struct Scenario {
    name: &'static str,
    /// Changes to cluster1 and cluster2 (given cluster1's running stand-in's CA, a root
    /// nobody else has), or `None` for an unreachable cluster2.
    build: fn(&mut ClusterFixture, &str) -> Option<ClusterFixture>,
    /// The codes that must be reported, with their severity.
    expect: &'static [(&'static str, &'static str)],
    exit: i32,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "the article's healthy pair",
            build: |_, _| Some(article(2)),
            expect: &[],
            exit: 0,
        },
        Scenario {
            name: "self-signed fallback in cluster1",
            build: |one, _| {
                one.set_log(
                    "istio-system",
                    POD1,
                    "discovery",
                    "2024-11-01T09:00:09.310290Z\tinfo\tUse self-signed certificate as the CA certificate\n",
                );
                one.add_value(json!({
                    "apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "istio-ca-secret", "namespace": "istio-system"},
                    "type": "istio.io/ca-root",
                    "data": {"ca-cert.pem": "eA==", "ca-key.pem": "eA=="},
                }))
                .unwrap();
                Some(article(2))
            },
            expect: &[("VI406", "error")],
            exit: 1,
        },
        Scenario {
            name: "injector webhook missing",
            build: |one, _| {
                assert!(one.remove(
                    "MutatingWebhookConfiguration",
                    "",
                    "vault-agent-injector-cfg"
                ));
                Some(article(2))
            },
            expect: &[("VI403", "error")],
            exit: 1,
        },
        Scenario {
            name: "failurePolicy Ignore",
            build: |one, _| {
                one.object_mut(
                    "MutatingWebhookConfiguration",
                    "",
                    "vault-agent-injector-cfg",
                )
                .unwrap()["webhooks"][0]["failurePolicy"] = json!("Ignore");
                Some(article(2))
            },
            expect: &[("VI404", "warning")],
            exit: 0,
        },
        Scenario {
            name: "leftover cacerts",
            build: |_, _| {
                let mut two = article(2);
                two.add_dir(fixture_dir("demo-cluster2")).unwrap();
                Some(two)
            },
            expect: &[("VI407", "error")],
            exit: 1,
        },
        Scenario {
            name: "two clusters with different roots",
            build: |_, other_root| {
                let mut two = article(2);
                for ns in NAMESPACES {
                    two.object_mut("ConfigMap", ns, "istio-ca-root-cert")
                        .unwrap()["data"]["root-cert.pem"] = json!(other_root);
                }
                Some(two)
            },
            expect: &[("VI603", "error")],
            exit: 1,
        },
        Scenario {
            name: "RBAC forbids listing Secrets",
            build: |one, _| {
                one.forbid(AccessRule {
                    verb: "list".into(),
                    resource: "secrets".into(),
                    ..Default::default()
                });
                Some(article(2))
            },
            expect: &[("VI401", "error")],
            exit: 1,
        },
        Scenario {
            name: "cluster2 unreachable",
            build: |_, _| None,
            expect: &[("VI401", "error")],
            exit: 1,
        },
    ]
}

#[test]
fn every_scenario_gives_the_same_findings_and_exit_code_in_every_format() {
    for s in scenarios() {
        let mut one = article(1);
        // A stand-in started only for its CA: a self-signed root no cluster shares.
        let other = KubeStandIn::start(ClusterFixture::new()).unwrap();
        let two = (s.build)(&mut one, other.ca_pem());
        let a = KubeStandIn::start(one).unwrap();
        let b = two.map(|f| KubeStandIn::start(f).unwrap());
        let kc = Kubeconfig::new().context("cluster1", &a);
        let kc = match &b {
            Some(b) => kc.context("cluster2", b),
            None => kc.unreachable("cluster2").unwrap(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        kc.write(&path).unwrap();

        for format in ["text", "json", "sarif"] {
            let kc = path.to_str().unwrap();
            let args = [
                "audit",
                "--all-contexts",
                "--timeout",
                "5s",
                "-o",
                format,
                "--kubeconfig",
                kc,
            ];
            let r = run_with(&args, None, &[("NO_COLOR", "1")]);
            let stdout = &r.stdout;
            let what = format!("{} (-o {format}):\n{stdout}\n{}", s.name, r.stderr);
            assert_eq!(r.code, s.exit, "{what}");
            // (code, severity) of every finding, however the format spells them.
            let found: Vec<(String, String)> = match format {
                "text" => stdout
                    .lines()
                    .filter_map(|l| {
                        let (sev, rest) = l.split_once('[')?;
                        let code = rest.split_once(']')?.0;
                        code.starts_with("VI")
                            .then(|| (code.to_string(), sev.to_string()))
                    })
                    .collect(),
                "json" => {
                    let doc: Value = serde_json::from_str(stdout).expect("JSON");
                    doc["findings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| {
                            (
                                f["code"].as_str().unwrap().into(),
                                f["severity"].as_str().unwrap().into(),
                            )
                        })
                        .collect()
                }
                _ => {
                    let doc: Value = serde_json::from_str(stdout).expect("SARIF");
                    doc["runs"][0]["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| {
                            let level = match r["level"].as_str().unwrap() {
                                "note" => "info",
                                l => l,
                            };
                            (r["ruleId"].as_str().unwrap().into(), level.into())
                        })
                        .collect()
                }
            };
            for (code, severity) in s.expect {
                assert!(
                    found.iter().any(|(c, v)| c == code && v == severity),
                    "{code} {severity} missing: {found:?}\n{what}"
                );
            }
            // No error beyond the expected codes (a code may fire more than once).
            let mut errors: Vec<&str> = found
                .iter()
                .filter(|(_, v)| v == "error")
                .map(|(c, _)| c.as_str())
                .collect();
            errors.sort();
            errors.dedup();
            let mut expected: Vec<&str> = s
                .expect
                .iter()
                .filter(|(_, v)| *v == "error")
                .map(|(c, _)| *c)
                .collect();
            expected.sort();
            assert_eq!(errors, expected, "errors\n{what}");
        }
        for k in std::iter::once(&a).chain(b.as_ref()) {
            assert!(
                k.requests().iter().all(|r| !r.is_write()),
                "{}: a write",
                s.name
            );
        }
    }
}
