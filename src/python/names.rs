//! Bindings: where a name is assigned, read, or bound in a scope.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// The value last assigned to the identifier `name` by a plain assignment
/// among the statements before its use (see [`statements_before`]).
pub fn assigned_before<'n>(text: &str, name: Node<'n>) -> Option<Node<'n>> {
    let wanted = self::text(text, name);
    statements_before(name).find_map(|candidate| {
        let assignment = candidate
            .named_child(0)
            .filter(|a| a.kind() == "assignment")?;
        let left = assignment.child_by_field_name("left")?;
        (left.kind() == "identifier" && self::text(text, left) == wanted)
            .then(|| assignment.child_by_field_name("right"))
            .flatten()
    })
}

/// Whether `name` is read somewhere in `node`: an identifier with that
/// text, not an attribute name (`x.name`) or a keyword (`f(name=1)`).
pub fn references_name(text: &str, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    walk_descendants(node, |n| {
        if found {
            return false;
        }
        if n.kind() == "identifier" && self::text(text, n) == name {
            let is_field = |kind: &str, field: &str| {
                n.parent().is_some_and(|p| {
                    p.kind() == kind && p.child_by_field_name(field).map(|f| f.id()) == Some(n.id())
                })
            };
            found = !is_field("attribute", "attribute") && !is_field("keyword_argument", "name");
        }
        true
    });
    found
}

/// Whether `function` (a function or lambda, or a parameter list) binds
/// `name` as a local variable: a parameter, an assignment or `for` target,
/// a `with … as` / `except … as` name, a walrus, a nested `def` / `class`,
/// or an import — so that `name` inside it does not refer to the
/// module-level name. Nested functions, classes, lambdas and
/// comprehensions are not searched (their names are their own).
pub fn binds_name(text: &str, function: Node<'_>, name: &str) -> bool {
    let mut found = false;
    walk_descendants(function, |node| {
        if found {
            return false;
        }
        if node.id() != function.id()
            && matches!(
                node.kind(),
                "function_definition" | "class_definition" | "lambda"
            )
        {
            // The definition's own name is bound here; its body is not.
            found = node.kind() != "lambda"
                && node
                    .child_by_field_name("name")
                    .is_some_and(|n| self::text(text, n) == name);
            return false;
        }
        if node.id() != function.id() && is_scope_boundary(node.kind()) {
            return false; // comprehension variables do not leak
        }
        if node.kind() != "identifier" || self::text(text, node) != name {
            return true;
        }
        found = is_binding_occurrence(node);
        true
    });
    found
}

/// Whether an identifier occurrence binds its name: a parameter, an
/// assignment or loop target, a walrus, an `as` target, an import.
pub fn is_binding_occurrence(identifier: Node<'_>) -> bool {
    let Some(parent) = identifier.parent() else {
        return false;
    };
    let is_field = |field: &str| {
        parent
            .child_by_field_name(field)
            .is_some_and(|n| n.id() == identifier.id())
    };
    match parent.kind() {
        "parameters"
        | "lambda_parameters"
        | "list_splat_pattern"
        | "dictionary_splat_pattern"
        | "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "as_pattern_target" => true,
        "default_parameter" | "typed_default_parameter" => is_field("name"),
        "typed_parameter" => !is_field("type"),
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
            is_field("left")
        }
        "named_expression" => is_field("name"),
        "aliased_import" => is_field("alias"),
        "dotted_name" => parent.parent().is_some_and(|p| {
            p.kind() == "import_statement"
                && parent.named_child(0).map(|c| c.id()) == Some(identifier.id())
                || p.kind() == "import_from_statement"
                    && p.child_by_field_name("module_name").map(|m| m.id()) != Some(parent.id())
        }),
        _ => false,
    }
}

/// Start of the first module-level statement that binds `name` (a `def`
/// or `class` of that name, or a binding occurrence outside any nested
/// scope), if any.
pub fn module_binding_start(text: &str, root: Node<'_>, name: &str) -> Option<usize> {
    for statement in module_statements(root) {
        let definition = match statement.kind() {
            "decorated_definition" => statement.child_by_field_name("definition"),
            "function_definition" | "class_definition" => Some(statement),
            _ => None,
        };
        if let Some(definition) = definition {
            if definition
                .child_by_field_name("name")
                .is_some_and(|n| self::text(text, n) == name)
            {
                return Some(statement.start_byte());
            }
            continue;
        }
        let mut found = false;
        walk_descendants(statement, |node| {
            if found || is_scope_boundary(node.kind()) {
                return false;
            }
            found = node.kind() == "identifier"
                && self::text(text, node) == name
                && is_binding_occurrence(node);
            true
        });
        if found {
            return Some(statement.start_byte());
        }
    }
    None
}

