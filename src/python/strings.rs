//! The string-literal model: the pieces of a (possibly implicitly
//! concatenated, possibly formatted) string and the value of a constant one.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// One piece of a string literal's value: a character with the source
/// bytes that spell it (`\n` → newline from two bytes, `{{` in an f-string
/// → `{`), or an f-string interpolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringPiece<'n> {
    /// `ch` is `None` for an escape this function does not decode
    /// (`\N{...}`).
    Char {
        ch: Option<char>,
        range: crate::fix::TextRange,
    },
    Interpolation(Node<'n>),
}

/// A string literal taken apart: see [`string_pieces`].
#[derive(Clone, Debug)]
pub struct StringParts<'n> {
    pub node: Node<'n>,
    /// The prefix as written (`f`, `Rb`, …; empty for none).
    pub prefix: String,
    /// The delimiters: one or three quote characters.
    pub quote: String,
    /// The `string_start` node (prefix and opening quote).
    pub start: Node<'n>,
    /// The `string_end` node (closing quote).
    pub end: Node<'n>,
    pub pieces: Vec<StringPiece<'n>>,
}

impl StringParts<'_> {
    pub fn is_fstring(&self) -> bool {
        self.prefix.contains(['f', 'F'])
    }
    pub fn is_raw(&self) -> bool {
        self.prefix.contains(['r', 'R'])
    }
    pub fn is_bytes(&self) -> bool {
        self.prefix.contains(['b', 'B'])
    }
}

/// The value of one `string` node (not a `concatenated_string`) as pieces
/// that keep their source ranges, so a codemod can reason about the
/// runtime text and still edit the source precisely. Escapes are decoded
/// as Python does (raw strings keep backslashes; a backslash at the end of
/// a line continues it and yields no character); an f-string's `{{` / `}}`
/// are one brace each. `None` for anything but a well-formed `string` node.
pub fn string_pieces<'n>(text: &str, node: Node<'n>) -> Option<StringParts<'n>> {
    use crate::fix::TextRange;
    if node.kind() != "string" {
        return None;
    }
    let children = named_children(node);
    let start = *children.first().filter(|c| c.kind() == "string_start")?;
    let end = *children.last().filter(|c| c.kind() == "string_end")?;
    if children.len() < 2 {
        return None;
    }
    let opening = &text[start.byte_range()];
    let quote_at = opening.find(['"', '\''])?;
    let mut parts = StringParts {
        node,
        prefix: opening[..quote_at].to_owned(),
        quote: opening[quote_at..].to_owned(),
        start,
        end,
        pieces: Vec::new(),
    };
    let (raw, fstring, bytes) = (parts.is_raw(), parts.is_fstring(), parts.is_bytes());
    for child in &children[1..children.len() - 1] {
        match child.kind() {
            "string_content" => {
                let base = child.start_byte();
                let content = &text[child.byte_range()];
                decode_content(content, base, raw, fstring, bytes, &mut |ch, at, len| {
                    parts.pieces.push(StringPiece::Char {
                        ch,
                        range: TextRange::new(at, at + len),
                    });
                });
            }
            "interpolation" => parts.pieces.push(StringPiece::Interpolation(*child)),
            _ => return None,
        }
    }
    Some(parts)
}

