//! `post-render`: a Helm post-renderer gate. Helm pipes the rendered manifests in; they go
//! out on stdout byte for byte, and the install fails (exit 1, findings on stderr) when an
//! istiod in them has a finding at or above `--fail-on`. Output without istiod passes.
//! Findings name the chart template (Helm's `postrender-filename` annotation or its
//! `# Source:` comment), with lines counted in that template's output.

use crate::cli::{Format, PostRenderArgs, ReportArgs};
use crate::exit;
use crate::inputs;
use crate::output;
use std::io::IsTerminal;
use vault_istio::report::{RenderInput, text};
use vault_istio::source::helm;

pub fn run(args: PostRenderArgs) -> anyhow::Result<u8> {
    let report_args = ReportArgs {
        output: Format::Text,
        fail_on: args.fail_on,
        exit_zero: false,
        ignore: args.ignore.clone(),
        max_input_bytes: args.max_input_bytes,
        color: args.color,
    };
    if !output::ignore_codes_known(&report_args) {
        return Ok(exit::COULD_NOT_RUN);
    }
    let input = match inputs::read_text("-", args.max_input_bytes) {
        Ok(src) => src,
        Err(e) => {
            output::error(&format!("post-render: {}: {}", e.file, e.message));
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    let sources = helm::rendered_documents(&input.text);
    let report = vault_istio::lint(
        &sources,
        &vault_istio::Options {
            ignore: args.ignore,
        },
    );
    // A document Helm rendered but YAML cannot read would fail the install anyway:
    // say where, and let the manifests through for Helm to report.
    for (file, e) in report.input_errors() {
        output::error(&format!(
            "{file}:{}:{}: invalid YAML: {}",
            e.line, e.column, e.message
        ));
    }
    let code = output::exit_code(&report.findings, &report_args, false);
    if code != exit::OK {
        // Helm shows this in its error: the findings that failed the command, not the
        // advice below the threshold (`lint` shows everything).
        let threshold = args.fail_on.severity();
        let failing: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .cloned()
            .collect();
        let render = RenderInput {
            findings: &failing,
            ..RenderInput::lint(&report, &sources)
        };
        let color = output::use_color(args.color, std::io::stderr().is_terminal());
        eprint!("{}", text::render(&render, color));
    }
    if code == exit::OK {
        output::stdout(&input.text)?;
    } else {
        output::error(&format!(
            "vault-istio post-render: the rendered istiod configuration has findings at or above `{}`: fix them, or pass --post-renderer-args=--fail-on=… / --ignore=CODE",
            args.fail_on.as_str()
        ));
    }
    Ok(code)
}
