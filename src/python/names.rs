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
        let left = assignment.field("left")?;
        (left.kind() == "identifier" && self::text(text, left) == wanted)
            .then(|| assignment.field("right"))
            .flatten()
    })
}

/// Whether an identifier occurrence names a variable: not the attribute
/// of `x.name` nor the keyword of `f(name=1)`.
pub fn is_name_read(identifier: Node<'_>) -> bool {
    let is_field = |kind: &str, field: &str| {
        identifier.parent().is_some_and(|p| {
            p.kind() == kind && p.field(field).map(|f| f.id()) == Some(identifier.id())
        })
    };
    !is_field("attribute", "attribute") && !is_field("keyword_argument", "name")
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
            found = is_name_read(n);
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
                    .field("name")
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
    let Some(mut parent) = identifier.parent() else {
        return false;
    };
    // `(x) = 1`, `for (a, b) in …`: the parentheses do not change what
    // is bound.
    let mut identifier = identifier;
    while parent.kind() == "parenthesized_expression" {
        identifier = parent;
        let Some(up) = parent.parent() else {
            return false;
        };
        parent = up;
    }
    let is_field = |field: &str| {
        parent
            .field(field)
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
                    && p.field("module_name").map(|m| m.id()) != Some(parent.id())
        }),
        _ => false,
    }
}

/// Whether an identifier occurrence may give its name a new value: a
/// binding occurrence, or a `global` / `nonlocal` declaration (other code
/// then assigns it).
pub fn rebinds(identifier: Node<'_>) -> bool {
    is_binding_occurrence(identifier)
        || identifier
            .parent()
            .is_some_and(|p| matches!(p.kind(), "global_statement" | "nonlocal_statement"))
}

