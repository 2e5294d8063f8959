//! `explain`: a rule's docs, straight from the engine's registry.

use crate::cli::ExplainArgs;
use crate::exit;
use crate::output;
use vault_istio::rules::{self, RULES};

pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    if args.list {
        let mut out = String::new();
        for r in RULES {
            let m = &r.meta;
            out.push_str(&format!(
                "{}  {:<7}  {:<36}  {}\n",
                m.code,
                m.severity.as_str(),
                m.name,
                m.title
            ));
        }
        output::stdout(&out)?;
        return Ok(exit::OK);
    }
    let wanted = args.rule.unwrap_or_default();
    let Some(rule) = rules::find(&wanted) else {
        let close = RULES
            .iter()
            .map(|r| {
                (
                    distance(&wanted, r.meta.name).min(distance(&wanted, r.meta.code)),
                    r,
                )
            })
            .min_by_key(|(d, _)| *d)
            .filter(|(d, _)| *d <= 3)
            .map(|(_, r)| format!("; did you mean {} ({})?", r.meta.code, r.meta.name))
            .unwrap_or_default();
        output::error(&format!(
            "no rule `{wanted}`{close} Run `kubectl vault-istio explain --list` to see them all"
        ));
        return Ok(exit::COULD_NOT_RUN);
    };
    let m = &rule.meta;
    output::stdout(&format!(
        "{} {} ({}, since {})\n{}\n\n{}",
        m.code,
        m.name,
        m.severity,
        m.since,
        m.title,
        m.docs().trim_start()
    ))?;
    Ok(exit::OK)
}

fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_lowercase(), &b.to_lowercase())
}
