//! # silent-except
//!
//! ## What it does
//! Finds broad exception handlers that swallow the error without a trace:
//! `except:`, `except Exception:` or `except BaseException:` (also in a
//! tuple, also `except Exception as e:`) whose body only does `pass`, `...`,
//! `continue`, `return` or `return None`.
//!
//! By default (`mode = "log"`) the handler logs what it ignores, with the
//! traceback, through the module logger: an existing module-level logger
//! (any name bound to `logging.getLogger(...)`, such as `_log`, or an
//! imported `logger` / `log` / `LOGGER` / `_logger`) is reused; a module
//! that logs only through `logging.error(...)`-style calls gets
//! `logging.warning(...)`; otherwise `import logging` and
//! `logger = logging.getLogger(__name__)` are added after the imports. The
//! exception is bound (`as exc`, or a fresh name if `exc` is taken; an
//! existing binding is kept) so the message shows it. A lone `pass` or
//! `...` is replaced by the log call; `continue` and `return` stay, after
//! it. A bare `except:` is not rewritten (that is `bare-except`'s job):
//! its log call relies on `exc_info=True` alone.
//!
//! With `mode = "mark"` the handler is instead marked as intentional, with
//! the bandit marker on the `except` line: `# nosec B110  # <reason>`
//! (`B112` for `continue`, bandit's try-except-continue). The reason is a
//! comment of its own because bandit reads every word between `nosec` and
//! the next `#` as a test id (`# nosec B110 - best effort` makes it warn
//! about the tests "best" and "effort").
//!
//! Left alone:
//! - handlers for specific exceptions (`except KeyError: pass`,
//!   `except ImportError:`, `except (StopIteration, ...)`; and
//!   `contextlib.suppress(...)`): expected conditions, not hidden failures;
//! - probes whose failure the code goes on to handle: a `try` with an
//!   `else:`, a `try` that only imports (optional dependencies), a `try`
//!   that only assigns names already holding a fallback value
//!   (`value = None` … `try: value = parse(raw)` / a parameter), a `try`
//!   that only computes values in nested `if`s over such a fallback
//!   (`label = code` … `try: if found: label = f"{code} - {found}"`), a
//!   `try` that returns on success (also from inside an `if`) when the
//!   function then goes on, and `try: return attempt(x)` / `except
//!   Exception: continue` in a loop (the next attempt of a loop of
//!   fallbacks, with a `raise` after it), and a guard `try: if not
//!   ready(x): return` whose handler also just returns;
//! - dynamic imports: a `try` that only imports, also with `__import__(...)`
//!   / `importlib.import_module(...)`, or calls what it just imported
//!   (`from dotenv import load_dotenv` / `load_dotenv()`);
//! - "None on bad input" parsers, by name: `try_*`, `safe_*`, `*_safe`,
//!   or by shape: a function that is only `try: return <conversion of a
//!   value>` / `except Exception: return None` (`float(b) / 1024**3`);
//! - handlers whose comment says the error is ignored on purpose (on the
//!   `except` line, in the handler, or just above it: "ignore", "silently",
//!   "optional", "best effort", "don't bother", "unavailable", "expected",
//!   "fallback"…);
//! - handlers already marked on any of their lines: `# nosec`,
//!   `# auditfix: ignore`, or a linter suppression for a broad, bare or
//!   silent `except` (`# noqa: S110` / `S112` / `BLE001` / `E722` /
//!   `B001`, `# pylint: disable=broad-except`, `broad-exception-caught`,
//!   `bare-except`, `W0702` / `W0703` / `W0718`) — someone already decided.
//!
//! A per-item conversion probe in a loop (`for row in rows: try: d =
//! datetime.fromisoformat(row["at"])` … `except Exception: pass`) is
//! marked as in `mode = "mark"` even in log mode: a warning with a
//! traceback for every bad item would flood the log. A body that awaits
//! (`await bot.edit(...)` next to an `int(...)`) does I/O and is logged.
//!
//! ## Why
//! A handler that catches everything and says nothing hides real failures
//! — a full disk, a lost connection, a bug — behind a program that looks
//! healthy. Bandit reports it as B110/B112; an audit asks that every such
//! handler either leaves a trace or is marked as deliberate.
//!
//! ## Example
//! ```python
//! import json
//!
//! def load_settings(path):
//!     try:
//!         with open(path) as f:
//!             return json.load(f)
//!     except Exception:
//!         return None
//! ```
//! becomes
//! ```python
//! import json
//! import logging
//!
//! logger = logging.getLogger(__name__)
//!
//! def load_settings(path):
//!     try:
//!         with open(path) as f:
//!             return json.load(f)
//!     except Exception as exc:
//!         logger.warning("Ignored exception in load_settings(): %r", exc, exc_info=True)
//!         return None
//! ```
//!
//! ## Options
//! `[tool.auditfix.silent-except]`:
//! - `mode`: `"log"` (default) or `"mark"`;
//! - `reason`: the comment after `# nosec B110` in mark mode (default
//!   `"intentionally ignored"`);
//! - `level`: the log method in log mode: `"debug"`, `"info"`, `"warning"`
//!   (default), `"error"` or `"exception"` (`logger.exception(...)`, which
//!   adds the traceback itself);
//! - `exceptions`: the classes that count as broad (default
//!   `["Exception", "BaseException"]`; bare `except:` always does).
//!
//! ## Fix safety
//! Safe: the handler still swallows the error and the program takes the
//! same path; the only change is a log record when the error happens (and
//! a module logger where there was none). In mark mode only a comment is
//! added. Report-only, with the reason, where a module logger cannot be
//! used safely: a local `logger` shadows it, the module's logger is
//! defined below module-level code that would need it, the module logs
//! with loguru, or the module's `logger` is something else; inside
//! `__del__` (logging can fail at interpreter shutdown) and inside logging
//! handlers, filters and formatters (logging from them can recurse).
//!
//! ## How to validate
//! - In log mode (the default), make the code in the `try` fail (a missing
//!   file, a mocked call that raises): the function takes the same path as
//!   before (same return value, the loop goes on), and the log now has a
//!   warning `Ignored exception in <function>(): <exc>` with the traceback.
//! - Check that the module logger (the one reused, or the new
//!   `logging.getLogger(__name__)`) reaches a handler in production, and that
//!   the level (`warning` by default, the `level` option) suits how often the
//!   error happens.
//! - In mark mode, check that the reason comment is true, and run bandit: the
//!   `B110` / `B112` finding is gone.
//!
//! ## Tests to add
//! - Make the call inside the `try` raise (for example `OSError`), call the
//!   fixed function under `caplog` and expect the same return value as before,
//!   plus one record at the configured level (`WARNING` by default) whose
//!   `exc_info` holds that exception; before the fix there was no record.
//! - Call it without a failure and expect the same result as before and no new
//!   record.
//! - In mark mode only a comment changes: the existing tests are enough.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python;
use crate::source::{line_indent, line_start, next_line_start};

