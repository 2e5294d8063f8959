//! The page's exports in a real browser (headless Chromium through wasm-bindgen-test-runner
//! and chromedriver; see .ci/test). One file = one test binary = one browser start (~3.5 s):
//! add tests here rather than new files.

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn lint_json_reports_findings_on_pasted_values() {
    let values =
        "pilot:\n  podAnnotations:\n    vault.hashicorp.com/agent-inject: \"yes-please\"\n";
    let json = vault_istio_web::lint_json(values);
    assert!(json.contains("\"findings\""), "{json}");
    // "yes-please" is no Go ParseBool value: the webhook rejects the pod.
    assert!(json.contains("\"VI102\""), "{json}");
}

/// Waits `ms` milliseconds of browser time (lets Yew render and the debounce fire).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts the whole app into a fresh `#app` element.
async fn mount() {
    if let Some(old) = document().get_element_by_id("app") {
        old.remove();
    }
    let root = document().create_element("div").unwrap();
    root.set_id("app");
    document().body().unwrap().append_child(&root).unwrap();
    vault_istio_web::start();
    sleep(50).await;
}

/// Types `text` into the textarea `id` as a user would (an `input` event).
fn type_into(id: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let area: web_sys::HtmlTextAreaElement = document()
        .get_element_by_id(id)
        .unwrap()
        .dyn_into()
        .unwrap();
    area.set_value(text);
    let event = web_sys::InputEvent::new("input").unwrap();
    area.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn typing_values_shows_findings_and_highlights_their_lines() {
    mount().await;
    let broken = include_str!("../../manifests/examples/broken/istiod-values-broken.yaml");
    type_into("values", broken);
    sleep(400).await; // 150 ms debounce, then the check and the render
    let finding = document()
        .query_selector(".finding[data-code=\"VI202\"]")
        .unwrap()
        .expect("the ROOT_CA_DIR finding is shown");
    assert!(finding.text_content().unwrap().contains("ROOT_CA_DIR"));
    let line4 = document()
        .query_selector(".editor .backdrop [data-line=\"4\"]")
        .unwrap()
        .unwrap();
    assert_eq!(line4.class_name(), "line hl");
    let status = document().get_element_by_id("status").unwrap();
    assert!(status.text_content().unwrap().starts_with("checked in"));
}

#[wasm_bindgen_test]
async fn pasted_certificates_show_the_chain() {
    mount().await;
    type_into(
        "pem-ca-cert",
        include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/ca-cert.pem"),
    );
    type_into(
        "pem-root-cert",
        include_str!("../../tests/fixtures/upstream-seed/certs/istiod-cluster1/root-cert.pem"),
    );
    sleep(400).await;
    let certs = document().query_selector_all(".chain .cert").unwrap();
    assert_eq!(certs.length(), 2, "ca-cert and its root");
    let text = document().body().unwrap().text_content().unwrap();
    assert!(text.contains("VI318"), "the expired intermediate");
    // ca-key.pem and cert-chain.pem were not given: said, not crashed on.
    assert!(text.contains("VI301"), "missing files are findings");
}
