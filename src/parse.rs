//! Parsing with tree-sitter-python: one parser per thread, reused.

use std::cell::RefCell;

use tree_sitter::{Language, Node, Parser, Tree};

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
