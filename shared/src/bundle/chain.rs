//! Chain building as Go's `x509.Verify` does it for istiod: from the first certificate of
//! `ca-cert.pem`, through `cert-chain.pem` (an unordered pool), to a certificate of
//! `root-cert.pem`. Parents are found by the raw DER of the issuer name, byte for byte;
//! each link's signature must verify; intermediates must be CAs; candidates valid now are
//! preferred; the search backtracks, so a stale certificate with the same name does not
//! hide a good one. Like Go it stops after 100 signature checks, and a certificate with the
//! same subject and key as one already on the path is not used again.
//!
//! Go accepts a chain that ends at any certificate of `root-cert.pem`. Envoy needs a
//! self-signed root at the end, so when the trusted certificate reached is not
//! self-signed, the search goes on from it and prefers a chain that ends at a self-signed
//! root of `root-cert.pem`.
//!
//! [`envoy_walk`] models the other side: a peer verifying what a workload sends (its
//! certificate plus `cert-chain.pem`, in file order) without backtracking.

use std::collections::HashMap;

use super::x509::{CertInfo, SignatureCheck, verify_signature};
use super::{Bundle, FileKind};

/// Real chains have two to four certificates.
const MAX_DEPTH: usize = 10;
/// Go's `maxChainSignatureChecks`.
const MAX_SIGNATURE_CHECKS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The last certificate of `path` is in the root pool.
    Anchored,
    /// No certificate in the pools has the last certificate's issuer name. `similar` is a
    /// pool index whose name reads the same but is encoded differently.
    IssuerNotFound {
        similar: Option<usize>,
    },
    /// Certificates with the right name exist, but none's key verifies the signature.
    BadSignature {
        issuer: usize,
    },
    /// The only certificate with the right name is not a CA (Go: NotAuthorizedToSign).
    NotCa {
        issuer: usize,
    },
    TooDeep,
    /// Go gives up after 100 signature checks.
    TooManyChecks,
}

/// A chain as far as it goes: `path` holds pool indices from the leaf upward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub path: Vec<usize>,
    pub end: End,
}

impl Chain {
    pub fn anchored(&self) -> bool {
        self.end == End::Anchored
    }
}

fn indices_of(bundle: &Bundle, kind: FileKind) -> Vec<usize> {
    bundle
        .certs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == kind)
        .map(|(i, _)| i)
        .collect()
}

/// ca-cert's chain within one bundle (indices into `bundle.certs`).
pub fn build_for_bundle(bundle: &Bundle, now: Option<i64>) -> Option<Chain> {
    let pool: Vec<&CertInfo> = bundle.certs.iter().map(|c| &c.value).collect();
    let leaf = bundle
        .certs
        .iter()
        .position(|c| c.kind == FileKind::CaCert && c.block == 0)?;
    Some(build(
        &pool,
        leaf,
        &indices_of(bundle, FileKind::CertChain),
        &indices_of(bundle, FileKind::RootCert),
        now,
    ))
}

/// Does `from`'s ca-cert, with its cert-chain.pem as the intermediates a workload sends,
/// chain to a root in `to`'s root-cert.pem (what a peer in `to`'s cluster checks)?
pub fn trusted_by(from: &Bundle, to: &Bundle) -> Option<bool> {
    let leaf = from.ca_cert()?;
    let mut pool: Vec<&CertInfo> = vec![&leaf.value];
    pool.extend(from.certs_of(FileKind::CertChain).map(|c| &c.value));
    let intermediates: Vec<usize> = (1..pool.len()).collect();
    let first_root = pool.len();
    pool.extend(to.certs_of(FileKind::RootCert).map(|c| &c.value));
    let roots: Vec<usize> = (first_root..pool.len()).collect();
    Some(build(&pool, 0, &intermediates, &roots, None).anchored())
}

