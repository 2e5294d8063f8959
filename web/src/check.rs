//! The Check tab: the configuration editor and the four CA files, findings as you type
//! (debounced), the chain, and a hidden copy of each JSON report for tests.

use crate::analysis::{self, Linted, Verified};
use crate::editor::Editor;
use crate::examples;
use crate::files;
use crate::report::{Chain, Findings};
use gloo_timers::callback::Timeout;
use std::rc::Rc;
use vault_istio::bundle::FileKind;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// How long typing must pause before the engine runs again.
const DEBOUNCE_MS: u32 = 150;

#[derive(Properties, PartialEq)]
pub struct CheckProps {
    pub on_rule: Callback<String>,
}

#[derive(Clone, PartialEq, Default)]
struct Inputs {
    values: String,
    pems: [String; 4],
}

/// What the engine said about the inputs it last saw.
#[derive(Clone, Default)]
struct Results {
    lint: Option<Rc<Linted>>,
    verify: Option<Rc<Verified>>,
    /// Milliseconds the last run took (shown, and read by the speed benchmark).
    took_ms: f64,
    /// The engine has run at least once.
    done: bool,
}

impl PartialEq for Results {
    fn eq(&self, other: &Self) -> bool {
        self.lint.as_ref().map(Rc::as_ptr) == other.lint.as_ref().map(Rc::as_ptr)
            && self.verify.as_ref().map(Rc::as_ptr) == other.verify.as_ref().map(Rc::as_ptr)
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Runs the engine on what changed since `prev`.
fn analyse(inputs: &Inputs, prev: &Results, prev_inputs: &Inputs) -> Results {
    let start = now_ms();
    let lint = if prev.done && inputs.values == prev_inputs.values {
        prev.lint.clone()
    } else if inputs.values.trim().is_empty() {
        None
    } else {
        Some(Rc::new(analysis::lint(&inputs.values)))
    };
    let verify = if prev.done && inputs.pems == prev_inputs.pems {
        prev.verify.clone()
    } else {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        analysis::verify(&inputs.pems, now).map(Rc::new)
    };
    Results {
        lint,
        verify,
        took_ms: now_ms() - start,
        done: true,
    }
}

/// Puts routed files into the inputs.
fn apply(
    inputs: &UseStateHandle<Inputs>,
    notes: &UseStateHandle<Vec<String>>,
    routed: files::Routed,
) {
    let mut next = (**inputs).clone();
    if let Some(v) = routed.values {
        next.values = v;
    }
    for (slot, pem) in next.pems.iter_mut().zip(routed.pems) {
        if let Some(p) = pem {
            *slot = p;
        }
    }
    inputs.set(next);
    notes.set(routed.notes);
}

#[function_component(Check)]
pub fn check(props: &CheckProps) -> Html {
    let inputs = use_state(Inputs::default);
    let analysed = use_state(|| (Inputs::default(), Results::default()));
    let pending = use_mut_ref(|| None::<Timeout>);
    let goto = use_state(|| None::<(u32, u64)>);
    let notes = use_state(Vec::<String>::new);

    // Re-run the engine once typing pauses.
    {
        let analysed = analysed.clone();
        let pending = pending.clone();
        use_effect_with((*inputs).clone(), move |current| {
            let current = current.clone();
            let run = move || {
                let (prev_inputs, prev) = &*analysed;
                let results = analyse(&current, prev, prev_inputs);
                analysed.set((current, results));
            };
            *pending.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, run));
        });
    }

