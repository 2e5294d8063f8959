//! `render`: one small config in, each cluster's files out — Helm values (either chart
//! layout), an IstioOperator overlay, the Vault policy, a `vault` setup script and the
//! ServiceAccount manifest. Templates are Handlebars files embedded in the engine; the
//! Vault Agent templates inside the annotations are built here and inserted as data, so
//! their Go-template braces come out literally.

pub mod config;

use crate::bundle::FileKind;
pub use config::{ChartLayout, ConfigError, RenderConfig};
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use serde::Serialize;

/// A commented starter config (`render --example`).
pub const EXAMPLE: &str = include_str!("example.yaml");

/// Annotations render adds beyond the article's, for safety (listed in the docs).
pub const HARDENING_ANNOTATIONS: &[&str] = &[
    "vault.hashicorp.com/agent-auto-auth-exit-on-err",
    "vault.hashicorp.com/error-on-missing-key-<file>",
];

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    pub name: &'static str,
    pub content: String,
}

/// Everything generated for one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterFiles {
    pub cluster: String,
    pub files: Vec<RenderedFile>,
}

impl ClusterFiles {
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.content.as_str())
    }
}

pub const VALUES: &str = "values.yaml";
pub const ISTIO_OPERATOR: &str = "istio-operator.yaml";
pub const POLICY: &str = "vault-policy.hcl";
pub const SETUP: &str = "vault-setup.sh";
pub const SERVICE_ACCOUNT: &str = "istiod-serviceaccount.yaml";

#[derive(Serialize)]
struct Annotation {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct FileArg {
    field_arg: String,
    /// ` \` on every line but the last of a continued shell command.
    continuation: &'static str,
}

/// Everything a template may use, for one cluster.
#[derive(Serialize)]
struct Data {
    cluster: String,
    namespace: String,
    revision: Option<String>,
    service_account: String,
    helm_release: String,
    tokenreview_binding: String,
    root_ca_dir: String,
    annotations: Vec<Annotation>,
    auth_mount: String,
    auth_mount_key: String,
    auth_config_path: String,
    role_path: String,
    policy: String,
    ttl: String,
    kubernetes_host: String,
    kubernetes_ca_file: Option<String>,
    token_reviewer_jwt_file: Option<String>,
    kv_mount: String,
    kv_mount_key: String,
    kv_version: u8,
    /// The path `vault kv put` writes to (the CLI inserts `data/` on KV v2 itself).
    secret_path: String,
    /// The path the agent reads and the policy grants: `<mount>/data/<path>` on KV v2.
    read_path: String,
    files: Vec<FileArg>,
    policy_hcl: String,
}

fn substitute(pattern: &str, cluster: &str) -> String {
    pattern.replace("{cluster}", cluster)
}

/// The Vault Agent template for one field, in the article's form: the value plus one
/// newline (`{{ end -}}` eats the final one).
pub fn agent_template(read_path: &str, kv_version: u8, field: &str) -> String {
    let selector = if kv_version == 2 {
        format!(".Data.data.{field}")
    } else {
        format!(".Data.{field}")
    };
    format!("{{{{- with secret \"{read_path}\" -}}}}\n{{{{ {selector} }}}}\n{{{{ end -}}}}\n")
}

fn field_name(cfg: &RenderConfig, kind: FileKind) -> &str {
    match kind {
        FileKind::CaKey => &cfg.fields.ca_key,
        FileKind::CaCert => &cfg.fields.ca_cert,
        FileKind::CertChain => &cfg.fields.cert_chain,
        FileKind::RootCert => &cfg.fields.root_cert,
    }
}

/// The istiod pod annotations for one cluster, in the article's order.
fn annotations(cfg: &RenderConfig, cluster: &str, read_path: &str) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut add = |k: &str, v: String| {
        out.push(Annotation {
            key: format!("vault.hashicorp.com/{k}"),
            value: v,
        })
    };
    add("agent-inject", "true".into());
    add("agent-init-first", "true".into());
    // The article's file order.
    for kind in [
        FileKind::CaKey,
        FileKind::CaCert,
        FileKind::RootCert,
        FileKind::CertChain,
    ] {
        let file = kind.file_name();
        add(
            &format!("agent-inject-secret-{file}"),
            read_path.to_string(),
        );
        add(
            &format!("agent-inject-template-{file}"),
            agent_template(read_path, cfg.kv_version, field_name(cfg, kind)),
        );
        if cfg.hardening {
            add(&format!("error-on-missing-key-{file}"), "true".into());
        }
    }
    add("role", cfg.role.clone());
    add(
        "auth-path",
        format!("auth/{}", substitute(&cfg.auth_mount, cluster)),
    );
    if cfg.secret_volume_path != crate::injector::config::DEFAULT_SECRET_VOLUME_PATH {
        add("secret-volume-path", cfg.secret_volume_path.clone());
    }
    if let Some(addr) = &cfg.vault_address {
        add("service", addr.clone());
    }
    if cfg.hardening {
        add("agent-auto-auth-exit-on-err", "true".into());
    }
    out
}

