#![cfg(not(target_arch = "wasm32"))]
//! The bundle (VI3xx) and mesh (VI6xx) rules on generated certificates.
//!
//! A small PKI builder on rcgen (RSA keys from the `rsa` crate, generated once per test
//! binary) produces Istio CA bundles in memory: `ca-key.pem`, `ca-cert.pem`,
//! `cert-chain.pem`, `root-cert.pem` as PEM text, fed to `verify::verify` at a fixed clock.
//! A table of cases gives, for every bundle and mesh rule, bundles on which it must fire
//! (with the file, PEM block and a piece of the message) and close misses on which it must
//! stay quiet. Then: the good bundles are clean, the real upstream certificates behave,
//! and no output format ever shows a byte of a private key.

use std::sync::OnceLock;

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType,
    SignatureAlgorithm,
};
use vault_istio::bundle::{BundleInput, FileKind, Member};
use vault_istio::finding::{Finding, Location, Severity};
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::rules::{Check, RULES};
use vault_istio::verify::{self, Options, Report};

// =============================================================================================
// Clock
// =============================================================================================

const DAY: i64 = 86_400;
/// 2024-01-01T00:00:00Z: every certificate's notBefore unless a case says otherwise.
const T0: i64 = 1_704_067_200;
/// 2025-01-01T00:00:00Z: "now" for every case, one (leap) year into the validity.
const NOW: i64 = T0 + 366 * DAY;
/// 2026-01-01: intermediates (one year left at NOW).
const INTER_END: i64 = NOW + 365 * DAY;
/// 2034-01-01-ish: roots.
const ROOT_END: i64 = T0 + 3653 * DAY;
/// 2024-11-16T22:01:54Z: the expiry of Istio's sample intermediates.
const EXPIRED_END: i64 = 1_731_794_514;

fn at(ts: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(ts).expect("timestamp")
}

fn date(y: i32, m: time::Month, d: u8) -> i64 {
    time::Date::from_calendar_date(y, m, d)
        .expect("date")
        .midnight()
        .assume_utc()
        .unix_timestamp()
}

// =============================================================================================
// Keys
// =============================================================================================

const RSA_ROOT: usize = 0;
const RSA_INTER: usize = 1;
const RSA_ISSUING: usize = 2;
const RSA_OTHER_ROOT: usize = 3;
const RSA_INTER2: usize = 4;
const RSA_WEAK: usize = 5;
const RSA_COUNT: usize = 6;

/// RSA keys are slow to generate: a handful, once per test binary, in parallel.
fn rsa_keys() -> &'static [rsa::PrivateKey] {
    static KEYS: OnceLock<Vec<rsa::PrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..RSA_COUNT)
                .map(|i| {
                    s.spawn(move || {
                        let bits = if i == RSA_WEAK { 1024 } else { 2048 };
                        let mut rng = getrandom::SysRng;
                        rsa::PrivateKey::new(&mut rng, bits).expect("rsa keygen")
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("keygen thread"))
                .collect()
        })
    })
}

/// A key pair as the tests need it: PEM encodings for `ca-key.pem`, the public key for
/// rcgen, and (RSA) the key itself for hand-made signatures.
#[derive(Clone)]
struct Key {
    /// `PRIVATE KEY` (PKCS#8): what rcgen reads.
    pkcs8: String,
    /// `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1); none for Ed25519.
    traditional: Option<String>,
    rsa: Option<&'static rsa::PrivateKey>,
    /// The subjectPublicKey bits.
    public: Vec<u8>,
    alg: &'static SignatureAlgorithm,
}

impl PublicKeyData for Key {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

impl Key {
    fn rsa(i: usize) -> Key {
        use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
        use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
        let k = &rsa_keys()[i];
        Key {
            pkcs8: k.to_pkcs8_pem(LineEnding::LF).expect("pkcs8").to_string(),
            traditional: Some(k.to_pkcs1_pem(LineEnding::LF).expect("pkcs1").to_string()),
            rsa: Some(k),
            public: k
                .to_public_key()
                .to_pkcs1_der()
                .expect("rsa public")
                .as_bytes()
                .to_vec(),
            alg: &rcgen::PKCS_RSA_SHA256,
        }
    }

    fn ec(alg: &'static SignatureAlgorithm) -> Key {
        let kp = KeyPair::generate_for(alg).expect("ec keygen");
        let curve_oid = if std::ptr::eq(alg, &rcgen::PKCS_ECDSA_P384_SHA384) {
            OID_P384
        } else {
            OID_P256
        };
        Key {
            pkcs8: kp.serialize_pem(),
            traditional: Some(pem_block(
                "EC PRIVATE KEY",
                &sec1_from_pkcs8(&kp.serialize_der(), curve_oid),
            )),
            rsa: None,
            public: kp.der_bytes().to_vec(),
            alg: kp.algorithm(),
        }
    }

    fn ed25519() -> Key {
        let kp = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("ed25519 keygen");
        Key {
            pkcs8: kp.serialize_pem(),
            traditional: None,
            rsa: None,
            public: kp.der_bytes().to_vec(),
            alg: kp.algorithm(),
        }
    }

    fn signer(&self) -> KeyPair {
        KeyPair::from_pem(&self.pkcs8).expect("rcgen key")
    }

    /// What `ca-key.pem` holds by default: the traditional encoding (openssl genrsa /
    /// ecparam style, as in Istio's Makefiles), else PKCS#8.
    fn ca_key(&self) -> String {
        self.traditional
            .clone()
            .unwrap_or_else(|| self.pkcs8.clone())
    }
}

const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// SEC1 `ECPrivateKey` with the curve named (as `openssl ec` writes it), from PKCS#8.
fn sec1_from_pkcs8(pkcs8_der: &[u8], curve_oid: &[u8]) -> Vec<u8> {
    use pkcs8::der::Decode as _;
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der).expect("pkcs8");
    let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).expect("sec1");
    let mut parts = vec![
        vec![0x02, 0x01, 0x01],
        der_tlv(0x04, ec.private_key),
        der_tlv(0xa0, curve_oid),
    ];
    if let Some(p) = ec.public_key {
        let mut bits = vec![0u8];
        bits.extend_from_slice(p);
        parts.push(der_tlv(0xa1, &der_tlv(0x03, &bits)));
    }
    der_tlv(0x30, &parts.concat())
}

fn der_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(body);
    out
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The base64 body lines of a PEM text (no markers, no headers).
fn body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----") && !l.contains(':'))
        .collect()
}

// =============================================================================================
// Certificates
// =============================================================================================

/// A certificate with the parameters and key that made it (to issue below it).
#[derive(Clone)]
struct Ca {
    params: CertificateParams,
    key: Key,
    der: Vec<u8>,
}

impl Ca {
    fn self_signed(params: CertificateParams, key: &Key) -> Ca {
        let der = params
            .self_signed(&key.signer())
            .expect("self-sign")
            .der()
            .to_vec();
        Ca {
            params,
            key: key.clone(),
            der,
        }
    }

    /// Issues a certificate for `key` with `params`, signed by this CA.
    fn issue(&self, params: CertificateParams, key: &Key) -> Ca {
        let signer = self.key.signer();
        let issuer = Issuer::from_params(&self.params, &signer);
        let der = params.signed_by(key, &issuer).expect("sign").der().to_vec();
        Ca {
            params,
            key: key.clone(),
            der,
        }
    }

    fn pem(&self) -> String {
        pem_block("CERTIFICATE", &self.der)
    }

    /// The same certificate, re-signed by `issuer` (an RSA CA) with SHA1-RSA: a genuine,
    /// verifying SHA-1 certificate, as old LibreSSL defaults produce.
    fn resigned_sha1(&self, issuer: &Ca) -> Ca {
        use sha1::Digest as _;
        let info = vault_istio::bundle::x509::parse_certificate(&self.der).expect("parse");
        let sha256_rsa: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let sha1_rsa: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
        let mut tbs = info.tbs_der.clone();
        let pos = tbs
            .windows(sha256_rsa.len())
            .position(|w| w == sha256_rsa)
            .expect("signature algorithm in the TBS");
        tbs.splice(pos..pos + sha256_rsa.len(), sha1_rsa.iter().copied());
        let key = issuer.key.rsa.expect("an RSA issuer");
        let sig = key
            .sign(
                rsa::pkcs1v15::Pkcs1v15Sign::new::<sha1::Sha1>(),
                &sha1::Sha1::digest(&tbs),
            )
            .expect("sha1 sign");
        let alg = der_tlv(0x30, &[der_tlv(0x06, sha1_rsa), vec![0x05, 0x00]].concat());
        let mut bits = vec![0u8];
        bits.extend_from_slice(&sig);
        let mut out = self.clone();
        out.der = der_tlv(0x30, &[tbs, alg, der_tlv(0x03, &bits)].concat());
        out
    }

    /// The same certificate with the outer signature algorithm changed to SHA384-RSA, so it
    /// no longer matches the one inside the TBS (Go: "signature algorithm mismatch").
    fn outer_algorithm_sha384(&self) -> Ca {
        let sha256_rsa: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let mut out = self.clone();
        let pos = out
            .der
            .windows(sha256_rsa.len())
            .rposition(|w| w == sha256_rsa)
            .expect("outer signature algorithm");
        out.der[pos + sha256_rsa.len() - 1] = 0x0c;
        out
    }

    /// The same certificate with one bit of its signature flipped.
    fn tampered(&self) -> Ca {
        let mut out = self.clone();
        if let Some(b) = out.der.last_mut() {
            *b ^= 0x01;
        }
        out
    }
}

fn name(cn: &str, cluster: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Istio");
    dn.push(DnType::CommonName, cn);
    if let Some(c) = cluster {
        dn.push(DnType::LocalityName, c);
    }
    dn
}

