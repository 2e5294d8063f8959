//! Static Vault ACL evaluator (`vault/acl.go` `NewACL`, `AllowOperation`,
//! `CheckAllowedFromNonExactPaths`), exactly as specified in
//! `reference/vault.md` §5.
//!
//! * Rules with the identical (kind, path string) are merged across
//!   policies by union, deny wins. Different path strings are never merged.
//! * An exact rule decides even without the needed capability.
//! * LIST also tries the exact rule without the trailing `/`, and, for a path
//!   ending in `/`, the non-exact rules on the trimmed path first.
//! * Otherwise the longest (plain string) prefix rule and every matching
//!   segment-wildcard rule compete: later first `+` (prefix rule:
//!   `len(prefix)`), then non-prefix, then fewer `+`, then longer path, then
//!   the lexicographically greater path.
//!
//! Namespaces, parameter constraints and wrapping TTLs are not modelled.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;

use super::policy::{CapSet, Capability, Policy, RuleKind, rule_kind};

/// A request operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Create,
    Read,
    Update,
    Patch,
    Delete,
    List,
}

impl Operation {
    /// The capability the operation needs.
    pub fn capability(self) -> Capability {
        match self {
            Operation::Create => Capability::Create,
            Operation::Read => Capability::Read,
            Operation::Update => Capability::Update,
            Operation::Patch => Capability::Patch,
            Operation::Delete => Capability::Delete,
            Operation::List => Capability::List,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.capability().as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Path as written (leading `/` stripped), for messages.
    written: String,
    caps: CapSet,
}

/// The merged rules of a token's policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    root: bool,
    /// Keyed by the path.
    exact: BTreeMap<String, Rule>,
    /// Keyed by the path without its trailing `*`.
    prefix: BTreeMap<String, Rule>,
    /// Keyed by the full path (trailing `*` kept).
    segment: BTreeMap<String, Rule>,
}

/// A non-exact candidate (Vault's `wcPathDescr`).
struct Candidate<'a> {
    first_wildcard: usize,
    is_prefix: bool,
    wildcards: usize,
    wc_path: &'a str,
    rule: &'a Rule,
}

impl Candidate<'_> {
    /// Larger is more specific (vault.md §5 step 4 a–e).
    fn priority(&self) -> (usize, bool, Reverse<usize>, usize, &str) {
        (
            self.first_wildcard,
            !self.is_prefix,
            Reverse(self.wildcards),
            self.wc_path.len(),
            self.wc_path,
        )
    }
}

impl Acl {
    /// Merges the policies. A policy named `root` makes the ACL root (Vault
    /// refuses root together with other policies; here root simply wins).
    pub fn new(policies: &[Policy]) -> Acl {
        let mut acl = Acl::default();
        for policy in policies {
            if policy.name == "root" {
                acl.root = true;
            }
            for rule in &policy.rules {
                // The parser already stripped the one leading '/' Vault strips; a second
                // one belongs to the path (`//a` does not match `a`, as on the server).
                let path = rule.path.as_str();
                // The parser rejects `+*`; a hand-built Policy might not.
                if path.contains("+*") {
                    continue;
                }
                let caps = CapSet::from_caps(&rule.capabilities);
                let (map, key) = match rule_kind(path) {
                    RuleKind::Exact => (&mut acl.exact, path),
                    RuleKind::Prefix => (&mut acl.prefix, path.strip_suffix('*').unwrap_or(path)),
                    RuleKind::SegmentWildcard => (&mut acl.segment, path),
                };
                map.entry(key.to_string())
                    .and_modify(|r| r.caps = r.caps.merge(caps))
                    .or_insert_with(|| Rule {
                        written: path.to_string(),
                        caps,
                    });
            }
        }
        acl
    }

    /// An ACL that allows everything (the `root` policy).
    pub fn root() -> Acl {
        Acl {
            root: true,
            ..Acl::default()
        }
    }

    pub fn is_root(&self) -> bool {
        self.root
    }

