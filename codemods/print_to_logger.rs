//! # print-to-logger
//!
//! ## What it does
//! Finds `print()` calls in library modules and turns them into calls of
//! the module logger:
//!
//! - `logger.error(...)` inside an `except` block, or right before a
//!   `raise` in the same block (it reports the failure being raised);
//! - `logger.warning(...)` for `print(..., file=sys.stderr)`;
//! - `logger.info(...)` otherwise.
//!
//! The arguments become a lazy %-format: `print("loaded", n, "rows")` →
//! `logger.info("loaded %s rows", n)`. Literal strings are folded into the
//! format (a `%` in them doubled), other values become `%s` arguments
//! (`%s` is `str()`, exactly what `print` shows), a custom literal `sep=`
//! joins the pieces, and f-string placeholders become arguments — `{x}` →
//! `%s`, `{x!r}` → `%r`, `{x!a}` → `%a`. An f-string with a format spec
//! (`{x:.2f}`) or a `{x=}` placeholder is kept whole as one argument (or as
//! the message when it is the only one). A single argument that is already
//! a string expression (a literal, `"..." % x`, `"...".format(x)`) stays
//! the message as written. `flush=` is dropped, `file=sys.stdout` too.
//! When the module has no logger, `import logging` and
//! `logger = logging.getLogger(__name__)` are added after the imports; an
//! existing module-level `logger` / `log` / `LOGGER` / `_logger` made by
//! `getLogger(...)` is reused.
//!
//! Reported without a fix: `print()` with no arguments (an empty line),
//! `end=` other than a newline (the output is assembled across calls),
//! a `sep=` that is not a literal, `*args` / `**kwargs`, a comment inside
//! the call, and calls where the logger name is taken by something else.
//!
//! Left alone — output there is the program's interface, not a log:
//!
//! - modules with an `if __name__ == "__main__":` block, `__main__.py`;
//! - modules importing a command-line toolkit (`argparse`, `optparse`,
//!   `getopt`, `click`, `typer`, `fire`, `docopt`, `cleo`, `rich_click`,
//!   `cyclopts`, `plac`);
//! - modules that print at module level (a `print(...)` statement, or a
//!   loop or `with` that prints, outside any function): scripts;
//! - functions named `main` or `_main`; functions whose name says that
//!   output is their job (`print*`, `pprint*`, `show*`, `display*`,
//!   `echo*`, `debug*`, leading underscores ignored; not `dump*`, which is
//!   as often a backup or a serialisation) or whose
//!   docstring mentions printing or displaying; functions decorated as
//!   commands (`@*.command(...)`, `@*.group(...)`, `@*.callback(...)`);
//!   classes whose base class name ends in `Command` (Django management
//!   commands, setuptools commands);
//! - prints in a branch taken on a verbosity or debug flag (an `if` whose
//!   condition mentions `verbos…`, `quiet`, `debug` or `silent`, any case):
//!   `if verbosity >= 2: print(...)` is output the caller asked for;
//! - test modules and test support (`test_*.py`, `*_test.py`, `tests.py`,
//!   `conftest.py`, anything under `tests/`, `test/` or `testing/`) and the
//!   `script-paths` below;
//! - `print(..., file=f)` to anything but `sys.stdout` / `sys.stderr` (a
//!   file, a buffer, `self.stdout`): that is not console output;
//! - modules that rebind `print` (`from rich import print`, `def print`).
//!
//! ## Why
//! In a library, `print` writes to whatever stdout the host process has:
//! nothing a deployment can filter by level, route, format or silence, and
//! no timestamp or module name when it shows up in a log. The module
//! logger gives the application that control.
//!
//! ## Example
//! ```python
//! import sys
//!
//!
//! def load_plugins(names):
//!     for name in names:
//!         print("loading plugin", name)
//!     print(f"loaded {len(names)} plugins from {sys.path[0]!r}")
//!     try:
//!         import_all(names)
//!     except ImportError as exc:
//!         print("plugin import failed:", exc, file=sys.stderr)
//! ```
//! becomes
//! ```python
//! import sys
//! import logging
//!
//! logger = logging.getLogger(__name__)
//!
//!
//! def load_plugins(names):
//!     for name in names:
//!         logger.info("loading plugin %s", name)
//!     logger.info("loaded %s plugins from %r", len(names), sys.path[0])
//!     try:
//!         import_all(names)
//!     except ImportError as exc:
//!         logger.error("plugin import failed: %s", exc)
//! ```
//!
//! ## Options
//! `[tool.auditfix.print-to-logger]`: `script-paths`, globs of files that
//! are scripts whose prints stay (default `["scripts/**", "bin/**",
//! "manage.py", "setup.py", "noxfile.py", "fabfile.py",
//! "management/commands/**", "docs/**", "docs_src/**"]`; setting it
//! replaces the default).
//! A glob is matched against the end of the path: `*` stays within one
//! directory, `**` spans any number, and `scripts/*` matches
//! `scripts/seed.py` as well as `tools/scripts/seed.py`.
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): the output moves from stdout to
//! the logging system. Without logging configured, `info` records are not
//! shown at all and `warning` / `error` ones go to stderr without
//! formatting; with it, they get the handlers' format and destination. That
//! is the point of the change, but it changes what a user of the code sees,
//! so it needs review.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, PathGlobs, Priority};
use crate::edit::{Applicability, Edit, Fix, TextRange};
use crate::fix;
use crate::python::{self, Arguments};