/// Istio's Makefile CA extensions: `basicConstraints=critical,CA:true[,pathlen:N]`,
/// `keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,keyCertSign`.
fn ca_params(dn: DistinguishedName, pathlen: Option<u8>, not_after: i64) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(match pathlen {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    p.not_before = at(T0);
    p.not_after = at(not_after);
    p
}

fn root_params(cn: &str) -> CertificateParams {
    ca_params(name(cn, None), None, ROOT_END)
}

/// The cluster intermediate (`ca-cert.pem`): pathlen:0, istiod's DNS name, an AKI.
fn inter_params(cluster: &str) -> CertificateParams {
    let mut p = ca_params(name("Intermediate CA", Some(cluster)), Some(0), INTER_END);
    p.subject_alt_names = vec![SanType::DnsName(
        "istiod.istio-system.svc".try_into().expect("dns name"),
    )];
    p.use_authority_key_identifier_extension = true;
    p
}

/// A corporate issuing CA between the root and the cluster intermediate.
fn issuing_params(pathlen: Option<u8>) -> CertificateParams {
    let mut p = ca_params(name("Issuing CA", None), pathlen, ROOT_END - 365 * DAY);
    p.use_authority_key_identifier_extension = true;
    p
}

/// A CA hierarchy: root → [issuing →] inter (the cluster's `ca-cert`).
#[derive(Clone)]
struct Pki {
    root: Ca,
    issuing: Option<Ca>,
    inter: Ca,
}

impl Pki {
    /// Istio Makefile style, RSA-2048: root → intermediate (pathlen:0), with tweaks.
    fn rsa_with(
        root: impl FnOnce(&mut CertificateParams),
        inter: impl FnOnce(&mut CertificateParams),
    ) -> Pki {
        let mut rp = root_params("Root CA");
        root(&mut rp);
        let root = Ca::self_signed(rp, &Key::rsa(RSA_ROOT));
        let mut ip = inter_params("cluster1");
        inter(&mut ip);
        let inter = root.issue(ip, &Key::rsa(RSA_INTER));
        Pki {
            root,
            issuing: None,
            inter,
        }
    }

    fn rsa() -> Pki {
        Pki::rsa_with(|_| {}, |_| {})
    }

    fn rsa_inter(tweak: impl FnOnce(&mut CertificateParams)) -> Pki {
        Pki::rsa_with(|_| {}, tweak)
    }

    /// ECDSA P-256 root and intermediate.
    fn ec() -> Pki {
        let root = Ca::self_signed(
            root_params("Root CA"),
            &Key::ec(&rcgen::PKCS_ECDSA_P256_SHA256),
        );
        let inter = root.issue(
            inter_params("cluster1"),
            &Key::ec(&rcgen::PKCS_ECDSA_P256_SHA256),
        );
        Pki {
            root,
            issuing: None,
            inter,
        }
    }

    /// root → issuing CA (pathlen as given) → ca-cert (pathlen:0).
    fn three_level_with(root_pathlen: Option<u8>, issuing_pathlen: Option<u8>) -> Pki {
        let mut rp = root_params("Root CA");
        if let Some(n) = root_pathlen {
            rp.is_ca = IsCa::Ca(BasicConstraints::Constrained(n));
        }
        let root = Ca::self_signed(rp, &Key::rsa(RSA_ROOT));
        let issuing = root.issue(issuing_params(issuing_pathlen), &Key::rsa(RSA_ISSUING));
        let inter = issuing.issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
        Pki {
            root,
            issuing: Some(issuing),
            inter,
        }
    }

    fn three_level() -> Pki {
        Pki::three_level_with(None, Some(1))
    }

    /// The CAs above ca-cert, upward.
    fn uppers(&self) -> Vec<&Ca> {
        self.issuing.iter().chain([&self.root]).collect()
    }

    /// The four files as istiod expects them: cert-chain.pem = ca-cert, each CA above, root.
    fn files(&self) -> Files {
        let mut chain = vec![&self.inter];
        chain.extend(self.uppers());
        Files {
            ca_key: Some(self.inter.key.ca_key()),
            ca_cert: Some(self.inter.pem()),
            cert_chain: Some(cat(&chain)),
            root_cert: Some(self.root.pem()),
        }
    }
}

fn cat(cas: &[&Ca]) -> String {
    cas.iter().map(|c| c.pem()).collect()
}

/// A root that has nothing to do with the others (own key).
fn other_root(cn: &str) -> Ca {
    Ca::self_signed(root_params(cn), &Key::rsa(RSA_OTHER_ROOT))
}

// =============================================================================================
// Bundles and scenarios
// =============================================================================================

/// The four members of one cluster's bundle; `None` is a missing file.
#[derive(Clone, Default)]
struct Files {
    ca_key: Option<String>,
    ca_cert: Option<String>,
    cert_chain: Option<String>,
    root_cert: Option<String>,
}

impl Files {
    fn get(&self, kind: FileKind) -> Option<&String> {
        match kind {
            FileKind::CaKey => self.ca_key.as_ref(),
            FileKind::CaCert => self.ca_cert.as_ref(),
            FileKind::CertChain => self.cert_chain.as_ref(),
            FileKind::RootCert => self.root_cert.as_ref(),
        }
    }

    fn input(&self, label: &str, named_files: bool) -> BundleInput {
        BundleInput {
            label: label.to_string(),
            origin: label.to_string(),
            embedded: false,
            named_files,
            members: FileKind::ALL
                .into_iter()
                .filter_map(|kind| {
                    self.get(kind).map(|text| Member {
                        kind,
                        file: format!("{label}/{}", kind.file_name()),
                        member: None,
                        text: text.clone(),
                    })
                })
                .collect(),
        }
    }

    fn map(&self, f: impl Fn(&str) -> String) -> Files {
        Files {
            ca_key: self.ca_key.as_deref().map(&f),
            ca_cert: self.ca_cert.as_deref().map(&f),
            cert_chain: self.cert_chain.as_deref().map(&f),
            root_cert: self.root_cert.as_deref().map(&f),
        }
    }
}

/// CRLF line endings and trailing whitespace on every line (a Windows editor, `kubectl
/// create secret --from-file` of such a file): Go's PEM decoder takes it.
fn crlf_and_trailing_space(text: &str) -> String {
    text.lines().map(|l| format!("{l} \t\r\n")).collect()
}

/// One or more clusters' bundles and the clock.
struct Scenario {
    bundles: Vec<Files>,
    now: i64,
    /// The files were named one by one (`verify ca-cert.pem root-cert.pem ...`), not a
    /// directory: an absent one is "not given".
    named_files: bool,
}

fn label(i: usize) -> String {
    format!("certs/cluster{}", i + 1)
}

impl Scenario {
    fn inputs(&self) -> Vec<BundleInput> {
        self.bundles
            .iter()
            .enumerate()
            .map(|(i, f)| f.input(&label(i), self.named_files))
            .collect()
    }

    fn run(&self) -> Report {
        verify::verify(
            &self.inputs(),
            &Options {
                now: self.now,
                expires_within: 30 * DAY,
                ignore: vec![],
            },
        )
    }

    /// The text of `file` (`certs/cluster1/ca-cert.pem`).
    fn text_of(&self, file: &str) -> Option<&str> {
        self.bundles.iter().enumerate().find_map(|(i, f)| {
            FileKind::ALL.into_iter().find_map(|k| {
                (format!("{}/{}", label(i), k.file_name()) == file)
                    .then(|| f.get(k).map(String::as_str))
                    .flatten()
            })
        })
    }
}

fn one(files: Files) -> Scenario {
    Scenario {
        bundles: vec![files],
        now: NOW,
        named_files: false,
    }
}

fn mesh(bundles: Vec<Files>) -> Scenario {
    Scenario {
        bundles,
        now: NOW,
        named_files: false,
    }
}

// ----- scenario builders shared by several cases ----------------------------------------------

/// root → issuing CA (tweaked, e.g. not a CA) → ca-cert.
fn issuing_not_ca(tweak: fn(&mut CertificateParams)) -> Scenario {
    let root = Ca::self_signed(root_params("Root CA"), &Key::rsa(RSA_ROOT));
    let mut ip = issuing_params(Some(1));
    tweak(&mut ip);
    let issuing = root.issue(ip, &Key::rsa(RSA_ISSUING));
    let inter = issuing.issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
    one(Pki {
        root,
        issuing: Some(issuing),
        inter,
    }
    .files())
}

fn issuing_and_root_in_root_cert() -> Scenario {
    let pki = Pki::three_level();
    let issuing = pki.issuing.clone().expect("issuing");
    one(Files {
        cert_chain: Some(cat(&[&pki.inter, &issuing, &pki.root])),
        root_cert: Some(cat(&[&issuing, &pki.root])),
        ..pki.files()
    })
}

/// root-cert.pem: the root as first issued (expired at NOW) and its renewal (same key and
/// subject, valid); cert-chain.pem holds the expired copy.
fn renewed_root() -> Scenario {
    let key = Key::rsa(RSA_ROOT);
    let mut old = root_params("Root CA");
    old.not_after = at(NOW - 10 * DAY);
    let old = Ca::self_signed(old, &key);
    let renewed = Ca::self_signed(root_params("Root CA"), &key);
    let inter = renewed.issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
    one(Files {
        ca_key: Some(inter.key.ca_key()),
        ca_cert: Some(inter.pem()),
        cert_chain: Some(cat(&[&inter, &old])),
        root_cert: Some(cat(&[&old, &renewed])),
    })
}

/// The root itself as ca-cert (single-level PKI) with an empty cert-chain.pem.
fn self_root_empty_chain() -> Scenario {
    let root = Ca::self_signed(root_params("Root CA"), &Key::rsa(RSA_ROOT));
    one(Files {
        ca_key: Some(root.key.ca_key()),
        ca_cert: Some(root.pem()),
        cert_chain: Some(String::new()),
        root_cert: Some(root.pem()),
    })
}

/// The issuing CA's key also certified by another root (a cross-sign), both copies sent.
fn cross_signed(first: bool) -> Scenario {
    let pki = Pki::three_level();
    let issuing = pki.issuing.clone().expect("issuing");
    let other = other_root("Other Root");
    let cross = other.issue(issuing.params.clone(), &issuing.key);
    let sent = if first {
        vec![&pki.inter, &cross, &issuing]
    } else {
        vec![&pki.inter, &issuing, &cross]
    };
    one(Files {
        cert_chain: Some(cat(&sent)),
        ..pki.files()
    })
}

fn cross_signed_first() -> Scenario {
    cross_signed(true)
}

fn cross_signed_last() -> Scenario {
    cross_signed(false)
}

/// ca-cert issued by "Loop CA"; cert-chain.pem holds twelve self-signed "Loop CA"
/// certificates with one key and different serials; root-cert.pem an unrelated root. A
/// naive search tries every ordering of them.
fn same_name_loop() -> Scenario {
    let key = Key::rsa(RSA_ISSUING);
    let loops: Vec<Ca> = (1..=12u8)
        .map(|i| {
            let mut p = ca_params(name("Loop CA", None), None, ROOT_END);
            p.serial_number = Some(rcgen::SerialNumber::from_slice(&[i]));
            Ca::self_signed(p, &key)
        })
        .collect();
    let inter = loops[0].issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
    let mut sent: Vec<&Ca> = vec![&inter];
    sent.extend(loops.iter());
    one(Files {
        ca_key: Some(inter.key.ca_key()),
        ca_cert: Some(inter.pem()),
        cert_chain: Some(cat(&sent)),
        root_cert: Some(other_root("Unrelated Root").pem()),
    })
}

fn good_rsa() -> Scenario {
    one(Pki::rsa().files())
}

fn good_ec() -> Scenario {
    one(Pki::ec().files())
}

fn good_three_level() -> Scenario {
    one(Pki::three_level().files())
}

fn good_rsa_crlf() -> Scenario {
    one(Pki::rsa().files().map(crlf_and_trailing_space))
}

fn good_rsa_pkcs8_key() -> Scenario {
    let pki = Pki::rsa();
    one(Files {
        ca_key: Some(pki.inter.key.pkcs8.clone()),
        ..pki.files()
    })
}

fn good_ec_sec1_key() -> Scenario {
    let pki = Pki::ec();
    let sec1 = pki.inter.key.traditional.clone().expect("sec1");
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    one(Files {
        ca_key: Some(sec1),
        ..pki.files()
    })
}

fn good_ec_pkcs8_key() -> Scenario {
    let pki = Pki::ec();
    one(Files {
        ca_key: Some(pki.inter.key.pkcs8.clone()),
        ..pki.files()
    })
}

fn missing(kind: FileKind) -> Scenario {
    let mut f = Pki::rsa().files();
    match kind {
        FileKind::CaKey => f.ca_key = None,
        FileKind::CaCert => f.ca_cert = None,
        FileKind::CertChain => f.cert_chain = None,
        FileKind::RootCert => f.root_cert = None,
    }
    one(f)
}

fn with_ca_key(text: String) -> Scenario {
    one(Files {
        ca_key: Some(text),
        ..Pki::rsa().files()
    })
}

fn with_ca_cert(text: String) -> Scenario {
    one(Files {
        ca_cert: Some(text),
        ..Pki::rsa().files()
    })
}

fn with_cert_chain(text: impl FnOnce(&Pki) -> String) -> Scenario {
    let pki = Pki::rsa();
    one(Files {
        cert_chain: Some(text(&pki)),
        ..pki.files()
    })
}

fn with_root_cert(text: impl FnOnce(&Pki) -> String) -> Scenario {
    let pki = Pki::rsa();
    one(Files {
        root_cert: Some(text(&pki)),
        ..pki.files()
    })
}

/// What the injector's default template renders for a KV v2 secret: Go's `%v` of the
/// `data` and `metadata` maps.
fn kv2_map_dump(pki: &Pki) -> String {
    format!(
        "data: map[ca_cert:{} ca_key:{}]\nmetadata: map[created_time:2024-05-02T10:00:00.000Z custom_metadata:<nil> deletion_time: destroyed:false version:3]\n",
        pki.inter.pem(),
        pki.inter.key.ca_key()
    )
}

/// What the injector's default template renders for a KV v1 secret: `key: value` lines.
fn kv1_map_dump(pki: &Pki) -> String {
    format!(
        "ca_cert: {}\nca_key: {}\n",
        pki.inter.pem(),
        pki.inter.key.ca_key()
    )
}

/// The default `map` template on a KV v1 secret with all four fields: `cert_chain` holds
/// two certificates, so the second one starts a line and decodes as a real block.
fn kv1_full_dump(pki: &Pki) -> String {
    format!(
        "ca_cert: {}\nca_key: {}\ncert_chain: {}{}\nroot_cert: {}\n",
        pki.inter.pem(),
        pki.inter.key.ca_key(),
        pki.inter.pem(),
        pki.root.pem(),
        pki.root.pem()
    )
}

/// The `json` default template: one line, newlines escaped.
fn json_dump(pki: &Pki) -> String {
    serde_json::json!({
        "ca_cert": pki.inter.pem(),
        "root_cert": pki.root.pem(),
    })
    .to_string()
        + "\n"
}

/// `openssl x509 -text` output: a human-readable dump before the PEM block.
fn with_text_dump(pem: &str) -> String {
    format!(
        "Certificate:\n    Data:\n        Version: 3 (0x2)\n        Signature Algorithm: sha256WithRSAEncryption\n        Issuer: O = Istio, CN = Root CA\nsubject=O = Istio, CN = Intermediate CA\n{pem}"
    )
}

fn expiring(not_after: i64) -> Scenario {
    one(Pki::rsa_inter(|p| {
        p.not_after = at(not_after);
    })
    .files())
}

/// Cluster `n`'s intermediate under `root`, with its own key.
fn cluster_inter(root: &Ca, cluster: &str, key: usize) -> Ca {
    root.issue(inter_params(cluster), &Key::rsa(key))
}

fn cluster_files(inter: &Ca, root: &Ca, trusted: &[&Ca]) -> Files {
    Files {
        ca_key: Some(inter.key.ca_key()),
        ca_cert: Some(inter.pem()),
        cert_chain: Some(cat(&[inter, root])),
        root_cert: Some(cat(trusted)),
    }
}

// =============================================================================================
// The case table
// =============================================================================================

/// Where a firing finding must point, and what its message (or help) must say.
struct Fire {
    /// 1-based cluster number.
    cluster: usize,
    at: FileKind,
    block: Option<usize>,
    text: &'static [&'static str],
}

