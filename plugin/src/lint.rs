//! `lint`: read, run the engine, print, choose the exit code.

use crate::cli::{FailOn, Format, LintArgs};
use crate::exit;
use crate::inputs;
use crate::output;
use std::io::IsTerminal;
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::{Severity, Summary};

pub fn run(args: LintArgs) -> anyhow::Result<u8> {
    let mut paths = args.paths.clone();
    paths.extend(args.filenames.iter().cloned());
    if paths.is_empty() {
        output::error(
            "nothing to lint: give files or directories (`-` for stdin), e.g. `kubectl vault-istio lint values.yaml`",
        );
        return Ok(exit::COULD_NOT_RUN);
    }
    if let Some(unknown) = args
        .ignore
        .iter()
        .find(|c| vault_istio::rules::find(c).is_none())
    {
        output::error(&format!(
            "--ignore {unknown}: no such rule; see `kubectl vault-istio explain --list`"
        ));
        return Ok(exit::COULD_NOT_RUN);
    }

    let inputs = inputs::read_all(&paths, args.max_input_bytes);
    let options = vault_istio::Options {
        ignore: args.ignore.clone(),
    };
    let report = vault_istio::lint(&inputs.sources, &options);

    let mut could_not_run = false;
    for e in &inputs.errors {
        output::error(&format!("{}: {}", e.file, e.message));
        could_not_run = true;
    }
    for (file, e) in report.input_errors() {
        output::error(&format!(
            "{file}:{}:{}: invalid YAML: {}",
            e.line, e.column, e.message
        ));
        could_not_run = true;
    }
    for dir in &inputs.empty_dirs {
        output::error(&format!(
            "{dir}: no YAML files (*.yaml, *.yml, *.json) in this directory"
        ));
        could_not_run = true;
    }

    let nothing_found = report.configuration_count() == 0;
    if nothing_found && !could_not_run {
        let readable: Vec<_> = report.inputs.iter().filter(|i| i.error.is_none()).collect();
        for i in &readable {
            let why = if i.other_kinds.is_empty() {
                "it is empty".to_string()
            } else {
                let mut kinds = i.other_kinds.clone();
                kinds.dedup();
                format!("it holds {}", kinds.join(", "))
            };
            output::error(&format!(
                "{}: no istiod configuration found ({why}); expected istiod Helm values, an IstioOperator, or an istiod Deployment/Pod",
                i.file
            ));
        }
        could_not_run = true;
    }

    let render = RenderInput {
        report: &report,
        sources: &inputs.sources,
    };
    match args.output {
        Format::Json => output::stdout(&json::render(&render))?,
        Format::Sarif => output::stdout(&sarif::render(&render))?,
        Format::Text => {
            if report.findings.is_empty() {
                if !nothing_found {
                    eprintln!("✔ no issues found ({})", text::summary_line(&render, false));
                }
            } else {
                let color = output::use_color(args.color, std::io::stdout().is_terminal());
                output::stdout(&text::render(&render, color))?;
            }
        }
    }

    if could_not_run {
        return Ok(exit::COULD_NOT_RUN);
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    if !args.exit_zero && Summary::of(&report.findings).reaches(threshold) {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}
