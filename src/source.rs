//! Loading a file and learning its style.
//!
//! [`SourceFile::decode`] turns raw bytes into text once: it rejects binary
//! and undecodable files with a reason, and strips (but remembers) a UTF-8
//! BOM, so the rest of the pipeline works on plain `&str` and the BOM is put
//! back on output. The [`Stylist`] records how the file writes line endings,
//! indentation and quotes; every multi-line replacement is rendered through
//! it, never with a literal `"\n    "`.
//!
//! # Templates and re-indentation
//!
//! Codemods write multi-line replacements as *templates*: lines separated by
//! `\n`, each leading group of four spaces meaning one indentation level.
//! [`Stylist::render_block`] turns a template into lines of the file: every
//! line gets the target statement's indentation (`base`), then one indent
//! unit of the file per level, then the line ending of the file. Blank
//! template lines stay blank (no trailing whitespace).
//!
//! Worked example, for a tab-indented CRLF file and a statement indented by
//! one tab:
//!
//! ```text
//! template: "if row is None:\n    raise LookupError(\"no row\")"
//! base:     "\t"
//! result:   "\tif row is None:\r\n\t\traise LookupError(\"no row\")\r\n"
//! ```

use std::fmt;

use tree_sitter::{Node, Tree};

const UTF8_BOM: &str = "\u{feff}";

/// Why a file's bytes cannot be processed as Python source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("binary file (NUL byte at offset {0})")]
    Binary(usize),
    #[error("not valid UTF-8 (invalid byte at line {line}, offset {offset})")]
    NotUtf8 { line: usize, offset: usize },
    #[error("declares encoding `{0}` (PEP 263); only UTF-8 files are rewritten")]
    OtherEncoding(String),
}

/// A decoded file: the text without BOM, plus what is needed to write it back.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub text: String,
    pub bom: bool,
}

impl SourceFile {
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if let Some(pos) = bytes.iter().position(|&b| b == 0) {
            return Err(DecodeError::Binary(pos));
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                // A declared other encoding (`# coding: latin-1`) is the
                // reason worth reporting, not the first byte it explains.
                let body = bytes.strip_prefix(UTF8_BOM.as_bytes()).unwrap_or(bytes);
                let head_len = body
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .nth(1)
                    .map_or(body.len(), |(i, _)| i + 1);
                let head = String::from_utf8_lossy(&body[..head_len]);
                if let Some(encoding) = coding_cookie(&head).filter(|e| !is_utf8_name(e)) {
                    return Err(DecodeError::OtherEncoding(encoding));
                }
                let offset = err.valid_up_to();
                let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(DecodeError::NotUtf8 { line, offset });
            }
        };
        let (bom, text) = match text.strip_prefix(UTF8_BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if let Some(encoding) = coding_cookie(text).filter(|e| !is_utf8_name(e)) {
            return Err(DecodeError::OtherEncoding(encoding));
        }
        Ok(Self {
            text: text.to_owned(),
            bom,
        })
    }

    /// The full file contents for `text` (the BOM put back if there was one).
    pub fn contents(&self, text: &str) -> String {
        if self.bom {
            format!("{UTF8_BOM}{text}")
        } else {
            text.to_owned()
        }
    }
}

/// Whether an encoding name means UTF-8 (or its ASCII subset).
fn is_utf8_name(encoding: &str) -> bool {
    let normal = encoding.to_ascii_lowercase().replace('_', "-");
    matches!(normal.as_str(), "utf-8" | "utf8" | "ascii" | "us-ascii")
}

/// The PEP 263 encoding declaration of the first two lines, if any.
fn coding_cookie(text: &str) -> Option<String> {
    for line in text.lines().take(2) {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            // A cookie on line 2 only counts if line 1 is a comment or blank.
            if trimmed.is_empty() {
                continue;
            }
            return None;
        }
        let Some(pos) = trimmed.find("coding") else {
            continue;
        };
        let rest = &trimmed[pos + "coding".len()..];
        let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) else {
            continue;
        };
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if !name.is_empty() {
            return Some(name);
        }
    }
    None
}

/// Line ending of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// How a file writes things, detected once per file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stylist {
    pub line_ending: LineEnding,
    /// One indentation level: a tab or some spaces.
    pub indent: String,
    /// The quote character the file's first string literal uses.
    pub quote: char,
}

impl Default for Stylist {
    fn default() -> Self {
        Self {
            line_ending: LineEnding::Lf,
            indent: "    ".to_owned(),
            quote: '"',
        }
    }
}