struct Case {
    code: &'static str,
    name: &'static str,
    build: fn() -> Scenario,
    /// Empty: the rule must stay quiet.
    fires: Vec<Fire>,
    /// The severity of every finding of the rule (default: the rule's).
    severity: Option<Severity>,
    /// The exact number of findings of the rule, when it matters.
    count: Option<usize>,
}

fn fire(
    code: &'static str,
    name: &'static str,
    build: fn() -> Scenario,
    at: FileKind,
    block: Option<usize>,
    text: &'static [&'static str],
) -> Case {
    Case {
        code,
        name,
        build,
        fires: vec![Fire {
            cluster: 1,
            at,
            block,
            text,
        }],
        severity: None,
        count: None,
    }
}

fn quiet(code: &'static str, name: &'static str, build: fn() -> Scenario) -> Case {
    Case {
        code,
        name,
        build,
        fires: vec![],
        severity: None,
        count: None,
    }
}

impl Case {
    fn severity(mut self, s: Severity) -> Case {
        self.severity = Some(s);
        self
    }

    fn count(mut self, n: usize) -> Case {
        self.count = Some(n);
        self
    }

    /// Moves the (first) expected finding to cluster `n`.
    fn in_cluster(mut self, n: usize) -> Case {
        if let Some(f) = self.fires.first_mut() {
            f.cluster = n;
        }
        self
    }

    /// One more finding that must be there.
    fn and(
        mut self,
        cluster: usize,
        at: FileKind,
        block: Option<usize>,
        text: &'static [&'static str],
    ) -> Case {
        self.fires.push(Fire {
            cluster,
            at,
            block,
            text,
        });
        self
    }
}

