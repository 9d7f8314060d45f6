//! Questions about Python syntax trees that several codemods ask.
//!
//! Everything here is read-only and iterative (no recursion on the tree
//! depth), so deeply nested input cannot overflow the stack.

use std::collections::HashMap;

use tree_sitter::Node;

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
    let name = function.child_by_field_name("name")?;
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
    let function = call.child_by_field_name("function")?;
    match function.kind() {
        "identifier" => Some((None, &text[function.byte_range()])),
        "attribute" => {
            let name = function.child_by_field_name("attribute")?;
            Some((
                function.child_by_field_name("object"),
                &text[name.byte_range()],
            ))
        }
        _ => None,
    }
}

/// One piece of a string literal's value: a character with the source
/// bytes that spell it (`\n` → newline from two bytes, `{{` in an f-string
/// → `{`), or an f-string interpolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringPiece<'n> {
    /// `ch` is `None` for an escape this function does not decode
    /// (`\N{...}`).
    Char {
        ch: Option<char>,
        range: crate::edit::TextRange,
    },
    Interpolation(Node<'n>),
}

/// A string literal taken apart: see [`string_pieces`].
#[derive(Clone, Debug)]
pub struct StringParts<'n> {
    pub node: Node<'n>,
    /// The prefix as written (`f`, `Rb`, …; empty for none).
    pub prefix: String,
    /// The delimiters: one or three quote characters.
    pub quote: String,
    /// The `string_start` node (prefix and opening quote).
    pub start: Node<'n>,
    /// The `string_end` node (closing quote).
    pub end: Node<'n>,
    pub pieces: Vec<StringPiece<'n>>,
}

impl StringParts<'_> {
    pub fn is_fstring(&self) -> bool {
        self.prefix.contains(['f', 'F'])
    }
    pub fn is_raw(&self) -> bool {
        self.prefix.contains(['r', 'R'])
    }
    pub fn is_bytes(&self) -> bool {
        self.prefix.contains(['b', 'B'])
    }
}

/// The value of one `string` node (not a `concatenated_string`) as pieces
/// that keep their source ranges, so a codemod can reason about the
/// runtime text and still edit the source precisely. Escapes are decoded
/// as Python does (raw strings keep backslashes; a backslash at the end of
/// a line continues it and yields no character); an f-string's `{{` / `}}`
/// are one brace each. `None` for anything but a well-formed `string` node.
pub fn string_pieces<'n>(text: &str, node: Node<'n>) -> Option<StringParts<'n>> {
    use crate::edit::TextRange;
    if node.kind() != "string" {
        return None;
    }
    let children = named_children(node);
    let start = *children.first().filter(|c| c.kind() == "string_start")?;
    let end = *children.last().filter(|c| c.kind() == "string_end")?;
    if children.len() < 2 {
        return None;
    }
    let opening = &text[start.byte_range()];
    let quote_at = opening.find(['"', '\''])?;
    let mut parts = StringParts {
        node,
        prefix: opening[..quote_at].to_owned(),
        quote: opening[quote_at..].to_owned(),
        start,
        end,
        pieces: Vec::new(),
    };
    let (raw, fstring, bytes) = (parts.is_raw(), parts.is_fstring(), parts.is_bytes());
    for child in &children[1..children.len() - 1] {
        match child.kind() {
            "string_content" => {
                let base = child.start_byte();
                let content = &text[child.byte_range()];
                decode_content(content, base, raw, fstring, bytes, &mut |ch, at, len| {
                    parts.pieces.push(StringPiece::Char {
                        ch,
                        range: TextRange::new(at, at + len),
                    });
                });
            }
            "interpolation" => parts.pieces.push(StringPiece::Interpolation(*child)),
            _ => return None,
        }
    }
    Some(parts)
}

