//! # print-to-logger
//!
//! ## What it does
//! Finds `print()` calls in library modules and turns them into calls of
//! the module logger, at the level the message calls for:
//!
//! - `logger.error(...)` inside an `except` block, or right before a
//!   `raise` in the same block (it reports the failure being raised) —
//!   `warning` when the message says the code falls back or warns, and
//!   `info` for the normal end of a task (`except asyncio.CancelledError:`);
//! - elsewhere by the message's words: "Error", "Failed", "Could not", ❌
//!   (not a count: `{n} errors`) → `error`; "Warning", ⚠️ → `warning`; in
//!   an error handler (`on_command_error`) → `error`; a comment next to
//!   the print calling it a debugging aid → `debug`;
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
//! the message as written. A level prefix the level makes redundant
//! (`"[INFO]: loaded"` at `info`) is dropped. `flush=` is dropped,
//! `file=sys.stdout` too, and `import sys` with the last use of `sys`.
//!
//! The logger: in a method of a class that logs through `self.log` /
//! `self.logger`, that one; else an existing module-level `logger` /
//! `log` / `LOGGER` / `_logger` (or any other module-level logger made by
//! `getLogger(...)`: never a second one); else `import logging` and
//! `logger = logging.getLogger(__name__)` are added after the imports —
//! or `getLogger("discord")` when most modules of the project log through
//! that named logger and it has a handler.
//!
//! Reported without a fix: `print()` with no arguments (an empty line),
//! `end=` other than a newline (the output is assembled across calls),
//! a `sep=` that is not a literal, `*args` / `**kwargs`, a comment inside
//! the call, calls where the logger name is taken by something else, a
//! print that repeats the `logger.error(...)` / `logger.exception(...)`
//! just above it, and one followed by `traceback.print_exc()` (the two
//! belong in one `logger.exception(...)`).
//!
//! Project facts decide what a module is. Before the per-file work one
//! cheap pass over the whole tree (see `crate::project`) finds which
//! modules other modules import. Left alone — output there is the
//! program's interface, not a log:
//!
//! - modules with an `if __name__ == "__main__":` block that no other
//!   module imports (or imports only for its `main`), `__main__.py`; when
//!   other modules do import it, only the block and the functions that
//!   only it calls;
//! - modules that no other module imports and that run script code at
//!   module level: a print (also in a module-level `if`, loop or `with`),
//!   a `while` loop, an event loop, server, bot or scheduler started
//!   (`run_forever()`, `run_until_complete()`, `bot.run(...)`,
//!   `app.run()`, `schedule.run_pending()`), `sys.argv` read, a call of
//!   one of its own functions. A module creating a web application
//!   (`FastAPI()`, `Flask(__name__)`) is served, so counts as imported;
//! - modules importing a command-line toolkit (`argparse`, `optparse`,
//!   `getopt`, `click`, `typer`, `fire`, `docopt`, `cleo`, `rich_click`,
//!   `cyclopts`, `plac`), modules writing to `sys.stdout` themselves (a
//!   progress bar, a report), Django settings modules (logging is not set
//!   up when they run), module-level code of a Streamlit page;
//! - functions named `main` or `_main`; functions whose name says that
//!   output is their job (`print*`, `pprint*`, `show*`, `display*`,
//!   `echo*`, `debug*`, `render*` in a Streamlit module, leading
//!   underscores ignored; not `dump*`, which is as often a backup or a
//!   serialisation) or whose docstring starts with such a verb ("Print
//!   the table", not "Rows to display"); functions that call `input()`
//!   (the prints are the dialogue); a small module-level `def log(msg):`
//!   that prints (it is the application's logger); functions decorated as
//!   command-line commands (`@click.command()`, `@app.command()`,
//!   `@cli.group()`, `@app.callback()` — decided by what the decorator
//!   resolves to: `@commands.command()` of discord.py, `@app_commands`,
//!   and the commands of a module importing a bot or web framework are
//!   handlers whose prints go to the server console, and are found);
//!   classes whose base class name ends in `Command` (Django management
//!   commands, setuptools commands);
//! - prints in a branch taken on a verbosity or debug flag (an `if` whose
//!   condition mentions `verbos…`, `quiet`, `debug` or `silent`, any case):
//!   `if verbosity >= 2: print(...)` is output the caller asked for; the
//!   reply to Ctrl-C (`except KeyboardInterrupt:`);
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
//! so it needs review. When the project configures no logging at all (no
//! `basicConfig`, `dictConfig`, `fileConfig`, handler anywhere — a project
//! fact), or gives only named loggers a handler and the fix makes a
//! `getLogger(__name__)` logger, an `info` (or `debug`) record would not
//! be shown: the finding is report-only and its message says so (the fix
//! would silence the print). `import sys` is deleted only when every other use
//! of `sys` is the `file=` of a print fixed in the same run (none
//! report-only, none under `# auditfix: ignore`), and the deletion is one
//! fix with all those prints: applied together or not at all.
//!
//! ## How to validate
//! - Run the changed code with the logging set-up used in production: each
//!   former print now appears as a record of the module's logger, at the level
//!   the fix chose (`info`, `warning`, `error`, `debug`).
//! - Check that logging is configured and lets `info` through for that logger
//!   (`logging.basicConfig(level=logging.INFO)`, `dictConfig`, ...): otherwise
//!   `info` records are not shown at all, and `warning` / `error` ones go to
//!   stderr unformatted. The finding's message says when the project configures
//!   none.
//! - Check that nothing read that output from stdout: a shell pipeline, a cron
//!   mail, a test using `capsys`, a user at a terminal.
//! - Watch stderr for `--- Logging error ---`: it means a message and its `%s`
//!   arguments do not match.
//!
//! ## Tests to add
//! - Call the fixed function under `caplog.at_level(logging.INFO)` and assert
//!   one record with the expected message and level; before the fix there was
//!   no record.
//! - In the same test, assert that `capsys.readouterr().out` is empty; before
//!   the fix it held the printed line.
//! - For a print that became `logger.error(...)` in an `except` block, make the
//!   call inside the `try` raise and expect an `ERROR` record.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, PathGlobs, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
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

    fn uses_project(&self) -> bool {
        true
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((message, fix)) = self.plan(cx, call) else {
            if let Some(reason) = self.left_alone(cx, call) {
                cx.leave_alone(reason);
            }
            return;
        };
        let fix = match fix {
            Some(fix) if writes_to_sys(cx.text, call) => match self.unused_sys_import(cx) {
                // The last use of `sys` gone: its import goes too, in one
                // fix with every print that used it (applied all or none).
                Some(group) => Fix::unsafe_(group),
                None => fix,
            },
            Some(fix) => fix,
            None => Fix::new(Vec::new(), Applicability::ReportOnly),
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

impl PrintToLogger {
    /// Why a `print()` that [`plan`](Self::plan) does not report is left
    /// alone, for the audit report's counts; `None` when it is not a
    /// print or is left alone for none of these reasons.
    fn left_alone(&self, cx: &Checker<'_>, call: Node<'_>) -> Option<&'static str> {
        let Some((None, "print")) = python::call_target(cx.text, call) else {
            return None;
        };
        if self.is_script_path(cx) {
            Some("a script or test module: its prints are its output")
        } else if is_interface_print(cx, call) {
            Some("the print is the program's interface: script or `__main__` code, a Streamlit page, the reply to Ctrl-C")
        } else if in_command_code(cx, call) {
            Some("in CLI command code (click, typer, argparse)")
        } else {
            None
        }
    }

    /// The finding for a print, and its fix when there is one (`None`:
    /// report-only, the message says why). `None` when the print is not
    /// a finding.
    fn plan(&self, cx: &Checker<'_>, call: Node<'_>) -> Option<(String, Option<Fix>)> {
        let Some((None, "print")) = python::call_target(cx.text, call) else {
            return None;
        };
        if self.is_script_path(cx) || is_interface_print(cx, call) || in_command_code(cx, call) {
            return None;
        }
        let args = Arguments::of(cx.text, call);
        let stream = console_stream(cx.text, &args)?;
        let level = level_of(cx, call, &args, stream);
        // The one logger policy (shared with every codemod that logs): the
        // class's own logger in its methods, else the module's logger, or
        // a new one (named as the project names its loggers).
        let logger = edit::module_logger_at(cx, call);
        let creates_logger = logger.as_ref().is_ok_and(|(_, edits)| !edits.is_empty());
        let (logger, fix) = match logger {
            Ok((logger, logger_edits)) => {
                let fix = match repeated_log(cx, call) {
                    Some(reason) => Err(reason),
                    None => self
                        .fix(cx, call, &args, &logger, level, logger_edits)
                        .map_err(str::to_owned),
                };
                (logger, fix)
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
        let note = visibility_note(
            cx,
            level,
            creates_logger && cx.project().logger_convention().is_none(),
        );
        message.push_str(&note);
        // A record nothing shows would silence the print: that is not the
        // failure path the finding is about.
        let fix = match fix {
            Ok(_) if !note.is_empty() => Err(format!(
                "the `{level}` record would not be shown, so the output would go silent"
            )),
            fix => fix,
        };
        let fix = match fix {
            Ok(fix) => Some(fix),
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                None
            }
        };
        Some((message, fix))
    }

    /// The deletion of the module's `import sys` line when every other use
    /// of `sys` is the `file=sys.stderr` / `file=sys.stdout` of a print
    /// this codemod fixes in this run (not report-only, not under an
    /// `# auditfix: ignore`), together with the fixes of all those prints:
    /// one group of edits that every such print's fix carries, so the
    /// engine applies them all or none and no print is left naming a
    /// deleted `sys` (a fix skipped for overlapping another codemod's fix
    /// takes the deletion with it).
    fn unused_sys_import(&self, cx: &Checker<'_>) -> Option<Vec<Edit>> {
        cx.memo(("print_unused_sys_import", ""), || {
            let mut import: Option<Node<'_>> = None;
            for statement in python::module_statements(cx.root) {
                let is_sys = statement.kind() == "import_statement"
                    && python::text(cx.text, statement) == "import sys";
                if is_sys {
                    if import.is_some() {
                        return None;
                    }
                    import = Some(statement);
                }
            }
            let import = import?;
            let start = crate::source::line_start(cx.text, import.start_byte());
            let end = crate::source::next_line_start(cx.text, import.end_byte());
            let whole_line = cx.text[start..import.start_byte()].trim().is_empty()
                && cx.text[import.end_byte()..end].trim().is_empty();
            if !whole_line {
                return None;
            }
            let mut group = vec![Edit::deletion(TextRange::new(start, end))];
            let mut only_fixed_prints = true;
            python::walk_descendants(cx.root, |node| {
                if !only_fixed_prints || node.id() == import.id() {
                    return false;
                }
                if node.kind() == "identifier" && python::text(cx.text, node) == "sys" {
                    let fix = print_of_file_argument(cx.text, node)
                        .filter(|print| !ignored_here(cx, *print))
                        .and_then(|print| self.plan(cx, print))
                        .and_then(|(_, fix)| fix);
                    match fix {
                        Some(fix) => group.extend(fix.edits().iter().cloned()),
                        None => only_fixed_prints = false,
                    }
                }
                true
            });
            only_fixed_prints.then_some(group)
        })
    }
}

/// Whether the print's first line carries an `# auditfix: ignore` covering
/// this codemod (the driver drops such a finding, fix and all).
fn ignored_here(cx: &Checker<'_>, print: Node<'_>) -> bool {
    let start = crate::source::line_start(cx.text, print.start_byte());
    let end = crate::source::next_line_start(cx.text, print.start_byte());
    python::auditfix_ignore_covers(&cx.text[start..end], META.id)
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
        logger: &str,
        level: &str,
        mut edits: Vec<Edit>,
    ) -> Result<Fix, &'static str> {
        let target = &format!("{logger}.{level}");
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

        let function = call.field("function").ok_or("the call has no name")?;
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
                edits.extend(level_prefix_deletion(cx.text, single, level));
                return Ok(Fix::unsafe_(edits));
            }
        }
        if args.list.is_some_and(|list| contains_comment(list)) {
            return Err("a comment inside the call would be lost");
        }
        let arguments = if keep_message {
            vec![python::text(cx.text, single).to_owned()]
        } else {
            format_arguments(cx, &args.positional, &sep, level)
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
    let operator = value.field("operator").filter(|o| o.kind() == "%")?;
    let format = value
        .field("left")
        .filter(|l| matches!(l.kind(), "string" | "concatenated_string"))?;
    let is_plain = string_pieces(text, format)
        .is_some_and(|pieces| pieces.iter().all(|p| matches!(p, Piece::Text(_))));
    if !is_plain || is_fstring(text, format) {
        return None;
    }
    let tuple = value.field("right").filter(|r| r.kind() == "tuple")?;
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

/// Whether the print's `file=` is `sys.stderr` / `sys.stdout`.
fn writes_to_sys(text: &str, call: Node<'_>) -> bool {
    Arguments::of(text, call).keyword("file").is_some_and(|f| {
        matches!(
            python::text(text, python::unparenthesize(f)),
            "sys.stderr" | "sys.stdout"
        )
    })
}

/// For the `sys` of `print(..., file=sys.stderr)`: that print call.
fn print_of_file_argument<'n>(text: &str, sys: Node<'n>) -> Option<Node<'n>> {
    let attribute = sys.parent().filter(|a| {
        a.kind() == "attribute"
            && a.field("object").is_some_and(|o| o.id() == sys.id())
            && matches!(python::text(text, *a), "sys.stderr" | "sys.stdout")
    })?;
    let keyword = attribute.parent().filter(|k| {
        k.kind() == "keyword_argument"
            && k.field("name")
                .is_some_and(|n| python::text(text, n) == "file")
    })?;
    let call = keyword.parent()?.parent().filter(|c| c.kind() == "call")?;
    matches!(python::call_target(text, call), Some((None, "print"))).then_some(call)
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
fn format_arguments(cx: &Checker<'_>, values: &[Node<'_>], sep: &str, level: &str) -> Vec<String> {
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
    let format = match level_prefix_len(&format, level) {
        Some(len) => &format[len..],
        None => &format,
    };
    let mut out = vec![cx.stylist.string_literal(format)];
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
            let is_percent = value.field("operator").is_some_and(|o| o.kind() == "%");
            is_percent
                && value
                    .field("left")
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

/// The `except` clause whose body the call runs in (in its own function).
fn except_clause_of(call: Node<'_>) -> Option<Node<'_>> {
    for node in python::ancestors(call).skip(1) {
        match node.kind() {
            "except_clause" | "except_group_clause" => return Some(node),
            "function_definition" | "lambda" | "class_definition" => return None,
            _ => {}
        }
    }
    None
}

/// Words of a message that say it reports an error.
const ERROR_WORDS: [&str; 14] = [
    "error",
    "failed",
    "failure",
    "fail to",
    "fails",
    "could not",
    "couldn't",
    "cannot",
    "can't",
    "unable to",
    "exception",
    "traceback",
    "\u{274c}",
    "\u{43e}\u{448}\u{438}\u{431}\u{43a}",
];

/// Words of a message that say it is a warning.
const WARNING_WORDS: [&str; 6] = [
    "warn",
    "deprecat",
    "problem",
    // "проблем" (problem)
    "\u{43f}\u{440}\u{43e}\u{431}\u{43b}\u{435}\u{43c}",
    "\u{26a0}",
    "\u{43f}\u{440}\u{435}\u{434}\u{443}\u{43f}\u{440}\u{435}\u{436}\u{434}",
];

/// Words of a message that say the code goes on another way: a handled
/// failure, a warning rather than an error.
const FALLBACK_WORDS: [&str; 6] = [
    "fall back",
    "fallback",
    "falling back",
    "falls back",
    "instead",
    "retrying",
];

/// Exceptions whose handler is a normal end: a task cancelled, Ctrl-C.
const SHUTDOWN_EXCEPTIONS: [&str; 4] = [
    "CancelledError",
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
];

/// The level a print's message calls for:
///
/// - `debug` when a comment next to it calls it a debugging aid;
/// - in an `except` block: `info` for a shutdown (`CancelledError`,
///   `KeyboardInterrupt`) that does not say "error", `warning` when the
///   message says it is one or that the code falls back, else `error`;
/// - right before a `raise`: `error` (or `warning`, said so);
/// - elsewhere by the words of the message: "Error", "Failed", "Could
///   not", ❌ → `error`; "Warning", ⚠️ → `warning`; in an error handler
///   (`on_command_error`) → `error`; else `warning` for `file=sys.stderr`
///   and `info` for stdout.
fn level_of(
    cx: &Checker<'_>,
    call: Node<'_>,
    args: &Arguments<'_>,
    stream: Stream,
) -> &'static str {
    if commented_as_debugging(cx.text, call) {
        return "debug";
    }
    let words = message_words(cx.text, args).to_lowercase();
    let says = |list: &[&str]| list.iter().any(|w| says_word(&words, w));
    let (error, warning, fallback) = (
        says(&ERROR_WORDS),
        says(&WARNING_WORDS),
        says(&FALLBACK_WORDS),
    );
    if let Some(clause) = except_clause_of(call) {
        let typed = python::named_children(clause)
            .iter()
            .any(|c| !matches!(c.kind(), "comment" | "block"));
        let shutdown = typed && python::handler_catches(cx.text, clause, &SHUTDOWN_EXCEPTIONS);
        if shutdown && !error && !warning {
            return "info";
        }
        return if warning || fallback {
            "warning"
        } else {
            "error"
        };
    }
    if before_raise(call) {
        return if warning && !error {
            "warning"
        } else {
            "error"
        };
    }
    let error_handler = python::enclosing_function_name(cx.text, call)
        .is_some_and(|name| name.to_ascii_lowercase().contains("error"));
    if error || (error_handler && !warning) {
        "error"
    } else if warning || stream == Stream::Stderr {
        "warning"
    } else {
        "info"
    }
}

/// Whether the comment on the line above the print's statement (or at
/// the end of its line) calls it a debugging aid (`# debug: show the
/// row`, `# Add a debugging statement`).
fn commented_as_debugging(text: &str, call: Node<'_>) -> bool {
    let Some(statement) = python::enclosing_statement(call) else {
        return false;
    };
    let line_start = crate::source::line_start(text, statement.start_byte());
    let previous_line = text[..line_start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .trim_start();
    let line_end = crate::source::next_line_start(text, statement.end_byte());
    let own_line = &text[statement.end_byte()..line_end];
    let is_debug_comment =
        |comment: &str| comment.starts_with('#') && comment.to_ascii_lowercase().contains("debug");
    (line_start > 0 && is_debug_comment(previous_line))
        || own_line
            .split_once('#')
            .is_some_and(|(_, c)| is_debug_comment(&format!("#{c}")))
}

/// Whether `word` occurs in the message `words` other than as a count
/// (`{n} errors`, `%d errors`, `0 errors`, `no errors`).
fn says_word(words: &str, word: &str) -> bool {
    words.match_indices(word).any(|(at, _)| {
        let before = words[..at].split_whitespace().last().unwrap_or("");
        let counted = before == "\u{0}"
            || before.starts_with('%')
            || before.chars().all(|c| c.is_ascii_digit()) && !before.is_empty()
            || matches!(before, "no" | "without" | "zero");
        !counted
    })
}

/// The literal text of a print's message: the text parts of its string
/// arguments, each f-string placeholder a NUL (so that `{error_count}`
/// says nothing, and `{n} errors` is seen as a count).
fn message_words(text: &str, args: &Arguments<'_>) -> String {
    let mut words = String::new();
    for value in &args.positional {
        python::walk_descendants(*value, |node| match node.kind() {
            "interpolation" => {
                words.push_str(" \u{0} ");
                false
            }
            "string_content" => {
                words.push_str(python::text(text, node));
                words.push(' ');
                false
            }
            _ => true,
        });
    }
    words
}

/// `[INFO]`-style prefixes a message drops when it is logged at that level.
fn level_prefixes(level: &str) -> &'static [&'static str] {
    match level {
        "info" => &["[INFO]", "INFO"],
        "warning" => &["[WARNING]", "[WARN]", "WARNING", "WARN"],
        "error" => &["[ERROR]", "ERROR"],
        "debug" => &["[DEBUG]", "DEBUG"],
        _ => &[],
    }
}

/// The length of a level prefix at the start of `message` (`[INFO]: `,
/// `ERROR - `) that the level makes redundant, when a message follows.
fn level_prefix_len(message: &str, level: &str) -> Option<usize> {
    level_prefixes(level).iter().find_map(|prefix| {
        let rest = message.strip_prefix(prefix)?;
        let after = rest.trim_start_matches([':', '-', ' ']);
        let separated = prefix.ends_with(']') || rest.len() != after.len();
        let word_ends =
            !after.starts_with(|c: char| c.is_alphanumeric()) || rest.len() != after.len();
        (separated && word_ends && !after.trim().is_empty()).then(|| message.len() - after.len())
    })
}

/// The deletion of a redundant level prefix at the start of a message
/// string kept as written (see [`level_prefix_len`]).
fn level_prefix_deletion(text: &str, message: Node<'_>, level: &str) -> Option<Edit> {
    let mut first = python::unparenthesize(message);
    loop {
        first = match first.kind() {
            "concatenated_string" => first.named_child(0)?,
            "binary_operator" => first.field("left")?,
            _ => break,
        };
    }
    if first.kind() != "string" {
        return None;
    }
    let content = python::named_children(first)
        .into_iter()
        .nth(1)
        .filter(|c| c.kind() == "string_content")?;
    let start = python::named_children(first).first()?.end_byte();
    if content.start_byte() != start {
        return None;
    }
    let literal = python::text(text, content);
    let len = level_prefix_len(literal, level)?;
    Some(Edit::deletion(TextRange::new(start, start + len)))
}

/// Why a print must not become a log record of its own: it repeats the
/// logging call just above it, or its traceback is printed right after it
/// (the two belong in one `logger.exception(...)`).
fn repeated_log(cx: &Checker<'_>, call: Node<'_>) -> Option<String> {
    fn is_call_statement(node: Node<'_>) -> Option<Node<'_>> {
        (node.kind() == "expression_statement")
            .then(|| node.named_child(0))
            .flatten()
            .filter(|c| c.kind() == "call")
    }
    let statement = python::enclosing_statement(call)?;
    let previous =
        std::iter::successors(statement.prev_named_sibling(), |n| n.prev_named_sibling())
            .find(|n| n.kind() != "comment");
    if let Some(logged) = previous.and_then(is_call_statement) {
        if let Some(method) = python::log_call_method(cx.text, logged) {
            if matches!(method, "exception" | "error" | "critical" | "warning") {
                let receiver = python::call_target(cx.text, logged)
                    .and_then(|(r, _)| r)
                    .map_or("logger", |r| python::text(cx.text, r));
                return Some(format!(
                    "it repeats the `{receiver}.{method}(...)` call just above: remove it rather than log twice"
                ));
            }
        }
    }
    let next = std::iter::successors(statement.next_named_sibling(), |n| n.next_named_sibling())
        .find(|n| n.kind() != "comment");
    let traceback = next
        .and_then(is_call_statement)
        .and_then(|c| c.field("function").and_then(|f| cx.qualified_name(f)));
    if traceback.is_some_and(|name| {
        matches!(
            name.as_str(),
            "traceback.print_exc" | "traceback.print_exception" | "traceback.print_tb"
        )
    }) {
        return Some(
            "the traceback printed next would stay on the console: log both as one `logger.exception(...)`"
                .to_owned(),
        );
    }
    None
}

/// What the project's logging setup means for the record (a project
/// fact): an `info` record reaches no handler when the project configures
/// no logging at all, or when only named loggers get a handler and a new
/// `getLogger(__name__)` logger is made.
fn visibility_note(cx: &Checker<'_>, level: &str, new_module_logger: bool) -> String {
    if !matches!(level, "info" | "debug") {
        return String::new();
    }
    let project = cx.project();
    if project.configures_logging() == Some(false) {
        return format!("; the project configures no logging: without a handler, `{level}` records are not shown (`warning` and above go to stderr), so configure logging (`logging.basicConfig(level=logging.INFO)`) where the program starts");
    }
    if new_module_logger && project.module_loggers_shown() == Some(false) {
        return format!("; the project gives only named loggers a handler: `{level}` records of a new `getLogger(__name__)` logger are not shown");
    }
    String::new()
}

/// What the module-level code says about a module (see [`module_facts`]).
#[derive(Clone, Default)]
struct ModuleFacts {
    /// It imports a command-line toolkit, rebinds `print`, writes to
    /// `sys.stdout` itself, or is a Django settings module (logging is not
    /// set up yet when it runs): every print is its interface.
    program: bool,
    /// The byte range of its `if __name__ == "__main__":` block.
    main_guard: Option<(usize, usize)>,
    /// Module-level functions that only the `__main__` block calls.
    main_only: Vec<String>,
    /// Module-level code that a script runs: a print, a loop, a server or
    /// event loop started, `sys.argv` read.
    script_code: bool,
    /// It creates a web application (`FastAPI()`, `Flask(__name__)`...):
    /// a server imports it by name, not by an `import` statement.
    serves_app: bool,
    /// It imports Streamlit: module-level code is the page, and prints
    /// there are its console.
    streamlit: bool,
}

/// Modules whose import makes the decorated functions of a module
/// handlers of a bot or web framework (library code), not CLI commands.
const FRAMEWORK_MODULES: [&str; 15] = [
    "discord",
    "nextcord",
    "disnake",
    "interactions",
    "telegram",
    "aiogram",
    "pyrogram",
    "telebot",
    "flask",
    "fastapi",
    "django",
    "starlette",
    "quart",
    "sanic",
    "aiohttp",
];

/// Web application classes: a module creating one is served, hence
/// imported by the server (`uvicorn app.main:app`).
const APP_CLASSES: [&str; 6] = [
    "fastapi.FastAPI",
    "flask.Flask",
    "quart.Quart",
    "sanic.Sanic",
    "starlette.applications.Starlette",
    "aiohttp.web.Application",
];

/// Methods that, called at module level, make the module a running
/// program: an event loop, a server, a bot, a scheduler.
const RUN_METHODS: [&str; 10] = [
    "run",
    "run_forever",
    "run_until_complete",
    "run_pending",
    "serve_forever",
    "mainloop",
    "polling",
    "infinity_polling",
    "start_polling",
    "run_polling",
];

/// Whether a print is the program's interface rather than a log, by what
/// the module is (see [`ModuleFacts`]) and whether other modules of the
/// project import it (a project fact):
///
/// - a program module (CLI toolkit, `print` rebound, Django settings);
/// - a module with a `__main__` block: all of it when nothing imports it,
///   else only the block and the functions only it calls;
/// - a module that runs script code at module level and that nothing
///   imports (or serves as a web app);
/// - module-level code of a Streamlit page;
/// - the reply to Ctrl-C (`except KeyboardInterrupt:`).
fn is_interface_print(cx: &Checker<'_>, call: Node<'_>) -> bool {
    let facts = module_facts(cx);
    if facts.program {
        return true;
    }
    let imported = facts.serves_app || cx.path().is_some_and(|path| cx.project().is_imported(path));
    if replies_to_interrupt(cx.text, call) {
        return true;
    }
    let at_module_level = python::enclosing_function(call).is_none();
    if let Some((start, end)) = facts.main_guard {
        if !imported || (start..end).contains(&call.start_byte()) {
            return true;
        }
        let function = python::ancestors(call)
            .filter(|n| n.kind() == "function_definition")
            .last()
            .and_then(|f| f.field("name"))
            .map(|n| python::text(cx.text, n));
        // Functions only the block calls, unless other modules import them.
        let main_only = function.is_some_and(|f| {
            facts.main_only.iter().any(|m| m == f)
                && !cx.path().is_some_and(|path| cx.project().may_use(path, f))
        });
        if main_only {
            return true;
        }
    }
    (facts.script_code && !imported) || (facts.streamlit && at_module_level)
}

/// A print in an `except KeyboardInterrupt:` block: the program's reply
/// to the user pressing Ctrl-C at the console.
fn replies_to_interrupt(text: &str, call: Node<'_>) -> bool {
    except_clause_of(call).is_some_and(|clause| {
        python::named_children(clause)
            .into_iter()
            .find(|c| !matches!(c.kind(), "comment" | "block"))
            .is_some_and(|caught| {
                let caught = if caught.kind() == "as_pattern" {
                    caught.named_child(0).unwrap_or(caught)
                } else {
                    caught
                };
                python::text(text, caught) == "KeyboardInterrupt"
            })
    })
}

fn module_facts(cx: &Checker<'_>) -> ModuleFacts {
    cx.memo(("print_module_facts", ""), || scan_module_facts(cx))
}

fn scan_module_facts(cx: &Checker<'_>) -> ModuleFacts {
    let mut facts = ModuleFacts {
        program: is_settings_module(cx) || writes_stdout(cx.text),
        streamlit: cx
            .import_bindings()
            .values()
            .any(|m| m.split('.').next() == Some("streamlit")),
        ..ModuleFacts::default()
    };
    let own_functions: std::collections::HashSet<&str> =
        module_functions(cx.text, cx.root).into_iter().collect();
    let mut main_calls: Vec<String> = Vec::new();
    let mut other_calls: Vec<String> = Vec::new();
    let statements = python::module_statements(cx.root);
    // Which functions only the `__main__` block calls matters only when
    // there is one: collecting every call name is most of this scan.
    let has_main_guard = statements
        .iter()
        .any(|s| s.kind() == "if_statement" && python::is_main_guard(cx.text, *s));
    let calls_in = |statement| {
        if has_main_guard {
            called_names(cx.text, statement)
        } else {
            Vec::new()
        }
    };
    for statement in statements {
        if matches!(
            statement.kind(),
            "function_definition" | "class_definition" | "decorated_definition"
        ) {
            facts.program |= defines_print(cx.text, statement);
            other_calls.extend(calls_in(statement));
            continue;
        }
        if statement.kind() == "if_statement" && python::is_main_guard(cx.text, statement) {
            facts.main_guard = Some((statement.start_byte(), statement.end_byte()));
            main_calls.extend(calls_in(statement));
            continue;
        }
        other_calls.extend(calls_in(statement));
        facts.script_code |= prints_at_top_level(cx.text, statement)
            || runs_script_code(cx, statement, &own_functions);
        facts.serves_app |= creates_app(cx, statement);
        python::walk_descendants(statement, |node| {
            if facts.program {
                return false;
            }
            match node.kind() {
                "function_definition" | "class_definition" | "decorated_definition" => {
                    facts.program = defines_print(cx.text, node);
                    false
                }
                "import_statement" | "import_from_statement" => {
                    facts.program = imports_cli_or_print(cx.text, node);
                    false
                }
                "assignment" => {
                    facts.program = node
                        .field("left")
                        .is_some_and(|l| python::text(cx.text, l) == "print");
                    true
                }
                _ => true,
            }
        });
    }
    let other_calls: std::collections::HashSet<String> = other_calls.into_iter().collect();
    main_calls.retain(|name| !other_calls.contains(name));
    facts.main_only = main_calls;
    facts
}

/// Whether the module writes to `sys.stdout` itself (a progress bar, a
/// report): console output is its design, and its prints are part of it.
fn writes_stdout(text: &str) -> bool {
    text.contains("sys.stdout.write(")
}

/// A Django settings module: `settings.py`, a module of a `settings/`
/// package, or one that sets `INSTALLED_APPS`.
fn is_settings_module(cx: &Checker<'_>) -> bool {
    let by_path = cx.path().is_some_and(|path| {
        path.file_stem().is_some_and(|s| s == "settings")
            || path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|d| d == "settings")
    });
    by_path || cx.text.contains("\nINSTALLED_APPS =")
}

/// Names of the functions called (by a bare name) under `node`, nested
/// definitions included.
fn called_names(text: &str, node: Node<'_>) -> Vec<String> {
    let mut names = Vec::new();
    python::walk_descendants(node, |n| {
        if n.kind() == "call" {
            if let Some((None, name)) = python::call_target(text, n) {
                names.push(name.to_owned());
            }
        }
        true
    });
    names
}

/// Module-level code that only a script runs: a `while` loop, a print in
/// a module-level `if` block, an event loop, server, bot or
/// scheduler started (`loop.run_forever()`, `bot.run(TOKEN)`,
/// `asyncio.run(main())`, `schedule.run_pending()`), `sys.argv` read, or
/// a call of one of the module's own functions as a statement.
/// Nested definitions are not looked into.
fn runs_script_code(
    cx: &Checker<'_>,
    statement: Node<'_>,
    own_functions: &std::collections::HashSet<&str>,
) -> bool {
    if statement.kind() == "while_statement" {
        return true;
    }
    let mut found = false;
    python::walk_descendants(statement, |node| {
        if found || python::is_scope_boundary(node.kind()) {
            return false;
        }
        found = match node.kind() {
            "call" => match python::call_target(cx.text, node) {
                Some((Some(_), method)) => RUN_METHODS.contains(&method),
                Some((None, "print")) => statement.kind() == "if_statement",
                _ => false,
            },
            "attribute" => cx.qualified_name(node).as_deref() == Some("sys.argv"),
            _ => false,
        };
        true
    });
    found || calls_own_function(cx, statement, own_functions)
}

/// A module-level statement `f(...)` (or `await f(...)`) calling a
/// function the module defines: a script running its steps.
fn calls_own_function(
    cx: &Checker<'_>,
    statement: Node<'_>,
    own_functions: &std::collections::HashSet<&str>,
) -> bool {
    let Some(mut call) = statement
        .named_child(0)
        .filter(|_| statement.kind() == "expression_statement")
    else {
        return false;
    };
    if call.kind() == "await" {
        let Some(inner) = call.named_child(0) else {
            return false;
        };
        call = inner;
    }
    let Some((None, name)) = (call.kind() == "call")
        .then(|| python::call_target(cx.text, call))
        .flatten()
    else {
        return false;
    };
    own_functions.contains(&name)
}

/// The names of the functions a module defines at module level.
fn module_functions<'t>(text: &'t str, root: Node<'_>) -> Vec<&'t str> {
    python::module_statements(root)
        .into_iter()
        .filter_map(|s| {
            let definition = if s.kind() == "decorated_definition" {
                s.field("definition")
            } else {
                Some(s)
            };
            definition
                .filter(|d| d.kind() == "function_definition")
                .and_then(|d| d.field("name"))
                .map(|n| python::text(text, n))
        })
        .collect()
}

/// `app = FastAPI(...)`, `app = Flask(__name__)` at module level.
fn creates_app(cx: &Checker<'_>, statement: Node<'_>) -> bool {
    let Some(assignment) = statement
        .named_child(0)
        .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
    else {
        return false;
    };
    assignment
        .field("right")
        .filter(|r| r.kind() == "call")
        .and_then(|call| call.field("function"))
        .and_then(|f| cx.qualified_name(f))
        .is_some_and(|name| APP_CLASSES.contains(&name.as_str()))
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
        match definition.field("definition") {
            Some(d) => d,
            None => return false,
        }
    } else {
        definition
    };
    definition
        .field("name")
        .is_some_and(|n| python::text(text, n) == "print")
}

