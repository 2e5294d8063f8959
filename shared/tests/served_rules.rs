#![cfg(not(target_arch = "wasm32"))]
//! The served-file (VI740–VI746) rules of `verify --gateway` on generated certificates.
//!
//! rcgen issues, at a fixed clock, a root → issuing CA → leaf hierarchy with P-256 keys and
//! lays it out as a gateway's rendered files (`tls.crt` leaf first, `tls.key`, `ca.crt`).
//! A table gives, for every served rule, file sets on which it must fire (with the file, the
//! PEM block and a piece of the message) and close misses on which it must stay quiet;
//! then: the healthy files are clean under every rule, `--ignore` works, the Gateway hosts
//! are read from manifests, and no output format ever shows a byte of the private key.

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use vault_istio::SourceFile;
use vault_istio::finding::{Finding, Location, Severity};
use vault_istio::gateway::served::{ServedInput, ServedSummary, gateway_hosts, verify_served};
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::rules::{Check, RULES};

const DAY: i64 = 86_400;
/// 2025-01-01T00:00:00Z: "now" for every case.
const NOW: i64 = 1_735_689_600;
const WINDOW: i64 = 30 * DAY;

fn at(ts: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(ts).expect("timestamp")
}

// =============================================================================================
// Certificates
// =============================================================================================

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn issue(&self, params: CertificateParams, key: &KeyPair) -> String {
        let issuer = Issuer::from_params(&self.params, &self.key);
        params.signed_by(key, &issuer).expect("sign").pem()
    }
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("p256")
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Example");
    dn.push(DnType::CommonName, cn);
    dn
}