    /// What `sys/capabilities(-self)` returns for `path`: `[Root]` for root,
    /// the deciding rule's capabilities in Vault's order (sudo, read, list,
    /// update, delete, create, patch, subscribe, recover), or `[Deny]` when
    /// the rule denies, grants nothing, or no rule matches. Like Vault, the
    /// lookup is done as for a LIST request.
    pub fn capabilities(&self, path: &str) -> Vec<Capability> {
        if self.root {
            return vec![Capability::Root];
        }
        let Some(rule) = self.lookup(Operation::List, path) else {
            return vec![Capability::Deny];
        };
        if rule.caps.has(Capability::Deny) {
            return vec![Capability::Deny];
        }
        use Capability::*;
        let caps: Vec<Capability> = [
            Sudo, Read, List, Update, Delete, Create, Patch, Subscribe, Recover,
        ]
        .into_iter()
        .filter(|c| rule.caps.has(*c))
        .collect();
        if caps.is_empty() { vec![Deny] } else { caps }
    }

    /// Whether `op` on `path` is allowed (ignoring parameter constraints).
    pub fn allows(&self, op: Operation, path: &str) -> bool {
        if self.root {
            return true;
        }
        match self.lookup(op, path) {
            Some(rule) => !rule.caps.has(Capability::Deny) && rule.caps.has(op.capability()),
            None => false,
        }
    }

    /// Which rule decided (its path as written), for messages. Uses the
    /// same lookup as [`Acl::capabilities`] (LIST-style); `None` when no
    /// rule matched or for root.
    pub fn deciding_rule(&self, path: &str) -> Option<&str> {
        self.deciding_rule_for(Operation::List, path)
    }

    /// The rule that decides `op` on `path` (differs from
    /// [`Acl::deciding_rule`] only for paths ending in `/`).
    pub fn deciding_rule_for(&self, op: Operation, path: &str) -> Option<&str> {
        if self.root {
            return None;
        }
        self.lookup(op, path).map(|r| r.written.as_str())
    }

    fn lookup(&self, op: Operation, path: &str) -> Option<&Rule> {
        let path = path.trim_start_matches('/');
        if let Some(rule) = self.exact.get(path) {
            return Some(rule);
        }
        // LIST also accepts an exact rule written without the trailing '/', and falls
        // back to the wildcard rules on the trimmed path when none matches the path as
        // given. That is what OpenBao answers (tests/tests/acl_openbao.rs compares with a
        // real server); vault.md §5 describes newer HashiCorp Vault, which tries the
        // trimmed path first.
        if op == Operation::List
            && let Some(trimmed) = path.strip_suffix('/')
        {
            if let Some(rule) = self.exact.get(trimmed) {
                return Some(rule);
            }
            return self.non_exact(path).or_else(|| self.non_exact(trimmed));
        }
        self.non_exact(path)
    }

    fn non_exact(&self, path: &str) -> Option<&Rule> {
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        // Longest plain string prefix (not segment-aware).
        if let Some((key, rule)) = self
            .prefix
            .iter()
            .filter(|(k, _)| path.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
        {
            candidates.push(Candidate {
                first_wildcard: key.len(),
                is_prefix: true,
                wildcards: 0,
                wc_path: key,
                rule,
            });
        }
        if !self.segment.is_empty() {
            let parts: Vec<&str> = path.split('/').collect();
            for (full, rule) in &self.segment {
                if let Some(c) = match_segment(full, rule, &parts) {
                    candidates.push(c);
                }
            }
        }
        candidates
            .into_iter()
            .max_by(|a, b| a.priority().cmp(&b.priority()))
            .map(|c| c.rule)
    }
}

/// Vault's `tryMatchWildcardPath`.
fn match_segment<'a>(full: &'a str, rule: &'a Rule, parts: &[&str]) -> Option<Candidate<'a>> {
    if full.is_empty() {
        return None;
    }
    // Vault uses the first `+` of the full rule (a literal `*` before it
    // does not count).
    let first_wildcard = full.find('+')?;
    let (wc_path, is_prefix) = match full.strip_suffix('*') {
        Some(p) => (p, true),
        None => (full, false),
    };
    let rule_parts: Vec<&str> = wc_path.split('/').collect();
    if parts.len() < rule_parts.len() || (!is_prefix && parts.len() != rule_parts.len()) {
        return None;
    }
    let last = rule_parts.len() - 1;
    let mut wildcards = 0;
    for (i, (rp, pp)) in rule_parts.iter().zip(parts).enumerate() {
        if *rp == "+" {
            wildcards += 1;
        } else if rp == pp || (is_prefix && i == last && pp.starts_with(rp)) {
        } else {
            return None;
        }
    }
    Some(Candidate {
        first_wildcard,
        is_prefix,
        wildcards,
        wc_path,
        rule,
    })
}

#[cfg(test)]
mod tests {
    use super::super::policy::{PathRule, PolicyError, parse_policy};
    use super::*;
    use Capability as C;
    use Operation::*;

