//! The CLI's connection to a Vault (or OpenBao) server, for `audit --vault`.
//!
//! Built on `vaultrs`: a [`Vault`] wraps a [`vaultrs::client::VaultClient`] and sends every
//! request through vaultrs's own machinery (a rustify `Endpoint` run with vaultrs's
//! `EndpointMiddleware`, exactly as `vaultrs::api::exec_with_result` does), so the token and
//! namespace headers are the ones vaultrs sends. Unlike vaultrs's typed API it keeps every
//! answer: any HTTP status is an [`Answer`]; only transport failures are errors, and those
//! are classified ([`Unreachable`]) into a short cause an operator can act on.
//!
//! Settings come from the environment the `vault` CLI reads ([`VaultSettings::from_env`]).
//! The token never reaches an error, a log line or a `Debug` print.

mod classify;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Certificate, Url};
use rustify::endpoint::Endpoint;
use rustify::enums::{RequestMethod, RequestType, ResponseType};
use rustify::errors::ClientError as RestError;
use serde_json::Value;
use vaultrs::api::EndpointMiddleware;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};

/// Where and how to reach Vault: what the `vault` CLI reads from its environment.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultSettings {
    /// `VAULT_ADDR`, e.g. `https://vault.example.com:8200`.
    pub addr: String,
    /// `VAULT_TOKEN`, else the content of `~/.vault-token`. Never printed.
    pub token: Option<String>,
    /// `VAULT_CACERT`: a PEM file of CA certificates; the only roots trusted when set.
    pub cacert: Option<PathBuf>,
    /// `VAULT_CAPATH`: a directory of PEM files (used when `cacert` is not set).
    pub capath: Option<PathBuf>,
    /// `VAULT_SKIP_VERIFY`: do not verify the server's certificate.
    pub skip_verify: bool,
    /// `VAULT_NAMESPACE`, sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// Limit for one whole request (connect, TLS, answer).
    pub timeout: Duration,
}

impl fmt::Debug for VaultSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultSettings")
            .field("addr", &self.addr)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("cacert", &self.cacert)
            .field("capath", &self.capath)
            .field("skip_verify", &self.skip_verify)
            .field("namespace", &self.namespace)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl VaultSettings {
    /// From the environment the `vault` CLI reads: `VAULT_ADDR` (required unless `addr` is
    /// given, which wins), `VAULT_TOKEN` else `~/.vault-token` (trimmed), `VAULT_CACERT`,
    /// `VAULT_CAPATH`, `VAULT_SKIP_VERIFY` (Go `strconv.ParseBool`; a bad value is an error
    /// naming the variable), `VAULT_NAMESPACE`. Empty variables count as unset, as in Vault.
    pub fn from_env(addr: Option<&str>, timeout: Duration) -> Result<VaultSettings, String> {
        Self::from_lookup(
            addr,
            timeout,
            |name| std::env::var(name).ok(),
            std::env::home_dir(),
        )
    }

    /// [`VaultSettings::from_env`] with the environment and the home directory injected.
    pub fn from_lookup(
        addr: Option<&str>,
        timeout: Duration,
        env: impl Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Result<VaultSettings, String> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let addr = match addr.filter(|a| !a.trim().is_empty()) {
            Some(addr) => addr.trim().to_string(),
            None => var("VAULT_ADDR")
                .map(|a| a.trim().to_string())
                .ok_or("no Vault address: set VAULT_ADDR (e.g. https://vault.example.com:8200)")?,
        };
        let token = match var("VAULT_TOKEN") {
            Some(token) => Some(token.trim().to_string()),
            None => match home {
                Some(home) => read_token_file(&home.join(".vault-token"))?,
                None => None,
            },
        }
        .filter(|t| !t.is_empty());
        let skip_verify = match var("VAULT_SKIP_VERIFY") {
            None => false,
            Some(value) => go_parse_bool(&value).ok_or_else(|| {
                format!("VAULT_SKIP_VERIFY={value:?} is not a boolean: use true or false")
            })?,
        };
        Ok(VaultSettings {
            addr,
            token,
            cacert: var("VAULT_CACERT").map(PathBuf::from),
            capath: var("VAULT_CAPATH").map(PathBuf::from),
            skip_verify,
            namespace: var("VAULT_NAMESPACE"),
            timeout,
        })
    }
}

