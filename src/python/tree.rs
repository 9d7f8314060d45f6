//! Syntax-tree navigation: ancestors, statements, calls and arguments,
//! dotted names, walks. Read-only and iterative (no recursion on the tree
//! depth), so deeply nested input cannot overflow the stack.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// The grammar fields auditfix reads, in the order of [`field_index`].
const FIELD_NAMES: [&str; 25] = [
    "left",
    "function",
    "name",
    "right",
    "body",
    "attribute",
    "object",
    "value",
    "condition",
    "operator",
    "consequence",
    "alias",
    "subscript",
    "module_name",
    "definition",
    "parameters",
    "superclasses",
    "arguments",
    "argument",
    "expression",
    "key",
    "type",
    "cause",
    "alternative",
    "return_type",
];

fn field_index(name: &str) -> Option<usize> {
    Some(match name {
        "left" => 0,
        "function" => 1,
        "name" => 2,
        "right" => 3,
        "body" => 4,
        "attribute" => 5,
        "object" => 6,
        "value" => 7,
        "condition" => 8,
        "operator" => 9,
        "consequence" => 10,
        "alias" => 11,
        "subscript" => 12,
        "module_name" => 13,
        "definition" => 14,
        "parameters" => 15,
        "superclasses" => 16,
        "arguments" => 17,
        "argument" => 18,
        "expression" => 19,
        "key" => 20,
        "type" => 21,
        "cause" => 22,
        "alternative" => 23,
        "return_type" => 24,
        _ => return None,
    })
}

/// A node's child in a grammar field, by field id. tree-sitter's
/// `child_by_field_name` finds the id by comparing the name with every
/// field name of the grammar on each call (3 % of a run's instructions
/// did that); here the ids are looked up once.
pub trait Field<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> Field<'t> for Node<'t> {
    #[inline]
    fn field(&self, name: &str) -> Option<Node<'t>> {
        static IDS: std::sync::LazyLock<[Option<std::num::NonZeroU16>; 25]> =
            std::sync::LazyLock::new(|| {
                let language = crate::parse::language();
                FIELD_NAMES.map(|name| language.field_id_for_name(name))
            });
        match field_index(name) {
            Some(index) => IDS[index].and_then(|id| self.child_by_field_id(id.get())),
            None => self.child_by_field_name(name),
        }
    }
}

/// `node`, its parent, its grandparent, … up to the module.
pub fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(Some(node), |n| n.parent())
}

/// Named children of a node.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Whether `kind` is a statement (a child of a block or of the module).
fn is_statement_container(kind: &str) -> bool {
    matches!(kind, "block" | "module")
}

/// The statement that contains `node` (the node itself if it is one).
/// For a node in the header of a compound statement (an `if` condition),
/// that is the compound statement.
pub fn enclosing_statement(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node).find(|n| n.parent().is_some_and(|p| is_statement_container(p.kind())))
}

/// Kinds that start a new scope or delay evaluation: a value computed
/// inside them cannot be hoisted out, and a check inside them does not
/// protect code outside.
pub fn is_scope_boundary(kind: &str) -> bool {
    matches!(
        kind,
        "function_definition"
            | "lambda"
            | "class_definition"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
    )
}

/// The innermost function definition around `node`.
pub fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestors(node)
        .skip(1)
        .find(|n| n.kind() == "function_definition")
}

/// The function name of the innermost `def` around `node`, if any.
pub fn enclosing_function_name<'t>(text: &'t str, node: Node<'_>) -> Option<&'t str> {
    let function = enclosing_function(node)?;
    let name = function.field("name")?;
    Some(&text[name.byte_range()])
}

/// The text of a node.
pub fn text<'t>(text: &'t str, node: Node<'_>) -> &'t str {
    &text[node.byte_range()]
}

