//! `lint`: sources in, findings out. Bad input is reported per file, never a panic.

use crate::finding::{self, Finding};
use crate::rules::{self, Rule};
use crate::source::{SourceFile, YamlError, recognize, yaml};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Rule codes or names to skip (`--ignore`).
    pub ignore: Vec<String>,
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
}

impl Report {
    /// How many istiod configurations were checked.
    pub fn configuration_count(&self) -> usize {
        self.configurations.len()
    }

    pub fn input_errors(&self) -> impl Iterator<Item = (&str, &YamlError)> {
        self.inputs
            .iter()
            .filter_map(|i| i.error.as_ref().map(|e| (i.file.as_str(), e)))
    }
}

pub fn lint(sources: &[SourceFile], options: &Options) -> Report {
    let rules = options.rules();
    let mut findings = Vec::new();
    let mut inputs = Vec::new();
    let mut configurations = Vec::new();
    for src in sources {
        match yaml::parse(&src.text) {
            Err(e) => inputs.push(InputReport {
                file: src.name.clone(),
                configurations: 0,
                error: Some(e),
                other_kinds: Vec::new(),
            }),
            Ok(docs) => {
                let inv = recognize(&src.name, &docs);
                for spec in &inv.specs {
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
                });
            }
        }
    }
    finding::sort(&mut findings);
    Report {
        findings,
        inputs,
        configurations,
    }
}
