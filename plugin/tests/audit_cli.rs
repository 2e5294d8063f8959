//! `audit` against the Kubernetes API stand-in (tests/src/kube): the article's two clusters,
//! reached through a real kubeconfig, and scenarios built from them.

use std::path::{Path, PathBuf};

mod common;
use common::{Run, run_with};
use serde_json::{Value, json};
use vault_istio_testbed::kube::{
    AccessRule, ClusterFixture, KubeStandIn, Kubeconfig, fixture_dir, inject,
};

const POD1: &str = "istiod-7d4b9c5f6b-x2k5p";

fn fixture(name: &str) -> ClusterFixture {
    ClusterFixture::from_dir(fixture_dir(name)).expect("fixture loads")
}

fn cluster1() -> ClusterFixture {
    fixture("article-cluster1")
}

fn start(f: ClusterFixture) -> KubeStandIn {
    KubeStandIn::start(f).expect("stand-in starts")
}

fn run(args: &[&str]) -> Run {
    let args: Vec<&str> = std::iter::once("audit")
        .chain(args.iter().copied())
        .collect();
    run_with(&args, None, &[("NO_COLOR", "1")])
}

/// Writes `kc` into a temporary directory; returns it (keep it alive) and the path.
fn kubeconfig(kc: Kubeconfig) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    kc.write(&path).unwrap();
    (dir, path)
}

/// Audits the given contexts of `path` with `-o json`; returns the run and the findings.
fn audit_json(path: &Path, contexts: &[&str], extra: &[&str]) -> (Run, Vec<Value>) {
    let mut args = vec!["--kubeconfig", path.to_str().unwrap(), "-o", "json"];
    for c in contexts {
        args.push("--context");
        args.push(c);
    }
    args.extend_from_slice(extra);
    let r = run(&args);
    let doc = r.json();
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    (r, findings)
}

/// Audits one cluster fixture alone (`-o json`).
fn audit_one(f: ClusterFixture) -> (Run, Vec<Value>, KubeStandIn) {
    let k = start(f);
    let (_dir, path) = kubeconfig(Kubeconfig::new().context("cluster1", &k));
    let (r, findings) = audit_json(&path, &["cluster1"], &[]);
    (r, findings, k)
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn with_code<'a>(findings: &'a [Value], code: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["code"] == code).collect()
}

fn assert_read_only(k: &KubeStandIn) {
    let reqs = k.requests();
    assert!(!reqs.is_empty(), "the stand-in saw no request");
    let writes: Vec<_> = reqs.iter().filter(|r| r.is_write()).collect();
    assert!(writes.is_empty(), "the audit wrote: {writes:?}");
}

#[test]
fn the_article_pair_has_no_error_and_exits_zero() {
    let a = start(cluster1());
    let b = start(fixture("article-cluster2"));
    let (_dir, path) = kubeconfig(
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let (r, findings) = audit_json(&path, &["cluster1", "cluster2"], &[]);
    println!("findings on the healthy pair:");
    for f in &findings {
        println!("  {} {} {}", f["code"], f["severity"], f["message"]);
    }
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    let doc = r.json();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["tool"]["name"], "vault-istio");
    assert_eq!(doc["summary"]["clusters"], 2);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_read_only(&a);
    assert_read_only(&b);
    // Every kind of read happened, and the log was read with a tail.
    let reqs = a.requests();
    for path in [
        "/apis/apps/v1/namespaces/istio-system/deployments",
        "/api/v1/namespaces/istio-system/pods",
        &format!("/api/v1/namespaces/istio-system/pods/{POD1}/log"),
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
        "/apis/discovery.k8s.io/v1/namespaces/vault/endpointslices",
        "/api/v1/namespaces/istio-system/secrets",
        "/api/v1/namespaces/istio-system",
        "/api/v1/namespaces/istio-system/serviceaccounts",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "/api/v1/configmaps",
    ] {
        assert!(reqs.iter().any(|r| r.path == path), "no request to {path}");
    }
    let log = reqs.iter().find(|r| r.path.ends_with("/log")).unwrap();
    assert!(
        log.query.contains("container=discovery") && log.query.contains("tailLines=500"),
        "{log:?}"
    );

    // Text output: the same run, human-readable.
    let t = run(&[
        "--kubeconfig",
        path.to_str().unwrap(),
        "--context",
        "cluster1",
        "--context",
        "cluster2",
    ]);
    assert_eq!(t.code, 0, "{}\n{}", t.stdout, t.stderr);
    assert!(
        t.stdout.contains("2 clusters") || t.stderr.contains("2 clusters"),
        "{}\n{}",
        t.stdout,
        t.stderr
    );
}

