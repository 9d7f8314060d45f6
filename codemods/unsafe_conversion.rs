//! # unsafe-conversion
//!
//! ## What it does
//! Reports conversions of outside input that fail with an exception nobody
//! handles:
//!
//! - `int(...)` / `float(...)` of an environment variable — `os.getenv(...)`,
//!   `os.environ.get(...)`, `os.environ[...]` (also through `getenv` /
//!   `environ` imported from `os`) — or of request data: `request.args`,
//!   `.form`, `.values`, `.json`, `.headers`, `.cookies`, `.data` (Flask),
//!   `request.GET` / `.POST` (Django), `request.query_params` /
//!   `.path_params` (Starlette, FastAPI), read with `.get(...)` or `[...]`
//!   (`request` may be `self.request`). The value may go through a variable
//!   first (`port = os.getenv("PORT")` … `int(port)`) or an `or`
//!   (`int(os.getenv("N") or 1)`).
//! - `text.split(sep)[i]` / `text.rsplit(sep)[i]` with `i >= 1` or
//!   `i <= -2`, directly or through a variable (`parts = text.split(":")`
//!   … `parts[1]`). A `maxsplit` does not make it safe. `[0]` and `[-1]`
//!   are not reported (with a separator they always exist), nor are
//!   slices, `partition` (it never fails), `os.path.split` and other
//!   module functions (`re.split`, `shlex.split`, `np.split`).
//!
//! Not reported when handled: inside a `try` whose handler catches
//! `ValueError`, `TypeError`, `Exception` or `BaseException` (for the
//! conversions) or `IndexError`, `LookupError`, `Exception` or
//! `BaseException` (for the index); a conversion under a condition (an
//! `if`, a conditional expression, the left of `and`, or an earlier `if` /
//! `assert` of the same scope) that checks the same variable or key with
//! `.isdigit()`, `.isdecimal()`, `.isnumeric()`, `match(` or
//! `fullmatch(`; an index under a condition that tests the split text
//! (`":" in text`, `text.count(":")`, `len(...)`, `startswith`, …), or,
//! for a variable, after a `len(parts)` check or an `append` / `extend` /
//! `insert` that pads it, or under a condition that tests the split text
//! before the split (`if "[" in s and s.endswith("]"): parts =
//! s.rsplit("[", 1)`). Texts of a format fixed by the system that made
//! them are not reported either: an asyncpg command status (`status =
//! await conn.execute("DELETE ...")`, always `"DELETE 3"`) and lines of a
//! `/proc` file (followed through variables, `for` loops and `with ... as`).
//! Test modules and test support (`test_*.py`, `tests/`, `testing/`,
//! `conftest.py`, …) are skipped.
//!
//! `int(os.getenv("PORT", "8080"))` is still reported: the default only
//! covers an unset variable, and `PORT=80a` fails all the same.
//!
//! ## Why
//! Environment variables and request parameters are text someone else
//! typed. `int("8080 ")` works, `int("8080/tcp")` raises `ValueError`,
//! `int(None)` raises `TypeError`: a typo in a deployment's environment
//! becomes a traceback at start-up with no word about which variable is
//! wrong, and a bad query parameter becomes an HTTP 500 instead of a 400.
//! `host.split(":")[1]` raises `IndexError` as soon as the port is left
//! out. Audits ask for the failure to be handled where the input enters,
//! with a message that names it.
//!
//! ## Example
//! ```python
//! import os
//!
//! WORKERS = int(os.getenv("WORKERS", "4"))
//! ```
//! is reported as
//! ```python
//! import os
//!
//! WORKERS = int(os.getenv("WORKERS", "4"))
//! ```
//! with: `int()` of environment variable `WORKERS` raises ValueError when
//! it is set to something that is not a number (the default only covers
//! an unset variable) … (no automatic fix). What to write instead, for
//! example:
//!
//! ```text
//! try:
//!     WORKERS = int(os.getenv("WORKERS", "4"))
//! except ValueError:
//!     raise ValueError("WORKERS must be a whole number") from None
//! ```
//!
//! ## Fix safety
//! Report-only: what should happen on bad input — a default, a clear
//! start-up error, a 400 response, skipping a malformed line — is a
//! decision only the code's owner can make.
//!
//! ## How to validate
//! The fix is manual; check the change made for each finding:
//! - Set the environment variable to a value that is not a number
//!   (`WORKERS=4x`) and start the program: it now stops with a message naming
//!   the variable, or uses the chosen default, where it raised `ValueError:
//!   invalid literal for int() with base 10: '4x'`.
//! - Send a request parameter that is not a number (`?page=abc`): the endpoint
//!   now answers 400 (or uses its default), where it answered 500.
//! - Give a text without the separator (`"localhost"` for
//!   `host.split(":")[1]`): the code now takes the chosen path, where it raised
//!   `IndexError: list index out of range`.
//! - Check that the handler catches only the conversion's errors (`ValueError`,
//!   and `TypeError` for a missing value) and does not hide others.
//!
//! ## Tests to add
//! - Set the variable to `"4x"` (`monkeypatch.setenv`), call the changed
//!   function or reload the changed module, and expect the error that names the
//!   variable, or the default; before the fix it raised a bare `ValueError`.
//! - Unset a variable read without a default and expect the same clear error;
//!   before the fix `int(None)` raised `TypeError`.
//! - Send `?page=abc` with the framework's test client and expect 400; before
//!   the fix the answer was 500.
//! - Call the changed function with a text that lacks the separator and expect
//!   the chosen outcome; before the fix it raised `IndexError`.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Fix};
use crate::python::{self, Arguments};

