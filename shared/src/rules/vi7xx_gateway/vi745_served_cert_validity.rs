use crate::finding::Severity;
use crate::gateway::served::ServedTarget;
use crate::rules::vi3xx_bundle::{date_time, days};
use crate::rules::{Emitter, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the validity window of every certificate in the served file and in
    /// `ca.crt`: an error when one has expired or is not valid yet, a warning when one
    /// expires within the warning window (`--expires-within`, 30 days by default), with
    /// the date and the days left.
    ///
    /// ## Why it breaks
    /// Peers refuse an expired or not-yet-valid certificate anywhere on the chain
    /// ("certificate has expired or is not yet valid"). With
    /// `agent-pre-populate-only` the agent never renews a Vault PKI leaf, so it expires
    /// in place; an intermediate or root past its date breaks every leaf it issued.
    ///
    /// ## How to fix
    /// Renew: let the agent sidecar run (it re-issues at about 90 % of the leaf's life),
    /// or re-render the files; replace an expiring CA before its leaves outlive it.
    ///
    /// ## Example
    /// ```text
    /// tls.crt: Not After : Nov 16 22:01:54 2024 GMT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// tls.crt: Not After : (in 60 days, renewed by the agent sidecar)
    /// ```
    code: "VI745",
    name: "served-cert-validity",
    severity: Error,
    title: "a served certificate has expired, is not valid yet, or expires soon",
    since: "0.1.0",
    Served: check,
}

fn check(t: &ServedTarget, out: &mut Emitter<'_>) {
    let leaf_der = t.leaf().map(|l| l.value.der.as_slice());
    for f in std::iter::once(&t.cert).chain(t.ca.as_ref()) {
        for c in &f.certs {
            let v = &c.value;
            let what = if Some(v.der.as_slice()) == leaf_der {
                "the leaf"
            } else if v.is_ca() {
                "the CA"
            } else {
                "the certificate"
            };
            let who = format!(
                "{what} `{}` (`{}` PEM block {})",
                v.subject,
                f.name,
                c.block + 1
            );
            if t.now > v.not_after {
                out.emit_at(
                    f.at(c),
                    format!(
                        "{who} expired on {} ({} days ago): peers fail with \"certificate has expired or is not yet valid\"",
                        date_time(v.not_after),
                        days(v.not_after, t.now)
                    ),
                )
                .help("renew it: keep the agent sidecar running (no `agent-pre-populate-only`) so the PKI leaf is re-issued, or re-render the files");
            } else if t.now < v.not_before {
                out.emit_at(
                    f.at(c),
                    format!(
                        "{who} is not valid until {} (in {} days): peers refuse it until then",
                        date_time(v.not_before),
                        days(t.now, v.not_before)
                    ),
                )
                .help("check the clocks of Vault and of the gateway's node, or issue it without a future start");
            } else if v.not_after - t.now <= t.expires_within {
                out.emit_at(
                    f.at(c),
                    format!(
                        "{who} expires on {}, in {} days",
                        date_time(v.not_after),
                        days(t.now, v.not_after)
                    ),
                )
                .severity(Severity::Warning)
                .help("make sure it is renewed before then (the agent sidecar re-issues a PKI leaf at about 90 % of its life)");
            }
        }
    }
}
