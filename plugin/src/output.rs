//! Writing to the terminal: colour decisions, error lines, broken pipes.

use crate::cli::{ColorChoice, ReportArgs};
use crate::exit;
use std::io::IsTerminal;
use vault_istio::{Finding, Summary};

/// Colour only when asked, or on a terminal without `NO_COLOR`.
pub fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    decide_color(
        choice,
        stream_is_tty,
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org); `--color`
/// overrides both it and the terminal check.
fn decide_color(
    choice: ColorChoice,
    stream_is_tty: bool,
    no_color: Option<&std::ffi::OsStr>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stream_is_tty && no_color.is_none_or(|v| v.is_empty()),
    }
}

fn stderr_color() -> bool {
    use_color(ColorChoice::Auto, std::io::stderr().is_terminal())
}

/// Errors quote what the user gave (a config value, a file's line): key material in it
/// never reaches the terminal.
fn prefixed(prefix: &str, style: anstyle::Style, msg: &str) {
    let msg = vault_istio::finding::redact(msg);
    if stderr_color() {
        eprintln!("{}{prefix}{}: {msg}", style.render(), style.render_reset());
    } else {
        eprintln!("{prefix}: {msg}");
    }
}

/// `error: <msg>` on stderr.
pub fn error(msg: &str) {
    prefixed("error", anstyle::AnsiColor::Red.on_default().bold(), msg);
}

/// `note: <msg>` on stderr.
pub fn note(msg: &str) {
    prefixed("note", anstyle::AnsiColor::Cyan.on_default().bold(), msg);
}

/// A quiet exit on `| head` is what users expect from a CLI.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `text` to stdout in one go. A reader that went away (`| head`) is not an
/// error: the exit code still reports the findings.
pub fn stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `-o text`: the findings on stdout (coloured per `--color`), or, with none, the
/// "✔ no issues found" summary on stderr.
pub fn text_findings(
    render: &vault_istio::report::RenderInput<'_>,
    args: &ReportArgs,
) -> anyhow::Result<()> {
    use vault_istio::report::text;
    if render.findings.is_empty() {
        eprintln!("✔ no issues found ({})", text::summary_line(render, false));
        Ok(())
    } else {
        stdout(&text::render(
            render,
            use_color(args.color, std::io::stdout().is_terminal()),
        ))
    }
}

/// Every `--ignore` names a rule; says which does not, if one does not.
pub fn ignore_codes_known(args: &ReportArgs) -> bool {
    match args
        .ignore
        .iter()
        .find(|c| vault_istio::rules::find(c).is_none())
    {
        Some(unknown) => {
            error(&format!(
                "--ignore {unknown}: no such rule; see `kubectl vault-istio explain --list`"
            ));
            false
        }
        None => true,
    }
}

/// The exit code, the same for every command and output format: 2 when the run was
/// incomplete, else 1 when a finding reaches `--fail-on` (unless `--exit-zero`), else 0.
pub fn exit_code(findings: &[Finding], args: &ReportArgs, could_not_run: bool) -> u8 {
    if could_not_run {
        return exit::COULD_NOT_RUN;
    }
    if !args.exit_zero && Summary::of(findings).reaches(args.fail_on.severity()) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::decide_color;
    use crate::cli::ColorChoice;
    use std::ffi::OsStr;

    #[test]
    fn colour_decision() {
        assert!(decide_color(ColorChoice::Auto, true, None));
        assert!(decide_color(ColorChoice::Auto, true, Some(OsStr::new(""))));
        assert!(!decide_color(
            ColorChoice::Auto,
            true,
            Some(OsStr::new("1"))
        ));
        assert!(!decide_color(ColorChoice::Auto, false, None));
        assert!(decide_color(
            ColorChoice::Always,
            false,
            Some(OsStr::new("1"))
        ));
        assert!(!decide_color(ColorChoice::Never, true, None));
    }
}
