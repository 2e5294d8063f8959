//! `render`: one small config in, each cluster's files out — Helm values (either chart
//! layout), an IstioOperator overlay, the Vault policy, a `vault` setup script and the
//! ServiceAccount manifest. Templates are Handlebars files embedded in the engine; the
//! Vault Agent templates inside the annotations are built here and inserted as data, so
//! their Go-template braces come out literally.

pub mod config;

use crate::bundle::FileKind;
pub use config::{
    CertSource, ChartLayout, ConfigError, GatewayConfig, GatewayDirection, RenderConfig,
};
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
    pub name: String,
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
    out.extend(login_annotations(
        cfg,
        &cfg.role,
        &substitute(&cfg.auth_mount, cluster),
    ));
    out
}

/// How the agent logs in and where it writes, after the file annotations: the role, the
/// auth mount, a non-default volume path, the Vault address, and (hardening) exit on a
/// failed login. The same for istiod and every gateway.
fn login_annotations(cfg: &RenderConfig, role: &str, auth_mount: &str) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut add = |k: &str, v: String| {
        out.push(Annotation {
            key: format!("vault.hashicorp.com/{k}"),
            value: v,
        })
    };
    add("role", role.to_string());
    add("auth-path", format!("auth/{auth_mount}"));
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

#[derive(Serialize)]
struct GatewayFile {
    path: String,
}

/// Everything the gateway templates use, for one gateway in one cluster.
#[derive(Serialize)]
struct GatewayData {
    cluster: String,
    name: String,
    direction: &'static str,
    ingress: bool,
    namespace: String,
    istio_label: String,
    service_type: &'static str,
    hosts: Vec<String>,
    annotations: Vec<Annotation>,
    files: Vec<GatewayFile>,
    source: String,
    cert_path: String,
    key_path: String,
    ca_path: String,
    pki: bool,
    pki_mount: String,
    pki_role_path: String,
    allowed_domains: String,
    server_flag: bool,
    client_flag: bool,
    ttl: String,
    secret_path: String,
    policy: String,
    policy_hcl: String,
    role_path: String,
    service_account: String,
}