pub struct UnsafeConversion;

pub static META: Meta = Meta {
    id: "unsafe-conversion",
    category: "reliability",
    priority: Priority::P3,
    fix: Applicability::ReportOnly,
    summary: "int()/float() of env or request data, or split()[i], with no error handling",
};

/// Handlers that deal with a failed conversion.
const CONVERSION_HANDLED_BY: [&str; 4] = ["ValueError", "TypeError", "Exception", "BaseException"];

/// Handlers that deal with a missing part.
const INDEX_HANDLED_BY: [&str; 4] = ["IndexError", "LookupError", "Exception", "BaseException"];

/// Request attributes that hold client input.
const REQUEST_FIELDS: [&str; 11] = [
    "args",
    "form",
    "values",
    "json",
    "headers",
    "cookies",
    "data",
    "GET",
    "POST",
    "query_params",
    "path_params",
];

/// Words of a check that a text is a number.
const NUMBER_CHECKS: [&str; 5] = ["isdigit", "isdecimal", "isnumeric", "match(", "fullmatch("];

/// Words of a check on the text that is split.
const SPLIT_CHECKS: [&str; 11] = [
    " in ",
    "count(",
    "find(",
    "index(",
    "len(",
    "startswith(",
    "endswith(",
    "match(",
    "search(",
    "partition(",
    "split(",
];

/// Receivers whose `split` is a module function, not `str.split`.
const MODULE_SPLITS: [&str; 6] = ["os.path", "posixpath", "ntpath", "re", "regex", "shlex"];

const NO_FIX: &str = " (no automatic fix: what bad input should lead to is the owner's decision)";

impl UnsafeConversion {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for UnsafeConversion {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call", "subscript"]
    }

    fn triggers(&self) -> Vec<String> {
        vec![
            "getenv".into(),
            "environ".into(),
            "request".into(),
            "split(".into(),
        ]
    }

    fn check(&self, node: Node<'_>, cx: &mut Checker<'_>) {
        let message = match node.kind() {
            "call" => conversion_finding(cx, node),
            _ => split_index_finding(cx, node),
        };
        let Some(message) = message else {
            return;
        };
        if cx.is_test_file() {
            cx.leave_alone(python::LEFT_ALONE_TEST_MODULE);
            return;
        }
        let fix = Fix::new(Vec::new(), Applicability::ReportOnly);
        cx.report(node.byte_range(), format!("{message}{NO_FIX}"), Some(fix));
    }
}

