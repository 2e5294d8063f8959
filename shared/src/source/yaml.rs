//! A YAML node tree that keeps what a linter needs and serde throws away: the line and
//! column of every node, each scalar's source style (plain or quoted), and its tag.
//!
//! Built from `saphyr-parser` events rather than a ready-made loader so that anchors and
//! aliases are expanded under a budget (an alias bomb is an error, not an OOM), nesting
//! depth is bounded (no stack overflow on `[[[[...`), and nothing is resolved early: plain
//! scalars stay text until a caller asks how Kubernetes would read them (see `scalar`).

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan};

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Where a node starts and ends in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

/// How a scalar was written. Quoted and block scalars are always strings; plain ones are
/// resolved by the reader's schema (YAML 1.1 for Kubernetes and Helm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl Style {
    pub fn is_plain(self) -> bool {
        self == Style::Plain
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's value after YAML unescaping and folding.
    pub value: String,
    pub style: Style,
    /// An explicit tag such as `!!str`, as written (`handle` + `suffix`).
    pub tag: Option<String>,
    /// For `|` and `>` scalars: where the content starts (line of its first line, and the
    /// column of its indentation), so positions inside the text map back to the file.
    pub block_start: Option<Pos>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(Scalar, Span),
    Mapping(Vec<(Node, Node)>, Span),
    Sequence(Vec<Node>, Span),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Scalar(_, s) | Node::Mapping(_, s) | Node::Sequence(_, s) => *s,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text, whatever its style (so `"1"` and `1` both give "1").
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match self {
            Node::Mapping(m, _) => Some(m),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match self {
            Node::Sequence(s, _) => Some(s),
            _ => None,
        }
    }

    /// Looks up a mapping entry by its scalar key. With duplicate keys the last one wins,
    /// as in Go's YAML-to-JSON conversion that Kubernetes and Helm use.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Like `get`, but also returns the key node (for its position).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_mapping()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// True for a YAML null: `~`, `null`, an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar(s, _) if s.style.is_plain() && s.tag.is_none()
            && matches!(s.value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// One `---` document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position of the document in its file.
    pub index: usize,
    pub root: Node,
}

/// Why a file is not YAML we can read. Always carries a position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Limits that keep hostile input from exhausting memory or the stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum nesting of mappings and sequences.
    pub max_depth: usize,
    /// Maximum number of nodes that aliases may add on top of the nodes written out.
    pub max_alias_nodes: usize,
    /// Maximum number of scalar bytes that aliases may add (a large anchored string
    /// repeated by aliases is a bomb too).
    pub max_alias_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
            max_alias_bytes: 32 << 20,
        }
    }
}

/// How much a node costs to copy: nodes and scalar bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Weight {
    nodes: usize,
    bytes: usize,
}

