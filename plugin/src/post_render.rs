//! `post-render`: a Helm post-renderer gate. Helm pipes the rendered manifests in; they go
//! out on stdout byte for byte, and the install fails (exit 1, findings on stderr) when an
//! istiod, or a gateway with its Gateway objects, in them has a finding at or above
//! `--fail-on`. Output with neither passes.
//! Findings name the chart template (Helm's `postrender-filename` annotation or its
//! `# Source:` comment), with lines counted in that template's output.

use crate::cli::{Format, PostRenderArgs};
use crate::exit;
use crate::inputs;
use crate::output;
use std::io::IsTerminal;
use vault_istio::report::{RenderInput, json, sarif, text};
use vault_istio::source::helm;

pub fn run(args: PostRenderArgs) -> anyhow::Result<u8> {
    let r = &args.report;
    if !output::ignore_codes_known(r) {
        return Ok(exit::COULD_NOT_RUN);
    }
    let input = match inputs::read_text("-", r.max_input_bytes) {
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
            ignore: r.ignore.clone(),
            istio_version: args.istio_version,
            ..Default::default()
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
    // Helm shows stderr in its error: in text, the findings that fail the command, not
    // the advice below the threshold (`lint` shows everything).
    let threshold = r.fail_on.severity();
    let failing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= threshold)
        .cloned()
        .collect();
    let shown = match r.output {
        Format::Text if failing.is_empty() => String::new(),
        Format::Text => {
            let render = RenderInput {
                findings: &failing,
                ..RenderInput::lint(&report, &sources)
            };
            text::render(
                &render,
                output::use_color(r.color, std::io::stderr().is_terminal()),
            )
        }
        Format::Json => json::render(&report),
        Format::Sarif => sarif::render(&report.findings),
    };
    eprint!("{shown}");
    let code = output::exit_code(&report.findings, r, false);
    if code == exit::OK {
        output::stdout(&input.text)?;
    } else {
        output::error(&format!(
            "vault-istio post-render: the rendered istiod or gateway configuration has findings at or above `{}`: fix them, or pass --post-renderer-args=--fail-on=… / --ignore=CODE / --istio-version=1.x",
            r.fail_on.as_str()
        ));
    }
    Ok(code)
}
