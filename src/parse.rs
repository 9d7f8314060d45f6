//! Parsing with tree-sitter-python: one parser per thread, reused.

use std::cell::RefCell;

use tree_sitter::{InputEdit, Language, Node, Parser, Point, Tree};

use crate::fix::Edit;

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
/// [`apply_fixes`](crate::fix::apply_fixes)) into `old_text`, reusing the
/// unchanged parts of `old_tree`: re-parsing costs about what changed, not
/// the whole file.
pub fn reparse(old_tree: &Tree, old_text: &str, new_text: &str, edits: &[Edit]) -> Tree {
    // Positions in one forward pass: a scan from the start of the text per
    // edit made a file with many fixes quadratic (100k fixes in a 10 MB
    // file took hours).
    let mut points = PointCursor::new(old_text);
    let input_edits: Vec<InputEdit> = edits
        .iter()
        .map(|edit| {
            let start = points.point_at(edit.range.start);
            let old_end = points.point_at(edit.range.end);
            InputEdit {
                start_byte: edit.range.start,
                old_end_byte: edit.range.end,
                new_end_byte: edit.range.start + edit.content.len(),
                start_position: start,
                old_end_position: old_end,
                new_end_position: advance(start, &edit.content),
            }
        })
        .collect();
    let mut tree = old_tree.clone();
    // Last edit first: earlier positions stay valid in old coordinates.
    for input_edit in input_edits.iter().rev() {
        tree.edit(input_edit);
    }
    PARSER.with(|parser| {
        parser
            .borrow_mut()
            .parse(new_text, Some(&tree))
            .expect("a parser with a language and no timeout always returns a tree")
    })
}

/// Row and byte column of offsets, asked in increasing order: each call
/// scans only the text since the previous one.
struct PointCursor<'t> {
    text: &'t [u8],
    offset: usize,
    row: usize,
    line_start: usize,
}

impl<'t> PointCursor<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            row: 0,
            line_start: 0,
        }
    }

    fn point_at(&mut self, offset: usize) -> Point {
        if offset < self.offset {
            // Out of order (never for sorted edits): start again.
            *self = Self {
                text: self.text,
                offset: 0,
                row: 0,
                line_start: 0,
            };
        }
        for (i, &b) in self.text[self.offset..offset].iter().enumerate() {
            if b == b'\n' {
                self.row += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        Point {
            row: self.row,
            column: offset - self.line_start,
        }
    }
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
    use crate::fix::{apply_fixes, Fix, TextRange};

    #[test]
    fn point_cursor_gives_rows_and_byte_columns() {
        let text = "ab\ncé\n\nx";
        let mut points = PointCursor::new(text);
        let at = |p: &mut PointCursor, o| {
            let Point { row, column } = p.point_at(o);
            (row, column)
        };
        assert_eq!(at(&mut points, 0), (0, 0));
        assert_eq!(at(&mut points, 2), (0, 2));
        assert_eq!(at(&mut points, 3), (1, 0));
        assert_eq!(at(&mut points, 6), (1, 3));
        assert_eq!(at(&mut points, 7), (2, 0));
        assert_eq!(at(&mut points, 9), (3, 1));
        assert_eq!(at(&mut points, 1), (0, 1), "out of order starts again");
    }

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
