//! One pod's injector annotations read the way vault-k8s reads them: which secrets it
//! declares, the template each renders with, and the file each lands in.

use crate::model::{Annotation, IstiodSpec};
use crate::template::{self, Template};

/// Default directory the injector renders into (`secret-volume-path`).
pub const DEFAULT_SECRET_VOLUME_PATH: &str = "/vault/secrets";

/// The annotation prefixes that declare a secret, in the order vault-k8s tries them.
const DECLARING: [&str; 3] = [
    "agent-inject-secret-",
    "agent-inject-template-file-",
    "agent-inject-template-",
];

/// A secret the agent will render, with everything that shapes its file.
#[derive(Debug)]
pub struct SecretFile<'a> {
    /// The suffix as written in the annotation key (`RawName` in vault-k8s).
    pub raw_name: String,
    /// The file name: the raw name lower-cased unless `preserve-secret-case` is true.
    pub name: String,
    /// The annotation that declared the secret (first in vault-k8s' prefix order).
    pub declared_by: &'a Annotation,
    /// `agent-inject-secret-<n>`: the Vault path, used only by the default template.
    pub path: Option<&'a Annotation>,
    /// `agent-inject-template-<n>`.
    pub template: Option<&'a Annotation>,
    /// `agent-inject-template-file-<n>` (used only when there is no inline template).
    pub template_file: Option<&'a Annotation>,
    /// `agent-inject-file-<n>`.
    pub file: Option<&'a Annotation>,
    /// `agent-inject-perms-<n>`.
    pub perms: Option<&'a Annotation>,
    /// `error-on-missing-key-<n>`.
    pub error_on_missing_key: Option<&'a Annotation>,
    pub left_delim: String,
    pub right_delim: String,
    /// The directory: `secret-volume-path-<n>`, else `secret-volume-path`, else the default.
    pub mount_path: String,
    /// Where the file lands.
    pub destination: String,
    /// The parsed inline template, if any.
    pub parsed: Option<Template>,
}

impl SecretFile<'_> {
    /// The file name part of `destination`.
    pub fn file_name(&self) -> &str {
        self.destination
            .rsplit('/')
            .next()
            .unwrap_or(&self.destination)
    }

    /// The directory part of `destination`.
    pub fn directory(&self) -> &str {
        match self.destination.rfind('/') {
            Some(0) => "/",
            Some(i) => &self.destination[..i],
            None => ".",
        }
    }
}

/// The typed view of one pod's injector annotations.
#[derive(Debug)]
pub struct InjectorConfig<'a> {
    pub secrets: Vec<SecretFile<'a>>,
}

fn is_true(a: Option<&Annotation>) -> bool {
    a.and_then(Annotation::text)
        .and_then(|t| super::values::parse_bool(t).ok())
        .unwrap_or(false)
}

impl<'a> InjectorConfig<'a> {
    pub fn from_spec(spec: &'a IstiodSpec) -> InjectorConfig<'a> {
        let mut secrets: Vec<SecretFile<'a>> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for ann in &spec.annotations {
            let Some(name) = ann.vault_name() else {
                continue;
            };
            if ann.text().is_none_or(|t| t.trim().is_empty()) {
                continue;
            }
            let Some(raw) = DECLARING.iter().find_map(|p| name.strip_prefix(p)) else {
                continue;
            };
            if raw.is_empty() || seen.iter().any(|s| s == raw) {
                continue;
            }
            // The last annotation with this key wins; point at that one.
            let declared_by = spec.annotation(&ann.key).unwrap_or(ann);
            seen.push(raw.to_string());
            secrets.push(Self::secret(spec, raw, declared_by));
        }
        InjectorConfig { secrets }
    }