pub struct PrintToLogger {
    script_paths: PathGlobs,
}

pub static META: Meta = Meta {
    id: "print-to-logger",
    category: "observability",
    priority: Priority::P3,
    fix: Applicability::Unsafe,
    summary: "print() in library code instead of the module logger",
};

const DEFAULT_SCRIPT_PATHS: [&str; 9] = [
    "scripts/**",
    "bin/**",
    "manage.py",
    "setup.py",
    "noxfile.py",
    "fabfile.py",
    "management/commands/**",
    "docs/**",
    "docs_src/**",
];

/// Modules whose import makes a module a command-line program.
const CLI_MODULES: [&str; 11] = [
    "argparse",
    "optparse",
    "getopt",
    "click",
    "typer",
    "fire",
    "docopt",
    "cleo",
    "rich_click",
    "cyclopts",
    "plac",
];

/// Function names (without leading underscores) that say the function's
/// job is console output.
const OUTPUT_FUNCTION_PREFIXES: [&str; 6] = ["print", "pprint", "show", "display", "echo", "debug"];

/// Words in an `if` condition that make the branch deliberate console
/// output (`if verbosity >= 2:`, `if DEBUG:`).
const OUTPUT_FLAGS: [&str; 4] = ["verbos", "quiet", "debug", "silent"];

/// Decorator names that make a function a command-line command.
const COMMAND_DECORATORS: [&str; 3] = ["command", "group", "callback"];

impl PrintToLogger {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let script_paths = options
            .string_list("script-paths")?
            .unwrap_or_else(|| DEFAULT_SCRIPT_PATHS.map(String::from).to_vec());
        let script_paths = PathGlobs::new(&script_paths)
            .map_err(|e| options.error("script-paths", format!("bad glob: {e}")))?;
        Ok(Self { script_paths })
    }
}

