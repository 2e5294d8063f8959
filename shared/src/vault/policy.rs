//! Vault ACL policy parsing (HCL and JSON).
//!
//! Follows `vault/policy.go` (`ParseACLPolicy`, `parsePaths`) as summarised in
//! `reference/vault.md` §5:
//!
//! * `path "P" { capabilities = [...] }` blocks, the `path = { "P" = {...} }`
//!   attribute form and the JSON form `{"path": {"P": {"capabilities": [...]}}}`
//!   (detected when the first non-space character is `{`).
//! * Legacy `policy = "deny"|"read"|"write"|"sudo"` merged with `capabilities`.
//! * `deny` reduces a rule to deny only.
//! * The same path written twice in one policy is unioned (deny wins), as
//!   Vault's `NewACL` does.
//! * Parameter constraints, wrapping TTLs, control groups, MFA methods and
//!   event types are accepted and ignored.
//!
//! HCL is read with `hcl-rs` (HCL2). Vault itself parses HCL1, which also
//! accepts a few forms HCL2 rejects (`allowed_parameters { "*" = [] }`,
//! several attributes on one line, comma-separated attributes). When `hcl-rs`
//! fails and the text becomes parseable once those HCL1 forms are rewritten,
//! the result is [`PolicyError::Unsupported`], never a syntax error and never
//! "no access".
//!
//! Pure and panic-free: no I/O, suitable for `wasm32-unknown-unknown`.

use std::fmt;
use std::str::FromStr;

/// HCL reading (the `hcl` feature, on by default): the offline page, which never parses
/// a policy, leaves it out for size.
#[cfg(feature = "hcl")]
mod hcl_reader;

/// A Vault ACL capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Create,
    Read,
    Update,
    Patch,
    Delete,
    List,
    Sudo,
    Deny,
    Subscribe,
    Recover,
    /// Only produced by [`super::acl::Acl::capabilities`] for a root ACL (Vault
    /// returns `["root"]`). It parses with `FromStr` so live
    /// `sys/capabilities-self` answers can be compared, but it is rejected in
    /// a policy.
    Root,
}

impl Capability {
    /// All capabilities that may appear in a policy, in declaration order.
    pub const POLICY_CAPABILITIES: [Capability; 10] = [
        Capability::Create,
        Capability::Read,
        Capability::Update,
        Capability::Patch,
        Capability::Delete,
        Capability::List,
        Capability::Sudo,
        Capability::Deny,
        Capability::Subscribe,
        Capability::Recover,
    ];

    /// Lower-case name as Vault writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Create => "create",
            Capability::Read => "read",
            Capability::Update => "update",
            Capability::Patch => "patch",
            Capability::Delete => "delete",
            Capability::List => "list",
            Capability::Sudo => "sudo",
            Capability::Deny => "deny",
            Capability::Subscribe => "subscribe",
            Capability::Recover => "recover",
            Capability::Root => "root",
        }
    }

    pub(crate) fn bit(self) -> u16 {
        match self {
            Capability::Create => 1,
            Capability::Read => 1 << 1,
            Capability::Update => 1 << 2,
            Capability::Patch => 1 << 3,
            Capability::Delete => 1 << 4,
            Capability::List => 1 << 5,
            Capability::Sudo => 1 << 6,
            Capability::Deny => 1 << 7,
            Capability::Subscribe => 1 << 8,
            Capability::Recover => 1 << 9,
            Capability::Root => 1 << 10,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error of [`Capability::from_str`]: the unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability {0:?}")]
pub struct UnknownCapability(pub String);

impl FromStr for Capability {
    type Err = UnknownCapability;

    /// Exact lower-case names, as Vault compares them (`"Read"` is invalid).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "create" => Capability::Create,
            "read" => Capability::Read,
            "update" => Capability::Update,
            "patch" => Capability::Patch,
            "delete" => Capability::Delete,
            "list" => Capability::List,
            "sudo" => Capability::Sudo,
            "deny" => Capability::Deny,
            "subscribe" => Capability::Subscribe,
            "recover" => Capability::Recover,
            "root" => Capability::Root,
            other => return Err(UnknownCapability(other.to_string())),
        })
    }
}

/// Bit set of capabilities (internal; shared with `acl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CapSet(pub(crate) u16);

impl CapSet {
    pub(crate) fn has(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }

