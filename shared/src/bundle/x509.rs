//! X.509 certificate and private-key inspection for Istio CA bundles.
//!
//! The goal is to look at `ca-key.pem`, `ca-cert.pem`, `cert-chain.pem` and
//! `root-cert.pem` the way istiod (Go `crypto/x509`) and Envoy will:
//!
//! * [`parse_certificate`] decodes one DER certificate into a [`CertInfo`], including the raw
//!   subject/issuer DER (Go matches parents by raw bytes), the critical extensions Go would
//!   report as unhandled, and the parse-time errors Go's `x509.ParseCertificate` would raise.
//! * [`verify_signature`] checks a certificate's signature with a candidate issuer key
//!   (RSA PKCS#1 v1.5, ECDSA P-256/P-384, Ed25519).
//! * [`parse_private_key`] decodes `RSA PRIVATE KEY`, `EC PRIVATE KEY` and `PRIVATE KEY` blocks
//!   like Istio's `ParsePemEncodedKey`, keeping only the derived public key.
//!
//! Everything is pure computation: no I/O, clock, threads or randomness, and it builds for
//! `wasm32-unknown-unknown`. Functions never panic on malformed input.

use core::fmt;

use sha2::Digest as _;
use x509_parser::der_parser::asn1_rs::{Any, Class, FromDer as _};
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::{X509Certificate, X509Name};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

// ---------------------------------------------------------------------------------------------
// OIDs
// ---------------------------------------------------------------------------------------------

const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_X25519: &str = "1.3.101.110";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_AIA: &str = "1.3.6.1.5.5.7.1.1";

/// DER of the OID 1.2.840.113549.1.1.1 (rsaEncryption), tag and length included.
const DER_OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
/// DER of the OID 1.2.840.10045.2.1 (id-ecPublicKey).
const DER_OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// DER of the OID 1.3.101.112 (id-Ed25519).
const DER_OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const DER_OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const DER_OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const DER_OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

// ---------------------------------------------------------------------------------------------
// Algorithms and key kinds
// ---------------------------------------------------------------------------------------------

/// A message digest named by a signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn go_name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA1",
            Hash::Sha256 => "SHA256",
            Hash::Sha384 => "SHA384",
            Hash::Sha512 => "SHA512",
        }
    }
}

/// The algorithm a certificate was signed with (from `Certificate.signatureAlgorithm`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with the given digest.
    RsaPkcs1(Hash),
    /// RSASSA-PSS (parameters not interpreted).
    RsaPss,
    /// ECDSA with the given digest.
    Ecdsa(Hash),
    /// Pure Ed25519.
    Ed25519,
    /// Anything else (DSA, GOST, ...): the dotted OID.
    Unknown(String),
}

impl SignatureAlgorithm {
    /// Maps a signature AlgorithmIdentifier OID (dotted) to an algorithm.
    #[must_use]
    pub fn from_oid(oid: &str) -> SignatureAlgorithm {
        match oid {
            "1.2.840.113549.1.1.4" => SignatureAlgorithm::RsaPkcs1(Hash::Md5),
            // 1.3.14.3.2.29 is the old OIW sha1WithRSASignature, which Go also maps to SHA1-RSA.
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SignatureAlgorithm::RsaPkcs1(Hash::Sha1),
            "1.2.840.113549.1.1.11" => SignatureAlgorithm::RsaPkcs1(Hash::Sha256),
            "1.2.840.113549.1.1.12" => SignatureAlgorithm::RsaPkcs1(Hash::Sha384),
            "1.2.840.113549.1.1.13" => SignatureAlgorithm::RsaPkcs1(Hash::Sha512),
            OID_RSA_PSS => SignatureAlgorithm::RsaPss,
            "1.2.840.10045.4.1" => SignatureAlgorithm::Ecdsa(Hash::Sha1),
            "1.2.840.10045.4.3.2" => SignatureAlgorithm::Ecdsa(Hash::Sha256),
            "1.2.840.10045.4.3.3" => SignatureAlgorithm::Ecdsa(Hash::Sha384),
            "1.2.840.10045.4.3.4" => SignatureAlgorithm::Ecdsa(Hash::Sha512),
            OID_ED25519 => SignatureAlgorithm::Ed25519,
            other => SignatureAlgorithm::Unknown(other.to_string()),
        }
    }

    /// MD5 or SHA-1: Go ≥ 1.18 refuses to verify such signatures (`InsecureAlgorithmError`).
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        matches!(
            self,
            SignatureAlgorithm::RsaPkcs1(Hash::Md5 | Hash::Sha1)
                | SignatureAlgorithm::Ecdsa(Hash::Md5 | Hash::Sha1)
        )
    }

    /// Go's `x509.SignatureAlgorithm.String()` name, e.g. `SHA256-RSA`, `ECDSA-SHA384`.
    /// RSA-PSS gives `RSAPSS` (Go adds the digest, which is in the parameters we do not read);
    /// unknown algorithms give their dotted OID.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            SignatureAlgorithm::RsaPkcs1(h) => format!("{}-RSA", h.go_name()),
            SignatureAlgorithm::RsaPss => "RSAPSS".to_string(),
            SignatureAlgorithm::Ecdsa(h) => format!("ECDSA-{}", h.go_name()),
            SignatureAlgorithm::Ed25519 => "Ed25519".to_string(),
            SignatureAlgorithm::Unknown(oid) => oid.clone(),
        }
    }
}

/// A named elliptic curve.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Curve {
    P256,
    P384,
    P521,
    /// Any other curve: its dotted OID (or a description when there is none).
    Other(String),
}

impl Curve {
    fn from_oid(oid: &str) -> Curve {
        match oid {
            OID_P256 => Curve::P256,
            OID_P384 => Curve::P384,
            OID_P521 => Curve::P521,
            other => Curve::Other(other.to_string()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Curve::P256 => "P-256".to_string(),
            Curve::P384 => "P-384".to_string(),
            Curve::P521 => "P-521".to_string(),
            Curve::Other(o) => format!("curve {o}"),
        }
    }

    fn der_oid(&self) -> Option<&'static [u8]> {
        match self {
            Curve::P256 => Some(DER_OID_P256),
            Curve::P384 => Some(DER_OID_P384),
            Curve::P521 => Some(DER_OID_P521),
            Curve::Other(_) => None,
        }
    }

    /// Size of a field element / scalar in bytes.
    fn field_bytes(&self) -> Option<usize> {
        match self {
            Curve::P256 => Some(32),
            Curve::P384 => Some(48),
            Curve::P521 => Some(66),
            Curve::Other(_) => None,
        }
    }
}

/// The type (and size) of a public or private key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyKind {
    /// RSA with the modulus bit length.
    Rsa {
        bits: usize,
    },
    /// ECDSA (id-ecPublicKey) on a curve.
    Ec(Curve),
    Ed25519,
    /// Anything else: a short description or the dotted OID.
    Other(String),
}

impl KeyKind {
    /// Human description: `RSA 4096`, `ECDSA P-256`, `Ed25519`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            KeyKind::Rsa { bits } => format!("RSA {bits}"),
            KeyKind::Ec(c) => format!("ECDSA {}", c.describe()),
            KeyKind::Ed25519 => "Ed25519".to_string(),
            KeyKind::Other(s) => s.clone(),
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A certificate's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    pub kind: KeyKind,
    /// The DER `SubjectPublicKeyInfo`, exactly as in the certificate.
    pub spki_der: Vec<u8>,
}

/// The keyUsage extension bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    pub digital_signature: bool,
    pub non_repudiation: bool,
    pub key_encipherment: bool,
    pub data_encipherment: bool,
    pub key_agreement: bool,
    pub key_cert_sign: bool,
    pub crl_sign: bool,
    pub encipher_only: bool,
    pub decipher_only: bool,
    /// Whether the extension was marked critical.
    pub critical: bool,
}

/// The extKeyUsage extension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtKeyUsage {
    pub any: bool,
    pub server_auth: bool,
    pub client_auth: bool,
    /// Every other purpose, as a dotted OID (code signing, e-mail, OCSP, ... included).
    pub other: Vec<String>,
}

/// Everything vault-istio needs from one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// The whole certificate DER (without anything that followed it in the input).
    pub der: Vec<u8>,
    /// The DER `TBSCertificate`, which the signature covers.
    pub tbs_der: Vec<u8>,
    /// The signature bits.
    pub signature: Vec<u8>,
    pub signature_algorithm: SignatureAlgorithm,
    /// Subject in the order Go's `pkix.Name.String()` prints it, joined by `", "`,
    /// e.g. `CN=Intermediate CA, O=Istio, L=istiod-cluster1`.
    pub subject: String,
    /// Issuer, formatted like [`CertInfo::subject`].
    pub issuer: String,
    /// Raw DER of the subject Name (Go compares names byte for byte).
    pub subject_raw: Vec<u8>,
    /// Raw DER of the issuer Name.
    pub issuer_raw: Vec<u8>,
    /// Serial number in lower-case hex, minimal length (no sign byte).
    pub serial_hex: String,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// `(ca, pathlen)` when the basicConstraints extension is present.
    pub basic_constraints: Option<(bool, Option<u32>)>,
    pub key_usage: Option<KeyUsage>,
    pub ext_key_usage: Option<ExtKeyUsage>,
    /// OIDs of critical extensions Go's `crypto/x509` leaves in `UnhandledCriticalExtensions`
    /// (and therefore rejects in `Verify`).
    pub unhandled_critical: Vec<String>,
    pub public_key: PublicKeyInfo,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// DNS names from the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// Reasons Go's `x509.ParseCertificate` would refuse this certificate although we could
    /// decode it (Go's own messages where it has one), e.g.
    /// `x509: subject key identifier incorrectly marked critical`. Empty when Go parses it.
    pub go_parse_errors: Vec<String>,
}

impl CertInfo {
    /// Subject and issuer are byte-identical (what Go and OpenSSL mean by self-issued).
    #[must_use]
    pub fn self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// SHA-256 of the DER, upper-case hex bytes joined by `:` (as `openssl x509 -fingerprint
    /// -sha256` prints it).
    #[must_use]
    pub fn sha256_fingerprint(&self) -> String {
        let digest = sha2::Sha256::digest(&self.der);
        let mut out = String::with_capacity(digest.len() * 3);
        for (i, b) in digest.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            out.push_str(&format!("{b:02X}"));
        }
        out
    }

    /// `basicConstraints` present with `cA` TRUE.
    #[must_use]
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints, Some((true, _)))
    }
}

// ---------------------------------------------------------------------------------------------
// Certificate parsing
// ---------------------------------------------------------------------------------------------

