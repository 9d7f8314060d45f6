//! # fetchone-null-guard
//!
//! ## What it does
//! Finds one-row database fetches — `fetchone()` (DB-API: sqlite3, psycopg,
//! MySQLdb), `fetchrow()` (asyncpg) and `fetch_one()` (the `databases`
//! library and similar adapters) — whose result is used as if a row always
//! came back:
//!
//! - directly: `dict(cur.fetchone())`, `cur.fetchone()[0]`,
//!   `cur.fetchone()["k"]`, `cur.fetchone().name`, `a, b = cur.fetchone()`,
//!   `(await db.fetch_one(q))[0]`;
//! - through a variable: `row = cur.fetchone()` followed by `row[...]`,
//!   `row.x`, `dict(row)`, `a, b = row` or `*row` with no None check in
//!   between.
//!
//! A check anywhere before the use silences it: `if row is None`, `if not
//! row`, `if row:` (the use inside the branch), `row or default`, `row and
//! row[0]`, `x if row else y`, `assert row`, and a check of the cursor's
//! `rowcount` since its last `execute` (`if not cur.rowcount: return`, the
//! fetch inside `elif cur.rowcount == 1:`). So does a surrounding `try`
//! whose handler expects the failure: one that names `TypeError` or
//! `AttributeError`, or one that raises (re-raises or wraps). A broad
//! handler that carries on (`except Exception: print(...); return {}`)
//! does not: the missing row then becomes an empty result and a vague
//! `'NoneType'` message, so the finding is kept and says so.
//!
//! Queries that always return one row are left alone: `SELECT` without a
//! `FROM` (`SELECT EXISTS(...)`, `SELECT CASE WHEN EXISTS(...) ... END`,
//! `SELECT 1`), `SELECT` of aggregates only with no top-level `GROUP BY`,
//! `HAVING`, `UNION`, `LIMIT` or `OFFSET` (a subquery may have them), and
//! the single-value SQLite `PRAGMA`s read without `=` (`PRAGMA
//! user_version`). The query is found in a string, an f-string, a `%` /
//! `+` / `.format` template, a list of lines or `" ".join([...])` of them.
//!
//! `if c.fetchone() is not None: x = c.fetchone()[0]` fetches twice: the
//! condition consumed the row, and the second fetch gets the next one. It
//! is reported without a fix (a guard on the second fetch would fire on the
//! normal path): keep the first row in a variable.
//!
//! A row guaranteed by the code before the fetch, in the same function, is
//! left alone:
//! - an `INSERT [OR IGNORE] INTO t (k, ...) VALUES (?, ...)` (also with `ON
//!   CONFLICT ... DO NOTHING`) run unconditionally, when the fetch reads
//!   `FROM t WHERE k = ?` with the same argument;
//! - an early exit `if not [await] exists(m): return` (or `raise`) on a
//!   module-level function of this module or imported from a project
//!   module (`from utils import exists`), whose body fetches a row and
//!   returns a true value only when it is not None (`if row is not None:
//!   return True`, `return cur.fetchone() is not None`), when its query
//!   reads the same table with every condition of the fetch, bound to the
//!   same arguments once its parameters are replaced by the call's
//!   (`event.user_id` in `exists(event)` is `m.user_id` for `exists(m)`).
//!
//! Both queries must be plain `SELECT ... FROM t WHERE a = ? AND b = ?`
//! (`?`, `%s` or `$n`). When such a guard reads the same table by another
//! key, or its body or either key cannot be read, the finding stays with an
//! unsafe fix and names the guard (`` `exists()` on line 4 may guarantee
//! the row ``). A row the program guarantees further away (a caller that
//! checked the same key, a settings row inserted at startup for every
//! server) cannot be seen from the fetch: such findings stay, and the guard
//! only documents the assumption.
//!
//! ## Why
//! These methods return `None` when the query matched nothing. The code then
//! fails far from the cause with `TypeError: 'NoneType' object is not
//! subscriptable`, or — worse — a caller catches that broad error and goes on
//! with wrong data. An explicit check names the query that came back empty.
//!
//! ## Example
//! ```python
//! def get_balance(cur, user_id):
//!     cur.execute("SELECT balance FROM wallets WHERE user_id = ?", (user_id,))
//!     return cur.fetchone()[0]
//! ```
//! becomes
//! ```python
//! def get_balance(cur, user_id):
//!     cur.execute("SELECT balance FROM wallets WHERE user_id = ?", (user_id,))
//!     row = cur.fetchone()
//!     if row is None:
//!         raise LookupError("get_balance: fetchone() returned no row")
//!     return row[0]
//! ```
//! and `row = cur.fetchone()` followed by an unchecked `row[0]` gets the
//! same two-line guard right after the assignment.
//!
//! ## Options
//! `[tool.auditfix.fetchone-null-guard]`:
//! - `methods`: the one-row fetch methods (default
//!   `["fetchone", "fetchrow", "fetch_one"]`);
//! - `default`: a Python expression to use instead of raising when no row
//!   came back (e.g. `"{}"`); the guard becomes `row = <default>`.
//!
//! ## Fix safety
//! Safe when behaviour only changes where the original would have crashed:
//! the fetch is hoisted into its own statement just before the one that
//! used it, and nothing in that statement ran before the fetch. Unsafe when
//! hoisting moves the fetch before other calls of the same statement, or
//! when the unchecked use sits in a branch or loop (raising right after the
//! assignment also raises on paths that never used the row), and when an
//! earlier guard may guarantee the row (see above). Report-only
//! when the fetch cannot be hoisted: inside a lambda, comprehension,
//! conditional expression, the right side of `and`/`or`, a `while` or
//! `elif` condition, an `assert`, or a statement that shares its line.
//!
//! ## How to validate
//! - Run the changed function with a key that is not in the table: it now
//!   raises `LookupError` naming the function and the fetch method, where it
//!   raised `TypeError: 'NoneType' object is not subscriptable` (or
//!   `AttributeError` for `row.name`). With the `default` option it goes on
//!   with that value instead.
//! - Check the callers that caught `TypeError` or expected `None`:
//!   `LookupError` is neither, so they now see the error. Turn it into the
//!   intended outcome (a 404, `None`, a skip) where a missing row is normal.
//! - For an unsafe fix, check what the message names: a use in a branch or loop
//!   (the new `raise` must not fire on a path that never read the row), a fetch
//!   now run before other calls of its statement, or an earlier guard that may
//!   already guarantee the row.
//! - Run it with a key that exists: the result is the same as before.
//!
//! ## Tests to add
//! - Call the fixed function with a key that is not in the table (an empty
//!   in-memory SQLite database is enough for sqlite3) and expect `LookupError`;
//!   before the fix it raised `TypeError` or `AttributeError`.
//! - Call it with a key that exists and expect the same value as before the
//!   fix.
//! - With `default` configured, call it with a missing key and expect that
//!   value (for example `{}`); before the fix it raised `TypeError`.
//! - For a caller of the changed function that handles a missing record, call
//!   it with a missing key and expect its intended outcome; before the fix it
//!   got a `TypeError`.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};
use crate::source::{line_indent, reindent};

pub struct FetchoneNullGuard {
    methods: Vec<String>,
    default: Option<String>,
}

pub static META: Meta = Meta {
    id: "fetchone-null-guard",
    category: "reliability",
    priority: Priority::P1,
    fix: Applicability::Safe,
    summary: "one-row fetch used without a None check",
};

/// The exceptions a use of a missing row raises (`None[0]`, `None.x`),
/// with their base classes: a handler for one of them runs.
const RAISED_AS: [&str; 4] = ["TypeError", "AttributeError", "Exception", "BaseException"];
/// Handlers that expect a missing row: they name its error.
const EXPECTS_NONE: [&str; 2] = ["TypeError", "AttributeError"];

/// Calls that fail on None when given the row.
const CONSUMERS: [&str; 5] = ["dict", "list", "tuple", "set", "sorted"];

