//! Parser and approximate renderer for the consul-template subset (Go
//! `text/template` syntax) used in Vault Agent Injector annotations
//! `vault.hashicorp.com/agent-inject-template-<name>`.
//!
//! Everything here is pure: no I/O, no clocks, no threads, and no input can
//! make it panic. All spans are byte ranges into the parsed text and always
//! lie on `char` boundaries.

use std::ops::Range;

/// What Go prints for a missing map key (`missingkey=zero` on a map).
pub const NO_VALUE: &str = "<no value>";
/// What [`Template::render`] prints for anything it cannot evaluate.
pub const PLACEHOLDER: &str = "<?>";

/// Maximum nesting (parentheses while parsing, blocks while rendering) that
/// is followed; deeper input is treated as unknown instead of recursing.
const MAX_DEPTH: usize = 64;

/// A parsed template. Produced by [`parse`], which never fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Text and action segments in source order. Empty text (for example
    /// whitespace removed by trim markers) is not listed.
    pub segments: Vec<Segment>,
    /// Every `secret` call, in source order.
    pub secret_reads: Vec<SecretRead>,
    /// Every field chain (`.Data.x`, `$s.Data.x`, `index .Data "k"`), in
    /// source order.
    pub field_refs: Vec<FieldRef>,
    /// Problems found; empty for a template Go would accept (as far as this
    /// subset can tell).
    pub errors: Vec<TemplateError>,
    /// Per-segment data for rendering, parallel to `segments`.
    info: Vec<SegInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text; `span` is the byte range in the input after trimming.
    Text { span: Range<usize> },
    /// An action; `span` covers the whole action including delimiters and
    /// trim markers.
    Action {
        span: Range<usize>,
        kind: ActionKind,
    },
}