impl Weight {
    fn add(self, other: Weight) -> Weight {
        Weight {
            nodes: self.nodes.saturating_add(other.nodes),
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

const ONE_NODE: Weight = Weight { nodes: 1, bytes: 0 };

enum Frame {
    Mapping {
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        start: Pos,
        anchor: usize,
        size: Weight,
    },
    Sequence {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
        size: Weight,
    },
}

fn pos(m: &saphyr_parser::Marker) -> Pos {
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

fn span(s: &PSpan) -> Span {
    Span {
        start: pos(&s.start),
        end: pos(&s.end),
    }
}

fn style(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// Parses every document of `text`. Empty documents are skipped.
pub fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    parse_with(text, Limits::default())
}

pub fn parse_with(text: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // anchor id -> (node, its weight)
    let mut anchors: std::collections::HashMap<usize, (Node, Weight)> = Default::default();
    let mut aliased = Weight::default();
    let mut doc_index = 0usize;
    let mut root: Option<(Node, Weight)> = None;

    for item in Parser::new_from_str(text) {
        let (event, pspan) = item.map_err(|e| {
            let p = pos(e.marker());
            YamlError {
                line: p.line,
                column: p.column,
                message: e.info().to_string(),
            }
        })?;
        let here = span(&pspan);
        let err = |message: String| YamlError {
            line: here.start.line,
            column: here.start.column,
            message,
        };
        // A finished node (with its size) to attach to the parent, if any.
        let finished: Option<(Node, Weight, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                if let Some((node, _)) = root.take() {
                    docs.push(Document {
                        index: doc_index,
                        root: node,
                    });
                }
                doc_index += 1;
                None
            }
            Event::Scalar(value, st, anchor, tag) => {
                let style = style(st);
                // A block scalar's span starts at its first non-blank content line.
                let block_start = match style {
                    Style::Literal | Style::Folded => {
                        let blank = value.chars().take_while(|c| *c == '\n').count();
                        Some(Pos {
                            line: here
                                .start
                                .line
                                .saturating_sub(u32::try_from(blank).unwrap_or(0)),
                            column: here.start.column,
                        })
                    }
                    _ => None,
                };
                // The parser's end for a flow scalar can run on past trailing blanks and
                // comments; one-line scalars end where their text does.
                let mut here = here;
                if matches!(
                    style,
                    Style::Plain | Style::SingleQuoted | Style::DoubleQuoted
                ) && here.end.line == here.start.line
                    && !value.contains('\n')
                {
                    let quotes = if style == Style::Plain { 0 } else { 2 };
                    let width = u32::try_from(value.chars().count() + quotes).unwrap_or(0);
                    here.end.column = here.end.column.min(here.start.column.saturating_add(width));
                }
                let weight = Weight {
                    nodes: 1,
                    bytes: value.len(),
                };
                // The scanner reserves room as it reads: without the shrink, a big file's
                // scalars kept that slack (about a third of the peak memory on large inputs).
                // The copy is exact-size; the scanner's buffer is wiped (a key pasted into a
                // template must not linger in freed memory).
                let mut value = value.into_owned();
                if value.capacity() > value.len() {
                    let exact = String::from(value.as_str());
                    zeroize::Zeroize::zeroize(&mut value);
                    value = exact;
                }
                let node = Node::Scalar(
                    Scalar {
                        value,
                        style,
                        tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                        block_start,
                    },
                    here,
                );
                Some((node, weight, anchor))
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(err("alias refers to an unknown anchor".into()));
                };
                aliased = aliased.add(*size);
                if aliased.nodes > limits.max_alias_nodes {
                    return Err(err(format!(
                        "aliases expand to more than {} nodes; refusing a possible alias bomb",
                        limits.max_alias_nodes
                    )));
                }
                if aliased.bytes > limits.max_alias_bytes {
                    return Err(err(format!(
                        "aliases expand to more than {} bytes of text; refusing a possible alias bomb",
                        limits.max_alias_bytes
                    )));
                }
                Some((node.clone(), *size, 0))
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(err(format!(
                        "nesting deeper than {} levels is not supported",
                        limits.max_depth
                    )));
                }
                let start = here.start;
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping {
                        entries: Vec::new(),
                        pending_key: None,
                        start,
                        anchor,
                        size: ONE_NODE,
                    }
                } else {
                    Frame::Sequence {
                        items: Vec::new(),
                        start,
                        anchor,
                        size: ONE_NODE,
                    }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Frame::Mapping {
                    entries,
                    start,
                    anchor,
                    size,
                    ..
                }) => {
                    let end = here.end;
                    let mut entries = merge_keys(entries);
                    entries.shrink_to_fit();
                    Some((Node::Mapping(entries, Span { start, end }), size, anchor))
                }
                Some(Frame::Sequence {
                    items,
                    start,
                    anchor,
                    size,
                }) => {
                    let end = here.end;
                    let mut items = items;
                    items.shrink_to_fit();
                    Some((Node::Sequence(items, Span { start, end }), size, anchor))
                }
                None => return Err(err("unbalanced collection end".into())),
            },
        };
        let Some((node, size, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some((node, size)),
            Some(Frame::Sequence {
                items, size: total, ..
            }) => {
                items.push(node);
                *total = total.add(size);
            }
            Some(Frame::Mapping {
                entries,
                pending_key,
                size: total,
                ..
            }) => {
                *total = total.add(size);
                match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(key) => entries.push((key, node)),
                }
            }
        }
    }
    Ok(docs)
}