/// Builds `leaf`'s chain from `intermediates` to `roots` (all indices into `pool`).
pub fn build(
    pool: &[&CertInfo],
    leaf: usize,
    intermediates: &[usize],
    roots: &[usize],
    now: Option<i64>,
) -> Chain {
    let Some(leaf_cert) = pool.get(leaf) else {
        return Chain {
            path: Vec::new(),
            end: End::IssuerNotFound { similar: None },
        };
    };
    // A leaf that is itself trusted is a chain of one (as in Go).
    if roots
        .iter()
        .any(|&r| pool.get(r).is_some_and(|c| c.der == leaf_cert.der))
    {
        return Chain {
            path: vec![leaf],
            end: End::Anchored,
        };
    }
    let roots = distinct(pool, roots, &[]);
    let intermediates = distinct(pool, intermediates, &roots);
    let mut search = Search {
        pool,
        intermediates: &intermediates,
        roots: &roots,
        now,
        checks: 0,
        verified: HashMap::new(),
        best: None,
    };
    let mut path = vec![leaf];
    match search.walk(&mut path) {
        Outcome::SelfSigned | Outcome::Partial => Chain {
            path,
            end: End::Anchored,
        },
        Outcome::Fail => search.best.unwrap_or(Chain {
            path: vec![leaf],
            end: End::IssuerNotFound { similar: None },
        }),
    }
}

/// Drops repeated certificates (same DER) and those already in `exclude`.
fn distinct(pool: &[&CertInfo], indices: &[usize], exclude: &[usize]) -> Vec<usize> {
    let mut seen: std::collections::HashSet<&[u8]> = exclude
        .iter()
        .filter_map(|&j| pool.get(j))
        .map(|c| c.der.as_slice())
        .collect();
    indices
        .iter()
        .copied()
        .filter(|&i| pool.get(i).is_some_and(|c| seen.insert(c.der.as_slice())))
        .collect()
}

enum Outcome {
    /// The path ends at a self-signed certificate of the root pool.
    SelfSigned,
    /// The path ends at a root-pool certificate that is not self-signed (Go accepts it).
    Partial,
    Fail,
}

struct Search<'a> {
    pool: &'a [&'a CertInfo],
    intermediates: &'a [usize],
    roots: &'a [usize],
    now: Option<i64>,
    checks: usize,
    verified: HashMap<(usize, usize), bool>,
    best: Option<Chain>,
}

impl Search<'_> {
    /// Does `parent`'s key verify `child`'s signature? A signature we cannot check (e.g.
    /// RSA-PSS) does not break the chain; the algorithm rules speak about it.
    fn link(&mut self, child: usize, parent: usize) -> bool {
        if let Some(&known) = self.verified.get(&(child, parent)) {
            return known;
        }
        self.checks += 1;
        let ok = !matches!(
            verify_signature(self.pool[child], &self.pool[parent].public_key),
            SignatureCheck::Invalid
        );
        self.verified.insert((child, parent), ok);
        ok
    }

    /// Candidates named as `cur`'s issuer, not already on the path (same subject and
    /// key), those valid now first.
    fn candidates(&self, from: &[usize], cur: usize, path: &[usize]) -> Vec<usize> {
        let c = self.pool[cur];
        let on_path = |i: usize| {
            path.iter().any(|&p| {
                self.pool[p].subject_raw == self.pool[i].subject_raw
                    && self.pool[p].public_key.spki_der == self.pool[i].public_key.spki_der
            })
        };
        let mut out: Vec<usize> = from
            .iter()
            .copied()
            .filter(|&i| self.pool[i].subject_raw == c.issuer_raw && !on_path(i))
            .collect();
        if let Some(now) = self.now {
            out.sort_by_key(|&i| {
                !(self.pool[i].not_before <= now && now <= self.pool[i].not_after)
            });
        }
        out
    }

    fn walk(&mut self, path: &mut Vec<usize>) -> Outcome {
        let base = path.len();
        let Some(&cur) = path.last() else {
            return Outcome::Fail;
        };
        if path.len() > MAX_DEPTH {
            self.remember(path, End::TooDeep);
            return Outcome::Fail;
        }
        let mut partial: Option<Vec<usize>> = None;
        let root_candidates = self.candidates(self.roots, cur, path);
        for &r in &root_candidates {
            if self.checks >= MAX_SIGNATURE_CHECKS {
                break;
            }
            if !self.link(cur, r) {
                continue;
            }
            path.push(r);
            if self.pool[r].self_issued() {
                return Outcome::SelfSigned;
            }
            // Trusted but not self-signed: Go would stop here; look further for Envoy.
            match self.walk(path) {
                Outcome::SelfSigned => return Outcome::SelfSigned,
                Outcome::Partial | Outcome::Fail => {
                    partial.get_or_insert_with(|| path.clone());
                }
            }
            path.truncate(base);
        }
        let named: Vec<usize> = self.candidates(self.intermediates, cur, path);
        let (cas, not_cas): (Vec<usize>, Vec<usize>) =
            named.iter().partition(|&&i| self.pool[i].is_ca());
        for &i in &cas {
            if self.checks >= MAX_SIGNATURE_CHECKS {
                break;
            }
            if !self.link(cur, i) {
                continue;
            }
            path.push(i);
            match self.walk(path) {
                Outcome::SelfSigned => return Outcome::SelfSigned,
                Outcome::Partial => {
                    partial.get_or_insert_with(|| path.clone());
                }
                Outcome::Fail => {}
            }
            path.truncate(base);
        }
        if let Some(p) = partial {
            *path = p;
            return Outcome::Partial;
        }
        let end = if self.checks >= MAX_SIGNATURE_CHECKS {
            End::TooManyChecks
        } else if let Some(&issuer) = root_candidates.first().or(cas.first()) {
            End::BadSignature { issuer }
        } else if let Some(&issuer) = not_cas.first() {
            End::NotCa { issuer }
        } else {
            let c = self.pool[cur];
            End::IssuerNotFound {
                similar: self
                    .roots
                    .iter()
                    .chain(self.intermediates)
                    .copied()
                    .find(|&i| {
                        self.pool[i].subject == c.issuer && self.pool[i].subject_raw != c.issuer_raw
                    }),
            }
        };
        self.remember(path, end);
        Outcome::Fail
    }

    fn remember(&mut self, path: &[usize], end: End) {
        if self.best.as_ref().is_none_or(|b| path.len() > b.path.len()) {
            self.best = Some(Chain {
                path: path.to_vec(),
                end,
            });
        }
    }
}

