//! PEM blocks with their positions, decoded the way Go's `encoding/pem` does for istiod:
//! a block starts with `-----BEGIN <TYPE>-----` at the start of the data or of a line,
//! text outside blocks is skipped, CRLF and trailing whitespace are fine.

use base64::Engine as _;

/// One `-----BEGIN ...-----` block.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// 0-based position among the blocks of its file.
    pub index: usize,
    /// The type between `BEGIN ` and `-----`, e.g. `CERTIFICATE`, `RSA PRIVATE KEY`.
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub line: u32,
    /// 1-based line of the END line (or of the last line when it has none).
    pub end_line: u32,
    /// True when the block carries RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info`).
    pub has_headers: bool,
    /// The decoded bytes, or why they could not be decoded.
    pub der: Result<Vec<u8>, String>,
}

/// Decoded bytes (a key's among them) are wiped from memory when the block is dropped.
impl Drop for PemBlock {
    fn drop(&mut self) {
        if let Ok(der) = &mut self.der {
            zeroize::Zeroize::zeroize(der);
        }
    }
}

/// Key bytes must never be printed, even in a debug dump.
impl std::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemBlock")
            .field("index", &self.index)
            .field("label", &self.label)
            .field("line", &self.line)
            .field("end_line", &self.end_line)
            .field("has_headers", &self.has_headers)
            .field(
                "der",
                &self.der.as_ref().map(|d| format!("[{} bytes]", d.len())),
            )
            .finish()
    }
}

/// Scans every block of `text`.
pub fn scan(text: &str) -> Vec<PemBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            i += 1;
            continue;
        };
        let begin = i;
        let end_marker = format!("-----END {label}-----");
        let mut body = String::new();
        let mut has_headers = false;
        let mut end = None;
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines[j].trim();
            if l == end_marker {
                end = Some(j);
                break;
            }
            if l.starts_with("-----BEGIN ") {
                break;
            }
            if l.contains(':') {
                has_headers = true;
            } else {
                body.push_str(l);
            }
            j += 1;
        }
        let der = match end {
            None => Err(format!("no `{end_marker}` line closes this block")),
            Some(_) => base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| format!("the block's base64 does not decode ({e})")),
        };
        zeroize::Zeroize::zeroize(&mut body);
        let last = end.unwrap_or(j.saturating_sub(1));
        blocks.push(PemBlock {
            index: blocks.len(),
            label: label.to_string(),
            line: to_line(begin),
            end_line: to_line(last),
            has_headers,
            der,
        });
        i = end.map_or(j, |e| e + 1);
    }
    blocks
}

fn to_line(idx: usize) -> u32 {
    u32::try_from(idx + 1).unwrap_or(u32::MAX)
}

/// What a file that holds no PEM block holds instead, for a pointed hint. These are the
/// usual Vault template mistakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NotPem {
    Empty,
    /// `<no value>`: a missing field, or `.Data.x` on KV v2.
    NoValue,
    /// `data: map[...] metadata: map[...]`: the default template on KV v2.
    Kv2MapDump,
    /// `map[...]` or `key: value` lines: the injector's default `map` template.
    MapDump,
    /// `{...}`: the default `json` template (newlines escaped).
    Json,
    /// PEM markers not at the start of a line (Go's decoder needs them there).
    MisplacedMarker,
    /// Anything else.
    Other,
}

impl NotPem {
    pub fn classify(text: &str) -> NotPem {
        let t = text.trim();
        if t.is_empty() {
            NotPem::Empty
        } else if t.contains("<no value>") {
            NotPem::NoValue
        } else if t.starts_with("data: map[") || t.contains("\nmetadata: map[") {
            NotPem::Kv2MapDump
        } else if t.starts_with('{') && t.ends_with('}') {
            NotPem::Json
        } else if t.contains("map[")
            || t.lines().any(|l| {
                l.split_once(": ")
                    .is_some_and(|(k, v)| !k.contains(' ') && v.starts_with("-----BEGIN"))
            })
        {
            NotPem::MapDump
        } else if t.contains("-----BEGIN") {
            NotPem::MisplacedMarker
        } else {
            NotPem::Other
        }
    }

    /// A whole-secret dump (the injector's default templates), recognised even when some
    /// PEM block inside it happens to start a line and decodes: a KV v1 `key: value` dump
    /// of a secret whose `cert_chain` holds two certificates, say.
    pub fn dump(text: &str) -> Option<NotPem> {
        match NotPem::classify(text) {
            d @ (NotPem::Kv2MapDump | NotPem::MapDump | NotPem::Json) => Some(d),
            _ => None,
        }
    }

