//! # loop-failures-aggregate
//!
//! ## What it does
//! Finds `for` loops that run a destructive SQL statement — `DELETE`,
//! `DROP`, `TRUNCATE`, `UPDATE` — inside a `try` whose `except` only logs
//! (logging calls or `print`, optionally `continue` or `pass`), so that a
//! failed statement is reported and the loop, and then its caller, carry
//! on. The statement is a string literal, f-string, `%` / `+` / `.format`
//! expression, SQLAlchemy `text(...)` or psycopg `sql.SQL(...)` (or a
//! variable assigned one of these just before) passed to `execute`,
//! `executemany`, `executescript` or `exec_driver_sql` (DB-API, sqlite3,
//! psycopg, asyncpg, SQLAlchemy).
//!
//! The fix collects the failures in a fresh list created just before the
//! loop: each qualifying handler binds the exception (`as exc` if it did
//! not), logs at error level (a `warning` / `info` / `debug` call becomes
//! `error`), and appends `(item, exc)`; after the loop one `RuntimeError`
//! lists every failed item. The item is the loop variable; for `for a, b
//! in ...` it is the tuple `(a, b)`, for `for i, x in enumerate(...)` it is
//! `x`, and for `for key, value in d.items()` it is `key`.
//!
//! Left alone: loops with an `else:` or a `break` (their exit logic would
//! need rethinking), `try` blocks with any handler that does more than log
//! (re-raises, returns, cleans up), handlers for specific, expected
//! exceptions (a class whose name does not end in `Error` or `Exception`,
//! such as `UndefinedTable`), and loops whose `try` runs no destructive
//! statement.
//!
//! ## Why
//! A maintenance job that wipes tables one by one and only logs the tables
//! it could not wipe leaves the database half reset while the job reports
//! success — the next step (a new season, a re-import) then runs on mixed
//! data. Collecting the failures keeps the loop going (the other tables are
//! still processed, as before) but makes the job fail at the end, naming
//! every table that was not processed.
//!
//! ## Example
//! ```python
//! def wipe(conn, tables):
//!     for table in tables:
//!         try:
//!             conn.execute(f"DELETE FROM {table}")
//!         except Exception as e:
//!             logger.warning("could not clear %s: %s", table, e)
//! ```
//! becomes
//! ```python
//! def wipe(conn, tables):
//!     failures = []
//!     for table in tables:
//!         try:
//!             conn.execute(f"DELETE FROM {table}")
//!         except Exception as e:
//!             logger.error("could not clear %s: %s", table, e)
//!             failures.append((table, e))
//!     if failures:
//!         raise RuntimeError(
//!             f"DELETE failed for {len(failures)} item(s): "
//!             + "; ".join(f"{item!r}: {error!r}" for item, error in failures)
//!         )
//! ```
//!
//! ## Options
//! `[tool.auditfix.loop-failures-aggregate]`: `statements`, the SQL verbs
//! that count as destructive (default `["DELETE", "DROP", "TRUNCATE",
//! "UPDATE"]`).
//!
//! ## Fix safety
//! Safe when the only new behaviour is the raise after the loop, which
//! happens only when a destructive statement failed — the failure path the
//! audit is about: every item is still attempted, in the same order.
//! Unsafe (review: the raise or the new handler changes more) when the
//! function returns a value after the loop (callers that used the value
//! now get an exception), when the loop is in a generator (the consumer
//! may stop early, or get the error late), when the loop can `return`
//! early (failures collected before are then dropped), when a handler was
//! a bare `except:` (it becomes `except Exception as exc:`, which no
//! longer catches `KeyboardInterrupt` / `SystemExit`), and when the `try`
//! also runs code other than database and logging calls (its failures
//! now stop the job too). Report-only when the loop or a handler shares
//! its line with other code (`except Exception as e: log.error(e)`).
//!
//! ## How to validate
//! - Make one statement fail (a table that does not exist, a read-only
//!   connection) and run the changed function: every item is still attempted,
//!   each failure is logged at error level, and after the loop a `RuntimeError`
//!   names every failed item, where the function returned normally.
//! - Check the callers (a job runner, a command, a request handler): they now
//!   get the exception, and the next step (a new season, a re-import) must not
//!   run. Make sure none catches it broadly and carries on.
//! - Check transactions: when the loop runs inside `with conn:` (sqlite3),
//!   `transaction.atomic()` or a session that rolls back on error, the new
//!   exception also undoes the statements that succeeded. Decide whether that
//!   is wanted.
//! - For an unsafe fix, check what the message names: a value returned after
//!   the loop, a generator, an early `return`, a former bare `except:` (it no
//!   longer catches `KeyboardInterrupt`), or other code in the `try`.
//!
//! ## Tests to add
//! - Use a connection stub (or a test database) whose `execute` raises for one
//!   of three items, call the fixed function and expect `RuntimeError` naming
//!   that item; before the fix it returned normally.
//! - In the same test, assert that `execute` was called for all three items, in
//!   order: the loop still goes on after a failure, as before.
//! - Call it with items that all succeed and expect no exception and the same
//!   result as before.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};
use crate::source::{line_start, next_line_start};