pub struct SilentExcept {
    mode: Mode,
    reason: String,
    level: String,
    broad: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Log,
    Mark,
}

pub static META: Meta = Meta {
    id: "silent-except",
    category: "reliability",
    priority: Priority::P2,
    fix: Applicability::Safe,
    summary: "broad except that swallows the error without a trace",
};

const LEVELS: [&str; 5] = ["debug", "info", "warning", "error", "exception"];

impl SilentExcept {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let mode = match options.string("mode")?.as_deref() {
            None | Some("log") => Mode::Log,
            Some("mark") => Mode::Mark,
            Some(other) => {
                return Err(options.error(
                    "mode",
                    format!("expected \"log\" or \"mark\", found {other:?}"),
                ))
            }
        };
        let reason = options
            .string("reason")?
            .unwrap_or_else(|| "intentionally ignored".to_owned());
        if reason.trim().is_empty() || reason.contains(['\n', '\r']) {
            return Err(options.error("reason", "expected a non-empty, single-line text"));
        }
        let level = options
            .string("level")?
            .unwrap_or_else(|| "warning".to_owned());
        if !LEVELS.contains(&level.as_str()) {
            return Err(options.error("level", format!("expected one of {}", LEVELS.join(", "))));
        }
        let broad = options
            .string_list("exceptions")?
            .unwrap_or_else(|| vec!["Exception".to_owned(), "BaseException".to_owned()]);
        let valid = |name: &String| {
            name.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        };
        if broad.is_empty() || !broad.iter().all(valid) {
            return Err(options.error("exceptions", "expected a non-empty list of class names"));
        }
        Ok(Self {
            mode,
            reason: reason.trim().to_owned(),
            level,
            broad,
        })
    }
}

impl Codemod for SilentExcept {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["except_clause"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["except".into()]
    }

    /// The logger policy reads the project's logger convention.
    fn uses_project(&self) -> bool {
        true
    }