/// Where a converted value comes from.
enum Source {
    /// An environment variable: its name (literal text when known), and
    /// how it is read.
    Env { name: String, read: EnvRead },
    /// Request data: the expression that reads it, the key's text, and
    /// whether the value may be missing (None).
    Request {
        expression: String,
        key: String,
        missing: bool,
    },
}

enum EnvRead {
    /// `os.getenv(name)` / `os.environ.get(name)`: None when unset.
    GetNoDefault,
    /// With a default: only a bad value fails.
    GetDefault,
    /// `os.environ[name]`: KeyError when unset (not ours to report).
    Subscript,
}

/// `int(<source>)` / `float(<source>)` with nothing handling a failure.
fn conversion_finding<'n>(cx: &Checker<'_>, call: Node<'n>) -> Option<String> {
    let (None, function @ ("int" | "float")) = python::call_target(cx.text, call)? else {
        return None;
    };
    let args = Arguments::of(cx.text, call);
    if args.has_splat || args.keywords.iter().any(|(k, _, _)| k != "base") {
        return None;
    }
    // `x or default`: the default covers a missing value.
    let mut or_default = false;
    let mut left_of_or = |node: Node<'n>| -> Option<Node<'n>> {
        let mut node = python::unparenthesize(node);
        while node.kind() == "boolean_operator" && operator_is(node, "or") {
            or_default = true;
            node = python::unparenthesize(node.field("left")?);
        }
        Some(node)
    };
    let argument = left_of_or(*args.positional.first()?)?;
    let (mut source, variable) = match argument.kind() {
        "identifier" => {
            let value = left_of_or(python::assigned_before(cx.text, argument)?)?;
            (source_of(cx, value)?, Some(python::text(cx.text, argument)))
        }
        _ => (source_of(cx, argument)?, None),
    };
    if or_default {
        match &mut source {
            Source::Env { read, .. } if matches!(read, EnvRead::GetNoDefault) => {
                *read = EnvRead::GetDefault;
            }
            Source::Request { missing, .. } => *missing = false,
            _ => {}
        }
    }
    if python::handled_by_try(cx.text, call, &CONVERSION_HANDLED_BY) {
        return None;
    }
    let subject = match (&source, variable) {
        (_, Some(variable)) => variable.to_owned(),
        (Source::Env { name, .. }, None) => name.clone(),
        (Source::Request { key, .. }, None) => key.clone(),
    };
    if checked_before(cx.text, call, &subject, &NUMBER_CHECKS) {
        return None;
    }
    let through = variable.map_or(String::new(), |v| format!(" (through `{v}`)"));
    Some(match source {
        Source::Env { name, read } => {
            let failure = match read {
                EnvRead::GetNoDefault => {
                    "raises TypeError when it is unset and ValueError when it is not a number"
                }
                EnvRead::GetDefault => {
                    "raises ValueError when it is set to something that is not a number (the default only covers an unset variable)"
                }
                EnvRead::Subscript => "raises ValueError when it is not a number",
            };
            format!(
                "`{function}()` of environment variable {name}{through} {failure}: catch it and fail with a message that names the variable"
            )
        }
        Source::Request {
            expression,
            missing,
            ..
        } => {
            let failure = if missing {
                "raises ValueError when the client sends something that is not a number (TypeError when it is missing)"
            } else {
                "raises ValueError when the client sends something that is not a number"
            };
            format!(
                "`{function}()` of request data `{expression}`{through} {failure}, an HTTP 500 for bad input: validate it, or catch the error and answer 400"
            )
        }
    })
}

fn operator_is(node: Node<'_>, operator: &str) -> bool {
    node.field("operator").is_some_and(|o| o.kind() == operator)
}

