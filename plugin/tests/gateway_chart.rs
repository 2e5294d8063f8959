//! The gateway values `render` generates, rendered by the real Helm 3 through Istio's own
//! `istio/gateway` chart (tests/data/charts/istio-gateway), then linted with the Gateway
//! `render` wrote: the chart's Deployment (its labels, its pod annotations) is what the
//! Gateway is matched against, so a wrong idea of the chart would show here.

use std::path::Path;
use std::process::Command;

mod common;
use common::*;

const CONFIG: &str = r#"clusters:
  - name: cluster1
    kubernetesHost: https://cluster1.example.com:6443
kv: {version: 2}
gateways:
  - name: istio-ingressgateway
    hosts: ["shop.example.com", "api.example.com"]
    pki: {mount: pki_int, role: ingress, ttl: 72h}
  - name: istio-egressgateway
    direction: egress
    hosts: ["partner.example.org"]
    kv: {path: gateways/egress}
"#;

fn helm_template(helm: &Path, release: &str, namespace: &str, values: &Path) -> String {
    let chart = common::root().join("plugin/tests/data/charts/istio-gateway");
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(helm)
        .args(["template", release])
        .arg(&chart)
        .args(["-n", namespace, "-f"])
        .arg(values)
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "helm template: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `render` of CONFIG in a scratch directory: the directory and cluster1's output.
fn rendered(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    std::fs::write(dir.join("render.yaml"), CONFIG).unwrap();
    let out = dir.join("out");
    let r = run(&[
        "render",
        "-f",
        dir.join("render.yaml").to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (dir, out.join("cluster1"))
}

#[test]
fn rendered_gateway_values_through_the_real_chart_lint_clean() {
    let Some(helm) = vault_istio_testbed::tools::helm3().unwrap() else {
        return;
    };
    let (dir, cluster) = rendered("gateway-chart");
    let mut inputs = Vec::new();
    for (name, ns) in [
        ("istio-ingressgateway", "istio-ingress"),
        ("istio-egressgateway", "istio-egress"),
    ] {
        let manifests = helm_template(
            &helm,
            name,
            ns,
            &cluster.join(format!("gateway-{name}-values.yaml")),
        );
        // The chart labels the pods as the Gateway selects them, and keeps the Vault
        // annotations (and their templates) intact.
        let short = name.strip_prefix("istio-").unwrap();
        assert!(
            manifests.contains(&format!("istio: \"{short}\"")),
            "{manifests}"
        );
        assert!(
            manifests.contains("{{ .Data.private_key }}") || manifests.contains(".Data.data.key")
        );
        let rendered = dir.join(format!("{name}-rendered.yaml"));
        std::fs::write(&rendered, manifests).unwrap();
        inputs.push(rendered);
        inputs.push(cluster.join(format!("gateway-{name}.yaml")));
    }
    let args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    let mut lint = vec!["lint", "-o", "json"];
    lint.extend(&args);
    let r = run(&lint);
    let json = r.json();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(json["findings"], serde_json::json!([]), "{}", r.stdout);
    let kinds: Vec<&str> = json["gateways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "Deployment").count(),
        2,
        "the chart's Deployments are the gateways: {kinds:?}"
    );

    // A path the chart's pods do not render: the Deployment Helm rendered is what VI701
    // compares with.
    let gateway = cluster.join("gateway-istio-ingressgateway.yaml");
    let text = std::fs::read_to_string(&gateway).unwrap();
    std::fs::write(
        &gateway,
        text.replace("/vault/secrets/tls.crt", "/vault/secrets/cert.pem"),
    )
    .unwrap();
    let r = run(&lint);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("\"VI701\""), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Deployment in istio-ingressgateway-rendered.yaml"),
        "{}",
        r.stdout
    );
}

/// The acceptance of issue 20 for `audit`: the rendered ingress and egress setup, its
/// Deployments as the real chart renders them and its pods as both injectors mutate them,
/// served by the Kubernetes stand-in next to the article's istiod, audits clean; the same
/// cluster with the ingress pod missing its Vault files shows it.
#[test]
fn the_rendered_ingress_and_egress_setup_audits_clean() {
    use vault_istio_testbed::kube::{ClusterFixture, KubeStandIn, Kubeconfig, fixture_dir, inject};
    let Some(helm) = vault_istio_testbed::tools::helm3().unwrap() else {
        return;
    };
    let (dir, cluster) = rendered("gateway-audit");

    let fixture = |ingress_log: &str, egress_log: &str| {
        let mut f = ClusterFixture::from_dir(fixture_dir("article-cluster1")).unwrap();
        for (name, ns, log) in [
            (
                "istio-ingressgateway",
                "istio-ingress",
                ingress_log.to_string(),
            ),
            (
                "istio-egressgateway",
                "istio-egress",
                egress_log.to_string(),
            ),
        ] {
            let manifests = helm_template(
                &helm,
                name,
                ns,
                &cluster.join(format!("gateway-{name}-values.yaml")),
            );
            // What the chart installs that the audit reads: the Deployment and its
            // ServiceAccount (the Service, Role and autoscaler are not read).
            for doc in manifests.split("\n---\n") {
                if doc.contains("\nkind: Deployment\n") || doc.contains("\nkind: ServiceAccount\n")
                {
                    f.add_yaml(doc).unwrap();
                }
            }
            f.add_yaml(
                &std::fs::read_to_string(cluster.join(format!("gateway-{name}.yaml"))).unwrap(),
            )
            .unwrap();
            let deployment = f
                .object_mut("Deployment", ns, name)
                .expect("the chart's Deployment")
                .clone();
            let pod = inject::running_pod(&deployment, "h7x2k");
            let pod_name = pod["metadata"]["name"].as_str().unwrap().to_string();
            f.add_value(pod).unwrap();
            f.set_log(ns, &pod_name, "istio-proxy", &log);
        }
        f
    };
    let audit = |f: ClusterFixture| {
        let k = KubeStandIn::start(f).unwrap();
        let kc = dir.join("kubeconfig");
        Kubeconfig::new()
            .context("cluster1", &k)
            .write(&kc)
            .unwrap();
        let r = run(&[
            "audit",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--context",
            "cluster1",
            "-o",
            "json",
        ]);
        assert!(k.requests().iter().all(|q| !q.is_write()));
        r
    };

    let ingress_ok = inject::proxy_log_loading(&["/vault/secrets/tls.crt"]);
    let egress_ok =
        inject::proxy_log_loading(&["/vault/secrets/client.crt", "/vault/secrets/ca.crt"]);
    let r = audit(fixture(&ingress_ok, &egress_ok));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let json = r.json();
    let findings = json["findings"].as_array().unwrap();
    // The gateways are clean; the article's istiod keeps its two kinds of advice (VI114,
    // VI121), nothing more.
    let gateway: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("VI7"))
        .collect();
    assert_eq!(gateway, Vec::<&serde_json::Value>::new(), "{}", r.stdout);
    assert!(
        findings.iter().all(|f| f["severity"] == "info"
            && f["location"]["file"] == "k8s/cluster1/istio-system/Deployment/istiod"),
        "{}",
        r.stdout
    );

    // The ingress pod lacks its files; the egress proxy never loaded its CA bundle.
    let r = audit(fixture(
        &inject::proxy_log_missing("/vault/secrets/tls.crt", "/vault/secrets/tls.key"),
        &inject::proxy_log_loading(&["/vault/secrets/client.crt"]),
    ));
    assert_eq!(r.code, 1, "{}", r.stdout);
    let json = r.json();
    let found: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("VI7"))
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["location"]["namespace"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("VI754", "istio-ingress"), ("VI755", "istio-egress")],
        "{}",
        r.stdout
    );
}
