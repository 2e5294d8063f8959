use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks `vault.hashicorp.com/ca-cert`: it must be a file path inside the agent
    /// container, under a directory something mounts (`/vault/tls` from `tls-secret`,
    /// `/vault/custom` from `agent-extra-secret`), not PEM text.
    ///
    /// ## Why it breaks
    /// The agent reads the CA from that path. PEM pasted into the annotation, or a path
    /// nothing mounts, gives `x509: certificate signed by unknown authority` or a missing
    /// file, and auth retries forever: the init container hangs.
    ///
    /// ## How to fix
    /// Put the CA in a Secret, name it in `tls-secret`, and point `ca-cert` at
    /// `/vault/tls/<key>`.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/ca-cert: /etc/vault/ca.crt
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/tls-secret: vault-ca
    ///     vault.hashicorp.com/ca-cert: /vault/tls/ca.crt
    /// ```
    code: "VI119",
    name: "ca-cert-not-mounted",
    severity: Warning,
    title: "`ca-cert` is PEM text or a path nothing mounts",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    let Some(a) = t.spec.vault("ca-cert") else {
        return;
    };
    let Some(v) = a.text() else { return };
    if v.contains("-----BEGIN") {
        out.emit(
            &a.place(),
            "`ca-cert` holds PEM text, but the agent expects a file path",
        )
        .help("store the CA in a Secret, set `tls-secret` to it and `ca-cert: /vault/tls/<key>`");
        return;
    }
    let set = |k: &str| {
        t.spec
            .vault(k)
            .and_then(|a| a.text())
            .is_some_and(|v| !v.trim().is_empty())
    };
    // The injector mounts the service-account token volume into the agent at the same
    // path, so the cluster CA there (ca.crt) is always readable.
    let mounted = v.starts_with("/var/run/secrets/kubernetes.io/serviceaccount/")
        || v.starts_with("/var/run/secrets/vault.hashicorp.com/serviceaccount/")
        || (v.starts_with("/vault/tls/") && set("tls-secret"))
        || (v.starts_with("/vault/custom/") && set("agent-extra-secret"))
        || set("agent-copy-volume-mounts");
    if !mounted {
        let hint = if v.starts_with("/vault/tls/") {
            "add `tls-secret` naming the Secret that holds it".to_string()
        } else {
            "mount it with `tls-secret` and use `/vault/tls/<key>`".to_string()
        };
        out.emit(
            &a.place(),
            format!("`ca-cert` points at `{v}`, which no annotation mounts into the agent"),
        )
        .help(hint);
    }
}
