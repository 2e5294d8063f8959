//! `verify --gateway`: the certificate files a gateway serves, as the Vault Agent Injector
//! rendered them — `tls.crt` + `tls.key` (+ `ca.crt`), or an egress gateway's `client.crt` +
//! `client.key` (+ `ca.crt`) — read the way pilot-agent loads them (Go's
//! `tls.LoadX509KeyPair`: the first certificate is the leaf and must match the key) and the
//! way peers check them (chain, extended key usage, validity, names). The VI740–VI746
//! rules judge one [`ServedTarget`] each; only [`verify_served`] runs them.

use crate::bundle::pem::{self, NotPem};
use crate::bundle::x509::{self, CertInfo, KeyError, PrivateKey};
use crate::finding::{self, Finding, Location};
use crate::rules::{Check, Emitter};
use crate::source::SourceFile;
use crate::verify::ChainEntry;
use serde::Serialize;

/// One gateway's rendered files, as the caller read them.
#[derive(Debug, Clone)]
pub struct ServedInput {
    /// The directory the files were read from, as the user named it.
    pub dir_label: String,
    /// `tls.crt` (or `client.crt`): the certificate file, leaf first.
    pub cert: SourceFile,
    /// `tls.key` (or `client.key`); `None` when the file does not exist.
    pub key: Option<SourceFile>,
    /// `ca.crt`, when present.
    pub ca: Option<SourceFile>,
    /// The names the certificate must cover (a Gateway's `servers[].hosts`).
    pub hosts: Vec<String>,
    /// An egress gateway's client certificate (`client.crt`): clientAuth instead of
    /// serverAuth, and no host names to cover.
    pub client: bool,
}

impl ServedInput {
    /// `tls.key`, or `client.key` for client files.
    pub fn key_file_name(&self) -> &'static str {
        if self.client { "client.key" } else { "tls.key" }
    }

    /// Where the key file is (or would have been).
    pub fn key_path(&self) -> String {
        match &self.key {
            Some(k) => k.name.clone(),
            None => format!(
                "{}/{}",
                self.dir_label.trim_end_matches('/'),
                self.key_file_name()
            ),
        }
    }
}

/// A certificate found in a served file.
#[derive(Debug, Clone)]
pub struct Cert {
    /// 0-based PEM block index in its file.
    pub block: usize,
    /// 1-based line of the block's BEGIN line.
    pub line: u32,
    pub value: CertInfo,
}

/// `tls.crt`/`client.crt` or `ca.crt`, parsed.
#[derive(Debug, Clone)]
pub struct CertFile {
    /// The path read.
    pub file: String,
    /// Its base name (`tls.crt`), as messages name it.
    pub name: String,
    /// Every `CERTIFICATE` block that parsed, in file order.
    pub certs: Vec<Cert>,
    /// `CERTIFICATE` blocks that do not decode or parse: block, line and why.
    pub errors: Vec<(usize, u32, String)>,
    /// Set when the file holds no PEM block at all: what it holds instead.
    pub not_pem: Option<NotPem>,
    /// The labels of its non-certificate PEM blocks.
    pub other_labels: Vec<String>,
}

impl CertFile {
    fn load(src: &SourceFile) -> CertFile {
        let blocks = pem::scan(&src.text);
        let mut out = CertFile {
            file: src.name.clone(),
            name: base_name(&src.name).to_string(),
            certs: Vec::new(),
            errors: Vec::new(),
            not_pem: blocks.is_empty().then(|| NotPem::classify(&src.text)),
            other_labels: Vec::new(),
        };
        for b in blocks {
            if b.label != "CERTIFICATE" {
                out.other_labels.push(b.label.clone());
                continue;
            }
            match b
                .der
                .as_deref()
                .map_err(Clone::clone)
                .and_then(x509::parse_certificate)
            {
                Ok(value) => out.certs.push(Cert {
                    block: b.index,
                    line: b.line,
                    value,
                }),
                Err(why) => out.errors.push((b.index, b.line, why)),
            }
        }
        out
    }

    /// Where to point a finding about this file, or one of its blocks.
    pub fn location(&self, block: Option<(usize, u32)>) -> Location {
        Location::Pem {
            file: self.file.clone(),
            member: None,
            block: block.map(|(b, _)| b),
            line: block.map(|(_, l)| l),
        }
    }

    pub fn at(&self, c: &Cert) -> Location {
        self.location(Some((c.block, c.line)))
    }
}

/// The key file, as far as it could be read. Holds no key bytes.
#[derive(Debug, Clone)]
pub enum KeyState {
    /// There is no key file.
    Missing,
    /// The file holds no private-key block: the labels it holds instead, or (no PEM block
    /// at all) what the text is.
    NoKey {
        labels: Vec<String>,
        not_pem: Option<NotPem>,
    },
    /// The first private-key block (as Go's `tls.X509KeyPair` picks it), parsed or why not.
    Block {
        block: usize,
        line: u32,
        key: Result<PrivateKey, KeyError>,
    },
}

