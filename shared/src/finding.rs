//! The one result type every check produces, whatever it looked at.

use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice.
    Info,
    /// Works today but is a real risk.
    Warning,
    /// The webhook rejects the pod, istiod crashes or silently self-signs, or traffic breaks.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points. YAML positions are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    Yaml {
        file: String,
        /// 0-based index of the YAML document in the file.
        document: usize,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
        /// Key path to the node, e.g. `pilot.podAnnotations."vault.hashicorp.com/role"`.
        key_path: String,
    },
    /// A PEM file of a CA bundle, or one of its blocks.
    Pem {
        /// The file read: `certs/cluster1/ca-cert.pem`, or a Secret manifest / Vault JSON.
        file: String,
        /// The key inside a manifest or JSON (`ca-cert.pem`, `ca_cert`), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        member: Option<String>,
        /// 0-based index of the PEM block in its file.
        #[serde(skip_serializing_if = "Option::is_none")]
        block: Option<usize>,
        /// 1-based line of the block's BEGIN line in `file` (standalone files only).
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
    },
    /// A live Kubernetes object (or the cluster itself, with kind `Cluster`).
    Object {
        cluster: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// The object's kind (`Deployment`, `Pod`, ...). Serialised as `object_kind`, as
        /// `kind` names the location's own variant.
        #[serde(rename = "object_kind")]
        kind: String,
        name: String,
    },
    /// An object on the Vault server, by its API path (`auth/kubernetes/role/istiod`).
    Vault { path: String },
}

/// How a live object is named in findings and SARIF:
/// `k8s/<cluster>/<namespace>/<kind>/<name>`, without the namespace when cluster-scoped.
pub fn object_uri(cluster: &str, namespace: Option<&str>, kind: &str, name: &str) -> String {
    match namespace {
        Some(ns) => format!("k8s/{cluster}/{ns}/{kind}/{name}"),
        None => format!("k8s/{cluster}/{kind}/{name}"),
    }
}

/// How a Vault object is named in findings and SARIF: `vault/<api path>`.
pub fn vault_uri(path: &str) -> String {
    format!("vault/{}", path.trim_matches('/'))
}

impl Location {
    pub fn file(&self) -> &str {
        match self {
            Location::Yaml { file, .. } | Location::Pem { file, .. } => file,
            Location::Object { cluster, .. } => cluster,
            Location::Vault { path } => path,
        }
    }

    /// `k8s/<cluster>/<namespace>/<kind>/<name>` for live objects (the SARIF URI too).
    pub fn object_uri(&self) -> Option<String> {
        match self {
            Location::Object {
                cluster,
                namespace,
                kind,
                name,
            } => Some(object_uri(cluster, namespace.as_deref(), kind, name)),
            Location::Vault { path } => Some(vault_uri(path)),
            _ => None,
        }
    }

    /// Line and column for sorting and display (0 when unknown).
    pub fn line_column(&self) -> (u32, u32) {
        match self {
            Location::Yaml { line, column, .. } => (*line, *column),
            Location::Pem { line, block, .. } => (
                line.unwrap_or(0),
                block.map_or(0, |b| u32::try_from(b).unwrap_or(u32::MAX)),
            ),
            Location::Object { .. } | Location::Vault { .. } => (0, 0),
        }
    }

    /// `file`, `file (ca-cert.pem)`, `file, block 2` as people read it.
    pub fn describe(&self) -> String {
        match self {
            Location::Yaml {
                file, line, column, ..
            } => format!("{file}:{line}:{column}"),
            Location::Object { .. } | Location::Vault { .. } => {
                self.object_uri().unwrap_or_default()
            }
            Location::Pem {
                file,
                member,
                block,
                line,
            } => {
                let mut s = file.clone();
                if let Some(l) = line {
                    s.push_str(&format!(":{l}"));
                }
                let mut extra = Vec::new();
                if let Some(m) = member {
                    extra.push(m.clone());
                }
                if let Some(b) = block {
                    extra.push(format!("PEM block {}", b + 1));
                }
                if !extra.is_empty() {
                    s.push_str(&format!(" ({})", extra.join(", ")));
                }
                s
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule code, e.g. `VI101`.
    pub code: &'static str,
    /// Stable kebab-case rule name, e.g. `inject-annotation-missing`.
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong here, in one sentence.
    pub message: String,
    pub location: Location,
    /// How to fix it, when there is a concrete suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Counts per severity, for summaries and exit codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// True if any finding is at or above `threshold`.
    pub fn reaches(&self, threshold: Severity) -> bool {
        match threshold {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }
}

/// Sorts findings by file, position, then code, so every output is stable.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.location.file(), a.location.line_column(), a.code).cmp(&(
            b.location.file(),
            b.location.line_column(),
            b.code,
        ))
    });
}

/// Removes anything that could be key material from text meant for output: PEM blocks
/// (whole or cut off) and long base64 runs. Findings quote annotation values, and a user may
/// have pasted a private key into one; it must never reach a report, log or error.
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let needs = text.contains("-----BEGIN") || longest_base64_run(text) >= REDACT_RUN;
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN") {
        out.push_str(&rest[..start]);
        out.push_str("[redacted PEM]");
        let after = &rest[start..];
        rest = match after.find("-----END") {
            Some(end) => {
                let tail = &after[end + "-----END".len()..];
                match tail.find("-----") {
                    Some(close) => &tail[close + 5..],
                    None => "",
                }
            }
            None => "",
        };
    }
    out.push_str(rest);
    // Long base64 runs (a key body without its header).
    let mut cleaned = String::with_capacity(out.len());
    let mut run = String::new();
    for c in out.chars() {
        if is_b64(c) {
            run.push(c);
        } else {
            flush_run(&mut cleaned, &mut run);
            cleaned.push(c);
        }
    }
    flush_run(&mut cleaned, &mut run);
    std::borrow::Cow::Owned(cleaned)
}

/// A PEM body line is 64 characters; shorter runs are paths and names.
const REDACT_RUN: usize = 64;

fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

fn looks_like_key_body(run: &str) -> bool {
    run.len() >= REDACT_RUN
        && run.bytes().any(|b| b.is_ascii_uppercase())
        && run.bytes().any(|b| b.is_ascii_lowercase())
        && run.bytes().any(|b| b.is_ascii_digit())
}

fn flush_run(out: &mut String, run: &mut String) {
    if looks_like_key_body(run) {
        out.push_str("[redacted]");
    } else {
        out.push_str(run);
    }
    run.clear();
}

fn longest_base64_run(text: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in text.chars() {
        cur = if is_b64(c) { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn pem_blocks_and_long_base64_are_redacted() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIJKwIBAAKCAgEA0de2Lr+DhI0HlEcl6uDrJonpUttReh57ntNNLA4AH\n-----END RSA PRIVATE KEY-----\n";
        let text = format!("value \"{key}\" is bad");
        let out = redact(&text);
        assert_eq!(out, "value \"[redacted PEM]\n\" is bad");
        let out = redact("cut \"-----BEGIN PRIVATE KEY-----\nMIIE");
        assert_eq!(out, "cut \"[redacted PEM]");
        let body = "MIIJKwIBAAKCAgEA0de2Lr+DhI0HlEcl6uDrJonpUttReh57ntNNLA4AH+7lb6Le0de2Lr";
        assert_eq!(redact(&format!("x {body} y")), "x [redacted] y");
        assert_eq!(
            redact("auth/kubernetes-cluster1 is fine"),
            "auth/kubernetes-cluster1 is fine"
        );
        let path = "secret/data/istiod/cluster1/intermediate/certificates/current/version";
        assert_eq!(redact(path), path);
    }
}