pub struct LoopFailuresAggregate {
    statements: Vec<String>,
}

pub static META: Meta = Meta {
    id: "loop-failures-aggregate",
    category: "data-safety",
    priority: Priority::P1,
    fix: Applicability::Safe,
    summary: "destructive SQL in a loop whose failures are only logged",
};

/// Methods that run a SQL string.
const EXECUTE_METHODS: [&str; 4] = ["execute", "executemany", "executescript", "exec_driver_sql"];
/// Keyword names under which those methods take the statement.
const SQL_KEYWORDS: [&str; 5] = ["sql", "query", "statement", "operation", "sql_script"];
/// Calls a `try` body may make and stay "database work only".
const DB_CALLS: [&str; 16] = [
    "execute",
    "executemany",
    "executescript",
    "exec_driver_sql",
    "commit",
    "rollback",
    "cursor",
    "text",
    "SQL",
    "Identifier",
    "Literal",
    "format",
    "fetchone",
    "fetchall",
    "str",
    "len",
];

impl LoopFailuresAggregate {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let statements = options.string_list("statements")?.unwrap_or_else(|| {
            ["DELETE", "DROP", "TRUNCATE", "UPDATE"]
                .map(String::from)
                .to_vec()
        });
        let valid = |s: &String| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
        if statements.is_empty() || !statements.iter().all(valid) {
            return Err(options.error("statements", "expected a non-empty list of SQL verbs"));
        }
        Ok(Self {
            statements: statements.iter().map(|s| s.to_ascii_uppercase()).collect(),
        })
    }
}

impl Codemod for LoopFailuresAggregate {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["for_statement"]
    }

    fn triggers(&self) -> Vec<String> {
        self.statements
            .iter()
            .flat_map(|s| [s.clone(), s.to_ascii_lowercase()])
            .collect()
    }

    fn check(&self, for_loop: Node<'_>, cx: &mut Checker<'_>) {
        if for_loop.field("alternative").is_some() {
            return;
        }
        let (Some(body), Some(target)) = (for_loop.field("body"), for_loop.field("left")) else {
            return;
        };
        let Some(shape) = LoopShape::of(body) else {
            return; // `break`
        };
        let guarded: Vec<Guarded> = shape
            .tries
            .iter()
            .filter_map(|t| self.guarded(cx.text, *t))
            .collect();
        if guarded.is_empty() {
            return;
        }
        let mut verbs: Vec<&str> = Vec::new();
        for verb in guarded.iter().flat_map(|g| g.verbs.iter()) {
            if !verbs.contains(&verb.as_str()) {
                verbs.push(verb);
            }
        }
        let verbs = verbs.join("/");
        let mut message =
            format!("`{verbs}` failures in this loop are only logged: the caller carries on after a partial change");
        let header_end = colon_before(for_loop, body).unwrap_or(body.start_byte());
        let header = TextRange::new(for_loop.start_byte(), header_end);
        let fix = match self.fix(cx, for_loop, target, &guarded, &verbs) {
            Ok(edits) => {
                let mut unsafe_because = Vec::new();
                if let Some(function) = python::enclosing_function(for_loop) {
                    if python::is_generator(function) {
                        unsafe_because.push("the loop is in a generator");
                    }
                    if returns_value_after(function, for_loop) {
                        unsafe_because.push("the function returns a value after the loop");
                    }
                }
                if shape.returns {
                    unsafe_because.push("the loop can return early");
                }
                if guarded.iter().any(|g| g.bare) {
                    unsafe_because.push("a bare `except:` becomes `except Exception`");
                }
                if guarded.iter().any(|g| g.other_work) {
                    unsafe_because.push("the `try` also runs other code");
                }
                if unsafe_because.is_empty() {
                    Fix::safe(edits)
                } else {
                    message.push_str(&format!(" (unsafe fix: {})", unsafe_because.join("; ")));
                    Fix::unsafe_(edits)
                }
            }
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(header, message, Some(fix));
    }
}