/// Start of the first module-level statement that binds `name` (a `def`
/// or `class` of that name, or a binding occurrence outside any nested
/// scope), if any.
pub fn module_binding_start(text: &str, root: Node<'_>, name: &str) -> Option<usize> {
    for statement in module_statements(root) {
        let definition = match statement.kind() {
            "decorated_definition" => statement.field("definition"),
            "function_definition" | "class_definition" => Some(statement),
            _ => None,
        };
        if let Some(definition) = definition {
            if definition
                .field("name")
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

/// Whether the first name of `expr` (`load` in `load(s)`, `sp` in
/// `sp.run`) is bound by a function around it (see [`binds_name`]), so that
/// it does not refer to what a module-level import bound: `def f(load):
/// load(s)` calls the parameter, not `yaml.load`.
pub fn first_name_bound_locally(text: &str, expr: Node<'_>) -> bool {
    let mut head = unparenthesize(expr);
    while head.kind() == "attribute" {
        let Some(object) = head.field("object") else {
            return false;
        };
        head = unparenthesize(object);
    }
    if head.kind() != "identifier" {
        return false;
    }
    let name = self::text(text, head);
    ancestors(head)
        .skip(1)
        .filter(|a| matches!(a.kind(), "function_definition" | "lambda"))
        .any(|function| binds_name(text, function, name))
}

/// Whether `name` is read anywhere in the module outside `range`: an
/// identifier with that text that is not part of an import statement, an
/// attribute name (`x.name`) or a keyword (`f(name=1)`). Used before
/// dropping an imported name that a fix stops using.
pub fn read_outside(text: &str, root: Node<'_>, name: &str, range: std::ops::Range<usize>) -> bool {
    let mut found = false;
    walk_descendants(root, |n| {
        if found || matches!(n.kind(), "import_statement" | "import_from_statement") {
            return false;
        }
        if n.start_byte() >= range.start && n.end_byte() <= range.end {
            return false;
        }
        if n.kind() == "identifier" && self::text(text, n) == name {
            found = is_name_read(n);
        }
        true
    });
    found
}

// ---------------------------------------------------------------------------
// Constants: values the program's text fixes
// ---------------------------------------------------------------------------

/// How deep [`is_constant_value`] follows names, parts and calls.
const CONSTANT_DEPTH: usize = 8;

/// What is asked of a name or an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Its value is a constant.
    Value,
    /// Iterating it yields constants (the keys of a dict).
    Keys,
    /// Indexing it yields constants (the values of a dict).
    Items,
}

/// Whether `expr` always evaluates to a value fixed by the program's text
/// or chosen from a fixed set, so that no input can reach it:
///
/// - literals, f-strings, `+` / `%` / conditionals and tuples of constants;
/// - UPPER_CASE names and attributes (`TABLE`, `settings.TABLE`) and
///   dunder attributes (`cls.__tablename__`);
/// - a module-level name every binding of which assigns a constant (and
///   that no function declares `global`);
/// - a local name every binding of which assigns a constant or iterates a
///   fixed collection (`for field in ("author", "website")`, `for k in
///   updates` over a dict with literal keys, `for k, v in D.items()`),
///   including a local assigned a literal in every branch of an
///   `if`/`elif`/`else` chain; a parameter only when such an assignment
///   replaces it on every path before the use;
/// - `self.X` / `cls.X` / `ClassName.X` where the class body assigns `X`
///   only constants and nothing else assigns `.X`;
/// - `random.choice(<fixed collection>)`, `C[i]` of a collection of
///   constants, string methods (`lower`, `join`, `format`, …) of
///   constants;
/// - an expression checked against a fixed collection by an earlier
///   `if x not in VALID: return` (or `raise` / `continue` / `break`), or
///   used inside `if x in VALID:` (case changes `x.lower()` included).
pub fn is_constant_value(text: &str, expr: Node<'_>) -> bool {
    constant(text, expr, CONSTANT_DEPTH)
}

/// Whether iterating `expr` yields only constants: a list, tuple or set
/// of constants, a dict with constant keys, `D.keys()`, `sorted(C)`, or a
/// name bound only to such collections and never given other items.
pub fn is_fixed_collection(text: &str, expr: Node<'_>) -> bool {
    fixed(text, expr, Want::Keys, CONSTANT_DEPTH)
}

/// The parts of an expression that are not comments.
fn parts_of(node: Node<'_>) -> Vec<Node<'_>> {
    named_children(node)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .collect()
}

/// `CONSTANT_NAME`: upper case letters, digits and underscores, at least
/// one letter — but not the request data of web frameworks (Django's
/// `request.GET`, `POST`, `FILES`, `COOKIES`, `META`).
pub fn is_constant_style_name(name: &str) -> bool {
    !matches!(
        name,
        "GET" | "POST" | "FILES" | "COOKIES" | "META" | "REQUEST"
    ) && name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn constant(text: &str, expr: Node<'_>, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    let expr = unparenthesize(expr);
    let sub = |n: Node<'_>| constant(text, n, depth - 1);
    // Asking for a parent walks down from the root: collect the chain of
    // ancestors once, for the allow-list check and the name's scope.
    let chain: Vec<Node<'_>> = match checked_subject(text, expr) {
        Some(_) => ancestors(expr).collect(),
        None => Vec::new(),
    };
    if !chain.is_empty() && guarded_by_allow_list(text, expr, &chain, depth) {
        return true;
    }
    match expr.kind() {
        "integer" | "float" | "true" | "false" | "none" => true,
        "string" | "concatenated_string" => {
            let mut values = Vec::new();
            walk_descendants(expr, |n| {
                if n.kind() == "interpolation" {
                    values.extend(n.field("expression"));
                    return false;
                }
                true
            });
            values.into_iter().all(sub)
        }
        "unary_operator" => expr.field("argument").is_some_and(sub),
        "binary_operator" => ["left", "right"]
            .iter()
            .all(|f| expr.field(f).is_some_and(sub)),
        "conditional_expression" => {
            let parts = parts_of(expr);
            parts.len() == 3 && sub(parts[0]) && sub(parts[2])
        }
        "tuple" | "list" | "set" => parts_of(expr).into_iter().all(sub),
        "identifier" => {
            is_constant_style_name(self::text(text, expr)) && !local_scope_binds(text, expr)
                || name_is_in(text, expr, &chain, Want::Value, depth - 1)
        }
        "attribute" => constant_attribute(text, expr, depth - 1),
        "call" => constant_call(text, expr, depth - 1),
        "subscript" => expr
            .field("value")
            .is_some_and(|v| fixed(text, v, Want::Items, depth - 1)),
        _ => false,
    }
}

/// Whether a function around `name` binds it (so it is not the module's).
fn local_scope_binds(text: &str, name: Node<'_>) -> bool {
    let wanted = self::text(text, name);
    ancestors(name)
        .skip(1)
        .filter(|a| matches!(a.kind(), "function_definition" | "lambda"))
        .any(|f| scope_binds(text, f, wanted))
}

/// Whether iterating (`Keys`) or indexing (`Items`) `expr` yields only
/// constants.
fn fixed(text: &str, expr: Node<'_>, want: Want, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    let expr = unparenthesize(expr);
    let sub = |n: Node<'_>| constant(text, n, depth - 1);
    match expr.kind() {
        "tuple" | "list" | "set" => parts_of(expr).into_iter().all(sub),
        "string" | "concatenated_string" => sub(expr),
        "dictionary" => parts_of(expr).into_iter().all(|pair| {
            let field = if want == Want::Items { "value" } else { "key" };
            pair.kind() == "pair" && pair.field(field).is_some_and(sub)
        }),
        "identifier" => name_is(text, expr, want, depth - 1),
        "attribute" if want == Want::Keys => false,
        "call" => {
            let Some((receiver, name)) = call_target(text, expr) else {
                return false;
            };
            let args = Arguments::of(text, expr);
            match (receiver, name) {
                (Some(d), "keys") if want == Want::Keys && args.positional.is_empty() => {
                    fixed(text, d, Want::Keys, depth - 1)
                }
                (Some(d), "values") if want == Want::Keys && args.positional.is_empty() => {
                    fixed(text, d, Want::Items, depth - 1)
                }
                (None, "sorted" | "reversed" | "list" | "tuple" | "set" | "frozenset")
                    if args.positional.len() == 1 && !args.has_splat =>
                {
                    fixed(text, args.positional[0], want, depth - 1)
                }
                (None, "range") => args.positional.iter().all(|a| sub(*a)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `obj.NAME`, `obj.__dunder__`, `self.X` / `cls.X` / `ClassName.X` with
/// `X` assigned only constants in the class body.
fn constant_attribute(text: &str, expr: Node<'_>, depth: usize) -> bool {
    let (Some(object), Some(attribute)) = (expr.field("object"), expr.field("attribute")) else {
        return false;
    };
    let name = self::text(text, attribute);
    if is_constant_style_name(name) {
        return true;
    }
    if object.kind() != "identifier" {
        return false;
    }
    if name.len() > 4 && name.starts_with("__") && name.ends_with("__") {
        return true; // `cls.__tablename__`, `type(x).__name__`
    }
    let owner = self::text(text, object);
    let class = if matches!(owner, "self" | "cls") {
        ancestors(expr)
            .skip(1)
            .find(|a| a.kind() == "class_definition")
    } else {
        let root = ancestors(expr).last().unwrap_or(expr);
        module_statements(root).into_iter().find_map(|s| {
            let s = match s.kind() {
                "decorated_definition" => s.field("definition")?,
                _ => s,
            };
            (s.kind() == "class_definition"
                && s.field("name")
                    .is_some_and(|n| self::text(text, n) == owner))
            .then_some(s)
        })
    };
    let Some(class) = class else {
        return false;
    };
    class_attribute_is_constant(text, class, name, depth)
}

/// Whether the body of `class` assigns `name` only constants (at least
/// once), and no `x.name = …` anywhere in the module assigns anything else.
fn class_attribute_is_constant(text: &str, class: Node<'_>, name: &str, depth: usize) -> bool {
    let Some(body) = class.field("body") else {
        return false;
    };
    let occurrences = binding_occurrences(text, body, name);
    let assigned = !occurrences.is_empty()
        && occurrences.iter().all(|o| {
            o.kind() == "identifier" && binding_is(text, *o, Want::Value, depth) == Some(true)
        });
    if !assigned {
        return false;
    }
    // `self.name = input` anywhere in the module.
    let root = ancestors(class).last().unwrap_or(class);
    let mut overwritten = false;
    walk_descendants(root, |n| {
        if overwritten {
            return false;
        }
        if matches!(n.kind(), "assignment" | "augmented_assignment") {
            if let Some(left) = n.field("left") {
                let targets = match left.kind() {
                    "pattern_list" | "tuple_pattern" | "list_pattern" => parts_of(left),
                    _ => vec![left],
                };
                overwritten = targets.iter().any(|t| {
                    t.kind() == "attribute"
                        && t.field("attribute")
                            .is_some_and(|a| self::text(text, a) == name)
                });
            }
        }
        true
    });
    !overwritten
}

/// `random.choice(C)`, `secrets.choice(C)`, string methods of constants,
/// `str(constant)`.
fn constant_call(text: &str, expr: Node<'_>, depth: usize) -> bool {
    let Some((receiver, name)) = call_target(text, expr) else {
        return false;
    };
    let args = Arguments::of(text, expr);
    if args.has_splat {
        return false;
    }
    let sub = |n: Node<'_>| constant(text, n, depth);
    let receiver_text = receiver.map(|r| self::text(text, r));
    match (receiver, name) {
        (_, "choice")
            if matches!(receiver_text, None | Some("random" | "secrets" | "rng"))
                && args.positional.len() == 1 =>
        {
            fixed(text, args.positional[0], Want::Keys, depth)
        }
        (None, "str") => args.positional.len() == 1 && sub(args.positional[0]),
        (Some(object), "join") => {
            // `join(x for x in y)`: the generator is the argument list.
            let items = match args.list {
                Some(list) if list.kind() == "generator_expression" => list,
                _ => match args.positional.as_slice() {
                    [item] => unparenthesize(*item),
                    _ => return false,
                },
            };
            sub(object)
                && match items.kind() {
                    "generator_expression" | "list_comprehension" | "set_comprehension" => {
                        items.field("body").is_some_and(sub)
                    }
                    _ => fixed(text, items, Want::Keys, depth),
                }
        }
        (
            Some(object),
            "lower" | "upper" | "casefold" | "strip" | "lstrip" | "rstrip" | "title" | "capitalize"
            | "replace" | "format",
        ) => {
            sub(object)
                && args.positional.iter().all(|a| sub(*a))
                && args.keywords.iter().all(|(_, _, v)| sub(*v))
        }
        _ => false,
    }
}

/// A comprehension clause around `name` that binds it, if any.
fn comprehension_clause<'n>(
    text: &str,
    name: Node<'n>,
    chain: &[Node<'n>],
) -> Option<(Node<'n>, Node<'n>)> {
    let wanted = self::text(text, name);
    for &scope in chain.iter().skip(1) {
        if matches!(
            scope.kind(),
            "function_definition" | "lambda" | "class_definition" | "module"
        ) {
            return None;
        }
        if !matches!(
            scope.kind(),
            "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression"
        ) {
            continue;
        }
        for clause in parts_of(scope) {
            if clause.kind() != "for_in_clause" {
                continue;
            }
            let Some(left) = clause.field("left") else {
                continue;
            };
            let mut target = None;
            walk_descendants(left, |n| {
                if n.kind() == "identifier" && self::text(text, n) == wanted {
                    target = Some(n);
                }
                target.is_none()
            });
            if let Some(target) = target {
                return Some((clause, target));
            }
        }
    }
    None
}

/// Whether the loop variable `target` of a `for` (statement or clause)
/// over `iterable` only takes constant values.
fn loop_variable_is_constant(
    text: &str,
    left: Node<'_>,
    target: Node<'_>,
    iterable: Node<'_>,
    depth: usize,
) -> bool {
    let left = unparenthesize(left);
    if left.id() == target.id() {
        return fixed(text, iterable, Want::Keys, depth);
    }
    // `for k, v in D.items()`, `for i, x in enumerate(C)`.
    let targets = parts_of(left);
    let [first, second] = targets.as_slice() else {
        return false;
    };
    let iterable = unparenthesize(iterable);
    let Some((receiver, method)) = call_target(text, iterable) else {
        return false;
    };
    let args = Arguments::of(text, iterable);
    match (receiver, method) {
        (Some(d), "items") if args.positional.is_empty() => {
            let want = if first.id() == target.id() {
                Want::Keys
            } else if second.id() == target.id() {
                Want::Items
            } else {
                return false;
            };
            fixed(text, d, want, depth)
        }
        (None, "enumerate") if args.positional.len() == 1 => {
            first.id() == target.id()
                || second.id() == target.id() && fixed(text, args.positional[0], Want::Keys, depth)
        }
        _ => false,
    }
}

/// Whether the name `name` (an identifier being read) is constant in the
/// sense of `want`, from its bindings.
fn name_is(text: &str, name: Node<'_>, want: Want, depth: usize) -> bool {
    let chain: Vec<Node<'_>> = ancestors(name).collect();
    name_is_in(text, name, &chain, want, depth)
}

/// [`name_is`] with the ancestors of `name` (`chain[0]` is `name`).
fn name_is_in(text: &str, name: Node<'_>, chain: &[Node<'_>], want: Want, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    if let Some((clause, target)) = comprehension_clause(text, name, chain) {
        return want == Want::Value
            && clause.field("left").is_some_and(|left| {
                clause.field("right").is_some_and(|right| {
                    loop_variable_is_constant(text, left, target, right, depth - 1)
                })
            });
    }
    let wanted = self::text(text, name);
    let scope = chain
        .iter()
        .skip(1)
        .copied()
        .filter(|a| matches!(a.kind(), "function_definition" | "lambda"))
        .find(|f| scope_binds(text, *f, wanted));
    match scope {
        Some(function) => {
            let statement = statement_in(chain);
            local_is(text, function, name, statement, want, depth - 1)
        }
        None => {
            let root = chain.last().copied().unwrap_or(name);
            module_name_is(text, root, wanted, want, depth - 1)
        }
    }
}

/// The statement in an ancestor chain (`chain[0]` the node, then its
/// parent, …): the first node directly in a block or the module.
fn statement_in<'n>(chain: &[Node<'n>]) -> Option<Node<'n>> {
    chain
        .windows(2)
        .find(|w| matches!(w[1].kind(), "block" | "module"))
        .map(|w| w[0])
}

/// The binding occurrences of `name` directly in `scope` (not in nested
/// functions, classes, lambdas or comprehensions).
fn binding_occurrences<'n>(text: &str, scope: Node<'n>, name: &str) -> Vec<Node<'n>> {
    // Top-down, from the binding constructs: asking an identifier for its
    // parent is slow on deep trees (long `+` chains).
    let mut found = Vec::new();
    let targets = |left: Node<'n>, found: &mut Vec<Node<'n>>| {
        walk_descendants(left, |n| match n.kind() {
            "identifier" => {
                if self::text(text, n) == name {
                    found.push(n);
                }
                false
            }
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "list_splat"
            | "as_pattern_target" => true,
            _ => false,
        });
    };
    walk_descendants(scope, |node| {
        let kind = node.kind();
        if node.id() != scope.id() && is_scope_boundary(kind) {
            if matches!(kind, "function_definition" | "class_definition")
                && node
                    .field("name")
                    .is_some_and(|n| self::text(text, n) == name)
            {
                found.push(node);
            }
            return false;
        }
        match kind {
            "global_statement" | "nonlocal_statement" => {
                if identifiers_in(text, node).contains(&name) {
                    found.push(node);
                }
                false
            }
            "assignment" | "augmented_assignment" | "for_statement" => {
                if let Some(left) = node.field("left") {
                    targets(left, &mut found);
                }
                true
            }
            "named_expression" => {
                if let Some(target) = node.field("name") {
                    targets(target, &mut found);
                }
                true
            }
            "as_pattern_target" => {
                targets(node, &mut found);
                false
            }
            "parameters" | "lambda_parameters" => {
                for parameter in parts_of(node) {
                    let own = match parameter.kind() {
                        "identifier" => Some(parameter),
                        "default_parameter" | "typed_default_parameter" => parameter.field("name"),
                        "typed_parameter" => parameter.named_child(0),
                        "list_splat_pattern" | "dictionary_splat_pattern" => {
                            parameter.named_child(0)
                        }
                        _ => None,
                    };
                    let own = own.map(|o| match o.kind() {
                        "list_splat_pattern" | "dictionary_splat_pattern" => {
                            o.named_child(0).unwrap_or(o)
                        }
                        _ => o,
                    });
                    if let Some(own) =
                        own.filter(|o| o.kind() == "identifier" && self::text(text, *o) == name)
                    {
                        found.push(own);
                    }
                }
                false
            }
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                walk_descendants(node, |n| {
                    if n.kind() == "identifier"
                        && self::text(text, n) == name
                        && is_binding_occurrence(n)
                    {
                        found.push(n);
                    }
                    true
                });
                false
            }
            // `case [x, *rest]:` captures bind too.
            "case_pattern" => {
                walk_descendants(node, |n| {
                    if n.kind() == "identifier" && self::text(text, n) == name {
                        found.push(n);
                    }
                    true
                });
                false
            }
            _ => true,
        }
    });
    found
}

/// Whether `scope` binds `name` (see [`binding_occurrences`]).
fn scope_binds(text: &str, scope: Node<'_>, name: &str) -> bool {
    !binding_occurrences(text, scope, name).is_empty()
}

/// How one binding occurrence of a name sets it.
fn binding_is(text: &str, occurrence: Node<'_>, want: Want, depth: usize) -> Option<bool> {
    let mut owner = occurrence;
    for a in ancestors(occurrence).skip(1) {
        if matches!(
            a.kind(),
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause"
        ) {
            owner = a;
            break;
        }
        if !matches!(
            a.kind(),
            "parenthesized_expression" | "tuple" | "list" | "pattern_list" | "tuple_pattern"
        ) {
            break;
        }
    }
    match owner.kind() {
        "assignment" | "augmented_assignment" => {
            let left = owner.field("left")?;
            if unparenthesize(left).id() != occurrence.id() {
                return Some(false); // unpacking: the value is not visible
            }
            let value = owner.field("right")?;
            // `x = x` changes nothing.
            if value.kind() == "identifier"
                && self::text(text, value) == self::text(text, occurrence)
            {
                return None;
            }
            Some(match want {
                Want::Value => constant(text, value, depth),
                _ => fixed(text, value, want, depth),
            })
        }
        "for_statement" => Some(
            want == Want::Value
                && owner.field("left").is_some_and(|left| {
                    owner.field("right").is_some_and(|right| {
                        loop_variable_is_constant(text, left, occurrence, right, depth)
                    })
                }),
        ),
        _ => Some(false),
    }
}

/// Whether `occurrence` is a parameter of its function.
fn is_parameter(occurrence: Node<'_>) -> bool {
    ancestors(occurrence)
        .skip(1)
        .take(3)
        .any(|a| matches!(a.kind(), "parameters" | "lambda_parameters"))
}

/// A local of `function`: every binding constant; a parameter replaced on
/// every path before the use.
fn local_is(
    text: &str,
    function: Node<'_>,
    name: Node<'_>,
    statement: Option<Node<'_>>,
    want: Want,
    depth: usize,
) -> bool {
    let wanted = self::text(text, name);
    // `nonlocal name` in a nested function rebinds it out of sight.
    let mut nonlocal = false;
    walk_descendants(function, |n| {
        if n.kind() == "nonlocal_statement" && identifiers_in(text, n).contains(&wanted) {
            nonlocal = true;
        }
        !nonlocal
    });
    if nonlocal {
        return false;
    }
    let occurrences = binding_occurrences(text, function, wanted);
    let mut parameter = false;
    for occurrence in &occurrences {
        if occurrence.kind() != "identifier" {
            return false; // `global`, a nested `def`
        }
        if is_parameter(*occurrence) {
            parameter = true;
            continue;
        }
        if binding_is(text, *occurrence, want, depth) == Some(false) {
            return false;
        }
    }
    if want != Want::Value && !only_fixed_uses(text, function, wanted, want, depth) {
        return false;
    }
    !parameter
        || (want == Want::Value
            && statement.is_some_and(|s| replaced_before(text, wanted, s, depth)))
}

/// Whether a statement before `name` assigns it on every path (a plain
/// assignment, or one in each branch of an `if`/`elif`/`else` chain)
/// after any other binding of it.
fn replaced_before(text: &str, wanted: &str, use_statement: Node<'_>, depth: usize) -> bool {
    for statement in statements_before(use_statement) {
        if binding_occurrences(text, statement, wanted).is_empty() {
            continue;
        }
        return assigns_on_every_path(text, statement, wanted, depth);
    }
    false
}

fn assigns_on_every_path(text: &str, statement: Node<'_>, name: &str, depth: usize) -> bool {
    match statement.kind() {
        "expression_statement" => statement.named_child(0).is_some_and(|a| {
            a.kind() == "assignment"
                && a.field("left")
                    .is_some_and(|l| l.kind() == "identifier" && self::text(text, l) == name)
                && a.field("right").is_some_and(|r| constant(text, r, depth))
        }),
        "if_statement" => if_branches(statement).is_some_and(|blocks| {
            blocks.iter().all(|block| {
                let statements = parts_of(*block);
                statements.last().is_some_and(|l| exits(*l))
                    || statements
                        .iter()
                        .any(|s| assigns_on_every_path(text, *s, name, depth))
            })
        }),
        _ => false,
    }
}

/// `return`, `raise`, `continue` or `break`.
fn exits(statement: Node<'_>) -> bool {
    matches!(
        statement.kind(),
        "return_statement" | "raise_statement" | "continue_statement" | "break_statement"
    )
}

/// A module-level name: bound only to constants, never declared `global`.
fn module_name_is(text: &str, root: Node<'_>, name: &str, want: Want, depth: usize) -> bool {
    let occurrences = binding_occurrences(text, root, name);
    if occurrences.is_empty() {
        return false;
    }
    for occurrence in &occurrences {
        if occurrence.kind() != "identifier"
            || binding_is(text, *occurrence, want, depth) == Some(false)
        {
            return false;
        }
    }
    let mut declared_global = false;
    walk_descendants(root, |n| {
        if n.kind() == "global_statement" && identifiers_in(text, n).contains(&name) {
            declared_global = true;
        }
        !declared_global
    });
    !declared_global && (want == Want::Value || only_fixed_uses(text, root, name, want, depth))
}

/// Whether every use of the collection `name` in `scope` leaves its keys
/// (`Keys`) or values (`Items`) constant: reads, iteration, `in`, `len`,
/// `D[const] = const`, `.get` / `.pop` / `.items()`, `.update(k=const)`.
/// Passing it to an unknown call or aliasing it is not.
fn only_fixed_uses(text: &str, scope: Node<'_>, name: &str, want: Want, depth: usize) -> bool {
    let mut fine = true;
    walk_descendants(scope, |n| {
        if !fine {
            return false;
        }
        if n.kind() != "identifier" || self::text(text, n) != name || is_binding_occurrence(n) {
            return true;
        }
        let Some(parent) = n.parent() else {
            return true;
        };
        let is_field =
            |node: Node<'_>, field: &str| node.field(field).is_some_and(|f| f.id() == n.id());
        fine = match parent.kind() {
            "attribute" if is_field(parent, "attribute") => true,
            "keyword_argument" if is_field(parent, "name") => true,
            "attribute" => {
                let method = parent
                    .field("attribute")
                    .map(|a| self::text(text, a))
                    .unwrap_or("");
                let call = parent.parent().filter(|c| c.kind() == "call");
                let args = call.map(|c| Arguments::of(text, c));
                match method {
                    "get" | "pop" | "items" | "keys" | "values" | "copy" | "index" | "count"
                    | "remove" | "discard" | "clear" => true,
                    "append" | "add" | "insert" | "extend" | "update" | "setdefault" => args
                        .is_some_and(|a| {
                            !a.has_splat
                                && a.positional.iter().all(|v| match want {
                                    Want::Keys if method == "update" || method == "extend" => {
                                        fixed(text, *v, Want::Keys, depth)
                                    }
                                    Want::Items if method == "setdefault" => true,
                                    _ if method == "setdefault" => a
                                        .positional
                                        .first()
                                        .is_some_and(|k| constant(text, *k, depth)),
                                    _ => constant(text, *v, depth),
                                })
                                && (want == Want::Keys
                                    || a.keywords.iter().all(|(_, _, v)| constant(text, *v, depth)))
                        }),
                    _ => false,
                }
            }
            "subscript" if is_field(parent, "value") => {
                let assigned = parent.parent().filter(|a| {
                    matches!(a.kind(), "assignment" | "augmented_assignment")
                        && a.field("left").is_some_and(|l| l.id() == parent.id())
                });
                match assigned {
                    None => true,
                    Some(assignment) => {
                        let key_ok = parent
                            .field("subscript")
                            .is_some_and(|k| constant(text, k, depth));
                        let value_ok = want == Want::Keys
                            || assignment
                                .field("right")
                                .is_some_and(|v| constant(text, v, depth));
                        key_ok && value_ok
                    }
                }
            }
            "for_statement" | "for_in_clause" => is_field(parent, "right"),
            "comparison_operator"
            | "not_operator"
            | "boolean_operator"
            | "if_statement"
            | "elif_clause"
            | "while_statement"
            | "interpolation" => true,
            "argument_list" => parent
                .parent()
                .and_then(|call| call_target(text, call))
                .is_some_and(|(receiver, function)| match receiver {
                    None => matches!(
                        function,
                        "len"
                            | "list"
                            | "tuple"
                            | "sorted"
                            | "set"
                            | "frozenset"
                            | "bool"
                            | "any"
                            | "all"
                            | "enumerate"
                            | "reversed"
                            | "zip"
                            | "str"
                            | "repr"
                            | "min"
                            | "max"
                            | "sum"
                            | "print"
                            | "iter"
                    ),
                    Some(_) => matches!(
                        function,
                        "join"
                            | "execute"
                            | "executemany"
                            | "fetch"
                            | "fetchrow"
                            | "fetchval"
                            | "choice"
                            | "sample"
                    ),
                }),
            _ => false,
        };
        true
    });
    fine
}

/// Whether `expr` was checked against a fixed collection on every path
/// to it: an earlier `if expr not in VALID: return` (or `raise`,
/// `continue`, `break`; one operand of an `or` suffices), or an enclosing
/// `if expr in VALID:`. Case changes (`x.lower()`) on either side are
/// ignored; the checked name must not be rebound after the check.
fn guarded_by_allow_list(text: &str, expr: Node<'_>, chain: &[Node<'_>], depth: usize) -> bool {
    let Some(wanted) = checked_subject(text, expr) else {
        return false;
    };
    let matches_check = |condition: Node<'_>, negated: bool| {
        let mut operands = Vec::new();
        split_boolean(
            text,
            condition,
            if negated { "or" } else { "and" },
            &mut operands,
        );
        operands.into_iter().any(|operand| {
            let operand = unparenthesize(operand);
            if operand.kind() != "comparison_operator" {
                return false;
            }
            let parts = parts_of(operand);
            let [subject, collection] = parts.as_slice() else {
                return false;
            };
            let operator = &text[subject.end_byte()..collection.start_byte()];
            let operator: Vec<&str> = operator.split_whitespace().collect();
            let wanted_operator: &[&str] = if negated { &["not", "in"] } else { &["in"] };
            operator == wanted_operator
                && checked_subject(text, *subject).as_deref() == Some(wanted.as_str())
                && fixed(text, *collection, Want::Keys, depth - 1)
        })
    };
    let not_rebound_after = |check: Node<'_>| {
        let root_name = wanted.split('.').next().unwrap_or("");
        let scope = ancestors(check)
            .skip(1)
            .find(|a| matches!(a.kind(), "function_definition" | "module"));
        scope.is_some_and(|scope| {
            binding_occurrences(text, scope, root_name)
                .iter()
                .all(|b| b.start_byte() < check.start_byte() || is_parameter(*b))
        })
    };
    // `if x not in VALID: return` before the use.
    let Some(use_statement) = statement_in(chain) else {
        return false;
    };
    for statement in statements_before(use_statement) {
        if statement.kind() != "if_statement" {
            continue;
        }
        let exits_early = statement
            .field("consequence")
            .is_some_and(|b| parts_of(b).last().is_some_and(|l| exits(*l)));
        if exits_early
            && statement
                .field("condition")
                .is_some_and(|c| matches_check(c, true))
        {
            return not_rebound_after(statement);
        }
    }
    // `if x in VALID: … use …`
    for pair in chain.windows(2) {
        let (child, ancestor) = (pair[0], pair[1]);
        if is_scope_boundary(ancestor.kind()) {
            break;
        }
        if ancestor.kind() == "if_statement"
            && ancestor
                .field("consequence")
                .is_some_and(|c| c.id() == child.id())
            && ancestor
                .field("condition")
                .is_some_and(|c| matches_check(c, false))
        {
            return not_rebound_after(ancestor);
        }
    }
    false
}