    fn secret(spec: &'a IstiodSpec, raw: &str, declared_by: &'a Annotation) -> SecretFile<'a> {
        let per = |prefix: &str| spec.vault(&format!("{prefix}-{raw}"));
        let preserve = per("preserve-secret-case").or_else(|| spec.vault("preserve-secret-case"));
        let name = if is_true(preserve) {
            raw.to_string()
        } else {
            raw.to_lowercase()
        };
        let text = |a: Option<&Annotation>| a.and_then(Annotation::text).map(str::to_string);
        let mount_path = text(per("secret-volume-path"))
            .or_else(|| text(spec.vault("secret-volume-path")))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_SECRET_VOLUME_PATH.to_string());
        let file = per("agent-inject-file");
        let destination = match text(file).filter(|f| !f.is_empty()) {
            Some(f) => join_clean(&mount_path, &f),
            None => format!("{}/{}", mount_path.trim_end_matches('/'), name),
        };
        let left_delim = text(per("agent-template-left-delim")).filter(|d| !d.is_empty());
        let right_delim = text(per("agent-template-right-delim")).filter(|d| !d.is_empty());
        let left_delim = left_delim.unwrap_or_else(|| "{{".into());
        let right_delim = right_delim.unwrap_or_else(|| "}}".into());
        let template =
            per("agent-inject-template").filter(|a| a.text().is_some_and(|t| !t.is_empty()));
        let parsed = template
            .and_then(Annotation::text)
            .map(|t| template::parse(t, &left_delim, &right_delim));
        SecretFile {
            raw_name: raw.to_string(),
            name,
            declared_by,
            path: per("agent-inject-secret"),
            template,
            template_file: if template.is_none() {
                per("agent-inject-template-file")
            } else {
                None
            },
            file,
            perms: per("agent-inject-perms"),
            error_on_missing_key: per("error-on-missing-key"),
            left_delim,
            right_delim,
            mount_path,
            destination,
            parsed,
        }
    }
}

/// A path with a `data` segment after the mount's first segment reads like a KV v2 read
/// (`<mount>/data/<path>`, also for multi-segment mounts such as `platform/istio/data/ca`).
pub fn looks_kv2(path: &str) -> bool {
    path.trim_matches('/')
        .split('/')
        .skip(1)
        .any(|seg| seg == "data")
}

/// Go's `filepath.Join`: join, then clean (`.`/`..` resolved lexically, slashes collapsed).
pub fn join_clean(base: &str, rel: &str) -> String {
    clean(&format!("{base}/{rel}"))
}

/// Go's `path.Clean` for slash paths.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{recognize, yaml::parse};

    fn spec(annotations: &str) -> IstiodSpec {
        let text = format!("pilot:\n  podAnnotations:\n{annotations}");
        recognize("t", &parse(&text).unwrap()).specs.remove(0)
    }

    #[test]
    fn secrets_files_and_templates() {
        let s = spec(concat!(
            "    vault.hashicorp.com/agent-inject-secret-CA-Key.pem: \"kv/ca\"\n",
            "    vault.hashicorp.com/agent-inject-template-CA-Key.pem: '{{ with secret \"kv/ca\" }}{{ .Data.k }}{{ end }}'\n",
            "    vault.hashicorp.com/agent-inject-template-ca-cert.pem: \"x\"\n",
            "    vault.hashicorp.com/agent-inject-file-ca-cert.pem: \"sub/../cert.pem\"\n",
            "    vault.hashicorp.com/secret-volume-path: /etc/ca/\n",
            "    vault.hashicorp.com/agent-inject-secret-blank: \"  \"\n",
        ));
        let cfg = InjectorConfig::from_spec(&s);
        assert_eq!(cfg.secrets.len(), 2);
        let key = &cfg.secrets[0];
        assert_eq!(key.raw_name, "CA-Key.pem");
        assert_eq!(key.name, "ca-key.pem");
        assert_eq!(key.destination, "/etc/ca/ca-key.pem");
        assert_eq!(key.directory(), "/etc/ca");
        assert_eq!(
            key.parsed.as_ref().unwrap().secret_reads[0].path.as_deref(),
            Some("kv/ca")
        );
        let cert = &cfg.secrets[1];
        assert!(cert.path.is_none());
        assert_eq!(cert.destination, "/etc/ca/cert.pem");
    }

    #[test]
    fn preserve_case_keeps_the_name() {
        let s = spec(concat!(
            "    vault.hashicorp.com/agent-inject-secret-Key: kv/a\n",
            "    vault.hashicorp.com/preserve-secret-case-Key: \"true\"\n",
        ));
        assert_eq!(
            InjectorConfig::from_spec(&s).secrets[0].destination,
            "/vault/secrets/Key"
        );
    }

    #[test]
    fn go_path_clean() {
        assert_eq!(clean("/vault/secrets/../x"), "/vault/x");
        assert_eq!(clean("/vault//secrets/./a"), "/vault/secrets/a");
        assert_eq!(clean("/../.."), "/");
        assert_eq!(
            join_clean("/vault/secrets", "/abs/f"),
            "/vault/secrets/abs/f"
        );
    }
}