impl FetchoneNullGuard {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let methods = options
            .string_list("methods")?
            .unwrap_or_else(|| vec!["fetchone".into(), "fetchrow".into(), "fetch_one".into()]);
        if methods.is_empty() || methods.iter().any(|m| !is_identifier(m)) {
            return Err(options.error("methods", "expected a non-empty list of method names"));
        }
        let default = options.string("default")?;
        if let Some(expr) = &default {
            let probe = format!("x = ({expr})\n");
            if crate::parse::parse(&probe).root_node().has_error() {
                return Err(
                    options.error("default", format!("`{expr}` is not a Python expression"))
                );
            }
        }
        Ok(Self { methods, default })
    }
}

impl Codemod for FetchoneNullGuard {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        self.methods.clone()
    }

    /// Guard functions imported from other modules (`from utils import
    /// exists`) are read from the project pass.
    fn uses_project(&self) -> bool {
        true
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((Some(_receiver), method)) = python::call_target(cx.text, call) else {
            return;
        };
        if !self.methods.iter().any(|m| m == method) {
            return;
        }
        let value = match python::parent_skipping_parens(call) {
            Some(parent) if parent.kind() == "await" => parent,
            _ => call,
        };
        let Some(user) = python::parent_skipping_parens(value) else {
            return;
        };
        if query_of(cx.text, call).is_some_and(|sql| always_one_row(&sql)) {
            cx.leave_alone("the query always returns a row (an aggregate, a PRAGMA, no FROM)");
            return;
        }
        if rowcount_checked(cx.text, call) {
            cx.leave_alone("the row count is checked first");
            return;
        }
        let note = match self.guarantee(cx, call) {
            Guarantee::Proven => {
                cx.leave_alone(
                    "a check, guard or insert of the same key before it guarantees the row",
                );
                return;
            }
            Guarantee::Possible(note) => Some(note),
            Guarantee::Unknown => None,
        };
        let note = note.as_deref();
        if let Some(name) = assigned_name(cx.text, user, value) {
            let first = earlier_fetch(cx.text, call, method);
            self.check_named(cx, method, value, user, name, first, note);
        } else if let Some(use_kind) = direct_use(cx.text, user, value) {
            if let Some(first) = earlier_fetch(cx.text, call, method) {
                let message = format!(
                    "`{method}()` can return None, and {use_kind} would then fail: the `{method}()` on line {} already consumed the row, so this second fetch gets the next one (None for a one-row result); keep the first row in a variable (no automatic fix: a guard here would fire on the normal path)",
                    first.start_position().row + 1
                );
                cx.report(
                    value.byte_range(),
                    message,
                    Some(Fix::new(Vec::new(), Applicability::ReportOnly)),
                );
                return;
            }
            self.check_direct(cx, method, value, use_kind, note);
        }
    }
}

