//! `audit`: what a live cluster (and the Vault server) shows, as serialisable snapshots,
//! evaluated by pure rules.
//!
//! The CLI collects a [`ClusterSnapshot`] per kube context (read-only: get, list, logs) and,
//! with `--vault`, one [`VaultSnapshot`] of the Vault server for what those clusters' istiod
//! configurations ask of it ([`needs`]); it hands them to [`evaluate_with_vault`]. A saved
//! snapshot evaluates the same way later or elsewhere. Snapshots hold the engine's own small
//! structs with just what the rules read — never Kubernetes API types, never a Secret's
//! data, never private key bytes.

pub mod needs;
pub mod snapshot;
pub mod vault;

pub use needs::IstiodNeeds;
pub use snapshot::{ClusterSnapshot, IstiodDeployment, IstiodPod};
pub use vault::VaultSnapshot;

use crate::bundle::{Bundle, BundleInput, FileKind, Member};
use crate::finding::{self, Finding};
use crate::rules::{Check, Emitter, Rule};
use vault::FieldValue;

/// What an audit rule is given.
pub struct ClusterTarget<'a> {
    pub snapshot: &'a ClusterSnapshot,
}

/// What a rule over several clusters is given.
pub struct ClustersTarget<'a> {
    pub snapshots: &'a [ClusterSnapshot],
}

/// What a Vault rule is given: the Vault snapshot, the clusters, and what each injected
/// istiod asks of Vault.
pub struct VaultTarget<'a> {
    pub vault: &'a VaultSnapshot,
    pub clusters: &'a [ClusterSnapshot],
    /// The istiod configurations that use the Vault namespace the snapshot was read in.
    pub needs: &'a [IstiodNeeds],
    /// Those that use another Vault namespace (`vault.hashicorp.com/namespace`): not
    /// checked against this snapshot.
    pub elsewhere: &'a [IstiodNeeds],
}

impl VaultTarget<'_> {
    pub fn cluster(&self, name: &str) -> Option<&ClusterSnapshot> {
        self.clusters.iter().find(|c| c.cluster == name)
    }
}

/// Rule codes or names to skip, and the clock for certificates read from Vault.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub ignore: Vec<String>,
    /// Unix seconds "now" for the validity checks of certificates read from Vault (the
    /// engine has no clock). Without it those certificates are not verified.
    pub now: Option<i64>,
    /// Warn when a certificate expires within this many seconds (default 30 days).
    pub expires_within: Option<i64>,
    /// The Istio version to judge gateway objects by; without it, the oldest istiod image
    /// tag in each cluster, else the newest version the rules know.
    pub istio_version: Option<crate::gateway::IstioVersion>,
}

/// The Istio version of a cluster's control plane: the oldest tag among the istiod
/// Deployments' `discovery` images (`docker.io/istio/pilot:1.23.2`, `…:1.27.0-distroless`).
/// The oldest, because a Gateway must work with every revision that may configure it.
pub fn istio_version(s: &ClusterSnapshot) -> Option<crate::gateway::IstioVersion> {
    s.istiod
        .iter()
        .flat_map(|d| crate::source::yaml::parse(&d.manifest).unwrap_or_default())
        .filter_map(|doc| {
            let containers = doc
                .root
                .path(&["spec", "template", "spec", "containers"])?
                .as_sequence()?;
            let image = containers
                .iter()
                .find(|c| c.get("name").and_then(|n| n.as_str()) == Some("discovery"))?
                .get("image")?
                .as_str()?;
            image_version(image)
        })
        .min()
}

/// The version in an image reference's tag: `repo/pilot:1.23.2` → 1.23 (a digest or a tag
/// that is no version gives none).
fn image_version(image: &str) -> Option<crate::gateway::IstioVersion> {
    let image = image.split('@').next()?;
    let name_end = image.rfind('/').map_or(0, |i| i + 1);
    let (_, tag) = image[name_end..].split_once(':')?;
    crate::gateway::IstioVersion::parse(tag)
}

fn selected(options: &Options) -> Vec<&'static Rule> {
    crate::rules::selected(&options.ignore)
}

/// Evaluates every cluster snapshot: the cluster rules, and the lint rules on each live
/// istiod Deployment (its findings point into the Deployment's manifest, named
/// `k8s/<cluster>/<namespace>/Deployment/<name>`).
pub fn evaluate(snapshots: &[ClusterSnapshot], options: &Options) -> Vec<Finding> {
    evaluate_with_vault(snapshots, None, options)
}

