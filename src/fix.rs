//! Building blocks every fix needs, so no codemod re-invents them: where a
//! statement can be inserted, fresh variable names, "ensure an import" and
//! "ensure a module logger". All return [`Edit`]s in the file's own style
//! (through the [`Stylist`](crate::source::Stylist)).

use tree_sitter::Node;

use crate::ast;
use crate::codemod::Checker;
use crate::edit::Edit;
use crate::source::{line_indent, line_start, next_line_start};

/// Where to put lines before `statement`: the start of its line and its
/// indentation. `None` when something else precedes it on that line
/// (`a = 1; b = c()` or `if x: b = c()`): inserting there would need a
/// different rewrite.
pub fn before_statement<'t>(cx: &Checker<'t>, statement: Node) -> Option<(usize, &'t str)> {
    let start = line_start(cx.text, statement.start_byte());
    let prefix = &cx.text[start..statement.start_byte()];
    if !prefix.chars().all(|c| matches!(c, ' ' | '\t' | '\x0c')) {
        return None;
    }
    Some((start, line_indent(cx.text, statement.start_byte())))
}

/// Where to put lines after `statement`, at the statement's indentation: the
/// start of the line after it. `None` when another statement follows on the
/// same line (`a = c(); b = 2`) or it is not first on its line.
///
/// The returned prefix is the text to put before the inserted lines: a line
/// ending when the file ends without one.
pub fn after_statement<'t>(
    cx: &Checker<'t>,
    statement: Node,
) -> Option<(usize, &'t str, &'static str)> {
    let (_, indent) = before_statement(cx, statement)?;
    let end = statement.end_byte();
    let rest_of_line = &cx.text[end..next_line_start(cx.text, end)];
    let rest = rest_of_line.trim_start_matches([' ', '\t', '\x0c']);
    if !(rest.is_empty()
        || rest.starts_with('#')
        || rest.starts_with('\n')
        || rest.starts_with('\r'))
    {
        return None;
    }
    let at = next_line_start(cx.text, end);
    let prefix = if at == cx.text.len() && !cx.text.ends_with('\n') {
        cx.stylist.eol()
    } else {
        ""
    };
    Some((at, indent, prefix))
}

/// A name based on `base` that no identifier in `scope` (a function, or the
/// module) uses yet: `row`, then `row_1`, `row_2`, …
pub fn fresh_name(cx: &Checker, scope: Node, base: &str) -> String {
    let taken = ast::identifiers_in(cx.text, scope);
    if !taken.contains(&base) {
        return base.to_owned();
    }
    (1..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| !taken.contains(&candidate.as_str()))
        .expect("an unbounded range always yields a free name")
}

/// The function around `node`, or the module.
pub fn scope_of<'n>(cx: &Checker<'n>, node: Node<'n>) -> Node<'n> {
    ast::enclosing_function(node).unwrap_or(cx.root)
}

/// Offset where new module-level imports go: after the module docstring,
/// `from __future__` imports and the leading block of imports; before any
/// other code.
fn import_insertion_point(cx: &Checker) -> usize {
    let mut at = 0;
    for (i, statement) in ast::module_statements(cx.root).into_iter().enumerate() {
        let is_docstring = i == 0
            && statement.kind() == "expression_statement"
            && statement
                .named_child(0)
                .is_some_and(|c| c.kind() == "string");
        let is_import = matches!(
            statement.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        );
        if is_docstring || is_import {
            at = next_line_start(cx.text, statement.end_byte());
        } else {
            break;
        }
    }
    at
}

/// Whether the module imports `module` with a plain `import module` (at
/// the top level, possibly among others: `import os, sys`).
pub fn has_import(cx: &Checker, module: &str) -> bool {
    ast::module_statements(cx.root).into_iter().any(|s| {
        s.kind() == "import_statement"
            && ast::named_children(s)
                .iter()
                .any(|name| name.kind() == "dotted_name" && ast::text(cx.text, *name) == module)
    })
}

/// An edit adding `import module` at the top of the file, unless it is
/// already imported.
pub fn ensure_import(cx: &Checker, module: &str) -> Option<Edit> {
    if has_import(cx, module) {
        return None;
    }
    Some(insert_module_lines(
        cx,
        import_insertion_point(cx),
        &format!("import {module}"),
    ))
}

fn insert_module_lines(cx: &Checker, at: usize, template: &str) -> Edit {
    let prefix = if at == cx.text.len() && !cx.text.is_empty() && !cx.text.ends_with('\n') {
        cx.stylist.eol()
    } else {
        ""
    };
    Edit::insertion(
        at,
        format!("{prefix}{}", cx.stylist.render_block(template, "")),
    )
}

