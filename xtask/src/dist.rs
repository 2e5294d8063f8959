//! `cargo xtask dist --version vX.Y.Z`: the release archives and their krew manifest.
//!
//! Per platform it builds `kubectl-vault_istio` (a static musl binary on Linux), packs it
//! with LICENSE, README.md, the shell completions and the man page into
//! `kubectl-vault_istio-vX.Y.Z-OS-ARCH.tar.gz`, writes the archive's sha256 beside it, and
//! renders `.krew.yaml` (the krew-release-bot template) into `vault-istio.yaml` with the
//! archives' sha256. The archives are reproducible: entries sorted, owner root, times from
//! `SOURCE_DATE_EPOCH` or the commit, paths in the binary remapped away from this machine.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary krew links as `kubectl-vault_istio`.
pub const BIN: &str = "kubectl-vault_istio";
const PACKAGE: &str = "kubectl-vault-istio";

/// A platform the release ships: krew's os/arch, the Rust target, and whether it links
/// with the plain toolchain (`cargo build`) or needs `cargo zigbuild`.
pub struct Platform {
    pub os: &'static str,
    pub arch: &'static str,
    pub target: &'static str,
    pub zig: bool,
}

pub const PLATFORMS: &[Platform] = &[
    Platform {
        os: "linux",
        arch: "amd64",
        target: "x86_64-unknown-linux-musl",
        zig: false,
    },
    // zig links it with its own musl. No qemu here to run it, so the archive's docs come
    // from the amd64 build.
    Platform {
        os: "linux",
        arch: "arm64",
        target: "aarch64-unknown-linux-musl",
        zig: true,
    },
    // darwin/amd64 and darwin/arm64 are not shipped: kube's and reqwest's rustls verifiers
    // link Apple's Security and CoreFoundation frameworks, which only a macOS SDK has, and
    // no registry this project builds from provides one (zig's cross linker stops there).
];

impl Platform {
    fn name(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }
    pub fn archive(&self, tag: &str) -> String {
        format!("{BIN}-{tag}-{}-{}.tar.gz", self.os, self.arch)
    }
}

struct Options {
    tag: String,
    out: PathBuf,
    platforms: Vec<&'static Platform>,
    krew: Option<PathBuf>,
}

const USAGE: &str =
    "usage: cargo xtask dist --version vX.Y.Z [--platform OS/ARCH]... [--out DIR] [--krew FILE]";

fn options(args: &[String], root: &Path) -> Result<Options> {
    let mut tag = None;
    let mut out = root.join("target/dist");
    let mut platforms = Vec::new();
    let mut krew = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{a} needs a value; {USAGE}"))
        };
        match a.as_str() {
            "--version" => tag = Some(value()?),
            "--out" => out = PathBuf::from(value()?),
            "--krew" => krew = Some(PathBuf::from(value()?)),
            "--platform" => {
                let want = value()?;
                let p = PLATFORMS
                    .iter()
                    .find(|p| p.name() == want)
                    .with_context(|| {
                        let known: Vec<String> = PLATFORMS.iter().map(Platform::name).collect();
                        format!(
                            "unknown platform {want}; the release ships {}",
                            known.join(", ")
                        )
                    })?;
                platforms.push(p);
            }
            other => bail!("unknown argument {other}; {USAGE}"),
        }
    }
    let tag = tag.with_context(|| format!("--version is required; {USAGE}"))?;
    let want = format!("v{}", env!("CARGO_PKG_VERSION"));
    if tag != want {
        bail!(
            "--version {tag} does not match the workspace version ({want}, Cargo.toml): the binary would report another version than its archive and manifest; bump [workspace.package] version first"
        );
    }
    if platforms.is_empty() {
        platforms = PLATFORMS.iter().collect();
    }
    Ok(Options {
        tag,
        out,
        platforms,
        krew,
    })
}