/// The outside input `value` reads, if it reads one.
fn source_of(cx: &Checker<'_>, value: Node<'_>) -> Option<Source> {
    let text = cx.text;
    // Through the module's imports: `from os import environ, getenv`,
    // `import os as _os`.
    let qualified = |node: Node<'_>| cx.qualified_name(python::unparenthesize(node));
    match value.kind() {
        "call" => {
            let (receiver, name) = python::call_target(text, value)?;
            let args = Arguments::of(text, value);
            let has_default = args.positional.len() >= 2 || args.keyword("default").is_some();
            let function = qualified(value.field("function")?);
            let is_env = matches!(function.as_deref(), Some("os.getenv" | "os.environ.get"));
            if is_env {
                let name = args
                    .positional
                    .first()
                    .or(args.keyword("key").as_ref())
                    .map_or_else(|| "?".to_owned(), |k| env_name(text, *k));
                let read = if has_default {
                    EnvRead::GetDefault
                } else {
                    EnvRead::GetNoDefault
                };
                return Some(Source::Env { name, read });
            }
            let is_request = name == "get" && receiver.is_some_and(|r| is_request_data(text, r));
            is_request.then(|| Source::Request {
                expression: brief(python::text(text, value)),
                key: args
                    .positional
                    .first()
                    .map_or_else(String::new, |k| python::text(text, *k).to_owned()),
                missing: !has_default,
            })
        }
        "subscript" => {
            let container = python::unparenthesize(value.field("value")?);
            if qualified(container).as_deref() == Some("os.environ") {
                let key = value.field("subscript")?;
                return Some(Source::Env {
                    name: env_name(text, key),
                    read: EnvRead::Subscript,
                });
            }
            let is_request = is_request_data(text, container) || is_request_json(text, container);
            is_request.then(|| Source::Request {
                expression: brief(python::text(text, value)),
                key: value
                    .field("subscript")
                    .map_or_else(String::new, |k| python::text(text, k).to_owned()),
                missing: false,
            })
        }
        _ => None,
    }
}

/// `PORT` for `"PORT"`, the expression's text otherwise.
fn env_name(text: &str, key: Node<'_>) -> String {
    match python::string_value(text, key) {
        Some(name) => name.to_owned(),
        None => format!("`{}`", python::text(text, key)),
    }
}

/// `request.args`, `self.request.GET`, `flask.request.form`, …
fn is_request_data(text: &str, node: Node<'_>) -> bool {
    let node = python::unparenthesize(node);
    if node.kind() != "attribute" {
        return false;
    }
    let (Some(object), Some(field)) = (node.field("object"), node.field("attribute")) else {
        return false;
    };
    REQUEST_FIELDS.contains(&python::text(text, field)) && is_request(text, object)
}

/// `request.get_json()` or `await request.json()`.
fn is_request_json(text: &str, node: Node<'_>) -> bool {
    let node = python::unparenthesize(node);
    let call = match node.kind() {
        "await" => match node.named_child(0) {
            Some(inner) => python::unparenthesize(inner),
            None => return false,
        },
        _ => node,
    };
    if call.kind() != "call" {
        return false;
    }
    matches!(
        python::call_target(text, call),
        Some((Some(receiver), "get_json" | "json")) if is_request(text, receiver)
    )
}

/// `request`, `self.request`, `flask.request`.
fn is_request(text: &str, node: Node<'_>) -> bool {
    python::dotted_name(text, node).is_some_and(|name| name.rsplit('.').next() == Some("request"))
}