    fn check(&self, clause: Node<'_>, cx: &mut Checker<'_>) {
        let Some(body) = python::handler_body(clause) else {
            return;
        };
        let Some(silence) = Silence::of(cx.text, body) else {
            return;
        };
        let caught = python::handler_type(clause);
        let broad: Vec<&str> = self.broad.iter().map(String::as_str).collect();
        if caught.is_some() && !python::handler_catches(cx.text, clause, &broad) {
            return;
        }
        let Some(try_statement) = clause.parent().filter(|p| p.kind() == "try_statement") else {
            return;
        };
        let left_alone = if only_imports(cx.text, try_statement) {
            Some("an import fallback (the `try` only imports)")
        } else if is_probe(cx.text, try_statement, &silence) {
            Some("a probe whose failure is the answer (`try: int(v)` …)")
        } else if is_safe_parser(cx.text, clause, &silence) {
            Some("a parse whose failure is an expected answer")
        } else if is_marked(cx, try_statement, clause) {
            Some("the handler is marked `# nosec` or `# auditfix: ignore`")
        } else if says_deliberate(cx, clause) {
            Some("a comment says the silence is deliberate")
        } else {
            None
        };
        if let Some(reason) = left_alone {
            cx.leave_alone(reason);
            return;
        }
        let Some(colon) = header_colon(clause) else {
            return;
        };
        let header = TextRange::new(clause.start_byte(), colon.end_byte());
        let what = match caught {
            None => "`except:`".to_owned(),
            Some(class) => format!("`except {}:`", one_line(python::text(cx.text, class))),
        };
        let mut message = format!("{what} {} the error without a trace", silence.verb());
        let fix = match self.mode {
            Mode::Mark => self.mark(cx, clause, &silence, &self.reason, &mut message),
            // A warning with a traceback for every bad item would flood the
            // log: the probe is marked as deliberate instead.
            Mode::Log if is_per_item_probe(cx.text, try_statement, &silence) => {
                message.push_str(
                    " (a per-item conversion probe in a loop: marked as deliberate rather than \
                     logged for every item)",
                );
                self.mark(cx, clause, &silence, PER_ITEM_REASON, &mut message)
            }
            Mode::Log => self.log(cx, clause, caught, body, colon, &silence, &mut message),
        };
        cx.report(header, message, Some(fix));
    }
}

/// What a silent handler body does.
struct Silence<'n> {
    /// Its statements, comments left out.
    statements: Vec<Node<'n>>,
    continues: bool,
    returns: bool,
}

impl<'n> Silence<'n> {
    /// The statements of a body that only does `pass`, `...`, `continue`,
    /// `return` or `return None`; `None` for any other body.
    fn of(text: &str, body: Node<'n>) -> Option<Self> {
        let mut silence = Silence {
            statements: Vec::new(),
            continues: false,
            returns: false,
        };
        for statement in python::named_children(body) {
            match statement.kind() {
                "comment" => continue,
                "pass_statement" => {}
                "continue_statement" => silence.continues = true,
                "return_statement" => {
                    let value = statement.named_child(0);
                    if value.is_some_and(|v| python::text(text, v) != "None") {
                        return None;
                    }
                    silence.returns = true;
                }
                "expression_statement"
                    if statement.named_child_count() == 1
                        && statement
                            .named_child(0)
                            .is_some_and(|c| c.kind() == "ellipsis") => {}
                _ => return None,
            }
            silence.statements.push(statement);
        }
        (!silence.statements.is_empty()).then_some(silence)
    }

    fn verb(&self) -> &'static str {
        if self.continues {
            "skips to the next iteration and drops"
        } else if self.returns {
            "returns and drops"
        } else {
            "swallows"
        }
    }

    /// The statements to keep after the log call: all but `pass` / `...`.
    fn kept(&self) -> Vec<Node<'n>> {
        self.statements
            .iter()
            .copied()
            .filter(|s| matches!(s.kind(), "continue_statement" | "return_statement"))
            .collect()
    }
}

impl SilentExcept {
    /// `# nosec B110  # reason` at the end of the `except` line.
    fn mark(
        &self,
        cx: &Checker<'_>,
        clause: Node<'_>,
        silence: &Silence<'_>,
        reason: &str,
        message: &mut String,
    ) -> Fix {
        let line_end = line_content_end(cx.text, clause.start_byte());
        let content = cx.text[line_start(cx.text, clause.start_byte())..line_end].trim_end();
        if content.ends_with('\\') {
            message.push_str(" (no automatic fix: the `except` line continues with a backslash)");
            return Fix::new(Vec::new(), Applicability::ReportOnly);
        }
        let end = line_start(cx.text, clause.start_byte()) + content.len();
        let test = if silence.continues { "B112" } else { "B110" };
        // The reason is a comment of its own: bandit reads everything after
        // `nosec` up to the next `#` as test ids.
        let marker = format!("  # nosec {test}  # {reason}");
        Fix::safe(vec![Edit::replacement(
            TextRange::new(end, line_end),
            marker,
        )])
    }

