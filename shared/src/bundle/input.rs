//! Where a bundle's four files come from: files the caller read, a Kubernetes Secret
//! manifest (`cacerts`: `data` base64 or `stringData`), or the JSON of
//! `vault kv get -format=json` (KV v1 or v2). All pure: the caller hands over text.

use super::FileKind;
use crate::source::{SourceFile, yaml};
use base64::Engine as _;

/// One member of a bundle as found in the input.
#[derive(Clone)]
pub struct Member {
    pub kind: FileKind,
    /// The file the text came from (a path, or the manifest/JSON file).
    pub file: String,
    /// The key inside a manifest or JSON (`ca-cert.pem`, `ca_cert`), if any.
    pub member: Option<String>,
    pub text: String,
}

/// `ca-key.pem`'s text is wiped from memory when the member is dropped (every member's,
/// which costs nothing worth measuring).
impl Drop for Member {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("kind", &self.kind)
            .field("file", &self.file)
            .field("member", &self.member)
            .field("text", &format_args!("[{} bytes]", self.text.len()))
            .finish()
    }
}

/// The four files of one cluster's CA, as given.
#[derive(Debug, Clone)]
pub struct BundleInput {
    /// How the bundle is named in reports: a directory, `namespace/secret`, a JSON file.
    pub label: String,
    /// Where a missing member would have been (a directory path, or the manifest file).
    pub origin: String,
    /// True when members live inside one file (manifest, JSON) rather than side by side.
    pub embedded: bool,
    /// True when the members are files the user named one by one, so an absent one was
    /// "not given" rather than "missing".
    pub named_files: bool,
    pub members: Vec<Member>,
}

/// Vault field names for each file (`vault kv put ... ca_key=@ca-key.pem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultFields {
    pub ca_key: String,
    pub ca_cert: String,
    pub cert_chain: String,
    pub root_cert: String,
}

impl Default for VaultFields {
    fn default() -> Self {
        VaultFields {
            ca_key: "ca_key".into(),
            ca_cert: "ca_cert".into(),
            cert_chain: "cert_chain".into(),
            root_cert: "root_cert".into(),
        }
    }
}

impl VaultFields {
    fn name(&self, kind: FileKind) -> &str {
        match kind {
            FileKind::CaKey => &self.ca_key,
            FileKind::CaCert => &self.ca_cert,
            FileKind::CertChain => &self.cert_chain,
            FileKind::RootCert => &self.root_cert,
        }
    }
}

/// Why an input is not a bundle we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Reads every `kind: Secret` in a manifest that holds at least one of the four files.
pub fn from_secret_manifest(src: &SourceFile) -> Result<Vec<BundleInput>, InputError> {
    let docs = yaml::parse(&src.text).map_err(|e| {
        InputError(format!(
            "{}:{}:{}: invalid YAML: {}",
            src.name, e.line, e.column, e.message
        ))
    })?;
    let mut out = Vec::new();
    for doc in &docs {
        let mut stack = vec![&doc.root];
        while let Some(node) = stack.pop() {
            match node.get("kind").and_then(yaml::Node::as_str) {
                Some("List") | Some("SecretList") => {
                    stack.extend(
                        node.get("items")
                            .and_then(yaml::Node::as_sequence)
                            .unwrap_or(&[]),
                    );
                }
                Some("Secret") => {
                    if let Some(b) = secret_bundle(src, node)? {
                        out.push(b);
                    }
                }
                _ => {}
            }
        }
    }
    if out.is_empty() {
        return Err(InputError(format!(
            "{}: no Secret with ca-key.pem, ca-cert.pem, cert-chain.pem or root-cert.pem in it",
            src.name
        )));
    }
    Ok(out)
}

fn secret_bundle(src: &SourceFile, secret: &yaml::Node) -> Result<Option<BundleInput>, InputError> {
    let name = secret
        .path(&["metadata", "name"])
        .and_then(yaml::Node::as_str)
        .unwrap_or("secret");
    let ns = secret
        .path(&["metadata", "namespace"])
        .and_then(yaml::Node::as_str);
    let label = match ns {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    };
    let mut members = Vec::new();
    for kind in FileKind::ALL {
        let key = kind.file_name();
        // stringData wins over data, as the API server merges it.
        if let Some(text) = secret
            .path(&["stringData", key])
            .and_then(yaml::Node::as_str)
        {
            members.push(Member {
                kind,
                file: src.name.clone(),
                member: Some(key.into()),
                text: text.to_string(),
            });
        } else if let Some(b64) = secret.path(&["data", key]).and_then(yaml::Node::as_str) {
            let compact: String = b64.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map_err(|e| {
                    InputError(format!(
                        "{}: Secret {label}: data.{key} is not base64 ({e})",
                        src.name
                    ))
                })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                InputError(format!(
                    "{}: Secret {label}: data.{key} is not text (PEM expected)",
                    src.name
                ))
            })?;
            members.push(Member {
                kind,
                file: src.name.clone(),
                member: Some(key.into()),
                text,
            });
        }
    }
    if members.is_empty() {
        return Ok(None);
    }
    Ok(Some(BundleInput {
        label: format!("Secret {label}"),
        origin: src.name.clone(),
        embedded: true,
        named_files: false,
        members,
    }))
}

