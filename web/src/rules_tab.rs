//! Every rule's documentation, from the same registry as `kubectl vault-istio explain`.

use vault_istio::rules::RULES;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RulesProps {
    /// The rule to open and scroll to.
    pub open: Option<String>,
}

#[function_component(Rules)]
pub fn rules(props: &RulesProps) -> Html {
    {
        let open = props.open.clone();
        use_effect_with(open, |open| {
            if let Some(code) = open
                && let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(&format!("rule-{code}")))
            {
                el.scroll_into_view();
            }
        });
    }
    html! {
        <section class="rules">
            { for RULES.iter().map(|r| {
                let m = &r.meta;
                let open = props.open.as_deref() == Some(m.code);
                html! {
                    <details id={format!("rule-{}", m.code)} open={open}>
                        <summary>
                            <code>{ m.code }</code>{ " " }<span class={classes!("sev", m.severity.as_str())}>{ m.severity.as_str() }</span>
                            { " " }<strong>{ m.name }</strong>{ " — " }{ m.title }
                        </summary>
                        { markdown(&m.docs()) }
                    </details>
                }
            }) }
        </section>
    }
}

/// The docs' small Markdown subset: `## ` headings, fenced code blocks, paragraphs with
/// `code` spans kept as text.
fn markdown(text: &str) -> Html {
    let mut out = Vec::new();
    let mut para = String::new();
    let mut code: Option<String> = None;
    let flush = |para: &mut String, out: &mut Vec<Html>| {
        if !para.trim().is_empty() {
            out.push(html! { <p>{ para.trim().to_string() }</p> });
        }
        para.clear();
    };
    for line in text.lines() {
        if let Some(block) = &mut code {
            if line.starts_with("```") {
                out.push(html! { <pre><code>{ block.clone() }</code></pre> });
                code = None;
            } else {
                block.push_str(line);
                block.push('\n');
            }
        } else if line.starts_with("```") {
            flush(&mut para, &mut out);
            code = Some(String::new());
        } else if let Some(h) = line.strip_prefix("## ") {
            flush(&mut para, &mut out);
            out.push(html! { <h4>{ h.to_string() }</h4> });
        } else if line.trim().is_empty() {
            flush(&mut para, &mut out);
        } else {
            para.push_str(line);
            para.push(' ');
        }
    }
    flush(&mut para, &mut out);
    html! { <div class="doc">{ for out }</div> }
}