/// The operands of a chain of `and` (or `or`) operators.
fn split_boolean<'n>(text: &str, node: Node<'n>, operator: &str, out: &mut Vec<Node<'n>>) {
    let node = unparenthesize(node);
    if node.kind() == "boolean_operator"
        && node
            .field("operator")
            .is_some_and(|o| self::text(text, o) == operator)
    {
        for field in ["left", "right"] {
            if let Some(side) = node.field(field) {
                split_boolean(text, side, operator, out);
            }
        }
        return;
    }
    out.push(node);
}

/// The name an allow-list check is about: `x`, `x.lower()`,
/// `x.strip().upper()` → `x`; `self.x` → `self.x`. `None` for anything
/// else.
fn checked_subject(text: &str, expr: Node<'_>) -> Option<String> {
    let mut expr = unparenthesize(expr);
    while expr.kind() == "call" {
        let (receiver, method) = call_target(text, expr)?;
        let args = Arguments::of(text, expr);
        if !matches!(method, "lower" | "upper" | "casefold")
            || !args.positional.is_empty()
            || !args.keywords.is_empty()
        {
            return None;
        }
        expr = unparenthesize(receiver?);
    }
    match expr.kind() {
        "identifier" => Some(self::text(text, expr).to_owned()),
        _ => None,
    }
}

