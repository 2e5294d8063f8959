//! A fresh Istio "plugged-in CA" PKI per test run, generated with rcgen.
//!
//! The article's certificates (`tests/fixtures/upstream-seed/certs/`) expired on 2024-11-16,
//! so an end-to-end test that wants a *valid* mesh needs its own: one self-signed root and
//! one intermediate per cluster, laid out like Istio's `tools/certs/Makefile.selfsigned.mk`
//! output (`ca-key.pem`, `ca-cert.pem`, `cert-chain.pem`, `root-cert.pem`). ECDSA P-256 keys,
//! because they take microseconds where RSA takes seconds.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use vault_istio_testbed::pki::MeshPki;
//! let pki = MeshPki::generate_with(&["cluster1", "cluster2"], &["cluster2"])?; // cluster2 expired
//! pki.write_dir("cluster1", "/tmp/certs/istiod-cluster1")?;
//! # Ok(())
//! # }
//! ```

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use vault_istio::bundle::{BundleInput, FileKind, Member};

const DAY: Duration = Duration::from_secs(86_400);

/// One cluster's four CA files, as istiod reads them from `cacerts` (or Vault).
#[derive(Clone)]
pub struct ClusterCa {
    /// The intermediate's key, PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    pub ca_key_pem: String,
    /// The intermediate certificate.
    pub ca_cert_pem: String,
    /// Intermediate then root, like Istio's `cert-chain.pem`.
    pub cert_chain_pem: String,
    /// The mesh root.
    pub root_cert_pem: String,
}

impl std::fmt::Debug for ClusterCa {
    // Never print the key, even in a failing test's output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterCa")
            .field("ca_key_pem", &"[redacted]")
            .field("ca_cert_pem", &self.ca_cert_pem)
            .finish_non_exhaustive()
    }
}

impl ClusterCa {
    /// The text of one of the four files.
    pub fn pem(&self, kind: FileKind) -> &str {
        match kind {
            FileKind::CaKey => &self.ca_key_pem,
            FileKind::CaCert => &self.ca_cert_pem,
            FileKind::CertChain => &self.cert_chain_pem,
            FileKind::RootCert => &self.root_cert_pem,
        }
    }

    /// Reads `ca-key.pem`, `ca-cert.pem`, `cert-chain.pem` and `root-cert.pem` from `dir`.
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<ClusterCa> {
        let dir = dir.as_ref();
        let read = |kind: FileKind| {
            let path = dir.join(kind.file_name());
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        };
        Ok(ClusterCa {
            ca_key_pem: read(FileKind::CaKey)?,
            ca_cert_pem: read(FileKind::CaCert)?,
            cert_chain_pem: read(FileKind::CertChain)?,
            root_cert_pem: read(FileKind::RootCert)?,
        })
    }

    /// Writes the four files into `dir` (created if needed), under Istio's names.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for kind in FileKind::ALL {
            let path = dir.join(kind.file_name());
            std::fs::write(&path, self.pem(kind))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    /// The bundle as `verify` takes it, as if read from a directory named `label`.
    pub fn bundle_input(&self, label: &str) -> BundleInput {
        BundleInput {
            label: label.to_string(),
            origin: label.to_string(),
            embedded: false,
            named_files: false,
            members: FileKind::ALL
                .into_iter()
                .map(|kind| Member {
                    kind,
                    file: format!("{label}/{}", kind.file_name()),
                    member: None,
                    text: self.pem(kind).to_string(),
                })
                .collect(),
        }
    }
}

/// A mesh's PKI: one root shared by every cluster, one intermediate CA per cluster.
#[derive(Debug, Clone)]
pub struct MeshPki {
    /// The root certificate (`root-cert.pem` of every cluster).
    pub root_pem: String,
    clusters: Vec<(String, ClusterCa)>,
}

impl MeshPki {
    /// A root valid for 10 years from yesterday and, per cluster, an intermediate valid for
    /// 1 year from yesterday (yesterday, so a skewed clock never sees "not yet valid").
    pub fn generate(clusters: &[&str]) -> Result<MeshPki> {
        MeshPki::generate_with(clusters, &[])
    }

