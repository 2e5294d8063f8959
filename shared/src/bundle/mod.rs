//! Istio CA bundles: the four PEM files istiod loads from `ROOT_CA_DIR`, read the way
//! istiod (Go `crypto/x509`) and Envoy will read them, one cluster at a time and across
//! clusters.

pub mod chain;
pub mod input;
pub mod pem;
pub mod x509;

use crate::finding::Location;
pub use input::{BundleInput, Member, VaultFields};
use pem::{NotPem, PemBlock};
use x509::{CertInfo, KeyError, PrivateKey};

/// The four files, named as istiod names them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    CaKey,
    CaCert,
    CertChain,
    RootCert,
}

impl FileKind {
    pub const ALL: [FileKind; 4] = [
        FileKind::CaKey,
        FileKind::CaCert,
        FileKind::CertChain,
        FileKind::RootCert,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::CaKey => "ca-key.pem",
            FileKind::CaCert => "ca-cert.pem",
            FileKind::CertChain => "cert-chain.pem",
            FileKind::RootCert => "root-cert.pem",
        }
    }

    pub fn from_file_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.file_name() == name)
    }
}

/// Something found in a bundle member, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Located<T> {
    pub kind: FileKind,
    /// 0-based PEM block index within the member.
    pub block: usize,
    /// 1-based line of the block's BEGIN line within the member's text.
    pub line: u32,
    pub value: T,
}

/// One of the four members, as found (or not).
#[derive(Debug, Clone)]
pub struct MemberState {
    pub kind: FileKind,
    /// The file it was (or would have been) read from.
    pub file: String,
    /// The key inside a manifest or JSON, if embedded.
    pub member: Option<String>,
    pub present: bool,
    pub blocks: Vec<PemBlock>,
    /// Set when the member is present but holds no PEM block, or is a whole-secret dump
    /// around one: what it holds instead.
    pub not_pem: Option<NotPem>,
    /// True when the text mentions `PRIVATE KEY-----` anywhere, block or not.
    pub private_key_text: bool,
}

/// One cluster's CA bundle, parsed.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub label: String,
    pub origin: String,
    pub embedded: bool,
    /// See [`BundleInput::named_files`].
    pub named_files: bool,
    /// Always the four members, in `FileKind::ALL` order.
    pub members: Vec<MemberState>,
    /// The first block of `ca-key.pem` (istiod reads only that one).
    pub key: Option<Located<Result<PrivateKey, KeyError>>>,
    /// Every certificate of `ca-cert.pem`, `cert-chain.pem` and `root-cert.pem`.
    pub certs: Vec<Located<CertInfo>>,
    /// `CERTIFICATE` blocks that do not parse as X.509.
    pub cert_errors: Vec<Located<String>>,
}

impl Bundle {
    pub fn load(input: &BundleInput) -> Bundle {
        let mut members = Vec::new();
        let mut key = None;
        let mut certs = Vec::new();
        let mut cert_errors = Vec::new();
        for kind in FileKind::ALL {
            let found = input.members.iter().find(|m| m.kind == kind);
            let Some(m) = found else {
                members.push(MemberState {
                    kind,
                    file: if input.embedded {
                        input.origin.clone()
                    } else {
                        format!(
                            "{}/{}",
                            input.origin.trim_end_matches('/'),
                            kind.file_name()
                        )
                    },
                    member: input.embedded.then(|| kind.file_name().to_string()),
                    present: false,
                    blocks: Vec::new(),
                    not_pem: None,
                    private_key_text: false,
                });
                continue;
            };
            let blocks = pem::scan(&m.text);
            let not_pem = if blocks.is_empty() {
                Some(NotPem::classify(&m.text))
            } else {
                NotPem::dump(&m.text)
            };
            for b in &blocks {
                let Ok(der) = &b.der else { continue };
                match kind {
                    FileKind::CaKey if b.index == 0 => {
                        let parsed = if b.has_headers {
                            Err(KeyError::Encrypted)
                        } else {
                            x509::parse_private_key(&b.label, der)
                        };
                        key = Some(Located {
                            kind,
                            block: b.index,
                            line: b.line,
                            value: parsed,
                        });
                    }
                    FileKind::CaKey => {}
                    _ if b.label == "CERTIFICATE" => match x509::parse_certificate(der) {
                        Ok(c) => certs.push(Located {
                            kind,
                            block: b.index,
                            line: b.line,
                            value: c,
                        }),
                        Err(e) => cert_errors.push(Located {
                            kind,
                            block: b.index,
                            line: b.line,
                            value: e,
                        }),
                    },
                    _ => {}
                }
            }
            members.push(MemberState {
                kind,
                file: m.file.clone(),
                member: m.member.clone(),
                present: true,
                blocks,
                not_pem,
                private_key_text: m.text.contains("PRIVATE KEY-----"),
            });
        }
        Bundle {
            label: input.label.clone(),
            origin: input.origin.clone(),
            embedded: input.embedded,
            named_files: input.named_files,
            members,
            key,
            certs,
            cert_errors,
        }
    }

