use super::live::{file_gateways, running, selected};
use super::{at, gateway_name};
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// In an audit: flags an Istio Gateway that names certificate files and whose
    /// `selector` picks the running pods of more than one workload (Deployments, or
    /// namespaces).
    ///
    /// ## Why it breaks
    /// Istio configures the Gateway's servers on every pod the selector picks, and each of
    /// them must then hold the files. A broad selector (`istio: ingressgateway` shared by
    /// an internal and an external gateway, or by gateways in two namespaces) makes a
    /// gateway without the files fail its listener, and serves the hosts where nobody
    /// meant to.
    ///
    /// ## How to fix
    /// Select a label only the intended gateway has (`app: <release>` or a label of your
    /// own in the chart's `labels`), or render the same files on every selected gateway.
    ///
    /// ## Example
    /// ```text
    /// Gateway shop  selector {istio: ingressgateway}
    /// pods of Deployment istio-ingress/public and Deployment istio-internal/private
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Gateway shop  selector {istio: ingressgateway, app: public}
    /// pods of Deployment istio-ingress/public
    /// ```
    code: "VI751",
    name: "gateway-selects-several-workloads",
    severity: Warning,
    title: "a Gateway with certificate files selects the pods of several gateway workloads",
    since: "0.1.0",
    LiveGateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    let Some(live) = t.live else { return };
    for (gw, _) in file_gateways(t) {
        let mut groups: Vec<String> = selected(&live, gw, t.scoped_to_namespace)
            .into_iter()
            .filter(|p| running(p))
            .map(|p| match p.owner.split_once('/') {
                Some((kind, name)) => format!("{kind} {}/{name}", p.namespace),
                None => format!("pod {}", p.who()),
            })
            .collect();
        groups.sort();
        groups.dedup();
        if groups.len() < 2 {
            continue;
        }
        out.emit_located(
            &at(&gw.at, &gw.selector_place),
            format!(
                "{} selects the running pods of {} workloads ({}): each must hold its certificate files, and each serves its hosts",
                gateway_name(gw),
                groups.len(),
                groups.join(", ")
            ),
        )
        .help("add a selector label only the intended gateway carries");
    }
}
