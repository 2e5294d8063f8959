//! `kubectl vault-istio`: the command-line shell around the `vault-istio` engine.
//! It reads inputs, calls the engine, prints, and maps the outcome to an exit code:
//! 0 nothing at or above `--fail-on`, 1 findings, 2 could not run.

mod audit;
mod cli;
mod explain;
mod inputs;
mod lint;
mod output;
mod post_render;
mod render;
mod vault;
mod verify;

use std::process::ExitCode;

/// Exit codes, the same for every output format.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const COULD_NOT_RUN: u8 = 2;
}

fn main() -> ExitCode {
    // One TLS provider (ring) is compiled in; kube's rustls needs it installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let argv0 = std::env::args().next().unwrap_or_default();
    let cli = match cli::Cli::try_parse_with_name(&argv0) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::COULD_NOT_RUN
            } else {
                exit::OK
            };
            // A usage error quotes the argument: key material passed as one never shows.
            let text = e.render().to_string();
            match vault_istio::finding::redact(&text) {
                std::borrow::Cow::Owned(redacted) if e.use_stderr() => eprint!("{redacted}"),
                _ => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        cli::Command::Lint(args) => lint::run(args),
        cli::Command::Verify(args) => verify::run(args),
        cli::Command::Render(args) => render::run(args),
        cli::Command::Audit(args) => audit::run(args),
        cli::Command::Explain(args) => explain::run(args),
        cli::Command::PostRender(args) => post_render::run(args),
        cli::Command::Completion { shell } => cli::completion(shell),
        cli::Command::Man => cli::man_page(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::from(exit::OK);
            }
            output::error(&format!("{e:#}"));
            ExitCode::from(exit::COULD_NOT_RUN)
        }
    }
}