    /// Union with Vault's rule that deny wins.
    pub(crate) fn merge(self, other: CapSet) -> CapSet {
        let deny = Capability::Deny.bit();
        if (self.0 | other.0) & deny != 0 {
            CapSet(deny)
        } else {
            CapSet(self.0 | other.0)
        }
    }

    pub(crate) fn from_caps(caps: &[Capability]) -> CapSet {
        let mut set = CapSet::default();
        for c in caps {
            set = set.merge(CapSet(c.bit()));
        }
        set
    }

    /// Capabilities in declaration order.
    pub(crate) fn to_vec(self) -> Vec<Capability> {
        Capability::POLICY_CAPABILITIES
            .iter()
            .copied()
            .filter(|c| self.has(*c))
            .collect()
    }
}

/// How a policy path is matched (vault.md §5 "Parse each path").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// Matches exactly this path.
    Exact,
    /// Trailing `*` without segment wildcards: plain string prefix.
    Prefix,
    /// Contains a `+` segment (`+`, `/+` or a leading `+/`); a trailing `*`
    /// means the last segment is a string prefix followed by anything.
    SegmentWildcard,
}

/// One `path "…" {}` stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// As written, leading `/` stripped (a prefix rule keeps its `*`).
    pub path: String,
    /// Canonical order (declaration order of [`Capability`]); `[Deny]` when
    /// denied; may be empty (a stanza granting nothing still blocks as an
    /// exact rule).
    pub capabilities: Vec<Capability>,
    /// 1-based line of the stanza in the source (HCL only).
    pub line: Option<u32>,
}

impl PathRule {
    /// The matching kind of this rule.
    pub fn kind(&self) -> RuleKind {
        rule_kind(&self.path)
    }

    /// `true` for ACL templating (`{{identity.entity.id}}` …): the effective
    /// path is only known for a concrete token.
    pub fn is_templated(&self) -> bool {
        self.path.contains("{{")
    }

    pub fn is_deny(&self) -> bool {
        self.capabilities.contains(&Capability::Deny)
    }
}

/// Kind of a path string (already stripped of its leading `/`).
pub(crate) fn rule_kind(path: &str) -> RuleKind {
    if has_segment_wildcards(path) {
        RuleKind::SegmentWildcard
    } else if path.ends_with('*') {
        RuleKind::Prefix
    } else {
        RuleKind::Exact
    }
}

pub(crate) fn has_segment_wildcards(path: &str) -> bool {
    path == "+" || path.contains("/+") || path.starts_with("+/")
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    /// HCL: source order (first occurrence of each path). JSON: key order
    /// as `serde_json` keeps it (sorted; a repeated JSON key keeps the last).
    pub rules: Vec<PathRule>,
}

/// Why a policy could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Neither valid HCL nor valid JSON.
    #[error("policy syntax error{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Syntax { message: String, line: Option<u32> },
    /// Valid for Vault but written in a form this parser cannot read
    /// (HCL1-only syntax). Never means "no access".
    #[error("policy form not supported: {0}")]
    Unsupported(String),
    /// Vault would reject the policy (unknown capability, `+*`, bad key …).
    #[error("invalid policy: {0}")]
    Invalid(String),
}

/// Path stanza keys Vault accepts (policy.go `parsePaths`); only
/// `capabilities` and `policy` matter here.
const IGNORED_PATH_KEYS: &[&str] = &[
    "comment",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "mfa_methods",
    "control_group",
    "subscribe_event_types",
];

#[cfg(feature = "hcl")]
use hcl_reader::parse_hcl;

#[cfg(not(feature = "hcl"))]
fn parse_hcl(_text: &str) -> Result<Vec<RawEntry>, PolicyError> {
    Err(PolicyError::Unsupported(
        "HCL (this build reads JSON policies only)".into(),
    ))
}

/// Parses a policy. JSON when the first non-space character is `{`, HCL
/// otherwise. A policy without stanzas (empty text, only comments, `{}`) is
/// `Ok` with no rules.
pub fn parse_policy(name: &str, text: &str) -> Result<Policy, PolicyError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw = if text.trim_start().starts_with('{') {
        parse_json(text)?
    } else {
        parse_hcl(text)?
    };
    let mut rules: Vec<PathRule> = Vec::new();
    for entry in raw {
        let rule = build_rule(entry)?;
        match rules.iter_mut().find(|r| r.path == rule.path) {
            Some(existing) => {
                let merged = CapSet::from_caps(&existing.capabilities)
                    .merge(CapSet::from_caps(&rule.capabilities));
                existing.capabilities = merged.to_vec();
            }
            None => rules.push(rule),
        }
    }
    Ok(Policy {
        name: name.to_string(),
        rules,
    })
}