    /// Bind the exception and log it before the body's `continue` /
    /// `return`, or instead of its `pass`.
    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        cx: &Checker<'_>,
        clause: Node<'_>,
        caught: Option<Node<'_>>,
        body: Node<'_>,
        colon: Node<'_>,
        silence: &Silence<'_>,
        message: &mut String,
    ) -> Fix {
        if let Some(reason) = no_logging_here(cx, clause) {
            message.push_str(&format!(" (no automatic fix: {reason})"));
            return Fix::new(Vec::new(), Applicability::ReportOnly);
        }
        let (logger, mut edits) = match edit::module_logger_at(cx, clause) {
            Ok(found) => found,
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                return Fix::new(Vec::new(), Applicability::ReportOnly);
            }
        };
        let bound = match (python::handler_binding(clause), caught) {
            (Some(name), _) => Some(python::text(cx.text, name).to_owned()),
            (None, Some(class)) => {
                let mut name = edit::fresh_name(cx, edit::scope_of(cx, clause), "exc");
                // Not a module-level name either (`from sqlalchemy import
                // exc`): the handler would shadow it in the function.
                if python::module_binding_start(cx.text, cx.root, &name).is_some() {
                    name = edit::fresh_name(cx, cx.root, "exc");
                }
                edits.push(Edit::insertion(class.end_byte(), format!(" as {name}")));
                Some(name)
            }
            (None, None) => None,
        };
        let call = self.log_call(cx, clause, &logger, bound.as_deref());
        let Some(placed) = place_log_call(cx, clause, body, colon, silence, &call) else {
            message.push_str(" (no automatic fix: the handler shares a line with other code)");
            return Fix::new(Vec::new(), Applicability::ReportOnly);
        };
        edits.extend(placed);
        Fix::safe(edits)
    }

    /// `logger.warning("Ignored exception in f(): %r", exc, exc_info=True)`.
    fn log_call(
        &self,
        cx: &Checker<'_>,
        clause: Node<'_>,
        logger: &str,
        bound: Option<&str>,
    ) -> String {
        let names = python::scope_names(cx.text, clause);
        let place = match python::ancestors(clause)
            .skip(1)
            .find(|n| matches!(n.kind(), "function_definition" | "class_definition"))
        {
            Some(scope) if scope.kind() == "function_definition" => {
                format!("in {}()", names.join("."))
            }
            Some(_) => format!("in class {}", names.join(".")),
            None => "at module level".to_owned(),
        };
        let mut text = format!("Ignored exception {place}");
        let mut args = Vec::new();
        if let Some(name) = bound {
            text.push_str(": %r");
            args.push(name.to_owned());
        }
        if self.level != "exception" {
            args.push("exc_info=True".to_owned());
        }
        let mut call = format!(
            "{logger}.{}({}",
            self.level,
            cx.stylist.string_literal(&text)
        );
        for arg in args {
            call.push_str(", ");
            call.push_str(&arg);
        }
        call.push(')');
        call
    }
}

/// The edits that put `call` into the handler: replacing a leading `pass`
/// / `...`, or on its own line before the first statement; a handler
/// written on the `except` line is opened up into an indented block.
fn place_log_call(
    cx: &Checker<'_>,
    clause: Node<'_>,
    body: Node<'_>,
    colon: Node<'_>,
    silence: &Silence<'_>,
    call: &str,
) -> Option<Vec<Edit>> {
    let first = *silence.statements.first()?;
    if body.start_position().row == colon.end_position().row {
        // `except Exception: pass` → an indented block under the header.
        let indent = format!(
            "{}{}",
            line_indent(cx.text, clause.start_byte()),
            cx.stylist.indent
        );
        let mut template = call.to_owned();
        for kept in silence.kept() {
            template.push('\n');
            template.push_str(python::text(cx.text, kept));
        }
        let block = cx.stylist.render_block(&template, &indent);
        let block = block.strip_suffix(cx.stylist.eol()).unwrap_or(&block);
        // A trailing comment (`# noqa: E722`) stays on the `except` line.
        let last = *silence.statements.last()?;
        let line_end = line_content_end(cx.text, last.end_byte());
        let rest = &cx.text[last.end_byte()..line_end];
        let comment = rest.trim_start();
        let (end, comment) = if comment.starts_with('#') {
            let gap = &rest[..rest.len() - comment.len()];
            (line_end, format!("{gap}{comment}"))
        } else if comment.is_empty() {
            (last.end_byte(), String::new())
        } else {
            return None;
        };
        return Some(vec![Edit::replacement(
            TextRange::new(colon.end_byte(), end),
            format!("{comment}{}{block}", cx.stylist.eol()),
        )]);
    }
    if matches!(first.kind(), "pass_statement" | "expression_statement") {
        return Some(vec![Edit::replacement(first.byte_range().into(), call)]);
    }
    let (at, indent) = edit::before_statement(cx, first)?;
    Some(vec![Edit::insertion(
        at,
        cx.stylist.render_block(call, indent),
    )])
}

