//! The snapshot of the Vault server: what the collector read for the istiod configurations
//! it was given (auth mounts and their config and roles, policies, KV mounts, secrets),
//! each read with its outcome. Secret values are kept only as certificates and
//! [`KeyFacts`]: never a private key, never a field the templates do not read.

use crate::bundle::KeyFacts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultSnapshot {
    /// `VAULT_ADDR`.
    pub address: String,
    /// `VAULT_NAMESPACE`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Why Vault could not be audited at all: the connection failed (refused, timeout,
    /// unknown CA…) or the token was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
    /// The auditing token's policies (from `auth/token/lookup-self`), for messages.
    #[serde(default)]
    pub token_policies: Vec<String>,
    /// `sys/auth`: mount path (no trailing slash) → type.
    pub auth_mounts: Reading<BTreeMap<String, String>>,
    /// Per auth mount (no slashes): its config and the roles asked for.
    #[serde(default)]
    pub auth: BTreeMap<String, AuthMountState>,
    /// Policy name → its text (`sys/policies/acl/<name>`).
    #[serde(default)]
    pub policies: BTreeMap<String, Reading<String>>,
    /// Per secret path as the templates write it.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretState>,
    /// `--login-check` results, one per istiod Deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logins: Vec<LoginCheck>,
}

/// The outcome of one read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "value", rename_all = "kebab-case")]
pub enum Reading<T> {
    Found(T),
    /// 404 (or Vault's "no such" answer): the object does not exist.
    Missing,
    /// Refused (403), an error, or no answer.
    Failed(ReadFailure),
    /// Not read, and why (`--no-secret-read`, or nothing to read it with).
    Skipped(String),
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Reading::Skipped("not read".into())
    }
}

