//! The render config: one small YAML file describing every cluster, from which `render`
//! generates each cluster's istiod values, IstioOperator overlay, Vault policy, Vault
//! setup script and ServiceAccount manifest. Defaults follow the article's layout
//! (tetratelabs/istio-vault-ext-certs): KV v1 mount `kubernetes-<cluster>-secrets`, path
//! `istiod-service/certs`, auth mount `kubernetes-<cluster>`, role `istiod`.
//!
//! Read from our own YAML tree, so every error names the line and the key.

use crate::source::SourceFile;
use crate::source::yaml::{self, Node};

/// Why a render config is not usable; always with the place in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Which istiod chart layout the values are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChartLayout {
    /// Istio 1.16–1.23: `pilot.podAnnotations`, `pilot.env` (also read by 1.24+).
    Pilot,
    /// Istio 1.24+: top-level `podAnnotations`, `env`.
    TopLevel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// The cluster's API server URL, for Vault's Kubernetes auth config.
    pub kubernetes_host: String,
    /// PEM file of the API server's CA, read by the setup script (`kubernetes_ca_cert=@...`).
    pub kubernetes_ca_file: Option<String>,
    /// File holding the token reviewer JWT (the istiod ServiceAccount's token Secret).
    pub token_reviewer_jwt_file: Option<String>,
}

/// Vault KV field names of the four files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub ca_key: String,
    pub ca_cert: String,
    pub cert_chain: String,
    pub root_cert: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderConfig {
    pub clusters: Vec<Cluster>,
    /// KV mount pattern; `{cluster}` is replaced by the cluster name.
    pub kv_mount: String,
    pub kv_version: u8,
    /// Secret path inside the mount (pattern).
    pub kv_path: String,
    pub fields: Fields,
    /// Kubernetes auth mount pattern (without `auth/`).
    pub auth_mount: String,
    pub role: String,
    /// Policy name pattern.
    pub policy: String,
    /// Token TTL of the role.
    pub ttl: String,
    pub namespace: String,
    /// istiod revision; sets the ServiceAccount to `istiod-<rev>` unless given.
    pub revision: Option<String>,
    pub service_account: String,
    pub chart_layout: ChartLayout,
    pub secret_volume_path: String,
    /// Helm release that owns istiod's ServiceAccount (for the manifest's Helm labels).
    pub helm_release: String,
    /// Vault address for `vault.hashicorp.com/service` (else the injector's default).
    pub vault_address: Option<String>,
    /// Directory pattern holding each cluster's four PEM files, for `vault kv put`.
    pub certs_dir: String,
    /// Adds `error-on-missing-key-<file>` and `agent-auto-auth-exit-on-err`.
    pub hardening: bool,
    /// Ingress/egress gateways whose certificates Vault renders.
    pub gateways: Vec<GatewayConfig>,
}

/// Which way a rendered gateway faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GatewayDirection {
    /// Serves `hosts` to clients outside the mesh with the Vault certificate.
    Ingress,
    /// Originates TLS to the external `hosts` with a Vault client certificate.
    Egress,
}

/// Where a gateway's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// Issued by Vault PKI at `<mount>/issue/<role>` for the gateway's hosts.
    Pki {
        mount: String,
        role: String,
        ttl: String,
    },
    /// Stored in the cluster's KV mount at `path` (pattern), fields `cert`, `key`, `ca`.
    Kv { path: String },
}

/// One gateway of the render config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// The `istio/gateway` Helm release (and Deployment, ServiceAccount) name.
    pub name: String,
    pub direction: GatewayDirection,
    pub namespace: String,
    /// The pods' `istio` label, which the Gateway selects.
    pub istio_label: String,
    /// Ingress: the names served; egress: the external names reached.
    pub hosts: Vec<String>,
    pub source: CertSource,
}

