use super::{at, dr_name, dr_used_files};
use crate::gateway::{DestinationRule, Direction, GatewayWorkload};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a DestinationRule whose TLS origination reads certificate files
    /// (`clientCertificate`, `privateKey` under MUTUAL; `caCertificates`, `caCrl` under
    /// SIMPLE or MUTUAL) but that is not limited to the gateway: it has no
    /// `workloadSelector` labels, and its `exportTo` is absent or reaches beyond its own
    /// namespace (or it sits in a namespace where no gateway of the inputs runs).
    ///
    /// ## Why it breaks
    /// A DestinationRule without `workloadSelector` applies to every proxy that can see
    /// it: by default every sidecar in the mesh that calls the host, not only the egress
    /// gateway. File paths are read by each proxy's own pilot-agent, from its own pod, and
    /// only the gateway pod has the files the Vault Agent Injector renders. The other
    /// proxies therefore most likely fail to load those SDS resources and log errors for
    /// that destination. Istio's sources do not state this outcome for files. It is
    /// inferred from how file certificates are served, and from istiod refusing to send
    /// a `credentialName` to sidecars unless the DestinationRule has a
    /// `workloadSelector`.
    ///
    /// ## How to fix
    /// Put the DestinationRule in the gateway's namespace and add
    /// `workloadSelector.matchLabels` with the gateway pods' labels; a `workloadSelector`
    /// only matches pods in the DestinationRule's own namespace. `exportTo: ["."]` in the
    /// gateway's namespace also keeps it away from other namespaces' sidecars.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: partner-api, namespace: istio-egress}
    /// spec:
    ///   host: api.partner.example
    ///   trafficPolicy:
    ///     tls:
    ///       mode: MUTUAL
    ///       clientCertificate: /vault/secrets/client.crt
    ///       privateKey: /vault/secrets/client.key
    ///       caCertificates: /vault/secrets/ca.crt
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata: {name: partner-api, namespace: istio-egress}
    /// spec:
    ///   host: api.partner.example
    ///   workloadSelector:
    ///     matchLabels: {istio: egressgateway}
    ///   trafficPolicy:
    ///     tls:
    ///       mode: MUTUAL
    ///       clientCertificate: /vault/secrets/client.crt
    ///       privateKey: /vault/secrets/client.key
    ///       caCertificates: /vault/secrets/ca.crt
    /// ```
    code: "VI732",
    name: "dr-files-unscoped",
    severity: Warning,
    title: "a DestinationRule that reads certificate files is not limited to the gateway pods that have them",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let inv = t.inventory;
    for dr in &inv.destination_rules {
        if dr.workload_selector.as_ref().is_some_and(|l| !l.is_empty()) {
            continue;
        }
        let mut first = None;
        let mut names: Vec<&str> = Vec::new();
        for d in &dr.tls {
            let files = dr_used_files(&d.tls);
            if files.is_empty() {
                continue;
            }
            first.get_or_insert(d);
            for f in files {
                if !names.contains(&f.key.as_str()) {
                    names.push(&f.key);
                }
            }
        }
        let Some(d) = first else { continue };
        let Some(reach) = reach(dr, &inv.workloads) else {
            continue;
        };
        out.emit_located(
            &at(&dr.at, &d.tls.place),
            format!(
                "{}, {}: the proxy reads {} from its own pod, but the DestinationRule has no `workloadSelector` labels and {reach}, so it likely also reaches sidecars without these files (SDS errors there)",
                d.scope,
                dr_name(dr),
                names.join(", ")
            ),
        )
        .help(help(&inv.workloads));
    }
}

/// How far the DestinationRule reaches, for the message; `None` when `exportTo` keeps it
/// in its own namespace and that is (or may be) the gateway's.
fn reach(dr: &DestinationRule, workloads: &[GatewayWorkload]) -> Option<String> {
    let here_only = dr.export_to.as_ref().is_some_and(|e| {
        !e.is_empty()
            && e.iter()
                .all(|x| x == "." || Some(x.as_str()) == dr.namespace.as_deref())
    });
    if !here_only {
        return Some(match &dr.export_to {
            None => "no `exportTo` (it is exported to every namespace)".to_string(),
            Some(e) if e.is_empty() => "an empty `exportTo` (every namespace)".to_string(),
            Some(e) => format!("`exportTo: [{}]`", e.join(", ")),
        });
    }
    let ns = dr.namespace.as_deref()?;
    let known: Vec<&str> = workloads
        .iter()
        .filter_map(|w| w.spec.namespace.as_deref())
        .collect();
    if known.is_empty() || known.contains(&ns) {
        return None;
    }
    Some(format!(
        "is exported only to its namespace `{ns}`, where no gateway of the inputs runs"
    ))
}

/// The fix, with the gateway's `istio` label and namespace when the inputs say.
fn help(workloads: &[GatewayWorkload]) -> String {
    let egress: Vec<&GatewayWorkload> = workloads
        .iter()
        .filter(|w| w.direction == Some(Direction::Egress))
        .collect();
    let pick = match (egress.as_slice(), workloads) {
        ([one], _) => Some(*one),
        ([], [one]) => Some(one),
        _ => None,
    };
    let label = pick
        .and_then(|w| w.labels.iter().find(|(k, _)| k == "istio"))
        .map(|(k, v)| format!("`{k}: {v}`"))
        .unwrap_or_else(|| "for example `istio: egressgateway`".to_string());
    let ns = pick
        .and_then(|w| w.spec.namespace.as_deref())
        .map(|n| format!(" (`{n}`)"))
        .unwrap_or_default();
    format!(
        "add `workloadSelector.matchLabels` with the gateway pods' labels ({label}) and keep the DestinationRule in the gateway's namespace{ns}; a workloadSelector only matches pods in its own namespace"
    )
}