/// What the agent would write for one secret, with placeholders for the secret's values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FilePreview {
    /// Where the file lands, e.g. `/vault/secrets/ca-key.pem`.
    pub path: String,
    /// `custom` (inline template), `file` (template file in the agent) or `default`
    /// (the injector's key/value dump).
    pub template: &'static str,
    /// The Vault paths the template reads.
    pub reads: Vec<String>,
    /// The rendered text, with `<field from path>` standing for each value; `<no value>`
    /// where the field's shape cannot match the path's KV version. `None` when there is
    /// no inline template to evaluate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// False when parts of the template could not be evaluated statically.
    pub exact: bool,
}

impl SecretFile<'_> {
    /// A static preview of the file, without Vault: values become placeholders.
    pub fn preview(&self) -> FilePreview {
        let (template, reads) = match (&self.parsed, self.template_file) {
            (Some(t), _) => (
                "custom",
                t.secret_reads
                    .iter()
                    .filter_map(|r| r.path.clone())
                    .collect(),
            ),
            (None, Some(_)) => ("file", Vec::new()),
            (None, None) => (
                "default",
                self.path
                    .and_then(Annotation::text)
                    .map(|p| vec![p.to_string()])
                    .unwrap_or_default(),
            ),
        };
        let rendered = self
            .parsed
            .as_ref()
            .zip(self.template.and_then(Annotation::text))
            .map(|(t, text)| t.render(text, &placeholder));
        FilePreview {
            path: self.destination.clone(),
            template,
            reads,
            exact: rendered.as_ref().is_some_and(|r| r.exact),
            // Template text is the user's; a pasted key must not come back out.
            preview: rendered.map(|r| crate::finding::redact(&r.text).into_owned()),
        }
    }
}

/// Stands in for Vault: a field of a KV v2-looking path read as `.Data.<k>` is missing
/// (the agent prints `<no value>`); anything else becomes `<k from path>`.
fn placeholder(path: &str, chain: &[String]) -> template::Lookup {
    let kv2 = looks_kv2(path);
    match chain {
        [data, key] if data == "Data" && kv2 && key != "data" && key != "metadata" => {
            template::Lookup::MissingKey
        }
        [data, key] | [data, _, key] if data == "Data" => {
            template::Lookup::Value(format!("<{key} from {path}>"))
        }
        _ => template::Lookup::Unknown,
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;
    use crate::source::{recognize, yaml::parse};

    #[test]
    fn previews_show_what_the_agent_writes() {
        let text = concat!(
            "pilot:\n  podAnnotations:\n",
            "    vault.hashicorp.com/agent-inject-template-ca-key.pem: |\n",
            "      {{- with secret \"kv/istio/ca\" -}}\n      {{ .Data.ca_key }}\n      {{ end -}}\n",
            "    vault.hashicorp.com/agent-inject-template-ca-cert.pem: '{{ with secret \"secret/data/ca\" }}{{ .Data.ca_cert }}{{ end }}'\n",
            "    vault.hashicorp.com/agent-inject-secret-other: kv/other\n",
        );
        let spec = recognize("t", &parse(text).unwrap()).specs.remove(0);
        let cfg = InjectorConfig::from_spec(&spec);
        let p: Vec<FilePreview> = cfg.secrets.iter().map(SecretFile::preview).collect();
        assert_eq!(p[0].path, "/vault/secrets/ca-key.pem");
        assert_eq!(p[0].preview.as_deref(), Some("<ca_key from kv/istio/ca>\n"));
        assert!(p[0].exact);
        assert_eq!(p[0].reads, vec!["kv/istio/ca"]);
        assert_eq!(p[1].preview.as_deref(), Some("<no value>"));
        assert_eq!(p[2].template, "default");
        assert_eq!(p[2].reads, vec!["kv/other"]);
        assert_eq!(p[2].preview, None);
    }
}