const TOP_KEYS: &[&str] = &[
    "clusters",
    "kv",
    "auth",
    "istio",
    "vault",
    "certsDir",
    "hardening",
    "gateways",
];
const GATEWAY_KEYS: &[&str] = &[
    "name",
    "direction",
    "namespace",
    "istioLabel",
    "hosts",
    "pki",
    "kv",
];
const PKI_KEYS: &[&str] = &["mount", "role", "ttl"];
const GW_KV_KEYS: &[&str] = &["path"];
const CLUSTER_KEYS: &[&str] = &[
    "name",
    "kubernetesHost",
    "kubernetesCaFile",
    "tokenReviewerJwtFile",
];
const KV_KEYS: &[&str] = &["mount", "version", "path", "fields"];
const FIELD_KEYS: &[&str] = &["caKey", "caCert", "certChain", "rootCert"];
const AUTH_KEYS: &[&str] = &["mount", "role", "policy", "ttl"];
const ISTIO_KEYS: &[&str] = &[
    "namespace",
    "revision",
    "serviceAccount",
    "chartLayout",
    "secretVolumePath",
    "helmRelease",
];
const VAULT_KEYS: &[&str] = &["address"];

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, node: &Node, message: impl Into<String>) -> ConfigError {
        let p = node.span().start;
        ConfigError {
            file: self.file.to_string(),
            line: p.line,
            column: p.column,
            // Messages quote the value: a key pasted into the config must not show.
            message: crate::finding::redact(&message.into()).into_owned(),
        }
    }

    /// A mapping whose keys are all in `allowed`.
    fn map<'n>(
        &self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Result<&'n [(Node, Node)], ConfigError> {
        let entries = node
            .as_mapping()
            .ok_or_else(|| self.err(node, format!("`{what}` must be a mapping")))?;
        for (i, (k, _)) in entries.iter().enumerate() {
            if let Some(key) = k.as_str()
                && entries[..i]
                    .iter()
                    .any(|(prev, _)| prev.as_str() == Some(key))
            {
                return Err(self.err(
                    k,
                    format!("`{what}.{key}` is set twice; YAML would silently keep the last one"),
                ));
            }
        }
        for (k, _) in entries {
            let key = k.as_str().unwrap_or_default();
            if !allowed.contains(&key) {
                let hint = allowed
                    .iter()
                    .min_by_key(|a| strsim::levenshtein(a, key))
                    .filter(|a| strsim::levenshtein(a, key) <= 3)
                    .map(|a| format!(" (did you mean `{a}`?)"))
                    .unwrap_or_default();
                return Err(self.err(
                    k,
                    format!(
                        "unknown key `{what}.{key}`{hint}; known keys: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(entries)
    }

    fn string(&self, parent: &Node, key: &str, path: &str) -> Result<Option<String>, ConfigError> {
        match parent.get(key) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => match v.as_scalar() {
                Some(s) => Ok(Some(s.value.trim().to_string())),
                None => Err(self.err(v, format!("`{path}.{key}` must be a string"))),
            },
        }
    }

    /// A string that becomes part of a Vault path, a file name or a shell word: no
    /// whitespace, quotes or shell metacharacters.
    fn word(&self, parent: &Node, key: &str, path: &str) -> Result<Option<String>, ConfigError> {
        let v = self.string(parent, key, path)?;
        if let (Some(s), Some(node)) = (&v, parent.get(key)) {
            if s.is_empty() {
                return Err(self.err(node, format!("`{path}.{key}` is empty")));
            }
            // `{cluster}` is the one placeholder; anything else shell- or path-special is refused.
            let probe = s.replace("{cluster}", "x");
            if let Some(bad) = probe
                .chars()
                .find(|c| c.is_whitespace() || "\"'`$\\;&|<>(){}*?!#+".contains(*c))
            {
                return Err(self.err(
                    node,
                    format!(
                        "`{path}.{key}` is `{s}`: {} is not allowed here",
                        describe(bad)
                    ),
                ));
            }
        }
        Ok(v)
    }
}

impl Reader<'_> {
    /// Like `word`, but an empty string means "not set".
    fn optional_word(
        &self,
        parent: &Node,
        key: &str,
        path: &str,
    ) -> Result<Option<String>, ConfigError> {
        if parent
            .get(key)
            .and_then(Node::as_str)
            .is_some_and(|v| v.trim().is_empty())
        {
            return Ok(None);
        }
        self.word(parent, key, path)
    }
}

fn describe(c: char) -> String {
    if c.is_whitespace() {
        "whitespace".into()
    } else {
        format!("`{c}`")
    }
}

/// A DNS-1123 label (Kubernetes object names, namespaces, revisions; also safe as a
/// directory name): lower-case letters, digits and `-`, alphanumeric at both ends, at most
/// 63 characters. Cluster names may also use `.` inside.
fn is_dns_label(s: &str, dots: bool) -> bool {
    let ok_char =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.');
    let ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(ok_char)
        && ends(s.chars().next())
        && ends(s.chars().last())
}

/// A Go template identifier, so `.Data.<field>` parses (`ca-key` or `ca.key` would not).
fn is_go_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Vault path pattern: segments joined by single `/`, none empty, `.` or `..`.
fn clean_vault_path(s: &str) -> Option<String> {
    let t = s.trim_matches('/');
    (!t.is_empty()
        && t.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".."))
    .then(|| t.to_string())
}