/// The `vault` CLI's token helper file: absent means no token; whitespace is trimmed.
fn read_token_file(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "cannot read the Vault token file {}: {e} (fix its permissions or set VAULT_TOKEN)",
            path.display()
        )),
    }
}

/// Go `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// HTTP method of a [`Vault::request`]. `List` is sent as `GET …?list=true`, as the Go
/// client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    List,
}

impl Method {
    /// `"GET"`, `"POST"`, `"LIST"` (the name the `vault` CLI and Vault's docs use).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::List => "LIST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any answer Vault gave, whatever its status.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// The body as JSON; `Null` when empty, a `String` when it is not JSON.
    pub body: Value,
}

/// Vault answers carry secret values and tokens: every string in them is wiped from memory
/// when the answer is dropped.
impl Drop for Answer {
    fn drop(&mut self) {
        wipe(&mut self.body);
    }
}

fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => zeroize::Zeroize::zeroize(s),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

impl Answer {
    fn new(status: u16, body: &[u8]) -> Answer {
        let mut text = String::from_utf8_lossy(body).into_owned();
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) => Value::String(std::mem::take(&mut text)),
            }
        };
        zeroize::Zeroize::zeroize(&mut text);
        Answer { status, body }
    }

    /// `body["data"]` (`Null` when absent).
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `data` when it is an object, else the whole body: some endpoints (`sys/auth`,
    /// `sys/mounts`, `sys/capabilities-*`) answer at the top level as well as (or instead of)
    /// under `data`, depending on the server and version.
    pub fn payload(&self) -> &Value {
        if self.data().is_object() {
            self.data()
        } else {
            &self.body
        }
    }

    /// Vault's `errors`, unwrapped from Go's multierror text (`"1 error occurred:\n\t* permission
    /// denied\n\n"` → `"permission denied"`) and joined with `"; "`. A body that is not JSON is
    /// returned trimmed. Empty when there is nothing.
    pub fn errors(&self) -> String {
        match &self.body {
            Value::String(text) => text.trim().to_string(),
            body => body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .flat_map(unwrap_multierror)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// `"2 errors occurred:\n\t* a\n\t* b\n\n"` → `["a", "b"]`; anything else → itself, trimmed.
fn unwrap_multierror(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    let Some((head, rest)) = trimmed.split_once('\n') else {
        return vec![trimmed.to_string()];
    };
    let head = head.trim_end_matches(':');
    if !(head.ends_with(" error occurred") || head.ends_with(" errors occurred")) {
        return vec![trimmed.to_string()];
    }
    let mut items: Vec<String> = Vec::new();
    for line in rest.lines() {
        let line = line.trim_start_matches('\t');
        if let Some(item) = line.strip_prefix("* ") {
            items.push(item.trim_end().to_string());
        } else if let Some(last) = items.last_mut() {
            // A multi-line item: keep its continuation lines.
            if !line.trim().is_empty() {
                last.push('\n');
                last.push_str(line.trim_end());
            }
        }
    }
    if items.is_empty() {
        vec![trimmed.to_string()]
    } else {
        items
    }
}

/// Vault could not be asked: the request never got a Vault answer. `cause` is a short
/// sentence saying what to check; it never contains the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub cause: String,
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cause)
    }
}

impl std::error::Error for Unreachable {}

/// A connected Vault client (no request is sent until [`Vault::request`]).
pub struct Vault {
    client: VaultClient,
    /// The address as given, without trailing `/`, for messages.
    addr: String,
    namespace: Option<String>,
    url: Url,
    timeout: Duration,
}

