use super::at;
use crate::finding::Severity;
use crate::rules::{Emitter, GatewayTarget, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a Gateway API `Gateway` with more `spec.infrastructure.annotations` than the
    /// API allows: 8 before Gateway API 1.5, 16 from 1.5.
    ///
    /// ## Why it breaks
    /// The CRD's schema caps the map, so the API server rejects the Gateway. Vault
    /// injector setups reach the cap quickly: every rendered file takes two annotations
    /// (`agent-inject-secret-<f>` and `agent-inject-template-<f>`) on top of
    /// `agent-inject`, `role` and friends.
    ///
    /// ## How to fix
    /// Render several files from one template where possible, move settings the injector
    /// also reads from its ConfigMap there, or use an Istio `Gateway` on an `istio/gateway`
    /// chart deployment, whose `podAnnotations` have no such cap.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   gatewayClassName: istio
    ///   infrastructure:
    ///     annotations:
    ///       a1: "1"
    ///       a2: "2"
    ///       a3: "3"
    ///       a4: "4"
    ///       a5: "5"
    ///       a6: "6"
    ///       a7: "7"
    ///       a8: "8"
    ///       a9: "9"
    ///   listeners:
    ///     - {name: http, port: 80, protocol: HTTP}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: Gateway
    /// metadata: {name: shop}
    /// spec:
    ///   gatewayClassName: istio
    ///   infrastructure:
    ///     annotations:
    ///       a1: "1"
    ///       a2: "2"
    ///   listeners:
    ///     - {name: http, port: 80, protocol: HTTP}
    /// ```
    code: "VI723",
    name: "infrastructure-annotations-over-limit",
    severity: Error,
    title: "more infrastructure annotations than the Gateway API allows",
    since: "0.1.0",
    Gateways: check,
}

/// The cap before Gateway API 1.5, and from it.
const OLD_MAX: usize = 8;
const NEW_MAX: usize = 16;

fn check(t: &GatewayTarget<'_>, out: &mut Emitter<'_>) {
    for g in &t.inventory.kube_gateways {
        let n = g.annotations.len();
        if n <= OLD_MAX {
            continue;
        }
        let f = out.emit_located(
            &at(&g.at, &g.annotations_place),
            format!(
                "{n} infrastructure annotations on Gateway API gateway {}; the API allows {OLD_MAX} before Gateway API 1.5 and {NEW_MAX} from it, so the API server rejects {}",
                g.name,
                if n > NEW_MAX { "it on every version" } else { "it before 1.5" }
            ),
        );
        f.help("render several files from one template, or use an Istio Gateway on an istio/gateway chart deployment (podAnnotations have no cap)");
        if n <= NEW_MAX {
            f.severity(Severity::Warning);
        }
    }
}