/// What a served-file rule is given: one gateway's files, parsed, and the clock.
#[derive(Debug, Clone)]
pub struct ServedTarget {
    pub label: String,
    pub client: bool,
    pub cert: CertFile,
    /// The key file's path (or where it was expected).
    pub key_file: String,
    pub key: KeyState,
    pub ca: Option<CertFile>,
    pub hosts: Vec<String>,
    /// Unix seconds (the caller's clock; the engine has none).
    pub now: i64,
    /// The warning window before expiry, in seconds.
    pub expires_within: i64,
}

impl ServedTarget {
    pub fn load(input: &ServedInput, now: i64, expires_within: i64) -> ServedTarget {
        ServedTarget {
            label: input.dir_label.clone(),
            client: input.client,
            cert: CertFile::load(&input.cert),
            key_file: input.key_path(),
            key: input.key.as_ref().map_or(KeyState::Missing, load_key),
            ca: input.ca.as_ref().map(CertFile::load),
            hosts: input.hosts.clone(),
            now,
            expires_within,
        }
    }

    /// The key, when it parsed.
    pub fn private_key(&self) -> Option<&PrivateKey> {
        match &self.key {
            KeyState::Block { key: Ok(k), .. } => Some(k),
            _ => None,
        }
    }

    /// The index of the first certificate the key belongs to (`None` without a usable key
    /// or a known public key).
    pub fn key_match(&self) -> Option<usize> {
        let key = self.private_key().filter(|k| k.public_key_known())?;
        self.cert.certs.iter().position(|c| key.matches(&c.value))
    }

    /// The first certificate is a CA while a later one is not: the position of that one.
    pub fn ca_first(&self) -> Option<usize> {
        let first = self.cert.certs.first()?;
        if !first.value.is_ca() {
            return None;
        }
        self.cert.certs.iter().position(|c| !c.value.is_ca())
    }

    /// The certificate the gateway means to serve: the one its key belongs to, else the
    /// first non-CA one after a CA, else the first. (pilot-agent takes the first; VI741
    /// says when that is not this one.)
    pub fn leaf(&self) -> Option<&Cert> {
        let i = self.key_match().or_else(|| self.ca_first()).unwrap_or(0);
        self.cert.certs.get(i)
    }

    /// `serverAuth`, or `clientAuth` for client files.
    pub fn usage(&self) -> &'static str {
        if self.client {
            "clientAuth"
        } else {
            "serverAuth"
        }
    }

    /// Where to point a finding about the key file (and its block).
    pub fn key_location(&self) -> Location {
        let block = match &self.key {
            KeyState::Block { block, line, .. } => Some((*block, *line)),
            _ => None,
        };
        Location::Pem {
            file: self.key_file.clone(),
            member: None,
            block: block.map(|(b, _)| b),
            line: block.map(|(_, l)| l),
        }
    }

    /// The key file's base name (`tls.key`).
    pub fn key_name(&self) -> &str {
        base_name(&self.key_file)
    }

    /// The leaf and its issuers upward, as far as the served file and `ca.crt` hold them.
    pub fn chain(&self) -> Vec<(&CertFile, &Cert)> {
        let Some(leaf) = self.leaf() else {
            return Vec::new();
        };
        let pool: Vec<(&CertFile, &Cert)> = std::iter::once(&self.cert)
            .chain(self.ca.as_ref())
            .flat_map(|f| f.certs.iter().map(move |c| (f, c)))
            .collect();
        let mut out = vec![(&self.cert, leaf)];
        let mut cur = leaf;
        while !cur.value.self_issued() {
            let next = pool.iter().find(|(_, c)| {
                c.value.subject_raw == cur.value.issuer_raw
                    && !out.iter().any(|(_, o)| o.value.der == c.value.der)
            });
            let Some(&(f, c)) = next else { break };
            out.push((f, c));
            cur = c;
        }
        out
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Reads the key as Go's `tls.X509KeyPair` does: the first block labelled `PRIVATE KEY` or
/// `... PRIVATE KEY`, parsed whatever its label says (PKCS#1, PKCS#8, SEC1). Keeps no key
/// bytes; errors never quote them.
fn load_key(src: &SourceFile) -> KeyState {
    let blocks = pem::scan(&src.text);
    let Some(b) = blocks
        .iter()
        .find(|b| b.label == "PRIVATE KEY" || b.label.ends_with(" PRIVATE KEY"))
    else {
        return KeyState::NoKey {
            labels: blocks.iter().map(|b| b.label.clone()).collect(),
            not_pem: blocks.is_empty().then(|| NotPem::classify(&src.text)),
        };
    };
    let key = if b.has_headers {
        Err(KeyError::Encrypted)
    } else {
        match &b.der {
            // The decoder's message may quote a character of the key: say only that.
            Err(_) => Err(KeyError::Malformed(
                "the block's base64 does not decode".into(),
            )),
            Ok(der) => parse_any(&b.label, der),
        }
    };
    KeyState::Block {
        block: b.index,
        line: b.line,
        key,
    }
}

/// The label's encoding first, then the others (Go tries PKCS#1, PKCS#8 and SEC1 whatever
/// the label); the first error when none fits.
fn parse_any(label: &str, der: &[u8]) -> Result<PrivateKey, KeyError> {
    let first = x509::parse_private_key(label, der);
    if !matches!(first, Err(KeyError::Malformed(_))) {
        return first;
    }
    ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]
        .into_iter()
        .filter(|l| *l != label)
        .find_map(|l| x509::parse_private_key(l, der).ok())
        .map_or(first, Ok)
}