/// Names an existing module logger may have.
const LOGGER_NAMES: [&str; 4] = ["logger", "log", "LOGGER", "_logger"];

/// The module's logger: an existing `logger` / `log` / `LOGGER` / `_logger`
/// assigned from `logging.getLogger(...)` at module level, or `logger`
/// with the edits that create it (`import logging` and
/// `logger = logging.getLogger(__name__)` after the imports).
pub fn ensure_module_logger(cx: &Checker) -> (String, Vec<Edit>) {
    for statement in ast::module_statements(cx.root) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|a| a.kind() == "assignment")
        else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        let name = ast::text(cx.text, left);
        if left.kind() == "identifier"
            && LOGGER_NAMES.contains(&name)
            && right.kind() == "call"
            && ast::text(cx.text, right).contains("getLogger")
        {
            return (name.to_owned(), Vec::new());
        }
    }
    let at = import_insertion_point(cx);
    let mut edits = Vec::new();
    let mut block = String::new();
    if !has_import(cx, "logging") {
        block.push_str("import logging\n");
    }
    block.push_str("\nlogger = logging.getLogger(__name__)");
    edits.push(insert_module_lines(cx, at, &block));
    ("logger".to_owned(), edits)
}

/// An edit adding `arguments` (source text of each) to a call right after
/// its argument `after`, in the layout of the argument list: inline
/// (`f(a, new)`) — or, when `after` stands on a line of its own and is
/// followed by a comma (`f(\n    a,\n)`), one new line per argument with
/// the same indentation and a trailing comma each, after any comment on
/// `after`'s line.
pub fn insert_arguments_after(cx: &Checker, after: Node, arguments: &[String]) -> Edit {
    let end = after.end_byte();
    let line_end = next_line_start(cx.text, end);
    let rest = cx.text[end..line_end].trim_end_matches(['\n', '\r']);
    let own_line = before_statement(cx, after).is_some()
        && rest.trim_start().starts_with(',')
        && rest.trim_start()[1..]
            .trim_start()
            .chars()
            .next()
            .is_none_or(|c| c == '#');
    if !own_line || line_end == cx.text.len() && !cx.text.ends_with('\n') {
        return Edit::insertion(end, format!(", {}", arguments.join(", ")));
    }
    let indent = line_indent(cx.text, after.start_byte());
    let at = end + rest.len();
    let lines: String = arguments
        .iter()
        .map(|a| format!("{}{indent}{a},", cx.stylist.eol()))
        .collect();
    Edit::insertion(at, lines)
}

