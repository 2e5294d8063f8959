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
    'istiod: for (i, n) in t.needs.iter().enumerate() {
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
                _ => continue 'istiod,
            }
        }
        let acl = Acl::new(&policies);
        for (path, state) in super::secrets(t.vault, n) {
            if !matches!(state.mount, Reading::Found(_)) {
                continue;
            }
            let api = state.api_path(path);
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
            // Templated paths depend on the token's identity, unknown here (vault.md §5).
            // Only rules whose literal part could lead to this path count (the `default`
            // policy's own `identity/…{{identity.entity.id}}` rules do not).
            let templated: Vec<&str> = policies
                .iter()
                .filter(|p| {
                    p.rules
                        .iter()
                        .any(|r| r.is_templated() && could_match(&r.path, &api))
                })
                .map(|p| p.name.as_str())
                .collect();
            if !templated.is_empty() {
                msg = format!(
                    "{}: the policies of role `{name}` grant no read on `{api}` except perhaps through templated paths (in {}), which depend on the login's identity",
                    super::who(n),
                    templated.join(", ")
                );
            }
            let f = out.emit_at(super::at(&super::role_path(&n.auth_mount, name)), msg);
            if !templated.is_empty() {
                f.severity(crate::finding::Severity::Warning).help(
                    "run the audit with --login-check: Vault then answers for the real token",
                );
                continue;
            }
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

/// Could the templated rule `rule` match `path` once its `{{…}}` parts are filled in? Its
/// text before the first template must be where `path` starts (segment wildcards `+`
/// standing for one segment).
fn could_match(rule: &str, path: &str) -> bool {
    let literal = rule.split("{{").next().unwrap_or_default();
    let (whole, partial) = match literal.rsplit_once('/') {
        Some((w, p)) => (w, p),
        None => ("", literal),
    };
    let mut segments = path.split('/');
    for want in whole.split('/').filter(|s| !s.is_empty()) {
        match segments.next() {
            Some(have) if want == "+" || want == have => {}
            _ => return false,
        }
    }
    segments.next().is_some_and(|s| s.starts_with(partial))
}

#[cfg(test)]
mod tests {
    #[test]
    fn templated_rules_that_could_lead_to_a_path() {
        use super::could_match;
        let p = "kv/data/istiod-service/certs";
        assert!(could_match("kv/data/{{identity.entity.name}}/*", p));
        assert!(could_match("kv/data/{{identity.entity.name}}-service/*", p));
        assert!(could_match("+/data/istiod-{{identity.x}}/certs", p));
        assert!(!could_match("identity/entity/id/{{identity.entity.id}}", p));
        assert!(!could_match("kv/metadata/{{identity.entity.name}}/*", p));
    }
}