/// Decode one `string_content`: calls `push(char, offset, source length)`.
fn decode_content(
    content: &str,
    base: usize,
    raw: bool,
    fstring: bool,
    bytes: bool,
    push: &mut dyn FnMut(Option<char>, usize, usize),
) {
    let mut at = 0;
    while let Some(c) = content[at..].chars().next() {
        let rest = &content[at..];
        let next = rest[c.len_utf8()..].chars().next();
        let (ch, len) = match c {
            '{' | '}' if fstring && next == Some(c) => (Some(c), 2),
            '\\' if !raw => match next {
                None => (Some('\\'), 1),
                Some('\n') => (None, 2),
                Some('\r') => (None, if rest[2..].starts_with('\n') { 3 } else { 2 }),
                Some(n @ ('\\' | '\'' | '"')) => (Some(n), 2),
                Some('a') => (Some('\x07'), 2),
                Some('b') => (Some('\x08'), 2),
                Some('f') => (Some('\x0c'), 2),
                Some('n') => (Some('\n'), 2),
                Some('r') => (Some('\r'), 2),
                Some('t') => (Some('\t'), 2),
                Some('v') => (Some('\x0b'), 2),
                Some('0'..='7') => {
                    let digits = rest[1..].chars().take_while(|d| d.is_digit(8)).take(3);
                    let digits: String = digits.collect();
                    let ch = u32::from_str_radix(&digits, 8)
                        .ok()
                        .and_then(char::from_u32);
                    (ch, 1 + digits.len())
                }
                Some(kind @ ('x' | 'u' | 'U')) if kind == 'x' || !bytes => {
                    let width = match kind {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let ch = rest
                        .get(2..2 + width)
                        .filter(|d| d.chars().all(|h| h.is_ascii_hexdigit()))
                        .and_then(|d| u32::from_str_radix(d, 16).ok())
                        .and_then(char::from_u32);
                    match ch {
                        Some(ch) => (Some(ch), 2 + width),
                        None => (Some('\\'), 1),
                    }
                }
                Some('N') if !bytes => (None, rest.find('}').map_or(2, |p| p + 1)),
                // An unknown escape keeps its backslash.
                Some(_) => (Some('\\'), 1),
            },
            _ => (Some(c), c.len_utf8()),
        };
        let continuation = c == '\\' && !raw && matches!(next, Some('\n' | '\r'));
        if !continuation {
            push(ch, base + at, len);
        }
        at += len.max(1);
    }
}

/// The value of a plain string literal (no f-string, no implicit
/// concatenation, no escapes that we would have to interpret).
pub fn string_value<'t>(text: &'t str, node: Node<'_>) -> Option<&'t str> {
    if node.kind() != "string" {
        return None;
    }
    let mut content = None;
    for child in named_children(node) {
        match child.kind() {
            "string_start" => {
                let prefix = text[child.byte_range()].to_ascii_lowercase();
                if prefix.contains('f') || prefix.contains('b') {
                    return None;
                }
            }
            "string_content" => {
                if content.is_some() {
                    return None;
                }
                content = Some(&text[child.byte_range()]);
            }
            "string_end" => {}
            _ => return None,
        }
    }
    let value = content.unwrap_or("");
    (!value.contains('\\')).then_some(value)
}

/// The value of a string literal that is the same on every run: a plain
/// string (raw or not, any quotes) or an implicit concatenation of plain
/// strings, with its escape sequences decoded as Python would. `None` for
/// f-strings, byte strings, and `\N{...}` escapes (decoding those needs the
/// Unicode name table).
pub fn string_literal_value(text: &str, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "concatenated_string" => {
            let mut value = String::new();
            for part in named_children(node) {
                if part.kind() == "comment" {
                    continue;
                }
                value.push_str(&string_literal_value(text, part)?);
            }
            Some(value)
        }
        "string" => {
            let children = named_children(node);
            let start = children.first().filter(|c| c.kind() == "string_start")?;
            let end = children.last().filter(|c| c.kind() == "string_end")?;
            if children.iter().any(|c| c.kind() == "interpolation") {
                return None;
            }
            let prefix: String = text[start.byte_range()]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if prefix.contains(['f', 'b', 't']) {
                return None;
            }
            // Python reads source with universal newlines.
            let content = text[start.end_byte()..end.start_byte()].replace("\r\n", "\n");
            if prefix.contains('r') {
                return Some(content);
            }
            decode_escapes(&content)
        }
        _ => None,
    }
}

/// Decode the escape sequences of a non-raw, non-bytes string body.
fn decode_escapes(content: &str) -> Option<String> {
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escape) = chars.next() else {
            out.push('\\');
            break;
        };
        let mut hex = |digits: usize| -> Option<char> {
            let code: String = (0..digits).filter_map(|_| chars.next()).collect();
            if code.len() != digits {
                return None;
            }
            char::from_u32(u32::from_str_radix(&code, 16).ok()?)
        };
        match escape {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(escape),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            'x' => out.push(hex(2)?),
            'u' => out.push(hex(4)?),
            'U' => out.push(hex(8)?),
            'N' => return None,
            '0'..='7' => {
                let mut code = escape.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code)?);
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// The first comparison in `root` of a value with the text `'None'`
/// (`x == 'None'`, `'None' != str(row[0])`): code that does this relies on
/// `None` having been written out as the four letters `None` (by an
/// f-string or `str()`), so binding that `None` as `NULL` instead would
/// change what it reads back.
pub fn comparison_with_text_none<'n>(text: &str, root: Node<'n>) -> Option<Node<'n>> {
    let mut found = None;
    walk_descendants(root, |node| {
        if found.is_some() {
            return false;
        }
        if node.kind() == "comparison_operator" {
            let mut cursor = node.walk();
            let equality = node
                .children(&mut cursor)
                .any(|c| !c.is_named() && matches!(c.kind(), "==" | "!="));
            let text_none = named_children(node)
                .iter()
                .any(|c| string_value(text, *c) == Some("None"));
            if equality && text_none {
                found = Some(node);
                return false;
            }
        }
        true
    });
    found
}