/// `x.split(sep)[i]` or `parts[i]` after `parts = x.split(sep)`, for an
/// index that needs more than one part, with no check.
fn split_index_finding(cx: &Checker<'_>, subscript: Node<'_>) -> Option<String> {
    let index = single_index(cx.text, subscript)?;
    if (-1..=0).contains(&index) {
        return None;
    }
    let value = python::unparenthesize(subscript.field("value")?);
    let needed = if index > 0 { index + 1 } else { -index };
    match value.kind() {
        "call" => {
            let (receiver, method) = split_call(cx, value)?;
            if python::handled_by_try(cx.text, subscript, &INDEX_HANDLED_BY)
                || fixed_format(cx.text, receiver)
                || checked_before(
                    cx.text,
                    subscript,
                    python::text(cx.text, receiver),
                    &SPLIT_CHECKS,
                )
            {
                return None;
            }
            Some(format!(
                "`{}` raises IndexError when the text has fewer than {needed} parts{}: check the parts first ({}) and fail with a message that names the expected format",
                split_text(cx.text, receiver, value, Some(index)),
                separator_note(cx.text, value),
                advice(method, needed),
            ))
        }
        "identifier" => {
            let name = python::text(cx.text, value);
            let assigned = python::unparenthesize(python::assigned_before(cx.text, value)?);
            if assigned.kind() != "call" {
                return None;
            }
            let (receiver, _) = split_call(cx, assigned)?;
            if python::handled_by_try(cx.text, subscript, &INDEX_HANDLED_BY)
                || length_checked(cx.text, subscript, assigned, name)
                || fixed_format(cx.text, receiver)
                // `if "[" in s and s.endswith("]"): parts = s.rsplit("[", 1)`:
                // a guard on the split text itself.
                || checked_before(
                    cx.text,
                    assigned,
                    python::text(cx.text, receiver),
                    &SPLIT_CHECKS,
                )
            {
                return None;
            }
            Some(format!(
                "`{}` (`{name}` from `{}`, line {}) raises IndexError when the text has fewer than {needed} parts{}: check `len({name})` first and fail with a message that names the expected format",
                python::text(cx.text, subscript),
                split_text(cx.text, receiver, assigned, None),
                assigned.start_position().row + 1,
                separator_note(cx.text, assigned),
            ))
        }
        _ => None,
    }
}

/// Whether the split text has a format fixed by the system that produced
/// it: an asyncpg status (`status = await conn.execute("DELETE ...")`,
/// always `"DELETE 3"`), or a line of a `/proc` file (`for line in
/// open("/proc/meminfo")`, `with open("/proc/loadavg") as f: f.read()`).
/// The text is followed through a variable it was assigned from, the
/// `for` loop that binds it, and the `with` item that bound the file.
fn fixed_format(text: &str, receiver: Node<'_>) -> bool {
    let mut origins = vec![python::unparenthesize(receiver)];
    let mut seen = 0;
    while seen < origins.len() && origins.len() < 12 {
        let origin = origins[seen];
        seen += 1;
        let code = python::text(text, origin);
        if code.contains("\"/proc/") || code.contains("'/proc/") {
            return true;
        }
        if is_asyncpg_status(text, origin) {
            return true;
        }
        // The name (or the object of a method chain: `f.read()`).
        let mut head = origin;
        while let Some(inner) = match head.kind() {
            "call" => head.field("function"),
            "attribute" => head.field("object"),
            _ => None,
        } {
            head = python::unparenthesize(inner);
        }
        if head.kind() != "identifier" {
            continue;
        }
        let name = python::text(text, head);
        if let Some(value) = python::assigned_before(text, head) {
            origins.push(python::unparenthesize(value));
        }
        for ancestor in python::ancestors(head).skip(1) {
            if python::is_scope_boundary(ancestor.kind()) {
                break;
            }
            match ancestor.kind() {
                "for_statement" => {
                    let binds = ancestor
                        .field("left")
                        .is_some_and(|l| python::text(text, l) == name);
                    if let Some(iterable) = ancestor.field("right").filter(|_| binds) {
                        origins.push(python::unparenthesize(iterable));
                    }
                }
                "with_statement" => {
                    python::walk_descendants(ancestor, |n| {
                        if n.kind() == "block" {
                            return false;
                        }
                        if n.kind() == "as_pattern" {
                            let binds = n
                                .field("alias")
                                .is_some_and(|a| python::text(text, a) == name);
                            if let Some(value) = n.named_child(0).filter(|_| binds) {
                                origins.push(value);
                            }
                            return false;
                        }
                        true
                    });
                }
                _ => {}
            }
        }
    }
    false
}

