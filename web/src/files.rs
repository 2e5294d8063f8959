//! Files the user drops or picks (one file, the four CA files, a whole folder, a `cacerts`
//! Secret manifest): read in the browser and routed to the editor or the four PEM inputs.

use vault_istio::SourceFile;
use vault_istio::bundle::{FileKind, input};
use wasm_bindgen_futures::JsFuture;

/// What the files fill in.
#[derive(Debug, Default, PartialEq)]
pub struct Routed {
    pub values: Option<String>,
    /// In [`FileKind::ALL`] order.
    pub pems: [Option<String>; 4],
    /// What was taken from where, or ignored, for the user.
    pub notes: Vec<String>,
}

/// Routes `(path, text)` pairs. Paths are sorted first, so a folder of cluster folders
/// gives its first cluster, every time.
pub fn route(mut files: Vec<(String, String)>) -> Routed {
    files.sort();
    let mut out = Routed::default();
    for (path, text) in files {
        let base = path.rsplit('/').next().unwrap_or(&path);
        if let Some(kind) = FileKind::from_file_name(base) {
            let slot = &mut out.pems[index(kind)];
            if slot.is_none() {
                *slot = Some(text);
                out.notes.push(format!("{path} → {}", kind.file_name()));
            } else {
                out.notes
                    .push(format!("{path}: ignored, {base} was already taken"));
            }
            continue;
        }
        let lower = base.to_ascii_lowercase();
        let yamlish = [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| lower.ends_with(e));
        if !yamlish {
            out.notes.push(format!(
                "{path}: ignored (not YAML, JSON or one of the four PEM files)"
            ));
            continue;
        }
        if looks_like_secret(&text) {
            match input::from_secret_manifest(&SourceFile::new(path.clone(), text)) {
                Ok(bundles) if !bundles.is_empty() => {
                    for m in &bundles[0].members {
                        out.pems[index(m.kind)] = Some(m.text.clone());
                    }
                    out.notes.push(format!(
                        "{path}: the four files of Secret {}",
                        bundles[0].label
                    ));
                }
                Ok(_) => out.notes.push(format!("{path}: a Secret without CA files")),
                Err(e) => out.notes.push(format!("{path}: {e}")),
            }
            continue;
        }
        if out.values.is_none() {
            out.values = Some(text);
            out.notes.push(format!("{path} → the configuration editor"));
        } else {
            out.notes
                .push(format!("{path}: ignored, one configuration at a time"));
        }
    }
    out
}

fn looks_like_secret(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "kind: Secret" || l.replace(' ', "").contains("\"kind\":\"Secret\"")
    })
}

pub fn index(kind: FileKind) -> usize {
    FileKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Reads a browser `FileList` (from a drop or an `<input type=file>`) as text, keeping
/// each file's path inside a picked folder.
pub async fn read_all(list: web_sys::FileList) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        // `webkitRelativePath` (set for files from a folder picker) has no web-sys binding.
        let rel = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let name = if rel.is_empty() { file.name() } else { rel };
        // A dropped folder arrives as an empty, typeless entry: skip it (the picker reads folders).
        if file.size() == 0.0 && file.type_().is_empty() && !name.contains('.') {
            continue;
        }
        if let Ok(text) = JsFuture::from(file.text()).await
            && let Some(text) = text.as_string()
        {
            out.push((name, text));
        }
    }
    out
}

/// Reads what was dropped, folders included (walked through the entries API, as
/// `DataTransfer.files` lists a folder as one empty file). The entries are taken before
/// the first `await`: the browser clears the drop's data once the event handler returns.
pub async fn read_drop(data: web_sys::DataTransfer) -> Vec<(String, String)> {
    use wasm_bindgen::JsCast;
    let items = data.items();
    let entries: Vec<web_sys::FileSystemEntry> = (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect();
    if entries.is_empty() {
        return match data.files() {
            Some(list) => read_all(list).await,
            None => Vec::new(),
        };
    }
    let mut out = Vec::new();
    let mut stack = entries;
    // Depth-first without recursion (an async fn cannot call itself without boxing).
    while let Some(entry) = stack.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_directory() {
            let dir: web_sys::FileSystemDirectoryEntry = entry.unchecked_into();
            let reader = dir.create_reader();
            // readEntries returns a batch at a time, then an empty one.
            loop {
                let batch =
                    callback_promise(|ok| reader.read_entries_with_callback(ok).map(|_| ())).await;
                let Some(batch) = batch.and_then(|v| v.dyn_into::<js_sys::Array>().ok()) else {
                    break;
                };
                if batch.length() == 0 {
                    break;
                }
                stack.extend(batch.iter().filter_map(|e| e.dyn_into().ok()));
            }
        } else if entry.is_file() {
            let f: web_sys::FileSystemFileEntry = entry.unchecked_into();
            let file = callback_promise(|ok| {
                f.file_with_callback(ok);
                Ok(())
            })
            .await
            .and_then(|v| v.dyn_into::<web_sys::File>().ok());
            if let Some(file) = file
                && let Ok(text) = JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                out.push((path, text));
            }
        }
    }
    out
}

/// Turns a success-callback API into an awaitable value (`None` when it failed).
async fn callback_promise(
    call: impl FnOnce(&js_sys::Function) -> Result<(), wasm_bindgen::JsValue>,
) -> Option<wasm_bindgen::JsValue> {
    let mut call = Some(call);
    let mut started = Ok(());
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(call) = call.take() {
            started = call(&resolve);
        }
    });
    started.ok()?;
    JsFuture::from(promise).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_of_clusters_gives_the_first_cluster() {
        let r = route(vec![
            ("certs/istiod-cluster2/ca-cert.pem".into(), "c2".into()),
            ("certs/istiod-cluster1/ca-cert.pem".into(), "c1".into()),
            ("certs/istiod-cluster1/ca-key.pem".into(), "k1".into()),
            ("certs/README.md".into(), "#".into()),
        ]);
        assert_eq!(r.pems[index(FileKind::CaCert)].as_deref(), Some("c1"));
        assert_eq!(r.pems[index(FileKind::CaKey)].as_deref(), Some("k1"));
        assert!(r.notes.iter().any(|n| n.contains("README.md: ignored")));
    }

    #[test]
    fn values_and_secrets() {
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: CERT\n  root-cert.pem: ROOT\n";
        let r = route(vec![
            ("values.yaml".into(), "pilot: {}\n".into()),
            ("cacerts.yaml".into(), secret.into()),
        ]);
        assert_eq!(r.values.as_deref(), Some("pilot: {}\n"));
        assert_eq!(r.pems[index(FileKind::CaCert)].as_deref(), Some("CERT"));
        assert_eq!(r.pems[index(FileKind::RootCert)].as_deref(), Some("ROOT"));
    }
}
