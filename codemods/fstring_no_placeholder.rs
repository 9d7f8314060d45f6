//! # fstring-no-placeholder
//!
//! ## What it does
//! Finds f-strings without any `{...}` placeholder and makes them plain
//! strings: the `f` prefix goes, and escaped braces (`{{`, `}}`) become
//! single braces, so the value stays the same. Implicitly concatenated
//! parts (`f"a {x} " f"b"`) are one string to Python: when any part has a
//! placeholder, none is reported.
//!
//! ## Why
//! An `f` with nothing to format is usually a forgotten placeholder (the
//! author meant `f"user {name}"` and wrote `f"user name"`) or leftover
//! noise; either way a reader looks for interpolation that is not there.
//!
//! ## Example
//! ```python
//! logger.info(f"backup finished")
//! query = f"SELECT '{{}}'::json"
//! ```
//! becomes
//! ```python
//! logger.info("backup finished")
//! query = "SELECT '{}'::json"
//! ```
//!
//! ## Fix safety
//! Safe: the string's value is unchanged. Unsafe when the f-string is a
//! statement of its own, for instance the first line of a function: an
//! f-string is never a docstring, a plain string there becomes one.
//!
//! ## How to validate
//! - Read each changed string and check that it was not meant to have a
//!   placeholder: `f"user name not found"` next to a variable `name` is usually
//!   a lost `{name}`. Then add the placeholder by hand, with the `f`.
//! - For an unsafe fix (the string was a statement of its own), check what the
//!   new docstring changes: `__doc__`, `help()`, and doctest, which now runs
//!   any `>>>` lines in it.
//! - Run the existing tests: every string has the same value as before.
//!
//! ## Tests to add
//! - Where the review found a lost placeholder and you added it, call the
//!   changed function and assert that the value appears in the message (with
//!   `caplog` for a log call); before, the message showed only the fixed text.
//! - Otherwise no new test is needed: the value of each string is the same
//!   before and after the fix.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python;

pub struct FstringNoPlaceholder;

pub static META: Meta = Meta {
    id: "fstring-no-placeholder",
    category: "style",
    priority: Priority::P4,
    fix: Applicability::Safe,
    summary: "f-string without placeholders",
};

impl FstringNoPlaceholder {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for FstringNoPlaceholder {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["string"]
    }

    fn triggers(&self) -> Vec<String> {
        ["f\"", "f'", "F\"", "F'", "fr", "fR", "Fr", "FR"]
            .map(String::from)
            .to_vec()
    }

    fn check(&self, string: Node<'_>, cx: &mut Checker<'_>) {
        let Some(start) = string.child(0).filter(|s| s.kind() == "string_start") else {
            return;
        };
        let prefix = python::text(cx.text, start);
        if !prefix.contains(['f', 'F']) {
            return;
        }
        // `string_start` is the prefix and the opening quote(s).
        let mut new_prefix = prefix.replace(['f', 'F'], "");
        // `""f"x"` → `"""x"` would open a triple-quoted string (found by
        // fuzzing): right after a quote, a space keeps the parts apart.
        if new_prefix.starts_with(['"', '\''])
            && cx.text[..start.start_byte()].ends_with(['"', '\''])
        {
            new_prefix.insert(0, ' ');
        }
        let mut edits = vec![Edit::replacement(
            TextRange::from(start.byte_range()),
            new_prefix,
        )];
        let mut placeholder = false;
        python::walk_descendants(string, |node| {
            match node.kind() {
                "interpolation" => placeholder = true,
                "escape_interpolation" => {
                    let brace = &python::text(cx.text, node)[..1];
                    edits.push(Edit::replacement(TextRange::from(node.byte_range()), brace));
                }
                _ => {}
            }
            !placeholder
        });
        // Implicitly concatenated parts form one string (one f-string in
        // Python's own AST): a placeholder in any part is enough.
        if placeholder
            || string
                .parent()
                .is_some_and(|p| p.kind() == "concatenated_string" && has_placeholder(p))
        {
            return;
        }
        let alone = string
            .parent()
            .is_some_and(|p| p.kind() == "expression_statement");
        let applicability = if alone {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        cx.report(
            string.byte_range(),
            "f-string without placeholders: a plain string, or a forgotten `{…}`?",
            Some(Fix::new(edits, applicability)),
        );
    }
}

fn has_placeholder(node: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        found |= n.kind() == "interpolation";
        !found
    });
    found
}