/// `await conn.execute(...)`: asyncpg's `execute` returns the command
/// status, `"DELETE 3"`, `"INSERT 0 1"`.
fn is_asyncpg_status(text: &str, node: Node<'_>) -> bool {
    node.kind() == "await"
        && node
            .named_child(0)
            .map(python::unparenthesize)
            .filter(|c| c.kind() == "call")
            .and_then(|c| python::call_target(text, c))
            .is_some_and(|(receiver, method)| receiver.is_some() && method == "execute")
}

/// The receiver and method of `x.split(...)` / `x.rsplit(...)` when it is
/// a string method (not `os.path.split`, `re.split`, a literal's split…).
fn split_call<'n>(cx: &Checker<'_>, call: Node<'n>) -> Option<(Node<'n>, &'static str)> {
    let (receiver, name) = python::call_target(cx.text, call)?;
    let method = match name {
        "split" => "split",
        "rsplit" => "rsplit",
        _ => return None,
    };
    let receiver = receiver?;
    let bare = python::unparenthesize(receiver);
    if matches!(bare.kind(), "string" | "concatenated_string") {
        return None; // a literal: its parts are known
    }
    if let Some(name) = python::dotted_name(cx.text, bare) {
        let qualified = cx.qualified_name(bare).unwrap_or_default();
        let is_module = cx.memo(("imported_module", &name), || {
            python::names_imported_module(&python::module_imports(cx.text, cx.root), &name)
        });
        if MODULE_SPLITS.contains(&qualified.as_str()) || is_module {
            return None;
        }
    }
    Some((receiver, method))
}

/// The index of `x[i]` when it is one integer literal (`1`, `-2`).
fn single_index(text: &str, subscript: Node<'_>) -> Option<i64> {
    let mut cursor = subscript.walk();
    let indices: Vec<Node<'_>> = subscript
        .children_by_field_name("subscript", &mut cursor)
        .collect();
    let [index] = indices.as_slice() else {
        return None;
    };
    let index = python::unparenthesize(*index);
    let (negative, literal) = match index.kind() {
        "integer" => (false, index),
        "unary_operator" if operator_is(index, "-") => (true, index.field("argument")?),
        _ => return None,
    };
    if literal.kind() != "integer" {
        return None;
    }
    let digits = python::text(text, literal).replace('_', "");
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// `receiver.split(args)` (and `[index]`) for a message, with a long or
/// multi-line receiver or argument list shortened to `…`.
fn split_text(text: &str, receiver: Node<'_>, call: Node<'_>, index: Option<i64>) -> String {
    let method = python::call_target(text, call).map_or("split", |(_, m)| m);
    let arguments = call
        .field("arguments")
        .map_or("()", |a| python::text(text, a));
    format!(
        "{}.{method}{}{}",
        brief(python::text(text, receiver)),
        if arguments.len() > 30 || arguments.contains('\n') {
            "(…)"
        } else {
            arguments
        },
        index.map_or(String::new(), |i| format!("[{i}]")),
    )
}

/// A fragment of code for a message: itself when short and on one line,
/// `…` otherwise.
fn brief(code: &str) -> String {
    if code.len() > 40 || code.contains('\n') {
        "…".to_owned()
    } else {
        code.to_owned()
    }
}

/// ` (no ":" in it)` for a literal separator.
fn separator_note(text: &str, call: Node<'_>) -> String {
    let args = Arguments::of(text, call);
    let separator = args.positional.first().copied().or(args.keyword("sep"));
    match separator {
        Some(sep) if sep.kind() == "string" => {
            format!(", e.g. no {} in it", python::text(text, sep))
        }
        Some(_) => String::new(),
        None => ", e.g. when it is blank".to_owned(),
    }
}

fn advice(method: &str, needed: i64) -> &'static str {
    match (method, needed) {
        ("rsplit", 2) => {
            "`head, sep, tail = text.rpartition(...)` and test `sep`, or `len()` of the parts"
        }
        (_, 2) => "`head, sep, tail = text.partition(...)` and test `sep`, or `len()` of the parts",
        _ => "`len()` of the parts",
    }
}