use FileKind::{CaCert, CaKey, CertChain, RootCert};

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        // ----- VI301 bundle-file-missing ---------------------------------------------------
        fire("VI301", "ca_key_missing", || missing(CaKey), CaKey, None, &[
            "`certs/cluster1/ca-key.pem` is missing",
            "silently fall back to a self-signed CA",
        ]),
        fire("VI301", "ca_cert_missing", || missing(CaCert), CaCert, None, &[
            "`certs/cluster1/ca-cert.pem` is missing",
            "does not start",
        ]),
        fire("VI301", "cert_chain_missing", || missing(CertChain), CertChain, None, &[
            "`certs/cluster1/cert-chain.pem` is missing",
        ]),
        fire("VI301", "root_cert_missing", || missing(RootCert), RootCert, None, &[
            "`certs/cluster1/root-cert.pem` is missing",
        ]),
        fire("VI301", "only_ca_key", || one(Files {
            ca_key: Pki::rsa().files().ca_key,
            ..Files::default()
        }), CertChain, None, &["is missing"]).count(3),
        fire("VI301", "ca_key_not_given_named_files", || Scenario {
            named_files: true,
            ..missing(CaKey)
        }, CaKey, None, &["`ca-key.pem` was not given (istiod needs all four files)"]),
        quiet("VI301", "good_rsa", good_rsa),
        quiet("VI301", "ca_key_present_but_empty", || with_ca_key(String::new())),
        // ----- VI302 pem-not-decodable -----------------------------------------------------
        fire("VI302", "no_value", || with_ca_key("<no value>\n".into()), CaKey, None, &[
            "`ca-key.pem` holds no PEM block",
            "`<no value>`",
            ".Data.data.<field>",
        ]),
        fire("VI302", "kv2_map_dump", || with_ca_cert(kv2_map_dump(&Pki::rsa())), CaCert, None, &[
            "`ca-cert.pem` holds no PEM block",
            "`data: map[...] metadata: map[...]` dump",
            "KV v2",
        ]),
        fire("VI302", "kv1_key_value_dump", || with_ca_key(kv1_map_dump(&Pki::rsa())), CaKey, None, &[
            "`key: value` / `map[...]` dump",
            "default template",
        ]),
        fire("VI302", "kv1_full_dump_around_a_decodable_block", || with_cert_chain(kv1_full_dump), CertChain, None, &[
            "`cert-chain.pem` is not one PEM value",
            "`key: value` / `map[...]` dump",
        ]),
        fire("VI303", "private_key_text_in_a_dump", || with_cert_chain(kv1_full_dump), CertChain, None, &[
            "`cert-chain.pem` contains private key text",
            "sends this file to every workload",
        ]),
        fire("VI302", "json_dump", || with_root_cert(json_dump), RootCert, None, &[
            "`root-cert.pem` holds no PEM block",
            "the file is JSON",
        ]),
        fire("VI302", "empty_file", || with_root_cert(|_| String::new()), RootCert, None, &[
            "`root-cert.pem` holds no PEM block",
            "the file is empty",
        ]),
        // istiod accepts an empty cert-chain.pem; VI314 says what it means for peers.
        quiet("VI302", "empty_cert_chain", || with_cert_chain(|_| String::new())),
        fire("VI314", "empty_cert_chain_under_an_intermediate", || with_cert_chain(|_| String::new()), CertChain, None, &[
            "`cert-chain.pem` is empty, so workloads send their certificate without ca-cert",
        ]),
        fire("VI302", "marker_not_at_line_start", || with_root_cert(|p| {
            p.root.pem().lines().map(|l| format!("    {l}\n")).collect()
        }), RootCert, None, &["the PEM `BEGIN` marker is not at the start of a line"]),
        fire("VI302", "plain_text", || with_ca_cert("see the attached certificate\n".into()), CaCert, None, &[
            "`ca-cert.pem` holds no PEM block: no PEM block",
        ]),
        fire("VI302", "damaged_base64", || with_cert_chain(|p| {
            let root = p.root.pem().replacen('\n', "\n@@@@\n", 3);
            p.inter.pem() + &root
        }), CertChain, Some(1), &[
            "PEM block 2 (`CERTIFICATE`) of `cert-chain.pem` is damaged",
            "base64",
        ]),
        fire("VI302", "missing_end_line", || with_root_cert(|p| {
            p.root.pem().replace("-----END CERTIFICATE-----\n", "")
        }), RootCert, Some(0), &["no `-----END CERTIFICATE-----` line closes this block"]),
        quiet("VI302", "good_rsa", good_rsa),
        quiet("VI302", "crlf_and_trailing_whitespace", good_rsa_crlf),
        quiet("VI302", "openssl_text_before_block", || with_ca_cert(with_text_dump(&Pki::rsa().inter.pem()))),
        // ----- VI303 pem-type-wrong ----------------------------------------------------------
        fire("VI303", "private_key_in_cert_chain", || with_cert_chain(|p| {
            p.inter.pem() + &p.root.pem() + &p.inter.key.ca_key()
        }), CertChain, Some(2), &[
            "`cert-chain.pem` holds a private key (`RSA PRIVATE KEY`, PEM block 3)",
            "sends this file to every workload",
            "treat that key as exposed",
        ]),
        fire("VI303", "private_key_in_root_cert", || with_root_cert(|p| {
            p.root.pem() + &p.root.key.pkcs8
        }), RootCert, Some(1), &[
            "holds a private key (`PRIVATE KEY`, PEM block 2)",
            "istio-ca-root-cert ConfigMap",
        ]),
        fire("VI303", "certificate_block_not_x509", || with_root_cert(|_| {
            pem_block("CERTIFICATE", b"definitely not a DER certificate")
        }), RootCert, Some(0), &["PEM block 1 of `root-cert.pem` is not an X.509 certificate"]),
        fire("VI303", "trusted_certificate_label", || with_ca_cert(
            pem_block("TRUSTED CERTIFICATE", &Pki::rsa().inter.der),
        ), CaCert, Some(0), &["PEM block 1 of `ca-cert.pem` is `TRUSTED CERTIFICATE`, not `CERTIFICATE`"]),
        fire("VI303", "crl_after_certificates", || with_cert_chain(|p| {
            p.inter.pem() + &p.root.pem() + &pem_block("X509 CRL", &[0x30, 0x00])
        }), CertChain, Some(2), &["PEM block 3 of `cert-chain.pem` is `X509 CRL`"])
            .severity(Severity::Warning),
        quiet("VI303", "good_rsa", good_rsa),
        quiet("VI303", "key_and_cert_in_ca_key", || {
            let pki = Pki::rsa();
            with_ca_key(pki.inter.key.ca_key() + &pki.inter.pem())
        }),
        quiet("VI303", "openssl_text_before_block", || with_root_cert(|p| with_text_dump(&p.root.pem()))),
        // ----- VI304 key-unsupported ---------------------------------------------------------
        fire("VI304", "encrypted_pkcs8", || {
            let pki = Pki::rsa();
            let der = base64::engine::general_purpose::STANDARD
                .decode(body_lines(&pki.inter.key.pkcs8).concat())
                .expect("base64");
            with_ca_key(pem_block("ENCRYPTED PRIVATE KEY", &der))
        }, CaKey, Some(0), &["`ca-key.pem` is encrypted", "passphrase"]),
        fire("VI304", "encrypted_legacy_proc_type", || with_ca_key(legacy_encrypted(&Pki::rsa())), CaKey, Some(0), &[
            "`ca-key.pem` is encrypted",
        ]),
        fire("VI304", "ec_parameters_first", || {
            let pki = Pki::ec();
            one(Files {
                ca_key: Some(EC_PARAMETERS.to_string() + &pki.inter.key.ca_key()),
                ..pki.files()
            })
        }, CaKey, Some(0), &[
            "the first block of `ca-key.pem` is `EC PARAMETERS`",
            "-noout",
        ]),
        fire("VI304", "ed25519_key", || {
            let root = Ca::self_signed(root_params("Root CA"), &Key::rsa(RSA_ROOT));
            let inter = root.issue(inter_params("cluster1"), &Key::ed25519());
            one(Pki { root, issuing: None, inter }.files())
        }, CaKey, Some(0), &["is an Ed25519 key", "does not support Ed25519"]),
        fire("VI304", "openssh_key", || with_ca_key(pem_block("OPENSSH PRIVATE KEY", b"openssh-key-v1\0")), CaKey, Some(0), &[
            "`OPENSSH PRIVATE KEY`",
        ]),
        fire("VI304", "malformed_pkcs8", || with_ca_key(pem_block("PRIVATE KEY", b"not a key")), CaKey, Some(0), &[
            "does not parse",
        ]),
        quiet("VI304", "pkcs1_rsa", good_rsa),
        quiet("VI304", "pkcs8_rsa", good_rsa_pkcs8_key),
        quiet("VI304", "sec1_ec", good_ec_sec1_key),
        quiet("VI304", "pkcs8_ec", good_ec_pkcs8_key),
        quiet("VI304", "ec_key_before_parameters", || {
            let pki = Pki::ec();
            one(Files {
                ca_key: Some(pki.inter.key.ca_key() + EC_PARAMETERS),
                ..pki.files()
            })
        }),
        quiet("VI304", "p384", || {
            let root = Ca::self_signed(root_params("Root CA"), &Key::ec(&rcgen::PKCS_ECDSA_P384_SHA384));
            let inter = root.issue(inter_params("cluster1"), &Key::ec(&rcgen::PKCS_ECDSA_P384_SHA384));
            one(Pki { root, issuing: None, inter }.files())
        }),
        // ----- VI305 key-cert-mismatch -------------------------------------------------------
        fire("VI305", "key_of_another_cert", || with_ca_key(Key::rsa(RSA_INTER2).ca_key()), CaKey, Some(0), &[
            "`ca-key.pem` (RSA 2048) is not the key of `ca-cert.pem` (CN=Intermediate CA, O=Istio, L=cluster1, RSA 2048)",
            "the cert does not match the key",
        ]),
        fire("VI305", "root_key_in_ca_key", || with_ca_key(Key::rsa(RSA_ROOT).pkcs8), CaKey, Some(0), &[
            "is not the key of `ca-cert.pem`",
        ]),
        fire("VI305", "ec_key_for_rsa_cert", || with_ca_key(Key::ec(&rcgen::PKCS_ECDSA_P256_SHA256).ca_key()), CaKey, Some(0), &[
            "`ca-key.pem` (ECDSA P-256) is not the key",
        ]),
        quiet("VI305", "good_rsa", good_rsa),
        quiet("VI305", "same_key_as_pkcs8", good_rsa_pkcs8_key),
        quiet("VI305", "same_ec_key_as_sec1", good_ec_sec1_key),
        quiet("VI305", "good_ec", good_ec),
        // ----- VI306 ca-cert-not-ca ----------------------------------------------------------
        fire("VI306", "ca_false", || one(Pki::rsa_inter(|p| p.is_ca = IsCa::ExplicitNoCa).files()), CaCert, Some(0), &[
            "`ca-cert.pem` (CN=Intermediate CA, O=Istio, L=cluster1) is not a CA",
            "its basicConstraints say CA:FALSE",
            "not authorized to sign other certificates",
        ]),
        fire("VI306", "no_basic_constraints", || one(Pki::rsa_inter(|p| p.is_ca = IsCa::NoCa).files()), CaCert, Some(0), &[
            "it has no basicConstraints extension",
        ]),
        quiet("VI306", "good_rsa", good_rsa),
        quiet("VI306", "ca_true_without_pathlen", || one(Pki::rsa_inter(|p| {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }).files())),
        // ----- VI307 ca-missing-key-cert-sign ------------------------------------------------
        fire("VI307", "intermediate_ku_without_key_cert_sign", || one(Pki::rsa_inter(|p| {
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        }).files()), CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` has a keyUsage extension without keyCertSign",
            "Envoy rejects",
        ]),
        fire("VI307", "root_ku_without_key_cert_sign", || one(Pki::rsa_with(|p| {
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign];
        }, |_| {}).files()), RootCert, Some(0), &["`CN=Root CA, O=Istio` has a keyUsage extension without keyCertSign"]),
        quiet("VI307", "ku_with_key_cert_sign", good_rsa),
        quiet("VI307", "ku_key_cert_sign_only", || one(Pki::rsa_inter(|p| {
            p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        }).files())),
        quiet("VI307", "no_key_usage_extension", || one(Pki::rsa_inter(|p| p.key_usages.clear()).files())),
        // ----- VI308 eku-incompatible ------------------------------------------------------
        fire("VI308", "eku_server_auth_only", || one(Pki::rsa_inter(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        }).files()), CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` restricts extended key usage without clientAuth",
            "mTLS breaks",
        ]),
        fire("VI308", "eku_client_auth_only", || one(Pki::rsa_inter(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }).files()), CaCert, Some(0), &["restricts extended key usage without serverAuth (istiod's start-up verification fails"]),
        fire("VI308", "root_eku_code_signing", || one(Pki::rsa_with(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        }, |_| {}).files()), RootCert, Some(0), &["`CN=Root CA, O=Istio` restricts", "without serverAuth", "and without clientAuth"]),
        quiet("VI308", "eku_server_and_client_auth", || one(Pki::rsa_inter(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        }).files())),
        quiet("VI308", "eku_any", || one(Pki::rsa_inter(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
        }).files())),
        quiet("VI308", "no_eku", good_rsa),
        // ----- VI309 unhandled-critical-extension ------------------------------------------
        fire("VI309", "unknown_critical_extension", || one(Pki::rsa_inter(|p| {
            p.custom_extensions = vec![private_extension(true)];
        }).files()), CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` has critical extension(s) Go does not handle (1.3.6.1.4.1.99999.1)",
        ]),
        fire("VI309", "unknown_critical_extension_on_root", || one(Pki::rsa_with(|p| {
            p.custom_extensions = vec![private_extension(true)];
        }, |_| {}).files()), RootCert, Some(0), &["`CN=Root CA, O=Istio` has critical extension(s)"]),
        quiet("VI309", "good_rsa", good_rsa),
        quiet("VI309", "unknown_extension_not_critical", || one(Pki::rsa_inter(|p| {
            p.custom_extensions = vec![private_extension(false)];
        }).files())),
        quiet("VI309", "critical_certificate_policies", || one(Pki::rsa_inter(|p| {
            // SEQUENCE { SEQUENCE { OID 2.5.29.32.0 (anyPolicy) } }: Go handles it.
            let mut ext = CustomExtension::from_oid_content(
                &[2, 5, 29, 32],
                vec![0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x55, 0x1d],
            );
            ext.set_criticality(true);
            p.custom_extensions = vec![ext];
        }).files())),
        // ----- VI310 insecure-signature-algorithm ------------------------------------------
        fire("VI310", "sha1_intermediate", || {
            let pki = Pki::rsa();
            let inter = pki.inter.resigned_sha1(&pki.root);
            one(Pki { inter, ..pki }.files())
        }, CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` is signed with SHA1-RSA",
            "Go refuses it",
        ]),
        fire("VI310", "sha1_root_self_signature", || {
            let pki = Pki::rsa();
            let root = pki.root.resigned_sha1(&pki.root);
            one(Pki { root, ..pki }.files())
        }, RootCert, Some(0), &["root `CN=Root CA, O=Istio` signs itself with SHA1-RSA"])
            .severity(Severity::Warning),
        quiet("VI310", "sha256", good_rsa),
        quiet("VI310", "ecdsa_sha384", || {
            let root = Ca::self_signed(root_params("Root CA"), &Key::ec(&rcgen::PKCS_ECDSA_P384_SHA384));
            let inter = root.issue(inter_params("cluster1"), &Key::ec(&rcgen::PKCS_ECDSA_P256_SHA256));
            one(Pki { root, issuing: None, inter }.files())
        }),
        // ----- VI311 weak-key ----------------------------------------------------------------
        fire("VI311", "rsa_1024_intermediate", || {
            let root = Ca::self_signed(root_params("Root CA"), &Key::rsa(RSA_ROOT));
            let inter = root.issue(inter_params("cluster1"), &Key::rsa(RSA_WEAK));
            one(Pki { root, issuing: None, inter }.files())
        }, CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` has an RSA key of 1024 bits",
            "RSA 2048+",
        ]).severity(Severity::Warning),
        quiet("VI311", "rsa_2048", good_rsa),
        quiet("VI311", "ecdsa_p256", good_ec),
        // ----- VI312 signature-invalid -----------------------------------------------------
        fire("VI312", "root_regenerated_same_name", || {
            let pki = Pki::rsa();
            let new_root = other_root("Root CA");
            one(cluster_files(&pki.inter, &new_root, &[&new_root]))
        }, CaCert, Some(0), &[
            "the signature of `CN=Intermediate CA, O=Istio, L=cluster1` does not verify with the key of `CN=Root CA, O=Istio` (root-cert.pem PEM block 1)",
            "same name, different key",
        ]),
        fire("VI312", "root_regenerated_only_root_cert_updated", || {
            let pki = Pki::rsa();
            let new_root = other_root("Root CA");
            one(Files {
                root_cert: Some(new_root.pem()),
                ..pki.files()
            })
        }, CertChain, Some(1), &[
            "cert-chain.pem holds root `CN=Root CA, O=Istio`, but the `CN=Root CA, O=Istio` in root-cert.pem (PEM block 1) has a different key",
            "re-generated",
        ]),
        quiet("VI312", "good_rsa", good_rsa),
        quiet("VI312", "old_and_new_root_during_rotation", || {
            let pki = Pki::rsa();
            let new_root = other_root("Root CA");
            one(Files {
                root_cert: Some(cat(&[&new_root, &pki.root])),
                ..pki.files()
            })
        }),
        // ----- VI313 chain-incomplete ------------------------------------------------------
        fire("VI313", "missing_middle_intermediate", || {
            let pki = Pki::three_level();
            one(Files {
                cert_chain: Some(cat(&[&pki.inter, &pki.root])),
                ..pki.files()
            })
        }, CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` is issued by `CN=Issuing CA, O=Istio`, which is in neither cert-chain.pem nor root-cert.pem",
            "certificate signed by unknown authority",
            "add the issuing CA to cert-chain.pem",
        ]),
        fire("VI313", "name_encoded_differently", name_encoded_differently, CaCert, Some(0), &[
            "is issued by `CN=Root CA, O=Istio`",
            "root-cert.pem PEM block 1 has that name as text, but encoded differently",
            "Go compares the DER bytes",
        ]),
        fire("VI313", "unrelated_root_cert", || with_root_cert(|_| other_root("Other Root CA").pem()), CertChain, Some(1), &[
            "the chain from `ca-cert.pem` ends at the root `CN=Root CA, O=Istio` (cert-chain.pem PEM block 2), which root-cert.pem does not hold",
            "put this root in root-cert.pem",
        ]),
        fire("VI313", "unrelated_root_cert_and_no_root_in_cert_chain", || {
            let pki = Pki::rsa();
            one(Files {
                cert_chain: Some(pki.inter.pem()),
                root_cert: Some(other_root("Other Root CA").pem()),
                ..pki.files()
            })
        }, CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` is issued by `CN=Root CA, O=Istio`, which is in neither",
        ]),
        quiet("VI313", "good_rsa", good_rsa),
        quiet("VI313", "three_level_complete", good_three_level),
        quiet("VI313", "root_omitted_from_cert_chain", || {
            let pki = Pki::three_level();
            one(Files {
                cert_chain: Some(cat(&[&pki.inter, pki.issuing.as_ref().expect("issuing")])),
                ..pki.files()
            })
        }),
        quiet("VI313", "same_encoding_printable_string", || {
            // Both sides PrintableString: byte-identical, so it chains.
            let mut rp = root_params("Root CA");
            rp.distinguished_name.push(DnType::CommonName, DnValue::PrintableString("Root CA".try_into().expect("printable")));
            let root = Ca::self_signed(rp, &Key::rsa(RSA_ROOT));
            let inter = root.issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
            one(Pki { root, issuing: None, inter }.files())
        }),
        // ----- VI314 cert-chain-order ------------------------------------------------------
        fire("VI314", "cert_chain_reversed", || with_cert_chain(|p| cat(&[&p.root, &p.inter])), CertChain, Some(0), &[
            "`cert-chain.pem` starts with `CN=Root CA, O=Istio`; the ca-cert is PEM block 2",
        ]),
        fire("VI314", "cert_chain_without_ca_cert", || with_cert_chain(|p| p.root.pem()), CertChain, Some(0), &[
            "does not contain ca-cert (`CN=Intermediate CA, O=Istio, L=cluster1`)",
            "CERTIFICATE_VERIFY_FAILED",
        ]),
        fire("VI314", "three_level_out_of_order", || {
            let pki = Pki::three_level();
            one(Files {
                cert_chain: Some(cat(&[&pki.inter, &pki.root, pki.issuing.as_ref().expect("issuing")])),
                ..pki.files()
            })
        }, CertChain, Some(1), &[
            "in `cert-chain.pem`, `CN=Root CA, O=Istio` (PEM block 2) does not follow its issuer order: the certificate before it (`CN=Intermediate CA, O=Istio, L=cluster1`, PEM block 1) is issued by `CN=Issuing CA, O=Istio`",
        ]).severity(Severity::Warning),
        quiet("VI314", "good_rsa", good_rsa),
        quiet("VI314", "ca_cert_only_no_root", || with_cert_chain(|p| p.inter.pem())),
        quiet("VI314", "three_level_in_order", good_three_level),
        // ----- VI315 path-length-exceeded --------------------------------------------------
        fire("VI315", "issuing_ca_pathlen_0", || one(Pki::three_level_with(None, Some(0)).files()), CertChain, Some(1), &[
            "`CN=Issuing CA, O=Istio` has pathlen:0 but 1 CA certificate(s) sit between it and a workload certificate",
            "istiod starts, but peers reject every workload certificate",
            "reissue it with pathlen:1",
        ]),
        fire("VI315", "root_pathlen_0_above_two_cas", || one(Pki::three_level_with(Some(0), Some(1)).files()), RootCert, Some(0), &[
            "`CN=Root CA, O=Istio` has pathlen:0 but 2 CA certificate(s)",
            "istiod itself fails at start",
        ]),
        quiet("VI315", "issuing_ca_pathlen_1", good_three_level),
        quiet("VI315", "pathlen_0_on_ca_cert", good_rsa),
        quiet("VI315", "root_pathlen_1_two_level", || one(Pki::rsa_with(|p| {
            p.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
        }, |_| {}).files())),
        // ----- VI316 root-not-self-signed --------------------------------------------------
        fire("VI316", "intermediate_in_root_cert", || with_root_cert(|p| p.inter.pem()), RootCert, Some(0), &[
            "ca-cert's chain ends at `CN=Intermediate CA, O=Istio, L=cluster1` in root-cert.pem, which is issued by `CN=Root CA, O=Istio`, not by itself",
        ]),
        fire("VI316", "issuing_ca_in_root_cert", || {
            let pki = Pki::three_level();
            let issuing = pki.issuing.clone().expect("issuing");
            one(Files {
                cert_chain: Some(cat(&[&pki.inter, &issuing])),
                root_cert: Some(issuing.pem()),
                ..pki.files()
            })
        }, RootCert, Some(0), &["ca-cert's chain ends at `CN=Issuing CA, O=Istio` in root-cert.pem, which is issued by `CN=Root CA, O=Istio`"]),
        fire("VI316", "root_self_signature_broken", || {
            let pki = Pki::rsa();
            let root = pki.root.tampered();
            one(Pki { root, ..pki }.files())
        }, RootCert, Some(0), &["root `CN=Root CA, O=Istio` names itself as issuer, but its own key does not verify its signature"]),
        quiet("VI316", "good_rsa", good_rsa),
        quiet("VI316", "three_level", good_three_level),
        // ----- VI317 extra-roots -----------------------------------------------------------
        fire("VI317", "two_roots", || with_root_cert(|p| p.root.pem() + &other_root("Old Root CA").pem()), RootCert, Some(1), &[
            "root-cert.pem also trusts `CN=Old Root CA, O=Istio` (not on ca-cert's chain)",
            "root rotation",
        ]),
        fire("VI317", "new_root_first", || with_root_cert(|p| other_root("New Root CA").pem() + &p.root.pem()), RootCert, Some(0), &[
            "also trusts `CN=New Root CA, O=Istio`",
        ]),
        quiet("VI317", "one_root", good_rsa),
        quiet("VI317", "same_root_twice", || with_root_cert(|p| p.root.pem() + &p.root.pem())),
        // ----- VI318 certificate-expired ---------------------------------------------------
        fire("VI318", "intermediate_expired", || expiring(EXPIRED_END), CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` (ca-cert.pem PEM block 1) expired on 2024-11-16 22:01:54 UTC (45 days ago)",
            "certificate has expired or is not yet valid",
        ]),
        fire("VI318", "intermediate_not_yet_valid", || one(Pki::rsa_inter(|p| {
            p.not_before = at(NOW + 5 * DAY);
        }).files()), CaCert, Some(0), &["is not valid until 2025-01-06"]),
        fire("VI318", "root_expired", || one(Pki::rsa_with(|p| {
            p.not_after = at(NOW - DAY);
        }, |_| {}).files()), RootCert, Some(0), &["`CN=Root CA, O=Istio` (root-cert.pem PEM block 1) expired on 2024-12-31"]),
        fire("VI318", "stale_intermediate_first_in_cert_chain", || {
            let pki = Pki::rsa();
            let mut old = inter_params("cluster1");
            old.not_after = at(EXPIRED_END);
            let old = pki.root.issue(old, &Key::rsa(RSA_INTER2));
            one(Files {
                cert_chain: Some(cat(&[&old, &pki.inter, &pki.root])),
                ..pki.files()
            })
        }, CertChain, Some(0), &["(cert-chain.pem PEM block 1) expired on 2024-11-16"]),
        quiet("VI318", "good_rsa", good_rsa),
        quiet("VI318", "expires_exactly_now", || expiring(NOW)),
        quiet("VI318", "expired_leftover_root", || with_root_cert(|p| {
            let mut old = root_params("Old Root CA");
            old.not_after = at(EXPIRED_END);
            p.root.pem() + &Ca::self_signed(old, &Key::rsa(RSA_OTHER_ROOT)).pem()
        })),
        // ----- VI319 certificate-expires-soon ----------------------------------------------
        fire("VI319", "expires_in_10_days", || expiring(NOW + 10 * DAY), CaCert, Some(0), &[
            "`CN=Intermediate CA, O=Istio, L=cluster1` expires on 2025-01-11 00:00:00 UTC, in 10 days",
        ]),
        fire("VI319", "root_expires_in_20_days", || one(Pki::rsa_with(|p| {
            p.not_after = at(NOW + 20 * DAY);
        }, |_| {}).files()), RootCert, Some(0), &["`CN=Root CA, O=Istio` expires on 2025-01-21", "in 20 days"]),
        quiet("VI319", "expires_in_40_days", || expiring(NOW + 40 * DAY)),
        quiet("VI319", "good_rsa", good_rsa),
        quiet("VI319", "already_expired", || expiring(EXPIRED_END)),
        // ----- VI320 ca-cert-extra-blocks --------------------------------------------------
        fire("VI320", "ca_cert_with_root", || with_ca_cert({
            let pki = Pki::rsa();
            cat(&[&pki.inter, &pki.root])
        }), CaCert, Some(1), &["`ca-cert.pem` holds 2 PEM blocks; istiod uses only the first"]),
        quiet("VI320", "one_block", good_rsa),
        quiet("VI320", "openssl_text_before_block", || with_ca_cert(with_text_dump(&Pki::rsa().inter.pem()))),
        // ----- VI601 cross-cluster-untrusted -----------------------------------------------
        fire("VI601", "different_roots", || {
            let (r1, r2) = (Pki::rsa().root, other_root("Root CA 2"));
            let (i1, i2) = (cluster_inter(&r1, "cluster1", RSA_INTER), cluster_inter(&r2, "cluster2", RSA_INTER2));
            mesh(vec![cluster_files(&i1, &r1, &[&r1]), cluster_files(&i2, &r2, &[&r2])])
        }, CaCert, Some(0), &[
            "workloads of certs/cluster1 (CA `CN=Intermediate CA, O=Istio, L=cluster1`) are not trusted by certs/cluster2",
            "cross-cluster mTLS fails",
        ]).and(2, CaCert, Some(0), &[
            "workloads of certs/cluster2 (CA `CN=Intermediate CA, O=Istio, L=cluster2`) are not trusted by certs/cluster1",
        ]).count(2),
        fire("VI601", "same_root_name_different_key", || {
            let (r1, r2) = (Pki::rsa().root, other_root("Root CA"));
            let (i1, i2) = (cluster_inter(&r1, "cluster1", RSA_INTER), cluster_inter(&r2, "cluster2", RSA_INTER2));
            mesh(vec![cluster_files(&i1, &r1, &[&r1]), cluster_files(&i2, &r2, &[&r2])])
        }, CaCert, Some(0), &["not trusted by certs/cluster2"])
            .and(2, CaCert, Some(0), &["not trusted by certs/cluster1"]).count(2),
        fire("VI601", "one_direction_only", || {
            let (r1, r2) = (Pki::rsa().root, other_root("Root CA 2"));
            let (i1, i2) = (cluster_inter(&r1, "cluster1", RSA_INTER), cluster_inter(&r2, "cluster2", RSA_INTER2));
            mesh(vec![cluster_files(&i1, &r1, &[&r1]), cluster_files(&i2, &r2, &[&r2, &r1])])
        }, CaCert, Some(0), &["workloads of certs/cluster2", "not trusted by certs/cluster1"])
            .in_cluster(2).count(1),
        quiet("VI601", "shared_root", shared_root_mesh),
        quiet("VI601", "both_roots_everywhere", || {
            let (r1, r2) = (Pki::rsa().root, other_root("Root CA 2"));
            let (i1, i2) = (cluster_inter(&r1, "cluster1", RSA_INTER), cluster_inter(&r2, "cluster2", RSA_INTER2));
            mesh(vec![cluster_files(&i1, &r1, &[&r1, &r2]), cluster_files(&i2, &r2, &[&r2, &r1])])
        }),
        // ----- VI602 shared-intermediate-key -----------------------------------------------
        fire("VI602", "shared_intermediate_key", || {
            let root = Pki::rsa().root;
            let (i1, i2) = (cluster_inter(&root, "cluster1", RSA_INTER), cluster_inter(&root, "cluster2", RSA_INTER));
            mesh(vec![cluster_files(&i1, &root, &[&root]), cluster_files(&i2, &root, &[&root])])
        }, CaCert, Some(0), &["certs/cluster1 and certs/cluster2 sign with the same intermediate key"])
            .in_cluster(2).count(1),
        fire("VI602", "same_bundle_copied_to_three_clusters", || {
            let f = Pki::rsa().files();
            mesh(vec![f.clone(), f.clone(), f])
        }, CaCert, Some(0), &["certs/cluster1 and certs/cluster2"])
            .in_cluster(2)
            .and(3, CaCert, Some(0), &["certs/cluster1 and certs/cluster3"])
            .count(2),
        quiet("VI602", "distinct_keys", shared_root_mesh),
        quiet("VI602", "single_bundle", good_rsa),
        // ----- found in review: shapes real PKIs have ------------------------------------
        fire("VI321", "issuing_ca_without_basic_constraints", || issuing_not_ca(|p| p.is_ca = IsCa::NoCa), CertChain, Some(1), &[
            "`CN=Issuing CA, O=Istio` (cert-chain.pem PEM block 2) would issue `CN=Intermediate CA, O=Istio, L=cluster1`",
            "it has no basicConstraints extension",
        ]),
        fire("VI321", "issuing_ca_with_ca_false", || issuing_not_ca(|p| p.is_ca = IsCa::ExplicitNoCa), CertChain, Some(1), &[
            "its basicConstraints say CA:FALSE",
        ]),
        quiet("VI321", "issuing_ca_is_a_ca", good_three_level),
        fire("VI322", "outer_signature_algorithm_differs_from_inner", || {
            let pki = Pki::rsa();
            one(Files { ca_cert: Some(pki.inter.outer_algorithm_sha384().pem()), ..pki.files() })
        }, CaCert, Some(0), &["Go refuses to parse `CN=Intermediate CA, O=Istio, L=cluster1` (ca-cert.pem PEM block 1)"]),
        quiet("VI322", "conforming_certificates", good_rsa),
        // root-cert.pem holds the issuing CA and the root (Vault PKI's ca_chain): Envoy goes
        // on from the issuing CA to the self-signed root, so nothing is wrong.
        quiet("VI316", "issuing_ca_and_root_in_root_cert", issuing_and_root_in_root_cert),
        quiet("VI317", "issuing_ca_and_root_in_root_cert", issuing_and_root_in_root_cert),
        quiet("VI313", "issuing_ca_and_root_in_root_cert", issuing_and_root_in_root_cert),
        // An expired copy of the root next to its renewal (same subject and key).
        quiet("VI318", "expired_root_copy_beside_its_renewal", renewed_root),
        quiet("VI317", "expired_root_copy_beside_its_renewal", renewed_root),
        // ca-cert is the root itself: an empty cert-chain.pem is what istiod expects.
        quiet("VI302", "ca_cert_is_the_root_with_empty_cert_chain", self_root_empty_chain),
        quiet("VI314", "ca_cert_is_the_root_with_empty_cert_chain", self_root_empty_chain),
        fire("VI318", "ca_cert_is_an_expired_root", || {
            let mut s = self_root_empty_chain();
            s.now = ROOT_END + DAY;
            s
        }, CaCert, Some(0), &["(ca-cert.pem PEM block 1) expired on"]),
        // A cross-signed copy of the issuing CA first in cert-chain.pem: Go backtracks to
        // the copy signed by the trusted root, peers (OpenSSL/BoringSSL) do not.
        fire("VI314", "cross_signed_copy_first", cross_signed_first, CertChain, Some(1), &[
            "peers check the chain a workload sends in cert-chain.pem order and do not backtrack",
            "issued by `CN=Other Root, O=Istio`",
        ]),
        quiet("VI313", "cross_signed_copy_first", cross_signed_first),
        quiet("VI314", "cross_signed_copy_after_the_good_one", cross_signed_last),
        // Many self-signed certificates with one name and key: bounded work, a clear end.
        fire("VI313", "many_same_name_same_key_certificates", same_name_loop, CertChain, Some(1), &[
            "ends at the root `CN=Loop CA, O=Istio` (cert-chain.pem PEM block 2), which root-cert.pem does not hold",
        ]),
    ]
}

