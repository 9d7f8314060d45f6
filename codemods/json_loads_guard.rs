//! # json-loads-guard
//!
//! ## What it does
//! Finds `json.loads(...)` and `json.load(...)` calls (also `from json
//! import loads` and `import json as j`) whose failure nothing in the
//! function handles: no surrounding `try` with a handler for
//! `JSONDecodeError`, `ValueError`, `Exception` or `BaseException` (or a
//! bare `except:`), and no `with contextlib.suppress(...)` of one of them.
//!
//! Left alone:
//!
//! - constant input: a string literal, `json.dumps(...)` parsed back, an
//!   UPPER_CASE constant assigned a string literal (or not assigned here:
//!   imported), `TEMPLATE.substitute(...)` of an UPPER_CASE template, or a
//!   data file shipped in the package (`pkgutil.get_data(...)`,
//!   `importlib.resources`);
//! - data the application wrote itself: a field (`row["xp"]`,
//!   `entry.detail`) that the same module fills with `json.dumps(...)`
//!   (`detail=json.dumps(...)`, `x.detail = json.dumps(...)`, a query
//!   naming the column run with `json.dumps(v)`), and the output of a
//!   decryption with the application's key (`decrypt_and_verify(...)`);
//! - the `if __name__ == "__main__":` block, where a crash at start-up on
//!   a bad configuration file is the right outcome;
//! - test code (test modules such as `test_*.py`, `conftest.py` or files
//!   under `tests/`; functions named `test*`; classes named `Test*`,
//!   `*Test`, `*Tests` or `*TestCase`), where an exception is the right way
//!   to fail;
//! - parsing APIs, whose callers expect `JSONDecodeError`: a function that
//!   returns the parse result directly and is named like a parser (`json`
//!   anywhere in its name, or a name ending in `load`, `loads`, `decode`,
//!   `parse`, `deserialize` or `unmarshal`), or whose docstring mentions
//!   `JSONDecodeError`.
//!
//! ## Why
//! JSON comes from outside — a request body, an API response, a file, a
//! queue message — and outside data is sometimes not JSON. The bare
//! `JSONDecodeError` says `Expecting value: line 1 column 1 (char 0)` and
//! nothing about which input was bad or what the code was doing, so the
//! error is hard to trace back from a log.
//!
//! ## Example
//! ```python
//! import json
//!
//!
//! def parse_order(body):
//!     order = json.loads(body)
//!     return order["id"]
//! ```
//! becomes
//! ```python
//! import json
//!
//!
//! def parse_order(body):
//!     try:
//!         order = json.loads(body)
//!     except json.JSONDecodeError as exc:
//!         raise ValueError(f"parse_order: invalid JSON in body: {exc}") from exc
//!     return order["id"]
//! ```
//! The message names the function (`Class.method` in a class; at module
//! level the assigned name, or the file) and what was parsed: the file
//! for `json.load(f)` under `with open(path) as f` (its name when `path`
//! is a string literal: `invalid JSON in config.json`), the setting for
//! `os.getenv("KEY")` / `cfg.get("KEY")` / `os.environ["KEY"]`, otherwise
//! the parsed expression when it is a short name or attribute chain. The
//! whole statement is wrapped, continuation lines re-indented (lines
//! inside multi-line strings are kept as they are) — except a `return` or
//! a statement that awaits: there only the parse is wrapped, into a fresh
//! name (`parsed = json.loads(raw)`) used in the statement, when nothing
//! with effects runs before it in the statement and it does not run
//! conditionally (otherwise a `return` is wrapped whole, and a statement
//! that awaits is report-only). With only `from json import loads` in the
//! module, `import json` is added for the exception class.
//!
//! Report-only, with the reason, when the call cannot be wrapped on its
//! own: in the header of a compound statement (`if`, `for`, `with`, a
//! default value…), inside a lambda or a generator expression (they run
//! later), in a statement that contains `yield` (the handler would also
//! catch errors thrown into the generator), in an `assert` or another
//! statement kind, or on a line shared with other code.
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): invalid JSON now raises
//! `ValueError` instead of `json.JSONDecodeError`. Callers that catch
//! `ValueError` or `Exception` behave as before; a caller that catches
//! `JSONDecodeError` specifically no longer does, and the message changes.
//! Any other call in the wrapped statement that raises `JSONDecodeError`
//! (`response.json()`) is reported under this parse's name.
//!
//! ## How to validate
//! - Feed the changed function input that is not JSON (an empty body, an HTML
//!   error page): it now raises `ValueError` whose message names the function
//!   and what was parsed, where it raised `json.JSONDecodeError: Expecting
//!   value: line 1 column 1 (char 0)`.
//! - Check the callers: `JSONDecodeError` is a subclass of `ValueError`, so
//!   handlers for `ValueError` or `Exception` behave as before, but one that
//!   catches `json.JSONDecodeError` (or reads its `pos` or `doc`) no longer
//!   does. Find them with `grep -rn JSONDecodeError` and catch `ValueError`
//!   there.
//! - Check that the log still shows the original error: it is the new
//!   exception's `__cause__`.
//! - Check that valid input gives the same result as before.
//!
//! ## Tests to add
//! - Call the fixed function with `"not json"` and expect `ValueError` whose
//!   message names the function; assert that it is not a `json.JSONDecodeError`
//!   and that its `__cause__` is one. Before the fix the bare `JSONDecodeError`
//!   came out (a plain `pytest.raises(ValueError)` passes both ways, so check
//!   the message).
//! - Call it with valid JSON and expect the same result as before the fix.
//! - For a caller that handles bad input, call it with invalid JSON and expect
//!   its handled outcome (a 400 response, a skipped message) with the new
//!   exception.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};
use crate::source::next_line_start;

