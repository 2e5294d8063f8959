//! What packagers and shells get from the binary: `--version` with the git revision,
//! completion scripts a real bash loads, and the man page.

mod common;
use common::run;

#[test]
fn version_names_the_git_revision() {
    let out = run(&["--version"]);
    assert_eq!(out.code, 0);
    // Built in a git checkout (as CI and the README build it).
    let rev = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(common::root())
        .output()
        .unwrap();
    let rev = String::from_utf8(rev.stdout).unwrap();
    assert!(
        out.stdout.starts_with("kubectl vault-istio 0.1.0 (git ")
            && out.stdout.contains(rev.trim()),
        "{}",
        out.stdout
    );
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completion", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for sub in ["lint", "verify", "render", "audit", "post-render"] {
            assert!(out.stdout.contains(sub), "{shell} completes {sub}");
        }
    }
    // A real bash loads the script and registers the completion.
    let script = run(&["completion", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion.bash");
    std::fs::write(&path, script).unwrap();
    let bash = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "source {} && complete -p kubectl-vault_istio",
                path.display()
            ),
        ])
        .output()
        .unwrap();
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    assert!(String::from_utf8_lossy(&bash.stdout).contains("kubectl-vault_istio"));
    assert_ne!(run(&["completion", "powershell"]).code, 0);
}

#[test]
fn the_man_page_covers_every_command() {
    let out = run(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(".ie"), "roff");
    assert!(out.stdout.contains(".TH kubectl-vault_istio 1"));
    for sub in [
        "lint",
        "verify",
        "render",
        "audit",
        "explain",
        "post-render",
        "completion",
    ] {
        assert!(
            out.stdout
                .contains(&format!(".TH kubectl-vault_istio-{sub} 1")),
            "a page for {sub}"
        );
    }
    // Hidden from help, as it is for packagers.
    assert!(!run(&["--help"]).stdout.contains("\n  man "));
}
