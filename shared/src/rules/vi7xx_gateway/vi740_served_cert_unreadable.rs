use crate::bundle::x509::{KeyError, KeyKind};
use crate::gateway::served::{CertFile, KeyState, ServedTarget};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the files a gateway serves can be loaded at all: the certificate file
    /// (`tls.crt`, or an egress gateway's `client.crt`) holds certificates that decode,
    /// the key file (`tls.key`, `client.key`) exists and holds a private key pilot-agent
    /// and Envoy can use, and `ca.crt`, when present, holds a certificate.
    ///
    /// ## Why it breaks
    /// pilot-agent loads the pair with Go's `tls.LoadX509KeyPair`. A file without a
    /// certificate, a damaged block, a missing key or a key that does not parse fails the
    /// load ("failed to generate secret for proxy from file") and no certificate is
    /// served. Envoy also refuses encrypted keys and RSA keys under 2048 bits.
    ///
    /// ## How to fix
    /// Render the certificate and an unencrypted key (PKCS#1, PKCS#8 or SEC1) into the two
    /// files: with Vault PKI, `.Data.certificate` (then the chain) into `tls.crt` and
    /// `.Data.private_key` into `tls.key`, from one `secret "pki/issue/<role>"` call. Use
    /// RSA 2048 or larger, or ECDSA.
    ///
    /// ## Example
    /// ```text
    /// tls.crt: <no value>
    /// tls.key: -----BEGIN ENCRYPTED PRIVATE KEY-----
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: -----BEGIN CERTIFICATE----- (leaf, then chain)
    /// tls.key: -----BEGIN EC PRIVATE KEY-----
    /// ```
    code: "VI740",
    name: "served-cert-unreadable",
    severity: Error,
    title: "a gateway's served certificate or key file cannot be loaded",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    cert_file(&t.cert, true, out);
    if let Some(ca) = &t.ca {
        cert_file(ca, false, out);
    }
    let key = t.key_name().to_string();
    match &t.key {
        KeyState::Missing => {
            out.emit_at(
                t.key_location(),
                format!(
                    "`{}` is missing: pilot-agent cannot load `{}` without its private key, so no certificate is served",
                    t.key_file, t.cert.name
                ),
            )
            .help(format!(
                "render the private key into `{key}` from the same issuance as `{}`",
                t.cert.name
            ));
        }
        KeyState::NoKey { labels, not_pem } => {
            let why = match not_pem {
                Some(n) => format!("holds no PEM block: {}", n.hint()),
                None => format!(
                    "holds no private key (its PEM blocks are {})",
                    labels
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.emit_at(t.key_location(), format!("`{key}` {why}"))
                .help(format!(
                    "render `.Data.private_key` (Vault PKI) into `{key}`"
                ));
        }
        KeyState::Block { key: Err(e), .. } => {
            let (msg, help) = match e {
                KeyError::Encrypted => (
                    format!("the private key in `{key}` is encrypted: Envoy cannot use an encrypted key"),
                    "render the key unencrypted; protect it with file permissions instead".to_string(),
                ),
                other => (
                    format!("the private key in `{key}` cannot be read: {other}"),
                    "render the key as PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`)".to_string(),
                ),
            };
            out.emit_at(t.key_location(), msg).help(help);
        }
        KeyState::Block { key: Ok(k), .. } => {
            if let KeyKind::Rsa { bits } = k.kind
                && bits < 2048
            {
                out.emit_at(
                    t.key_location(),
                    format!("the RSA key in `{key}` has {bits} bits: Envoy refuses RSA keys under 2048 bits"),
                )
                .help("issue a new certificate with an RSA 2048 (or larger) or ECDSA key");
            }
        }
    }
}

/// The certificate file (`served`) or `ca.crt`: no certificate, or damaged blocks.
fn cert_file(f: &CertFile, served: bool, out: &mut Emitter<'_>) {
    let name = &f.name;
    for (block, line, why) in &f.errors {
        out.emit_at(
            f.location(Some((*block, *line))),
            format!(
                "`{name}` PEM block {} cannot be read as a certificate: {why}",
                block + 1
            ),
        )
        .help("render the certificate field alone, unchanged (`.Data.certificate`, `.Data.issuing_ca`)");
    }
    if !f.certs.is_empty() || !f.errors.is_empty() {
        return;
    }
    let what = if served {
        "so pilot-agent has nothing to serve"
    } else {
        "so client certificates cannot be checked against it"
    };
    let msg = match f.not_pem {
        Some(n) => format!("`{name}` holds no PEM block ({what}): {}", n.hint()),
        None => format!(
            "`{name}` holds no CERTIFICATE block (only {}), {what}",
            f.other_labels
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    out.emit_at(f.location(None), msg)
        .help("render `.Data.certificate` (then `.Data.issuing_ca`) into the file");
}