/// Where `value` can be moved to a statement of its own, just before the
/// statement that contains it, without changing when or whether it runs:
/// that statement, the insertion offset and its indentation. `Err` says why
/// not: the value runs inside a lambda, comprehension or nested definition,
/// on one side of a conditional expression or of `and` / `or`, in a default
/// argument or decorator, an `elif` or `while` condition, an `assert`, or a
/// statement that shares its line.
pub fn hoist_point<'n>(
    cx: &Checker<'n>,
    value: Node<'n>,
) -> Result<(Node<'n>, usize, &'n str), &'static str> {
    let statement = ast::enclosing_statement(value).ok_or("no statement to move it before")?;
    match statement.kind() {
        "while_statement" => return Err("a `while` condition runs on every iteration"),
        "assert_statement" => return Err("asserts are removed under `python -O`"),
        _ => {}
    }
    let mut child = value;
    for parent in ast::ancestors(value).skip(1) {
        if parent.id() == statement.id() {
            break;
        }
        let kind = parent.kind();
        if ast::is_scope_boundary(kind) {
            return Err("it runs inside a lambda, comprehension or nested definition");
        }
        match kind {
            "conditional_expression" => {
                return Err("it runs only on one side of a conditional expression")
            }
            "elif_clause" => {
                return Err("an `elif` condition runs only when the branches above fail")
            }
            "block" => return Err("it is not in the statement's header"),
            "default_parameter" | "typed_default_parameter" => {
                return Err("it is a default argument, computed when the function is defined")
            }
            "decorator" => return Err("it is part of a decorator"),
            "boolean_operator"
                if parent.child_by_field_name("left").map(|l| l.id()) != Some(child.id()) =>
            {
                return Err("it runs only when the other side of `and`/`or` allows");
            }
            _ => {}
        }
        child = parent;
    }
    let (at, indent) =
        before_statement(cx, statement).ok_or("its statement shares a line with other code")?;
    Ok((statement, at, indent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply_fixes, Fix};
    use crate::parse::parse;
    use crate::source::{LineIndex, Stylist};

    fn with_checker<R>(text: &str, f: impl FnOnce(&Checker) -> R) -> R {
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        f(&cx)
    }

    fn apply(text: &str, edits: Vec<Edit>) -> String {
        apply_fixes(text, [&Fix::safe(edits)]).text
    }

    #[test]
    fn ensure_import_goes_after_docstring_and_imports() {
        let text = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport sys\n\nx = 1\n";
        let edit = with_checker(text, |cx| ensure_import(cx, "os")).unwrap();
        assert_eq!(
            apply(text, vec![edit]),
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport sys\nimport os\n\nx = 1\n"
        );
    }

    #[test]
    fn ensure_import_is_a_no_op_when_present() {
        assert!(with_checker("import os, sys\n", |cx| ensure_import(cx, "os")).is_none());
        // `from os import path` does not bind `os`.
        assert!(with_checker("from os import path\n", |cx| ensure_import(cx, "os")).is_some());
    }

    #[test]
    fn ensure_module_logger_reuses_an_existing_one() {
        let (name, edits) = with_checker(
            "import logging\nLOGGER = logging.getLogger('app')\n",
            ensure_module_logger,
        );
        assert_eq!(name, "LOGGER");
        assert!(edits.is_empty());
    }

    #[test]
    fn ensure_module_logger_creates_one_in_crlf_style() {
        let text = "import os\r\n\r\ndef f():\r\n    pass\r\n";
        let (name, edits) = with_checker(text, ensure_module_logger);
        assert_eq!(name, "logger");
        assert_eq!(
            apply(text, edits),
            "import os\r\nimport logging\r\n\r\nlogger = logging.getLogger(__name__)\r\n\r\ndef f():\r\n    pass\r\n"
        );
    }

    #[test]
    fn fresh_name_avoids_names_in_scope() {
        let text = "def f(row):\n    row_1 = 2\n    return row\n";
        let name = with_checker(text, |cx| fresh_name(cx, cx.root, "row"));
        assert_eq!(name, "row_2");
    }

    #[test]
    fn insertion_points_refuse_shared_lines() {
        let text = "if x: y = 1\nz = 2  # note\nw = 3";
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        let statements = ast::module_statements(tree.root_node());
        let inner = statements[0]
            .child_by_field_name("consequence")
            .unwrap()
            .named_child(0)
            .unwrap();
        assert!(before_statement(&cx, inner).is_none());
        assert_eq!(
            after_statement(&cx, statements[1]).map(|(at, _, _)| at),
            Some(26)
        );
        assert_eq!(after_statement(&cx, statements[2]), Some((31, "", "\n")));
    }

    #[test]
    fn arguments_follow_the_layout_of_the_call() {
        let cases = [
            ("f(a, b=1)\n", "f(a, x, y, b=1)\n"),
            (
                "f(\n    a,  # first\n    b=1,\n)\n",
                "f(\n    a,  # first\n    x,\n    y,\n    b=1,\n)\n",
            ),
            ("f(\r\n\ta,\r\n)\r\n", "f(\r\n\ta,\r\n\tx,\r\n\ty,\r\n)\r\n"),
            ("f(\n    a\n)\n", "f(\n    a, x, y\n)\n"),
        ];
        for (text, expected) in cases {
            let edit = with_checker(text, |cx| {
                let call = ast::module_statements(cx.root)[0].named_child(0).unwrap();
                let first = ast::Arguments::of(cx.text, call).positional[0];
                insert_arguments_after(cx, first, &["x".to_owned(), "y".to_owned()])
            });
            assert_eq!(apply(text, vec![edit]), expected);
        }
    }

    #[test]
    fn hoist_points() {
        let text = "def f(a=g(1)):\n    x = h(g(2)) if c else 0\n    y = [g(3) for _ in a]\n    z = k(g(4))\n";
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        let mut calls = Vec::new();
        ast::walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" && ast::text(text, n).starts_with("g(") {
                calls.push(n);
            }
            true
        });
        let results: Vec<_> = calls
            .iter()
            .map(|c| hoist_point(&cx, *c).map(|(_, at, indent)| (at, indent)))
            .collect();
        assert!(results[0].is_err());
        assert!(results[1].is_err());
        assert!(results[2].is_err());
        let z = text.find("    z").unwrap();
        assert_eq!(results[3], Ok((z, "    ")));
    }
}