/// What a DER SEQUENCE's header says about its length.
enum Declared {
    /// Tag, length and content take this many bytes.
    Len(usize),
    /// The bytes end inside the header.
    ShortHeader,
    /// Not a definite-length SEQUENCE header (DER allows no other).
    NotSequence,
}

fn declared_len(der: &[u8]) -> Declared {
    let [tag, rest @ ..] = der else {
        return Declared::ShortHeader;
    };
    if *tag != 0x30 {
        return Declared::NotSequence;
    }
    let [first, rest @ ..] = rest else {
        return Declared::ShortHeader;
    };
    if *first < 0x80 {
        return Declared::Len(2 + usize::from(*first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return Declared::NotSequence; // indefinite, or longer than any input we accept
    }
    let Some(bytes) = rest.get(..n) else {
        return Declared::ShortHeader;
    };
    let len = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(2 + n))
        .map_or(Declared::NotSequence, Declared::Len)
}

/// Parses one DER certificate.
///
/// # Errors
/// A description when the input is not a certificate we can decode. Certificates that decode
/// but that Go would refuse are returned `Ok`, with the reasons in
/// [`CertInfo::go_parse_errors`].
pub fn parse_certificate(der: &[u8]) -> Result<CertInfo, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| match declared_len(der) {
        _ if der.is_empty() => "the block holds no bytes".to_string(),
        Declared::Len(want) if want > der.len() => format!(
            "truncated: the block holds {} bytes of DER, the certificate's header announces {want}",
            der.len()
        ),
        Declared::ShortHeader => {
            "truncated: the block ends inside the certificate's DER header".to_string()
        }
        Declared::NotSequence => "malformed certificate: not a DER SEQUENCE".to_string(),
        Declared::Len(_) => format!("malformed certificate: {e}"),
    })?;
    let mut go_errors = Vec::new();
    if !rest.is_empty() {
        go_errors.push("x509: trailing data".to_string());
    }
    let tbs = &cert.tbs_certificate;

    let raw_serial = tbs.raw_serial();
    if raw_serial.first().is_some_and(|b| b & 0x80 != 0) {
        go_errors.push("x509: negative serial number".to_string());
    }
    if !alg_ids_equal(&tbs.signature, &cert.signature_algorithm) {
        go_errors
            .push("x509: inner and outer signature algorithm identifiers don't match".to_string());
    }

    let subject = match name_to_string(&tbs.subject, ", ") {
        Ok(s) => s,
        Err(e) => {
            go_errors.push(e);
            tbs.subject.to_string()
        }
    };
    let issuer = match name_to_string(&tbs.issuer, ", ") {
        Ok(s) => s,
        Err(e) => {
            go_errors.push(e);
            tbs.issuer.to_string()
        }
    };

    let public_key = public_key_info(&tbs.subject_pki);
    if let KeyKind::Ec(Curve::Other(_)) = public_key.kind {
        go_errors.push("x509: unsupported elliptic curve".to_string());
    }

    let mut info = CertInfo {
        der: cert.as_raw().to_vec(),
        tbs_der: tbs.as_ref().to_vec(),
        signature: cert.signature_value.data.to_vec(),
        signature_algorithm: SignatureAlgorithm::from_oid(
            &cert.signature_algorithm.algorithm.to_id_string(),
        ),
        subject,
        issuer,
        subject_raw: tbs.subject.as_raw().to_vec(),
        issuer_raw: tbs.issuer.as_raw().to_vec(),
        serial_hex: serial_hex(raw_serial),
        not_before: tbs.validity.not_before.timestamp(),
        not_after: tbs.validity.not_after.timestamp(),
        basic_constraints: None,
        key_usage: None,
        ext_key_usage: None,
        unhandled_critical: Vec::new(),
        public_key,
        subject_key_id: None,
        authority_key_id: None,
        dns_names: Vec::new(),
        go_parse_errors: Vec::new(),
    };

    let mut seen: Vec<String> = Vec::new();
    for ext in tbs.extensions() {
        let oid = ext.oid.to_id_string();
        if seen.contains(&oid) {
            go_errors.push(format!(
                "x509: certificate contains duplicate extension with OID \"{oid}\""
            ));
            continue;
        }
        seen.push(oid.clone());
        process_extension(ext, &oid, &mut info, &mut go_errors);
    }
    info.go_parse_errors = go_errors;
    Ok(info)
}

