use crate::audit::VaultTarget;
use crate::audit::vault::Reading;
use crate::rules::{Emitter, declare_rule};
use crate::vault::{Acl, Operation, parse_policy};

declare_rule! {
    /// ## What it does
    /// Evaluates the policies istiod's role gives its login token (`token_policies` plus
    /// `default`) with Vault's ACL rules, for a read of each KV path istiod's templates
    /// read — on KV v2 the `<mount>/data/<path>` the agent really requests.
    ///
    /// ## Why it breaks
    /// The agent's read is refused (`403 permission denied`, or `preflight capability
    /// check returned 403`); the init container retries, then exits, and istiod never
    /// gets its CA. The classic cause is a KV v2 policy written without `data/`.
    ///
    /// ## How to fix
    /// Grant read on the exact path: `path "secret/data/istio/ca" { capabilities =
    /// ["read"] }` for KV v2, `path "kv/istio/ca"` for KV v1, in a policy the role lists.
    ///
    /// ## Example
    /// ```text
    /// path "secret/istio/ca" { capabilities = ["read"] }     # KV v2 mount
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// path "secret/data/istio/ca" { capabilities = ["read"] }
    /// ```
    code: "VI508",
    name: "policy-denies-read",
    severity: Error,
    title: "the policies of istiod's role do not grant read on its secret",
    since: "0.1.0",
    Vault: check,
}

fn check(t: &VaultTarget<'_>, out: &mut Emitter<'_>) {
    for (i, n) in t.needs.iter().enumerate() {
        if !super::first(t.needs, i, |n| {
            (n.auth_mount.clone(), n.role.clone(), n.paths().join("\n"))
        }) {
            continue;
        }
        let Some((name, role)) = super::role(t.vault, n) else {
            continue;
        };
        let names = role.effective_policies();
        let mut policies = Vec::new();
        let mut absent = Vec::new();
        for p in &names {
            match t.vault.policies.get(p) {
                Some(Reading::Found(text)) => match parse_policy(p, text) {
                    Ok(policy) => policies.push(policy),
                    Err(e) => absent.push(format!("{p} (unparsable: {e})")),
                },
                Some(Reading::Missing) => absent.push(format!("{p} (does not exist)")),
                // Not read: VI501 says so; the verdict would be a guess.
                _ => return,
            }
        }
        let acl = Acl::new(&policies);
        for (path, state) in super::secrets(t.vault, n) {
            if !matches!(state.mount, Reading::Found(_)) {
                continue;
            }
            let api = super::api_path(path, state);
            if acl.allows(Operation::Read, &api) {
                continue;
            }
            let why = match acl.deciding_rule_for(Operation::Read, &api) {
                Some(rule) => format!("the deciding rule `path \"{rule}\"` does not grant read"),
                None => "no rule matches it".to_string(),
            };
            let mut msg = format!(
                "{}: role `{name}` gives policies {} but they do not grant read on `{api}`: {why}",
                super::who(n),
                names.join(", "),
            );
            if !absent.is_empty() {
                msg.push_str(&format!(" (not counted: {})", absent.join(", ")));
            }
            let f = out.emit_at(super::at(&super::role_path(&n.auth_mount, name)), msg);
            let without_data = api.replacen("/data/", "/", 1);
            if api != without_data && acl.allows(Operation::Read, &without_data) {
                f.help(format!("the policy grants `{without_data}`, the KV v1 form: on a KV v2 mount write `path \"{api}\" {{ capabilities = [\"read\"] }}`"));
            } else {
                f.help(format!(
                    "add `path \"{api}\" {{ capabilities = [\"read\"] }}` to a policy of the role"
                ));
            }
        }
    }
}