    /// [`Bundle::load`] with `ca-key.pem` given as [`KeyFacts`] (its bytes long gone) under
    /// the field name `member`, instead of as text in `input`: how a saved Vault snapshot
    /// is verified. The rules see what they would have seen with the key itself.
    pub fn load_with_key(input: &BundleInput, member: &str, key: &KeyFacts) -> Bundle {
        let mut bundle = Bundle::load(input);
        let i = FileKind::ALL
            .iter()
            .position(|k| *k == FileKind::CaKey)
            .unwrap_or(0);
        let state = &mut bundle.members[i];
        state.present = true;
        state.member = Some(member.to_string());
        state.blocks = key.blocks.iter().map(BlockFacts::to_block).collect();
        state.not_pem = key.not_pem;
        state.private_key_text = key.private_key_text;
        bundle.key = key.key.clone();
        bundle
    }

    pub fn member(&self, kind: FileKind) -> &MemberState {
        // `members` always holds the four kinds in order.
        &self.members[FileKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
    }

    pub fn certs_of(&self, kind: FileKind) -> impl Iterator<Item = &Located<CertInfo>> {
        self.certs.iter().filter(move |c| c.kind == kind)
    }

    /// istiod's signing certificate: the first block of `ca-cert.pem`, if it parsed.
    pub fn ca_cert(&self) -> Option<&Located<CertInfo>> {
        self.certs_of(FileKind::CaCert)
            .next()
            .filter(|c| c.block == 0)
    }

    /// Where to point a finding about `kind` (and a block of it).
    pub fn location(&self, kind: FileKind, block: Option<(usize, u32)>) -> Location {
        let m = self.member(kind);
        Location::Pem {
            file: m.file.clone(),
            member: m.member.clone(),
            block: block.map(|(b, _)| b),
            line: if self.embedded {
                None
            } else {
                block.map(|(_, l)| l)
            },
        }
    }

    /// How the user named the member: `ca-cert.pem`, or the field/key inside a Secret or
    /// Vault JSON (`ca_cert`).
    pub fn member_name(&self, kind: FileKind) -> &str {
        self.member(kind)
            .member
            .as_deref()
            .unwrap_or(kind.file_name())
    }

    /// `location` for something found in a block.
    pub fn at<T>(&self, item: &Located<T>) -> Location {
        self.location(item.kind, Some((item.block, item.line)))
    }
}

/// `ca-key.pem` with its key bytes gone: what the bundle rules read of it (blocks' types,
/// positions and decoding errors, what a non-PEM text holds instead, the key's type and
/// derived public key). A Vault snapshot keeps this in place of the key, so it can be
/// saved and verified later without ever holding key material.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyFacts {
    pub blocks: Vec<BlockFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_pem: Option<NotPem>,
    pub private_key_text: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Located<Result<PrivateKey, KeyError>>>,
}

impl KeyFacts {
    /// Reads `text` as istiod reads `ca-key.pem` and keeps only the facts.
    pub fn capture(text: &str) -> KeyFacts {
        let input = BundleInput {
            label: String::new(),
            origin: String::new(),
            embedded: true,
            named_files: false,
            members: vec![Member {
                kind: FileKind::CaKey,
                file: String::new(),
                member: None,
                text: text.to_string(),
            }],
        };
        let bundle = Bundle::load(&input);
        let m = bundle.member(FileKind::CaKey);
        KeyFacts {
            blocks: m.blocks.iter().map(BlockFacts::of).collect(),
            not_pem: m.not_pem,
            private_key_text: m.private_key_text,
            key: bundle.key,
        }
    }
}