pub struct JsonLoadsGuard;

pub static META: Meta = Meta {
    id: "json-loads-guard",
    category: "reliability",
    priority: Priority::P2,
    fix: Applicability::Unsafe,
    summary: "json.loads / json.load of outside data with no handler for invalid JSON",
};

/// Handlers that already deal with invalid JSON.
const HANDLED_BY: [&str; 4] = [
    "JSONDecodeError",
    "ValueError",
    "Exception",
    "BaseException",
];

/// Statements with a header and a body.
const COMPOUND: [&str; 6] = [
    "if_statement",
    "for_statement",
    "while_statement",
    "with_statement",
    "try_statement",
    "match_statement",
];

/// Readers of data files shipped inside a package.
const PACKAGE_DATA: [&str; 6] = [
    "pkgutil.get_data",
    "importlib.resources.read_text",
    "importlib.resources.read_binary",
    "importlib.resources.files",
    "importlib_resources.files",
    "pkg_resources.resource_string",
];

/// Name endings of functions whose job is to parse (see [`is_parser_api`]).
const PARSER_NAMES: [&str; 7] = [
    "load",
    "loads",
    "json",
    "decode",
    "deserialize",
    "parse",
    "unmarshal",
];

/// Parsed expressions longer than this are left out of the message.
const MAX_SHOWN: usize = 40;