/// Whether every call of the function defining parameter `name` in the
/// module passes a constant for it (and there is at least one call, and
/// the function is not used other than by calling it, nor decorated).
/// Calls from other modules are not seen: callers decide how sure that is.
pub fn parameter_constant_at_every_call(text: &str, name: Node<'_>) -> bool {
    let wanted = self::text(text, name);
    let Some(function) = ancestors(name)
        .skip(1)
        .find(|a| a.kind() == "function_definition")
    else {
        return false;
    };
    if function
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition")
    {
        return false;
    }
    let (Some(function_name), Some(parameters)) =
        (function.field("name"), function.field("parameters"))
    else {
        return false;
    };
    let function_name = self::text(text, function_name);
    let method = function
        .parent()
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition");
    // Position and default of the parameter.
    let mut index = None;
    let mut default = None;
    for (i, parameter) in parts_of(parameters).into_iter().enumerate() {
        let own = match parameter.kind() {
            "identifier" => Some(parameter),
            "default_parameter" | "typed_default_parameter" | "typed_parameter" => {
                parameter.field("name").or_else(|| parameter.named_child(0))
            }
            _ => {
                if identifiers_in(text, parameter).contains(&wanted) {
                    return false; // `*args`, keyword-only after `*`
                }
                None
            }
        };
        if own.is_some_and(|o| self::text(text, o) == wanted) {
            index = Some(i);
            default = parameter.field("value");
        }
    }
    let Some(index) = index else {
        return false;
    };
    // Bindings other than the parameter (`x = x` changes nothing).
    if binding_occurrences(text, function, wanted)
        .iter()
        .any(|b| !is_parameter(*b) && binding_is(text, *b, Want::Value, 1).is_some())
    {
        return false;
    }
    let root = ancestors(function).last().unwrap_or(function);
    let mut calls = 0;
    let mut fine = true;
    walk_descendants(root, |n| {
        if !fine {
            return false;
        }
        let is_reference = match n.kind() {
            "identifier" if !method => self::text(text, n) == function_name,
            "attribute" if method => n
                .field("attribute")
                .is_some_and(|a| self::text(text, a) == function_name),
            _ => false,
        };
        if !is_reference || function.field("name").is_some_and(|d| d.id() == n.id()) {
            return true;
        }
        let call = n
            .parent()
            .filter(|c| c.kind() == "call")
            .filter(|c| c.field("function").map(|f| f.id()) == Some(n.id()));
        let Some(call) = call else {
            fine = false;
            return false;
        };
        calls += 1;
        let args = Arguments::of(text, call);
        let position = if method {
            index.checked_sub(1)
        } else {
            Some(index)
        };
        let passed = position
            .and_then(|p| args.positional.get(p).copied())
            .or_else(|| args.keyword(wanted));
        fine = !args.has_splat
            && match passed {
                Some(value) => constant(text, value, CONSTANT_DEPTH),
                None => default.is_some_and(|d| constant(text, d, CONSTANT_DEPTH)),
            };
        true
    });
    fine && calls > 0
}