impl FetchoneNullGuard {
    /// `dict(c.fetchone())`, `c.fetchone()[0]`, `a, b = c.fetchone()` …
    fn check_direct(
        &self,
        cx: &mut Checker<'_>,
        method: &str,
        value: Node<'_>,
        use_kind: &str,
        guard: Option<&str>,
    ) {
        let swallowed = match surrounding_try(cx.text, value) {
            Surrounding::Expected => return,
            Surrounding::Swallowed(clause) => Some(clause),
            Surrounding::Unhandled => None,
        };
        let mut message = format!(
            "`{method}()` can return None, and {use_kind} would then fail: check for a missing row"
        );
        if let Some(clause) = swallowed {
            message.push_str(&swallowed_note(clause));
        }
        if let Some(note) = guard {
            message.push_str(note);
        }
        let fix = match self.hoist_fix(cx, method, value) {
            Ok(mut fix) if swallowed.is_some() || guard.is_some() => {
                fix.applicability = fix.applicability.min(Applicability::Unsafe);
                fix
            }
            Ok(fix) => fix,
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(value.byte_range(), message, Some(fix));
    }

    /// `row = c.fetchone()` then an unchecked use of `row`.
    #[allow(clippy::too_many_arguments)] // one finding's facts, each used once
    fn check_named(
        &self,
        cx: &mut Checker<'_>,
        method: &str,
        value: Node<'_>,
        assignment: Node<'_>,
        name: &str,
        earlier: Option<Node<'_>>,
        guard: Option<&str>,
    ) {
        let Some(statement) = assignment
            .parent()
            .filter(|p| p.kind() == "expression_statement")
        else {
            return;
        };
        let Some((use_node, conditional)) = first_unchecked_use(cx.text, statement, name) else {
            return;
        };
        let swallowed = match surrounding_try(cx.text, use_node) {
            Surrounding::Expected => return,
            Surrounding::Swallowed(clause) => Some(clause),
            Surrounding::Unhandled => None,
        };
        if let Some(first) = earlier {
            let message = format!(
                "`{name}` from `{method}()` (line {}) may be None here: the `{method}()` on line {} already consumed the row, so this second fetch gets the next one (None for a one-row result); keep the first row in a variable (no automatic fix: a guard here would fire on the normal path)",
                statement.start_position().row + 1,
                first.start_position().row + 1
            );
            cx.report(
                use_node.byte_range(),
                message,
                Some(Fix::new(Vec::new(), Applicability::ReportOnly)),
            );
            return;
        }
        let mut message = format!(
            "`{name}` from `{method}()` (line {}) may be None here: check for a missing row first",
            statement.start_position().row + 1
        );
        if let Some(clause) = swallowed {
            message.push_str(&swallowed_note(clause));
        }
        if let Some(note) = guard {
            message.push_str(note);
        }
        let applicability = if conditional || swallowed.is_some() || guard.is_some() {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let fix = match edit::after_statement(cx, statement) {
            Some((at, indent, prefix)) => {
                let guard = self.guard(cx, name, method, value);
                let text = format!("{prefix}{}", cx.stylist.render_block(&guard, indent));
                Fix::new(vec![Edit::insertion(at, text)], applicability)
            }
            None => {
                message.push_str(
                    " (no automatic fix: the assignment shares its line with other code)",
                );
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(use_node.byte_range(), message, Some(fix));
    }

    /// The `if row is None:` block as a template (see `source` module docs).
    fn guard(&self, cx: &Checker<'_>, name: &str, method: &str, value: Node<'_>) -> String {
        let consequence = match &self.default {
            Some(default) => format!("{name} = {default}"),
            None => {
                let context =
                    python::enclosing_function_name(cx.text, value).unwrap_or("module level");
                let message = cx
                    .stylist
                    .string_literal(&format!("{context}: {method}() returned no row"));
                format!("raise LookupError({message})")
            }
        };
        format!("if {name} is None:\n    {consequence}")
    }

    /// Hoist `value` into a fresh variable before its statement, guard it,
    /// and use the variable in its place.
    fn hoist_fix(
        &self,
        cx: &Checker<'_>,
        method: &str,
        value: Node<'_>,
    ) -> Result<Fix, &'static str> {
        let (statement, at, indent) = edit::hoist_point(cx, value)?;
        // Replace the parentheses around the value too: `(await f())[0]` → `row[0]`.
        let mut replaced = value;
        while let Some(parent) = replaced
            .parent()
            .filter(|p| p.kind() == "parenthesized_expression")
        {
            replaced = parent;
        }
        let value_text = python::text(cx.text, value);
        let hoisted = if !value_text.contains('\n') {
            value_text.to_owned()
        } else if has_multiline_string(value) {
            // Lines of a string are data: keep the parentheses and the text.
            python::text(cx.text, replaced).to_owned()
        } else {
            // Continuation lines follow the value to its new line; any
            // parentheses stay, as the value may rely on them to span lines.
            let from = line_indent(cx.text, replaced.start_byte());
            reindent(python::text(cx.text, replaced), from, indent)
        };
        let name = edit::fresh_name(cx, edit::scope_of(cx, value), "row");
        // The value may span lines: render the template around a placeholder
        // and put the original text back verbatim.
        let template = format!("{name} = \u{0}\n{}", self.guard(cx, &name, method, value));
        let block = cx
            .stylist
            .render_block(&template, indent)
            .replacen('\u{0}', &hoisted, 1);
        let applicability = if runs_calls_before(statement, value) {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        Ok(Fix::new(
            vec![
                Edit::insertion(at, block),
                Edit::replacement(TextRange::from(replaced.byte_range()), name),
            ],
            applicability,
        ))
    }
}

/// Methods that run a query on their receiver (cursor or connection).
const EXECUTE_METHODS: [&str; 4] = ["execute", "execute_sql", "exec_driver_sql", "executescript"];

/// The source text of the SQL behind a fetch, when visible: the fetch's own
/// query argument (asyncpg, `databases`), the `execute(...)` it is chained
/// on, or the nearest earlier `cur.execute(...)` / `cur = x.execute(...)` of
/// the same cursor variable.
fn query_of(text: &str, call: Node<'_>) -> Option<String> {
    let args = Arguments::of(text, call);
    if let Some(query) = args
        .positional
        .first()
        .copied()
        .or_else(|| args.keyword("query"))
    {
        return sql_text(text, query);
    }
    let (Some(receiver), _) = python::call_target(text, call)? else {
        return None;
    };
    let receiver = python::unparenthesize(receiver);
    match receiver.kind() {
        "call" => first_argument_sql(text, receiver),
        "identifier" => {
            let cursor = python::text(text, receiver);
            python::statements_before(call).find_map(|statement| {
                if statement.kind() != "expression_statement" {
                    return None;
                }
                let mut expr = statement.named_child(0)?;
                if expr.kind() == "await" {
                    expr = expr.named_child(0)?;
                }
                match expr.kind() {
                    "call" => {
                        let (Some(target), method) = python::call_target(text, expr)? else {
                            return None;
                        };
                        (python::text(text, target) == cursor && EXECUTE_METHODS.contains(&method))
                            .then(|| first_argument_sql(text, expr))
                            .flatten()
                    }
                    "assignment" => {
                        let left = expr.field("left")?;
                        if python::text(text, left) != cursor {
                            return None;
                        }
                        let mut right = python::unparenthesize(expr.field("right")?);
                        if right.kind() == "await" {
                            right = right.named_child(0)?;
                        }
                        (right.kind() == "call")
                            .then(|| first_argument_sql(text, right))
                            .flatten()
                    }
                    _ => None,
                }
            })
        }
        _ => None,
    }
}

fn first_argument_sql(text: &str, call: Node<'_>) -> Option<String> {
    let args = Arguments::of(text, call);
    sql_text(text, *args.positional.first()?)
}

/// The literal text of a query expression: a string (also implicitly
/// concatenated or an f-string), the literal left of `%` / `+` /
/// `.format(...)`, or a variable assigned one of those.
fn sql_text(text: &str, node: Node<'_>) -> Option<String> {
    // A loop, not recursion: `"a" + b + c + …` nests as deep as it is long.
    let mut node = python::unparenthesize(node);
    loop {
        node = match node.kind() {
            "string" | "concatenated_string" => return Some(python::text(text, node).to_owned()),
            // Lines of a query joined by the caller or a wrapper (`"
            // ".join([...])`, isso's `db.execute([...])`).
            "list" | "tuple" => return joined_lines(text, node),
            "binary_operator" => node.field("left")?,
            "call" => match python::call_target(text, node)? {
                (Some(object), "format") => object,
                (Some(separator), "join")
                    if python::unparenthesize(separator).kind() == "string" =>
                {
                    let args = Arguments::of(text, node);
                    let [lines] = args.positional.as_slice() else {
                        return None;
                    };
                    return joined_lines(text, python::unparenthesize(*lines));
                }
                _ => return None,
            },
            "identifier" => {
                let value = python::assigned_before(text, node)?;
                if value.kind() == "identifier" {
                    return None;
                }
                value
            }
            _ => return None,
        };
        node = python::unparenthesize(node);
    }
}

/// The plain string items of a list or tuple, joined by spaces (None if
/// any item is something else).
fn joined_lines(text: &str, list: Node<'_>) -> Option<String> {
    if !matches!(list.kind(), "list" | "tuple") {
        return None;
    }
    let lines = python::named_children(list)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .map(|item| python::string_value(text, item))
        .collect::<Option<Vec<&str>>>()?;
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// Aggregates that return one row over any number of input rows.
const AGGREGATES: [&str; 13] = [
    "COUNT",
    "SUM",
    "MIN",
    "MAX",
    "AVG",
    "TOTAL",
    "GROUP_CONCAT",
    "STRING_AGG",
    "ARRAY_AGG",
    "JSON_AGG",
    "BOOL_AND",
    "BOOL_OR",
    "EVERY",
];

/// Whether a query always yields a row: `SELECT` without `FROM`
/// (`SELECT 1`, `SELECT version()`), or a `SELECT` whose columns are all
/// aggregates (optionally inside `COALESCE` / `IFNULL`), with no `GROUP
/// BY`, `HAVING`, `UNION`, `LIMIT` or `OFFSET` that could remove the row.
fn always_one_row(sql: &str) -> bool {
    let upper = sql.to_uppercase();
    let body = upper.trim_start_matches(|c: char| "RFBU'\"( \t\r\n\\".contains(c));
    if is_value_pragma(body) {
        return true;
    }
    let Some(after) = body.strip_prefix("SELECT") else {
        return false;
    };
    // Clauses of a subquery (`FROM (SELECT ... GROUP BY ...) x`,
    // `EXISTS(... LIMIT 1)`) do not remove the outer row.
    let words = top_level_words(after);
    let has = |w: &str| words.contains(&w);
    if has("GROUP")
        || has("HAVING")
        || has("UNION")
        || has("LIMIT")
        || has("OFFSET")
        || has("FETCH")
    {
        return false;
    }
    let columns = match top_level_from(after) {
        None => return true,
        Some(at) => {
            // Oracle's one-row table.
            let source: Vec<&str> = after[at + 4..].split_whitespace().collect();
            if source == ["DUAL"] || source == ["DUAL'"] || source == ["DUAL\""] {
                return true;
            }
            &after[..at]
        }
    };
    split_top_level(columns).into_iter().all(|column| {
        let column = column.trim();
        let name = |s: &str| s.split('(').next().unwrap_or("").trim().to_owned();
        let outer = name(column);
        if AGGREGATES.contains(&outer.as_str()) {
            return true;
        }
        if outer == "COALESCE" || outer == "IFNULL" {
            let inner = column.split_once('(').map_or("", |(_, rest)| rest);
            return AGGREGATES.contains(&name(inner).as_str());
        }
        false
    })
}

/// Byte offset of the first ` FROM ` outside parentheses.
fn top_level_from(sql: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let mut depth = 0i32;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            // Bytes, not `sql[i..]`: `i` may fall inside a multi-byte
            // character (found by fuzzing).
            _ if depth == 0 && bytes[i..].starts_with(b"FROM") => {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + 4);
                let boundary =
                    |c: Option<&u8>| c.is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
                if boundary(before.as_ref()) && boundary(after) {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split on commas outside parentheses.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// Whether a string literal inside `node` spans lines.
fn has_multiline_string(node: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        if n.kind() == "string" && n.start_position().row != n.end_position().row {
            found = true;
        }
        !found
    });
    found
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `name` when `user` is `name = value` (or `name: T = value`).
fn assigned_name<'t>(text: &'t str, user: Node<'_>, value: Node<'_>) -> Option<&'t str> {
    if user.kind() != "assignment" {
        return None;
    }
    let right = python::unparenthesize(user.field("right")?);
    let left = user.field("left")?;
    (right.id() == value.id() && left.kind() == "identifier").then(|| python::text(text, left))
}

/// How `user` consumes `value` in a way that fails on None, if it does.
fn direct_use(text: &str, user: Node<'_>, value: Node<'_>) -> Option<&'static str> {
    let is_value = |field: &str| {
        user.field(field)
            .map(python::unparenthesize)
            .is_some_and(|n| n.id() == value.id())
    };
    match user.kind() {
        "subscript" if is_value("value") => Some("indexing it"),
        "attribute" if is_value("object") => Some("reading an attribute of it"),
        "assignment" if is_value("right") => {
            let left = user.field("left")?;
            matches!(
                left.kind(),
                "pattern_list" | "tuple_pattern" | "list_pattern"
            )
            .then_some("unpacking it")
        }
        "argument_list" => {
            let call = user.parent()?;
            let args = Arguments::of(text, call);
            let (None, function) = python::call_target(text, call)? else {
                return None;
            };
            (CONSUMERS.contains(&function)
                && args.positional.len() == 1
                && args.keywords.is_empty())
            .then_some("converting it")
        }
        "list_splat" | "dictionary_splat" => Some("unpacking it"),
        _ => None,
    }
}

/// Whether some call or await of `statement` runs before `value` (so that
/// hoisting `value` would reorder side effects). Calls in an assignment's
/// target run after the right side and do not count.
fn runs_calls_before(statement: Node<'_>, value: Node<'_>) -> bool {
    let target = statement
        .named_child(0)
        .filter(|n| n.kind() == "assignment" || n.kind() == "augmented_assignment")
        .and_then(|a| a.field("left"));
    let mut found = false;
    python::walk_descendants(statement, |node| {
        if found || node.start_byte() >= value.start_byte() {
            return false;
        }
        if target.is_some_and(|t| t.id() == node.id()) {
            return false;
        }
        let ends_before = node.end_byte() <= value.start_byte();
        if matches!(node.kind(), "call" | "await") && ends_before {
            found = true;
        }
        true
    });
    found
}

/// What following code does with `name`, per piece of code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    /// The name is tested (None check, truthiness, `and`/`or`, assert…).
    Checked,
    /// The name is rebound.
    Reassigned,
    /// The name is used in a way that fails on None.
    Used,
}

/// The first use of `name` that fails on None, among the statements that
/// run after `statement` (following siblings; then, through `with` and
/// `try` bodies, the statements after those), before any check or
/// reassignment. Also says whether that use is conditional (in a branch or
/// loop body relative to the assignment).
fn first_unchecked_use<'n>(
    text: &str,
    statement: Node<'n>,
    name: &str,
) -> Option<(Node<'n>, bool)> {
    enum Item<'n> {
        Unit(Node<'n>, bool),
        Statement(Node<'n>, bool),
        Block(Node<'n>, bool),
    }
    // Statements that run after the assignment, outermost last.
    let mut stack: Vec<Item<'n>> = Vec::new();
    let mut current = statement;
    let mut levels = Vec::new();
    loop {
        let siblings: Vec<Node<'n>> =
            std::iter::successors(current.next_named_sibling(), |n| n.next_named_sibling())
                .collect();
        levels.push(siblings);
        let Some(block) = current.parent().filter(|p| p.kind() == "block") else {
            break;
        };
        let Some(owner) = block.parent() else {
            break;
        };
        let passes_through = match owner.kind() {
            "with_statement" => true,
            "try_statement" => owner.field("body").map(|b| b.id()) == Some(block.id()),
            _ => false,
        };
        if !passes_through {
            break;
        }
        current = owner;
    }
    for siblings in levels.into_iter().rev() {
        for sibling in siblings.into_iter().rev() {
            stack.push(Item::Statement(sibling, false));
        }
    }
    while let Some(item) = stack.pop() {
        match item {
            Item::Unit(node, conditional) => match scan_unit(text, node, name) {
                Some((Event::Used, used)) => {
                    return Some((used, conditional));
                }
                Some(_) => return None,
                None => {}
            },
            Item::Block(block, conditional) => {
                for child in python::named_children(block).into_iter().rev() {
                    stack.push(Item::Statement(child, conditional));
                }
            }
            Item::Statement(node, conditional) => {
                let kind = node.kind();
                if matches!(
                    kind,
                    "function_definition" | "class_definition" | "decorated_definition" | "comment"
                ) {
                    continue;
                }
                if kind == "match_statement" {
                    // Too many ways to test a value: mention of the name ends the scan.
                    if python::identifiers_in(text, node).contains(&name) {
                        return None;
                    }
                    continue;
                }
                let branches = matches!(
                    kind,
                    "if_statement"
                        | "elif_clause"
                        | "else_clause"
                        | "for_statement"
                        | "while_statement"
                        | "except_clause"
                        | "except_group_clause"
                );
                let children = python::named_children(node);
                let has_block = children.iter().any(|c| c.kind() == "block");
                if !has_block && !is_clause(kind) {
                    // A simple statement: one unit.
                    stack.push(Item::Unit(node, conditional));
                    continue;
                }
                for child in children.into_iter().rev() {
                    match child.kind() {
                        "block" => stack.push(Item::Block(child, conditional || branches)),
                        "comment" => {}
                        k if is_clause(k) => {
                            stack.push(Item::Statement(child, conditional || branches))
                        }
                        _ => stack.push(Item::Unit(child, conditional)),
                    }
                }
            }
        }
    }
    None
}

fn is_clause(kind: &str) -> bool {
    matches!(
        kind,
        "elif_clause"
            | "else_clause"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "case_clause"
    )
}

/// The decisive event for `name` inside one piece of code: a check anywhere
/// in it wins (so `x[0] if x else None` counts as checked), then a failing
/// use, then a reassignment.
fn scan_unit<'n>(text: &str, unit: Node<'n>, name: &str) -> Option<(Event, Node<'n>)> {
    let mut checked = None;
    let mut used = None;
    let mut reassigned = None;
    python::walk_descendants(unit, |node| {
        if matches!(
            node.kind(),
            "lambda" | "function_definition" | "class_definition"
        ) {
            return false;
        }
        if node.kind() == "identifier" && python::text(text, node) == name {
            match classify(text, node) {
                Some(Event::Checked) => checked = checked.or(Some(node)),
                Some(Event::Used) => used = used.or(Some(node)),
                Some(Event::Reassigned) => reassigned = reassigned.or(Some(node)),
                None => {}
            }
        }
        true
    });
    checked
        .map(|n| (Event::Checked, n))
        .or(used.map(|n| (Event::Used, use_site(n))))
        .or(reassigned.map(|n| (Event::Reassigned, n)))
}

/// The expression that fails (`row[0]` rather than `row`), for the report.
fn use_site(identifier: Node<'_>) -> Node<'_> {
    match python::parent_skipping_parens(identifier) {
        Some(p)
            if matches!(
                p.kind(),
                "subscript" | "attribute" | "list_splat" | "dictionary_splat"
            ) =>
        {
            p
        }
        Some(p) if p.kind() == "argument_list" => p.parent().unwrap_or(identifier),
        _ => identifier,
    }
}

/// What an occurrence of the tracked name means.
fn classify(text: &str, identifier: Node<'_>) -> Option<Event> {
    let node = identifier;
    let parent = python::parent_skipping_parens(node)?;
    let field_is = |field: &str| {
        parent
            .field(field)
            .map(python::unparenthesize)
            .is_some_and(|n| n.id() == node.id())
    };
    match parent.kind() {
        "not_operator" | "boolean_operator" => Some(Event::Checked),
        "comparison_operator" => {
            let mentions_none = python::named_children(parent)
                .iter()
                .any(|c| c.kind() == "none");
            mentions_none.then_some(Event::Checked)
        }
        "if_statement" | "elif_clause" | "while_statement" if field_is("condition") => {
            Some(Event::Checked)
        }
        "conditional_expression" => {
            // `a if cond else b`: the condition is the second named child.
            let condition = parent.named_child(1).map(python::unparenthesize);
            condition
                .is_some_and(|c| c.id() == node.id())
                .then_some(Event::Checked)
        }
        "assert_statement" => Some(Event::Checked),
        "subscript" if field_is("value") => Some(Event::Used),
        "attribute" if field_is("object") => Some(Event::Used),
        "list_splat" | "dictionary_splat" => Some(Event::Used),
        "argument_list" => {
            let call = parent.parent()?;
            let (receiver, function) = python::call_target(text, call)?;
            // `self.assertIsNotNone(row)`, `assertEqual(row, ...)`: a test
            // assertion fails on a missing row before any use.
            if function.starts_with("assert") {
                return Some(Event::Checked);
            }
            if receiver.is_some() {
                return None;
            }
            if matches!(function, "bool" | "isinstance" | "len") {
                return Some(Event::Checked);
            }
            let args = Arguments::of(text, call);
            (CONSUMERS.contains(&function) && args.positional.len() == 1).then_some(Event::Used)
        }
        "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
            if field_is("left") {
                return Some(Event::Reassigned);
            }
            if parent.kind() == "assignment" && field_is("right") {
                let left = parent.field("left")?;
                return matches!(
                    left.kind(),
                    "pattern_list" | "tuple_pattern" | "list_pattern"
                )
                .then_some(Event::Used);
            }
            (parent.kind() == "for_statement" && field_is("right")).then_some(Event::Used)
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "as_pattern_target" => {
            Some(Event::Reassigned)
        }
        "named_expression" if field_is("name") => Some(Event::Reassigned),
        _ => None,
    }
}

/// What a `try` around a use of the row does when the row is missing.
#[derive(Clone, Copy)]
enum Surrounding<'n> {
    /// No handler in the function catches the failure.
    Unhandled,
    /// The handler expects it: it names `TypeError` / `AttributeError`, or
    /// it raises (the failure still stops the caller).
    Expected,
    /// A broad handler (`except Exception:`, bare `except:`) that carries
    /// on: a missing row becomes whatever it returns, with a vague
    /// `'NoneType' object is not subscriptable` at best in the log.
    Swallowed(Node<'n>),
}

fn surrounding_try<'n>(text: &str, node: Node<'n>) -> Surrounding<'n> {
    let Some(clause) = python::handler_for(text, node, &RAISED_AS) else {
        return Surrounding::Unhandled;
    };
    let bare = python::handler_type(clause).is_none();
    if (!bare && python::handler_catches(text, clause, &EXPECTS_NONE))
        || python::handler_raises(clause)
    {
        return Surrounding::Expected;
    }
    Surrounding::Swallowed(clause)
}

/// The message's note on a broad handler that swallows the failure.
fn swallowed_note(clause: Node<'_>) -> String {
    format!(
        "; the broad handler on line {} would turn a missing row into a vague `'NoneType'` error and carry on (fix unsafe: the handler now receives a LookupError naming the query)",
        clause.start_position().row + 1
    )
}

/// Whether the cursor's `rowcount` was checked before the fetch: the fetch
/// runs inside `if cur.rowcount:` / `elif cur.rowcount == 1:`, or after an
/// `if not cur.rowcount: return` (any `if` on it since the last
/// `execute`).
fn rowcount_checked(text: &str, call: Node<'_>) -> bool {
    let Some((Some(receiver), _)) = python::call_target(text, call) else {
        return false;
    };
    let Some(cursor) = python::dotted_name(text, python::unparenthesize(receiver)) else {
        return false;
    };
    let rowcount = format!("{cursor}.rowcount");
    let mentions = |condition: Option<Node<'_>>| {
        condition.is_some_and(|c| python::text(text, c).contains(&rowcount))
    };
    for ancestor in python::ancestors(call).skip(1) {
        if python::is_scope_boundary(ancestor.kind()) {
            break;
        }
        if ancestor.kind() == "block" {
            let owner = ancestor.parent();
            let in_branch = owner.is_some_and(|o| {
                matches!(o.kind(), "if_statement" | "elif_clause")
                    && o.field("consequence").map(|c| c.id()) == Some(ancestor.id())
            });
            if in_branch && mentions(owner.and_then(|o| o.field("condition"))) {
                return true;
            }
        }
    }
    for statement in python::statements_before(call) {
        if statement.kind() == "if_statement" {
            if mentions(statement.field("condition")) {
                return true;
            }
            continue;
        }
        if runs_query_on(text, statement, &cursor) {
            return false;
        }
    }
    false
}