fn shared_root_mesh() -> Scenario {
    let root = Pki::rsa().root;
    let (i1, i2) = (
        cluster_inter(&root, "cluster1", RSA_INTER),
        cluster_inter(&root, "cluster2", RSA_INTER2),
    );
    mesh(vec![
        cluster_files(&i1, &root, &[&root]),
        cluster_files(&i2, &root, &[&root]),
    ])
}

/// The root's CN is a PrintableString, the intermediate's issuer CN a UTF8String: the same
/// text, different bytes (OpenSSL and Go's defaults differ like this).
fn name_encoded_differently() -> Scenario {
    let mut printable = root_params("Root CA");
    printable.distinguished_name.push(
        DnType::CommonName,
        DnValue::PrintableString("Root CA".try_into().expect("printable")),
    );
    let root = Ca::self_signed(printable, &Key::rsa(RSA_ROOT));
    // Same key, same name as text, UTF8String encoding.
    let utf8_twin = Ca {
        params: root_params("Root CA"),
        ..root.clone()
    };
    let inter = utf8_twin.issue(inter_params("cluster1"), &Key::rsa(RSA_INTER));
    one(Pki {
        root,
        issuing: None,
        inter,
    }
    .files())
}

fn private_extension(critical: bool) -> CustomExtension {
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
    ext.set_criticality(critical);
    ext
}

