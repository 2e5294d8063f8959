//! Policies in HCL, read with `hcl-rs` (HCL2), with the HCL1-only forms Vault also
//! accepts recognised and reported as unsupported, never as "no access".

use super::{PolicyError, RawEntry, Val, collect_path_map, collect_stanza};
use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::structure::{Body, Structure};

/// Deepest bracket nesting a policy may have. Vault's own policies need four (a `path`
/// block, a map of parameters, a list).
const MAX_NESTING: usize = 8;

/// What the HCL parser is given, checked first: a Vault policy is blocks, attributes,
/// strings, numbers, lists and maps (Vault reads HCL1, which has no expressions). Anything
/// else outside strings and comments (operators, function calls, traversals, template
/// interpolation) is refused here, and brackets must balance and nest at most
/// [`MAX_NESTING`] deep: hcl-edit backtracks exponentially on some expressions (the
/// fuzzer found a 460-byte policy that took minutes), and scans again to the end for each
/// unclosed comment.
fn check_lexically(text: &str) -> Result<(), PolicyError> {
    let mut stack: Vec<(char, u32)> = Vec::new();
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    let syntax = |message: String, line: u32| PolicyError::Syntax {
        message,
        line: Some(line),
    };
    let interpolation = |line: u32| {
        PolicyError::Unsupported(format!(
            "template interpolation (`${{` or `%{{`) on line {line}: Vault's HCL1 has none"
        ))
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            c if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') => {}
            '=' | ',' | ':' => {}
            '"' => {
                // A string: to its closing quote on the same line, escapes skipped.
                let start = line;
                loop {
                    match chars.next() {
                        Some('\\') => {
                            chars.next();
                        }
                        Some('"') => break,
                        Some('$' | '%') if chars.peek() == Some(&'{') => {
                            return Err(interpolation(line));
                        }
                        Some('$') if chars.peek() == Some(&'$') => {
                            chars.next(); // `$${` is a literal `${`
                            if chars.peek() == Some(&'{') {
                                chars.next();
                            }
                        }
                        Some('\n') | None => {
                            return Err(syntax("a string is never closed".into(), start));
                        }
                        Some(_) => {}
                    }
                }
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let start = line;
                let mut prev = ' ';
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if prev == '*' && c == '/' {
                        closed = true;
                        break;
                    }
                    prev = c;
                }
                if !closed {
                    return Err(syntax("a `/*` comment is never closed".into(), start));
                }
            }
            '<' if chars.peek() == Some(&'<') => {
                // A heredoc (`<<EOF` or `<<-EOF`): to the line that is its marker alone.
                chars.next();
                if chars.peek() == Some(&'-') {
                    chars.next();
                }
                let start = line;
                let marker: String = chars
                    .by_ref()
                    .take_while(|c| *c != '\n')
                    .collect::<String>()
                    .trim()
                    .to_string();
                line += 1;
                if marker.is_empty() || !marker.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(syntax(
                        "a heredoc needs a marker word after `<<`".into(),
                        start,
                    ));
                }
                let mut current = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if matches!(c, '$' | '%') && chars.peek() == Some(&'{') {
                        return Err(interpolation(line));
                    }
                    if c == '\n' {
                        line += 1;
                        if current.trim() == marker {
                            closed = true;
                            break;
                        }
                        current.clear();
                    } else {
                        current.push(c);
                    }
                }
                if !closed && current.trim() != marker {
                    return Err(syntax(
                        format!("the heredoc `{marker}` is never closed"),
                        start,
                    ));
                }
            }
            '[' | '{' => {
                stack.push((c, line));
                if stack.len() > MAX_NESTING {
                    return Err(syntax(
                        format!(
                            "brackets nest more than {MAX_NESTING} deep; no Vault policy needs that"
                        ),
                        line,
                    ));
                }
            }
            ']' | '}' => {
                let want = if c == ']' { '[' } else { '{' };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Err(syntax(
                            format!("`{c}` closes the `{open}` opened on line {at}"),
                            line,
                        ));
                    }
                    None => return Err(syntax(format!("`{c}` closes nothing"), line)),
                }
            }
            other => {
                return Err(syntax(
                    format!("`{other}` is not part of a Vault policy (HCL1 has no expressions)"),
                    line,
                ));
            }
        }
    }
    match stack.last() {
        Some((open, at)) => Err(syntax(format!("`{open}` is never closed"), *at)),
        None => Ok(()),
    }
}

