use crate::rules::{Emitter, Target, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that `agent-inject-file-<name>` keeps the file inside its secret volume.
    ///
    /// ## Why it breaks
    /// The injector joins the volume path and this value; `..` segments climb out of the
    /// volume. The agent's root file system is read-only, so the write fails, or the file
    /// lands where istiod never looks.
    ///
    /// ## How to fix
    /// Use a plain file name (or a sub-directory) inside the volume, and point
    /// `ROOT_CA_DIR` at the volume.
    ///
    /// ## Example
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    ///     vault.hashicorp.com/agent-inject-file-ca-key.pem: "../../etc/cacerts/ca-key.pem"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// pilot:
    ///   podAnnotations:
    ///     vault.hashicorp.com/agent-inject-template-ca-key.pem: "x"
    ///     vault.hashicorp.com/agent-inject-file-ca-key.pem: "ca-key.pem"
    /// ```
    code: "VI115",
    name: "inject-file-escapes-volume",
    severity: Error,
    title: "`agent-inject-file` climbs out of the secret volume",
    since: "0.1.0",
    Istiod: check,
}

fn check(t: &Target<'_>, out: &mut Emitter<'_>) {
    for s in &t.injector.secrets {
        let Some(file) = s.file else { continue };
        let mount = crate::injector::config::clean(&s.mount_path);
        let inside = s
            .destination
            .strip_prefix(&mount)
            .is_some_and(|rest| rest.starts_with('/'));
        if !inside {
            let written = file.text().unwrap_or_default();
            let message = if s.destination == mount {
                format!(
                    "`{written}` resolves to the volume directory `{mount}` itself, not a file in it"
                )
            } else {
                format!(
                    "`{written}` resolves to `{}`, outside the volume `{mount}`",
                    s.destination
                )
            };
            out.emit(&file.place(), message)
                .help("use a file name inside the volume");
        }
    }
}