impl JsonLoadsGuard {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for JsonLoadsGuard {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["json".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some(function) = call.field("function") else {
            return;
        };
        if !is_json_parse(cx, call) {
            return;
        }
        // Test modules parse fixtures they wrote themselves.
        if cx.is_test_file() {
            cx.leave_alone(python::LEFT_ALONE_TEST_MODULE);
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(input) = args
            .positional
            .first()
            .copied()
            .or_else(|| args.keyword("s"))
            .or_else(|| args.keyword("fp"))
        else {
            return;
        };
        if is_constant(cx, input)
            || is_app_written(cx, input)
            || python::handled_in_function(cx.text, call, &HANDLED_BY)
            || in_test_code(cx, call)
            || is_parser_api(cx, call)
            || python::in_main_block(cx.text, call)
        {
            return;
        }
        let shown = shown_input(cx, input);
        let mut message = format!(
            "`{}({})` has no handler for invalid JSON: the bare `JSONDecodeError` does not say \
             what was being parsed",
            python::text(cx.text, function),
            plain(python::text(cx.text, python::unparenthesize(input))).unwrap_or("…")
        );
        let fix = match wrap(cx, call, function, shown) {
            Ok(edits) => Fix::unsafe_(edits),
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

/// Whether `call` is `json.loads(...)` / `json.load(...)`.
fn is_json_parse(cx: &Checker<'_>, call: Node<'_>) -> bool {
    call.field("function")
        .and_then(|f| cx.qualified_name(f))
        .is_some_and(|name| name == "json.loads" || name == "json.load")
}

/// Input that parses the same on every run: a string literal without
/// interpolation, `json.dumps(...)` parsed back, or a data file shipped in
/// the package (`pkgutil.get_data(...)`, `importlib.resources`).
fn is_constant(cx: &Checker<'_>, input: Node<'_>) -> bool {
    let input = python::unparenthesize(input);
    let mut packaged = false;
    python::walk_descendants(input, |n| {
        if n.kind() == "call" {
            packaged |= n
                .field("function")
                .and_then(|f| cx.qualified_name(f))
                .is_some_and(|name| PACKAGE_DATA.contains(&name.as_str()));
        }
        !packaged
    });
    if packaged {
        return true;
    }
    match input.kind() {
        "string" | "concatenated_string" => {
            let mut interpolated = false;
            python::walk_descendants(input, |n| {
                interpolated |= n.kind() == "interpolation";
                !interpolated
            });
            !interpolated
        }
        "call" => {
            let Some(function) = input.field("function") else {
                return false;
            };
            if cx
                .qualified_name(function)
                .is_some_and(|name| name == "json.dumps")
            {
                return true;
            }
            // `EVENT_TEMPLATE.substitute()`: a constant template filled in
            // (an UPPER_CASE template; a `.format` only of a constant string).
            let (Some(object), Some(method)) =
                (function.field("object"), function.field("attribute"))
            else {
                return false;
            };
            match python::text(cx.text, method) {
                "substitute" | "safe_substitute" => is_upper_case(cx.text, object),
                "format" => is_constant_name(cx, object),
                _ => false,
            }
        }
        "identifier" => is_constant_name(cx, input),
        _ => false,
    }
}

/// An UPPER_CASE name that the module assigns only a string literal, or
/// does not assign at all (imported, or from a star import): a constant.
fn is_constant_name(cx: &Checker<'_>, node: Node<'_>) -> bool {
    if node.kind() != "identifier" {
        return false;
    }
    if !is_upper_case(cx.text, node) {
        return false;
    }
    let name = python::text(cx.text, node);
    if python::enclosing_function(node)
        .is_some_and(|function| python::binds_name(cx.text, function, name))
    {
        return false;
    }
    python::module_statements(cx.root)
        .into_iter()
        .all(|statement| {
            let Some(assignment) = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
            else {
                return true;
            };
            let assigns = assignment
                .field("left")
                .is_some_and(|l| python::text(cx.text, l) == name);
            !assigns
                || assignment
                    .field("right")
                    .is_some_and(|r| matches!(r.kind(), "string" | "concatenated_string"))
        })
}

/// `EVENT_TEMPLATE`: an identifier in UPPER_CASE.
fn is_upper_case(text: &str, node: Node<'_>) -> bool {
    let name = python::text(text, node);
    node.kind() == "identifier"
        && name.chars().any(|c| c.is_ascii_uppercase())
        && !name.chars().any(|c| c.is_ascii_lowercase())
}

/// Data the application wrote itself: the output of a decryption with the
/// application's key (`decrypt_and_verify(...)`, also through a name
/// assigned from it), or a field (`row["xp"]`, `entry.detail`) that the
/// same module fills with `json.dumps(...)` (`detail=json.dumps(...)`,
/// `x.detail = json.dumps(...)`, or a query mentioning `xp` run with
/// `json.dumps(v)`).
fn is_app_written(cx: &Checker<'_>, input: Node<'_>) -> bool {
    let input = python::unparenthesize(input);
    let value = match input.kind() {
        "identifier" => python::assigned_before(cx.text, input).unwrap_or(input),
        _ => input,
    };
    let decrypted = value.kind() == "call"
        && value.field("function").is_some_and(|f| {
            python::text(cx.text, f)
                .to_ascii_lowercase()
                .contains("decrypt")
        });
    if decrypted {
        return true;
    }
    let Some(field) = field_name(cx.text, input) else {
        return false;
    };
    let mut written = false;
    python::walk_descendants(cx.root, |n| {
        if written {
            return false;
        }
        if n.kind() == "call"
            && n.field("function")
                .and_then(|f| cx.qualified_name(f))
                .is_some_and(|name| name == "json.dumps")
        {
            written = dumps_into(cx.text, n, &field);
        }
        true
    });
    written
}

/// The name of the field an expression reads: `entry.detail` → `detail`,
/// `row["xp"]` → `xp`.
fn field_name(text: &str, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "attribute" => node
            .field("attribute")
            .map(|a| python::text(text, a).to_owned()),
        "subscript" => {
            let key = node.field("subscript")?;
            python::string_value(text, key)
                .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .map(str::to_owned)
        }
        _ => None,
    }
}

/// Field names of transport objects (`requests.post(data=json.dumps(x))`
/// then `json.loads(resp.data)`): storing into one of them says nothing
/// about where a later value of that name comes from.
const TRANSPORT_FIELDS: [&str; 10] = [
    "data", "body", "content", "text", "payload", "json", "message", "value", "response", "result",
];

/// Whether the `json.dumps(...)` call `dumps` stores into `field`.
fn dumps_into(text: &str, dumps: Node<'_>, field: &str) -> bool {
    let Some(mut parent) = python::parent_skipping_parens(dumps) else {
        return false;
    };
    // `execute("UPDATE t SET xp = ?", (json.dumps(v), guild))`.
    if matches!(parent.kind(), "tuple" | "list") {
        match python::parent_skipping_parens(parent) {
            Some(outer) if outer.kind() == "argument_list" => parent = outer,
            _ => return false,
        }
    }
    let named = !TRANSPORT_FIELDS.contains(&field);
    match parent.kind() {
        "keyword_argument" => {
            named
                && parent
                    .field("name")
                    .is_some_and(|n| python::text(text, n) == field)
        }
        "assignment" => {
            named
                && parent
                    .field("left")
                    .and_then(|l| field_name(text, l))
                    .is_some_and(|f| f == field)
        }
        "argument_list" => python::named_children(parent).iter().any(|arg| {
            python::string_value(text, *arg).is_some_and(|sql| {
                sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == field)
            })
        }),
        _ => false,
    }
}

/// Inside a `test*` function or a test class.
fn in_test_code(cx: &Checker<'_>, call: Node<'_>) -> bool {
    python::ancestors(call).any(|node| {
        let name = || node.field("name").map_or("", |n| python::text(cx.text, n));
        match node.kind() {
            "function_definition" => name().starts_with("test"),
            "class_definition" => {
                let name = name();
                name.starts_with("Test")
                    || name.ends_with("Test")
                    || name.ends_with("Tests")
                    || name.ends_with("TestCase")
            }
            _ => false,
        }
    })
}

/// Whether raising `JSONDecodeError` is the job of the function around
/// `call`: it returns the parse result directly and is named like a parser
/// (`loads`, `read_json`, `decode`, `parse`…), or its docstring names
/// `JSONDecodeError`. Such functions are APIs whose callers handle (or
/// document) invalid input; changing the exception type would break them.
fn is_parser_api(cx: &Checker<'_>, call: Node<'_>) -> bool {
    let Some(function) = python::enclosing_function(call) else {
        return false;
    };
    let documented = function
        .field("body")
        .and_then(|body| body.named_child(0))
        .filter(|first| first.kind() == "expression_statement")
        .and_then(|first| first.named_child(0))
        .is_some_and(|doc| {
            doc.kind() == "string" && python::text(cx.text, doc).contains("JSONDecodeError")
        });
    if documented {
        return true;
    }
    let mut value = call;
    while let Some(parent) = value
        .parent()
        .filter(|p| matches!(p.kind(), "parenthesized_expression" | "await"))
    {
        value = parent;
    }
    let returned = value
        .parent()
        .is_some_and(|p| p.kind() == "return_statement");
    let name = function
        .field("name")
        .map_or("", |n| python::text(cx.text, n))
        .trim_matches('_')
        .to_ascii_lowercase();
    returned && (name.contains("json") || PARSER_NAMES.iter().any(|suffix| name.ends_with(suffix)))
}

/// The parsed expression's text when it is short and plain enough to quote
/// inside an f-string: names, attributes, calls without arguments.
fn shown_input<'t>(cx: &Checker<'t>, input: Node<'_>) -> Option<&'t str> {
    let input = python::unparenthesize(input);
    // `json.load(f)` under `with open(path) as f`: the file, not the handle.
    if let Some(path) = opened_file(cx, input) {
        // A literal path is shown as the file name (`levels.json`).
        if let Some(name) = python::string_value(cx.text, path) {
            let quotable = !name.is_empty()
                && name.len() <= MAX_SHOWN
                && !name.contains(['{', '}', '\n', '\r']);
            return quotable.then_some(name);
        }
        return plain(python::text(cx.text, path));
    }
    // `os.getenv("SMTP_TO")`, `cfg.get("SMTP_TO")`, `os.environ["SMTP_TO"]`:
    // the setting's name.
    if let Some(key) = setting_name(cx.text, input) {
        return Some(key);
    }
    plain(python::text(cx.text, input))
}

/// `text` when it is short and plain enough to quote inside an f-string:
/// names, attributes, calls without arguments.
fn plain(text: &str) -> Option<&str> {
    let plain = text
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '(' | ')'));
    (text.len() <= MAX_SHOWN && plain && !text.is_empty()).then_some(text)
}

/// For a name bound by `with open(path) as name:` around it: the `path`
/// argument.
fn opened_file<'n>(cx: &Checker<'_>, input: Node<'n>) -> Option<Node<'n>> {
    if input.kind() != "identifier" {
        return None;
    }
    let name = python::text(cx.text, input);
    let mut found = None;
    for with in python::ancestors(input).filter(|n| n.kind() == "with_statement") {
        python::walk_descendants(with, |n| {
            if found.is_some() || n.kind() == "block" {
                return false;
            }
            if n.kind() == "as_pattern" {
                let alias = n.field("alias").map(|a| python::text(cx.text, a).trim());
                let opened = n.named_child(0).filter(|c| c.kind() == "call").filter(|c| {
                    c.field("function").is_some_and(|f| {
                        let f = python::text(cx.text, f);
                        f == "open" || f.ends_with(".open")
                    })
                });
                if alias == Some(name) {
                    found = opened.and_then(|c| {
                        python::Arguments::of(cx.text, c)
                            .positional
                            .first()
                            .copied()
                    });
                }
            }
            true
        });
        if found.is_some() {
            break;
        }
    }
    found
}

/// The UPPER_CASE key of a settings lookup: `os.getenv("KEY")`,
/// `x.get("KEY")`, `os.environ["KEY"]`.
fn setting_name<'t>(text: &'t str, input: Node<'_>) -> Option<&'t str> {
    let key = match input.kind() {
        "call" => {
            let function = python::text(text, input.field("function")?);
            if !(function.ends_with(".get") || function.ends_with("getenv")) {
                return None;
            }
            *Arguments::of(text, input).positional.first()?
        }
        "subscript" => input.field("subscript")?,
        _ => return None,
    };
    python::string_value(text, key).filter(|k| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// The edits wrapping the statement of `call` in `try` / `except
/// JSONDecodeError`, or why that cannot be done.
fn wrap(
    cx: &Checker<'_>,
    call: Node<'_>,
    function: Node<'_>,
    shown: Option<&str>,
) -> Result<Vec<Edit>, String> {
    let statement = python::enclosing_statement(call).ok_or("no statement to wrap")?;
    for ancestor in python::ancestors(call).skip(1) {
        if ancestor.id() == statement.id() {
            break;
        }
        match ancestor.kind() {
            "lambda" => return Err("it runs later, inside a lambda".into()),
            "generator_expression" => {
                return Err(
                    "it runs when the generator expression is consumed, maybe after this \
                     statement"
                        .into(),
                )
            }
            _ => {}
        }
    }
    match statement.kind() {
        "expression_statement" | "return_statement" => {}
        "function_definition" | "decorated_definition" | "class_definition" => {
            return Err("it is part of a definition's header (a default value or decorator)".into())
        }
        kind if COMPOUND.contains(&kind) => {
            let keyword = kind.trim_end_matches("_statement");
            return Err(format!(
                "it is in the header of a compound `{keyword}` statement"
            ));
        }
        kind => {
            let keyword = kind.trim_end_matches("_statement");
            return Err(format!(
                "it is in {} `{keyword}` statement",
                article(keyword)
            ));
        }
    }
    if contains_yield(statement) {
        return Err(
            "its statement yields, and a handler around a `yield` also catches errors thrown \
             into the generator"
                .into(),
        );
    }
    let shared = "its statement shares a line with other code";
    let (line_begin, indent) = edit::before_statement(cx, statement).ok_or(shared)?;
    edit::after_statement(cx, statement).ok_or(shared)?;
    let (exception, import) = decode_error_class(cx, call, function)?;
    let scope = python::enclosing_function(call).unwrap_or(statement);
    let name = edit::fresh_name(cx, scope, "exc");
    let what = match shown {
        Some(shown) => format!("invalid JSON in {shown}"),
        None => "invalid JSON".to_owned(),
    };
    let handler_message = |name: &str| {
        cx.stylist
            .string_literal(&format!("{}: {what}: {{{name}}}", context(cx, call)))
    };

    // A `return` or an `await` is not wrapped whole: only the parse, into
    // a fresh name first.
    // When the parse cannot run first, a `return` without `await` is
    // wrapped whole, as other statements are.
    let awaits = contains_await(statement);
    let hoist = match hoistable(statement, call) {
        Ok(()) => statement.kind() == "return_statement" || awaits,
        Err(reason) if awaits => return Err(reason),
        Err(_) => false,
    };
    if hoist {
        let parsed = edit::fresh_name(cx, scope, "parsed");
        let inner = format!("{indent}{}", cx.stylist.indent);
        let parse = edit::reindent_range(cx, call.byte_range().into(), indent, &inner);
        let message = handler_message(&name);
        let template = format!(
            "try:\n    {parsed} = \u{0}\nexcept {exception} as {name}:\n    raise ValueError(f{message}) from {name}"
        );
        let block = cx
            .stylist
            .render_block(&template, indent)
            .replacen('\u{0}', &parse, 1);
        let mut edits = vec![
            Edit::insertion(line_begin, block),
            Edit::replacement(call.byte_range().into(), parsed),
        ];
        edits.extend(import);
        return Ok(edits);
    }

    // The statement with any comment after it on its last line.
    let mut end = next_line_start(cx.text, statement.end_byte());
    let bytes = cx.text.as_bytes();
    while end > statement.end_byte() && matches!(bytes[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    let inner = format!("{indent}{}", cx.stylist.indent);
    let body = edit::reindent_range(
        cx,
        TextRange::new(statement.start_byte(), end),
        indent,
        &inner,
    );

    // Outside functions the handler's name cannot clash with anything that
    // runs after it: it raises while the module or class is being built.
    let several = count_json_parses(cx, statement) > 1;
    let message = if several {
        cx.stylist
            .string_literal(&format!("{}: invalid JSON: {{{name}}}", context(cx, call)))
    } else {
        handler_message(&name)
    };
    let template = format!(
        "try:\n    \u{0}\nexcept {exception} as {name}:\n    raise ValueError(f{message}) from {name}"
    );
    let block = cx.stylist.render_block(&template, indent);
    let block = block
        .strip_suffix(cx.stylist.eol())
        .unwrap_or(&block)
        .replacen('\u{0}', &body, 1);
    let mut edits = vec![Edit::replacement(TextRange::new(line_begin, end), block)];
    edits.extend(import);
    Ok(edits)
}

/// Whether the statement awaits (outside nested functions and lambdas).
fn contains_await(statement: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(statement, |n| {
        found |= n.kind() == "await";
        !found
            && !matches!(
                n.kind(),
                "lambda" | "function_definition" | "class_definition"
            )
    });
    found
}

/// Whether the parse can run before the rest of its statement: nothing
/// with effects (a call, an `await`) runs before it in the statement, it
/// does not run conditionally (`a and json.loads(b)`, `x if c else ...`,
/// a comprehension), and its argument does not await.
fn hoistable(statement: Node<'_>, call: Node<'_>) -> Result<(), String> {
    let refused = |why: &str| {
        Err(format!(
            "only the parse should be wrapped, not the whole `await`, and {why}"
        ))
    };
    for ancestor in python::ancestors(call).skip(1) {
        if ancestor.id() == statement.id() {
            break;
        }
        if matches!(
            ancestor.kind(),
            "conditional_expression"
                | "boolean_operator"
                | "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
        ) {
            return refused("it runs only under a condition or per item");
        }
    }
    if contains_await(call) {
        return refused("its input is awaited inside the call");
    }
    let mut earlier = false;
    python::walk_descendants(statement, |n| {
        if earlier || n.start_byte() >= call.start_byte() {
            return false;
        }
        let around_call = n.end_byte() >= call.end_byte();
        earlier = !around_call && matches!(n.kind(), "call" | "await");
        !earlier
    });
    if earlier {
        return refused("something before it in the statement runs first");
    }
    Ok(())
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Whether the statement yields (outside nested functions and lambdas).
fn contains_yield(statement: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(statement, |n| {
        found |= n.kind() == "yield";
        !found
            && !matches!(
                n.kind(),
                "lambda" | "function_definition" | "class_definition"
            )
    });
    found
}

fn count_json_parses(cx: &Checker<'_>, statement: Node<'_>) -> usize {
    let mut count = 0;
    python::walk_descendants(statement, |n| {
        if n.kind() == "call" && is_json_parse(cx, n) {
            count += 1;
        }
        true
    });
    count
}

/// How the handler names `JSONDecodeError`, and the import it needs.
fn decode_error_class(
    cx: &Checker<'_>,
    call: Node<'_>,
    function: Node<'_>,
) -> Result<(String, Option<Edit>), String> {
    if let Some(module) = function
        .field("object")
        .filter(|_| function.kind() == "attribute")
    {
        return Ok((
            format!("{}.JSONDecodeError", python::text(cx.text, module)),
            None,
        ));
    }
    let shadowed = python::enclosing_function(call)
        .is_some_and(|function| python::binds_name(cx.text, function, "json"));
    if cx.import_binding("JSONDecodeError") == Some("json.JSONDecodeError") {
        return Ok(("JSONDecodeError".into(), None));
    }
    if shadowed {
        return Err("the name `json` means something else here".into());
    }
    Ok((
        "json.JSONDecodeError".into(),
        edit::ensure_import(cx, "json"),
    ))
}

/// At module level: the name the statement assigns (`SMTP = {...}`), or
/// the module's file name.
fn module_level_context(cx: &Checker<'_>, call: Node<'_>) -> String {
    let assigned = python::enclosing_statement(call)
        .and_then(|s| s.named_child(0))
        .filter(|a| a.kind() == "assignment")
        .and_then(|a| a.field("left"))
        .filter(|l| matches!(l.kind(), "identifier" | "attribute"))
        .map(|l| python::text(cx.text, l).to_owned());
    if let Some(name) = assigned {
        return name;
    }
    let file = cx.path().map(|path| {
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        match path.parent().and_then(|p| p.file_name()) {
            Some(parent) if name == "__init__.py" => format!("{}/{name}", parent.to_string_lossy()),
            _ => name,
        }
    });
    file.filter(|f| !f.is_empty())
        .unwrap_or_else(|| "at import".into())
}

/// `Class.method`, `function`, or (at module level) the assigned name or
/// the file.
fn context(cx: &Checker<'_>, call: Node<'_>) -> String {
    let Some(function) = python::enclosing_function(call) else {
        return module_level_context(cx, call);
    };
    let name = function
        .field("name")
        .map_or("", |n| python::text(cx.text, n));
    let mut parent = function.parent();
    if parent.is_some_and(|p| p.kind() == "decorated_definition") {
        parent = parent.and_then(|p| p.parent());
    }
    let class = parent
        .filter(|p| p.kind() == "block")
        .and_then(|b| b.parent())
        .filter(|c| c.kind() == "class_definition")
        .and_then(|c| c.field("name"));
    match class {
        Some(class) => format!("{}.{name}", python::text(cx.text, class)),
        None => name.to_owned(),
    }
}
