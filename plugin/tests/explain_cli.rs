//! `explain`: rule docs from the registry.

mod common;
use common::*;

#[test]
fn explain_prints_the_rule_docs() {
    let r = run(&["explain", "VI101"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("VI101 inject-annotation-missing (error, since 0.1.0)"),
        "{}",
        r.stdout
    );
    for heading in [
        "## What it does",
        "## Why it breaks",
        "## How to fix",
        "## Example",
        "Use instead:",
    ] {
        assert!(r.stdout.contains(heading), "{heading}");
    }
    // By name and in lower case too.
    assert_eq!(
        run(&["explain", "inject-annotation-missing"]).stdout,
        r.stdout
    );
    assert_eq!(run(&["explain", "vi101"]).stdout, r.stdout);
}

#[test]
fn explain_list_shows_every_rule() {
    let r = run(&["explain", "--list"]);
    assert_eq!(r.code, 0);
    for rule in vault_istio::rules::RULES {
        assert!(r.stdout.contains(rule.meta.code), "{}", rule.meta.code);
        assert!(r.stdout.contains(rule.meta.name));
    }
}

#[test]
fn unknown_rule_suggests_and_exits_2() {
    let r = run(&["explain", "inject-anotation-missing"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean VI101"), "{}", r.stderr);
    assert_eq!(run(&["explain"]).code, 2);
}