/// A Vault duration: Go syntax (`24h`, `1h30m`) or whole seconds.
fn is_vault_duration(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty()
        || crate::injector::values::parse_duration(s).is_ok_and(|n| n > 0)
}

impl RenderConfig {
    pub fn parse(src: &SourceFile) -> Result<RenderConfig, ConfigError> {
        let r = Reader { file: &src.name };
        let docs = yaml::parse(&src.text).map_err(|e| ConfigError {
            file: src.name.clone(),
            line: e.line,
            column: e.column,
            message: format!("invalid YAML: {}", e.message),
        })?;
        if let Some(extra) = docs.get(1) {
            return Err(ConfigError {
                file: src.name.clone(),
                line: extra.root.span().start.line,
                column: 1,
                message: "a render config is one YAML document; remove the `---` and what follows"
                    .into(),
            });
        }
        let Some(doc) = docs.first() else {
            return Err(ConfigError {
                file: src.name.clone(),
                line: 1,
                column: 1,
                message: "the config is empty: see `render --example`".into(),
            });
        };
        let root = &doc.root;
        r.map(root, "config", TOP_KEYS)?;

        let clusters_node = root.get("clusters").ok_or_else(|| r.err(root, "`clusters` is missing: list at least one cluster with a `name` and `kubernetesHost`"))?;
        let items = clusters_node
            .as_sequence()
            .ok_or_else(|| r.err(clusters_node, "`clusters` must be a list"))?;
        if items.is_empty() {
            return Err(r.err(
                clusters_node,
                "`clusters` is empty: list at least one cluster",
            ));
        }
        let mut clusters: Vec<Cluster> = Vec::new();
        for (i, c) in items.iter().enumerate() {
            let path = format!("clusters[{i}]");
            r.map(c, &path, CLUSTER_KEYS)?;
            let name = r
                .word(c, "name", &path)?
                .ok_or_else(|| r.err(c, format!("`{path}.name` is missing")))?;
            if !is_dns_label(&name, true) {
                return Err(r.err(c.get("name").unwrap_or(c), format!("`{path}.name` is `{name}`: use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit (it names files, a directory and Kubernetes objects)")));
            }
            if let Some(prev) = clusters.iter().position(|p| p.name == name) {
                return Err(r.err(c.get("name").unwrap_or(c), format!("`{path}.name` `{name}` is already used by clusters[{prev}]; cluster names must be unique")));
            }
            let host = r.word(c, "kubernetesHost", &path)?.ok_or_else(|| {
                r.err(
                    c,
                    format!("`{path}.kubernetesHost` is missing (the cluster's API server URL)"),
                )
            })?;
            if crate::injector::values::parse_url(&host).is_err() {
                return Err(r.err(
                    c.get("kubernetesHost").unwrap_or(c),
                    format!(
                        "`{path}.kubernetesHost` is `{host}`: expected an https:// or http:// URL"
                    ),
                ));
            }
            clusters.push(Cluster {
                name,
                kubernetes_host: host,
                kubernetes_ca_file: r.optional_word(c, "kubernetesCaFile", &path)?,
                token_reviewer_jwt_file: r.optional_word(c, "tokenReviewerJwtFile", &path)?,
            });
        }

        let empty = Node::Mapping(Vec::new(), root.span());
        let kv = root.get("kv").unwrap_or(&empty);
        r.map(kv, "kv", KV_KEYS)?;
        let fields_node = kv.get("fields").unwrap_or(&empty);
        r.map(fields_node, "kv.fields", FIELD_KEYS)?;
        let field = |k: &str, d: &str| -> Result<String, ConfigError> {
            Ok(r.word(fields_node, k, "kv.fields")?
                .unwrap_or_else(|| d.into()))
        };
        let fields = Fields {
            ca_key: field("caKey", "ca_key")?,
            ca_cert: field("caCert", "ca_cert")?,
            cert_chain: field("certChain", "cert_chain")?,
            root_cert: field("rootCert", "root_cert")?,
        };
        let named = [
            ("caKey", &fields.ca_key),
            ("caCert", &fields.ca_cert),
            ("certChain", &fields.cert_chain),
            ("rootCert", &fields.root_cert),
        ];
        for (i, (key, value)) in named.iter().enumerate() {
            let at = fields_node.get(key).unwrap_or(fields_node);
            if !is_go_identifier(value) {
                return Err(r.err(at, format!("`kv.fields.{key}` is `{value}`: the agent template reads it as `.Data.{value}`, so use letters, digits and `_` (starting with a letter or `_`)")));
            }
            if let Some((other, _)) = named[..i].iter().find(|(_, v)| v == value) {
                return Err(r.err(at, format!("`kv.fields.{key}` is `{value}`, the same field as `kv.fields.{other}`: each file needs its own field")));
            }
        }
        let kv_version = match r.string(kv, "version", "kv")?.as_deref() {
            None | Some("1") => 1,
            Some("2") => 2,
            Some(other) => {
                return Err(r.err(
                    kv.get("version").unwrap_or(kv),
                    format!("`kv.version` is `{other}`: use 1 or 2"),
                ));
            }
        };

        let auth = root.get("auth").unwrap_or(&empty);
        r.map(auth, "auth", AUTH_KEYS)?;
        let istio = root.get("istio").unwrap_or(&empty);
        r.map(istio, "istio", ISTIO_KEYS)?;
        let vault = root.get("vault").unwrap_or(&empty);
        r.map(vault, "vault", VAULT_KEYS)?;

        let revision = r.optional_word(istio, "revision", "istio")?;
        let service_account = r
            .optional_word(istio, "serviceAccount", "istio")?
            .unwrap_or_else(|| {
                revision
                    .as_ref()
                    .map_or("istiod".into(), |rev| format!("istiod-{rev}"))
            });
        let chart_layout = match r.string(istio, "chartLayout", "istio")?.as_deref() {
            None | Some("pilot") => ChartLayout::Pilot,
            Some("topLevel") => ChartLayout::TopLevel,
            Some(other) => {
                return Err(r.err(istio.get("chartLayout").unwrap_or(istio), format!("`istio.chartLayout` is `{other}`: use `pilot` (Istio 1.16–1.23, also read by 1.24+) or `topLevel` (1.24+)")));
            }
        };
        let secret_volume_path = r
            .word(istio, "secretVolumePath", "istio")?
            .unwrap_or_else(|| "/vault/secrets".into());
        if !secret_volume_path.starts_with('/') {
            return Err(r.err(
                istio.get("secretVolumePath").unwrap_or(istio),
                "`istio.secretVolumePath` must be an absolute path",
            ));
        }
        let vault_address = r.optional_word(vault, "address", "vault")?;
        if let Some(a) = &vault_address
            && let Err(e) = crate::injector::values::parse_url(a)
        {
            return Err(r.err(
                vault.get("address").unwrap_or(vault),
                format!("`vault.address`: {}", e.message),
            ));
        }
        let hardening = match r.string(root, "hardening", "config")?.as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(r.err(
                    root.get("hardening").unwrap_or(root),
                    format!("`hardening` is `{other}`: use true or false"),
                ));
            }
        };
        let vault_path = |node: &Node,
                          key: &str,
                          path: &str,
                          default: &str|
         -> Result<String, ConfigError> {
            let raw = r.word(node, key, path)?.unwrap_or_else(|| default.into());
            clean_vault_path(raw.trim_start_matches("auth/")).ok_or_else(|| {
                r.err(node.get(key).unwrap_or(node), format!("`{path}.{key}` is `{raw}`: a Vault path of non-empty segments, without `//`, `.` or `..`"))
            })
        };
        let auth_mount = vault_path(auth, "mount", "auth", "kubernetes-{cluster}")?;
        let kv_mount = vault_path(kv, "mount", "kv", "kubernetes-{cluster}-secrets")?;
        let kv_path = vault_path(kv, "path", "kv", "istiod-service/certs")?;
        let label = |node: &Node,
                     key: &str,
                     path: &str,
                     value: Option<&String>|
         -> Result<(), ConfigError> {
            match value {
                Some(v) if !is_dns_label(v, false) => Err(r.err(node.get(key).unwrap_or(node), format!("`{path}.{key}` is `{v}`: Kubernetes needs lower-case letters, digits and `-`, starting and ending with a letter or digit"))),
                _ => Ok(()),
            }
        };
        label(istio, "revision", "istio", revision.as_ref())?;
        let namespace = r
            .word(istio, "namespace", "istio")?
            .unwrap_or_else(|| "istio-system".into());
        label(istio, "namespace", "istio", Some(&namespace))?;
        let role = r
            .word(auth, "role", "auth")?
            .unwrap_or_else(|| "istiod".into());
        let policy = r
            .word(auth, "policy", "auth")?
            .unwrap_or_else(|| "istiod-certs-{cluster}".into());
        for (key, value) in [("role", &role), ("policy", &policy)] {
            if value.contains('/') {
                return Err(r.err(
                    auth.get(key).unwrap_or(auth),
                    format!("`auth.{key}` is `{value}`: a name, without `/`"),
                ));
            }
        }
        let ttl = r.word(auth, "ttl", "auth")?.unwrap_or_else(|| "24h".into());
        if !is_vault_duration(&ttl) {
            return Err(r.err(
                auth.get("ttl").unwrap_or(auth),
                format!("`auth.ttl` is `{ttl}`: a duration such as 24h or 1h30m, or whole seconds"),
            ));
        }
        if secret_volume_path
            .split('/')
            .any(|seg| seg == "." || seg == "..")
        {
            return Err(r.err(
                istio.get("secretVolumePath").unwrap_or(istio),
                "`istio.secretVolumePath` must not contain `.` or `..` segments",
            ));
        }
        // Every cluster needs its own secret, or each setup script overwrites the others'.
        if clusters.len() > 1 && !kv_mount.contains("{cluster}") && !kv_path.contains("{cluster}") {
            let at = kv.get("path").or(kv.get("mount")).unwrap_or(kv);
            return Err(r.err(at, format!("all {} clusters would share the secret `{kv_mount}/{kv_path}`: put `{{cluster}}` in `kv.mount` or `kv.path`", clusters.len())));
        }
        let gateways = gateways(&r, root)?;
        Ok(RenderConfig {
            gateways,
            kv_mount,
            kv_version,
            kv_path,
            fields,
            auth_mount,
            role,
            policy,
            ttl,
            namespace,
            revision,
            service_account,
            chart_layout,
            secret_volume_path,
            helm_release: r
                .word(istio, "helmRelease", "istio")?
                .unwrap_or_else(|| "istiod".into()),
            vault_address,
            certs_dir: r
                .word(root, "certsDir", "config")?
                .unwrap_or_else(|| "certs/istiod-{cluster}".into()),
            hardening,
            clusters,
        })
    }
}