    /// What went wrong, said for someone who rendered this file with the Vault agent.
    pub fn hint(self) -> &'static str {
        match self {
            NotPem::Empty => {
                "the file is empty: the template printed nothing (a missing secret, or a field it never prints)"
            }
            NotPem::NoValue => {
                "the file says `<no value>`: the template asked for a field the secret does not have; on KV v2 fields are under `.Data.data.<field>`, on KV v1 under `.Data.<field>`"
            }
            NotPem::Kv2MapDump => {
                "the file is a `data: map[...] metadata: map[...]` dump: the injector's default template rendered a KV v2 secret; add `agent-inject-template-<file>` that prints one field (`.Data.data.<field>`)"
            }
            NotPem::MapDump => {
                "the file is a `key: value` / `map[...]` dump of the whole secret: the injector's default template was used; add `agent-inject-template-<file>` that prints one field"
            }
            NotPem::Json => {
                "the file is JSON: the injector's `json` default template rendered the whole secret with escaped newlines; add a template that prints one field"
            }
            NotPem::MisplacedMarker => {
                "the PEM `BEGIN` marker is not at the start of a line, so Go's PEM decoder does not see it; print the field alone on its own line"
            }
            NotPem::Other => "no PEM block (a line starting with a `BEGIN` marker) in the file",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAEC\nAwQ=\n-----END CERTIFICATE-----\n";

    #[test]
    fn blocks_positions_and_junk() {
        let text = format!(
            "junk line\n\n{CERT}between\r\n{}",
            CERT.replace('\n', "\r\n")
        );
        let blocks = scan(&text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 3);
        assert_eq!(blocks[0].end_line, 6);
        assert_eq!(blocks[0].der, Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(blocks[1].index, 1);
        assert_eq!(blocks[1].line, 8);
        assert_eq!(blocks[1].der, Ok(vec![0, 1, 2, 3, 4]));
    }

    #[test]
    fn trailing_whitespace_and_missing_final_newline() {
        let blocks =
            scan("-----BEGIN CERTIFICATE-----  \nAAEC\nAwQ=   \n-----END CERTIFICATE-----");
        assert_eq!(blocks[0].der, Ok(vec![0, 1, 2, 3, 4]));
    }

    #[test]
    fn broken_blocks_say_why() {
        let b = scan("-----BEGIN CERTIFICATE-----\nAAEC\n");
        assert!(b[0].der.as_ref().unwrap_err().contains("END CERTIFICATE"));
        let b = scan("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        assert!(b[0].der.as_ref().unwrap_err().contains("base64"));
        let b = scan(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n",
        );
        assert!(b[0].has_headers);
        // A marker that is not at a line start is not a block (as for Go).
        assert!(scan("ca_key: -----BEGIN CERTIFICATE-----\nAAEC\n").is_empty());
    }

    #[test]
    fn debug_never_shows_bytes() {
        let b = scan(CERT);
        let dbg = format!("{:?}", b[0]);
        assert!(dbg.contains("[5 bytes]"), "{dbg}");
        assert!(!dbg.contains("[0, 1"), "{dbg}");
    }

    #[test]
    fn dumps_are_recognised_around_decodable_blocks() {
        let dump = "ca_cert: -----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\nca_key: -----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(scan(dump).len(), 1, "the second certificate starts a line");
        assert_eq!(NotPem::dump(dump), Some(NotPem::MapDump));
        // openssl's text output before a block is not a dump.
        let text = "Certificate:\n    Data:\n        Version: 3 (0x2)\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        assert_eq!(NotPem::dump(text), None);
    }

    #[test]
    fn vault_template_mistakes_are_recognised() {
        assert_eq!(NotPem::classify(""), NotPem::Empty);
        assert_eq!(NotPem::classify("<no value>\n"), NotPem::NoValue);
        assert_eq!(
            NotPem::classify("data: map[ca_key:-----BEGIN X]\nmetadata: map[version:1]\n"),
            NotPem::Kv2MapDump
        );
        assert_eq!(
            NotPem::classify("ca_key: -----BEGIN RSA PRIVATE KEY-----\nMIIE\n"),
            NotPem::MapDump
        );
        assert_eq!(
            NotPem::classify("{\"ca_key\":\"-----BEGIN X-----\\nAA\\n\"}\n"),
            NotPem::Json
        );
        assert_eq!(
            NotPem::classify("  x -----BEGIN CERTIFICATE-----"),
            NotPem::MisplacedMarker
        );
        assert_eq!(NotPem::classify("hello"), NotPem::Other);
    }
}
