//! Chain building as Go's `x509.Verify` does it for istiod: from the first certificate of
//! `ca-cert.pem`, through `cert-chain.pem` (an unordered pool), to a certificate of
//! `root-cert.pem`. Parents are found by the raw DER of the issuer name, byte for byte, and
//! each link's signature must verify. Roots are tried before intermediates; the search
//! backtracks, as Go's does, so a stale intermediate with the same name does not hide a
//! good one.

use super::x509::{CertInfo, SignatureCheck, verify_signature};
use super::{Bundle, FileKind};

/// Go gives up on longer chains too; real ones have two to four certificates.
const MAX_DEPTH: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The last certificate of `path` is a trusted root.
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
    TooDeep,
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

/// ca-cert's chain within one bundle (indices into `bundle.certs`).
pub fn build_for_bundle(bundle: &Bundle) -> Option<Chain> {
    let pool: Vec<&CertInfo> = bundle.certs.iter().map(|c| &c.value).collect();
    let leaf = bundle
        .certs
        .iter()
        .position(|c| c.kind == FileKind::CaCert && c.block == 0)?;
    let of = |k: FileKind| -> Vec<usize> {
        bundle
            .certs
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == k)
            .map(|(i, _)| i)
            .collect()
    };
    Some(build(
        &pool,
        leaf,
        &of(FileKind::CertChain),
        &of(FileKind::RootCert),
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
    Some(build(&pool, 0, &intermediates, &roots).anchored())
}

/// Builds `leaf`'s chain from `intermediates` to `roots` (all indices into `pool`).
pub fn build(pool: &[&CertInfo], leaf: usize, intermediates: &[usize], roots: &[usize]) -> Chain {
    let Some(leaf_cert) = pool.get(leaf) else {
        return Chain {
            path: Vec::new(),
            end: End::IssuerNotFound { similar: None },
        };
    };
    // A leaf that is itself trusted is a chain of one (as in Go).
    if let Some(&r) = roots
        .iter()
        .find(|&&r| pool.get(r).is_some_and(|c| c.der == leaf_cert.der))
    {
        return Chain {
            path: vec![r],
            end: End::Anchored,
        };
    }
    let mut path = vec![leaf];
    let mut best: Option<Chain> = None;
    if search(pool, &mut path, intermediates, roots, &mut best) {
        return Chain {
            path,
            end: End::Anchored,
        };
    }
    best.unwrap_or(Chain {
        path: vec![leaf],
        end: End::IssuerNotFound { similar: None },
    })
}

fn valid_link(child: &CertInfo, parent: &CertInfo) -> bool {
    // A signature we cannot check (e.g. RSA-PSS) does not break the chain here; the
    // algorithm rules speak about it.
    !matches!(
        verify_signature(child, &parent.public_key),
        SignatureCheck::Invalid
    )
}

/// Depth-first search; on failure, `best` holds the longest failed attempt.
fn search(
    pool: &[&CertInfo],
    path: &mut Vec<usize>,
    intermediates: &[usize],
    roots: &[usize],
    best: &mut Option<Chain>,
) -> bool {
    let Some(&current) = path.last() else {
        return false;
    };
    let Some(cur) = pool.get(current) else {
        return false;
    };
    if path.len() > MAX_DEPTH {
        remember(
            best,
            Chain {
                path: path.clone(),
                end: End::TooDeep,
            },
        );
        return false;
    }
    let named = |i: &usize| {
        pool.get(*i)
            .is_some_and(|c| c.subject_raw == cur.issuer_raw)
    };
    let root_candidates: Vec<usize> = roots.iter().copied().filter(named).collect();
    for &r in &root_candidates {
        if valid_link(cur, pool[r]) {
            path.push(r);
            return true;
        }
    }
    let in_path = |i: usize| {
        path.iter()
            .any(|&p| pool.get(p).map(|c| &c.der) == pool.get(i).map(|c| &c.der))
    };
    let inter_candidates: Vec<usize> = intermediates
        .iter()
        .copied()
        .filter(named)
        .filter(|&i| !in_path(i))
        .collect();
    for &i in &inter_candidates {
        if valid_link(cur, pool[i]) {
            path.push(i);
            if search(pool, path, intermediates, roots, best) {
                return true;
            }
            path.pop();
        }
    }
    let end = match root_candidates.first().or(inter_candidates.first()) {
        Some(&issuer) => End::BadSignature { issuer },
        None => End::IssuerNotFound {
            similar: roots.iter().chain(intermediates).copied().find(|&i| {
                pool.get(i)
                    .is_some_and(|c| c.subject == cur.issuer && c.subject_raw != cur.issuer_raw)
            }),
        },
    };
    remember(
        best,
        Chain {
            path: path.clone(),
            end,
        },
    );
    false
}

fn remember(best: &mut Option<Chain>, candidate: Chain) {
    if best
        .as_ref()
        .is_none_or(|b| candidate.path.len() > b.path.len())
    {
        *best = Some(candidate);
    }
}
