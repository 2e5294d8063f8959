//! Stamps the git revision into `--version` (`0.1.0 (git 1a2b3c4d5e6f)`), so a report or a
//! bug says exactly which build it came from; a build outside a git checkout (a crate
//! tarball) says only the version.

use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let rev = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let full = match rev {
        Some(rev) => format!("{version} (git {rev})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=VAULT_ISTIO_VERSION={full}");
    // Rebuild when HEAD moves (a commit, a checkout); the paths are relative to plugin/.
    for path in ["../.git/HEAD", "../.git/refs/heads"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