/// Decode one `string_content`: calls `push(char, offset, source length)`.
fn decode_content(
    content: &str,
    base: usize,
    raw: bool,
    fstring: bool,
    bytes: bool,
    push: &mut dyn FnMut(Option<char>, usize, usize),
) {
    let mut at = 0;
    while let Some(c) = content[at..].chars().next() {
        let rest = &content[at..];
        let next = rest[c.len_utf8()..].chars().next();
        let (ch, len) = match c {
            '{' | '}' if fstring && next == Some(c) => (Some(c), 2),
            '\\' if !raw => match next {
                None => (Some('\\'), 1),
                Some('\n') => (None, 2),
                Some('\r') => (None, if rest[2..].starts_with('\n') { 3 } else { 2 }),
                Some(n @ ('\\' | '\'' | '"')) => (Some(n), 2),
                Some('a') => (Some('\x07'), 2),
                Some('b') => (Some('\x08'), 2),
                Some('f') => (Some('\x0c'), 2),
                Some('n') => (Some('\n'), 2),
                Some('r') => (Some('\r'), 2),
                Some('t') => (Some('\t'), 2),
                Some('v') => (Some('\x0b'), 2),
                Some('0'..='7') => {
                    let digits = rest[1..].chars().take_while(|d| d.is_digit(8)).take(3);
                    let digits: String = digits.collect();
                    let ch = u32::from_str_radix(&digits, 8)
                        .ok()
                        .and_then(char::from_u32);
                    (ch, 1 + digits.len())
                }
                Some(kind @ ('x' | 'u' | 'U')) if kind == 'x' || !bytes => {
                    let width = match kind {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let ch = rest
                        .get(2..2 + width)
                        .filter(|d| d.chars().all(|h| h.is_ascii_hexdigit()))
                        .and_then(|d| u32::from_str_radix(d, 16).ok())
                        .and_then(char::from_u32);
                    match ch {
                        Some(ch) => (Some(ch), 2 + width),
                        None => (Some('\\'), 1),
                    }
                }
                Some('N') if !bytes => (None, rest.find('}').map_or(2, |p| p + 1)),
                // An unknown escape keeps its backslash.
                Some(_) => (Some('\\'), 1),
            },
            _ => (Some(c), c.len_utf8()),
        };
        let continuation = c == '\\' && !raw && matches!(next, Some('\n' | '\r'));
        if !continuation {
            push(ch, base + at, len);
        }
        at += len.max(1);
    }
}

/// One name bound by an import statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The module imported (`a.b` for `import a.b` and `from a.b import c`;
    /// relative imports keep their dots: `.models`).
    pub module: String,
    /// The member imported by `from … import name` (`*` for a star import).
    pub name: Option<String>,
    /// The name bound in the module: `a` for `import a.b`, the alias for
    /// `as`, the member otherwise.
    pub alias: String,
}

/// The imports of a module: module-level import statements, also inside
/// `if`, `try` and `with` blocks (`try: import ujson as json`), but not
/// those inside functions or classes. In source order.
pub fn module_imports(text: &str, root: Node<'_>) -> Vec<Import> {
    let mut imports = Vec::new();
    walk_descendants(root, |node| match node.kind() {
        "module"
        | "block"
        | "if_statement"
        | "elif_clause"
        | "else_clause"
        | "try_statement"
        | "except_clause"
        | "except_group_clause"
        | "finally_clause"
        | "with_statement" => true,
        "import_statement" => {
            for child in named_children(node) {
                let (dotted, alias) = match child.kind() {
                    "dotted_name" => (child, None),
                    "aliased_import" => match (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("alias"),
                    ) {
                        (Some(name), Some(alias)) => (name, Some(alias)),
                        _ => continue,
                    },
                    _ => continue,
                };
                let module = self::text(text, dotted).to_owned();
                let alias = match alias {
                    Some(alias) => self::text(text, alias).to_owned(),
                    None => module.split('.').next().unwrap_or("").to_owned(),
                };
                imports.push(Import {
                    module,
                    name: None,
                    alias,
                });
            }
            false
        }
        "import_from_statement" => {
            let Some(module) = node.child_by_field_name("module_name") else {
                return false;
            };
            let module = self::text(text, module).to_owned();
            let mut cursor = node.walk();
            let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
            for child in names {
                let (name, alias) = match child.kind() {
                    "aliased_import" => match (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("alias"),
                    ) {
                        (Some(name), Some(alias)) => (name, alias),
                        _ => continue,
                    },
                    _ => (child, child),
                };
                imports.push(Import {
                    module: module.clone(),
                    name: Some(self::text(text, name).to_owned()),
                    alias: self::text(text, alias).to_owned(),
                });
            }
            if named_children(node)
                .iter()
                .any(|c| c.kind() == "wildcard_import")
            {
                imports.push(Import {
                    module,
                    name: Some("*".to_owned()),
                    alias: "*".to_owned(),
                });
            }
            false
        }
        _ => false,
    });
    imports
}

