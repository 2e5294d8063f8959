//! The checks krew-index's CI applies to a plugin manifest (`validate-krew-manifest`,
//! krew's `internal/index/validation`; peers.md §1.2), so `krew.yaml` is known good before
//! it is submitted: apiVersion and kind, the name (and file name), a `v`-prefixed semver,
//! a one-line short description that `krew search` shows whole, and per platform an
//! archive URI, a lowercase sha256, a `bin`, and an `os`/`arch` selector; every selector
//! must match a platform krew knows, and no platform may be matched twice.

use vault_istio::source::Node;
use vault_istio::source::yaml;

const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
/// `kubectl krew search` cuts the short description at 50 characters.
const SHORT_DESCRIPTION_MAX: usize = 50;
/// The os/arch pairs krew's validator knows.
const PLATFORMS: &[(&str, &str)] = &[
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// Every way `text` (the manifest, named `file_name`) breaks a krew rule; empty when valid.
pub fn validate(file_name: &str, text: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let docs = match yaml::parse(text) {
        Ok(d) if d.len() == 1 => d,
        Ok(d) => return vec![format!("one YAML document expected, found {}", d.len())],
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let root = &docs[0].root;
    let s = |path: &[&str]| root.path(path).and_then(Node::as_str);
    if s(&["apiVersion"]) != Some(API_VERSION) {
        errors.push(format!("apiVersion must be {API_VERSION}"));
    }
    if s(&["kind"]) != Some("Plugin") {
        errors.push("kind must be Plugin".into());
    }
    let name = s(&["metadata", "name"]).unwrap_or_default();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_name {
        errors.push(format!("metadata.name `{name}` must match ^[\\w-]+$"));
    }
    if let Some(stem) = file_name.strip_suffix(".yaml")
        && stem != name
    {
        errors.push(format!(
            "the file must be named after the plugin: {name}.yaml, not {file_name}"
        ));
    }
    let version = s(&["spec", "version"]).unwrap_or_default();
    if !is_v_semver(version) {
        errors.push(format!(
            "spec.version `{version}` must be a semantic version with a leading v (v1.2.3)"
        ));
    }
    match s(&["spec", "shortDescription"]) {
        None => errors.push("spec.shortDescription is required".into()),
        Some(d) if d.contains(['\n', '\r']) => {
            errors.push("spec.shortDescription must be one line".into())
        }
        Some(d) if d.chars().count() > SHORT_DESCRIPTION_MAX => errors.push(format!(
            "spec.shortDescription is {} characters; `krew search` shows {SHORT_DESCRIPTION_MAX}",
            d.chars().count()
        )),
        Some(_) => {}
    }
    if s(&["spec", "description"]).is_none_or(|d| d.trim().is_empty()) {
        errors.push("spec.description is required".into());
    }
    let platforms = root
        .path(&["spec", "platforms"])
        .and_then(Node::as_sequence)
        .unwrap_or_default();
    if platforms.is_empty() {
        errors.push("spec.platforms must list at least one platform".into());
    }
    let mut matched: Vec<Vec<(&str, &str)>> = Vec::new();
    for (i, p) in platforms.iter().enumerate() {
        let at = format!("spec.platforms[{i}]");
        let uri = p.get("uri").and_then(Node::as_str).unwrap_or_default();
        if !(uri.ends_with(".tar.gz") || uri.ends_with(".zip")) {
            errors.push(format!(
                "{at}.uri `{uri}` must be a .tar.gz or .zip archive"
            ));
        }
        let sha = p.get("sha256").and_then(Node::as_str).unwrap_or_default();
        if sha.len() != 64
            || !sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            errors.push(format!("{at}.sha256 must be 64 lowercase hex digits"));
        }
        if p.get("bin")
            .and_then(Node::as_str)
            .is_none_or(str::is_empty)
        {
            errors.push(format!("{at}.bin is required"));
        }
        match p.get("selector").map(selector) {
            None => errors.push(format!("{at}.selector is required")),
            Some(Err(e)) => errors.push(format!("{at}.selector: {e}")),
            Some(Ok(sel)) => {
                let hits: Vec<(&str, &str)> = PLATFORMS
                    .iter()
                    .copied()
                    .filter(|(os, arch)| sel.matches(os, arch))
                    .collect();
                if hits.is_empty() {
                    errors.push(format!("{at}.selector matches no platform krew knows"));
                }
                matched.push(hits);
            }
        }
    }
    for pair in PLATFORMS {
        let n = matched.iter().filter(|m| m.contains(pair)).count();
        if n > 1 {
            errors.push(format!(
                "{}/{} is matched by {n} platforms: selectors must not overlap",
                pair.0, pair.1
            ));
        }
    }
    errors
}

/// `v` + MAJOR.MINOR.PATCH, with an optional `-pre` and `+build` (Kubernetes' ParseSemantic).
fn is_v_semver(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// A label selector over the keys `os` and `arch` only.
struct Selector {
    labels: Vec<(String, String)>,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn matches(&self, os: &str, arch: &str) -> bool {
        let value = |k: &str| if k == "os" { os } else { arch };
        self.labels.iter().all(|(k, v)| value(k) == v)
            && self.expressions.iter().all(|(k, op, vals)| {
                let has = vals.iter().any(|v| v == value(k));
                match op.as_str() {
                    "In" => has,
                    "NotIn" => !has,
                    "Exists" => true,
                    _ => false,
                }
            })
    }
}

fn selector(node: &Node) -> Result<Selector, String> {
    let mut sel = Selector {
        labels: Vec::new(),
        expressions: Vec::new(),
    };
    let key_ok = |k: &str| {
        if k == "os" || k == "arch" {
            Ok(())
        } else {
            Err(format!("only the keys os and arch are allowed, not `{k}`"))
        }
    };
    if let Some(m) = node.get("matchLabels").and_then(Node::as_mapping) {
        for (k, v) in m {
            let k = k.as_str().unwrap_or_default();
            key_ok(k)?;
            sel.labels
                .push((k.to_string(), v.as_str().unwrap_or_default().to_string()));
        }
    }
    if let Some(exprs) = node.get("matchExpressions").and_then(Node::as_sequence) {
        for e in exprs {
            let k = e.get("key").and_then(Node::as_str).unwrap_or_default();
            key_ok(k)?;
            let op = e.get("operator").and_then(Node::as_str).unwrap_or_default();
            if !["In", "NotIn", "Exists"].contains(&op) {
                return Err(format!("operator `{op}` is not In, NotIn or Exists"));
            }
            let vals = e
                .get("values")
                .and_then(Node::as_sequence)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            sel.expressions.push((k.to_string(), op.to_string(), vals));
        }
    }
    if sel.labels.is_empty() && sel.expressions.is_empty() {
        return Err("an empty selector is not allowed".into());
    }
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::validate;

    const GOOD: &str = r#"apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: vault-istio
spec:
  version: v0.1.0
  homepage: https://github.com/vault-istio/vault-istio
  shortDescription: Check Istio CAs kept in HashiCorp Vault
  description: |
    Lints istiod's Vault Agent Injector wiring.
  platforms:
    - selector:
        matchLabels: {os: linux, arch: amd64}
      uri: https://example.com/kubectl-vault_istio-v0.1.0-linux-amd64.tar.gz
      sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      bin: kubectl-vault_istio
    - selector:
        matchExpressions:
          - {key: os, operator: In, values: [darwin]}
      uri: https://example.com/kubectl-vault_istio-v0.1.0-darwin.tar.gz
      sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      bin: kubectl-vault_istio
"#;

    #[test]
    fn a_good_manifest_passes() {
        assert_eq!(validate("vault-istio.yaml", GOOD), Vec::<String>::new());
    }

    #[test]
    fn each_rule_is_enforced() {
        let cases: &[(&str, &str, &str)] = &[
            ("v0.1.0", "0.1.0", "leading v"),
            ("v0.1.0", "v1.2", "leading v"),
            ("kind: Plugin", "kind: Plugins", "kind must be Plugin"),
            ("alpha2", "alpha1", "apiVersion"),
            (
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n      bin: kubectl-vault_istio\n    - selector",
                "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n      bin: kubectl-vault_istio\n    - selector",
                "lowercase hex",
            ),
            (
                "Check Istio CAs kept in HashiCorp Vault",
                "Check Istio CAs kept in HashiCorp Vault, and much more besides",
                "shows 50",
            ),
            (
                "{os: linux, arch: amd64}",
                "{os: linux, platform: amd64}",
                "only the keys os and arch",
            ),
            (
                "values: [darwin]",
                "values: [darwin, linux]",
                "linux/amd64 is matched by 2 platforms",
            ),
            ("values: [darwin]", "values: [plan9]", "matches no platform"),
            ("linux-amd64.tar.gz", "linux-amd64.exe", "archive"),
        ];
        for (from, to, expect) in cases {
            let bad = GOOD.replacen(from, to, 1);
            assert_ne!(bad, GOOD, "{from}");
            let errors = validate("vault-istio.yaml", &bad);
            assert!(
                errors.iter().any(|e| e.contains(expect)),
                "{to}: {errors:?}"
            );
        }
        assert!(
            validate("krew.yaml", GOOD)
                .iter()
                .any(|e| e.contains("named after the plugin"))
        );
    }
}

#[cfg(test)]
mod template_tests {
    /// `.krew.yaml` as krew-release-bot renders it for a tag: `{{ .TagName }}` is the tag,
    /// and `addURIAndSha URL TAG` emits `uri:` and `sha256:` lines.
    fn render(template: &str, tag: &str) -> String {
        let mut out = String::new();
        for line in template.lines() {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("{{ addURIAndSha \"") {
                let url = rest
                    .split('"')
                    .next()
                    .unwrap_or_default()
                    .replace("{{ .TagName }}", tag);
                out.push_str(&format!(
                    "{indent}uri: {url}\n{indent}sha256: {}\n",
                    "0".repeat(64)
                ));
            } else {
                out.push_str(&line.replace("{{ .TagName }}", tag));
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn the_release_bot_template_renders_a_valid_manifest() {
        let template = include_str!("../../.krew.yaml");
        let manifest = render(template, "v0.1.0");
        assert!(manifest.contains("uri: https://github.com/vault-istio/vault-istio/releases/download/v0.1.0/kubectl-vault_istio-v0.1.0-linux-amd64.tar.gz"), "{manifest}");
        assert_eq!(
            super::validate("vault-istio.yaml", &manifest),
            Vec::<String>::new()
        );
    }
}
