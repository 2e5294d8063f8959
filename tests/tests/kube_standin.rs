//! The Kubernetes API stand-in against the article's fixtures: the wire format through a
//! raw HTTPS client, and the real `kubectl` binary (`$KUBECTL_BIN`; skipped loudly on a
//! developer machine without it, a failure under `CI=true`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use vault_istio_testbed::kube::{
    AccessRule, ClusterFixture, KubeStandIn, Kubeconfig, USER, fixture_dir, kubectl_bin,
};

const POD1: &str = "istiod-7d4b9c5f6b-x2k5p";

fn cluster1() -> ClusterFixture {
    ClusterFixture::from_dir(fixture_dir("article-cluster1")).expect("fixture loads")
}

fn standin(forbid_secrets: bool) -> KubeStandIn {
    let mut f = cluster1();
    if forbid_secrets {
        f.forbid(AccessRule {
            verb: "list".into(),
            resource: "secrets".into(),
            namespace: Some("istio-system".into()),
            ..Default::default()
        });
    }
    KubeStandIn::start(f).expect("stand-in starts")
}

fn get(k: &KubeStandIn, path: &str) -> Value {
    let r = k.request("GET", path, Some(k.token()), None, None).unwrap();
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    assert_eq!(r.content_type, "application/json", "{path}");
    r.json().unwrap()
}

#[test]
fn both_article_clusters_load() {
    for name in ["article-cluster1", "article-cluster2"] {
        let f = ClusterFixture::from_dir(fixture_dir(name)).unwrap();
        assert!(f.len() >= 15, "{name}: {} objects", f.len());
    }
}