/// What `openssl ecparam -genkey` writes before the key.
const EC_PARAMETERS: &str =
    "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";

/// A legacy OpenSSL encrypted PKCS#1 key (`openssl genrsa -aes256`): RFC 1421 headers.
fn legacy_encrypted(pki: &Pki) -> String {
    let pkcs1 = pki.inter.key.ca_key();
    pkcs1.replacen(
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,3F1A2B4C5D6E7F8091A2B3C4D5E6F708\n\n",
        1,
    )
}

// =============================================================================================
// Running the table
// =============================================================================================

fn describe(f: &Finding) -> String {
    format!(
        "    {} {} at {}: {}{}",
        f.code,
        f.severity,
        f.location.describe(),
        f.message,
        f.help
            .as_ref()
            .map(|h| format!(" [help: {h}]"))
            .unwrap_or_default()
    )
}

fn dump(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "    (no findings)".into();
    }
    findings.iter().map(describe).collect::<Vec<_>>().join("\n")
}

/// Every PEM location must point at the BEGIN line of its block: line `line` of the file is
/// the `block`-th (0-based) line starting with `-----BEGIN `.
fn check_locations(sc: &Scenario, findings: &[Finding]) -> Result<(), String> {
    for f in findings {
        let Location::Pem {
            file, block, line, ..
        } = &f.location
        else {
            return Err(format!("not a PEM location:\n{}", describe(f)));
        };
        let Some(text) = sc.text_of(file) else {
            // A missing file: no text, no block.
            if block.is_some() || line.is_some() {
                return Err(format!("block in a missing file:\n{}", describe(f)));
            }
            continue;
        };
        match (block, line) {
            (None, None) => {}
            (Some(b), Some(l)) => {
                let begins: Vec<usize> = text
                    .lines()
                    .enumerate()
                    .filter(|(_, t)| t.starts_with("-----BEGIN "))
                    .map(|(i, _)| i + 1)
                    .collect();
                if begins.get(*b) != Some(&(*l as usize)) {
                    return Err(format!(
                        "block {b} / line {l} is not a BEGIN line of {file} (BEGIN lines: {begins:?}):\n{}",
                        describe(f)
                    ));
                }
            }
            _ => return Err(format!("block and line disagree:\n{}", describe(f))),
        }
    }
    Ok(())
}