/// Why logging from this handler would be a bad idea, if it would.
fn no_logging_here(cx: &Checker<'_>, clause: Node<'_>) -> Option<&'static str> {
    let function = python::enclosing_function(clause);
    let function_name = function
        .and_then(|f| f.field("name"))
        .map(|n| python::text(cx.text, n));
    if function_name == Some("__del__") {
        return Some("logging from `__del__` can fail at interpreter shutdown");
    }
    let in_logging_class = python::ancestors(clause)
        .filter(|n| n.kind() == "class_definition")
        .filter_map(|class| class.field("superclasses"))
        .flat_map(python::named_children)
        .any(|base| {
            let name = python::text(cx.text, base);
            let last = name.rsplit('.').next().unwrap_or(name);
            ["Handler", "Filter", "Formatter", "Logger", "LoggerAdapter"]
                .iter()
                .any(|suffix| last.ends_with(suffix))
        });
    if in_logging_class || matches!(function_name, Some("emit" | "handleError")) {
        return Some("logging from logging code can recurse");
    }
    None
}

/// Whether the `try` body only imports (`try: import ujson as json`): an
/// optional-dependency probe, whose failure is the expected outcome. A
/// dynamic import (`m = __import__(name)`, `importlib.import_module(...)`),
/// a call of a name the body imported (`from dotenv import load_dotenv`
/// then `load_dotenv()`), and assignments or `if`s preparing the module
/// name count as part of the probe.
fn only_imports(text: &str, try_statement: Node<'_>) -> bool {
    let Some(body) = try_statement.field("body") else {
        return false;
    };
    let mut imported: Vec<&str> = Vec::new();
    let mut imports = false;
    let statements = plain_statements(body);
    let all = statements.iter().all(|s| match s.kind() {
        "import_statement" | "import_from_statement" => {
            imports = true;
            python::walk_descendants(*s, |n| {
                if n.kind() == "identifier" && python::is_binding_occurrence(n) {
                    imported.push(python::text(text, n));
                }
                true
            });
            true
        }
        "pass_statement" => true,
        "if_statement" => !imports && only_computes(*s),
        "expression_statement" => {
            let value = s.named_child(0).map(|v| match v.kind() {
                "assignment" => v.field("right").unwrap_or(v),
                _ => v,
            });
            match value.filter(|v| v.kind() == "call") {
                Some(call) => {
                    let function = call.field("function").map_or("", |f| python::text(text, f));
                    let dynamic = matches!(
                        function,
                        "__import__" | "importlib.import_module" | "import_module"
                    );
                    imports |= dynamic;
                    dynamic || imported.contains(&function)
                }
                // `app = app[:i]`: preparing the name to import.
                None => !imports && s.named_child(0).is_some_and(|v| v.kind() == "assignment"),
            }
        }
        _ => false,
    });
    all && imports
}

/// The statements of a block, comments left out.
fn plain_statements(block: Node<'_>) -> Vec<Node<'_>> {
    python::named_children(block)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .collect()
}

/// Whether a statement only computes values: assignments (of anything)
/// and `if` / `elif` / `else` around them, `pass` — no call for its own
/// sake, no loop, no `return`.
fn only_computes(statement: Node<'_>) -> bool {
    match statement.kind() {
        "pass_statement" => true,
        "expression_statement" => statement
            .named_child(0)
            .is_some_and(|v| matches!(v.kind(), "assignment" | "augmented_assignment")),
        "if_statement" | "elif_clause" | "else_clause" | "block" => {
            python::named_children(statement)
                .into_iter()
                .filter(|c| {
                    c.kind() != "comment"
                        && (matches!(c.kind(), "block" | "elif_clause" | "else_clause")
                            || c.kind().ends_with("_statement"))
                })
                .all(|c| only_computes(c))
        }
        _ => false,
    }
}

/// The identifiers assigned anywhere in `statement` (not in nested scopes).
fn assigned_names<'n>(statement: Node<'n>) -> Vec<Node<'n>> {
    let mut names = Vec::new();
    python::walk_descendants(statement, |n| {
        if python::is_scope_boundary(n.kind()) {
            return false;
        }
        if n.kind() == "identifier"
            && python::is_binding_occurrence(n)
            && n.parent().is_some_and(|p| {
                matches!(p.kind(), "assignment" | "pattern_list" | "tuple_pattern")
            })
        {
            names.push(n);
        }
        true
    });
    names
}

