//! `audit --vault`: reads what the clusters' istiod configurations ask of Vault into a
//! [`VaultSnapshot`]. Only reads (GET/LIST, and POST `sys/capabilities-self`, which
//! changes nothing); the login check, which writes (a token), runs only when asked.
//! Secret values are reduced to certificates and key facts the moment they arrive.

use crate::vault::{Answer, Method, Unreachable, Vault};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use vault_istio::audit::IstiodNeeds;
use vault_istio::audit::needs;
use vault_istio::audit::vault::{
    AuthConfig, FieldValue, KvMount, LoginCheck, ReadFailure, Reading, Role, SecretState,
    VaultSnapshot,
};
use vault_istio::bundle::FileKind;

/// What to read beyond names and shapes.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    /// Read the secret values (certificates are verified, the key reduced to facts).
    pub values: bool,
}

/// One read: its outcome, or the server gone (which ends the collection).
type Read<T> = Result<Reading<T>, Unreachable>;

pub async fn collect(vault: &Vault, all: &[IstiodNeeds], reads: Reads) -> VaultSnapshot {
    let mut snap = VaultSnapshot {
        address: vault.addr().to_string(),
        namespace: vault.namespace().map(str::to_string),
        ..Default::default()
    };
    // What was read before the server went away still counts; the rest stays "not read".
    if let Err(e) = fill(vault, all, reads, &mut snap).await {
        snap.unreachable = Some(e.cause);
    }
    snap
}

