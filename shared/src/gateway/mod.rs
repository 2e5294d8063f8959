//! Gateways whose TLS files come from Vault: the gateway workloads (where the injector
//! renders files), the Istio `Gateway` and `DestinationRule` objects that name those files,
//! and Gateway API gateways. `read` finds them in parsed YAML; the VI7xx rules judge them
//! together, across every input file, because a Gateway and the values of the pods it
//! selects usually live in different files.

pub mod read;
pub mod served;

use crate::model::{IstiodSpec, Place};

pub use read::{Kind, read};

/// A position in one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub file: String,
    pub document: usize,
    pub place: Place,
}

/// Which way a gateway faces, when the input says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Ingress,
    Egress,
}

/// Gateway pods as one input describes them: the `istio/gateway` chart's values, an
/// IstioOperator's `ingressGateways[]`/`egressGateways[]`, the legacy `gateways` chart's
/// values, or a Deployment/Pod running a gateway proxy. The pod side (annotations,
/// labels, containers, ServiceAccount) uses the same shape as istiod's, so the injector is
/// read the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayWorkload {
    pub spec: IstiodSpec,
    pub direction: Option<Direction>,
    /// The pod labels a Gateway `selector` is matched against, chart defaults included.
    pub labels: Vec<(String, String)>,
    /// When the labels depend on something the input does not say (the Helm release
    /// name), what was assumed.
    pub labels_assumed: Option<String>,
    /// The proxy container comes from the injector's `gateway` template (the
    /// `istio/gateway` chart, `injectionTemplate`, `image: auto`), which sets its uid.
    pub proxy_injected: bool,
}

impl GatewayWorkload {
    /// True when every `selector` label is on these pods (Istio: selector ⊆ labels). When
    /// the chart derives `app` and `istio` from a release name the input does not give,
    /// those two keys may match anything.
    pub fn matches(&self, selector: &[(String, String)]) -> bool {
        selector.iter().all(|(k, v)| {
            self.labels.iter().any(|(lk, lv)| lk == k && lv == v)
                || (self.labels_assumed.is_some()
                    && (k == "app" || k == "istio")
                    && !self.labels.iter().any(|(lk, _)| lk == k))
        })
    }

    /// `place` in the file that describes these pods.
    pub fn at(&self, place: Place) -> Located {
        Located {
            file: self.spec.file.clone(),
            document: self.spec.document,
            place,
        }
    }

    /// `ns/name (what, in which file)`, as findings show it: two inputs can describe
    /// gateways of the same name.
    pub fn who(&self) -> String {
        let name = match &self.spec.namespace {
            Some(ns) => format!("{ns}/{}", self.spec.name),
            None => self.spec.name.clone(),
        };
        let file = self.spec.file.rsplit('/').next().unwrap_or(&self.spec.file);
        format!("{name} ({} in {file})", self.spec.origin.describe())
    }
}

/// A scalar field as written: its text (`None` for a non-scalar) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    pub text: Option<String>,
    /// For list fields (`subjectAltNames`, `verifyCertificateSpki`…): the items' texts.
    pub items: Vec<String>,
    pub place: Place,
}

/// The TLS modes of `ServerTLSSettings` and `ClientTLSSettings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Passthrough,
    Simple,
    Mutual,
    AutoPassthrough,
    IstioMutual,
    OptionalMutual,
    Disable,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "PASSTHROUGH" => Mode::Passthrough,
            "SIMPLE" => Mode::Simple,
            "MUTUAL" => Mode::Mutual,
            "AUTO_PASSTHROUGH" => Mode::AutoPassthrough,
            "ISTIO_MUTUAL" => Mode::IstioMutual,
            "OPTIONAL_MUTUAL" => Mode::OptionalMutual,
            "DISABLE" => Mode::Disable,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Passthrough => "PASSTHROUGH",
            Mode::Simple => "SIMPLE",
            Mode::Mutual => "MUTUAL",
            Mode::AutoPassthrough => "AUTO_PASSTHROUGH",
            Mode::IstioMutual => "ISTIO_MUTUAL",
            Mode::OptionalMutual => "OPTIONAL_MUTUAL",
            Mode::Disable => "DISABLE",
        }
    }
}