/// Decides, like Go's `processExtensions` (src/crypto/x509/parser.go), whether a critical
/// extension is handled, and records the fields we report.
fn process_extension(
    ext: &X509Extension<'_>,
    oid: &str,
    info: &mut CertInfo,
    go_errors: &mut Vec<String>,
) {
    let parsed = ext.parsed_extension();
    let malformed = |go_errors: &mut Vec<String>, what: &str| {
        go_errors.push(format!("x509: invalid {what} extension ({oid})"));
    };
    let unhandled = match oid {
        // keyUsage
        "2.5.29.15" => {
            match parsed {
                ParsedExtension::KeyUsage(ku) => {
                    info.key_usage = Some(KeyUsage {
                        digital_signature: ku.digital_signature(),
                        non_repudiation: ku.non_repudiation(),
                        key_encipherment: ku.key_encipherment(),
                        data_encipherment: ku.data_encipherment(),
                        key_agreement: ku.key_agreement(),
                        key_cert_sign: ku.key_cert_sign(),
                        crl_sign: ku.crl_sign(),
                        encipher_only: ku.encipher_only(),
                        decipher_only: ku.decipher_only(),
                        critical: ext.critical,
                    });
                }
                _ => malformed(go_errors, "key usage"),
            }
            false
        }
        // basicConstraints
        "2.5.29.19" => {
            match parsed {
                ParsedExtension::BasicConstraints(bc) => {
                    info.basic_constraints = Some((bc.ca, bc.path_len_constraint));
                }
                _ => malformed(go_errors, "basic constraints"),
            }
            false
        }
        // subjectAltName: handled only if it yields a DNS name, e-mail, IP or URI.
        "2.5.29.17" => match parsed {
            ParsedExtension::SubjectAlternativeName(san) => {
                let mut any_known = false;
                for gn in &san.general_names {
                    if let GeneralName::DNSName(d) = gn {
                        info.dns_names.push((*d).to_string());
                    }
                    any_known |= matches!(general_name_tag(gn), 1 | 2 | 6 | 7);
                }
                !any_known
            }
            _ => {
                malformed(go_errors, "subject alternative name");
                false
            }
        },
        // nameConstraints: unhandled if a subtree uses a name form other than
        // rfc822Name, dNSName, URI or iPAddress.
        "2.5.29.30" => match parsed {
            ParsedExtension::NameConstraints(nc) => nc
                .permitted_subtrees
                .iter()
                .chain(nc.excluded_subtrees.iter())
                .flatten()
                .any(|st| !matches!(general_name_tag(&st.base), 1 | 2 | 6 | 7)),
            _ => {
                malformed(go_errors, "name constraints");
                false
            }
        },
        // subjectKeyIdentifier: Go refuses it critical.
        "2.5.29.14" => {
            if ext.critical {
                go_errors
                    .push("x509: subject key identifier incorrectly marked critical".to_string());
            }
            match parsed {
                ParsedExtension::SubjectKeyIdentifier(kid) => {
                    info.subject_key_id = Some(kid.0.to_vec());
                }
                _ => malformed(go_errors, "subject key identifier"),
            }
            false
        }
        // authorityKeyIdentifier
        "2.5.29.35" => {
            match parsed {
                ParsedExtension::AuthorityKeyIdentifier(akid) => {
                    info.authority_key_id = akid.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                _ => malformed(go_errors, "authority key identifier"),
            }
            false
        }
        // extKeyUsage
        "2.5.29.37" => {
            match parsed {
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut other: Vec<String> = Vec::new();
                    let named = [
                        (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                        (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                        (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                        (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                    ];
                    for (set, o) in named {
                        if set {
                            other.push(o.to_string());
                        }
                    }
                    other.extend(eku.other.iter().map(|o| o.to_id_string()));
                    info.ext_key_usage = Some(ExtKeyUsage {
                        any: eku.any,
                        server_auth: eku.server_auth,
                        client_auth: eku.client_auth,
                        other,
                    });
                }
                _ => malformed(go_errors, "extended key usage"),
            }
            false
        }
        // CRL distribution points, certificate policies, policy mappings, policy constraints,
        // inhibit anyPolicy: Go parses (and so handles) them.
        "2.5.29.31" | "2.5.29.32" | "2.5.29.33" | "2.5.29.36" | "2.5.29.54" => {
            if matches!(parsed, ParsedExtension::ParseError { .. }) {
                malformed(go_errors, "policy or CRL distribution point");
            }
            false
        }
        OID_AIA => {
            if ext.critical {
                go_errors
                    .push("x509: authority info access incorrectly marked critical".to_string());
            }
            false
        }
        // Every other extension, in the 2.5.29 arc or not, is unhandled.
        _ => true,
    };
    if ext.critical && unhandled {
        info.unhandled_critical.push(oid.to_string());
    }
}

/// The context tag number of a GeneralName choice.
fn general_name_tag(gn: &GeneralName<'_>) -> u32 {
    match gn {
        GeneralName::OtherName(..) => 0,
        GeneralName::RFC822Name(_) => 1,
        GeneralName::DNSName(_) => 2,
        GeneralName::X400Address(_) => 3,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EDIPartyName(_) => 5,
        GeneralName::URI(_) => 6,
        GeneralName::IPAddress(_) => 7,
        GeneralName::RegisteredID(_) => 8,
        GeneralName::Invalid(tag, _) => tag.0,
    }
}

fn alg_ids_equal(a: &AlgorithmIdentifier<'_>, b: &AlgorithmIdentifier<'_>) -> bool {
    if a.algorithm != b.algorithm {
        return false;
    }
    match (&a.parameters, &b.parameters) {
        (None, None) => true,
        (Some(x), Some(y)) => x.tag() == y.tag() && x.data == y.data,
        _ => false,
    }
}

fn serial_hex(raw: &[u8]) -> String {
    let mut bytes = raw;
    while let [0, rest @ ..] = bytes {
        if rest.is_empty() {
            break;
        }
        bytes = rest;
    }
    hex_lower(bytes)
}

fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Distinguished names, formatted like Go's pkix.Name.String()
// ---------------------------------------------------------------------------------------------

/// Formats a DER Name exactly like Go's `pkix.Name.String()` (`,` separator, e.g.
/// `CN=Intermediate CA,O=Istio,L=istiod-cluster1`), which is what istiod logs.
///
/// # Errors
/// When the input is not a DER Name, or Go would refuse it.
pub fn go_name_string(name_der: &[u8]) -> Result<String, String> {
    let (rest, name) = X509Name::from_der(name_der).map_err(|e| format!("malformed name: {e}"))?;
    if !rest.is_empty() {
        return Err("malformed name: trailing data".to_string());
    }
    name_to_string(&name, ",")
}

/// Go's attribute types that `pkix.Name` stores in fields, in `ToRDNSequence` order,
/// with their short names.
const GO_NAME_FIELDS: [(&str, &str); 9] = [
    ("2.5.4.6", "C"),
    ("2.5.4.8", "ST"),
    ("2.5.4.7", "L"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
];

/// Go's `pkix.Name.String()`: non-standard attributes first (each its own RDN, so they print
/// last), then the standard fields as multi-valued RDNs in `ToRDNSequence` order; the sequence
/// is printed in reverse.
fn name_to_string(name: &X509Name<'_>, sep: &str) -> Result<String, String> {
    // (type oid, decoded value) in DER order.
    let mut atvs: Vec<(String, String)> = Vec::new();
    for rdn in name.iter_rdn() {
        for atv in rdn.iter() {
            let value = decode_attr_value(atv.attr_value())?;
            atvs.push((atv.attr_type().to_id_string(), value));
        }
    }
    // Each inner Vec is one RDN: a list of "TYPE=value" strings.
    let mut rdns: Vec<Vec<String>> = Vec::new();
    for (oid, value) in &atvs {
        if GO_NAME_FIELDS.iter().any(|(o, _)| o == oid) {
            continue;
        }
        // Go prints unknown types as "#" + hex of asn1.Marshal(value).
        rdns.push(vec![format!(
            "{oid}=#{}",
            hex_lower(&go_marshal_string(value))
        )]);
    }
    for (field_oid, short) in GO_NAME_FIELDS {
        let mut values: Vec<&String> = atvs
            .iter()
            .filter(|(o, _)| o == field_oid)
            .map(|(_, v)| v)
            .collect();
        // CommonName and SerialNumber are single fields in pkix.Name: the last one wins.
        if matches!(short, "CN" | "SERIALNUMBER") && values.len() > 1 {
            values = values.split_off(values.len() - 1);
        }
        if !values.is_empty() {
            rdns.push(
                values
                    .into_iter()
                    .map(|v| format!("{short}={}", escape_dn_value(v)))
                    .collect(),
            );
        }
    }
    let parts: Vec<String> = rdns.iter().rev().map(|rdn| rdn.join("+")).collect();
    Ok(parts.join(sep))
}

/// `encoding/asn1.Marshal` of a Go string: PrintableString when every character allows it,
/// otherwise UTF8String.
fn go_marshal_string(v: &str) -> Vec<u8> {
    let printable = v.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    });
    der_tlv(if printable { 0x13 } else { 0x0c }, v.as_bytes())
}

/// Decodes the ASN.1 string types Go accepts in names; anything else is a Go parse error.
fn decode_attr_value(any: &Any<'_>) -> Result<String, String> {
    let bad = || "x509: invalid RDNSequence: invalid attribute value".to_string();
    if any.class() != Class::Universal {
        return Err(bad());
    }
    let data = any.data;
    match any.tag().0 {
        // UTF8String
        12 => core::str::from_utf8(data)
            .map(str::to_string)
            .map_err(|_| bad()),
        // PrintableString, IA5String, NumericString
        18 | 19 | 22 => {
            if data.is_ascii() {
                Ok(data.iter().map(|&b| char::from(b)).collect())
            } else {
                Err(bad())
            }
        }
        // T61String: Go treats the bytes as ISO 8859-1.
        20 => Ok(data.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        30 => {
            if !data.len().is_multiple_of(2) {
                return Err(bad());
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| match c {
                    [a, b] => u16::from_be_bytes([*a, *b]),
                    _ => 0,
                })
                .collect();
            String::from_utf16(&units).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// RFC 4514 escaping as Go's `RDNSequence.String()` does it.
fn escape_dn_value(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let last = chars.len().saturating_sub(1);
    let mut out = String::with_capacity(v.len());
    for (k, c) in chars.iter().enumerate() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k == last,
            '#' => k == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(*c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Public keys
// ---------------------------------------------------------------------------------------------

fn public_key_info(spki: &SubjectPublicKeyInfo<'_>) -> PublicKeyInfo {
    let alg = spki.algorithm.algorithm.to_id_string();
    let kind = match alg.as_str() {
        OID_RSA_ENCRYPTION => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyKind::Rsa {
                bits: bit_len(rsa.modulus),
            },
            _ => KeyKind::Other("RSA (malformed)".to_string()),
        },
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map_or_else(
                    || Curve::Other("(missing curve)".to_string()),
                    |o| Curve::from_oid(&o.to_id_string()),
                );
            KeyKind::Ec(curve)
        }
        OID_ED25519 => KeyKind::Ed25519,
        OID_X25519 => KeyKind::Other("X25519".to_string()),
        OID_DSA => KeyKind::Other("DSA".to_string()),
        OID_RSA_PSS => KeyKind::Other("RSA-PSS".to_string()),
        other => KeyKind::Other(other.to_string()),
    };
    PublicKeyInfo {
        kind,
        spki_der: spki.raw.to_vec(),
    }
}

/// Bit length of a big-endian unsigned integer.
fn bit_len(bytes: &[u8]) -> usize {
    let trimmed = strip_leading_zeros(bytes);
    match trimmed.first() {
        None => 0,
        Some(&b) => (trimmed.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

fn strip_leading_zeros(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// A public key reduced to what identifies it, so that encodings can be compared.
#[derive(Debug, PartialEq, Eq)]
enum KeyMaterial {
    /// Modulus and exponent, leading zeros stripped.
    Rsa(Vec<u8>, Vec<u8>),
    /// Curve and the uncompressed SEC1 point (for P-521 or unknown curves: the bytes as given).
    Ec(Curve, Vec<u8>),
    Ed25519([u8; 32]),
}

fn key_material_from_spki(spki_der: &[u8]) -> Option<KeyMaterial> {
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    let alg = spki.algorithm.algorithm.to_id_string();
    let bits = spki.subject_public_key.data.as_ref();
    match alg.as_str() {
        OID_RSA_ENCRYPTION => match spki.parsed().ok()? {
            x509_parser::public_key::PublicKey::RSA(rsa) => Some(KeyMaterial::Rsa(
                strip_leading_zeros(rsa.modulus).to_vec(),
                strip_leading_zeros(rsa.exponent).to_vec(),
            )),
            _ => None,
        },
        OID_EC_PUBLIC_KEY => {
            let curve = Curve::from_oid(
                &spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())?
                    .to_id_string(),
            );
            let point = normalize_point(&curve, bits)?;
            Some(KeyMaterial::Ec(curve, point))
        }
        OID_ED25519 => Some(KeyMaterial::Ed25519(bits.try_into().ok()?)),
        _ => None,
    }
}

/// Validates a SEC1 point and returns it uncompressed (P-256/P-384); other curves as given.
fn normalize_point(curve: &Curve, bytes: &[u8]) -> Option<Vec<u8>> {
    use p256::elliptic_curve::sec1::ToSec1Point as _;
    match curve {
        Curve::P256 => {
            let pk = p256::PublicKey::from_sec1_bytes(bytes).ok()?;
            Some(pk.to_sec1_point(false).as_bytes().to_vec())
        }
        Curve::P384 => {
            let pk = p384::PublicKey::from_sec1_bytes(bytes).ok()?;
            Some(pk.to_sec1_point(false).as_bytes().to_vec())
        }
        _ => {
            if bytes.is_empty() {
                None
            } else {
                Some(bytes.to_vec())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signature verification
// ---------------------------------------------------------------------------------------------

/// The outcome of checking a certificate's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    Valid,
    Invalid,
    /// We cannot tell (algorithm or key type not implemented): the reason.
    Unsupported(String),
}

/// Largest RSA modulus we verify with (Go has no hard limit; this bounds the work).
const RSA_MAX_BITS: usize = 16384;
/// Smallest RSA modulus we verify with. Go ≥ 1.24 refuses < 1024 bits by default; callers
/// that care look at [`KeyKind::Rsa`].
const RSA_MIN_BITS: usize = 512;

/// Checks `child`'s signature over its TBSCertificate with `issuer_key`.
///
/// SHA-1 signatures are verified (the caller flags them with
/// [`SignatureAlgorithm::is_insecure`]); MD5, RSA-PSS and unknown algorithms are
/// `Unsupported`. A key whose type does not fit the algorithm is `Invalid`, as in Go.
#[must_use]
pub fn verify_signature(child: &CertInfo, issuer_key: &PublicKeyInfo) -> SignatureCheck {
    let tbs = child.tbs_der.as_slice();
    let sig = child.signature.as_slice();
    match &child.signature_algorithm {
        SignatureAlgorithm::RsaPkcs1(Hash::Md5) => {
            SignatureCheck::Unsupported("MD5-RSA signatures are not verified".to_string())
        }
        SignatureAlgorithm::RsaPkcs1(hash) => verify_rsa(*hash, tbs, sig, issuer_key),
        SignatureAlgorithm::Ecdsa(Hash::Md5) => {
            SignatureCheck::Unsupported("ECDSA-MD5 is not a known algorithm".to_string())
        }
        SignatureAlgorithm::Ecdsa(hash) => verify_ecdsa(*hash, tbs, sig, issuer_key),
        SignatureAlgorithm::Ed25519 => verify_ed25519(tbs, sig, issuer_key),
        SignatureAlgorithm::RsaPss => {
            SignatureCheck::Unsupported("RSA-PSS signatures are not verified".to_string())
        }
        SignatureAlgorithm::Unknown(oid) => {
            SignatureCheck::Unsupported(format!("unknown signature algorithm {oid}"))
        }
    }
}

fn digest(hash: Hash, data: &[u8]) -> Option<Vec<u8>> {
    match hash {
        Hash::Md5 => None,
        Hash::Sha1 => Some(sha1::Sha1::digest(data).to_vec()),
        Hash::Sha256 => Some(sha2::Sha256::digest(data).to_vec()),
        Hash::Sha384 => Some(sha2::Sha384::digest(data).to_vec()),
        Hash::Sha512 => Some(sha2::Sha512::digest(data).to_vec()),
    }
}

fn verify_rsa(hash: Hash, tbs: &[u8], sig: &[u8], key: &PublicKeyInfo) -> SignatureCheck {
    let Some(KeyMaterial::Rsa(n, e)) = key_material_from_spki(&key.spki_der) else {
        return SignatureCheck::Invalid;
    };
    // Empty or oversized integers never reach the bignum code.
    if n.is_empty() || e.is_empty() || n.len() > RSA_MAX_BITS / 8 || e.len() > 8 {
        return SignatureCheck::Unsupported(format!(
            "unusable RSA key ({} bit modulus)",
            bit_len(&n)
        ));
    }
    let n = rsa::BoxedUint::from_be_slice_vartime(&n);
    let e = rsa::BoxedUint::from_be_slice_vartime(&e);
    let pk = match rsa::PublicKey::new_with_size_limits(n, e, RSA_MIN_BITS..=RSA_MAX_BITS) {
        Ok(pk) => pk,
        Err(err) => return SignatureCheck::Unsupported(format!("unusable RSA key: {err}")),
    };
    let scheme = match hash {
        Hash::Sha1 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha1::Sha1>(),
        Hash::Sha256 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha256>(),
        Hash::Sha384 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha384>(),
        Hash::Sha512 => rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha512>(),
        Hash::Md5 => return SignatureCheck::Unsupported("MD5".to_string()),
    };
    let Some(hashed) = digest(hash, tbs) else {
        return SignatureCheck::Unsupported("MD5".to_string());
    };
    match pk.verify(scheme, &hashed, sig) {
        Ok(()) => SignatureCheck::Valid,
        Err(_) => SignatureCheck::Invalid,
    }
}

fn verify_ecdsa(hash: Hash, tbs: &[u8], sig: &[u8], key: &PublicKeyInfo) -> SignatureCheck {
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    let Some(KeyMaterial::Ec(curve, point)) = key_material_from_spki(&key.spki_der) else {
        if let KeyKind::Ec(curve) = &key.kind
            && !matches!(curve, Curve::P256 | Curve::P384)
        {
            return SignatureCheck::Unsupported(format!(
                "ECDSA on {} is not verified",
                curve.describe()
            ));
        }
        return SignatureCheck::Invalid;
    };
    let Some(prehash) = digest(hash, tbs) else {
        return SignatureCheck::Unsupported("MD5".to_string());
    };
    let ok = match curve {
        Curve::P256 => {
            let (Ok(vk), Ok(s)) = (
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                p256::ecdsa::Signature::from_der(sig),
            ) else {
                return SignatureCheck::Invalid;
            };
            vk.verify_prehash(&prehash, &s).is_ok()
        }
        Curve::P384 => {
            let (Ok(vk), Ok(s)) = (
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                p384::ecdsa::Signature::from_der(sig),
            ) else {
                return SignatureCheck::Invalid;
            };
            vk.verify_prehash(&prehash, &s).is_ok()
        }
        other => {
            return SignatureCheck::Unsupported(format!(
                "ECDSA on {} is not verified",
                other.describe()
            ));
        }
    };
    if ok {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}

fn verify_ed25519(tbs: &[u8], sig: &[u8], key: &PublicKeyInfo) -> SignatureCheck {
    use ed25519_dalek::Verifier as _;
    let Some(KeyMaterial::Ed25519(pk)) = key_material_from_spki(&key.spki_der) else {
        return SignatureCheck::Invalid;
    };
    let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
        return SignatureCheck::Invalid;
    };
    let Ok(s) = ed25519_dalek::Signature::from_slice(sig) else {
        return SignatureCheck::Invalid;
    };
    if vk.verify(tbs, &s).is_ok() {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}

// ---------------------------------------------------------------------------------------------
// Private keys
// ---------------------------------------------------------------------------------------------

/// A parsed private key. Only the key type and the derived public key are kept; no secret
/// material outlives [`parse_private_key`]. `Debug` and `Display` print `[redacted]`.
/// Serialisable (a Vault snapshot keeps it): both fields are public information.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrivateKey {
    pub kind: KeyKind,
    /// DER SubjectPublicKeyInfo of the derived public key; empty when it cannot be derived
    /// (P-521 SEC1 key without its optional public key).
    public_spki_der: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PrivateKey {
    /// The derived public key as DER SubjectPublicKeyInfo, if it could be derived.
    #[must_use]
    pub fn public_spki_der(&self) -> Option<&[u8]> {
        if self.public_spki_der.is_empty() {
            None
        } else {
            Some(&self.public_spki_der)
        }
    }

    /// Whether the public key is known, so that [`PrivateKey::matches`] means something.
    #[must_use]
    pub fn public_key_known(&self) -> bool {
        !self.public_spki_der.is_empty()
    }

    /// Same public key as `cert`'s, compared on the key itself (RSA n and e, EC curve and point,
    /// Ed25519 bytes), not on the DER encoding. `false` when the public key is unknown.
    #[must_use]
    pub fn matches(&self, cert: &CertInfo) -> bool {
        self.matches_spki(&cert.public_key.spki_der)
    }

    /// Like [`PrivateKey::matches`] with a DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn matches_spki(&self, spki_der: &[u8]) -> bool {
        match (
            key_material_from_spki(&self.public_spki_der),
            key_material_from_spki(spki_der),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

/// Why a private key could not be used.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeyError {
    /// `ENCRYPTED PRIVATE KEY` (or a legacy `Proc-Type: 4,ENCRYPTED` block): istiod cannot use it.
    Encrypted,
    /// A PEM type istiod's `ParsePemEncodedKey` does not accept: the type.
    UnsupportedPemType(String),
    /// PKCS#8 with a key algorithm istiod does not support: a description.
    UnsupportedAlgorithm(String),
    /// The DER is not a valid key of the announced type: a description (never key bytes).
    Malformed(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Encrypted => f.write_str("the private key is encrypted"),
            KeyError::UnsupportedPemType(t) => {
                write!(f, "unsupported pem block type for a private key: {t}")
            }
            KeyError::UnsupportedAlgorithm(a) => {
                write!(f, "unsupported private key algorithm: {a}")
            }
            KeyError::Malformed(m) => write!(f, "malformed private key: {m}"),
        }
    }
}

impl core::error::Error for KeyError {}

/// Parses a private key given its PEM type label and DER body, as istiod's
/// `ParsePemEncodedKey` does: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1),
/// `PRIVATE KEY` (PKCS#8 with RSA, EC or Ed25519).
///
/// # Errors
/// [`KeyError::Encrypted`] for `ENCRYPTED PRIVATE KEY`, [`KeyError::UnsupportedPemType`] for any
/// other label, [`KeyError::UnsupportedAlgorithm`] for PKCS#8 algorithms istiod cannot load, and
/// [`KeyError::Malformed`] when the DER does not decode.
pub fn parse_private_key(pem_type: &str, der: &[u8]) -> Result<PrivateKey, KeyError> {
    match pem_type.trim() {
        "RSA PRIVATE KEY" => parse_pkcs1(der),
        "EC PRIVATE KEY" => parse_sec1(der, None),
        "PRIVATE KEY" => parse_pkcs8(der),
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
        other => Err(KeyError::UnsupportedPemType(other.to_string())),
    }
}

fn parse_pkcs1(der: &[u8]) -> Result<PrivateKey, KeyError> {
    use pkcs1::der::Decode as _;
    let key = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|_| KeyError::Malformed("not a PKCS#1 RSA private key".to_string()))?;
    let n = key.modulus.as_bytes();
    let e = key.public_exponent.as_bytes();
    if strip_leading_zeros(n).is_empty() || strip_leading_zeros(e).is_empty() {
        return Err(KeyError::Malformed(
            "rsa modulus or exponent is zero".to_string(),
        ));
    }
    // Two-prime keys: check that the components are consistent (Go's ParsePKCS1PrivateKey
    // runs Validate). Multi-prime keys are taken at their word.
    if key.version() == pkcs1::Version::TwoPrime {
        check_rsa_components(&key)?;
    }
    Ok(PrivateKey {
        kind: KeyKind::Rsa { bits: bit_len(n) },
        public_spki_der: rsa_spki(n, e),
    })
}

fn check_rsa_components(key: &pkcs1::RsaPrivateKeyRef<'_>) -> Result<(), KeyError> {
    let n = strip_leading_zeros(key.modulus.as_bytes());
    let bits = u32::try_from(bit_len(n))
        .map_err(|_| KeyError::Malformed("rsa modulus too large".to_string()))?;
    if bits as usize > RSA_MAX_BITS {
        return Err(KeyError::Malformed("rsa modulus too large".to_string()));
    }
    let p = strip_leading_zeros(key.prime1.as_bytes());
    let q = strip_leading_zeros(key.prime2.as_bytes());
    if p.is_empty() || q.is_empty() || p.len() > n.len() || q.len() > n.len() {
        return Err(KeyError::Malformed(
            "rsa primes do not multiply to the modulus".to_string(),
        ));
    }
    let mut p = rsa::BoxedUint::from_be_slice_vartime(p);
    let mut q = rsa::BoxedUint::from_be_slice_vartime(q);
    // `BoxedUint::mul` is the widening multiply (deprecated alias of `concatenating_mul`, whose
    // trait lives in crypto-bigint, which we do not depend on directly). It cannot overflow.
    #[allow(deprecated)]
    let product = p.mul(&q);
    // The primes are the secret: wipe their copies (the product is the public modulus).
    zeroize::Zeroize::zeroize(&mut p);
    zeroize::Zeroize::zeroize(&mut q);
    let product_bytes = product.to_be_bytes();
    if strip_leading_zeros(&product_bytes) != n {
        return Err(KeyError::Malformed(
            "rsa primes do not multiply to the modulus".to_string(),
        ));
    }
    Ok(())
}

/// DER SubjectPublicKeyInfo for an RSA key.
fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut rsa_pub = Vec::new();
    push_der_uint(&mut rsa_pub, n);
    push_der_uint(&mut rsa_pub, e);
    let rsa_pub = der_tlv(0x30, &rsa_pub);
    let mut alg = DER_OID_RSA.to_vec();
    alg.extend_from_slice(&[0x05, 0x00]);
    spki(&der_tlv(0x30, &alg), &rsa_pub)
}

fn ec_spki(curve: &Curve, point: &[u8]) -> Vec<u8> {
    let mut alg = DER_OID_EC.to_vec();
    if let Some(c) = curve.der_oid() {
        alg.extend_from_slice(c);
    }
    spki(&der_tlv(0x30, &alg), point)
}

fn ed25519_spki(pk: &[u8; 32]) -> Vec<u8> {
    spki(&der_tlv(0x30, DER_OID_ED25519), pk)
}

fn spki(alg_seq: &[u8], key_bits: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(key_bits.len() + 1);
    bits.push(0);
    bits.extend_from_slice(key_bits);
    let mut body = alg_seq.to_vec();
    body.extend_from_slice(&der_tlv(0x03, &bits));
    der_tlv(0x30, &body)
}

fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(tag);
    push_der_len(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
        return;
    }
    let bytes = len.to_be_bytes();
    let sig = strip_leading_zeros(&bytes);
    out.push(0x80 | u8::try_from(sig.len()).unwrap_or(0));
    out.extend_from_slice(sig);
}

fn push_der_uint(out: &mut Vec<u8>, value: &[u8]) {
    let v = strip_leading_zeros(value);
    let mut body = Vec::with_capacity(v.len() + 1);
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(v);
    out.extend_from_slice(&der_tlv(0x02, &body));
}

/// SEC1 `ECPrivateKey`. `curve_from_pkcs8` is the curve named by the PKCS#8 wrapper, which wins
/// over the inner parameters (as in Go's `parseECPrivateKey`).
fn parse_sec1(der: &[u8], curve_from_pkcs8: Option<Curve>) -> Result<PrivateKey, KeyError> {
    use sec1::der::Decode as _;
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|_| KeyError::Malformed("not a SEC1 EC private key".to_string()))?;
    let curve = match curve_from_pkcs8 {
        Some(c) => c,
        None => {
            let oid = key
                .parameters
                .and_then(|p| p.named_curve())
                .ok_or_else(|| KeyError::Malformed("ec key names no curve".to_string()))?;
            Curve::from_oid(&oid.to_string())
        }
    };
    let Some(size) = curve.field_bytes() else {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "ECDSA on {}",
            curve.describe()
        )));
    };
    // Go pads short scalars and refuses long ones.
    if key.private_key.len() > size {
        return Err(KeyError::Malformed(
            "invalid private key length".to_string(),
        ));
    }
    let mut scalar = vec![0u8; size - key.private_key.len()];
    scalar.extend_from_slice(key.private_key);
    let point: Vec<u8> = match curve {
        Curve::P256 => {
            use p256::elliptic_curve::sec1::ToSec1Point as _;
            let sk = p256::SecretKey::from_slice(&scalar)
                .map_err(|_| KeyError::Malformed("invalid P-256 private scalar".to_string()))?;
            sk.public_key().to_sec1_point(false).as_bytes().to_vec()
        }
        Curve::P384 => {
            use p384::elliptic_curve::sec1::ToSec1Point as _;
            let sk = p384::SecretKey::from_slice(&scalar)
                .map_err(|_| KeyError::Malformed("invalid P-384 private scalar".to_string()))?;
            sk.public_key().to_sec1_point(false).as_bytes().to_vec()
        }
        // P-521: no arithmetic here; trust the optional embedded public key.
        _ => key.public_key.map(<[u8]>::to_vec).unwrap_or_default(),
    };
    scalar.fill(0);
    let public_spki_der = if point.is_empty() {
        Vec::new()
    } else {
        ec_spki(&curve, &point)
    };
    Ok(PrivateKey {
        kind: KeyKind::Ec(curve),
        public_spki_der,
    })
}

fn parse_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
    use pkcs8::der::Decode as _;
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|_| KeyError::Malformed("not a PKCS#8 private key".to_string()))?;
    let alg = info.algorithm.oid.to_string();
    let inner = info.private_key.as_bytes();
    match alg.as_str() {
        OID_RSA_ENCRYPTION => parse_pkcs1(inner),
        OID_EC_PUBLIC_KEY => {
            let curve_oid = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<pkcs8::ObjectIdentifier>().ok())
                .ok_or_else(|| KeyError::Malformed("ec key names no curve".to_string()))?;
            parse_sec1(inner, Some(Curve::from_oid(&curve_oid.to_string())))
        }
        OID_ED25519 => {
            // CurvePrivateKey ::= OCTET STRING (32 bytes)
            let seed: [u8; 32] = match inner {
                [0x04, 0x20, rest @ ..] => rest
                    .try_into()
                    .map_err(|_| KeyError::Malformed("invalid Ed25519 private key".to_string()))?,
                _ => {
                    return Err(KeyError::Malformed(
                        "invalid Ed25519 private key".to_string(),
                    ));
                }
            };
            let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
            let pk = sk.verifying_key().to_bytes();
            Ok(PrivateKey {
                kind: KeyKind::Ed25519,
                public_spki_der: ed25519_spki(&pk),
            })
        }
        OID_X25519 => Err(KeyError::UnsupportedAlgorithm("X25519".to_string())),
        OID_RSA_PSS => Err(KeyError::UnsupportedAlgorithm("RSA-PSS".to_string())),
        OID_DSA => Err(KeyError::UnsupportedAlgorithm("DSA".to_string())),
        other => Err(KeyError::UnsupportedAlgorithm(other.to_string())),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests (native only: rcgen and RSA key generation are dev-dependencies for non-wasm targets)
// ---------------------------------------------------------------------------------------------

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn der_headers_are_read_for_the_truncation_message() {
        let len = |d: &[u8]| match declared_len(d) {
            Declared::Len(n) => format!("len {n}"),
            Declared::ShortHeader => "short".into(),
            Declared::NotSequence => "not".into(),
        };
        assert_eq!(len(&[]), "short");
        assert_eq!(len(&[0x30]), "short");
        assert_eq!(len(&[0x30, 0x05]), "len 7");
        assert_eq!(len(&[0x30, 0x82, 0x01]), "short");
        assert_eq!(len(&[0x30, 0x82, 0x01, 0x00]), "len 260");
        assert_eq!(len(&[0x30, 0x80]), "not", "indefinite length is not DER");
        assert_eq!(len(&[0x30, 0x85, 1, 2, 3, 4, 5]), "not");
        assert_eq!(len(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), "len 4294967301");
        assert_eq!(len(&[0x31, 0x00]), "not");
        assert!(
            parse_certificate(&[0x30, 0x82, 0x01, 0x00, 0x30])
                .unwrap_err()
                .contains("holds 5 bytes of DER, the certificate's header announces 260")
        );
        assert!(
            parse_certificate(&[0x30, 0x80, 0, 0])
                .unwrap_err()
                .contains("not a DER SEQUENCE")
        );
    }
    use rcgen::{
        BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
        PKCS_ED25519,
    };
    use std::sync::OnceLock;

    // ----- helpers --------------------------------------------------------------------------

    /// Decodes standard base64 (whitespace ignored). Test helper only.
    fn b64(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut acc = 0u32;
        let mut n = 0;
        for c in s.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => continue,
            };
            acc = (acc << 6) | u32::from(v);
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((acc >> n) as u8);
            }
        }
        out
    }

    /// All PEM blocks of a file: (label, DER).
    fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
        let mut blocks = Vec::new();
        let mut label: Option<String> = None;
        let mut body = String::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(l) = line
                .strip_prefix("-----BEGIN ")
                .and_then(|l| l.strip_suffix("-----"))
            {
                label = Some(l.to_string());
                body.clear();
            } else if line.starts_with("-----END ") {
                if let Some(l) = label.take() {
                    blocks.push((l, b64(&body)));
                }
            } else if label.is_some() {
                body.push_str(line);
            }
        }
        blocks
    }

    fn der_seq(parts: &[&[u8]]) -> Vec<u8> {
        der_tlv(0x30, &parts.concat())
    }

    fn rsa_key(slot: &'static OnceLock<rsa::PrivateKey>) -> &'static rsa::PrivateKey {
        slot.get_or_init(|| {
            let mut rng = getrandom::SysRng;
            rsa::PrivateKey::new(&mut rng, 2048).expect("rsa keygen")
        })
    }

    static RSA_A: OnceLock<rsa::PrivateKey> = OnceLock::new();
    static RSA_B: OnceLock<rsa::PrivateKey> = OnceLock::new();
    static RSA_C: OnceLock<rsa::PrivateKey> = OnceLock::new();

    fn rsa_pkcs8_pem(k: &rsa::PrivateKey) -> String {
        use rsa::pkcs8::EncodePrivateKey as _;
        k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .expect("pkcs8 pem")
            .to_string()
    }

    fn rcgen_rsa(k: &rsa::PrivateKey) -> KeyPair {
        KeyPair::from_pem(&rsa_pkcs8_pem(k)).expect("rcgen rsa key")
    }

    fn ca_params(cn: &str, pathlen: Option<u8>) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::OrganizationName, "Istio");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(match pathlen {
            Some(n) => BasicConstraints::Constrained(n),
            None => BasicConstraints::Unconstrained,
        });
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        p
    }

    fn leaf_params(cn: &str) -> CertificateParams {
        let mut p =
            CertificateParams::new(vec!["istiod.istio-system.svc".to_string()]).expect("params");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p
    }

    struct Chain {
        root: CertInfo,
        inter: CertInfo,
        leaf: CertInfo,
    }

    /// root (root_key) -> intermediate (inter_key) -> leaf (leaf_key)
    fn build_chain(root_key: &KeyPair, inter_key: &KeyPair, leaf_key: &KeyPair) -> Chain {
        let root_params = ca_params("Root CA", None);
        let root = root_params.self_signed(root_key).expect("root");
        let root_issuer = Issuer::from_params(&root_params, root_key);
        let inter_params = ca_params("Intermediate CA", Some(0));
        let inter = inter_params
            .signed_by(inter_key, &root_issuer)
            .expect("intermediate");
        let inter_issuer = Issuer::from_params(&inter_params, inter_key);
        let leaf = leaf_params("istiod")
            .signed_by(leaf_key, &inter_issuer)
            .expect("leaf");
        Chain {
            root: parse_certificate(root.der()).expect("parse root"),
            inter: parse_certificate(inter.der()).expect("parse inter"),
            leaf: parse_certificate(leaf.der()).expect("parse leaf"),
        }
    }

    fn assert_chain_valid(c: &Chain) {
        assert_eq!(
            verify_signature(&c.root, &c.root.public_key),
            SignatureCheck::Valid
        );
        assert_eq!(
            verify_signature(&c.inter, &c.root.public_key),
            SignatureCheck::Valid
        );
        assert_eq!(
            verify_signature(&c.leaf, &c.inter.public_key),
            SignatureCheck::Valid
        );
        // Wrong issuer key.
        assert_eq!(
            verify_signature(&c.leaf, &c.root.public_key),
            SignatureCheck::Invalid
        );
        assert_eq!(
            verify_signature(&c.inter, &c.inter.public_key),
            SignatureCheck::Invalid
        );
        // Tampered signature.
        let mut bad = c.inter.clone();
        if let Some(b) = bad.signature.last_mut() {
            *b ^= 0x01;
        }
        assert_eq!(
            verify_signature(&bad, &c.root.public_key),
            SignatureCheck::Invalid
        );
        // Tampered TBS.
        let mut bad = c.leaf.clone();
        if let Some(b) = bad.tbs_der.get_mut(20) {
            *b ^= 0x01;
        }
        assert_eq!(
            verify_signature(&bad, &c.inter.public_key),
            SignatureCheck::Invalid
        );
        // Structure.
        assert!(c.root.self_issued());
        assert!(!c.inter.self_issued());
        assert_eq!(c.inter.issuer_raw, c.root.subject_raw);
        assert_eq!(c.leaf.issuer_raw, c.inter.subject_raw);
        assert_eq!(c.root.subject, "CN=Root CA, O=Istio");
        assert_eq!(c.inter.issuer, "CN=Root CA, O=Istio");
        assert_eq!(c.inter.subject, "CN=Intermediate CA, O=Istio");
        assert!(c.root.unhandled_critical.is_empty());
        assert!(
            c.root.go_parse_errors.is_empty(),
            "{:?}",
            c.root.go_parse_errors
        );
        assert!(
            c.leaf.go_parse_errors.is_empty(),
            "{:?}",
            c.leaf.go_parse_errors
        );
        assert_eq!(
            c.leaf.dns_names,
            vec!["istiod.istio-system.svc".to_string()]
        );
        assert!(c.root.not_before < c.root.not_after);
    }

    // ----- chains ---------------------------------------------------------------------------

    #[test]
    fn rsa_2048_chain() {
        let (a, b, c) = (rsa_key(&RSA_A), rsa_key(&RSA_B), rsa_key(&RSA_C));
        let chain = build_chain(&rcgen_rsa(a), &rcgen_rsa(b), &rcgen_rsa(c));
        assert_chain_valid(&chain);
        assert_eq!(chain.root.public_key.kind, KeyKind::Rsa { bits: 2048 });
        assert_eq!(chain.root.public_key.kind.describe(), "RSA 2048");
        assert_eq!(
            chain.inter.signature_algorithm,
            SignatureAlgorithm::RsaPkcs1(Hash::Sha256)
        );
        assert_eq!(chain.inter.signature_algorithm.name(), "SHA256-RSA");
        assert!(!chain.inter.signature_algorithm.is_insecure());
    }

    #[test]
    fn ecdsa_p256_chain() {
        let k = || KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let chain = build_chain(&k(), &k(), &k());
        assert_chain_valid(&chain);
        assert_eq!(chain.inter.public_key.kind, KeyKind::Ec(Curve::P256));
        assert_eq!(chain.inter.public_key.kind.describe(), "ECDSA P-256");
        assert_eq!(chain.inter.signature_algorithm.name(), "ECDSA-SHA256");
    }

    #[test]
    fn ecdsa_p384_chain() {
        let k = || KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("p384");
        let chain = build_chain(&k(), &k(), &k());
        assert_chain_valid(&chain);
        assert_eq!(chain.inter.public_key.kind, KeyKind::Ec(Curve::P384));
        assert_eq!(
            chain.inter.signature_algorithm,
            SignatureAlgorithm::Ecdsa(Hash::Sha384)
        );
        assert_eq!(chain.inter.signature_algorithm.name(), "ECDSA-SHA384");
    }

    #[test]
    fn p256_intermediate_signed_by_p384_root_with_sha384() {
        let root = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).expect("p384");
        let inter = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let leaf = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let chain = build_chain(&root, &inter, &leaf);
        assert_chain_valid(&chain);
        assert_eq!(chain.inter.public_key.kind, KeyKind::Ec(Curve::P256));
        assert_eq!(
            chain.inter.signature_algorithm,
            SignatureAlgorithm::Ecdsa(Hash::Sha384)
        );
        assert_eq!(
            chain.leaf.signature_algorithm,
            SignatureAlgorithm::Ecdsa(Hash::Sha256)
        );
    }

    #[test]
    fn ed25519_chain_and_mixed_algorithms() {
        let k = || KeyPair::generate_for(&PKCS_ED25519).expect("ed25519");
        let chain = build_chain(&k(), &k(), &k());
        assert_chain_valid(&chain);
        assert_eq!(chain.inter.public_key.kind, KeyKind::Ed25519);
        assert_eq!(chain.inter.signature_algorithm, SignatureAlgorithm::Ed25519);
        // An RSA issuer key for an Ed25519 signature: Invalid (wrong key type).
        let rsa_chain_root = {
            let kp = rcgen_rsa(rsa_key(&RSA_A));
            parse_certificate(ca_params("R", None).self_signed(&kp).expect("r").der())
                .expect("parse")
        };
        assert_eq!(
            verify_signature(&chain.inter, &rsa_chain_root.public_key),
            SignatureCheck::Invalid
        );
        assert_eq!(
            verify_signature(&rsa_chain_root, &chain.root.public_key),
            SignatureCheck::Invalid
        );
    }

    // ----- extensions -----------------------------------------------------------------------

    #[test]
    fn basic_constraints_key_usage_and_eku() {
        let k = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let ca = parse_certificate(ca_params("CA", Some(2)).self_signed(&k).expect("c").der())
            .expect("parse");
        assert_eq!(ca.basic_constraints, Some((true, Some(2))));
        assert!(ca.is_ca());
        let ku = ca.key_usage.expect("key usage");
        assert!(ku.key_cert_sign && ku.crl_sign && ku.digital_signature);
        assert!(!ku.key_encipherment);
        assert!(ca.ext_key_usage.is_none());

        let unconstrained =
            parse_certificate(ca_params("CA", None).self_signed(&k).expect("c").der())
                .expect("parse");
        assert_eq!(unconstrained.basic_constraints, Some((true, None)));

        let leaf = parse_certificate(leaf_params("leaf").self_signed(&k).expect("c").der())
            .expect("parse");
        assert_eq!(leaf.basic_constraints, Some((false, None)));
        assert!(!leaf.is_ca());
        let ku = leaf.key_usage.expect("key usage");
        assert!(ku.digital_signature);
        assert!(!ku.key_cert_sign);
        let eku = leaf.ext_key_usage.expect("eku");
        assert!(eku.server_auth);
        assert!(!eku.client_auth && !eku.any);
        assert!(eku.other.is_empty());

        let mut p = leaf_params("none");
        p.is_ca = IsCa::NoCa;
        p.key_usages.clear();
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::CodeSigning,
        ];
        let c = parse_certificate(p.self_signed(&k).expect("c").der()).expect("parse");
        assert_eq!(c.basic_constraints, None);
        assert_eq!(c.key_usage, None);
        let eku = c.ext_key_usage.expect("eku");
        assert!(eku.client_auth && !eku.server_auth);
        assert_eq!(eku.other, vec!["1.3.6.1.5.5.7.3.3".to_string()]);
    }

    #[test]
    fn unhandled_critical_extensions() {
        let k = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let mut p = ca_params("CA", Some(0));
        let mut unknown =
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
        unknown.set_criticality(true);
        let noncritical =
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 2], vec![0x05, 0x00]);
        // A critical certificate policies extension (2.5.29.32) that Go handles:
        // SEQUENCE { SEQUENCE { OID 2.5.29.32.0 (anyPolicy) } }
        let mut policies = CustomExtension::from_oid_content(
            &[2, 5, 29, 32],
            vec![0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x55, 0x1d],
        );
        policies.set_criticality(true);
        // Critical 2.5.29.99 (unknown in the id-ce arc).
        let mut ce_unknown = CustomExtension::from_oid_content(&[2, 5, 29, 99], vec![0x05, 0x00]);
        ce_unknown.set_criticality(true);
        p.custom_extensions = vec![unknown, noncritical, policies, ce_unknown];
        let c = parse_certificate(p.self_signed(&k).expect("c").der()).expect("parse");
        assert_eq!(
            c.unhandled_critical,
            vec!["1.3.6.1.4.1.99999.1".to_string(), "2.5.29.99".to_string()]
        );
        // Basic constraints and key usage are critical in rcgen output and are handled.
        assert_eq!(c.basic_constraints, Some((true, Some(0))));
        assert!(c.go_parse_errors.is_empty(), "{:?}", c.go_parse_errors);
    }

    #[test]
    fn critical_san_without_usable_names_is_unhandled_and_critical_skid_is_a_go_error() {
        let k = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let mut p = ca_params("CA", None);
        // SAN with only a registeredID [8] 1.2.3: SEQUENCE { [8] 2a 03 }
        let mut san = CustomExtension::from_oid_content(
            &[2, 5, 29, 17],
            vec![0x30, 0x04, 0x88, 0x02, 0x2a, 0x03],
        );
        san.set_criticality(true);
        p.custom_extensions = vec![san];
        let c = parse_certificate(p.self_signed(&k).expect("c").der()).expect("parse");
        assert_eq!(c.unhandled_critical, vec!["2.5.29.17".to_string()]);

        // rcgen always writes its own subjectKeyIdentifier, so exercise the critical one
        // directly on the extension handler.
        let value = [0x04u8, 0x02, 0xab, 0xcd];
        let ext = X509Extension::new(
            x509_parser::oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
            true,
            &value,
            ParsedExtension::SubjectKeyIdentifier(x509_parser::extensions::KeyIdentifier(
                &value[2..],
            )),
        );
        let mut info = c.clone();
        info.unhandled_critical.clear();
        let mut errors = Vec::new();
        process_extension(&ext, "2.5.29.14", &mut info, &mut errors);
        assert_eq!(
            errors,
            vec!["x509: subject key identifier incorrectly marked critical".to_string()]
        );
        assert!(info.unhandled_critical.is_empty());
        assert_eq!(info.subject_key_id, Some(vec![0xab, 0xcd]));
    }

    // ----- SHA-1 ----------------------------------------------------------------------------

    /// Re-signs an rcgen RSA certificate with SHA1-RSA using the rsa crate, so the result is a
    /// genuine, verifiable SHA1-RSA certificate.
    fn sha1_rsa_cert(key: &rsa::PrivateKey, kp: &KeyPair) -> Vec<u8> {
        use sha1::Digest as _;
        let c = ca_params("SHA1 Root", None).self_signed(kp).expect("c");
        let info = parse_certificate(c.der()).expect("parse");
        // sha256WithRSAEncryption ...01 0b -> sha1WithRSAEncryption ...01 05
        let old: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let new: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
        let mut tbs = info.tbs_der.clone();
        let pos = tbs
            .windows(old.len())
            .position(|w| w == old)
            .expect("sig oid in tbs");
        tbs.splice(pos..pos + old.len(), new.iter().copied());
        let hashed = sha1::Sha1::digest(&tbs);
        let sig = key
            .sign(rsa::pkcs1v15::Pkcs1v15Sign::new::<sha1::Sha1>(), &hashed)
            .expect("sign");
        let alg = der_seq(&[&der_tlv(0x06, new), &[0x05, 0x00]]);
        let mut bits = vec![0u8];
        bits.extend_from_slice(&sig);
        der_seq(&[&tbs, &alg, &der_tlv(0x03, &bits)])
    }

    #[test]
    fn sha1_signatures_are_detected_and_verified() {
        let key = rsa_key(&RSA_A);
        let der = sha1_rsa_cert(key, &rcgen_rsa(key));
        let c = parse_certificate(&der).expect("parse");
        assert_eq!(
            c.signature_algorithm,
            SignatureAlgorithm::RsaPkcs1(Hash::Sha1)
        );
        assert!(c.signature_algorithm.is_insecure());
        assert_eq!(c.signature_algorithm.name(), "SHA1-RSA");
        assert!(c.go_parse_errors.is_empty(), "{:?}", c.go_parse_errors);
        assert_eq!(verify_signature(&c, &c.public_key), SignatureCheck::Valid);

        assert!(SignatureAlgorithm::RsaPkcs1(Hash::Md5).is_insecure());
        assert!(SignatureAlgorithm::Ecdsa(Hash::Sha1).is_insecure());
        assert!(!SignatureAlgorithm::Ecdsa(Hash::Sha512).is_insecure());
        assert!(!SignatureAlgorithm::Ed25519.is_insecure());
        assert_eq!(
            SignatureAlgorithm::from_oid("1.2.840.113549.1.1.4").name(),
            "MD5-RSA"
        );
        assert_eq!(
            SignatureAlgorithm::from_oid("1.2.840.10045.4.1").name(),
            "ECDSA-SHA1"
        );
        assert_eq!(
            SignatureAlgorithm::from_oid("1.2.3.4"),
            SignatureAlgorithm::Unknown("1.2.3.4".to_string())
        );

        // MD5: same certificate relabelled, reported Unsupported.
        let mut md5 = c.clone();
        md5.signature_algorithm = SignatureAlgorithm::RsaPkcs1(Hash::Md5);
        assert!(matches!(
            verify_signature(&md5, &c.public_key),
            SignatureCheck::Unsupported(_)
        ));
        let mut pss = c.clone();
        pss.signature_algorithm = SignatureAlgorithm::RsaPss;
        assert!(matches!(
            verify_signature(&pss, &c.public_key),
            SignatureCheck::Unsupported(_)
        ));
    }

    #[test]
    fn inner_outer_algorithm_mismatch_is_a_go_error() {
        let key = rsa_key(&RSA_A);
        let der = sha1_rsa_cert(key, &rcgen_rsa(key));
        // Change only the outer AlgorithmIdentifier back to sha256 (last occurrence).
        let sha1_oid: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
        let mut der = der;
        let pos = der
            .windows(sha1_oid.len())
            .rposition(|w| w == sha1_oid)
            .expect("outer oid");
        if let Some(b) = der.get_mut(pos + 8) {
            *b = 0x0b;
        }
        let c = parse_certificate(&der).expect("parse");
        assert!(c.go_parse_errors.iter().any(|e| e.contains("don't match")));
    }

    // ----- private keys ---------------------------------------------------------------------

    fn self_signed_with(kp: &KeyPair) -> CertInfo {
        parse_certificate(ca_params("K", None).self_signed(kp).expect("c").der()).expect("parse")
    }

    /// Hand-built SEC1 ECPrivateKey with curve parameters and optional public key.
    fn sec1_der(scalar: &[u8], curve_oid: &[u8], public: Option<&[u8]>) -> Vec<u8> {
        let mut parts = vec![
            vec![0x02, 0x01, 0x01],
            der_tlv(0x04, scalar),
            der_tlv(0xa0, curve_oid),
        ];
        if let Some(p) = public {
            let mut bits = vec![0u8];
            bits.extend_from_slice(p);
            parts.push(der_tlv(0xa1, &der_tlv(0x03, &bits)));
        }
        der_tlv(0x30, &parts.concat())
    }

    fn pkcs8_inner(der: &[u8]) -> Vec<u8> {
        use pkcs8::der::Decode as _;
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).expect("pkcs8");
        info.private_key.as_bytes().to_vec()
    }

    #[test]
    fn rsa_private_keys_pkcs1_and_pkcs8() {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::pkcs8::EncodePrivateKey as _;
        let (a, b) = (rsa_key(&RSA_A), rsa_key(&RSA_B));
        let cert_a = self_signed_with(&rcgen_rsa(a));
        let cert_b = self_signed_with(&rcgen_rsa(b));
        let pkcs1 = a.to_pkcs1_der().expect("pkcs1");
        let k1 = parse_private_key("RSA PRIVATE KEY", pkcs1.as_bytes()).expect("pkcs1 parse");
        assert_eq!(k1.kind, KeyKind::Rsa { bits: 2048 });
        assert!(k1.matches(&cert_a));
        assert!(!k1.matches(&cert_b));
        let pkcs8 = a.to_pkcs8_der().expect("pkcs8");
        let k8 = parse_private_key("PRIVATE KEY", pkcs8.as_bytes()).expect("pkcs8 parse");
        assert!(k8.matches(&cert_a));
        assert!(!k8.matches(&cert_b));
        assert_eq!(k1, k8);
        // The derived SPKI equals the certificate's byte for byte for RSA.
        assert_eq!(
            k1.public_spki_der(),
            Some(cert_a.public_key.spki_der.as_slice())
        );
        // The PKCS#1 body under the wrong label is malformed, not a panic.
        assert!(matches!(
            parse_private_key("EC PRIVATE KEY", pkcs1.as_bytes()),
            Err(KeyError::Malformed(_))
        ));
        // Corrupt a prime: inconsistent key.
        let mut bad = pkcs1.as_bytes().to_vec();
        // Offset 600 lies inside prime1 for a 2048-bit key.
        if let Some(x) = bad.get_mut(600) {
            *x ^= 0x40;
        }
        assert_eq!(
            parse_private_key("RSA PRIVATE KEY", &bad),
            Err(KeyError::Malformed(
                "rsa primes do not multiply to the modulus".to_string()
            ))
        );
    }

    #[test]
    fn ec_private_keys_sec1_and_pkcs8() {
        for (alg, curve, curve_oid) in [
            (&PKCS_ECDSA_P256_SHA256, Curve::P256, DER_OID_P256),
            (&PKCS_ECDSA_P384_SHA384, Curve::P384, DER_OID_P384),
        ] {
            let kp = KeyPair::generate_for(alg).expect("kp");
            let other = KeyPair::generate_for(alg).expect("kp");
            let cert = self_signed_with(&kp);
            let other_cert = self_signed_with(&other);
            let pkcs8 = kp.serialize_der();
            let k8 = parse_private_key("PRIVATE KEY", &pkcs8).expect("pkcs8");
            assert_eq!(k8.kind, KeyKind::Ec(curve.clone()));
            assert!(k8.matches(&cert));
            assert!(!k8.matches(&other_cert));

            use sec1::der::Decode as _;
            let inner = pkcs8_inner(&pkcs8);
            let ec = sec1::EcPrivateKey::from_der(&inner).expect("sec1");
            let with_pub = sec1_der(ec.private_key, curve_oid, ec.public_key);
            let k = parse_private_key("EC PRIVATE KEY", &with_pub).expect("sec1 parse");
            assert_eq!(k.kind, KeyKind::Ec(curve.clone()));
            assert!(k.matches(&cert));
            assert!(!k.matches(&other_cert));
            // Without the optional public key: derived from the scalar.
            let no_pub = sec1_der(ec.private_key, curve_oid, None);
            let k = parse_private_key("EC PRIVATE KEY", &no_pub).expect("sec1 parse");
            assert!(k.matches(&cert));
            // An embedded public key that lies is ignored, as in Go.
            let other_inner = pkcs8_inner(&other.serialize_der());
            let other_ec = sec1::EcPrivateKey::from_der(&other_inner).expect("sec1");
            let lying = sec1_der(ec.private_key, curve_oid, other_ec.public_key);
            let k = parse_private_key("EC PRIVATE KEY", &lying).expect("sec1 parse");
            assert!(k.matches(&cert));
            // SEC1 without curve parameters cannot be used as "EC PRIVATE KEY".
            let no_params = der_tlv(
                0x30,
                &[vec![0x02, 0x01, 0x01], der_tlv(0x04, ec.private_key)].concat(),
            );
            assert_eq!(
                parse_private_key("EC PRIVATE KEY", &no_params),
                Err(KeyError::Malformed("ec key names no curve".to_string()))
            );
            // A scalar longer than the curve size is refused.
            let long = sec1_der(&[1u8; 70], curve_oid, None);
            assert!(matches!(
                parse_private_key("EC PRIVATE KEY", &long),
                Err(KeyError::Malformed(_))
            ));
        }
    }

    #[test]
    fn p521_sec1_is_recognised() {
        // Not a real key: the point is taken as given, never derived.
        let point: Vec<u8> = std::iter::once(4u8)
            .chain((0..132).map(|i| i as u8))
            .collect();
        let der = sec1_der(&[7u8; 66], DER_OID_P521, Some(&point));
        let k = parse_private_key("EC PRIVATE KEY", &der).expect("p521");
        assert_eq!(k.kind, KeyKind::Ec(Curve::P521));
        assert!(k.public_key_known());
        let der = sec1_der(&[7u8; 66], DER_OID_P521, None);
        let k = parse_private_key("EC PRIVATE KEY", &der).expect("p521");
        assert!(!k.public_key_known());
        assert_eq!(k.kind.describe(), "ECDSA P-521");
    }

    #[test]
    fn ed25519_private_key_pkcs8() {
        let kp = KeyPair::generate_for(&PKCS_ED25519).expect("ed");
        let other = KeyPair::generate_for(&PKCS_ED25519).expect("ed");
        let k = parse_private_key("PRIVATE KEY", &kp.serialize_der()).expect("ed parse");
        assert_eq!(k.kind, KeyKind::Ed25519);
        assert!(k.matches(&self_signed_with(&kp)));
        assert!(!k.matches(&self_signed_with(&other)));
        // Key of another type never matches.
        let p256 = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        assert!(!k.matches(&self_signed_with(&p256)));
    }

    #[test]
    fn private_key_labels_and_redaction() {
        assert_eq!(
            parse_private_key("ENCRYPTED PRIVATE KEY", b"whatever"),
            Err(KeyError::Encrypted)
        );
        assert_eq!(
            parse_private_key(
                "EC PARAMETERS",
                &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
            ),
            Err(KeyError::UnsupportedPemType("EC PARAMETERS".to_string()))
        );
        assert_eq!(
            parse_private_key("OPENSSH PRIVATE KEY", b"x"),
            Err(KeyError::UnsupportedPemType(
                "OPENSSH PRIVATE KEY".to_string()
            ))
        );
        let e = KeyError::UnsupportedPemType("EC PARAMETERS".to_string()).to_string();
        assert_eq!(
            e,
            "unsupported pem block type for a private key: EC PARAMETERS"
        );
        assert_eq!(
            KeyError::Encrypted.to_string(),
            "the private key is encrypted"
        );

        let kp = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let der = kp.serialize_der();
        let k = parse_private_key("PRIVATE KEY", &der).expect("parse");
        let dbg = format!("{k:?}");
        let disp = format!("{k}");
        assert!(dbg.contains("[redacted]"));
        assert!(disp.contains("[redacted]"));
        use sec1::der::Decode as _;
        let inner = pkcs8_inner(&der);
        let scalar = sec1::EcPrivateKey::from_der(&inner)
            .expect("sec1")
            .private_key
            .to_vec();
        let scalar_hex = hex_lower(&scalar);
        for s in [&dbg, &disp] {
            assert!(!s.contains(&scalar_hex));
            assert!(!s.contains(&format!("{scalar:?}")));
        }
        // Errors never echo key bytes either.
        let mut broken = der.clone();
        broken.truncate(der.len() - 3);
        let err = parse_private_key("PRIVATE KEY", &broken).expect_err("truncated");
        assert!(!err.to_string().contains(&scalar_hex));
        assert!(!format!("{err:?}").contains(&scalar_hex));
    }

    // ----- robustness -----------------------------------------------------------------------

    #[test]
    fn garbage_and_truncations_never_panic() {
        let kp = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let cert = ca_params("CA", Some(1)).self_signed(&kp).expect("c");
        let der = cert.der().to_vec();
        let good = parse_certificate(&der).expect("parse");
        for len in 0..der.len() {
            assert!(
                parse_certificate(&der[..len]).is_err(),
                "truncated at {len}"
            );
        }
        // Byte flips: may parse or not, must not panic; verification must not panic.
        for i in 0..der.len() {
            let mut d = der.clone();
            if let Some(b) = d.get_mut(i) {
                *b ^= 0xff;
            }
            if let Ok(c) = parse_certificate(&d) {
                let _ = verify_signature(&c, &good.public_key);
                let _ = verify_signature(&good, &c.public_key);
                let _ = c.sha256_fingerprint();
            }
        }
        for g in [
            &b""[..],
            b"\x30",
            b"\x30\x80",
            b"\x30\x84\xff\xff\xff\xff",
            b"not a cert",
        ] {
            assert!(parse_certificate(g).is_err());
        }
        // Trailing data is a Go error but still decodes.
        let mut trailing = der.clone();
        trailing.push(0);
        let c = parse_certificate(&trailing).expect("parse");
        assert_eq!(c.go_parse_errors, vec!["x509: trailing data".to_string()]);
        assert_eq!(c.der, der);

        let key_der = kp.serialize_der();
        for len in 0..key_der.len() {
            for label in ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"] {
                let _ = parse_private_key(label, &key_der[..len]);
            }
            assert!(parse_private_key("PRIVATE KEY", &key_der[..len]).is_err());
        }
        for i in 0..key_der.len() {
            let mut d = key_der.clone();
            if let Some(b) = d.get_mut(i) {
                *b ^= 0xff;
            }
            if let Ok(k) = parse_private_key("PRIVATE KEY", &d) {
                let _ = k.matches(&good);
            }
        }
        // RSA PKCS#1 truncations.
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let pkcs1 = rsa_key(&RSA_A).to_pkcs1_der().expect("pkcs1");
        let pkcs1 = pkcs1.as_bytes();
        for len in (0..pkcs1.len()).step_by(7) {
            assert!(parse_private_key("RSA PRIVATE KEY", &pkcs1[..len]).is_err());
        }
        // Degenerate RSA keys are refused without reaching the bignum code.
        for (n, e) in [
            (&[0u8][..], &[1u8, 0, 1][..]),
            (&[0xffu8; 64][..], &[0u8][..]),
            (&[3u8][..], &[3u8][..]),
        ] {
            let k = PublicKeyInfo {
                kind: KeyKind::Rsa { bits: 0 },
                spki_der: rsa_spki(n, e),
            };
            let mut c = good.clone();
            c.signature_algorithm = SignatureAlgorithm::RsaPkcs1(Hash::Sha256);
            assert_ne!(verify_signature(&c, &k), SignatureCheck::Valid);
        }
        // PKCS#1 with zero primes.
        let zero_primes = der_seq(&[
            &[0x02, 0x01, 0x00],
            &der_tlv(0x02, &[0x00, 0xc1, 0x01]),
            &[0x02, 0x03, 0x01, 0x00, 0x01],
            &[0x02, 0x01, 0x05],
            &[0x02, 0x01, 0x00],
            &[0x02, 0x01, 0x00],
            &[0x02, 0x01, 0x01],
            &[0x02, 0x01, 0x01],
            &[0x02, 0x01, 0x01],
        ]);
        assert!(parse_private_key("RSA PRIVATE KEY", &zero_primes).is_err());
        // An empty public key info never matches.
        let empty = PublicKeyInfo {
            kind: KeyKind::Other("x".into()),
            spki_der: vec![],
        };
        assert_eq!(verify_signature(&good, &empty), SignatureCheck::Invalid);
    }

    // ----- real upstream fixtures (Istio samples/certs style, RSA-4096) ----------------------

    const C1_CA_CERT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-cert.pem"
    ));
    const C1_CA_KEY: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-key.pem"
    ));
    const C1_CHAIN: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster1/cert-chain.pem"
    ));
    const C1_ROOT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster1/root-cert.pem"
    ));
    const C2_CA_CERT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster2/ca-cert.pem"
    ));
    const C2_CA_KEY: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream-seed/certs/istiod-cluster2/ca-key.pem"
    ));

    fn first_cert(pem: &str) -> CertInfo {
        let blocks = pem_blocks(pem);
        let (label, der) = blocks.first().expect("a block");
        assert_eq!(label, "CERTIFICATE");
        parse_certificate(der).expect("parse")
    }

    #[test]
    fn upstream_fixtures() {
        let inter = first_cert(C1_CA_CERT);
        let root = first_cert(C1_ROOT);
        let inter2 = first_cert(C2_CA_CERT);

        assert_eq!(inter.public_key.kind, KeyKind::Rsa { bits: 4096 });
        assert_eq!(root.public_key.kind.describe(), "RSA 4096");
        assert_eq!(inter.not_before, 1_668_722_514); // 2022-11-17T22:01:54Z
        assert_eq!(inter.not_after, 1_731_794_514); // 2024-11-16T22:01:54Z
        assert_eq!(root.not_after, 1_984_082_512); // 2032-11-14T22:01:52Z
        assert_eq!(
            inter.subject,
            "CN=Intermediate CA, O=Istio, L=istiod-cluster1"
        );
        assert_eq!(inter.issuer, "CN=Root CA, O=Istio");
        assert_eq!(
            go_name_string(&inter.subject_raw).expect("name"),
            "CN=Intermediate CA,O=Istio,L=istiod-cluster1"
        );
        assert_eq!(inter.serial_hex, "dedf298a147681d6");
        assert_eq!(root.serial_hex, "f5bcd7e89bdb6248");
        assert_eq!(
            inter.sha256_fingerprint(),
            "00:BF:77:3E:B5:DC:18:3C:8A:D8:59:64:F0:19:6E:1D:D0:DD:AF:94:A3:39:7B:01:E0:90:C5:AF:21:A3:60:C7"
        );
        assert_eq!(inter.basic_constraints, Some((true, Some(0))));
        assert_eq!(root.basic_constraints, Some((true, None)));
        assert!(
            inter
                .key_usage
                .is_some_and(|k| k.key_cert_sign && k.critical)
        );
        assert!(inter.unhandled_critical.is_empty());
        assert!(
            inter.go_parse_errors.is_empty(),
            "{:?}",
            inter.go_parse_errors
        );
        assert_eq!(inter.dns_names, vec!["istiod.istio-system.svc".to_string()]);
        assert!(root.self_issued());
        assert!(!inter.self_issued());
        assert_eq!(inter.issuer_raw, root.subject_raw);
        assert_eq!(inter.signature_algorithm.name(), "SHA256-RSA");

        assert_eq!(
            verify_signature(&inter, &root.public_key),
            SignatureCheck::Valid
        );
        assert_eq!(
            verify_signature(&root, &root.public_key),
            SignatureCheck::Valid
        );
        assert_eq!(
            verify_signature(&inter2, &root.public_key),
            SignatureCheck::Valid
        );
        assert_eq!(
            verify_signature(&inter, &inter2.public_key),
            SignatureCheck::Invalid
        );

        // cert-chain.pem = ca-cert + root.
        let chain: Vec<CertInfo> = pem_blocks(C1_CHAIN)
            .iter()
            .map(|(_, d)| parse_certificate(d).expect("parse"))
            .collect();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain.first().map(|c| &c.der), Some(&inter.der));
        assert_eq!(chain.get(1).map(|c| &c.der), Some(&root.der));

        // ca-key.pem is PKCS#1 and matches ca-cert.pem, not cluster2's.
        let blocks = pem_blocks(C1_CA_KEY);
        let (label, der) = blocks.first().expect("key block");
        assert_eq!(label, "RSA PRIVATE KEY");
        let key = parse_private_key(label, der).expect("key");
        assert_eq!(key.kind, KeyKind::Rsa { bits: 4096 });
        assert!(key.matches(&inter));
        assert!(!key.matches(&inter2));
        assert!(!key.matches(&root));
        let blocks2 = pem_blocks(C2_CA_KEY);
        let (label2, der2) = blocks2.first().expect("key block");
        let key2 = parse_private_key(label2, der2).expect("key2");
        assert!(key2.matches(&inter2));
        assert!(!key2.matches(&inter));
        assert!(!format!("{key:?}").contains("MII"));
    }

    #[test]
    fn name_escaping_and_ordering() {
        let k = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("p256");
        let mut p = ca_params("x", None);
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::CountryName, "US");
        p.distinguished_name.push(DnType::CommonName, " a,b+c ");
        p.distinguished_name
            .push(DnType::OrganizationalUnitName, "#ou");
        p.distinguished_name.push(
            DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 25]),
            "example",
        );
        let c = parse_certificate(p.self_signed(&k).expect("c").der()).expect("parse");
        // Go: non-standard attributes last; CN, OU, ..., C in that order.
        assert_eq!(
            c.subject,
            "CN=\\ a\\,b\\+c\\ , OU=\\#ou, C=US, 0.9.2342.19200300.100.1.25=#13076578616d706c65"
        );
    }
}