/// One gateway's files in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedSummary {
    /// The directory.
    pub label: String,
    /// The certificate file read.
    pub file: String,
    /// Client files (`client.crt`) rather than a served certificate.
    pub client: bool,
    /// The leaf, then its issuers upward as far as the files hold them.
    pub chain: Vec<ChainEntry>,
    /// The leaf's DNS names.
    pub dns_names: Vec<String>,
    /// The hosts it was checked against.
    pub hosts: Vec<String>,
    /// The key, described (`ECDSA P-256`), if it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Whether the key belongs to the leaf.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_matches: Option<bool>,
}

/// Runs the served-file rules (minus `ignore`) over each input: the findings, sorted, and
/// one summary per input.
pub fn verify_served(
    inputs: &[ServedInput],
    now: i64,
    expires_within: i64,
    ignore: &[String],
) -> (Vec<Finding>, Vec<ServedSummary>) {
    let rules = crate::rules::selected(ignore);
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    for input in inputs {
        let target = ServedTarget::load(input, now, expires_within);
        for rule in &rules {
            if let Check::Served(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        summaries.push(summarize(&target));
    }
    finding::sort(&mut findings);
    (findings, summaries)
}

fn summarize(t: &ServedTarget) -> ServedSummary {
    use crate::rules::vi3xx_bundle::{date, days};
    let chain = t
        .chain()
        .into_iter()
        .map(|(f, c)| ChainEntry {
            subject: c.value.subject.clone(),
            issuer: c.value.issuer.clone(),
            key: c.value.public_key.kind.describe(),
            not_after: date(c.value.not_after),
            days_left: if c.value.not_after >= t.now {
                days(t.now, c.value.not_after)
            } else {
                -days(c.value.not_after, t.now)
            },
            file: f.name.clone(),
            block: c.block + 1,
            sha256: c.value.sha256_fingerprint(),
        })
        .collect();
    let leaf = t.leaf();
    let key = t.private_key();
    ServedSummary {
        label: t.label.clone(),
        file: t.cert.file.clone(),
        client: t.client,
        chain,
        dns_names: leaf.map(|l| l.value.dns_names.clone()).unwrap_or_default(),
        hosts: t.hosts.clone(),
        key: key.map(|k| k.kind.describe()),
        key_matches: key
            .filter(|k| k.public_key_known())
            .zip(leaf)
            .map(|(k, l)| k.matches(&l.value)),
    }
}

/// The hosts of the servers, in the Istio `Gateway` manifests of `file`, whose
/// `serverCertificate` is a file named `cert_name` (`tls.crt`), in order, without repeats.
///
/// # Errors
/// A sentence for the user when the file is not YAML, holds no Gateway, or no server of
/// it serves `cert_name` (naming the certificate files its servers use).
pub fn gateway_hosts(file: &SourceFile, cert_name: &str) -> Result<Vec<String>, String> {
    let docs = crate::source::yaml::parse(&file.text)
        .map_err(|e| format!("{}: not YAML: {e}", file.name))?;
    let inventory = super::read(&file.name, &docs, super::Kind::Auto);
    if inventory.gateways.is_empty() {
        return Err(format!(
            "{}: no Istio Gateway (networking.istio.io) in the file",
            file.name
        ));
    }
    let mut hosts: Vec<String> = Vec::new();
    let mut seen_certs: Vec<String> = Vec::new();
    let mut matched = false;
    for server in inventory.gateways.iter().flat_map(|g| &g.servers) {
        let Some(path) = server
            .tls
            .as_ref()
            .and_then(|t| t.text("serverCertificate"))
        else {
            continue;
        };
        if base_name(path) != cert_name {
            if !seen_certs.iter().any(|s| s == path) {
                seen_certs.push(path.to_string());
            }
            continue;
        }
        matched = true;
        for (h, _) in &server.hosts {
            if !hosts.contains(h) {
                hosts.push(h.clone());
            }
        }
    }
    if !matched {
        let used = if seen_certs.is_empty() {
            "no server names a serverCertificate".to_string()
        } else {
            format!(
                "its servers' serverCertificate files are {}",
                seen_certs
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(format!(
            "{}: no Gateway server has a serverCertificate named `{cert_name}` ({used})",
            file.name
        ));
    }
    Ok(hosts)
}
