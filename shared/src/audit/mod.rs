//! `audit`: what a live cluster shows, as a serialisable snapshot, evaluated by pure rules.
//!
//! The CLI collects a [`ClusterSnapshot`] per kube context (read-only: get, list, logs) and
//! hands the snapshots to [`evaluate`]; a saved snapshot evaluates the same way later or
//! elsewhere. The snapshot holds the engine's own small structs with just what the rules
//! read — never Kubernetes API types, and never a Secret's data.

pub mod snapshot;

pub use snapshot::{ClusterSnapshot, IstiodDeployment, IstiodPod};

use crate::finding::{self, Finding};
use crate::rules::{Check, Emitter, Rule};

/// What an audit rule is given.
pub struct ClusterTarget<'a> {
    pub snapshot: &'a ClusterSnapshot,
}

/// What a rule over several clusters is given.
pub struct ClustersTarget<'a> {
    pub snapshots: &'a [ClusterSnapshot],
}

/// Rule codes or names to skip.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub ignore: Vec<String>,
}

fn selected(options: &Options) -> Vec<&'static Rule> {
    crate::rules::selected(&options.ignore)
}

/// Evaluates every snapshot: the cluster rules, and the lint rules on each live istiod
/// Deployment (its findings point into the Deployment's manifest, named
/// `k8s/<cluster>/<namespace>/Deployment/<name>`).
pub fn evaluate(snapshots: &[ClusterSnapshot], options: &Options) -> Vec<Finding> {
    let rules = selected(options);
    let mut findings = Vec::new();
    for s in snapshots {
        let target = ClusterTarget { snapshot: s };
        for rule in &rules {
            if let Check::Cluster(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        let manifests: Vec<crate::SourceFile> = s
            .istiod
            .iter()
            .filter(|d| !d.manifest.is_empty())
            .map(|d| {
                crate::SourceFile::new(
                    s.object_uri(&d.namespace, "Deployment", &d.name),
                    d.manifest.clone(),
                )
            })
            .collect();
        let report = crate::lint(
            &manifests,
            &crate::Options {
                ignore: options.ignore.clone(),
            },
        );
        findings.extend(report.findings);
    }
    if snapshots.len() > 1 {
        let target = ClustersTarget { snapshots };
        for rule in &rules {
            if let Check::Clusters(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
    }
    finding::sort(&mut findings);
    findings
}