impl Codemod for PrintToLogger {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["print".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((None, "print")) = python::call_target(cx.text, call) else {
            return;
        };
        if self.is_script_path(cx) || is_program_module(cx) || in_command_code(cx.text, call) {
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(stream) = console_stream(cx.text, &args) else {
            return;
        };
        let level = if in_except_block(call) || before_raise(call) {
            "error"
        } else if stream == Stream::Stderr {
            "warning"
        } else {
            "info"
        };
        // The one logger policy (shared with every codemod that logs): reuse
        // the module's logger, or create one when it has none.
        let (logger, fix) = match fix::module_logger_at(cx, call) {
            Ok((logger, logger_edits)) => {
                let fix = self.fix(cx, call, &args, &format!("{logger}.{level}"), logger_edits);
                (logger, fix.map_err(str::to_owned))
            }
            Err(reason) => (String::new(), Err(reason)),
        };
        let advice = if logger.is_empty() {
            format!("log at level `{level}`")
        } else {
            format!("log with `{logger}.{level}(...)`")
        };
        let mut message = format!(
            "`print()` in library code bypasses the logging configuration (levels, handlers, format): {advice}"
        );
        let fix = match fix {
            Ok(fix) => fix,
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

/// Where a `print` writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// One piece of the message: literal text, or an expression shown with a
/// conversion (`s`, `r` or `a`).
enum Piece {
    Text(String),
    Arg(String, char),
}

impl PrintToLogger {
    fn is_script_path(&self, cx: &Checker<'_>) -> bool {
        cx.is_test_file()
            || cx
                .path()
                .is_some_and(|p| p.file_name().is_some_and(|n| n == "__main__.py"))
            || cx.path_matches(&self.script_paths)
    }

    /// The logger call replacing `call`, with the edits creating the
    /// logger when the module has none.
    fn fix(
        &self,
        cx: &Checker<'_>,
        call: Node<'_>,
        args: &Arguments<'_>,
        target: &str,
        mut edits: Vec<Edit>,
    ) -> Result<Fix, &'static str> {
        if args.has_splat {
            return Err("the arguments are unpacked at run time");
        }
        if args.positional.is_empty() {
            return Err("it prints an empty line: remove it, or log a message");
        }
        if let Some(end) = args.keyword("end") {
            let is_newline = python::text(cx.text, end) == "None"
                || literal_text(cx.text, end).as_deref() == Some("\n");
            if !is_newline {
                return Err("`end=` continues the line, and every log record is a line of its own");
            }
        }
        if args.keyword("flush").is_some_and(|f| !is_plain_value(f)) {
            return Err("the `flush=` expression would no longer run");
        }
        // `sep=` only matters between two values.
        let sep = match args.keyword("sep") {
            Some(sep) if args.positional.len() > 1 && python::text(cx.text, sep) != "None" => {
                literal_text(cx.text, sep).ok_or("`sep=` is not a literal string")?
            }
            _ => " ".to_owned(),
        };

        let function = call
            .child_by_field_name("function")
            .ok_or("the call has no name")?;
        // A single string stays the message as written, unless it is an
        // f-string whose placeholders can all become arguments.
        let single = args.positional[0];
        let keep_message = args.positional.len() == 1
            && is_string_expression(cx.text, single)
            && !string_pieces(cx.text, single)
                .is_some_and(|pieces| pieces.iter().any(|p| matches!(p, Piece::Arg(..))));
        if keep_message {
            if let Some(layout_edits) = message_edits(cx, function, single, args, target) {
                edits.extend(layout_edits);
                return Ok(Fix::unsafe_(edits));
            }
        }
        if args.list.is_some_and(|list| contains_comment(list)) {
            return Err("a comment inside the call would be lost");
        }
        let arguments = if keep_message {
            vec![python::text(cx.text, single).to_owned()]
        } else {
            format_arguments(cx, &args.positional, &sep)
        };
        edits.push(Edit::replacement(
            call.byte_range().into(),
            format!("{target}({})", arguments.join(", ")),
        ));
        Ok(Fix::unsafe_(edits))
    }
}

/// The edits turning `print(message, **keywords)` into `target(message)`
/// in place, so that the call keeps its layout: the name changes, lines
/// aligned under the parenthesis move along, the keywords go, and
/// `"..." % (a, b)` becomes the lazy `"...", a, b`. `None` when a comment
/// would be lost.
fn message_edits(
    cx: &Checker<'_>,
    function: Node<'_>,
    message: Node<'_>,
    args: &Arguments<'_>,
    target: &str,
) -> Option<Vec<Edit>> {
    let list = args.list?;
    let mut edits = Vec::new();
    let mut removed: Vec<TextRange> = Vec::new();
    if let Some((_, last, _)) = args.keywords.last() {
        let range = TextRange::new(message.end_byte(), last.end_byte());
        if has_comment_in(list, range) {
            return None;
        }
        edits.push(Edit::deletion(range));
        removed.push(range);
    }
    if let Some((format, operator, tuple)) = percent_tuple(cx.text, message) {
        let elements = python::named_children(tuple);
        let (first, last) = (elements.first()?, elements.last()?);
        let opening = TextRange::new(operator.start_byte(), first.start_byte());
        let closing = TextRange::new(last.end_byte(), tuple.end_byte());
        if has_comment_in(list, opening) || has_comment_in(list, closing) {
            return None;
        }
        edits.push(Edit::insertion(format.end_byte(), ","));
        edits.push(Edit::deletion(opening));
        edits.push(Edit::deletion(closing));
        removed.extend([opening, closing]);
    }
    let shift = target
        .len()
        .saturating_sub(python::text(cx.text, function).len());
    edits.extend(
        realign_continuation_lines(cx.text, list, shift)
            .into_iter()
            .filter(|e| {
                !removed
                    .iter()
                    .any(|r| r.start <= e.range.start && e.range.start <= r.end)
            }),
    );
    edits.push(Edit::replacement(
        function.byte_range().into(),
        target.to_owned(),
    ));
    Some(edits)
}

/// `"format" % (a, b)` with a literal format (no f-string, no bytes) and a
/// tuple display without unpacking or comments: the parts of a lazy
/// logging call. Any other right side (a name may hold a tuple or not)
/// stays as it is.
fn percent_tuple<'n>(text: &str, value: Node<'n>) -> Option<(Node<'n>, Node<'n>, Node<'n>)> {
    if value.kind() != "binary_operator" {
        return None;
    }
    let operator = value
        .child_by_field_name("operator")
        .filter(|o| o.kind() == "%")?;
    let format = value
        .child_by_field_name("left")
        .filter(|l| matches!(l.kind(), "string" | "concatenated_string"))?;
    let is_plain = string_pieces(text, format)
        .is_some_and(|pieces| pieces.iter().all(|p| matches!(p, Piece::Text(_))));
    if !is_plain || is_fstring(text, format) {
        return None;
    }
    let tuple = value
        .child_by_field_name("right")
        .filter(|r| r.kind() == "tuple")?;
    let elements = python::named_children(tuple);
    let plain = !elements.is_empty()
        && elements.iter().all(|e| {
            !matches!(
                e.kind(),
                "comment" | "list_splat" | "parenthesized_list_splat"
            )
        });
    plain.then_some((format, operator, tuple))
}

/// Whether a string literal (or any part of a concatenation) is an f-string.
fn is_fstring(text: &str, node: Node<'_>) -> bool {
    let parts = if node.kind() == "concatenated_string" {
        python::named_children(node)
    } else {
        vec![node]
    };
    parts.iter().any(|part| {
        part.named_child(0)
            .filter(|start| start.kind() == "string_start")
            .is_some_and(|start| {
                python::text(text, start)
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .any(|c| c.eq_ignore_ascii_case(&'f'))
            })
    })
}

/// Whether a comment of `node` lies inside `range`.
fn has_comment_in(node: Node<'_>, range: TextRange) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        found |=
            n.kind() == "comment" && range.start <= n.start_byte() && n.end_byte() <= range.end;
        !found
    });
    found
}