/// Format-neutral value of a stanza field.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    List(Vec<Val>),
    Obj(Vec<(String, Val)>),
    /// Anything else; the payload names the kind for messages.
    Other(&'static str),
}

impl Val {
    fn kind(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::List(_) => "a list",
            Val::Obj(_) => "an object",
            Val::Other(k) => k,
        }
    }
}

/// One stanza before validation.
struct RawEntry {
    path: String,
    line: Option<u32>,
    fields: Vec<(String, Val)>,
}

fn build_rule(entry: RawEntry) -> Result<PathRule, PolicyError> {
    let written = entry.path.as_str();
    let path = written.strip_prefix('/').unwrap_or(written).to_string();
    if path.contains("+*") {
        return Err(PolicyError::Invalid(format!(
            "path {written:?}: invalid use of wildcards ('+*' is forbidden)"
        )));
    }
    let mut caps = CapSet::default();
    // HCL1 decodes repeated `policy` attributes in turn: the last one wins.
    let mut legacy: Option<&str> = None;
    for (key, val) in &entry.fields {
        match key.as_str() {
            "capabilities" => {
                let Val::List(items) = val else {
                    return Err(PolicyError::Invalid(format!(
                        "path {written:?}: capabilities must be a list of strings, found {}",
                        val.kind()
                    )));
                };
                for item in items {
                    let Val::Str(s) = item else {
                        return Err(PolicyError::Invalid(format!(
                            "path {written:?}: capabilities must be strings, found {}",
                            item.kind()
                        )));
                    };
                    match s.parse::<Capability>() {
                        Ok(Capability::Root) | Err(_) => {
                            return Err(PolicyError::Invalid(format!(
                                "path {written:?}: invalid capability {s:?}"
                            )));
                        }
                        Ok(c) => caps = caps.merge(CapSet(c.bit())),
                    }
                }
            }
            "policy" => {
                let Val::Str(s) = val else {
                    return Err(PolicyError::Invalid(format!(
                        "path {written:?}: policy must be a string, found {}",
                        val.kind()
                    )));
                };
                legacy = Some(s.as_str());
            }
            k if IGNORED_PATH_KEYS.contains(&k) => {}
            other => {
                return Err(PolicyError::Invalid(format!(
                    "path {written:?}: invalid key {other:?}"
                )));
            }
        }
    }
    if let Some(p) = legacy {
        use Capability::*;
        let extra: &[Capability] = match p {
            "deny" => &[Deny],
            "read" => &[Read, List],
            "write" => &[Create, Read, Update, Delete, List],
            "sudo" => &[Create, Read, Update, Delete, List, Sudo],
            other => {
                return Err(PolicyError::Invalid(format!(
                    "path {written:?}: invalid policy {other:?}"
                )));
            }
        };
        caps = caps.merge(CapSet::from_caps(extra));
    }
    Ok(PathRule {
        path,
        capabilities: caps.to_vec(),
        line: entry.line,
    })
}

// ---------------------------------------------------------------- JSON ----

fn parse_json(text: &str) -> Result<Vec<RawEntry>, PolicyError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
        message: e.to_string(),
        line: u32::try_from(e.line()).ok().filter(|l| *l > 0),
    })?;
    let serde_json::Value::Object(top) = value else {
        return Err(PolicyError::Invalid(
            "a JSON policy must be an object".to_string(),
        ));
    };
    let mut out = Vec::new();
    for (key, val) in top {
        match key.as_str() {
            "name" => {}
            "path" => collect_path_map(&json_val(&val), None, &mut out)?,
            other => {
                return Err(PolicyError::Invalid(format!(
                    "invalid top-level key {other:?}"
                )));
            }
        }
    }
    Ok(out)
}

fn json_val(v: &serde_json::Value) -> Val {
    use serde_json::Value as J;
    match v {
        J::String(s) => Val::Str(s.clone()),
        J::Array(a) => Val::List(a.iter().map(json_val).collect()),
        J::Object(o) => Val::Obj(o.iter().map(|(k, v)| (k.clone(), json_val(v))).collect()),
        J::Null => Val::Other("null"),
        J::Bool(_) => Val::Other("a bool"),
        J::Number(_) => Val::Other("a number"),
    }
}

