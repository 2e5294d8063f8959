//! The vault-istio testbed: where the Kubernetes API stand-in (an in-process TLS server
//! speaking the real REST API through k8s-openapi types), the OpenBao helpers, the demo
//! binary and the end-to-end suites live, as the audit issues add them.
//!
//! What it holds today: the location of the real-world fixtures every suite tests against,
//! and [`openbao`]: a real Vault-API server (`bao server -dev`, one per test, killed on drop)
//! with raw JSON requests and a `vault` → `bao` shim for running generated `vault …` scripts.
//! Tests that need it skip loudly on a developer machine without the binary and fail under
//! `CI=true`; `.ci/test` installs it.
//!
//! [`kube`]: the Kubernetes API stand-in, an HTTPS server on its own runtime serving one
//! cluster's objects from YAML fixtures (`tests/fixtures/kube/`), reached through a real
//! kubeconfig; the real `kubectl` (`KUBECTL_BIN`) runs against it.
//!
//! [`pki`]: a fresh Istio plugged-in CA (one root, an intermediate per cluster, rcgen with
//! P-256 keys), because the article's certificates have expired; optionally with expired
//! intermediates.
//!
//! [`tools`]: the real Helm 3 and Helm 4 binaries the plugin's Helm tests drive.
//!
//! [`vault_env`]: the two pieces together, for end-to-end tests of `audit --vault`: one
//! OpenBao configured by the setup scripts `render` generates, with each cluster's
//! Kubernetes auth pointed at that cluster's stand-in, so a real Kubernetes-auth login (the
//! stand-in answering OpenBao's TokenReview) works end to end.

use std::path::PathBuf;

pub mod kube;
pub mod openbao;
pub mod pki;
pub mod tools;
pub mod vault_env;

/// `tests/fixtures/upstream-seed/`: the public Vault + Istio demo's values and certificates.
pub fn upstream_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/upstream-seed")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_upstream_seed_copy_is_complete() {
        let dir = super::upstream_seed();
        for f in [
            "README.md",
            "cluster1-values.yaml",
            "cluster2-values.yaml",
            "istio-sa.yml",
            "certs/root-cert.pem",
        ] {
            assert!(dir.join(f).is_file(), "missing {f}");
        }
        for cluster in ["istiod-cluster1", "istiod-cluster2"] {
            for f in [
                "ca-key.pem",
                "ca-cert.pem",
                "cert-chain.pem",
                "root-cert.pem",
            ] {
                let text =
                    std::fs::read_to_string(dir.join("certs").join(cluster).join(f)).unwrap();
                assert!(text.starts_with("-----BEGIN "), "{cluster}/{f} is PEM");
            }
        }
    }
}
