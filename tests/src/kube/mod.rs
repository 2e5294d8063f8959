//! A Kubernetes API stand-in: an in-process HTTPS server that speaks the real REST API.
//!
//! No registry package ships kube-apiserver, so tests of the live-cluster code talk to this
//! instead (reference/test-servers.md). It is reached the way a real cluster is: through a
//! kubeconfig with the server's CA (`certificate-authority-data`) and a bearer token, so
//! clients run their real kubeconfig, TLS (rustls with ring), auth and HTTP code — and the
//! real `kubectl` binary works against it (`tests/tests/kube_standin.rs`).
//!
//! What it serves, from a [`ClusterFixture`] (YAML objects read through their k8s-openapi
//! types, so the JSON has the real schema):
//! - `/version`, `/healthz`; discovery `/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`
//!   (legacy discovery, which clients fall back to when they asked for the aggregated kind);
//! - Istio's `networking.istio.io/v1` `Gateway` and `DestinationRule` custom resources (kept
//!   as written: no k8s-openapi type), with their short names and categories;
//! - `get` and `list` of namespaced, cluster-wide and cluster-scoped resources, with
//!   `labelSelector` and `fieldSelector`; `XxxList` bodies whose items carry no
//!   `apiVersion`/`kind`, like a real server; server-side printing (`Table`) when the client
//!   asks for it, as `kubectl get` does;
//! - pod logs (`…/pods/<p>/log?container=&tailLines=&previous=`) as `text/plain`;
//! - TokenRequest (`POST …/serviceaccounts/<sa>/token`, an ES256 JWT with the
//!   service-account claims) and TokenReview (`POST /apis/authentication.k8s.io/v1/tokenreviews`);
//! - failures as `metav1.Status` with the API server's messages: 401 for a missing or unknown
//!   token, 403 from `access.yaml` rules and for every write, 404 for missing objects and
//!   unknown paths, 400 for bad selectors.
//!
//! Every request is recorded ([`KubeStandIn::requests`]), so a test can assert that a
//! read-only tool wrote nothing. The server runs on its own tokio runtime thread: sync tests
//! use it directly; it stops when the value is dropped.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use vault_istio_testbed::kube::{ClusterFixture, KubeStandIn};
//! let cluster = ClusterFixture::from_dir(vault_istio_testbed::kube::fixture_dir("article-cluster1"))?;
//! let kube = KubeStandIn::start(cluster)?;
//! let dir = tempfile::tempdir()?;
//! kube.write_kubeconfig(dir.path().join("config"), "cluster1")?;
//! // … run the code under test with KUBECONFIG=<dir>/config …
//! assert!(kube.requests().iter().all(|r| !r.is_write()));
//! # Ok(())
//! # }
//! ```

mod client;
mod fixture;
pub mod inject;
mod resources;
mod select;
mod server;
mod table;
mod tls;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use base64::Engine as _;
use serde_json::{Value, json};

pub use client::RawResponse;
pub use fixture::{AccessRule, ClusterFixture};
pub use tls::install_ring_provider;

use server::{Identity, Shared};

/// The user the stand-in's token authenticates as (in 403 messages).
pub const USER: &str = "system:serviceaccount:default:auditor";

/// `tests/fixtures/kube/<name>/`.
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/kube")
        .join(name)
}

/// One request the stand-in received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL path, e.g. `/api/v1/namespaces/istio-system/pods`.
    pub path: String,
    /// The raw query string (`""` when none).
    pub query: String,
    /// The `Accept` header (`""` when none).
    pub accept: String,
}

impl RequestRecord {
    /// Whether this request asked to change something (any method but GET/HEAD/OPTIONS).
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }
}