/// When every binding of the name `name` (an identifier being read) in
/// its scope is a `for` target (`for x in …`, `for (x,) in …`, `for x, y
/// in …`): the loops' iterables. `None` when it is bound any other way
/// (a parameter, an assignment, …).
pub fn loop_iterables<'n>(text: &str, name: Node<'n>) -> Option<Vec<Node<'n>>> {
    let wanted = self::text(text, name);
    let scope = ancestors(name)
        .skip(1)
        .filter(|a| matches!(a.kind(), "function_definition" | "lambda"))
        .find(|f| scope_binds(text, *f, wanted))?;
    let occurrences = binding_occurrences(text, scope, wanted);
    let mut iterables = Vec::new();
    for occurrence in occurrences {
        let owner = ancestors(occurrence).skip(1).find(|a| {
            !matches!(
                a.kind(),
                "parenthesized_expression" | "tuple" | "list" | "pattern_list" | "tuple_pattern"
            )
        })?;
        let in_left = owner.kind() == "for_statement"
            && owner.field("left").is_some_and(|l| {
                l.start_byte() <= occurrence.start_byte() && occurrence.end_byte() <= l.end_byte()
            });
        if !in_left {
            return None;
        }
        iterables.push(owner.field("right")?);
    }
    (!iterables.is_empty()).then_some(iterables)
}