impl Segment {
    pub fn span(&self) -> Range<usize> {
        match self {
            Segment::Text { span } | Segment::Action { span, .. } => span.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// `with`; `secret` is the index into `secret_reads` when the pipeline
    /// is a `secret` call (`with secret "P"`, `with $s := secret "P"`).
    With {
        secret: Option<usize>,
    },
    /// `range`; as for `With`.
    Range {
        secret: Option<usize>,
    },
    If,
    /// `else`, `else if …`, `else with …`.
    Else,
    End,
    Define,
    Block,
    Template,
    Comment,
    /// Prints the value of its pipeline.
    Output,
    /// Anything else: variable declarations, `break`, empty actions, ….
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRead {
    /// First argument when it is a string literal (quotes removed, escapes
    /// resolved); `None` when it is not a literal.
    pub path: Option<String>,
    /// Span of the path literal including its quotes, or of the word
    /// `secret` when there is no literal.
    pub span: Range<usize>,
    /// Further arguments (`"k=v"` for writes): the value for string
    /// literals, the source text otherwise.
    pub extra_args: Vec<String>,
    /// The call is the pipeline of a `with` or `range` (possibly with a
    /// variable declaration), so it opens a block.
    pub in_block: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// Identifiers of the chain. When `secret` is `Some`, the chain is
    /// relative to that secret and includes what enclosing `with` actions
    /// added: inside `{{ with secret "P" }}{{ with .Data }}`, `.x` is recorded
    /// as `["Data", "x"]`. Otherwise it is the chain as written.
    pub chain: Vec<String>,
    /// Span of the chain in the input (for `index`, of the whole call).
    pub span: Range<usize>,
    /// Index into `secret_reads` of the secret this chain reads from.
    pub secret: Option<usize>,
    /// The action prints this value directly (`{{ .Data.x }}`).
    pub printed: bool,
    /// The variable the chain starts from (`"$s"` for `$s.Data.x`, `"$"`
    /// for `$.x`); `None` when it starts from dot.
    pub var: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateErrorKind {
    UnclosedAction,
    UnclosedString,
    TrimMarkerSpacing,
    EmptyAction,
    UnexpectedEnd,
    UnclosedBlock,
    UnexpectedElse,
    SecretWithoutPath,
    /// A character Go does not accept inside an action, or a comment that
    /// does not end right before the closing delimiter.
    InvalidSyntax,
}

impl TemplateErrorKind {
    /// Stable kebab-case name, usable as a rule id.
    pub fn code(self) -> &'static str {
        match self {
            TemplateErrorKind::UnclosedAction => "unclosed-action",
            TemplateErrorKind::UnclosedString => "unclosed-string",
            TemplateErrorKind::TrimMarkerSpacing => "trim-marker-spacing",
            TemplateErrorKind::EmptyAction => "empty-action",
            TemplateErrorKind::UnexpectedEnd => "unexpected-end",
            TemplateErrorKind::UnclosedBlock => "unclosed-block",
            TemplateErrorKind::UnexpectedElse => "unexpected-else",
            TemplateErrorKind::SecretWithoutPath => "secret-without-path",
            TemplateErrorKind::InvalidSyntax => "invalid-syntax",
        }
    }
}

/// Answer of the resolver passed to [`Template::render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The value as Go would print it.
    Value(String),
    /// The secret exists but the key does not.
    MissingKey,
    /// The secret does not exist.
    MissingSecret,
    /// Cannot tell.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// False if anything could not be evaluated (or the template has errors).
    pub exact: bool,
    /// False if a secret is missing: consul-template then never writes the
    /// file.
    pub written: bool,
}

/// Byte offset -> (line, column), both 0-based, the column counted in chars.
/// Offsets past the end map to the end; an offset inside a multibyte char
/// maps to that char.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 0;
    let mut col = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() > offset {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// Parses `text` with the given delimiters (empty strings mean the defaults
/// `{{` and `}}`). Never fails; problems are listed in `errors`.
pub fn parse(text: &str, left: &str, right: &str) -> Template {
    let left = if left.is_empty() { "{{" } else { left };
    let right = if right.is_empty() { "}}" } else { right };
    let mut p = Parser {
        text,
        left,
        right,
        t: Template {
            segments: Vec::new(),
            secret_reads: Vec::new(),
            field_refs: Vec::new(),
            errors: Vec::new(),
            info: Vec::new(),
        },
        stack: Vec::new(),
        vars: Vec::new(),
        dot: Ctx::Root,
    };
    p.run();
    p.finish()
}

// ---------------------------------------------------------------------------
// Rendering

impl Template {
    /// Renders what the Vault agent would write, as far as it can be known.
    /// `resolve(path, chain)` answers for a secret path and a field chain
    /// such as `["Data", "ca_key"]`; `["Data"]` is asked to learn whether a
    /// secret exists.
    pub fn render(&self, source: &str, resolve: &dyn Fn(&str, &[String]) -> Lookup) -> Rendered {
        let mut out = Rendered {
            text: String::new(),
            exact: self.errors.is_empty(),
            written: true,
        };
        let mut r = Renderer {
            t: self,
            source,
            resolve,
            out: &mut out,
        };
        r.run(0, self.segments.len(), 0);
        out
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

struct Renderer<'a, 'o> {
    t: &'a Template,
    source: &'a str,
    resolve: &'a dyn Fn(&str, &[String]) -> Lookup,
    out: &'o mut Rendered,
}

impl Renderer<'_, '_> {
    fn unknown(&mut self) {
        self.out.text.push_str(PLACEHOLDER);
        self.out.exact = false;
    }

    fn secret_exists(&mut self, idx: usize) -> Option<bool> {
        let path = self.t.secret_reads.get(idx)?.path.as_deref()?;
        let data = ["Data".to_string()];
        Some((self.resolve)(path, &data) != Lookup::MissingSecret)
    }

    /// Fetches the secrets an action reads outside of a `with`/`range`.
    fn check_secrets(&mut self, seg: usize) {
        let Some(info) = self.t.info.get(seg) else {
            return;
        };
        for &s in &info.secrets {
            if self.t.secret_reads.get(s).is_some_and(|r| r.in_block) {
                continue;
            }
            match self.secret_exists(s) {
                None => self.out.exact = false,
                Some(false) => self.out.written = false,
                Some(true) => {}
            }
        }
    }

    fn block_end(&self, open: usize, to: usize) -> usize {
        self.t
            .info
            .get(open)
            .and_then(|i| i.end)
            .filter(|&e| e > open && e <= to)
            .unwrap_or(to)
    }

    fn run(&mut self, from: usize, to: usize, depth: usize) {
        if depth > MAX_DEPTH {
            self.unknown();
            return;
        }
        let mut i = from;
        while i < to {
            let Some(seg) = self.t.segments.get(i) else {
                break;
            };
            match seg {
                Segment::Text { span } => match self.source.get(span.clone()) {
                    Some(s) => self.out.text.push_str(s),
                    None => self.out.exact = false,
                },
                Segment::Action { kind, .. } => {
                    self.check_secrets(i);
                    match kind {
                        ActionKind::With { .. } | ActionKind::If | ActionKind::Range { .. } => {
                            let end = self.block_end(i, to);
                            self.run_block(i, end, depth);
                            i = end + 1;
                            continue;
                        }
                        ActionKind::Define => {
                            i = self.block_end(i, to) + 1;
                            continue;
                        }
                        ActionKind::Block => {
                            self.unknown();
                            i = self.block_end(i, to) + 1;
                            continue;
                        }
                        ActionKind::Template => self.unknown(),
                        ActionKind::Output => self.print(i),
                        ActionKind::Comment
                        | ActionKind::Other
                        | ActionKind::Else
                        | ActionKind::End => {}
                    }
                }
            }
            i += 1;
        }
    }

    fn run_block(&mut self, open: usize, end: usize, depth: usize) {
        let mut headers = vec![open];
        if let Some(info) = self.t.info.get(open) {
            headers.extend(
                info.branches
                    .iter()
                    .copied()
                    .filter(|&b| b > open && b < end),
            );
        }
        for (k, &h) in headers.iter().enumerate() {
            let body_end = headers.get(k + 1).copied().unwrap_or(end);
            if k > 0 {
                self.check_secrets(h);
            }
            let cond = self.t.info.get(h).map(|i| i.cond).unwrap_or(Cond::Unknown);
            match cond {
                Cond::Always => {
                    self.run(h + 1, body_end, depth + 1);
                    return;
                }
                Cond::Secret(s) => match self.secret_exists(s) {
                    Some(false) => self.out.written = false,
                    Some(true) => {
                        self.run(h + 1, body_end, depth + 1);
                        return;
                    }
                    None => {
                        self.out.exact = false;
                        self.run(h + 1, body_end, depth + 1);
                        return;
                    }
                },
                Cond::Unknown => {
                    self.unknown();
                    return;
                }
            }
        }
    }

    fn print(&mut self, seg: usize) {
        let print = self.t.info.get(seg).map(|i| &i.print);
        match print {
            None | Some(Print::Nothing) => {}
            Some(Print::Literal(s)) => self.out.text.push_str(s),
            Some(Print::Unknown) => self.unknown(),
            Some(Print::Field(f)) => {
                let Some(fr) = self.t.field_refs.get(*f) else {
                    self.unknown();
                    return;
                };
                let path = fr
                    .secret
                    .and_then(|s| self.t.secret_reads.get(s))
                    .and_then(|r| r.path.as_deref());
                let Some(path) = path else {
                    self.unknown();
                    return;
                };
                match (self.resolve)(path, &fr.chain) {
                    Lookup::Value(v) => self.out.text.push_str(&v),
                    Lookup::MissingKey => self.out.text.push_str(NO_VALUE),
                    Lookup::MissingSecret => self.out.written = false,
                    Lookup::Unknown => self.unknown(),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser state

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct SegInfo {
    /// For block openers: the `else` segments belonging to the block.
    branches: Vec<usize>,
    /// For block openers: the matching `end` segment.
    end: Option<usize>,
    /// For `with`/`if`/`range`/`else` headers: when the branch runs.
    cond: Cond,
    /// For output actions: what is printed.
    print: Print,
    /// Secret reads made by this action.
    secrets: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Cond {
    #[default]
    Always,
    Secret(usize),
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Print {
    #[default]
    Nothing,
    Field(usize),
    Literal(String),
    Unknown,
}

/// What a value (dot, a variable) is known to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ctx {
    Root,
    Unknown,
    Secret { idx: usize, prefix: Vec<String> },
}

impl Ctx {
    fn field(&self, fields: &[String]) -> Ctx {
        match self {
            Ctx::Secret { idx, prefix } => {
                let mut prefix = prefix.clone();
                prefix.extend(fields.iter().cloned());
                Ctx::Secret { idx: *idx, prefix }
            }
            _ => Ctx::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    If,
    With,
    Range,
    Define,
    Block,
}

impl BlockKind {
    fn word(self) -> &'static str {
        match self {
            BlockKind::If => "if",
            BlockKind::With => "with",
            BlockKind::Range => "range",
            BlockKind::Define => "define",
            BlockKind::Block => "block",
        }
    }
}

struct Frame {
    seg: usize,
    kind: BlockKind,
    span: Range<usize>,
    outer_dot: Ctx,
    vars_before: usize,
    vars_after: usize,
    saved_vars: Option<Vec<(String, Ctx)>>,
}

struct Parser<'a> {
    text: &'a str,
    left: &'a str,
    right: &'a str,
    t: Template,
    stack: Vec<Frame>,
    vars: Vec<(String, Ctx)>,
    dot: Ctx,
}

struct Lexed {
    tokens: Vec<Token>,
    end: usize,
    right_trim: bool,
    comment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tk {
    Ident(String),
    Field(String),
    Var(String),
    Dot,
    Str(String),
    Char,
    Number,
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Comma,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    tk: Tk,
    span: Range<usize>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn rest(text: &str, at: usize) -> &str {
    text.get(at..).unwrap_or("")
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// End of the run of identifier characters starting at `at`.
fn scan_ident(text: &str, at: usize) -> usize {
    let r = rest(text, at);
    let len = r
        .char_indices()
        .find(|&(_, c)| !is_ident_char(c))
        .map_or(r.len(), |(i, _)| i);
    at + len
}

fn scan_number(text: &str, at: usize) -> usize {
    let b = text.as_bytes();
    let mut q = at;
    if matches!(b.get(q), Some(b'+' | b'-')) {
        q += 1;
    }
    while let Some(&c) = b.get(q) {
        let exp_sign = matches!(c, b'+' | b'-')
            && q > at
            && matches!(b.get(q - 1), Some(b'e' | b'E' | b'p' | b'P'));
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exp_sign {
            q += 1;
        } else {
            break;
        }
    }
    q
}

fn hex_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize) -> Option<char> {
    let mut v: u32 = 0;
    for _ in 0..n {
        let d = chars.peek()?.to_digit(16)?;
        chars.next();
        v = v.checked_mul(16)?.checked_add(d)?;
    }
    Some(char::from_u32(v).unwrap_or('\u{FFFD}'))
}

/// Resolves Go escapes in the body of a double-quoted string.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            '\\' | '"' | '\'' => Some(e),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            continue;
        }
        let decoded = match e {
            'x' => hex_char(&mut chars, 2),
            'u' => hex_char(&mut chars, 4),
            'U' => hex_char(&mut chars, 8),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                Some(char::from_u32(v).unwrap_or('\u{FFFD}'))
            }
            _ => None,
        };
        match decoded {
            Some(ch) => out.push(ch),
            None => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Token-level syntax tree of one action

#[derive(Debug)]
struct Pipe {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Cmd>,
}

#[derive(Debug)]
struct Cmd {
    terms: Vec<Term>,
}

#[derive(Debug)]
struct Term {
    kind: TermKind,
    span: Range<usize>,
}

#[derive(Debug)]
enum TermKind {
    Chain { base: Base, fields: Vec<String> },
    Dot,
    Var(String),
    Str(String),
    Ident(String),
    Paren(Pipe),
    Other,
}

#[derive(Debug)]
enum Base {
    Dot,
    Var(String),
    Paren(Box<Pipe>),
}

fn tok_is(toks: &[Token], i: usize, f: impl Fn(&Tk) -> bool) -> bool {
    toks.get(i).is_some_and(|t| f(&t.tk))
}

fn adjacent_field(toks: &[Token], i: usize) -> bool {
    match (toks.get(i.wrapping_sub(1)), toks.get(i)) {
        (Some(prev), Some(t)) => matches!(t.tk, Tk::Field(_)) && prev.span.end == t.span.start,
        _ => false,
    }
}

fn parse_pipe(toks: &[Token], i: &mut usize, depth: usize) -> Pipe {
    // Declarations: `$x :=`, `$i, $v :=`, `$x =`.
    let save = *i;
    let mut decl = Vec::new();
    let mut assign = false;
    let mut ok = false;
    while let Some(Token {
        tk: Tk::Var(name), ..
    }) = toks.get(*i)
    {
        if adjacent_field(toks, *i + 1) {
            break;
        }
        decl.push(name.clone());
        *i += 1;
        match toks.get(*i).map(|t| &t.tk) {
            Some(Tk::Comma) => *i += 1,
            Some(Tk::Declare) => {
                *i += 1;
                ok = true;
                break;
            }
            Some(Tk::Assign) => {
                *i += 1;
                ok = true;
                assign = true;
                break;
            }
            _ => break,
        }
    }
    if !ok {
        *i = save;
        decl.clear();
        assign = false;
    }
    let mut cmds = Vec::new();
    loop {
        let mut terms = Vec::new();
        while let Some(t) = toks.get(*i) {
            match t.tk {
                Tk::Pipe => break,
                Tk::RParen if depth > 0 => break,
                _ => terms.push(parse_term(toks, i, depth)),
            }
        }
        cmds.push(Cmd { terms });
        if tok_is(toks, *i, |t| *t == Tk::Pipe) {
            *i += 1;
        } else {
            break;
        }
    }
    Pipe { decl, assign, cmds }
}

fn parse_fields(toks: &[Token], i: &mut usize, fields: &mut Vec<String>, end: &mut usize) {
    while adjacent_field(toks, *i) {
        if let Some(Token {
            tk: Tk::Field(f),
            span,
        }) = toks.get(*i)
        {
            fields.push(f.clone());
            *end = span.end;
        }
        *i += 1;
    }
}

fn parse_term(toks: &[Token], i: &mut usize, depth: usize) -> Term {
    let Some(tok) = toks.get(*i) else {
        return Term {
            kind: TermKind::Other,
            span: 0..0,
        };
    };
    *i += 1;
    let start = tok.span.start;
    let mut end = tok.span.end;
    let kind = match &tok.tk {
        Tk::Field(f) => {
            let mut fields = vec![f.clone()];
            parse_fields(toks, i, &mut fields, &mut end);
            TermKind::Chain {
                base: Base::Dot,
                fields,
            }
        }
        Tk::Var(v) => {
            let mut fields = Vec::new();
            parse_fields(toks, i, &mut fields, &mut end);
            if fields.is_empty() {
                TermKind::Var(v.clone())
            } else {
                TermKind::Chain {
                    base: Base::Var(v.clone()),
                    fields,
                }
            }
        }
        Tk::Dot => TermKind::Dot,
        Tk::Str(s) => TermKind::Str(s.clone()),
        Tk::Ident(s) => TermKind::Ident(s.clone()),
        Tk::LParen if depth < MAX_DEPTH => {
            let inner = parse_pipe(toks, i, depth + 1);
            if let Some(Token {
                tk: Tk::RParen,
                span,
            }) = toks.get(*i)
            {
                end = span.end;
                *i += 1;
            } else if let Some(last) = toks.get(i.wrapping_sub(1)) {
                end = end.max(last.span.end);
            }
            let mut fields = Vec::new();
            parse_fields(toks, i, &mut fields, &mut end);
            if fields.is_empty() {
                TermKind::Paren(inner)
            } else {
                TermKind::Chain {
                    base: Base::Paren(Box::new(inner)),
                    fields,
                }
            }
        }
        _ => TermKind::Other,
    };
    Term {
        kind,
        span: start..end,
    }
}

fn parse_tokens(toks: &[Token]) -> Pipe {
    let mut i = 0;
    let mut pipe = parse_pipe(toks, &mut i, 0);
    // Only a stray `)` can stop the top level early; keep going after it.
    while i < toks.len() {
        i += 1;
        let more = parse_pipe(toks, &mut i, 0);
        pipe.cmds.extend(more.cmds);
    }
    pipe
}

// ---------------------------------------------------------------------------
// Parser

impl Parser<'_> {
    fn error(&mut self, kind: TemplateErrorKind, span: Range<usize>, message: String) {
        self.t.errors.push(TemplateError {
            kind,
            span,
            message,
        });
    }

    fn push_text(&mut self, start: usize, end: usize) {
        if start < end && self.text.get(start..end).is_some() {
            self.t.segments.push(Segment::Text { span: start..end });
            self.t.info.push(SegInfo::default());
        }
    }

    fn run(&mut self) {
        let text = self.text;
        let b = text.as_bytes();
        let mut text_start = 0usize;
        loop {
            let Some(rel) = rest(text, text_start).find(self.left) else {
                self.push_text(text_start, text.len());
                break;
            };
            let ld = text_start + rel;
            let after = ld + self.left.len();
            let dash = b.get(after) == Some(&b'-');
            let left_trim = dash && b.get(after + 1).is_some_and(|&c| is_ws(c));
            let mut text_end = ld;
            if left_trim {
                while text_end > text_start && is_ws(b[text_end - 1]) {
                    text_end -= 1;
                }
            }
            self.push_text(text_start, text_end);
            if dash && !left_trim {
                let msg = format!(
                    "`{l}-` is not a trim marker without a space after `-`: write `{l}- ` to trim, or `{l} -` for a negative number",
                    l = self.left
                );
                self.error(TemplateErrorKind::TrimMarkerSpacing, ld..after + 1, msg);
            }
            let content_start = if left_trim { after + 2 } else { after };
            let lexed = self.lex_action(ld, after, content_start);
            let end = lexed.end.max(after).min(text.len());
            let seg = self.t.segments.len();
            self.t.segments.push(Segment::Action {
                span: ld..end,
                kind: ActionKind::Other,
            });
            self.t.info.push(SegInfo::default());
            let kind = self.action(seg, ld..end, &lexed);
            if let Some(Segment::Action { kind: k, .. }) = self.t.segments.get_mut(seg) {
                *k = kind;
            }
            text_start = end;
            if lexed.right_trim {
                while text_start < b.len() && is_ws(b[text_start]) {
                    text_start += 1;
                }
            }
            if text_start >= text.len() {
                break;
            }
        }
    }

    fn finish(mut self) -> Template {
        let frames = std::mem::take(&mut self.stack);
        for f in frames {
            let msg = format!(
                "`{}` block is never closed: add `{} end {}`",
                f.kind.word(),
                self.left,
                self.right
            );
            self.error(TemplateErrorKind::UnclosedBlock, f.span, msg);
        }
        self.t
    }

    fn lex_action(&mut self, ld: usize, after: usize, content_start: usize) -> Lexed {
        let text = self.text;
        let b = text.as_bytes();
        if rest(text, content_start).starts_with("/*") {
            let Some(r) = rest(text, content_start + 2).find("*/") else {
                let msg = format!("comment is never closed: add `*/{}`", self.right);
                self.error(TemplateErrorKind::UnclosedAction, ld..text.len(), msg);
                return Lexed {
                    tokens: Vec::new(),
                    end: text.len(),
                    right_trim: false,
                    comment: true,
                };
            };
            let c_end = content_start + 2 + r + 2;
            if rest(text, c_end).starts_with(self.right) {
                return Lexed {
                    tokens: Vec::new(),
                    end: c_end + self.right.len(),
                    right_trim: false,
                    comment: true,
                };
            }
            if b.get(c_end).is_some_and(|&c| is_ws(c))
                && b.get(c_end + 1) == Some(&b'-')
                && rest(text, c_end + 2).starts_with(self.right)
            {
                return Lexed {
                    tokens: Vec::new(),
                    end: c_end + 2 + self.right.len(),
                    right_trim: true,
                    comment: true,
                };
            }
            let msg = format!(
                "comment must end right before the closing delimiter: write `*/{r}` or `*/ -{r}`",
                r = self.right
            );
            self.error(TemplateErrorKind::InvalidSyntax, ld..c_end, msg);
            let mut lexed = self.lex_tokens(ld, after, c_end);
            lexed.comment = true;
            lexed.tokens.clear();
            return lexed;
        }
        self.lex_tokens(ld, after, content_start)
    }

    fn lex_tokens(&mut self, ld: usize, after: usize, start: usize) -> Lexed {
        let text = self.text;
        let b = text.as_bytes();
        let right = self.right;
        let mut tokens = Vec::new();
        let mut p = start;
        let done = |tokens, end, right_trim| Lexed {
            tokens,
            end,
            right_trim,
            comment: false,
        };
        loop {
            let r = rest(text, p);
            let Some(&c0) = b.get(p) else {
                let msg = format!("action is never closed: add `{right}`");
                self.error(TemplateErrorKind::UnclosedAction, ld..text.len(), msg);
                return done(tokens, text.len(), false);
            };
            if r.starts_with(right) {
                return done(tokens, p + right.len(), false);
            }
            if is_ws(c0) && b.get(p + 1) == Some(&b'-') && rest(text, p + 2).starts_with(right) {
                return done(tokens, p + 2 + right.len(), true);
            }
            if c0 == b'-' && rest(text, p + 1).starts_with(right) {
                if p > after && is_ws(b[p - 1]) {
                    return done(tokens, p + 1 + right.len(), true);
                }
                if p != after {
                    let msg = format!(
                        "`-{right}` is not a trim marker without a space before `-`: write ` -{right}`"
                    );
                    self.error(
                        TemplateErrorKind::TrimMarkerSpacing,
                        p..p + 1 + right.len(),
                        msg,
                    );
                }
                return done(tokens, p + 1 + right.len(), false);
            }
            if r.starts_with(self.left) {
                let msg = format!(
                    "action is never closed: add `{right}` before the next `{}`",
                    self.left
                );
                self.error(TemplateErrorKind::UnclosedAction, ld..p, msg);
                return done(tokens, p, false);
            }
            if is_ws(c0) {
                p += 1;
                continue;
            }
            let (tk, q) = match c0 {
                b'"' => self.lex_quoted(p, b'"'),
                b'`' => self.lex_quoted(p, b'`'),
                b'\'' => self.lex_quoted(p, b'\''),
                b'|' => (Tk::Pipe, p + 1),
                b'(' => (Tk::LParen, p + 1),
                b')' => (Tk::RParen, p + 1),
                b',' => (Tk::Comma, p + 1),
                b':' if b.get(p + 1) == Some(&b'=') => (Tk::Declare, p + 2),
                b'=' => (Tk::Assign, p + 1),
                b'$' => {
                    let q = scan_ident(text, p + 1);
                    (Tk::Var(text.get(p..q).unwrap_or("$").to_string()), q)
                }
                b'.' if b.get(p + 1).is_some_and(|c| c.is_ascii_digit()) => {
                    (Tk::Number, scan_number(text, p))
                }
                b'.' => {
                    let q = scan_ident(text, p + 1);
                    if q > p + 1 {
                        (Tk::Field(text.get(p + 1..q).unwrap_or("").to_string()), q)
                    } else {
                        (Tk::Dot, p + 1)
                    }
                }
                b'0'..=b'9' | b'+' | b'-' => (Tk::Number, scan_number(text, p).max(p + 1)),
                _ => {
                    let ch = r.chars().next().unwrap_or('\u{FFFD}');
                    if ch == '_' || ch.is_alphabetic() {
                        let q = scan_ident(text, p);
                        (Tk::Ident(text.get(p..q).unwrap_or("").to_string()), q)
                    } else {
                        let q = p + ch.len_utf8();
                        let msg = format!(
                            "unexpected character `{ch}` in action: remove it or quote it in a string"
                        );
                        self.error(TemplateErrorKind::InvalidSyntax, p..q, msg);
                        (Tk::Other, q)
                    }
                }
            };
            let q = q.max(p + 1).min(text.len());
            tokens.push(Token { tk, span: p..q });
            p = q;
        }
    }

    /// Lexes a string starting at `p` (which holds `quote`). Returns the token
    /// and the position after it.
    fn lex_quoted(&mut self, p: usize, quote: u8) -> (Tk, usize) {
        let text = self.text;
        let b = text.as_bytes();
        let escapes = quote != b'`';
        let mut q = p + 1;
        let mut closed = false;
        while let Some(&c) = b.get(q) {
            if c == quote {
                closed = true;
                break;
            }
            if escapes && c == b'\\' {
                if matches!(b.get(q + 1), None | Some(b'\n')) {
                    break;
                }
                q += 2;
                continue;
            }
            if escapes && c == b'\n' {
                break;
            }
            q += 1;
        }
        let make = |body: &str| match quote {
            b'"' => Tk::Str(unescape(body)),
            b'`' => Tk::Str(body.replace('\r', "")),
            _ => Tk::Char,
        };
        if closed {
            return (make(text.get(p + 1..q).unwrap_or("")), q + 1);
        }
        // Unterminated: end the string at a closing delimiter on the same
        // line if there is one (the likely intent), else at the line end.
        let eol = rest(text, p).find('\n').map_or(text.len(), |n| p + n);
        let body_region = text.get(p + 1..eol).unwrap_or("");
        let mut stop = match body_region.find(self.right) {
            Some(r) => p + 1 + r,
            None => eol,
        };
        if stop < eol && stop >= p + 3 && b[stop - 1] == b'-' && is_ws(b[stop - 2]) {
            stop -= 2;
        }
        let name = match quote {
            b'"' => "string",
            b'`' => "raw string",
            _ => "character constant",
        };
        let q = quote as char;
        let msg = format!("{name} is never closed: add `{q}`");
        self.error(TemplateErrorKind::UnclosedString, p..stop, msg);
        (make(text.get(p + 1..stop).unwrap_or("")), stop)
    }

    fn lookup(&self, name: &str) -> Ctx {
        if name == "$" {
            return Ctx::Root;
        }
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(Ctx::Unknown, |(_, c)| c.clone())
    }

    fn declare(&mut self, pipe: &Pipe, ctx: Ctx) {
        let single = pipe.decl.len() == 1;
        for (i, name) in pipe.decl.iter().enumerate() {
            let value = if i == 0 && single {
                ctx.clone()
            } else {
                Ctx::Unknown
            };
            if pipe.assign {
                if let Some(v) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    v.1 = value;
                }
            } else {
                self.vars.push((name.clone(), value));
            }
        }
    }

    fn source(&self, span: &Range<usize>) -> String {
        self.text.get(span.clone()).unwrap_or("").to_string()
    }

    fn record_field(
        &mut self,
        ctx: &Ctx,
        fields: &[String],
        span: Range<usize>,
        printed: bool,
        var: Option<String>,
    ) {
        let (chain, secret) = match ctx {
            Ctx::Secret { idx, prefix } => {
                let mut chain = prefix.clone();
                chain.extend(fields.iter().cloned());
                (chain, Some(*idx))
            }
            _ => (fields.to_vec(), None),
        };
        if chain.is_empty() {
            return;
        }
        self.t.field_refs.push(FieldRef {
            chain,
            span,
            secret,
            printed,
            var,
        });
    }

    fn base_ctx(&mut self, base: &Base, dot: &Ctx) -> (Ctx, Option<String>) {
        match base {
            Base::Dot => (dot.clone(), None),
            Base::Var(v) => (self.lookup(v), Some(v.clone())),
            Base::Paren(p) => (self.walk_pipe(p, dot, false), None),
        }
    }

    fn walk_pipe(&mut self, pipe: &Pipe, dot: &Ctx, printable: bool) -> Ctx {
        let n = pipe.cmds.len();
        let mut result = Ctx::Unknown;
        for (i, cmd) in pipe.cmds.iter().enumerate() {
            let c = self.walk_cmd(cmd, dot, printable && n == 1, i > 0);
            if n == 1 {
                result = c;
            }
        }
        result
    }

    fn walk_term(&mut self, term: &Term, dot: &Ctx, printed: bool) -> Ctx {
        match &term.kind {
            TermKind::Chain { base, fields } => {
                let (ctx, var) = self.base_ctx(base, dot);
                self.record_field(&ctx, fields, term.span.clone(), printed, var);
                ctx.field(fields)
            }
            TermKind::Dot => dot.clone(),
            TermKind::Var(v) => self.lookup(v),
            TermKind::Paren(p) => self.walk_pipe(p, dot, false),
            TermKind::Str(_) | TermKind::Ident(_) | TermKind::Other => Ctx::Unknown,
        }
    }

    fn walk_cmd(&mut self, cmd: &Cmd, dot: &Ctx, printable: bool, piped: bool) -> Ctx {
        let terms = &cmd.terms;
        let Some(first) = terms.first() else {
            return Ctx::Unknown;
        };
        match &first.kind {
            TermKind::Ident(f) if f == "secret" => {
                let idx = self.record_secret(terms, piped);
                for t in terms.iter().skip(1) {
                    self.walk_term(t, dot, false);
                }
                Ctx::Secret {
                    idx,
                    prefix: Vec::new(),
                }
            }
            TermKind::Ident(f) if f == "index" && terms.len() >= 2 => {
                let (ctx, var, mut fields) = match terms.get(1).map(|t| &t.kind) {
                    Some(TermKind::Chain { base, fields }) => {
                        let (c, v) = self.base_ctx(base, dot);
                        (c, v, fields.clone())
                    }
                    Some(TermKind::Dot) => (dot.clone(), None, Vec::new()),
                    Some(TermKind::Var(v)) => (self.lookup(v), Some(v.clone()), Vec::new()),
                    _ => {
                        for t in terms.iter().skip(1) {
                            self.walk_term(t, dot, false);
                        }
                        return Ctx::Unknown;
                    }
                };
                let mut k = 2;
                let mut end = terms.get(1).map_or(first.span.end, |t| t.span.end);
                while let Some(Term {
                    kind: TermKind::Str(s),
                    span,
                }) = terms.get(k)
                {
                    fields.push(s.clone());
                    end = span.end;
                    k += 1;
                }
                let complete = k == terms.len();
                self.record_field(
                    &ctx,
                    &fields,
                    first.span.start..end,
                    printable && complete,
                    var,
                );
                for t in terms.iter().skip(k) {
                    self.walk_term(t, dot, false);
                }
                if complete {
                    ctx.field(&fields)
                } else {
                    Ctx::Unknown
                }
            }
            _ => {
                let single = terms.len() == 1;
                let mut result = Ctx::Unknown;
                for t in terms {
                    let c = self.walk_term(t, dot, printable && single);
                    if single {
                        result = c;
                    }
                }
                result
            }
        }
    }

    fn record_secret(&mut self, terms: &[Term], piped: bool) -> usize {
        let word = terms.first().map_or(0..0, |t| t.span.clone());
        let (path, span) = match terms.get(1) {
            Some(Term {
                kind: TermKind::Str(s),
                span,
            }) => {
                if s.is_empty() {
                    self.error(
                        TemplateErrorKind::SecretWithoutPath,
                        span.clone(),
                        "secret path is empty: put the Vault path in the string".to_string(),
                    );
                }
                (Some(s.clone()), span.clone())
            }
            Some(_) => (None, word),
            None => {
                if !piped {
                    self.error(
                        TemplateErrorKind::SecretWithoutPath,
                        word.clone(),
                        "`secret` has no path: add the Vault path as a string, e.g. `secret \"kv/data/app\"`"
                            .to_string(),
                    );
                }
                (None, word)
            }
        };
        let extra_args = terms
            .iter()
            .skip(2)
            .map(|t| match &t.kind {
                TermKind::Str(s) => s.clone(),
                _ => self.source(&t.span),
            })
            .collect();
        self.t.secret_reads.push(SecretRead {
            path,
            span,
            extra_args,
            in_block: false,
        });
        self.t.secret_reads.len() - 1
    }

    fn push_frame(
        &mut self,
        seg: usize,
        kind: BlockKind,
        span: Range<usize>,
        outer_dot: Ctx,
        vars_before: usize,
        isolate: bool,
    ) {
        let saved_vars = if isolate {
            Some(std::mem::take(&mut self.vars))
        } else {
            None
        };
        self.stack.push(Frame {
            seg,
            kind,
            span,
            outer_dot,
            vars_before,
            vars_after: self.vars.len(),
            saved_vars,
        });
    }

    fn set_info(&mut self, seg: usize, f: impl FnOnce(&mut SegInfo)) {
        if let Some(i) = self.t.info.get_mut(seg) {
            f(i);
        }
    }

    /// Walks a `with`/`range` pipeline; returns (value, newly read secret).
    fn walk_opener(&mut self, pipe: &Pipe, dot: &Ctx, reads_before: usize) -> (Ctx, Option<usize>) {
        let ctx = self.walk_pipe(pipe, dot, false);
        let secret = match &ctx {
            Ctx::Secret { idx, prefix } if prefix.is_empty() && *idx >= reads_before => Some(*idx),
            _ => None,
        };
        if let Some(r) = secret.and_then(|s| self.t.secret_reads.get_mut(s)) {
            r.in_block = true;
        }
        (ctx, secret)
    }

    fn action(&mut self, seg: usize, span: Range<usize>, lexed: &Lexed) -> ActionKind {
        if lexed.comment {
            return ActionKind::Comment;
        }
        let reads_before = self.t.secret_reads.len();
        let kind = self.action_inner(seg, span, &lexed.tokens, reads_before);
        let reads_after = self.t.secret_reads.len();
        self.set_info(seg, |i| i.secrets = (reads_before..reads_after).collect());
        kind
    }

    fn action_inner(
        &mut self,
        seg: usize,
        span: Range<usize>,
        toks: &[Token],
        reads_before: usize,
    ) -> ActionKind {
        let Some(first) = toks.first() else {
            let msg = format!(
                "action is empty: remove it or put a value between `{}` and `{}`",
                self.left, self.right
            );
            self.error(TemplateErrorKind::EmptyAction, span, msg);
            return ActionKind::Other;
        };
        let keyword = match &first.tk {
            Tk::Ident(w) => w.as_str(),
            _ => "",
        };
        let args = toks.get(1..).unwrap_or(&[]);
        let dot = self.dot.clone();
        match keyword {
            "if" => {
                let pipe = parse_tokens(args);
                let vars_before = self.vars.len();
                let ctx = self.walk_pipe(&pipe, &dot, false);
                self.declare(&pipe, ctx);
                self.push_frame(seg, BlockKind::If, span, dot, vars_before, false);
                self.set_info(seg, |i| i.cond = Cond::Unknown);
                ActionKind::If
            }
            "with" | "range" => {
                let is_with = keyword == "with";
                let pipe = parse_tokens(args);
                let vars_before = self.vars.len();
                let (ctx, secret) = self.walk_opener(&pipe, &dot, reads_before);
                let (bind, new_dot, block, kind) = if is_with {
                    (
                        ctx.clone(),
                        ctx,
                        BlockKind::With,
                        ActionKind::With { secret },
                    )
                } else {
                    let d = match secret {
                        Some(idx) => Ctx::Secret {
                            idx,
                            prefix: Vec::new(),
                        },
                        None => Ctx::Unknown,
                    };
                    (
                        Ctx::Unknown,
                        d,
                        BlockKind::Range,
                        ActionKind::Range { secret },
                    )
                };
                self.declare(&pipe, bind);
                self.push_frame(seg, block, span, dot, vars_before, false);
                self.dot = new_dot;
                let cond = match (is_with, secret) {
                    (true, Some(s)) => Cond::Secret(s),
                    _ => Cond::Unknown,
                };
                self.set_info(seg, |i| i.cond = cond);
                kind
            }
            "else" => {
                let frame = self
                    .stack
                    .last()
                    .filter(|f| {
                        matches!(f.kind, BlockKind::If | BlockKind::With | BlockKind::Range)
                    })
                    .map(|f| (f.seg, f.vars_after, f.outer_dot.clone()));
                let Some((open, vars_after, outer)) = frame else {
                    let msg = "`else` is not inside `if`, `with` or `range`: remove it or add the opening action before it".to_string();
                    self.error(TemplateErrorKind::UnexpectedElse, span, msg);
                    let pipe = parse_tokens(args);
                    self.walk_pipe(&pipe, &dot, false);
                    return ActionKind::Else;
                };
                self.vars.truncate(vars_after);
                self.set_info(open, |i| i.branches.push(seg));
                let sub = match args.first().map(|t| &t.tk) {
                    Some(Tk::Ident(w)) if w == "if" || w == "with" => w.as_str(),
                    _ => "",
                };
                let cond = if sub == "with" {
                    let pipe = parse_tokens(args.get(1..).unwrap_or(&[]));
                    let (ctx, secret) = self.walk_opener(&pipe, &outer, reads_before);
                    self.declare(&pipe, ctx.clone());
                    self.dot = ctx;
                    secret.map_or(Cond::Unknown, Cond::Secret)
                } else if sub == "if" {
                    let pipe = parse_tokens(args.get(1..).unwrap_or(&[]));
                    let ctx = self.walk_pipe(&pipe, &outer, false);
                    self.declare(&pipe, ctx);
                    self.dot = outer;
                    Cond::Unknown
                } else if args.is_empty() {
                    self.dot = outer;
                    Cond::Always
                } else {
                    let pipe = parse_tokens(args);
                    self.walk_pipe(&pipe, &outer, false);
                    self.dot = outer;
                    Cond::Unknown
                };
                self.set_info(seg, |i| i.cond = cond);
                ActionKind::Else
            }
            "end" => {
                match self.stack.pop() {
                    Some(f) => {
                        self.set_info(f.seg, |i| i.end = Some(seg));
                        self.dot = f.outer_dot;
                        match f.saved_vars {
                            Some(saved) => self.vars = saved,
                            None => self.vars.truncate(f.vars_before),
                        }
                    }
                    None => {
                        let msg = "`end` has no matching `if`, `with`, `range`, `define` or `block`: remove it".to_string();
                        self.error(TemplateErrorKind::UnexpectedEnd, span, msg);
                    }
                }
                ActionKind::End
            }
            "define" => {
                let vars_before = self.vars.len();
                self.push_frame(seg, BlockKind::Define, span, dot, vars_before, true);
                self.dot = Ctx::Unknown;
                ActionKind::Define
            }
            "block" | "template" => {
                let after_name = match args.first().map(|t| &t.tk) {
                    Some(Tk::Str(_)) => args.get(1..).unwrap_or(&[]),
                    _ => args,
                };
                let pipe = parse_tokens(after_name);
                let ctx = self.walk_pipe(&pipe, &dot, false);
                if keyword == "template" {
                    return ActionKind::Template;
                }
                let vars_before = self.vars.len();
                self.push_frame(seg, BlockKind::Block, span, dot, vars_before, true);
                self.dot = ctx;
                ActionKind::Block
            }
            "break" | "continue" => ActionKind::Other,
            _ => {
                let pipe = parse_tokens(toks);
                let fields_before = self.t.field_refs.len();
                let printable = pipe.decl.is_empty();
                let ctx = self.walk_pipe(&pipe, &dot, printable);
                if !printable {
                    self.declare(&pipe, ctx);
                    return ActionKind::Other;
                }
                let print = match pipe.cmds.as_slice() {
                    [Cmd { terms }]
                        if matches!(
                            terms.as_slice(),
                            [Term {
                                kind: TermKind::Str(_),
                                ..
                            }]
                        ) =>
                    {
                        match terms.first().map(|t| &t.kind) {
                            Some(TermKind::Str(s)) => Print::Literal(s.clone()),
                            _ => Print::Unknown,
                        }
                    }
                    _ => self
                        .t
                        .field_refs
                        .iter()
                        .enumerate()
                        .skip(fields_before)
                        .find(|(_, f)| f.printed)
                        .map_or(Print::Unknown, |(i, _)| Print::Field(i)),
                };
                self.set_info(seg, |i| i.print = print);
                ActionKind::Output
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "{{- with secret \"kubernetes-cluster1-secrets/istiod-service/certs\" -}}\n{{ .Data.ca_key }}\n{{ end -}}\n";
    const PEM: &str = "-----BEGIN X-----\nabc\n-----END X-----\n";

    fn p(text: &str) -> Template {
        parse(text, "{{", "}}")
    }

    fn kinds(t: &Template) -> Vec<TemplateErrorKind> {
        t.errors.iter().map(|e| e.kind).collect()
    }

    fn texts<'a>(t: &Template, src: &'a str) -> Vec<&'a str> {
        t.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Text { span } => Some(&src[span.clone()]),
                _ => None,
            })
            .collect()
    }

    fn action_kinds(t: &Template) -> Vec<ActionKind> {
        t.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Action { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect()
    }

    fn pem_resolver(path: &str, chain: &[String]) -> Lookup {
        if path != "P" && path != "kubernetes-cluster1-secrets/istiod-service/certs" {
            return Lookup::MissingSecret;
        }
        match chain {
            [d] if d == "Data" => Lookup::Unknown,
            [d, k] if d == "Data" && k == "ca_key" => Lookup::Value(PEM.to_string()),
            [d, k] if d == "Data" && k == "x" => Lookup::Value("X".to_string()),
            _ => Lookup::MissingKey,
        }
    }

    fn msg_ok(e: &TemplateError) {
        let first = e.message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{}", e.message);
        assert!(!e.message.ends_with('.'), "{}", e.message);
    }

    #[test]
    fn example_parses() {
        let t = p(EXAMPLE);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(
            action_kinds(&t),
            vec![
                ActionKind::With { secret: Some(0) },
                ActionKind::Output,
                ActionKind::End
            ]
        );
        assert_eq!(texts(&t, EXAMPLE), vec!["\n"]);
        assert_eq!(t.secret_reads.len(), 1);
        let r = &t.secret_reads[0];
        assert_eq!(
            r.path.as_deref(),
            Some("kubernetes-cluster1-secrets/istiod-service/certs")
        );
        assert_eq!(
            &EXAMPLE[r.span.clone()],
            "\"kubernetes-cluster1-secrets/istiod-service/certs\""
        );
        assert!(r.in_block);
        assert!(r.extra_args.is_empty());
        assert_eq!(t.field_refs.len(), 1);
        let f = &t.field_refs[0];
        assert_eq!(f.chain, vec!["Data", "ca_key"]);
        assert_eq!(&EXAMPLE[f.span.clone()], ".Data.ca_key");
        assert_eq!(f.secret, Some(0));
        assert!(f.printed);
        assert_eq!(f.var, None);
        assert_eq!(t.segments[0].span(), 0..EXAMPLE.find("-}}").unwrap() + 3);
    }

    #[test]
    fn example_renders() {
        let t = p(EXAMPLE);
        let r = t.render(EXAMPLE, &pem_resolver);
        assert_eq!(r.text, format!("{PEM}\n"));
        assert!(r.exact);
        assert!(r.written);
    }

    #[test]
    fn compact_renders_exact_value() {
        let src = "{{- with secret \"P\" -}}{{ .Data.ca_key }}{{ end -}}";
        let t = p(src);
        assert!(t.errors.is_empty());
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, PEM);
        assert!(r.exact && r.written);
    }

    #[test]
    fn missing_key_renders_no_value() {
        let t = p(EXAMPLE);
        let r = t.render(EXAMPLE, &|_: &str, chain: &[String]| {
            if chain.len() == 1 {
                Lookup::Unknown
            } else {
                Lookup::MissingKey
            }
        });
        assert_eq!(r.text, "<no value>\n");
        assert!(r.exact && r.written);
    }

    #[test]
    fn missing_secret_not_written() {
        let t = p(EXAMPLE);
        let r = t.render(EXAMPLE, &|_: &str, _: &[String]| Lookup::MissingSecret);
        assert!(!r.written);
        assert_eq!(r.text, "");
        // An else branch still renders (consul-template never writes anyway).
        let src = "{{ with secret \"Q\" }}a{{ else }}b{{ end }}";
        let r = p(src).render(src, &pem_resolver);
        assert_eq!(r.text, "b");
        assert!(!r.written);
        // Top-level `$s := secret` on a missing secret also blocks writing.
        let src = "{{ $s := secret \"Q\" }}x{{ $s.Data.x }}";
        let r = p(src).render(src, &pem_resolver);
        assert!(!r.written);
        assert_eq!(r.text, "x");
    }

    #[test]
    fn unknown_value_placeholder() {
        let src = "{{ with secret \"P\" }}[{{ .Data.ca_key }}]{{ end }}";
        let r = p(src).render(src, &|_: &str, _: &[String]| Lookup::Unknown);
        assert_eq!(r.text, format!("[{PLACEHOLDER}]"));
        assert!(!r.exact);
        assert!(r.written);
    }

    #[test]
    fn custom_delims() {
        let src = "[[ with secret \"P\" ]][[ .Data.x ]][[ end ]]";
        let t = parse(src, "[[", "]]");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.secret_reads[0].path.as_deref(), Some("P"));
        assert_eq!(t.field_refs[0].secret, Some(0));
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, "X");
        assert!(r.exact && r.written);

        let src = "{{ x }} [[- with secret \"P\" -]] {{ .y }} [[ .Data.x ]][[ end ]]";
        let t = parse(src, "[[", "]]");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(texts(&t, src), vec!["{{ x }}", "{{ .y }} "]);
        assert_eq!(t.field_refs.len(), 1);
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, "{{ x }}{{ .y }} X");
        assert!(r.exact);
    }

    #[test]
    fn empty_delims_default() {
        let t = parse("{{ .x }}", "", "");
        assert!(t.errors.is_empty());
        assert_eq!(action_kinds(&t), vec![ActionKind::Output]);
    }

    #[test]
    fn trimming_both_sides() {
        let src = "a \t\r\n {{- \"b\" -}} \n\t c";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(texts(&t, src), vec!["a", "c"]);
        assert_eq!(t.render(src, &pem_resolver).text, "abc");

        let src = "a {{- \"b\" }} c";
        assert_eq!(p(src).render(src, &pem_resolver).text, "ab c");
        let src = "a {{ \"b\" -}} c";
        assert_eq!(p(src).render(src, &pem_resolver).text, "a bc");
        // Only whitespace is trimmed, never inserted data.
        let src = "{{ \"  b  \" -}}   {{- \" c \" }}";
        assert_eq!(p(src).render(src, &pem_resolver).text, "  b   c ");
        // Trimming with newline right after the marker.
        let src = "x\n{{-\n\"y\"\n-}}\nz";
        let t = p(src);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.render(src, &pem_resolver).text, "xyz");
        // Whitespace-only text vanishes entirely.
        let src = "{{ \"a\" -}}  \n  {{- \"b\" }}";
        let t = p(src);
        assert_eq!(texts(&t, src), Vec::<&str>::new());
        assert_eq!(t.render(src, &pem_resolver).text, "ab");
    }

    #[test]
    fn comments() {
        let src = "a {{/* hi }} there */}} b {{- /* x */ -}} c";
        let t = p(src);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(
            action_kinds(&t),
            vec![ActionKind::Comment, ActionKind::Comment]
        );
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, "a  bc");
        assert!(r.exact);

        let t = p("{{/* x */ }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::InvalidSyntax]);
        let t = p("{{/* x ");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedAction]);
        let t = p("{{ /* x */ }}");
        assert!(kinds(&t).contains(&TemplateErrorKind::InvalidSyntax));
    }

    #[test]
    fn strings_containing_delims() {
        let src = "{{ \"}}\" }}|{{ `a}}b` }}|{{ '}' }}|{{ \"q\\\"}}\" }}";
        let t = p(src);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(action_kinds(&t).len(), 4);
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, format!("}}}}|a}}}}b|{PLACEHOLDER}|q\"}}}}"));
        let src = "{{ with secret \"a}}b\" }}{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(t.secret_reads[0].path.as_deref(), Some("a}}b"));
    }

