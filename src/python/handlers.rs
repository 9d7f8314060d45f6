//! "Is this exception handled here?": the `try` / `except` / `with
//! suppress(...)` around a node, and the parts of an `except` clause.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// Whether an `except` clause catches one of `names` (by last dotted
/// component), or everything (`except:`).
pub fn handler_catches(text: &str, clause: Node<'_>, names: &[&str]) -> bool {
    let Some(first) = named_children(clause)
        .into_iter()
        .find(|c| c.kind() != "comment" && c.kind() != "block")
    else {
        return true; // bare `except:`
    };
    let caught = match first.kind() {
        "as_pattern" => first.named_child(0).unwrap_or(first),
        _ => first,
    };
    let candidates = match caught.kind() {
        "tuple" | "parenthesized_expression" => named_children(caught),
        _ => vec![caught],
    };
    candidates.iter().any(|c| {
        let name = text[c.byte_range()].rsplit('.').next().unwrap_or("");
        names.contains(&name)
    })
}

/// Whether `node` runs inside the body of a `try` (in the same scope) with
/// a handler for one of `names` (or a bare `except:`).
pub fn inside_try_catching(text: &str, node: Node<'_>, names: &[&str]) -> bool {
    let mut child = node;
    for parent in ancestors(node).skip(1) {
        if is_scope_boundary(parent.kind()) {
            return false;
        }
        if parent.kind() == "try_statement"
            && parent.child_by_field_name("body").map(|b| b.id()) == Some(child.id())
        {
            let handled = named_children(parent)
                .into_iter()
                .filter(|c| c.kind() == "except_clause")
                .any(|c| handler_catches(text, c, names));
            if handled {
                return true;
            }
        }
        child = parent;
    }
    false
}

/// Like [`inside_try_catching`], but a list, set or dictionary
/// comprehension does not end the search: it runs on the spot, so a `try`
/// around it catches what fails inside. Generator expressions, lambdas and
/// definitions still do (they may run after the `try` is left).
pub fn handled_by_try(text: &str, node: Node<'_>, names: &[&str]) -> bool {
    let mut child = node;
    for parent in ancestors(node).skip(1) {
        let kind = parent.kind();
        let eager = matches!(
            kind,
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension"
        );
        if is_scope_boundary(kind) && !eager {
            return false;
        }
        if kind == "try_statement"
            && parent.child_by_field_name("body").map(|b| b.id()) == Some(child.id())
            && named_children(parent)
                .into_iter()
                .filter(|c| c.kind() == "except_clause")
                .any(|c| handler_catches(text, c, names))
        {
            return true;
        }
        child = parent;
    }
    false
}