/// A host name a certificate can name and a Gateway can serve: DNS labels, an optional
/// leading `*.`.
fn is_host(s: &str) -> bool {
    let name = s.strip_prefix("*.").unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn gateways(r: &Reader<'_>, root: &Node) -> Result<Vec<GatewayConfig>, ConfigError> {
    let Some(node) = root.get("gateways").filter(|n| !n.is_null()) else {
        return Ok(Vec::new());
    };
    let items = node
        .as_sequence()
        .ok_or_else(|| r.err(node, "`gateways` must be a list"))?;
    let mut out: Vec<GatewayConfig> = Vec::new();
    for (i, g) in items.iter().enumerate() {
        let path = format!("gateways[{i}]");
        r.map(g, &path, GATEWAY_KEYS)?;
        let name = r.word(g, "name", &path)?.ok_or_else(|| {
            r.err(
                g,
                format!("`{path}.name` is missing (the istio/gateway Helm release name)"),
            )
        })?;
        if !is_dns_label(&name, false) {
            return Err(r.err(g.get("name").unwrap_or(g), format!("`{path}.name` is `{name}`: it names a Deployment and files, so lower-case letters, digits and `-`")));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(r.err(
                g.get("name").unwrap_or(g),
                format!("`{path}.name` `{name}` is used twice; gateway names must be unique"),
            ));
        }
        let direction = match r.string(g, "direction", &path)?.as_deref() {
            None | Some("ingress") => GatewayDirection::Ingress,
            Some("egress") => GatewayDirection::Egress,
            Some(other) => {
                return Err(r.err(
                    g.get("direction").unwrap_or(g),
                    format!("`{path}.direction` is `{other}`: use ingress or egress"),
                ));
            }
        };
        let namespace = r
            .word(g, "namespace", &path)?
            .unwrap_or_else(|| match direction {
                GatewayDirection::Ingress => "istio-ingress".into(),
                GatewayDirection::Egress => "istio-egress".into(),
            });
        if !is_dns_label(&namespace, false) {
            return Err(r.err(
                g.get("namespace").unwrap_or(g),
                format!("`{path}.namespace` is `{namespace}`: a Kubernetes namespace name"),
            ));
        }
        // The chart's default `istio` label: the release name without `istio-`.
        let istio_label = r
            .word(g, "istioLabel", &path)?
            .unwrap_or_else(|| name.strip_prefix("istio-").unwrap_or(&name).to_string());
        let hosts_node = g
            .get("hosts")
            .ok_or_else(|| r.err(g, format!("`{path}.hosts` is missing: the names the gateway serves (ingress) or reaches (egress)")))?;
        let host_items = hosts_node
            .as_sequence()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                r.err(
                    hosts_node,
                    format!("`{path}.hosts` must be a non-empty list of host names"),
                )
            })?;
        let mut hosts = Vec::new();
        for h in host_items {
            let host = h.as_str().map(str::trim).unwrap_or_default();
            if !is_host(host) {
                return Err(r.err(h, format!("`{path}.hosts` has `{host}`: a DNS name such as shop.example.com or *.example.com")));
            }
            hosts.push(host.to_string());
        }
        let empty = Node::Mapping(Vec::new(), g.span());
        let source = match (g.get("pki"), g.get("kv")) {
            (Some(_), Some(kv)) => {
                return Err(r.err(
                    kv,
                    format!("`{path}` has both `pki` and `kv`: the certificate comes from one"),
                ));
            }
            (Some(pki), None) => {
                let at = format!("{path}.pki");
                let pki = if pki.is_null() { &empty } else { pki };
                r.map(pki, &at, PKI_KEYS)?;
                let mount = r.word(pki, "mount", &at)?.unwrap_or_else(|| "pki".into());
                let mount = clean_vault_path(&mount).ok_or_else(|| {
                    r.err(
                        pki.get("mount").unwrap_or(pki),
                        format!("`{at}.mount` is `{mount}`: a Vault path"),
                    )
                })?;
                let role = r.word(pki, "role", &at)?.unwrap_or_else(|| name.clone());
                if role.contains('/') {
                    return Err(r.err(
                        pki.get("role").unwrap_or(pki),
                        format!("`{at}.role` is `{role}`: a name, without `/`"),
                    ));
                }
                let ttl = r.word(pki, "ttl", &at)?.unwrap_or_else(|| "72h".into());
                if !is_vault_duration(&ttl) {
                    return Err(r.err(
                        pki.get("ttl").unwrap_or(pki),
                        format!("`{at}.ttl` is `{ttl}`: a duration such as 72h"),
                    ));
                }
                CertSource::Pki { mount, role, ttl }
            }
            (None, Some(kv)) => {
                let at = format!("{path}.kv");
                r.map(kv, &at, GW_KV_KEYS)?;
                let raw = r
                    .word(kv, "path", &at)?
                    .unwrap_or_else(|| format!("gateways/{name}"));
                let path = clean_vault_path(&raw).ok_or_else(|| {
                    r.err(
                        kv.get("path").unwrap_or(kv),
                        format!("`{at}.path` is `{raw}`: a Vault path"),
                    )
                })?;
                CertSource::Kv { path }
            }
            (None, None) => {
                return Err(r.err(
                    g,
                    format!(
                        "`{path}` needs `pki` (issue from Vault PKI) or `kv` (a stored certificate)"
                    ),
                ));
            }
        };
        out.push(GatewayConfig {
            name,
            direction,
            namespace,
            istio_label,
            hosts,
            source,
        });
    }
    Ok(out)
}