/// What the loop body holds, nested loops and scopes left out.
struct LoopShape<'n> {
    tries: Vec<Node<'n>>,
    returns: bool,
}

impl<'n> LoopShape<'n> {
    /// `None` when the loop has a `break`.
    fn of(body: Node<'n>) -> Option<Self> {
        let mut shape = LoopShape {
            tries: Vec::new(),
            returns: false,
        };
        let mut breaks = false;
        python::walk_descendants(body, |n| {
            if n.id() != body.id()
                && (python::is_scope_boundary(n.kind())
                    || matches!(n.kind(), "for_statement" | "while_statement"))
            {
                return false;
            }
            match n.kind() {
                "break_statement" => breaks = true,
                "return_statement" => shape.returns = true,
                "try_statement" => shape.tries.push(n),
                _ => {}
            }
            true
        });
        (!breaks).then_some(shape)
    }
}

/// A `try` that runs destructive SQL and whose handlers only log.
struct Guarded<'n> {
    verbs: Vec<String>,
    /// The handlers whose failures are collected.
    handlers: Vec<Handler<'n>>,
    bare: bool,
    other_work: bool,
}

struct Handler<'n> {
    clause: Node<'n>,
    logs: Vec<Node<'n>>,
    passes: Vec<Node<'n>>,
}