/// Whether a statement calls `cursor.execute(...)` (or another query method).
fn runs_query_on(text: &str, statement: Node<'_>, cursor: &str) -> bool {
    let mut found = false;
    python::walk_descendants(statement, |node| {
        if found {
            return false;
        }
        if node.kind() == "call" {
            if let Some((Some(target), method)) = python::call_target(text, node) {
                found = EXECUTE_METHODS.contains(&method) && python::text(text, target) == cursor;
            }
        }
        !found
    });
    found
}

/// An earlier `cursor.<method>()` of the same cursor in the condition of
/// an `if` around the fetch (`if c.fetchone() is not None:
/// c.fetchone()[0]`): the condition consumed the row.
fn earlier_fetch<'n>(text: &str, call: Node<'n>, method: &str) -> Option<Node<'n>> {
    let (Some(receiver), _) = python::call_target(text, call)? else {
        return None;
    };
    let cursor = python::dotted_name(text, python::unparenthesize(receiver))?;
    let fetch_in = |node: Node<'n>| {
        let mut found = None;
        python::walk_descendants(node, |n| {
            if found.is_some() || python::is_scope_boundary(n.kind()) {
                return false;
            }
            if n.kind() == "call" && n.id() != call.id() {
                if let Some((Some(target), m)) = python::call_target(text, n) {
                    if m == method && python::text(text, target) == cursor {
                        found = Some(n);
                    }
                }
            }
            found.is_none()
        });
        found
    };
    for ancestor in python::ancestors(call).skip(1) {
        if python::is_scope_boundary(ancestor.kind()) {
            break;
        }
        if ancestor.kind() == "block" {
            let owner = ancestor.parent()?;
            if matches!(owner.kind(), "if_statement" | "elif_clause")
                && owner.field("consequence").map(|c| c.id()) == Some(ancestor.id())
            {
                if let Some(found) = owner.field("condition").and_then(fetch_in) {
                    return Some(found);
                }
            }
        }
    }
    // A fetch in an earlier statement may read the next row on purpose
    // (`first = cur.fetchone(); second = cur.fetchone()`): not counted.
    None
}

