//! `render`: read the config, render every cluster, write the files (or print one cluster).

use crate::cli::RenderArgs;
use crate::exit;
use crate::inputs;
use crate::output;
use std::path::Path;
use vault_istio::render::{self, RenderConfig};

pub fn run(args: RenderArgs) -> anyhow::Result<u8> {
    if args.example {
        output::stdout(render::EXAMPLE)?;
        return Ok(exit::OK);
    }
    let Some(file) = &args.filename else {
        output::error(
            "render needs a config: `-f render.yaml` (start from `kubectl vault-istio render --example`)",
        );
        return Ok(exit::COULD_NOT_RUN);
    };
    let src = match inputs::read_text(file, args.max_input_bytes) {
        Ok(src) => src,
        Err(e) => {
            output::error(&format!("{}: {}", e.file, e.message));
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    let cfg = match RenderConfig::parse(&src) {
        Ok(cfg) => cfg,
        Err(e) => {
            output::error(&e.to_string());
            return Ok(exit::COULD_NOT_RUN);
        }
    };
    let rendered = render::render(&cfg)?;
    match (&args.cluster, &args.out_dir) {
        (Some(name), _) => {
            let Some(c) = rendered.iter().find(|c| &c.cluster == name) else {
                let names: Vec<&str> = rendered.iter().map(|c| c.cluster.as_str()).collect();
                output::error(&format!(
                    "--cluster {name}: no such cluster in {file} (it has: {})",
                    names.join(", ")
                ));
                return Ok(exit::COULD_NOT_RUN);
            };
            let mut out = String::new();
            for f in &c.files {
                out.push_str(&format!(
                    "# ==> {}/{} <==\n{}\n",
                    c.cluster, f.name, f.content
                ));
            }
            output::stdout(&out)?;
        }
        (None, Some(dir)) => {
            for c in &rendered {
                let cluster_dir = Path::new(dir).join(&c.cluster);
                std::fs::create_dir_all(&cluster_dir)
                    .map_err(|e| anyhow::anyhow!("creating {}: {e}", cluster_dir.display()))?;
                for f in &c.files {
                    let path = cluster_dir.join(&f.name);
                    std::fs::write(&path, &f.content)
                        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
                    if f.name == render::SETUP {
                        make_executable(&path)?;
                    }
                }
                eprintln!("wrote {} ({} files)", cluster_dir.display(), c.files.len());
            }
        }
        (None, None) => {
            output::error(
                "say where the files go: `--out-dir DIR`, or `--cluster NAME` to print one cluster",
            );
            return Ok(exit::COULD_NOT_RUN);
        }
    }
    Ok(exit::OK)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}
