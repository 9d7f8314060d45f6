//! Building blocks every fix needs, so no codemod re-invents them: where a
//! statement can be inserted, fresh variable names, "ensure an import" and
//! "ensure a module logger". All return [`Edit`]s in the file's own style
//! (through the [`Stylist`](crate::source::Stylist)).

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::Checker;
use crate::fix::{Edit, TextRange};
use crate::python;
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
    let taken = python::identifiers_in(cx.text, scope);
    // A module-level name (`from sqlalchemy import exc`) is taken too:
    // binding it in a function would make it local there (and `except …
    // as exc` deletes it at the end of the handler).
    let free = |name: &str| {
        !taken.contains(&name)
            && cx
                .memo(("module_binding_start", name), || {
                    python::module_binding_start(cx.text, cx.root, name)
                })
                .is_none()
    };
    if free(base) {
        return base.to_owned();
    }
    (1..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| free(candidate))
        .expect("an unbounded range always yields a free name")
}

/// The function around `node`, or the module.
pub fn scope_of<'n>(cx: &Checker<'n>, node: Node<'n>) -> Node<'n> {
    python::enclosing_function(node).unwrap_or(cx.root)
}

/// Offset where new module-level imports go: after the module docstring,
/// `from __future__` imports and the leading block of imports; before any
/// other code.
fn import_insertion_point(cx: &Checker) -> usize {
    cx.memo(("import_insertion_point", ""), || {
        scan_import_insertion_point(cx)
    })
}

