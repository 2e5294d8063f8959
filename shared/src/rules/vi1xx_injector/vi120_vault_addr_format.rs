use crate::injector::values::parse_url;
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks `vault.hashicorp.com/service` and `proxy-address`: each must be a URL with an
    /// `http` or `https` scheme and a host.
    ///
    /// ## Why it breaks
    /// The injector passes the value to the agent unchecked. Without a scheme or host the
    /// agent cannot reach Vault, auth retries forever, and the init container hangs at
    /// `Init:0/1`.
    ///
    /// ## How to fix
    /// Write the full address, e.g. `https://vault.vault.svc:8200`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/service: "vault.vault.svc:8200"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/service: "https://vault.vault.svc:8200"
    /// ```
    code: "VI120",
    name: "vault-addr-format",
    severity: Error,
    title: "the Vault address has no scheme or host",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for key in ["service", "proxy-address"] {
        let Some(a) = t.spec.vault(key) else { continue };
        let Some(v) = a.text() else { continue };
        // The webhook itself writes `proxy-address: ""` (no proxy) when the key is absent.
        if key == "proxy-address" && v.is_empty() {
            continue;
        }
        if let Err(e) = parse_url(v) {
            out.emit(&a.place(), format!("`{key}`: {}", e.message))
                .help("write the full URL, e.g. \"https://vault.vault.svc:8200\"");
        }
    }
}
