//! Input text → YAML documents → the istiod configurations found in them.

pub mod helm;
pub mod recognize;
pub mod scalar;
pub mod yaml;

pub use recognize::{Inventory, recognize, recognize_with};
pub use yaml::{Document, Node, Pos, Span, YamlError};

/// One input as the caller read it. The engine never touches the file system: the CLI
/// and the page hand it names and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name findings are reported against (a path, `<stdin>`, or a page field).
    pub name: String,
    pub text: String,
}

/// An input may hold a private key (`ca-key.pem`, a Secret, Vault JSON): its text is wiped
/// from memory when the file is dropped.
impl Drop for SourceFile {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl SourceFile {
    /// Overwrites the text's whole buffer with zeros and empties it (what dropping does).
    pub fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }

    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// True when 1-based `line` lies inside a PEM block (between a `-----BEGIN` line and
    /// its `-----END`, or the end of the text): such a line may be key material and is
    /// never shown.
    pub fn in_pem_block(&self, line: u32) -> bool {
        let mut inside = false;
        for (i, l) in self.lines().enumerate() {
            if l.contains("-----BEGIN") {
                inside = true;
            }
            if u32::try_from(i + 1).is_ok_and(|n| n == line) {
                return inside;
            }
            if l.contains("-----END") {
                inside = false;
            }
        }
        false
    }

    /// The text of 1-based `line`, without its line ending. Lines end at `\n`, `\r\n` or
    /// a lone `\r`, as the YAML parser counts them.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        self.lines().nth(idx)
    }

    fn lines(&self) -> impl Iterator<Item = &str> {
        let mut rest = self.text.as_str();
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            let line = &rest[..end];
            let skip = if rest[end..].starts_with("\r\n") {
                2
            } else {
                usize::from(end < rest.len())
            };
            rest = &rest[end + skip..];
            Some(line)
        })
    }
}

#[cfg(test)]
mod tests {

    /// What dropping a file does to its buffer: every byte of it (spare capacity too) is
    /// zero before the allocation goes back, so a key's text does not linger in freed memory.
    #[test]
    fn wipe_zeroes_the_whole_buffer() {
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBAdSecretBytesHere\n-----END EC PRIVATE KEY-----\n";
        let mut f = SourceFile::new("ca-key.pem", String::with_capacity(256) + key);
        let (ptr, cap) = (f.text.as_ptr(), f.text.capacity());
        f.wipe();
        assert!(f.text.is_empty());
        assert_eq!(
            (f.text.as_ptr(), f.text.capacity()),
            (ptr, cap),
            "still the same allocation"
        );
        // SAFETY: the String still owns `cap` initialised bytes at `ptr` (zeroize writes
        // every byte of the capacity and keeps the allocation).
        let bytes = unsafe { std::slice::from_raw_parts(ptr, cap) };
        assert!(bytes.iter().all(|b| *b == 0));
    }
    use super::SourceFile;

    #[test]
    fn lines_end_at_lf_crlf_or_cr() {
        let s = SourceFile::new("t", "a\nb\r\nc\rd");
        assert_eq!(s.line(1), Some("a"));
        assert_eq!(s.line(2), Some("b"));
        assert_eq!(s.line(3), Some("c"));
        assert_eq!(s.line(4), Some("d"));
        assert_eq!(s.line(5), None);
        assert_eq!(s.line(0), None);
    }

    #[test]
    fn pem_block_lines() {
        let s = SourceFile::new("t", "x\n-----BEGIN K-----\nAAAA\n-----END K-----\ny\n");
        assert!(!s.in_pem_block(1));
        assert!(s.in_pem_block(2) && s.in_pem_block(3) && s.in_pem_block(4));
        assert!(!s.in_pem_block(5));
    }
}
