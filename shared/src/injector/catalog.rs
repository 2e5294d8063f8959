//! Catalog of every `vault.hashicorp.com/*` pod annotation that the Vault
//! Agent Injector (hashicorp/vault-k8s 1.7.6) reads or writes, with the value
//! kind, the default the webhook fills in, and what an invalid value does.
//!
//! Verified against `agent-inject/agent/{annotations,agent,config,
//! container_sidecar,container_init_sidecar,container_env,patch}.go` and
//! `agent-inject/handler.go` at tag v1.7.6. `since` is the first vault-k8s
//! tag whose `annotations.go` declares the key.

use super::values::{self, ValueError};

/// Annotation prefix shared by every key in the catalog.
pub const PREFIX: &str = "vault.hashicorp.com/";

/// How the annotation name is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `vault.hashicorp.com/<key>`.
    Pod,
    /// `vault.hashicorp.com/<key>-<secret name>`.
    PerSecret,
    /// `vault.hashicorp.com/<key>-<parameter>` (`agent-telemetry-<p>`,
    /// `auth-config-<p>`; `-` in `<p>` becomes `_`).
    PerParameter,
    /// Set by the webhook itself (`agent-inject-status`,
    /// `agent-request-namespace`).
    WrittenByWebhook,
}

/// What the value is parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `parseutil.ParseBool` (`""` = false).
    Bool,
    /// `parseutil.ParseInt` (`""` = 0) or a signed integer env var.
    Int,
    /// `strconv.ParseUint(s, 10, ..)`.
    Uint,
    /// `strconv.ParseFloat(s, 64)`.
    Float,
    /// Go duration (`time.ParseDuration`; agent-side keys also accept bare
    /// seconds, see [`validate`]).
    Duration,
    /// Kubernetes `resource.Quantity` (`""` disables).
    Quantity,
    /// RFC 6902 JSON patch (`""` is dropped).
    JsonPatch,
    /// `map` or `json`, case-insensitive.
    DefaultTemplate,
    /// Octal file mode for the rendered file.
    FileMode,
    /// `http(s)://host[:port]` URL.
    Url,
    /// Comma-separated list.
    Csv,
    /// File-system path inside the pod / agent container.
    Path,
    /// Path in Vault.
    VaultPath,
    /// consul-template template text.
    Template,
    /// Free text / names.
    Text,
}

/// What happens when the value is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnInvalid {
    /// The webhook returns an error: `Allowed: false`, the pod is not created.
    Rejected,
    /// The parse error is swallowed and a default is used.
    SilentlyIgnored,
    /// The injector copies the value through without looking at it.
    NotValidated,
    /// Passed through by the injector; the Vault agent container fails
    /// (or cannot work) at start.
    AgentFails,
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationSpec {
    /// Part after [`PREFIX`], without the trailing `-` for per-secret /
    /// per-parameter keys.
    pub key: &'static str,
    pub scope: Scope,
    pub kind: ValueKind,
    /// Value used when the annotation is absent (as the webhook fills it in
    /// with stock injector flags), if there is one.
    pub default: Option<&'static str>,
    pub on_invalid: OnInvalid,
    /// vault-k8s version that introduced the key.
    pub since: Option<&'static str>,
    /// One-line description.
    pub summary: &'static str,
}

/// Result of [`lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    pub spec: &'static AnnotationSpec,
    /// Secret name / parameter for per-secret and per-parameter keys.
    pub suffix: Option<&'a str>,
}

const fn spec(
    key: &'static str,
    scope: Scope,
    kind: ValueKind,
    default: Option<&'static str>,
    on_invalid: OnInvalid,
    since: &'static str,
    summary: &'static str,
) -> AnnotationSpec {
    AnnotationSpec {
        key,
        scope,
        kind,
        default,
        on_invalid,
        since: Some(since),
        summary,
    }
}

use OnInvalid::{AgentFails, NotValidated, Rejected, SilentlyIgnored};
use Scope::{PerParameter, PerSecret, Pod, WrittenByWebhook};
use ValueKind::*;