/// Whether a condition that guards `node` — an enclosing `if` / `elif` /
/// `while`, a conditional expression, the left of an `and`, a
/// comprehension's `if`, or an `if` / `assert` earlier in the same scope —
/// mentions `subject` together with one of `checks`.
fn checked_before(text: &str, node: Node<'_>, subject: &str, checks: &[&str]) -> bool {
    let checks_subject = |condition: Node<'_>| {
        let condition = python::text(text, condition);
        mentions(condition, subject) && checks.iter().any(|c| condition.contains(c))
    };
    let mut child = node;
    for parent in python::ancestors(node).skip(1) {
        let guard = match parent.kind() {
            "function_definition" | "lambda" | "class_definition" => break,
            "if_statement" | "elif_clause" | "while_statement" => {
                parent.field("condition").filter(|c| c.id() != child.id())
            }
            "conditional_expression" => parent.named_child(1).filter(|c| c.id() != child.id()),
            "boolean_operator" if operator_is(parent, "and") => {
                parent.field("left").filter(|l| l.id() != child.id())
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                if python::named_children(parent)
                    .into_iter()
                    .any(|c| c.kind() == "if_clause" && checks_subject(c))
                {
                    return true;
                }
                None
            }
            _ => None,
        };
        if guard.is_some_and(checks_subject) {
            return true;
        }
        child = parent;
    }
    python::statements_before(node).any(|statement| match statement.kind() {
        "if_statement" => statement.field("condition").is_some_and(checks_subject),
        "assert_statement" => checks_subject(statement),
        _ => false,
    })
}

/// Whether `code` contains `fragment` as a whole: not as part of a longer
/// name (`i` is not mentioned by `if x in items`).
fn mentions(code: &str, fragment: &str) -> bool {
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_';
    if fragment.is_empty() {
        return false;
    }
    code.match_indices(fragment).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + fragment.len()..].chars().next();
        let starts_name = fragment.starts_with(is_name_char);
        let ends_name = fragment.ends_with(is_name_char);
        let glued_before = starts_name && before.is_some_and(|c| is_name_char(c) || c == '.');
        let glued_after = ends_name && after.is_some_and(is_name_char);
        !glued_before && !glued_after
    })
}

/// For `parts[i]` after `parts = x.split(...)`: a `len(parts)` check or a
/// padding of `parts` between the assignment and the use, or around the
/// use.
fn length_checked(text: &str, use_node: Node<'_>, assigned: Node<'_>, name: &str) -> bool {
    let length = format!("len({name})");
    let padding = [
        format!("{name}.append("),
        format!("{name}.extend("),
        format!("{name}.insert("),
        format!("{name} +="),
    ];
    let pads_or_checks = |node: Node<'_>| {
        let source = python::text(text, node);
        mentions(source, &length) || padding.iter().any(|p| mentions(source, p))
    };
    if checked_before(text, use_node, &length, &["len("]) {
        return true;
    }
    let use_statement = python::enclosing_statement(use_node);
    if use_statement.is_some_and(|s| {
        // `parts[1] if len(parts) > 1 else None` in the same statement.
        mentions(python::text(text, s), &length)
    }) {
        return true;
    }
    for statement in python::statements_before(use_node) {
        if statement.start_byte() <= assigned.start_byte()
            && assigned.end_byte() <= statement.end_byte()
        {
            return false;
        }
        if pads_or_checks(statement) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_whole_names_only() {
        assert!(mentions("if \":\" in host:", "host"));
        assert!(!mentions("if x in hosts:", "host"));
        assert!(!mentions("if x in self.host:", "host"));
        assert!(mentions("if \":\" in self.host:", "self.host"));
        assert!(!mentions("if x in i_list:", "i"));
        assert!(mentions("len(parts) > 1", "len(parts)"));
        assert!(mentions("assert PORT.isdigit()", "PORT"));
        assert!(!mentions("anything", ""));
    }
}