/// A running stand-in for one cluster; stopped on drop.
pub struct KubeStandIn {
    url: String,
    ca_pem: String,
    token: String,
    shared: Arc<Shared>,
    handle: axum_server::Handle<std::net::SocketAddr>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl KubeStandIn {
    /// Starts an HTTPS server on `127.0.0.1:<free port>` serving `cluster`, with a fresh CA
    /// and token. Returns once the server accepts connections.
    pub fn start(cluster: ClusterFixture) -> Result<KubeStandIn> {
        install_ring_provider();
        let certs = tls::server_certs()?;
        let signer = tls::JwtSigner::new()?;
        let token = format!("standin-{}", random_hex());

        let mut objects = cluster.objects;
        // Re-read every object through its type: `object_mut` edits may have broken it.
        for ((index, ns, name), value) in objects.iter_mut() {
            let rt = &resources::TYPES[*index];
            *value = rt
                .normalize(value.take())
                .with_context(|| format!("{} {ns}/{name} after editing", rt.kind))?;
        }
        let mut tokens = std::collections::HashMap::new();
        tokens.insert(
            token.clone(),
            Identity::service_account("default", "auditor", &fixture::fake_uid(&["auditor"])),
        );
        fill_service_account_tokens(&mut objects, &mut tokens, &certs.ca_pem, &signer);
        let resource_version = objects
            .values()
            .filter_map(|v| {
                v["metadata"]["resourceVersion"]
                    .as_str()?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(1)
            .to_string();

        let shared = Arc::new(Shared {
            objects,
            logs: cluster.logs,
            forbid: cluster.forbid,
            allow_only: cluster.allow_only,
            git_version: cluster.git_version,
            resource_version,
            tokens: Mutex::new(tokens),
            requests: Mutex::new(Vec::new()),
            latency_micros: AtomicU64::new(0),
            signer,
        });

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kube-standin")
            .enable_all()
            .build()
            .context("starting the stand-in's tokio runtime")?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        // tokio panics when handed a blocking std listener.
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let state = shared.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { state.handle(method, uri, headers, body).await }
            },
        );
        let server = {
            let _enter = runtime.enter();
            axum_server::from_tcp_rustls(
                listener,
                axum_server::tls_rustls::RustlsConfig::from_config(certs.config),
            )?
            .handle(handle.clone())
        };
        runtime.spawn(async move {
            if let Err(e) = server.serve(app.into_make_service()).await {
                eprintln!("kube stand-in: server error: {e}");
            }
        });
        runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(10), handle.listening()).await
            })
            .context("the stand-in did not start listening")?
            .context("the stand-in failed to bind")?;
        Ok(KubeStandIn {
            url: format!("https://{addr}"),
            ca_pem: certs.ca_pem,
            token,
            shared,
            handle,
            runtime: Some(runtime),
        })
    }

    /// Delays every answer by `latency` (for benchmarks of concurrent clients).
    pub fn with_latency(self, latency: Duration) -> KubeStandIn {
        self.set_latency(latency);
        self
    }

    /// Changes the per-request delay.
    pub fn set_latency(&self, latency: Duration) {
        self.shared
            .latency_micros
            .store(latency.as_micros() as u64, Ordering::Relaxed);
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA that signed the serving certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The bearer token of [`USER`], the identity kubeconfigs use.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// A raw HTTPS request to the stand-in (HTTP/1.1, verified against [`Self::ca_pem`]), for
    /// tests of the wire format. `token: None` sends no `Authorization` header.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        accept: Option<&str>,
        body: Option<&str>,
    ) -> Result<RawResponse> {
        client::request(self, method, path, token, accept, body)
    }

    /// Writes a kubeconfig with one context `context` (also the current one) for this server.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>, context: &str) -> Result<()> {
        Kubeconfig::new().context(context, self).write(path)
    }
}

impl Drop for KubeStandIn {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(rt) = self.runtime.take() {
            // Allowed even inside another runtime (a `#[tokio::test]` dropping the stand-in).
            rt.shutdown_background();
        }
    }
}

/// A kubeconfig with several contexts, for stand-ins and unreachable clusters.
///
/// ```no_run
/// # fn f(a: &vault_istio_testbed::kube::KubeStandIn) -> anyhow::Result<()> {
/// use vault_istio_testbed::kube::Kubeconfig;
/// Kubeconfig::new().context("cluster1", a).unreachable("cluster3")?.write("/tmp/config")?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Kubeconfig {
    contexts: Vec<(String, String, String, String)>,
    current: Option<String>,
}

impl Kubeconfig {
    pub fn new() -> Kubeconfig {
        Kubeconfig::default()
    }

    /// Adds context (and cluster and user) `name` for `standin`; the first one added is the
    /// current context unless [`Kubeconfig::current`] says otherwise.
    pub fn context(mut self, name: &str, standin: &KubeStandIn) -> Kubeconfig {
        self.contexts.push((
            name.into(),
            standin.url.clone(),
            standin.ca_pem.clone(),
            standin.token.clone(),
        ));
        self
    }