/// Every annotation vault-k8s 1.7.6 reads or writes.
///
/// `secret-volume-path` and `preserve-secret-case` appear twice: once as a
/// pod-level key and once as the per-secret override.
pub static CATALOG: &[AnnotationSpec] = &[
    // --- written by the webhook --------------------------------------------
    spec(
        "agent-inject-status",
        WrittenByWebhook,
        Text,
        None,
        NotValidated,
        "0.1.0",
        "patched to \"injected\" after injection; while it is \"injected\" the pod is never re-injected",
    ),
    spec(
        "agent-request-namespace",
        WrittenByWebhook,
        Text,
        None,
        Rejected,
        "0.1.0",
        "request namespace, filled in only in the webhook's working copy (not patched onto the pod); an explicit \"\" rejects the pod",
    ),
    // --- injection control --------------------------------------------------
    spec(
        "agent-inject",
        Pod,
        Bool,
        None,
        Rejected,
        "0.1.0",
        "enables injection; when absent the pod is not injected",
    ),
    spec(
        "agent-inject-containers",
        Pod,
        Csv,
        None,
        NotValidated,
        "0.15.0",
        "containers that get the secrets volume; default all app containers, unknown names are skipped",
    ),
    spec(
        "agent-inject-default-template",
        Pod,
        DefaultTemplate,
        Some("map"),
        Rejected,
        "0.10.0",
        "default template for secrets without a template: map or json (case-insensitive)",
    ),
    spec(
        "agent-inject-token",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.3.0",
        "also write the auto-auth token to <secret-volume-path>/token",
    ),
    spec(
        "agent-image",
        Pod,
        Text,
        Some("hashicorp/vault:2.0.4"),
        NotValidated,
        "0.1.0",
        "Vault agent image; an explicit \"\" rejects the pod (no Vault image found)",
    ),
    spec(
        "agent-init-first",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.3.0",
        "put vault-agent-init first among the init containers",
    ),
    spec(
        "agent-pre-populate",
        Pod,
        Bool,
        Some("true"),
        Rejected,
        "0.1.0",
        "add the vault-agent-init init container that renders secrets before the app starts",
    ),
    spec(
        "agent-pre-populate-only",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.1.0",
        "inject only the init container, no vault-agent sidecar",
    ),
    spec(
        "agent-configmap",
        Pod,
        Text,
        None,
        NotValidated,
        "0.1.0",
        "ConfigMap with config.hcl/config-init.hcl; secret/template annotations and auth checks are then ignored",
    ),
    spec(
        "agent-extra-secret",
        Pod,
        Text,
        None,
        NotValidated,
        "0.6.0",
        "Kubernetes Secret mounted at /vault/custom in the agent containers",
    ),
    spec(
        "agent-copy-volume-mounts",
        Pod,
        Text,
        None,
        NotValidated,
        "0.8.0",
        "container whose volume mounts (except service-account ones) are copied to the agent containers",
    ),
    spec(
        "agent-service-account-token-volume-name",
        Pod,
        Text,
        None,
        Rejected,
        "0.13.0",
        "projected volume holding the SA token; the pod is rejected if it is missing or has no serviceAccountToken.path",
    ),
    // --- resources ----------------------------------------------------------
    spec(
        "agent-limits-cpu",
        Pod,
        Quantity,
        Some("500m"),
        Rejected,
        "0.1.0",
        "CPU limit of the agent containers; \"\" removes the limit",
    ),
    spec(
        "agent-limits-mem",
        Pod,
        Quantity,
        Some("128Mi"),
        Rejected,
        "0.1.0",
        "memory limit of the agent containers; \"\" removes the limit",
    ),
    spec(
        "agent-limits-ephemeral",
        Pod,
        Quantity,
        None,
        Rejected,
        "1.0.0",
        "ephemeral-storage limit of the agent containers; unset by default",
    ),
    spec(
        "agent-requests-cpu",
        Pod,
        Quantity,
        Some("250m"),
        Rejected,
        "0.1.0",
        "CPU request of the agent containers; \"\" removes the request",
    ),
    spec(
        "agent-requests-mem",
        Pod,
        Quantity,
        Some("64Mi"),
        Rejected,
        "0.1.0",
        "memory request of the agent containers; \"\" removes the request",
    ),
    spec(
        "agent-requests-ephemeral",
        Pod,
        Quantity,
        None,
        Rejected,
        "1.0.0",
        "ephemeral-storage request of the agent containers; unset by default",
    ),
    // --- lifecycle / security ----------------------------------------------
    spec(
        "agent-revoke-on-shutdown",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.3.0",
        "sidecar revokes its token in a preStop hook",
    ),
    spec(
        "agent-revoke-grace",
        Pod,
        Uint,
        Some("5"),
        Rejected,
        "0.3.0",
        "seconds to sleep before revoking, a plain unsigned integer (\"5s\" rejects the pod)",
    ),
    spec(
        "agent-run-as-user",
        Pod,
        Int,
        Some("100"),
        Rejected,
        "0.4.0",
        "runAsUser of the agent containers (0 turns runAsNonRoot off)",
    ),
    spec(
        "agent-run-as-group",
        Pod,
        Int,
        Some("1000"),
        Rejected,
        "0.4.0",
        "runAsGroup of the agent containers (0 turns runAsNonRoot off)",
    ),
    spec(
        "agent-run-as-same-user",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.4.0",
        "run the agent as containers[0]'s runAsUser; rejects if it is unset or 0",
    ),
    spec(
        "agent-set-security-context",
        Pod,
        Bool,
        Some("true"),
        Rejected,
        "0.4.0",
        "set a securityContext on the agent containers; forced true when a run-as annotation is set",
    ),
    spec(
        "agent-share-process-namespace",
        Pod,
        Bool,
        None,
        Rejected,
        "1.2.0",
        "set spec.shareProcessNamespace; rejects if the pod explicitly sets it to false",
    ),
    // --- Vault connection ---------------------------------------------------
    spec(
        "service",
        Pod,
        Url,
        None,
        AgentFails,
        "0.1.0",
        "Vault address (default: injector's AGENT_INJECT_VAULT_ADDR); empty rejects unless agent-configmap is set",
    ),
    spec(
        "proxy-address",
        Pod,
        Url,
        None,
        AgentFails,
        "0.9.0",
        "HTTP proxy for the agent, exported as HTTPS_PROXY",
    ),
    spec(
        "namespace",
        Pod,
        Text,
        None,
        NotValidated,
        "0.3.0",
        "Vault Enterprise namespace for auto-auth",
    ),
    spec(
        "tls-skip-verify",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.1.0",
        "skip verification of Vault's TLS certificate",
    ),
    spec(
        "tls-secret",
        Pod,
        Text,
        None,
        NotValidated,
        "0.1.0",
        "Kubernetes Secret with TLS material, mounted at /vault/tls",
    ),
    spec(
        "tls-server-name",
        Pod,
        Text,
        None,
        NotValidated,
        "0.1.0",
        "SNI / server name used to verify Vault's certificate",
    ),
    spec(
        "ca-cert",
        Pod,
        Path,
        None,
        NotValidated,
        "0.1.0",
        "path of the CA certificate file inside the agent container (not PEM content)",
    ),
    spec(
        "ca-key",
        Pod,
        Path,
        None,
        NotValidated,
        "0.1.0",
        "path of a CA directory inside the agent container (becomes ca_path)",
    ),
    spec(
        "client-cert",
        Pod,
        Path,
        None,
        NotValidated,
        "0.1.0",
        "path of the client certificate for mTLS to Vault",
    ),
    spec(
        "client-key",
        Pod,
        Path,
        None,
        NotValidated,
        "0.1.0",
        "path of the client key for mTLS to Vault",
    ),
    spec(
        "client-max-retries",
        Pod,
        Uint,
        None,
        AgentFails,
        "0.1.0",
        "VAULT_MAX_RETRIES for the agent (Vault default 2)",
    ),
    spec(
        "client-timeout",
        Pod,
        Duration,
        None,
        AgentFails,
        "0.1.0",
        "VAULT_CLIENT_TIMEOUT for the agent, seconds or a Go duration (Vault default 60s)",
    ),
    spec(
        "go-max-procs",
        Pod,
        Int,
        None,
        SilentlyIgnored,
        "0.16.0",
        "GOMAXPROCS for the agent; the Go runtime ignores values that are not positive integers",
    ),
    spec(
        "log-level",
        Pod,
        Text,
        Some("info"),
        AgentFails,
        "0.3.0",
        "agent log level (trace, debug, info, warn, error)",
    ),
    spec(
        "log-format",
        Pod,
        Text,
        Some("standard"),
        AgentFails,
        "0.8.0",
        "agent log format (standard or json)",
    ),
    // --- auto-auth ----------------------------------------------------------
    spec(
        "role",
        Pod,
        Text,
        None,
        NotValidated,
        "0.1.0",
        "Vault role for auto-auth; required for kubernetes auth unless auth-config-role or agent-configmap is set",
    ),
    spec(
        "auth-type",
        Pod,
        Text,
        Some("kubernetes"),
        NotValidated,
        "0.9.0",
        "auto-auth method type",
    ),
    spec(
        "auth-path",
        Pod,
        VaultPath,
        Some("auth/kubernetes"),
        NotValidated,
        "0.2.0",
        "auto-auth mount path, including the auth/ prefix",
    ),
    spec(
        "auth-min-backoff",
        Pod,
        Duration,
        None,
        Rejected,
        "0.16.0",
        "minimum auto-auth retry backoff, a Go duration with unit (agent default 1s); \"\" is ignored",
    ),
    spec(
        "auth-max-backoff",
        Pod,
        Duration,
        None,
        Rejected,
        "0.16.0",
        "maximum auto-auth retry backoff, a Go duration with unit (agent default 5m); \"\" is ignored",
    ),
    spec(
        "agent-auto-auth-exit-on-err",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "1.1.0",
        "exit the agent when auto-auth fails instead of retrying forever",
    ),
    // --- secrets volume (pod-level twins of per-secret keys) -----------------
    spec(
        "secret-volume-path",
        Pod,
        Path,
        Some("/vault/secrets"),
        NotValidated,
        "0.3.0",
        "mount path of the rendered secrets in the app containers",
    ),
    spec(
        "preserve-secret-case",
        Pod,
        Bool,
        Some("false"),
        SilentlyIgnored,
        "0.3.0",
        "keep the case of secret names (file names); an unparsable value silently means false",
    ),
    // --- cache / listener ---------------------------------------------------
    spec(
        "agent-cache-enable",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.5.0",
        "enable the agent cache (persistent when pre-populate is on and pre-populate-only off)",
    ),
    spec(
        "agent-cache-use-auto-auth-token",
        Pod,
        Text,
        Some("true"),
        NotValidated,
        "0.5.0",
        "cache use_auto_auth_token: true, false or force",
    ),
    spec(
        "agent-cache-listener-port",
        Pod,
        Text,
        Some("8200"),
        NotValidated,
        "0.5.0",
        "port of the agent's 127.0.0.1 cache listener",
    ),
    spec(
        "agent-cache-exit-on-err",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.9.0",
        "exit the agent when restoring the persistent cache fails",
    ),
    spec(
        "agent-enable-quit",
        Pod,
        Bool,
        Some("false"),
        Rejected,
        "0.16.0",
        "enable the agent's /agent/v1/quit endpoint on the local listener",
    ),
    spec(
        "agent-disable-idle-connections",
        Pod,
        Csv,
        None,
        AgentFails,
        "0.17.0",
        "agent features with idle connections disabled: auto-auth, caching, templating, proxying",
    ),
    spec(
        "agent-disable-keep-alives",
        Pod,
        Csv,
        None,
        AgentFails,
        "1.0.0",
        "agent features with keep-alives disabled: auto-auth, caching, templating, proxying",
    ),
    // --- template_config ----------------------------------------------------
    spec(
        "template-config-exit-on-retry-failure",
        Pod,
        Bool,
        Some("true"),
        Rejected,
        "0.11.0",
        "agent exits once template rendering exhausts its retries",
    ),
    spec(
        "template-static-secret-render-interval",
        Pod,
        Duration,
        None,
        AgentFails,
        "0.12.0",
        "how often non-leased secrets (KV) are re-rendered, seconds or a Go duration (agent default 5m)",
    ),
    spec(
        "template-max-connections-per-host",
        Pod,
        Int,
        Some("0"),
        Rejected,
        "1.4.0",
        "max connections per Vault host for the template engine (0 = no limit)",
    ),
    spec(
        "template-lease-renewal-threshold",
        Pod,
        Float,
        None,
        Rejected,
        "1.7.0",
        "fraction of a lease after which non-renewable leases are refreshed; \"\", NaN and Inf reject the pod",
    ),
    // --- JSON patches -------------------------------------------------------
    spec(
        "agent-json-patch",
        Pod,
        JsonPatch,
        None,
        Rejected,
        "1.1.0",
        "RFC 6902 patch applied to the vault-agent sidecar container; \"\" is dropped",
    ),
    spec(
        "agent-init-json-patch",
        Pod,
        JsonPatch,
        None,
        Rejected,
        "1.1.0",
        "RFC 6902 patch applied to the vault-agent-init container; \"\" is dropped",
    ),
    // --- per-secret ---------------------------------------------------------
    spec(
        "agent-inject-secret",
        PerSecret,
        VaultPath,
        None,
        NotValidated,
        "0.1.0",
        "declares secret <name>; the Vault path is used only by the default template",
    ),
    spec(
        "agent-inject-template",
        PerSecret,
        Template,
        None,
        AgentFails,
        "0.1.0",
        "consul-template text for secret <name>; also declares the secret (1.3.0+)",
    ),
    spec(
        "agent-inject-template-file",
        PerSecret,
        Path,
        None,
        AgentFails,
        "0.10.0",
        "template file inside the agent container for secret <name>; used only when -template- is empty",
    ),
    spec(
        "agent-inject-file",
        PerSecret,
        Path,
        None,
        NotValidated,
        "0.5.0",
        "file name (relative to the secret's volume path) for secret <name>",
    ),
    spec(
        "agent-inject-perms",
        PerSecret,
        FileMode,
        None,
        AgentFails,
        "0.12.0",
        "octal permissions of the rendered file for secret <name> (consul-template default 0644)",
    ),
    spec(
        "agent-inject-command",
        PerSecret,
        Text,
        None,
        NotValidated,
        "0.3.0",
        "command run in the agent container after secret <name> is rendered",
    ),
    spec(
        "secret-volume-path",
        PerSecret,
        Path,
        None,
        NotValidated,
        "0.3.0",
        "mount path for secret <name>; adds a vault-secrets-custom-N volume (default: pod-level secret-volume-path)",
    ),
    spec(
        "agent-template-left-delim",
        PerSecret,
        Text,
        Some("{{"),
        NotValidated,
        "1.5.0",
        "left template delimiter for secret <name>",
    ),
    spec(
        "agent-template-right-delim",
        PerSecret,
        Text,
        Some("}}"),
        NotValidated,
        "1.5.0",
        "right template delimiter for secret <name>",
    ),
    spec(
        "error-on-missing-key",
        PerSecret,
        Bool,
        Some("false"),
        Rejected,
        "1.4.0",
        "template fails when a key is missing in secret <name>",
    ),
    spec(
        "preserve-secret-case",
        PerSecret,
        Bool,
        None,
        SilentlyIgnored,
        "0.3.0",
        "keep the case of <name> (default: pod-level preserve-secret-case); an unparsable value silently means false",
    ),
    // --- per-parameter ------------------------------------------------------
    spec(
        "agent-telemetry",
        PerParameter,
        Text,
        None,
        SilentlyIgnored,
        "1.2.0",
        "agent telemetry{} parameter <p> (- becomes _), JSON or string; unknown or mistyped fields drop the stanza silently",
    ),
    spec(
        "auth-config",
        PerParameter,
        Text,
        None,
        NotValidated,
        "0.9.0",
        "auto-auth method config parameter <p> (- becomes _), e.g. auth-config-role",
    ),
];

