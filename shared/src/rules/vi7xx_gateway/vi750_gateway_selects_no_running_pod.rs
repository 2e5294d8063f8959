use super::live::{file_gateways, labels_text, running, selected};
use super::{at, gateway_name};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: flags an Istio Gateway that names certificate files when no running
    /// pod in the cluster carries every label of its `selector` (in its own namespace when
    /// istiod sets `PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true`). The message says whether pods
    /// match but are not running, or match only in other namespaces.
    ///
    /// ## Why it breaks
    /// Istio applies a Gateway to the gateway pods whose labels include its selector.
    /// With none running, its ports, hosts and certificate files configure nothing and
    /// nothing reports it; `istioctl analyze` says IST0101 but never looks at file paths.
    /// The usual cause is a label mismatch: the `istio/gateway` chart labels pods
    /// `istio: <release name without istio->` while samples select
    /// `istio: ingressgateway`. Offline, VI711 checks the same against the gateway
    /// workloads given.
    ///
    /// ## How to fix
    /// Select labels the gateway pods have (`kubectl get pods -n <ns> --show-labels`), or
    /// give the pods the selected labels (the chart's `labels`), and check that they run.
    ///
    /// ## Example
    /// ```text
    /// Gateway istio-ingress/shop  selector {istio: ingressgateway}
    /// pod istio-ingress/istio-ingress-6f7c9-abcde  labels {istio: ingress}  Running
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Gateway istio-ingress/shop  selector {istio: ingress}
    /// pod istio-ingress/istio-ingress-6f7c9-abcde  labels {istio: ingress}  Running
    /// ```
    code: "VI750",
    name: "gateway-selects-no-running-pod",
    severity: Error,
    title: "a Gateway with certificate files selects no running pod in the cluster",
    since: "0.1.0",
    LiveGateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for (gw, _) in file_gateways(t) {
        let pods = selected(&live, gw, t.scoped_to_namespace);
        if pods.iter().any(|p| running(p)) {
            continue;
        }
        let selector = gw.selector.as_ref().map_or_else(
            || "{}".to_string(),
            |s| labels_text(s.iter().map(|(k, v)| (k, v))),
        );
        let why = if !pods.is_empty() {
            let phases: Vec<String> = pods
                .iter()
                .map(|p| {
                    format!(
                        "{} is {}",
                        p.who(),
                        if p.phase.is_empty() {
                            "in no phase"
                        } else {
                            &p.phase
                        }
                    )
                })
                .collect();
            format!(
                "the pods it selects are not running ({})",
                phases.join(", ")
            )
        } else {
            let elsewhere = selected(&live, gw, false);
            if elsewhere.is_empty() {
                "no pod carries those labels".to_string()
            } else {
                let who: Vec<String> = elsewhere.iter().map(|p| p.who()).collect();
                format!(
                    "only pods in other namespaces carry those labels ({}), and istiod scopes Gateways to their own namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE)",
                    who.join(", ")
                )
            }
        };
        out.emit_located(
            &at(&gw.at, &gw.selector_place),
            format!(
                "selector {selector} of {} selects no running pod in the cluster, so no proxy serves its certificate files: {why}",
                gateway_name(gw)
            ),
        )
        .help("kubectl get pods -A --show-labels | grep -i gateway; select labels the gateway pods have");
    }
}
