//! Reading inputs: files, directories (recursively, sorted) and stdin, under one size cap.
//! Every problem names the file; nothing here panics on odd input.

use std::io::Read;
use std::path::{Path, PathBuf};
use vault_istio::SourceFile;

/// Why an input could not be read.
#[derive(Debug)]
pub struct InputError {
    pub file: String,
    pub message: String,
}

#[derive(Default)]
pub struct Inputs {
    pub sources: Vec<SourceFile>,
    pub errors: Vec<InputError>,
    /// Directories that held no YAML file at all.
    pub empty_dirs: Vec<String>,
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

pub fn read_all(paths: &[String], cap: u64) -> Inputs {
    let mut inputs = Inputs::default();
    for p in paths {
        if p == "-" {
            match read_capped(std::io::stdin().lock(), cap) {
                Ok(bytes) => inputs.push_bytes("<stdin>", bytes, cap),
                Err(e) => inputs.fail("<stdin>", e),
            }
            continue;
        }
        let path = Path::new(p);
        match std::fs::metadata(path) {
            Err(e) => inputs.fail(p, describe_io(&e)),
            Ok(m) if m.is_dir() => {
                let mut files = Vec::new();
                if let Err(e) = walk(path, &mut files) {
                    inputs.fail(p, e);
                }
                files.sort();
                if files.is_empty() {
                    inputs.empty_dirs.push(p.clone());
                }
                for f in files {
                    inputs.read_file(&f, cap);
                }
            }
            Ok(_) => inputs.read_file(path, cap),
        }
    }
    inputs
}

impl Inputs {
    fn fail(&mut self, file: &str, message: String) {
        self.errors.push(InputError {
            file: file.to_string(),
            message,
        });
    }

    fn read_file(&mut self, path: &Path, cap: u64) {
        let name = path.display().to_string();
        let result = std::fs::metadata(path)
            .map_err(|e| describe_io(&e))
            .and_then(|m| {
                if m.len() > cap {
                    Err(over_cap(m.len(), cap))
                } else {
                    std::fs::File::open(path)
                        .map_err(|e| describe_io(&e))
                        .and_then(|f| read_capped(f, cap))
                }
            });
        match result {
            Ok(bytes) => self.push_bytes(&name, bytes, cap),
            Err(e) => self.fail(&name, e),
        }
    }

    fn push_bytes(&mut self, name: &str, bytes: Vec<u8>, cap: u64) {
        if bytes.len() as u64 > cap {
            return self.fail(name, over_cap(bytes.len() as u64, cap));
        }
        if bytes.contains(&0) {
            return self.fail(
                name,
                "is a binary file (it contains NUL bytes), not YAML".into(),
            );
        }
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.drain(..3);
                }
                self.sources.push(SourceFile::new(name, text));
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.fail(
                    name,
                    format!("is not UTF-8 text (invalid byte at offset {at}); binary file?"),
                );
            }
        }
    }
}

fn over_cap(len: u64, cap: u64) -> String {
    format!(
        "is larger than the input cap of {cap} bytes ({len}+ bytes); raise it with --max-input-bytes"
    )
}

/// Reads at most `cap + 1` bytes so an endless stream cannot exhaust memory.
fn read_capped(r: impl Read, cap: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| describe_io(&e))?;
    Ok(buf)
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: {}", dir.display(), describe_io(&e)))?;
    for entry in entries {
        let entry = entry.map_err(|e| describe_io(&e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let ft = entry.file_type().map_err(|e| describe_io(&e))?;
        if ft.is_dir() && !hidden {
            walk(&path, out)?;
        } else if ft.is_file() || ft.is_symlink() {
            let ext_ok = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if ext_ok && path.is_file() {
                out.push(path);
            }
        }
    }
    Ok(())
}