/// What the code before a fetch says about its row.
enum Guarantee {
    /// Nothing seen.
    Unknown,
    /// The row provably exists: an earlier INSERT of the same key, or an
    /// early exit on a project function that fetched the same row.
    Proven,
    /// An early exit on a project function may guarantee the row, but the
    /// match cannot be proven: the note for the message.
    Possible(String),
}

/// A query's table and its `column = placeholder` conditions, each with
/// the source text of its bound argument (spaces removed).
struct RowKey {
    table: String,
    conditions: Vec<(String, String)>,
}

/// The call whose first argument is the query behind a fetch: the fetch
/// itself when it takes the query (asyncpg, `databases`), the `execute(...)`
/// it is chained on, or the nearest earlier `cur.execute(...)` / `cur =
/// x.execute(...)` of the same cursor variable.
fn query_call<'n>(text: &str, call: Node<'n>) -> Option<Node<'n>> {
    let args = Arguments::of(text, call);
    if !args.positional.is_empty() || args.keyword("query").is_some() {
        return Some(call);
    }
    let (Some(receiver), _) = python::call_target(text, call)? else {
        return None;
    };
    let receiver = python::unparenthesize(receiver);
    match receiver.kind() {
        "call" => Some(receiver),
        "identifier" => {
            let cursor = python::text(text, receiver);
            python::statements_before(call).find_map(|statement| {
                let expr = statement_call(statement)?;
                let parent = python::parent_skipping_parens(expr)?;
                let assigned = if parent.kind() == "await" {
                    python::parent_skipping_parens(parent)?
                } else {
                    parent
                };
                if assigned.kind() == "assignment" {
                    let left = assigned.field("left")?;
                    return (python::text(text, left) == cursor).then_some(expr);
                }
                let (Some(target), method) = python::call_target(text, expr)? else {
                    return None;
                };
                (python::text(text, target) == cursor && EXECUTE_METHODS.contains(&method))
                    .then_some(expr)
            })
        }
        _ => None,
    }
}

