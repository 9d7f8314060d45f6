//! # log-exception-context
//!
//! ## What it does
//! Finds log calls at warning level or above — `logger.warning(...)`,
//! `.error(...)`, `.critical(...)`, `.log(logging.ERROR, ...)` — inside an
//! `except ... as e:` block whose message formats the caught exception
//! (`f"... {e}"`, `"... %s", e`, `str(e)`, `"...".format(e)`,
//! `"..." + str(e)`) but which pass no `exc_info`: the log shows the
//! exception's text and loses its traceback. The fix keeps the message and
//! adds `exc_info=True`.
//!
//! The receiver must look like a logger: `logging`, `logger`, `log`,
//! `LOGGER`, `_logger`, `self.logger`, `app.logger`, names ending in
//! `_log` / `_logger` / `Logger`, `logging.getLogger(...)`. The message
//! may also be a name assigned from the exception earlier in the handler
//! (`err_str = "... %s" % (err,)` then `logger.error(err_str)`); reading
//! an attribute that is not the exception's text (`e.new_chat_id`,
//! `e.response.status_code`) does not count.
//!
//! Left alone:
//! - calls that already pass `exc_info` or `stack_info` (or `**kwargs`),
//!   `logger.exception(...)`, calls outside an `except` block or in a
//!   function defined inside it, and calls inside an inner handler that
//!   the formatted exception does not belong to;
//! - handlers that already keep the traceback: `traceback.format_exc()` /
//!   `print_exc()` / `format_exception(...)` / `sys.exc_info()` anywhere in
//!   the handler (interpolated in the message or logged by a sibling
//!   call), another call with `exc_info` or `.exception(...)`, loguru's
//!   `.opt(exception=...)`;
//! - handlers that raise again at their top level — `raise`, `raise e`,
//!   `raise X from e`, `raise X(e)`, `raise RuntimeError(...)` of a
//!   built-in class: the traceback travels with the exception (a
//!   project's exception raised without `from`, like `raise
//!   ApiKeyCreateFail(...)`, and `from None` still count as lost);
//! - expected failures: a handler catching only bad-input exceptions
//!   (`ValueError`, `UnicodeDecodeError`, `binascii.Error`,
//!   `JSONDecodeError`, `KeyError`…) around at most three plain statements
//!   (`try: return int(v)`), and a warning in a handler only for expected
//!   conditions a service answers with (`except RetryAfter as e:`,
//!   `except (BadRequest, Forbidden) as e:`, `except JWTError`), and a
//!   warning from a `try` inside a `finally:` (cleanup) or inside another
//!   handler (the next attempt of a fallback chain).
//!
//! ## Why
//! `failed: connection reset` says what went wrong, not where. Without the
//! traceback, finding the failing line means reproducing the failure;
//! audits ask error logs in exception handlers to carry it.
//!
//! ## Example
//! ```python
//! import logging
//!
//! logger = logging.getLogger(__name__)
//!
//! try:
//!     sync_roles(guild)
//! except DiscordException as e:
//!     logger.error(f"role sync failed for {guild.id}: {e}")
//! ```
//! becomes
//! ```python
//! import logging
//!
//! logger = logging.getLogger(__name__)
//!
//! try:
//!     sync_roles(guild)
//! except DiscordException as e:
//!     logger.error(f"role sync failed for {guild.id}: {e}", exc_info=True)
//! ```
//!
//! ## Options
//! `[tool.auditfix.log-exception-context]`: `levels`, the levels whose
//! calls are checked (default `["warning", "error", "critical"]`; also
//! `"info"` and `"debug"`).
//!
//! ## Fix safety
//! Safe: the same record is logged, now with the traceback attached; the
//! program's behaviour does not change. The fix is only made when the
//! receiver is seen to be a `logging` logger (`python::logger_kind`): the
//! `logging` module, a name or `self.<attribute>` bound to
//! `getLogger(...)` / `getChild(...)` / `get_logger(...)` /
//! `get_task_logger(...)` / `structlog.get_logger(...)` /
//! `logging.LoggerAdapter(...)`, a module-level logger imported from
//! another module, or Flask's `current_app.logger` / `app.logger`.
//! Report-only, with the reason, otherwise: an instance of a project class
//! (`self._logger = Logger()`, whose `warn(self, msg)` would fail with a
//! `TypeError`), a logger whose origin is not visible (a parameter, an
//! attribute set elsewhere), and loguru, whose methods treat extra keyword
//! arguments as format values (there, `logger.opt(exception=e)` is the
//! way).
//!
//! ## How to validate
//! - Make the code in the `try` fail (mock the call to raise) and read the log:
//!   the same message is now followed by `Traceback (most recent call last):`
//!   and the failing line, where only the exception's text was shown.
//! - Check that the handlers and formatters used in production (a JSON
//!   formatter, Sentry or another log shipper) put the traceback in the right
//!   field.
//! - For a warning in a retry loop or a per-item loop, check the log volume:
//!   every occurrence now carries a full traceback.
//!
//! ## Tests to add
//! - Make the call inside the `try` raise, call the fixed function under
//!   `caplog` and assert that the record's `exc_info` holds that exception;
//!   before the fix `exc_info` was `None`.
//! - In the same test, assert that `record.getMessage()` and `record.levelname`
//!   are what they were before the fix.
//! - Call it without a failure and expect no record, as before.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Edit, Fix};
use crate::python::{self, Arguments};
use crate::source::{line_indent, line_start, next_line_start};