impl LoopFailuresAggregate {
    fn guarded<'n>(&self, text: &str, try_statement: Node<'n>) -> Option<Guarded<'n>> {
        let body = try_statement.field("body")?;
        let mut verbs: Vec<String> = Vec::new();
        let mut other_work = false;
        python::walk_descendants(body, |n| {
            if python::is_scope_boundary(n.kind()) {
                return false;
            }
            if n.kind() == "call" {
                if let Some(verb) = self.destructive_verb(text, n) {
                    if !verbs.contains(&verb) {
                        verbs.push(verb);
                    }
                }
                if !is_db_or_log_call(text, n) {
                    other_work = true;
                }
            }
            true
        });
        if verbs.is_empty() {
            return None;
        }
        let mut handlers = Vec::new();
        let mut bare = false;
        for clause in python::named_children(try_statement)
            .into_iter()
            .filter(|c| c.kind() == "except_clause")
        {
            let python::OnlyLogs { logs, passes } =
                python::only_logs(text, python::handler_body(clause)?, true)?;
            let caught = python::handler_type(clause);
            if caught.is_some_and(|class| !is_failure_class(text, class)) {
                continue; // an expected condition, e.g. `except UndefinedTable:`
            }
            bare |= caught.is_none();
            handlers.push(Handler {
                clause,
                logs,
                passes,
            });
        }
        (!handlers.is_empty()).then_some(Guarded {
            verbs,
            handlers,
            bare,
            other_work,
        })
    }

    /// The destructive verb of the SQL a call executes, if it is one.
    fn destructive_verb(&self, text: &str, call: Node<'_>) -> Option<String> {
        let (_, method) = python::call_target(text, call)?;
        if !EXECUTE_METHODS.contains(&method) {
            return None;
        }
        let args = Arguments::of(text, call);
        let statement = args
            .positional
            .first()
            .copied()
            .or_else(|| SQL_KEYWORDS.iter().find_map(|k| args.keyword(k)))?;
        let sql = sql_prefix(text, statement)?;
        let segments: Vec<&str> = if method == "executescript" {
            sql.split(';').collect()
        } else {
            vec![sql.as_str()]
        };
        segments.iter().find_map(|segment| {
            let verb = first_sql_word(segment)?.to_ascii_uppercase();
            self.statements.contains(&verb).then_some(verb)
        })
    }

    fn fix(
        &self,
        cx: &Checker<'_>,
        for_loop: Node<'_>,
        target: Node<'_>,
        guarded: &[Guarded<'_>],
        verbs: &str,
    ) -> Result<Vec<Edit>, &'static str> {
        let q = cx.stylist.quote;
        let scope = edit::scope_of(cx, for_loop);
        let list = edit::fresh_name(cx, scope, "failures");
        let item = item_expression(cx.text, target, for_loop.field("right"));
        let (before, indent) =
            edit::before_statement(cx, for_loop).ok_or("the loop shares its line")?;
        let (after, after_indent, prefix) =
            edit::after_statement(cx, for_loop).ok_or("code follows the loop on its line")?;
        let mut edits = vec![Edit::insertion(
            before,
            cx.stylist.render_block(&format!("{list} = []"), indent),
        )];
        let raise = format!(
            "if {list}:\n    raise RuntimeError(\n        f{q}{verbs} failed for {{len({list})}} item(s): {q}\n        + {q}; {q}.join(f{q}{{item!r}}: {{error!r}}{q} for item, error in {list})\n    )"
        );
        edits.push(Edit::insertion(
            after,
            format!("{prefix}{}", cx.stylist.render_block(&raise, after_indent)),
        ));
        for handler in guarded.iter().flat_map(|g| g.handlers.iter()) {
            let exc = match python::handler_binding(handler.clause) {
                Some(name) => python::text(cx.text, name).to_owned(),
                None => {
                    let name = edit::fresh_name(cx, scope, "exc");
                    match python::handler_type(handler.clause) {
                        Some(class) => {
                            edits.push(Edit::insertion(class.end_byte(), format!(" as {name}")));
                        }
                        None => {
                            let keyword = handler
                                .clause
                                .child(0)
                                .filter(|k| k.kind() == "except")
                                .ok_or("unexpected `except` clause")?;
                            edits.push(Edit::insertion(
                                keyword.end_byte(),
                                format!(" Exception as {name}"),
                            ));
                        }
                    }
                    name
                }
            };
            for log in &handler.logs {
                if let Some(method) = python::low_level_log_method(cx.text, *log) {
                    edits.push(Edit::replacement(method.byte_range().into(), "error"));
                }
            }
            let last_log = handler
                .logs
                .last()
                .and_then(|call| python::enclosing_statement(*call))
                .ok_or("unexpected handler")?;
            let (at, log_indent, log_prefix) = edit::after_statement(cx, last_log)
                .ok_or("the handler shares a line with other code")?;
            edits.push(Edit::insertion(
                at,
                format!(
                    "{log_prefix}{}",
                    cx.stylist
                        .render_block(&format!("{list}.append(({item}, {exc}))"), log_indent)
                ),
            ));
            for pass in &handler.passes {
                let start = line_start(cx.text, pass.start_byte());
                let end = next_line_start(cx.text, pass.end_byte());
                if cx.text[start..end].trim() == "pass" {
                    edits.push(Edit::deletion(TextRange::new(start, end)));
                }
            }
        }
        Ok(edits)
    }
}

/// Whether an `except` class list catches failures in general: `Exception`,
/// `BaseException`, or classes named `...Error` / `...Exception`.
fn is_failure_class(text: &str, class: Node<'_>) -> bool {
    let class = python::unparenthesize(class);
    let classes = match class.kind() {
        "tuple" => python::named_children(class),
        _ => vec![class],
    };
    classes.iter().any(|c| {
        let name = python::text(text, *c);
        let last = name.rsplit('.').next().unwrap_or(name);
        last.ends_with("Error") || last.ends_with("Exception")
    })
}