/// The call an expression statement runs: `f(...)`, `await f(...)`,
/// `x = f(...)`, `x = await f(...)`.
fn statement_call(statement: Node<'_>) -> Option<Node<'_>> {
    if statement.kind() != "expression_statement" {
        return None;
    }
    let mut expr = statement.named_child(0)?;
    if expr.kind() == "assignment" {
        expr = python::unparenthesize(expr.field("right")?);
    }
    if expr.kind() == "await" {
        expr = python::unparenthesize(expr.named_child(0)?);
    }
    (expr.kind() == "call").then_some(expr)
}

/// The bound arguments of a query call, in order: after the query, one
/// tuple or list of them, or each one (asyncpg's `fetchrow(q, a, b)`).
fn query_params(text: &str, call: Node<'_>) -> Vec<String> {
    let args = Arguments::of(text, call);
    let rest: Vec<Node<'_>> = args.positional.iter().skip(1).copied().collect();
    let items = match rest.as_slice() {
        [one] if matches!(python::unparenthesize(*one).kind(), "tuple" | "list") => {
            python::named_children(python::unparenthesize(*one))
        }
        _ => rest,
    };
    items
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .map(|n| compact(python::text(text, n)))
        .collect()
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The tokens of a query's source text (quotes, whitespace and string
/// prefixes dropped), upper-cased; None when a part is not literal
/// (`{...}` of an f-string, `%(name)s`).
fn sql_tokens(sql: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect::<String>().to_uppercase());
            continue;
        }
        match c {
            '{' | '}' => return None,
            '$' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                tokens.push(chars[start..i].iter().collect());
                continue;
            }
            '%' if chars.get(i + 1).is_some_and(|n| *n == 's' || *n == 'S') => {
                tokens.push("?".into());
                i += 2;
                continue;
            }
            '%' | ':' => return None,
            '?' | '=' | '(' | ')' | ',' | '.' | '<' | '>' | '!' | '*' | '+' | '-' | '|' => {
                tokens.push(c.to_string())
            }
            _ => {}
        }
        i += 1;
    }
    // `f"..."`, `r'...'`: a prefix before the first keyword.
    while tokens.first().is_some_and(|t| {
        matches!(
            t.as_str(),
            "F" | "R" | "B" | "U" | "RB" | "BR" | "FR" | "RF"
        )
    }) {
        tokens.remove(0);
    }
    Some(tokens)
}

/// Placeholder → index of its bound argument (`?` and `%s` count up).
fn placeholder_index(token: &str, counter: &mut usize) -> Option<usize> {
    if token == "?" {
        *counter += 1;
        return Some(*counter - 1);
    }
    let n: usize = token.strip_prefix('$')?.parse().ok()?;
    n.checked_sub(1)
}

/// `[schema .] table` at `tokens[at..]`: the table and the next position.
fn table_at(tokens: &[String], at: usize) -> Option<(String, usize)> {
    let first = tokens.get(at)?;
    if tokens.get(at + 1).is_some_and(|t| t == ".") {
        return Some((tokens.get(at + 2)?.clone(), at + 3));
    }
    Some((first.clone(), at + 1))
}

/// `SELECT ... FROM table WHERE a = ? AND b = ?` (optionally `LIMIT 1`):
/// the table and the conditions. None for anything else (joins, `OR`,
/// other operators): the key is then not known.
fn select_key(sql: &str, params: &[String]) -> Option<RowKey> {
    let mut tokens = sql_tokens(sql)?;
    // `WHERE (a = ? AND b = ?)`: the parentheses change nothing.
    if let Some(open) = tokens
        .windows(2)
        .position(|w| w[0] == "WHERE" && w[1] == "(")
    {
        let mut depth = 0i32;
        let close = tokens[open + 1..].iter().position(|t| {
            match t.as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            depth == 0
        });
        if let Some(close) = close.map(|c| c + open + 1) {
            tokens.remove(close);
            tokens.remove(open + 1);
        }
    }
    if tokens.first()? != "SELECT" {
        return None;
    }
    let mut depth = 0i32;
    let from = tokens.iter().position(|t| {
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        depth == 0 && t == "FROM"
    })?;
    let (table, mut at) = table_at(&tokens, from + 1)?;
    let mut conditions = Vec::new();
    if tokens.get(at).is_some_and(|t| t == "WHERE") {
        at += 1;
        let mut counter = 0;
        loop {
            let (mut column, mut next) = (tokens.get(at)?.clone(), at + 1);
            if tokens.get(next).is_some_and(|t| t == ".") {
                column = tokens.get(next + 1)?.clone();
                next += 2;
            }
            if tokens.get(next)? != "=" {
                return None;
            }
            let index = placeholder_index(tokens.get(next + 1)?, &mut counter)?;
            conditions.push((column, params.get(index)?.clone()));
            at = next + 2;
            match tokens.get(at).map(String::as_str) {
                Some("AND") => at += 1,
                _ => break,
            }
        }
    }
    match tokens[at..]
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["LIMIT", "1"] => Some(RowKey { table, conditions }),
        _ => None,
    }
}

/// `INSERT [OR IGNORE | OR REPLACE] INTO table (a, b) VALUES (?, ?) ...`
/// (an `ON CONFLICT ... DO NOTHING` after it changes nothing: the row is
/// there either way): the table and the placeholder-bound columns.
fn insert_key(sql: &str, params: &[String]) -> Option<RowKey> {
    let tokens = sql_tokens(sql)?;
    let mut at = 0;
    if tokens.first()? != "INSERT" {
        return None;
    }
    at += 1;
    if tokens.get(at).is_some_and(|t| t == "OR") {
        at += 2;
    }
    if tokens.get(at)? != "INTO" {
        return None;
    }
    let (table, mut at) = table_at(&tokens, at + 1)?;
    if tokens.get(at)? != "(" {
        return None;
    }
    let close = at + tokens[at..].iter().position(|t| t == ")")?;
    let columns: Vec<&String> = tokens[at + 1..close].iter().filter(|t| *t != ",").collect();
    at = close + 1;
    if tokens.get(at)? != "VALUES" || tokens.get(at + 1)? != "(" {
        return None;
    }
    let start = at + 2;
    let end = start + tokens[start..].iter().position(|t| t == ")")?;
    let values: Vec<&String> = tokens[start..end].iter().filter(|t| *t != ",").collect();
    if values.len() != columns.len() {
        return None;
    }
    let mut counter = 0;
    let conditions = columns
        .into_iter()
        .zip(values)
        .filter_map(|(column, value)| {
            let index = placeholder_index(value, &mut counter)?;
            Some((column.clone(), params.get(index)?.clone()))
        })
        .collect();
    Some(RowKey { table, conditions })
}

/// The key of the row a fetch reads, when its query is visible.
fn fetch_key(text: &str, call: Node<'_>) -> Option<RowKey> {
    let query = query_call(text, call)?;
    let sql = first_argument_sql(text, query)?;
    select_key(&sql, &query_params(text, query))
}

/// Whether every condition of `fetch` is a condition of `known` on the
/// same table with the same argument: a row found (or inserted) by `known`
/// is a row `fetch` finds.
fn covers(known: &RowKey, fetch: &RowKey) -> bool {
    known.table == fetch.table
        && !fetch.conditions.is_empty()
        && fetch
            .conditions
            .iter()
            .all(|condition| known.conditions.contains(condition))
}

impl FetchoneNullGuard {
    /// What the statements before the fetch (in its function) say about
    /// its row: an INSERT of the same key, or `if not [await] f(...):
    /// return` where `f` is a project function.
    fn guarantee(&self, cx: &Checker<'_>, call: Node<'_>) -> Guarantee {
        let fetch = fetch_key(cx.text, call);
        if fetch
            .as_ref()
            .is_some_and(|fetch| inside_checked_row(cx.text, call, fetch))
        {
            return Guarantee::Proven;
        }
        let mut possible = None;
        for statement in python::statements_before(call) {
            if let (Some(fetch), Some(insert)) = (&fetch, inserted_key(cx.text, statement)) {
                if covers(&insert, fetch) {
                    return Guarantee::Proven;
                }
            }
            let Some(guard) = early_exit_guard(cx.text, statement) else {
                continue;
            };
            match self.guard_outcome(cx, guard, fetch.as_ref()) {
                Guarantee::Proven => return Guarantee::Proven,
                Guarantee::Possible(note) => possible = possible.or(Some(note)),
                Guarantee::Unknown => {}
            }
        }
        possible.map_or(Guarantee::Unknown, Guarantee::Possible)
    }

