use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the Kubernetes auth method's config with the cluster the audit reached
    /// through the kubeconfig: the method must be configured at all, its
    /// `kubernetes_host` should be that cluster's API server, and its
    /// `kubernetes_ca_cert` must hold the CA that signed it.
    ///
    /// ## Why it breaks
    /// Vault validates every login by calling the TokenReview API at `kubernetes_host`,
    /// trusting only `kubernetes_ca_cert`. An unconfigured method, another cluster's
    /// address (a copy-paste between per-cluster mounts) or a stale CA fails every
    /// login, and the agent retries forever.
    ///
    /// ## How to fix
    /// `vault write auth/<mount>/config kubernetes_host=<API server URL>
    /// kubernetes_ca_cert=@ca.crt` for the right cluster (`render` generates it).
    ///
    /// ## Example
    /// ```text
    /// auth/kubernetes-cluster2/config  kubernetes_host=https://cluster1.example.com:6443
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// auth/kubernetes-cluster2/config  kubernetes_host=https://cluster2.example.com:6443
    /// ```
    code: "VI503",
    name: "auth-config-cluster-mismatch",
    severity: Error,
    title: "the Kubernetes auth method is not configured for istiod's cluster",
    since: "0.1.0",
    Vault: check,
}

/// Names a Vault running inside the cluster uses for its API server.
const IN_CLUSTER_HOSTS: [&str; 4] = [
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| (n.cluster.clone(), n.auth_mount.clone())) {
            continue;
        }
        let Some(state) = t.vault.auth.get(&n.auth_mount) else {
            continue;
        };
        let path = format!("auth/{}/config", n.auth_mount);
        let config = match &state.config {
            Reading::Missing => {
                out.emit_at(
                    super::at(&path),
                    format!(
                        "{}: the auth method `auth/{}` has no config: every login fails",
                        super::who(n),
                        n.auth_mount
                    ),
                )
                .help(format!(
                    "vault write {path} kubernetes_host=<API server URL> kubernetes_ca_cert=@ca.crt"
                ));
                continue;
            }
            Reading::Found(c) => c,
            _ => continue,
        };
        let Some(cluster) = t.cluster(&n.cluster) else {
            continue;
        };
        let mut same_host = false;
        if let Some(server) = &cluster.server {
            let (want, have) = (endpoint(server), endpoint(&config.kubernetes_host));
            same_host = want == have;
            let in_cluster = IN_CLUSTER_HOSTS.contains(&have.0.as_str());
            if !same_host && !in_cluster {
                out.emit_at(
                    super::at(&path),
                    format!(
                        "{}: `auth/{}` reviews tokens at `{}`, but the cluster's API server is `{server}`",
                        super::who(n),
                        n.auth_mount,
                        config.kubernetes_host
                    ),
                )
                .severity(Severity::Warning)
                .help(format!("if that is another cluster, fix it: vault write {path} kubernetes_host={server}"));
            }
        }
        if let Some(cluster_ca) = &cluster.server_ca
            && !config.kubernetes_ca_cert.trim().is_empty()
        {
            let theirs = fingerprints(&config.kubernetes_ca_cert);
            let ours = fingerprints(cluster_ca);
            if !ours.is_empty() && !ours.iter().any(|f| theirs.contains(f)) {
                out.emit_at(
                    super::at(&path),
                    format!(
                        "{}: `kubernetes_ca_cert` of `auth/{}` does not hold the CA of the cluster's API server (from the kubeconfig): Vault's TokenReview call will fail TLS verification",
                        super::who(n),
                        n.auth_mount
                    ),
                )
                .severity(if same_host { Severity::Error } else { Severity::Warning })
                .help(format!("vault write {path} kubernetes_ca_cert=@<the cluster's ca.crt>"));
            }
        }
    }
}

/// `(host, port)` of a URL, with the scheme's default port; lower-cased.
fn endpoint(url: &str) -> (String, u16) {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", &url));
    let authority = rest.split('/').next().unwrap_or_default();
    let default = if scheme == "http" { 80 } else { 443 };
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse().unwrap_or(default))
        }
        _ => (authority.to_string(), default),
    }
}

fn fingerprints(pem: &str) -> Vec<String> {
    crate::bundle::certificates(pem)
        .iter()
        .map(|c| c.sha256_fingerprint())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints() {
        assert_eq!(super::endpoint("https://a.b:6443/"), ("a.b".into(), 6443));
        assert_eq!(super::endpoint("https://A.b"), ("a.b".into(), 443));
        assert_eq!(super::endpoint("http://10.0.0.1"), ("10.0.0.1".into(), 80));
    }
}