/// The exception class expression of an `except` clause (`ValueError`,
/// `(A, B)`, `errors.DatabaseError`); `None` for a bare `except:`.
pub fn handler_type(clause: Node<'_>) -> Option<Node<'_>> {
    let value = clause.child_by_field_name("value").or_else(|| {
        named_children(clause)
            .into_iter()
            .find(|c| c.kind() != "comment" && c.kind() != "block")
    })?;
    if value.kind() == "as_pattern" {
        return value.named_child(0);
    }
    Some(value)
}

/// The identifier an `except ... as name:` clause binds.
pub fn handler_binding(clause: Node<'_>) -> Option<Node<'_>> {
    let value = clause.child_by_field_name("value")?;
    if value.kind() != "as_pattern" {
        return None;
    }
    let alias = value.child_by_field_name("alias")?;
    let name = unparenthesize(alias.named_child(0).unwrap_or(alias));
    (name.kind() == "identifier").then_some(name)
}

/// The body of an `except` clause.
pub fn handler_body(clause: Node<'_>) -> Option<Node<'_>> {
    named_children(clause)
        .into_iter()
        .find(|c| c.kind() == "block")
}

/// The innermost `except` clause whose body runs `node`, in the same scope
/// (a `def`, `lambda` or class in between ends the search).
pub fn enclosing_handler(node: Node<'_>) -> Option<Node<'_>> {
    for ancestor in ancestors(node).skip(1) {
        if is_scope_boundary(ancestor.kind()) {
            return None;
        }
        if ancestor.kind() == "except_clause" {
            return Some(ancestor);
        }
    }
    None
}

/// Whether an exception named in `names` (by last dotted component; see
/// [`handler_catches`]) raised at `node` is handled within its function: by
/// a `try` whose body holds it, or a `with suppress(...)` around it. Unlike
/// [`inside_try_catching`], lambdas and comprehensions do not end the
/// search: they usually run where they are written (`sorted(xs,
/// key=lambda ...)`, `[f(x) for x in xs]`), so a handler around them is
/// taken to cover them.
pub fn handled_in_function(text: &str, node: Node<'_>, names: &[&str]) -> bool {
    let mut child = node;
    for parent in ancestors(node).skip(1) {
        match parent.kind() {
            "function_definition" | "class_definition" => return false,
            "try_statement"
                if parent.child_by_field_name("body").map(|b| b.id()) == Some(child.id()) =>
            {
                let handled = named_children(parent)
                    .into_iter()
                    .filter(|c| c.kind() == "except_clause")
                    .any(|c| handler_catches(text, c, names));
                if handled {
                    return true;
                }
            }
            "with_statement"
                if parent.child_by_field_name("body").map(|b| b.id()) == Some(child.id())
                    && suppresses(text, parent, names) =>
            {
                return true;
            }
            _ => {}
        }
        child = parent;
    }
    false
}

/// Whether a `with` statement's items include `suppress(X, ...)` (or
/// `contextlib.suppress`) with one of `names` among the X.
fn suppresses(text: &str, with_statement: Node<'_>, names: &[&str]) -> bool {
    let mut found = false;
    walk_descendants(with_statement, |node| {
        if found || node.kind() == "block" {
            return false;
        }
        if node.kind() == "call" {
            let is_suppress = node
                .child_by_field_name("function")
                .and_then(|f| dotted_name(text, f))
                .is_some_and(|n| n == "suppress" || n.ends_with(".suppress"));
            if is_suppress {
                found = Arguments::of(text, node).positional.iter().any(|a| {
                    let name = self::text(text, *a).rsplit('.').next().unwrap_or("");
                    names.contains(&name)
                });
            }
        }
        true
    });
    found
}

/// The `except` clause that would handle an exception raised at `node` if
/// the exception is caught by one of `names` (list the exception and its
/// base classes, e.g. `["TypeError", "Exception", "BaseException"]`): in
/// the innermost enclosing `try` (same scope) with such a clause, the first
/// one in order (Python takes the first that matches), a bare `except:`
/// included.
pub fn handler_for<'n>(text: &str, node: Node<'n>, names: &[&str]) -> Option<Node<'n>> {
    let mut child = node;
    for parent in ancestors(node).skip(1) {
        if is_scope_boundary(parent.kind()) {
            return None;
        }
        if parent.kind() == "try_statement"
            && parent.child_by_field_name("body").map(|b| b.id()) == Some(child.id())
        {
            let clause = named_children(parent)
                .into_iter()
                .filter(|c| c.kind() == "except_clause")
                .find(|c| handler_catches(text, *c, names));
            if clause.is_some() {
                return clause;
            }
        }
        child = parent;
    }
    None
}

/// Whether the body of an `except` clause raises: a bare `raise`, or a new
/// exception, anywhere in it outside nested definitions.
pub fn handler_raises(clause: Node<'_>) -> bool {
    let Some(body) = handler_body(clause) else {
        return false;
    };
    let mut found = false;
    walk_descendants(body, |node| {
        if found
            || matches!(
                node.kind(),
                "function_definition" | "lambda" | "class_definition"
            )
        {
            return false;
        }
        found = node.kind() == "raise_statement";
        !found
    });
    found
}

#[cfg(test)]
mod handler_tests {
    use super::*;
    use crate::parse::parse;

    use crate::python::tree::test_support::first;

    #[test]
    fn handler_parts() {
        let text = "try:\n    a()\nexcept (A, b.B) as (err):\n    pass\n";
        let tree = parse(text);
        let clause = first(&tree, "except_clause");
        assert_eq!(
            handler_type(clause).map(|n| self::text(text, n)),
            Some("(A, b.B)")
        );
        assert_eq!(
            handler_binding(clause).map(|n| self::text(text, n)),
            Some("err")
        );
        assert_eq!(
            handler_body(clause).map(|n| self::text(text, n)),
            Some("pass")
        );
        let text = "try:\n    pass\nexcept:\n    log.error('x')\n";
        let tree = parse(text);
        let clause = first(&tree, "except_clause");
        assert!(handler_type(clause).is_none());
        assert!(handler_binding(clause).is_none());
        let call = first(&tree, "call");
        assert_eq!(log_call_method(text, call), Some("error"));
        assert_eq!(enclosing_handler(call).map(|c| c.id()), Some(clause.id()));
    }

    #[test]
    fn loggers_are_recognised_by_name() {
        let text = "logger.x\nself._logger.x\napp.logger.x\nLOG.x\naudit_log.x\nrequestLogger.x\n\
                    logging.getLogger(__name__).x\ncatalog.x\ndialog.x\nself.x\nblog.x\n";
        let tree = parse(text);
        let mut verdicts = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "expression_statement" {
                let attribute = n.named_child(0).unwrap();
                let object = attribute.child_by_field_name("object").unwrap();
                verdicts.push(looks_like_logger(text, object));
            }
            true
        });
        assert_eq!(
            verdicts,
            [true, true, true, true, true, true, true, false, false, false, false]
        );
    }

    #[test]
    fn references_skip_attribute_and_keyword_names() {
        let text = "f(x.e, e=1)\nf(str(e))\n";
        let tree = parse(text);
        let statements = module_statements(tree.root_node());
        assert!(!references_name(text, statements[0], "e"));
        assert!(references_name(text, statements[1], "e"));
    }

    #[test]
    fn scope_names_and_generators() {
        let text = "class C:\n    def f(self):\n        x = 1\n        yield x\n    def g(self):\n        def h():\n            yield 1\n        return h\n";
        let tree = parse(text);
        let assignment = first(&tree, "assignment");
        assert_eq!(scope_names(text, assignment), ["C", "f"]);
        let functions: Vec<Node> = {
            let mut v = Vec::new();
            walk_descendants(tree.root_node(), |n| {
                if n.kind() == "function_definition" {
                    v.push(n);
                }
                true
            });
            v
        };
        let verdicts: Vec<bool> = functions.iter().map(|f| is_generator(*f)).collect();
        assert_eq!(verdicts, [true, false, true]);
    }
}

#[cfg(test)]
mod handler_for_tests {
    use super::*;
    use crate::parse::parse;
    use crate::python::tree::test_support::first;

    #[test]
    fn the_first_matching_clause_handles_it() {
        let text = "try:\n    f()\nexcept KeyError:\n    pass\nexcept Exception:\n    log.error('x')\nexcept TypeError:\n    raise\n";
        let tree = parse(text);
        let call = first(&tree, "call");
        let clause = handler_for(text, call, &["TypeError", "Exception"]).unwrap();
        assert!(self::text(text, clause).starts_with("except Exception"));
        assert!(!handler_raises(clause));
        assert!(handler_for(text, call, &["ValueError"]).is_none());
    }

    #[test]
    fn raising_handlers() {
        let text = "try:\n    f()\nexcept Exception as e:\n    if e:\n        raise RuntimeError() from e\n";
        let tree = parse(text);
        assert!(handler_raises(first(&tree, "except_clause")));
        let text = "try:\n    f()\nexcept Exception:\n    def g():\n        raise\n    return {}\n";
        let tree = parse(text);
        assert!(!handler_raises(first(&tree, "except_clause")));
    }
}