    /// What `if not f(args): return` says about the fetched row.
    fn guard_outcome(
        &self,
        cx: &Checker<'_>,
        guard: Node<'_>,
        fetch: Option<&RowKey>,
    ) -> Guarantee {
        let Some(function) = guard.field("function") else {
            return Guarantee::Unknown;
        };
        let name = python::text(cx.text, function);
        let line = guard.start_position().row + 1;
        let possible = |why: &str| {
            Guarantee::Possible(format!(
                "; `{name}()` on line {line} may guarantee the row (fix unsafe: {why})"
            ))
        };
        let source = match local_function(cx, name) {
            // A function that fetches nothing does not check a row.
            Some(source) if !source.contains("fetch") => return Guarantee::Unknown,
            Some(source) => source,
            None => match cx
                .path()
                .and_then(|p| cx.project().imported_function(p, name))
            {
                Some(Some(source)) => source.to_owned(),
                // A project function that fetches nothing.
                Some(None) => return Guarantee::Unknown,
                None => {
                    let from_project = cx.import_binding(name).is_some_and(|module| {
                        let top = module.split('.').next().unwrap_or_default();
                        !python::is_stdlib_module(top)
                    });
                    if from_project {
                        return possible("its body is not visible here");
                    }
                    return Guarantee::Unknown;
                }
            },
        };
        let tree = crate::parse::parse(&source);
        let root = tree.root_node();
        let definition = python::named_children(root)
            .into_iter()
            .find(|n| n.kind() == "function_definition");
        let Some(definition) = definition.filter(|_| !root.has_error()) else {
            return possible("its body could not be read");
        };
        let Some(known) = guard_row_key(&source, definition) else {
            return possible("its check of the row could not be followed");
        };
        let Some(known) = substitute(&source, definition, cx.text, guard, known) else {
            return possible("its key could not be matched to this query's");
        };
        match fetch {
            Some(fetch) if covers(&known, fetch) => Guarantee::Proven,
            Some(fetch) if fetch.table != known.table => Guarantee::Unknown,
            Some(_) => possible("it reads the same table by another key"),
            None => possible("this query's key is not visible"),
        }
    }
}

/// Whether the fetch runs inside `if row is not None:` (or `if row and
/// ...:`) where `row` was fetched just before by a query that covers this
/// one's key: the row is known to exist.
fn inside_checked_row(text: &str, call: Node<'_>, fetch: &RowKey) -> bool {
    for ancestor in python::ancestors(call).skip(1) {
        if python::is_scope_boundary(ancestor.kind()) {
            break;
        }
        if ancestor.kind() != "block" {
            continue;
        }
        let Some(owner) = ancestor.parent() else {
            continue;
        };
        if owner.kind() != "if_statement"
            || owner.field("consequence").map(|c| c.id()) != Some(ancestor.id())
        {
            continue;
        }
        let Some(condition) = owner.field("condition") else {
            continue;
        };
        let mut rows = Vec::new();
        conjuncts_not_none(text, condition, &mut rows);
        for row in rows {
            let fetched = python::statements_before(owner).find_map(|statement| {
                let assignment = statement.named_child(0).filter(|n| {
                    statement.kind() == "expression_statement" && n.kind() == "assignment"
                })?;
                let left = assignment.field("left")?;
                if python::text(text, left) != row {
                    return None;
                }
                let mut right = python::unparenthesize(assignment.field("right")?);
                if right.kind() == "await" {
                    right = python::unparenthesize(right.named_child(0)?);
                }
                // The nearest assignment decides: a fetch, or nothing known.
                // A fetch of the same result reads the next row, not this one.
                let fresh = match (query_call(text, right), query_call(text, call)) {
                    (Some(a), Some(b)) => a.id() != b.id(),
                    _ => false,
                };
                Some(
                    (fresh && is_row_fetch(text, right))
                        .then(|| fetch_key(text, right))
                        .flatten(),
                )
            });
            if fetched.flatten().is_some_and(|known| covers(&known, fetch)) {
                return true;
            }
        }
    }
    false
}

/// The names `condition` requires to be rows: `row is not None`, `row !=
/// None`, `row`, and those of each side of `and`.
fn conjuncts_not_none(text: &str, condition: Node<'_>, rows: &mut Vec<String>) {
    let condition = python::unparenthesize(condition);
    if condition.kind() == "boolean_operator"
        && condition
            .field("operator")
            .is_some_and(|o| python::text(text, o) == "and")
    {
        for side in ["left", "right"] {
            if let Some(side) = condition.field(side) {
                conjuncts_not_none(text, side, rows);
            }
        }
        return;
    }
    rows.extend(checked_not_none(text, condition));
}

/// The source of the module-level function `name` of this file.
fn local_function(cx: &Checker<'_>, name: &str) -> Option<String> {
    python::module_statements(cx.root)
        .into_iter()
        .find_map(|statement| {
            let definition = if statement.kind() == "decorated_definition" {
                statement.field("definition")?
            } else {
                statement
            };
            let found = definition.kind() == "function_definition"
                && definition
                    .field("name")
                    .is_some_and(|n| python::text(cx.text, n) == name);
            found.then(|| python::text(cx.text, definition).to_owned())
        })
}

/// The key of a row an expression statement inserts (`cur.execute("INSERT
/// INTO t (a) VALUES (?)", (a,))`), when visible.
fn inserted_key(text: &str, statement: Node<'_>) -> Option<RowKey> {
    let call = statement_call(statement)?;
    let (_, method) = python::call_target(text, call)?;
    if !EXECUTE_METHODS.contains(&method) {
        return None;
    }
    let sql = first_argument_sql(text, call)?;
    insert_key(&sql, &query_params(text, call))
}

/// The call `f(...)` of `if not f(...):` / `if not await f(...):` whose
/// body leaves (ends in `return` or `raise`).
fn early_exit_guard<'n>(text: &str, statement: Node<'n>) -> Option<Node<'n>> {
    if statement.kind() != "if_statement" {
        return None;
    }
    let condition = python::unparenthesize(statement.field("condition")?);
    if condition.kind() != "not_operator" {
        return None;
    }
    let mut operand = python::unparenthesize(condition.field("argument")?);
    if operand.kind() == "await" {
        operand = python::unparenthesize(operand.named_child(0)?);
    }
    if operand.kind() != "call" {
        return None;
    }
    let function = operand.field("function")?;
    if function.kind() != "identifier" {
        return None;
    }
    let body = statement.field("consequence")?;
    let last = python::named_children(body)
        .into_iter()
        .rfind(|n| n.kind() != "comment")?;
    let _ = text;
    matches!(last.kind(), "return_statement" | "raise_statement").then_some(operand)
}

/// The key of the row a guard function checks: every truthy `return` of
/// it sits under `if row is not None:` / `if row:` (or returns `row is not
/// None`), and every assignment of that `row` fetches the same key.
fn guard_row_key(text: &str, function: Node<'_>) -> Option<RowKey> {
    let body = function.field("body")?;
    let mut returns = Vec::new();
    python::walk_descendants(body, |node| {
        if python::is_scope_boundary(node.kind()) || node.kind() == "lambda" {
            return false;
        }
        if node.kind() == "return_statement" {
            returns.push(node);
        }
        true
    });
    let mut rows: Vec<String> = Vec::new();
    let mut keys = Vec::new();
    for ret in returns {
        let Some(value) = ret.named_child(0).map(python::unparenthesize) else {
            continue;
        };
        if matches!(value.kind(), "false" | "none")
            || (value.kind() == "integer" && python::text(text, value) == "0")
        {
            continue;
        }
        // `return cur.fetchone() is not None`
        if let Some(fetch) = fetch_not_none(text, value) {
            keys.push(fetch_key(text, fetch)?);
            continue;
        }
        let row = checked_not_none(text, value).or_else(|| {
            python::ancestors(ret).skip(1).find_map(|a| {
                if a.kind() != "block" {
                    return None;
                }
                let owner = a.parent()?;
                if !matches!(owner.kind(), "if_statement" | "elif_clause")
                    || owner.field("consequence").map(|c| c.id()) != Some(a.id())
                {
                    return None;
                }
                checked_not_none(text, owner.field("condition")?)
            })
        })?;
        rows.push(row);
    }
    let mut other = false;
    if let Some(row) = rows.first().cloned() {
        if rows.iter().any(|r| *r != row) {
            return None;
        }
        // Every fetch assigned to `row` reads the same key.
        let count = keys.len();
        collect_row_keys(text, body, &row, &mut keys, &mut other);
        if keys.len() == count {
            return None;
        }
    }
    if other {
        return None;
    }
    let first = keys.pop()?;
    keys.iter()
        .all(|k| k.table == first.table && k.conditions == first.conditions)
        .then_some(first)
}