    #[test]
    fn escapes_resolved() {
        let src = r#"{{ with secret "kv\/a\tb\x41\u00e9\101\n" }}{{ end }}"#;
        let t = p(src);
        assert_eq!(t.secret_reads[0].path.as_deref(), Some("kv\\/a\tbAéA\n"));
        let src = "{{ secret `raw\\n` }}";
        assert_eq!(p(src).secret_reads[0].path.as_deref(), Some("raw\\n"));
    }

    #[test]
    fn multibyte_text() {
        let src = "héllo ✓ {{- with secret \"kv/日本\" -}} 🙂 {{ .Data.ключ }} ü{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(texts(&t, src), vec!["héllo ✓", "🙂 ", " ü"]);
        assert_eq!(t.secret_reads[0].path.as_deref(), Some("kv/日本"));
        assert_eq!(t.field_refs[0].chain, vec!["Data", "ключ"]);
        assert_eq!(&src[t.field_refs[0].span.clone()], ".Data.ключ");
        let r = t.render(src, &|_: &str, c: &[String]| {
            if c.len() == 2 {
                Lookup::Value("ß".into())
            } else {
                Lookup::Unknown
            }
        });
        assert_eq!(r.text, "héllo ✓🙂 ß ü");
        assert!(r.exact);
        // Multibyte right after delimiters and in error positions.
        let t = p("{{é}}{{-é}}{{ \"é");
        assert!(kinds(&t).contains(&TemplateErrorKind::TrimMarkerSpacing));
        assert!(kinds(&t).contains(&TemplateErrorKind::UnclosedString));
        let t = p("{{ § }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::InvalidSyntax]);
        assert_eq!(t.errors[0].span, 3..5);
    }

    #[test]
    fn negative_number_flagged() {
        let t = p("{{-3}}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::TrimMarkerSpacing]);
        assert_eq!(t.errors[0].span, 0..3);
        assert_eq!(action_kinds(&t), vec![ActionKind::Output]);
        let t = p("{{ -3 }}");
        assert!(t.errors.is_empty());
        let t = p("{{ 3-}}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::TrimMarkerSpacing]);
        assert_eq!(t.errors[0].span, 4..7);
        let t = p("{{ 3 -}}");
        assert!(t.errors.is_empty());
        // `-}}` not trimming: following whitespace is kept.
        let src = "{{ \"a\"-}} b";
        let t = p(src);
        assert_eq!(kinds(&t), vec![TemplateErrorKind::TrimMarkerSpacing]);
        assert_eq!(texts(&t, src), vec![" b"]);
        let t = p("{{-}}");
        assert_eq!(
            kinds(&t),
            vec![
                TemplateErrorKind::TrimMarkerSpacing,
                TemplateErrorKind::EmptyAction
            ]
        );
    }

    #[test]
    fn error_unclosed_action() {
        let t = p("a {{ .Data.x ");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedAction]);
        assert_eq!(t.errors[0].span, 2..13);
        assert_eq!(t.errors[0].message, "action is never closed: add `}}`");
        let t = p("{{ .x \n{{ .y }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedAction]);
        assert_eq!(t.errors[0].span, 0..7);
        assert_eq!(t.field_refs.len(), 2);
        assert!(p("a {{ .Data.x }}").errors.is_empty());
    }

    #[test]
    fn error_unclosed_string() {
        let t = p("{{ with secret \"abc }}{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedString]);
        assert_eq!(t.errors[0].span, 15..20);
        assert_eq!(t.secret_reads[0].path.as_deref(), Some("abc "));
        assert_eq!(action_kinds(&t).len(), 2);
        let t = p("{{ \"abc\n }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedString]);
        let t = p("{{ `abc }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedString]);
        let t = p("{{ 'a }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedString]);
        let t = p("{{ \"abc -}}\n  x");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedString]);
        assert_eq!(t.render("{{ \"abc -}}\n  x", &pem_resolver).text, "abcx");
        assert!(p("{{ \"abc\" }}").errors.is_empty());
        assert!(p("{{ `a\nb` }}").errors.is_empty());
    }

    #[test]
    fn error_empty_action() {
        let t = p("a{{ }}b");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::EmptyAction]);
        assert_eq!(t.errors[0].span, 1..6);
        let t = p("{{- -}}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::EmptyAction]);
        assert!(p("a{{ . }}b").errors.is_empty());
    }

    #[test]
    fn error_unexpected_end() {
        let t = p("x{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnexpectedEnd]);
        assert_eq!(t.errors[0].span, 1..10);
        let t = p("{{ if .x }}{{ end }}{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnexpectedEnd]);
        assert!(p("{{ if .x }}{{ end }}").errors.is_empty());
    }

    #[test]
    fn error_unclosed_block() {
        for (src, word) in [
            ("{{ with secret \"P\" }}x", "with"),
            ("{{ range .x }}", "range"),
            ("{{ if .x }}", "if"),
            ("{{ define \"n\" }}", "define"),
            ("{{ block \"n\" . }}", "block"),
        ] {
            let t = p(src);
            assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedBlock], "{src}");
            assert_eq!(t.errors[0].span.start, 0);
            assert_eq!(
                t.errors[0].message,
                format!("`{word}` block is never closed: add `{{{{ end }}}}`")
            );
        }
        let t = p("{{ if .a }}{{ with .b }}{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnclosedBlock]);
        assert_eq!(t.errors[0].span, 0..11);
        assert!(
            p("{{ define \"n\" }}x{{ end }}{{ block \"b\" . }}y{{ end }}{{ template \"n\" }}")
                .errors
                .is_empty()
        );
    }

    #[test]
    fn error_unexpected_else() {
        let t = p("{{ else }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnexpectedElse]);
        let t = p("{{ define \"x\" }}{{ else }}{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::UnexpectedElse]);
        assert!(
            p("{{ if .a }}1{{ else if .b }}2{{ else }}3{{ end }}")
                .errors
                .is_empty()
        );
        assert!(
            p("{{ with .a }}1{{ else with .b }}2{{ end }}")
                .errors
                .is_empty()
        );
        assert!(p("{{ range .a }}1{{ else }}2{{ end }}").errors.is_empty());
    }

    #[test]
    fn error_secret_without_path() {
        let t = p("{{ with secret }}{{ end }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::SecretWithoutPath]);
        assert_eq!(t.errors[0].span, 8..14);
        assert_eq!(t.secret_reads[0].path, None);
        assert_eq!(t.secret_reads[0].span, 8..14);
        let t = p("{{ secret \"\" }}");
        assert_eq!(kinds(&t), vec![TemplateErrorKind::SecretWithoutPath]);
        // Dynamic paths are not errors, only unknown.
        let t = p(
            "{{ with secret (printf \"kv/%s\" .x) }}{{ end }}{{ secret $p }}{{ \"kv/a\" | secret }}",
        );
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.secret_reads.len(), 3);
        assert!(t.secret_reads.iter().all(|r| r.path.is_none()));
        assert!(t.secret_reads[0].in_block);
        assert!(!t.secret_reads[1].in_block);
    }

    #[test]
    fn messages_style() {
        let srcs = [
            "{{ x",
            "{{ \"x }}",
            "{{-x}}",
            "{{ x-}}",
            "{{ }}",
            "{{ end }}",
            "{{ if .x }}",
            "{{ else }}",
            "{{ secret }}",
            "{{ # }}",
            "{{/* a */ }}",
        ];
        let mut seen = std::collections::HashSet::new();
        for s in srcs {
            for e in p(s).errors {
                msg_ok(&e);
                assert!(!e.kind.code().is_empty());
                seen.insert(e.kind);
            }
        }
        assert_eq!(seen.len(), 9);
    }

    #[test]
    fn kv2_chain_with_secret_index() {
        let src = "{{ with secret \"a\" }}{{ end }}{{ with secret \"kv/data/x\" }}{{ .Data.data.x }}{{ .Data.metadata.version }}{{ end }}{{ .Data.y }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(t.field_refs.len(), 3);
        assert_eq!(t.field_refs[0].chain, vec!["Data", "data", "x"]);
        assert_eq!(t.field_refs[0].secret, Some(1));
        assert_eq!(t.field_refs[1].chain, vec!["Data", "metadata", "version"]);
        assert_eq!(t.field_refs[1].secret, Some(1));
        assert_eq!(t.field_refs[2].chain, vec!["Data", "y"]);
        assert_eq!(t.field_refs[2].secret, None);
        assert_eq!(&src[t.field_refs[0].span.clone()], ".Data.data.x");
    }

    #[test]
    fn nested_with_extends_chain() {
        let src =
            "{{ with secret \"P\" }}{{ with .Data }}{{ .ca_key }}{{ end }}{{ .Data.x }}{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(t.field_refs[0].chain, vec!["Data"]);
        assert!(!t.field_refs[0].printed);
        assert_eq!(t.field_refs[1].chain, vec!["Data", "ca_key"]);
        assert_eq!(t.field_refs[1].secret, Some(0));
        assert_eq!(&src[t.field_refs[1].span.clone()], ".ca_key");
        assert_eq!(t.field_refs[2].chain, vec!["Data", "x"]);
        assert_eq!(t.field_refs[2].secret, Some(0));
        let r = t.render(src, &pem_resolver);
        assert!(!r.exact);
        assert_eq!(r.text, format!("{PLACEHOLDER}X"));
    }

    #[test]
    fn variable_binding() {
        let src =
            "{{ with $s := secret \"P\" }}{{ $s.Data.x }}{{ .Data.x }}{{ end }}{{ $s.Data.z }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(action_kinds(&t)[0], ActionKind::With { secret: Some(0) });
        assert!(t.secret_reads[0].in_block);
        assert_eq!(t.field_refs[0].chain, vec!["Data", "x"]);
        assert_eq!(t.field_refs[0].secret, Some(0));
        assert_eq!(t.field_refs[0].var.as_deref(), Some("$s"));
        assert!(t.field_refs[0].printed);
        assert_eq!(&src[t.field_refs[0].span.clone()], "$s.Data.x");
        assert_eq!(t.field_refs[1].secret, Some(0));
        // Out of scope after end.
        assert_eq!(t.field_refs[2].secret, None);
        assert_eq!(
            t.render(src, &pem_resolver).text,
            format!("XX{PLACEHOLDER}")
        );

        let src = "{{ $s := secret \"P\" \"ttl=1h\" }}{{ with .Data }}{{ $s.Data.x }}{{ end }}{{ $s = secret \"Q\" }}{{ $s.Data.x }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(action_kinds(&t)[0], ActionKind::Other);
        assert!(!t.secret_reads[0].in_block);
        assert_eq!(t.secret_reads[0].extra_args, vec!["ttl=1h"]);
        assert_eq!(t.field_refs[1].secret, Some(0));
        assert_eq!(t.field_refs[2].secret, Some(1));
        // `(secret "P").Data.x` and `$.x`.
        let t = p("{{ (secret \"P\").Data.x }}{{ $.Data.x }}");
        assert_eq!(t.field_refs[0].secret, Some(0));
        assert_eq!(t.field_refs[0].chain, vec!["Data", "x"]);
        assert_eq!(t.field_refs[1].secret, None);
        assert_eq!(t.field_refs[1].var.as_deref(), Some("$"));
        // define hides outer variables.
        let t =
            p("{{ $s := secret \"P\" }}{{ define \"d\" }}{{ $s.Data.x }}{{ end }}{{ $s.Data.y }}");
        assert_eq!(t.field_refs[0].secret, None);
        assert_eq!(t.field_refs[1].secret, Some(0));
    }

    #[test]
    fn index_chain() {
        let src = "{{ with secret \"P\" }}{{ index .Data \"ca-key\" }}{{ index .Data.data \"a\" \"b\" | toJSON }}{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(t.field_refs.len(), 2);
        assert_eq!(t.field_refs[0].chain, vec!["Data", "ca-key"]);
        assert_eq!(t.field_refs[0].secret, Some(0));
        assert!(t.field_refs[0].printed);
        assert_eq!(&src[t.field_refs[0].span.clone()], "index .Data \"ca-key\"");
        assert_eq!(t.field_refs[1].chain, vec!["Data", "data", "a", "b"]);
        assert!(!t.field_refs[1].printed);
        let r = t.render(src, &|_: &str, c: &[String]| {
            if c.len() == 2 && c[1] == "ca-key" {
                Lookup::Value("K".into())
            } else {
                Lookup::Unknown
            }
        });
        assert_eq!(r.text, format!("K{PLACEHOLDER}"));
        assert!(!r.exact);
        let t = p("{{ with $s := secret \"P\" }}{{ index $s.Data \"k\" $i }}{{ end }}");
        assert_eq!(t.field_refs[0].chain, vec!["Data", "k"]);
        assert_eq!(t.field_refs[0].secret, Some(0));
        assert!(!t.field_refs[0].printed);
    }

    #[test]
    fn pipelines_and_functions() {
        let src = "{{ with secret \"P\" }}{{ .Data | toJSON }}{{ base64Decode .Data.x }}{{ .Data.x | base64Decode }}{{ printf \"%s\" .Data.y }}{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        let chains: Vec<_> = t.field_refs.iter().map(|f| f.chain.join(".")).collect();
        assert_eq!(chains, vec!["Data", "Data.x", "Data.x", "Data.y"]);
        assert!(
            t.field_refs
                .iter()
                .all(|f| f.secret == Some(0) && !f.printed)
        );
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, PLACEHOLDER.repeat(4));
        assert!(!r.exact && r.written);
    }

    #[test]
    fn range_secret_and_if() {
        let src = "{{ range secret \"P\" }}{{ .Data.x }}{{ end }}{{ if .a }}b{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(
            action_kinds(&t),
            vec![
                ActionKind::Range { secret: Some(0) },
                ActionKind::Output,
                ActionKind::End,
                ActionKind::If,
                ActionKind::End
            ]
        );
        assert!(t.secret_reads[0].in_block);
        assert_eq!(t.field_refs[0].secret, Some(0));
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, format!("{PLACEHOLDER}{PLACEHOLDER}"));
        assert!(!r.exact);
    }

    #[test]
    fn else_with_secret() {
        let src = "{{ with secret \"Q\" }}q{{ else with secret \"P\" }}{{ .Data.x }}{{ else }}{{ .Data.x }}{{ end }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        assert_eq!(t.field_refs[0].secret, Some(1));
        assert_eq!(t.field_refs[1].secret, None);
        assert!(t.secret_reads[1].in_block);
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, "X");
        assert!(!r.written);
    }

    #[test]
    fn define_and_template() {
        let src = "a{{ define \"x\" }}hidden{{ end }}b{{ template \"x\" . }}";
        let t = p(src);
        assert!(t.errors.is_empty());
        let r = t.render(src, &pem_resolver);
        assert_eq!(r.text, format!("ab{PLACEHOLDER}"));
        assert!(!r.exact);
    }

    #[test]
    fn errors_make_render_inexact() {
        let src = "a{{ end }}b";
        let r = p(src).render(src, &pem_resolver);
        assert_eq!(r.text, "ab");
        assert!(!r.exact);
        let src = "a{{ with secret \"P\" }}{{ .Data.x }}";
        let r = p(src).render(src, &pem_resolver);
        assert_eq!(r.text, "aX");
        assert!(!r.exact);
        // Source that does not match the template never panics.
        let r = p(EXAMPLE).render("", &pem_resolver);
        assert!(!r.exact);
    }

    #[test]
    fn literal_output() {
        let src = "{{ \"a\" }}{{ `b` }}{{ 1 }}";
        let r = p(src).render(src, &pem_resolver);
        assert_eq!(r.text, format!("ab{PLACEHOLDER}"));
    }

    #[test]
    fn line_col_counts_chars() {
        let s = "ab\nçd🙂e\nf";
        assert_eq!(line_col(s, 0), (0, 0));
        assert_eq!(line_col(s, 2), (0, 2));
        assert_eq!(line_col(s, 3), (1, 0));
        assert_eq!(line_col(s, 5), (1, 1));
        assert_eq!(line_col(s, 6), (1, 2));
        assert_eq!(line_col(s, 10), (1, 3));
        assert_eq!(line_col(s, 4), (1, 0));
        assert_eq!(line_col(s, 12), (2, 0));
        assert_eq!(line_col(s, 1000), (2, 1));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut src = String::new();
        for _ in 0..2000 {
            src.push_str("{{ with secret \"P\" }}");
        }
        src.push_str("{{ .Data.x }}");
        for _ in 0..2000 {
            src.push_str("{{ end }}");
        }
        let t = p(&src);
        assert!(t.errors.is_empty());
        let r = t.render(&src, &pem_resolver);
        assert!(!r.exact);
        let parens = format!("{{{{ {}.x{} }}}}", "(".repeat(5000), ")".repeat(5000));
        let _ = p(&parens);
    }

    #[test]
    fn fuzz_prefixes_never_panic() {
        let samples = [
            EXAMPLE,
            "héllo {{- with $s := secret \"kv/日本\\\"x\" \"a=b\" -}}\n{{ index $s.Data \"k\" | toJSON }}{{/* c */}}{{ else if .x }}{{ `r` }}{{ end -}}",
            "{{-3}}{{ 3-}}{{- -}}{{ ( ( .a ) ).b }}{{ $x, $y := range . }}{{ '\\'' }}{{ \"\\u12\" }}{{ .é.ü }}",
            "[[ with secret \"P\" ]][[ .Data.x ]][[ end ]]{{ x }}",
            "{{ define \"a\" }}{{ block \"b\" . }}{{ template \"a\" }}{{ end }}{{ end }}{{ else }}{{ end }}",
        ];
        for s in samples {
            let mut cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
            cuts.push(s.len());
            for &i in &cuts {
                for &j in cuts.iter().filter(|&&j| j >= i).take(40) {
                    let sub = &s[i..j];
                    for (l, r) in [("{{", "}}"), ("[[", "]]"), ("é", "ü"), ("{", "}")] {
                        let t = parse(sub, l, r);
                        for seg in &t.segments {
                            assert!(sub.get(seg.span()).is_some(), "{sub:?}");
                        }
                        for e in &t.errors {
                            assert!(sub.get(e.span.clone()).is_some(), "{sub:?} {e:?}");
                        }
                        for f in &t.field_refs {
                            assert!(sub.get(f.span.clone()).is_some());
                        }
                        for sr in &t.secret_reads {
                            assert!(sub.get(sr.span.clone()).is_some());
                        }
                        let _ = t.render(sub, &pem_resolver);
                        let _ = t.render("", &pem_resolver);
                        let _ = line_col(sub, i);
                    }
                }
            }
        }
    }
}