pub fn run(args: &[String], root: &Path) -> Result<()> {
    let o = options(args, root)?;
    for p in &o.platforms {
        preflight(p, root)?;
    }
    // The binary stamps its git revision and the archives take the commit's time: without
    // a readable git checkout neither would be what a release says.
    let status = Command::new("git")
        .current_dir(root)
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .context("running git")?;
    if !status.status.success() {
        bail!(
            "git cannot read {}: {}; a release is built from a git checkout (as root on another user's checkout: git config --global --add safe.directory {})",
            root.display(),
            String::from_utf8_lossy(&status.stderr).trim(),
            root.display()
        );
    }
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            bail!(
                "{var} is set: cargo would then ignore the per-target flags that keep this machine's paths out of the binaries; unset it for a release build"
            );
        }
    }
    if !status.stdout.is_empty() {
        eprintln!(
            "dist: warning: the work tree has uncommitted changes; the binaries say `git <HEAD>` but are not that commit"
        );
    }
    std::fs::create_dir_all(&o.out).with_context(|| format!("creating {}", o.out.display()))?;
    let mtime = source_date(root)?;
    let mut binaries = Vec::new();
    for p in &o.platforms {
        binaries.push(build(p, root)?);
    }
    let docs = docs(&binaries)?;
    let license = std::fs::read(root.join("LICENSE")).context("reading LICENSE")?;
    let readme = std::fs::read(root.join("README.md")).context("reading README.md")?;
    let mut shas = Vec::new();
    for (p, bin) in o.platforms.iter().zip(&binaries) {
        let binary = std::fs::read(bin).with_context(|| format!("reading {}", bin.display()))?;
        let mut files = vec![
            Entry::new(BIN, binary, 0o755),
            Entry::new("LICENSE", license.clone(), 0o644),
            Entry::new("README.md", readme.clone(), 0o644),
        ];
        files.extend(docs.iter().cloned());
        let archive = pack(files, mtime)?;
        let name = p.archive(&o.tag);
        let sha = sha256_hex(&archive);
        let path = o.out.join(&name);
        std::fs::write(&path, &archive).with_context(|| format!("writing {}", path.display()))?;
        std::fs::write(
            o.out.join(format!("{name}.sha256")),
            format!("{sha}  {name}\n"),
        )?;
        eprintln!(
            "dist: {} ({:.1} MB) sha256 {sha}",
            path.display(),
            archive.len() as f64 / 1e6
        );
        shas.push((name, sha));
    }
    let template =
        std::fs::read_to_string(root.join(".krew.yaml")).context("reading .krew.yaml")?;
    let manifest = crate::krew::render_template(&template, &o.tag, |url| {
        let file = url.rsplit('/').next()?;
        shas.iter().find(|(n, _)| n == file).map(|(_, s)| s.clone())
    });
    let rendered = manifest.matches("sha256: ").count();
    if rendered != shas.len() {
        bail!(
            ".krew.yaml lists {rendered} of the {} archives built: add the missing platforms to it",
            shas.len()
        );
    }
    let errors = crate::krew::validate("vault-istio.yaml", &manifest);
    if !errors.is_empty() {
        bail!(
            "the rendered manifest breaks krew's rules: {}",
            errors.join("; ")
        );
    }
    let path = o.out.join("vault-istio.yaml");
    std::fs::write(&path, &manifest).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("dist: {}", path.display());
    if let Some(krew) = &o.krew {
        std::fs::write(krew, &manifest).with_context(|| format!("writing {}", krew.display()))?;
        eprintln!("dist: {}", krew.display());
    }
    Ok(())
}

/// What a build needs that cargo would otherwise fail on with a linker error.
fn preflight(p: &Platform, root: &Path) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l == p.target)
        })
        .unwrap_or(true); // no rustup: let cargo say what is missing
    if !installed {
        bail!(
            "{}: the Rust target is missing; run `rustup target add {}`",
            p.name(),
            p.target
        );
    }
    if p.zig {
        let ok = cargo(root)
            .args(["zigbuild", "--help"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            bail!(
                "{}: needs cargo-zigbuild and zig: run `bash .ci/dist-tools` (or pass --platform linux/amd64)",
                p.name()
            );
        }
    } else if p.target.ends_with("-linux-musl") && which("musl-gcc").is_none() {
        bail!(
            "{}: musl-gcc is missing; install Debian's musl-tools (apt-get install musl-tools)",
            p.name()
        );
    }
    Ok(())
}