    /// Like [`MeshPki::generate`], but the intermediates of the clusters in `expired` were
    /// valid from two days ago until one hour ago: `verify` reports them as VI318.
    pub fn generate_with(clusters: &[&str], expired: &[&str]) -> Result<MeshPki> {
        if let Some(unknown) = expired.iter().find(|e| !clusters.contains(e)) {
            bail!("expired cluster {unknown:?} is not one of {clusters:?}");
        }
        let now = rcgen::date_time_ymd(1970, 1, 1)
            + SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .context("the clock is before 1970")?;
        let yesterday = now - DAY;

        let root_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut root = CertificateParams::default();
        root.distinguished_name = name(&[(DnType::OrganizationName, "Istio")], "Root CA");
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root.not_before = yesterday;
        root.not_after = yesterday + 3650 * DAY;
        let root_pem = root.self_signed(&root_key)?.pem();
        let issuer = Issuer::new(root, root_key);

        let mut out = Vec::new();
        for &cluster in clusters {
            let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
            let mut params = CertificateParams::default();
            params.distinguished_name = name(
                &[
                    (DnType::OrganizationName, "Istio"),
                    (DnType::LocalityName, cluster),
                ],
                "Intermediate CA",
            );
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            // Like openssl's `authorityKeyIdentifier=keyid` in Istio's Makefile.
            params.use_authority_key_identifier_extension = true;
            if expired.contains(&cluster) {
                params.not_before = now - 2 * DAY;
                params.not_after = now - Duration::from_secs(3600);
            } else {
                params.not_before = yesterday;
                params.not_after = yesterday + 365 * DAY;
            }
            let cert = params.signed_by(&key, &issuer)?.pem();
            out.push((
                cluster.to_string(),
                ClusterCa {
                    ca_key_pem: key.serialize_pem(),
                    cert_chain_pem: format!("{cert}{root_pem}"),
                    ca_cert_pem: cert,
                    root_cert_pem: root_pem.clone(),
                },
            ));
        }
        Ok(MeshPki {
            root_pem,
            clusters: out,
        })
    }

    /// The cluster names, in the order given.
    pub fn clusters(&self) -> impl Iterator<Item = &str> {
        self.clusters.iter().map(|(c, _)| c.as_str())
    }

    /// One cluster's four files.
    pub fn bundle(&self, cluster: &str) -> Result<&ClusterCa> {
        self.clusters
            .iter()
            .find(|(c, _)| c == cluster)
            .map(|(_, ca)| ca)
            .with_context(|| format!("no CA was generated for cluster {cluster:?}"))
    }

    /// Writes one cluster's `ca-key.pem`, `ca-cert.pem`, `cert-chain.pem`, `root-cert.pem`
    /// into `dir` (created if needed).
    pub fn write_dir(&self, cluster: &str, dir: impl AsRef<Path>) -> Result<()> {
        self.bundle(cluster)?.write_dir(dir)
    }
}

/// A gateway's certificate as Vault PKI issues it and the injector renders it
/// (`verify --gateway`): a leaf for some host names, issued by an issuing CA under a root.
#[derive(Clone)]
pub struct GatewayCerts {
    /// The leaf (`.Data.certificate`): CN and DNS SANs from the names, serverAuth and
    /// clientAuth, valid from yesterday for 90 days.
    pub leaf_pem: String,
    /// The leaf's key, PKCS#8 (`.Data.private_key`).
    pub key_pem: String,
    /// The issuing CA (`.Data.issuing_ca`).
    pub issuing_pem: String,
    /// The root, for `ca.crt`.
    pub root_pem: String,
}

impl std::fmt::Debug for GatewayCerts {
    // Never print the key, even in a failing test's output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayCerts")
            .field("key_pem", &"[redacted]")
            .field("leaf_pem", &self.leaf_pem)
            .finish_non_exhaustive()
    }
}

impl GatewayCerts {
    /// A fresh root → issuing CA → leaf for `names` (the first is the CN), P-256 keys.
    pub fn generate(names: &[&str]) -> Result<GatewayCerts> {
        let now = rcgen::date_time_ymd(1970, 1, 1)
            + SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .context("the clock is before 1970")?;
        let yesterday = now - DAY;
        let ca = |cn: &str, pathlen: Option<u8>| {
            let mut p = CertificateParams::default();
            p.distinguished_name = name(&[(DnType::OrganizationName, "Example")], cn);
            p.is_ca = IsCa::Ca(match pathlen {
                Some(n) => BasicConstraints::Constrained(n),
                None => BasicConstraints::Unconstrained,
            });
            p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            p.not_before = yesterday;
            p.not_after = yesterday + 3650 * DAY;
            p
        };
        let root_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let root = ca("Root CA", None);
        let root_pem = root.self_signed(&root_key)?.pem();
        let root = Issuer::new(root, root_key);
        let issuing_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let issuing = ca("Issuing CA", Some(0));
        let issuing_pem = issuing.signed_by(&issuing_key, &root)?.pem();
        let issuing = Issuer::new(issuing, issuing_key);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut leaf =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
        leaf.distinguished_name = name(
            &[(DnType::OrganizationName, "Example")],
            names.first().copied().unwrap_or("leaf"),
        );
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        leaf.use_authority_key_identifier_extension = true;
        leaf.not_before = yesterday;
        leaf.not_after = yesterday + 90 * DAY;
        Ok(GatewayCerts {
            leaf_pem: leaf.signed_by(&key, &issuing)?.pem(),
            key_pem: key.serialize_pem(),
            issuing_pem,
            root_pem,
        })
    }

