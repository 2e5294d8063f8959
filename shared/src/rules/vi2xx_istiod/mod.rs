//! VI2xx: how istiod is wired to the files the agent renders.

pub mod vi201_istio_ca_file_set;
pub mod vi202_root_ca_dir_mismatch;
pub mod vi203_pre_populate_disabled;
pub mod vi204_target_container_excluded;
pub mod vi205_istiod_sidecar_injected;

/// The istiod file layout: signing key, signing cert, chain, root.
pub const CA_FILES: [&str; 4] = [
    "ca-key.pem",
    "ca-cert.pem",
    "cert-chain.pem",
    "root-cert.pem",
];
/// The `kubernetes.io/tls` layout istiod also accepts (and prefers when `tls.crt` exists).
pub const TLS_FILES: [&str; 3] = ["tls.crt", "tls.key", "ca.crt"];

pub(crate) fn is_ca_file(name: &str) -> bool {
    CA_FILES.contains(&name) || TLS_FILES.contains(&name)
}
