use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the extendedKeyUsage of every certificate on the chain: when present, it
    /// must allow both serverAuth and clientAuth (or anyExtendedKeyUsage).
    ///
    /// ## Why it breaks
    /// Go applies a CA's extended key usage to everything below it. Without serverAuth,
    /// istiod's own start-up verification fails ("x509: certificate specifies an
    /// incompatible key usage"). Without clientAuth, workload certificates cannot
    /// authenticate as clients, and mTLS between workloads fails.
    ///
    /// ## How to fix
    /// Drop extendedKeyUsage from CA certificates, or list both serverAuth and clientAuth.
    ///
    /// ## Example
    /// ```text
    /// X509v3 Extended Key Usage: TLS Web Server Authentication
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X509v3 Extended Key Usage: TLS Web Server Authentication, TLS Web Client Authentication
    /// ```
    code: "VI308",
    name: "eku-incompatible",
    severity: Error,
    title: "a CA's extended key usage excludes serverAuth or clientAuth",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in t.walked_path() {
        let Some(eku) = &c.value.ext_key_usage else {
            continue;
        };
        if eku.any {
            continue;
        }
        let mut missing = Vec::new();
        if !eku.server_auth {
            missing
                .push("serverAuth (istiod's start-up verification fails: incompatible key usage)");
        }
        if !eku.client_auth {
            missing.push("clientAuth (workload client certificates fail, so mTLS breaks)");
        }
        if !missing.is_empty() {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` restricts extended key usage without {}",
                    c.value.subject,
                    missing.join(" and without ")
                ),
            )
            .help("drop extendedKeyUsage from CA certificates, or list serverAuth and clientAuth");
        }
    }
}