/// A PEM block without its bytes: decoded or not (and why not).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockFacts {
    pub index: usize,
    pub label: String,
    pub line: u32,
    pub end_line: u32,
    pub has_headers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
}

impl BlockFacts {
    fn of(b: &PemBlock) -> BlockFacts {
        BlockFacts {
            index: b.index,
            label: b.label.clone(),
            line: b.line,
            end_line: b.end_line,
            has_headers: b.has_headers,
            decode_error: b.der.as_ref().err().cloned(),
        }
    }

    /// A block whose bytes are gone: the rules only ask whether it decoded.
    fn to_block(&self) -> PemBlock {
        PemBlock {
            index: self.index,
            label: self.label.clone(),
            line: self.line,
            end_line: self.end_line,
            has_headers: self.has_headers,
            der: self.decode_error.clone().map_or(Ok(Vec::new()), Err),
        }
    }
}

/// The certificates of a PEM text (blocks that do not parse are skipped): a root
/// ConfigMap, Vault's `kubernetes_ca_cert`.
pub fn certificates(text: &str) -> Vec<CertInfo> {
    pem::scan(text)
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .filter_map(|b| {
            b.der
                .as_deref()
                .ok()
                .and_then(|d| x509::parse_certificate(d).ok())
        })
        .collect()
}

/// What a bundle rule is given.
pub struct BundleTarget<'a> {
    pub bundle: &'a Bundle,
    /// Unix seconds the validity checks use (the caller's clock; the engine has none).
    pub now: i64,
    /// The warning window before expiry, in seconds.
    pub expires_within: i64,
    /// ca-cert's chain to a root, as Go builds it (None without a ca-cert).
    pub chain: Option<chain::Chain>,
}

impl<'a> BundleTarget<'a> {
    pub fn new(bundle: &'a Bundle, now: i64, expires_within: i64) -> Self {
        BundleTarget {
            bundle,
            now,
            expires_within,
            chain: chain::build_for_bundle(bundle, Some(now)),
        }
    }

    /// The certificates of the chain, from ca-cert upward, when it reached a root.
    pub fn anchored_path(&self) -> Option<Vec<&'a Located<CertInfo>>> {
        match &self.chain {
            Some(chain::Chain {
                path,
                end: chain::End::Anchored,
            }) => Some(path.iter().map(|i| &self.bundle.certs[*i]).collect()),
            _ => None,
        }
    }

    /// Every certificate the chain walked, anchored or not.
    pub fn walked_path(&self) -> Vec<&'a Located<CertInfo>> {
        self.chain
            .as_ref()
            .map(|c| c.path.iter().map(|i| &self.bundle.certs[*i]).collect())
            .unwrap_or_default()
    }
}

/// What a cross-cluster rule is given.
pub struct MeshTarget<'a> {
    pub bundles: &'a [Bundle],
    /// `trusted[i][j]`: does bundle i's ca-cert (with its cert-chain.pem) chain to a root
    /// in bundle j's root-cert.pem? `None` when i has no readable ca-cert. Computed once:
    /// each entry verifies signatures.
    pub trusted: Vec<Vec<Option<bool>>>,
}

impl<'a> MeshTarget<'a> {
    pub fn new(bundles: &'a [Bundle]) -> Self {
        let trusted = bundles
            .iter()
            .map(|from| {
                bundles
                    .iter()
                    .map(|to| chain::trusted_by(from, to))
                    .collect()
            })
            .collect();
        MeshTarget { bundles, trusted }
    }

    /// True when every bundle's CA is trusted by every other bundle.
    pub fn mutual(&self) -> bool {
        self.trusted.iter().enumerate().all(|(i, row)| {
            row.iter()
                .enumerate()
                .all(|(j, t)| i == j || *t == Some(true))
        })
    }
}