/// Applies YAML merge keys (`<<: *anchor` or `<<: [*a, *b]`), as go-yaml v2 does for
/// Kubernetes and Helm: the merged mappings' entries are added unless the mapping itself
/// sets the key, and earlier mappings in a list win over later ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge =
        |k: &Node| matches!(k, Node::Scalar(s, _) if s.value == "<<" && s.style == Style::Plain);
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    let mut sources: Vec<Node> = Vec::new();
    for (key, value) in merges {
        match value {
            Node::Mapping(..) => sources.push(value),
            Node::Sequence(items, _) => {
                sources.extend(items.into_iter().filter(|i| i.as_mapping().is_some()))
            }
            // Not mergeable: keep the entry, so the mistake stays visible.
            other => own.push((key, other)),
        }
    }
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for source in sources {
        let Node::Mapping(items, _) = source else {
            continue;
        };
        for (k, v) in items {
            let taken = |list: &[(Node, Node)]| {
                list.iter()
                    .any(|(o, _)| o.as_str().is_some() && o.as_str() == k.as_str())
            };
            if !taken(&own) && !taken(&merged) {
                merged.push((k, v));
            }
        }
    }
    merged.extend(own);
    merged
}

/// Renders a key path the way `kubectl explain`/yq users read it:
/// `pilot.podAnnotations."vault.hashicorp.com/role"`.
pub fn key_path(keys: &[&str]) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if k.is_empty() || k.contains(['.', '/', ' ', '"']) {
            out.push('"');
            out.push_str(&k.replace('"', "\\\""));
            out.push('"');
        } else {
            out.push_str(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_styles_and_documents() {
        let text = "a: 1\nb: \"x\"\n---\nc:\n  - yes\n  - |\n    block\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].index, 1);
        let a = docs[0].root.get("a").unwrap();
        assert_eq!(a.span().start, Pos { line: 1, column: 4 });
        assert_eq!(a.as_scalar().unwrap().style, Style::Plain);
        let b = docs[0].root.get("b").unwrap();
        assert_eq!(b.as_scalar().unwrap().style, Style::DoubleQuoted);
        assert_eq!(b.as_str(), Some("x"));
        let c = docs[1].root.get("c").unwrap().as_sequence().unwrap();
        assert_eq!(c[0].span().start, Pos { line: 5, column: 5 });
        assert_eq!(c[1].as_scalar().unwrap().style, Style::Literal);
        assert_eq!(c[1].as_str(), Some("block\n"));
        assert_eq!(
            c[1].as_scalar().unwrap().block_start,
            Some(Pos { line: 7, column: 5 })
        );
    }

    #[test]
    fn last_duplicate_key_wins() {
        let docs = parse("k: 1\nk: 2\n").unwrap();
        assert_eq!(docs[0].root.get("k").unwrap().as_str(), Some("2"));
    }

    #[test]
    fn aliases_expand_and_bombs_are_refused() {
        let docs = parse("a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(docs[0].root.path(&["b", "k"]).unwrap().as_str(), Some("v"));

        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*l{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            bomb.push_str(&format!("l{i}: &l{i} [{items}]\n"));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
        assert!(err.line > 1);
    }

    #[test]
    fn merge_keys_are_applied_and_explicit_keys_win() {
        let docs =
            parse("base: &b {a: 1, b: 2}\nother: &o {c: 3}\nm:\n  <<: [*b, *o]\n  b: 9\n").unwrap();
        let m = docs[0].root.get("m").unwrap();
        assert_eq!(m.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(m.get("b").unwrap().as_str(), Some("9"));
        assert_eq!(m.get("c").unwrap().as_str(), Some("3"));
        assert!(m.get("<<").is_none());
        // A quoted "<<" is an ordinary key.
        let docs = parse("m:\n  \"<<\": x\n").unwrap();
        assert_eq!(docs[0].root.path(&["m", "<<"]).unwrap().as_str(), Some("x"));
    }

    #[test]
    fn a_large_scalar_repeated_by_aliases_is_refused() {
        let big = "x".repeat(1 << 20);
        let text = format!("a: &a \"{big}\"\nb: [{}]\n", vec!["*a"; 64].join(","));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("bytes of text"), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let err = parse(&text).unwrap_err();
        // Either our limit or the parser's own recursion limit, never a stack overflow.
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a: b\n  c: d\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = parse("k: \"unterminated\n").unwrap_err();
        assert!(err.line >= 1);
    }

    #[test]
    fn empty_input_has_no_documents() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# only a comment\n").unwrap().is_empty());
    }

    #[test]
    fn key_paths_quote_dotted_keys() {
        assert_eq!(
            key_path(&["pilot", "podAnnotations", "vault.hashicorp.com/role"]),
            r#"pilot.podAnnotations."vault.hashicorp.com/role""#
        );
    }
}