    fn pol(name: &str, text: &str) -> Policy {
        parse_policy(name, text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// One policy from `(path, capabilities)` pairs.
    fn rules(name: &str, rules: &[(&str, &[&str])]) -> Policy {
        let mut text = String::new();
        for (p, caps) in rules {
            let caps: Vec<String> = caps.iter().map(|c| format!("{c:?}")).collect();
            text.push_str(&format!(
                "path {p:?} {{\n  capabilities = [{}]\n}}\n",
                caps.join(", ")
            ));
        }
        pol(name, &text)
    }

    fn acl(rs: &[(&str, &[&str])]) -> Acl {
        Acl::new(&[rules("p", rs)])
    }

    #[test]
    fn exact_and_prefix() {
        let a = acl(&[
            ("secret/data/istio/ca", &["read"]),
            ("secret/data/ist*", &["list"]),
        ]);
        let table = [
            (Read, "secret/data/istio/ca", true),
            (List, "secret/data/istio/ca", false), // exact decides
            (List, "secret/data/istio/other", true), // plain string prefix
            (List, "secret/data/istanbul", true),
            (List, "secret/data/ist", true),
            (Read, "secret/data/istio/other", false),
            (List, "secret/data/is", false),
            (Read, "/secret/data/istio/ca", true), // leading '/' stripped
            (Read, "//secret/data/istio/ca", true),
        ];
        for (op, path, want) in table {
            assert_eq!(a.allows(op, path), want, "{op} {path}");
        }
        assert_eq!(
            a.deciding_rule("secret/data/istio/x"),
            Some("secret/data/ist*")
        );
        assert_eq!(
            a.deciding_rule("secret/data/istio/ca"),
            Some("secret/data/istio/ca")
        );
        assert_eq!(a.deciding_rule("secret/x"), None);
    }

    #[test]
    fn exact_rule_without_capability_blocks_prefix_grant() {
        let a = acl(&[
            ("secret/*", &["read", "list"]),
            ("secret/data/x", &["list"]),
        ]);
        assert!(!a.allows(Read, "secret/data/x"));
        assert!(a.allows(List, "secret/data/x"));
        assert!(a.allows(Read, "secret/data/y"));
        assert_eq!(a.capabilities("secret/data/x"), vec![C::List]);
        // An empty stanza also blocks, and reports deny.
        let a = acl(&[("secret/*", &["read"]), ("secret/data/x", &[])]);
        assert!(!a.allows(Read, "secret/data/x"));
        assert_eq!(a.capabilities("secret/data/x"), vec![C::Deny]);
    }

    #[test]
    fn longest_prefix_wins_even_if_it_grants_less() {
        let a = acl(&[("secret/*", &["read"]), ("secret/data/*", &["list"])]);
        assert!(!a.allows(Read, "secret/data/istio/ca"));
        assert!(a.allows(Read, "secret/kv/x"));
    }

    #[test]
    fn deny_merges_only_for_the_same_path_string() {
        let deny = rules("deny", &[("secret/*", &["deny"])]);
        let read_same = rules("read", &[("secret/*", &["read"])]);
        let read_exact = rules("exact", &[("secret/data/x", &["read"])]);
        let read_longer = rules("longer", &[("secret/data/*", &["read"])]);

        let a = Acl::new(&[read_same.clone(), deny.clone()]);
        assert!(!a.allows(Read, "secret/data/x"));
        assert_eq!(a.capabilities("secret/data/x"), vec![C::Deny]);
        let a = Acl::new(&[deny.clone(), read_same]);
        assert!(!a.allows(Read, "secret/data/x"));

        let a = Acl::new(&[deny.clone(), read_exact]);
        assert!(a.allows(Read, "secret/data/x"));
        assert!(!a.allows(Read, "secret/data/y"));
        assert_eq!(a.deciding_rule("secret/data/y"), Some("secret/*"));

        let a = Acl::new(&[deny, read_longer]);
        assert!(a.allows(Read, "secret/data/y"));
        assert!(!a.allows(Read, "secret/metadata/y"));
    }

    #[test]
    fn union_across_policies() {
        let a = Acl::new(&[
            rules("a", &[("secret/data/istio/*", &["read"])]),
            rules("b", &[("secret/data/istio/*", &["list", "update"])]),
        ]);
        assert_eq!(
            a.capabilities("secret/data/istio/ca"),
            vec![C::Read, C::List, C::Update]
        );
        // Exact `x/` and prefix `x/*` are different kinds: never merged.
        let a = Acl::new(&[
            rules("a", &[("secret/x/", &["deny"])]),
            rules("b", &[("secret/x/*", &["read"])]),
        ]);
        assert!(a.allows(Read, "secret/x/y"));
        assert!(!a.allows(Read, "secret/x/"));
    }

    #[test]
    fn segment_wildcards() {
        let a = acl(&[("secret/+/istio/*", &["read"]), ("+/data/ca", &["update"])]);
        let table = [
            (Read, "secret/data/istio/ca", true),
            (Read, "secret/metadata/istio/ca/deep", true),
            (Read, "secret/data/istio/", true),
            (Read, "secret/data/istio", false), // fewer segments
            (Read, "secret/data/other/ca", false),
            (Read, "secret/a/b/istio/ca", false), // + is one segment
            (Update, "secret/data/ca", true),
            (Update, "kv/data/ca", true),
            (Update, "kv/data/ca/x", false), // non-prefix: same segment count
            (Update, "kv/data/cab", false),
            (Update, "data/ca", false),
        ];
        for (op, path, want) in table {
            assert_eq!(a.allows(op, path), want, "{op} {path}");
        }
        assert_eq!(a.deciding_rule("kv/data/ca"), Some("+/data/ca"));
    }

    #[test]
    fn segment_wildcard_trailing_star_is_a_segment_prefix() {
        let a = acl(&[("secret/+/ist*", &["read"])]);
        assert!(a.allows(Read, "secret/data/istio"));
        assert!(a.allows(Read, "secret/data/istio/ca/x"));
        assert!(a.allows(Read, "secret/data/ist"));
        assert!(!a.allows(Read, "secret/data/is"));
        assert!(!a.allows(Read, "secret/data"));
    }

    #[test]
    fn plus_alone_and_literal_stars() {
        let a = acl(&[
            ("+", &["read"]),
            ("secret/*/x", &["list"]),
            ("a+b/c", &["update"]),
        ]);
        assert!(a.allows(Read, "sys"));
        assert!(!a.allows(Read, "sys/mounts"));
        assert!(a.allows(List, "secret/*/x"));
        assert!(!a.allows(List, "secret/y/x"));
        assert!(a.allows(Update, "a+b/c"));
        assert!(!a.allows(Update, "aXb/c"));
        let all = acl(&[("*", &["list"])]);
        assert!(all.allows(List, "anything/at/all"));
        assert!(all.allows(List, ""));
    }

    #[test]
    fn priority_a_later_first_wildcard() {
        // prefix `secret/data/` (position 12) beats `secret/+/…` (position 7).
        let a = acl(&[
            ("secret/+/istio/ca", &["read"]),
            ("secret/data/*", &["deny"]),
        ]);
        assert!(!a.allows(Read, "secret/data/istio/ca"));
        assert_eq!(
            a.deciding_rule("secret/data/istio/ca"),
            Some("secret/data/*")
        );
        // … and `secret/data/+/…` (12) vs prefix `secret/*` (7).
        let a = acl(&[("secret/data/+/ca", &["read"]), ("secret/*", &["deny"])]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        // Between two segment rules.
        let a = acl(&[
            ("+/data/istio/ca", &["deny"]),
            ("secret/+/istio/ca", &["read"]),
        ]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
    }

    #[test]
    fn priority_b_non_prefix_over_prefix() {
        let a = acl(&[
            ("secret/data/+/ca", &["read"]),
            ("secret/data/*", &["deny"]),
        ]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        assert_eq!(
            a.deciding_rule("secret/data/istio/ca"),
            Some("secret/data/+/ca")
        );
        let a = acl(&[
            ("secret/data/+/ca", &["read"]),
            ("secret/data/+/c*", &["deny"]),
        ]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        assert!(!a.allows(Read, "secret/data/istio/cb"));
    }

    #[test]
    fn priority_c_fewer_plus() {
        let a = acl(&[
            ("secret/data/+/+", &["deny"]),
            ("secret/data/+/ca", &["read"]),
        ]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        assert!(!a.allows(Read, "secret/data/istio/cb"));
    }

    #[test]
    fn priority_d_longer_path() {
        let a = acl(&[
            ("secret/data/+/c*", &["deny"]),
            ("secret/data/+/ca*", &["read"]),
        ]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        assert!(a.allows(Read, "secret/data/istio/ca-key"));
        assert!(!a.allows(Read, "secret/data/istio/cert"));
        assert_eq!(
            a.deciding_rule("secret/data/istio/ca"),
            Some("secret/data/+/ca*")
        );
    }

    #[test]
    fn priority_e_lexicographic() {
        // Same first `+` (2), both non-prefix, 2 wildcards, same length:
        // "a/+/c/+" > "a/+/+/d" because 'c' > '+'.
        let a = acl(&[("a/+/c/+", &["read"]), ("a/+/+/d", &["deny"])]);
        assert!(a.allows(Read, "a/b/c/d"));
        assert_eq!(a.deciding_rule("a/b/c/d"), Some("a/+/c/+"));
        let a = acl(&[("a/+/c/+", &["deny"]), ("a/+/+/d", &["read"])]);
        assert!(!a.allows(Read, "a/b/c/d"));
    }

    #[test]
    fn list_trailing_slash() {
        let a = acl(&[("secret/metadata/istio", &["list"])]);
        assert!(a.allows(List, "secret/metadata/istio/"));
        assert!(a.allows(List, "secret/metadata/istio"));
        assert!(!a.allows(Read, "secret/metadata/istio/"));
        assert_eq!(a.deciding_rule_for(Read, "secret/metadata/istio/"), None);
        assert_eq!(
            a.deciding_rule("secret/metadata/istio/"),
            Some("secret/metadata/istio")
        );

        // Segment rule matched through the trimmed path.
        let a = acl(&[("secret/metadata/+", &["list"])]);
        assert!(a.allows(List, "secret/metadata/istio/"));
        assert!(!a.allows(Read, "secret/metadata/istio/"));

        // An exact rule on the full path beats the trimmed exact rule.
        let a = acl(&[("secret/x/", &["deny"]), ("secret/x", &["list"])]);
        assert!(!a.allows(List, "secret/x/"));

        // As OpenBao answers: the path as given first, so the deny prefix reachable
        // with the slash wins over `+`, which only matches the trimmed path.
        let a = acl(&[
            ("secret/metadata/+", &["list"]),
            ("secret/metadata/istio/*", &["deny"]),
        ]);
        assert!(!a.allows(List, "secret/metadata/istio/"));
        assert!(!a.allows(List, "secret/metadata/istio/ca"));

        // Falls back to the full path when the trimmed path matches nothing.
        let a = acl(&[("secret/metadata/istio/*", &["list"])]);
        assert!(a.allows(List, "secret/metadata/istio/"));
        assert!(!a.allows(List, "secret/metadata/istio"));
    }

    #[test]
    fn kv_v2_data_vs_metadata() {
        let a = Acl::new(&[pol(
            "istiod",
            r#"
path "secret/data/istio/*" {
  capabilities = ["read"]
}
path "secret/metadata/istio/*" {
  capabilities = ["list", "read"]
}
"#,
        )]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
        assert!(!a.allows(Read, "secret/istio/ca")); // v1 path: not covered
        assert!(!a.allows(Update, "secret/data/istio/ca"));
        assert!(a.allows(List, "secret/metadata/istio/"));
        assert!(a.allows(Read, "secret/metadata/istio/ca"));
        assert!(!a.allows(Read, "secret/subkeys/istio/ca"));

        // A v1-style policy does not cover the v2 data path.
        let v1 = acl(&[("secret/istio/*", &["read"])]);
        assert!(v1.allows(Read, "secret/istio/ca"));
        assert!(!v1.allows(Read, "secret/data/istio/ca"));
    }

    #[test]
    fn operations_need_their_own_bit() {
        let a = acl(&[
            ("w/*", &["create", "update"]),
            ("p/*", &["patch"]),
            ("d/*", &["delete"]),
            ("s/*", &["sudo"]),
        ]);
        assert!(a.allows(Create, "w/x") && a.allows(Update, "w/x"));
        assert!(!a.allows(Patch, "w/x") && !a.allows(Read, "w/x") && !a.allows(Delete, "w/x"));
        assert!(a.allows(Patch, "p/x") && !a.allows(Update, "p/x"));
        assert!(a.allows(Delete, "d/x") && !a.allows(Read, "d/x"));
        for op in [Create, Read, Update, Patch, Delete, List] {
            assert!(!a.allows(op, "s/x"), "{op}");
        }
    }

    #[test]
    fn legacy_policy_forms() {
        let a = Acl::new(&[pol(
            "legacy",
            "path \"r/*\" { policy = \"read\" }\npath \"w/*\" { policy = \"write\" }\n\
             path \"s/*\" { policy = \"sudo\" }\npath \"r/secret\" { policy = \"deny\" }\n",
        )]);
        assert_eq!(a.capabilities("r/x"), vec![C::Read, C::List]);
        assert_eq!(
            a.capabilities("w/x"),
            vec![C::Read, C::List, C::Update, C::Delete, C::Create]
        );
        assert_eq!(
            a.capabilities("s/x"),
            vec![C::Sudo, C::Read, C::List, C::Update, C::Delete, C::Create]
        );
        assert_eq!(a.capabilities("r/secret"), vec![C::Deny]);
        assert!(!a.allows(Read, "r/secret"));
        assert!(!a.allows(Patch, "w/x"));
    }

    #[test]
    fn json_policies() {
        let a = Acl::new(&[
            pol(
                "json",
                r#"{"path": {"secret/data/istio/*": {"capabilities": ["read"]}}}"#,
            ),
            pol(
                "deny",
                r#"{"path": {"secret/data/istio/*": {"policy": "deny"}}}"#,
            ),
        ]);
        assert!(!a.allows(Read, "secret/data/istio/ca"));
        let a = Acl::new(&[pol(
            "json",
            r#"{"path": {"secret/data/istio/*": {"capabilities": ["read"]}}}"#,
        )]);
        assert!(a.allows(Read, "secret/data/istio/ca"));
    }

    #[test]
    fn unparsable_policies_are_errors_not_no_access() {
        assert!(matches!(
            parse_policy("p", "path \"x\" { allowed_parameters { \"*\" = [] } }"),
            Err(PolicyError::Unsupported(_))
        ));
        assert!(matches!(
            parse_policy("p", "path \"x\" { capabilities = [\"raed\"] }"),
            Err(PolicyError::Invalid(m)) if m.contains("raed")
        ));
        assert!(matches!(
            parse_policy("p", "path \"x/+*\" { capabilities = [\"read\"] }"),
            Err(PolicyError::Invalid(m)) if m.contains("+*")
        ));
    }

    #[test]
    fn root() {
        let r = Acl::root();
        assert!(r.is_root());
        assert_eq!(r.capabilities("anything"), vec![C::Root]);
        for op in [Create, Read, Update, Patch, Delete, List] {
            assert!(r.allows(op, "sys/seal"));
        }
        assert_eq!(r.deciding_rule("x"), None);
        let named = Acl::new(&[
            Policy {
                name: "root".into(),
                rules: vec![],
            },
            rules("d", &[("*", &["deny"])]),
        ]);
        assert!(named.allows(Read, "secret/data/x"));
        assert_eq!(named.capabilities("secret/data/x"), vec![C::Root]);
    }

    #[test]
    fn capabilities_like_sys_capabilities() {
        let a = acl(&[(
            "secret/*",
            &["recover", "subscribe", "patch", "create", "sudo", "read"],
        )]);
        assert_eq!(
            a.capabilities("secret/x"),
            vec![
                C::Sudo,
                C::Read,
                C::Create,
                C::Patch,
                C::Subscribe,
                C::Recover
            ]
        );
        assert_eq!(a.capabilities("other"), vec![C::Deny]);
        assert_eq!(Acl::new(&[]).capabilities("x"), vec![C::Deny]);
        assert!(!Acl::new(&[]).allows(Read, "x"));
        assert!(!Acl::default().allows(List, ""));
    }

    #[test]
    fn hand_built_policies_are_safe() {
        let p = Policy {
            name: "hand".into(),
            rules: vec![
                PathRule {
                    path: "/a/+*".into(),
                    capabilities: vec![C::Read],
                    line: None,
                },
                PathRule {
                    path: "".into(),
                    capabilities: vec![C::Read, C::Deny],
                    line: None,
                },
                PathRule {
                    path: "x/*".into(),
                    capabilities: vec![C::Read],
                    line: None,
                },
                // Paths are used as given: the parser strips the one leading '/' Vault
                // strips, so a leading '/' left here is part of the path (`//y/*` in a
                // policy file), and matches nothing a request can name.
                PathRule {
                    path: "/y/*".into(),
                    capabilities: vec![C::Read],
                    line: None,
                },
            ],
        };
        let a = Acl::new(&[p]);
        assert!(!a.allows(Read, "a/b"));
        assert!(!a.allows(Read, ""));
        assert!(a.allows(Read, "x/y"));
        assert_eq!(a.deciding_rule("x/y"), Some("x/*"));
        assert!(!a.allows(Read, "y/z"));
        assert!(!a.allows(Read, "/y/z"));
    }

    #[test]
    fn evaluation_never_panics() {
        let a = acl(&[
            ("+", &["read"]),
            ("+/+", &["list"]),
            ("a/+/b*", &["read"]),
            ("*", &["deny"]),
            ("é/+/ü*", &["read"]),
            ("/", &["read"]),
        ]);
        for p in [
            "",
            "/",
            "//",
            "a",
            "a/",
            "a//",
            "é/x/üx",
            "é",
            "+",
            "*",
            "a/b/c/d/e/f/",
        ] {
            for op in [Create, Read, Update, Patch, Delete, List] {
                let _ = a.allows(op, p);
                let _ = a.deciding_rule_for(op, p);
            }
            let _ = a.capabilities(p);
        }
        assert!(a.allows(Read, "é/x/üx/y"));
    }
}