#[test]
fn serves_the_fixture_objects_through_https() {
    let k = standin(false);
    assert!(k.url().starts_with("https://127.0.0.1:"));
    let version = get(&k, "/version");
    assert_eq!(version["gitVersion"], "v1.33.4");

    let deploy = get(
        &k,
        "/apis/apps/v1/namespaces/istio-system/deployments/istiod",
    );
    assert_eq!(deploy["kind"], "Deployment");
    assert_eq!(deploy["apiVersion"], "apps/v1");
    let tmpl = &deploy["spec"]["template"];
    assert_eq!(
        tmpl["metadata"]["annotations"]["vault.hashicorp.com/role"],
        "istiod"
    );
    let env = tmpl["spec"]["containers"][0]["env"].as_array().unwrap();
    assert!(env.contains(&json!({"name": "ROOT_CA_DIR", "value": "/vault/secrets"})));

    let pods = get(&k, "/api/v1/namespaces/istio-system/pods");
    assert_eq!(pods["kind"], "PodList");
    assert_eq!(pods["apiVersion"], "v1");
    assert!(
        pods["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    let pod = &pods["items"][0];
    assert!(
        pod.get("kind").is_none(),
        "list items carry no kind, like a real server"
    );
    assert_eq!(
        pod["metadata"]["annotations"]["vault.hashicorp.com/agent-inject-status"],
        "injected"
    );
    assert_eq!(
        pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"],
        0
    );

    // Cluster-wide list of a namespaced resource, and cluster-scoped resources.
    let cms = get(
        &k,
        "/api/v1/configmaps?fieldSelector=metadata.name%3Distio-ca-root-cert",
    );
    let root =
        std::fs::read_to_string(vault_istio_testbed::upstream_seed().join("certs/root-cert.pem"))
            .unwrap();
    assert_eq!(cms["items"].as_array().unwrap().len(), 4);
    for cm in cms["items"].as_array().unwrap() {
        assert_eq!(cm["data"]["root-cert.pem"], root.as_str());
    }
    let mwc = get(
        &k,
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/vault-agent-injector-cfg",
    );
    assert_eq!(mwc["webhooks"][0]["name"], "vault.hashicorp.com");
    assert_eq!(mwc["webhooks"][0]["failurePolicy"], "Fail");
    let crbs = get(&k, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
    assert_eq!(crbs["kind"], "ClusterRoleBindingList");
    assert_eq!(crbs["items"][0]["roleRef"]["name"], "system:auth-delegator");
    let slices = get(
        &k,
        "/apis/discovery.k8s.io/v1/namespaces/vault/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dvault-agent-injector-svc",
    );
    assert_eq!(
        slices["items"][0]["endpoints"][0]["conditions"]["ready"],
        true
    );
    let ns = get(&k, "/api/v1/namespaces/istio-system");
    assert_eq!(ns["kind"], "Namespace");

    // The SA token Secret was completed like the token controller does.
    let secret = get(&k, "/api/v1/namespaces/istio-system/secrets/istiod");
    assert!(secret["data"]["token"].is_string() && secret["data"]["ca.crt"].is_string());

    // Discovery.
    let api = get(&k, "/api");
    assert_eq!(api["versions"], json!(["v1"]));
    let groups = get(&k, "/apis");
    assert!(
        groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "apps")
    );
    let core = get(&k, "/api/v1");
    assert!(
        core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "pods/log")
    );
}

#[test]
fn failures_are_status_objects() {
    let k = standin(true);
    // 401: no token, unknown token.
    for token in [None, Some("nope")] {
        let r = k
            .request(
                "GET",
                "/api/v1/namespaces/istio-system/pods",
                token,
                None,
                None,
            )
            .unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json().unwrap(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        );
    }
    // 404 for a missing object, in the API server's exact shape.
    let r = k
        .request(
            "GET",
            "/api/v1/namespaces/istio-system/pods/x",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#
    );
    let r = k
        .request(
            "GET",
            "/apis/apps/v1/namespaces/istio-system/deployments/x",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(
        r.json().unwrap()["message"],
        "deployments.apps \"x\" not found"
    );
    assert_eq!(
        r.json().unwrap()["details"],
        json!({"name": "x", "group": "apps", "kind": "deployments"})
    );
    // 403 from access.yaml-style rules.
    let r = k
        .request(
            "GET",
            "/api/v1/namespaces/istio-system/secrets",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json().unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("secrets is forbidden: User \"{USER}\" cannot list resource \"secrets\" in API group \"\" in the namespace \"istio-system\""),
            "reason": "Forbidden", "details": {"kind": "secrets"}, "code": 403})
    );
    // Other namespaces are still readable.
    let r = k
        .request(
            "GET",
            "/api/v1/namespaces/vault/secrets",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    // Writes are refused and recorded.
    let r = k
        .request(
            "DELETE",
            "/api/v1/namespaces/istio-system/pods/x",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.status, 403);
    assert!(
        r.json().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("cannot delete resource \"pods\"")
    );
    assert!(k.requests().iter().any(|r| r.is_write()));
    // A bad selector is a 400.
    let r = k
        .request(
            "GET",
            "/api/v1/pods?labelSelector=app+in+%28",
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["reason"], "BadRequest");
}

#[test]
fn label_selectors_filter() {
    let k = standin(false);
    let names = |q: &str| -> Vec<String> {
        get(&k, &format!("/api/v1/pods?labelSelector={q}"))["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("app%3Distiod"), [POD1]);
    assert_eq!(names("app%3Distiod%2Cistio.io%2Frev%3Ddefault"), [POD1]);
    assert_eq!(names("app+in+%28istiod%2Cfoo%29"), [POD1]);
    assert_eq!(names("app"), [POD1]);
    assert!(names("app%21%3Distiod").is_empty());
    assert!(names("app%3Distiod%2Cistio.io%2Frev%3Dcanary").is_empty());
    assert!(names("%21app").is_empty());
}

#[test]
fn pod_logs_are_plain_text_with_tail_and_container() {
    let k = standin(false);
    let path = format!("/api/v1/namespaces/istio-system/pods/{POD1}/log");
    let r = k
        .request(
            "GET",
            &format!("{path}?container=discovery"),
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!((r.status, r.content_type.as_str()), (200, "text/plain"));
    assert!(
        r.body
            .contains("Use root cert from /vault/secrets/root-cert.pem")
    );
    assert!(
        r.body
            .contains("Added cacerts files watcher at /vault/secrets")
    );
    let r = k
        .request(
            "GET",
            &format!("{path}?container=discovery&tailLines=2"),
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert_eq!(r.body.lines().count(), 2);
    assert!(r.body.ends_with("starting webhook service at [::]:15017\n"));
    let r = k
        .request(
            "GET",
            &format!("{path}?container=vault-agent-init"),
            Some(k.token()),
            None,
            None,
        )
        .unwrap();
    assert!(
        r.body
            .contains("rendered \"(dynamic)\" => \"/vault/secrets/ca-key.pem\"")
    );
    let r = k
        .request("GET", &path, Some(k.token()), None, None)
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json().unwrap()["message"],
        format!(
            "a container name must be specified for pod {POD1}, choose one of: [discovery vault-agent] or one of the init containers: [vault-agent-init]"
        )
    );
}

#[test]
fn token_request_and_token_review() {
    let k = standin(false);
    let r = k
        .request(
            "POST",
            "/api/v1/namespaces/istio-system/serviceaccounts/istiod/token",
            Some(k.token()),
            None,
            Some(r#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["vault"]}}"#),
        )
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    let answer = r.json().unwrap();
    let jwt = answer["status"]["token"].as_str().unwrap().to_string();
    let claims: Value = {
        use base64::Engine as _;
        let payload = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["sub"], "system:serviceaccount:istio-system:istiod");
    assert_eq!(claims["aud"], json!(["vault"]));
    assert_eq!(claims["kubernetes.io"]["serviceaccount"]["name"], "istiod");
    let sa = get(&k, "/api/v1/namespaces/istio-system/serviceaccounts/istiod");
    assert_eq!(
        claims["kubernetes.io"]["serviceaccount"]["uid"],
        sa["metadata"]["uid"]
    );

    let review = |token: &str, audiences: Value| {
        let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "spec": {"token": token, "audiences": audiences}});
        let r = k
            .request(
                "POST",
                "/apis/authentication.k8s.io/v1/tokenreviews",
                Some(k.token()),
                None,
                Some(&body.to_string()),
            )
            .unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        r.json().unwrap()["status"].clone()
    };
    let ok = review(&jwt, json!(["vault"]));
    assert_eq!(ok["authenticated"], true);
    assert_eq!(
        ok["user"]["username"],
        "system:serviceaccount:istio-system:istiod"
    );
    assert_eq!(ok["audiences"], json!(["vault"]));
    assert!(review(&jwt, json!(["other"]))["authenticated"].is_null());
    assert!(review("garbage", json!([]))["error"].is_string());
    let r = k
        .request(
            "POST",
            "/api/v1/namespaces/istio-system/serviceaccounts/nope/token",
            Some(k.token()),
            None,
            Some("{}"),
        )
        .unwrap();
    assert_eq!(r.status, 404);
}

// ---- the real kubectl ----

fn kubectl() -> Result<Option<PathBuf>> {
    static SKIP_NOTED: OnceLock<()> = OnceLock::new();
    match kubectl_bin()? {
        Some(bin) => Ok(Some(bin)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            bail!(
                "kubectl is required under CI: set KUBECTL_BIN (.ci/test fetches it into .tools/kubectl)"
            )
        }
        None => {
            SKIP_NOTED.get_or_init(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED: these tests need the real kubectl; set KUBECTL_BIN or run .ci/test \
                     (it fetches kubectl 1.33 into .tools/kubectl) ***\n"
                );
            });
            Ok(None)
        }
    }
}

struct Kubectl {
    bin: PathBuf,
    dir: tempfile::TempDir,
}

impl Kubectl {
    fn new(bin: PathBuf, k: &KubeStandIn) -> Result<Kubectl> {
        let dir = tempfile::tempdir()?;
        k.write_kubeconfig(dir.path().join("config"), "cluster1")?;
        Ok(Kubectl { bin, dir })
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn run(&self, args: &[&str]) -> Result<Output> {
        // Own cache dir and HOME: kubectl caches discovery per host:port.
        let out = Command::new(&self.bin)
            .arg("--kubeconfig")
            .arg(self.config())
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG")
            .output()
            .with_context(|| format!("running {}", self.bin.display()))?;
        Ok(out)
    }

    fn ok(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args)?;
        ensure!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }
}

fn no_writes(k: &KubeStandIn) {
    let writes: Vec<_> = k.requests().into_iter().filter(|r| r.is_write()).collect();
    assert!(writes.is_empty(), "write requests seen: {writes:?}");
}

#[test]
fn kubectl_reads_the_cluster_like_a_real_one() -> Result<()> {
    let Some(bin) = kubectl()? else { return Ok(()) };
    let k = standin(true);
    let kc = Kubectl::new(bin, &k)?;

    // get deploy -o json: a List of the real Deployment.
    let list: Value =
        serde_json::from_str(&kc.ok(&["get", "deploy", "-n", "istio-system", "-o", "json"])?)?;
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"][0]["kind"], "Deployment");
    assert_eq!(list["items"][0]["metadata"]["name"], "istiod");
    assert_eq!(
        list["items"][0]["spec"]["template"]["metadata"]["annotations"]["vault.hashicorp.com/auth-path"],
        "auth/kubernetes-cluster1"
    );

    // -o yaml of one object.
    let yaml = kc.ok(&[
        "get",
        "deploy",
        "istiod",
        "-n",
        "istio-system",
        "-o",
        "yaml",
    ])?;
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("ROOT_CA_DIR"),
        "{yaml}"
    );

    // Table printing with a label selector: the server-side columns kubectl shows.
    let table = kc.ok(&["get", "pods", "-l", "app=istiod", "-n", "istio-system"])?;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{table}"
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(&row[..4], [POD1, "2/2", "Running", "0"], "{table}");
    let none = kc.run(&["get", "pods", "-l", "app=nothing", "-n", "istio-system"])?;
    assert!(none.status.success());
    assert_eq!(
        String::from_utf8_lossy(&none.stderr).trim(),
        "No resources found in istio-system namespace."
    );
    let wide = kc.ok(&["get", "deploy", "-n", "istio-system", "-o", "wide"])?;
    assert!(
        wide.lines().next().unwrap().contains("CONTAINERS"),
        "{wide}"
    );
    assert!(
        wide.contains("docker.io/istio/pilot:1.23.2") && wide.contains("istio=pilot"),
        "{wide}"
    );

    // Logs of one container.
    let logs = kc.ok(&["logs", "-n", "istio-system", POD1, "-c", "discovery"])?;
    assert!(logs.contains("Use local CA certificate"));
    assert!(logs.contains("Use root cert from /vault/secrets/root-cert.pem"));
    let tail = kc.ok(&[
        "logs",
        "-n",
        "istio-system",
        POD1,
        "-c",
        "discovery",
        "--tail=1",
    ])?;
    assert_eq!(
        tail,
        "2024-11-01T09:00:09.512512Z\tinfo\tstarting webhook service at [::]:15017\n"
    );
    // --limit-bytes: the first bytes of the log, cut mid-line as the kubelet cuts it.
    let head = kc.ok(&[
        "logs",
        "-n",
        "istio-system",
        POD1,
        "-c",
        "discovery",
        "--limit-bytes=20",
    ])?;
    assert_eq!(head.len(), 20, "{head:?}");
    assert!(logs.starts_with(&head), "{head:?}");

    // A forbidden list: what kubectl prints for a real API server's 403.
    let out = kc.run(&["get", "secrets", "-n", "istio-system"])?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "Error from server (Forbidden): secrets is forbidden: User \"{USER}\" cannot list resource \"secrets\" in API group \"\" in the namespace \"istio-system\""
        )
    );
    // A missing object: kubectl's NotFound line.
    let out = kc.run(&["get", "pod", "nope", "-n", "istio-system"])?;
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Error from server (NotFound): pods \"nope\" not found"
    );

    // Cluster-scoped and cross-namespace reads.
    let cms = kc.ok(&[
        "get",
        "configmaps",
        "-A",
        "--field-selector",
        "metadata.name=istio-ca-root-cert",
        "-o",
        "name",
    ])?;
    assert_eq!(cms.lines().count(), 4, "{cms}");
    let mwc = kc.ok(&[
        "get",
        "mutatingwebhookconfigurations",
        "-o",
        "jsonpath={.items[0].webhooks[0].clientConfig.service.name}",
    ])?;
    assert_eq!(mwc, "vault-agent-injector-svc");

    // kubectl asked for aggregated discovery and the server-side Table, and accepted the
    // legacy discovery and plain lists this server answers with where it must.
    let reqs = k.requests();
    let api = reqs.iter().find(|r| r.path == "/api").expect("discovery");
    assert!(
        api.accept.contains("as=APIGroupDiscoveryList"),
        "{}",
        api.accept
    );
    assert!(
        reqs.iter()
            .any(|r| r.path.ends_with("/pods") && r.accept.contains("as=Table"))
    );
    no_writes(&k);
    Ok(())
}

