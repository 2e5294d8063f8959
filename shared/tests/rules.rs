#![cfg(not(target_arch = "wasm32"))]
//! Per-rule fixture tests.
//!
//! Every rule has a directory `tests/rules/<code>/` (code lower-case, e.g. `vi101`) with
//! `fires_*.yaml` files, on which that rule alone must report at least one finding (and
//! only findings of its own code; their rendering is pinned by an insta snapshot), and
//! `quiet_*.yaml` files, close misses on which it must report nothing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vault_istio::rules::{self, RULES, Rule};
use vault_istio::source::{recognize, yaml};
use vault_istio::{Finding, Location, Severity, SourceFile};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

/// Sorted entries of `dir` (full paths).
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_else(|| panic!("{} has a non-UTF-8 name", path.display()))
}

fn is_fixture(name: &str) -> bool {
    name.ends_with(".yaml") && (name.starts_with("fires_") || name.starts_with("quiet_"))
}

/// Runs only `rule` over every istiod configuration in `path`.
fn run(rule: &'static Rule, path: &Path) -> Result<Vec<Finding>, String> {
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let docs = yaml::parse(&text).map_err(|e| format!("{shown}: not YAML: {e}"))?;
    if let rules::Check::Gateways(_) = rule.check {
        return run_gateway(rule, &shown, &text, &docs);
    }
    let inventory = recognize(&shown, &docs);
    if inventory.specs.is_empty() {
        return Err(format!(
            "{shown}: no istiod configuration recognized (saw: {:?})",
            inventory.other_kinds
        ));
    }
    let mut findings = Vec::new();
    for spec in &inventory.specs {
        rules::check_spec(spec, &[rule], &mut findings);
    }
    Ok(findings)
}

/// Runs only the gateway `rule` over the gateway objects in one fixture. A leading
/// `# istio-version: 1.26` comment line sets the version judged by.
fn run_gateway(
    rule: &'static Rule,
    shown: &str,
    text: &str,
    docs: &[yaml::Document],
) -> Result<Vec<Finding>, String> {
    let inventory = vault_istio::gateway::read(shown, docs, vault_istio::gateway::Kind::Auto);
    if inventory.is_empty() {
        return Err(format!("{shown}: no gateway object recognized"));
    }
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("# istio-version: "))
        .map(|v| vault_istio::gateway::IstioVersion::parse(v).expect("a version"));
    let target = rules::GatewayTarget {
        inventory: &inventory,
        istio_version: version.unwrap_or(vault_istio::gateway::IstioVersion::NEWEST),
        version_given: version.is_some(),
        scoped_to_namespace: text.contains("# scoped-to-namespace"),
        live: None,
    };
    let mut findings = Vec::new();
    rules::check_gateways(&target, &[rule], &mut findings);
    Ok(findings)
}

/// One line per finding: `line:column severity message` and ` | help: …` when present.
fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (line, column) = f.location.line_column();
        assert!(
            matches!(f.location, Location::Yaml { .. }),
            "YAML rules point into YAML"
        );
        write!(out, "{line}:{column} {} {}", f.severity, f.message).unwrap();
        if let Some(help) = &f.help {
            write!(out, " | help: {help}").unwrap();
        }
        out.push('\n');
    }
    out
}

fn rule_for_dir(dir: &Path) -> Option<&'static Rule> {
    let code = file_name(dir);
    if code != code.to_ascii_lowercase() {
        return None;
    }
    rules::find(code).filter(|r| r.meta.code.eq_ignore_ascii_case(code))
}

#[test]
fn fixtures_fire_and_stay_quiet() {
    let mut problems: Vec<String> = Vec::new();
    let mut checked = 0usize;
    for dir in sorted_entries(&rules_dir()) {
        if !dir.is_dir() {
            continue;
        }
        let Some(rule) = rule_for_dir(&dir) else {
            // Reported by `every_rule_has_fixtures_and_no_stray_directories`.
            continue;
        };
        let code = rule.meta.code;
        for path in sorted_entries(&dir) {
            let name = file_name(&path).to_string();
            if !is_fixture(&name) {
                continue;
            }
            let shown = format!("{}/{name}", code.to_ascii_lowercase());
            let findings = match run(rule, &path) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            checked += 1;
            if name.starts_with("quiet_") {
                if !findings.is_empty() {
                    problems.push(format!(
                        "{shown}: expected no {code} finding, got:\n{}",
                        render(&findings)
                    ));
                }
                continue;
            }
            if findings.is_empty() {
                problems.push(format!("{shown}: expected at least one {code} finding"));
                continue;
            }
            let foreign: Vec<&Finding> = findings.iter().filter(|f| f.code != code).collect();
            if !foreign.is_empty() {
                problems.push(format!(
                    "{shown}: findings of other codes: {:?}",
                    foreign.iter().map(|f| f.code).collect::<Vec<_>>()
                ));
            }
            let stem = name.trim_end_matches(".yaml");
            let snapshot = format!("{}__{stem}", code.to_ascii_lowercase());
            insta::with_settings!({ description => shown.clone(), omit_expression => true, prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(snapshot, render(&findings));
            });
        }
    }
    assert!(
        checked > 0,
        "no fixtures found under {}",
        rules_dir().display()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_fixtures_and_no_stray_directories() {
    let mut problems: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    for entry in sorted_entries(&rules_dir()) {
        let name = file_name(&entry).to_string();
        if !entry.is_dir() {
            problems.push(format!(
                "tests/rules/{name}: only rule directories belong here"
            ));
            continue;
        }
        let Some(rule) = rule_for_dir(&entry) else {
            problems.push(format!(
                "tests/rules/{name}: no rule has this code (directories are lower-case codes such as `vi101`)"
            ));
            continue;
        };
        seen.insert(rule.meta.code);
        let files: Vec<String> = sorted_entries(&entry)
            .iter()
            .map(|p| file_name(p).to_string())
            .collect();
        for f in &files {
            if !is_fixture(f) {
                problems.push(format!(
                    "tests/rules/{name}/{f}: fixtures are named `fires_*.yaml` or `quiet_*.yaml`"
                ));
            }
        }
        for prefix in ["fires_", "quiet_"] {
            if !files
                .iter()
                .any(|f| f.starts_with(prefix) && f.ends_with(".yaml"))
            {
                problems.push(format!(
                    "tests/rules/{name}: no `{prefix}*.yaml` fixture for {}",
                    rule.meta.code
                ));
            }
        }
    }
    // YAML rules only: bundle and mesh rules are tested with generated certificates in
    // tests/bundle_rules.rs, which has its own coverage check.
    for rule in RULES
        .iter()
        .filter(|r| matches!(r.check, rules::Check::Istiod(_) | rules::Check::Gateways(_)))
    {
        if !seen.contains(rule.meta.code) {
            problems.push(format!(
                "tests/rules/{}: missing directory for {} ({})",
                rule.meta.code.to_ascii_lowercase(),
                rule.meta.code,
                rule.meta.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The article's Helm values (one per cluster) are the reference setup: no errors.
#[test]
fn upstream_seed_values_have_no_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream-seed");
    for name in ["cluster1-values.yaml", "cluster2-values.yaml"] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
        let sources = [SourceFile::new(name, text)];
        let report = vault_istio::lint(&sources, &Default::default());
        assert_eq!(
            report.input_errors().count(),
            0,
            "{name}: not readable as YAML"
        );
        assert_eq!(
            report.configuration_count(),
            1,
            "{name}: expected exactly one istiod configuration"
        );
        let errors: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: unexpected errors:\n{}",
            render(&errors.into_iter().cloned().collect::<Vec<_>>())
        );
    }
}