async fn fill(
    vault: &Vault,
    all: &[IstiodNeeds],
    reads: Reads,
    snap: &mut VaultSnapshot,
) -> Result<(), Unreachable> {
    // The token first: a refused token means nothing below can be read.
    let me = vault
        .request(Method::Get, "auth/token/lookup-self", None)
        .await?;
    match me.status {
        200 => snap.token_policies = strings(&me.data()["policies"]),
        403 => {
            return Err(Unreachable {
                cause: format!(
                    "the token was refused ({}): set VAULT_TOKEN or run `vault login`",
                    me.errors()
                ),
            });
        }
        code @ (301 | 302 | 307 | 308) => {
            return Err(Unreachable {
                cause: format!(
                    "Vault answered {code}, a redirect (a standby node sends one to the active node): point VAULT_ADDR at the active node"
                ),
            });
        }
        503 if me.errors().contains("sealed") => {
            return Err(Unreachable {
                cause: "Vault is sealed: unseal it (vault operator unseal) and audit again".into(),
            });
        }
        code => {
            return Err(Unreachable {
                cause: format!("Vault answered {code} to a token lookup: {}", me.errors()),
            });
        }
    }

    snap.auth_mounts = read(vault, "sys/auth", |a| {
        let body = a.payload();
        body.as_object().map(|m| {
            m.iter()
                .filter(|(k, v)| k.ends_with('/') && v.is_object())
                .map(|(k, v)| {
                    (
                        k.trim_end_matches('/').to_string(),
                        v["type"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
    })
    .await?;

    for n in all {
        let mounted = match &snap.auth_mounts {
            Reading::Found(m) => m.contains_key(&n.auth_mount),
            _ => true,
        };
        let state = snap.auth.entry(n.auth_mount.clone()).or_default();
        if !mounted {
            state.config = Reading::Skipped("no such auth mount".into());
            continue;
        }
        if matches!(state.config, Reading::Skipped(_)) {
            state.config = read(vault, &format!("auth/{}/config", n.auth_mount), |a| {
                auth_config(a.data())
            })
            .await?;
        }
        if let Some(role) = &n.role
            && !state.roles.contains_key(role)
        {
            let r = read(vault, &format!("auth/{}/role/{role}", n.auth_mount), |a| {
                Some(role_of(a.data()))
            })
            .await?;
            state.roles.insert(role.clone(), r);
        }
    }

    let policy_names: Vec<String> = snap
        .auth
        .values()
        .flat_map(|s| s.roles.values())
        .filter_map(Reading::found)
        .flat_map(Role::effective_policies)
        .collect();
    for name in policy_names {
        if snap.policies.contains_key(&name) {
            continue;
        }
        let policy = if name == "root" {
            Reading::Found(String::new())
        } else {
            read(vault, &format!("sys/policies/acl/{name}"), |a| {
                a.data()["policy"].as_str().map(str::to_string)
            })
            .await?
        };
        snap.policies.insert(name, policy);
    }

    for n in all {
        for path in n.paths() {
            if snap.secrets.contains_key(path) {
                continue;
            }
            let state = secret(vault, path, &fields_of(all, path), reads).await?;
            snap.secrets.insert(path.to_string(), state);
        }
    }
    Ok(())
}

/// Reads one path: 200 → `Found(parse(answer))`, 404 → `Missing`, anything else →
/// `Failed` with Vault's message.
async fn read<T>(vault: &Vault, path: &str, parse: impl FnOnce(&Answer) -> Option<T>) -> Read<T> {
    let answer = vault.request(Method::Get, path, None).await?;
    Ok(outcome(Method::Get, path, &answer, parse))
}

fn outcome<T>(
    method: Method,
    path: &str,
    answer: &Answer,
    parse: impl FnOnce(&Answer) -> Option<T>,
) -> Reading<T> {
    let what = format!("{} {path}", method.as_str());
    match answer.status {
        200 => match parse(answer) {
            Some(t) => Reading::Found(t),
            None => Reading::Failed(ReadFailure {
                what,
                status: Some(200),
                message: "the answer is not what Vault sends for this path".into(),
            }),
        },
        404 => Reading::Missing,
        code => Reading::Failed(ReadFailure {
            what,
            status: Some(code),
            message: answer.errors(),
        }),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        // Vault accepts a comma-separated string on write; some reads echo it.
        Value::String(s) if !s.is_empty() => s.split(',').map(|p| p.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

fn auth_config(d: &Value) -> Option<AuthConfig> {
    d.is_object().then(|| AuthConfig {
        kubernetes_host: d["kubernetes_host"].as_str().unwrap_or_default().into(),
        kubernetes_ca_cert: d["kubernetes_ca_cert"].as_str().unwrap_or_default().into(),
        token_reviewer_jwt_set: d["token_reviewer_jwt_set"].as_bool().unwrap_or(false),
        disable_local_ca_jwt: d["disable_local_ca_jwt"].as_bool().unwrap_or(false),
        disable_iss_validation: d["disable_iss_validation"].as_bool(),
        issuer: d["issuer"].as_str().unwrap_or_default().into(),
    })
}

fn role_of(d: &Value) -> Role {
    let mut policies = strings(&d["token_policies"]);
    for p in strings(&d["policies"]) {
        if !policies.contains(&p) {
            policies.push(p);
        }
    }
    Role {
        bound_service_account_names: strings(&d["bound_service_account_names"]),
        bound_service_account_namespaces: strings(&d["bound_service_account_namespaces"]),
        bound_service_account_namespace_selector: d["bound_service_account_namespace_selector"]
            .as_str()
            .unwrap_or_default()
            .into(),
        audience: d["audience"].as_str().unwrap_or_default().into(),
        token_policies: policies,
        token_no_default_policy: d["token_no_default_policy"].as_bool().unwrap_or(false),
    }
}

/// The fields the templates print from `path`, each with whether it is read as the key.
fn fields_of(all: &[IstiodNeeds], path: &str) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for r in all.iter().flat_map(|n| &n.reads).filter(|r| r.path == path) {
        *out.entry(r.field.clone()).or_insert(false) |= r.kind == Some(FileKind::CaKey);
    }
    out
}

/// The mount, the keys and (when asked) the values of one secret path.
async fn secret(
    vault: &Vault,
    path: &str,
    fields: &BTreeMap<String, bool>,
    reads: Reads,
) -> Result<SecretState, Unreachable> {
    let mut state = SecretState {
        mount: kv_mount(vault, path).await?,
        ..Default::default()
    };
    let Some(mount) = state.mount.found().filter(|m| m.type_ == "kv").cloned() else {
        state.keys = Reading::Skipped("no KV mount".into());
        state.values = Reading::Skipped("no KV mount".into());
        return Ok(state);
    };
    let name = needs::secret_name(path, &mount.path, mount.version);
    let mount_path = mount.path.trim_end_matches('/');
    let capture = |data: &Value| -> BTreeMap<String, FieldValue> {
        fields
            .iter()
            .filter_map(|(field, as_key)| {
                let mut text = match &data[field] {
                    Value::Null => return None,
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let value = FieldValue::capture(&text, *as_key);
                zeroize::Zeroize::zeroize(&mut text);
                Some((field.clone(), value))
            })
            .collect()
    };
    if mount.version == 2 {
        // `subkeys` names the fields without returning a value.
        let subkeys = format!("{mount_path}/subkeys/{name}");
        state.keys = read(vault, &subkeys, |a| {
            a.data()["subkeys"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
        })
        .await?;
        state.values = if !reads.values {
            Reading::Skipped("--no-secret-read".into())
        } else if matches!(state.keys, Reading::Missing) {
            Reading::Missing
        } else {
            read(vault, &format!("{mount_path}/data/{name}"), |a| {
                Some(capture(&a.data()["data"]))
            })
            .await?
        };
        return Ok(state);
    }
    // KV v1 has no subkeys: the read names the fields; without it, a LIST of the parent
    // tells whether the secret exists.
    let full = format!("{mount_path}/{name}");
    if reads.values {
        let answer = vault.request(Method::Get, &full, None).await?;
        if answer.status == 200 {
            let data = answer.data();
            state.keys = Reading::Found(
                data.as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default(),
            );
            state.values = Reading::Found(capture(data));
            return Ok(state);
        }
        state.values = outcome(Method::Get, &full, &answer, |_| None);
        if answer.status == 404 {
            state.keys = Reading::Missing;
            return Ok(state);
        }
    } else {
        state.values = Reading::Skipped("--no-secret-read".into());
    }
    state.keys = exists_v1(vault, mount_path, &name).await?;
    Ok(state)
}

/// KV v1 without reading the value: LIST the parent and look for the leaf.
async fn exists_v1(vault: &Vault, mount: &str, name: &str) -> Read<Vec<String>> {
    let (parent, leaf) = name.rsplit_once('/').unwrap_or(("", name));
    let path = if parent.is_empty() {
        format!("{mount}/")
    } else {
        format!("{mount}/{parent}/")
    };
    let answer = vault.request(Method::List, &path, None).await?;
    Ok(
        match outcome(Method::List, &path, &answer, |a| {
            Some(strings(&a.data()["keys"]))
        }) {
            Reading::Found(keys) if keys.iter().any(|k| k == leaf) => Reading::Skipped(
                "KV v1 shows a secret's fields only by reading it (--no-secret-read)".into(),
            ),
            Reading::Found(_) => Reading::Missing,
            other => other,
        },
    )
}

/// The mount holding `path`, as the agent's preflight finds it
/// (`sys/internal/ui/mounts/<path>`). That endpoint answers 403 "preflight" both when no
/// mount holds the path and when the token has no capability under it; `sys/mounts`, when
/// readable, tells the two apart.
async fn kv_mount(vault: &Vault, path: &str) -> Read<KvMount> {
    let api = format!("sys/internal/ui/mounts/{}", path.trim_start_matches('/'));
    let answer = vault.request(Method::Get, &api, None).await?;
    let errors = answer.errors();
    let no_mount = answer.status == 400 && errors.contains("no matching mount");
    let preflight = answer.status == 403 && errors.contains("preflight");
    if !no_mount && !preflight {
        return Ok(outcome(Method::Get, &api, &answer, |a| mount_of(a.data())));
    }
    let all = vault.request(Method::Get, "sys/mounts", None).await?;
    if all.status != 200 {
        return Ok(Reading::Failed(ReadFailure {
            what: format!("GET {api}"),
            status: Some(answer.status),
            message: format!(
                "{errors} (and sys/mounts answered {}, so the audit cannot tell a missing mount from a missing permission)",
                all.status
            ),
        }));
    }
    let mounts = all.payload();
    // The longest mount path that prefixes `path`, as Vault's router picks it.
    let best = mounts
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(m, v)| v.is_object() && path.trim_start_matches('/').starts_with(m.as_str()))
        .max_by_key(|(m, _)| m.len());
    Ok(match best {
        None => Reading::Missing,
        Some((m, v)) => {
            let mut v = v.clone();
            v["path"] = json!(m);
            match mount_of(&v) {
                Some(mount) => Reading::Found(mount),
                None => Reading::Missing,
            }
        }
    })
}

fn mount_of(d: &Value) -> Option<KvMount> {
    let version = match &d["options"]["version"] {
        Value::String(v) => v.parse().unwrap_or(1),
        Value::Number(n) => n.as_u64().and_then(|v| u8::try_from(v).ok()).unwrap_or(1),
        _ => 1,
    };
    Some(KvMount {
        path: d["path"].as_str()?.to_string(),
        type_: d["type"].as_str().unwrap_or_default().to_string(),
        version,
    })
}

/// What the login token may do on `paths`: `sys/capabilities-self` with the token, else
/// `sys/capabilities-accessor` with the audit's token.
async fn capabilities(
    vault: &Vault,
    token: &str,
    accessor: &str,
    paths: &[String],
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let pick = |a: &Answer| -> BTreeMap<String, Vec<String>> {
        let body = a.payload();
        paths
            .iter()
            .map(|p| (p.clone(), strings(&body[p])))
            .collect()
    };
    let own = vault
        .request_as(
            token,
            Method::Post,
            "sys/capabilities-self",
            Some(json!({ "paths": paths })),
        )
        .await
        .map_err(|e| e.cause)?;
    if own.status == 200 {
        return Ok(pick(&own));
    }
    let theirs = vault
        .request(
            Method::Post,
            "sys/capabilities-accessor",
            Some(json!({ "accessor": accessor, "paths": paths })),
        )
        .await
        .map_err(|e| e.cause)?;
    if theirs.status == 200 {
        return Ok(pick(&theirs));
    }
    Err(format!(
        "sys/capabilities-self answered {} ({}) and sys/capabilities-accessor {} ({})",
        own.status,
        own.errors(),
        theirs.status,
        theirs.errors()
    ))
}

/// `--login-check` for one istiod: log in with `jwt` (a token the cluster issued for
/// istiod's ServiceAccount), ask what the login token may do on each KV path, then revoke
/// the login token.
pub async fn login_check(
    vault: &Vault,
    snap: &VaultSnapshot,
    n: &IstiodNeeds,
    jwt: Result<String, String>,
) -> LoginCheck {
    let mut check = LoginCheck {
        cluster: n.cluster.clone(),
        namespace: n.namespace.clone(),
        deployment: n.deployment.clone(),
        auth_mount: n.auth_mount.clone(),
        role: n.role.clone().unwrap_or_default(),
        ..Default::default()
    };
    let jwt = match jwt {
        Ok(j) => j,
        Err(why) => {
            check.not_tried = Some(why);
            return check;
        }
    };
    // As the agent does: `<auth-path>/login`, the annotation as written.
    let login = format!("{}/login", n.auth_path.trim_matches('/'));
    let answer = match vault
        .request_as(
            "",
            Method::Post,
            &login,
            Some(json!({"role": check.role, "jwt": jwt})),
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            check.not_tried = Some(e.cause);
            return check;
        }
    };
    check.status = Some(answer.status);
    if answer.status != 200 {
        check.error = answer.errors();
        return check;
    }
    check.policies = strings(&answer.body["auth"]["policies"]);
    let Some(token) = answer.body["auth"]["client_token"]
        .as_str()
        .map(str::to_string)
    else {
        check.error = "the login answer carries no client token".into();
        return check;
    };
    let paths: Vec<String> = n
        .paths()
        .into_iter()
        .map(|p| match snap.secrets.get(p) {
            Some(s) => s.api_path(p),
            None => p.to_string(),
        })
        .collect();
    let accessor = answer.body["auth"]["accessor"].as_str().unwrap_or_default();
    match capabilities(vault, &token, accessor, &paths).await {
        Ok(caps) => check.capabilities = caps,
        Err(why) => check.capabilities_error = Some(why),
    }
    // The token was only for this check: revoke it with the audit's own token (a role
    // without the default policy gives tokens that may not revoke themselves).
    let revoked = match vault
        .request(
            Method::Post,
            "auth/token/revoke-accessor",
            Some(json!({ "accessor": accessor })),
        )
        .await
    {
        Ok(a) if (200..300).contains(&a.status) => Ok(()),
        Ok(a) => Err(format!(
            "revoke-accessor answered {}: {}",
            a.status,
            a.errors()
        )),
        Err(e) => Err(e.cause),
    };
    if let Err(first) = revoked {
        match vault
            .request_as(&token, Method::Post, "auth/token/revoke-self", None)
            .await
        {
            Ok(a) if (200..300).contains(&a.status) => {}
            Ok(a) => {
                check.revoke_error = Some(format!(
                    "{first}; revoke-self answered {}: {}",
                    a.status,
                    a.errors()
                ))
            }
            Err(e) => check.revoke_error = Some(format!("{first}; {}", e.cause)),
        }
    }
    check
}
