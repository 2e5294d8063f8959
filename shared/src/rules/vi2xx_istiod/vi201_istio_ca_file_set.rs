use super::{CA_FILES, TLS_FILES};
use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the agent renders all four files istiod's CA needs: `ca-key.pem`,
    /// `ca-cert.pem`, `cert-chain.pem` and `root-cert.pem` (or, for the
    /// `kubernetes.io/tls` layout, `tls.crt`, `tls.key` and `ca.crt`), and suggests the
    /// name when one is misspelled.
    ///
    /// ## Why it breaks
    /// Without `ca-key.pem` istiod does not fail: up to 1.26.0 it silently creates a
    /// self-signed CA, even when the other three files are there, and the cluster leaves
    /// the shared root of trust. Any other missing file crashes istiod at start (1.26.1+
    /// also for a missing key: "incomplete signing CA bundle detected").
    ///
    /// ## How to fix
    /// Declare a secret with a template for each of the four files.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    ///     vault.hashicorp.com/agent-inject-template-ca-cert.pem: "a"
    ///     vault.hashicorp.com/agent-inject-template-cert-chain.pem: "b"
    ///     vault.hashicorp.com/agent-inject-template-root-cert.pem: "c"
    ///     vault.hashicorp.com/agent-inject-template-ca_key.pem: "d"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject: "true"
    ///     vault.hashicorp.com/agent-inject-template-ca-cert.pem: "a"
    ///     vault.hashicorp.com/agent-inject-template-cert-chain.pem: "b"
    ///     vault.hashicorp.com/agent-inject-template-root-cert.pem: "c"
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "d"
    /// ```
    code: "VI201",
    name: "istio-ca-file-set",
    severity: Error,
    title: "the agent does not render all of istiod's CA files",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    if !t.injection_on() && t.injector.secrets.is_empty() {
        return;
    }
    let names: Vec<&str> = t.injector.secrets.iter().map(|s| s.file_name()).collect();
    if names.is_empty() {
        out.emit(&t.spec.annotations_place, "no secret annotations: the agent renders no CA files, so istiod self-signs")
            .help("add `agent-inject-secret-<file>` and `agent-inject-template-<file>` for ca-key.pem, ca-cert.pem, cert-chain.pem and root-cert.pem");
        return;
    }
    let wanted: &[&str] = if names.contains(&"tls.crt") {
        &TLS_FILES
    } else {
        &CA_FILES
    };
    for missing in wanted.iter().filter(|w| !names.contains(w)) {
        let close = t
            .injector
            .secrets
            .iter()
            .filter(|s| !wanted.contains(&s.file_name()))
            .min_by_key(|s| strsim::levenshtein(s.file_name(), missing))
            .filter(|s| strsim::levenshtein(s.file_name(), missing) <= 3);
        let consequence = if *missing == "ca-key.pem" {
            "istiod silently falls back to a self-signed CA (1.26.0 and older) or refuses to start (1.26.1+)"
        } else {
            "istiod fails to load its CA and crashes"
        };
        match close {
            Some(s) => {
                out.emit(
                    &s.declared_by.key_place(),
                    format!("no `{missing}` is rendered (`{}` looks like a misspelling of it): {consequence}", s.file_name()),
                )
                .help(format!("rename the secret to `{missing}` in all its annotations"));
            }
            None => {
                out.emit(
                    &t.spec.annotations_place,
                    format!("no `{missing}` is rendered: {consequence}"),
                )
                .help(format!(
                    "add `agent-inject-secret-{missing}` and `agent-inject-template-{missing}`"
                ));
            }
        }
    }
}