impl Vault {
    /// Builds the client. Errors (a bad address, an unreadable or empty CA file, a token that
    /// cannot be sent in a header) are sentences that say what to fix.
    pub fn connect(settings: &VaultSettings) -> Result<Vault, String> {
        // reqwest panics when no rustls provider is installed; `main` installs ring (the only
        // one compiled in), this covers any other caller (tests).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let addr = settings.addr.trim().trim_end_matches('/').to_string();
        let url = parse_addr(&addr)?;
        let token = settings.token.clone().unwrap_or_default();
        if !token.is_empty() && HeaderValue::from_str(&token).is_err() {
            return Err(
                "the Vault token (VAULT_TOKEN or ~/.vault-token) contains characters \
                        that cannot be sent in an HTTP header: check it for stray quotes or \
                        line breaks"
                    .to_string(),
            );
        }
        if let Some(ns) = &settings.namespace
            && HeaderValue::from_str(ns).is_err()
        {
            return Err(format!(
                "VAULT_NAMESPACE={ns:?} contains characters that cannot be sent in an HTTP header"
            ));
        }

        let mut http = reqwest::Client::builder()
            .tls_backend_rustls()
            .timeout(settings.timeout)
            // The token is a custom header that reqwest would carry to any host a redirect
            // names: never follow one (a 3xx is an `Answer` like any other status).
            .redirect(reqwest::redirect::Policy::none());
        let mut ca_files = Vec::new();
        if url.scheme() == "http" {
            // No TLS will happen: skip loading the platform's roots (vaultrs does the same).
            http = http.tls_certs_only(Vec::new());
        } else {
            // As the Go client: VAULT_CACERT wins over VAULT_CAPATH, and either replaces the
            // system roots.
            if let Some(file) = &settings.cacert {
                ca_files.push(file.clone());
                http = http.tls_certs_only(read_ca_file(file, "VAULT_CACERT")?);
            } else if let Some(dir) = &settings.capath {
                let mut certs = Vec::new();
                for file in ca_dir_files(dir)? {
                    certs.extend(read_ca_file(&file, "VAULT_CAPATH")?);
                    ca_files.push(file);
                }
                http = http.tls_certs_only(certs);
            }
            if settings.skip_verify {
                http = http.tls_danger_accept_invalid_certs(true);
            }
        }
        let http = http.build().map_err(|e| {
            format!(
                "cannot set up the HTTP client for {addr}: {}",
                classify::deepest(&e)
            )
        })?;

        // The settings vaultrs keeps; every field that would otherwise default from the
        // process environment is set explicitly.
        let vault_settings = VaultClientSettingsBuilder::default()
            .address(url.as_str())
            .token(token.clone())
            .ca_certs(
                ca_files
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect::<Vec<_>>(),
            )
            .identity(None)
            .verify(!settings.skip_verify)
            .timeout(Some(settings.timeout))
            .namespace(settings.namespace.clone())
            .build()
            .map_err(|e| format!("invalid Vault client settings: {e}"))?;
        let middle = EndpointMiddleware {
            token,
            version: format!("v{}", vault_settings.version),
            wrap: None,
            namespace: settings.namespace.clone(),
        };
        let client = VaultClient {
            http: rustify::clients::reqwest::Client::new(url.as_str(), http),
            middle,
            settings: vault_settings,
        };
        Ok(Vault {
            client,
            addr,
            namespace: settings.namespace.clone(),
            url,
            timeout: settings.timeout,
        })
    }

    /// A request to `/v1/<path>` (`path` like `"sys/mounts"`, no query) with the configured
    /// token and namespace. Any HTTP status is an `Ok(Answer)`; transport failures, and a
    /// plain-HTTP request answered by an HTTPS server, are [`Unreachable`].
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, Unreachable> {
        self.send(&self.client.middle, method, path, body).await
    }

    /// [`Vault::request`] with another token (e.g. the one a login returned); same namespace.
    pub async fn request_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, Unreachable> {
        if !token.is_empty() && HeaderValue::from_str(token).is_err() {
            return Err(Unreachable {
                cause: "the token contains characters that cannot be sent in an HTTP header"
                    .to_string(),
            });
        }
        let mut middle = self.client.middle.clone();
        middle.token = token.to_string();
        self.send(&middle, method, path, body).await
    }