#[test]
fn leftover_cacerts_secret_is_vi407() {
    let mut f = cluster1();
    f.add_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "cacerts", "namespace": "istio-system"},
        "type": "Opaque",
        "stringData": {"ca-key.pem": "SECRET-KEY-MATERIAL", "ca-cert.pem": "x"},
    }))
    .unwrap();
    let (r, findings, k) = audit_one(f);
    let hits = with_code(&findings, "VI407");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("with a CA private key")
    );
    assert_eq!(r.code, 1);
    assert!(
        !r.stdout.contains("SECRET-KEY-MATERIAL") && !r.stdout.contains("U0VDUkVU"),
        "a Secret value reached the output"
    );
    assert_read_only(&k);
}

#[test]
fn missing_injector_webhook_is_vi403() {
    let mut f = cluster1();
    assert!(f.remove(
        "MutatingWebhookConfiguration",
        "",
        "vault-agent-injector-cfg"
    ));
    let (_r, findings, _k) = audit_one(f);
    assert_eq!(with_code(&findings, "VI403").len(), 1, "{findings:#?}");
}

#[test]
fn failure_policy_ignore_is_vi404_warning() {
    let mut f = cluster1();
    f.object_mut(
        "MutatingWebhookConfiguration",
        "",
        "vault-agent-injector-cfg",
    )
    .unwrap()["webhooks"][0]["failurePolicy"] = json!("Ignore");
    let (r, findings, _k) = audit_one(f);
    let hits = with_code(&findings, "VI404");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert_eq!(hits[0]["severity"], "warning");
    // A warning alone does not fail the default --fail-on error.
    if findings.iter().all(|f| f["severity"] != "error") {
        assert_eq!(r.code, 0);
    }
}

#[test]
fn pod_without_inject_status_is_vi405() {
    let mut f = cluster1();
    let pod = f.object_mut("Pod", "istio-system", POD1).unwrap();
    pod["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("vault.hashicorp.com/agent-inject-status");
    let (r, findings, _k) = audit_one(f);
    let hits = with_code(&findings, "VI405");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(hits[0]["message"].as_str().unwrap().contains(POD1));
    assert_eq!(r.code, 1);
}

#[test]
fn self_signed_log_line_is_vi406() {
    let mut f = cluster1();
    f.set_log(
        "istio-system",
        POD1,
        "discovery",
        "2024-11-01T09:00:09.310290Z\tinfo\tUse self-signed certificate as the CA certificate\n",
    );
    let (_r, findings, _k) = audit_one(f);
    let hits = with_code(&findings, "VI406");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("Use self-signed certificate")
    );
}

#[test]
fn forbidden_secrets_list_is_vi401_and_the_rest_still_runs() {
    let mut f = cluster1();
    f.forbid(AccessRule {
        verb: "list".into(),
        resource: "secrets".into(),
        namespace: Some("istio-system".into()),
        ..Default::default()
    });
    f.object_mut(
        "MutatingWebhookConfiguration",
        "",
        "vault-agent-injector-cfg",
    )
    .unwrap()["webhooks"][0]["failurePolicy"] = json!("Ignore");
    let (r, findings, k) = audit_one(f);
    let hits = with_code(&findings, "VI401");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    let msg = hits[0]["message"].as_str().unwrap();
    assert!(msg.contains("list secrets in istio-system"), "{msg}");
    assert!(msg.contains("forbidden"), "{msg}");
    assert!(
        hits[0]["help"]
            .as_str()
            .unwrap_or_default()
            .contains("ClusterRole")
    );
    // Other checks still ran.
    assert_eq!(with_code(&findings, "VI404").len(), 1, "{findings:#?}");
    assert_eq!(r.code, 1);
    assert_read_only(&k);
}

#[test]
fn forbidden_log_read_is_a_problem_not_a_failure() {
    let mut f = cluster1();
    f.forbid(AccessRule {
        verb: "get".into(),
        resource: "pods/log".into(),
        ..Default::default()
    });
    let (_r, findings, _k) = audit_one(f);
    let hits = with_code(&findings, "VI401");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("discovery log of pod {POD1}")),
        "{hits:#?}"
    );
}