#[test]
fn kubectl_with_a_bad_token_or_unreachable_cluster() -> Result<()> {
    let Some(bin) = kubectl()? else { return Ok(()) };
    let k = standin(false);
    let dir = tempfile::tempdir()?;
    let cfg = dir.path().join("config");
    Kubeconfig::new()
        .context("good", &k)
        .unreachable("down")?
        .write(&cfg)?;
    let run = |args: &[&str]| -> Result<Output> {
        Ok(Command::new(&bin)
            .arg("--kubeconfig")
            .arg(&cfg)
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .args(args)
            .env("HOME", dir.path())
            .output()?)
    };
    let ok = run(&["--context", "good", "get", "ns", "-o", "name"])?;
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("namespace/istio-system"));
    let down = run(&["--context", "down", "get", "ns", "--request-timeout=5s"])?;
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("connection refused"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let bad = run(&["--context", "good", "--token", "wrong", "get", "ns"])?;
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("You must be logged in to the server (Unauthorized)"),
        "{stderr}"
    );
    no_writes(&k);
    Ok(())
}

#[test]
fn fixtures_are_checked_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: ns}\nspec:\n  replica: 1\n",
    )
    .unwrap();
    let err = format!("{:#}", ClusterFixture::from_dir(dir.path()).unwrap_err());
    assert!(
        err.contains("bad.yaml") && err.contains("`.spec.replica`"),
        "{err}"
    );
}