fn is_prefix_scope(scope: Scope) -> bool {
    matches!(scope, PerSecret | PerParameter)
}

/// Resolve the part of an annotation name after [`PREFIX`].
///
/// Exact pod-level / webhook keys win; otherwise the longest per-secret or
/// per-parameter key `k` such that `name == k + "-" + suffix` with a
/// non-empty suffix (so `agent-inject-template-file-x` is the template-file
/// key for `x`, and `agent-inject-status` is never a secret).
pub fn lookup(name: &str) -> Option<Resolved<'_>> {
    if let Some(spec) = CATALOG
        .iter()
        .find(|s| !is_prefix_scope(s.scope) && s.key == name)
    {
        return Some(Resolved { spec, suffix: None });
    }
    let mut best: Option<Resolved<'_>> = None;
    for spec in CATALOG.iter().filter(|s| is_prefix_scope(s.scope)) {
        let Some(rest) = name.strip_prefix(spec.key) else {
            continue;
        };
        let Some(suffix) = rest.strip_prefix('-') else {
            continue;
        };
        if suffix.is_empty() {
            continue;
        }
        if best.is_none_or(|b| spec.key.len() > b.spec.key.len()) {
            best = Some(Resolved {
                spec,
                suffix: Some(suffix),
            });
        }
    }
    best
}

