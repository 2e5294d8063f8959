//! Golden outputs of the built binary for every format, on the broken example and the
//! article. A change in wording, order, positions or schema shows up here as a diff.

mod common;
use common::*;

/// The tool version appears in JSON and SARIF; keep snapshots stable across releases.
fn stable(out: &str) -> String {
    out.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn golden_outputs() {
    for (case, input) in [("broken", BROKEN), ("article", ARTICLE_1)] {
        for fmt in ["text", "json", "sarif"] {
            let r = run(&["lint", "--color", "never", "-o", fmt, input]);
            let expected_code = if case == "broken" { 1 } else { 0 };
            assert_eq!(r.code, expected_code, "{case} {fmt}: {}", r.stderr);
            insta::assert_snapshot!(format!("{case}_{fmt}"), stable(&r.stdout));
        }
    }
}
