//! Transport failures → a short cause an operator can act on.
//!
//! reqwest wraps everything in "error sending request"; the useful part is further down the
//! `source()` chain: reqwest's own timeout marker, hyper's errors, `std::io::Error` (whose
//! inner error is reached with `get_ref`, not `source`), the `rustls::Error` of a failed
//! handshake, and hyper-util's connect errors ("dns error", "tcp connect error").

use std::error::Error;
use std::io;
use std::time::Duration;

use reqwest::Url;
use rustify::errors::ClientError as RestError;
use rustls::CertificateError;

use super::Answer;

/// Every error in the chain from `err` down, `io::Error`'s wrapped error included.
fn chain<'a>(err: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    let mut out: Vec<&'a (dyn Error + 'static)> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if out.len() >= 32 {
            break;
        }
        out.push(e);
        next = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => e.source(),
        };
    }
    out
}

/// The innermost error's text: the most concrete one ("Connection reset by peer (os error
/// 104)"), never reqwest's "error sending request".
pub(super) fn deepest(err: &(dyn Error + 'static)) -> String {
    chain(err).last().map(|e| e.to_string()).unwrap_or_default()
}

/// The cause of a failed request to `addr`.
pub(super) fn cause(err: &RestError, addr: &str, url: &Url, timeout: Duration) -> String {
    let root: &(dyn Error + 'static) = match err {
        RestError::RequestError { source, .. } | RestError::ResponseError { source } => {
            source.as_ref()
        }
        other => other,
    };
    classify(root, addr, url, timeout)
}

pub(super) fn classify(
    root: &(dyn Error + 'static),
    addr: &str,
    url: &Url,
    timeout: Duration,
) -> String {
    let errors = chain(root);
    let io_kind = |kind: io::ErrorKind| {
        errors.iter().any(|e| {
            e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == kind)
        })
    };

    // Timeouts first: a TLS or connect error is never the cause of our own deadline.
    let timed_out = errors.iter().any(|e| {
        e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
            || e.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_timeout)
    }) || io_kind(io::ErrorKind::TimedOut);
    if timed_out {
        return format!("no answer from {addr} within {timeout:?}");
    }

    if let Some(tls) = errors
        .iter()
        .find_map(|e| e.downcast_ref::<rustls::Error>())
    {
        return tls_cause(tls, addr, url);
    }

    if io_kind(io::ErrorKind::ConnectionRefused) {
        return format!(
            "connection refused at {addr}: is Vault listening there? (check VAULT_ADDR)"
        );
    }

    // hyper-util's private `ConnectError` says "dns error" and wraps the resolver's error.
    if errors.iter().any(|e| e.to_string() == "dns error") {
        let host = url.host_str().unwrap_or(addr);
        return format!(
            "cannot resolve {host} (check VAULT_ADDR): {}",
            deepest(root)
        );
    }

    let closed = errors.iter().any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_closed())
    }) || io_kind(io::ErrorKind::ConnectionReset)
        || io_kind(io::ErrorKind::UnexpectedEof)
        || io_kind(io::ErrorKind::ConnectionAborted)
        || io_kind(io::ErrorKind::BrokenPipe);
    if closed {
        if url.scheme() == "https" {
            return format!(
                "TLS handshake failed: {addr} closed the connection (is it an HTTPS server? \
                 check the scheme and port in VAULT_ADDR)"
            );
        }
        return format!(
            "{addr} closed the connection without an answer (is it a Vault server? check the \
             scheme and port in VAULT_ADDR)"
        );
    }

    if errors.iter().any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
    }) {
        return format!(
            "{addr} answered something that is not HTTP (check the scheme and port in \
             VAULT_ADDR): {}",
            deepest(root)
        );
    }

    format!("cannot reach {addr}: {}", deepest(root))
}

fn tls_cause(err: &rustls::Error, addr: &str, url: &Url) -> String {
    let host = url.host_str().unwrap_or(addr);
    match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "TLS: the server's certificate is signed by an unknown authority (set VAULT_CACERT \
             to the CA that signed it)"
                .to_string()
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            presented,
            ..
        }) => {
            let names = if presented.is_empty() {
                "no name".to_string()
            } else {
                presented.join(", ")
            };
            format!(
                "TLS: the server's certificate is not valid for {host} (it is for {names}): \
                 use one of those names in VAULT_ADDR"
            )
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => format!(
            "TLS: the server's certificate is not valid for {host}: use a name the \
             certificate holds in VAULT_ADDR"
        ),
        // A plain-HTTP server answers the ClientHello with "HTTP/1.1 400 …", which rustls
        // reads as a record of content type 0x48 ('H').
        rustls::Error::InvalidMessage(_) => format!(
            "TLS handshake failed: {addr} looks like plain HTTP (use http:// in VAULT_ADDR?)"
        ),
        other => format!("TLS: {other}"),
    }
}

/// A Go HTTPS server (Vault) answers a plain-HTTP request with 400 and this text; nginx and
/// others say something similar. Such an answer did not come from Vault's API.
pub(super) fn https_only(answer: &Answer, addr: &str) -> Option<String> {
    if answer.status != 400 {
        return None;
    }
    let text = answer.body.as_str()?;
    let said = [
        "Client sent an HTTP request to an HTTPS server",
        "The plain HTTP request was sent to HTTPS port",
    ]
    .into_iter()
    .find(|phrase| text.contains(phrase))?;
    Some(format!(
        "{addr} is an HTTPS server: use https:// in VAULT_ADDR (it answered 400 \"{said}\")"
    ))
}