/// The value of the first `self.<attribute> = value` (or `cls.<attribute>
/// = value`) in the methods of `class`, or of a class-level `<attribute> =
/// value`. Nested classes are not searched.
pub fn instance_attribute_value<'n>(
    text: &str,
    class: Node<'n>,
    attribute: &str,
) -> Option<Node<'n>> {
    let body = class.child_by_field_name("body")?;
    let mut found = None;
    walk_descendants(body, |node| {
        if found.is_some() || node.kind() == "class_definition" {
            return false;
        }
        if node.kind() != "assignment" {
            return true;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return true;
        };
        let matches = match left.kind() {
            "attribute" => {
                left.child_by_field_name("object").is_some_and(|o| {
                    o.kind() == "identifier" && matches!(self::text(text, o), "self" | "cls")
                }) && left
                    .child_by_field_name("attribute")
                    .is_some_and(|a| self::text(text, a) == attribute)
            }
            // A class-level assignment (in the class body itself).
            "identifier" => {
                self::text(text, left) == attribute
                    && node
                        .parent()
                        .and_then(|s| s.parent())
                        .is_some_and(|b| b.id() == body.id())
            }
            _ => false,
        };
        if matches {
            found = Some(right);
        }
        true
    });
    found
}

#[cfg(test)]
mod binding_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn local_bindings_are_found_and_reads_are_not() {
        let cases = [
            ("def f(logger):\n    pass\n", true),
            ("def f(x, logger=None):\n    pass\n", true),
            ("def f():\n    logger = make()\n", true),
            ("def f():\n    for logger in xs:\n        pass\n", true),
            ("def f():\n    with x as logger:\n        pass\n", true),
            ("def f():\n    from app import logger\n", true),
            ("def f():\n    import app.log as logger\n", true),
            ("def f():\n    def logger():\n        pass\n", true),
            ("def f():\n    logger.warning('x')\n    y = logger\n", false),
            ("def f():\n    def g(logger):\n        pass\n", false),
            ("def f():\n    return [logger for logger in xs]\n", false),
            ("def f():\n    from logger import x\n", false),
        ];
        for (text, expected) in cases {
            let tree = parse(text);
            let function = module_statements(tree.root_node())[0];
            assert_eq!(binds_name(text, function, "logger"), expected, "{text}");
        }
    }
}

#[cfg(test)]
mod binds_name_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn local_bindings_and_mere_uses() {
        let cases = [
            ("def f(json):\n    pass\n", true),
            ("def f(x=json):\n    pass\n", false),
            ("def f(x: json = 1):\n    pass\n", false),
            ("def f(json: int = 1):\n    pass\n", true),
            ("def f():\n    json = []\n", true),
            ("def f():\n    for json in x:\n        pass\n", true),
            ("def f():\n    with a() as json:\n        pass\n", true),
            ("def f():\n    if (json := g()):\n        pass\n", true),
            ("def f():\n    import json\n", true),
            ("def f():\n    from json import loads\n", false),
            (
                "def f():\n    post(url, json=body)\n    return json.loads(x)\n",
                false,
            ),
            ("def f():\n    def g(json):\n        pass\n", false),
            ("def f():\n    def json():\n        pass\n", true),
            ("def f():\n    return [json for json in xs]\n", false),
            ("def f():\n    import json.decoder\n", true),
        ];
        for (text, expected) in cases {
            let tree = parse(text);
            let function = tree.root_node().named_child(0).unwrap();
            assert_eq!(binds_name(text, function, "json"), expected, "{text}");
        }
    }
}

#[cfg(test)]
mod instance_attribute_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn instance_attributes_are_found_in_methods_and_class_body() {
        let text = "class A:\n    level = 1\n    def __init__(self):\n        self.log = make()\n    class B:\n        other = 2\n";
        let tree = parse(text);
        let class = module_statements(tree.root_node())[0];
        let value = |name| instance_attribute_value(text, class, name).map(|v| self::text(text, v));
        assert_eq!(value("log"), Some("make()"));
        assert_eq!(value("level"), Some("1"));
        assert_eq!(value("other"), None);
    }
}
