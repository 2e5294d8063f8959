//! `verify`: CA bundles in, findings and a chain summary out. One bundle per cluster;
//! with several, the cross-cluster (6xx) rules run too.

use crate::bundle::{Bundle, BundleInput, BundleTarget, FileKind, MeshTarget};
use crate::finding::{self, Finding};
use crate::rules::{Check, Emitter, Rule};
use serde::Serialize;

/// What to run and against which clock.
#[derive(Debug, Clone)]
pub struct Options {
    /// Unix seconds "now" (the caller's clock: the engine has none).
    pub now: i64,
    /// Warn when a certificate expires within this many seconds (default 30 days).
    pub expires_within: i64,
    /// Rule codes or names to skip.
    pub ignore: Vec<String>,
}

pub const DEFAULT_EXPIRES_WITHIN: i64 = 30 * 86_400;

/// One certificate of a bundle's chain, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub subject: String,
    pub issuer: String,
    pub key: String,
    /// `2024-11-16`.
    pub not_after: String,
    /// Negative once expired.
    pub days_left: i64,
    /// `ca-cert.pem`, `cert-chain.pem`, `root-cert.pem` (or the field inside a Secret or
    /// Vault JSON).
    pub file: String,
    /// 1-based PEM block number.
    pub block: usize,
    pub sha256: String,
}

/// A bundle in the report: its chain from ca-cert upward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleSummary {
    pub label: String,
    pub chain: Vec<ChainEntry>,
    /// True when the chain reaches a root of `root-cert.pem`.
    pub anchored: bool,
    /// The signing key, described (`RSA 4096`), if it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Whether the key belongs to ca-cert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_matches: Option<bool>,
}

/// Across bundles: which roots every bundle trusts, and whether each CA is trusted by all.
#[derive(Debug, Clone, Serialize)]
pub struct TrustSummary {
    pub bundles: usize,
    /// Subjects of the roots present in every bundle's `root-cert.pem`.
    pub shared_roots: Vec<String>,
    /// True when every cluster's CA chains to a root every other cluster trusts.
    pub mutual: bool,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub bundles: Vec<BundleSummary>,
    /// Present when several bundles were verified together.
    pub trust: Option<TrustSummary>,
}

fn selected(options: &Options) -> Vec<&'static Rule> {
    crate::rules::selected(&options.ignore)
}

pub fn verify(inputs: &[BundleInput], options: &Options) -> Report {
    let bundles: Vec<Bundle> = inputs.iter().map(Bundle::load).collect();
    verify_bundles(&bundles, options)
}

/// [`verify`] on bundles already loaded (the audit loads Vault's with
/// [`Bundle::load_with_key`]).
pub fn verify_bundles(bundles: &[Bundle], options: &Options) -> Report {
    let rules = selected(options);
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    for b in bundles {
        let target = BundleTarget::new(b, options.now, options.expires_within);
        for rule in &rules {
            if let Check::Bundle(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        summaries.push(summarize(&target, options.now));
    }
    let trust = (bundles.len() > 1).then(|| {
        let mesh = MeshTarget::new(bundles);
        for rule in &rules {
            if let Check::Mesh(check) = rule.check {
                check(&mesh, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        trust_summary(&mesh)
    });
    finding::sort(&mut findings);
    Report {
        findings,
        bundles: summaries,
        trust,
    }
}

fn summarize(t: &BundleTarget<'_>, now: i64) -> BundleSummary {
    let chain = t
        .walked_path()
        .into_iter()
        .map(|c| ChainEntry {
            subject: c.value.subject.clone(),
            issuer: c.value.issuer.clone(),
            key: c.value.public_key.kind.describe(),
            not_after: crate::rules::vi3xx_bundle::date(c.value.not_after),
            days_left: if c.value.not_after >= now {
                crate::rules::vi3xx_bundle::days(now, c.value.not_after)
            } else {
                -crate::rules::vi3xx_bundle::days(c.value.not_after, now)
            },
            file: t.bundle.member_name(c.kind).to_string(),
            block: c.block + 1,
            sha256: c.value.sha256_fingerprint(),
        })
        .collect();
    let key = t.bundle.key.as_ref().and_then(|k| k.value.as_ref().ok());
    BundleSummary {
        label: t.bundle.label.clone(),
        chain,
        anchored: t.chain.as_ref().is_some_and(|c| c.anchored()),
        key: key.map(|k| k.kind.describe()),
        key_matches: key
            .zip(t.bundle.ca_cert())
            .map(|(k, c)| k.matches(&c.value)),
    }
}

fn trust_summary(mesh: &MeshTarget<'_>) -> TrustSummary {
    let bundles = mesh.bundles;
    let roots_of = |b: &Bundle| -> Vec<(String, String)> {
        b.certs_of(FileKind::RootCert)
            .map(|c| (c.value.sha256_fingerprint(), c.value.subject.clone()))
            .collect()
    };
    let mut shared = roots_of(&bundles[0]);
    for b in &bundles[1..] {
        let theirs = roots_of(b);
        shared.retain(|(fp, _)| theirs.iter().any(|(f, _)| f == fp));
    }
    let mutual = mesh.mutual();
    TrustSummary {
        bundles: bundles.len(),
        shared_roots: shared.into_iter().map(|(_, s)| s).collect(),
        mutual,
    }
}