/// Insertions moving the continuation lines of an argument list that are
/// aligned with its opening parenthesis by `shift` columns, when its name
/// grows. Nothing when a string inside spans lines (its lines are data) or
/// the text before the parenthesis is not plain ASCII.
fn realign_continuation_lines(text: &str, list: Node<'_>, shift: usize) -> Vec<Edit> {
    let open = list.start_byte();
    let line_start = crate::source::line_start(text, open);
    let before = &text[line_start..open];
    if shift == 0 || !before.is_ascii() || before.contains('\t') {
        return Vec::new();
    }
    let mut multiline_string = false;
    python::walk_descendants(list, |node| {
        multiline_string |=
            node.kind() == "string" && node.start_position().row != node.end_position().row;
        !multiline_string
    });
    if multiline_string {
        return Vec::new();
    }
    let column = open - line_start + 1;
    let mut edits = Vec::new();
    let mut at = crate::source::next_line_start(text, open);
    while at < list.end_byte() {
        let line = &text[at..];
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent == column {
            edits.push(Edit::insertion(at, " ".repeat(shift)));
        }
        at = crate::source::next_line_start(text, at);
    }
    edits
}

fn contains_comment(node: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        found |= n.kind() == "comment";
        !found
    });
    found
}

/// The %-format and its arguments for `print(*values, sep=sep)`.
fn format_arguments(cx: &Checker<'_>, values: &[Node<'_>], sep: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 && !sep.is_empty() {
            pieces.push(Piece::Text(sep.to_owned()));
        }
        match string_pieces(cx.text, *value) {
            Some(found) => pieces.extend(found),
            None => pieces.push(Piece::Arg(python::text(cx.text, *value).to_owned(), 's')),
        }
    }
    let has_args = pieces.iter().any(|p| matches!(p, Piece::Arg(..)));
    let mut format = String::new();
    let mut arguments = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) if has_args => format.push_str(&text.replace('%', "%%")),
            Piece::Text(text) => format.push_str(&text),
            Piece::Arg(expression, conversion) => {
                format.push('%');
                format.push(conversion);
                arguments.push(expression);
            }
        }
    }
    let mut out = vec![cx.stylist.string_literal(&format)];
    out.extend(arguments);
    out
}

