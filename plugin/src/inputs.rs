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
            inputs.push(read_text("-", cap));
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
                    inputs.push(read_text(&f.display().to_string(), cap));
                }
            }
            Ok(_) => inputs.push(read_text(p, cap)),
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

    fn push(&mut self, read: Result<SourceFile, InputError>) {
        match read {
            Ok(src) => self.sources.push(src),
            Err(e) => self.errors.push(e),
        }
    }
}

/// Reads one file, or stdin for `-`, as UTF-8 text under the size cap. Binary content and
/// over-cap input are errors that name the file.
pub fn read_text(path: &str, cap: u64) -> Result<SourceFile, InputError> {
    let name = if path == "-" { "<stdin>" } else { path };
    let fail = |message: String| InputError {
        file: name.to_string(),
        message,
    };
    let bytes = if path == "-" {
        read_capped(std::io::stdin().lock(), cap).map_err(fail)?
    } else {
        let meta = std::fs::metadata(path).map_err(|e| fail(describe_io(&e)))?;
        if meta.len() > cap {
            return Err(fail(over_cap(meta.len(), cap)));
        }
        let file = std::fs::File::open(path).map_err(|e| fail(describe_io(&e)))?;
        read_capped(file, cap).map_err(fail)?
    };
    if bytes.len() as u64 > cap {
        return Err(fail(over_cap(bytes.len() as u64, cap)));
    }
    if bytes.contains(&0) {
        return Err(fail(
            "is a binary file (it contains NUL bytes), not text".into(),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(SourceFile::new(name, text))
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Err(fail(format!(
                "is not UTF-8 text (invalid byte at offset {at}); binary file?"
            )))
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