/// Whether the handler is the failure branch of a probe, whose outcome the
/// code then uses — not a lost failure:
/// - the `try` has an `else:` (success and failure are told apart);
/// - the handler only `pass`es and the `try` only assigns names that
///   already hold a fallback value (`x = None` … `try: x = f()`);
/// - the handler only `pass`es, the `try` ends by returning, and the
///   function goes on after it (the next attempt, or a fallback).
fn is_probe(text: &str, try_statement: Node<'_>, silence: &Silence<'_>) -> bool {
    if python::named_children(try_statement)
        .iter()
        .any(|c| c.kind() == "else_clause")
    {
        return true;
    }
    let Some(body) = try_statement.field("body") else {
        return false;
    };
    // `for enc in encodings: try: return read(enc) except Exception:
    // continue`: the next attempt of a loop of fallbacks.
    if silence.continues
        && !silence.returns
        && plain_statements(body)
            .last()
            .is_some_and(|last| ends_in_return(*last))
        && python::ancestors(try_statement)
            .skip(1)
            .take_while(|n| !python::is_scope_boundary(n.kind()))
            .any(|n| matches!(n.kind(), "for_statement" | "while_statement"))
    {
        return true;
    }
    // `try: if message.guild.id not in enabled: return` / `except
    // Exception: return`: when the guard cannot even be evaluated, the
    // handler does what the guard does.
    if silence.returns && !silence.continues && is_return_guard(text, body) {
        return true;
    }
    if silence.continues || silence.returns {
        return false;
    }
    let statements: Vec<Node> = python::named_children(body)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .collect();
    if let [statement] = statements[..] {
        if assigns_defaulted_names(text, statement) {
            return true;
        }
    }
    // A value computed in nested `if`s over a fallback set before the try
    // (`name = code` … `try: if found: name = f"{code} - {found}"`).
    if statements.iter().all(|s| only_computes(*s))
        && statements.iter().any(|s| {
            assigned_names(*s).iter().any(|n| {
                python::assigned_before(text, *n)
                    .is_some_and(|value| value.end_byte() <= try_statement.start_byte())
            })
        })
    {
        return true;
    }
    statements.last().is_some_and(|last| ends_in_return(*last))
        && execution_continues(try_statement)
}

/// A `try` body that is one `if` (no `elif` / `else`) whose block only
/// returns nothing: a guard.
fn is_return_guard(text: &str, body: Node<'_>) -> bool {
    let [statement] = plain_statements(body)[..] else {
        return false;
    };
    if statement.kind() != "if_statement"
        || python::named_children(statement)
            .iter()
            .any(|c| matches!(c.kind(), "elif_clause" | "else_clause"))
    {
        return false;
    }
    let Some(block) = statement.field("consequence") else {
        return false;
    };
    let inner = plain_statements(block);
    !inner.is_empty()
        && inner.iter().all(|s| {
            s.kind() == "return_statement"
                && s.named_child(0)
                    .is_none_or(|v| python::text(text, v) == "None")
        })
}

/// `x = f()` / `a, b = f()` / `x += 1` where every assigned name was
/// assigned before, or is a parameter.
fn assigns_defaulted_names(text: &str, statement: Node<'_>) -> bool {
    let Some(assignment) = statement
        .named_child(0)
        .filter(|a| matches!(a.kind(), "assignment" | "augmented_assignment"))
    else {
        return false;
    };
    let Some(left) = assignment.field("left") else {
        return false;
    };
    if assignment.kind() == "augmented_assignment" {
        return true;
    }
    let names = match left.kind() {
        "identifier" => vec![left],
        "pattern_list" | "tuple_pattern" => python::named_children(left),
        _ => return false,
    };
    let parameters = python::enclosing_function(statement).and_then(|f| f.field("parameters"));
    names.iter().all(|n| {
        n.kind() == "identifier"
            && (python::assigned_before(text, *n).is_some()
                || parameters.is_some_and(|p| python::binds_name(text, p, python::text(text, *n))))
    })
}