/// Whether `value` evaluates to a string by its form: a string literal
/// (also an f-string or an implicit concatenation), `"..." % x`,
/// `x.format(...)`, `"...".join(...)`, `str(...)`, `repr(...)`.
fn is_string_expression(text: &str, value: Node<'_>) -> bool {
    let is_text_literal =
        |n: Node<'_>| matches!(n.kind(), "string" | "concatenated_string") && !is_bytes(text, n);
    let value = python::unparenthesize(value);
    match value.kind() {
        "string" | "concatenated_string" => is_text_literal(value),
        "binary_operator" => {
            let is_percent = value
                .child_by_field_name("operator")
                .is_some_and(|o| o.kind() == "%");
            is_percent
                && value
                    .child_by_field_name("left")
                    .map(python::unparenthesize)
                    .is_some_and(is_text_literal)
        }
        "call" => match python::call_target(text, value) {
            Some((Some(_), "format")) => true,
            Some((Some(receiver), "join")) => is_text_literal(python::unparenthesize(receiver)),
            Some((None, "str" | "repr")) => true,
            _ => false,
        },
        _ => false,
    }
}

/// Whether a string literal (or the first part of a concatenation) is a
/// bytes literal.
fn is_bytes(text: &str, node: Node<'_>) -> bool {
    let first = if node.kind() == "concatenated_string" {
        node.named_child(0)
    } else {
        Some(node)
    };
    first
        .and_then(|s| s.named_child(0))
        .filter(|start| start.kind() == "string_start")
        .is_some_and(|start| {
            python::text(text, start)
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .any(|c| c.eq_ignore_ascii_case(&'b'))
        })
}

/// The value of a literal string without placeholders, if it can be
/// computed exactly.
fn literal_text(text: &str, node: Node<'_>) -> Option<String> {
    let pieces = string_pieces(text, node)?;
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Arg(..) => return None,
        }
    }
    Some(out)
}

/// The pieces of a string literal, an f-string or an implicit
/// concatenation of those; `None` when its value cannot be reproduced
/// exactly (bytes, escapes other than `\\ \' \" \n \r \t` and line
/// continuations, f-string placeholders with a format spec or `=`).
fn string_pieces(text: &str, node: Node<'_>) -> Option<Vec<Piece>> {
    let node = python::unparenthesize(node);
    match node.kind() {
        "string" => single_string_pieces(text, node),
        "concatenated_string" => {
            let mut pieces = Vec::new();
            for part in python::named_children(node) {
                if part.kind() != "string" {
                    return None;
                }
                pieces.extend(single_string_pieces(text, part)?);
            }
            Some(pieces)
        }
        _ => None,
    }
}

fn single_string_pieces(text: &str, string: Node<'_>) -> Option<Vec<Piece>> {
    let children = python::named_children(string);
    let start = children.first().filter(|c| c.kind() == "string_start")?;
    let end = children.last().filter(|c| c.kind() == "string_end")?;
    let prefix: String = python::text(text, *start)
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if prefix.contains('b') {
        return None;
    }
    let raw = prefix.contains('r');
    let fstring = prefix.contains('f');
    let mut pieces = Vec::new();
    let mut literal_from = start.end_byte();
    for child in &children {
        match child.kind() {
            "string_start" | "string_end" | "string_content" => {}
            "interpolation" if fstring => {
                let literal = &text[literal_from..child.start_byte()];
                pieces.push(Piece::Text(decode(literal, raw, fstring)?));
                pieces.push(placeholder(text, *child)?);
                literal_from = child.end_byte();
            }
            _ => return None,
        }
    }
    let literal = text.get(literal_from..end.start_byte())?;
    pieces.push(Piece::Text(decode(literal, raw, fstring)?));
    Some(pieces)
}

/// An f-string placeholder as a %-argument: `{x}` → `%s`, `{x!r}` → `%r`.
fn placeholder(text: &str, interpolation: Node<'_>) -> Option<Piece> {
    let mut cursor = interpolation.walk();
    let mut expression = None;
    let mut conversion = 's';
    for child in interpolation.children(&mut cursor) {
        match child.kind() {
            "{" | "}" => {}
            "type_conversion" => {
                conversion = match python::text(text, child) {
                    "!r" => 'r',
                    "!s" => 's',
                    "!a" => 'a',
                    _ => return None,
                }
            }
            // `{x=}`, `{x:>10}`, comments: keep the f-string whole.
            "=" | "format_specifier" | "comment" => return None,
            _ if child.is_named() && expression.is_none() => expression = Some(child),
            _ => return None,
        }
    }
    let expression = expression?;
    let source = python::text(text, expression);
    let argument = if expression.kind() == "expression_list" {
        format!("({source})")
    } else {
        source.to_owned()
    };
    Some(Piece::Arg(argument, conversion))
}

