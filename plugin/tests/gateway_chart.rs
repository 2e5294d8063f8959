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

#[test]
fn rendered_gateway_values_through_the_real_chart_lint_clean() {
    let Some(helm) = vault_istio_testbed::tools::helm3().unwrap() else {
        return;
    };
    let dir = scratch("gateway-chart");
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
    let cluster = out.join("cluster1");
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
