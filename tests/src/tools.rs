//! The real command-line tools the end-to-end tests drive (`.ci/test` installs them from
//! PyPI Lambda-layer packages, test-servers.md): Helm 3.17 and Helm 4.1. Like
//! [`crate::kube::kubectl_bin`], each is `$<NAME>_BIN` or its default place under `.tools/`;
//! [`required`] turns "not found" into a failure under `CI=true` and a loud skip elsewhere.

use anyhow::{Result, bail};
use std::io::Write;
use std::path::PathBuf;

/// `$env` if set (it must exist), else `<workspace>/<default>` if it exists.
pub fn find(env: &str, default: &str) -> Result<Option<PathBuf>> {
    if let Some(path) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        anyhow::ensure!(
            path.is_file(),
            "{env}={} does not exist; run .ci/test to fetch it",
            path.display()
        );
        return Ok(Some(path));
    }
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(default);
    Ok(default.is_file().then_some(default))
}

/// Helm 3 (`HELM3_BIN`, default `.tools/helm3/helm`).
pub fn helm3() -> Result<Option<PathBuf>> {
    required(
        find("HELM3_BIN", ".tools/helm3/helm")?,
        "Helm 3 (HELM3_BIN)",
    )
}

/// Helm 4 (`HELM4_BIN`, default `.tools/kubectl/helm4`).
pub fn helm4() -> Result<Option<PathBuf>> {
    required(
        find("HELM4_BIN", ".tools/kubectl/helm4")?,
        "Helm 4 (HELM4_BIN)",
    )
}

/// `Ok(Some)` when found; when not, an error under `CI=true` (CI must never pass by
/// skipping) and otherwise `Ok(None)` after a `SKIPPED` line on stderr.
pub fn required(found: Option<PathBuf>, what: &str) -> Result<Option<PathBuf>> {
    match found {
        Some(bin) => Ok(Some(bin)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            bail!("{what} is required under CI: .ci/test installs it into .tools/")
        }
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: this test needs {what}; run .ci/test to install it ***\n"
            );
            Ok(None)
        }
    }
}
