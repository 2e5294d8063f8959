//! What the rules look at: one istiod configuration, wherever it was written (Helm values
//! of either chart layout, an IstioOperator, a Deployment or Pod manifest), reduced to the
//! same shape. Every piece keeps its position so findings can point at it.

use crate::source::yaml::{Node, Pos, Span, Style};

/// Where an istiod configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// istiod chart values, 1.16–1.23 layout (`pilot.podAnnotations`, `pilot.env`).
    HelmValuesLegacy,
    /// istiod chart values, 1.24+ layout (top-level `podAnnotations`, `env`).
    HelmValues,
    IstioOperator,
    Deployment,
    Pod,
    /// `istio/gateway` chart values (`podAnnotations`, `labels`, `service`…).
    GatewayValues,
    /// The legacy `gateways` chart's values (`gateways.istio-ingressgateway.*`).
    GatewaysChartValues,
}

impl Origin {
    pub fn describe(self) -> &'static str {
        match self {
            Origin::HelmValuesLegacy => "istiod Helm values (pilot.*)",
            Origin::HelmValues => "istiod Helm values",
            Origin::IstioOperator => "IstioOperator",
            Origin::Deployment => "Deployment",
            Origin::Pod => "Pod",
            Origin::GatewayValues => "istio/gateway Helm values",
            Origin::GatewaysChartValues => "gateways chart values",
        }
    }
}

/// A place in the input: a span plus the key path that leads to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub span: Span,
    pub path: String,
}

/// One pod annotation as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub key: String,
    pub key_span: Span,
    /// The value node: normally a scalar; anything else is itself a finding.
    pub value: Node,
    /// Key path of the annotation, e.g. `pilot.podAnnotations."vault.hashicorp.com/role"`.
    pub path: String,
}

impl Annotation {
    /// The value's text (for any scalar style).
    pub fn text(&self) -> Option<&str> {
        self.value.as_str()
    }

    pub fn place(&self) -> Place {
        Place {
            span: self.value.span(),
            path: self.path.clone(),
        }
    }

    pub fn key_place(&self) -> Place {
        Place {
            span: self.key_span,
            path: self.path.clone(),
        }
    }

    /// The place of a byte range inside the value's text (for template positions).
    pub fn text_place(&self, range: std::ops::Range<usize>) -> Place {
        let Some(scalar) = self.value.as_scalar() else {
            return self.place();
        };
        let span = self.value.span();
        let start = span.start;
        // Folded scalars and flow scalars written over several lines join lines, so the
        // value's lines are not the file's: point at the whole value rather than guess.
        let folds = scalar.style == Style::Folded
            || (scalar.block_start.is_none() && span.end.line != span.start.line);
        if folds {
            return self.place();
        }
        // On one line, a value character is one source character except for escapes:
        // `\"`, `\\` and control characters in double quotes, `''` in single quotes
        // (counting the shortest escape, which is what editors and yq write).
        let flow_column = |offset: usize| -> u32 {
            let before = scalar.value.get(..offset).unwrap_or(&scalar.value);
            let escapes: usize = match scalar.style {
                Style::DoubleQuoted => before
                    .chars()
                    .map(|c| match c {
                        '"' | '\\' | '\t' | '\r' | '\n' | '\0' => 1,
                        c if c.is_control() => 3,
                        _ => 0,
                    })
                    .sum(),
                Style::SingleQuoted => before.matches('\'').count(),
                _ => 0,
            };
            let quote = usize::from(scalar.style != Style::Plain);
            let width = quote + before.chars().count() + escapes;
            start.column + u32::try_from(width).unwrap_or(0)
        };
        let at = |offset: usize| match scalar.block_start {
            Some(b) => {
                let (tline, tcol) = crate::template::line_col(&scalar.value, offset);
                Pos {
                    line: b.line + u32::try_from(tline).unwrap_or(0),
                    column: b.column + u32::try_from(tcol).unwrap_or(0),
                }
            }
            None => Pos {
                line: start.line,
                column: flow_column(offset),
            },
        };
        Place {
            span: Span {
                start: at(range.start),
                end: at(range.end),
            },
            path: self.path.clone(),
        }
    }

    /// The part after `vault.hashicorp.com/`, if this is an injector annotation.
    pub fn vault_name(&self) -> Option<&str> {
        self.key.strip_prefix(crate::injector::catalog::PREFIX)
    }
}

/// One environment variable of the `discovery` container.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// `None` when the value comes from `valueFrom` and cannot be known statically.
    pub value: Option<String>,
    pub place: Place,
}

/// One istiod configuration, reduced to what the rules need.
#[derive(Debug, Clone, PartialEq)]
pub struct IstiodSpec {
    pub file: String,
    /// 0-based document index in the file.
    pub document: usize,
    pub origin: Origin,
    /// Object name for manifests; `istiod` for values.
    pub name: String,
    pub namespace: Option<String>,
    /// Where the pod annotations are (or should be): the map's key, or the object.
    pub annotations_place: Place,
    /// Pod (template) annotations, in file order; for values with both layouts, the
    /// merged view where `pilot.*` wins, as the 1.24+ chart does.
    pub annotations: Vec<Annotation>,
    /// `vault.hashicorp.com/*` annotations found on a Deployment's own metadata, where
    /// the injector never sees them.
    pub misplaced_annotations: Vec<Annotation>,
    /// Pod (template) labels the input sets (`podLabels` in values; the pod template's
    /// `metadata.labels` in manifests), with positions.
    pub pod_labels: Vec<Annotation>,
    pub env_place: Place,
    pub env: Vec<EnvVar>,
    /// Container names, when the input lists them (manifests). Values imply `discovery`.
    pub containers: Option<Vec<String>>,
    pub service_account: Option<String>,
    /// What the manifest's pod spec says about the service-account token, which the agent
    /// needs to log in. `None` for values (the chart decides).
    pub token: Option<TokenMounts>,
    /// Codes suppressed by a `vault-istio.io/ignore` annotation on the object.
    pub ignored_codes: Vec<String>,
}

/// The parts of a pod spec that decide whether a service-account token is mounted.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenMounts {
    /// `automountServiceAccountToken` when set on the pod, with its place.
    pub automount: Option<(bool, Place)>,
    /// True when some container mounts a path containing `serviceaccount` itself.
    pub explicit_mount: bool,
    /// Names of projected volumes that carry a `serviceAccountToken` source.
    pub projected_token_volumes: Vec<String>,
}

/// Annotation that suppresses findings on one object: `vault-istio.io/ignore: "VI101,VI114"`.
pub const IGNORE_ANNOTATION: &str = "vault-istio.io/ignore";

impl IstiodSpec {
    /// The effective annotation for `key` (the last one written wins, as in a map).
    pub fn annotation(&self, key: &str) -> Option<&Annotation> {
        self.annotations.iter().rev().find(|a| a.key == key)
    }

    /// The injector annotation `vault.hashicorp.com/<name>`.
    pub fn vault(&self, name: &str) -> Option<&Annotation> {
        self.annotations
            .iter()
            .rev()
            .find(|a| a.vault_name() == Some(name))
    }

    pub fn pod_label(&self, key: &str) -> Option<&Annotation> {
        self.pod_labels.iter().rev().find(|a| a.key == key)
    }

    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().rev().find(|e| e.name == name)
    }

    pub fn has_vault_annotations(&self) -> bool {
        self.annotations.iter().any(|a| a.vault_name().is_some())
    }
}
