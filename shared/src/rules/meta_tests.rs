//! Tests on the registry itself: every rule is declared well, documented, and its own doc
//! examples prove it (the bad one fires, the good one stays quiet).

use super::{RETIRED, RULES, Rule, check_spec};
use crate::finding::Finding;
use crate::source::{recognize, yaml};

const HEADINGS: [&str; 5] = [
    "## What it does",
    "## Why it breaks",
    "## How to fix",
    "## Example",
    "Use instead:",
];

/// The YAML blocks after `## Example` (bad) and `Use instead:` (good).
pub(crate) fn examples(rule: &Rule) -> (String, String) {
    let docs = rule.meta.docs();
    let block_after = |marker: &str| -> String {
        let rest = docs
            .split(marker)
            .nth(1)
            .unwrap_or_else(|| panic!("{} lacks {marker}", rule.meta.code));
        let body = rest
            .split("```yaml\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{} lacks a yaml block after {marker}", rule.meta.code));
        body.split("```").next().unwrap_or_default().to_string()
    };
    (block_after("## Example"), block_after("Use instead:"))
}

pub(crate) fn run_one(rule: &'static Rule, text: &str) -> Vec<Finding> {
    let docs = yaml::parse(text)
        .unwrap_or_else(|e| panic!("{}: example is not YAML: {e}", rule.meta.code));
    if let super::Check::Gateways(_) = rule.check {
        let inventory = crate::gateway::read("example.yaml", &docs, crate::gateway::Kind::Auto);
        assert!(
            !inventory.is_empty(),
            "{}: example holds no gateway object",
            rule.meta.code
        );
        let target = super::GatewayTarget {
            inventory: &inventory,
            istio_version: crate::gateway::IstioVersion::NEWEST,
            version_given: false,
            scoped_to_namespace: false,
            live: None,
        };
        let mut out = Vec::new();
        super::check_gateways(&target, &[rule], &mut out);
        return out;
    }
    let inv = recognize("example.yaml", &docs);
    assert!(
        !inv.specs.is_empty(),
        "{}: example holds no istiod configuration",
        rule.meta.code
    );
    let mut out = Vec::new();
    for spec in &inv.specs {
        check_spec(spec, &[rule], &mut out);
    }
    out
}

#[test]
fn codes_are_unique_sorted_and_in_their_family() {
    let codes: Vec<&str> = RULES.iter().map(|r| r.meta.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "codes must be unique and sorted");
    for r in RULES {
        let m = &r.meta;
        assert!(
            m.code.len() == 5
                && m.code.starts_with("VI")
                && m.code[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            m.code
        );
        let family = format!("vi{}xx_", &m.code[2..3]);
        assert!(
            m.file.contains(&family),
            "{} is declared in {}, outside its family folder {family}",
            m.code,
            m.file
        );
        assert!(
            m.file.contains(&m.code.to_lowercase()),
            "{} is declared in {}",
            m.code,
            m.file
        );
        assert!(
            !RETIRED.iter().any(|(c, _)| *c == m.code),
            "{} is retired",
            m.code
        );
    }
}

#[test]
fn names_are_unique_kebab_case() {
    let mut names: Vec<&str> = RULES.iter().map(|r| r.meta.name).collect();
    for n in &names {
        assert!(
            n.split('-').all(|w| !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{n}"
        );
    }
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate rule names");
}

fn message_style_ok(s: &str) -> bool {
    let first = s.chars().next();
    !s.ends_with('.') && first.is_some_and(|c| !c.is_uppercase())
}

#[test]
fn docs_have_every_heading_and_titles_follow_the_style() {
    for r in RULES {
        for h in HEADINGS {
            assert!(r.meta.docs().contains(h), "{} docs lack `{h}`", r.meta.code);
        }
        assert!(
            message_style_ok(r.meta.title),
            "{} title: {:?}",
            r.meta.code,
            r.meta.title
        );
        assert!(!r.meta.since.is_empty());
    }
}

#[test]
fn each_rules_bad_example_fires_and_good_example_is_quiet() {
    // Bundle and mesh rules document their examples as text; fixtures with generated
    // certificates test them (shared/tests/bundle_rules.rs).
    for rule in RULES
        .iter()
        .copied()
        .filter(|r| matches!(r.check, super::Check::Istiod(_) | super::Check::Gateways(_)))
    {
        let (bad, good) = examples(rule);
        let fired = run_one(rule, &bad);
        assert!(
            !fired.is_empty(),
            "{}: its bad example does not fire",
            rule.meta.code
        );
        for f in &fired {
            assert_eq!(f.code, rule.meta.code);
            assert!(
                message_style_ok(&f.message),
                "{}: message style: {:?}",
                rule.meta.code,
                f.message
            );
            let (line, column) = f.location.line_column();
            assert!(line >= 1 && column >= 1, "{}: no position", rule.meta.code);
        }
        let quiet = run_one(rule, &good);
        assert!(
            quiet.is_empty(),
            "{}: its good example fires: {quiet:#?}",
            rule.meta.code
        );
    }
}