pub struct LogExceptionContext {
    levels: Vec<String>,
}

pub static META: Meta = Meta {
    id: "log-exception-context",
    category: "observability",
    priority: Priority::P3,
    fix: Applicability::Safe,
    summary: "exception logged in an except block without its traceback",
};

const LEVELS: [&str; 5] = ["debug", "info", "warning", "error", "critical"];

impl LogExceptionContext {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let levels = options
            .string_list("levels")?
            .unwrap_or_else(|| ["warning", "error", "critical"].map(String::from).to_vec());
        if levels.is_empty() || !levels.iter().all(|l| LEVELS.contains(&l.as_str())) {
            return Err(options.error(
                "levels",
                format!("expected a non-empty list of {}", LEVELS.join(", ")),
            ));
        }
        Ok(Self { levels })
    }

    /// The level a log call logs at, by method name or, for `.log(...)`,
    /// by its first argument (`logging.ERROR`, `ERROR`, `40`).
    fn level_of(&self, text: &str, method: &str, args: &Arguments<'_>) -> Option<&'static str> {
        let level = match method {
            "warning" | "warn" => "warning",
            "error" => "error",
            "critical" | "fatal" => "critical",
            "info" => "info",
            "debug" => "debug",
            "log" => {
                let first = python::text(text, *args.positional.first()?);
                match first.rsplit('.').next().unwrap_or(first) {
                    "WARNING" | "WARN" | "30" => "warning",
                    "ERROR" | "40" => "error",
                    "CRITICAL" | "FATAL" | "50" => "critical",
                    "INFO" | "20" => "info",
                    "DEBUG" | "10" => "debug",
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.levels.iter().any(|l| l == level).then_some(level)
    }
}

impl Codemod for LogExceptionContext {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["except".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some(method) = python::log_call_method(cx.text, call) else {
            return;
        };
        let args = Arguments::of(cx.text, call);
        if args.has_splat
            || args.keyword("exc_info").is_some()
            || args.keyword("stack_info").is_some()
        {
            return;
        }
        let Some(level) = self.level_of(cx.text, method, &args) else {
            return;
        };
        let Some(handler) = python::enclosing_handler(call) else {
            return;
        };
        let Some(bound) = python::handler_binding(handler) else {
            return;
        };
        let name = python::text(cx.text, bound);
        let message_args = if method == "log" {
            args.positional.get(1..).unwrap_or_default()
        } else {
            &args.positional[..]
        };
        if !message_args
            .iter()
            .any(|arg| formats_caught(cx.text, handler, *arg, name))
        {
            return;
        }
        if python::handler_records_traceback(cx.text, cx.import_bindings(), handler)
            || python::handler_reraises(cx.text, handler)
            || is_expected_failure(cx.text, handler)
            || expected_warning(cx.text, handler, level)
            || (level == "warning" && in_cleanup_or_fallback(handler))
        {
            return;
        }
        let Some(last) = args.list.and_then(|list| {
            python::named_children(list)
                .into_iter()
                .rfind(|c| c.kind() != "comment")
        }) else {
            return;
        };
        let receiver = call
            .field("function")
            .map_or("", |f| python::text(cx.text, f));
        let mut message =
            format!("`{receiver}(...)` logs the caught exception `{name}` without its traceback");
        let kind = call
            .field("function")
            .and_then(|f| f.field("object"))
            .map_or(python::LoggerKind::Unknown, |r| {
                python::logger_kind(cx.text, cx.root, r)
            });
        let refused = match kind {
            _ if uses_loguru(cx) => Some(LOGURU.to_owned()),
            python::LoggerKind::Loguru => Some(LOGURU.to_owned()),
            python::LoggerKind::Stdlib => None,
            python::LoggerKind::ProjectClass(class) => Some(format!(
                "`{receiver}` is the project's own `{class}`, whose methods may not take \
                 `exc_info`"
            )),
            python::LoggerKind::Unknown => Some(format!(
                "nothing shows that `{receiver}` is a `logging` logger, whose methods take \
                 `exc_info`"
            )),
        };
        let fix = match refused {
            Some(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
            None => {
                let mut edits = add_keyword(cx, last, "exc_info=True");
                // The method name is "rewritten" as itself: a fix of another
                // codemod to the same call (backup-failure-raises raising
                // `warning` to `error` and adding a `raise`) then overlaps
                // and goes first, and this call is checked again on its
                // result — the same outcome as running the codemods one
                // after the other (branch mode).
                if let Some(name) = call.field("function").and_then(|f| f.field("attribute")) {
                    edits.push(Edit::replacement(
                        name.byte_range().into(),
                        python::text(cx.text, name),
                    ));
                }
                Fix::safe(edits)
            }
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

const LOGURU: &str = "loguru takes `logger.opt(exception=...)`, not `exc_info`";

/// Exceptions that signal bad input rather than a bug: a handler catching
/// only these around a few plain statements expects them.
const EXPECTED: [&str; 8] = [
    "ValueError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "binascii.Error",
    "JSONDecodeError",
    "InvalidOperation",
    "KeyError",
];

/// Whether the message argument `arg` formats the caught exception `name`:
/// directly (`f"... {e}"`, `str(e)`, `e.args`), or through a name assigned
/// from it earlier in the handler (`msg = "... %s" % (e,)` then
/// `logger.error(msg)`).
fn formats_caught(text: &str, handler: Node<'_>, arg: Node<'_>, name: &str) -> bool {
    if python::formats_exception(text, arg, name) {
        return true;
    }
    let arg = python::unparenthesize(arg);
    if arg.kind() != "identifier" {
        return false;
    }
    python::assigned_before(text, arg).is_some_and(|value| {
        value.start_byte() >= handler.start_byte()
            && value.end_byte() <= handler.end_byte()
            && python::formats_exception(text, value, name)
    })
}

/// A handler that catches only bad-input exceptions (see [`EXPECTED`])
/// around at most three plain statements (`try: return int(v)` / `except
/// ValueError as e:`): the failure is an expected outcome whose message
/// says it all, not a bug whose traceback matters.
fn is_expected_failure(text: &str, handler: Node<'_>) -> bool {
    if !python::handler_catches_only(text, handler, &EXPECTED) {
        return false;
    }
    let Some(body) = handler
        .parent()
        .filter(|t| t.kind() == "try_statement")
        .and_then(|t| t.field("body"))
    else {
        return false;
    };
    let statements: Vec<Node> = python::named_children(body)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .collect();
    statements.len() <= 3
        && statements.iter().all(|s| {
            matches!(
                s.kind(),
                "expression_statement" | "return_statement" | "pass_statement"
            )
        })
}

/// A warning in a handler only for expected conditions: a library's
/// answer that the request cannot be served now or as asked (`except
/// RetryAfter as e:`, `except (BadRequest, Forbidden) as e:`, `except
/// JWTError`, see [`python::is_expected_condition`]) or bad input (see
/// [`EXPECTED`]). The author expects that failure and chose to note it,
/// not to debug it; base classes (`sqlite3.Error`) and failures of work
/// (`CalledProcessError`, `OSError`) are not expected conditions.
fn expected_warning(text: &str, handler: Node<'_>, level: &str) -> bool {
    if level != "warning" {
        return false;
    }
    let Some(caught) = python::handler_type(handler).map(python::unparenthesize) else {
        return false;
    };
    let classes = match caught.kind() {
        "tuple" => python::named_children(caught),
        _ => vec![caught],
    };
    classes.iter().all(|class| {
        let written = python::text(text, *class);
        let last = written.rsplit('.').next().unwrap_or(written);
        EXPECTED.contains(&written)
            || EXPECTED.contains(&last)
            || python::is_expected_condition(last)
    })
}

/// Whether the `try` of `handler` runs in a `finally:` (cleanup: `try:
/// conn.close()`) or in another handler (the next attempt of a fallback
/// chain): a warning there notes a secondary failure, whose traceback is
/// noise next to the first one.
fn in_cleanup_or_fallback(handler: Node<'_>) -> bool {
    let Some(try_statement) = handler.parent().filter(|t| t.kind() == "try_statement") else {
        return false;
    };
    python::ancestors(try_statement)
        .skip(1)
        .take_while(|n| !python::is_scope_boundary(n.kind()))
        .any(|n| matches!(n.kind(), "finally_clause" | "except_clause"))
}

/// Add a keyword argument after the call's last argument `last`: on a
/// line of its own when the arguments are written one per line,
/// otherwise as `, name=value` right after it.
fn add_keyword(cx: &Checker<'_>, last: Node<'_>, keyword: &str) -> Vec<Edit> {
    let line_begin = line_start(cx.text, last.start_byte());
    let one_per_line = cx.text[line_begin..last.start_byte()].trim().is_empty()
        && last
            .parent()
            .is_some_and(|list| list.end_position().row > last.end_position().row);
    if !one_per_line {
        return vec![Edit::insertion(last.end_byte(), format!(", {keyword}"))];
    }
    let comma = last.next_sibling().filter(|n| n.kind() == ",");
    let after = comma.map_or(last.end_byte(), |c| c.end_byte());
    let line_end = line_content_end(cx.text, after);
    let indent = line_indent(cx.text, last.start_byte());
    // A trailing comma only where the arguments had one.
    let trailing = if comma.is_some() { "," } else { "" };
    let new_line = format!("{}{indent}{keyword}{trailing}", cx.stylist.eol());
    match comma {
        Some(_) => vec![Edit::insertion(line_end, new_line)],
        None if line_end == last.end_byte() => {
            vec![Edit::insertion(line_end, format!(",{new_line}"))]
        }
        // `last  # comment`: the comma after the argument, the keyword
        // after the comment.
        None => vec![
            Edit::insertion(last.end_byte(), ","),
            Edit::insertion(line_end, new_line),
        ],
    }
}

/// End of the line containing `offset`, before its line ending.
fn line_content_end(text: &str, offset: usize) -> usize {
    let next = next_line_start(text, offset);
    let line = &text[offset.min(next)..next];
    next - (line.len() - line.trim_end_matches(['\n', '\r']).len())
}

/// Whether the module imports from loguru.
fn uses_loguru(cx: &Checker<'_>) -> bool {
    cx.memo(("uses_loguru", ""), || {
        python::module_statements(cx.root).into_iter().any(|s| {
            s.kind() == "import_from_statement"
                && s.field("module_name")
                    .is_some_and(|m| python::text(cx.text, m) == "loguru")
        })
    })
}