fn data(cfg: &RenderConfig, cluster: &config::Cluster) -> Data {
    let name = &cluster.name;
    let kv_mount = substitute(&cfg.kv_mount, name);
    let kv_path = substitute(&cfg.kv_path, name);
    let secret_path = format!("{kv_mount}/{kv_path}");
    let read_path = if cfg.kv_version == 2 {
        format!("{kv_mount}/data/{kv_path}")
    } else {
        secret_path.clone()
    };
    let auth_mount = substitute(&cfg.auth_mount, name);
    let certs_dir = substitute(&cfg.certs_dir, name);
    let kinds = [
        FileKind::CaKey,
        FileKind::CaCert,
        FileKind::CertChain,
        FileKind::RootCert,
    ];
    let files = kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| FileArg {
            field_arg: format!(
                "{}=@{}/{}",
                field_name(cfg, k),
                certs_dir.trim_end_matches('/'),
                k.file_name()
            ),
            continuation: if i + 1 < kinds.len() { " \\" } else { "" },
        })
        .collect();
    Data {
        cluster: name.clone(),
        namespace: cfg.namespace.clone(),
        revision: cfg.revision.clone(),
        service_account: cfg.service_account.clone(),
        helm_release: cfg.helm_release.clone(),
        tokenreview_binding: format!("{}-vault-tokenreview", cfg.service_account),
        root_ca_dir: cfg.secret_volume_path.clone(),
        annotations: annotations(cfg, name, &read_path),
        auth_mount_key: format!("\"{auth_mount}/\""),
        auth_config_path: format!("auth/{auth_mount}/config"),
        role_path: format!("auth/{auth_mount}/role/{}", cfg.role),
        auth_mount,
        policy: substitute(&cfg.policy, name),
        ttl: cfg.ttl.clone(),
        kubernetes_host: cluster.kubernetes_host.clone(),
        kubernetes_ca_file: cluster.kubernetes_ca_file.clone(),
        token_reviewer_jwt_file: cluster.token_reviewer_jwt_file.clone(),
        kv_mount_key: format!("\"{kv_mount}/\""),
        kv_mount,
        kv_version: cfg.kv_version,
        secret_path,
        read_path,
        files,
        policy_hcl: String::new(),
    }
}

/// A string as a YAML scalar: a `|` block (indented by `indent`) when it spans lines,
/// else a double-quoted string (JSON's escaping is valid YAML).
fn yaml_scalar(value: &str, indent: usize) -> String {
    if value.contains('\n') {
        let pad = " ".repeat(indent);
        let (indicator, body) = match value.strip_suffix('\n') {
            Some(b) if !b.ends_with('\n') => ("|", b),
            _ => ("|-", value),
        };
        let mut out = String::from(indicator);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
        out
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into())
    }
}

/// A word for a POSIX shell: as is when it is made of safe characters, else single-quoted.
fn shell_word(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if safe {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// Writes `format(first parameter, second parameter or 2)`: the shape of every helper here.
fn text_helper(
    name: &'static str,
    format: fn(&str, usize) -> String,
) -> impl Fn(
    &Helper<'_>,
    &Handlebars<'_>,
    &Context,
    &mut RenderContext<'_, '_>,
    &mut dyn Output,
) -> HelperResult
+ Send
+ Sync {
    move |h, _, _, _, out| {
        let value = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        let width = h.param(1).and_then(|p| p.value().as_u64()).unwrap_or(2) as usize;
        out.write(&format(value, width))?;
        Ok(())
    }
}

/// Why rendering failed (a template bug; configs are validated before).
#[derive(Debug, thiserror::Error)]
#[error("rendering {template} failed: {message}")]
pub struct RenderError {
    pub template: &'static str,
    pub message: String,
}

fn registry() -> Result<Handlebars<'static>, RenderError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper("yaml", Box::new(text_helper("yaml", yaml_scalar)));
    hb.register_helper("sh", Box::new(text_helper("sh", |v, _| shell_word(v))));
    for (name, text) in [
        (
            "values-pilot",
            include_str!("templates/values-pilot.yaml.hbs"),
        ),
        (
            "values-top-level",
            include_str!("templates/values-top-level.yaml.hbs"),
        ),
        (
            ISTIO_OPERATOR,
            include_str!("templates/istio-operator.yaml.hbs"),
        ),
        (POLICY, include_str!("templates/vault-policy.hcl.hbs")),
        (SETUP, include_str!("templates/vault-setup.sh.hbs")),
        (
            SERVICE_ACCOUNT,
            include_str!("templates/istiod-serviceaccount.yaml.hbs"),
        ),
    ] {
        hb.register_template_string(name, text)
            .map_err(|e| RenderError {
                template: "registry",
                message: e.to_string(),
            })?;
    }
    Ok(hb)
}

/// Renders every cluster of `cfg`.
pub fn render(cfg: &RenderConfig) -> Result<Vec<ClusterFiles>, RenderError> {
    let hb = registry()?;
    let run = |template: &'static str, data: &Data| {
        hb.render(template, data).map_err(|e| RenderError {
            template,
            message: e.to_string(),
        })
    };
    cfg.clusters
        .iter()
        .map(|c| {
            let mut d = data(cfg, c);
            d.policy_hcl = run(POLICY, &d)?;
            let values_template = match cfg.chart_layout {
                ChartLayout::Pilot => "values-pilot",
                ChartLayout::TopLevel => "values-top-level",
            };
            Ok(ClusterFiles {
                cluster: c.name.clone(),
                files: vec![
                    RenderedFile {
                        name: VALUES,
                        content: run(values_template, &d)?,
                    },
                    RenderedFile {
                        name: ISTIO_OPERATOR,
                        content: run(ISTIO_OPERATOR, &d)?,
                    },
                    RenderedFile {
                        name: POLICY,
                        content: d.policy_hcl.clone(),
                    },
                    RenderedFile {
                        name: SETUP,
                        content: run(SETUP, &d)?,
                    },
                    RenderedFile {
                        name: SERVICE_ACCOUNT,
                        content: run(SERVICE_ACCOUNT, &d)?,
                    },
                ],
            })
        })
        .collect()
}