#[test]
fn one_unreachable_context_is_vi401_and_the_other_is_audited() {
    let a = start(cluster1());
    let (_dir, path) = kubeconfig(
        Kubeconfig::new()
            .context("cluster1", &a)
            .unreachable("cluster3")
            .unwrap(),
    );
    let (r, findings) = audit_json(&path, &["cluster1", "cluster3"], &["--timeout", "5s"]);
    let hits = with_code(&findings, "VI401");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("cluster `cluster3` could not be audited"),
        "{hits:#?}"
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["summary"]["clusters"], 2);
    assert!(
        a.requests().iter().any(|q| q.path.ends_with("/secrets")),
        "cluster1 was not audited"
    );
}

#[test]
fn all_unreachable_exits_two() {
    let (_dir, path) = kubeconfig(
        Kubeconfig::new()
            .unreachable("cluster3")
            .unwrap()
            .unreachable("cluster4")
            .unwrap(),
    );
    let r = run(&[
        "--kubeconfig",
        path.to_str().unwrap(),
        "--all-contexts",
        "--timeout",
        "5s",
    ]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("VI401"), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_two() {
    let (_dir, path) = kubeconfig(Kubeconfig::new().unreachable("cluster3").unwrap());
    let r = run(&["--kubeconfig", path.to_str().unwrap(), "--context", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no such context"), "{}", r.stderr);
    let r = run(&["--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(r.code, 2);
    let r = run(&["--from-snapshot", "/nonexistent/snap.json"]);
    assert_eq!(r.code, 2);
}

#[test]
fn saved_snapshot_gives_the_same_findings() {
    let mut f = cluster1();
    f.add_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "cacerts", "namespace": "istio-system"},
        "type": "Opaque",
        "stringData": {"ca-key.pem": "SECRET-KEY-MATERIAL"},
    }))
    .unwrap();
    let a = start(f);
    let b = start(fixture("article-cluster2"));
    let (dir, path) = kubeconfig(
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let snap = dir.path().join("snap.json");
    let (live, live_findings) = audit_json(
        &path,
        &["cluster1", "cluster2"],
        &["--save-snapshot", snap.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&snap).unwrap();
    assert!(!text.contains("SECRET-KEY-MATERIAL") && !text.contains("U0VDUkVU"));
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved.as_array().unwrap().len(), 2);
    assert_eq!(saved[0]["cluster"], "cluster1");
    // What the collector filled in, from every kind of read.
    let c1 = &saved[0];
    assert!(c1.get("problems").is_none(), "{c1:#}");
    assert!(c1.get("unreachable").is_none());
    assert!(
        c1["server"]
            .as_str()
            .unwrap()
            .starts_with("https://127.0.0.1:")
    );
    assert_eq!(c1["istioNamespace"], "istio-system");
    let d = &c1["istiod"][0];
    assert_eq!(d["name"], "istiod");
    assert!(
        d["manifest"]
            .as_str()
            .unwrap()
            .contains("\"kind\": \"Deployment\"")
    );
    let pod = &d["pods"][0];
    assert_eq!(pod["name"], POD1);
    assert_eq!(pod["phase"], "Running");
    assert_eq!(
        pod["annotations"]["vault.hashicorp.com/agent-inject-status"],
        "injected"
    );
    assert!(pod["labels"].as_object().is_some_and(|l| !l.is_empty()));
    assert_eq!(pod["initContainers"][0]["name"], "vault-agent-init");
    assert_eq!(pod["initContainers"][0]["exitCode"], 0);
    assert!(
        pod["discoveryLog"]
            .as_str()
            .unwrap()
            .contains("Use local CA")
    );
    let hook = &c1["injectorWebhooks"][0];
    assert_eq!(hook["configuration"], "vault-agent-injector-cfg");
    assert_eq!(hook["failurePolicy"], "Fail");
    assert_eq!(
        hook["service"],
        json!({"namespace": "vault", "name": "vault-agent-injector-svc"})
    );
    assert_eq!(hook["readyEndpoints"], 1);
    assert_eq!(
        hook["objectSelector"]["matchExpressions"][0]["operator"],
        "NotIn"
    );
    let secrets = c1["secrets"].as_array().unwrap();
    let cacerts = secrets.iter().find(|x| x["name"] == "cacerts").unwrap();
    assert_eq!(cacerts["keys"], json!(["ca-key.pem"]));
    assert_eq!(cacerts["type"], "Opaque");
    assert!(
        c1["serviceAccounts"]
            .as_array()
            .unwrap()
            .contains(&json!("istiod"))
    );
    assert!(c1["authDelegators"].as_array().unwrap().contains(
        &json!({"kind": "ServiceAccount", "namespace": "istio-system", "name": "istiod"})
    ));
    assert_eq!(c1["rootCertConfigmaps"].as_array().unwrap().len(), 4);
    assert!(
        c1["rootCertConfigmaps"][0]["rootCert"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert!(c1["istioNamespaceLabels"].is_object());

    drop(a);
    drop(b);
    let offline = run(&["--from-snapshot", snap.to_str().unwrap(), "-o", "json"]);
    assert_eq!(offline.code, live.code);
    let offline_findings = offline.json()["findings"].clone();
    assert_eq!(json!(live_findings), offline_findings);
    assert!(codes(&live_findings).contains(&"VI407".to_string()));
}

#[test]
fn sarif_output_parses() {
    let mut f = cluster1();
    f.remove(
        "MutatingWebhookConfiguration",
        "",
        "vault-agent-injector-cfg",
    );
    let k = start(f);
    let (_dir, path) = kubeconfig(Kubeconfig::new().context("cluster1", &k));
    let r = run(&["--kubeconfig", path.to_str().unwrap(), "-o", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("SARIF is JSON");
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|x| x["ruleId"] == "VI403"), "{doc:#}");
    assert_eq!(r.code, 1);
}

#[test]
fn endpoints_fall_back_and_zero_ready_is_recorded() {
    // EndpointSlices forbidden: the Endpoints object still counts the ready address.
    let mut f = cluster1();
    f.forbid(AccessRule {
        verb: "list".into(),
        resource: "endpointslices".into(),
        ..Default::default()
    });
    let k = start(f);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    Kubeconfig::new().context("c1", &k).write(&path).unwrap();
    let snap = dir.path().join("snap.json");
    let (_r, findings) = audit_json(&path, &["c1"], &["--save-snapshot", snap.to_str().unwrap()]);
    assert!(with_code(&findings, "VI401").is_empty(), "{findings:#?}");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(saved[0]["injectorWebhooks"][0]["readyEndpoints"], 1);

    // Neither exists: zero ready endpoints.
    let mut f = cluster1();
    f.remove("EndpointSlice", "vault", "vault-agent-injector-svc-8xkq2");
    f.remove("Endpoints", "vault", "vault-agent-injector-svc");
    let k = start(f);
    Kubeconfig::new().context("c1", &k).write(&path).unwrap();
    let (_r, _findings) = audit_json(&path, &["c1"], &["--save-snapshot", snap.to_str().unwrap()]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(saved[0]["injectorWebhooks"][0]["readyEndpoints"], 0);
}

#[test]
fn a_slow_cluster_times_out() {
    let k = start(cluster1()).with_latency(std::time::Duration::from_secs(3));
    let (_dir, path) = kubeconfig(Kubeconfig::new().context("slow", &k));
    let started = std::time::Instant::now();
    let (r, findings) = audit_json(&path, &["slow"], &["--timeout", "1s"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let hits = with_code(&findings, "VI401");
    assert!(
        hits[0]["message"].as_str().unwrap().contains("within 1s"),
        "{hits:#?}"
    );
}

/// The stand-in grants exactly what manifests/rbac/audit-rbac.yaml grants (everything else
/// answers 403, as RBAC's default deny does): the audit must need nothing more.
#[test]
fn the_shipped_rbac_is_enough_for_the_whole_audit() {
    let rbac = include_str!("../../manifests/rbac/audit-rbac.yaml");
    let mut f = healthy_ingress();
    f.allow_only(AccessRule::from_rbac(rbac).expect("RBAC parses"));
    let (r, findings, k) = audit_one(f);
    assert_eq!(
        with_code(&findings, "VI401"),
        Vec::<&Value>::new(),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_read_only(&k);

    // And the stand-in does deny what it does not grant: without the Role, the
    // istio-system reads fail and say so.
    let cluster_role_only: String = rbac
        .split("\n---\n")
        .filter(|doc| !doc.contains("\nkind: Role\n"))
        .collect::<Vec<_>>()
        .join("\n---\n");
    let mut f = cluster1();
    f.allow_only(AccessRule::from_rbac(&cluster_role_only).unwrap());
    let (r, findings, _k) = audit_one(f);
    let vi401: Vec<&str> = with_code(&findings, "VI401")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        vi401
            .iter()
            .any(|m| m.contains("cannot list secrets in istio-system")),
        "{vi401:?}\n{}",
        r.stderr
    );
}

/// What manifests/demo/audit.sh serves: the article's pair, cluster2 overlaid with a
/// leftover `cacerts` Secret. Exactly one error, VI407 on cluster2, and the CA key in
/// that Secret never reaches the output.
#[test]
fn the_demo_clusters_show_one_leftover_cacerts_error() {
    let a = start(cluster1());
    let mut two = fixture("article-cluster2");
    two.add_dir(fixture_dir("demo-cluster2")).unwrap();
    let b = start(two);
    let (_dir, path) = kubeconfig(
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let (r, findings) = audit_json(&path, &["cluster1", "cluster2"], &[]);
    let errors: Vec<&Value> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["code"], "VI407");
    assert_eq!(r.code, 1);
    let key = std::fs::read_to_string(
        vault_istio_testbed::upstream_seed().join("certs/istiod-cluster2/ca-key.pem"),
    )
    .unwrap();
    for line in key.lines().filter(|l| l.len() > 40) {
        assert!(!r.stdout.contains(&line[..24]) && !r.stderr.contains(&line[..24]));
    }
}

/// An ingress gateway Deployment (as the `istio/gateway` chart renders one, with Vault
/// annotations for two files) and the Gateway that serves them.
const INGRESS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-ingress}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata:
      labels: {app: istio-ingressgateway, istio: ingressgateway}
      annotations:
        inject.istio.io/templates: gateway
        vault.hashicorp.com/agent-inject: "true"
        vault.hashicorp.com/role: istio-ingressgateway
        vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
        vault.hashicorp.com/agent-inject-secret-tls.key: kv/ingress/tls
    spec:
      containers: [{name: istio-proxy, image: auto}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/tls.crt, privateKey: /vault/secrets/tls.key}
"#;

const POD: &str = "istio-ingressgateway-5c8d7f9b6d-h7x2k";
const CERT: &str = "/vault/secrets/tls.crt";
const KEY: &str = "/vault/secrets/tls.key";

/// cluster1 with `objects` (INGRESS, or a variant) and the running pod of its gateway
/// Deployment as both injectors mutate it, with `log` as its istio-proxy log.
fn with_ingress(mut f: ClusterFixture, objects: &str, log: &str) -> ClusterFixture {
    f.add_yaml(objects).unwrap();
    let deployment = f
        .object_mut("Deployment", "istio-ingress", "istio-ingressgateway")
        .expect("the gateway Deployment")
        .clone();
    let pod = inject::running_pod(&deployment, "h7x2k");
    assert_eq!(pod["metadata"]["name"], POD);
    f.add_value(pod).unwrap();
    f.set_log("istio-ingress", POD, "istio-proxy", log);
    f
}

fn healthy_ingress() -> ClusterFixture {
    with_ingress(cluster1(), INGRESS, &inject::proxy_log_loading(&[CERT]))
}

fn gateway_codes(findings: &[Value]) -> Vec<String> {
    codes(findings)
        .into_iter()
        .filter(|c| c.starts_with("VI7"))
        .collect()
}

/// The live gateways: the gateway Deployments and Istio Gateway objects of every namespace
/// are read and judged by the gateway rules as files are, and the pods they select are
/// read with istio-proxy's file-certificate log lines. A healthy ingress is clean; a path
/// no selected pod renders is VI701 at the live Gateway.
#[test]
fn live_gateways_are_judged_like_files() {
    let (r, findings, k) = audit_one(healthy_ingress());
    assert_eq!(
        gateway_codes(&findings),
        Vec::<String>::new(),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_read_only(&k);
    // The reads happened: both CRDs, the Deployments of every namespace, the gateway's
    // pods by its Deployment's selector and by the Gateway's, and the start of the log.
    let reqs = k.requests();
    let paths: Vec<String> = reqs.iter().map(|q| q.path.clone()).collect();
    for p in [
        "/apis/networking.istio.io/v1/gateways",
        "/apis/networking.istio.io/v1/destinationrules",
        "/apis/apps/v1/deployments",
        "/api/v1/namespaces/istio-ingress/pods",
        "/api/v1/pods",
        &format!("/api/v1/namespaces/istio-ingress/pods/{POD}/log"),
    ] {
        assert!(paths.iter().any(|q| q == p), "{p} not read: {paths:?}");
    }
    let log = reqs
        .iter()
        .find(|q| q.path.ends_with("/log") && q.path.contains("istio-ingress"))
        .unwrap();
    assert!(
        log.query.contains("container=istio-proxy") && log.query.contains("limitBytes="),
        "{log:?}"
    );

    // The saved snapshot keeps the file-certificate lines and never the access log.
    let k = start(healthy_ingress());
    let (dir, path) = kubeconfig(Kubeconfig::new().context("cluster1", &k));
    let saved = dir.path().join("snap.json");
    let r = run(&[
        "--kubeconfig",
        path.to_str().unwrap(),
        "--context",
        "cluster1",
        "--save-snapshot",
        saved.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let snap = std::fs::read_to_string(&saved).unwrap();
    assert!(
        snap.contains("adding watcher for file certificate /vault/secrets/tls.crt"),
        "{snap}"
    );
    assert!(
        !snap.contains("GET /cart"),
        "access log lines stay out of snapshots"
    );

    let broken = with_ingress(
        cluster1(),
        &INGRESS.replace(
            "serverCertificate: /vault/secrets/tls.crt",
            "serverCertificate: /vault/secrets/cert.pem",
        ),
        &inject::proxy_log_missing("/vault/secrets/cert.pem", KEY),
    );
    let (r, findings, _k) = audit_one(broken);
    let vi701 = with_code(&findings, "VI701");
    assert_eq!(vi701.len(), 1, "{}", r.stdout);
    assert_eq!(
        vi701[0]["location"]["file"], "k8s/cluster1/istio-ingress/Gateway/shop",
        "{}",
        r.stdout
    );
    assert!(
        vi701[0]["message"]
            .as_str()
            .unwrap()
            .contains("istio-ingress/istio-ingressgateway (Deployment"),
        "{}",
        r.stdout
    );
    // And the proxy says so: VI754 quotes its error, at the pod.
    let vi754 = with_code(&findings, "VI754");
    assert_eq!(vi754.len(), 1, "{}", r.stdout);
    assert_eq!(vi754[0]["location"]["name"], POD);
    assert!(
        vi754[0]["message"]
            .as_str()
            .unwrap()
            .contains("open /vault/secrets/cert.pem: no such file or directory")
    );
    assert_eq!(r.code, 1);
}

/// A Gateway whose selector matches no running pod: VI750 at its selector (VI711, the
/// offline check, gives way to it), naming what the pods do carry.
#[test]
fn a_gateway_selecting_nothing_is_vi750() {
    let f = with_ingress(
        cluster1(),
        &INGRESS.replace(
            "  selector: {istio: ingressgateway}\n  servers",
            "  selector: {istio: ingress}\n  servers",
        ),
        &inject::proxy_log_loading(&[]),
    );
    let (r, findings, _k) = audit_one(f);
    assert_eq!(gateway_codes(&findings), ["VI750"], "{}", r.stdout);
    let f = &with_code(&findings, "VI750")[0];
    assert_eq!(
        f["location"]["file"],
        "k8s/cluster1/istio-ingress/Gateway/shop"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no pod carries those labels"),
        "{f}"
    );
    assert_eq!(r.code, 1);
}

/// The Vault files rendered on the pod but not mounted into istio-proxy
/// (`agent-inject-containers` without it): VI753 at the pod, besides the static VI716.
#[test]
fn files_not_mounted_in_istio_proxy_are_vi753() {
    let objects = INGRESS.replace(
        "        vault.hashicorp.com/agent-inject: \"true\"\n",
        "        vault.hashicorp.com/agent-inject: \"true\"\n        vault.hashicorp.com/agent-inject-containers: vault-agent\n",
    );
    let f = with_ingress(cluster1(), &objects, &inject::proxy_log_missing(CERT, KEY));
    let (r, findings, _k) = audit_one(f);
    let vi753 = with_code(&findings, "VI753");
    assert_eq!(vi753.len(), 2, "both files: {}", r.stdout);
    assert_eq!(vi753[0]["location"]["kind"], "object");
    assert_eq!(vi753[0]["location"]["name"], POD);
    assert!(
        vi753[0]["message"]
            .as_str()
            .unwrap()
            .contains("is in no volume mounted into `istio-proxy`"),
        "{}",
        r.stdout
    );
    let all = gateway_codes(&findings);
    assert!(
        all.contains(&"VI716".to_string()) && all.contains(&"VI754".to_string()),
        "{all:?}"
    );
    assert!(
        !all.contains(&"VI752".to_string()),
        "the pod was injected: {all:?}"
    );
}

/// `credentialName` next to files, judged by the cluster's own istiod version (its image
/// tag): 1.27 rejects the Gateway, 1.23 silently serves the Secret.
#[test]
fn credential_name_with_files_is_judged_by_the_clusters_istio_version() {
    let objects = INGRESS.replace(
        "tls: {mode: SIMPLE,",
        "tls: {mode: SIMPLE, credentialName: shop-cert,",
    );
    let on = |tag: &str| {
        let mut f = with_ingress(cluster1(), &objects, &inject::proxy_log_loading(&[]));
        let istiod = f
            .object_mut("Deployment", "istio-system", "istiod")
            .unwrap();
        let image = &mut istiod["spec"]["template"]["spec"]["containers"][0]["image"];
        assert!(
            image
                .as_str()
                .unwrap()
                .starts_with("docker.io/istio/pilot:")
        );
        *image = format!("docker.io/istio/pilot:{tag}").into();
        let (r, findings, _k) = audit_one(f);
        let vi704 = with_code(&findings, "VI704");
        assert_eq!(vi704.len(), 1, "{}", r.stdout);
        vi704[0]["message"].as_str().unwrap().to_string()
    };
    let new = on("1.27.0-distroless");
    assert!(new.contains("Istio 1.27"), "{new}");
    let old = on("1.23.2");
    assert!(old.contains("Istio 1.23"), "{old}");
    assert_ne!(new, old);
}

/// A busy gateway: its log is longer than the audit reads from the start (1 MiB), the cut
/// falls inside a multi-byte character, and a client planted pilot-agent's error text in
/// the access log. The end of the log is read too: the real error there is VI754; the
/// planted one is not quoted; a log not read whole is not judged by VI755.
#[test]
fn a_long_log_is_read_at_both_ends_and_access_lines_are_not_trusted() {
    let mut log = inject::proxy_log_loading(&[CERT]);
    let access = "[2024-11-01T09:01:12.004Z] \"GET /caf\u{e9} HTTP/1.1\" 200 - via_upstream - \"-\" 0 512 3 2 \"10.0.0.4\" \"curl/8.5.0\"\n";
    // The head read stops at 1,048,576 bytes: put the `é` (2 bytes) across it.
    while log.len() + access.len() < (1 << 20) - 40 {
        log.push_str(access);
    }
    let pad = (1 << 20) - log.len() - access.find('\u{e9}').unwrap() - 2;
    log.push_str(&"x".repeat(pad));
    log.push('\n');
    log.push_str(access);
    assert!(log.is_char_boundary((1 << 20) - 1) && !log.is_char_boundary(1 << 20));
    log.push_str("[2024-11-01T10:00:00.000Z] \"GET / HTTP/1.1\" 200 - \"-\" \"planted: failed to generate secret for proxy from file: PLANTED\"\n");
    log.push_str("2024-11-01T10:00:01.000000Z\terror\tcache\tresource:file-cert:/vault/secrets/tls.crt~/vault/secrets/tls.key failed to generate secret for proxy from file: open /vault/secrets/tls.crt: permission denied\n");
    let (r, findings, k) = audit_one(with_ingress(cluster1(), INGRESS, &log));
    let vi754 = with_code(&findings, "VI754");
    assert_eq!(vi754.len(), 1, "{}", r.stdout);
    let msg = vi754[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("permission denied") && !msg.contains("PLANTED"),
        "{msg}"
    );
    assert!(with_code(&findings, "VI755").is_empty(), "{}", r.stdout);
    let reads: Vec<String> = k
        .requests()
        .iter()
        .filter(|q| q.path.ends_with(&format!("{POD}/log")))
        .map(|q| q.query.clone())
        .collect();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(
        reads.iter().any(|q| q.contains("limitBytes=1048576")),
        "{reads:?}"
    );
    assert!(reads.iter().any(|q| q.contains("tailLines=")), "{reads:?}");
}
