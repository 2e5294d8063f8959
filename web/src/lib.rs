//! The offline vault-istio page (Yew → wasm32): paste istiod Helm values or manifests and
//! the four CA files, get the same findings as `kubectl vault-istio lint` / `verify`,
//! computed in the browser by the same engine. Nothing leaves the page: it makes no
//! request, stores nothing, and its Content-Security-Policy forbids connections.

mod analysis;
mod app;
mod check;
mod editor;
mod examples;
mod files;
mod render_tab;
mod report;
mod rules_tab;

use wasm_bindgen::prelude::*;

/// `kubectl vault-istio lint -o json values.yaml` on `text`, computed here.
#[wasm_bindgen]
pub fn lint_json(text: &str) -> String {
    analysis::lint(text).json
}

/// `kubectl vault-istio verify -o json pasted/` on the four files (empty = absent), judged
/// at `now` (Unix seconds).
#[wasm_bindgen]
pub fn verify_json(
    ca_key: &str,
    ca_cert: &str,
    cert_chain: &str,
    root_cert: &str,
    now: f64,
) -> String {
    let pems = [ca_key, ca_cert, cert_chain, root_cert].map(str::to_string);
    analysis::verify(&pems, now as i64)
        .map(|v| v.json)
        .unwrap_or_default()
}

#[wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
    {
        yew::Renderer::<app::App>::with_root(root).render();
    }
}