    /// Adds context `name` pointing at a loopback port nothing listens on (connection
    /// refused), with a valid-looking CA and token.
    pub fn unreachable(mut self, name: &str) -> Result<Kubeconfig> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let certs = tls::server_certs()?;
        self.contexts.push((
            name.into(),
            format!("https://127.0.0.1:{port}"),
            certs.ca_pem,
            format!("standin-{}", random_hex()),
        ));
        Ok(self)
    }

    /// Sets `current-context`.
    pub fn current(mut self, name: &str) -> Kubeconfig {
        self.current = Some(name.into());
        self
    }

    /// The kubeconfig as a JSON value (the YAML written is this).
    pub fn to_value(&self) -> Value {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let current = self
            .current
            .clone()
            .or_else(|| self.contexts.first().map(|c| c.0.clone()))
            .unwrap_or_default();
        json!({
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": current,
            "clusters": self.contexts.iter().map(|(name, url, ca, _)| json!({
                "name": name,
                "cluster": {"server": url, "certificate-authority-data": b64(ca)},
            })).collect::<Vec<_>>(),
            "users": self.contexts.iter().map(|(name, _, _, token)| json!({
                "name": format!("{name}-auditor"),
                "user": {"token": token},
            })).collect::<Vec<_>>(),
            "contexts": self.contexts.iter().map(|(name, ..)| json!({
                "name": name,
                "context": {"cluster": name, "user": format!("{name}-auditor")},
            })).collect::<Vec<_>>(),
        })
    }

    /// Writes the kubeconfig (YAML, mode 0600 like kubectl's).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let yaml = serde_saphyr::to_string(&self.to_value())
            .map_err(|e| anyhow::anyhow!("serialising the kubeconfig: {e}"))?;
        std::fs::write(path, yaml).with_context(|| format!("writing {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }
}

/// The `kubectl` binary: `$KUBECTL_BIN` if set (it must exist), else
/// `<workspace>/.tools/kubectl/kubectl` when present (what `.ci/test` installs). Never the
/// `kubectl` on PATH.
pub fn kubectl_bin() -> Result<Option<PathBuf>> {
    if let Some(path) = std::env::var_os("KUBECTL_BIN").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        anyhow::ensure!(
            path.is_file(),
            "KUBECTL_BIN={} does not exist; run .ci/test to fetch kubectl",
            path.display()
        );
        return Ok(Some(path));
    }
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/kubectl/kubectl");
    Ok(default.is_file().then_some(default))
}

fn random_hex() -> String {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(std::time::SystemTime::now());
    let b = RandomState::new().hash_one(a);
    format!("{a:016x}{b:016x}")
}

/// Fills `kubernetes.io/service-account-token` Secrets like the token controller (`token`,
/// `ca.crt`, `namespace`) and makes their tokens authenticate.
fn fill_service_account_tokens(
    objects: &mut std::collections::BTreeMap<fixture::ObjectKey, Value>,
    tokens: &mut std::collections::HashMap<String, Identity>,
    ca_pem: &str,
    signer: &tls::JwtSigner,
) {
    let sa_uids: std::collections::HashMap<(String, String), String> = objects
        .iter()
        .filter(|((i, _, _), _)| resources::TYPES[*i].kind == "ServiceAccount")
        .map(|((_, ns, name), v)| {
            let uid = v["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            ((ns.clone(), name.clone()), uid)
        })
        .collect();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    for ((i, ns, name), secret) in objects.iter_mut() {
        if resources::TYPES[*i].kind != "Secret"
            || secret["type"] != "kubernetes.io/service-account-token"
        {
            continue;
        }
        let Some(sa) = secret["metadata"]["annotations"]["kubernetes.io/service-account.name"]
            .as_str()
            .map(String::from)
        else {
            continue;
        };
        let Some(uid) = sa_uids.get(&(ns.clone(), sa.clone())) else {
            continue; // the real controller deletes such a Secret; leave it for tests to see
        };
        secret["metadata"]["annotations"]["kubernetes.io/service-account.uid"] = json!(uid);
        if !secret["data"].is_object() {
            secret["data"] = json!({});
        }
        let existing = secret["data"]["token"]
            .as_str()
            .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
            .and_then(|t| String::from_utf8(t).ok());
        let token = existing.unwrap_or_else(|| {
            signer.sign(&json!({
                "iss": "kubernetes/serviceaccount",
                "kubernetes.io/serviceaccount/namespace": ns,
                "kubernetes.io/serviceaccount/secret.name": name,
                "kubernetes.io/serviceaccount/service-account.name": sa,
                "kubernetes.io/serviceaccount/service-account.uid": uid,
                "sub": format!("system:serviceaccount:{ns}:{sa}"),
            }))
        });
        let data = &mut secret["data"];
        data["token"] = json!(b64(&token));
        if data["ca.crt"].is_null() {
            data["ca.crt"] = json!(b64(ca_pem));
        }
        if data["namespace"].is_null() {
            data["namespace"] = json!(b64(ns));
        }
        tokens.insert(token, Identity::service_account(ns, &sa, uid));
    }
}
