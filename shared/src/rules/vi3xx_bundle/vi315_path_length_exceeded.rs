use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the basicConstraints path-length limits on the chain as a workload
    /// certificate issued by `ca-cert` sees them: a CA with `pathlen:N` may have at most N
    /// CA certificates between itself and the workload certificate.
    ///
    /// ## Why it breaks
    /// `ca-cert` itself counts. An intermediate with `pathlen:0` *above* `ca-cert` (a
    /// corporate issuing CA, say) therefore makes every workload certificate fail
    /// verification at peers with "too many intermediates", although istiod starts fine
    /// when the limit is exceeded by exactly one.
    ///
    /// ## How to fix
    /// Reissue the upper CA with a larger (or no) `pathlen`; `pathlen:0` belongs on
    /// `ca-cert` only.
    ///
    /// ## Example
    /// ```text
    /// root → issuing CA (pathlen:0) → ca-cert (pathlen:0)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// root → issuing CA (pathlen:1) → ca-cert (pathlen:0)
    /// ```
    code: "VI315",
    name: "path-length-exceeded",
    severity: Error,
    title: "a path-length limit on the chain is exceeded",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    // Position k on the path (ca-cert is 0) has k CA certificates below it when it
    // verifies a workload certificate: path[0..k].
    for (k, c) in t.walked_path().into_iter().enumerate() {
        let Some((_, Some(limit))) = c.value.basic_constraints else {
            continue;
        };
        let below = u32::try_from(k).unwrap_or(u32::MAX);
        if below > limit {
            let at_start = if below > limit + 1 {
                "; istiod itself fails at start"
            } else {
                "; istiod starts, but peers reject every workload certificate"
            };
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` has pathlen:{limit} but {below} CA certificate(s) sit between it and a workload certificate (\"too many intermediates\"){at_start}",
                    c.value.subject
                ),
            )
            .help(format!("reissue it with pathlen:{below} or more (or none)"));
        }
    }
}