/// A `tls:` block of a Gateway server or of a DestinationRule traffic policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    /// The `tls` key.
    pub place: Place,
    /// `mode` as written; `None` when absent.
    pub mode_field: Option<Field>,
    /// Every other key, in file order.
    pub fields: Vec<Field>,
}

/// The file-path fields of a Gateway server's TLS settings.
pub const SERVER_FILE_FIELDS: &[&str] =
    &["serverCertificate", "privateKey", "caCertificates", "caCrl"];
/// The file-path fields of a DestinationRule's client TLS settings.
pub const CLIENT_FILE_FIELDS: &[&str] =
    &["clientCertificate", "privateKey", "caCertificates", "caCrl"];

impl Tls {
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The field's text when it is set to a non-empty scalar.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.field(key)
            .and_then(|f| f.text.as_deref())
            .filter(|t| !t.is_empty())
    }

    /// The mode; a block without `mode` is the enum's zero value (PASSTHROUGH on a
    /// Gateway server, DISABLE on a DestinationRule). `None` when `mode` is not a mode.
    pub fn mode(&self, default: Mode) -> Option<Mode> {
        match &self.mode_field {
            None => Some(default),
            Some(f) => f.text.as_deref().and_then(Mode::parse),
        }
    }

    /// The file fields among `names` that are set, in file order.
    pub fn files<'a>(&'a self, names: &[&str]) -> Vec<&'a Field> {
        self.fields
            .iter()
            .filter(|f| names.contains(&f.key.as_str()))
            .filter(|f| f.text.as_deref().is_some_and(|t| !t.is_empty()))
            .collect()
    }

    /// `credentialName` or a non-empty `credentialNames`.
    pub fn credential(&self) -> Option<&Field> {
        self.fields.iter().find(|f| {
            (f.key == "credentialName" && f.text.as_deref().is_some_and(|t| !t.is_empty()))
                || (f.key == "credentialNames" && !f.items.is_empty())
        })
    }
}

/// One `spec.servers[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub index: usize,
    pub place: Place,
    pub port_number: Option<u64>,
    /// `port.protocol`, upper-cased as istiod compares it.
    pub protocol: Option<String>,
    pub protocol_place: Option<Place>,
    pub hosts: Vec<(String, Place)>,
    pub tls: Option<Tls>,
}

/// An Istio `Gateway` (networking.istio.io v1, v1beta1, v1alpha3).
#[derive(Debug, Clone, PartialEq)]
pub struct IstioGateway {
    pub at: Located,
    pub name: String,
    pub namespace: Option<String>,
    /// `spec.selector`; `None` when absent (every gateway proxy).
    pub selector: Option<Vec<(String, String)>>,
    pub selector_place: Place,
    pub servers: Vec<Server>,
    pub ignored_codes: Vec<String>,
}

/// A TLS block of a DestinationRule and where it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct DrTls {
    /// `trafficPolicy`, `trafficPolicy.portLevelSettings[0]`, `subsets[1]`…
    pub scope: String,
    pub tls: Tls,
}

/// A `DestinationRule` with client TLS settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationRule {
    pub at: Located,
    pub name: String,
    pub namespace: Option<String>,
    pub host: Option<String>,
    /// `spec.workloadSelector.matchLabels`, when set.
    pub workload_selector: Option<Vec<(String, String)>>,
    pub export_to: Option<Vec<String>>,
    pub tls: Vec<DrTls>,
    pub ignored_codes: Vec<String>,
}

/// A Gateway API `Gateway` (gateway.networking.k8s.io) with its infrastructure annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeGateway {
    pub at: Located,
    pub name: String,
    pub namespace: Option<String>,
    pub class: Option<String>,
    pub annotations: Vec<crate::model::Annotation>,
    /// The `spec.infrastructure.annotations` key, or the object.
    pub annotations_place: Place,
    pub ignored_codes: Vec<String>,
}

