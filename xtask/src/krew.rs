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

/// The repository's `krew.yaml` names the release of the workspace version: after a
/// version bump, `cargo xtask dist --version vX --krew krew.yaml` renews it.
pub fn version_is(text: &str, want: &str) -> Option<String> {
    let docs = yaml::parse(text).ok()?;
    let have = docs
        .first()?
        .root
        .path(&["spec", "version"])
        .and_then(Node::as_str)?;
    (have != want).then(|| {
        format!(
            "spec.version is {have} but the workspace version is {want}; run `cargo xtask dist --version {want} --krew krew.yaml`"
        )
    })
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

/// Renders the krew-release-bot template (`.krew.yaml`) for `tag` the way the bot does:
/// `{{ .TagName }}` is the tag, `{{ .Version }}` the tag without its `v`, and
/// `{{ addURIAndSha "URL" .TagName }}` becomes `uri:` and `sha256:` lines, the sha256 from
/// `sha256_of(url)`. A platform whose archive `sha256_of` does not know (`None`) is left
/// out, so a release built for fewer platforms gets a manifest for exactly those.
pub fn render_template(
    template: &str,
    tag: &str,
    sha256_of: impl Fn(&str) -> Option<String>,
) -> String {
    let version = tag.strip_prefix('v').unwrap_or(tag);
    let subst = |s: &str| {
        s.replace("{{ .TagName }}", tag)
            .replace("{{ .Version }}", version)
    };
    let mut out = String::new();
    // The platform item being rendered: its dash's indentation, its lines, and whether
    // its archive is known.
    let mut item: Option<(usize, String, bool)> = None;
    let flush = |item: &mut Option<(usize, String, bool)>, out: &mut String| {
        if let Some((_, text, true)) = item.take() {
            out.push_str(&text);
        }
    };
    for line in template.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim_start();
        if item
            .as_ref()
            .is_some_and(|(at, _, _)| !t.is_empty() && indent <= *at)
        {
            flush(&mut item, &mut out);
        }
        if t.starts_with("- selector:") {
            item = Some((indent, String::new(), true));
        }
        let rendered = match t.strip_prefix("{{ addURIAndSha \"") {
            Some(rest) => {
                let url = subst(rest.split('"').next().unwrap_or_default());
                let pad = &line[..indent];
                match sha256_of(&url) {
                    Some(sha) => format!("{pad}uri: {url}\n{pad}sha256: {sha}\n"),
                    None => {
                        if let Some((_, _, known)) = item.as_mut() {
                            *known = false;
                        }
                        String::new()
                    }
                }
            }
            None => format!("{}\n", subst(line)),
        };
        match item.as_mut() {
            Some((_, text, _)) => text.push_str(&rendered),
            None => out.push_str(&rendered),
        }
    }
    flush(&mut item, &mut out);
    out
}

#[cfg(test)]
mod template_tests {
    use super::{render_template, validate};

    const TEMPLATE: &str = include_str!("../../.krew.yaml");

    #[test]
    fn the_release_bot_template_renders_a_valid_manifest() {
        let manifest = render_template(TEMPLATE, "v0.1.0", |_| Some("0".repeat(64)));
        assert!(manifest.contains("uri: https://github.com/vault-istio/vault-istio/releases/download/v0.1.0/kubectl-vault_istio-v0.1.0-linux-amd64.tar.gz"), "{manifest}");
        assert!(!manifest.contains("{{"), "{manifest}");
        assert_eq!(
            validate("vault-istio.yaml", &manifest),
            Vec::<String>::new()
        );
    }

    #[test]
    fn platforms_without_an_archive_are_left_out() {
        let only_linux_amd64 =
            |url: &str| url.ends_with("-linux-amd64.tar.gz").then(|| "a".repeat(64));
        let manifest = render_template(TEMPLATE, "v1.2.3", only_linux_amd64);
        assert_eq!(manifest.matches("- selector:").count(), 1, "{manifest}");
        assert_eq!(manifest.matches("sha256: ").count(), 1, "{manifest}");
        assert!(manifest.contains("version: v1.2.3"));
        assert_eq!(
            validate("vault-istio.yaml", &manifest),
            Vec::<String>::new()
        );
        // The text after the platforms (none today) and before them is kept.
        assert!(manifest.contains("shortDescription: Check Istio CAs kept in HashiCorp Vault"));
        // With no archive at all, no platform remains, which krew's rules reject.
        let none = render_template(TEMPLATE, "v1.2.3", |_| None);
        assert!(
            validate("vault-istio.yaml", &none)
                .iter()
                .any(|e| e.contains("at least one platform"))
        );
    }
}

/// What `kubectl krew install --manifest=M --archive=A` would find wrong with the archives
/// in `dir` that `manifest` names: a sha256 other than the manifest's, no `bin` executable
/// inside, or no license file (krew-index requires one among the installed files). A
/// platform whose archive is not in `dir` is skipped; none found at all is an error.
pub fn check_archives(manifest: &str, dir: &std::path::Path) -> Vec<String> {
    let docs = match yaml::parse(manifest) {
        Ok(d) if !d.is_empty() => d,
        _ => return vec!["the manifest is not YAML".into()],
    };
    let platforms = docs[0]
        .root
        .path(&["spec", "platforms"])
        .and_then(Node::as_sequence)
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut checked = 0;
    for p in platforms {
        let field = |k: &str| p.get(k).and_then(Node::as_str).unwrap_or_default();
        let file = field("uri").rsplit('/').next().unwrap_or_default();
        let path = dir.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        checked += 1;
        let sha = crate::dist::sha256_hex(&bytes);
        if sha != field("sha256") {
            errors.push(format!(
                "{file}: sha256 is {sha}, the manifest says {}",
                field("sha256")
            ));
        }
        match archive_members(&bytes) {
            Err(e) => errors.push(format!("{file}: not a readable .tar.gz: {e}")),
            Ok(members) => {
                let bin = field("bin");
                if !members
                    .iter()
                    .any(|(name, mode)| name == bin && mode & 0o111 != 0)
                {
                    errors.push(format!("{file}: no executable {bin} inside"));
                }
                let license = members.iter().any(|(name, _)| {
                    let base = name.rsplit('/').next().unwrap_or(name).to_lowercase();
                    let stem = base
                        .strip_suffix(".txt")
                        .or_else(|| base.strip_suffix(".md"))
                        .unwrap_or(&base);
                    ["license", "licenses", "copying"].contains(&stem)
                });
                if !license {
                    errors.push(format!("{file}: no LICENSE file inside"));
                }
            }
        }
    }
    if checked == 0 {
        errors.push(format!(
            "none of the manifest's archives is in {}",
            dir.display()
        ));
    }
    errors
}

/// Each member's path and mode.
fn archive_members(bytes: &[u8]) -> std::io::Result<Vec<(String, u32)>> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = Vec::new();
    for e in tar.entries()? {
        let e = e?;
        out.push((
            e.path()?.display().to_string(),
            e.header().mode().unwrap_or(0),
        ));
    }
    Ok(out)
}