/// Strip redundant parentheses: `((x))` → `x`.
pub fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// The node `node` is wrapped in, skipping parentheses.
pub fn parent_skipping_parens(node: Node<'_>) -> Option<Node<'_>> {
    let mut parent = node.parent()?;
    while parent.kind() == "parenthesized_expression" {
        parent = parent.parent()?;
    }
    Some(parent)
}

/// For a call `a.b.c(…)`: the receiver `a.b` and the name `c`; for `f(…)`:
/// no receiver and `f`.
pub fn call_target<'n, 't>(text: &'t str, call: Node<'n>) -> Option<(Option<Node<'n>>, &'t str)> {
    let function = call.field("function")?;
    match function.kind() {
        "identifier" => Some((None, &text[function.byte_range()])),
        "attribute" => {
            let name = function.field("attribute")?;
            Some((function.field("object"), &text[name.byte_range()]))
        }
        _ => None,
    }
}

/// `a.b.c` as a string when the expression is a chain of plain names.
pub fn dotted_name(text: &str, node: Node<'_>) -> Option<String> {
    let mut parts = Vec::new();
    let mut current = node;
    loop {
        match current.kind() {
            "identifier" => {
                parts.push(&text[current.byte_range()]);
                break;
            }
            "attribute" => {
                parts.push(&text[current.field("attribute")?.byte_range()]);
                current = current.field("object")?;
            }
            _ => return None,
        }
    }
    parts.reverse();
    Some(parts.join("."))
}

/// The positional arguments and keyword arguments of a call.
pub struct Arguments<'n> {
    pub positional: Vec<Node<'n>>,
    pub keywords: Vec<(String, Node<'n>, Node<'n>)>,
    /// `*args` or `**kwargs` present: the call's arguments are not all visible.
    pub has_splat: bool,
    pub list: Option<Node<'n>>,
}

impl<'n> Arguments<'n> {
    pub fn of(text: &str, call: Node<'n>) -> Self {
        let mut args = Arguments {
            positional: Vec::new(),
            keywords: Vec::new(),
            has_splat: false,
            list: call.field("arguments"),
        };
        let Some(list) = args.list else {
            return args;
        };
        for child in named_children(list) {
            match child.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (child.field("name"), child.field("value")) {
                        args.keywords
                            .push((text[name.byte_range()].to_owned(), child, value));
                    }
                }
                "list_splat" | "dictionary_splat" => args.has_splat = true,
                "comment" => {}
                _ => args.positional.push(child),
            }
        }
        args
    }

    /// The `index`-th positional argument, or else keyword `name` (a
    /// parameter that may be passed either way, like `subprocess.run`'s
    /// `args`).
    pub fn positional_or_keyword(&self, index: usize, name: &str) -> Option<Node<'n>> {
        self.positional
            .get(index)
            .copied()
            .or_else(|| self.keyword(name))
    }

    /// The value of keyword argument `name`.
    pub fn keyword(&self, name: &str) -> Option<Node<'n>> {
        self.keywords
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, v)| *v)
    }

    /// The whole `name=value` node of keyword argument `name`.
    pub fn keyword_node(&self, name: &str) -> Option<Node<'n>> {
        self.keywords
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, n, _)| *n)
    }
}

/// The statements that ran before the one containing `node`, nearest
/// first: its earlier siblings, then those of the statements around it, up
/// to (not beyond) the enclosing function, class or module.
pub fn statements_before(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut statement = enclosing_statement(node);
    let mut previous = statement.and_then(|s| s.prev_named_sibling());
    std::iter::from_fn(move || loop {
        if let Some(candidate) = previous {
            previous = candidate.prev_named_sibling();
            return Some(candidate);
        }
        let block = statement?.parent().filter(|p| p.kind() == "block")?;
        let owner = block.parent()?;
        if is_scope_boundary(owner.kind()) {
            return None;
        }
        // Clauses (`else:`, `except:`) hang below the compound statement.
        let owner = if owner
            .parent()
            .is_some_and(|p| p.kind() == "block" || p.kind() == "module")
        {
            owner
        } else {
            owner.parent()?
        };
        statement = Some(owner);
        previous = owner.prev_named_sibling();
    })
}