/// The value of the first `self.<attribute> = value` (or `cls.<attribute>
/// = value`) in the methods of `class`, or of a class-level `<attribute> =
/// value`. Nested classes are not searched.
pub fn instance_attribute_value<'n>(
    text: &str,
    class: Node<'n>,
    attribute: &str,
) -> Option<Node<'n>> {
    let body = class.field("body")?;
    let mut found = None;
    walk_descendants(body, |node| {
        if found.is_some() || node.kind() == "class_definition" {
            return false;
        }
        if node.kind() != "assignment" {
            return true;
        }
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return true;
        };
        let matches = match left.kind() {
            "attribute" => {
                left.field("object").is_some_and(|o| {
                    o.kind() == "identifier" && matches!(self::text(text, o), "self" | "cls")
                }) && left
                    .field("attribute")
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
mod bound_locally_tests {
    use super::*;

    #[test]
    fn parameters_and_locals_shadow_imports() {
        let text = "from yaml import load\ndef f(load):\n    load(1)\ndef g():\n    load(2)\ndef h():\n    sp = object()\n    sp.run(3)\n";
        let tree = crate::parse::parse(text);
        let mut verdicts = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" {
                let function = n.field("function").unwrap();
                verdicts.push(first_name_bound_locally(text, function));
            }
            true
        });
        // `load(1)`, `load(2)`, `object()`, `sp.run(3)`.
        assert_eq!(verdicts, [true, false, false, true]);
    }
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
            ("def f():\n    (logger) = make()\n", true),
            ("def f():\n    for (logger, y) in xs:\n        pass\n", true),
            ("def f():\n    global logger\n", false),
        ];
        for (text, expected) in cases {
            let tree = parse(text);
            let function = module_statements(tree.root_node())[0];
            assert_eq!(binds_name(text, function, "logger"), expected, "{text}");
        }
    }

    #[test]
    fn global_and_nonlocal_declarations_rebind_without_binding() {
        let text = "def f():\n    global a\n    nonlocal b\n    c = a + b\n";
        let tree = parse(text);
        let mut seen = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "identifier" && !["f"].contains(&tree::text(text, n)) {
                seen.push((tree::text(text, n), is_binding_occurrence(n), rebinds(n)));
            }
            true
        });
        assert_eq!(
            seen,
            [
                ("a", false, true),
                ("b", false, true),
                ("c", true, true),
                ("a", false, false),
                ("b", false, false)
            ]
        );
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
mod constant_tests {
    use super::*;
    use crate::parse::parse;