/// Istio's networking custom resources, as the audit of gateways will read them: served
/// under `networking.istio.io/v1` with discovery, short names and categories, so the real
/// kubectl finds them the way it does on a cluster with Istio's CRDs.
#[test]
fn kubectl_reads_istio_gateways_and_destination_rules() -> Result<()> {
    let Some(bin) = kubectl()? else { return Ok(()) };
    let f = cluster1().with_yaml(
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/tls.crt, privateKey: /vault/secrets/tls.key}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: partner, namespace: istio-egress}
spec:
  host: partner.example.org
  workloadSelector: {matchLabels: {istio: egressgateway}}
  trafficPolicy:
    tls: {mode: MUTUAL, clientCertificate: /vault/secrets/client.crt, privateKey: /vault/secrets/client.key}
"#,
    )?;
    // A custom resource still needs a name, like on a real API server.
    let mut bad = cluster1();
    let err = bad
        .add_yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {}\nspec: {}\n")
        .expect_err("a nameless Gateway is refused");
    assert!(format!("{err:#}").contains("metadata.name"), "{err:#}");

    let k = KubeStandIn::start(f)?;
    let kc = Kubectl::new(bin, &k)?;
    let list: Value = serde_json::from_str(&kc.ok(&["get", "gw", "-A", "-o", "json"])?)?;
    assert_eq!(list["items"][0]["kind"], "Gateway");
    assert_eq!(list["items"][0]["apiVersion"], "networking.istio.io/v1");
    assert_eq!(
        list["items"][0]["spec"]["servers"][0]["tls"]["serverCertificate"],
        "/vault/secrets/tls.crt"
    );
    let dr = kc.ok(&[
        "get",
        "destinationrules.networking.istio.io",
        "partner",
        "-n",
        "istio-egress",
        "-o",
        "yaml",
    ])?;
    assert!(
        dr.contains("clientCertificate: /vault/secrets/client.crt"),
        "{dr}"
    );
    // The category lists both kinds, as `kubectl get istio-io` does on a cluster.
    let table = kc.ok(&["get", "istio-io", "-A"])?;
    assert!(
        table.contains("gateway.networking.istio.io/shop")
            && table.contains("destinationrule.networking.istio.io/partner"),
        "{table}"
    );
    assert!(k.requests().iter().all(|r| !r.is_write()));
    Ok(())
}
