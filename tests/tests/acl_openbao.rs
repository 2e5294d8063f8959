//! The engine's ACL evaluator against a real OpenBao server: for each policy set, a token
//! holding exactly those policies, and `sys/capabilities` compared with
//! `Acl::capabilities` on every path of a fixed list.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use vault_istio::vault::{Acl, parse_policy};
use vault_istio_testbed::openbao::OpenBao;

/// Policy sets exercising each of the evaluator's rules (vault.md §5).
const POLICY_SETS: &[&[(&str, &str)]] = &[
    // The generated kind of policy: one exact path.
    &[("exact", r#"path "kv/istio/ca" { capabilities = ["read"] }"#)],
    // Prefix rules: plain string prefix, longest wins.
    &[(
        "prefix",
        r#"path "kv/istio/*" { capabilities = ["read", "list"] }
path "kv/ist*" { capabilities = ["create"] }"#,
    )],
    // An exact rule without the capability blocks a broader prefix grant.
    &[(
        "exact-blocks",
        r#"path "kv/istio/*" { capabilities = ["read"] }
path "kv/istio/ca" { capabilities = ["list"] }"#,
    )],
    // Deny for the same path string wins across policies; a different string does not.
    &[
        (
            "allow",
            r#"path "kv/istio/*" { capabilities = ["read"] }
path "kv/other" { capabilities = ["read"] }"#,
        ),
        (
            "deny",
            r#"path "kv/istio/*" { capabilities = ["deny"] }
path "kv/*" { capabilities = ["deny"] }"#,
        ),
    ],
    // Segment wildcards and their priority against prefixes.
    &[(
        "plus",
        r#"path "kv/+/ca" { capabilities = ["read"] }
path "kv/+/+/key" { capabilities = ["update"] }
path "kv/cluster1/*" { capabilities = ["list"] }
path "+/data/istio/*" { capabilities = ["read", "create"] }"#,
    )],
    // KV v2 data/ and metadata/ paths.
    &[(
        "kv2",
        r#"path "secret/data/istio/ca" { capabilities = ["read"] }
path "secret/metadata/istio/*" { capabilities = ["list"] }"#,
    )],
    // LIST-style paths with a trailing slash against segment and prefix rules.
    &[(
        "list-plus",
        r#"path "secret/metadata/+" { capabilities = ["list"] }"#,
    )],
    &[(
        "list-plus-deny",
        r#"path "secret/metadata/+" { capabilities = ["list"] }
path "secret/metadata/istio/*" { capabilities = ["deny"] }"#,
    )],
    &[(
        "list-exact-trimmed",
        r#"path "secret/metadata/istio" { capabilities = ["list"] }"#,
    )],
    // A doubled leading slash: Vault strips one, the other stays part of the path.
    &[(
        "double-slash",
        r#"path "//kv/istio/ca" { capabilities = ["read"] }
path "/kv/other" { capabilities = ["read"] }"#,
    )],
    // Legacy policy= form and JSON.
    &[
        ("legacy", r#"path "kv/legacy/*" { policy = "write" }"#),
        (
            "json",
            r#"{"path": {"kv/json/ca": {"capabilities": ["read", "update"]}}}"#,
        ),
    ],
];

const PATHS: &[&str] = &[
    "kv/istio/ca",
    "kv/istio/key",
    "kv/istio",
    "kv/istiod/x",
    "kv/other",
    "kv/otherwise",
    "kv/cluster1/ca",
    "kv/cluster1/sub/key",
    "kv/cluster2/ca",
    "kv/a/b/key",
    "secret/data/istio/ca",
    "secret/data/istio/other",
    "secret/metadata/istio/ca",
    "secret/istio/ca",
    "kv/legacy/x",
    "kv/json/ca",
    "kv/json/cb",
    "sys/mounts",
    "kv/istio/",
    "secret/metadata/istio/",
    "kv/cluster1/",
    "secret/metadata/istio",
    "secret/metadata/",
];

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn acl_evaluator_agrees_with_openbao_sys_capabilities() -> Result<()> {
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for (set_index, set) in POLICY_SETS.iter().enumerate() {
        let mut names = Vec::new();
        let mut policies = Vec::new();
        for (name, text) in set.iter() {
            let name = format!("s{set_index}-{name}");
            let (status, answer) = bao.request(
                "PUT",
                &format!("sys/policies/acl/{name}"),
                Some(&json!({ "policy": text })),
            )?;
            ensure!(
                (200..300).contains(&status),
                "writing policy {name}: {status} {answer}"
            );
            policies.push(parse_policy(&name, text).with_context(|| format!("parsing {name}"))?);
            names.push(name);
        }
        let acl = Acl::new(&policies);
        let (status, token) = bao.request(
            "POST",
            "auth/token/create",
            Some(&json!({ "policies": names, "no_default_policy": true })),
        )?;
        ensure!((200..300).contains(&status), "token: {status} {token}");
        let token = token["auth"]["client_token"]
            .as_str()
            .context("client_token")?
            .to_string();
        let (status, caps) = bao.request(
            "POST",
            "sys/capabilities",
            Some(&json!({ "token": token, "paths": PATHS })),
        )?;
        ensure!(status == 200, "sys/capabilities: {status} {caps}");
        for path in PATHS {
            let server = sorted(&caps[*path]);
            let mut ours: Vec<String> = acl
                .capabilities(path)
                .iter()
                .map(|c| c.to_string())
                .collect();
            ours.sort();
            compared += 1;
            if server != ours {
                disagreements.push(format!(
                    "set {set_index} {names:?}, path {path}: OpenBao {server:?}, ours {ours:?}"
                ));
            }
        }
    }
    assert!(compared >= 30, "only {compared} comparisons");
    assert!(
        disagreements.is_empty(),
        "{} of {compared} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    eprintln!("ACL evaluator agreed with OpenBao on {compared} policy/path pairs");
    Ok(())
}