#[cfg(test)]
mod string_and_import_tests {
    use super::*;
    use crate::parse::parse;

    use crate::python::tree::test_support::first;

    fn value(source: &str) -> Option<String> {
        let text = format!("x = {source}\n");
        let tree = parse(&text);
        let right = first(&tree, "assignment").field("right").unwrap();
        string_literal_value(&text, right)
    }

    #[test]
    fn string_literal_values_are_decoded() {
        assert_eq!(
            value(r#""a\"b\n\x41\101\u00e9""#).as_deref(),
            Some("a\"b\nAAé")
        );
        assert_eq!(value(r#"r"\d+\n""#).as_deref(), Some("\\d+\\n"));
        assert_eq!(
            value(r#""keep \d" 'and' u"more""#).as_deref(),
            Some("keep \\dandmore")
        );
        assert_eq!(value("\"a \\\nb\"").as_deref(), Some("a b"));
        assert_eq!(value("'''x\r\ny'''").as_deref(), Some("x\ny"));
        assert_eq!(value(r#"f"{a}""#), None);
        assert_eq!(value(r#""a" f"{b}""#), None);
        assert_eq!(value(r#"b"x""#), None);
        assert_eq!(value(r#""\N{DASH}""#), None);
        assert_eq!(value("name"), None);
    }

    #[test]
    fn qualified_names_follow_module_imports() {
        let text = "import subprocess as sp\nfrom json import loads as parse, dumps\nfrom . import requests\ntry:\n    import simplejson as js\nexcept ImportError:\n    import json as js\n\ndef f():\n    import os\n    return [sp.run, parse, dumps, os.x, js.y, requests.get]\n";
        let tree = parse(text);
        let root = tree.root_node();
        let names: Vec<String> = named_children(first(&tree, "list"))
            .into_iter()
            .map(|item| qualified_name(text, root, item).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "subprocess.run",
                "json.loads",
                "json.dumps",
                "os.x",
                "json.y",
                ".requests.get"
            ]
        );
    }

    #[test]
    fn handled_in_function_sees_through_comprehensions_and_suppress() {
        let text = "def f(xs):\n    try:\n        ys = [g(x) for x in xs]\n    except ValueError:\n        pass\n    with contextlib.suppress(KeyError, ValueError):\n        h(1)\n    k(2)\n    try:\n        def inner():\n            m(3)\n    except ValueError:\n        pass\n";
        let tree = parse(text);
        let calls: Vec<Node> = {
            let mut calls = Vec::new();
            walk_descendants(tree.root_node(), |n| {
                if n.kind() == "call" {
                    calls.push(n);
                }
                true
            });
            calls
        };
        let handled = |snippet: &str| {
            let call = calls
                .iter()
                .find(|c| self::text(text, **c) == snippet)
                .unwrap();
            handled_in_function(text, *call, &["ValueError"])
        };
        assert!(handled("g(x)"));
        assert!(handled("h(1)"));
        assert!(!handled("k(2)"));
        assert!(!handled("m(3)"));
    }

    #[test]
    fn nosec_comments() {
        let text = "a(1)  # nosec\nb(2)  # nosec B602, B113\nc(3)  # nosec: B101\nd(\n    4,\n)  # noqa: S602 # nosec - reviewed\ne(5)  # nosecurity\nf('# nosec')\n";
        let tree = parse(text);
        let root = tree.root_node();
        let mut results = Vec::new();
        walk_descendants(root, |n| {
            if n.kind() == "call" {
                results.push(nosec_covers(text, root, n, &["B602"]));
            }
            true
        });
        assert_eq!(results, [true, true, false, true, false, false]);
    }

    #[test]
    fn comparison_with_text_none_finds_equality_with_the_four_letters() {
        let found = |source: &str| {
            let tree = parse(source);
            comparison_with_text_none(source, tree.root_node()).map(|n| n.start_position().row)
        };
        assert_eq!(found("x = 1\nif row[5] == 'None':\n    pass\n"), Some(1));
        assert_eq!(found("ok = 'None' != str(name)\n"), Some(0));
        assert_eq!(found("if x is None:\n    pass\n"), None);
        assert_eq!(found("if x == 'none':\n    pass\n"), None);
        assert_eq!(found("y = x in ('None', '')\n"), None);
    }
}
