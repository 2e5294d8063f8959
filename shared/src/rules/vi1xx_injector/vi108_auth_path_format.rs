use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that `vault.hashicorp.com/auth-path` has the form `auth/<mount>`.
    ///
    /// ## Why it breaks
    /// The agent logs in at `<auth-path>/login`. With `kubernetes-cluster1` instead of
    /// `auth/kubernetes-cluster1` it calls `/v1/kubernetes-cluster1/login`, gets `400
    /// missing client token`, and retries forever: the init container hangs and istiod
    /// never starts.
    ///
    /// ## How to fix
    /// Prefix the mount path with `auth/`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/auth-path: "kubernetes-cluster1"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/auth-path: "auth/kubernetes-cluster1"
    /// ```
    code: "VI108",
    name: "auth-path-format",
    severity: Error,
    title: "`auth-path` is not of the form `auth/<mount>`",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(a) = t.spec.vault("auth-path") else {
        return;
    };
    let Some(v) = a.text() else { return };
    let trimmed = v.trim_start_matches('/').trim_end_matches('/');
    let mount = trimmed.strip_prefix("auth/").unwrap_or("");
    if !mount.is_empty() && !v.contains(char::is_whitespace) {
        return;
    }
    let msg = if v.contains(char::is_whitespace) {
        format!("`auth-path` `{v}` contains whitespace")
    } else if mount.is_empty() && (trimmed == "auth" || trimmed.starts_with("auth/")) {
        format!("`auth-path` `{v}` names no mount after `auth/`")
    } else {
        format!(
            "`auth-path` `{v}` lacks the `auth/` prefix: the agent logs in at `/v1/{trimmed}/login` and gets 400 missing client token"
        )
    };
    let f = out.emit(&a.place(), msg);
    if !trimmed.starts_with("auth/")
        && trimmed != "auth"
        && !trimmed.is_empty()
        && !v.contains(char::is_whitespace)
    {
        f.help(format!("use \"auth/{trimmed}\""));
    }
}
