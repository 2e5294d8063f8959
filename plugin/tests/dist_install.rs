//! The release archive installs the way krew installs it, by hand: check the archive's
//! sha256 against the manifest `cargo xtask dist` wrote, unpack it into a krew-like store,
//! link `bin` into a directory on PATH, and let the real kubectl find and run it.
//!
//! Reads `target/dist` (or `$VAULT_ISTIO_DIST`), which `.ci/test` fills with
//! `cargo xtask dist --platform linux/amd64` before the tests; without it the test is
//! skipped loudly, and fails under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Run;

fn dist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VAULT_ISTIO_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target/dist"));
    let found = dir.join("vault-istio.yaml").is_file().then_some(dir);
    vault_istio_testbed::tools::required(
        found,
        "the release archives (`cargo xtask dist --version v0.1.0 --platform linux/amd64`)",
    )
    .unwrap()
}

/// The manifest's platform for linux/amd64: (archive file name, sha256, bin).
fn linux_amd64(manifest: &str) -> (String, String, String) {
    let doc = &vault_istio::source::yaml::parse(manifest).unwrap()[0].root;
    let platforms = doc
        .path(&["spec", "platforms"])
        .and_then(|p| p.as_sequence())
        .unwrap();
    let p = platforms
        .iter()
        .find(|p| {
            let label = |k: &str| {
                p.path(&["selector", "matchLabels", k])
                    .and_then(|v| v.as_str())
            };
            label("os") == Some("linux") && label("arch") == Some("amd64")
        })
        .expect("the manifest has a linux/amd64 platform");
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap().to_string();
    let uri = s("uri");
    (
        uri.rsplit('/').next().unwrap().to_string(),
        s("sha256"),
        s("bin"),
    )
}

fn ok(cmd: &mut Command) -> Run {
    let run = Run::of(cmd);
    assert_eq!(run.code, 0, "{cmd:?}\n{}\n{}", run.stdout, run.stderr);
    run
}

/// Whether an ELF64 file asks for a program interpreter (PT_INTERP): a dynamically linked
/// binary does, a static one runs on any Linux without a libc.
fn has_interpreter(elf: &[u8]) -> bool {
    assert_eq!(&elf[..5], b"\x7fELF\x02", "an ELF64 binary");
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3
    })
}

#[test]
fn the_linux_amd64_archive_installs_like_krew_and_kubectl_runs_it() {
    let Some(dist) = dist_dir() else { return };
    let Some(kubectl) = vault_istio_testbed::tools::required(
        vault_istio_testbed::kube::kubectl_bin().unwrap(),
        "kubectl (KUBECTL_BIN)",
    )
    .unwrap() else {
        return;
    };
    let manifest = std::fs::read_to_string(dist.join("vault-istio.yaml")).unwrap();
    let (archive, sha256, bin) = linux_amd64(&manifest);
    let archive = dist.join(archive);

    // krew checks the sha256 before it unpacks.
    let sum = ok(Command::new("sha256sum").arg(&archive));
    assert_eq!(sum.stdout.split_whitespace().next(), Some(sha256.as_str()));

    // krew's layout: store/<plugin>/<version>/ holds the archive's files, and
    // bin/kubectl-<name with _> links to the manifest's `bin` there.
    let krew = tempfile::tempdir().unwrap();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let store = krew.path().join("store/vault-istio").join(&version);
    std::fs::create_dir_all(&store).unwrap();
    ok(Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&store));
    for file in [
        "LICENSE",
        "README.md",
        "completions/kubectl-vault_istio.bash",
        "completions/_kubectl-vault_istio",
        "completions/kubectl-vault_istio.fish",
        "man/kubectl-vault_istio.1",
    ] {
        assert!(store.join(file).is_file(), "{file} is in the archive");
    }
    let installed = store.join(&bin);
    assert!(
        !has_interpreter(&std::fs::read(&installed).unwrap()),
        "the linux binary is static (no ELF interpreter)"
    );
    let bin_dir = krew.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let link = bin_dir.join("kubectl-vault_istio");
    std::os::unix::fs::symlink(&installed, &link).unwrap();

    // `bin --version`: the workspace version and the git revision it was built from.
    let v = ok(Command::new(&link).arg("--version"));
    assert!(
        v.stdout.starts_with(&format!(
            "kubectl vault-istio {} (git ",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        v.stdout
    );

    // The real kubectl finds it on PATH and runs it as `kubectl vault-istio`.
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let kubectl = |args: &[&str]| {
        let mut cmd = Command::new(&kubectl);
        cmd.args(args)
            .current_dir(common::root())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", krew.path())
            .env("NO_COLOR", "1");
        Run::of(&mut cmd)
    };
    let list = kubectl(&["plugin", "list"]);
    assert!(
        list.stdout.lines().any(|l| Path::new(l.trim()) == link),
        "kubectl plugin list shows {}:\n{}\n{}",
        link.display(),
        list.stdout,
        list.stderr
    );
    let help = kubectl(&["vault-istio", "--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(
        help.stdout.contains("Usage: kubectl vault-istio <COMMAND>"),
        "{}",
        help.stdout
    );
    let lint = kubectl(&[
        "vault-istio",
        "lint",
        "manifests/examples/istiod-values-1.24.yaml",
    ]);
    assert_eq!(lint.code, 0, "{}\n{}", lint.stdout, lint.stderr);
    // The summary goes to stderr, the findings (none here) to stdout.
    assert!(lint.stderr.contains("no issues found"), "{}", lint.stderr);
    let broken = kubectl(&["vault-istio", "lint", "manifests/examples/broken"]);
    assert_eq!(broken.code, 1, "{}\n{}", broken.stdout, broken.stderr);

    // The shipped bash completion is valid bash, and the man page is roff.
    ok(Command::new("bash")
        .arg("-n")
        .arg(store.join("completions/kubectl-vault_istio.bash")));
    let man = std::fs::read_to_string(store.join("man/kubectl-vault_istio.1")).unwrap();
    assert!(
        man.contains(".TH kubectl-vault_istio 1"),
        "{}",
        &man[..200.min(man.len())]
    );
}
