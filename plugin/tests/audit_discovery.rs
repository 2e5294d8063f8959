//! How `audit` is found and aimed: as a kubectl plugin run by the real `kubectl`
//! (`$KUBECTL_BIN`; skipped loudly on a developer machine without it, a failure under
//! `CI=true`), and which kube contexts it picks (`--all-contexts`, `KUBECONFIG` with several
//! files, the current context).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Run;
use serde_json::Value;
use vault_istio_testbed::kube::{
    ClusterFixture, KubeStandIn, Kubeconfig, fixture_dir, kubectl_bin,
};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-vault_istio");

fn start(name: &str) -> KubeStandIn {
    KubeStandIn::start(ClusterFixture::from_dir(fixture_dir(name)).expect("fixture loads"))
        .expect("stand-in starts")
}

/// Writes `kc` as `<dir>/<file>`.
fn write(dir: &Path, file: &str, kc: Kubeconfig) -> PathBuf {
    let path = dir.join(file);
    kc.write(&path).unwrap();
    path
}

/// The plugin binary, run directly with an empty HOME (no `~/.kube/config` to fall back on)
/// and no `KUBECONFIG` unless `env` sets it.
fn audit(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.arg("audit")
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("HELM_PLUGIN_NAME")
        .env("HOME", home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::of(&mut cmd)
}

/// The clusters the findings are about: `location.cluster`, or `k8s/<cluster>/…` in
/// `location.file`.
fn clusters_in(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| {
            let loc = &f["location"];
            loc["cluster"].as_str().map(str::to_string).or_else(|| {
                let rest = loc["file"].as_str()?.strip_prefix("k8s/")?;
                Some(rest.split('/').next()?.to_string())
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn assert_audited(k: &KubeStandIn, name: &str) {
    let reqs = k.requests();
    assert!(
        reqs.iter()
            .any(|r| r.path == "/api/v1/namespaces/istio-system/secrets"),
        "{name} was not audited: {reqs:?}"
    );
    assert!(
        reqs.iter().all(|r| !r.is_write()),
        "{name}: the audit wrote: {reqs:?}"
    );
}

fn assert_untouched(k: &KubeStandIn, name: &str) {
    let reqs = k.requests();
    assert!(
        reqs.is_empty(),
        "{name} should not have been contacted: {reqs:?}"
    );
}

/// Same as tests/tests/kube_standin.rs: the real kubectl, or `None` after a loud SKIP
/// (an error under `CI=true`).
fn kubectl() -> Option<PathBuf> {
    match kubectl_bin().expect("KUBECTL_BIN") {
        Some(bin) => Some(bin),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "kubectl is required under CI: set KUBECTL_BIN (.ci/test fetches it into .tools/kubectl)"
        ),
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: this test needs the real kubectl; set KUBECTL_BIN or run .ci/test \
                 (it fetches kubectl 1.33 into .tools/kubectl) ***\n"
            );
            None
        }
    }
}

#[test]
fn kubectl_finds_and_runs_the_plugin() {
    let Some(kubectl) = kubectl() else { return };
    let a = start("article-cluster1");
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let plugin = bin_dir.join("kubectl-vault_istio");
    std::fs::copy(BIN, &plugin).unwrap();
    let kc = write(
        dir.path(),
        "config",
        Kubeconfig::new().context("cluster1", &a),
    );
    let kubectl_cmd = |args: &[&str]| {
        let mut cmd = Command::new(&kubectl);
        cmd.args(args)
            .env("PATH", &bin_dir)
            .env("HOME", dir.path())
            .env_remove("KUBECONFIG");
        Run::of(&mut cmd)
    };

    let r = kubectl_cmd(&[
        "vault-istio",
        "audit",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = r.json();
    assert_eq!(doc["tool"]["name"], "vault-istio");
    assert_eq!(doc["summary"]["clusters"], 1);
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    assert_audited(&a, "cluster1");

    let list = kubectl_cmd(&["plugin", "list"]);
    let both = format!("{}\n{}", list.stdout, list.stderr);
    assert!(both.contains(plugin.to_str().unwrap()), "{both}");
    assert!(
        !both.contains("warning"),
        "kubectl warns about the plugin:\n{both}"
    );
}

#[test]
fn all_contexts_audits_both_clusters() {
    let a = start("article-cluster1");
    let b = start("article-cluster2");
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        dir.path(),
        "config",
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let r = audit(
        dir.path(),
        &[],
        &[
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--all-contexts",
            "-o",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = r.json();
    assert_eq!(doc["summary"]["clusters"], 2);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(clusters_in(&doc), ["cluster1", "cluster2"], "{doc:#}");
    // Each cluster is listed with what was read, findings or not.
    let listed = doc["clusters"].as_array().expect("clusters section");
    assert_eq!(listed.len(), 2, "{doc:#}");
    assert_eq!(listed[0]["name"], "cluster1");
    assert_eq!(listed[0]["server"], a.url().trim_end_matches('/'));
    assert_eq!(listed[1]["istiod"], serde_json::json!(["istiod"]));
    assert_eq!(listed[1]["unreachable"], Value::Null);
    assert_eq!(listed[1]["failed_reads"], serde_json::json!([]));
    assert_audited(&a, "cluster1");
    assert_audited(&b, "cluster2");
}

#[test]
fn kubeconfig_env_with_two_files_and_a_context_from_the_second() {
    let a = start("article-cluster1");
    let b = start("article-cluster2");
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        dir.path(),
        "first",
        Kubeconfig::new().context("cluster1", &a),
    );
    let second = write(
        dir.path(),
        "second",
        Kubeconfig::new().context("cluster2", &b),
    );
    let joined = std::env::join_paths([&first, &second]).unwrap();
    let joined = joined.to_str().unwrap();

    let r = audit(
        dir.path(),
        &[("KUBECONFIG", joined)],
        &["--context", "cluster2", "-o", "json"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = r.json();
    assert_eq!(doc["summary"]["clusters"], 1);
    assert_eq!(clusters_in(&doc), ["cluster2"], "{doc:#}");
    assert_audited(&b, "cluster2");
    assert_untouched(&a, "cluster1");

    // Without --context: the first file's current-context wins, as with kubectl.
    b.clear_requests();
    let r = audit(dir.path(), &[("KUBECONFIG", joined)], &["-o", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(clusters_in(&r.json()), ["cluster1"]);
    assert_audited(&a, "cluster1");
    assert_untouched(&b, "cluster2");
}

#[test]
fn the_default_target_is_the_current_context() {
    let a = start("article-cluster1");
    let b = start("article-cluster2");
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        dir.path(),
        "config",
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b)
            .current("cluster2"),
    );
    let r = audit(
        dir.path(),
        &[],
        &["--kubeconfig", kc.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = r.json();
    assert_eq!(doc["summary"]["clusters"], 1);
    assert_eq!(clusters_in(&doc), ["cluster2"], "{doc:#}");
    assert_audited(&b, "cluster2");
    assert_untouched(&a, "cluster1");
}

/// As `helm vault-istio audit`: Helm passes `--kube-context` and `-n` as HELM_KUBECONTEXT
/// and HELM_NAMESPACE; `-n` given to the plugin itself still wins, and Helm's fallback
/// namespace `default` is not taken for the Istio namespace.
#[test]
fn as_a_helm_plugin_helms_context_and_namespace_apply() {
    let a = start("article-cluster1");
    let b = start("article-cluster2");
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        dir.path(),
        "config",
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let kc = kc.to_str().unwrap();
    let helm = |namespace: &'static str| {
        vec![
            ("HELM_PLUGIN_NAME", "vault-istio"),
            ("HELM_KUBECONTEXT", "cluster2"),
            ("HELM_NAMESPACE", namespace),
            ("KUBECONFIG", kc),
        ]
    };
    let namespaces_read = |k: &KubeStandIn| -> Vec<String> {
        let mut ns: Vec<String> = k
            .requests()
            .iter()
            .filter_map(|r| r.path.strip_prefix("/api/v1/namespaces/"))
            .filter_map(|rest| {
                rest.split('/')
                    .nth(1)
                    .map(|_| rest.split('/').next().unwrap().to_string())
            })
            .collect();
        ns.sort();
        ns.dedup();
        ns
    };

    let r = audit(dir.path(), &helm("default"), &["-o", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(clusters_in(&r.json()), ["cluster2"]);
    assert_audited(&b, "cluster2");
    assert_untouched(&a, "cluster1");

    b.clear_requests();
    let r = audit(dir.path(), &helm("mesh-system"), &["-o", "json"]);
    assert_eq!(namespaces_read(&b), ["mesh-system"], "{}", r.stderr);

    b.clear_requests();
    let _ = audit(
        dir.path(),
        &helm("mesh-system"),
        &["-o", "json", "-n", "istio-system"],
    );
    assert_eq!(namespaces_read(&b), ["istio-system"]);
    assert_untouched(&a, "cluster1");
}

/// On a terminal (`script` gives the binary one) every cluster gets a spinner line on
/// stderr that ends as "<context>: read in …"; piped, stderr stays empty.
#[test]
fn a_spinner_per_cluster_only_on_a_terminal() {
    let a = start("article-cluster1");
    let b = start("article-cluster2");
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        dir.path(),
        "config",
        Kubeconfig::new()
            .context("cluster1", &a)
            .context("cluster2", &b),
    );
    let kc = kc.to_str().unwrap();
    let piped = audit(
        dir.path(),
        &[],
        &["--kubeconfig", kc, "--all-contexts", "-o", "json"],
    );
    assert_eq!(piped.code, 0);
    assert_eq!(piped.stderr, "", "progress on a pipe");

    // util-linux `script` runs the command on a pseudo-terminal; stdout (the report) goes
    // to a file so only stderr is on the terminal.
    let report = dir.path().join("report.json");
    let command = format!(
        "{BIN} audit --kubeconfig {kc} --all-contexts -o json > {}",
        report.display()
    );
    let tty = Run::of(
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("KUBECONFIG")
            .env_remove("HELM_PLUGIN_NAME")
            .env("HOME", dir.path()),
    );
    assert_eq!(tty.code, 0, "{}\n{}", tty.stdout, tty.stderr);
    for ctx in ["cluster1", "cluster2"] {
        assert!(
            tty.stdout
                .contains(&format!("{ctx}: reading (namespace istio-system)")),
            "{}",
            tty.stdout
        );
        assert!(
            tty.stdout.contains(&format!("{ctx}: read in")),
            "{}",
            tty.stdout
        );
    }
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["summary"]["clusters"], 2);
}