/// The value of the literal part of a string.
fn decode(literal: &str, raw: bool, fstring: bool) -> Option<String> {
    let mut out = String::with_capacity(literal.len());
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if fstring => {
                // Only doubled braces can be literal here.
                if chars.next() != Some(c) {
                    return None;
                }
                out.push(c);
            }
            '\\' if !raw => match chars.next()? {
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '\n' => {}
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                }
                // Octal, hex, unicode and control escapes: not reproduced.
                'a' | 'b' | 'f' | 'v' | 'x' | 'u' | 'U' | 'N' | '0'..='7' => return None,
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            '\\' => {
                // Raw: the backslash stays, and protects a following quote.
                out.push('\\');
                if let Some(next) = chars.next() {
                    if fstring && matches!(next, '{' | '}') {
                        return None;
                    }
                    out.push(next);
                }
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// A value that evaluating or not makes no difference to: a name, an
/// attribute chain or a constant.
fn is_plain_value(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "true" | "false" | "none" | "identifier" | "attribute" | "integer"
    )
}

/// The stream a print writes to, when it is the console.
fn console_stream(text: &str, args: &Arguments<'_>) -> Option<Stream> {
    if args
        .keywords
        .iter()
        .any(|(k, _, _)| !matches!(k.as_str(), "sep" | "end" | "file" | "flush"))
    {
        return None; // not the builtin's signature
    }
    let Some(file) = args.keyword("file") else {
        return Some(Stream::Stdout);
    };
    match python::text(text, python::unparenthesize(file)) {
        "None" | "sys.stdout" => Some(Stream::Stdout),
        "sys.stderr" => Some(Stream::Stderr),
        _ => None,
    }
}

/// Whether the call runs in the body of an `except` clause (of its own
/// function).
fn in_except_block(call: Node<'_>) -> bool {
    for node in python::ancestors(call).skip(1) {
        match node.kind() {
            "except_clause" | "except_group_clause" => return true,
            "function_definition" | "lambda" | "class_definition" => return false,
            _ => {}
        }
    }
    false
}

/// A program rather than a library module: it has a `__main__` block or
/// imports a command-line toolkit, or it rebinds `print`. Looks at the
/// module-level code only (not into functions and classes).
fn is_program_module(cx: &Checker<'_>) -> bool {
    cx.memo(("is_program_module", ""), || scan_is_program_module(cx))
}

fn scan_is_program_module(cx: &Checker<'_>) -> bool {
    let mut program = false;
    for statement in python::module_statements(cx.root) {
        if program {
            break;
        }
        if matches!(
            statement.kind(),
            "function_definition" | "class_definition" | "decorated_definition"
        ) {
            program = defines_print(cx.text, statement);
            continue;
        }
        if statement.kind() == "if_statement" && is_main_guard(cx.text, statement) {
            return true;
        }
        if prints_at_top_level(cx.text, statement) {
            return true;
        }
        python::walk_descendants(statement, |node| {
            if program {
                return false;
            }
            match node.kind() {
                "function_definition" | "class_definition" | "decorated_definition" => {
                    program = defines_print(cx.text, node);
                    false
                }
                "import_statement" | "import_from_statement" => {
                    program = imports_cli_or_print(cx.text, node);
                    false
                }
                "assignment" => {
                    program = node
                        .child_by_field_name("left")
                        .is_some_and(|l| python::text(cx.text, l) == "print");
                    true
                }
                _ => true,
            }
        });
    }
    program
}

/// A module-level `print(...)` statement, or a module-level loop or `with`
/// that prints: what scripts do, and libraries do not.
fn prints_at_top_level(text: &str, statement: Node<'_>) -> bool {
    let is_print = |node: Node<'_>| {
        node.kind() == "call" && matches!(python::call_target(text, node), Some((None, "print")))
    };
    match statement.kind() {
        "expression_statement" => statement.named_child(0).is_some_and(is_print),
        "for_statement" | "while_statement" | "with_statement" => {
            let mut found = false;
            python::walk_descendants(statement, |node| {
                if found || python::is_scope_boundary(node.kind()) {
                    return false;
                }
                found = is_print(node);
                true
            });
            found
        }
        _ => false,
    }
}

