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