fn scan_import_insertion_point(cx: &Checker) -> usize {
    // A shebang or encoding declaration (PEP 263) only works on line 1 or
    // 2: nothing goes before comments there (found by fuzzing). A line
    // with a bare CR is not one line to Python; leave it alone.
    let mut at = 0;
    for _ in 0..2 {
        let end = next_line_start(cx.text, at);
        let line = &cx.text[at..end];
        let comment = line
            .trim_start_matches([' ', '\t', '\x0c'])
            .starts_with('#');
        if !comment || line.trim_end_matches(['\r', '\n']).contains('\r') {
            break;
        }
        at = end;
    }
    for (i, statement) in python::module_statements(cx.root).into_iter().enumerate() {
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
    cx.memo(("has_import", module), || {
        python::module_statements(cx.root).into_iter().any(|s| {
            s.kind() == "import_statement"
                && python::named_children(s).iter().any(|name| {
                    name.kind() == "dotted_name" && python::text(cx.text, *name) == module
                })
        })
    })
}

/// Edits removing `names` from the module's `from m import …` lines when a
/// fix stops using them: each name must be imported that way and read
/// nowhere outside `replaced` (the range the fix rewrites). A line left
/// with no names goes entirely. Only plain one-line imports (no
/// parentheses, backslash or comment) are rewritten; others are left as
/// they are (an unused import is untidy, a broken one is not an option).
pub fn drop_unused_imported_names(
    cx: &Checker,
    names: &[&str],
    replaced: std::ops::Range<usize>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for statement in python::module_statements(cx.root) {
        if statement.kind() != "import_from_statement" {
            continue;
        }
        let statement_text = python::text(cx.text, statement);
        if statement_text.contains(['(', '\\', '#', '\n']) {
            continue;
        }
        let Some(module) = statement.field("module_name") else {
            continue;
        };
        let mut cursor = statement.walk();
        let imported: Vec<(String, String)> = statement
            .children_by_field_name("name", &mut cursor)
            .map(|name| {
                let bound = match name.kind() {
                    "aliased_import" => name.field("alias").unwrap_or(name),
                    _ => name,
                };
                (
                    python::text(cx.text, name).to_owned(),
                    python::text(cx.text, bound).to_owned(),
                )
            })
            .collect();
        let dropped = |bound: &str| {
            names.contains(&bound)
                && !python::read_outside(cx.text, cx.root, bound, replaced.clone())
        };
        if !imported.iter().any(|(_, bound)| dropped(bound)) {
            continue;
        }
        let kept: Vec<&str> = imported
            .iter()
            .filter(|(_, bound)| !dropped(bound))
            .map(|(written, _)| written.as_str())
            .collect();
        if kept.is_empty() {
            let end = crate::source::next_line_start(cx.text, statement.end_byte());
            let line_start = cx.text[..statement.start_byte()]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            if cx.text[line_start..statement.start_byte()]
                .trim()
                .is_empty()
            {
                edits.push(Edit::deletion(TextRange::new(line_start, end)));
            }
        } else {
            edits.push(Edit::replacement(
                TextRange::from(statement.byte_range()),
                format!(
                    "from {} import {}",
                    python::text(cx.text, module),
                    kept.join(", ")
                ),
            ));
        }
    }
    edits
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

/// The edits that create the module logger `logger`: `import logging`
/// (when missing) and `logger = logging.getLogger(__name__)` after the
/// imports. Only [`module_logger_at`] calls it, once it has decided that
/// the module has no logger to reuse.
fn create_module_logger(cx: &Checker) -> (String, Vec<Edit>) {
    // Named as the project names its loggers (`getLogger("discord")` in
    // most modules), else after the module.
    let factory = cx.project().logger_convention().map_or_else(
        || "__name__".to_owned(),
        |name| cx.stylist.string_literal(name),
    );
    cx.memo(("create_module_logger", ""), || {
        let at = import_insertion_point(cx);
        let mut block = String::new();
        if !has_import(cx, "logging") {
            block.push_str("import logging\n");
        }
        block.push_str(&format!("\nlogger = logging.getLogger({factory})"));
        (
            "logger".to_owned(),
            vec![insert_module_lines(cx, at, &block)],
        )
    })
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
    let statement = python::enclosing_statement(value).ok_or("no statement to move it before")?;
    match statement.kind() {
        "while_statement" => return Err("a `while` condition runs on every iteration"),
        "assert_statement" => return Err("asserts are removed under `python -O`"),
        _ => {}
    }
    let mut child = value;
    for parent in python::ancestors(value).skip(1) {
        if parent.id() == statement.id() {
            break;
        }
        let kind = parent.kind();
        if python::is_scope_boundary(kind) {
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
            "boolean_operator" if parent.field("left").map(|l| l.id()) != Some(child.id()) => {
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

/// In a method of a class whose methods log through `self.log` /
/// `self.logger` (`self._log`, `self._logger`): that logger.
fn class_logger(cx: &Checker<'_>, call: Node<'_>) -> Option<String> {
    let function = python::enclosing_function(call)?;
    let mut parent = function.parent()?;
    if parent.kind() == "decorated_definition" {
        parent = parent.parent()?;
    }
    let class = parent
        .parent()
        .filter(|c| parent.kind() == "block" && c.kind() == "class_definition")?;
    let first_parameter = function
        .field("parameters")
        .and_then(|p| p.named_child(0))
        .map(|p| python::text(cx.text, p));
    if first_parameter != Some("self") {
        return None;
    }
    let key = class.start_byte().to_string();
    cx.memo(("class_logger", &key), || {
        // Most classes have no such logger: their text says so without a walk.
        let source = &cx.text[class.byte_range()];
        if !["self.log", "self._log"].iter().any(|p| source.contains(p)) {
            return None;
        }
        let mut found: Option<String> = None;
        python::walk_descendants(class, |node| {
            if found.is_some() {
                return false;
            }
            if node.kind() == "call" {
                if let Some((Some(receiver), method)) = python::call_target(cx.text, node) {
                    let receiver = python::text(cx.text, receiver);
                    let attribute = receiver.strip_prefix("self.").unwrap_or("");
                    if python::LOG_METHODS.contains(&method)
                        && matches!(attribute, "log" | "logger" | "_log" | "_logger")
                    {
                        found = Some(receiver.to_owned());
                    }
                }
            }
            true
        });
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{apply_fixes, Fix};
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
    fn module_loggers_finds_an_existing_one() {
        let text = "import logging\nLOGGER = logging.getLogger('app')\n";
        let found = with_checker(text, |cx| python::module_loggers(cx.text, cx.root));
        assert_eq!(found, Ok((Some(("LOGGER".to_owned(), 15)), false)));
    }

    #[test]
    fn create_module_logger_in_crlf_style() {
        let text = "import os\r\n\r\ndef f():\r\n    pass\r\n";
        let (name, edits) = with_checker(text, create_module_logger);
        assert_eq!(name, "logger");
        assert_eq!(
            apply(text, edits),
            "import os\r\nimport logging\r\n\r\nlogger = logging.getLogger(__name__)\r\n\r\ndef f():\r\n    pass\r\n"
        );
    }

    #[test]
    fn new_lines_go_after_a_shebang_and_encoding_declaration() {
        let text = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nx = 1\n";
        let (_, edits) = with_checker(text, create_module_logger);
        assert_eq!(
            apply(text, edits),
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport logging\n\nlogger = logging.getLogger(__name__)\nx = 1\n"
        );
    }

    #[test]
    fn fresh_name_avoids_module_level_names() {
        let text = "from sqlalchemy import exc\ndef f():\n    pass\n";
        let name = with_checker(text, |cx| {
            let function = python::module_statements(cx.root)[1];
            fresh_name(cx, function, "exc")
        });
        assert_eq!(name, "exc_1");
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
        let statements = python::module_statements(tree.root_node());
        let inner = statements[0]
            .field("consequence")
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
                let call = python::module_statements(cx.root)[0]
                    .named_child(0)
                    .unwrap();
                let first = python::Arguments::of(cx.text, call).positional[0];
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
        python::walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" && python::text(text, n).starts_with("g(") {
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

/// The logger to call at `node` — the one logger policy every codemod
/// that logs goes through — with the edits that create it if the module
/// has none (as [`create_module_logger`]), or why no logger can be used
/// there, for a report-only message.
///
/// In a method of a class whose methods log through `self.log` /
/// `self.logger` (`self._log`, `self._logger`), that logger; in a module
/// that logs only through the `logging` module's functions
/// (`logging.error(...)`), `logging` itself.
/// Reuses a module-level `logger` / `log` / `LOGGER` / `_logger` assigned
/// from `getLogger(...)`, `get_logger(...)`, `get_task_logger(...)` or
/// `getChild(...)`, or imported (`from app.log import logger`). Refuses:
/// a loguru logger (its methods take other arguments than `logging`'s);
/// a logger defined only after module-level code at `node` runs; a
/// function around `node` that binds the name itself (a parameter or local
/// `logger` would be called instead); and a module-level `logger` that is
/// something else, which a new one would replace.
pub fn module_logger_at(cx: &Checker, node: Node) -> Result<(String, Vec<Edit>), String> {
    if let Some(logger) = class_logger(cx, node) {
        return Ok((logger, Vec::new()));
    }
    let (existing, logger_taken) = cx.memo(("module_loggers", ""), || {
        python::module_loggers(cx.text, cx.root)
    })?;
    // A module logger under another name (`bot_log = logging.getLogger(
    // "bot")`) is reused rather than joined by a second one.
    let existing = match existing {
        None if !logger_taken => cx.memo(("module_logger_any_name", ""), || {
            python::module_logger_any_name(cx.text, cx.root)
        }),
        existing => existing,
    };
    let runs_at_import = python::enclosing_function(node).is_none()
        && !python::ancestors(node).any(|n| n.kind() == "lambda");
    // A module that logs through `logging.error(...)` keeps doing so.
    let root_functions = existing.is_none()
        && !logger_taken
        && cx.memo(("logs_through_root_functions", ""), || {
            python::logs_through_root_functions(cx.text, cx.root)
        });
    if root_functions {
        return Ok(("logging".to_owned(), Vec::new()));
    }
    let (name, edits) = match existing {
        Some((name, defined_at)) => {
            if runs_at_import && defined_at > node.start_byte() {
                return Err(format!(
                    "the module logger `{name}` is only defined further down"
                ));
            }
            (name, Vec::new())
        }
        None if logger_taken => {
            return Err("the module binds `logger` to something that is not a logger".into());
        }
        None => create_module_logger(cx),
    };
    let shadowed = python::ancestors(node)
        .skip(1)
        .filter(|n| matches!(n.kind(), "function_definition" | "lambda"))
        .any(|scope| python::binds_name(cx.text, scope, &name));
    if shadowed {
        return Err(format!("a local `{name}` shadows the module logger"));
    }
    Ok((name, edits))
}

/// Edits adding `argument` (e.g. `timeout=30`) as the last argument of
/// `call`, in the layout of its argument list:
///
/// - one argument per line (the closing parenthesis on a line of its own
///   and the last argument first on its line): a new line at the last
///   argument's indentation, with a trailing comma when the list has one
///   (a comma is added after the old last argument when it had none);
/// - otherwise inline: `f(a, b)` → `f(a, b, timeout=30)`, `f(a, b,)` →
///   `f(a, b, timeout=30,)`, `f()` → `f(timeout=30)`.
///
/// `None` when the call's argument is a bare generator expression
/// (`f(x for x in y)`), which cannot take more arguments.
pub fn append_argument(cx: &Checker, call: Node, argument: &str) -> Option<Vec<Edit>> {
    let list = call
        .field("arguments")
        .filter(|l| l.kind() == "argument_list")?;
    let children: Vec<Node> = {
        let mut cursor = list.walk();
        list.children(&mut cursor).collect()
    };
    let close = children.last().filter(|c| c.kind() == ")")?;
    let Some(last_index) = children
        .iter()
        .rposition(|c| c.is_named() && c.kind() != "comment")
    else {
        let open = children.first().filter(|c| c.kind() == "(")?;
        return Some(vec![Edit::insertion(open.end_byte(), argument)]);
    };
    let last = children[last_index];
    let comma = children[last_index + 1..]
        .iter()
        .take_while(|c| c.kind() == "," || c.kind() == "comment")
        .find(|c| c.kind() == ",");
    let own_line = close.start_position().row > last.end_position().row
        && cx.text[line_start(cx.text, last.start_byte())..last.start_byte()]
            .chars()
            .all(|c| matches!(c, ' ' | '\t'));
    if !own_line {
        return Some(vec![match comma {
            Some(comma) => Edit::insertion(comma.end_byte(), format!(" {argument},")),
            None => Edit::insertion(last.end_byte(), format!(", {argument}")),
        }]);
    }
    let indent = line_indent(cx.text, last.start_byte());
    let anchor = comma.map_or(last.end_byte(), |c| c.end_byte());
    let trailing = if comma.is_some() { "," } else { "" };
    let mut edits = vec![Edit::insertion(
        next_line_start(cx.text, anchor),
        format!("{indent}{argument}{trailing}{}", cx.stylist.eol()),
    )];
    if comma.is_none() {
        edits.push(Edit::insertion(last.end_byte(), ","));
    }
    Some(edits)
}

/// Edits removing one argument of a call with its comma, leaving the list
/// as a person would: a line of its own disappears with the line (and the
/// comma before it when it was the last argument without a trailing
/// comma); inline, `f(a, x=1, b)` → `f(a, b)`, `f(a, x=1)` → `f(a)`.
/// `None` when a comment would be deleted with it, or `argument` is not an
/// argument of an argument list.
pub fn remove_argument(cx: &Checker, argument: Node) -> Option<Vec<Edit>> {
    let list = argument.parent().filter(|l| l.kind() == "argument_list")?;
    let children: Vec<Node> = {
        let mut cursor = list.walk();
        list.children(&mut cursor).collect()
    };
    let index = children.iter().position(|c| c.id() == argument.id())?;
    let is_item = |c: &Node| c.is_named() && c.kind() != "comment";
    let previous = children[..index].iter().rfind(|c| is_item(c)).copied();
    let next = children[index + 1..].iter().find(|c| is_item(c)).copied();
    let comma_after = children[index + 1..]
        .iter()
        .take_while(|c| !is_item(c))
        .find(|c| c.kind() == ",")
        .copied();
    let comma_before = previous.and_then(|p| {
        children
            .iter()
            .find(|c| {
                c.kind() == ","
                    && c.start_byte() >= p.end_byte()
                    && c.end_byte() <= argument.start_byte()
            })
            .copied()
    });
    let text = cx.text;
    let has_comment = |start: usize, end: usize| {
        children
            .iter()
            .any(|c| c.kind() == "comment" && c.start_byte() < end && start < c.end_byte())
    };
    let line_begin = line_start(text, argument.start_byte());
    let after = comma_after.map_or(argument.end_byte(), |c| c.end_byte());
    let line_end = next_line_start(text, after);
    let alone = text[line_begin..argument.start_byte()]
        .chars()
        .all(|c| matches!(c, ' ' | '\t'))
        && text[after..line_end].trim().is_empty();
    if alone && line_end > after {
        let mut edits = vec![Edit::deletion(TextRange::new(line_begin, line_end))];
        if comma_after.is_none() {
            if let Some(comma) = comma_before {
                edits.push(Edit::deletion(comma.byte_range().into()));
            }
        }
        return Some(edits);
    }
    let range = match (previous, next) {
        (Some(previous), _) => TextRange::new(previous.end_byte(), argument.end_byte()),
        (None, Some(next)) => TextRange::new(argument.start_byte(), next.start_byte()),
        (None, None) => TextRange::new(argument.start_byte(), after),
    };
    (!has_comment(range.start, range.end)).then(|| vec![Edit::deletion(range)])
}

/// The text of `range` with its continuation lines moved from indentation
/// `from` to `to` (as [`reindent`](crate::source::reindent) does), except
/// lines that begin inside a multi-line string literal: their text is data
/// and stays as it is.
pub fn reindent_range(cx: &Checker, range: TextRange, from: &str, to: &str) -> String {
    let mut strings = Vec::new();
    if let Some(cover) = cx.root.descendant_for_byte_range(range.start, range.end) {
        let scope = python::ancestors(cover)
            .find(|n| n.start_byte() <= range.start && range.end <= n.end_byte())
            .unwrap_or(cx.root);
        python::walk_descendants(scope, |node| {
            if node.end_byte() <= range.start || node.start_byte() >= range.end {
                return false;
            }
            if node.kind() == "string" && node.start_position().row != node.end_position().row {
                strings.push(TextRange::from(node.byte_range()));
                return false;
            }
            true
        });
    }
    let fragment = &cx.text[range.as_range()];
    let mut out = String::with_capacity(fragment.len());
    let mut offset = range.start;
    for (i, line) in fragment.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            let in_string = strings.iter().any(|s| s.start < offset && offset < s.end);
            match line.strip_prefix(from) {
                Some(rest) if !in_string => {
                    out.push_str(to);
                    out.push_str(rest);
                }
                _ => out.push_str(line),
            }
        } else {
            out.push_str(line);
        }
        offset += line.len() + 1;
    }
    out
}

#[cfg(test)]
mod argument_tests {
    use super::*;
    use crate::fix::{apply_fixes, Fix};
    use crate::parse::parse;
    use crate::source::{LineIndex, Stylist};

    /// Apply `change` to the first call of `text` named `f`.
    fn on_call(text: &str, change: impl Fn(&Checker, Node) -> Option<Vec<Edit>>) -> Option<String> {
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        let mut call = None;
        python::walk_descendants(tree.root_node(), |n| {
            if call.is_none()
                && n.kind() == "call"
                && n.field("function")
                    .is_some_and(|f| python::text(text, f) == "f")
            {
                call = Some(n);
            }
            true
        });
        let edits = change(&cx, call.expect("a call of f"))?;
        Some(apply_fixes(text, [&Fix::safe(edits)]).text)
    }

    fn append(text: &str) -> String {
        on_call(text, |cx, call| append_argument(cx, call, "timeout=30")).expect("appended")
    }

    fn remove(text: &str) -> Option<String> {
        on_call(text, |cx, call| {
            let args = python::Arguments::of(cx.text, call);
            remove_argument(cx, args.keyword_node("shell")?)
        })
    }

    #[test]
    fn append_argument_follows_the_layout() {
        assert_eq!(append("f()\n"), "f(timeout=30)\n");
        assert_eq!(append("f(a, b=1)\n"), "f(a, b=1, timeout=30)\n");
        assert_eq!(append("f(a, b=1,)\n"), "f(a, b=1, timeout=30,)\n");
        assert_eq!(
            append("f(a, json={\n    'k': 1,\n})\n"),
            "f(a, json={\n    'k': 1,\n}, timeout=30)\n"
        );
        assert_eq!(
            append("x = f(\n    a,\n    b=1,  # note\n)\n"),
            "x = f(\n    a,\n    b=1,  # note\n    timeout=30,\n)\n"
        );
        assert_eq!(
            append("x = f(\r\n\ta,\r\n\tb=1  # note\r\n)\r\n"),
            "x = f(\r\n\ta,\r\n\tb=1,  # note\r\n\ttimeout=30\r\n)\r\n"
        );
        assert_eq!(append("f(a, b,\n)\n"), "f(a, b, timeout=30,\n)\n");
        assert!(on_call("f(x for x in y)\n", |cx, c| append_argument(cx, c, "t=1")).is_none());
    }

    #[test]
    fn remove_argument_takes_its_comma() {
        assert_eq!(remove("f(a, shell=True)\n").unwrap(), "f(a)\n");
        assert_eq!(remove("f(a, shell=True, b=1)\n").unwrap(), "f(a, b=1)\n");
        assert_eq!(remove("f(a, shell=True,)\n").unwrap(), "f(a,)\n");
        assert_eq!(remove("f(shell=True, b=1)\n").unwrap(), "f(b=1)\n");
        assert_eq!(remove("f(shell=True)\n").unwrap(), "f()\n");
        assert_eq!(
            remove("f(\n    a,\n    shell=True,\n    b=1,\n)\n").unwrap(),
            "f(\n    a,\n    b=1,\n)\n"
        );
        assert_eq!(
            remove("f(\n    a,\n    shell=True\n)\n").unwrap(),
            "f(\n    a\n)\n"
        );
        assert_eq!(
            remove("f(\n    a, shell=True,\n    b=1)\n").unwrap(),
            "f(\n    a,\n    b=1)\n"
        );
        assert!(remove("f(a,  # why\n  shell=True)\n").is_none());
    }

    #[test]
    fn reindent_range_keeps_string_lines() {
        let text = "def f():\n    x = g(\n        '''a\n    b''',\n        c,\n    )  # end\n";
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        let start = text.find("x = g").unwrap();
        let range = TextRange::new(start, text.len() - 1);
        assert_eq!(
            reindent_range(&cx, range, "    ", "        "),
            "x = g(\n            '''a\n    b''',\n            c,\n        )  # end"
        );
    }
}

#[cfg(test)]
mod module_logger_tests {
    use super::*;
    use crate::fix::{apply_fixes, Fix};
    use crate::parse::parse;
    use crate::source::{LineIndex, Stylist};

    /// `module_logger_at` for the last `pass` of `text`; the fixed text
    /// when it succeeds, the reason when it does not.
    fn logger_at_last_pass(text: &str) -> Result<(String, String), String> {
        let tree = parse(text);
        let stylist = Stylist::detect(text, &tree);
        let lines = LineIndex::new(text);
        let cx = Checker::new(text, &tree, &stylist, &lines);
        let mut last = None;
        python::walk_descendants(tree.root_node(), |n| {
            if n.kind() == "pass_statement" {
                last = Some(n);
            }
            true
        });
        let (name, edits) = module_logger_at(&cx, last.expect("a pass"))?;
        Ok((name, apply_fixes(text, [&Fix::safe(edits)]).text))
    }

    #[test]
    fn reuses_factories_and_imports() {
        let text = "from celery.utils.log import get_task_logger\nlog = get_task_logger(__name__)\ndef f():\n    pass\n";
        assert_eq!(logger_at_last_pass(text), Ok(("log".into(), text.into())));
        let text = "from app.logs import logger\ndef f():\n    pass\n";
        assert_eq!(
            logger_at_last_pass(text),
            Ok(("logger".into(), text.into()))
        );
    }

    #[test]
    fn creates_one_when_absent() {
        let text = "import os\ndef f():\n    pass\n";
        assert_eq!(
            logger_at_last_pass(text),
            Ok((
                "logger".into(),
                "import os\nimport logging\n\nlogger = logging.getLogger(__name__)\ndef f():\n    pass\n"
                    .into()
            ))
        );
    }

    #[test]
    fn refuses_where_the_logger_would_be_wrong() {
        let cases = [
            "from loguru import logger\ndef f():\n    pass\n",
            "import logging\ntry:\n    pass\nexcept Exception:\n    pass\nlogger = logging.getLogger(__name__)\n",
            "import logging\nlogger = logging.getLogger(__name__)\ndef f(logger):\n    pass\n",
            "from app import Logger\nlogger = Logger()\ndef f():\n    pass\n",
        ];
        for text in cases {
            assert!(logger_at_last_pass(text).is_err(), "{text}");
        }
    }
}