/// Display form of a spec's key (without [`PREFIX`]).
pub fn display_key(spec: &AnnotationSpec) -> String {
    match spec.scope {
        PerSecret => format!("{}-<name>", spec.key),
        PerParameter => format!("{}-<param>", spec.key),
        Pod | WrittenByWebhook => spec.key.to_string(),
    }
}

/// Display forms of every key (without [`PREFIX`]), e.g.
/// `agent-inject`, `agent-inject-secret-<name>`, `auth-config-<param>`.
pub fn all_keys() -> impl Iterator<Item = String> {
    CATALOG.iter().map(display_key)
}

/// Check a value the way vault-k8s (or, for [`OnInvalid::AgentFails`] keys,
/// the Vault agent) would parse it.
///
/// `Text`, `Path`, `VaultPath`, `Template` and `Csv` are always accepted.
/// Empty strings are accepted where the injector treats `""` as unset
/// (durations, quantities, JSON patches, file modes, URLs, and every
/// agent-side key); they are still errors where Go parses them
/// (`agent-revoke-grace`, `template-lease-renewal-threshold`,
/// `agent-inject-default-template`). Floats must be finite, because NaN/Inf
/// make the webhook fail when it marshals the agent config. Agent-side
/// durations use the Vault agent's `ParseDurationSecond` (bare seconds ok).
pub fn validate(spec: &AnnotationSpec, value: &str) -> Result<(), ValueError> {
    if value.is_empty() && spec.on_invalid == AgentFails {
        return Ok(());
    }
    match spec.kind {
        Bool => values::parse_bool(value).map(drop),
        Int => values::parse_int(value).map(drop),
        Uint => values::parse_uint(value).map(drop),
        Float => {
            let f = values::parse_float(value)?;
            if f.is_finite() {
                Ok(())
            } else {
                Err(ValueError {
                    message: format!(
                        "{value:?} is not a finite number: use a decimal such as \"0.9\" (NaN and Inf cannot be written to the agent config)"
                    ),
                })
            }
        }
        Duration => {
            if value.is_empty() {
                Ok(())
            } else if spec.on_invalid == AgentFails {
                values::parse_duration_second(value).map(drop)
            } else {
                values::parse_duration(value).map(drop)
            }
        }
        Quantity => {
            if value.is_empty() {
                Ok(())
            } else {
                values::parse_quantity(value)
            }
        }
        JsonPatch => {
            if value.is_empty() {
                Ok(())
            } else {
                values::parse_json_patch(value).map(drop)
            }
        }
        DefaultTemplate => values::parse_default_template(value),
        FileMode => {
            if value.is_empty() {
                Ok(())
            } else {
                values::parse_file_mode(value).map(drop)
            }
        }
        Url => {
            if value.is_empty() {
                Ok(())
            } else {
                values::parse_url(value).map(drop)
            }
        }
        Csv | Path | VaultPath | Template | Text => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every `Annotation* = "vault.hashicorp.com/..."` constant in
    /// vault-k8s v1.7.6 `agent-inject/agent/annotations.go` (74 constants).
    const GO_CONSTANTS: &[(&str, &str)] = &[
        (
            "AnnotationAgentStatus",
            "vault.hashicorp.com/agent-inject-status",
        ),
        ("AnnotationAgentInject", "vault.hashicorp.com/agent-inject"),
        (
            "AnnotationAgentInjectSecret",
            "vault.hashicorp.com/agent-inject-secret",
        ),
        (
            "AnnotationAgentInjectFile",
            "vault.hashicorp.com/agent-inject-file",
        ),
        (
            "AnnotationAgentInjectFilePermission",
            "vault.hashicorp.com/agent-inject-perms",
        ),
        (
            "AnnotationAgentInjectTemplate",
            "vault.hashicorp.com/agent-inject-template",
        ),
        (
            "AnnotationAgentInjectContainers",
            "vault.hashicorp.com/agent-inject-containers",
        ),
        (
            "AnnotationAgentInjectDefaultTemplate",
            "vault.hashicorp.com/agent-inject-default-template",
        ),
        (
            "AnnotationAgentInjectTemplateFile",
            "vault.hashicorp.com/agent-inject-template-file",
        ),
        (
            "AnnotationAgentInjectTemplateLeftDelim",
            "vault.hashicorp.com/agent-template-left-delim",
        ),
        (
            "AnnotationAgentInjectTemplateRightDelim",
            "vault.hashicorp.com/agent-template-right-delim",
        ),
        (
            "AnnotationAgentInjectToken",
            "vault.hashicorp.com/agent-inject-token",
        ),
        (
            "AnnotationAgentInjectCommand",
            "vault.hashicorp.com/agent-inject-command",
        ),
        ("AnnotationAgentImage", "vault.hashicorp.com/agent-image"),
        (
            "AnnotationAgentRequestNamespace",
            "vault.hashicorp.com/agent-request-namespace",
        ),
        (
            "AnnotationAgentInitFirst",
            "vault.hashicorp.com/agent-init-first",
        ),
        (
            "AnnotationAgentPrePopulate",
            "vault.hashicorp.com/agent-pre-populate",
        ),
        (
            "AnnotationAgentPrePopulateOnly",
            "vault.hashicorp.com/agent-pre-populate-only",
        ),
        (
            "AnnotationAgentConfigMap",
            "vault.hashicorp.com/agent-configmap",
        ),
        (
            "AnnotationAgentExtraSecret",
            "vault.hashicorp.com/agent-extra-secret",
        ),
        (
            "AnnotationAgentLimitsCPU",
            "vault.hashicorp.com/agent-limits-cpu",
        ),
        (
            "AnnotationAgentLimitsMem",
            "vault.hashicorp.com/agent-limits-mem",
        ),
        (
            "AnnotationAgentLimitsEphemeral",
            "vault.hashicorp.com/agent-limits-ephemeral",
        ),
        (
            "AnnotationAgentRequestsCPU",
            "vault.hashicorp.com/agent-requests-cpu",
        ),
        (
            "AnnotationAgentRequestsMem",
            "vault.hashicorp.com/agent-requests-mem",
        ),
        (
            "AnnotationAgentRequestsEphemeral",
            "vault.hashicorp.com/agent-requests-ephemeral",
        ),
        (
            "AnnotationAgentRevokeOnShutdown",
            "vault.hashicorp.com/agent-revoke-on-shutdown",
        ),
        (
            "AnnotationAgentRevokeGrace",
            "vault.hashicorp.com/agent-revoke-grace",
        ),
        ("AnnotationVaultNamespace", "vault.hashicorp.com/namespace"),
        (
            "AnnotationAgentRunAsUser",
            "vault.hashicorp.com/agent-run-as-user",
        ),
        (
            "AnnotationAgentRunAsGroup",
            "vault.hashicorp.com/agent-run-as-group",
        ),
        (
            "AnnotationAgentRunAsSameUser",
            "vault.hashicorp.com/agent-run-as-same-user",
        ),
        (
            "AnnotationAgentShareProcessNamespace",
            "vault.hashicorp.com/agent-share-process-namespace",
        ),
        (
            "AnnotationAgentSetSecurityContext",
            "vault.hashicorp.com/agent-set-security-context",
        ),
        (
            "AnnotationAgentServiceAccountTokenVolumeName",
            "vault.hashicorp.com/agent-service-account-token-volume-name",
        ),
        ("AnnotationVaultService", "vault.hashicorp.com/service"),
        (
            "AnnotationProxyAddress",
            "vault.hashicorp.com/proxy-address",
        ),
        (
            "AnnotationVaultTLSSkipVerify",
            "vault.hashicorp.com/tls-skip-verify",
        ),
        ("AnnotationVaultTLSSecret", "vault.hashicorp.com/tls-secret"),
        (
            "AnnotationVaultTLSServerName",
            "vault.hashicorp.com/tls-server-name",
        ),
        ("AnnotationVaultCACert", "vault.hashicorp.com/ca-cert"),
        ("AnnotationVaultCAKey", "vault.hashicorp.com/ca-key"),
        (
            "AnnotationVaultClientCert",
            "vault.hashicorp.com/client-cert",
        ),
        ("AnnotationVaultClientKey", "vault.hashicorp.com/client-key"),
        (
            "AnnotationVaultClientMaxRetries",
            "vault.hashicorp.com/client-max-retries",
        ),
        (
            "AnnotationVaultClientTimeout",
            "vault.hashicorp.com/client-timeout",
        ),
        (
            "AnnotationVaultGoMaxProcs",
            "vault.hashicorp.com/go-max-procs",
        ),
        ("AnnotationVaultLogLevel", "vault.hashicorp.com/log-level"),
        ("AnnotationVaultLogFormat", "vault.hashicorp.com/log-format"),
        ("AnnotationVaultRole", "vault.hashicorp.com/role"),
        ("AnnotationVaultAuthType", "vault.hashicorp.com/auth-type"),
        ("AnnotationVaultAuthPath", "vault.hashicorp.com/auth-path"),
        (
            "AnnotationVaultAuthConfig",
            "vault.hashicorp.com/auth-config",
        ),
        (
            "AnnotationVaultSecretVolumePath",
            "vault.hashicorp.com/secret-volume-path",
        ),
        (
            "AnnotationPreserveSecretCase",
            "vault.hashicorp.com/preserve-secret-case",
        ),
        (
            "AnnotationAgentCacheEnable",
            "vault.hashicorp.com/agent-cache-enable",
        ),
        (
            "AnnotationAgentCacheUseAutoAuthToken",
            "vault.hashicorp.com/agent-cache-use-auto-auth-token",
        ),
        (
            "AnnotationAgentCacheListenerPort",
            "vault.hashicorp.com/agent-cache-listener-port",
        ),
        (
            "AnnotationAgentCacheExitOnErr",
            "vault.hashicorp.com/agent-cache-exit-on-err",
        ),
        (
            "AnnotationAgentCopyVolumeMounts",
            "vault.hashicorp.com/agent-copy-volume-mounts",
        ),
        (
            "AnnotationTemplateConfigExitOnRetryFailure",
            "vault.hashicorp.com/template-config-exit-on-retry-failure",
        ),
        (
            "AnnotationTemplateConfigStaticSecretRenderInterval",
            "vault.hashicorp.com/template-static-secret-render-interval",
        ),
        (
            "AnnotationTemplateConfigMaxConnectionsPerHost",
            "vault.hashicorp.com/template-max-connections-per-host",
        ),
        (
            "AnnotationTemplateConfigLeaseRenewalThreshold",
            "vault.hashicorp.com/template-lease-renewal-threshold",
        ),
        (
            "AnnotationAgentEnableQuit",
            "vault.hashicorp.com/agent-enable-quit",
        ),
        (
            "AnnotationAgentAuthMinBackoff",
            "vault.hashicorp.com/auth-min-backoff",
        ),
        (
            "AnnotationAgentAuthMaxBackoff",
            "vault.hashicorp.com/auth-max-backoff",
        ),
        (
            "AnnotationAgentDisableIdleConnections",
            "vault.hashicorp.com/agent-disable-idle-connections",
        ),
        (
            "AnnotationAgentDisableKeepAlives",
            "vault.hashicorp.com/agent-disable-keep-alives",
        ),
        (
            "AnnotationAgentJsonPatch",
            "vault.hashicorp.com/agent-json-patch",
        ),
        (
            "AnnotationAgentInitJsonPatch",
            "vault.hashicorp.com/agent-init-json-patch",
        ),
        (
            "AnnotationAgentAutoAuthExitOnError",
            "vault.hashicorp.com/agent-auto-auth-exit-on-err",
        ),
        (
            "AnnotationAgentTelemetryConfig",
            "vault.hashicorp.com/agent-telemetry",
        ),
        (
            "AnnotationErrorOnMissingKey",
            "vault.hashicorp.com/error-on-missing-key",
        ),
    ];

    fn get(key: &str, scope: Scope) -> &'static AnnotationSpec {
        CATALOG
            .iter()
            .find(|s| s.key == key && s.scope == scope)
            .unwrap_or_else(|| panic!("missing {key} {scope:?}"))
    }

    #[test]
    fn every_go_constant_is_cataloged() {
        assert_eq!(GO_CONSTANTS.len(), 74);
        for (name, full) in GO_CONSTANTS {
            let key = full.strip_prefix(PREFIX).expect("prefix");
            assert!(
                CATALOG.iter().any(|s| s.key == key),
                "{name} ({full}) missing from CATALOG"
            );
        }
        // And nothing in the catalog is invented.
        for s in CATALOG {
            let full = format!("{PREFIX}{}", s.key);
            assert!(
                GO_CONSTANTS.iter().any(|(_, f)| *f == full),
                "{} is not a vault-k8s constant",
                s.key
            );
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut exact = HashSet::new();
        let mut prefixed = HashSet::new();
        for s in CATALOG {
            let set = if is_prefix_scope(s.scope) {
                &mut prefixed
            } else {
                &mut exact
            };
            assert!(set.insert(s.key), "duplicate key {}", s.key);
        }
        let displays: Vec<String> = all_keys().collect();
        let uniq: HashSet<&String> = displays.iter().collect();
        assert_eq!(uniq.len(), displays.len());
        assert_eq!(displays.len(), CATALOG.len());
        // The only keys that exist in both forms are the documented twins.
        let mut twins: Vec<&&str> = exact.intersection(&prefixed).collect();
        twins.sort();
        assert_eq!(twins, [&"preserve-secret-case", &"secret-volume-path"]);
    }

    #[test]
    fn keys_fit_kubernetes_name_limit() {
        for s in CATALOG {
            assert!(s.key.len() <= 63, "{} too long", s.key);
            let ok_chars = s
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            assert!(ok_chars, "{}", s.key);
            if is_prefix_scope(s.scope) {
                // Room left for at least a short name after "<key>-".
                assert!(s.key.len() + 1 < 63, "{}", s.key);
            }
        }
        // The longest per-secret prefixes leave 36 characters for the name.
        let longest = CATALOG
            .iter()
            .filter(|s| s.scope == PerSecret)
            .map(|s| s.key.len() + 1)
            .max();
        assert_eq!(longest, Some(27));
    }

    #[test]
    fn summaries_are_one_line() {
        for s in CATALOG {
            assert!(
                !s.summary.is_empty() && !s.summary.contains('\n'),
                "{}",
                s.key
            );
            assert!(s.since.is_some(), "{}", s.key);
        }
    }

    #[test]
    fn lookup_precedence() {
        let r = lookup("agent-inject-template-file-x").expect("resolves");
        assert_eq!(r.spec.key, "agent-inject-template-file");
        assert_eq!(r.suffix, Some("x"));

        let r = lookup("agent-inject-template-x").expect("resolves");
        assert_eq!(r.spec.key, "agent-inject-template");
        assert_eq!(r.suffix, Some("x"));

        let r = lookup("agent-inject-status").expect("resolves");
        assert_eq!(r.spec.key, "agent-inject-status");
        assert_eq!(r.spec.scope, WrittenByWebhook);
        assert_eq!(r.suffix, None);

        let r = lookup("agent-inject").expect("resolves");
        assert_eq!((r.spec.key, r.suffix), ("agent-inject", None));

        let r = lookup("agent-inject-secret-ca-key.pem").expect("resolves");
        assert_eq!(r.spec.key, "agent-inject-secret");
        assert_eq!(r.suffix, Some("ca-key.pem"));

        // Pod-level twin vs per-secret override.
        let r = lookup("secret-volume-path").expect("resolves");
        assert_eq!((r.spec.scope, r.suffix), (Pod, None));
        let r = lookup("secret-volume-path-db").expect("resolves");
        assert_eq!((r.spec.scope, r.suffix), (PerSecret, Some("db")));
        let r = lookup("preserve-secret-case").expect("resolves");
        assert_eq!(r.spec.scope, Pod);
        let r = lookup("preserve-secret-case-Db").expect("resolves");
        assert_eq!((r.spec.scope, r.suffix), (PerSecret, Some("Db")));

        let r = lookup("auth-config-role").expect("resolves");
        assert_eq!((r.spec.key, r.spec.scope), ("auth-config", PerParameter));
        assert_eq!(r.suffix, Some("role"));
        let r = lookup("agent-telemetry-prometheus-retention-time").expect("resolves");
        assert_eq!(r.suffix, Some("prometheus-retention-time"));

        // Bare prefixes and empty suffixes do not resolve.
        assert!(lookup("agent-inject-secret").is_none());
        assert!(lookup("agent-inject-secret-").is_none());
        assert!(lookup("auth-config").is_none());
        assert!(lookup("agent-telemetry").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("agent-injct").is_none());
        assert!(lookup("agent-inject-secrets-foo").is_none());
        assert!(lookup("agent-limits-memory").is_none());

        // Pod keys that look like per-secret ones stay pod keys.
        for k in [
            "agent-inject-token",
            "agent-inject-containers",
            "agent-inject-default-template",
        ] {
            let r = lookup(k).expect("resolves");
            assert_eq!((r.spec.key, r.spec.scope, r.suffix), (k, Pod, None));
        }

        // Every pod/webhook key resolves to itself.
        for s in CATALOG.iter().filter(|s| !is_prefix_scope(s.scope)) {
            let r = lookup(s.key).expect("resolves");
            assert!(std::ptr::eq(r.spec, s));
        }
    }

    #[test]
    fn all_keys_display_forms() {
        let keys: Vec<String> = all_keys().collect();
        assert!(keys.contains(&"agent-inject".to_string()));
        assert!(keys.contains(&"agent-inject-secret-<name>".to_string()));
        assert!(keys.contains(&"secret-volume-path".to_string()));
        assert!(keys.contains(&"secret-volume-path-<name>".to_string()));
        assert!(keys.contains(&"auth-config-<param>".to_string()));
        assert!(keys.contains(&"agent-inject-status".to_string()));
    }

    #[test]
    fn kinds_and_behaviours_match_source() {
        let b = |k| get(k, Pod);
        assert_eq!(b("agent-revoke-grace").kind, Uint);
        assert_eq!(b("agent-revoke-grace").default, Some("5"));
        assert_eq!(b("agent-revoke-grace").on_invalid, Rejected);
        assert_eq!(b("preserve-secret-case").on_invalid, SilentlyIgnored);
        assert_eq!(
            get("preserve-secret-case", PerSecret).on_invalid,
            SilentlyIgnored
        );
        assert_eq!(get("error-on-missing-key", PerSecret).on_invalid, Rejected);
        assert_eq!(b("auth-min-backoff").kind, Duration);
        assert_eq!(b("auth-min-backoff").on_invalid, Rejected);
        assert_eq!(b("auth-max-backoff").on_invalid, Rejected);
        assert_eq!(b("agent-pre-populate").default, Some("true"));
        assert_eq!(b("agent-set-security-context").default, Some("true"));
        assert_eq!(
            b("template-config-exit-on-retry-failure").default,
            Some("true")
        );
        assert_eq!(b("agent-inject-default-template").kind, DefaultTemplate);
        assert_eq!(b("template-lease-renewal-threshold").kind, Float);
        assert_eq!(b("template-max-connections-per-host").kind, Int);
        for k in [
            "agent-limits-cpu",
            "agent-limits-mem",
            "agent-limits-ephemeral",
            "agent-requests-cpu",
            "agent-requests-mem",
            "agent-requests-ephemeral",
        ] {
            assert_eq!((b(k).kind, b(k).on_invalid), (Quantity, Rejected), "{k}");
        }
        for k in ["agent-json-patch", "agent-init-json-patch"] {
            assert_eq!((b(k).kind, b(k).on_invalid), (JsonPatch, Rejected), "{k}");
        }
        assert_eq!(get("agent-inject-perms", PerSecret).kind, FileMode);
        assert_eq!(get("agent-inject-perms", PerSecret).on_invalid, AgentFails);
    }

    #[test]
    fn validate_dispatch() {
        let pod = |k| get(k, Pod);
        // Bool
        assert!(validate(pod("agent-inject"), "true").is_ok());
        assert!(validate(pod("agent-inject"), "").is_ok());
        assert!(validate(pod("agent-inject"), "yes").is_err());
        assert!(validate(pod("preserve-secret-case"), "on").is_err());
        // Uint: revoke grace
        assert!(validate(pod("agent-revoke-grace"), "5").is_ok());
        assert!(validate(pod("agent-revoke-grace"), "5s").is_err());
        assert!(validate(pod("agent-revoke-grace"), "").is_err());
        // Int
        assert!(validate(pod("agent-run-as-user"), "1337").is_ok());
        assert!(validate(pod("agent-run-as-user"), "").is_ok());
        assert!(validate(pod("agent-run-as-user"), "root").is_err());
        // Float
        assert!(validate(pod("template-lease-renewal-threshold"), "0.9").is_ok());
        assert!(validate(pod("template-lease-renewal-threshold"), "").is_err());
        assert!(validate(pod("template-lease-renewal-threshold"), "NaN").is_err());
        assert!(validate(pod("template-lease-renewal-threshold"), "inf").is_err());
        // Duration: webhook-validated vs agent-side
        assert!(validate(pod("auth-min-backoff"), "1s").is_ok());
        assert!(validate(pod("auth-min-backoff"), "").is_ok());
        assert!(validate(pod("auth-min-backoff"), "5").is_err());
        assert!(validate(pod("template-static-secret-render-interval"), "300").is_ok());
        assert!(validate(pod("template-static-secret-render-interval"), "5m").is_ok());
        assert!(validate(pod("template-static-secret-render-interval"), "soon").is_err());
        assert!(validate(pod("client-timeout"), "60s").is_ok());
        // Quantity
        assert!(validate(pod("agent-limits-cpu"), "").is_ok());
        assert!(validate(pod("agent-limits-cpu"), "500m").is_ok());
        assert!(validate(pod("agent-limits-mem"), "128MB").is_err());
        // JSON patch
        assert!(validate(pod("agent-json-patch"), "").is_ok());
        assert!(validate(pod("agent-json-patch"), "{}").is_err());
        // Default template
        assert!(validate(pod("agent-inject-default-template"), "JSON").is_ok());
        assert!(validate(pod("agent-inject-default-template"), "").is_err());
        // File mode
        let perms = get("agent-inject-perms", PerSecret);
        assert!(validate(perms, "0640").is_ok());
        assert!(validate(perms, "").is_ok());
        assert!(validate(perms, "0o640").is_err());
        // URL
        assert!(validate(pod("service"), "https://vault.vault:8200").is_ok());
        assert!(validate(pod("service"), "vault.vault:8200").is_err());
        assert!(validate(pod("proxy-address"), "").is_ok());
        // Uint on the agent side: "" means the env var is not set.
        assert!(validate(pod("client-max-retries"), "").is_ok());
        assert!(validate(pod("client-max-retries"), "-1").is_err());
        // Free-form kinds
        assert!(validate(get("agent-inject-template", PerSecret), "{{ oops").is_ok());
        assert!(validate(pod("agent-inject-containers"), ",,").is_ok());
        assert!(validate(pod("role"), "").is_ok());
    }
}
