//! The offline vault-istio page (Yew → wasm32). Placeholder until the page's own issue:
//! it links the engine so CI proves the engine builds and lints for the browser target.

/// Lints pasted text with the same engine the CLI uses and returns the JSON report.
pub fn lint_json(name: &str, text: &str) -> String {
    let sources = [vault_istio::SourceFile::new(name, text)];
    let report = vault_istio::lint(&sources, &vault_istio::Options::default());
    vault_istio::report::json::render(&report)
}