/// `cargo` in `root`, finding what `.ci/dist-tools` installs: cargo-zigbuild in
/// `.tools/cargo/bin`, zig as the Python module in `.tools/zig` (`python3 -m ziglang`).
fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root);
    let tools = root.join(".tools");
    if tools.join("cargo/bin/cargo-zigbuild").is_file() {
        let mut path = vec![tools.join("cargo/bin")];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        if let Ok(joined) = std::env::join_paths(path) {
            cmd.env("PATH", joined);
        }
    }
    if tools.join("zig/ziglang").is_dir() {
        cmd.env("PYTHONPATH", tools.join("zig"));
    }
    cmd
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

fn build(p: &Platform, root: &Path) -> Result<PathBuf> {
    eprintln!("dist: building {} ({})", p.name(), p.target);
    let mut cmd = cargo(root);
    cmd.args([if p.zig { "zigbuild" } else { "build" }]).args([
        "--release",
        "--locked",
        "-p",
        PACKAGE,
        "--target",
        p.target,
    ]);
    // Paths of this checkout and of cargo's registry would otherwise end up in panic
    // messages, and make the binary differ between two machines building the same commit.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut flags = vec![format!(
        "--remap-path-prefix={}=.",
        root.canonicalize()?.display()
    )];
    if let Some(home) = cargo_home {
        flags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    let var = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        p.target.to_uppercase().replace('-', "_")
    );
    cmd.env(var, flags.join(" "));
    let status = cmd.status().context("running cargo")?;
    if !status.success() {
        bail!("building {} failed", p.name());
    }
    let bin = root.join("target").join(p.target).join("release").join(BIN);
    let elf = std::fs::read(&bin).with_context(|| format!("reading {}", bin.display()))?;
    check_elf(p, &elf)?;
    Ok(bin)
}

/// The binary is for the platform's CPU and static (no ELF interpreter), so it runs on
/// any Linux of that architecture, with or without glibc.
fn check_elf(p: &Platform, elf: &[u8]) -> Result<()> {
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    if elf.get(..5) != Some(b"\x7fELF\x02".as_slice()) {
        bail!("{}: the build is not a 64-bit ELF binary", p.name());
    }
    let want = match p.arch {
        "amd64" => 62,
        "arm64" => 183,
        other => bail!("{}: no ELF machine known for {other}", p.name()),
    };
    let machine = u16_at(0x12).unwrap_or(0);
    if machine != want {
        bail!(
            "{}: the binary is for ELF machine {machine}, not {want}",
            p.name()
        );
    }
    let phoff = u64_at(0x20).unwrap_or(0) as usize;
    let (size, count) = (
        u16_at(0x36).unwrap_or(0) as usize,
        u16_at(0x38).unwrap_or(0) as usize,
    );
    const PT_INTERP: u32 = 3;
    if (0..count).any(|i| u32_at(phoff + i * size) == Some(PT_INTERP)) {
        bail!(
            "{}: the binary is dynamically linked (it asks for an ELF interpreter); krew users need a static one",
            p.name()
        );
    }
    Ok(())
}

/// A file in the archive.
#[derive(Clone)]
struct Entry {
    path: String,
    data: Vec<u8>,
    mode: u32,
}

impl Entry {
    fn new(path: &str, data: Vec<u8>, mode: u32) -> Entry {
        Entry {
            path: path.to_string(),
            data,
            mode,
        }
    }
}

