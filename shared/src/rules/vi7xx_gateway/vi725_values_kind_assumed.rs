use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Says that a Helm values file was read as istiod's when it could as well be the
    /// `istio/gateway` chart's: Vault injector annotations in top-level `podAnnotations`
    /// (both charts have it), and nothing else that tells them apart — no `pilot`,
    /// `meshConfig` or `istiodRemote`, no `ROOT_CA_DIR`, no istiod CA file among the
    /// rendered files, and none of the gateway chart's `service`, `labels`,
    /// `autoscaling`, `networkGateway`.
    ///
    /// ## Why it breaks
    /// Nothing breaks; this is so a wrong guess does not go unnoticed. istiod's rules
    /// expect the four CA files and `ROOT_CA_DIR`, the gateway rules expect certificate
    /// files for a Gateway, so reading a file as the wrong chart gives the wrong findings.
    ///
    /// ## How to fix
    /// Pass `--kind gateway` if these are a gateway's values (or add the chart's
    /// `labels`), `--kind istiod` to confirm.
    ///
    /// ## Example
    /// ```yaml
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// labels: {istio: ingressgateway}
    /// podAnnotations:
    ///   vault.hashicorp.com/agent-inject: "true"
    ///   vault.hashicorp.com/agent-inject-secret-tls.crt: kv/ingress/tls
    /// ```
    code: "VI725",
    name: "values-kind-assumed",
    severity: Info,
    title: "values that could be istiod's or a gateway's were read as istiod's",
    since: "0.1.0",
    Gateways: check,
}

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for at in &t.inventory.assumed {
        out.emit_located(
            at,
            "read as istiod's Helm values: Vault annotations in top-level `podAnnotations` fit the istio/gateway chart as well, and nothing else tells them apart",
        )
        .help("pass `--kind gateway` if these are a gateway's values, `--kind istiod` to confirm");
    }
}