impl Stylist {
    pub fn detect(text: &str, tree: &Tree) -> Self {
        let line_ending = match text.find('\n') {
            Some(pos) if pos > 0 && text.as_bytes()[pos - 1] == b'\r' => LineEnding::CrLf,
            _ => LineEnding::Lf,
        };
        let (indent, quote) = scan_tree(text, tree);
        // No indented block to learn from (module-level code only): lines
        // continued with a tab (inside brackets) still say "tabs".
        let continued_with_tab = || {
            text.lines()
                .any(|line| line.starts_with('\t'))
                .then(|| "\t".to_owned())
        };
        Self {
            line_ending,
            indent: indent
                .or_else(continued_with_tab)
                .unwrap_or_else(|| "    ".to_owned()),
            quote: quote.unwrap_or('"'),
        }
    }

    pub fn eol(&self) -> &'static str {
        self.line_ending.as_str()
    }

    /// Render a template (see the module docs) as whole lines indented by
    /// `base`, each ending with the file's line ending.
    pub fn render_block(&self, template: &str, base: &str) -> String {
        let mut out = String::new();
        for line in template.split('\n') {
            let rest = line.trim_start_matches(' ');
            let levels = (line.len() - rest.len()) / 4;
            if !rest.is_empty() {
                out.push_str(base);
                for _ in 0..levels {
                    out.push_str(&self.indent);
                }
                out.push_str(rest);
            }
            out.push_str(self.eol());
        }
        out
    }

    /// A Python string literal for `value` in the file's quote style.
    pub fn string_literal(&self, value: &str) -> String {
        let q = self.quote;
        let mut out = String::with_capacity(value.len() + 2);
        out.push(q);
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == q => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(q);
        out
    }
}