fn file_of(fire: &Fire) -> String {
    format!("{}/{}", label(fire.cluster - 1), fire.at.file_name())
}

fn run_case(case: &Case) -> Result<(), String> {
    let rule = vault_istio::rules::find(case.code).ok_or("no such rule")?;
    let sc = (case.build)();
    let report = sc.run();
    check_locations(&sc, &report.findings)?;
    let mine: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.code == case.code)
        .collect();
    let all = dump(&report.findings);
    if case.fires.is_empty() {
        if !mine.is_empty() {
            return Err(format!("expected no {}, got:\n{all}", case.code));
        }
        return Ok(());
    }
    if mine.is_empty() {
        return Err(format!("expected {} to fire, got:\n{all}", case.code));
    }
    for f in &mine {
        if f.name != rule.meta.name {
            return Err(format!("wrong rule name {}:\n{all}", f.name));
        }
        let want = case.severity.unwrap_or(rule.meta.severity);
        if f.severity != want {
            return Err(format!("expected severity {want}:\n{}", describe(f)));
        }
    }
    for fire in &case.fires {
        let file = file_of(fire);
        let found = mine.iter().any(|f| {
            let Location::Pem {
                file: ffile, block, ..
            } = &f.location
            else {
                return false;
            };
            let text = format!("{} {}", f.message, f.help.as_deref().unwrap_or(""));
            *ffile == file && *block == fire.block && fire.text.iter().all(|t| text.contains(t))
        });
        if !found {
            return Err(format!(
                "no {} at {file} block {:?} saying {:?}; got:\n{all}",
                case.code, fire.block, fire.text
            ));
        }
    }
    if let Some(n) = case.count
        && mine.len() != n
    {
        return Err(format!(
            "expected {n} finding(s) of {}, got {}:\n{all}",
            case.code,
            mine.len()
        ));
    }
    Ok(())
}