fn ca_params(cn: &str, pathlen: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(match pathlen {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = at(NOW - 400 * DAY);
    p.not_after = at(NOW + 3000 * DAY);
    p
}

fn root() -> Ca {
    let params = ca_params("Root CA", None);
    let key = p256();
    let pem = params.self_signed(&key).expect("self-sign").pem();
    Ca { params, key, pem }
}

fn issuing(root: &Ca) -> Ca {
    let params = ca_params("Issuing CA", Some(0));
    let key = p256();
    let pem = root.issue(params.clone(), &key);
    Ca { params, key, pem }
}

/// A Vault PKI style leaf: the first name as CN, every name as a DNS SAN.
struct Leaf {
    names: Vec<&'static str>,
    eku: Vec<ExtendedKeyUsagePurpose>,
    not_before: i64,
    not_after: i64,
}

impl Default for Leaf {
    fn default() -> Self {
        Leaf {
            names: vec!["shop.example.com", "api.example.com"],
            eku: vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
            not_before: NOW - DAY,
            not_after: NOW + 60 * DAY,
        }
    }
}

impl Leaf {
    fn params(&self) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name = dn(self.names.first().copied().unwrap_or("leaf"));
        p.subject_alt_names = self
            .names
            .iter()
            .map(|n| SanType::DnsName((*n).try_into().expect("dns name")))
            .collect();
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = self.eku.clone();
        p.not_before = at(self.not_before);
        p.not_after = at(self.not_after);
        p.use_authority_key_identifier_extension = true;
        p
    }
}

/// A PKI and one leaf issued by its issuing CA.
struct Pki {
    root: Ca,
    issuing: Ca,
    leaf: String,
    key: KeyPair,
}

impl Pki {
    fn with(leaf: Leaf) -> Pki {
        let root = root();
        let issuing = issuing(&root);
        let key = p256();
        let leaf = issuing.issue(leaf.params(), &key);
        Pki {
            root,
            issuing,
            leaf,
            key,
        }
    }

    fn new() -> Pki {
        Pki::with(Leaf::default())
    }

    /// What the injector renders for a healthy ingress gateway: leaf + issuing CA, the
    /// key (PKCS#8, as Vault PKI returns it), the root as `ca.crt`.
    fn files(&self) -> Files {
        Files {
            cert: format!("{}{}", self.leaf, self.issuing.pem),
            key: Some(self.key.serialize_pem()),
            ca: Some(self.root.pem.clone()),
            hosts: vec!["shop.example.com".into(), "api.example.com".into()],
            client: false,
        }
    }
}

// =============================================================================================
// Files and cases
// =============================================================================================

#[derive(Clone)]
struct Files {
    cert: String,
    key: Option<String>,
    ca: Option<String>,
    hosts: Vec<String>,
    client: bool,
}

impl Files {
    fn input(&self) -> ServedInput {
        let (crt, key) = if self.client {
            ("client.crt", "client.key")
        } else {
            ("tls.crt", "tls.key")
        };
        ServedInput {
            dir_label: "gw".into(),
            cert: SourceFile::new(format!("gw/{crt}"), self.cert.clone()),
            key: self
                .key
                .as_ref()
                .map(|k| SourceFile::new(format!("gw/{key}"), k.clone())),
            ca: self
                .ca
                .as_ref()
                .map(|c| SourceFile::new("gw/ca.crt", c.clone())),
            hosts: self.hosts.clone(),
            client: self.client,
        }
    }

    fn run(&self) -> (Vec<Finding>, Vec<ServedSummary>) {
        verify_served(&[self.input()], NOW, WINDOW, &[])
    }

    fn hosts(mut self, hosts: &[&str]) -> Files {
        self.hosts = hosts.iter().map(|h| h.to_string()).collect();
        self
    }
}

/// Where a finding must be: the file, the 0-based PEM block (None: the whole file), a piece
/// of the message, and the severity.
struct Fire {
    file: &'static str,
    block: Option<usize>,
    text: &'static str,
    severity: Severity,
}

struct Case {
    code: &'static str,
    name: &'static str,
    files: Files,
    /// Empty: the rule must stay quiet.
    fires: Vec<Fire>,
}

fn fire(code: &'static str, name: &'static str, files: Files, fires: Vec<Fire>) -> Case {
    Case {
        code,
        name,
        files,
        fires,
    }
}

fn quiet(code: &'static str, name: &'static str, files: Files) -> Case {
    Case {
        code,
        name,
        files,
        fires: Vec::new(),
    }
}

fn at_block(file: &'static str, block: usize, text: &'static str) -> Fire {
    Fire {
        file,
        block: Some(block),
        text,
        severity: Severity::Error,
    }
}

fn at_file(file: &'static str, text: &'static str) -> Fire {
    Fire {
        file,
        block: None,
        text,
        severity: Severity::Error,
    }
}

fn warn(mut f: Fire) -> Fire {
    f.severity = Severity::Warning;
    f
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

/// An RSA-1024 key (PKCS#1): Envoy refuses it.
fn rsa_1024() -> String {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let mut rng = getrandom::SysRng;
    let k = rsa::PrivateKey::new(&mut rng, 1024).expect("rsa keygen");
    k.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pkcs1")
        .to_string()
}

/// The same P-256 key as SEC1 (`EC PRIVATE KEY`) with the curve named, as `openssl ec`
/// writes it (PKCS#8 keeps the curve outside the inner key).
fn sec1(key: &KeyPair) -> String {
    use pkcs8::der::Decode as _;
    const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).expect("pkcs8");
    let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).expect("sec1");
    let mut parts = vec![
        vec![0x02, 0x01, 0x01],
        der_tlv(0x04, ec.private_key),
        der_tlv(0xa0, OID_P256),
    ];
    if let Some(p) = ec.public_key {
        let mut bits = vec![0u8];
        bits.extend_from_slice(p);
        parts.push(der_tlv(0xa1, &der_tlv(0x03, &bits)));
    }
    pem_block("EC PRIVATE KEY", &der_tlv(0x30, &parts.concat()))
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

fn cases() -> Vec<Case> {
    let pki = Pki::new();
    let good = pki.files();
    let other_key = p256().serialize_pem();
    let mut out = Vec::new();

    // VI740 served-cert-unreadable
    out.push(quiet("VI740", "healthy_pkcs8_key", good.clone()));
    out.push(quiet(
        "VI740",
        "sec1_key",
        Files {
            key: Some(sec1(&pki.key)),
            ..good.clone()
        },
    ));
    out.push(quiet(
        "VI740",
        "no_ca_crt",
        Files {
            ca: None,
            ..good.clone()
        },
    ));
    // Go's tls.X509KeyPair tries PKCS#1, PKCS#8 and SEC1 whatever the label says.
    out.push(quiet(
        "VI740",
        "pkcs8_body_under_an_rsa_label",
        Files {
            key: Some(
                pki.key
                    .serialize_pem()
                    .replace("PRIVATE KEY", "RSA PRIVATE KEY"),
            ),
            ..good.clone()
        },
    ));
    out.push(fire(
        "VI740",
        "cert_no_value",
        Files {
            cert: "<no value>\n".into(),
            ..good.clone()
        },
        vec![at_file("gw/tls.crt", "`tls.crt` holds no PEM block (so pilot-agent has nothing to serve): the file says `<no value>`")],
    ));
    out.push(fire(
        "VI740",
        "key_missing",
        Files {
            key: None,
            ..good.clone()
        },
        vec![at_file(
            "gw/tls.key",
            "`gw/tls.key` is missing: pilot-agent cannot load `tls.crt` without its private key",
        )],
    ));
    out.push(fire(
        "VI740",
        "client_key_missing",
        Files {
            key: None,
            client: true,
            ..good.clone()
        },
        vec![at_file("gw/client.key", "`gw/client.key` is missing")],
    ));
    out.push(fire(
        "VI740",
        "key_file_holds_a_certificate",
        Files {
            key: Some(pki.leaf.clone()),
            ..good.clone()
        },
        vec![at_file(
            "gw/tls.key",
            "`tls.key` holds no private key (its PEM blocks are `CERTIFICATE`)",
        )],
    ));
    out.push(fire(
        "VI740",
        "encrypted_pkcs8",
        Files {
            key: Some(pem_block(
                "ENCRYPTED PRIVATE KEY",
                &[0x30, 0x03, 0x02, 0x01, 0x00],
            )),
            ..good.clone()
        },
        vec![at_block(
            "gw/tls.key",
            0,
            "the private key in `tls.key` is encrypted",
        )],
    ));
    out.push(fire(
        "VI740",
        "encrypted_legacy_headers",
        Files {
            key: Some("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAEC\n-----END EC PRIVATE KEY-----\n".into()),
            ..good.clone()
        },
        vec![at_block("gw/tls.key", 0, "is encrypted: Envoy cannot use an encrypted key")],
    ));
    out.push(fire(
        "VI740",
        "damaged_certificate_block",
        Files {
            cert: format!(
                "{}-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n-----END CERTIFICATE-----\n",
                pki.leaf
            ),
            ..good.clone()
        },
        vec![at_block("gw/tls.crt", 1, "`tls.crt` PEM block 2 cannot be read as a certificate: the block's base64 does not decode")],
    ));
    out.push(fire(
        "VI740",
        "rsa_1024_key",
        Files {
            key: Some(rsa_1024()),
            ..good.clone()
        },
        vec![at_block(
            "gw/tls.key",
            0,
            "the RSA key in `tls.key` has 1024 bits: Envoy refuses RSA keys under 2048 bits",
        )],
    ));
    out.push(fire(
        "VI740",
        "ca_crt_empty",
        Files {
            ca: Some(String::new()),
            ..good.clone()
        },
        vec![at_file("gw/ca.crt", "`ca.crt` holds no PEM block (so client certificates cannot be checked against it): the file is empty")],
    ));

    // VI741 served-cert-not-leaf-first
    out.push(quiet("VI741", "leaf_first", good.clone()));
    out.push(quiet(
        "VI741",
        "leaf_only",
        Files {
            cert: pki.leaf.clone(),
            ..good.clone()
        },
    ));
    out.push(fire(
        "VI741",
        "ca_first",
        Files {
            cert: format!("{}{}", pki.issuing.pem, pki.leaf),
            ..good.clone()
        },
        vec![at_block("gw/tls.crt", 0, "`tls.crt` starts with `CN=Issuing CA, O=Example` (a CA), but `tls.key` belongs to PEM block 2 (`CN=shop.example.com, O=Example`)")],
    ));
    out.push(fire(
        "VI741",
        "ca_first_without_key",
        Files {
            cert: format!("{}{}", pki.issuing.pem, pki.leaf),
            key: None,
            ..good.clone()
        },
        vec![at_block(
            "gw/tls.crt",
            0,
            "but the first non-CA certificate is PEM block 2",
        )],
    ));
    let old = Pki::new();
    out.push(fire(
        "VI741",
        "key_belongs_to_the_second_leaf",
        Files {
            cert: format!("{}{}{}", old.leaf, pki.leaf, pki.issuing.pem),
            ..good.clone()
        },
        vec![at_block(
            "gw/tls.crt",
            0,
            "`tls.key` belongs to PEM block 2",
        )],
    ));

    // VI742 served-key-mismatch
    out.push(quiet("VI742", "matching_key", good.clone()));
    out.push(quiet(
        "VI742",
        "ca_first_is_vi741s",
        Files {
            cert: format!("{}{}", pki.issuing.pem, pki.leaf),
            ..good.clone()
        },
    ));
    out.push(quiet(
        "VI742",
        "no_key",
        Files {
            key: None,
            ..good.clone()
        },
    ));
    out.push(fire(
        "VI742",
        "key_of_another_issuance",
        Files {
            key: Some(other_key.clone()),
            ..good.clone()
        },
        vec![at_block("gw/tls.key", 0, "the ECDSA P-256 key in `tls.key` matches no certificate of `tls.crt` (the first is `CN=shop.example.com, O=Example`, ECDSA P-256)")],
    ));

    // VI743 served-chain-incomplete
    out.push(quiet("VI743", "leaf_and_issuer", good.clone()));
    out.push(quiet(
        "VI743",
        "leaf_then_ca_first_order_still_has_the_issuer",
        Files {
            cert: format!("{}{}", pki.issuing.pem, pki.leaf),
            ..good.clone()
        },
    ));
    let direct_key = p256();
    let direct = pki.root.issue(Leaf::default().params(), &direct_key);
    out.push(quiet(
        "VI743",
        "issued_by_the_root_in_ca_crt",
        Files {
            cert: direct.clone(),
            key: Some(direct_key.serialize_pem()),
            ..good.clone()
        },
    ));
    let self_key = p256();
    out.push(quiet(
        "VI743",
        "self_signed_leaf",
        Files {
            cert: Leaf::default()
                .params()
                .self_signed(&self_key)
                .expect("c")
                .pem(),
            key: Some(self_key.serialize_pem()),
            ..good.clone()
        },
    ));
    out.push(fire(
        "VI743",
        "leaf_only",
        Files {
            cert: pki.leaf.clone(),
            ..good.clone()
        },
        vec![warn(at_block("gw/tls.crt", 0, "`tls.crt` holds the leaf `CN=shop.example.com, O=Example` but not its issuer `CN=Issuing CA, O=Example`: clients that trust only the root fail with \"unable to get local issuer certificate\""))],
    ));
    out.push(fire(
        "VI743",
        "issuer_only_in_ca_crt",
        Files {
            cert: pki.leaf.clone(),
            ca: Some(pki.issuing.pem.clone()),
            ..good.clone()
        },
        vec![warn(at_block(
            "gw/tls.crt",
            0,
            "which is only in `ca.crt`: that file is never sent",
        ))],
    ));
    out.push(fire(
        "VI743",
        "client_leaf_only",
        Files {
            cert: pki.leaf.clone(),
            client: true,
            ..good.clone()
        },
        vec![warn(at_block(
            "gw/client.crt",
            0,
            "an upstream server that trusts only the root fails with",
        ))],
    ));

    // VI744 served-eku-wrong
    out.push(quiet("VI744", "server_and_client_auth", good.clone()));
    let no_eku = Pki::with(Leaf {
        eku: vec![],
        ..Leaf::default()
    });
    out.push(quiet("VI744", "no_eku_extension", no_eku.files()));
    let client_only = Pki::with(Leaf {
        eku: vec![ExtendedKeyUsagePurpose::ClientAuth],
        ..Leaf::default()
    });
    out.push(quiet(
        "VI744",
        "client_files_with_client_auth",
        Files {
            client: true,
            ..client_only.files()
        },
    ));
    out.push(fire(
        "VI744",
        "server_files_with_client_auth_only",
        client_only.files(),
        vec![at_block("gw/tls.crt", 0, "the leaf `CN=shop.example.com, O=Example` of `tls.crt` allows clientAuth but not serverAuth: clients reject it")],
    ));
    let server_only = Pki::with(Leaf {
        eku: vec![ExtendedKeyUsagePurpose::ServerAuth],
        ..Leaf::default()
    });
    out.push(fire(
        "VI744",
        "client_files_with_server_auth_only",
        Files {
            client: true,
            ..server_only.files()
        },
        vec![at_block(
            "gw/client.crt",
            0,
            "allows serverAuth but not clientAuth: the upstream server rejects it",
        )],
    ));

    // VI745 served-cert-validity
    out.push(quiet("VI745", "sixty_days_left", good.clone()));
    out.push(fire(
        "VI745",
        "leaf_expired",
        Pki::with(Leaf {
            not_before: NOW - 100 * DAY,
            not_after: NOW - 10 * DAY,
            ..Leaf::default()
        })
        .files(),
        vec![at_block("gw/tls.crt", 0, "the leaf `CN=shop.example.com, O=Example` (`tls.crt` PEM block 1) expired on 2024-12-22 00:00:00 UTC (10 days ago)")],
    ));
    out.push(fire(
        "VI745",
        "leaf_not_yet_valid",
        Pki::with(Leaf {
            not_before: NOW + 2 * DAY,
            not_after: NOW + 90 * DAY,
            ..Leaf::default()
        })
        .files(),
        vec![at_block(
            "gw/tls.crt",
            0,
            "is not valid until 2025-01-03 00:00:00 UTC (in 2 days)",
        )],
    ));
    out.push(fire(
        "VI745",
        "leaf_expires_in_ten_days",
        Pki::with(Leaf {
            not_after: NOW + 10 * DAY,
            ..Leaf::default()
        })
        .files(),
        vec![warn(at_block(
            "gw/tls.crt",
            0,
            "expires on 2025-01-11 00:00:00 UTC, in 10 days",
        ))],
    ));
    let mut old_root = ca_params("Old Root CA", None);
    old_root.not_after = at(NOW - DAY);
    let old_root = old_root.self_signed(&p256()).expect("c").pem();
    out.push(fire(
        "VI745",
        "ca_crt_expired",
        Files {
            ca: Some(format!("{}{}", pki.root.pem, old_root)),
            ..good.clone()
        },
        vec![at_block(
            "gw/ca.crt",
            1,
            "the CA `CN=Old Root CA, O=Example` (`ca.crt` PEM block 2) expired on",
        )],
    ));

    // VI746 served-cert-san-misses-host
    out.push(quiet("VI746", "every_host_named", good.clone()));
    out.push(quiet(
        "VI746",
        "namespace_prefix_star_and_case",
        good.clone()
            .hosts(&["istio-ingress/shop.example.com", "*", "./API.example.com"]),
    ));
    let wildcard = Pki::with(Leaf {
        names: vec!["*.example.com"],
        ..Leaf::default()
    });
    out.push(quiet(
        "VI746",
        "wildcard_covers_one_label",
        wildcard
            .files()
            .hosts(&["shop.example.com", "api.example.com"]),
    ));
    out.push(quiet(
        "VI746",
        "client_files_have_no_hosts_to_cover",
        Files {
            client: true,
            ..good.clone().hosts(&["other.example.com"])
        },
    ));
    out.push(fire(
        "VI746",
        "host_not_named",
        good.clone()
            .hosts(&["shop.example.com", "ns/www.example.com"]),
        vec![at_block("gw/tls.crt", 0, "host `www.example.com` is not covered by the leaf `CN=shop.example.com, O=Example` of `tls.crt`, which has the DNS names `shop.example.com`, `api.example.com`")],
    ));
    out.push(fire(
        "VI746",
        "wildcard_is_one_label_deep",
        wildcard.files().hosts(&["a.shop.example.com"]),
        vec![at_block(
            "gw/tls.crt",
            0,
            "host `a.shop.example.com` is not covered",
        )],
    ));
    out.push(fire(
        "VI746",
        "leaf_names_checked_even_when_ca_first",
        Files {
            cert: format!("{}{}", pki.issuing.pem, pki.leaf),
            ..good.clone().hosts(&["www.example.com"])
        },
        vec![at_block(
            "gw/tls.crt",
            1,
            "host `www.example.com` is not covered by the leaf `CN=shop.example.com",
        )],
    ));
    out
}

// =============================================================================================
// Running the table
// =============================================================================================

fn describe(f: &Finding) -> String {
    format!(
        "{} {} at {}: {}",
        f.code,
        f.severity,
        f.location.describe(),
        f.message
    )
}

fn dump(findings: &[Finding]) -> String {
    findings.iter().map(describe).collect::<Vec<_>>().join("\n")
}

fn run_case(case: &Case) -> Result<(), String> {
    let (all, _) = case.files.run();
    let mine: Vec<&Finding> = all.iter().filter(|f| f.code == case.code).collect();
    let head = format!("{} {}", case.code, case.name);
    if case.fires.is_empty() {
        if mine.is_empty() {
            return Ok(());
        }
        return Err(format!("{head}: should be quiet, got\n{}", dump(&all)));
    }
    for want in &case.fires {
        let hit = mine.iter().any(|f| {
            let Location::Pem {
                file, block, line, ..
            } = &f.location
            else {
                return false;
            };
            file == want.file
                && *block == want.block
                && line.is_some() == want.block.is_some()
                && f.message.contains(want.text)
                && f.severity == want.severity
        });
        if !hit {
            return Err(format!(
                "{head}: no {} finding at {} block {:?} containing {:?}; got\n{}",
                want.severity,
                want.file,
                want.block,
                want.text,
                dump(&all)
            ));
        }
    }
    for f in &mine {
        let first = f.message.chars().next().unwrap_or('x');
        if f.message.ends_with('.') || first.is_uppercase() || f.help.is_none() {
            return Err(format!(
                "{head}: message style or missing help: {}",
                describe(f)
            ));
        }
    }
    Ok(())
}

#[test]
fn every_case_of_the_table() {
    let cases = cases();
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_served_rule_has_a_firing_and_a_quiet_case() {
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(
            names.insert((c.code, c.name)),
            "duplicate case {} {}",
            c.code,
            c.name
        );
        let rule = vault_istio::rules::find(c.code).expect("a rule");
        assert!(
            matches!(rule.check, Check::Served(_)),
            "{} is not a served rule",
            c.code
        );
    }
    let mut missing = Vec::new();
    for rule in RULES.iter().filter(|r| matches!(r.check, Check::Served(_))) {
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

/// Healthy server and client files raise nothing under any rule, and the summary shows the
/// leaf, its issuer from the file and the root from `ca.crt`, with a matching key.
#[test]
fn healthy_files_are_clean() {
    let pki = Pki::new();
    for (name, files) in [
        ("server", pki.files()),
        (
            "client",
            Files {
                client: true,
                hosts: vec![],
                ..pki.files()
            },
        ),
        (
            "sec1 key, no ca.crt",
            Files {
                key: Some(sec1(&pki.key)),
                ca: None,
                ..pki.files()
            },
        ),
    ] {
        let (findings, summaries) = files.run();
        assert!(findings.is_empty(), "{name}:\n{}", dump(&findings));
        let s = &summaries[0];
        assert_eq!(s.key_matches, Some(true), "{name}");
        assert_eq!(s.key.as_deref(), Some("ECDSA P-256"), "{name}");
        assert_eq!(s.chain[0].subject, "CN=shop.example.com, O=Example");
        assert_eq!(s.chain[0].days_left, 60);
        assert_eq!(s.chain[1].subject, "CN=Issuing CA, O=Example");
        assert_eq!(s.chain[1].block, 2);
        assert_eq!(s.dns_names, vec!["shop.example.com", "api.example.com"]);
    }
    let (_, s) = pki.files().run();
    assert_eq!(s[0].chain.len(), 3, "the root comes from ca.crt");
    assert_eq!(s[0].chain[2].file, "ca.crt");
}

#[test]
fn ignore_skips_rules_by_code_or_name() {
    let pki = Pki::new();
    let files = Files {
        cert: format!("{}{}", pki.issuing.pem, pki.leaf),
        ..pki.files().hosts(&["www.example.com"])
    };
    let (all, _) = files.run();
    assert!(all.iter().any(|f| f.code == "VI741"));
    assert!(all.iter().any(|f| f.code == "VI746"));
    let (some, _) = verify_served(
        &[files.input()],
        NOW,
        WINDOW,
        &["vi741".into(), "served-cert-san-misses-host".into()],
    );
    assert!(some.is_empty(), "{}", dump(&some));
}

#[test]
fn expires_within_is_the_warning_window() {
    let files = Pki::with(Leaf {
        not_after: NOW + 40 * DAY,
        ..Leaf::default()
    })
    .files();
    let input = files.input();
    let (f, _) = verify_served(std::slice::from_ref(&input), NOW, WINDOW, &[]);
    assert!(f.is_empty(), "{}", dump(&f));
    let (f, _) = verify_served(&[input], NOW, 60 * DAY, &[]);
    assert_eq!(f.len(), 1, "{}", dump(&f));
    assert_eq!((f[0].code, f[0].severity), ("VI745", Severity::Warning));
    assert!(f[0].message.contains("in 40 days"), "{}", f[0].message);
}

const GATEWAYS: &str = r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["istio-ingress/shop.example.com", "api.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/tls.crt, privateKey: /vault/secrets/tls.key}
    - port: {number: 8443, name: https-admin, protocol: HTTPS}
      hosts: ["admin.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/admin.crt, privateKey: /vault/secrets/admin.key}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-api, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["api.example.com", "www.example.com"]
      tls: {mode: SIMPLE, serverCertificate: /vault/secrets/tls.crt, privateKey: /vault/secrets/tls.key}
"#;

#[test]
fn gateway_hosts_of_the_servers_that_serve_the_file() {
    let src = SourceFile::new("gw.yaml", GATEWAYS);
    assert_eq!(
        gateway_hosts(&src, "tls.crt").expect("hosts"),
        vec![
            "istio-ingress/shop.example.com",
            "api.example.com",
            "www.example.com"
        ]
    );
    assert_eq!(
        gateway_hosts(&src, "admin.crt").expect("hosts"),
        vec!["admin.example.com"]
    );
    let e = gateway_hosts(&src, "client.crt").expect_err("no server");
    assert!(
        e.contains("no Gateway server has a serverCertificate named `client.crt`")
            && e.contains("`/vault/secrets/tls.crt`, `/vault/secrets/admin.crt`"),
        "{e}"
    );
    let e = gateway_hosts(&SourceFile::new("dr.yaml", "kind: ConfigMap\n"), "tls.crt")
        .expect_err("no gateway");
    assert!(e.contains("dr.yaml: no Istio Gateway"), "{e}");
    let e = gateway_hosts(&SourceFile::new("bad.yaml", "a: [\n"), "tls.crt").expect_err("yaml");
    assert!(e.contains("bad.yaml: not YAML"), "{e}");
}

/// Whatever is wrong with the key, no output shows a piece of it: findings, the summary,
/// text, JSON and SARIF.
#[test]
fn no_output_shows_the_private_key() {
    let pki = Pki::new();
    let other = p256().serialize_pem();
    let key = pki.key.serialize_pem();
    let scenarios = [
        ("matching", Files { ..pki.files() }, key.clone()),
        (
            "mismatch",
            Files {
                key: Some(other.clone()),
                ..pki.files()
            },
            other.clone(),
        ),
        (
            "key in the certificate file, ca first",
            Files {
                cert: format!("{}{}{key}", pki.issuing.pem, pki.leaf),
                ..pki.files().hosts(&["www.example.com"])
            },
            key.clone(),
        ),
        (
            "damaged key",
            Files {
                key: Some(key.replacen("\n", "\n!!", 2)),
                ..pki.files()
            },
            key.clone(),
        ),
        (
            "sec1",
            Files {
                key: Some(sec1(&pki.key)),
                ..pki.files()
            },
            sec1(&pki.key),
        ),
    ];
    for (name, files, secret) in scenarios {
        let (findings, summaries) = files.run();
        let render = RenderInput {
            findings: &findings,
            sources: &[],
            checked: (summaries.len(), "served certificate", "served certificates"),
        };
        let outputs = [
            text::render(&render, false),
            text::render_served(&summaries, false),
            json::render_served(&findings, &summaries),
            sarif::render(&findings),
            format!("{findings:?}{summaries:?}"),
        ];
        for line in secret.lines().filter(|l| !l.starts_with("-----")) {
            for piece in line.trim_start_matches('!').as_bytes().chunks(12) {
                let piece = std::str::from_utf8(piece).expect("ascii");
                if piece.len() < 8 {
                    continue;
                }
                for out in &outputs {
                    assert!(
                        !out.contains(piece),
                        "{name}: key material in output:\n{out}"
                    );
                }
            }
        }
    }
}