/// An import of a command-line toolkit, or `from … import print`.
fn imports_cli_or_print(text: &str, import: Node<'_>) -> bool {
    let root_of = |name: Node<'_>| -> bool {
        let dotted = match name.kind() {
            "aliased_import" => name.field("name"),
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
    let module = import.field("module_name");
    if module.is_some_and(root_of) {
        return true;
    }
    let mut cursor = import.walk();
    let names: Vec<Node<'_>> = import.children_by_field_name("name", &mut cursor).collect();
    names.into_iter().any(|name| {
        let bound = match name.kind() {
            "aliased_import" => name.field("alias"),
            _ => Some(name),
        };
        bound.is_some_and(|b| python::text(text, b) == "print")
    })
}

/// Where printing is the point: inside a function named `main`, a
/// function whose name or docstring says it prints or shows something, a
/// function that asks the user (`input()`), a module-level `log()` helper
/// that is the application's logger, a `render_*` function of a Streamlit
/// page, a function decorated as a command-line command, a class derived
/// from a `...Command` class, or a branch taken on a verbosity or debug
/// flag.
fn in_command_code(cx: &Checker<'_>, call: Node<'_>) -> bool {
    let text = cx.text;
    python::ancestors(call)
        .skip(1)
        .any(|node| match node.kind() {
            "function_definition" => {
                let name = node.field("name").map_or("", |n| python::text(text, n));
                let bare = name.trim_start_matches('_');
                matches!(name, "main" | "_main")
                    || OUTPUT_FUNCTION_PREFIXES.iter().any(|p| bare.starts_with(p))
                    || docstring(text, node).is_some_and(says_it_prints)
                    || asks_for_input(text, node)
                    || is_log_helper(text, node, call)
                    || (bare.starts_with("render") && module_facts(cx).streamlit)
            }
            "if_statement" | "elif_clause" => node.field("condition").is_some_and(|c| {
                let condition = python::text(text, c).to_ascii_lowercase();
                OUTPUT_FLAGS.iter().any(|flag| condition.contains(flag))
            }),
            "decorated_definition" => python::named_children(node)
                .into_iter()
                .filter(|c| c.kind() == "decorator")
                .any(|decorator| is_command_decorator(cx, decorator)),
            "class_definition" => node.field("superclasses").is_some_and(|bases| {
                python::named_children(bases).into_iter().any(|base| {
                    python::dotted_name(text, base).is_some_and(|name| {
                        name.rsplit('.').next().unwrap_or("").ends_with("Command")
                    })
                })
            }),
            _ => false,
        })
}

/// Whether a docstring's first word says the function prints or shows
/// (`"""Print the table."""`, `"""Displays..."""`); a docstring that
/// only mentions displaying (`"""Rows for display."""`) does not.
fn says_it_prints(doc: &str) -> bool {
    let first = doc
        .trim_start_matches(['r', 'R', 'u', 'U'])
        .trim_start_matches(['"', '\''])
        .trim_start()
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    ["print", "pretty-print", "display", "show", "echo", "output"]
        .iter()
        .any(|verb| first.starts_with(verb))
}

/// Whether a function calls `input()` itself: its prints are the prompts
/// and instructions of an interactive dialogue.
fn asks_for_input(text: &str, function: Node<'_>) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    let mut found = false;
    python::walk_descendants(body, |node| {
        if found || python::is_scope_boundary(node.kind()) {
            return false;
        }
        found = node.kind() == "call"
            && matches!(python::call_target(text, node), Some((None, "input")));
        true
    });
    found
}

/// A function defined at module level (possibly decorated).
fn is_module_level(function: Node<'_>) -> bool {
    let mut parent = function.parent();
    if parent.is_some_and(|p| p.kind() == "decorated_definition") {
        parent = parent.and_then(|p| p.parent());
    }
    parent.is_some_and(|p| p.kind() == "module")
}

/// `def log(msg): print(...)` at module level: a small function (three
/// statements at most) named as a logger (`log`, `log_msg`, `write_log`)
/// whose own body prints is the application's logger, not a leftover.
fn is_log_helper(text: &str, function: Node<'_>, call: Node<'_>) -> bool {
    let name = function.field("name").map_or(String::new(), |n| {
        python::text(text, n)
            .trim_start_matches('_')
            .to_ascii_lowercase()
    });
    let named = matches!(
        name.as_str(),
        "log" | "logger" | "logmsg" | "log_msg" | "log_message" | "write_log" | "print_log"
    );
    let Some(body) = function.field("body") else {
        return false;
    };
    let direct = python::enclosing_statement(call)
        .and_then(|s| s.parent())
        .is_some_and(|b| b.id() == body.id());
    named && direct && is_module_level(function) && body.named_child_count() <= 3
}

/// The docstring of a function, class or module body.
fn docstring<'t>(text: &'t str, definition: Node<'_>) -> Option<&'t str> {
    let body = definition.field("body")?;
    let first = body.named_child(0)?;
    let string = first
        .named_child(0)
        .filter(|s| first.kind() == "expression_statement" && s.kind() == "string")?;
    Some(python::text(text, string))
}

/// `@click.command()`, `@app.command("x")`, `@cli.group()`, `@app.callback()`
/// — a command-line command. Decided by what the decorator's name
/// resolves to through the imports: a command of a bot or web framework
/// (`@commands.command()` from `discord.ext`, `@app_commands.command()`)
/// is a handler whose prints go to the server console, a log; a local
/// object (`@bot.command()`) is a bot's when the module imports a bot or
/// web framework, and a CLI's otherwise.
fn is_command_decorator(cx: &Checker<'_>, decorator: Node<'_>) -> bool {
    let Some(expression) = decorator.named_child(0) else {
        return false;
    };
    let target = if expression.kind() == "call" {
        expression.field("function")
    } else {
        Some(expression)
    };
    let Some(target) = target else {
        return false;
    };
    let Some(name) = cx.qualified_name(target) else {
        return false;
    };
    let last = name.rsplit('.').next().unwrap_or("");
    if !COMMAND_DECORATORS.contains(&last) {
        return false;
    }
    let root = name.split('.').next().unwrap_or("");
    if FRAMEWORK_MODULES.contains(&root) {
        return false;
    }
    if CLI_MODULES.contains(&root) {
        return true;
    }
    !cx.import_bindings()
        .values()
        .any(|module| FRAMEWORK_MODULES.contains(&module.split('.').next().unwrap_or("")))
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

    /// Findings (line, message) in `path`, checked as part of `files`.
    fn project_findings(files: &[(&str, &str)], path: &str) -> Vec<(usize, String)> {
        let project = Arc::new(crate::project::from_texts(files));
        let table = toml::Table::new();
        let mut options = crate::codemod::Options::new("print-to-logger", &table);
        let codemod = super::PrintToLogger::from_options(&mut options).unwrap();
        let engine = Engine::new(vec![Arc::new(codemod) as Arc<dyn Codemod>]).with_project(project);
        let text = files.iter().find(|(p, _)| *p == path).unwrap().1;
        let outcome = process(
            Path::new(path),
            text.as_bytes(),
            &engine,
            FixPolicy::new(true),
        );
        outcome
            .findings
            .iter()
            .map(|f| (f.location.line, f.message.clone()))
            .collect()
    }

    fn lines(found: &[(usize, String)]) -> Vec<usize> {
        found.iter().map(|(line, _)| *line).collect()
    }

    #[test]
    fn an_imported_module_with_a_main_block_is_library_code_outside_it() {
        let tool = "def load(path):\n    print('loading', path)\n\ndef report(rows):\n    print(len(rows))\n\nif __name__ == '__main__':\n    print('start')\n    report(rows)\n";
        let user = "from tool import load\n";
        // Imported: `load` is library code; `report` and the block are the program's.
        let found = project_findings(&[("tool.py", tool), ("app.py", user)], "tool.py");
        assert_eq!(lines(&found), vec![2]);
        // Imported for its `main` only, or not at all: a program.
        let entry = "from tool import main\n";
        assert!(project_findings(&[("tool.py", tool), ("app.py", entry)], "tool.py").is_empty());
        assert!(project_findings(&[("tool.py", tool)], "tool.py").is_empty());
    }

    #[test]
    fn module_level_script_code_makes_a_script_unless_imported() {
        for script in [
            "def tick():\n    print('tick')\n\nwhile True:\n    tick()\n",
            "def on_message(ws, m):\n    print(m)\n\nws = websocket.WebSocketApp(URL, on_message=on_message)\nws.run_forever()\n",
            "async def job():\n    print('signal')\n\nloop.run_until_complete(job())\n",
            "import sys\n\ndef usage():\n    print('usage: spider <dir>')\n\nif len(sys.argv) != 2:\n    usage()\n",
            "def job():\n    print('done')\n\njob()\n",
            "def job():\n    print('done')\n\nif READY:\n    print('ready')\n",
        ] {
            let alone = project_findings(&[("demo.py", script)], "demo.py");
            assert!(alone.is_empty(), "{script}: {alone:?}");
            let imported = project_findings(&[("demo.py", script), ("app.py", "import demo\n")], "demo.py");
            assert!(!imported.is_empty(), "{script}");
        }
        // A web application is served, hence imported.
        let app = "from fastapi import FastAPI\n\napp = FastAPI()\n\nasync def startup():\n    print('starting')\n\nif __name__ == '__main__':\n    uvicorn.run(app)\n";
        assert_eq!(
            lines(&project_findings(&[("web/main.py", app)], "web/main.py")),
            vec![6]
        );
    }

    #[test]
    fn the_project_logging_setup_shapes_the_fix_and_the_message() {
        let cog = "class Fun(Cog):\n    async def on_ready(self):\n        print('Fun loaded')\n";
        let bot = "import logging\nlogger = logging.getLogger('discord')\nlogger.addHandler(logging.StreamHandler())\n";
        let other = "import logging\nlog = logging.getLogger('discord')\n";
        let files = [
            ("bot.py", bot),
            ("cogs/other.py", other),
            ("cogs/fun.py", cog),
        ];
        let project = Arc::new(crate::project::from_texts(&files));
        let table = toml::Table::new();
        let mut options = crate::codemod::Options::new("print-to-logger", &table);
        let codemod = super::PrintToLogger::from_options(&mut options).unwrap();
        let engine = Engine::new(vec![Arc::new(codemod) as Arc<dyn Codemod>]).with_project(project);
        let outcome = process(
            Path::new("cogs/fun.py"),
            cog.as_bytes(),
            &engine,
            FixPolicy::new(true),
        );
        let fixed = outcome.fixed.unwrap();
        assert!(
            fixed.contains("logger = logging.getLogger('discord')"),
            "{fixed}"
        );
        // No logging configured anywhere: the message says that info vanishes.
        let found = project_findings(
            &[("cogs/fun.py", cog), ("bot.py", "bot.run(TOKEN)\n")],
            "cogs/fun.py",
        );
        assert!(found[0].1.contains("configures no logging"), "{found:?}");
        // … and that no fix silences the print.
        assert!(
            found[0]
                .1
                .contains("(no automatic fix: the `info` record would not be shown"),
            "{found:?}"
        );
    }

    #[test]
    fn message_words_prefixes_and_docstrings() {
        assert_eq!(super::level_prefix_len("[INFO]: loaded", "info"), Some(8));
        assert_eq!(
            super::level_prefix_len("ERROR - disk full", "error"),
            Some(8)
        );
        assert_eq!(super::level_prefix_len("INFORMATION", "info"), None);
        assert_eq!(super::level_prefix_len("[INFO]", "info"), None);
        assert_eq!(super::level_prefix_len("[INFO] x", "error"), None);
        assert!(super::says_word("failed: \u{0} ", "failed"));
        assert!(!super::says_word(" \u{0}  errors so far", "error"));
        assert!(!super::says_word("0 errors, no warnings", "error"));
        assert!(!super::says_word("0 errors, no warnings", "warn"));
        assert!(super::says_it_prints("\"\"\"Print the table.\"\"\""));
        assert!(super::says_it_prints("r'''Displays rows'''"));
        assert!(!super::says_it_prints(
            "\"\"\"Rows the dashboard will display.\"\"\""
        ));
    }

    #[test]
    fn bad_script_paths_are_rejected() {
        let table: toml::Table = "script-paths = [\"\"]".parse().unwrap();
        let mut options = crate::codemod::Options::new("print-to-logger", &table);
        assert!(super::PrintToLogger::from_options(&mut options).is_err());
    }
}