/// Reads `vault kv get -format=json` output: KV v1 (`data.<field>`) or v2 (`data.data.<field>`).
pub fn from_vault_json(src: &SourceFile, fields: &VaultFields) -> Result<BundleInput, InputError> {
    let v: serde_json::Value = serde_json::from_str(&src.text).map_err(|e| {
        InputError(format!(
            "{}:{}:{}: invalid JSON: {e}",
            src.name,
            e.line(),
            e.column()
        ))
    })?;
    let data = v.get("data").ok_or_else(|| {
        InputError(format!(
            "{}: no `data` object: expected the output of `vault kv get -format=json`",
            src.name
        ))
    })?;
    // KV v2 nests the fields under data.data next to data.metadata.
    let fields_obj = match (data.get("data"), data.get("metadata")) {
        (Some(inner), Some(_)) if inner.is_object() => inner,
        _ => data,
    };
    let mut members = Vec::new();
    for kind in FileKind::ALL {
        let field = fields.name(kind);
        if let Some(text) = fields_obj.get(field).and_then(|t| t.as_str()) {
            members.push(Member {
                kind,
                file: src.name.clone(),
                member: Some(field.to_string()),
                text: text.to_string(),
            });
        }
    }
    if members.is_empty() {
        let present: Vec<String> = fields_obj
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        return Err(InputError(format!(
            "{}: none of the fields {}, {}, {}, {} is in the secret (it has: {}); name them with --field",
            src.name,
            fields.ca_key,
            fields.ca_cert,
            fields.cert_chain,
            fields.root_cert,
            if present.is_empty() {
                "nothing".to_string()
            } else {
                present.join(", ")
            }
        )));
    }
    Ok(BundleInput {
        label: src.name.clone(),
        origin: src.name.clone(),
        embedded: true,
        named_files: false,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_with_data_and_string_data() {
        let b64 = base64::engine::general_purpose::STANDARD
            .encode("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\ndata:\n  ca-cert.pem: {b64}\nstringData:\n  root-cert.pem: |\n    -----BEGIN CERTIFICATE-----\n    AA==\n    -----END CERTIFICATE-----\n---\nkind: ConfigMap\n"
        );
        let b = from_secret_manifest(&SourceFile::new("s.yaml", text)).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].label, "Secret istio-system/cacerts");
        assert_eq!(b[0].members.len(), 2);
        assert_eq!(b[0].members[0].kind, FileKind::CaCert);
        assert!(
            b[0].members[0]
                .text
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert_eq!(b[0].members[1].member.as_deref(), Some("root-cert.pem"));
    }

    #[test]
    fn secret_errors_name_the_file() {
        let e = from_secret_manifest(&SourceFile::new(
            "s.yaml",
            "kind: Secret\ndata:\n  ca-cert.pem: '!!'\n",
        ))
        .unwrap_err();
        assert!(e.0.contains("s.yaml") && e.0.contains("not base64"), "{e}");
        let e = from_secret_manifest(&SourceFile::new("s.yaml", "kind: ConfigMap\n")).unwrap_err();
        assert!(e.0.contains("no Secret"), "{e}");
    }

    #[test]
    fn vault_json_v1_and_v2() {
        let v1 = r#"{"request_id":"x","data":{"ca_key":"K","ca_cert":"C","cert_chain":"CH","root_cert":"R"}}"#;
        let b = from_vault_json(&SourceFile::new("v1.json", v1), &VaultFields::default()).unwrap();
        assert_eq!(b.members.len(), 4);
        let v2 = r#"{"data":{"data":{"ca_cert":"C"},"metadata":{"version":3}}}"#;
        let b = from_vault_json(&SourceFile::new("v2.json", v2), &VaultFields::default()).unwrap();
        assert_eq!(b.members.len(), 1);
        assert_eq!(b.members[0].text, "C");
        let custom = VaultFields {
            ca_cert: "cert".into(),
            ..VaultFields::default()
        };
        let e = from_vault_json(&SourceFile::new("v2.json", v2), &custom).unwrap_err();
        assert!(e.0.contains("it has: ca_cert"), "{e}");
        let e = from_vault_json(&SourceFile::new("x.json", "{"), &custom).unwrap_err();
        assert!(e.0.contains("x.json:1:"), "{e}");
    }
}
