//! Findings and certificate chains, as the page shows them.

use vault_istio::verify::BundleSummary;
use vault_istio::{Finding, Location, Severity};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub title: AttrValue,
    pub findings: Vec<Finding>,
    /// Said instead of a list when there are no findings (or why nothing was checked).
    pub empty: AttrValue,
    /// A YAML finding's line was clicked.
    #[prop_or_default]
    pub on_line: Callback<u32>,
    /// A rule code was clicked.
    pub on_rule: Callback<String>,
}

#[function_component(Findings)]
pub fn findings(props: &FindingsProps) -> Html {
    let mut sorted: Vec<&Finding> = props.findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let count = |s: Severity| props.findings.iter().filter(|f| f.severity == s).count();
    let summary = format!(
        "{} errors, {} warnings, {} infos",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    html! {
        <section class="findings">
            <h2>{ props.title.clone() } <small class="summary">{ summary }</small></h2>
            if sorted.is_empty() {
                <p class="empty">{ props.empty.clone() }</p>
            } else {
                <ul>{ for sorted.into_iter().map(|f| finding(f, &props.on_line, &props.on_rule)) }</ul>
            }
        </section>
    }
}

fn finding(f: &Finding, on_line: &Callback<u32>, on_rule: &Callback<String>) -> Html {
    let sev = f.severity.as_str();
    let code = f.code.to_string();
    let rule_click = {
        let (cb, code) = (on_rule.clone(), code.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            cb.emit(code.clone());
        })
    };
    let place = match &f.location {
        Location::Yaml {
            line,
            column,
            key_path,
            ..
        } => {
            let (cb, line) = (on_line.clone(), *line);
            let click = Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                cb.emit(line);
            });
            html! {
                <a class="place" href="#" onclick={click} data-line={line.to_string()}>
                    { format!("line {line}, column {column}") }
                    if !key_path.is_empty() { <code>{ key_path.clone() }</code> }
                </a>
            }
        }
        other => html! { <span class="place">{ other.describe() }</span> },
    };
    html! {
        <li class={classes!("finding", sev)} data-code={code.clone()}>
            <div class="head">
                <span class="sev">{ sev }</span>
                <a class="code" href={format!("#rule-{code}")} onclick={rule_click} title={f.name}>{ code.clone() }</a>
                <span class="message">{ f.message.clone() }</span>
            </div>
            <div class="where">{ place }</div>
            if let Some(h) = &f.help { <div class="help">{ "help: " }{ h.clone() }</div> }
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChainProps {
    pub bundle: BundleSummary,
}

/// ca-cert.pem up to its root, one certificate per row.
#[function_component(Chain)]
pub fn chain(props: &ChainProps) -> Html {
    let b = &props.bundle;
    let status = if b.anchored {
        "reaches a root in root-cert.pem"
    } else {
        "does not reach a root in root-cert.pem"
    };
    let key = match (&b.key, b.key_matches) {
        (Some(k), Some(true)) => format!("key: {k}, matches ca-cert.pem"),
        (Some(k), Some(false)) => format!("key: {k}, does NOT match ca-cert.pem"),
        (Some(k), None) => format!("key: {k}"),
        (None, _) => "key: not readable".to_string(),
    };
    html! {
        <section class="chain">
            <h2>{ "Chain" } <small class="summary">{ status }</small></h2>
            <p class="key">{ key }</p>
            <ol>
            { for b.chain.iter().map(|c| {
                let state = if c.days_left < 0 { "expired" } else if c.days_left <= 30 { "soon" } else { "valid" };
                let left = if c.days_left < 0 {
                    format!("expired {} days ago", -c.days_left)
                } else {
                    format!("{} days left", c.days_left)
                };
                html! {
                    <li class={classes!("cert", state)}>
                        <div class="subject">{ c.subject.clone() }</div>
                        <div class="meta">
                            { format!("issuer {} · {} · until {} ({left}) · {} block {}", c.issuer, c.key, c.not_after, c.file, c.block) }
                        </div>
                    </li>
                }
            }) }
            </ol>
        </section>
    }
}
