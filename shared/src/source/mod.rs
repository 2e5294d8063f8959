//! Input text → YAML documents → the istiod configurations found in them.

pub mod recognize;
pub mod scalar;
pub mod yaml;

pub use recognize::{Inventory, recognize};
pub use yaml::{Document, Node, Pos, Span, YamlError};

/// One input as the caller read it. The engine never touches the file system: the CLI
/// and the page hand it names and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name findings are reported against (a path, `<stdin>`, or a page field).
    pub name: String,
    pub text: String,
}

impl SourceFile {
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
        for (i, l) in self.text.lines().enumerate() {
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

    /// The text of 1-based `line`, without its line ending.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text.lines().nth(idx)
    }
}