    /// The address requests go to, as given (without a trailing `/`).
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The namespace sent as `X-Vault-Namespace` (`VAULT_NAMESPACE`), if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    async fn send(
        &self,
        middle: &EndpointMiddleware,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, Unreachable> {
        let endpoint = Raw {
            method,
            path: path.trim_matches('/').to_string(),
            body: body.map(|b| b.to_string().into_bytes()),
        };
        let answer = match endpoint
            .with_middleware(middle)
            .exec(&self.client.http)
            .await
        {
            Ok(result) => Answer::new(result.response.status().as_u16(), result.response.body()),
            Err(RestError::ServerResponseError { code, content }) => {
                Answer::new(code, content.unwrap_or_default().as_bytes())
            }
            Err(e) => return Err(self.unreachable(&e)),
        };
        if let Some(cause) = classify::https_only(&answer, &self.addr) {
            return Err(Unreachable { cause });
        }
        Ok(answer)
    }

    fn unreachable(&self, err: &RestError) -> Unreachable {
        Unreachable {
            cause: classify::cause(err, &self.addr, &self.url, self.timeout),
        }
    }
}

/// `scheme://host[:port]` with scheme http or https and no path: vaultrs puts `/v1` in
/// front of the whole path, so a path prefix would be lost.
fn parse_addr(addr: &str) -> Result<Url, String> {
    let url = Url::parse(addr).map_err(|e| {
        format!(
            "the Vault address {addr:?} is not a URL ({e}): set VAULT_ADDR to e.g. \
             https://vault.example.com:8200"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "the Vault address {addr:?} must start with https:// or http:// and name a host \
             (check VAULT_ADDR)"
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the Vault address {addr:?} has a path: give only scheme, host and port (check \
             VAULT_ADDR)"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the Vault address for {} carries credentials: remove them and use VAULT_TOKEN",
            url.host_str().unwrap_or_default()
        ));
    }
    Ok(url)
}

fn read_ca_file(path: &Path, var: &str) -> Result<Vec<Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the CA file {} ({var}): {e}: point {var} at the PEM file of the CA \
             that signed Vault's certificate",
            path.display()
        )
    })?;
    let certs = Certificate::from_pem_bundle(&pem).unwrap_or_default();
    if certs.is_empty() {
        return Err(format!(
            "the CA file {} ({var}) holds no PEM certificate: point {var} at the PEM file of \
             the CA that signed Vault's certificate",
            path.display()
        ));
    }
    Ok(certs)
}

/// The files under `VAULT_CAPATH`, recursively, sorted (Go `filepath.Walk`).
fn ca_dir_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| {
            format!(
                "cannot read the CA directory {} (VAULT_CAPATH): {e}",
                d.display()
            )
        })?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read the CA directory {}: {e}", d.display()))?
                .path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "the CA directory {} (VAULT_CAPATH) holds no file: put the PEM of the CA that \
             signed Vault's certificate there, or use VAULT_CACERT",
            dir.display()
        ));
    }
    Ok(files)
}

/// One raw request as a rustify endpoint, so it runs through vaultrs's middleware.
struct Raw {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
}

impl Endpoint for Raw {
    type Response = Value;
    const REQUEST_BODY_TYPE: RequestType = RequestType::JSON;
    const RESPONSE_BODY_TYPE: ResponseType = ResponseType::JSON;

    fn path(&self) -> String {
        self.path.clone()
    }

    fn method(&self) -> RequestMethod {
        match self.method {
            Method::Get | Method::List => RequestMethod::GET,
            Method::Post => RequestMethod::POST,
        }
    }

    fn query(&self) -> Result<Option<String>, RestError> {
        Ok((self.method == Method::List).then(|| "list=true".to_string()))
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RestError> {
        Ok(self.body.clone())
    }
}
