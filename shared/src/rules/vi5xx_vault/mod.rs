//! VI5xx: the Vault server, from its audit snapshot, against what each live istiod asks of
//! it (auth mount, role, policies, KV mount, secret, values).

pub mod vi501_vault_not_audited;
pub mod vi502_auth_mount_missing;
pub mod vi503_auth_config_cluster_mismatch;
pub mod vi504_auth_reviewer_jwt_missing;
pub mod vi505_auth_issuer_validation;
pub mod vi506_role_not_found;
pub mod vi507_role_does_not_bind_istiod;
pub mod vi508_policy_denies_read;
pub mod vi509_kv_version_mismatch;
pub mod vi510_kv_mount_missing;
pub mod vi511_secret_missing;
pub mod vi512_secret_key_missing;
pub mod vi513_secret_values_not_checked;
pub mod vi514_login_check_failed;

use crate::Location;
use crate::audit::vault::{AuthConfig, Role, SecretState, VaultSnapshot};
use crate::audit::{IstiodNeeds, VaultTarget};

/// Where a finding about a Vault object points: `vault/<api path>`.
pub(crate) fn at(path: &str) -> Location {
    Location::Vault {
        path: path.trim_matches('/').to_string(),
    }
}

/// `cluster1 (istio-system/istiod)`: which istiod a Vault finding is about.
pub(crate) fn who(n: &IstiodNeeds) -> String {
    format!("{} ({}/{})", n.cluster, n.namespace, n.deployment)
}

/// The role an istiod logs in with, when it was read.
pub(crate) fn role<'a>(v: &'a VaultSnapshot, n: &IstiodNeeds) -> Option<(&'a str, &'a Role)> {
    let name = n.role.as_deref()?;
    let state = v.auth.get(&n.auth_mount)?;
    let (key, reading) = state.roles.get_key_value(name)?;
    reading.found().map(|r| (key.as_str(), r))
}

/// `auth/<mount>/role/<name>`.
pub(crate) fn role_path(mount: &str, name: &str) -> String {
    format!("auth/{mount}/role/{name}")
}

/// Each distinct secret path of an istiod with its state, once per path.
pub(crate) fn secrets<'a>(
    v: &'a VaultSnapshot,
    n: &'a IstiodNeeds,
) -> impl Iterator<Item = (&'a str, &'a SecretState)> {
    n.paths()
        .into_iter()
        .filter_map(move |p| v.secrets.get(p).map(|s| (p, s)))
}

/// Every secret path any istiod reads, once, with the first istiod that reads it.
pub(crate) fn all_secrets<'a>(
    t: &'a VaultTarget<'_>,
) -> Vec<(&'a IstiodNeeds, &'a str, &'a SecretState)> {
    let mut out: Vec<(&IstiodNeeds, &str, &SecretState)> = Vec::new();
    for n in t.needs {
        for (path, state) in secrets(t.vault, n) {
            if !out.iter().any(|(_, p, _)| *p == path) {
                out.push((n, path, state));
            }
        }
    }
    out
}

/// The Kubernetes auth config of the mount an istiod logs in at, when it was read.
pub(crate) fn config<'a>(v: &'a VaultSnapshot, n: &IstiodNeeds) -> Option<&'a AuthConfig> {
    v.auth.get(&n.auth_mount).and_then(|s| s.config.found())
}

/// True for the first istiod (in `needs` order) with this key, so that several istiod
/// Deployments sharing a role or a path report it once.
pub(crate) fn first<K: PartialEq>(
    needs: &[IstiodNeeds],
    i: usize,
    key: impl Fn(&IstiodNeeds) -> K,
) -> bool {
    let k = key(&needs[i]);
    !needs[..i].iter().any(|n| key(n) == k)
}