/// The fetch call of `cur.fetchone() is not None` (also awaited).
fn fetch_not_none<'n>(text: &str, value: Node<'n>) -> Option<Node<'n>> {
    if value.kind() != "comparison_operator" {
        return None;
    }
    let parts = python::named_children(value);
    let [left, right] = parts.as_slice() else {
        return None;
    };
    let operator = &text[left.end_byte()..right.start_byte()];
    if right.kind() != "none" || operator.split_whitespace().collect::<Vec<_>>() != ["is", "not"] {
        return None;
    }
    let mut left = python::unparenthesize(*left);
    if left.kind() == "await" {
        left = python::unparenthesize(left.named_child(0)?);
    }
    is_row_fetch(text, left).then_some(left)
}

/// A call of one of the default one-row fetch methods (a guard function's
/// own fetch; the configured list applies to the checked file).
fn is_row_fetch(text: &str, node: Node<'_>) -> bool {
    node.kind() == "call"
        && python::call_target(text, node)
            .is_some_and(|(r, m)| r.is_some() && ["fetchone", "fetchrow", "fetch_one"].contains(&m))
}

/// The keys of the fetches assigned to `row` in `body`; `other` when
/// something else is assigned to it.
fn collect_row_keys(
    text: &str,
    body: Node<'_>,
    row: &str,
    keys: &mut Vec<RowKey>,
    other: &mut bool,
) {
    python::walk_descendants(body, |node| {
        if node.kind() == "assignment"
            && node
                .field("left")
                .is_some_and(|l| python::text(text, l) == row)
        {
            let mut right = node.field("right").map(python::unparenthesize);
            if let Some(r) = right.filter(|r| r.kind() == "await") {
                right = r.named_child(0).map(python::unparenthesize);
            }
            match right
                .filter(|r| is_row_fetch(text, *r))
                .and_then(|r| fetch_key(text, r))
            {
                Some(key) => keys.push(key),
                None => *other = true,
            }
        }
        true
    });
}

/// `row` when `condition` is `row is not None` or `row`.
fn checked_not_none(text: &str, condition: Node<'_>) -> Option<String> {
    let condition = python::unparenthesize(condition);
    match condition.kind() {
        "identifier" => Some(python::text(text, condition).to_owned()),
        "comparison_operator" => {
            let parts = python::named_children(condition);
            let [left, right] = parts.as_slice() else {
                return None;
            };
            let operator = python::text(text, condition)
                .get(
                    left.end_byte() - condition.start_byte()
                        ..right.start_byte() - condition.start_byte(),
                )?
                .split_whitespace()
                .collect::<Vec<_>>();
            let not_none = operator == ["is", "not"] || operator == ["!="];
            (left.kind() == "identifier" && right.kind() == "none" && not_none)
                .then(|| python::text(text, *left).to_owned())
        }
        _ => None,
    }
}

/// The guard function's key in the caller's terms: each argument of the
/// guard's query is a parameter (or `param.attr`) replaced by the caller's
/// argument text. None when an argument does not come from a parameter.
fn substitute(
    source: &str,
    definition: Node<'_>,
    text: &str,
    call: Node<'_>,
    key: RowKey,
) -> Option<RowKey> {
    let parameters = definition.field("parameters")?;
    let names: Vec<String> = python::named_children(parameters)
        .into_iter()
        .filter_map(|p| {
            let name = match p.kind() {
                "identifier" => p,
                "typed_parameter" => p.named_child(0)?,
                "default_parameter" | "typed_default_parameter" => p.field("name")?,
                _ => return None,
            };
            Some(python::text(source, name).to_owned())
        })
        .collect();
    let args = Arguments::of(text, call);
    if args.has_splat {
        return None;
    }
    let argument = |index: usize, name: &str| -> Option<String> {
        args.positional
            .get(index)
            .copied()
            .or_else(|| args.keyword(name))
            .map(|n| compact(python::text(text, n)))
    };
    let conditions = key
        .conditions
        .into_iter()
        .map(|(column, value)| {
            let (index, name) = names.iter().enumerate().find(|(_, n)| {
                value == **n
                    || value
                        .strip_prefix(n.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })?;
            let replaced = format!("{}{}", argument(index, name)?, &value[name.len()..]);
            Some((column, replaced))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(RowKey {
        table: key.table,
        conditions,
    })
}

/// Single-value PRAGMAs: `PRAGMA user_version` always returns one row.
const VALUE_PRAGMAS: [&str; 22] = [
    "USER_VERSION",
    "SCHEMA_VERSION",
    "APPLICATION_ID",
    "JOURNAL_MODE",
    "PAGE_SIZE",
    "PAGE_COUNT",
    "MAX_PAGE_COUNT",
    "FREELIST_COUNT",
    "ENCODING",
    "FOREIGN_KEYS",
    "AUTO_VACUUM",
    "CACHE_SIZE",
    "SYNCHRONOUS",
    "BUSY_TIMEOUT",
    "DATA_VERSION",
    "LOCKING_MODE",
    "SECURE_DELETE",
    "TEMP_STORE",
    "RECURSIVE_TRIGGERS",
    "QUERY_ONLY",
    "WAL_AUTOCHECKPOINT",
    "MMAP_SIZE",
];

/// `PRAGMA [schema.]name` of a single-value pragma, read (not set).
fn is_value_pragma(body: &str) -> bool {
    let Some(rest) = body.strip_prefix("PRAGMA") else {
        return false;
    };
    let rest = rest.trim_end_matches(|c: char| "'\"; \t\r\n\\".contains(c));
    let name = rest.trim().rsplit('.').next().unwrap_or_default();
    rest.starts_with(char::is_whitespace) && VALUE_PRAGMAS.contains(&name)
}

/// The words of `sql` outside parentheses.
fn top_level_words(sql: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut depth = 0i32;
    let mut start = None;
    for (i, c) in sql.char_indices() {
        let word_char = c.is_alphanumeric() || c == '_';
        if let (false, Some(s)) = (word_char, start) {
            if depth == 0 {
                words.push(&sql[s..i]);
            }
            start = None;
        }
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if word_char && start.is_none() => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start.filter(|_| depth == 0) {
        words.push(&sql[s..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::always_one_row;

    #[test]
    fn queries_that_always_return_a_row() {
        for sql in [
            "\"SELECT COUNT(*) FROM users\"",
            "'select count(*), max(ts) from t where a = ?'",
            "\"SELECT COALESCE(SUM(amount), 0) AS total FROM payments WHERE uid = %s\"",
            "f\"SELECT COUNT(*) FROM {table}\"",
            "\"SELECT 1\"",
            "\"SELECT version()\"",
            "\"SELECT 1.1 FROM DUAL\"",
            "\"\"\"\n    SELECT COUNT(*) FROM pg_class\n    WHERE relname = %s\"\"\"",
            "\"PRAGMA user_version\"",
            "'pragma main.journal_mode;'",
            "\"SELECT count(*) FROM (SELECT 1 FROM e GROUP BY a HAVING count(*) > 1) x\"",
            "\"SELECT CASE WHEN EXISTS(SELECT 1 FROM t WHERE a = ? LIMIT 1) THEN 1 ELSE 0 END\"",
            "\"SELECT EXISTS(SELECT 1 FROM t WHERE a = ?)\"",
        ] {
            assert!(always_one_row(sql), "{sql}");
        }
    }

    #[test]
    fn queries_that_may_return_nothing() {
        for sql in [
            "\"SELECT name FROM users WHERE id = ?\"",
            "\"SELECT COUNT(*) FROM t GROUP BY a\"",
            "\"SELECT COUNT(*) FROM t HAVING COUNT(*) > 1\"",
            "\"SELECT MAX(a), b FROM t\"",
            "\"SELECT count_items FROM t\"",
            "\"UPDATE t SET a = 1 RETURNING COUNT(*)\"",
            "\"SELECT (SELECT COUNT(*) FROM a) FROM b\"",
            "\"SELECT a FROM DUAL WHERE 1 = 0\"",
            "\"PRAGMA table_info(users)\"",
            "\"PRAGMA user_version = 3\"",
            "\"PRAGMA foreign_key_check\"",
        ] {
            assert!(!always_one_row(sql), "{sql}");
        }
    }
}
