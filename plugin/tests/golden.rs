//! Golden outputs of the built binary for every format, on the broken example and the
//! article. A change in wording, order, positions or schema shows up here as a diff.

mod common;
use common::*;

/// The tool version appears in JSON and SARIF; keep snapshots stable across releases.
fn stable(out: &str) -> String {
    out.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

/// SARIF lists every rule's docs; they have their own tests, and a new rule should not
/// churn these snapshots. Keep the rest of the document whole.
fn without_rule_docs(sarif: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    let rules = &mut v["runs"][0]["tool"]["driver"]["rules"];
    let n = rules.as_array().map_or(0, Vec::len);
    assert_eq!(n, vault_istio::rules::RULES.len());
    *rules = serde_json::Value::String("[every rule of the registry]".into());
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn golden_outputs() {
    for (case, input) in [("broken", BROKEN), ("article", ARTICLE_1)] {
        for fmt in ["text", "json", "sarif"] {
            let r = run(&["lint", "--color", "never", "-o", fmt, input]);
            let expected_code = if case == "broken" { 1 } else { 0 };
            assert_eq!(r.code, expected_code, "{case} {fmt}: {}", r.stderr);
            let out = if fmt == "sarif" {
                without_rule_docs(&r.stdout)
            } else {
                r.stdout
            };
            insta::assert_snapshot!(format!("{case}_{fmt}"), stable(&out));
        }
    }
}

#[test]
fn golden_verify_outputs() {
    // A fixed instant keeps "days left" stable.
    for fmt in ["text", "json", "sarif"] {
        let r = run(&[
            "verify",
            "--color",
            "never",
            "--at",
            "2026-11-30T00:00:00Z",
            "-o",
            fmt,
            "tests/fixtures/upstream-seed/certs",
        ]);
        assert_eq!(r.code, 1, "{fmt}: {}", r.stderr);
        let out = if fmt == "sarif" {
            without_rule_docs(&r.stdout)
        } else {
            r.stdout
        };
        insta::assert_snapshot!(format!("verify_article_{fmt}"), stable(&out));
    }
}