/// Whether a call in a `try` body is database or logging work.
fn is_db_or_log_call(text: &str, call: Node<'_>) -> bool {
    if python::is_log_or_print_call(text, call) {
        return true;
    }
    match python::call_target(text, call) {
        Some((_, name)) => DB_CALLS.contains(&name),
        None => false,
    }
}

/// What identifies a loop's item: the loop variable, the value of an
/// `enumerate`, the key of `.items()`, or the whole unpacked tuple.
fn item_expression(text: &str, target: Node<'_>, iterable: Option<Node<'_>>) -> String {
    let parts: Vec<Node> = match target.kind() {
        "pattern_list" | "tuple_pattern" | "list_pattern" => python::named_children(target)
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .collect(),
        _ => return one_line(python::text(text, target)),
    };
    let called = iterable
        .filter(|i| i.kind() == "call")
        .and_then(|call| python::call_target(text, call));
    if parts.len() == 2 {
        match called {
            Some((None, "enumerate")) => return one_line(python::text(text, parts[1])),
            Some((Some(_), "items")) => return one_line(python::text(text, parts[0])),
            _ => {}
        }
    }
    let joined: Vec<String> = parts
        .iter()
        .map(|p| one_line(python::text(text, *p)))
        .collect();
    format!("({})", joined.join(", "))
}

/// The literal text a SQL expression starts with: the string itself, the
/// part of an f-string before its first `{}`, the left side of `+` / `%`,
/// the template of `.format(...)`, `text(...)`, `sql.SQL(...)`, or the
/// value assigned to a variable just before.
fn sql_prefix(text: &str, node: Node<'_>) -> Option<String> {
    let mut node = node;
    for _ in 0..8 {
        node = python::unparenthesize(node);
        match node.kind() {
            "string" => return Some(string_prefix(text, node)),
            "concatenated_string" => node = node.named_child(0)?,
            "binary_operator" => {
                let operator = python::text(text, node.field("operator")?);
                if !matches!(operator, "+" | "%") {
                    return None;
                }
                node = node.field("left")?;
            }
            "call" => {
                let (receiver, name) = python::call_target(text, node)?;
                node = match (receiver, name) {
                    (Some(template), "format") => template,
                    (_, "text" | "SQL") => *Arguments::of(text, node).positional.first()?,
                    _ => return None,
                };
            }
            "identifier" => node = python::assigned_before(text, node)?,
            _ => return None,
        }
    }
    None
}

/// The literal start of a string (up to the first interpolation).
fn string_prefix(text: &str, string: Node<'_>) -> String {
    let mut out = String::new();
    for child in python::named_children(string) {
        match child.kind() {
            "string_content" | "escape_sequence" => out.push_str(python::text(text, child)),
            "interpolation" => break,
            _ => {}
        }
    }
    out
}

/// The first word of a SQL text, after whitespace, `--` comments and `(`.
fn first_sql_word(sql: &str) -> Option<&str> {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
            continue;
        }
        if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
            continue;
        }
        break;
    }
    let word: &str = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    (!word.is_empty()).then_some(word)
}

/// Whether `function` has a `return <value>` after `node` (in its own scope).
fn returns_value_after(function: Node<'_>, node: Node<'_>) -> bool {
    let mut found = false;
    let Some(body) = function.field("body") else {
        return false;
    };
    python::walk_descendants(body, |n| {
        if found || python::is_scope_boundary(n.kind()) {
            return false;
        }
        if n.kind() == "return_statement"
            && n.start_byte() >= node.end_byte()
            && n.named_child(0).is_some_and(|v| v.kind() != "none")
        {
            found = true;
        }
        true
    });
    found
}

/// The `:` ending the `for` header.
fn colon_before(for_loop: Node<'_>, body: Node<'_>) -> Option<usize> {
    let mut cursor = for_loop.walk();
    let colon = for_loop
        .children(&mut cursor)
        .filter(|c| c.kind() == ":" && c.end_byte() <= body.start_byte())
        .last()
        .map(|c| c.end_byte());
    colon
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
