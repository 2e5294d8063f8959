//! What the VI717–VI721 rules read from the agent templates behind a gateway's files:
//! which template renders a path, and the Vault PKI issuance (`secret "pki/issue/<role>"
//! "common_name=…"`) it performs.

use crate::gateway::{GatewayWorkload, IstioGateway, Server};
use crate::injector::InjectorConfig;
use crate::injector::config::SecretFile;
use crate::rules::GatewayTarget;
use crate::template::{SecretRead, Template};

/// A file a server names, and the template that renders it on one selected workload.
pub(crate) struct Source<'a> {
    pub workload: &'a GatewayWorkload,
    pub file: SecretFile<'a>,
}

impl Source<'_> {
    pub fn template(&self) -> Option<&Template> {
        self.file.parsed.as_ref()
    }

    /// The PKI issuance the template performs, if it reads `<mount>/issue/<role>`.
    pub fn issue(&self) -> Option<&SecretRead> {
        self.template()?
            .secret_reads
            .iter()
            .find(|r| r.path.as_deref().is_some_and(is_issue_path))
    }

    /// The template text uses consul-template's `pkiCert` function.
    pub fn uses_pki_cert(&self) -> bool {
        self.file
            .template
            .and_then(|a| a.text())
            .is_some_and(|t| t.contains("pkiCert"))
    }

    /// Where to point: the template annotation, else the one that declared the file.
    pub fn located(&self) -> crate::gateway::Located {
        let ann = self.file.template.unwrap_or(self.file.declared_by);
        self.workload.at(ann.place())
    }

    /// The fields of the issuance the template uses, in source order (`certificate`,
    /// `issuing_ca`, `ca_chain`, `private_key`): printed directly or ranged over (`{{
    /// range .Data.ca_chain }}{{ . }}{{ end }}` prints each entry).
    pub fn printed_issue_fields(&self) -> Vec<String> {
        let Some(t) = self.template() else {
            return Vec::new();
        };
        let Some(idx) = t
            .secret_reads
            .iter()
            .position(|r| r.path.as_deref().is_some_and(is_issue_path))
        else {
            return Vec::new();
        };
        t.field_refs
            .iter()
            .filter(|f| f.secret == Some(idx))
            .filter_map(|f| match f.chain.as_slice() {
                [d, name, ..] if d == "Data" => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
}

/// `pki/issue/ingress`, `pki_int/issue/web`: Vault PKI's issue endpoint.
pub(crate) fn is_issue_path(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    segs.len() >= 3 && segs[segs.len() - 2] == "issue"
}

/// The issuance's identity for consul-template: the path and its arguments, order-free.
pub(crate) fn issue_key(r: &SecretRead) -> (String, Vec<String>) {
    let mut args = r.extra_args.clone();
    args.sort();
    (r.path.clone().unwrap_or_default(), args)
}

/// The `key=value` argument `key` of an issuance.
pub(crate) fn issue_arg<'r>(r: &'r SecretRead, key: &str) -> Option<&'r str> {
    r.extra_args
        .iter()
        .find_map(|a| a.strip_prefix(key)?.strip_prefix('='))
}

/// The templates that render `path` on the workloads `gw` selects.
pub(crate) fn sources<'a>(
    inv: &'a crate::gateway::Inventory,
    gw: &IstioGateway,
    scoped: bool,
    path: &str,
) -> Vec<Source<'a>> {
    let mut out = Vec::new();
    for w in inv.selected(gw, scoped) {
        if !super::rendered_files(w).iter().any(|f| f == path) {
            continue;
        }
        for file in InjectorConfig::from_spec(&w.spec).secrets {
            if crate::injector::config::clean(&file.destination) == path {
                out.push(Source { workload: w, file });
            }
        }
    }
    out
}

/// The templates behind a server's `field` (`serverCertificate`, `privateKey`…).
pub(crate) fn field_sources<'a>(
    t: &GatewayTarget<'a>,
    gw: &IstioGateway,
    server: &Server,
    field: &str,
) -> Vec<Source<'a>> {
    let Some(tls) = &server.tls else {
        return Vec::new();
    };
    let Some(f) = super::used_files(tls, t.istio_version)
        .into_iter()
        .find(|f| f.key == field)
    else {
        return Vec::new();
    };
    let path = super::resolved(f.text.as_deref().unwrap_or_default());
    sources(t.inventory, gw, t.scoped_to_namespace, &path)
}

/// Every Gateway server's `serverCertificate` template on the pods the Gateway selects,
/// with the Gateway and the server.
pub(crate) fn served_certificates<'a>(
    t: &GatewayTarget<'a>,
) -> Vec<(&'a IstioGateway, &'a Server, Source<'a>)> {
    super::server_tls(&t.inventory.gateways)
        .flat_map(|(gw, server, _)| {
            field_sources(t, gw, server, "serverCertificate")
                .into_iter()
                .map(move |src| (gw, server, src))
        })
        .collect()
}
