//! Parsing with tree-sitter-python: one parser per thread, reused.

use std::cell::RefCell;

use tree_sitter::{InputEdit, Language, Node, Parser, Point, Tree};

use crate::edit::Edit;

/// The Python grammar.
pub fn language() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&language())
        .expect("tree-sitter-python is ABI-compatible with the tree-sitter crate");
    parser
}

/// Parse `text` with this thread's parser.
pub fn parse(text: &str) -> Tree {
    PARSER.with(|parser| {
        parser
            .borrow_mut()
            .parse(text, None)
            .expect("a parser with a language and no timeout always returns a tree")
    })
}

/// Parse `new_text`, the result of splicing `edits` (sorted, as returned by
/// [`apply_fixes`](crate::edit::apply_fixes)) into `old_text`, reusing the
/// unchanged parts of `old_tree`: re-parsing costs about what changed, not
/// the whole file.
pub fn reparse(old_tree: &Tree, old_text: &str, new_text: &str, edits: &[Edit]) -> Tree {
    let mut tree = old_tree.clone();
    // Last edit first: earlier positions stay valid in old coordinates.
    for edit in edits.iter().rev() {
        let start = point_at(old_text, edit.range.start);
        let old_end = point_at(old_text, edit.range.end);
        let new_end = advance(start, &edit.content);
        tree.edit(&InputEdit {
            start_byte: edit.range.start,
            old_end_byte: edit.range.end,
            new_end_byte: edit.range.start + edit.content.len(),
            start_position: start,
            old_end_position: old_end,
            new_end_position: new_end,
        });
    }
    PARSER.with(|parser| {
        parser
            .borrow_mut()
            .parse(new_text, Some(&tree))
            .expect("a parser with a language and no timeout always returns a tree")
    })
}

/// Row and byte column of `offset`.
fn point_at(text: &str, offset: usize) -> Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let column = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(offset, |p| offset - p - 1);
    Point { row, column }
}

/// The point after writing `content` at `start`.
fn advance(start: Point, content: &str) -> Point {
    match content.rfind('\n') {
        Some(last) => Point {
            row: start.row + content.matches('\n').count(),
            column: content.len() - last - 1,
        },
        None => Point {
            row: start.row,
            column: start.column + content.len(),
        },
    }
}

/// The first ERROR or MISSING node of a tree, if it has any.
pub fn first_error(tree: &Tree) -> Option<Node<'_>> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    // Descend into the first child that has an error; stop at the error.
    'outer: loop {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.has_error() {
                node = child;
                continue 'outer;
            }
        }
        return Some(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply_fixes, Fix, TextRange};

    #[test]
    fn reparse_matches_a_fresh_parse() {
        let old = "def f(cur):\n    return cur.fetchone()[0]\n\nx = 1\n";
        let fix = Fix::safe(vec![
            Edit::insertion(12, "    row = cur.fetchone()\n"),
            Edit::replacement(TextRange::new(23, 37), "row"),
            Edit::replacement(TextRange::new(46, 47), "22"),
        ]);
        let applied = apply_fixes(old, [&fix]);
        let incremental = reparse(&parse(old), old, &applied.text, &applied.edits);
        let fresh = parse(&applied.text);
        assert_eq!(
            incremental.root_node().to_sexp(),
            fresh.root_node().to_sexp()
        );
        assert_eq!(
            applied.text,
            "def f(cur):\n    row = cur.fetchone()\n    return row[0]\n\nx = 22\n"
        );
    }
}