/// [`evaluate`], plus, given a Vault snapshot, the Vault rules and every bundle and
/// cross-cluster rule on the certificates read from Vault.
pub fn evaluate_with_vault(
    snapshots: &[ClusterSnapshot],
    vault: Option<&VaultSnapshot>,
    options: &Options,
) -> Vec<Finding> {
    let rules = selected(options);
    let mut findings = Vec::new();
    for s in snapshots {
        let target = ClusterTarget { snapshot: s };
        for rule in &rules {
            if let Check::Cluster(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        // istiod's live Deployments and the gateway objects, judged as files are.
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
            .chain(s.gateway_objects.iter().map(|o| {
                crate::SourceFile::new(
                    s.object_uri(&o.namespace, &o.kind, &o.name),
                    o.manifest.clone(),
                )
            }))
            .collect();
        let live = s
            .gateway_pods
            .as_deref()
            .map(|pods| crate::rules::LiveGateways {
                cluster: &s.cluster,
                pods,
            });
        let report = crate::lint::lint_live(
            &manifests,
            &crate::Options {
                ignore: options.ignore.clone(),
                istio_version: options.istio_version.or_else(|| istio_version(s)),
                ..Default::default()
            },
            live,
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
    if let Some(vault) = vault {
        let all: Vec<IstiodNeeds> = snapshots.iter().flat_map(needs::of_cluster).collect();
        let (needs, elsewhere): (Vec<IstiodNeeds>, Vec<IstiodNeeds>) = all
            .into_iter()
            .partition(|n| needs::same_namespace(n, vault.namespace.as_deref()));
        let target = VaultTarget {
            vault,
            clusters: snapshots,
            needs: &needs,
            elsewhere: &elsewhere,
        };
        for rule in &rules {
            if let Check::Vault(check) = rule.check {
                check(&target, &mut Emitter::new(&rule.meta, &mut findings));
            }
        }
        if let Some(now) = options.now {
            let verify = crate::verify::Options {
                now,
                expires_within: options
                    .expires_within
                    .unwrap_or(crate::verify::DEFAULT_EXPIRES_WITHIN),
                ignore: options.ignore.clone(),
            };
            let (mesh, more) = vault_bundles(vault, &needs);
            findings.extend(crate::verify::verify_bundles(&mesh, &verify).findings);
            for b in more {
                findings.extend(crate::verify::verify_bundles(&[b], &verify).findings);
            }
        }
    }
    finding::sort(&mut findings);
    findings.dedup();
    findings
}

/// The bundles the injected istiod Deployments would render from Vault, for those whose
/// values were all read: one per cluster for the cross-cluster rules (the first istiod with
/// values), and one more for each other istiod that reads other paths (another revision).
/// The members are named `vault/<api path>` with the field as the member.
pub fn vault_bundles(vault: &VaultSnapshot, needs: &[IstiodNeeds]) -> (Vec<Bundle>, Vec<Bundle>) {
    let mut mesh: Vec<Bundle> = Vec::new();
    let mut more: Vec<Bundle> = Vec::new();
    let mut seen: Vec<Vec<&needs::KvRead>> = Vec::new();
    for n in needs {
        let reads: Vec<&needs::KvRead> = n.reads.iter().collect();
        if seen.contains(&reads) {
            continue;
        }
        let first_of_cluster = !mesh.iter().any(|b| b.label == n.cluster);
        let label = if first_of_cluster {
            n.cluster.clone()
        } else {
            format!("{} ({}/{})", n.cluster, n.namespace, n.deployment)
        };
        if let Some(b) = vault_bundle(vault, n, label) {
            seen.push(reads);
            if first_of_cluster {
                mesh.push(b);
            } else {
                more.push(b);
            }
        }
    }
    (mesh, more)
}

fn vault_bundle(vault: &VaultSnapshot, n: &IstiodNeeds, label: String) -> Option<Bundle> {
    let mut members = Vec::new();
    let mut key = None;
    let mut origin = None;
    for kind in FileKind::ALL {
        let Some(read) = n.reads.iter().find(|r| r.kind == Some(kind)) else {
            continue;
        };
        let secret = vault.secrets.get(&read.path)?;
        let values = secret.values.found()?;
        let value = values.get(&read.field)?;
        let file = finding::vault_uri(&secret.api_path(&read.path));
        origin.get_or_insert_with(|| file.clone());
        match value {
            FieldValue::Text { text } => members.push(Member {
                kind,
                file,
                member: Some(read.field.clone()),
                text: text.clone(),
            }),
            FieldValue::Key { facts } if kind == FileKind::CaKey => {
                key = Some((read.field.clone(), facts));
            }
            // Key material read as a certificate file: what istiod would find there is
            // not a certificate; the facts say so without the bytes.
            FieldValue::Key { .. } => return None,
        }
    }
    let input = BundleInput {
        label,
        origin: origin?,
        embedded: true,
        named_files: false,
        members,
    };
    Some(match key {
        Some((field, facts)) => Bundle::load_with_key(&input, &field, facts),
        None => Bundle::load(&input),
    })
}

/// A reading's failure, as `GET path: message (403)`, for messages.
pub(crate) fn describe_failure(r: &vault::ReadFailure) -> String {
    match r.status {
        Some(code) => format!("{} answered {code}: {}", r.what, r.message),
        None => format!("{}: {}", r.what, r.message),
    }
}
