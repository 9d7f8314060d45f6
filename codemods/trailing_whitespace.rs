//! # trailing-whitespace
//!
//! ## What it does
//! Finds spaces and tabs at the end of lines and removes them — never
//! inside a string literal (a docstring, a multi-line string or an
//! f-string), where they are part of the value.
//!
//! ## Why
//! Trailing whitespace is invisible noise: it shows up as spurious changes
//! in diffs and reviews, and editors disagree about it.
//!
//! ## Example
//! ```python
//! def total(items):   
//!     return sum(items)
//! ```
//! becomes
//! ```python
//! def total(items):
//!     return sum(items)
//! ```
//!
//! ## Fix safety
//! Safe: outside string literals, whitespace at the end of a line has no
//! meaning to Python.
//!
//! ## How to validate
//! - Check that `git diff --ignore-space-at-eol` shows no change: only the ends
//!   of lines changed.
//! - Check that multi-line strings whose trailing spaces matter (text
//!   templates, expected output in tests, Markdown line breaks) kept them, and
//!   that files with `\r\n` line ends still have them (the diff option above
//!   hides a change there too).
//! - Run the existing tests: behaviour does not change.
//!
//! ## Tests to add
//! - No test of behaviour is needed: the code is the same token for token.
//! - For a multi-line string with meaningful trailing spaces near the changed
//!   lines, assert its exact value in a test of the changed function, so that a
//!   later editor or tool that strips all whitespace fails it; it passes before
//!   and after the fix.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python;

pub struct TrailingWhitespace;

pub static META: Meta = Meta {
    id: "trailing-whitespace",
    category: "style",
    priority: Priority::P4,
    fix: Applicability::Safe,
    summary: "spaces or tabs at the end of a line",
};

impl TrailingWhitespace {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for TrailingWhitespace {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["module"]
    }

    fn triggers(&self) -> Vec<String> {
        [" \n", "\t\n", " \r\n", "\t\r\n"]
            .map(String::from)
            .to_vec()
    }

    /// Dispatched once, on the module: scans the lines, and asks the tree
    /// only about lines that end in whitespace.
    fn check(&self, module: Node<'_>, cx: &mut Checker<'_>) {
        let text = cx.text;
        let mut offset = 0;
        while offset < text.len() {
            let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
            let content_end = if line_end > offset && text.as_bytes()[line_end - 1] == b'\r' {
                line_end - 1
            } else {
                line_end
            };
            let line = &text[offset..content_end];
            let kept = line.trim_end_matches([' ', '\t']).len();
            if kept < line.len() {
                let range = TextRange::new(offset + kept, content_end);
                if !inside_string(module, range) {
                    let fix = Fix::safe(vec![Edit::deletion(range)]);
                    cx.report(range, "trailing whitespace", Some(fix));
                }
            }
            offset = line_end + 1;
        }
    }
}

/// Whether the whitespace at `range` belongs to a string literal.
fn inside_string(module: Node<'_>, range: TextRange) -> bool {
    let Some(node) = module.descendant_for_byte_range(range.start, range.end) else {
        return false;
    };
    python::ancestors(node)
        .any(|n| n.kind() == "string" && n.start_byte() < range.start && range.end < n.end_byte())
}