/// `def print(...)` / `class print`.
fn defines_print(text: &str, definition: Node<'_>) -> bool {
    let definition = if definition.kind() == "decorated_definition" {
        match definition.child_by_field_name("definition") {
            Some(d) => d,
            None => return false,
        }
    } else {
        definition
    };
    definition
        .child_by_field_name("name")
        .is_some_and(|n| python::text(text, n) == "print")
}

/// `if __name__ == "__main__":` (either order, either quote).
fn is_main_guard(text: &str, statement: Node<'_>) -> bool {
    let Some(condition) = statement.child_by_field_name("condition") else {
        return false;
    };
    let condition = python::unparenthesize(condition);
    if condition.kind() != "comparison_operator" {
        return false;
    }
    let operands = python::named_children(condition);
    let has_name = operands
        .iter()
        .any(|o| o.kind() == "identifier" && python::text(text, *o) == "__name__");
    let has_main = operands
        .iter()
        .any(|o| python::string_value(text, *o) == Some("__main__"));
    has_name && has_main
}

/// An import of a command-line toolkit, or `from … import print`.
fn imports_cli_or_print(text: &str, import: Node<'_>) -> bool {
    let root_of = |name: Node<'_>| -> bool {
        let dotted = match name.kind() {
            "aliased_import" => name.child_by_field_name("name"),
            _ => Some(name),
        };
        dotted.is_some_and(|d| {
            let full = python::text(text, d);
            let root = full.split('.').next().unwrap_or("").trim();
            CLI_MODULES.contains(&root)
        })
    };
    if import.kind() == "import_statement" {
        return python::named_children(import)
            .into_iter()
            .any(|name| matches!(name.kind(), "dotted_name" | "aliased_import") && root_of(name));
    }
    let module = import.child_by_field_name("module_name");
    if module.is_some_and(root_of) {
        return true;
    }
    let mut cursor = import.walk();
    let names: Vec<Node<'_>> = import.children_by_field_name("name", &mut cursor).collect();
    names.into_iter().any(|name| {
        let bound = match name.kind() {
            "aliased_import" => name.child_by_field_name("alias"),
            _ => Some(name),
        };
        bound.is_some_and(|b| python::text(text, b) == "print")
    })
}

/// Where printing is the point: inside a function named `main`, a
/// function whose name or docstring says it prints or shows something, a
/// function decorated as a command, a class derived from a `...Command`
/// class, or a branch taken on a verbosity or debug flag.
fn in_command_code(text: &str, call: Node<'_>) -> bool {
    python::ancestors(call)
        .skip(1)
        .any(|node| match node.kind() {
            "function_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .map_or("", |n| python::text(text, n));
                matches!(name, "main" | "_main")
                    || OUTPUT_FUNCTION_PREFIXES
                        .iter()
                        .any(|p| name.trim_start_matches('_').starts_with(p))
                    || docstring(text, node).is_some_and(|doc| {
                        let doc = doc.to_ascii_lowercase();
                        doc.contains("print") || doc.contains("display")
                    })
            }
            "if_statement" | "elif_clause" => {
                node.child_by_field_name("condition").is_some_and(|c| {
                    let condition = python::text(text, c).to_ascii_lowercase();
                    OUTPUT_FLAGS.iter().any(|flag| condition.contains(flag))
                })
            }
            "decorated_definition" => python::named_children(node)
                .into_iter()
                .filter(|c| c.kind() == "decorator")
                .any(|decorator| is_command_decorator(text, decorator)),
            "class_definition" => node
                .child_by_field_name("superclasses")
                .is_some_and(|bases| {
                    python::named_children(bases).into_iter().any(|base| {
                        python::dotted_name(text, base).is_some_and(|name| {
                            name.rsplit('.').next().unwrap_or("").ends_with("Command")
                        })
                    })
                }),
            _ => false,
        })
}

/// The docstring of a function, class or module body.
fn docstring<'t>(text: &'t str, definition: Node<'_>) -> Option<&'t str> {
    let body = definition.child_by_field_name("body")?;
    let first = body.named_child(0)?;
    let string = first
        .named_child(0)
        .filter(|s| first.kind() == "expression_statement" && s.kind() == "string")?;
    Some(python::text(text, string))
}