#[test]
fn every_case_of_the_table() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case) {
            let kind = if case.fires.is_empty() {
                "quiet"
            } else {
                "fires"
            };
            failures.push(format!("{} {kind} `{}`: {e}", case.code, case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn case_names_are_unique_and_name_bundle_rules() {
    let cases = cases();
    let mut seen = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(
            seen.insert((c.code, c.name)),
            "duplicate case {} {}",
            c.code,
            c.name
        );
        let rule =
            vault_istio::rules::find(c.code).unwrap_or_else(|| panic!("{}: no such rule", c.code));
        assert!(
            matches!(rule.check, Check::Bundle(_) | Check::Mesh(_)),
            "{} is not a bundle or mesh rule",
            c.code
        );
    }
}

/// Every bundle and mesh rule has at least one firing and one quiet case.
#[test]
fn every_bundle_and_mesh_rule_is_covered() {
    let cases = cases();
    let mut missing = Vec::new();
    for rule in RULES
        .iter()
        .filter(|r| matches!(r.check, Check::Bundle(_) | Check::Mesh(_)))
    {
        let code = rule.meta.code;
        if !cases.iter().any(|c| c.code == code && !c.fires.is_empty()) {
            missing.push(format!("{code}: no firing case"));
        }
        if !cases.iter().any(|c| c.code == code && c.fires.is_empty()) {
            missing.push(format!("{code}: no quiet case"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The good bundles, and the harmless variants istiod accepts, give no error or warning
/// from any rule, and the summary shows an anchored chain with a matching key.
#[test]
fn good_bundles_are_clean() {
    for (name, build, chain_len) in [
        ("good_rsa", good_rsa as fn() -> Scenario, 2),
        ("good_ec", good_ec, 2),
        ("good_three_level", good_three_level, 3),
        ("good_rsa_crlf", good_rsa_crlf, 2),
        ("good_rsa_pkcs8_key", good_rsa_pkcs8_key, 2),
        ("good_ec_sec1_key", good_ec_sec1_key, 2),
        ("good_ec_pkcs8_key", good_ec_pkcs8_key, 2),
    ] {
        let report = build().run();
        let bad: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .collect();
        assert!(bad.is_empty(), "{name}:\n{}", dump(&report.findings));
        let b = &report.bundles[0];
        assert!(b.anchored, "{name}: chain not anchored");
        assert_eq!(b.chain.len(), chain_len, "{name}: {:?}", b.chain);
        assert_eq!(b.key_matches, Some(true), "{name}");
        assert_eq!(b.chain[0].file, "ca-cert.pem", "{name}");
        assert_eq!(b.chain[0].days_left, 365, "{name}");
        assert!(report.trust.is_none());
    }
}

#[test]
fn ignore_option_skips_rules() {
    let sc = missing(CaKey);
    let report = verify::verify(
        &sc.inputs(),
        &Options {
            now: NOW,
            expires_within: 30 * DAY,
            ignore: vec!["vi301".into(), "key-cert-mismatch".into()],
        },
    );
    assert!(
        report.findings.iter().all(|f| f.code != "VI301"),
        "{}",
        dump(&report.findings)
    );
}

#[test]
fn expires_within_is_the_warning_window() {
    let sc = expiring(NOW + 40 * DAY);
    let report = verify::verify(
        &sc.inputs(),
        &Options {
            now: NOW,
            expires_within: 60 * DAY,
            ignore: vec![],
        },
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "VI319" && f.message.contains("in 40 days")),
        "{}",
        dump(&report.findings)
    );
}

// =============================================================================================
// Istio's own sample certificates
// =============================================================================================

fn upstream_cluster(n: u32) -> BundleInput {
    let dir = format!(
        "{}/../tests/fixtures/upstream-seed/certs/istiod-cluster{n}",
        env!("CARGO_MANIFEST_DIR")
    );
    BundleInput {
        label: format!("istiod-cluster{n}"),
        origin: dir.clone(),
        embedded: false,
        named_files: false,
        members: FileKind::ALL
            .into_iter()
            .map(|kind| {
                let file = format!("{dir}/{}", kind.file_name());
                let text = std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
                Member {
                    kind,
                    file,
                    member: None,
                    text,
                }
            })
            .collect(),
    }
}

#[test]
fn upstream_sample_certificates() {
    let inputs = [upstream_cluster(1), upstream_cluster(2)];
    let opts = |now| Options {
        now,
        expires_within: 30 * DAY,
        ignore: vec![],
    };

    let late = verify::verify(&inputs, &opts(date(2026, time::Month::November, 30)));
    let errors: Vec<&Finding> = late
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 2, "{}", dump(&late.findings));
    for (n, f) in errors.iter().enumerate() {
        assert_eq!(f.code, "VI318", "{}", dump(&late.findings));
        assert!(f.message.contains("2024-11-16"), "{}", f.message);
        assert!(
            f.location
                .file()
                .ends_with(&format!("istiod-cluster{}/ca-cert.pem", n + 1)),
            "{}",
            describe(f)
        );
    }
    assert!(late.findings.iter().all(|f| f.code != "VI601"));
    let trust = late.trust.as_ref().expect("trust summary for two bundles");
    assert_eq!(trust.bundles, 2);
    assert_eq!(trust.shared_roots, vec!["CN=Root CA, O=Istio".to_string()]);
    assert!(trust.mutual);
    for b in &late.bundles {
        assert!(b.anchored);
        assert_eq!(b.key_matches, Some(true));
        assert_eq!(b.key.as_deref(), Some("RSA 4096"));
        assert_eq!(b.chain[0].not_after, "2024-11-16");
        assert!(b.chain[0].days_left < 0);
    }

    let early = verify::verify(&inputs, &opts(date(2023, time::Month::June, 1)));
    assert!(
        early.findings.iter().all(|f| f.severity < Severity::Error),
        "{}",
        dump(&early.findings)
    );
    assert!(early.trust.as_ref().is_some_and(|t| t.mutual));
}

// =============================================================================================
// Secret hygiene
// =============================================================================================

/// Bundles whose findings are about the key, with the private key texts they hold.
fn key_scenarios() -> Vec<(&'static str, Scenario, Vec<String>)> {
    let pki = Pki::rsa();
    let other = Key::rsa(RSA_INTER2);
    let ed = Key::ed25519();
    let ed_inter = pki.root.issue(inter_params("cluster1"), &ed);
    let encrypted = pki
        .inter
        .key
        .pkcs8
        .replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
    let legacy = legacy_encrypted(&pki);
    let ec = Pki::ec();
    vec![
        (
            "mismatch",
            one(Files {
                ca_key: Some(other.ca_key()),
                ..pki.files()
            }),
            vec![other.ca_key()],
        ),
        (
            "encrypted",
            one(Files {
                ca_key: Some(encrypted.clone()),
                ..pki.files()
            }),
            vec![encrypted],
        ),
        (
            "legacy_encrypted",
            one(Files {
                ca_key: Some(legacy.clone()),
                ..pki.files()
            }),
            vec![legacy],
        ),
        (
            "ed25519",
            one(Pki {
                inter: ed_inter,
                ..pki.clone()
            }
            .files()),
            vec![ed.pkcs8.clone()],
        ),
        (
            "ec_parameters_first",
            one(Files {
                ca_key: Some(EC_PARAMETERS.to_string() + &ec.inter.key.ca_key()),
                ..ec.files()
            }),
            vec![ec.inter.key.ca_key()],
        ),
        (
            "key_in_cert_chain_and_root_cert",
            one(Files {
                cert_chain: Some(pki.inter.pem() + &pki.root.pem() + &pki.inter.key.ca_key()),
                root_cert: Some(pki.root.pem() + &pki.root.key.pkcs8),
                ..pki.files()
            }),
            vec![pki.inter.key.ca_key(), pki.root.key.pkcs8.clone()],
        ),
        (
            "map_dumps",
            one(Files {
                ca_key: Some(kv1_map_dump(&pki)),
                ca_cert: Some(kv2_map_dump(&pki)),
                ..pki.files()
            }),
            vec![pki.inter.key.ca_key()],
        ),
        (
            "mesh_mismatch",
            mesh(vec![
                Files {
                    ca_key: Some(other.ca_key()),
                    ..pki.files()
                },
                pki.files(),
            ]),
            vec![other.ca_key(), pki.inter.key.ca_key()],
        ),
    ]
}

#[test]
fn no_output_shows_a_private_key() {
    for (name, sc, keys) in key_scenarios() {
        let inputs = sc.inputs();
        let report = sc.run();
        assert!(
            !report.findings.is_empty(),
            "{name}: expected findings about the key"
        );
        let input = RenderInput {
            findings: &report.findings,
            sources: &[],
            checked: (inputs.len(), "bundle", "bundles"),
        };
        let outputs = [
            ("json", json::render_verify(&report)),
            ("sarif", sarif::render(&report.findings)),
            ("chains", text::render_chains(&report, false)),
            ("chains-color", text::render_chains(&report, true)),
            ("text", text::render(&input, false)),
            ("text-color", text::render(&input, true)),
            ("debug-report", format!("{report:?}")),
            ("debug-inputs", format!("{inputs:?}")),
        ];
        let mut pieces = 0;
        for key in &keys {
            for line in body_lines(key) {
                let chars: Vec<char> = line.chars().collect();
                for w in chars.windows(12) {
                    let piece: String = w.iter().collect();
                    pieces += 1;
                    for (format, out) in &outputs {
                        assert!(
                            !out.contains(&piece),
                            "{name}: the {format} output contains `{piece}` from a private key"
                        );
                    }
                }
            }
        }
        assert!(
            pieces > 50,
            "{name}: the keys have too little text ({pieces})"
        );
    }
}

/// The template-mistake hints are shown in findings, which go through `finding::redact`:
/// a literal PEM BEGIN marker in a hint would be eaten with everything after it.
#[test]
fn pem_hints_survive_redaction() {
    use vault_istio::bundle::pem::NotPem;
    for hint in [
        NotPem::Empty,
        NotPem::NoValue,
        NotPem::Kv2MapDump,
        NotPem::MapDump,
        NotPem::Json,
        NotPem::MisplacedMarker,
        NotPem::Other,
    ]
    .map(NotPem::hint)
    {
        assert_eq!(vault_istio::finding::redact(hint), hint);
    }
}