/// Where a peer's verification of a workload's chain gets stuck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvoyStuck {
    /// The certificate (index into `bundle.certs`) whose issuer the peer cannot find.
    pub at: usize,
}

/// Models a peer (Envoy/BoringSSL, OpenSSL) verifying a workload certificate issued by
/// ca-cert: it is sent with `cert-chain.pem`, in file order. For each certificate the peer
/// first looks for its issuer among the trusted roots, then takes the *first* sent
/// certificate with the issuer's name and a compatible key identifier, without trying
/// the others. Returns `Ok` when that walk reaches a self-signed trusted root.
pub fn envoy_walk(bundle: &Bundle) -> Result<(), EnvoyStuck> {
    let Some(ca) = bundle.ca_cert() else {
        return Ok(());
    };
    let sent = indices_of(bundle, FileKind::CertChain);
    let roots = indices_of(bundle, FileKind::RootCert);
    let certs = &bundle.certs;
    let key_id_fits = |child: &CertInfo, parent: &CertInfo| match (
        &child.authority_key_id,
        &parent.subject_key_id,
    ) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    };
    // The workload certificate's issuer is ca-cert: find it as the peer would.
    let Some(mut cur) = sent
        .iter()
        .copied()
        .find(|&i| certs[i].value.subject_raw == ca.value.subject_raw)
        .or_else(|| {
            roots
                .iter()
                .copied()
                .find(|&i| certs[i].value.der == ca.value.der)
        })
    else {
        return Ok(()); // cert-chain.pem lacks ca-cert: VI314 says so already.
    };
    let mut used = vec![cur];
    for _ in 0..MAX_DEPTH {
        let c = &certs[cur].value;
        if roots.iter().any(|&r| certs[r].value.der == c.der) && c.self_issued() {
            return Ok(());
        }
        let trusted = roots.iter().copied().find(|&r| {
            certs[r].value.subject_raw == c.issuer_raw
                && key_id_fits(c, &certs[r].value)
                && !matches!(
                    verify_signature(c, &certs[r].value.public_key),
                    SignatureCheck::Invalid
                )
        });
        if let Some(r) = trusted {
            if certs[r].value.self_issued() {
                return Ok(());
            }
            cur = r;
        } else {
            let next = sent.iter().copied().find(|&i| {
                !used.contains(&i)
                    && certs[i].value.subject_raw == c.issuer_raw
                    && key_id_fits(c, &certs[i].value)
            });
            match next {
                Some(n)
                    if !matches!(
                        verify_signature(c, &certs[n].value.public_key),
                        SignatureCheck::Invalid
                    ) =>
                {
                    cur = n
                }
                _ => return Err(EnvoyStuck { at: cur }),
            }
        }
        used.push(cur);
    }
    Err(EnvoyStuck { at: cur })
}