/// The files a gateway gets: the certificate (leaf first, then its issuer), the key, and
/// for egress the CA that verifies the external server; each with the Vault Agent
/// template that renders it.
fn gateway_files(
    cfg: &RenderConfig,
    cluster: &str,
    g: &GatewayConfig,
) -> (Vec<(&'static str, String)>, String, String) {
    let ingress = g.direction == GatewayDirection::Ingress;
    let (cert, key) = if ingress {
        ("tls.crt", "tls.key")
    } else {
        ("client.crt", "client.key")
    };
    match &g.source {
        CertSource::Pki { mount, role, ttl } => {
            // One issuance for every file: consul-template shares a `secret` call only
            // between templates whose arguments are identical.
            let issue = format!("{mount}/issue/{role}");
            let mut args = Vec::new();
            if ingress {
                args.push(format!("common_name={}", g.hosts[0]));
                if g.hosts.len() > 1 {
                    args.push(format!("alt_names={}", g.hosts[1..].join(",")));
                }
            } else {
                args.push(format!("common_name={}.{}.svc", g.name, g.namespace));
            }
            args.push(format!("ttl={ttl}"));
            let call = args.iter().map(|a| format!(" \"{a}\"")).collect::<String>();
            let template = |body: &str| {
                format!("{{{{- with secret \"{issue}\"{call} -}}}}\n{body}\n{{{{- end }}}}\n")
            };
            let mut files = vec![
                (
                    cert,
                    template("{{ .Data.certificate }}\n{{ .Data.issuing_ca }}"),
                ),
                (key, template("{{ .Data.private_key }}")),
            ];
            if !ingress {
                files.push(("ca.crt", template("{{ .Data.issuing_ca }}")));
            }
            (
                files,
                issue.clone(),
                format!("Vault PKI {issue}, renewed by the agent sidecar"),
            )
        }
        CertSource::Kv { path } => {
            let mount = substitute(&cfg.kv_mount, cluster);
            let path = substitute(path, cluster);
            let read = if cfg.kv_version == 2 {
                format!("{mount}/data/{path}")
            } else {
                format!("{mount}/{path}")
            };
            let mut files = vec![
                (cert, agent_template(&read, cfg.kv_version, "cert")),
                (key, agent_template(&read, cfg.kv_version, "key")),
            ];
            if !ingress {
                files.push(("ca.crt", agent_template(&read, cfg.kv_version, "ca")));
            }
            (files, read.clone(), format!("KV {mount}/{path}"))
        }
    }
}

fn gateway_data(cfg: &RenderConfig, cluster: &config::Cluster, g: &GatewayConfig) -> GatewayData {
    let name = &cluster.name;
    let ingress = g.direction == GatewayDirection::Ingress;
    let auth_mount = substitute(&cfg.auth_mount, name);
    let (files, read_path, source) = gateway_files(cfg, name, g);
    let dir = cfg.secret_volume_path.trim_end_matches('/');
    let mut annotations = Vec::new();
    let mut add = |k: &str, v: String| {
        annotations.push(Annotation {
            key: format!("vault.hashicorp.com/{k}"),
            value: v,
        })
    };
    add("agent-inject", "true".into());
    for (file, template) in &files {
        add(&format!("agent-inject-secret-{file}"), read_path.clone());
        add(&format!("agent-inject-template-{file}"), template.clone());
    }
    annotations.extend(login_annotations(cfg, &g.name, &auth_mount));
    let pki = matches!(g.source, CertSource::Pki { .. });
    let (pki_mount, pki_role_path, ttl) = match &g.source {
        CertSource::Pki { mount, role, ttl } => {
            (mount.clone(), format!("{mount}/roles/{role}"), ttl.clone())
        }
        CertSource::Kv { .. } => (String::new(), String::new(), String::new()),
    };
    let capability = if pki { "update" } else { "read" };
    let policy_hcl = format!(
        "# {} gateway {} in {name}: {} its certificate.\npath \"{read_path}\" {{\n  capabilities = [\"{capability}\"]\n}}\n",
        if ingress { "Ingress" } else { "Egress" },
        g.name,
        if pki { "issue" } else { "read" }
    );
    let path = |f: &str| format!("{dir}/{f}");
    GatewayData {
        cluster: name.clone(),
        name: g.name.clone(),
        direction: if ingress { "ingress" } else { "egress" },
        ingress,
        namespace: g.namespace.clone(),
        istio_label: g.istio_label.clone(),
        service_type: if ingress { "LoadBalancer" } else { "ClusterIP" },
        hosts: g.hosts.clone(),
        files: files
            .iter()
            .map(|(f, _)| GatewayFile { path: path(f) })
            .collect(),
        annotations,
        source,
        cert_path: path(files[0].0),
        key_path: path(files[1].0),
        ca_path: path("ca.crt"),
        pki,
        pki_mount,
        pki_role_path,
        allowed_domains: if ingress {
            g.hosts.join(",")
        } else {
            format!("{}.{}.svc", g.name, g.namespace)
        },
        server_flag: ingress,
        client_flag: !ingress,
        ttl,
        secret_path: read_path.replacen("/data/", "/", usize::from(cfg.kv_version == 2)),
        policy: format!("gateway-{}-{name}", g.name),
        policy_hcl,
        role_path: format!("auth/{auth_mount}/role/{}", g.name),
        service_account: g.name.clone(),
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
        (
            "gateway-values",
            include_str!("templates/gateway-values.yaml.hbs"),
        ),
        (
            "gateway-istio",
            include_str!("templates/gateway-istio.yaml.hbs"),
        ),
        (
            "gateway-vault-setup",
            include_str!("templates/gateway-vault-setup.sh.hbs"),
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
            let file = |name: &str, content: String| RenderedFile {
                name: name.to_string(),
                content,
            };
            let mut files = vec![
                file(VALUES, run(values_template, &d)?),
                file(ISTIO_OPERATOR, run(ISTIO_OPERATOR, &d)?),
                file(POLICY, d.policy_hcl.clone()),
                file(SETUP, run(SETUP, &d)?),
                file(SERVICE_ACCOUNT, run(SERVICE_ACCOUNT, &d)?),
            ];
            for g in &cfg.gateways {
                let gd = gateway_data(cfg, c, g);
                let run = |template: &'static str| {
                    hb.render(template, &gd).map_err(|e| RenderError {
                        template,
                        message: e.to_string(),
                    })
                };
                files.push(file(
                    &format!("gateway-{}-values.yaml", g.name),
                    run("gateway-values")?,
                ));
                files.push(file(
                    &format!("gateway-{}.yaml", g.name),
                    run("gateway-istio")?,
                ));
                files.push(file(
                    &format!("gateway-{}-vault-setup.sh", g.name),
                    run("gateway-vault-setup")?,
                ));
            }
            Ok(ClusterFiles {
                cluster: c.name.clone(),
                files,
            })
        })
        .collect()
}
