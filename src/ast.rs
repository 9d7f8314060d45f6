//! Questions about Python syntax trees that several codemods ask.
//!
//! Everything here is read-only and iterative (no recursion on the tree
//! depth), so deeply nested input cannot overflow the stack.

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
    let mut cursor = scope.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        if node.kind() == "identifier" {
            names.push(&text[node.byte_range()]);
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if depth == 0 {
                return names;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// Visit every node under `node` (including itself) in source order,
/// without recursion. `visit` returns false to skip a node's children.
pub fn walk_descendants<'n>(node: Node<'n>, mut visit: impl FnMut(Node<'n>) -> bool) {
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        let descend = visit(cursor.node());
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
}
