//! `lint`: sources in, findings out. Bad input is reported per file, never a panic.

use crate::finding::{self, Finding};
use crate::gateway;
use crate::rules::{self, Rule};
use crate::source::{SourceFile, YamlError, recognize_with, yaml};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Rule codes or names to skip (`--ignore`).
    pub ignore: Vec<String>,
    /// What a Helm values file without `kind` is (`--kind`): decided from its keys, or
    /// forced to istiod or gateway values.
    pub kind: gateway::Kind,
    /// The Istio version gateway rules judge by (`--istio-version`); the newest when unset.
    pub istio_version: Option<gateway::IstioVersion>,
}

impl Options {
    fn rules(&self) -> Vec<&'static Rule> {
        rules::selected(&self.ignore)
    }
}

/// What one input yielded.
#[derive(Debug, Clone)]
pub struct InputReport {
    pub file: String,
    /// istiod configurations found in the file.
    pub configurations: usize,
    /// Why the file could not be read as YAML, if it could not.
    pub error: Option<YamlError>,
    /// Kinds of other objects in the file (to explain "no istiod configuration").
    pub other_kinds: Vec<String>,
    /// Gateway objects found in the file (workloads, Gateways, DestinationRules).
    pub gateway_objects: usize,
}

/// One istiod configuration that was checked, and the files its agent would render.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Configuration {
    pub file: String,
    pub document: usize,
    pub origin: crate::model::Origin,
    pub name: String,
    pub files: Vec<crate::injector::config::FilePreview>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub inputs: Vec<InputReport>,
    pub configurations: Vec<Configuration>,
    /// Every gateway input, across files.
    pub gateways: gateway::Inventory,
}

impl Report {
    /// How many istiod configurations were checked.
    pub fn configuration_count(&self) -> usize {
        self.configurations.len()
    }

    /// How many gateway objects were checked.
    pub fn gateway_count(&self) -> usize {
        self.gateways.count()
    }

    pub fn input_errors(&self) -> impl Iterator<Item = (&str, &YamlError)> {
        self.inputs
            .iter()
            .filter_map(|i| i.error.as_ref().map(|e| (i.file.as_str(), e)))
    }
}

pub fn lint(sources: &[SourceFile], options: &Options) -> Report {
    lint_live(sources, options, None)
}

/// [`lint`] of live objects, with the cluster's running gateway pods for the live gateway
/// rules (`audit`).
pub fn lint_live(
    sources: &[SourceFile],
    options: &Options,
    live: Option<rules::LiveGateways<'_>>,
) -> Report {
    let rules = options.rules();
    let mut findings = Vec::new();
    let mut inputs = Vec::new();
    let mut configurations = Vec::new();
    let mut gateways = gateway::Inventory::default();
    // istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE, when an istiod in the inputs sets it.
    let mut scoped_to_namespace = false;
    for src in sources {
        match yaml::parse(&src.text) {
            Err(e) => inputs.push(InputReport {
                file: src.name.clone(),
                configurations: 0,
                error: Some(e),
                other_kinds: Vec::new(),
                gateway_objects: 0,
            }),
            Ok(docs) => {
                let inv = recognize_with(&src.name, &docs, options.kind);
                let found = gateway::read(&src.name, &docs, options.kind);
                let gateway_objects = found.count();
                gateways.extend(found);
                for spec in &inv.specs {
                    scoped_to_namespace |= spec.env.iter().any(|e| {
                        e.name == "PILOT_SCOPE_GATEWAY_TO_NAMESPACE"
                            && e.value
                                .as_deref()
                                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                    });
                    rules::check_spec(spec, &rules, &mut findings);
                    let injector = crate::injector::InjectorConfig::from_spec(spec);
                    configurations.push(Configuration {
                        file: spec.file.clone(),
                        document: spec.document,
                        origin: spec.origin,
                        name: spec.name.clone(),
                        files: injector.secrets.iter().map(|s| s.preview()).collect(),
                    });
                }
                inputs.push(InputReport {
                    file: src.name.clone(),
                    configurations: inv.specs.len(),
                    error: None,
                    other_kinds: inv.other_kinds,
                    gateway_objects,
                });
            }
        }
    }
    if !gateways.is_empty() {
        let target = rules::GatewayTarget {
            inventory: &gateways,
            istio_version: options
                .istio_version
                .unwrap_or(gateway::IstioVersion::NEWEST),
            version_given: options.istio_version.is_some(),
            scoped_to_namespace,
            live,
        };
        rules::check_gateways(&target, &rules, &mut findings);
    }
    finding::sort(&mut findings);
    Report {
        findings,
        inputs,
        configurations,
        gateways,
    }
}
