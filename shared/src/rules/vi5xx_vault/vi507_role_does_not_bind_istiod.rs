use crate::audit::VaultTarget;
use crate::finding::Severity;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that istiod's role binds the ServiceAccount and namespace istiod runs as,
    /// matching `bound_service_account_names` and `bound_service_account_namespaces` the
    /// way Vault does (`*` alone, or at the start and/or end of an entry). A revisioned
    /// control plane runs as `istiod-<revision>`, not `istiod`.
    ///
    /// ## Why it breaks
    /// The login is refused with `service account name not authorized` or `namespace not
    /// authorized`, and the agent retries forever.
    ///
    /// ## How to fix
    /// Add the name (or `istiod*` for every revision) and the namespace to the role:
    /// `vault write auth/<mount>/role/istiod bound_service_account_names=istiod,istiod-1-23 …`.
    ///
    /// ## Example
    /// ```text
    /// istiod-1-23 in istio-system     role istiod: names=[istiod] namespaces=[istio-system]
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// istiod-1-23 in istio-system     role istiod: names=[istiod*] namespaces=[istio-system]
    /// ```
    code: "VI507",
    name: "role-does-not-bind-istiod",
    severity: Error,
    title: "istiod's Vault role does not bind its ServiceAccount or namespace",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| {
            (
                n.auth_mount.clone(),
                n.role.clone(),
                n.namespace.clone(),
                n.service_account.clone(),
            )
        }) {
            continue;
        }
        let Some((name, role)) = super::role(t.vault, n) else {
            continue;
        };
        let at = super::at(&super::role_path(&n.auth_mount, name));
        if !role.binds_name(&n.service_account) {
            out.emit_at(
                at.clone(),
                format!(
                    "{}: role `{name}` does not bind ServiceAccount `{}` (bound_service_account_names: {}): the login fails with `service account name not authorized`",
                    super::who(n),
                    n.service_account,
                    list(&role.bound_service_account_names)
                ),
            )
            .help(
                if n.service_account.starts_with("istiod-") && role.binds_name("istiod") {
                    format!(
                        "`{}` is a revisioned istiod: add it, or `istiod*` for every revision, to bound_service_account_names of auth/{}/role/{name}",
                        n.service_account, n.auth_mount
                    )
                } else {
                    format!(
                        "add `{}` to bound_service_account_names of auth/{}/role/{name}",
                        n.service_account, n.auth_mount
                    )
                },
            );
        }
        if !role.binds_namespace(&n.namespace) {
            let selector = !role
                .bound_service_account_namespace_selector
                .trim()
                .is_empty();
            let f = out.emit_at(
                at,
                if selector {
                    format!(
                        "{}: role `{name}` does not list namespace `{}` (bound_service_account_namespaces: {}); it also has a namespace selector, which the audit cannot evaluate",
                        super::who(n),
                        n.namespace,
                        list(&role.bound_service_account_namespaces)
                    )
                } else {
                    format!(
                        "{}: role `{name}` does not bind namespace `{}` (bound_service_account_namespaces: {}): the login fails with `namespace not authorized`",
                        super::who(n),
                        n.namespace,
                        list(&role.bound_service_account_namespaces)
                    )
                },
            );
            f.help(format!(
                "add `{}` to bound_service_account_namespaces of auth/{}/role/{name}",
                n.namespace, n.auth_mount
            ));
            if selector {
                f.severity(Severity::Warning);
            }
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
