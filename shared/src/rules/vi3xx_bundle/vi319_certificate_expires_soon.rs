use super::vi318_certificate_expired::relied_on;
use super::{date_time, days};
use crate::bundle::BundleTarget;
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Warns when a certificate istiod relies on expires within the warning window
    /// (`--expires-within`, 30 days by default), with the exact date.
    ///
    /// ## Why it breaks
    /// Nothing rotates a plugged-in CA. When the intermediate expires, workloads (and the
    /// API server's view of istiod) lose trust, and istiod crash-loops at its next start.
    ///
    /// ## How to fix
    /// Issue the replacement now; for a new root, roll out old and new root side by side first.
    ///
    /// ## Example
    /// ```text
    /// Not After : (in 12 days)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Not After : (in 700 days)
    /// ```
    code: "VI319",
    name: "certificate-expires-soon",
    severity: Warning,
    title: "a certificate istiod relies on expires soon",
    since: "0.1.0",
    Bundle: check,
}

fn check(t: &BundleTarget<'_>, out: &mut Emitter<'_>) {
    for c in relied_on(t) {
        let v = &c.value;
        if t.now <= v.not_after && t.now >= v.not_before && v.not_after - t.now <= t.expires_within
        {
            out.emit_at(
                t.bundle.at(c),
                format!(
                    "`{}` expires on {}, in {} days",
                    v.subject,
                    date_time(v.not_after),
                    days(t.now, v.not_after)
                ),
            )
            .help("issue the replacement now and store it in Vault; istiod does not rotate it");
        }
    }
}