    /// Writes `tls.crt` (leaf then issuing CA, or the CA first when `ca_first`), `tls.key`
    /// and `ca.crt` (the root) into `dir` (created if needed).
    pub fn write_dir(&self, dir: impl AsRef<Path>, ca_first: bool) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let crt = if ca_first {
            format!("{}{}", self.issuing_pem, self.leaf_pem)
        } else {
            format!("{}{}", self.leaf_pem, self.issuing_pem)
        };
        for (file, text) in [
            ("tls.crt", crt.as_str()),
            ("tls.key", self.key_pem.as_str()),
            ("ca.crt", self.root_pem.as_str()),
        ] {
            std::fs::write(dir.join(file), text)
                .with_context(|| format!("writing {}", dir.join(file).display()))?;
        }
        Ok(())
    }
}

fn name(attrs: &[(DnType, &str)], cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in attrs {
        dn.push(ty.clone(), *value);
    }
    dn.push(DnType::CommonName, cn);
    dn
}

#[cfg(test)]
mod tests {
    use super::*;
    use vault_istio::finding::{Finding, Severity};
    use vault_istio::verify::{self, DEFAULT_EXPIRES_WITHIN, Options};

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn run(inputs: &[BundleInput]) -> verify::Report {
        verify::verify(
            inputs,
            &Options {
                now: now(),
                expires_within: DEFAULT_EXPIRES_WITHIN,
                ignore: vec![],
            },
        )
    }

    fn dump(findings: &[Finding]) -> String {
        findings
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} {:?}: {}",
                    f.code, f.severity, f.location, f.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Our own engine is the judge: the generated bundles are what istiod accepts, alone
    /// and as a mesh, and an expired intermediate is exactly VI318.
    #[test]
    fn generated_bundles_pass_our_own_verify() {
        let pki =
            MeshPki::generate_with(&["cluster1", "cluster2", "cluster3"], &["cluster3"]).unwrap();
        let good: Vec<BundleInput> = ["cluster1", "cluster2"]
            .iter()
            .map(|c| pki.bundle(c).unwrap().bundle_input(c))
            .collect();
        let report = run(&good);
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.severity < Severity::Warning),
            "{}",
            dump(&report.findings)
        );
        for b in &report.bundles {
            assert!(b.anchored, "{}: {:?}", b.label, b.chain);
            assert_eq!(b.chain.len(), 2, "{}: {:?}", b.label, b.chain);
            assert_eq!(b.key_matches, Some(true), "{}", b.label);
        }
        assert!(report.trust.as_ref().unwrap().mutual);

        let expired = run(&[pki.bundle("cluster3").unwrap().bundle_input("cluster3")]);
        assert!(
            expired
                .findings
                .iter()
                .any(|f| f.code == "VI318" && f.severity == Severity::Error),
            "{}",
            dump(&expired.findings)
        );
        let errors: Vec<&str> = expired
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.code)
            .collect();
        assert_eq!(errors, ["VI318"], "{}", dump(&expired.findings));
    }

    #[test]
    fn files_are_laid_out_like_istios() {
        let pki = MeshPki::generate(&["cluster1"]).unwrap();
        let ca = pki.bundle("cluster1").unwrap();
        assert!(ca.ca_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(ca.cert_chain_pem.starts_with(&ca.ca_cert_pem));
        assert!(ca.cert_chain_pem.ends_with(&pki.root_pem));
        assert_eq!(ca.root_cert_pem, pki.root_pem);
        assert!(pki.bundle("cluster9").is_err());
        assert!(!format!("{ca:?}").contains("PRIVATE KEY"));

        let dir = tempfile::tempdir().unwrap();
        pki.write_dir("cluster1", dir.path().join("istiod-cluster1"))
            .unwrap();
        let back = ClusterCa::read_dir(dir.path().join("istiod-cluster1")).unwrap();
        assert_eq!(back.ca_key_pem, ca.ca_key_pem);
        assert_eq!(back.cert_chain_pem, ca.cert_chain_pem);
    }
}