impl<T> Reading<T> {
    pub fn found(&self) -> Option<&T> {
        match self {
            Reading::Found(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadFailure {
    /// What was read: `GET auth/kubernetes-cluster1/role/istiod`.
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthMountState {
    /// `auth/<mount>/config`.
    pub config: Reading<AuthConfig>,
    /// Role name (as the annotation writes it) → the role.
    #[serde(default)]
    pub roles: BTreeMap<String, Reading<Role>>,
}

/// The Kubernetes auth method's config, as a read shows it (never the reviewer JWT).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthConfig {
    pub kubernetes_host: String,
    #[serde(default)]
    pub kubernetes_ca_cert: String,
    #[serde(default)]
    pub token_reviewer_jwt_set: bool,
    #[serde(default)]
    pub disable_local_ca_jwt: bool,
    /// `disable_iss_validation` (deprecated; `None` when the server does not report it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_iss_validation: Option<bool>,
    #[serde(default)]
    pub issuer: String,
}

/// A Kubernetes auth role, as a read shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(default)]
    pub bound_service_account_names: Vec<String>,
    #[serde(default)]
    pub bound_service_account_namespaces: Vec<String>,
    #[serde(default)]
    pub bound_service_account_namespace_selector: String,
    #[serde(default)]
    pub audience: String,
    /// `token_policies` and the legacy `policies`, merged.
    #[serde(default)]
    pub token_policies: Vec<String>,
    #[serde(default)]
    pub token_no_default_policy: bool,
}

impl Role {
    /// The policies a login token gets from the role: its own plus `default` (identity
    /// policies are not visible from here).
    pub fn effective_policies(&self) -> Vec<String> {
        let mut out = self.token_policies.clone();
        if !self.token_no_default_policy && !out.iter().any(|p| p == "default") {
            out.push("default".into());
        }
        out
    }

    /// Does the role bind this ServiceAccount? Vault's `GlobbedStringsMatch` on both lists.
    pub fn binds_name(&self, name: &str) -> bool {
        globbed_match(&self.bound_service_account_names, name)
    }

    pub fn binds_namespace(&self, namespace: &str) -> bool {
        globbed_match(&self.bound_service_account_namespaces, namespace)
    }
}

/// Vault's `strutil.GlobbedStringsMatch`: each item may start and/or end with `*`
/// (`*` alone matches anything); no other glob syntax.
pub fn globbed_match(items: &[String], value: &str) -> bool {
    items.iter().any(|item| {
        let starts = item.starts_with('*');
        let ends = item.len() > 1 && item.ends_with('*');
        let core = item.trim_start_matches('*');
        let core = if ends {
            core.strip_suffix('*').unwrap_or(core)
        } else {
            core
        };
        match (starts, ends) {
            _ if item == "*" => true,
            (true, true) => value.contains(core),
            (true, false) => value.ends_with(core),
            (false, true) => value.starts_with(core),
            (false, false) => item == value,
        }
    })
}

/// One secret path the templates read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretState {
    /// The KV mount holding the path (`sys/internal/ui/mounts/<path>`).
    pub mount: Reading<KvMount>,
    /// The secret's field names: KV v2 `subkeys` (no value read), KV v1 the keys of the
    /// read. `Missing` means no secret exists at the path.
    pub keys: Reading<Vec<String>>,
    /// The fields the templates use, when the values could be read.
    pub values: Reading<BTreeMap<String, FieldValue>>,
}

impl SecretState {
    /// The KV API path the agent requests for `path` (as the template writes it), given the
    /// mount as read; the path as written when the mount is unknown.
    pub fn api_path(&self, path: &str) -> String {
        match self.mount.found() {
            Some(m) => crate::audit::needs::api_path(path, &m.path, m.version),
            None => path.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KvMount {
    /// With its trailing slash: `secret/`.
    pub path: String,
    /// `kv`, or another engine's type.
    #[serde(rename = "type")]
    pub type_: String,
    /// 1 or 2 for `kv`.
    pub version: u8,
}

/// A field's value, kept only as much as verification needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FieldValue {
    /// Public text (certificates, or what a non-PEM value holds instead).
    Text { text: String },
    /// A value with private key material: only the facts, never the bytes.
    Key { facts: KeyFacts },
}

impl FieldValue {
    /// Keeps `text` as [`FieldValue::Key`] when it is read as `ca-key.pem`. Any other field
    /// is kept as text, but with every private key block emptied (its type and place stay,
    /// so a key stored where a certificate belongs is still reported, without its bytes).
    pub fn capture(text: &str, as_key: bool) -> FieldValue {
        if as_key {
            return FieldValue::Key {
                facts: KeyFacts::capture(text),
            };
        }
        FieldValue::Text {
            text: without_key_bytes(text),
        }
    }
}

/// `text` with the body of every `… PRIVATE KEY` PEM block removed (indented blocks too,
/// as in a YAML manifest). Should key text remain outside any such block (a marker in
/// mid-line, a key in a one-line quoted string), the whole text is redacted.
pub(crate) fn without_key_bytes(text: &str) -> String {
    if !text.contains("PRIVATE KEY") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_key = false;
    let mut stray = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if in_key {
            if t.starts_with("-----END") {
                in_key = false;
                out.push_str(line);
            }
            continue;
        }
        // A marker line alone opens a block; a marker with more on its line (a key written
        // on one line, with `\n` escapes or spaces) is stray text.
        let is_marker = t.starts_with("-----") && t.ends_with("-----") && t.len() <= 64;
        if is_marker && t.starts_with("-----BEGIN ") && t.contains("PRIVATE KEY") {
            in_key = true;
        } else if !is_marker && t.contains("PRIVATE KEY") {
            stray = true;
        }
        out.push_str(line);
    }
    if stray {
        crate::finding::redact(&out).into_owned()
    } else {
        out
    }
}

/// `--login-check` for one istiod Deployment: a token for its ServiceAccount, a login with
/// its role, and the login token's capabilities on each path the templates read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginCheck {
    pub cluster: String,
    pub namespace: String,
    pub deployment: String,
    pub auth_mount: String,
    pub role: String,
    /// Why the login could not be tried (TokenRequest refused…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_tried: Option<String>,
    /// The login's HTTP status and, when refused, Vault's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// The policies the login token got.
    #[serde(default)]
    pub policies: Vec<String>,
    /// KV API path → the login token's capabilities there (`sys/capabilities-self`).
    #[serde(default)]
    pub capabilities: BTreeMap<String, Vec<String>>,
    /// Why the capabilities could not be asked (they are then unknown, not none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities_error: Option<String>,
    /// Why the login token could not be revoked (it then lives until its TTL ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way a key can sit in text: a block (indented or not) keeps its markers and
    /// loses its body; a key on one line (escaped newlines, spaces, `\r` line ends) or a
    /// marker in mid-line redacts the whole text.
    #[test]
    fn key_bytes_never_survive_in_any_layout() {
        let body = "MIIEowIBAAKCAQEAsecretsecretsecretsecretsecretsecretsecretsecret";
        let block =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
        let indented: String = block.lines().map(|l| format!("    {l}\n")).collect();
        let cert = "-----BEGIN CERTIFICATE-----\nMIIBcertificate\n-----END CERTIFICATE-----\n";
        for text in [
            block.clone(),
            format!("{cert}{block}"),
            format!("ca-key.pem: |\n{indented}"),
            block.replace('\n', "\\n"),
            block.replace('\n', " "),
            block.replace('\n', "\r"),
            format!("key: {}", block.replace('\n', "\\n")),
        ] {
            let out = without_key_bytes(&text);
            assert!(!out.contains("secretsecret"), "{text:?} -> {out:?}");
        }
        let out = without_key_bytes(&format!("{cert}{block}"));
        assert!(
            out.contains("MIIBcertificate") && out.contains("-----BEGIN RSA PRIVATE KEY-----"),
            "{out}"
        );
    }

    #[test]
    fn globs_as_vault_matches_them() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(globbed_match(&items(&["*"]), "anything"));
        assert!(globbed_match(&items(&["istiod*"]), "istiod-1-23"));
        assert!(globbed_match(&items(&["*-system"]), "istio-system"));
        assert!(globbed_match(&items(&["*tio*"]), "istio-system"));
        assert!(!globbed_match(&items(&["istiod"]), "istiod-1-23"));
        assert!(!globbed_match(&items(&["istio*d"]), "istiod"));
        assert!(!globbed_match(&items(&[]), "istiod"));
    }

    #[test]
    fn a_role_gets_default_unless_told_not_to() {
        let mut r = Role {
            token_policies: vec!["istiod-certs".into()],
            ..Default::default()
        };
        assert_eq!(r.effective_policies(), ["istiod-certs", "default"]);
        r.token_no_default_policy = true;
        assert_eq!(r.effective_policies(), ["istiod-certs"]);
    }

    #[test]
    fn a_key_in_a_certificate_field_keeps_its_place_not_its_bytes() {
        let text = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkeybytes\nmorekeybytes\n-----END EC PRIVATE KEY-----\n";
        let FieldValue::Text { text: kept } = FieldValue::capture(text, false) else {
            panic!("text");
        };
        assert_eq!(
            kept,
            "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n"
        );
        // A marker Go would not decode: everything that could be a key goes.
        let inline = "ca_cert: -----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        let FieldValue::Text { text: kept } = FieldValue::capture(inline, false) else {
            panic!("text");
        };
        assert!(!kept.contains("MIIEvQIBADAN"), "{kept}");
    }

    #[test]
    fn key_values_keep_no_key_bytes_and_survive_json() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n";
        let v = FieldValue::capture(key, true);
        let json = serde_json::to_string(&v).unwrap();
        assert!(!json.contains("MIGHAgEAMBMG"), "{json}");
        let back: FieldValue = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }
}
