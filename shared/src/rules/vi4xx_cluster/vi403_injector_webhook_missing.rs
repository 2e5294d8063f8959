use crate::audit::ClusterTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the Vault Agent Injector's mutating webhook (`vault.hashicorp.com`) is
    /// registered in the cluster.
    ///
    /// ## Why it breaks
    /// Without the webhook nobody acts on the `vault.hashicorp.com/*` annotations: istiod
    /// starts without the CA files and silently creates a self-signed CA.
    ///
    /// ## How to fix
    /// Install the injector (the `hashicorp/vault` Helm chart with `injector.enabled=true`,
    /// `injector.externalVaultAddr` for an external Vault).
    ///
    /// ## Example
    /// ```text
    /// kubectl get mutatingwebhookconfigurations   # no vault-agent-injector-cfg
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// helm install vault hashicorp/vault -n vault --set injector.externalVaultAddr=https://vault:8200
    /// ```
    code: "VI403",
    name: "injector-webhook-missing",
    severity: Error,
    title: "the Vault injector's webhook is not registered",
    since: "0.1.0",
    Cluster: check,
}

fn check(t: &ClusterTarget<'_>, out: &mut Emitter<'_>) {
    let s = t.snapshot;
    if let Some(hooks) = &s.injector_webhooks
        && hooks.is_empty()
    {
        out.emit_at(
            s.at(None, "MutatingWebhookConfiguration", "vault.hashicorp.com"),
            "no MutatingWebhookConfiguration has the webhook `vault.hashicorp.com`: nothing injects the Vault agent, so istiod self-signs",
        )
        .help("install the Vault Agent Injector (hashicorp/vault chart, injector.enabled=true)");
    }
}
