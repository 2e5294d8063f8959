use crate::bundle::BundleTarget;
use crate::bundle::x509::{Curve, KeyError, KeyKind};
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the first block of `ca-key.pem` is a key istiod can sign with: an
    /// unencrypted RSA key (`RSA PRIVATE KEY` or `PRIVATE KEY`) or ECDSA P-256/P-384 key
    /// (`EC PRIVATE KEY` or `PRIVATE KEY`).
    ///
    /// ## Why it breaks
    /// istiod reads only the first block and fails with "unsupported PEM block type for a
    /// private key" for anything else: an `EC PARAMETERS` block that `openssl ecparam
    /// -genkey` writes first, an `ENCRYPTED PRIVATE KEY` (istiod has no passphrase), an
    /// OpenSSH key. Ed25519 keys parse, but Istio's CA does not support them.
    ///
    /// ## How to fix
    /// Export the key unencrypted as PKCS#8 or PKCS#1/SEC1 (`openssl pkey -in key.pem
    /// -out ca-key.pem`), with RSA or ECDSA P-256/P-384.
    ///
    /// ## Example
    /// ```text
    /// -----BEGIN EC PARAMETERS-----
    /// BggqhkjOPQMBBw==
    /// -----END EC PARAMETERS-----
    /// -----BEGIN EC PRIVATE KEY-----
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -----BEGIN EC PRIVATE KEY-----
    /// ```
    code: "VI304",
    name: "key-unsupported",
    severity: Error,
    title: "`ca-key.pem` is not a key istiod can sign with",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    let Some(key) = &t.bundle.key else { return };
    let at = t.bundle.at(key);
    match &key.value {
        Err(KeyError::Encrypted) => {
            out.emit_at(at, "`ca-key.pem` is encrypted: istiod cannot supply a passphrase and fails to load it")
                .help("store the key unencrypted (openssl pkey -in key.pem -out ca-key.pem) and protect it in Vault instead");
        }
        Err(KeyError::UnsupportedPemType(label)) => {
            let help = if label == "EC PARAMETERS" {
                "`openssl ecparam -genkey` writes the parameters first: use `-noout` or `openssl pkey` so the key block comes first"
            } else {
                "export the key as `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY`"
            };
            out.emit_at(at, format!("the first block of `ca-key.pem` is `{label}`, which istiod does not read as a private key"))
                .help(help);
        }
        Err(KeyError::UnsupportedAlgorithm(what)) => {
            out.emit_at(
                at,
                format!("`ca-key.pem` holds a {what} key, which istiod cannot use for its CA"),
            )
            .help("use RSA (2048+ bits) or ECDSA P-256/P-384");
        }
        Err(KeyError::Malformed(why)) => {
            out.emit_at(at, format!("the key in `ca-key.pem` does not parse: {why}"));
        }
        Ok(k) => match &k.kind {
            KeyKind::Rsa { .. } | KeyKind::Ec(Curve::P256) | KeyKind::Ec(Curve::P384) => {}
            KeyKind::Ed25519 => {
                out.emit_at(at, "`ca-key.pem` is an Ed25519 key: it parses, but Istio's CA does not support Ed25519 (workload certificates cannot be issued)")
                    .help("use RSA (2048+ bits) or ECDSA P-256/P-384");
            }
            KeyKind::Ec(Curve::P521) => {
                out.emit_at(at, "`ca-key.pem` is ECDSA P-521: Istio's CA supports P-256 and P-384 and falls back to P-256 for what it generates")
                    .severity(Severity::Warning)
                    .help("use ECDSA P-256 or P-384");
            }
            other => {
                out.emit_at(
                    at,
                    format!(
                        "`ca-key.pem` is a {} key, which Istio's CA does not support",
                        other.describe()
                    ),
                );
            }
        },
    }
}
