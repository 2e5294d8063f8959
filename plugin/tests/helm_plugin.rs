//! The Helm integration with the real Helm 3.17 and Helm 4.1 binaries: the plugin
//! manifests in `plugin/helm/` install, `helm vault-istio …` runs the built binary, and the
//! post-renderer gate fails `helm template` of a chart shaped like istiod's with the
//! findings, or passes the article's values through unchanged.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-vault_istio");

fn root() -> PathBuf {
    common::root()
}

/// A Helm with its own empty homes, and a PATH where `kubectl-vault_istio` is the built
/// binary (what the plugins' run.sh finds when no binary is shipped beside them).
struct Helm {
    bin: PathBuf,
    major: u8,
    home: tempfile::TempDir,
    path: PathBuf,
}

impl Helm {
    fn new(major: u8) -> Option<Helm> {
        let bin = match major {
            3 => vault_istio_testbed::tools::helm3(),
            _ => vault_istio_testbed::tools::helm4(),
        }
        .expect("Helm")?;
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("bin");
        std::fs::create_dir_all(&path).unwrap();
        std::os::unix::fs::symlink(BIN, path.join("kubectl-vault_istio")).unwrap();
        Some(Helm {
            bin,
            major,
            home,
            path,
        })
    }

    /// `program` in this Helm's environment (its homes, its PATH, nothing else).
    fn command(&self, program: &Path) -> Command {
        let h = self.home.path();
        let mut cmd = Command::new(program);
        cmd.current_dir(root())
            .env_clear()
            .env("HOME", h)
            .env("PATH", format!("{}:/usr/bin:/bin", self.path.display()))
            .env("HELM_CONFIG_HOME", h.join("config"))
            .env("HELM_CACHE_HOME", h.join("cache"))
            .env("HELM_DATA_HOME", h.join("data"))
            .env("NO_COLOR", "1");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(&self.bin)
            .args(args)
            .output()
            .expect("helm runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "helm {} {args:?}: {}\n{}",
            self.major,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn install(&self, dir: &str) {
        let dir = root().join("plugin/helm").join(dir);
        let out = self.ok(&["plugin", "install", dir.to_str().unwrap()]);
        assert!(out.contains("Installed plugin"), "{out}");
    }

    /// `helm template` of the istiod-shaped chart with `values`, and `post` as its
    /// post-renderer arguments.
    fn template(&self, values: &Path, post: &[&str]) -> Output {
        let chart = root().join("plugin/tests/data/charts/istiod-mini");
        let mut args = vec![
            "template",
            "istiod",
            chart.to_str().unwrap(),
            "-n",
            "istio-system",
            "-f",
            values.to_str().unwrap(),
        ];
        args.extend_from_slice(post);
        self.run(&args)
    }
}

const ARTICLE: &str = "tests/fixtures/upstream-seed/cluster1-values.yaml";

/// The article's values with `agent-pre-populate: "false"` added: istiod would start
/// before its CA files exist and self-sign (VI203, an error).
fn broken_values(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join(ARTICLE)).unwrap().replace(
        "    vault.hashicorp.com/agent-inject: \"true\"\n",
        "    vault.hashicorp.com/agent-inject: \"true\"\n    vault.hashicorp.com/agent-pre-populate: \"false\"\n",
    );
    assert!(text.contains("agent-pre-populate"));
    let path = dir.join("broken.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn helm_3_plugin_lint_and_post_renderer() {
    let Some(helm) = Helm::new(3) else { return };
    helm.install("v3/vault-istio");
    assert!(helm.ok(&["plugin", "list"]).contains("vault-istio"));
    // `helm vault-istio lint -f values.yaml` runs the plugin binary.
    let json = helm.ok(&["vault-istio", "lint", "-f", ARTICLE, "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["summary"]["errors"], 0, "{json}");
    assert_eq!(report["summary"]["configurations"], 1, "{json}");

    // Helm 3 takes the executable itself as post-renderer.
    let good = root().join(ARTICLE);
    let plain = helm.template(&good, &[]);
    let post = helm.template(
        &good,
        &[
            "--post-renderer",
            BIN,
            "--post-renderer-args",
            "post-render",
        ],
    );
    assert!(
        post.status.success(),
        "{}",
        String::from_utf8_lossy(&post.stderr)
    );
    assert_eq!(post.stdout, plain.stdout, "passed through byte-identical");

    let dir = tempfile::tempdir().unwrap();
    let bad = helm.template(
        &broken_values(dir.path()),
        &[
            "--post-renderer",
            BIN,
            "--post-renderer-args",
            "post-render",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("error[VI203]"), "{err}");
    assert!(
        err.contains("--> istiod-mini/templates/deployment.yaml:"),
        "points at the template: {err}"
    );
    assert!(
        !err.contains("info[VI114]"),
        "only what fails the install: {err}"
    );
    assert!(bad.stdout.is_empty());
}

#[test]
fn helm_4_plugins_lint_and_post_renderer() {
    let Some(helm) = Helm::new(4) else { return };
    helm.install("v4/vault-istio");
    helm.install("v4/vault-istio-post-render");
    let list = helm.ok(&["plugin", "list"]);
    assert!(
        list.contains("cli/v1") && list.contains("postrenderer/v1"),
        "{list}"
    );
    let json = helm.ok(&["vault-istio", "lint", "-f", ARTICLE, "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["summary"]["errors"], 0, "{json}");

    // Helm 4 takes a postrenderer/v1 plugin by name, and re-serialises whatever a
    // post-renderer returns (it strips its postrender-filename annotation): the gate is
    // byte-identical to a post-renderer that changes nothing (`cat`).
    let cat = helm.home.path().join("cat-post-render");
    std::fs::create_dir_all(&cat).unwrap();
    std::fs::write(
        cat.join("plugin.yaml"),
        "apiVersion: v1\ntype: postrenderer/v1\nname: cat-post-render\nversion: 0.1.0\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: /bin/cat\n",
    )
    .unwrap();
    let out = helm.ok(&["plugin", "install", cat.to_str().unwrap()]);
    assert!(out.contains("Installed plugin"), "{out}");
    let good = root().join(ARTICLE);
    let unchanged = helm.template(&good, &["--post-renderer", "cat-post-render"]);
    let post = helm.template(&good, &["--post-renderer", "vault-istio-post-render"]);
    assert!(
        post.status.success(),
        "{}",
        String::from_utf8_lossy(&post.stderr)
    );
    assert!(unchanged.status.success());
    assert_eq!(post.stdout, unchanged.stdout);

    let dir = tempfile::tempdir().unwrap();
    let bad = helm.template(
        &broken_values(dir.path()),
        &["--post-renderer", "vault-istio-post-render"],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("vault-istio-post-render"), "{err}");
    // Helm 4.1 discards the plugin's stderr; on a terminal the findings are shown there.
    // `script` gives Helm a pseudo-terminal, as a user's shell would.
    let values = broken_values(dir.path());
    let chart = root().join("plugin/tests/data/charts/istiod-mini");
    let command = format!(
        "{} template istiod {} -n istio-system -f {} --post-renderer vault-istio-post-render >/dev/null",
        helm.bin.display(),
        chart.display(),
        values.display()
    );
    let tty = helm
        .command(Path::new("script"))
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(
        shown.contains("error[VI203]"),
        "{shown}\n{}\n{:?}",
        String::from_utf8_lossy(&tty.stderr),
        tty.status
    );
    assert!(
        shown.contains("istiod-mini/templates/deployment.yaml:"),
        "{shown}"
    );
}

#[test]
fn post_render_passes_output_without_istiod_and_says_nothing() {
    let out = common::run_stdin(
        &["post-render"],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn post_render_report_only_and_json() {
    let deployment = std::fs::read_to_string(root().join("manifests/examples/istiod-deployment.yaml"))
        .unwrap()
        .replace(
            "        vault.hashicorp.com/role: \"istiod\"\n",
            "        vault.hashicorp.com/role: \"istiod\"\n        vault.hashicorp.com/agent-pre-populate: \"false\"\n",
        );
    let input = format!("---\n# Source: istiod/templates/deployment.yaml\n{deployment}");
    // --exit-zero: the manifests pass, the findings are still said.
    let out = common::run_stdin(&["post-render", "--exit-zero"], input.as_bytes());
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, input);
    assert!(out.stderr.contains("error[VI203]"), "{}", out.stderr);
    // -o json: the report on stderr, the command failed.
    let out = common::run_stdin(&["post-render", "-o", "json"], input.as_bytes());
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let json_end = out.stderr.rfind("\nerror: ").unwrap();
    let report: serde_json::Value = serde_json::from_str(&out.stderr[..json_end]).unwrap();
    assert_eq!(
        report["findings"][0]["location"]["file"],
        "istiod/templates/deployment.yaml"
    );
}
