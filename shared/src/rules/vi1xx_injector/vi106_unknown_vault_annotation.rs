use crate::injector::catalog::{self, CATALOG, PREFIX, Scope};
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds `vault.hashicorp.com/*` keys that the injector does not know, and keys whose
    /// prefix is a near miss of `vault.hashicorp.com/`, and suggests the key that was
    /// probably meant.
    ///
    /// ## Why it breaks
    /// The injector ignores unknown keys without a word. A typo in
    /// `agent-inject-secret-ca-key.pem` means that file is never rendered; istiod then
    /// self-signs or crashes, and nothing points back at the typo.
    ///
    /// ## How to fix
    /// Use the suggested key, or see the injector's annotation reference.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secrets-ca-key.pem: "kv/istio/ca"
    ///     vault.hashicorp.co/role: istiod
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-secret-ca-key.pem: "kv/istio/ca"
    ///     vault.hashicorp.com/role: istiod
    /// ```
    code: "VI106",
    name: "unknown-vault-annotation",
    severity: Warning,
    title: "unknown `vault.hashicorp.com` annotation (probably a typo)",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for a in &t.spec.annotations {
        if let Some(name) = a.vault_name() {
            if catalog::lookup(name).is_some() {
                continue;
            }
            let f = out.emit(
                &a.key_place(),
                format!(
                    "`{}` is not an annotation the Vault injector knows: it is ignored",
                    a.key
                ),
            );
            if let Some(s) = suggest(name) {
                f.help(format!("did you mean `{PREFIX}{s}`?"));
            }
        } else if let Some((prefix, name)) = a.key.split_once('/') {
            let wanted = PREFIX.trim_end_matches('/');
            if prefix != wanted
                && strsim::levenshtein(prefix, wanted) <= 3
                && (catalog::lookup(name).is_some() || suggest(name).is_some())
            {
                let fixed = if catalog::lookup(name).is_some() {
                    name.to_string()
                } else {
                    suggest(name).unwrap_or_default()
                };
                out.emit(
                    &a.key_place(),
                    format!("`{}` looks like a Vault injector annotation with a misspelled prefix: it is ignored", a.key),
                )
                .help(format!("did you mean `{PREFIX}{fixed}`?"));
            }
        }
    }
}

/// The closest known key, keeping a per-secret suffix as written.
pub(crate) fn suggest(name: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    let mut consider = |distance: usize, candidate: String, limit: usize| {
        if distance <= limit && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, candidate));
        }
    };
    for spec in CATALOG {
        match spec.scope {
            Scope::PerSecret | Scope::PerParameter => {
                // Try every split at a '-' : "<key-ish>-<suffix>".
                for (i, _) in name.match_indices('-') {
                    let (head, suffix) = (&name[..i], &name[i + 1..]);
                    if suffix.is_empty() {
                        continue;
                    }
                    let d = strsim::levenshtein(head, spec.key);
                    consider(d, format!("{}-{suffix}", spec.key), limit_for(spec.key));
                }
            }
            Scope::Pod | Scope::WrittenByWebhook => {
                consider(
                    strsim::levenshtein(name, spec.key),
                    spec.key.to_string(),
                    limit_for(spec.key),
                );
            }
        }
    }
    best.map(|(_, s)| s).filter(|s| s != name)
}

fn limit_for(key: &str) -> usize {
    (key.len() / 5).clamp(1, 3)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("agent-injct").as_deref(), Some("agent-inject"));
        assert_eq!(
            suggest("agent-inject-secrets-ca-key.pem").as_deref(),
            Some("agent-inject-secret-ca-key.pem")
        );
        assert_eq!(
            suggest("agent-inject-templat-root-cert.pem").as_deref(),
            Some("agent-inject-template-root-cert.pem")
        );
        assert_eq!(suggest("rol").as_deref(), Some("role"));
        assert_eq!(suggest("completely-different"), None);
    }
}
