//! `-o sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Every rule is listed in
//! `tool.driver.rules` (from the registry), each result points at a file, line and column.

use crate::finding::{Location, Severity};
use crate::rules::{RULES, RuleMeta};
use serde_sarif::sarif;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/vault-istio/vault-istio";

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// The first paragraph under `## What it does`.
pub fn summary_of(meta: &RuleMeta) -> String {
    let docs = meta.docs();
    let body = docs.split("## What it does").nth(1).unwrap_or(&docs);
    body.trim_start()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn descriptor(meta: &RuleMeta) -> sarif::ReportingDescriptor {
    let mut full = summary_of(meta);
    if full.len() > 1000 {
        full.truncate(
            full.char_indices()
                .take_while(|(i, _)| *i < 1000)
                .last()
                .map_or(0, |(i, _)| i),
        );
    }
    sarif::ReportingDescriptor::builder()
        .id(meta.code.to_string())
        .name(meta.name.to_string())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(meta.title.to_string())
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(full)
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(meta.docs())
                .markdown(meta.docs())
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::to_value(level(meta.severity)).unwrap_or_default())
                .build(),
        )
        .build()
}

/// A repository-relative URI for a file name as the user gave it.
fn uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".into();
    }
    let f = file.replace('\\', "/");
    f.strip_prefix("./").unwrap_or(&f).replace(' ', "%20")
}

fn to_i64(v: u32) -> i64 {
    i64::from(v)
}

/// The file and region GitHub shows a result at. PEM findings point at the block's BEGIN
/// line when the file stands alone, else at the file's first line; live objects get the
/// synthetic URI `k8s/<cluster>/<namespace>/<kind>/<name>`.
fn region(location: &Location) -> (String, sarif::Region) {
    match location {
        Location::Yaml {
            file,
            line,
            column,
            end_line,
            end_column,
            ..
        } => {
            let (end_line, end_column) = if (end_line, end_column) > (line, column) {
                (*end_line, *end_column)
            } else {
                (*line, column + 1)
            };
            let region = sarif::Region::builder()
                .start_line(to_i64(*line))
                .start_column(to_i64(*column))
                .end_line(to_i64(end_line))
                .end_column(to_i64(end_column))
                .build();
            (file.clone(), region)
        }
        Location::Pem { file, line, .. } => (
            file.clone(),
            sarif::Region::builder()
                .start_line(to_i64(line.unwrap_or(1)))
                .build(),
        ),
        Location::Object { .. } | Location::Vault { .. } => (
            location.object_uri().unwrap_or_default(),
            sarif::Region::builder().start_line(1).build(),
        ),
    }
}

pub fn render(findings: &[crate::Finding]) -> String {
    let rules: Vec<_> = RULES.iter().map(|r| descriptor(&r.meta)).collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let (file, region) = region(&f.location);
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(
                            sarif::ArtifactLocation::builder().uri(uri(&file)).build(),
                        )
                        .region(region)
                        .build(),
                )
                .build();
            let text = match &f.help {
                Some(h) => format!("{} (help: {h})", f.message),
                None => f.message.clone(),
            };
            let index = RULES
                .iter()
                .position(|r| r.meta.code == f.code)
                .map_or(-1, |i| i as i64);
            sarif::Result::builder()
                .rule_id(f.code.to_string())
                .rule_index(index)
                .level(level(f.severity))
                .message(sarif::Message::builder().text(text).build())
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("vault-istio".to_string())
        .version(crate::VERSION.to_string())
        .semantic_version(crate::VERSION.to_string())
        .information_uri(INFO_URI.to_string())
        .rules(rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let doc = sarif::Sarif::builder()
        .schema(SCHEMA.to_string())
        .version(serde_json::Value::String("2.1.0".into()))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
