use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// In Deployment and Pod manifests, checks that the Vault agent will find a
    /// service-account token to log in with: either the token is auto-mounted, a container
    /// mounts one itself, or `agent-service-account-token-volume-name` names a projected
    /// volume with a `serviceAccountToken` source.
    ///
    /// ## Why it breaks
    /// The injector looks for the token mount when it mutates the pod. With
    /// `automountServiceAccountToken: false` and no other token it denies the pod ("failed
    /// to find service account volume mount"); a named volume that does not exist, or is
    /// not a projected token, is denied too. istiod never starts.
    ///
    /// ## How to fix
    /// Remove `automountServiceAccountToken: false`, or add a projected token volume and
    /// name it in `vault.hashicorp.com/agent-service-account-token-volume-name`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: istiod
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         vault.hashicorp.com/agent-inject: "true"
    ///     spec:
    ///       automountServiceAccountToken: false
    ///       containers:
    ///       - name: discovery
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: istiod
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         vault.hashicorp.com/agent-inject: "true"
    ///         vault.hashicorp.com/agent-service-account-token-volume-name: vault-token
    ///     spec:
    ///       automountServiceAccountToken: false
    ///       volumes:
    ///       - name: vault-token
    ///         projected:
    ///           sources:
    ///           - serviceAccountToken: {path: token, expirationSeconds: 3600}
    ///       containers:
    ///       - name: discovery
    /// ```
    code: "VI123",
    name: "sa-token-automount-off",
    severity: Error,
    title: "the agent would find no service-account token to log in with",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(token) = &t.spec.token else { return };
    if !t.injection_on() {
        return;
    }
    let named = t
        .spec
        .vault("agent-service-account-token-volume-name")
        .filter(|a| a.text().is_some_and(|v| !v.trim().is_empty()));
    if let Some(a) = named {
        let name = a.text().unwrap_or_default();
        if !token.projected_token_volumes.iter().any(|v| v == name) {
            out.emit(
                &a.place(),
                format!("no projected volume `{name}` with a `serviceAccountToken` source: the webhook rejects the pod"),
            )
            .help(format!("add a volume `{name}` with `projected.sources: [{{serviceAccountToken: {{path: token}}}}]`"));
        }
        return;
    }
    if let Some((false, place)) = &token.automount
        && !token.explicit_mount
    {
        out.emit(
            place,
            "`automountServiceAccountToken: false` leaves the agent no token: the webhook rejects the pod (failed to find service account volume mount)",
        )
        .help("remove it, or name a projected token volume in `vault.hashicorp.com/agent-service-account-token-volume-name`");
    }
}