/// Input that istiod would reject or cannot mean anything: a field of the wrong type, an
/// unknown TLS mode. Reported by VI724 with the place.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub at: Located,
    pub message: String,
}

/// Everything gateway-related found in the inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub workloads: Vec<GatewayWorkload>,
    pub gateways: Vec<IstioGateway>,
    pub destination_rules: Vec<DestinationRule>,
    pub kube_gateways: Vec<KubeGateway>,
    pub malformed: Vec<Malformed>,
    /// Values documents that fit istiod's and the gateway chart alike and were read as
    /// istiod's (VI725 says so).
    pub assumed: Vec<Located>,
}

impl Inventory {
    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty()
            && self.gateways.is_empty()
            && self.destination_rules.is_empty()
            && self.kube_gateways.is_empty()
            && self.malformed.is_empty()
            && self.assumed.is_empty()
    }

    pub fn extend(&mut self, other: Inventory) {
        self.workloads.extend(other.workloads);
        self.gateways.extend(other.gateways);
        self.destination_rules.extend(other.destination_rules);
        self.kube_gateways.extend(other.kube_gateways);
        self.malformed.extend(other.malformed);
        self.assumed.extend(other.assumed);
    }

    /// One line per object found, for reports.
    pub fn objects(&self) -> Vec<ObjectRef> {
        let mut out = Vec::new();
        for w in &self.workloads {
            out.push(ObjectRef {
                kind: w.spec.origin.describe().to_string(),
                name: w.spec.name.clone(),
                namespace: w.spec.namespace.clone(),
                file: w.spec.file.clone(),
                document: w.spec.document,
            });
        }
        let mut push = |kind: &str, at: &Located, name: &str, ns: &Option<String>| {
            out.push(ObjectRef {
                kind: kind.to_string(),
                name: name.to_string(),
                namespace: ns.clone(),
                file: at.file.clone(),
                document: at.document,
            })
        };
        for g in &self.gateways {
            push("Gateway", &g.at, &g.name, &g.namespace);
        }
        for d in &self.destination_rules {
            push("DestinationRule", &d.at, &d.name, &d.namespace);
        }
        for k in &self.kube_gateways {
            push(
                "Gateway (gateway.networking.k8s.io)",
                &k.at,
                &k.name,
                &k.namespace,
            );
        }
        out
    }

    /// How many objects were found, for the summary line.
    pub fn count(&self) -> usize {
        self.workloads.len()
            + self.gateways.len()
            + self.destination_rules.len()
            + self.kube_gateways.len()
    }

    /// The workloads a Gateway's selector picks, honouring namespace scoping when
    /// `scoped` (istiod's `PILOT_SCOPE_GATEWAY_TO_NAMESPACE`).
    pub fn selected<'a>(&'a self, gw: &IstioGateway, scoped: bool) -> Vec<&'a GatewayWorkload> {
        self.workloads
            .iter()
            .filter(|w| match &gw.selector {
                Some(sel) => w.matches(sel),
                None => true,
            })
            .filter(|w| {
                !scoped
                    || match (&w.spec.namespace, &gw.namespace) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            })
            .collect()
    }
}

/// A gateway object found in the inputs, as reports list it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub file: String,
    pub document: usize,
}

/// An Istio version as `(minor)` of 1.x, for version-gated rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IstioVersion {
    pub major: u32,
    pub minor: u32,
}

impl IstioVersion {
    /// The newest Istio release the rules know (reference/gateways.md: tags to 1.30).
    pub const NEWEST: IstioVersion = IstioVersion {
        major: 1,
        minor: 30,
    };

    /// `1.27`, `1.27.3`, `v1.27`.
    pub fn parse(s: &str) -> Option<IstioVersion> {
        let s = s.trim().trim_start_matches('v');
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            patch.split(['-', '+']).next()?.parse::<u32>().ok()?;
        }
        Some(IstioVersion { major, minor })
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= IstioVersion { major, minor }
    }
}

impl std::fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