/// First indentation unit (from the first block on its own line) and first
/// string quote of the tree. An explicit stack: no recursion on deep trees.
fn scan_tree(text: &str, tree: &Tree) -> (Option<String>, Option<char>) {
    let mut indent = None;
    let mut quote = None;
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if indent.is_none() && node.kind() == "block" {
            indent = block_indent(text, node);
        }
        if quote.is_none() && node.kind() == "string_start" {
            quote = text[node.byte_range()]
                .chars()
                .find(|c| *c == '"' || *c == '\'');
        }
        if indent.is_some() && quote.is_some() {
            break;
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return (indent, quote);
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
    (indent, quote)
}

fn block_indent(text: &str, block: Node) -> Option<String> {
    let header = block.parent()?;
    let inner = line_indent(text, block.start_byte());
    let outer = line_indent(text, header.start_byte());
    if block.start_position().row == header.start_position().row {
        return None;
    }
    let unit = inner.strip_prefix(outer)?;
    if unit.is_empty() {
        return None;
    }
    if unit.starts_with('\t') {
        Some("\t".to_owned())
    } else {
        Some(unit.to_owned())
    }
}

/// Move a multi-line code fragment to another indentation: every line after
/// the first that starts with `from` starts with `to` instead. The first line
/// is placed by the caller. Callers must not pass fragments containing
/// multi-line strings (their lines are data, not indentation).
///
/// ```text
/// fragment: "f(\n\t\t\tx,\n\t\t)"   from: "\t\t"   to: "\t"
/// result:   "f(\n\t\tx,\n\t)"
/// ```
pub fn reindent(fragment: &str, from: &str, to: &str) -> String {
    let mut lines = fragment.split('\n');
    let mut out = lines.next().unwrap_or("").to_owned();
    for line in lines {
        out.push('\n');
        match line.strip_prefix(from) {
            Some(rest) => {
                out.push_str(to);
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The indentation of the line that contains `offset`, as Python counts it:
/// the spaces and tabs of its leading whitespace after the last form feed.
/// CPython resets its column count at a form feed, so a form feed copied
/// into the indentation of a new line would put that line at another level
/// (`\f    if x:` followed by `\f    \f    raise` is an IndentationError).
pub fn line_indent(text: &str, offset: usize) -> &str {
    let start = line_start(text, offset);
    let rest = &text[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t', '\x0c']).len();
    let leading = &rest[..len];
    leading.rfind('\x0c').map_or(leading, |p| &leading[p + 1..])
}

/// Byte offset of the start of the line containing `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |p| p + 1)
}

/// Byte offset just after the line ending of the line containing `offset`
/// (or the end of the text on the last line).
pub fn next_line_start(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |p| offset + p + 1)
}

/// Line and column (both 1-based; columns count characters) of byte offsets.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    pub fn location(&self, text: &str, offset: usize) -> Location {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Location {
            line: line + 1,
            column: column + 1,
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line - 1) else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |&e| e);
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn stylist(text: &str) -> Stylist {
        Stylist::detect(text, &parse(text))
    }

    #[test]
    fn tab_continuation_lines_set_the_indent_without_blocks() {
        assert_eq!(stylist("SMTP = {\n\t\"to\": 1,\n}\n").indent, "\t");
        assert_eq!(stylist("SMTP = {\n    \"to\": 1,\n}\n").indent, "    ");
        assert_eq!(stylist("if x:\n  y = [\n\t1]\n").indent, "  ");
    }

    #[test]
    fn rejects_binary_and_bad_utf8() {
        assert_eq!(
            SourceFile::decode(b"a\0b").unwrap_err(),
            DecodeError::Binary(1)
        );
        assert_eq!(
            SourceFile::decode(b"x = 1\ny = '\xff'\n").unwrap_err(),
            DecodeError::NotUtf8 {
                line: 2,
                offset: 11
            }
        );
    }

    #[test]
    fn keeps_bom_out_of_the_text() {
        let file = SourceFile::decode("\u{feff}x = 1\n".as_bytes()).unwrap();
        assert!(file.bom);
        assert_eq!(file.text, "x = 1\n");
        assert_eq!(file.contents("y = 2\n"), "\u{feff}y = 2\n");
    }

    #[test]
    fn coding_cookie_other_than_utf8_is_refused() {
        let err = SourceFile::decode(b"# -*- coding: latin-1 -*-\nx = 1\n").unwrap_err();
        assert_eq!(err, DecodeError::OtherEncoding("latin-1".into()));
        assert!(SourceFile::decode(b"#!/usr/bin/env python\n# coding=utf-8\n").is_ok());
        assert!(SourceFile::decode(b"x = 1\n# coding: latin-1\n").is_ok());
        // Bytes that are not UTF-8 are explained by the declaration.
        let err = SourceFile::decode(b"#!/usr/bin/python\n# coding: latin-1\nx = '\xe9'\n");
        assert_eq!(
            err.unwrap_err(),
            DecodeError::OtherEncoding("latin-1".into())
        );
        let err = SourceFile::decode(b"# coding: utf-8\nx = '\xe9'\n").unwrap_err();
        assert!(
            matches!(err, DecodeError::NotUtf8 { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn detects_crlf_tabs_and_quotes() {
        let s = stylist("def f():\r\n\treturn 'x'\r\n");
        assert_eq!(s.line_ending, LineEnding::CrLf);
        assert_eq!(s.indent, "\t");
        assert_eq!(s.quote, '\'');
    }

    #[test]
    fn detects_two_space_indent_and_ignores_one_line_blocks() {
        let s = stylist("if a: b()\nclass C:\n  def f(self):\n    return \"y\"\n");
        assert_eq!(s.indent, "  ");
        assert_eq!(s.quote, '"');
        assert_eq!(s.line_ending, LineEnding::Lf);
    }

    #[test]
    fn render_block_worked_example() {
        let s = Stylist {
            line_ending: LineEnding::CrLf,
            indent: "\t".into(),
            quote: '"',
        };
        assert_eq!(
            s.render_block("if row is None:\n    raise LookupError(\"no row\")", "\t"),
            "\tif row is None:\r\n\t\traise LookupError(\"no row\")\r\n"
        );
        assert_eq!(s.render_block("a\n\nb", ""), "a\r\n\r\nb\r\n");
    }

    #[test]
    fn reindent_moves_continuation_lines() {
        assert_eq!(
            reindent("f(\n\t\t\tx,\n\t\t)", "\t\t", "\t"),
            "f(\n\t\tx,\n\t)"
        );
        assert_eq!(reindent("f(\r\n        x)", "    ", ""), "f(\r\n    x)");
        assert_eq!(reindent("one line", "    ", ""), "one line");
    }

    #[test]
    fn string_literal_escapes_its_quote() {
        let s = Stylist {
            quote: '\'',
            ..Stylist::default()
        };
        assert_eq!(s.string_literal("it's\n"), "'it\\'s\\n'");
    }

    #[test]
    fn line_indent_starts_after_a_form_feed() {
        let text = "x = 1\n\x0c    y = 2\n  \x0c\tz = 3\n\tw = 4\n";
        assert_eq!(line_indent(text, 0), "");
        assert_eq!(line_indent(text, text.find('y').unwrap()), "    ");
        assert_eq!(line_indent(text, text.find('z').unwrap()), "\t");
        assert_eq!(line_indent(text, text.find('w').unwrap()), "\t");
    }

    #[test]
    fn line_index_counts_characters() {
        let text = "é = 1\nab = 2\n";
        let index = LineIndex::new(text);
        assert_eq!(index.location(text, 0), Location { line: 1, column: 1 });
        assert_eq!(index.location(text, 3), Location { line: 1, column: 3 });
        assert_eq!(index.location(text, 7), Location { line: 2, column: 1 });
        assert_eq!(index.line_text(text, 2), "ab = 2");
    }
}