/// Module-level statements, in order.
pub fn module_statements(root: Node<'_>) -> Vec<Node<'_>> {
    named_children(root)
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// Every identifier text inside `scope` (iterative walk).
pub fn identifiers_in<'t>(text: &'t str, scope: Node<'_>) -> Vec<&'t str> {
    let mut names = Vec::new();
    walk_descendants(scope, |node| {
        if node.kind() == "identifier" {
            names.push(&text[node.byte_range()]);
        }
        true
    });
    names
}

/// Whether the tree under `root` nests deeper than `limit` levels.
///
/// A subtree of `n` nodes cannot reach more than `n - 1` levels below its
/// root, and tree-sitter stores every node's descendant count, so only the
/// subtrees big enough to hold such a chain are entered: on real code that
/// is the spine of a few large classes and functions, not the whole tree.
pub fn deeper_than(root: Node<'_>, limit: usize) -> bool {
    let mut deep = false;
    walk_with_depth(root, |node, depth| {
        deep |= depth > limit;
        !deep && depth + node.descendant_count() > limit + 1
    });
    deep
}

/// Visit every node under `node` (including itself) in source order,
/// without recursion. `visit` returns false to skip a node's children.
pub fn walk_descendants<'n>(node: Node<'n>, mut visit: impl FnMut(Node<'n>) -> bool) {
    walk_with_depth(node, |n, _| visit(n));
}

/// [`walk_descendants`], also telling each node's depth below `node`.
pub fn walk_with_depth<'n>(node: Node<'n>, mut visit: impl FnMut(Node<'n>, usize) -> bool) {
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        let descend = visit(cursor.node(), depth);
        if descend && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if depth == 0 {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// The names of the classes and functions around `node`, outermost first:
/// `["Cache", "refresh"]` inside `class Cache: def refresh(self): ...`.
pub fn scope_names<'t>(text: &'t str, node: Node<'_>) -> Vec<&'t str> {
    let mut names: Vec<&str> = ancestors(node)
        .skip(1)
        .filter(|n| matches!(n.kind(), "function_definition" | "class_definition"))
        .filter_map(|n| n.field("name"))
        .map(|n| self::text(text, n))
        .collect();
    names.reverse();
    names
}

/// Whether the function `function` is a generator: a `yield` in its own
/// body (not in a nested function, lambda or class).
pub fn is_generator(function: Node<'_>) -> bool {
    let mut found = false;
    let Some(body) = function.field("body") else {
        return false;
    };
    walk_descendants(body, |n| {
        if found
            || matches!(
                n.kind(),
                "function_definition" | "lambda" | "class_definition"
            )
        {
            return false;
        }
        if n.kind() == "yield" {
            found = true;
        }
        true
    });
    found
}

/// `if __name__ == "__main__":` (either order, either quote).
pub fn is_main_guard(text: &str, statement: Node<'_>) -> bool {
    if statement.kind() != "if_statement" {
        return false;
    }
    let Some(condition) = statement.field("condition") else {
        return false;
    };
    let condition = unparenthesize(condition);
    if condition.kind() != "comparison_operator" {
        return false;
    }
    let operands = named_children(condition);
    let has_name = operands
        .iter()
        .any(|o| o.kind() == "identifier" && self::text(text, *o) == "__name__");
    let has_main = operands
        .iter()
        .any(|o| super::strings::string_value(text, *o) == Some("__main__"));
    has_name && has_main
}

/// Whether `node` runs in the module's `if __name__ == "__main__":` block
/// (directly, not in a function defined there).
pub fn in_main_block(text: &str, node: Node<'_>) -> bool {
    for ancestor in ancestors(node).skip(1) {
        if matches!(
            ancestor.kind(),
            "function_definition" | "lambda" | "class_definition"
        ) {
            return false;
        }
        if is_main_guard(text, ancestor) {
            return ancestor.parent().is_some_and(|p| p.kind() == "module");
        }
    }
    false
}

/// The module-level functions of a file by a scan of its lines, without
/// parsing: `(name, source)` for each `def name(` / `async def name(` at
/// column 0, its source running to the next non-blank, non-comment line at
/// column 0 (decorators are not included). A column-0 line inside a
/// triple-quoted string in the body ends it early; callers parse the
/// source and give up on errors.
pub fn scan_top_level_functions(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut current: Option<(&str, usize)> = None;
    let mut offset = 0;
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let column0 = !line.starts_with([' ', '\t', '\r', '\n', '#']);
        if column0 {
            if let Some((name, from)) = current.take() {
                out.push((name, &text[from..end]));
            }
            let head = line.strip_prefix("async ").unwrap_or(line);
            if let Some(rest) = head.strip_prefix("def ") {
                let name_end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..name_end];
                if !name.is_empty() {
                    current = Some((name, start));
                }
            }
        }
        if !line.trim().is_empty() {
            end = offset;
        }
    }
    if let Some((name, from)) = current {
        out.push((name, &text[from..end]));
    }
    out
}

/// The blocks of an `if` / `elif` / `else` chain, when it has an `else`
/// (so that one of them always runs); `None` otherwise.
pub fn if_branches(statement: Node<'_>) -> Option<Vec<Node<'_>>> {
    if statement.kind() != "if_statement" {
        return None;
    }
    let mut blocks: Vec<Node> = statement.field("consequence").into_iter().collect();
    let mut has_else = false;
    for clause in named_children(statement) {
        match clause.kind() {
            "elif_clause" => blocks.extend(clause.field("consequence")),
            "else_clause" => {
                has_else = true;
                blocks.extend(clause.field("body"));
            }
            _ => {}
        }
    }
    has_else.then_some(blocks)
}

/// Helpers shared by the test modules of `python`.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The first node of `kind` in source order.
    pub fn first<'t>(tree: &'t tree_sitter::Tree, kind: &str) -> Node<'t> {
        let mut found = None;
        walk_descendants(tree.root_node(), |n| {
            if found.is_none() && n.kind() == kind {
                found = Some(n);
            }
            found.is_none()
        });
        found.unwrap_or_else(|| panic!("no {kind}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn fields_by_id_are_the_fields_by_name() {
        let text = "from a import b as c\nclass K(B):\n    def f(x) -> int:\n        y = x.m(1)[k] if x else -x\n        raise E from y\n";
        let tree = parse(text);
        let mut seen = 0;
        walk_descendants(tree.root_node(), |node| {
            for name in FIELD_NAMES.iter().chain(&["no_such_field"]) {
                let by_id = node.field(name);
                assert_eq!(by_id, node.child_by_field_name(name), "{name}");
                seen += usize::from(by_id.is_some());
            }
            true
        });
        assert!(seen > 20, "{seen}");
        for (index, name) in FIELD_NAMES.iter().enumerate() {
            assert_eq!(field_index(name), Some(index));
            assert!(
                crate::parse::language().field_id_for_name(name).is_some(),
                "{name}"
            );
        }
    }

    #[test]
    fn deeper_than_agrees_with_a_full_walk_at_every_limit() {
        let sources = [
            "x = 1\n".to_string(),
            format!("y = {}1{}\n", "(".repeat(40), ")".repeat(40)),
            format!("s = 'a'{}\n", " + 'b'".repeat(60)),
            "class A:\n    def f(self):\n        if x:\n            return [1, {2: (3,)}]\n".into(),
        ];
        for text in &sources {
            let tree = parse(text);
            let mut max = 0;
            walk_with_depth(tree.root_node(), |_, depth| {
                max = max.max(depth);
                true
            });
            assert!(max > 1, "{text}");
            for limit in 0..max + 3 {
                assert_eq!(
                    deeper_than(tree.root_node(), limit),
                    max > limit,
                    "limit {limit}, depth {max}: {text}"
                );
            }
        }
    }

    #[test]
    fn top_level_functions_by_lines() {
        let text = "import x\n\n@dec\nasync def exists(event):\n    row = 1\n\n    # c\n    return row\n\nclass A:\n    def m(self):\n        pass\ndef f(): pass\n";
        let found = scan_top_level_functions(text);
        let names: Vec<&str> = found.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["exists", "f"]);
        assert_eq!(
            found[0].1,
            "async def exists(event):\n    row = 1\n\n    # c\n    return row\n"
        );
        assert_eq!(found[1].1, "def f(): pass\n");
    }

    fn find<'t>(tree: &'t tree_sitter::Tree, text: &str, kind: &str, snippet: &str) -> Node<'t> {
        let mut found = None;
        walk_descendants(tree.root_node(), |n| {
            if found.is_none() && n.kind() == kind && &text[n.byte_range()] == snippet {
                found = Some(n);
            }
            true
        });
        found.unwrap_or_else(|| panic!("no {kind} `{snippet}`"))
    }

    #[test]
    fn enclosing_statement_of_a_condition_is_the_if() {
        let text = "def f():\n    if a.b():\n        pass\n";
        let tree = parse(text);
        let call = find(&tree, text, "call", "a.b()");
        assert_eq!(enclosing_statement(call).unwrap().kind(), "if_statement");
        assert_eq!(enclosing_function_name(text, call), Some("f"));
    }

    #[test]
    fn call_target_and_dotted_names() {
        let text = "x = os.environ.get('K')\n";
        let tree = parse(text);
        let call = find(&tree, text, "call", "os.environ.get('K')");
        let (receiver, name) = call_target(text, call).unwrap();
        assert_eq!(name, "get");
        assert_eq!(
            dotted_name(text, receiver.unwrap()).as_deref(),
            Some("os.environ")
        );
    }

    #[test]
    fn try_handlers_are_recognised() {
        let text = "try:\n    a()\nexcept (ValueError, errors.TypeError):\n    pass\ntry:\n    b()\nexcept KeyError:\n    pass\n";
        let tree = parse(text);
        let a = find(&tree, text, "call", "a()");
        let b = find(&tree, text, "call", "b()");
        assert!(inside_try_catching(text, a, &["TypeError"]));
        assert!(!inside_try_catching(text, b, &["TypeError"]));
    }

    #[test]
    fn string_values() {
        let text = "a = 'x'\nb = f'x'\nc = 'a\\n'\n";
        let tree = parse(text);
        assert_eq!(
            string_value(text, find(&tree, text, "string", "'x'")),
            Some("x")
        );
        assert_eq!(
            string_value(text, find(&tree, text, "string", "f'x'")),
            None
        );
        assert_eq!(
            string_value(text, find(&tree, text, "string", "'a\\n'")),
            None
        );
    }

    fn chars(text: &str, snippet: &str) -> (String, Vec<String>) {
        let tree = parse(text);
        let node = find(&tree, text, "string", snippet);
        let parts = string_pieces(text, node).unwrap();
        let mut value = String::new();
        let mut sources = Vec::new();
        for piece in parts.pieces {
            match piece {
                StringPiece::Char { ch, range } => {
                    value.push(ch.unwrap_or('?'));
                    sources.push(text[range.as_range()].to_owned());
                }
                StringPiece::Interpolation(node) => {
                    value.push('@');
                    sources.push(text[node.byte_range()].to_owned());
                }
            }
        }
        (value, sources)
    }

    #[test]
    fn string_pieces_decode_escapes_and_keep_sources() {
        let text = "a = 'x\\'y\\n\\x41\\\nz'\n";
        let (value, sources) = chars(text, "'x\\'y\\n\\x41\\\nz'");
        assert_eq!(value, "x'y\nAz");
        assert_eq!(sources, ["x", "\\'", "y", "\\n", "\\x41", "z"]);

        let text = "a = rf\"\\d{{{b}}}%\"\n";
        let (value, sources) = chars(text, "rf\"\\d{{{b}}}%\"");
        assert_eq!(value, "\\d{@}%");
        assert_eq!(sources, ["\\", "d", "{{", "{b}", "}}", "%"]);

        let text = "a = '{{x}} \\N{DASH} \\q'\n";
        let (value, _) = chars(text, "'{{x}} \\N{DASH} \\q'");
        assert_eq!(value, "{{x}} ? \\q");
    }

    #[test]
    fn module_imports_lists_bindings() {
        let text = "import os, mysql.connector as mc\nfrom os import getenv as ge, environ\ntry:\n    import psycopg2\nexcept ImportError:\n    from . import fallback\ndef f():\n    import sqlite3\n";
        let imports = module_imports(text, parse(text).root_node());
        let listed: Vec<(String, Option<String>, String)> = imports
            .into_iter()
            .map(|i| (i.module, i.name, i.alias))
            .collect();
        let own =
            |m: &str, n: Option<&str>, a: &str| (m.to_owned(), n.map(str::to_owned), a.to_owned());
        assert_eq!(
            listed,
            vec![
                own("os", None, "os"),
                own("mysql.connector", None, "mc"),
                own("os", Some("getenv"), "ge"),
                own("os", Some("environ"), "environ"),
                own("psycopg2", None, "psycopg2"),
                own(".", Some("fallback"), "fallback"),
            ]
        );
    }

    #[test]
    fn nosec_markers() {
        let text = "a = 1  # nosec\nb = 2  # nosec B608\nc = 3  # nosec: B105, B106\nd = 4  # nosecurity\ne = 5\n";
        let line = |n: usize| {
            let start: usize = text.split_inclusive('\n').take(n - 1).map(str::len).sum();
            crate::fix::TextRange::new(start, start + 1)
        };
        assert!(has_nosec(text, line(1), &["B608"]));
        assert!(has_nosec(text, line(2), &["B608"]));
        assert!(!has_nosec(text, line(2), &["B105"]));
        assert!(has_nosec(text, line(3), &["B106"]));
        assert!(!has_nosec(text, line(4), &["B608"]));
        assert!(!has_nosec(text, line(5), &["B608"]));
        assert!(!has_nosec(
            text,
            crate::fix::TextRange::new(line(4).start, line(5).end),
            &["B608"]
        ));
    }

    #[test]
    fn comprehensions_run_inside_the_try_generators_do_not() {
        let text = "try:\n    a = [int(x) for x in xs]\n    b = (float(y) for y in ys)\nexcept ValueError:\n    pass\n";
        let tree = parse(text);
        let eager = find(&tree, text, "call", "int(x)");
        let lazy = find(&tree, text, "call", "float(y)");
        assert!(handled_by_try(text, eager, &["ValueError"]));
        assert!(!inside_try_catching(text, eager, &["ValueError"]));
        assert!(!handled_by_try(text, lazy, &["ValueError"]));
        assert!(!handled_by_try(text, eager, &["KeyError"]));
    }
}

#[cfg(test)]
mod main_block_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn main_blocks() {
        let text =
            "if __name__ == '__main__':\n    a()\n    def f():\n        b()\nif x:\n    c()\n";
        let tree = parse(text);
        let mut verdicts = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" {
                verdicts.push(in_main_block(text, n));
            }
            true
        });
        assert_eq!(verdicts, [true, false, false]);
    }
}
