//! `lint`: read, run the engine, print, choose the exit code.

use crate::cli::{Format, LintArgs};
use crate::exit;
use crate::inputs;
use crate::output;
use vault_istio::report::{RenderInput, json, sarif};

pub fn run(args: LintArgs) -> anyhow::Result<u8> {
    let mut paths = args.paths.clone();
    paths.extend(args.filenames.iter().cloned());
    if paths.is_empty() {
        output::error(
            "nothing to lint: give files or directories (`-` for stdin), e.g. `kubectl vault-istio lint values.yaml`",
        );
        return Ok(exit::COULD_NOT_RUN);
    }
    if !output::ignore_codes_known(&args.report) {
        return Ok(exit::COULD_NOT_RUN);
    }

    let inputs = inputs::read_all(&paths, args.report.max_input_bytes);
    let options = vault_istio::Options {
        ignore: args.report.ignore.clone(),
        kind: args.kind.into(),
        istio_version: args.istio_version,
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

    let nothing_found = report.configuration_count() == 0 && report.gateway_count() == 0;
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
                "{}: no istiod or gateway configuration found ({why}); expected istiod or istio/gateway Helm values, an IstioOperator, an istiod or gateway Deployment/Pod, or Istio Gateway/DestinationRule objects",
                i.file
            ));
        }
        could_not_run = true;
    }

    let render = RenderInput::lint(&report, &inputs.sources);
    match args.report.output {
        Format::Json => output::stdout(&json::render(&report))?,
        Format::Sarif => output::stdout(&sarif::render(&report.findings))?,
        // Nothing to lint was said already, as an error: no "no issues" line after it.
        Format::Text if report.findings.is_empty() && nothing_found => {}
        Format::Text => output::text_findings(&render, &args.report)?,
    }

    Ok(output::exit_code(
        &report.findings,
        &args.report,
        could_not_run,
    ))
}
