//! Smoke tests of the OpenBao harness against a real `bao server -dev`: the HTTP API (KV v1,
//! ACL policies, tokens, capabilities) and the `vault` → `bao` CLI shim.
//!
//! Without a `bao` binary they skip loudly on a developer machine and fail under `CI=true`.

use anyhow::{Result, ensure};
use serde_json::{Value, json};
use vault_istio_testbed::openbao::OpenBao;

const ISTIOD_POLICY: &str = r#"path "kv1/istio/ca" { capabilities = ["read"] }"#;

/// Asserts a 2xx answer and returns its body.
fn ok(bao: &OpenBao, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
    let (status, answer) = bao.request(method, path, body)?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {answer}"
    );
    Ok(answer)
}

fn mount_kv1(bao: &OpenBao) -> Result<()> {
    ok(
        bao,
        "POST",
        "sys/mounts/kv1",
        Some(&json!({"type": "kv", "options": {"version": "1"}})),
    )?;
    Ok(())
}

#[test]
fn api_kv_v1_policy_token_and_capabilities() -> Result<()> {
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    mount_kv1(&bao)?;

    // KV v1: write, read back, list.
    ok(
        &bao,
        "POST",
        "kv1/istio/ca",
        Some(&json!({"ca-cert.pem": "PEM", "ttl": "1h"})),
    )?;
    let read = ok(&bao, "GET", "kv1/istio/ca", None)?;
    assert_eq!(read["data"]["ca-cert.pem"], "PEM", "{read}");
    let listed = ok(&bao, "LIST", "kv1/istio", None)?;
    assert_eq!(listed["data"]["keys"], json!(["ca"]), "{listed}");
    let (status, missing) = bao.request("GET", "kv1/istio/none", None)?;
    assert_eq!(status, 404, "{missing}");

    // A policy granting read on the CA path only, and a token holding it.
    ok(
        &bao,
        "PUT",
        "sys/policies/acl/istiod",
        Some(&json!({"policy": ISTIOD_POLICY})),
    )?;
    let policy = ok(&bao, "GET", "sys/policies/acl/istiod", None)?;
    assert_eq!(policy["data"]["policy"], ISTIOD_POLICY, "{policy}");
    let created = ok(
        &bao,
        "POST",
        "auth/token/create",
        Some(&json!({"policies": ["istiod"]})),
    )?;
    let token = created["auth"]["client_token"]
        .as_str()
        .expect("a client token")
        .to_string();
    assert!(
        token.starts_with("s."),
        "OpenBao tokens start with s.: {token}"
    );

    let caps = ok(
        &bao,
        "POST",
        "sys/capabilities",
        Some(&json!({"token": token, "paths": ["kv1/istio/ca", "kv1/other"]})),
    )?;
    assert_eq!(caps["data"]["kv1/istio/ca"], json!(["read"]), "{caps}");
    assert_eq!(caps["data"]["kv1/other"], json!(["deny"]), "{caps}");

    // And the ACL is enforced on real requests made with that token.
    let (status, body) = bao.request_as(&token, "GET", "kv1/istio/ca", None)?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["ca-cert.pem"], "PEM");
    let (status, body) = bao.request_as(&token, "GET", "kv1/other", None)?;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["errors"].to_string().contains("permission denied"),
        "{body}"
    );
    let (status, body) =
        bao.request_as(&token, "POST", "kv1/istio/ca", Some(&json!({"a": "b"})))?;
    assert_eq!(status, 403, "{body}");
    Ok(())
}

#[test]
fn vault_cli_script_runs_through_the_shim() -> Result<()> {
    let Some(bao) = OpenBao::start()? else {
        return Ok(());
    };
    let shim = bao.vault_shim_dir()?;
    let path = std::env::join_paths(std::iter::once(shim.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))?;
    let script = format!(
        r#"set -euo pipefail
test "$(command -v vault)" = "{shim}/vault"
vault secrets enable -path=kv1 -version=1 kv
vault kv put kv1/x a=b
vault policy write istiod - <<'EOF'
{ISTIOD_POLICY}
EOF
vault kv get -field=a kv1/x
"#,
        shim = shim.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .envs(bao.cli_env())
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "script failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server log\n{}",
        out.status,
        bao.log_tail(20)
    );
    assert_eq!(stdout.lines().last(), Some("b"), "{stdout}");

    // The effects, seen through the API.
    let mount = ok(&bao, "GET", "sys/mounts/kv1", None)?;
    assert_eq!(mount["data"]["type"], "kv", "{mount}");
    assert_eq!(mount["data"]["options"]["version"], "1", "{mount}");
    let secret = ok(&bao, "GET", "kv1/x", None)?;
    assert_eq!(secret["data"], json!({"a": "b"}), "{secret}");
    let policy = ok(&bao, "GET", "sys/policies/acl/istiod", None)?;
    assert_eq!(
        policy["data"]["policy"].as_str().map(str::trim),
        Some(ISTIOD_POLICY),
        "{policy}"
    );
    Ok(())
}