    let set_values = {
        let inputs = inputs.clone();
        Callback::from(move |v: String| {
            let mut next = (*inputs).clone();
            next.values = v;
            inputs.set(next);
        })
    };
    let set_pem = |i: usize| {
        let inputs = inputs.clone();
        Callback::from(move |v: String| {
            let mut next = (*inputs).clone();
            next.pems[i] = v;
            inputs.set(next);
        })
    };
    let load_files = {
        let (inputs, notes) = (inputs.clone(), notes.clone());
        Callback::from(move |list: web_sys::FileList| {
            let (inputs, notes) = (inputs.clone(), notes.clone());
            wasm_bindgen_futures::spawn_local(async move {
                apply(&inputs, &notes, files::route(files::read_all(list).await));
            });
        })
    };
    let ondrop = {
        let (inputs, notes) = (inputs.clone(), notes.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let Some(data) = e.data_transfer() else {
                return;
            };
            let (inputs, notes) = (inputs.clone(), notes.clone());
            wasm_bindgen_futures::spawn_local(async move {
                apply(&inputs, &notes, files::route(files::read_drop(data).await));
            });
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let onpick = {
        let load = load_files.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(list) = input.files() {
                load.emit(list);
            }
        })
    };
    let example = {
        let inputs = inputs.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let mut next = (*inputs).clone();
            match select.value().as_str() {
                "" => return,
                "certs" => next.pems = examples::ARTICLE_CERTS.map(str::to_string),
                i => {
                    if let Some(ex) = i
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| examples::VALUES.get(i))
                    {
                        next.values = ex.text.to_string();
                    }
                }
            }
            select.set_value("");
            inputs.set(next);
        })
    };
    let on_line = {
        let goto = goto.clone();
        Callback::from(move |line: u32| {
            let n = goto.map_or(0, |(_, n)| n + 1);
            goto.set(Some((line, n)));
        })
    };

    let (seen, results) = &*analysed;
    let stale = *seen != *inputs;
    let highlight = results
        .lint
        .as_ref()
        .map(|l| analysis::finding_lines(&l.report))
        .unwrap_or_default();
    let lint_view = match &results.lint {
        None => html! {
            <Findings title="Configuration" findings={Vec::new()} on_rule={props.on_rule.clone()}
                empty="Paste istiod Helm values, an IstioOperator or `kubectl get deploy istiod -o yaml` output; or gateway values with Gateway and DestinationRule objects." />
        },
        Some(l) => {
            let errors: Vec<String> = l
                .report
                .input_errors()
                .map(|(_, e)| format!("line {}, column {}: {}", e.line, e.column, e.message))
                .collect();
            let empty = if !errors.is_empty() {
                format!("Not YAML: {}", errors.join("; "))
            } else if l.report.configuration_count() == 0 && l.report.gateway_count() == 0 {
                "No istiod or gateway configuration found: nothing to check (Helm values need pilot.podAnnotations or podAnnotations with vault.hashicorp.com/*; gateways are istio/gateway values, Gateway or DestinationRule objects).".to_string()
            } else {
                "No issues.".to_string()
            };
            html! {
                <Findings title="Configuration" findings={l.report.findings.clone()} empty={empty}
                    on_line={on_line.clone()} on_rule={props.on_rule.clone()} />
            }
        }
    };
    let verify_view = match &results.verify {
        None => html! {
            <Findings title="Certificates" findings={Vec::new()} on_rule={props.on_rule.clone()}
                empty="Paste the four CA files, or drop them (or their folder, or a cacerts Secret) here." />
        },
        Some(v) => html! {
            <>
                <Findings title="Certificates" findings={v.report.findings.clone()} empty="No issues."
                    on_rule={props.on_rule.clone()} />
                { for v.report.bundles.iter().map(|b| html! { <Chain bundle={b.clone()} /> }) }
            </>
        },
    };
    let pem_inputs = FileKind::ALL.iter().enumerate().map(|(i, kind)| {
        let id = format!("pem-{}", kind.file_name().trim_end_matches(".pem"));
        html! {
            <label class="pem">
                <span>{ kind.file_name() }</span>
                <Editor id={id} value={inputs.pems[i].clone()} oninput={set_pem(i)} size="small"
                    placeholder={format!("-----BEGIN … (the content of {})", kind.file_name())} />
            </label>
        }
    });

    html! {
        <div class="check" {ondrop} {ondragover}>
            <div class="toolbar">
                <select onchange={example} aria-label="Load an example">
                    <option value="" selected=true>{ "Load an example…" }</option>
                    { for examples::VALUES.iter().enumerate().map(|(i, ex)| html! {
                        <option value={i.to_string()}>{ ex.name }</option>
                    }) }
                    <option value="certs">{ "The article's cluster1 CA files (expired intermediate)" }</option>
                </select>
                <label class="button">{ "Open files…" }
                    <input type="file" multiple=true onchange={onpick.clone()} hidden=true /></label>
                <label class="button">{ "Open a folder…" }
                    <input type="file" webkitdirectory=true multiple=true onchange={onpick} hidden=true /></label>
                <span class={classes!("status", stale.then_some("stale"))} id="status">
                    { if stale { "checking…".to_string() } else if results.done { format!("checked in {:.1} ms", results.took_ms) } else { String::new() } }
                </span>
            </div>
            if !notes.is_empty() {
                <ul class="notes">{ for notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
            }
            <div class="columns">
                <div class="inputs">
                    <label class="values"><span>{ "istiod configuration" }</span>
                        <Editor id="values" value={inputs.values.clone()} oninput={set_values}
                            highlight={highlight} goto_line={*goto} size="large"
                            placeholder="pilot:\n  podAnnotations:\n    vault.hashicorp.com/agent-inject: \"true\"\n    …" />
                    </label>
                    <details class="pems" open=true>
                        <summary>{ "CA files (ca-key.pem stays in this page: nothing is sent anywhere)" }</summary>
                        { for pem_inputs }
                    </details>
                </div>
                <div class="results">
                    { lint_view }
                    { verify_view }
                </div>
            </div>
            <pre hidden=true id="lint-json">{ results.lint.as_ref().map(|l| l.json.clone()).unwrap_or_default() }</pre>
            <pre hidden=true id="verify-json">{ results.verify.as_ref().map(|v| v.json.clone()).unwrap_or_default() }</pre>
        </div>
    }
}