/// Whether a statement ends by returning on success: `return ...`, a
/// `with` block that does, or an `if` whose branch does (`try: if
/// isinstance(v, float): return int(v)`, the function going on with its
/// fallback after the `try`).
fn ends_in_return(statement: Node<'_>) -> bool {
    let mut statement = statement;
    for _ in 0..16 {
        match statement.kind() {
            "return_statement" => return true,
            "if_statement" => {
                return python::named_children(statement)
                    .into_iter()
                    .filter_map(|c| match c.kind() {
                        "block" => Some(c),
                        "elif_clause" | "else_clause" => python::handler_body(c),
                        _ => None,
                    })
                    .any(|block| plain_statements(block).iter().any(|s| ends_in_return(*s)));
            }
            "with_statement" => {
                let Some(last) = statement.field("body").and_then(|b| {
                    python::named_children(b)
                        .into_iter()
                        .rfind(|s| s.kind() != "comment")
                }) else {
                    return false;
                };
                statement = last;
            }
            _ => return false,
        }
    }
    false
}

/// Whether, after `statement` falls through, its function runs something
/// else: a later statement at any level, or the next turn of a loop.
fn execution_continues(statement: Node<'_>) -> bool {
    for node in python::ancestors(statement) {
        if matches!(
            node.kind(),
            "function_definition" | "class_definition" | "module" | "lambda"
        ) {
            return false;
        }
        if matches!(node.kind(), "for_statement" | "while_statement") && node.id() != statement.id()
        {
            return true;
        }
        let in_block = node
            .parent()
            .is_some_and(|p| matches!(p.kind(), "block" | "module"));
        let mut next = node.next_named_sibling();
        while next.is_some_and(|n| n.kind() == "comment") {
            next = next.and_then(|n| n.next_named_sibling());
        }
        if in_block && next.is_some() {
            return true;
        }
    }
    false
}

/// The reason given when a per-item probe is marked in log mode.
const PER_ITEM_REASON: &str = "per-item conversion probe, bad items are skipped";

/// Callables (by last dotted component) that convert or parse one value.
const CONVERSIONS: [&str; 11] = [
    "int",
    "float",
    "complex",
    "Decimal",
    "fromisoformat",
    "strptime",
    "to_datetime",
    "isoparse",
    "parse_date",
    "parse_datetime",
    "UUID",
];

/// `for row in rows: try: d = datetime.fromisoformat(row["at"]) ...
/// except Exception: pass`: a `try` in a loop whose body (at most three
/// statements, `if`s allowed) converts a value, and a handler that only
/// passes or continues — a bad item is skipped on purpose, once per item.
/// A body that awaits does I/O: not a conversion probe.
fn is_per_item_probe(text: &str, try_statement: Node<'_>, silence: &Silence<'_>) -> bool {
    if silence.returns {
        return false;
    }
    let in_loop = python::ancestors(try_statement)
        .skip(1)
        .take_while(|n| !python::is_scope_boundary(n.kind()))
        .any(|n| matches!(n.kind(), "for_statement" | "while_statement"));
    let Some(body) = try_statement.field("body") else {
        return false;
    };
    let statements = plain_statements(body);
    if !in_loop
        || statements.len() > 3
        || !statements
            .iter()
            .all(|s| matches!(s.kind(), "expression_statement" | "if_statement"))
    {
        return false;
    }
    let mut converts = false;
    let mut awaits = false;
    python::walk_descendants(body, |n| {
        if python::is_scope_boundary(n.kind()) {
            return false;
        }
        // An awaited call is I/O (a message edit, a fetch), not the
        // conversion of a value, whatever `int(...)` sits next to it.
        awaits |= n.kind() == "await";
        if !converts && n.kind() == "call" {
            converts = n
                .field("function")
                .map(|f| python::text(text, f))
                .is_some_and(|f| CONVERSIONS.contains(&f.rsplit('.').next().unwrap_or(f)));
        }
        true
    });
    converts && !awaits
}

/// The failure branch of a function whose contract is "None on bad
/// input" (`parse_date_safe`, `safe_int`, `try_parse`): the handler
/// returns `None` (or falls through to a later `return`), and the name
/// says so.
fn is_safe_parser(text: &str, clause: Node<'_>, silence: &Silence<'_>) -> bool {
    if silence.continues {
        return false;
    }
    let Some(name) = python::enclosing_function(clause)
        .and_then(|f| f.field("name"))
        .map(|n| python::text(text, n).to_ascii_lowercase())
    else {
        return false;
    };
    let name = name.trim_start_matches('_');
    name.starts_with("try_")
        || name.starts_with("safe_")
        || name.ends_with("_safe")
        || name.contains("_safe_")
        || (silence.returns && is_conversion_helper(text, clause))
}

