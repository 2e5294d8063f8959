use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Validates annotation keys the way the Kubernetes API server does: an optional DNS
    /// subdomain prefix and `/`, then a name of at most 63 characters that starts and ends
    /// with an alphanumeric and has only `-`, `_`, `.` and alphanumerics inside.
    ///
    /// ## Why it breaks
    /// The API server rejects the Deployment or Pod. Per-secret injector keys add up fast:
    /// `agent-inject-template-file-` is 27 characters, which leaves 36 for the secret name.
    ///
    /// ## How to fix
    /// Shorten the secret name, or drop the characters Kubernetes does not allow, and use
    /// `agent-inject-file-<name>` to choose the file name.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-istiod-cluster1-intermediate-ca-signing-key.pem: "x"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    /// ```
    code: "VI105",
    name: "annotation-key-invalid",
    severity: Error,
    title: "annotation key that the Kubernetes API server rejects",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for a in &t.spec.annotations {
        if let Err(why) = validate_key(&a.key) {
            out.emit(
                &a.key_place(),
                format!("annotation key `{}` is invalid: {why}", a.key),
            );
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Kubernetes `IsQualifiedName`.
pub(crate) fn validate_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if p.is_empty() || p.len() > 253 || !p.split('.').all(label_ok) {
            return Err(format!(
                "the prefix `{p}` must be a lower-case DNS subdomain"
            ));
        }
    }
    if name.is_empty() {
        return Err("the name part is empty".into());
    }
    if name.chars().count() > 63 {
        return Err(format!(
            "the name part is {} characters long; the limit is 63",
            name.chars().count()
        ));
    }
    let first_last_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !name.chars().all(is_name_char)
        || !first_last_ok(name.chars().next())
        || !first_last_ok(name.chars().last())
    {
        return Err("the name part may only hold letters, digits, `-`, `_` and `.`, and must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_key;

    #[test]
    fn qualified_names() {
        assert!(validate_key("vault.hashicorp.com/agent-inject").is_ok());
        assert!(validate_key("sidecar.istio.io/inject").is_ok());
        assert!(validate_key("plain_name.x").is_ok());
        assert!(validate_key(&format!("a/{}", "x".repeat(63))).is_ok());
        assert!(validate_key(&format!("a/{}", "x".repeat(64))).is_err());
        assert!(validate_key("Vault.com/x").is_err());
        assert!(validate_key("a/-x").is_err());
        assert!(validate_key("a/x y").is_err());
        assert!(validate_key("a/").is_err());
    }
}