/// Completions and the man page, printed by the first built binary that runs here: they
/// come from the clap definitions, the same on every platform.
fn docs(binaries: &[PathBuf]) -> Result<Vec<Entry>> {
    let run = |bin: &Path, args: &[&str]| -> Option<Vec<u8>> {
        let o = Command::new(bin).args(args).output().ok()?;
        (o.status.success() && !o.stdout.is_empty()).then_some(o.stdout)
    };
    let bin = binaries
        .iter()
        .find(|b| run(b, &["--version"]).is_some())
        .context("none of the built binaries runs on this machine, so the completions and man page cannot be generated; include this machine's platform")?;
    let mut out = Vec::new();
    for (shell, path) in [
        ("bash", format!("completions/{BIN}.bash")),
        ("zsh", format!("completions/_{BIN}")),
        ("fish", format!("completions/{BIN}.fish")),
    ] {
        let text = run(bin, &["completion", shell])
            .with_context(|| format!("{BIN} completion {shell} failed"))?;
        out.push(Entry::new(&path, text, 0o644));
    }
    let man = run(bin, &["man"]).with_context(|| format!("{BIN} man failed"))?;
    out.push(Entry::new(&format!("man/{BIN}.1"), man, 0o644));
    Ok(out)
}

/// The archives' timestamp: `SOURCE_DATE_EPOCH` (reproducible-builds.org), else the commit
/// time of HEAD.
fn source_date(root: &Path) -> Result<u64> {
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH={s} is not a number of seconds"));
    }
    let out = Command::new("git")
        .current_dir(root)
        .args(["log", "-1", "--format=%ct"])
        .output()
        .context("running git")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .ok()
        .filter(|_| out.status.success())
        .with_context(|| {
            format!(
                "git log gave no commit time ({}); set SOURCE_DATE_EPOCH",
                String::from_utf8_lossy(&out.stderr).trim()
            )
        })
}

