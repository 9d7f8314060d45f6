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
            && parent.field("body").map(|b| b.id()) == Some(child.id())
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
            && parent.field("body").map(|b| b.id()) == Some(child.id())
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
    let value = clause.field("value").or_else(|| {
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
    let value = clause.field("value")?;
    if value.kind() != "as_pattern" {
        return None;
    }
    let alias = value.field("alias")?;
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
            "try_statement" if parent.field("body").map(|b| b.id()) == Some(child.id()) => {
                let handled = named_children(parent)
                    .into_iter()
                    .filter(|c| c.kind() == "except_clause")
                    .any(|c| handler_catches(text, c, names));
                if handled {
                    return true;
                }
            }
            "with_statement"
                if parent.field("body").map(|b| b.id()) == Some(child.id())
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
                .field("function")
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
            && parent.field("body").map(|b| b.id()) == Some(child.id())
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

/// Whether every class an `except` clause catches is one of `names`,
/// compared by dotted text (`binascii.Error`) or by last component
/// (`json.JSONDecodeError` for `JSONDecodeError`). A bare `except:`
/// catches everything, so it is never "only" these.
pub fn handler_catches_only(text: &str, clause: Node<'_>, names: &[&str]) -> bool {
    let Some(caught) = handler_type(clause) else {
        return false;
    };
    let caught = unparenthesize(caught);
    let candidates = match caught.kind() {
        "tuple" => named_children(caught),
        _ => vec![caught],
    };
    !candidates.is_empty()
        && candidates.iter().all(|c| {
            let written = self::text(text, *c);
            let last = written.rsplit('.').next().unwrap_or(written);
            names.contains(&written) || (!last.eq("Error") && names.contains(&last))
        })
}

/// Functions whose call in a handler puts the traceback somewhere: the
/// `traceback` module's printers and formatters, and `sys.exc_info()`.
const TRACEBACK_CAPTURES: [&str; 9] = [
    "traceback.format_exc",
    "traceback.format_exception",
    "traceback.print_exc",
    "traceback.print_exception",
    "traceback.format_tb",
    "traceback.print_tb",
    "traceback.extract_tb",
    "traceback.TracebackException",
    "sys.exc_info",
];

/// Whether the body of an `except` clause already records the traceback
/// of what it caught: it calls `traceback.format_exc()` /
/// `print_exc()` / `format_exception(...)` (and the like, see
/// [`TRACEBACK_CAPTURES`]) or `sys.exc_info()`, or logs with
/// `.exception(...)`, `exc_info=` or loguru's `.opt(exception=...)`.
/// `logger.debug(print(traceback.format_exc()))` does not count: the
/// record gets `print`'s `None`. Nested definitions are not searched.
pub fn handler_records_traceback(
    text: &str,
    bindings: &HashMap<String, String>,
    clause: Node<'_>,
) -> bool {
    let Some(body) = handler_body(clause) else {
        return false;
    };
    let mut found = false;
    walk_descendants(body, |node| {
        if found || is_scope_boundary(node.kind()) {
            return false;
        }
        if node.kind() != "call" {
            return true;
        }
        let Some(function) = node.field("function") else {
            return true;
        };
        let qualified = qualified_name_with(bindings, text, function).unwrap_or_default();
        if TRACEBACK_CAPTURES.contains(&qualified.as_str()) {
            found = !printed_into_argument(text, node);
            return !found;
        }
        let args = Arguments::of(text, node);
        let method = call_target(text, node).map(|(_, m)| m);
        found = method == Some("exception") && looks_like_logger_call(text, node)
            || args
                .keyword("exc_info")
                .is_some_and(|v| self::text(text, v) != "False")
            || method == Some("opt") && args.keyword("exception").is_some();
        !found
    });
    found
}

/// `f(print(traceback.format_exc()))`: the traceback goes to stdout and
/// `f` receives `None`.
fn printed_into_argument(text: &str, capture: Node<'_>) -> bool {
    let Some(print) = ancestors(capture)
        .skip(1)
        .find(|n| n.kind() == "call")
        .filter(|c| {
            c.field("function")
                .is_some_and(|f| self::text(text, f) == "print")
        })
    else {
        return false;
    };
    ancestors(print)
        .skip(1)
        .take_while(|n| !matches!(n.kind(), "expression_statement" | "block"))
        .any(|n| n.kind() == "call")
}

fn looks_like_logger_call(text: &str, call: Node<'_>) -> bool {
    call_target(text, call)
        .and_then(|(receiver, _)| receiver)
        .is_some_and(|r| looks_like_logger(text, r))
}

/// Built-in exception classes that a handler may raise in place of the
/// caught one: nothing maps them to a quiet answer, so when they propagate
/// the caught exception is printed as their context.
pub const BUILTIN_ERRORS: [&str; 18] = [
    "Exception",
    "RuntimeError",
    "ValueError",
    "TypeError",
    "KeyError",
    "LookupError",
    "IndexError",
    "AttributeError",
    "AssertionError",
    "NotImplementedError",
    "OSError",
    "IOError",
    "PermissionError",
    "FileNotFoundError",
    "ConnectionError",
    "TimeoutError",
    "ArithmeticError",
    "UnicodeError",
];

/// Whether an `except` clause raises again at its top level, so that the
/// caught exception's traceback travels on: `raise`, `raise e` (the bound
/// name), `raise X from e`, `raise EngineError(e)` (the caught exception
/// wrapped in the new one), or `raise RuntimeError(...)` of a built-in
/// class (which chains the caught exception as its context). Not: `raise X
/// from None` (the context is dropped), nor a project's exception without
/// `from` (`raise ApiKeyCreateFail(...)`, `raise HTTPException(...)`):
/// web frameworks answer those without printing the chain.
pub fn handler_reraises(text: &str, clause: Node<'_>) -> bool {
    let Some(body) = handler_body(clause) else {
        return false;
    };
    let bound = handler_binding(clause).map(|b| self::text(text, b));
    named_children(body).into_iter().any(|statement| {
        if statement.kind() != "raise_statement" {
            return false;
        }
        let Some(raised) = statement.named_child(0) else {
            return true; // bare `raise`
        };
        if let Some(cause) = statement.field("cause") {
            return self::text(text, cause) != "None";
        }
        if Some(self::text(text, raised)) == bound {
            return true;
        }
        // `raise EngineError(err)`: the caught exception travels inside.
        if raised.kind() == "call"
            && bound.is_some_and(|name| {
                raised
                    .field("arguments")
                    .is_some_and(|args| references_name(text, args, name))
            })
        {
            return true;
        }
        let class = match raised.kind() {
            "call" => raised.field("function").unwrap_or(raised),
            _ => raised,
        };
        BUILTIN_ERRORS.contains(&self::text(text, class))
    })
}

/// Exception attributes that hold (part of) its text: formatting one of
/// them formats the exception.
const EXCEPTION_TEXT_ATTRIBUTES: [&str; 9] = [
    "args",
    "message",
    "msg",
    "strerror",
    "reason",
    "detail",
    "details",
    "description",
    "orig",
];

/// Whether `node` formats the exception bound to `name`: reads `name`
/// itself (`f"{e}"`, `str(e)`, `repr(e)`) or an attribute holding its
/// text (`e.args`, `e.message`, `e.strerror`…), not other data it carries
/// (`e.new_chat_id`, `e.response.status_code`).
pub fn formats_exception(text: &str, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    walk_descendants(node, |n| {
        if found {
            return false;
        }
        if n.kind() == "identifier" && self::text(text, n) == name {
            let parent = n.parent();
            let is_field = |kind: &str, field: &str| {
                parent.is_some_and(|p| {
                    p.kind() == kind && p.field(field).map(|f| f.id()) == Some(n.id())
                })
            };
            if is_field("attribute", "attribute") || is_field("keyword_argument", "name") {
                return true;
            }
            if is_field("attribute", "object") {
                let attribute = parent
                    .and_then(|p| p.field("attribute"))
                    .map_or("", |a| self::text(text, a));
                found = EXCEPTION_TEXT_ATTRIBUTES.contains(&attribute);
                return true;
            }
            found = true;
        }
        true
    });
    found
}

/// Parts of exception class names that mean "the other side said no, or
/// not now" — an expected condition rather than a failure of the code:
/// rate limits, timeouts, refused or malformed requests, missing objects,
/// bad or expired tokens.
const EXPECTED_CONDITIONS: [&str; 19] = [
    "RetryAfter",
    "FloodWait",
    "RateLimit",
    "Throttl",
    "TimedOut",
    "Timeout",
    "NetworkError",
    "BadRequest",
    "Forbidden",
    "Unauthorized",
    "PermissionDenied",
    "NotFound",
    "DoesNotExist",
    "NotModified",
    "ChatMigrated",
    "JWTError",
    "ExpiredSignature",
    "InvalidToken",
    "InvalidSignature",
];

/// Whether an exception class name (its last dotted component) names an
/// expected condition (see [`EXPECTED_CONDITIONS`]): `RetryAfter`,
/// `BadRequest`, `Forbidden`, `TimedOut`, `JWTError`, `DoesNotExist`…
pub fn is_expected_condition(class: &str) -> bool {
    EXPECTED_CONDITIONS.iter().any(|part| class.contains(part))
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
                let object = attribute.field("object").unwrap();
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

#[cfg(test)]
mod handler_knowledge_tests {
    use super::*;
    use crate::parse::parse;
    use crate::python::tree::test_support::first;

    fn clause_of(text: &str) -> (tree_sitter::Tree, HashMap<String, String>) {
        let tree = parse(text);
        let bindings = module_import_bindings(text, tree.root_node());
        (tree, bindings)
    }

    #[test]
    fn tracebacks_recorded_in_the_handler() {
        let cases = [
            ("import traceback\ntry:\n    a()\nexcept Exception as e:\n    t = traceback.format_exc()\n    log.error(f'{e} {t}')\n", true),
            ("import traceback\ntry:\n    a()\nexcept Exception as e:\n    log.error(e)\n    traceback.print_exc()\n", true),
            ("import traceback\ntry:\n    a()\nexcept Exception as e:\n    log.error(e)\n    print(traceback.format_exc())\n", true),
            ("try:\n    a()\nexcept Exception as e:\n    log.error(e)\n    log.debug('x', exc_info=True)\n", true),
            ("import traceback\ntry:\n    a()\nexcept Exception as e:\n    log.error(e)\n    log.debug(print(traceback.format_exc()))\n", false),
            ("import traceback\ntry:\n    a()\nexcept Exception as e:\n    log.error(e)\n    traceback.format_exec()\n", false),
            ("try:\n    a()\nexcept Exception as e:\n    log.error(e)\n    def later():\n        log.exception('x')\n", false),
        ];
        for (text, expected) in cases {
            let (tree, bindings) = clause_of(text);
            let clause = first(&tree, "except_clause");
            assert_eq!(
                handler_records_traceback(text, &bindings, clause),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn reraising_handlers() {
        let cases = [
            ("raise", true),
            ("raise e", true),
            ("raise ValueError('x') from e", true),
            ("raise RuntimeError('x')", true),
            ("raise ValueError('x') from None", false),
            ("raise HTTPException(status_code=500)", false),
            ("raise ApiKeyCreateFail(message='x')", false),
            ("raise ApiKeyCreateFail(message='x') from e", true),
            ("raise EngineError(e)", true),
            ("if x:\n        raise", false),
            ("return None", false),
        ];
        for (tail, expected) in cases {
            let text =
                format!("try:\n    a()\nexcept Exception as e:\n    log.error(e)\n    {tail}\n");
            let tree = parse(&text);
            let clause = first(&tree, "except_clause");
            assert_eq!(handler_reraises(&text, clause), expected, "{tail}");
        }
    }

    #[test]
    fn narrow_handlers_and_formatted_exceptions() {
        let text = "try:\n    a()\nexcept (binascii.Error, UnicodeDecodeError) as e:\n    f(e.new_chat_id, e.args)\n";
        let tree = parse(text);
        let clause = first(&tree, "except_clause");
        assert!(handler_catches_only(
            text,
            clause,
            &["binascii.Error", "UnicodeDecodeError"]
        ));
        assert!(!handler_catches_only(text, clause, &["UnicodeDecodeError"]));
        let call = first(&tree, "call");
        let call = handler_body(clause)
            .and_then(|b| b.named_child(0))
            .and_then(|s| s.named_child(0))
            .unwrap_or(call);
        assert!(formats_exception(text, call, "e"));
        let text = "f(e.new_chat_id, x.e, e=1)\n";
        let tree = parse(text);
        assert!(!formats_exception(text, tree.root_node(), "e"));
        assert!(is_expected_condition("RetryAfter") && is_expected_condition("ObjectDoesNotExist"));
        assert!(!is_expected_condition("Error") && !is_expected_condition("CalledProcessError"));
        let text = "f(str(e))\n";
        let tree = parse(text);
        assert!(formats_exception(text, tree.root_node(), "e"));
    }
}