    /// Whether the expression in the last `use(…)` call is constant.
    fn last_use_is_constant(text: &str) -> bool {
        let tree = parse(text);
        let mut found = None;
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" && call_target(text, n).is_some_and(|(_, f)| f == "use") {
                found = Arguments::of(text, n).positional.first().copied();
            }
            true
        });
        is_constant_value(text, found.expect("a use(…) call"))
    }

    #[test]
    fn constants_and_fixed_sets() {
        let cases = [
            ("use('x')\n", true),
            ("use(f'a{1}')\n", true),
            ("TABLE = 'users'\ndef f():\n    use(TABLE)\n", true),
            ("table = 'users'\ndef f():\n    use(table)\n", true),
            ("table = 'users'\ndef g(t):\n    global table\n    table = t\ndef f():\n    use(table)\n", false),
            ("table = input()\ndef f():\n    use(table)\n", false),
            ("def f(table):\n    use(table)\n", false),
            ("def f():\n    for field in ('author', 'website'):\n        use(field)\n", true),
            ("def f(xs):\n    for field in xs:\n        use(field)\n", false),
            ("def f(n):\n    if n:\n        q = 'a'\n    elif n > 2:\n        q = 'b'\n    else:\n        q = 'c'\n    use(q)\n", true),
            ("def f(n):\n    if n:\n        q = 'a'\n    else:\n        q = n\n    use(q)\n", false),
            ("def f(t):\n    if t == 'rm':\n        t = 'rolerm'\n    else:\n        t = 'roliste'\n    use(t)\n", true),
            ("def f(t):\n    if t == 'rm':\n        t = 'rolerm'\n    use(t)\n", false),
            ("import random\ndef f():\n    s = random.choice(['a', 'b'])\n    use(s)\n", true),
            ("import random\ndef f():\n    kinds = ['a', 'b']\n    s = random.choice(kinds)\n    use(s)\n", true),
            ("import random\ndef f(xs):\n    use(random.choice(xs))\n", false),
            ("def f(item):\n    valid = ['a', 'b']\n    if item.lower() not in valid:\n        return\n    use(item.lower())\n", true),
            ("def f(item):\n    if item not in ('a', 'b'):\n        raise ValueError\n    use(item)\n", true),
            ("def f(item):\n    if item not in ('a', 'b'):\n        print('bad')\n    use(item)\n", false),
            ("def f(item, other):\n    if item not in ('a', 'b'):\n        return\n    item = other\n    use(item)\n", false),
            ("def f(item, valid):\n    if item not in valid:\n        return\n    use(item)\n", false),
            ("def f(item):\n    if item in ('a', 'b'):\n        use(item)\n", true),
            ("def f(name, email):\n    updates = {}\n    if name:\n        updates['name'] = name\n    use(', '.join(f'{k}=?' for k in updates))\n", true),
            ("def f(data):\n    updates = {}\n    for k in data:\n        updates[k] = data[k]\n    use(', '.join(f'{k}=?' for k in updates))\n", false),
            ("def f(data):\n    updates = {k: v for k, v in data.items()}\n    use(', '.join(f'{k}=?' for k in updates))\n", false),
            ("def f(data):\n    updates = {'a': 1}\n    updates.update(data)\n    use(', '.join(updates))\n", false),
            ("def f(data):\n    updates = {'a': 1}\n    helper(updates)\n    use(', '.join(updates))\n", false),
            ("COLS = {'a': 1, 'b': 2}\ndef f():\n    for k, v in COLS.items():\n        use(k)\n", true),
            ("class M:\n    TABLE = 'm'\n    name = 'members'\n    def f(self):\n        use(self.name)\n", true),
            ("class M:\n    name = 'members'\n    def f(self, n):\n        self.name = n\n        use(self.name)\n", false),
            ("class M:\n    __tablename__ = 'm'\ndef f():\n    use(M.__tablename__)\n", true),
            ("def f(cls):\n    use(cls.__tablename__)\n", true),
            ("def f(self):\n    use(self.table)\n", false),
            ("def f(x):\n    use(x.lower())\n", false),
            ("def f(request):\n    use(request.GET)\n", false),
            ("def f(cmd):\n    t = 'a'\n    match cmd:\n        case [t]:\n            pass\n    use(t)\n", false),
            ("def f(v):\n    t = 'a'\n    def g():\n        nonlocal t\n        t = v\n    g()\n    use(t)\n", false),
            ("def f(settings):\n    use(settings.TABLE_NAME)\n", true),
        ];
        for (text, expected) in cases {
            assert_eq!(last_use_is_constant(text), expected, "{text}");
        }
    }

    #[test]
    fn loop_only_names() {
        let last_use = |text: &str| {
            let tree = parse(text);
            let mut found = None;
            walk_descendants(tree.root_node(), |n| {
                if n.kind() == "call" && call_target(text, n).is_some_and(|(_, f)| f == "use") {
                    found = Arguments::of(text, n).positional.first().copied();
                }
                true
            });
            loop_iterables(text, found.unwrap()).map(|v| v.len())
        };
        assert_eq!(
            last_use("def f(rows):\n    for (t,) in rows:\n        use(t)\n"),
            Some(1)
        );
        assert_eq!(
            last_use("def f(rows):\n    for t, n in rows:\n        use(t)\n"),
            Some(1)
        );
        assert_eq!(
            last_use("def f(rows, t):\n    for t in rows:\n        use(t)\n"),
            None
        );
        assert_eq!(
            last_use("def f(rows):\n    t = 1\n    for t in rows:\n        use(t)\n"),
            None
        );
    }

    #[test]
    fn parameters_given_constants_by_every_caller() {
        let find = |text: &str| {
            let tree = parse(text);
            let mut found = None;
            walk_descendants(tree.root_node(), |n| {
                if n.kind() == "call" && call_target(text, n).is_some_and(|(_, f)| f == "use") {
                    found = Arguments::of(text, n).positional.first().copied();
                }
                true
            });
            parameter_constant_at_every_call(text, found.unwrap())
        };
        assert!(find("def h(t, v):\n    use(t)\nh('a', 1)\nh(t='b', v=2)\n"));
        assert!(!find("def h(t, v):\n    use(t)\nh('a', 1)\nh(x, 2)\n"));
        assert!(!find("def h(t, v):\n    use(t)\n"));
        assert!(find("def h(t, v):\n    t = t\n    use(t)\nh('a', 1)\n"));
        assert!(!find(
            "def h(t, v):\n    use(t)\nh('a', 1)\ncallbacks = [h]\n"
        ));
        assert!(find("class C:\n    def h(self, t):\n        use(t)\n    def g(self):\n        self.h('a')\n"));
        assert!(!find("class C:\n    def h(self, t):\n        t = t.strip()\n        use(t)\n    def g(self):\n        self.h('a')\n"));
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