/// A gzipped tar of `files`, byte-identical for the same inputs: entries sorted by path,
/// directories listed, owner root (0/0), one timestamp, no gzip name or time.
fn pack(mut files: Vec<Entry>, mtime: u64) -> Result<Vec<u8>> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut dirs: Vec<&str> = Vec::new();
    for f in &files {
        if let Some((dir, _)) = f.path.rsplit_once('/')
            && !dirs.contains(&dir)
        {
            dirs.push(dir);
            let mut h = header(tar::EntryType::Directory, 0o755, 0, mtime);
            tar.append_data(&mut h, format!("{dir}/"), std::io::empty())?;
        }
        let mut h = header(tar::EntryType::Regular, f.mode, f.data.len() as u64, mtime);
        tar.append_data(&mut h, &f.path, f.data.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    Ok(gz.finish()?)
}

fn header(kind: tar::EntryType, mode: u32, size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn files() -> Vec<Entry> {
        vec![
            Entry::new("README.md", b"# readme\n".to_vec(), 0o644),
            Entry::new(BIN, b"\x7fELF binary".to_vec(), 0o755),
            Entry::new("man/kubectl-vault_istio.1", b".TH X 1\n".to_vec(), 0o644),
            Entry::new("LICENSE", b"Apache".to_vec(), 0o644),
            Entry::new(
                "completions/_kubectl-vault_istio",
                b"#compdef\n".to_vec(),
                0o644,
            ),
            Entry::new(
                "completions/kubectl-vault_istio.bash",
                b"complete\n".to_vec(),
                0o644,
            ),
        ]
    }

    #[test]
    fn archives_are_byte_identical_for_the_same_inputs_in_any_order() {
        let a = pack(files(), 1_700_000_000).unwrap();
        let mut shuffled = files();
        shuffled.reverse();
        let b = pack(shuffled, 1_700_000_000).unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        assert_ne!(sha256_hex(&a), sha256_hex(&pack(files(), 1).unwrap()));
    }

    #[test]
    fn the_archive_unpacks_the_way_krew_reads_it() {
        let archive = pack(files(), 1_700_000_000).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive.as_slice()));
        let mut seen = Vec::new();
        for e in tar.entries().unwrap() {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let path = e.path().unwrap().display().to_string();
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{path}");
            assert_eq!(h.mtime().unwrap(), 1_700_000_000, "{path}");
            let mut body = Vec::new();
            e.read_to_end(&mut body).unwrap();
            if path == BIN {
                assert_eq!(h.mode().unwrap() & 0o777, 0o755);
                assert_eq!(body, b"\x7fELF binary");
            }
            seen.push(path);
        }
        assert_eq!(
            seen,
            [
                "LICENSE",
                "README.md",
                "completions/",
                "completions/_kubectl-vault_istio",
                "completions/kubectl-vault_istio.bash",
                BIN,
                "man/",
                "man/kubectl-vault_istio.1",
            ]
        );
    }

    #[test]
    fn krew_check_compares_the_manifest_with_the_archives() {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let template = include_str!("../../.krew.yaml");
        let name = PLATFORMS[0].archive("v0.1.0");
        let write = |files: Vec<Entry>| {
            let archive = pack(files, 1).unwrap();
            std::fs::write(dir.join(&name), &archive).unwrap();
            sha256_hex(&archive)
        };
        let sha = write(files());
        let manifest = crate::krew::render_template(template, "v0.1.0", |_| Some(sha.clone()));
        assert_eq!(
            crate::krew::check_archives(&manifest, &dir),
            Vec::<String>::new()
        );

        let stale = crate::krew::render_template(template, "v0.1.0", |_| Some("0".repeat(64)));
        let errors = crate::krew::check_archives(&stale, &dir);
        assert!(
            errors.iter().any(|e| e.contains("the manifest says 000")),
            "{errors:?}"
        );

        let no_license: Vec<Entry> = files()
            .into_iter()
            .filter(|f| f.path != "LICENSE")
            .collect();
        let sha = write(no_license);
        let manifest = crate::krew::render_template(template, "v0.1.0", |_| Some(sha.clone()));
        let errors = crate::krew::check_archives(&manifest, &dir);
        assert_eq!(errors, [format!("{name}: no LICENSE file inside")]);

        let mut not_executable = files();
        not_executable.iter_mut().for_each(|f| f.mode = 0o644);
        let sha = write(not_executable);
        let manifest = crate::krew::render_template(template, "v0.1.0", |_| Some(sha.clone()));
        let errors = crate::krew::check_archives(&manifest, &dir);
        assert_eq!(errors, [format!("{name}: no executable {BIN} inside")]);

        std::fs::remove_dir_all(&dir).unwrap();
        let errors = crate::krew::check_archives(&manifest, &dir);
        assert!(
            errors[0].starts_with("none of the manifest's archives"),
            "{errors:?}"
        );
    }

    // The test binary itself is the dynamically linked x86_64 glibc case.
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    #[test]
    fn only_static_binaries_for_the_platform_cpu_ship() {
        let host = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let amd64 = &PLATFORMS[0];
        // The test binary itself is dynamically linked against glibc.
        let err = check_elf(amd64, &host).unwrap_err().to_string();
        assert!(err.contains("dynamically linked"), "{err}");
        let arm64 = &PLATFORMS[1];
        let err = check_elf(arm64, &host).unwrap_err().to_string();
        assert!(err.contains("ELF machine 62, not 183"), "{err}");
        let err = check_elf(amd64, b"#!/bin/sh").unwrap_err().to_string();
        assert!(err.contains("not a 64-bit ELF"), "{err}");
        // A header with no program headers has no interpreter.
        let mut minimal = host[..64].to_vec();
        minimal[0x38] = 0;
        minimal[0x39] = 0;
        check_elf(amd64, &minimal).unwrap();
    }

    #[test]
    fn the_sha256_is_lowercase_hex_of_the_bytes() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_version_must_be_the_workspace_version() {
        let root = Path::new(".");
        let args = |v: &str| vec!["--version".to_string(), v.to_string()];
        let ok = options(&args(&format!("v{}", env!("CARGO_PKG_VERSION"))), root).unwrap();
        assert_eq!(ok.platforms.len(), PLATFORMS.len());
        let err = options(&args("v9.9.9"), root).err().unwrap().to_string();
        assert!(
            err.contains("does not match the workspace version"),
            "{err}"
        );
        let err = options(&["--platform".into(), "plan9/amd64".into()], root)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("the release ships linux/amd64"), "{err}");
    }

    #[test]
    fn every_platform_is_in_the_release_bot_template() {
        let template = include_str!("../../.krew.yaml");
        for p in PLATFORMS {
            let archive = p.archive("{{ .TagName }}");
            assert!(
                template.contains(&archive),
                "{archive} missing from .krew.yaml"
            );
        }
    }
}