/// Whether a line overlapping `range` carries a bandit `# nosec` marker
/// that covers one of `codes` (test ids such as `B608`, or test names): a
/// bare `# nosec` covers every test. For codemods that mirror a bandit
/// check, so that code already reviewed for bandit is not flagged again.
pub fn has_nosec(text: &str, range: crate::edit::TextRange, codes: &[&str]) -> bool {
    let from = range.start.min(text.len());
    let to = range.end.clamp(from, text.len());
    let start = text[..from].rfind('\n').map_or(0, |p| p + 1);
    let end = text[to..].find('\n').map_or(text.len(), |p| to + p);
    text[start..end].lines().any(|line| {
        line.match_indices('#').any(|(at, _)| {
            let comment = line[at + 1..].trim_start();
            let Some(rest) = comment.strip_prefix("nosec") else {
                return false;
            };
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return false;
            }
            let listed: Vec<&str> = rest
                .trim_start_matches([':', ' '])
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .take_while(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            listed.is_empty() || listed.iter().any(|w| codes.contains(w))
        })
    })
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
                parts.push(&text[current.child_by_field_name("attribute")?.byte_range()]);
                current = current.child_by_field_name("object")?;
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
            list: call.child_by_field_name("arguments"),
        };
        let Some(list) = args.list else {
            return args;
        };
        for child in named_children(list) {
            match child.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("value"),
                    ) {
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

/// The value of a plain string literal (no f-string, no implicit
/// concatenation, no escapes that we would have to interpret).
pub fn string_value<'t>(text: &'t str, node: Node<'_>) -> Option<&'t str> {
    if node.kind() != "string" {
        return None;
    }
    let mut content = None;
    for child in named_children(node) {
        match child.kind() {
            "string_start" => {
                let prefix = text[child.byte_range()].to_ascii_lowercase();
                if prefix.contains('f') || prefix.contains('b') {
                    return None;
                }
            }
            "string_content" => {
                if content.is_some() {
                    return None;
                }
                content = Some(&text[child.byte_range()]);
            }
            "string_end" => {}
            _ => return None,
        }
    }
    let value = content.unwrap_or("");
    (!value.contains('\\')).then_some(value)
}

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
pub fn deeper_than(root: Node<'_>, limit: usize) -> bool {
    let mut deep = false;
    walk_with_depth(root, |_, depth| {
        deep |= depth > limit;
        !deep
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

/// Helpers shared by this file's test modules.
#[cfg(test)]
mod test_support {
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
            crate::edit::TextRange::new(start, start + 1)
        };
        assert!(has_nosec(text, line(1), &["B608"]));
        assert!(has_nosec(text, line(2), &["B608"]));
        assert!(!has_nosec(text, line(2), &["B105"]));
        assert!(has_nosec(text, line(3), &["B106"]));
        assert!(!has_nosec(text, line(4), &["B608"]));
        assert!(!has_nosec(text, line(5), &["B608"]));
        assert!(!has_nosec(
            text,
            crate::edit::TextRange::new(line(4).start, line(5).end),
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

// ---------------------------------------------------------------------------
// `except` clauses and logging calls
// ---------------------------------------------------------------------------

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

/// Logging methods of `logging.Logger` (and of the `logging` module).
pub const LOG_METHODS: [&str; 9] = [
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

/// Whether an expression looks like a logger: `logging`, `logger`, `log`,
/// `LOGGER`, `_logger`, `self.logger`, `app.logger`, `audit_log`,
/// `requestLogger`, or `logging.getLogger(...)` / `get_logger(...)`.
/// Words that merely end in "log" (`catalog`, `dialog`, `backlog`) do not.
pub fn looks_like_logger(text: &str, node: Node<'_>) -> bool {
    let node = unparenthesize(node);
    let name = match node.kind() {
        "identifier" => self::text(text, node),
        "attribute" => match node.child_by_field_name("attribute") {
            Some(attribute) => self::text(text, attribute),
            None => return false,
        },
        "call" => {
            return node
                .child_by_field_name("function")
                .and_then(|f| dotted_name(text, f))
                .is_some_and(|f| {
                    let last = f.rsplit('.').next().unwrap_or("");
                    matches!(
                        last,
                        "getLogger" | "get_logger" | "get_task_logger" | "getChild"
                    )
                });
        }
        _ => return false,
    };
    let lower = name.to_ascii_lowercase();
    let bare = lower.trim_start_matches('_');
    if matches!(bare, "log" | "logger" | "logging") {
        return true;
    }
    if lower.ends_with("_log") || lower.ends_with("_logger") {
        return true;
    }
    // camelCase: `requestLogger`, `auditLog`.
    ["Logger", "Log"].iter().any(|suffix| {
        name.strip_suffix(suffix)
            .and_then(|head| head.chars().last())
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// For a call `logger.warning(...)` on something that looks like a logger
/// (see [`looks_like_logger`]): the method name.
pub fn log_call_method<'t>(text: &'t str, call: Node<'_>) -> Option<&'t str> {
    let (receiver, method) = call_target(text, call)?;
    (LOG_METHODS.contains(&method) && looks_like_logger(text, receiver?)).then_some(method)
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

/// The names of the classes and functions around `node`, outermost first:
/// `["Cache", "refresh"]` inside `class Cache: def refresh(self): ...`.
pub fn scope_names<'t>(text: &'t str, node: Node<'_>) -> Vec<&'t str> {
    let mut names: Vec<&str> = ancestors(node)
        .skip(1)
        .filter(|n| matches!(n.kind(), "function_definition" | "class_definition"))
        .filter_map(|n| n.child_by_field_name("name"))
        .map(|n| self::text(text, n))
        .collect();
    names.reverse();
    names
}

/// Whether the function `function` is a generator: a `yield` in its own
/// body (not in a nested function, lambda or class).
pub fn is_generator(function: Node<'_>) -> bool {
    let mut found = false;
    let Some(body) = function.child_by_field_name("body") else {
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

#[cfg(test)]
mod handler_tests {
    use super::*;
    use crate::parse::parse;

    use super::test_support::first;

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

/// The value of a string literal that is the same on every run: a plain
/// string (raw or not, any quotes) or an implicit concatenation of plain
/// strings, with its escape sequences decoded as Python would. `None` for
/// f-strings, byte strings, and `\N{...}` escapes (decoding those needs the
/// Unicode name table).
pub fn string_literal_value(text: &str, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "concatenated_string" => {
            let mut value = String::new();
            for part in named_children(node) {
                if part.kind() == "comment" {
                    continue;
                }
                value.push_str(&string_literal_value(text, part)?);
            }
            Some(value)
        }
        "string" => {
            let children = named_children(node);
            let start = children.first().filter(|c| c.kind() == "string_start")?;
            let end = children.last().filter(|c| c.kind() == "string_end")?;
            if children.iter().any(|c| c.kind() == "interpolation") {
                return None;
            }
            let prefix: String = text[start.byte_range()]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if prefix.contains(['f', 'b', 't']) {
                return None;
            }
            // Python reads source with universal newlines.
            let content = text[start.end_byte()..end.start_byte()].replace("\r\n", "\n");
            if prefix.contains('r') {
                return Some(content);
            }
            decode_escapes(&content)
        }
        _ => None,
    }
}

/// Decode the escape sequences of a non-raw, non-bytes string body.
fn decode_escapes(content: &str) -> Option<String> {
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escape) = chars.next() else {
            out.push('\\');
            break;
        };
        let mut hex = |digits: usize| -> Option<char> {
            let code: String = (0..digits).filter_map(|_| chars.next()).collect();
            if code.len() != digits {
                return None;
            }
            char::from_u32(u32::from_str_radix(&code, 16).ok()?)
        };
        match escape {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(escape),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            'x' => out.push(hex(2)?),
            'u' => out.push(hex(4)?),
            'U' => out.push(hex(8)?),
            'N' => return None,
            '0'..='7' => {
                let mut code = escape.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code)?);
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Every name the module-level imports bind, with the qualified name it is
/// bound to: `import a.b` binds `a` to `a`; `import a.b as x` binds `x` to
/// `a.b`; `from a import b as c` binds `c` to `a.b` (relative imports keep
/// their dots: `.m.b`). Imports nested in module-level `if` / `try` blocks
/// count; imports inside functions and classes do not. The last binding in
/// the file wins. Built once per file (see [`Checker::qualified_name`](crate::codemod::Checker::qualified_name)).
pub fn module_import_bindings(text: &str, root: Node<'_>) -> HashMap<String, String> {
    let mut found: HashMap<String, (usize, String)> = HashMap::new();
    let mut keep = |at: usize, (bound, target): (String, String)| {
        let later = found
            .get(&bound)
            .is_none_or(|(previous, _)| *previous <= at);
        if later {
            found.insert(bound, (at, target));
        }
    };
    let mut blocks = vec![root];
    while let Some(block) = blocks.pop() {
        for statement in named_children(block) {
            let from = match statement.kind() {
                "import_statement" => None,
                "import_from_statement" => match statement.child_by_field_name("module_name") {
                    Some(module) => Some(self::text(text, module)),
                    None => continue,
                },
                "if_statement" | "try_statement" | "elif_clause" | "else_clause"
                | "except_clause" | "finally_clause" | "block" => {
                    blocks.push(statement);
                    continue;
                }
                _ => continue,
            };
            let mut cursor = statement.walk();
            for imported in statement.children_by_field_name("name", &mut cursor) {
                if let Some(binding) = import_binding(text, imported, from) {
                    keep(statement.start_byte(), binding);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(name, (_, target))| (name, target))
        .collect()
}

/// The qualified name a module-level import binds `name` to (see
/// [`module_import_bindings`]).
pub fn module_import_binding(text: &str, root: Node<'_>, name: &str) -> Option<String> {
    module_import_bindings(text, root).remove(name)
}

/// The name one imported item binds, and what it binds it to.
fn import_binding(text: &str, imported: Node<'_>, from: Option<&str>) -> Option<(String, String)> {
    let (dotted, alias) = match imported.kind() {
        "aliased_import" => (
            self::text(text, imported.child_by_field_name("name")?),
            Some(self::text(text, imported.child_by_field_name("alias")?)),
        ),
        "dotted_name" => (self::text(text, imported), None),
        _ => return None,
    };
    Some(match (from, alias) {
        (None, Some(alias)) => (alias.to_owned(), dotted.to_owned()),
        (None, None) => {
            let head = dotted.split('.').next()?;
            (head.to_owned(), head.to_owned())
        }
        (Some(module), alias) => {
            let joined = if module.ends_with('.') {
                format!("{module}{dotted}")
            } else {
                format!("{module}.{dotted}")
            };
            (alias.unwrap_or(dotted).to_owned(), joined)
        }
    })
}

/// `a.b.c` with its first name resolved through `bindings` (see
/// [`module_import_bindings`]): `sp.run` → `subprocess.run` after `import
/// subprocess as sp`, `loads` → `json.loads` after `from json import
/// loads`. A first name no module-level import binds is kept as written
/// (it may be imported inside the function).
pub fn qualified_name_with(
    bindings: &HashMap<String, String>,
    text: &str,
    expr: Node<'_>,
) -> Option<String> {
    let dotted = dotted_name(text, expr)?;
    let (head, rest) = match dotted.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (dotted.as_str(), None),
    };
    let head = bindings.get(head).map_or(head, String::as_str);
    Some(match rest {
        Some(rest) => format!("{head}.{rest}"),
        None => head.to_owned(),
    })
}

/// [`qualified_name_with`] the module's bindings, computed for this one
/// call: codemods use [`Checker::qualified_name`](crate::codemod::Checker::qualified_name),
/// which computes them once per file.
pub fn qualified_name(text: &str, root: Node<'_>, expr: Node<'_>) -> Option<String> {
    qualified_name_with(&module_import_bindings(text, root), text, expr)
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

/// Whether a bandit `# nosec` comment on the lines of `node` silences one
/// of `codes` (test ids such as `B602`, or test names). A bare `# nosec`,
/// or one followed only by free text, silences every check; `# nosec B113,
/// B602` (also `# nosec: B602`) only those listed.
pub fn nosec_covers(text: &str, root: Node<'_>, node: Node<'_>, codes: &[&str]) -> bool {
    let start = crate::source::line_start(text, node.start_byte());
    let end = crate::source::next_line_start(text, node.end_byte());
    let mut seen = Vec::new();
    for (offset, _) in text[start..end].match_indices('#') {
        let at = start + offset;
        let Some(comment) = root
            .descendant_for_byte_range(at, at + 1)
            .filter(|c| c.kind() == "comment")
        else {
            continue;
        };
        if seen.contains(&comment.id()) {
            continue;
        }
        seen.push(comment.id());
        let comment_text = self::text(text, comment);
        for part in comment_text.split('#').skip(1) {
            let Some(rest) = part.trim_start().strip_prefix("nosec") else {
                continue;
            };
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `# nosecurity`
            }
            let listed: Vec<&str> = rest
                .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
                .filter(|t| is_bandit_test(t))
                .collect();
            if listed.is_empty() || listed.iter().any(|t| codes.contains(t)) {
                return true;
            }
        }
    }
    false
}

/// `B602` or `subprocess_popen_with_shell_equals_true`.
fn is_bandit_test(token: &str) -> bool {
    let id = token.len() == 4
        && token.starts_with('B')
        && token[1..].bytes().all(|b| b.is_ascii_digit());
    let name = token.contains('_') && token.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    id || name
}

#[cfg(test)]
mod string_and_import_tests {
    use super::*;
    use crate::parse::parse;

    use super::test_support::first;

    fn value(source: &str) -> Option<String> {
        let text = format!("x = {source}\n");
        let tree = parse(&text);
        let right = first(&tree, "assignment")
            .child_by_field_name("right")
            .unwrap();
        string_literal_value(&text, right)
    }

    #[test]
    fn string_literal_values_are_decoded() {
        assert_eq!(
            value(r#""a\"b\n\x41\101\u00e9""#).as_deref(),
            Some("a\"b\nAAé")
        );
        assert_eq!(value(r#"r"\d+\n""#).as_deref(), Some("\\d+\\n"));
        assert_eq!(
            value(r#""keep \d" 'and' u"more""#).as_deref(),
            Some("keep \\dandmore")
        );
        assert_eq!(value("\"a \\\nb\"").as_deref(), Some("a b"));
        assert_eq!(value("'''x\r\ny'''").as_deref(), Some("x\ny"));
        assert_eq!(value(r#"f"{a}""#), None);
        assert_eq!(value(r#""a" f"{b}""#), None);
        assert_eq!(value(r#"b"x""#), None);
        assert_eq!(value(r#""\N{DASH}""#), None);
        assert_eq!(value("name"), None);
    }

    #[test]
    fn qualified_names_follow_module_imports() {
        let text = "import subprocess as sp\nfrom json import loads as parse, dumps\nfrom . import requests\ntry:\n    import simplejson as js\nexcept ImportError:\n    import json as js\n\ndef f():\n    import os\n    return [sp.run, parse, dumps, os.x, js.y, requests.get]\n";
        let tree = parse(text);
        let root = tree.root_node();
        let names: Vec<String> = named_children(first(&tree, "list"))
            .into_iter()
            .map(|item| qualified_name(text, root, item).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "subprocess.run",
                "json.loads",
                "json.dumps",
                "os.x",
                "json.y",
                ".requests.get"
            ]
        );
    }

    #[test]
    fn handled_in_function_sees_through_comprehensions_and_suppress() {
        let text = "def f(xs):\n    try:\n        ys = [g(x) for x in xs]\n    except ValueError:\n        pass\n    with contextlib.suppress(KeyError, ValueError):\n        h(1)\n    k(2)\n    try:\n        def inner():\n            m(3)\n    except ValueError:\n        pass\n";
        let tree = parse(text);
        let calls: Vec<Node> = {
            let mut calls = Vec::new();
            walk_descendants(tree.root_node(), |n| {
                if n.kind() == "call" {
                    calls.push(n);
                }
                true
            });
            calls
        };
        let handled = |snippet: &str| {
            let call = calls
                .iter()
                .find(|c| self::text(text, **c) == snippet)
                .unwrap();
            handled_in_function(text, *call, &["ValueError"])
        };
        assert!(handled("g(x)"));
        assert!(handled("h(1)"));
        assert!(!handled("k(2)"));
        assert!(!handled("m(3)"));
    }

    #[test]
    fn nosec_comments() {
        let text = "a(1)  # nosec\nb(2)  # nosec B602, B113\nc(3)  # nosec: B101\nd(\n    4,\n)  # noqa: S602 # nosec - reviewed\ne(5)  # nosecurity\nf('# nosec')\n";
        let tree = parse(text);
        let root = tree.root_node();
        let mut results = Vec::new();
        walk_descendants(root, |n| {
            if n.kind() == "call" {
                results.push(nosec_covers(text, root, n, &["B602"]));
            }
            true
        });
        assert_eq!(results, [true, true, false, true, false, false]);
    }
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
        let Some(parent) = node.parent() else {
            return true;
        };
        let is_field = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|n| n.id() == node.id())
        };
        found = match parent.kind() {
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
            "assignment" | "augmented_assignment" | "for_statement" => is_field("left"),
            "named_expression" => is_field("name"),
            "aliased_import" => is_field("alias"),
            "dotted_name" => parent.parent().is_some_and(|p| {
                p.kind() == "import_statement"
                    && parent.named_child(0).map(|c| c.id()) == Some(node.id())
                    || p.kind() == "import_from_statement"
                        && p.child_by_field_name("module_name").map(|m| m.id()) != Some(parent.id())
            }),
            _ => false,
        };
        true
    });
    found
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