/// `def _gb(b): try: return f"{float(b) / 1024**3:.1f} GB" except
/// Exception: return None`: a function that is only a `try` returning
/// the conversion of a value, and `None` when it fails — the "None on bad
/// input" contract written in the code rather than in the name. Every
/// call in the returned value must be a conversion.
fn is_conversion_helper(text: &str, clause: Node<'_>) -> bool {
    let Some(try_statement) = clause.parent() else {
        return false;
    };
    let Some(function_body) = python::enclosing_function(clause).and_then(|f| f.field("body"))
    else {
        return false;
    };
    let statements = plain_statements(function_body);
    let is_docstring = |s: &Node<'_>| {
        s.kind() == "expression_statement" && s.named_child(0).is_some_and(|c| c.kind() == "string")
    };
    let rest: Vec<_> = statements.iter().filter(|s| !is_docstring(s)).collect();
    if rest.len() != 1 || rest[0].id() != try_statement.id() {
        return false;
    }
    let Some(body) = try_statement.field("body") else {
        return false;
    };
    let returned = plain_statements(body);
    let [only] = returned.as_slice() else {
        return false;
    };
    if only.kind() != "return_statement" {
        return false;
    }
    // Every call a conversion: `float(fetch(url))` may fail for another
    // reason than a bad value.
    let (mut conversions, mut others) = (0, 0);
    python::walk_descendants(*only, |n| {
        if python::is_scope_boundary(n.kind()) {
            return false;
        }
        if n.kind() == "call" {
            let converts = n
                .field("function")
                .map(|f| python::text(text, f))
                .is_some_and(|f| CONVERSIONS.contains(&f.rsplit('.').next().unwrap_or(f)));
            if converts {
                conversions += 1;
            } else {
                others += 1;
            }
        }
        true
    });
    conversions > 0 && others == 0
}

/// Whether a comment in the handler (on the `except` line, in its body, or
/// on the comment lines just above the `except`) says that ignoring the
/// error is deliberate (see [`python::comment_says_deliberate`]).
fn says_deliberate(cx: &Checker<'_>, clause: Node<'_>) -> bool {
    let mut from = line_start(cx.text, clause.start_byte());
    // Comment lines right above the `except` line.
    while from > 0 {
        let previous = line_start(cx.text, from - 1);
        if !cx.text[previous..from].trim_start().starts_with('#') {
            break;
        }
        from = previous;
    }
    let to = line_content_end(cx.text, clause.end_byte());
    cx.text[from..to].lines().any(|line| {
        line.find('#')
            .is_some_and(|at| python::comment_says_deliberate(&line[at..]))
    })
}

/// A `# nosec` or `# auditfix: ignore` (bare, or naming this codemod) in a
/// comment on any line of the handler.
fn is_marked(cx: &Checker<'_>, try_statement: Node<'_>, clause: Node<'_>) -> bool {
    let from = line_start(cx.text, clause.start_byte());
    let to = line_content_end(cx.text, clause.end_byte());
    let mut marked = false;
    python::walk_descendants(try_statement, |n| {
        if marked || n.end_byte() < from || n.start_byte() > to {
            return false;
        }
        if n.kind() == "comment" && is_marker(python::text(cx.text, n)) {
            marked = true;
        }
        true
    });
    marked
}

fn is_marker(comment: &str) -> bool {
    python::has_any_nosec(comment)
        || python::lint_suppressed(comment, &LINT_CODES)
        || python::auditfix_ignore_covers(comment, META.id)
}

/// Linter codes for a broad, bare or silent `except`: flake8-bandit /
/// ruff `S110`, `S112`, flake8-blind-except `BLE001`, pycodestyle `E722`,
/// bugbear `B001`; pylint `broad-except`, `broad-exception-caught`,
/// `bare-except` and their `W07xx` numbers.
const LINT_CODES: [&str; 11] = [
    "S110",
    "S112",
    "BLE001",
    "E722",
    "B001",
    "broad-except",
    "broad-exception-caught",
    "bare-except",
    "W0702",
    "W0703",
    "W0718",
];

/// The `:` that ends an `except` clause's header.
fn header_colon(clause: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = clause.walk();
    let colon = clause.children(&mut cursor).find(|c| c.kind() == ":");
    colon
}

/// End of the line containing `offset`, before its line ending.
fn line_content_end(text: &str, offset: usize) -> usize {
    let next = next_line_start(text, offset);
    let line = &text[offset.min(next)..next];
    next - (line.len() - line.trim_end_matches(['\n', '\r']).len())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