/// `@click.command()`, `@app.command("x")`, `@cli.group()`, `@app.callback()`.
fn is_command_decorator(text: &str, decorator: Node<'_>) -> bool {
    let Some(expression) = decorator.named_child(0) else {
        return false;
    };
    let target = if expression.kind() == "call" {
        expression.child_by_field_name("function")
    } else {
        Some(expression)
    };
    target
        .and_then(|t| python::dotted_name(text, t))
        .is_some_and(|name| {
            let last = name.rsplit('.').next().unwrap_or("");
            COMMAND_DECORATORS.contains(&last)
        })
}

/// Whether the statement after the print's statement, in the same block,
/// is a `raise`: the print announces the failure.
fn before_raise(call: Node<'_>) -> bool {
    let Some(statement) = python::enclosing_statement(call) else {
        return false;
    };
    std::iter::successors(statement.next_named_sibling(), |n| n.next_named_sibling())
        .find(|n| n.kind() != "comment")
        .is_some_and(|next| next.kind() == "raise_statement")
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::codemod::{Codemod, Engine};
    use crate::driver::{process, FixPolicy};

    fn findings(path: &str, text: &str, options: &str) -> usize {
        let table: toml::Table = options.parse().unwrap();
        let mut options = crate::codemod::Options::new("print-to-logger", &table);
        let codemod = super::PrintToLogger::from_options(&mut options).unwrap();
        let engine = Engine::new(vec![Arc::new(codemod) as Arc<dyn Codemod>]);
        let outcome = process(
            Path::new(path),
            text.as_bytes(),
            &engine,
            FixPolicy::new(true),
        );
        outcome.findings.len()
    }

    #[test]
    fn scripts_tests_and_entry_points_are_left_alone() {
        let text = "def report(rows):\n    print(len(rows))\n";
        assert_eq!(findings("pkg/report.py", text, ""), 1);
        for path in [
            "pkg/tests/helpers.py",
            "pkg/test_report.py",
            "pkg/report_test.py",
            "conftest.py",
            "app/tests.py",
            "pkg/__main__.py",
            "scripts/report.py",
            "tools/scripts/report.py",
            "bin/report.py",
            "manage.py",
            "setup.py",
            "shop/management/commands/report.py",
            "docs/conf.py",
        ] {
            assert_eq!(findings(path, text, ""), 0, "{path}");
        }
        let custom = "script-paths = [\"ops/*.py\"]";
        assert_eq!(findings("pkg/ops/report.py", text, custom), 0);
        // Setting the option replaces the default list.
        assert_eq!(findings("scripts/report.py", text, custom), 1);
    }

    #[test]
    fn programs_are_left_alone() {
        let body = "def report(rows):\n    print(len(rows))\n";
        for head in [
            "",
            "import argparse\n",
            "import click as c\n",
            "from typer import Typer\n",
            "try:\n    import click\nexcept ImportError:\n    click = None\n",
            "from rich import print\n",
            "from pprint import pprint as print\n",
            "print = functools.partial(print, flush=True)\n",
            "def print(*a):\n    pass\n",
            "print('starting')\n",
            "for arg in sys.argv:\n    print(arg)\n",
        ] {
            let expected = usize::from(head.is_empty());
            assert_eq!(
                findings("pkg/m.py", &format!("{head}{body}"), ""),
                expected,
                "{head}"
            );
        }
        for tail in [
            "if __name__ == '__main__':\n    report([])\n",
            "if \"__main__\" == __name__:\n    report([])\n",
        ] {
            assert_eq!(
                findings("pkg/m.py", &format!("{body}{tail}"), ""),
                0,
                "{tail}"
            );
        }
        // Not a program: a `__main__` test inside a function, `from __future__`.
        let text = format!("from __future__ import print_function\n{body}def f():\n    if __name__ == '__main__':\n        pass\n");
        assert_eq!(findings("pkg/m.py", &text, ""), 1);
    }

    #[test]
    fn bad_script_paths_are_rejected() {
        let table: toml::Table = "script-paths = [\"\"]".parse().unwrap();
        let mut options = crate::codemod::Options::new("print-to-logger", &table);
        assert!(super::PrintToLogger::from_options(&mut options).is_err());
    }
}
