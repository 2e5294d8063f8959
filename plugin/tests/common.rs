//! Runs the built binary the way a user does: from the workspace root, with arguments and
//! optional stdin, and returns exit code, stdout and stderr.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to completion (no stdin).
    pub fn of(cmd: &mut Command) -> Run {
        Run::from(cmd.stdin(Stdio::null()).output().expect("the command runs"))
    }

    pub fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// stdout as JSON; the failure shows both streams.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn run(args: &[&str]) -> Run {
    run_with(args, None, &[])
}

pub fn run_stdin(args: &[&str], stdin: &[u8]) -> Run {
    run_with(args, Some(stdin), &[])
}

pub fn run_with(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-vault_istio"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        // Only what a test sets: never the developer's kube or Helm context.
        .env_remove("KUBECONFIG")
        .env_remove("HELM_PLUGIN_NAME")
        // Nor the developer's Vault: with VAULT_ADDR set, audit also audits Vault.
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("VAULT_CACERT")
        .env_remove("VAULT_CAPATH")
        .env_remove("VAULT_SKIP_VERIFY")
        .env_remove("VAULT_NAMESPACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // The binary may stop reading early (size cap): ignore a broken pipe here.
        let _ = pipe.write_all(input);
    }
    Run::from(child.wait_with_output().expect("the binary finishes"))
}

pub const ARTICLE_1: &str = "tests/fixtures/upstream-seed/cluster1-values.yaml";
pub const ARTICLE_2: &str = "tests/fixtures/upstream-seed/cluster2-values.yaml";
pub const BROKEN: &str = "manifests/examples/broken/istiod-values-broken.yaml";

/// A scratch directory unique to one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vault-istio-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Where a SARIF document breaks the SARIF 2.1.0 schema (vendored in `tests/data/`); empty
/// when it validates. Formats are not checked: the official schema's own `run.language`
/// pattern is not a valid ECMA regex; structure is what matters here.
pub fn sarif_schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema JSON");
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