pub(super) fn parse_hcl(text: &str) -> Result<Vec<RawEntry>, PolicyError> {
    check_lexically(text)?;
    let body = match hcl::edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(err) => {
            let line = u32::try_from(err.location().line()).ok().filter(|l| *l > 0);
            if let Some(why) = hcl1_only_form(text, &err) {
                return Err(PolicyError::Unsupported(why));
            }
            return Err(PolicyError::Syntax {
                message: err.message().to_string(),
                line,
            });
        }
    };
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Block(block) => {
                let ident = block.ident.value().as_str();
                if ident != "path" {
                    return Err(PolicyError::Invalid(format!(
                        "invalid top-level key {ident:?}"
                    )));
                }
                let line = line_of(text, block.span());
                let [label] = block.labels.as_slice() else {
                    return Err(PolicyError::Invalid(format!(
                        "`path` block{} needs exactly one label, found {}",
                        line.map(|l| format!(" at line {l}")).unwrap_or_default(),
                        block.labels.len()
                    )));
                };
                out.push(RawEntry {
                    path: label.as_str().to_string(),
                    line,
                    fields: body_fields(&block.body),
                });
            }
            Structure::Attribute(attr) => {
                let key = attr.key.value().as_str();
                match key {
                    "name" => {}
                    "path" => match &attr.value {
                        Expression::Object(obj) => {
                            for (k, v) in obj.iter() {
                                let line = line_of(text, k.span()).or(line_of(text, attr.span()));
                                let Some(path) = object_key(k) else {
                                    return Err(PolicyError::Invalid(
                                        "`path` keys must be strings".to_string(),
                                    ));
                                };
                                collect_stanza(&path, &expr_val(v.expr()), line, &mut out)?;
                            }
                        }
                        other => collect_path_map(
                            &expr_val(other),
                            line_of(text, attr.span()),
                            &mut out,
                        )?,
                    },
                    other => {
                        return Err(PolicyError::Invalid(format!(
                            "invalid top-level key {other:?}"
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> Option<u32> {
    let start = span?.start;
    let bytes = text.as_bytes();
    let end = start.min(bytes.len());
    let newlines = bytes.get(..end)?.iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines).ok()?.checked_add(1)
}

/// Fields of a stanza body; nested blocks (HCL2 reading of
/// `control_group { factor "x" { … } }`) become objects.
fn body_fields(body: &Body) -> Vec<(String, Val)> {
    body.iter()
        .map(|s| match s {
            Structure::Attribute(a) => (a.key.value().as_str().to_string(), expr_val(&a.value)),
            Structure::Block(b) => (
                b.ident.value().as_str().to_string(),
                Val::Obj(body_fields(&b.body)),
            ),
        })
        .collect()
}

fn object_key(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(id) => Some(id.value().as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

fn expr_val(e: &Expression) -> Val {
    match e {
        Expression::String(s) => Val::Str(s.value().to_string()),
        Expression::Array(a) => Val::List(a.iter().map(expr_val).collect()),
        Expression::Object(o) => Val::Obj(
            o.iter()
                .map(|(k, v)| {
                    (
                        object_key(k).unwrap_or_else(|| "<expression>".to_string()),
                        expr_val(v.expr()),
                    )
                })
                .collect(),
        ),
        Expression::Parenthesis(p) => expr_val(p.inner()),
        Expression::Null(_) => Val::Other("null"),
        Expression::Bool(_) => Val::Other("a bool"),
        Expression::Number(_) => Val::Other("a number"),
        Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => Val::Other("a template"),
        _ => Val::Other("an expression"),
    }
}

// ------------------------------------------------- HCL1-only detection ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tk {
    Ident,
    Str,
    Number,
    LBrace,
    RBrace,
    LBrack,
    RBrack,
    Eq,
    Comma,
    Newline,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Tk,
    start: usize,
    end: usize,
}

/// A small HCL tokenizer, only good enough to find HCL1-only forms. All
/// token boundaries are at ASCII bytes, so slicing there is safe.
fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Tok>, kind, start, end| out.push(Tok { kind, start, end });
    while i < n {
        let c = b[i];
        match c {
            b'\n' => {
                push(&mut out, Tk::Newline, i, i + 1);
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < n && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(n);
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < n && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(n);
                push(&mut out, Tk::Str, start, i);
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                // Heredoc: skip to the line holding only the marker.
                let start = i;
                i += 2;
                if b.get(i) == Some(&b'-') {
                    i += 1;
                }
                let m0 = i;
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let marker = &b[m0..i];
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                loop {
                    if i >= n {
                        break;
                    }
                    i += 1; // past '\n'
                    let ls = i;
                    while i < n && b[i] != b'\n' {
                        i += 1;
                    }
                    let line = &b[ls..i];
                    let trimmed = line
                        .iter()
                        .position(|x| !x.is_ascii_whitespace())
                        .map(|p| &line[p..])
                        .unwrap_or(&[]);
                    let trimmed = match trimmed.iter().rposition(|x| !x.is_ascii_whitespace()) {
                        Some(p) => &trimmed[..=p],
                        None => trimmed,
                    };
                    if !marker.is_empty() && trimmed == marker {
                        break;
                    }
                }
                push(&mut out, Tk::Str, start, i);
            }
            b'{' => {
                push(&mut out, Tk::LBrace, i, i + 1);
                i += 1;
            }
            b'}' => {
                push(&mut out, Tk::RBrace, i, i + 1);
                i += 1;
            }
            b'[' => {
                push(&mut out, Tk::LBrack, i, i + 1);
                i += 1;
            }
            b']' => {
                push(&mut out, Tk::RBrack, i, i + 1);
                i += 1;
            }
            b'=' => {
                push(&mut out, Tk::Eq, i, i + 1);
                i += 1;
            }
            b',' => {
                push(&mut out, Tk::Comma, i, i + 1);
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                    i += 1;
                }
                push(&mut out, Tk::Ident, start, i);
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                push(&mut out, Tk::Number, start, i);
            }
            _ => {
                let start = i;
                i += 1;
                while i < n && b[i] >= 0x80 {
                    i += 1;
                }
                push(&mut out, Tk::Other, start, i);
            }
        }
    }
    out
}

/// Rewrites HCL1-only forms into HCL2 and returns a description of the
/// first one if the rewritten text then parses. `None` means a genuine
/// syntax error.
fn hcl1_only_form(text: &str, original: &hcl::edit::parser::Error) -> Option<String> {
    const REDEFINED: &str = "redefined";
    let toks = tokenize(text);
    // (byte offset, bytes to delete, insertion)
    let mut edits: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut first: Option<(usize, String)> = None;
    let note = |pos: usize, what: String, first: &mut Option<(usize, String)>| {
        if first.as_ref().is_none_or(|(p, _)| pos < *p) {
            *first = Some((pos, what));
        }
    };
    if original.message().contains(REDEFINED) {
        let off = original.location().offset();
        let name = text.get(off..).map(key_at).unwrap_or_default();
        note(
            off,
            format!("repeated key `{name}` (HCL1 accepts repeated keys)"),
            &mut first,
        );
    }
    let kind = |j: usize| toks.get(j).map(|t| t.kind);
    for (j, t) in toks.iter().enumerate() {
        match t.kind {
            // `key {` / `"key" {` at the start of an item: HCL1 object
            // assignment without `=`.
            Tk::LBrace if j >= 1 => {
                let key = toks[j - 1];
                let at_item_start = j < 2
                    || matches!(
                        kind(j - 2),
                        Some(Tk::Newline | Tk::LBrace | Tk::RBrace | Tk::Comma)
                    );
                if matches!(key.kind, Tk::Ident | Tk::Str) && at_item_start {
                    edits.push((key.end, 0, " ="));
                    let name = text.get(key.start..key.end).unwrap_or("?");
                    note(
                        key.start,
                        format!("HCL1 block form `{name} {{ ... }}` (write `{name} = {{ ... }}`)"),
                        &mut first,
                    );
                }
            }
            // `a = 1, b = 2` inside a block body.
            Tk::Comma
                if matches!(kind(j + 1), Some(Tk::Ident | Tk::Str))
                    && kind(j + 2) == Some(Tk::Eq) =>
            {
                edits.push((t.start, 1, "\n"));
                note(
                    t.start,
                    "HCL1 comma-separated attributes".to_string(),
                    &mut first,
                );
            }
            // `a = "x" b = "y"` on one line, or `} path "y" {` after a block.
            Tk::Ident | Tk::Str
                if j >= 1
                    && matches!(
                        kind(j - 1),
                        Some(Tk::Str | Tk::RBrack | Tk::RBrace | Tk::Number)
                    )
                    && matches!(kind(j + 1), Some(Tk::Eq | Tk::Str | Tk::LBrace)) =>
            {
                edits.push((t.start, 0, "\n"));
                note(
                    t.start,
                    "HCL1 several items on one line".to_string(),
                    &mut first,
                );
            }
            _ => {}
        }
        // HCL1 keeps `${` / `%{` in quoted strings literally.
        if t.kind == Tk::Str && text.as_bytes().get(t.start) == Some(&b'"') {
            let s = text.get(t.start..t.end).unwrap_or("");
            for (k, w) in s.as_bytes().windows(2).enumerate() {
                if (w == b"${" || w == b"%{") && (k == 0 || s.as_bytes()[k - 1] != w[0]) {
                    let at = t.start + k;
                    edits.push((at, 0, if w[0] == b'$' { "$" } else { "%" }));
                    note(
                        at,
                        "`${`/`%{` in a string (literal in HCL1)".to_string(),
                        &mut first,
                    );
                }
            }
        }
    }
    // HCL2 one-line blocks hold a single attribute: open every brace onto
    // its own lines (harmless for both blocks and object expressions).
    for t in &toks {
        match t.kind {
            Tk::LBrace => edits.push((t.end, 0, "\n")),
            Tk::RBrace => edits.push((t.start, 0, "\n")),
            _ => {}
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut rewritten = String::with_capacity(text.len() + edits.len() * 2);
    let mut cursor = 0;
    for (at, del, ins) in edits {
        if at < cursor {
            continue;
        }
        rewritten.push_str(text.get(cursor..at)?);
        rewritten.push_str(ins);
        cursor = at + del;
    }
    rewritten.push_str(text.get(cursor..)?);
    // Rename repeated keys until the text parses (bounded).
    let mut parsed = false;
    for i in 0..64 {
        match hcl::edit::parser::parse_body(&rewritten) {
            Ok(_) => {
                parsed = true;
                break;
            }
            Err(e) if e.message().contains(REDEFINED) => {
                let off = e.location().offset();
                let len = rewritten.get(off..).map(|r| key_at(r).len()).unwrap_or(0);
                if len == 0 {
                    return None;
                }
                let name = format!("__repeated_key_{i}");
                rewritten.replace_range(off..off + len, &name);
                if first.is_none() {
                    first = Some((0, "repeated key (HCL1 accepts repeated keys)".to_string()));
                }
            }
            Err(_) => return None,
        }
    }
    if !parsed {
        return None;
    }
    let (pos, what) = first.unwrap_or((0, "HCL1-only layout".to_string()));
    let line = line_of(text, Some(pos..pos)).unwrap_or(1);
    Some(format!(
        "{what} at line {line}: valid for Vault (HCL1) but not readable by the HCL2 parser; \
         rewrite it in HCL2 syntax or JSON to have it evaluated"
    ))
}

/// The identifier or quoted string at the start of `s` (empty if none).
fn key_at(s: &str) -> &str {
    let b = s.as_bytes();
    let end = if b.first() == Some(&b'"') {
        let mut i = 1;
        while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
            if b[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        (i + 1).min(b.len())
    } else {
        b.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
            .count()
    };
    s.get(..end).unwrap_or("")
}