/// `{"P": {...}, ...}` or a list of such objects; each `{...}` may itself be
/// a list of objects (HCL1 JSON flattening).
fn collect_path_map(
    val: &Val,
    line: Option<u32>,
    out: &mut Vec<RawEntry>,
) -> Result<(), PolicyError> {
    match val {
        Val::Obj(entries) => {
            for (path, body) in entries {
                collect_stanza(path, body, line, out)?;
            }
            Ok(())
        }
        Val::List(items) => {
            for item in items {
                collect_path_map(item, line, out)?;
            }
            Ok(())
        }
        other => Err(PolicyError::Invalid(format!(
            "`path` must be an object of paths, found {}",
            other.kind()
        ))),
    }
}

fn collect_stanza(
    path: &str,
    body: &Val,
    line: Option<u32>,
    out: &mut Vec<RawEntry>,
) -> Result<(), PolicyError> {
    match body {
        Val::Obj(fields) => {
            out.push(RawEntry {
                path: path.to_string(),
                line,
                fields: fields.clone(),
            });
            Ok(())
        }
        Val::List(items) => {
            for item in items {
                collect_stanza(path, item, line, out)?;
            }
            Ok(())
        }
        other => Err(PolicyError::Invalid(format!(
            "path {path:?}: expected an object, found {}",
            other.kind()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;

    fn one(text: &str) -> PathRule {
        let p = parse_policy("p", text).expect("parses");
        assert_eq!(p.rules.len(), 1, "{p:?}");
        p.rules.into_iter().next().expect("one rule")
    }

    #[test]
    fn capability_names_round_trip() {
        for c in Capability::POLICY_CAPABILITIES {
            assert_eq!(c.to_string().parse::<Capability>(), Ok(c));
        }
        assert_eq!("root".parse::<Capability>(), Ok(Root));
        assert!("Read".parse::<Capability>().is_err());
    }

    #[test]
    fn basic_hcl_with_lines() {
        let p = parse_policy(
            "istiod",
            "# istiod CA\npath \"secret/data/istio/ca\" {\n  capabilities = [\"read\"]\n}\n\n\
             path \"/secret/metadata/*\" {\n  capabilities = [\"list\", \"read\"]\n}\n",
        )
        .unwrap();
        assert_eq!(p.name, "istiod");
        assert_eq!(
            p.rules,
            vec![
                PathRule {
                    path: "secret/data/istio/ca".into(),
                    capabilities: vec![Read],
                    line: Some(2)
                },
                PathRule {
                    path: "secret/metadata/*".into(),
                    capabilities: vec![Read, List],
                    line: Some(6)
                },
            ]
        );
        assert_eq!(p.rules[0].kind(), RuleKind::Exact);
        assert_eq!(p.rules[1].kind(), RuleKind::Prefix);
    }

    #[test]
    fn kinds() {
        assert_eq!(rule_kind("secret/+/istio/*"), RuleKind::SegmentWildcard);
        assert_eq!(rule_kind("+/data/ca"), RuleKind::SegmentWildcard);
        assert_eq!(rule_kind("+"), RuleKind::SegmentWildcard);
        assert_eq!(rule_kind("a+b/c"), RuleKind::Exact);
        assert_eq!(rule_kind("a*b/c"), RuleKind::Exact);
        assert_eq!(rule_kind("*"), RuleKind::Prefix);
    }

    #[test]
    fn empty_policies() {
        for t in [
            "",
            "   \n",
            "# only a comment\n",
            "{}",
            "  {\n}\n",
            "name = \"x\"\n",
        ] {
            assert_eq!(parse_policy("e", t).unwrap().rules, vec![], "{t:?}");
        }
    }

    #[test]
    fn legacy_policy_forms() {
        let r = |v: &str| one(&format!("path \"a\" {{ policy = \"{v}\" }}")).capabilities;
        assert_eq!(r("deny"), vec![Deny]);
        assert_eq!(r("read"), vec![Read, List]);
        assert_eq!(r("write"), vec![Create, Read, Update, Delete, List]);
        assert_eq!(r("sudo"), vec![Create, Read, Update, Delete, List, Sudo]);
        assert!(matches!(
            parse_policy("p", "path \"a\" { policy = \"list\" }"),
            Err(PolicyError::Invalid(m)) if m.contains("invalid policy")
        ));
    }

    #[test]
    fn legacy_merged_with_capabilities() {
        let r = one("path \"a\" {\n policy = \"read\"\n capabilities = [\"update\"]\n}");
        assert_eq!(r.capabilities, vec![Read, Update, List]);
        let r = one("path \"a\" {\n policy = \"write\"\n capabilities = [\"deny\"]\n}");
        assert_eq!(r.capabilities, vec![Deny]);
        let r = one("path \"a\" {\n policy = \"deny\"\n capabilities = [\"read\"]\n}");
        assert_eq!(r.capabilities, vec![Deny]);
    }

    #[test]
    fn repeated_keys_are_unsupported() {
        // twiesenthal/vault-examples style: HCL1 accepts it, HCL2 does not.
        for t in [
            "path \"a\" {\n  policy = \"create\"\n  policy = \"sudo\"\n}",
            "path \"a\" {\n capabilities = [\"read\"]\n capabilities = [\"list\"]\n}",
            "path \"a\" {\n allowed_parameters = {\n  \"x\" = []\n  \"x\" = [\"1\"]\n }\n}",
        ] {
            match parse_policy("p", t) {
                Err(PolicyError::Unsupported(m)) => assert!(m.contains("repeated key"), "{m}"),
                other => panic!("{t:?} gave {other:?}"),
            }
        }
        let Err(PolicyError::Unsupported(m)) = parse_policy(
            "p",
            "path \"a\" {\n  policy = \"read\"\n  policy = \"sudo\"\n}",
        ) else {
            panic!()
        };
        assert!(m.contains("`policy`") && m.contains("line 3"), "{m}");
    }

    #[test]
    fn deny_reduces_to_deny() {
        let r = one("path \"a\" { capabilities = [\"read\", \"deny\", \"list\"] }");
        assert_eq!(r.capabilities, vec![Deny]);
        assert!(r.is_deny());
    }

    #[test]
    fn same_path_twice_is_unioned() {
        let p = parse_policy(
            "p",
            "path \"a/*\" {\n capabilities = [\"read\"]\n}\npath \"a/*\" {\n capabilities = [\"list\"]\n}\n\
             path \"/a/*\" {\n capabilities = [\"create\"]\n}\npath \"b\" {\n capabilities = [\"read\"]\n}\n\
             path \"b\" {\n capabilities = [\"deny\"]\n}\n",
        )
        .unwrap();
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.rules[0].capabilities, vec![Create, Read, List]);
        assert_eq!(p.rules[0].line, Some(1));
        assert_eq!(p.rules[1].capabilities, vec![Deny]);
    }

    #[test]
    fn ignored_keys_are_accepted() {
        let r = one(r#"path "secret/data/istio/ca" {
  capabilities = ["read", "update"]
  allowed_parameters = {
    "*" = []
  }
  denied_parameters = { "version" = ["1"] }
  required_parameters = ["version"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
  comment = "istiod"
  mfa_methods = ["totp"]
  subscribe_event_types = ["kv*"]
  control_group = {
    factor = { ops = { identity = { group_names = ["admins"], approvals = 1 } } }
  }
}"#);
        assert_eq!(r.capabilities, vec![Read, Update]);
    }

    #[test]
    fn hcl2_block_forms_of_ignored_keys_parse() {
        let r = one(
            "path \"a\" {\n capabilities = [\"read\"]\n control_group {\n  factor \"ops\" {\n   identity {\n    group_names = [\"admins\"]\n    approvals = 1\n   }\n  }\n }\n allowed_parameters {\n  foo = []\n }\n}\n",
        );
        assert_eq!(r.capabilities, vec![Read]);
    }

    #[test]
    fn path_attribute_form() {
        let p = parse_policy(
            "p",
            "path = {\n  \"secret/a\" = { capabilities = [\"read\"] }\n  \"secret/b/*\" = {\n    policy = \"write\"\n  }\n}\n",
        )
        .unwrap();
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.rules[0].path, "secret/a");
        assert_eq!(p.rules[0].capabilities, vec![Read]);
        assert_eq!(p.rules[0].line, Some(2));
        assert_eq!(p.rules[1].path, "secret/b/*");
        assert_eq!(
            p.rules[1].capabilities,
            vec![Create, Read, Update, Delete, List]
        );
    }

    #[test]
    fn json_policies() {
        let p = parse_policy(
            "j",
            r#"  {"path": {"secret/data/istio/*": {"capabilities": ["read", "list"]},
                  "sys/mounts": {"policy": "deny"}}}"#,
        )
        .unwrap();
        assert_eq!(p.rules.len(), 2);
        let ca = p
            .rules
            .iter()
            .find(|r| r.path == "secret/data/istio/*")
            .unwrap();
        assert_eq!(ca.capabilities, vec![Read, List]);
        assert_eq!(ca.line, None);
        let m = p.rules.iter().find(|r| r.path == "sys/mounts").unwrap();
        assert_eq!(m.capabilities, vec![Deny]);

        // HCL1-JSON list shapes.
        let p = parse_policy(
            "j",
            r#"{"name": "x", "path": [{"a": [{"capabilities": ["read"]}, {"capabilities": ["list"]}]}]}"#,
        )
        .unwrap();
        assert_eq!(p.rules[0].capabilities, vec![Read, List]);

        assert!(matches!(
            parse_policy("j", r#"{"path": {"a": {"capabilities": ["reed"]}}}"#),
            Err(PolicyError::Invalid(m)) if m.contains("reed")
        ));
        assert!(matches!(
            parse_policy("j", "{\n\"path\": {\n\"a\": }"),
            Err(PolicyError::Syntax { line: Some(3), .. })
        ));
        assert!(matches!(
            parse_policy("j", r#"{"paths": {}}"#),
            Err(PolicyError::Invalid(_))
        ));
        assert!(matches!(
            parse_policy("j", r#"{"path": {"a": {"capabilities": "read"}}}"#),
            Err(PolicyError::Invalid(_))
        ));
    }

    #[test]
    fn hcl1_block_forms_are_unsupported() {
        let cases = [
            "path \"x\" { allowed_parameters { \"*\" = [] } }",
            "path \"secret/data/istio/ca\" {\n  capabilities = [\"read\"]\n  allowed_parameters {\n    \"*\" = []\n  }\n}\n",
            "path \"x\" {\n  capabilities = [\"update\"]\n  denied_parameters {\n    \"version\" = [\"1\"]\n  }\n}\n",
            "path \"x\" { policy = \"read\" capabilities = [\"list\"] }\n",
            "path \"x\" {\n capabilities = [\"read\"], policy = \"read\"\n}\n",
            "path \"x\" { capabilities = [\"read\"] } path \"y\" { capabilities = [\"read\"] }\n",
            "path \"secret/${x}\" {\n capabilities = [\"read\"]\n}\n",
            "path \"x\" { capabilities = [\"read\"] control_group { max_ttl = \"1h\" } }\n",
        ];
        for t in cases {
            match parse_policy("p", t) {
                Err(PolicyError::Unsupported(m)) => assert!(m.contains("line"), "{m}"),
                other => panic!("{t:?} gave {other:?}"),
            }
        }
        let Err(PolicyError::Unsupported(m)) = parse_policy("p", cases[1]) else {
            panic!()
        };
        assert!(
            m.contains("allowed_parameters") && m.contains("line 3"),
            "{m}"
        );
    }

    #[test]
    fn syntax_errors() {
        for (t, line) in [
            ("path \"x\" {\n capabilities = [\"read\"\n}\n", 3),
            ("path \"x\" {\n capabilities = \n", 3),
            ("path \"x\" \n", 1),
        ] {
            match parse_policy("p", t) {
                Err(PolicyError::Syntax { line: l, .. }) => {
                    assert!(l.is_some(), "{t:?} {l:?} {line}")
                }
                other => panic!("{t:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_policies() {
        let inv = |t: &str| match parse_policy("p", t) {
            Err(PolicyError::Invalid(m)) => m,
            other => panic!("{t:?} gave {other:?}"),
        };
        assert!(inv("path \"a\" { capabilities = [\"reed\"] }").contains("\"reed\""));
        assert!(inv("path \"a\" { capabilities = [\"Read\"] }").contains("\"Read\""));
        assert!(inv("path \"a\" { capabilities = [\"root\"] }").contains("\"root\""));
        assert!(inv("path \"secret/+*\" { capabilities = [\"read\"] }").contains("+*"));
        assert!(inv("path \"a\" { capabilites = [\"read\"] }").contains("capabilites"));
        assert!(inv("path \"a\" { capabilities = \"read\" }").contains("list"));
        assert!(inv("path \"a\" { capabilities = [1] }").contains("number"));
        assert!(inv("path \"a\" \"b\" { capabilities = [\"read\"] }").contains("label"));
        assert!(inv("path { capabilities = [\"read\"] }").contains("label"));
        assert!(inv("paths \"a\" { capabilities = [\"read\"] }").contains("paths"));
        assert!(inv("policy = \"read\"\n").contains("policy"));
    }

    #[test]
    fn empty_stanza_grants_nothing() {
        let r = one("path \"a\" {}");
        assert!(r.capabilities.is_empty());
    }

    #[test]
    fn templated_paths_are_kept() {
        let r =
            one("path \"secret/data/{{identity.entity.name}}/*\" { capabilities = [\"read\"] }");
        assert!(r.is_templated());
        assert_eq!(r.path, "secret/data/{{identity.entity.name}}/*");
    }

    #[test]
    fn never_panics_on_malformed_input() {
        let seeds = [
            "path \"secret/data/istio/ca\" {\n  capabilities = [\"read\", \"list\"]\n  allowed_parameters {\n    \"*\" = []\n  }\n}\npath \"x/+/y*\" { policy = \"sudo\" }\n",
            r#"{"path": {"secret/data/istio/*": {"capabilities": ["read", "list"], "allowed_parameters": {"*": []}}}}"#,
            "path = { \"a\" = { capabilities = [\"read\"] } }\n# c\n/* d */ path \"é/ü\" { capabilities = [\"deny\"] }\n",
            "path \"a\" { x = <<EOF\nhi\nEOF\n}\npath \"b\" { capabilities = [\"${x}\"] }",
        ];
        let mut n = 0;
        for seed in seeds {
            let mut cuts: Vec<usize> = (0..=seed.len())
                .filter(|i| seed.is_char_boundary(*i))
                .collect();
            cuts.dedup();
            for &i in &cuts {
                let _ = parse_policy("p", &seed[..i]);
                let _ = parse_policy("p", &seed[i..]);
                n += 2;
            }
        }
        for junk in [
            "{",
            "}",
            "[",
            "\"",
            "<<",
            "<<-",
            "<<EOF",
            "/*",
            "#",
            "//",
            "path",
            "path \"",
            "+*",
            "\u{feff}",
            "\u{feff}{}",
            "\0",
            "path \"a\" { capabilities = [\"read\" ] } }",
            "{{{{",
            "path \"a\" {\n capabilities = [\"\\\"]\n}",
            "= = =",
            ",,,",
            "é { }",
        ] {
            let _ = parse_policy("p", junk);
            n += 1;
        }
        assert!(n > 100);
    }

    #[test]
    fn never_panics_on_mutated_input() {
        let seeds = [
            "path \"secret/data/istio/ca\" {\n  capabilities = [\"read\"]\n  allowed_parameters {\n    \"*\" = []\n  }\n}\n",
            "path \"a/+/b*\" { policy = \"read\" capabilities = [\"list\"], comment = \"${x}\" }\n",
            r#"{"path": {"a/*": {"capabilities": ["read"]}, "b": [{"policy": "deny"}]}}"#,
            "path = {\n \"x\" = { capabilities = [\"deny\"] }\n}\n",
        ];
        let alphabet: &[&str] = &[
            "{", "}", "[", "]", "\"", "=", ",", "\n", "#", "/*", "*/", "<<EOF\n", "\nEOF\n", "+*",
            "${", "\\", "é", "path", "\"x\" {", " ", "//", "\u{feff}",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rnd = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        for seed in seeds {
            for _ in 0..400 {
                let mut t = seed.to_string();
                for _ in 0..1 + rnd(4) {
                    let cut: Vec<usize> =
                        (0..=t.len()).filter(|i| t.is_char_boundary(*i)).collect();
                    let at = cut[rnd(cut.len())];
                    match rnd(3) {
                        0 => t.insert_str(at, alphabet[rnd(alphabet.len())]),
                        1 => {
                            let end = cut.iter().copied().find(|e| *e > at).unwrap_or(at);
                            t.replace_range(at..end, "");
                        }
                        _ => t.truncate(at),
                    }
                }
                if let Ok(p) = parse_policy("fuzz", &t) {
                    let acl = super::super::acl::Acl::new(std::slice::from_ref(&p));
                    for path in ["secret/data/istio/ca", "a/b/b", "x", "", "a/"] {
                        let _ = acl.capabilities(path);
                        let _ = acl.deciding_rule(path);
                    }
                }
            }
        }
    }
}
