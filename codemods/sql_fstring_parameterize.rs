//! # sql-fstring-parameterize
//!
//! ## What it does
//! Finds SQL statements built from values by string formatting and passed
//! to a database call: `execute` / `executemany` of DB-API cursors and
//! connections (sqlite3, psycopg, psycopg2, MySQLdb, pymysql,
//! mysql.connector, Django's `connection.cursor()`), and asyncpg's `fetch`,
//! `fetchrow`, `fetchval` and `execute`. The SQL may be built by an
//! f-string, `%` formatting, `+` concatenation or `.format(...)`, directly
//! in the call or in a variable assigned just before it (in the same block,
//! or around a `with` / `try` / loop that contains the call, and used
//! nowhere else; or in every branch of an `if`/`else` just before it, then
//! each branch is reported, report-only). Only strings that start with an
//! SQL keyword (`SELECT`, `INSERT … INTO`, `UPDATE … SET`, `DELETE … FROM`,
//! `WITH`, `REPLACE`, `MERGE`, `CREATE`, `DROP`, `ALTER`, `TRUNCATE`,
//! `ATTACH`, …, after spaces, comments and parentheses) count as SQL;
//! SQLite's `ATTACH DATABASE '{path}'` binds the file name as a value.
//!
//! Values that cannot carry an injection are left alone, and a statement
//! made only of them is not reported:
//! - constants and names from a fixed set (the binding model of
//!   `python::is_constant_value`): literals, UPPER_CASE names, module-level
//!   names assigned only literals, class attributes assigned a literal in
//!   the class body (`self.TABLE`, `cls.__tablename__`,
//!   `Member.__tablename__`), locals assigned a literal in every branch of
//!   an `if`/`elif`/`else` (also replacing a parameter), loop variables
//!   over a literal list or tuple or over the keys of a dict whose keys
//!   are all literals (`", ".join(f"{k} = ?" for k in updates)` after
//!   `updates["name"] = name`; not when keys come from input),
//!   `random.choice(<literal list>)`, and a name checked against a literal
//!   list first (`if item.lower() not in VALID: return` — or `raise`,
//!   `continue`, `break` — or used inside `if item in VALID:`);
//! - table names read from `SELECT name FROM sqlite_master`;
//! - a parameter of a private (`_name`) or nested function that every
//!   call passes a literal (every call of a public function passing
//!   literals is only noted in the message: other modules may call it);
//! - `int(...)`, `float(...)`, `len(...)`, `%d` fields, calls of quoting
//!   functions (`quote_name(...)`, `qn(...)`, anything named `*quote*`),
//!   quotes escaped by doubling (`name.replace('"', '""')`), joins and
//!   conditional expressions of such values, a local name assigned once
//!   from one, and placeholder lists (`", ".join("?" * len(ids))`,
//!   `",".join(["%s"] * len(x))`, a variable named `*placeholder*`).
//!
//! The message says what is at stake: a value (bound by the fix), an
//! identifier or piece of SQL (report-only), or a value outside quotes
//! whose type is unknown (report-only: it may be SQL text).
//!
//! ## Why
//! A value formatted into SQL is SQL: `name = "x' OR '1'='1"` turns
//! `WHERE name = '{name}'` into a condition that is always true, and worse
//! payloads drop tables or read other users' data. Bound parameters send
//! the value separately from the statement, so no value can change it.
//!
//! ## Example
//! ```python
//! import sqlite3
//!
//!
//! def find_user(conn, name):
//!     return conn.execute(f"SELECT id, email FROM users WHERE name = '{name}'").fetchone()
//! ```
//! becomes
//! ```python
//! import sqlite3
//!
//!
//! def find_user(conn, name):
//!     return conn.execute("SELECT id, email FROM users WHERE name = ?", (name,)).fetchone()
//! ```
//!
//! The placeholder follows the driver the module imports: sqlite3 and
//! aiosqlite `?`; psycopg, psycopg2, aiopg, MySQLdb, pymysql, aiomysql,
//! mysql.connector and `django.db` `%s` (a literal `%` is then written
//! `%%`); asyncpg `$1 … $n`, with the values as extra positional arguments
//! (`await conn.fetchrow("… WHERE id = $1", user_id)`). When a module
//! imports several drivers, an awaited call belongs to the asynchronous
//! ones and a call outside any coroutine to the synchronous ones; if that
//! still leaves drivers with different placeholders, the finding is
//! report-only. Quotes around a
//! value go (`'{name}'` → `?`); a value inside a longer quoted string — a
//! `LIKE '%{term}%'` pattern, `'{year}-01-01'` — becomes one parameter that
//! carries the whole string, `f"%{term}%"`: the wildcards stay in the value,
//! which works with every driver (unlike `'%' || ? || '%'`). Parameters the
//! call already passes are merged, in the order of the placeholders, when
//! they are a tuple or list literal that matches the placeholders already
//! in the SQL.
//!
//! Report-only (the message says why):
//! - a value outside quotes that is not known to be a number (`int(...)`,
//!   `float(...)`, `len(...)`, arithmetic on one, a numeric literal, a
//!   parameter annotated `int` / `float`, a `%d` field): it may be an SQL
//!   fragment — a helper returning `date('now', '-7 day')` — which a bound
//!   parameter would turn into a string. A value in quotes (`'{x}'`) is a
//!   value and is bound; a constant outside quotes stays in the SQL text;
//! - a name or a piece of SQL is spliced in: the value follows `FROM`,
//!   `INTO`, `UPDATE`, `TABLE`, `JOIN`, `ORDER BY`, `GROUP BY`, sits in a
//!   column list, a function call, double quotes (an identifier in standard
//!   SQL; a string for MySQL drivers, where it is handled like single
//!   quotes) or backticks — anywhere but a value position (after `=`, `<`,
//!   `>`, `<>`, `!=`, `LIKE`, `LIMIT`, `OFFSET`, `BETWEEN`, `THEN`, `ELSE`,
//!   inside `IN (…)` / `VALUES (…)`, or in single quotes). Parameters carry
//!   only values: check such names against an allow-list instead;
//! - a list formatted after `IN` without parentheses (`IN {tuple(ids)}`);
//! - conversions and format specs (`{x!r}`, `{x:>5}`, `%5s`, `%r`),
//!   `repr(x)` / `json.dumps(x)` used as quoting, values in SQL comments,
//!   typed literals (`INTERVAL '{n} days'`), dollar quotes;
//! - statements that take no bound parameters: DDL (`CREATE`, `ALTER`,
//!   `DROP` …), `PRAGMA`, `GRANT` …;
//! - `%` with a mapping that is not a dict literal, `.format(*args)`, a
//!   value used twice or dropped when it has side effects;
//! - the driver cannot be told from the imports (none, or several with
//!   different placeholders): set `paramstyle`;
//! - parameters that cannot be merged unambiguously, `executemany` (the
//!   value would have to go into every row), placeholders built at run time
//!   next to values to bind, mysql.connector with a literal `%` (it does
//!   not unescape `%%`);
//! - the SQL variable is used elsewhere, or a value it was built from may
//!   change before the call.
//!
//! Lines marked `# nosec` (bare, or naming `B608`) are left alone: this
//! mirrors bandit's B608 check.
//!
//! ## Options
//! `[tool.auditfix.sql-fstring-parameterize]`: `paramstyle`, one of
//! `"auto"` (default: from the module's imports), `"qmark"` (`?`),
//! `"format"` (`%s`) or `"numeric"` (`$1`, asyncpg style: unlike PEP 249's
//! `:1`, the values become extra positional arguments).
//!
//! ## Fix safety
//! The rewritten statement is the same for every value that was not an
//! injection only when the bound value has the type the SQL text gave it;
//! `None` for example used to be spliced in as `'None'` and is now bound as
//! `NULL`, and a number in quotes (`'{n}'`) used to be a string. So the fix
//! is safe only when the type is known and matches, and the driver is
//! known (from `paramstyle`, or one driver family among the imports), and
//! the call's receiver looks like a cursor, connection or pool (`cur`,
//! `conn`, `db`, `pool`, `tx`, `session`, …):
//! - a value in quotes that is a `str`: a string literal, `str(...)`, an
//!   f-string, a `+` operand (always a `str`), or a parameter annotated
//!   `str` and never reassigned — with `?` and `%s` drivers (asyncpg types
//!   parameters strictly, so a `str` for a number column would fail);
//! - a value outside quotes (always a known number, see above);
//! - a pattern moved into one parameter (`f"%{term}%"`) when it is rebuilt
//!   exactly (from an f-string, `.format()`, or `str` operands of `+`),
//!   for asyncpg only after `LIKE` / `ILIKE`.
//!
//! Everything else is unsafe (applied with `--unsafe-fixes`): review that
//! the values have the types the columns expect. When the module compares
//! a value with the text `'None'` (`if row[5] == 'None':`), it relies on
//! `None` having been written as those four letters, and the message of an
//! unsafe fix names that line: check that no bound value can be `None`. MySQL interprets
//! backslashes in string literals; a value with a backslash was already
//! altered by the old query (the injection family this fix closes).
//!
//! ## How to validate
//! - Run the changed query with ordinary values and compare the rows with those
//!   of the old query: they must be the same.
//! - Run it with a value that contains a quote (`O'Brien`): it now matches that
//!   row, where the old query failed with a syntax error.
//! - Check the placeholder is the one of the driver the code really uses (`?`
//!   for sqlite3, `%s` for psycopg and the MySQL drivers, `$1` for asyncpg)
//!   and, with `%s`, that literal `%` signs in the SQL became `%%`.
//! - For an unsafe fix, check the types of the bound values: `None` is now
//!   bound as `NULL` (`= NULL` matches nothing, where the old text compared
//!   with `'None'`), and a number the old SQL put in quotes (`'{n}'`) is now
//!   bound as a number.
//! - For a `LIKE` pattern moved into one parameter (`f"%{term}%"`), check that
//!   searches still match the same rows.
//!
//! ## Tests to add
//! - Against a test database (in-memory SQLite for sqlite3), call the fixed
//!   function with `"O'Brien"` and expect the matching row; before the fix the
//!   query raised a syntax error.
//! - Call it with `"x' OR '1'='1"` and expect no rows; before the fix it
//!   returned every row.
//! - Call it with an ordinary value and expect the same rows as before the fix.
//! - If a value can be `None`, call it with `None` and assert the intended
//!   result; before the fix the query compared with the text `'None'`.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments, StringParts, StringPiece};

pub struct SqlFstringParameterize {
    paramstyle: Option<Style>,
}

pub static META: Meta = Meta {
    id: "sql-fstring-parameterize",
    category: "security",
    priority: Priority::P1,
    fix: Applicability::Safe,
    summary: "SQL built from values by formatting, instead of bound parameters",
};

/// Placeholder styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `?`
    Qmark,
    /// `%s`, with `%` written `%%`.
    Format,
    /// `$1 … $n`, values as extra positional arguments (asyncpg).
    Numeric,
}

impl Style {
    fn example(self) -> &'static str {
        match self {
            Style::Qmark => "?",
            Style::Format => "%s",
            Style::Numeric => "$1",
        }
    }
}

/// Whether a driver's calls are awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    Sync,
    Async,
    Both,
}

/// What a driver family does with a statement, as far as the fix cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Driver {
    name: &'static str,
    style: Style,
    flavour: Flavour,
    /// `"…"` is a string literal (MySQL), not an identifier.
    double_quoted_strings: bool,
    /// The driver turns `%%` back into `%` (mysql.connector does not).
    unescapes_percent: bool,
}

const fn driver(
    name: &'static str,
    style: Style,
    flavour: Flavour,
    mysql: bool,
    unescapes: bool,
) -> Driver {
    Driver {
        name,
        style,
        flavour,
        double_quoted_strings: mysql,
        unescapes_percent: unescapes,
    }
}

/// Imported module (or package prefix) → driver.
const DRIVERS: [(&str, Driver); 11] = {
    use Flavour::{Async, Both, Sync};
    use Style::{Format, Numeric, Qmark};
    [
        ("sqlite3", driver("sqlite3", Qmark, Sync, false, true)),
        ("aiosqlite", driver("aiosqlite", Qmark, Async, false, true)),
        ("psycopg", driver("psycopg", Format, Both, false, true)),
        ("psycopg2", driver("psycopg2", Format, Sync, false, true)),
        ("aiopg", driver("aiopg", Format, Async, false, true)),
        ("django.db", driver("django.db", Format, Sync, false, true)),
        ("MySQLdb", driver("MySQLdb", Format, Sync, true, true)),
        ("pymysql", driver("pymysql", Format, Sync, true, true)),
        ("aiomysql", driver("aiomysql", Format, Async, true, true)),
        (
            "mysql.connector",
            driver("mysql.connector", Format, Sync, true, false),
        ),
        ("asyncpg", driver("asyncpg", Numeric, Async, false, true)),
    ]
};

/// Methods that run a statement given as their first argument.
const DB_API_METHODS: [&str; 2] = ["execute", "executemany"];
const ASYNCPG_METHODS: [&str; 3] = ["fetch", "fetchrow", "fetchval"];

/// Keyword names drivers use for the parameters argument.
const PARAMS_KEYWORDS: [&str; 4] = ["parameters", "params", "args", "vars"];

/// Words a statement may start with.
const STATEMENT_KEYWORDS: [&str; 21] = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "MERGE", "UPSERT", "CREATE", "DROP",
    "ALTER", "TRUNCATE", "EXPLAIN", "VALUES", "CALL", "EXEC", "PRAGMA", "GRANT", "REVOKE", "COPY",
    "ATTACH",
];

/// Statements that take bound parameters (DDL, `PRAGMA`, `GRANT` … do
/// not; SQLite's `ATTACH DATABASE ?` does).
const DML_KEYWORDS: [&str; 13] = [
    "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE", "MERGE", "UPSERT", "VALUES", "CALL",
    "EXEC", "EXPLAIN", "ATTACH",
];

/// Words after which a value is a name, not a value.
const NAME_KEYWORDS: [&str; 14] = [
    "FROM", "INTO", "UPDATE", "TABLE", "JOIN", "BY", "INDEX", "VIEW", "SCHEMA", "DATABASE",
    "EXISTS", "COLUMN", "AS", "SELECT",
];

/// Words after which an unquoted value is a value.
const VALUE_KEYWORDS: [&str; 8] = [
    "LIKE", "ILIKE", "LIMIT", "OFFSET", "BETWEEN", "THEN", "ELSE", "ESCAPE",
];

/// Type names that make `TYPE '…'` a typed literal.
const TYPED_LITERALS: [&str; 6] = [
    "INTERVAL",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "TIMETZ",
];

impl SqlFstringParameterize {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let paramstyle = match options.string("paramstyle")?.as_deref() {
            None | Some("auto") => None,
            Some("qmark") => Some(Style::Qmark),
            Some("format") => Some(Style::Format),
            Some("numeric") => Some(Style::Numeric),
            Some(other) => {
                return Err(options.error(
                    "paramstyle",
                    format!("`{other}` is not one of \"auto\", \"qmark\", \"format\", \"numeric\""),
                ))
            }
        };
        Ok(Self { paramstyle })
    }
}

impl Codemod for SqlFstringParameterize {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["execute".into(), "fetch".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((Some(receiver), method)) = python::call_target(cx.text, call) else {
            return;
        };
        let asyncpg_only = ASYNCPG_METHODS.contains(&method);
        if !asyncpg_only && !DB_API_METHODS.contains(&method) {
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(&argument) = args.positional.first() else {
            return;
        };
        if args.list.is_some_and(|l| {
            python::named_children(l)
                .first()
                .is_some_and(|f| f.id() != argument.id())
        }) {
            return; // `execute(*args)` or a keyword first: not our shape
        }
        let argument = python::unparenthesize(argument);
        let statement = Statement {
            call,
            receiver,
            method,
            args: &args,
            asyncpg_only,
        };
        if argument.kind() != "identifier" {
            self.check_sql(cx, &statement, argument, None);
            return;
        }
        for source in resolve_variable(cx.text, argument, call) {
            self.check_sql(cx, &statement, source.value, Some(&source));
        }
    }
}

/// The database call being checked.
struct Statement<'a, 'n> {
    call: Node<'n>,
    receiver: Node<'n>,
    method: &'a str,
    args: &'a Arguments<'n>,
    asyncpg_only: bool,
}

impl SqlFstringParameterize {
    /// Report the SQL expression `expr` run by `statement` (directly, or
    /// through the variable `variable`).
    fn check_sql(
        &self,
        cx: &mut Checker<'_>,
        statement: &Statement<'_, '_>,
        expr: Node<'_>,
        variable: Option<&VariableSource<'_>>,
    ) {
        let Statement {
            call,
            receiver,
            method,
            args,
            asyncpg_only,
        } = *statement;
        let Some(template) = Template::build(cx.text, expr) else {
            return;
        };
        let sql = template.sql();
        if !starts_like_sql(&sql) {
            return;
        }
        let trust: Vec<Trust> = template.values.iter().map(|v| trust(cx.text, v)).collect();
        if trust.iter().all(|t| *t != Trust::Untrusted) {
            return;
        }
        let codes = ["B608", "hardcoded_sql_expressions"];
        if python::has_nosec(cx.text, expr.byte_range().into(), &codes)
            || python::has_nosec(cx.text, call.byte_range().into(), &codes)
        {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let driver = self.driver(cx, call, asyncpg_only);
        let job = Job {
            cx,
            receiver,
            method,
            args,
            variable,
            template: &template,
            sql: &sql,
            trust: &trust,
            stake: std::cell::Cell::new(Stake::Value),
        };
        let outcome = job.fix(driver);
        let form = template.form.describe();
        let several = trust.iter().filter(|t| **t == Trust::Untrusted).count() > 1;
        let values = if several { "values are" } else { "a value is" };
        let (message, fix) = match outcome {
            Ok((fix, style)) => {
                let mut message =
                    format!(
                    "{values} formatted into SQL with {form} and can be injected: pass {} (`{}`)",
                    if several { "them as bound parameters" } else { "it as a bound parameter" },
                    style.example()
                );
                if fix.applicability == Applicability::Unsafe {
                    if let Some(line) = text_none_comparison_line(cx) {
                        message.push_str(&format!(
                            " (unsafe fix: line {line} compares a value with the text 'None', which formatting wrote for a None value; a bound None is NULL instead, so check that no bound value can be None)"
                        ));
                    }
                }
                (message, fix)
            }
            Err(reason) => {
                let head = match job.stake.get() {
                    Stake::Value => {
                        format!("{values} formatted into SQL with {form} and can be injected")
                    }
                    Stake::Identifier => format!(
                        "an identifier (a table or column name, or SQL text) is formatted into SQL with {form} and can be injected"
                    ),
                    Stake::Fragment => format!(
                        "a value or an SQL fragment is formatted into SQL with {form} and can be injected"
                    ),
                };
                (
                    format!("{head} (no automatic fix: {reason})"),
                    Fix::new(Vec::new(), Applicability::ReportOnly),
                )
            }
        };
        cx.report(expr.byte_range(), message, Some(fix));
    }
}

impl SqlFstringParameterize {
    /// The driver for this call: from the option, or the module's imports.
    /// `Err` says why it is unknown.
    fn driver(
        &self,
        cx: &Checker<'_>,
        call: Node<'_>,
        asyncpg_only: bool,
    ) -> Result<Driver, String> {
        if let Some(style) = self.paramstyle {
            return Ok(driver("paramstyle", style, Flavour::Both, false, true));
        }
        let mut found: Vec<Driver> = Vec::new();
        for import in python::module_imports(cx.text, cx.root) {
            let module = import.module.as_str();
            let full = match &import.name {
                Some(name) => format!("{module}.{name}"),
                None => module.to_owned(),
            };
            for (prefix, driver) in DRIVERS {
                let matches = |m: &str| m == prefix || m.starts_with(&format!("{prefix}."));
                if (matches(module) || matches(&full)) && !found.contains(&driver) {
                    found.push(driver);
                }
            }
        }
        // An awaited call is not a synchronous driver's; a call neither
        // awaited nor in a coroutine is not an asynchronous driver's.
        let awaited = python::parent_skipping_parens(call).is_some_and(|p| p.kind() == "await");
        let in_coroutine = python::enclosing_function(call)
            .is_some_and(|f| python::text(cx.text, f).starts_with("async"));
        if awaited {
            found.retain(|d| d.flavour != Flavour::Sync);
        } else if !in_coroutine {
            found.retain(|d| d.flavour != Flavour::Async);
        }
        if asyncpg_only || (awaited && found.iter().any(|d| d.name == "asyncpg")) {
            if let Some(asyncpg) = found.iter().find(|d| d.name == "asyncpg") {
                return Ok(*asyncpg);
            }
            if asyncpg_only {
                return Err("cannot tell the database driver from the imports (asyncpg is not imported): set `paramstyle`".into());
            }
        }
        let Some(first) = found.first().copied() else {
            return Err(
                "cannot tell the database driver from the imports: set `paramstyle`".into(),
            );
        };
        let agree = found.iter().all(|d| {
            d.style == first.style
                && d.double_quoted_strings == first.double_quoted_strings
                && d.unescapes_percent == first.unescapes_percent
        });
        if !agree {
            let names: Vec<&str> = found.iter().map(|d| d.name).collect();
            return Err(format!(
                "the module imports several database drivers ({}): set `paramstyle`",
                names.join(", ")
            ));
        }
        Ok(first)
    }
}

// ---------------------------------------------------------------------------
// The template: the SQL expression as characters and values
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    FString,
    Percent,
    Concat,
    Format,
}

impl Form {
    fn describe(self) -> &'static str {
        match self {
            Form::FString => "an f-string",
            Form::Percent => "`%` formatting",
            Form::Concat => "`+` concatenation",
            Form::Format => "`.format()`",
        }
    }
}

/// How a value turned into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conversion {
    /// `format(x, "")`: f-string, `.format()`, a `str` operand of `+`.
    Format,
    /// `str(x)`: `%s`, or `str(x)` as a `+` operand (unwrapped to `x`).
    Str,
    /// `%d` / `%i` / `%u`.
    Integer,
}

/// What is known about a value's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    Str,
    Number,
    Unknown,
}

/// A character of the SQL text and where it comes from.
#[derive(Clone, Copy, Debug)]
struct SqlChar {
    ch: Option<char>,
    range: TextRange,
    /// Index into `Template::strings`.
    string: usize,
}

#[derive(Clone, Copy, Debug)]
enum Tok {
    Char(SqlChar),
    Value(usize),
}

#[derive(Clone, Debug)]
struct Value<'n> {
    expr: Node<'n>,
    /// The expression to pass as the parameter (the argument of a `str()`
    /// spliced in with `+`, or the expression itself).
    param: Node<'n>,
    conversion: Conversion,
    /// Source to replace by the placeholder when the value is bound
    /// outside quotes.
    range: TextRange,
    /// For `+` operands: the literal strings before and after.
    before: Option<usize>,
    after: Option<usize>,
    problem: Option<String>,
}

struct Template<'n> {
    form: Form,
    strings: Vec<StringParts<'n>>,
    /// The piece (operand of `+`, or the whole literal) of each string.
    piece_of: Vec<usize>,
    toks: Vec<Tok>,
    values: Vec<Value<'n>>,
    /// Source deleted by the fix (` % args`, `.format(...)`).
    tail: Option<TextRange>,
    /// `"… %s … %s" % row`: the parameters as they are.
    pass_through: Option<Node<'n>>,
    problem: Option<String>,
}

impl<'n> Template<'n> {
    fn build(text: &str, expr: Node<'n>) -> Option<Self> {
        let expr = python::unparenthesize(expr);
        match expr.kind() {
            "string" | "concatenated_string" => Self::fstring(text, expr),
            "binary_operator" => {
                let operator = expr.field("operator")?;
                match python::text(text, operator) {
                    "%" => Self::percent(text, expr),
                    "+" => Self::concat(text, expr),
                    _ => None,
                }
            }
            "call" => Self::format(text, expr),
            _ => None,
        }
    }

    fn empty(form: Form) -> Self {
        Template {
            form,
            strings: Vec::new(),
            piece_of: Vec::new(),
            toks: Vec::new(),
            values: Vec::new(),
            tail: None,
            pass_through: None,
            problem: None,
        }
    }

    /// Add the string nodes of a literal operand; `false` for bytes.
    fn add_literal(&mut self, text: &str, literal: Node<'n>, piece: usize) -> bool {
        let nodes = match literal.kind() {
            "string" => vec![literal],
            "concatenated_string" => python::named_children(literal)
                .into_iter()
                .filter(|c| c.kind() == "string")
                .collect(),
            _ => return false,
        };
        for node in nodes {
            let Some(parts) = python::string_pieces(text, node) else {
                return false;
            };
            if parts.is_bytes() {
                return false;
            }
            let string = self.strings.len();
            for piece_of_string in &parts.pieces {
                match *piece_of_string {
                    StringPiece::Char { ch, range } => {
                        self.toks.push(Tok::Char(SqlChar { ch, range, string }))
                    }
                    StringPiece::Interpolation(interpolation) => {
                        let Some(value) = interpolation_value(text, interpolation) else {
                            return false;
                        };
                        self.toks.push(Tok::Value(self.values.len()));
                        self.values.push(value);
                    }
                }
            }
            self.strings.push(parts);
            self.piece_of.push(piece);
        }
        true
    }

    /// `f"…{x}…"`, also implicitly concatenated with plain strings.
    fn fstring(text: &str, expr: Node<'n>) -> Option<Self> {
        let mut template = Self::empty(Form::FString);
        if !template.add_literal(text, expr, 0) || template.values.is_empty() {
            return None;
        }
        Some(template)
    }

    /// `"…" + x + "…"`.
    fn concat(text: &str, expr: Node<'n>) -> Option<Self> {
        let mut operands = Vec::new();
        let mut node = expr;
        loop {
            operands.push(node.field("right")?);
            let left = node.field("left")?;
            let is_plus = left.kind() == "binary_operator"
                && left
                    .field("operator")
                    .is_some_and(|o| python::text(text, o) == "+");
            if !is_plus {
                operands.push(left);
                break;
            }
            node = left;
        }
        operands.reverse();
        let mut template = Self::empty(Form::Concat);
        let mut last_literal: Option<usize> = None;
        let mut pending: Vec<usize> = Vec::new();
        for (piece, operand) in operands.into_iter().enumerate() {
            if matches!(operand.kind(), "string" | "concatenated_string") {
                let first = template.strings.len();
                if !template.add_literal(text, operand, piece) || template.strings.len() == first {
                    return None;
                }
                for &value in &pending {
                    template.values[value].after = Some(first);
                    let start = template.strings[first].start.end_byte();
                    template.values[value].range.end = start;
                }
                pending.clear();
                last_literal = Some(template.strings.len() - 1);
                continue;
            }
            let (param, conversion) = unwrap_str(text, operand);
            let start = match last_literal {
                Some(index) if pending.is_empty() => template.strings[index].end.start_byte(),
                _ => operand.start_byte(),
            };
            let problem = (last_literal.is_none() || !pending.is_empty())
                .then(|| "two values are joined without SQL text between them".to_owned());
            template.toks.push(Tok::Value(template.values.len()));
            pending.push(template.values.len());
            template.values.push(Value {
                expr: operand,
                param,
                conversion,
                range: TextRange::new(start, operand.end_byte()),
                before: if pending.len() == 1 {
                    last_literal
                } else {
                    None
                },
                after: None,
                problem,
            });
        }
        if template.values.is_empty() || template.strings.is_empty() {
            return None;
        }
        Some(template)
    }

    /// `"… %s …" % args`.
    fn percent(text: &str, expr: Node<'n>) -> Option<Self> {
        let left = expr.field("left")?;
        let right = python::unparenthesize(expr.field("right")?);
        let literal = python::unparenthesize(left);
        let mut raw = Self::empty(Form::Percent);
        if !raw.add_literal(text, literal, 0) || !raw.values.is_empty() {
            return None; // f-string with `%`, bytes, or not a literal
        }
        let mut template = Self::empty(Form::Percent);
        template.strings = raw.strings;
        template.piece_of = raw.piece_of;
        template.tail = Some(TextRange::new(left.end_byte(), expr.end_byte()));
        let chars: Vec<SqlChar> = raw
            .toks
            .iter()
            .filter_map(|t| match t {
                Tok::Char(c) => Some(*c),
                Tok::Value(_) => None,
            })
            .collect();
        // Directives: (name, conversion, range, problem).
        let mut directives: Vec<(Option<String>, char, TextRange, Option<String>)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.ch != Some('%') {
                template.toks.push(Tok::Char(c));
                i += 1;
                continue;
            }
            let next = chars.get(i + 1)?;
            if next.ch == Some('%') {
                template.toks.push(Tok::Char(SqlChar {
                    ch: Some('%'),
                    range: TextRange::new(c.range.start, next.range.end),
                    string: c.string,
                }));
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut name = None;
            if chars[j].ch == Some('(') {
                let close = (j..chars.len()).find(|&k| chars[k].ch == Some(')'))?;
                name = Some(
                    chars[j + 1..close]
                        .iter()
                        .filter_map(|c| c.ch)
                        .collect::<String>(),
                );
                j = close + 1;
            }
            let spec_start = j;
            while chars
                .get(j)
                .and_then(|c| c.ch)
                .is_some_and(|ch| "#0- +*.0123456789hlL".contains(ch))
            {
                j += 1;
            }
            let conversion = chars.get(j)?.ch?;
            let spec: String = chars[spec_start..j].iter().filter_map(|c| c.ch).collect();
            let whole: String = chars[i..=j].iter().filter_map(|c| c.ch).collect();
            let problem = if !spec.is_empty() || !"sdiu".contains(conversion) {
                Some(format!(
                    "`{whole}` formats the value before it is spliced in"
                ))
            } else {
                None
            };
            if chars[i..=j].iter().any(|d| d.string != c.string) {
                return None;
            }
            let range = TextRange::new(c.range.start, chars[j].range.end);
            template.toks.push(Tok::Value(directives.len()));
            directives.push((name, conversion, range, problem));
            i = j + 1;
        }
        if directives.is_empty() {
            return None;
        }
        let named = directives.iter().filter(|d| d.0.is_some()).count();
        let mut exprs: Vec<Node<'n>> = Vec::new();
        if named == 0 {
            if right.kind() == "tuple" {
                let items: Vec<Node> = python::named_children(right)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .collect();
                if items.iter().any(|i| i.kind() == "list_splat") {
                    template.problem = Some("the values are unpacked with `*`".into());
                    exprs = vec![right; directives.len()];
                } else if items.len() != directives.len() {
                    return None; // Python itself would fail
                } else {
                    exprs = items;
                }
            } else if directives.len() == 1 {
                exprs.push(right);
            } else if matches!(
                right.kind(),
                "identifier" | "attribute" | "subscript" | "call"
            ) {
                template.pass_through = Some(right);
                exprs = vec![right; directives.len()];
            } else {
                return None;
            }
        } else if named == directives.len() && right.kind() == "dictionary" {
            let mut entries: Vec<(String, Node<'n>)> = Vec::new();
            for pair in python::named_children(right) {
                if pair.kind() == "comment" {
                    continue;
                }
                let key = pair.field("key");
                let value = pair.field("value");
                match (key.and_then(|k| python::string_value(text, k)), value) {
                    (Some(key), Some(value)) if pair.kind() == "pair" => {
                        entries.push((key.to_owned(), value))
                    }
                    _ => {
                        template.problem = Some(
                            "the mapping of `%(name)s` fields is not a plain dict literal".into(),
                        );
                        entries.clear();
                        break;
                    }
                }
            }
            if template.problem.is_none() {
                let mut used = Vec::new();
                for directive in &directives {
                    let key = directive.0.as_deref().unwrap_or("");
                    let Some(index) = entries.iter().rposition(|(k, _)| k == key) else {
                        return None; // KeyError in Python
                    };
                    used.push(index);
                    exprs.push(entries[index].1);
                }
                let values: Vec<Node> = entries.iter().map(|e| e.1).collect();
                if let Some(problem) = reuse_problem(text, &values, &used) {
                    template.problem = Some(problem);
                }
            } else {
                exprs = vec![right; directives.len()];
            }
        } else {
            template.problem = Some(if named == directives.len() {
                "named `%(name)s` fields with a mapping that is not a dict literal".into()
            } else {
                "positional and named `%` fields are mixed".into()
            });
            exprs = vec![right; directives.len()];
        }
        for ((_, conversion, range, problem), expr) in directives.into_iter().zip(exprs) {
            template.values.push(Value {
                expr,
                param: expr,
                conversion: if conversion == 's' {
                    Conversion::Str
                } else {
                    Conversion::Integer
                },
                range,
                before: None,
                after: None,
                problem,
            });
        }
        Some(template)
    }

    /// `"… {} … {name} …".format(a, name=b)`.
    fn format(text: &str, expr: Node<'n>) -> Option<Self> {
        let (Some(object), "format") = python::call_target(text, expr)? else {
            return None;
        };
        let literal = python::unparenthesize(object);
        let mut raw = Self::empty(Form::Format);
        if !raw.add_literal(text, literal, 0) || !raw.values.is_empty() {
            return None;
        }
        let args = Arguments::of(text, expr);
        let mut template = Self::empty(Form::Format);
        template.strings = raw.strings;
        template.piece_of = raw.piece_of;
        template.tail = Some(TextRange::new(object.end_byte(), expr.end_byte()));
        if args.has_splat {
            template.problem = Some("the values are unpacked with `*` or `**`".into());
        }
        let chars: Vec<SqlChar> = raw
            .toks
            .iter()
            .filter_map(|t| match t {
                Tok::Char(c) => Some(*c),
                Tok::Value(_) => None,
            })
            .collect();
        let mut fields: Vec<(String, TextRange, Option<String>)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).and_then(|n| n.ch);
            match c.ch {
                Some(brace @ ('{' | '}')) if next == Some(brace) => {
                    template.toks.push(Tok::Char(SqlChar {
                        ch: Some(brace),
                        range: TextRange::new(c.range.start, chars[i + 1].range.end),
                        string: c.string,
                    }));
                    i += 2;
                }
                Some('{') => {
                    let close = (i + 1..chars.len()).find(|&k| chars[k].ch == Some('}'))?;
                    let field: String = chars[i + 1..close].iter().filter_map(|c| c.ch).collect();
                    if field.contains('{')
                        || chars[i..=close].iter().any(|c| c.string != chars[i].string)
                    {
                        return None;
                    }
                    let name_end = field.find(['!', ':']).unwrap_or(field.len());
                    let name = field[..name_end].to_owned();
                    let problem = if name_end < field.len() {
                        Some(format!(
                            "`{{{field}}}` formats the value before it is spliced in"
                        ))
                    } else if name.contains(['.', '[']) {
                        Some(format!("`{{{field}}}` reads a part of a value"))
                    } else {
                        None
                    };
                    template.toks.push(Tok::Value(fields.len()));
                    fields.push((
                        name,
                        TextRange::new(c.range.start, chars[close].range.end),
                        problem,
                    ));
                    i = close + 1;
                }
                Some('}') => return None,
                _ => {
                    template.toks.push(Tok::Char(c));
                    i += 1;
                }
            }
        }
        if fields.is_empty() {
            return None;
        }
        let mut auto = 0;
        let mut used = Vec::new();
        let mut all: Vec<Node<'n>> = args.positional.clone();
        all.extend(args.keywords.iter().map(|(_, _, v)| *v));
        for (name, range, problem) in fields {
            let found = if name.is_empty() {
                auto += 1;
                args.positional.get(auto - 1).map(|e| (auto - 1, *e))
            } else if let Ok(index) = name.parse::<usize>() {
                args.positional.get(index).map(|e| (index, *e))
            } else {
                args.keywords
                    .iter()
                    .position(|(k, _, _)| *k == name)
                    .map(|p| (args.positional.len() + p, args.keywords[p].2))
            };
            let (index, value) = match found {
                Some(found) => found,
                None if args.has_splat => (0, expr),
                None => return None, // IndexError / KeyError in Python
            };
            used.push(index);
            template.values.push(Value {
                expr: value,
                param: value,
                conversion: Conversion::Format,
                range,
                before: None,
                after: None,
                problem,
            });
        }
        if template.problem.is_none() {
            template.problem = reuse_problem(text, &all, &used);
        }
        Some(template)
    }

    /// The SQL text as the database would see it, one `\u{1}` per value.
    fn sql(&self) -> String {
        self.toks
            .iter()
            .map(|t| match t {
                // `\u{1}` marks values: a real one in the text is "unknown".
                Tok::Char(c) => match c.ch {
                    None | Some('\u{1}') => '\u{2}',
                    Some(ch) => ch,
                },
                Tok::Value(_) => '\u{1}',
            })
            .collect()
    }
}

/// The value of an f-string interpolation.
fn interpolation_value<'n>(text: &str, interpolation: Node<'n>) -> Option<Value<'n>> {
    let expr = interpolation.field("expression")?;
    let mut problem = None;
    for child in python::named_children(interpolation) {
        if matches!(child.kind(), "type_conversion" | "format_specifier") {
            problem = Some(format!(
                "`{}` formats the value before it is spliced in",
                short(python::text(text, interpolation))
            ));
        }
    }
    let mut cursor = interpolation.walk();
    if interpolation
        .children(&mut cursor)
        .any(|c| !c.is_named() && c.kind() == "=")
    {
        problem = Some(format!(
            "`{}` splices in the expression's text too",
            short(python::text(text, interpolation))
        ));
    }
    Some(Value {
        expr,
        param: expr,
        conversion: Conversion::Format,
        range: interpolation.byte_range().into(),
        before: None,
        after: None,
        problem,
    })
}

/// `str(x)` → (`x`, Str); anything else → (itself, Format).
fn unwrap_str<'n>(text: &str, operand: Node<'n>) -> (Node<'n>, Conversion) {
    if operand.kind() == "call" {
        if let Some((None, "str")) = python::call_target(text, operand) {
            let args = Arguments::of(text, operand);
            if args.positional.len() == 1 && args.keywords.is_empty() && !args.has_splat {
                return (args.positional[0], Conversion::Str);
            }
        }
    }
    (operand, Conversion::Format)
}

/// When values are used in another order, twice, or not at all, moving
/// them into a parameter tuple changes how often / when they run: fine for
/// names and literals only.
fn reuse_problem(text: &str, values: &[Node<'_>], used: &[usize]) -> Option<String> {
    let in_order = used.windows(2).all(|w| w[0] < w[1]) && used.len() == values.len();
    if in_order {
        return None;
    }
    values.iter().find(|v| !is_simple(**v)).map(|v| {
        format!(
            "`{}` would run a different number of times or in another order",
            short(python::text(text, *v))
        )
    })
}

/// A name, attribute chain, literal or constant subscript: evaluating it
/// again, or not at all, has no effect.
fn is_simple(node: Node<'_>) -> bool {
    match node.kind() {
        "identifier" | "integer" | "float" | "true" | "false" | "none" | "string" => {
            node.kind() != "string"
                || !python::named_children(node)
                    .iter()
                    .any(|c| c.kind() == "interpolation")
        }
        "attribute" => node.field("object").is_some_and(is_simple),
        "subscript" => {
            node.field("value").is_some_and(is_simple)
                && node.field("subscript").is_some_and(is_simple)
        }
        _ => false,
    }
}

/// The SQL text from its first word on (after spaces, comments and
/// parentheses), and that word in upper case.
fn first_word(sql: &str) -> (&str, String) {
    let mut rest = sql;
    loop {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(comment) = trimmed.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(comment) = trimmed.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, r)| r);
        } else {
            rest = trimmed;
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    (rest, word)
}

/// Whether the SQL text starts with a statement keyword, with the words
/// the statement needs.
fn starts_like_sql(sql: &str) -> bool {
    let (rest, word) = first_word(sql);
    if !STATEMENT_KEYWORDS.contains(&word.as_str()) {
        return false;
    }
    let upper = rest.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .collect();
    let has = |w: &str| words.contains(&w);
    match word.as_str() {
        "UPDATE" => has("SET"),
        "DELETE" => has("FROM"),
        "INSERT" | "REPLACE" => has("INTO") || has("VALUES"),
        "SELECT" => words.len() > 2,
        _ => true,
    }
}

// ---------------------------------------------------------------------------
// Which values can carry an injection
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    /// Could be anything.
    Untrusted,
    /// A literal, constant, number or quoted name.
    Constant,
    /// A placeholder list built at run time (`", ".join("?" * n)`).
    Placeholders,
}

fn trust(text: &str, value: &Value<'_>) -> Trust {
    if value.conversion == Conversion::Integer {
        return Trust::Constant; // `%d` only ever formats a number
    }
    trust_of(text, value.expr, 4)
}

/// How far an expression can be trusted, looking at most `depth` levels
/// into its parts (and through plain assignments of names).
fn trust_of(text: &str, expr: Node<'_>, depth: usize) -> Trust {
    let expr = python::unparenthesize(expr);
    if is_placeholder_list(text, expr) {
        return Trust::Placeholders;
    }
    if python::is_constant_value(text, expr)
        || is_private_helper_constant(text, expr)
        || is_schema_table_name(text, expr)
    {
        return Trust::Constant;
    }
    let all = |nodes: &[Node]| {
        depth > 0
            && nodes
                .iter()
                .all(|n| trust_of(text, *n, depth - 1) != Trust::Untrusted)
    };
    let verdict = |trusted: bool| {
        if trusted {
            Trust::Constant
        } else {
            Trust::Untrusted
        }
    };
    match expr.kind() {
        "integer" | "float" | "true" | "false" | "none" => Trust::Constant,
        "string" | "concatenated_string" => {
            let mut values = Vec::new();
            python::walk_descendants(expr, |n| {
                if n.kind() == "interpolation" {
                    values.extend(n.field("expression"));
                    return false;
                }
                true
            });
            verdict(all(&values))
        }
        "conditional_expression" => {
            let branches: Vec<Node> = python::named_children(expr)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect();
            verdict(branches.len() == 3 && all(&[branches[0], branches[2]]))
        }
        "binary_operator" => {
            let operands: Vec<Node> = ["left", "right"]
                .iter()
                .filter_map(|f| expr.field(f))
                .collect();
            verdict(all(&operands))
        }
        "identifier" | "attribute" => {
            let last = python::text(text, expr).rsplit('.').next().unwrap_or("");
            if python::is_constant_style_name(last) {
                return Trust::Constant;
            }
            if expr.kind() != "identifier" || depth == 0 {
                return Trust::Untrusted;
            }
            match single_assignment(text, expr) {
                Some(value) => verdict(all(&[value])),
                None => Trust::Untrusted,
            }
        }
        "call" => {
            let Some((receiver, name)) = python::call_target(text, expr) else {
                return Trust::Untrusted;
            };
            let lower = name.to_ascii_lowercase();
            if matches!(name, "int" | "float" | "len" | "qn" | "qn2") || lower.contains("quote") {
                return Trust::Constant;
            }
            let args = Arguments::of(text, expr);
            let literal = |n: Option<&Node>| n.and_then(|n| python::string_value(text, *n));
            match (receiver, name) {
                // `name.replace('"', '""')`: escaped for SQL quotes.
                (Some(_), "replace") => {
                    let (from, to) = (
                        literal(args.positional.first()),
                        literal(args.positional.get(1)),
                    );
                    let escapes = matches!(
                        (from, to),
                        (Some("'"), Some("''")) | (Some("\""), Some("\"\""))
                    );
                    verdict(escapes)
                }
                // `", ".join(quote(c) for c in columns)`
                (Some(separator), "join")
                    if matches!(separator.kind(), "string" | "concatenated_string") =>
                {
                    // `join(x for x in y)`: the generator is the argument list.
                    let items = match args.list {
                        Some(list) if list.kind() == "generator_expression" => list,
                        _ if args.positional.len() == 1 => {
                            python::unparenthesize(args.positional[0])
                        }
                        _ => return Trust::Untrusted,
                    };
                    match items.kind() {
                        "generator_expression" | "list_comprehension" => {
                            let body = items.field("body");
                            verdict(body.is_some_and(|b| all(&[b])))
                        }
                        "list" | "tuple" => {
                            let elements: Vec<Node> = python::named_children(items)
                                .into_iter()
                                .filter(|c| c.kind() != "comment")
                                .collect();
                            verdict(all(&elements))
                        }
                        _ => Trust::Untrusted,
                    }
                }
                _ => Trust::Untrusted,
            }
        }
        _ => Trust::Untrusted,
    }
}

/// A name that only ever iterates the rows of a query of SQLite's schema
/// table (`for (name,) in cur.execute("SELECT name FROM sqlite_master …")`):
/// a table that exists, not input.
fn is_schema_table_name(text: &str, expr: Node<'_>) -> bool {
    let mentions_schema = text.contains("sqlite_master") || text.contains("sqlite_schema");
    if expr.kind() != "identifier" || !mentions_schema {
        return false;
    }
    let Some(iterables) = python::loop_iterables(text, expr) else {
        return false;
    };
    iterables.into_iter().all(|iterable| {
        let mut rows = python::unparenthesize(iterable);
        if let Some((Some(receiver), "fetchall")) = python::call_target(text, rows) {
            rows = receiver;
        }
        let Some((Some(_), "execute")) = python::call_target(text, rows) else {
            return false;
        };
        let args = Arguments::of(text, rows);
        let Some(query) = args
            .positional
            .first()
            .and_then(|q| python::string_literal_value(text, *q))
        else {
            return false;
        };
        let words: Vec<String> = query
            .split_whitespace()
            .take(4)
            .map(|w| w.to_ascii_lowercase())
            .collect();
        matches!(
            words
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
            [
                "select",
                "name" | "tbl_name",
                "from",
                "sqlite_master" | "sqlite_schema"
            ]
        )
    })
}

/// A parameter of a nested or private (`_name`) function that every call
/// of it, all of which are in this module, passes a constant.
fn is_private_helper_constant(text: &str, expr: Node<'_>) -> bool {
    if expr.kind() != "identifier" {
        return false;
    }
    let Some(function) = python::enclosing_function(expr) else {
        return false;
    };
    let nested = python::enclosing_function(function).is_some();
    let private = function.field("name").is_some_and(|n| {
        python::text(text, n).starts_with('_') && !python::text(text, n).starts_with("__")
    });
    let in_class = function
        .parent()
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition");
    (nested || (private && !in_class)) && python::parameter_constant_at_every_call(text, expr)
}

/// The value of the only binding of `name` in its function (or module),
/// when that binding is a plain `name = value` before the use.
fn single_assignment<'n>(text: &str, name: Node<'n>) -> Option<Node<'n>> {
    let value = python::assigned_before(text, name)?;
    let wanted = python::text(text, name);
    let scope = python::enclosing_function(name).or_else(|| python::ancestors(name).last())?;
    let mut bindings = 0;
    python::walk_descendants(scope, |n| {
        if n.kind() == "identifier" && python::text(text, n) == wanted && python::rebinds(n) {
            bindings += 1;
        }
        bindings < 2
    });
    (bindings == 1).then_some(value)
}

/// `", ".join("?" * len(ids))`, `",".join(["%s"] * n)`,
/// `"SELECT " + ", ".join(["QUOTE(?)"] * n)`, a name `*placeholder*`.
fn is_placeholder_list(text: &str, expr: Node<'_>) -> bool {
    let named_so = |n: Node| {
        n.kind() == "identifier"
            && python::text(text, n)
                .to_ascii_lowercase()
                .contains("placeholder")
    };
    match expr.kind() {
        "identifier" => {
            let name = python::text(text, expr).to_ascii_lowercase();
            return named_so(expr) || name == "qmarks" || name == "marks";
        }
        "call" if python::call_target(text, expr).is_some_and(|(_, name)| name == "join") => {}
        "binary_operator" => {}
        _ => return false,
    }
    let mut found = false;
    python::walk_descendants(expr, |n| {
        if n.kind() == "string" {
            found |= python::string_value(text, n).is_some_and(is_placeholder_text);
        }
        found |= named_so(n);
        !found
    });
    found
}

/// `"?"`, `"%s, "`, `"$1"`, `"QUOTE(?)"`: placeholders, separators and
/// upper-case SQL function names, nothing else.
fn is_placeholder_text(value: &str) -> bool {
    let marks = value.matches('?').count() + value.matches("%s").count();
    let numbered = value
        .split('$')
        .skip(1)
        .filter(|d| d.starts_with(|c: char| c.is_ascii_digit()))
        .count();
    let rest: String = value
        .replace("%s", "")
        .chars()
        .filter(|c| {
            !(matches!(c, '?' | ',' | ' ' | '(' | ')' | '$')
                || c.is_ascii_digit()
                || c.is_ascii_uppercase())
        })
        .collect();
    marks + numbered > 0 && rest.is_empty()
}

/// A template value's type: `%d` formats only numbers.
fn value_known_type(text: &str, value: &Value<'_>) -> Known {
    if value.conversion == Conversion::Integer {
        return Known::Number;
    }
    known_type(text, value.param)
}

/// What the code says about a value's type.
fn known_type(text: &str, expr: Node<'_>) -> Known {
    let expr = python::unparenthesize(expr);
    match expr.kind() {
        "string" | "concatenated_string" => Known::Str,
        "integer" | "float" => Known::Number,
        "unary_operator" => match expr.field("argument").map(|a| a.kind()) {
            Some("integer" | "float") => Known::Number,
            _ => Known::Unknown,
        },
        "call" => match python::call_target(text, expr) {
            Some((None, "str")) => Known::Str,
            Some((None, "int" | "float" | "len")) => Known::Number,
            Some((Some(object), "format" | "join"))
                if matches!(object.kind(), "string" | "concatenated_string") =>
            {
                Known::Str
            }
            _ => Known::Unknown,
        },
        "identifier" => annotated_parameter(text, expr),
        // `float(x) - 0.01`, `int(a) + int(b)`: arithmetic on a number is
        // a number (or an error); `*` also repeats strings.
        "binary_operator" => {
            let operator = expr.field("operator").map(|o| python::text(text, o));
            let sides: Vec<Known> = ["left", "right"]
                .iter()
                .filter_map(|f| expr.field(f))
                .map(|side| known_type(text, side))
                .collect();
            let numbers = sides.iter().filter(|k| **k == Known::Number).count();
            let strs = sides.iter().filter(|k| **k == Known::Str).count();
            match operator {
                Some("-" | "/" | "//" | "**" | "+") if numbers >= 1 && strs == 0 => Known::Number,
                Some("*") if numbers == 2 => Known::Number,
                _ => Known::Unknown,
            }
        }
        _ => Known::Unknown,
    }
}

/// The type of a parameter of the enclosing function annotated `str`,
/// `int` or `float` and never assigned in it.
fn annotated_parameter(text: &str, name: Node<'_>) -> Known {
    let Some(function) = python::enclosing_function(name) else {
        return Known::Unknown;
    };
    let wanted = python::text(text, name);
    let Some(parameters) = function.field("parameters") else {
        return Known::Unknown;
    };
    let mut known = Known::Unknown;
    for parameter in python::named_children(parameters) {
        if !matches!(
            parameter.kind(),
            "typed_parameter" | "typed_default_parameter"
        ) {
            continue;
        }
        let own_name = parameter.field("name").or_else(|| parameter.named_child(0));
        if own_name.is_none_or(|n| python::text(text, n) != wanted) {
            continue;
        }
        // `name: str = None` may be None after all.
        let none_default = parameter.field("value").is_some_and(|v| v.kind() == "none");
        known = match parameter.field("type").map(|t| python::text(text, t)) {
            _ if none_default => Known::Unknown,
            Some("str") => Known::Str,
            Some("int" | "float") => Known::Number,
            _ => Known::Unknown,
        };
    }
    if known == Known::Unknown {
        return known;
    }
    let Some(body) = function.field("body") else {
        return Known::Unknown;
    };
    let mut assigned = false;
    python::walk_descendants(body, |n| {
        if n.kind() == "identifier" && python::text(text, n) == wanted && python::rebinds(n) {
            assigned = true;
        }
        !assigned
    });
    if assigned {
        Known::Unknown
    } else {
        known
    }
}

// ---------------------------------------------------------------------------
// The SQL variable
// ---------------------------------------------------------------------------

struct VariableSource<'n> {
    /// Its right side.
    value: Node<'n>,
    /// Why moving the values to the call would change the program.
    problem: Option<String>,
}

/// Whether `node` mentions the variable `name` (not as an attribute or a
/// keyword argument name).
fn mentions(text: &str, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        if n.kind() == "identifier" && python::text(text, n) == name && is_variable(n) {
            found = true;
        }
        !found
    });
    found
}

/// An identifier that names a variable (not `x.name`, not `f(name=…)`).
fn is_variable(identifier: Node<'_>) -> bool {
    let Some(parent) = identifier.parent() else {
        return true;
    };
    let field_is = |field: &str| {
        parent
            .field(field)
            .is_some_and(|f| f.id() == identifier.id())
    };
    !((parent.kind() == "attribute" && field_is("attribute"))
        || (parent.kind() == "keyword_argument" && field_is("name")))
}

/// Where the SQL in the variable `name_node` comes from: `sql = <expr>`
/// earlier in the same block as the call (or in a block the call's
/// `with` / `try` / loop sits in), with nothing in between touching
/// `sql`; or one assignment at the top level of each branch of an
/// `if`/`elif`/`else` chain there (each reported, report-only). Empty
/// when it is built some other way.
fn resolve_variable<'n>(
    text: &str,
    name_node: Node<'n>,
    call: Node<'n>,
) -> Vec<VariableSource<'n>> {
    let name = python::text(text, name_node);
    let Some(mut statement) = python::enclosing_statement(call) else {
        return Vec::new();
    };
    let mut through_loop: Option<Node<'n>> = None;
    let found = 'search: loop {
        let mut previous = statement.prev_named_sibling();
        while let Some(candidate) = previous {
            if is_assignment_to(text, candidate, name) || binds(text, candidate, name) {
                break 'search candidate;
            }
            previous = candidate.prev_named_sibling();
        }
        let Some(block) = statement.parent().filter(|p| p.kind() == "block") else {
            return Vec::new();
        };
        let Some(owner) = block.parent() else {
            return Vec::new();
        };
        let passes = match owner.kind() {
            "with_statement" => true,
            "try_statement" => owner.field("body").map(|b| b.id()) == Some(block.id()),
            "for_statement" | "while_statement" => {
                let body = owner.field("body").map(|b| b.id()) == Some(block.id());
                if body {
                    through_loop = Some(owner);
                }
                body
            }
            _ => false,
        };
        if !passes {
            return Vec::new();
        }
        statement = owner;
    };
    if !is_assignment_to(text, found, name) {
        return branch_sources(text, found, name);
    }
    let Some(source) = assigned_source(text, found, name_node, through_loop) else {
        return Vec::new();
    };
    vec![source]
}

/// The value of the assignment statement `assignment` to `name_node`'s
/// name, and why moving its values to the call would change the program.
fn assigned_source<'n>(
    text: &str,
    assignment: Node<'n>,
    name_node: Node<'n>,
    through_loop: Option<Node<'n>>,
) -> Option<VariableSource<'n>> {
    let name = python::text(text, name_node);
    let inner = assignment.named_child(0)?;
    let left = inner.field("left")?;
    let value = python::unparenthesize(inner.field("right")?);
    if mentions(text, value, name) {
        return None;
    }
    // In a loop the values would be computed again on every turn: nothing
    // in the whole loop may change them.
    let until = through_loop.map_or(name_node.start_byte(), |l| l.end_byte());
    let problem = other_uses(text, assignment, left, name_node, name)
        .or_else(|| changes_between(text, assignment, value, until));
    Some(VariableSource { value, problem })
}

/// `if …: sql = f"…" else: sql = f"…"`: one source per branch, when every
/// branch assigns `name` once at its top level and binds it nowhere else.
fn branch_sources<'n>(text: &str, statement: Node<'n>, name: &str) -> Vec<VariableSource<'n>> {
    let Some(blocks) = python::if_branches(statement) else {
        return Vec::new();
    };
    let mut sources = Vec::new();
    for block in blocks {
        let assignments: Vec<Node> = python::named_children(block)
            .into_iter()
            .filter(|s| is_assignment_to(text, *s, name))
            .collect();
        let others = python::named_children(block)
            .into_iter()
            .filter(|s| !is_assignment_to(text, *s, name) && binds(text, *s, name))
            .count();
        let [assignment] = assignments.as_slice() else {
            return Vec::new();
        };
        let Some(value) = assignment.named_child(0).and_then(|a| a.field("right")) else {
            return Vec::new();
        };
        if others > 0 {
            return Vec::new();
        }
        sources.push(VariableSource {
            value: python::unparenthesize(value),
            problem: Some(
                "the SQL is assigned in several branches of an `if`: bind the values in each branch by hand"
                    .into(),
            ),
        });
    }
    sources
}

/// `name = …` as a statement of its own.
fn is_assignment_to(text: &str, statement: Node<'_>, name: &str) -> bool {
    statement.kind() == "expression_statement"
        && statement.named_child(0).is_some_and(|a| {
            a.kind() == "assignment"
                && a.field("right").is_some()
                && a.field("left")
                    .is_some_and(|l| l.kind() == "identifier" && python::text(text, l) == name)
        })
}

/// Whether `node` binds `name` anywhere (assignment target, loop
/// variable, `with … as`, walrus, `global`).
fn binds(text: &str, node: Node<'_>, name: &str) -> bool {
    let mut found = false;
    python::walk_descendants(node, |n| {
        if n.kind() == "identifier" && python::text(text, n) == name && python::rebinds(n) {
            found = true;
        }
        !found
    });
    found
}

/// Uses of the variable other than the assignment and the call's argument
/// that could see the rewritten SQL.
fn other_uses(
    text: &str,
    assignment: Node<'_>,
    target: Node<'_>,
    argument: Node<'_>,
    name: &str,
) -> Option<String> {
    let scope = python::enclosing_function(assignment)
        .unwrap_or_else(|| python::ancestors(assignment).last().unwrap_or(assignment));
    let in_loop = python::ancestors(assignment)
        .skip(1)
        .take_while(|a| a.id() != scope.id())
        .find(|a| matches!(a.kind(), "for_statement" | "while_statement"));
    let rebindings: Vec<Node> =
        std::iter::successors(assignment.next_named_sibling(), |n| n.next_named_sibling())
            .filter(|s| s.start_byte() > argument.end_byte() && is_assignment_to(text, *s, name))
            .collect();
    let mut problem = None;
    python::walk_descendants(scope, |n| {
        if problem.is_some() {
            return false;
        }
        if n.kind() != "identifier"
            || python::text(text, n) != name
            || !is_variable(n)
            || n.id() == target.id()
            || n.id() == argument.id()
        {
            return true;
        }
        let fine = if n.start_byte() < assignment.start_byte() {
            in_loop
                .is_none_or(|l| !(l.start_byte() <= n.start_byte() && n.end_byte() <= l.end_byte()))
        } else if n.start_byte() >= argument.end_byte() {
            rebindings.iter().any(|r| {
                let left = r.named_child(0).and_then(|a| a.field("left"));
                left.is_some_and(|l| l.id() == n.id()) || n.start_byte() >= r.end_byte()
            })
        } else {
            false
        };
        if !fine {
            problem = Some(format!(
                "`{name}` is also used on line {}, which would see the SQL without its values",
                n.start_position().row + 1
            ));
        }
        true
    });
    problem
}

/// Whether a name the SQL was built from is rebound, or a call runs,
/// between the assignment and the call that would now evaluate the values.
fn changes_between(text: &str, assignment: Node<'_>, value: Node<'_>, to: usize) -> Option<String> {
    let from = assignment.end_byte();
    let mut names: Vec<&str> = Vec::new();
    let mut value_calls = false;
    python::walk_descendants(value, |n| {
        if n.kind() == "identifier" && is_variable(n) {
            names.push(python::text(text, n));
        }
        value_calls |= matches!(n.kind(), "call" | "await");
        true
    });
    let scope = python::ancestors(assignment)
        .skip(1)
        .find(|a| a.start_byte() <= from && to <= a.end_byte())?;
    let mut problem = None;
    python::walk_descendants(scope, |n| {
        if problem.is_some() || n.end_byte() <= from || n.start_byte() >= to {
            return false;
        }
        if n.start_byte() < from || n.end_byte() > to {
            return true;
        }
        if n.kind() == "identifier"
            && is_variable(n)
            && names.contains(&python::text(text, n))
            && (python::rebinds(n) || is_mutated_object(n))
        {
            problem = Some(format!(
                "`{}` may change between the SQL's assignment and the query",
                python::text(text, n)
            ));
        }
        if value_calls && matches!(n.kind(), "call" | "await") {
            problem = Some(
                "a call runs between the SQL's assignment and the query, and the values would now be computed after it"
                    .into(),
            );
        }
        true
    });
    problem
}

/// `x` in `x.attr = …`, `x[k] = …`, `del x[k]`: the object is changed.
fn is_mutated_object(identifier: Node<'_>) -> bool {
    let mut child = identifier;
    for parent in python::ancestors(identifier).skip(1) {
        match parent.kind() {
            "attribute" | "subscript" => {
                let is_object = parent
                    .field("object")
                    .or_else(|| parent.field("value"))
                    .is_some_and(|o| o.id() == child.id());
                if !is_object {
                    return false;
                }
            }
            "assignment" | "augmented_assignment" => {
                return parent.field("left").is_some_and(|l| l.id() == child.id());
            }
            "delete_statement" => return true,
            _ => return false,
        }
        child = parent;
    }
    false
}

// ---------------------------------------------------------------------------
// SQL analysis and the fix
// ---------------------------------------------------------------------------

/// Where a value sits in the SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Unquoted,
    /// Inside a quoted string from `open` to `close` (token indices of the
    /// quote characters).
    Quoted {
        open: usize,
        close: usize,
        quote: char,
    },
    Comment,
    Unterminated,
}

/// The SQL text scanned once: each value's place, the placeholders already
/// there, and whether a literal `%` or dollar quote occurs.
struct Scan {
    places: Vec<Place>,
    /// Token indices of placeholders already in the SQL (outside quotes).
    existing: Vec<usize>,
    /// Highest `$n` already in the SQL.
    max_numbered: usize,
    numbered: Vec<usize>,
    named_placeholders: bool,
    dollar_quote: bool,
    percent: bool,
}

fn scan(sql: &[char], values: usize, style: Style) -> Scan {
    let mut result = Scan {
        places: vec![Place::Unterminated; values],
        existing: Vec::new(),
        max_numbered: 0,
        numbered: Vec::new(),
        named_placeholders: false,
        dollar_quote: false,
        percent: false,
    };
    let mut value_index = 0;
    let mut i = 0;
    // Values seen inside the current quoted string.
    let mut open: Option<(usize, char)> = None;
    let mut inside: Vec<usize> = Vec::new();
    let mut comment: Option<bool> = None; // Some(true): line comment
    while i < sql.len() {
        let c = sql[i];
        let next = sql.get(i + 1).copied();
        if c == '\u{1}' {
            if comment.is_some() {
                if let Some(place) = result.places.get_mut(value_index) {
                    *place = Place::Comment;
                }
            } else if open.is_some() {
                inside.push(value_index);
            } else if let Some(place) = result.places.get_mut(value_index) {
                *place = Place::Unquoted;
            }
            value_index += 1;
            i += 1;
            continue;
        }
        if c == '%' {
            result.percent = true;
        }
        if let Some(line) = comment {
            if (line && c == '\n') || (!line && c == '*' && next == Some('/')) {
                comment = None;
                i += if line { 1 } else { 2 };
            } else {
                i += 1;
            }
            continue;
        }
        if let Some((start, quote)) = open {
            if c == quote {
                if next == Some(quote) {
                    i += 2;
                    continue;
                }
                for &v in &inside {
                    if let Some(place) = result.places.get_mut(v) {
                        *place = Place::Quoted {
                            open: start,
                            close: i,
                            quote,
                        };
                    }
                }
                inside.clear();
                open = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' | '`' => open = Some((i, c)),
            '-' if next == Some('-') => comment = Some(true),
            '/' if next == Some('*') => comment = Some(false),
            '$' if next == Some('$') => result.dollar_quote = true,
            '$' if next.is_some_and(|n| n.is_ascii_digit()) => {
                let digits: String = sql[i + 1..]
                    .iter()
                    .take_while(|d| d.is_ascii_digit())
                    .collect();
                if style == Style::Numeric {
                    let n = digits.parse().unwrap_or(usize::MAX);
                    result.max_numbered = result.max_numbered.max(n);
                    if !result.numbered.contains(&n) {
                        result.numbered.push(n);
                    }
                    result.existing.push(i);
                }
                i += 1 + digits.len();
                continue;
            }
            '?' if style == Style::Qmark => result.existing.push(i),
            '%' if style == Style::Format => match next {
                Some('%') => {
                    i += 2;
                    continue;
                }
                Some('s' | 'b' | 't') => result.existing.push(i),
                Some('(') => result.named_placeholders = true,
                _ => {}
            },
            ':' if style == Style::Qmark
                && next.is_some_and(|n| n.is_ascii_alphabetic() || n == '_')
                && i.checked_sub(1).is_none_or(|p| sql[p] != ':') =>
            {
                result.named_placeholders = true
            }
            _ => {}
        }
        i += 1;
    }
    result
}

/// The previous non-space token before token index `at`: a word (upper
/// case), an operator, a single punctuation character, or `\u{1}`.
fn token_before(sql: &[char], at: usize) -> (String, usize) {
    let mut end = at;
    while end > 0 && sql[end - 1].is_whitespace() {
        end -= 1;
    }
    if end == 0 {
        return (String::new(), 0);
    }
    let c = sql[end - 1];
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let is_op = |c: char| "=<>!|+-/".contains(c);
    let mut start = end - 1;
    if is_word(c) {
        while start > 0 && is_word(sql[start - 1]) {
            start -= 1;
        }
    } else if is_op(c) {
        while start > 0 && is_op(sql[start - 1]) {
            start -= 1;
        }
    }
    let token: String = sql[start..end].iter().collect();
    (token.to_uppercase(), start)
}

/// Whether the value at token index `at` (outside quotes) is in a position
/// where SQL expects a value. `Err` names what it is instead.
fn value_position(sql: &[char], at: usize) -> Result<(), String> {
    let before = at.checked_sub(1).map(|p| sql[p]);
    let after = sql.get(at + 1).copied();
    let glued = |c: Option<char>| {
        c.is_some_and(|c| {
            c.is_alphanumeric()
                || c == '_'
                || c == '.'
                || c == '\u{1}'
                || c == '"'
                || c == '`'
                || c == '\u{2}'
        })
    };
    if glued(before) || glued(after) || after.is_some_and(|c| c == '(' || c == '\'') {
        return Err("is spliced into a name or a word of the SQL".into());
    }
    let (token, start) = token_before(sql, at);
    match token.as_str() {
        "=" | "<" | ">" | "<=" | ">=" | "<>" | "!=" | "==" | "+" | "-" | "/" | "||" => Ok(()),
        t if VALUE_KEYWORDS.contains(&t) => Ok(()),
        "AND" => {
            // `BETWEEN a AND b`
            let (operand, operand_start) = token_before(sql, start);
            let (between, _) = token_before(sql, operand_start);
            if between == "BETWEEN" && !operand.is_empty() {
                Ok(())
            } else {
                Err("is spliced in as a condition, not as a value".into())
            }
        }
        "IN" => Err("is formatted as a whole list after IN: build one placeholder per item".into()),
        "(" | "," => match list_owner(sql, start) {
            Some(owner) if matches!(owner.as_str(), "IN" | "VALUES" | "ANY" | "ALL") => Ok(()),
            Some(owner)
                if owner.chars().all(|c| c.is_alphanumeric() || c == '_') && !owner.is_empty() =>
            {
                Err(format!(
                    "is spliced into `{owner}(…)`, where it may be a name"
                ))
            }
            _ => Err("is spliced into a list of names".into()),
        },
        t if NAME_KEYWORDS.contains(&t) => {
            let what = if t == "BY" {
                let (order, _) = token_before(sql, start);
                format!("{order} BY")
            } else {
                t.to_owned()
            };
            Err(format!(
                "is spliced in as a table or column name (after {what}), which parameters cannot carry: check it against an allow-list"
            ))
        }
        _ => Err("is spliced in as a piece of SQL, not as a value".into()),
    }
}

/// For a `(` or `,` at `at`: the word before the innermost open
/// parenthesis (`IN`, `VALUES`, a function name), skipping over earlier
/// rows of a `VALUES (…), (…)` list.
fn list_owner(sql: &[char], at: usize) -> Option<String> {
    let mut depth = 0i32;
    let mut i = at + 1;
    while i > 0 {
        i -= 1;
        match sql[i] {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let (mut word, mut start) = token_before(sql, i);
                // `VALUES (…), (…)`: step back over complete rows.
                while word == "," {
                    let (row_end, row_end_at) = token_before(sql, start);
                    if row_end != ")" {
                        break;
                    }
                    let mut depth = 0i32;
                    let mut j = row_end_at + 1;
                    while j > 0 {
                        j -= 1;
                        match sql[j] {
                            ')' => depth += 1,
                            '(' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    (word, start) = token_before(sql, j);
                }
                return Some(word);
            }
            _ => {}
        }
    }
    None
}

/// A bound value or quoted region, ready to become a placeholder.
struct Slot {
    /// Token index where its placeholder stands (for ordering).
    at: usize,
    /// Source to replace by the placeholder.
    range: TextRange,
    /// Strings at the two ends of `range`.
    left: usize,
    right: Option<usize>,
    /// The parameter's source text (`None` for an existing placeholder).
    param: Option<String>,
    /// Index of an existing parameter.
    existing: Option<usize>,
    /// A quoted region with more than the value: the parameter is an f-string.
    composite: bool,
    safe: bool,
}

/// Everything `check` found, handed to the fix.
struct Job<'a, 'c, 'n> {
    cx: &'a Checker<'c>,
    receiver: Node<'n>,
    method: &'a str,
    args: &'a Arguments<'n>,
    variable: Option<&'a VariableSource<'n>>,
    template: &'a Template<'n>,
    sql: &'a str,
    trust: &'a [Trust],
    /// What a refusal is about, set by `fix` when it says why not.
    stake: std::cell::Cell<Stake>,
}

/// What is formatted into the SQL, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stake {
    /// Values (in quotes, or numbers).
    Value,
    /// A table or column name, or another piece of SQL text.
    Identifier,
    /// Outside quotes with an unknown type: a value or SQL text.
    Fragment,
}

impl Job<'_, '_, '_> {
    fn text(&self) -> &str {
        self.cx.text
    }

    /// The fix, or why there is none.
    fn fix(&self, driver: Result<Driver, String>) -> Result<(Fix, Style), String> {
        let text = self.text();
        let template = self.template;
        let sql: Vec<char> = self.sql.chars().collect();
        // Classify every value before knowing the driver, so that a name
        // spliced in is reported as such even without one.
        let probe = scan(&sql, template.values.len(), Style::Qmark);
        let unquoted_untrusted = || {
            probe.places.iter().enumerate().filter(|(index, place)| {
                matches!(place, Place::Unquoted) && self.trust[*index] == Trust::Untrusted
            })
        };
        for (index, _) in unquoted_untrusted() {
            let at = value_token(&template.toks, index);
            if let Err(reason) = value_position(&sql, at) {
                self.stake.set(Stake::Identifier);
                let value = template.values[index].expr;
                let mut message = format!("`{}` {reason}", short(python::text(text, value)));
                if value.kind() == "identifier"
                    && python::parameter_constant_at_every_call(text, value)
                {
                    message.push_str(" (every call in this module passes a literal for it; callers elsewhere may not)");
                }
                return Err(message);
            }
        }
        // A value outside quotes is bound only when it is a number: a
        // helper may return SQL (`date('now', '-7 day')`), which a
        // parameter would turn into a string.
        for (index, _) in unquoted_untrusted() {
            let value = &template.values[index];
            if value_known_type(text, value) != Known::Number {
                self.stake.set(Stake::Fragment);
                return Err(format!(
                    "`{}` is formatted in without quotes and its type is unknown: it may be an SQL fragment (such as `date('now')`), which a bound parameter would turn into a string; bind it by hand if it is a value",
                    short(python::text(text, value.expr))
                ));
            }
        }
        if let Some(problem) = self.values_problem() {
            return Err(problem);
        }
        let (_, word) = first_word(self.sql);
        if !DML_KEYWORDS.contains(&word.as_str()) {
            return Err(format!("{word} statements do not take bound parameters"));
        }
        if sql.contains(&'\u{2}') {
            return Err("the SQL contains an escape this tool does not decode".into());
        }
        let driver = driver?;
        let style = driver.style;
        let scan = scan(&sql, template.values.len(), style);
        if scan.dollar_quote {
            return Err("the SQL contains a dollar-quoted string".into());
        }
        if self.method == "executemany" {
            return Err(
                "executemany takes one parameter set per row: add the values to every row".into(),
            );
        }
        if scan.percent && !driver.unescapes_percent {
            return Err(format!(
                "{} does not unescape `%%`, so the literal `%` in this SQL cannot be kept exactly",
                driver.name
            ));
        }
        let params = self.existing_params(style)?;
        let had_params = params.is_some();
        if scan.named_placeholders {
            return Err("the SQL already uses named placeholders".into());
        }
        match &params {
            None if !scan.existing.is_empty() && style != Style::Format => {
                return Err("the SQL already contains placeholders but no parameters are passed".into())
            }
            Some(Params::Literal { items, .. }) if style != Style::Numeric && items.len() != scan.existing.len() => {
                return Err("the parameters already passed do not match the placeholders already in the SQL".into())
            }
            Some(Params::Extra(items)) => {
                let mut numbers = scan.numbered.clone();
                numbers.sort_unstable();
                if numbers != (1..=items.len()).collect::<Vec<_>>() || scan.max_numbered != items.len() {
                    return Err("the arguments already passed do not match the `$n` placeholders in the SQL".into());
                }
            }
            _ => {}
        }
        if template.pass_through.is_some() && had_params {
            return Err("the call already passes parameters besides the formatted ones".into());
        }

        let mut slots: Vec<Slot> = Vec::new();
        let mut handled_regions: Vec<usize> = Vec::new();
        let mut kept_placeholders = false;
        let mut kept_names = false;
        for (index, value) in template.values.iter().enumerate() {
            let at = value_token(&template.toks, index);
            match scan.places[index] {
                Place::Comment => {
                    return Err(format!(
                        "`{}` sits inside an SQL comment",
                        short(python::text(text, value.expr))
                    ))
                }
                Place::Unterminated => return Err("the SQL has an unterminated quote".into()),
                Place::Unquoted => match self.trust[index] {
                    Trust::Placeholders => kept_placeholders = true,
                    _ => {
                        // Only numbers get here untrusted; constants that
                        // are not known numbers stay in the SQL text.
                        let known = value_known_type(text, value);
                        if value_position(&sql, at).is_err() || known != Known::Number {
                            kept_names = true;
                            continue;
                        }
                        slots.push(Slot {
                            at,
                            range: value.range,
                            left: self.string_at(value.range.start, value.before),
                            right: self.right_string(value),
                            param: Some(param_text(text, value.param)),
                            existing: None,
                            composite: false,
                            safe: true,
                        });
                    }
                },
                Place::Quoted { open, close, quote } => {
                    if handled_regions.contains(&open) {
                        continue;
                    }
                    handled_regions.push(open);
                    if quote == '`' || (quote == '"' && !driver.double_quoted_strings) {
                        self.stake.set(Stake::Identifier);
                        return Err(format!(
                            "`{}` sits inside {}, which names an identifier{}",
                            short(python::text(text, value.expr)),
                            if quote == '`' {
                                "backticks"
                            } else {
                                "double quotes"
                            },
                            if quote == '"' {
                                " in standard SQL (a string only for MySQL drivers)"
                            } else {
                                ""
                            }
                        ));
                    }
                    slots.push(self.quoted_slot(&sql, open, close, quote, driver)?);
                }
            }
        }
        if kept_placeholders && !slots.is_empty() {
            return Err("a placeholder list is built at run time, so the positions of new parameters are unknown".into());
        }
        if kept_names && matches!(template.form, Form::Percent | Form::Format) {
            return Err(format!(
                "{} also splices in a name; move the values to parameters by hand",
                template.form.describe()
            ));
        }
        if slots.is_empty() {
            return Err("no value can be bound".into());
        }
        if template.pass_through.is_some()
            && (slots.len() != template.values.len() || slots.iter().any(|s| s.composite))
        {
            return Err("the values come as one tuple that cannot be split".into());
        }
        for (k, &at) in scan.existing.iter().enumerate() {
            if style != Style::Numeric {
                slots.push(Slot {
                    at,
                    range: TextRange::default(),
                    left: 0,
                    right: None,
                    param: None,
                    existing: Some(k),
                    composite: false,
                    safe: true,
                });
            }
        }
        slots.sort_by_key(|s| s.at);

        let mut edits = Vec::new();
        let final_f = self.final_fstrings(&slots);
        let mut number = scan.max_numbered;
        let mut new_params: Vec<String> = Vec::new();
        let mut bound_ranges: Vec<TextRange> = Vec::new();
        for slot in &slots {
            let Some(param) = &slot.param else { continue };
            let placeholder = match style {
                Style::Qmark => "?".to_owned(),
                Style::Format => "%s".to_owned(),
                Style::Numeric => {
                    number += 1;
                    format!("${number}")
                }
            };
            let glue = self.glue(slot, &final_f);
            edits.push(Edit::replacement(
                slot.range,
                format!("{placeholder}{glue}"),
            ));
            bound_ranges.push(slot.range);
            new_params.push(param.clone());
        }
        let inside = |r: TextRange| {
            bound_ranges
                .iter()
                .any(|b| b.start <= r.start && r.end <= b.end && !b.is_empty())
        };
        // Characters that must be spelled differently now.
        let escape_percent = style == Style::Format && !had_params;
        for tok in &template.toks {
            let Tok::Char(c) = tok else { continue };
            if inside(c.range) {
                continue;
            }
            let original = &text[c.range.as_range()];
            let wanted = match c.ch {
                Some('%') if escape_percent => "%%",
                Some('%') => "%",
                Some('{') if final_f[c.string] => "{{",
                Some('{') => "{",
                Some('}') if final_f[c.string] => "}}",
                Some('}') => "}",
                _ => continue,
            };
            if original != wanted {
                edits.push(Edit::replacement(c.range, wanted));
            }
        }
        for (index, string) in template.strings.iter().enumerate() {
            let start: TextRange = string.start.byte_range().into();
            if string.is_fstring() && !final_f[index] && !inside(start) {
                edits.push(Edit::replacement(start, final_start(text, string, false)));
            }
        }
        if let Some(tail) = template.tail {
            edits.push(Edit::deletion(tail));
        }
        edits.push(self.params_edit(style, params.as_ref(), &slots, &new_params));

        let safe = slots.iter().all(|s| s.safe)
            && receiver_looks_like_a_database(text, self.receiver)
            && template.pass_through.is_none();
        let applicability = if safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        Ok((Fix::new(edits, applicability), style))
    }

    /// A problem found while building the template or resolving the variable.
    fn values_problem(&self) -> Option<String> {
        let text = self.text();
        if let Some(problem) = &self.template.problem {
            return Some(problem.clone());
        }
        if let Some(problem) = self.variable.and_then(|v| v.problem.clone()) {
            return Some(problem);
        }
        for value in &self.template.values {
            if let Some(problem) = &value.problem {
                return Some(problem.clone());
            }
            let param = python::text(text, value.param);
            if param.contains('\n') {
                return Some(format!("the value `{}` spans lines", short(param)));
            }
            let quoting = match python::call_target(text, value.param) {
                Some((None, "repr")) => true,
                Some((Some(module), "dumps")) => python::text(text, module) == "json",
                _ => false,
            };
            if quoting {
                return Some(format!(
                    "`{}` quotes the value by Python's rules, not SQL's: bind the value itself by hand",
                    short(param)
                ));
            }
            if matches!(
                value.param.kind(),
                "list_splat" | "yield" | "dictionary_splat"
            ) {
                return Some(format!("`{}` cannot be one parameter", short(param)));
            }
        }
        None
    }

    /// The index of the string that contains (or ends at) `offset`.
    fn string_at(&self, offset: usize, fallback: Option<usize>) -> usize {
        if let Some(index) = fallback {
            return index;
        }
        self.template
            .strings
            .iter()
            .position(|s| s.node.start_byte() <= offset && offset < s.node.end_byte())
            .unwrap_or(0)
    }

    fn right_string(&self, value: &Value<'_>) -> Option<usize> {
        if self.template.form == Form::Concat {
            value.after
        } else {
            Some(self.string_at(value.range.start, None))
        }
    }

    /// The slot for a quoted region from token `open` to token `close`.
    fn quoted_slot(
        &self,
        sql: &[char],
        open: usize,
        close: usize,
        quote: char,
        driver: Driver,
    ) -> Result<Slot, String> {
        let text = self.text();
        let toks = &self.template.toks;
        let (before, _) = token_before(sql, open);
        if TYPED_LITERALS.contains(&before.as_str()) {
            return Err(format!("a value is part of a typed literal ({before} '…'); write CAST(? AS {before}) by hand"));
        }
        let attached_file = before == "DATABASE" && first_word(self.sql).1 == "ATTACH";
        if NAME_KEYWORDS.contains(&before.as_str()) && before != "SELECT" && !attached_file {
            self.stake.set(Stake::Identifier);
            return Err(format!("a quoted value is used as a name (after {before})"));
        }
        let Tok::Char(open_char) = toks[open] else {
            return Err("the SQL quoting is unusual".into());
        };
        let Tok::Char(close_char) = toks[close] else {
            return Err("the SQL quoting is unusual".into());
        };
        let range = TextRange::new(open_char.range.start, close_char.range.end);
        let inner = &toks[open + 1..close];
        if let [Tok::Value(index)] = inner {
            let value = &self.template.values[*index];
            let known = known_type(text, value.param);
            let is_str = known == Known::Str
                || (self.template.form == Form::Concat && value.conversion == Conversion::Format);
            let param = if self.template.form == Form::Concat && value.conversion == Conversion::Str
            {
                // `'" + str(x) + "'`: the SQL had the string.
                python::text(text, value.expr).to_owned()
            } else {
                param_text(text, value.param)
            };
            let is_str = is_str
                || (self.template.form == Form::Concat && value.conversion == Conversion::Str);
            return Ok(Slot {
                at: open,
                range,
                left: open_char.string,
                right: Some(close_char.string),
                param: Some(param),
                existing: None,
                composite: false,
                safe: is_str
                    && value.conversion != Conversion::Integer
                    && driver.style != Style::Numeric,
            });
        }
        // A longer string: its whole text becomes one f-string parameter.
        let mut pieces: Vec<Result<char, usize>> = Vec::new();
        let mut exact = true;
        let mut k = 0;
        while k < inner.len() {
            match inner[k] {
                Tok::Char(c) => {
                    let ch =
                        c.ch.ok_or("the SQL contains an escape this tool does not decode")?;
                    if ch == '\\' {
                        return Err("a quoted value contains a backslash, which some databases read as an escape".into());
                    }
                    if ch == quote {
                        k += 1; // `''` is one quote
                    }
                    pieces.push(Ok(ch));
                }
                Tok::Value(index) => {
                    let value = &self.template.values[index];
                    if value.conversion == Conversion::Integer {
                        return Err(format!(
                            "`%d` formats `{}` inside a string",
                            short(python::text(text, value.expr))
                        ));
                    }
                    if value.conversion == Conversion::Str
                        && known_type(text, value.param) != Known::Str
                    {
                        exact = false;
                    }
                    pieces.push(Err(index));
                }
            }
            k += 1;
        }
        let param = self.fstring_param(&pieces)?;
        let like = matches!(before.as_str(), "LIKE" | "ILIKE");
        Ok(Slot {
            at: open,
            range,
            left: open_char.string,
            right: Some(close_char.string),
            param: Some(param),
            existing: None,
            composite: true,
            safe: exact && (driver.style != Style::Numeric || like),
        })
    }

    /// `f"%{term}%"` for a quoted region's characters and values.
    fn fstring_param(&self, pieces: &[Result<char, usize>]) -> Result<String, String> {
        let text = self.text();
        let mut exprs = Vec::new();
        for piece in pieces {
            if let Err(index) = piece {
                let value = &self.template.values[*index];
                let expr = python::text(text, value.param);
                if expr.contains(['\\', '\n', '#']) {
                    return Err(format!(
                        "`{}` cannot be moved into an f-string parameter",
                        short(expr)
                    ));
                }
                let simple = matches!(
                    value.param.kind(),
                    "identifier"
                        | "attribute"
                        | "subscript"
                        | "call"
                        | "integer"
                        | "float"
                        | "string"
                );
                exprs.push(if simple && !expr.starts_with('{') {
                    expr.to_owned()
                } else {
                    format!("({expr})")
                });
            }
        }
        let preferred = self.cx.stylist.quote;
        let other = if preferred == '"' { '\'' } else { '"' };
        let quote = [preferred, other]
            .into_iter()
            .find(|q| !exprs.iter().any(|e| e.contains(*q)))
            .ok_or("the value mixes both quote characters")?;
        let mut out = format!("f{quote}");
        let mut exprs = exprs.into_iter();
        for piece in pieces {
            match piece {
                Ok(ch) => match ch {
                    '{' => out.push_str("{{"),
                    '}' => out.push_str("}}"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if *c == quote => {
                        out.push('\\');
                        out.push(*c);
                    }
                    c if c.is_control() => out.push_str(&format!("\\x{:02x}", *c as u32)),
                    c => out.push(*c),
                },
                Err(_) => {
                    out.push('{');
                    out.push_str(&exprs.next().unwrap_or_default());
                    out.push('}');
                }
            }
        }
        out.push(quote);
        Ok(out)
    }

    /// Which strings are still f-strings after the fix: those with an
    /// interpolation left outside every replaced range.
    fn final_fstrings(&self, slots: &[Slot]) -> Vec<bool> {
        let template = self.template;
        let mut keeps = vec![false; template.strings.len()];
        if template.form != Form::FString && template.form != Form::Concat {
            return keeps;
        }
        for (index, string) in template.strings.iter().enumerate() {
            keeps[index] = string.pieces.iter().any(|p| match p {
                StringPiece::Interpolation(node) => !slots.iter().any(|s| {
                    s.param.is_some()
                        && s.range.start <= node.start_byte()
                        && node.end_byte() <= s.range.end
                }),
                StringPiece::Char { .. } => false,
            });
        }
        keeps
    }

    /// What follows the placeholder when a replaced range joins two
    /// strings: nothing when they can merge, else the left string's end
    /// and the right string's start.
    fn glue(&self, slot: &Slot, final_f: &[bool]) -> String {
        let text = self.text();
        let strings = &self.template.strings;
        let left = &strings[slot.left];
        let Some(right_index) = slot.right else {
            return python::text(text, left.end).to_owned();
        };
        if right_index == slot.left {
            return String::new();
        }
        let right = &strings[right_index];
        let left_start = final_start(text, left, final_f[slot.left]);
        let right_start = final_start(text, right, final_f[right_index]);
        if left_start == right_start
            && python::text(text, left.end) == python::text(text, right.end)
        {
            return String::new();
        }
        let joiner = if self.template.piece_of[slot.left] == self.template.piece_of[right_index] {
            " "
        } else {
            " + "
        };
        format!("{}{joiner}{right_start}", python::text(text, left.end))
    }

    /// The parameters the call already passes.
    fn existing_params(&self, style: Style) -> Result<Option<Params<'_>>, String> {
        let text = self.text();
        let args = self.args;
        if style == Style::Numeric {
            if args.has_splat {
                return Err("the call already unpacks arguments with `*`".into());
            }
            let extra: Vec<Node> = args.positional.iter().skip(1).copied().collect();
            return Ok((!extra.is_empty()).then_some(Params::Extra(extra)));
        }
        let node = args
            .positional
            .get(1)
            .copied()
            .or_else(|| PARAMS_KEYWORDS.iter().find_map(|k| args.keyword(k)));
        let Some(node) = node else {
            if args.positional.len() > 2 || args.has_splat {
                return Err("the call passes arguments this tool does not understand".into());
            }
            return Ok(None);
        };
        let literal = python::unparenthesize(node);
        if matches!(literal.kind(), "tuple" | "list") {
            let items: Vec<Node> = python::named_children(literal)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect();
            if !items.iter().any(|i| i.kind() == "list_splat") {
                return Ok(Some(Params::Literal {
                    node,
                    items,
                    list: literal.kind() == "list",
                }));
            }
        }
        Err(format!(
            "the call already passes parameters (`{}`) that cannot be merged with new ones unambiguously",
            short(python::text(text, node))
        ))
    }

    /// The edit that passes the new parameters.
    fn params_edit(
        &self,
        style: Style,
        params: Option<&Params<'_>>,
        slots: &[Slot],
        new_params: &[String],
    ) -> Edit {
        let text = self.text();
        let cx = self.cx;
        let argument = self.args.positional[0];
        if let Some(pass) = self.template.pass_through {
            return edit::insert_arguments_after(
                cx,
                argument,
                &[python::text(text, pass).to_owned()],
            );
        }
        match (style, params) {
            (Style::Numeric, Some(Params::Extra(items))) => {
                let last = items.last().copied().unwrap_or(argument);
                edit::insert_arguments_after(cx, last, new_params)
            }
            (Style::Numeric, _) => edit::insert_arguments_after(cx, argument, new_params),
            (_, Some(Params::Literal { node, items, list })) => {
                let mut merged = Vec::new();
                for slot in slots {
                    match (&slot.param, slot.existing) {
                        (Some(param), _) => merged.push(param.clone()),
                        (None, Some(k)) => merged.push(
                            items
                                .get(k)
                                .map_or(String::new(), |i| python::text(text, *i).to_owned()),
                        ),
                        _ => {}
                    }
                }
                Edit::replacement(node.byte_range().into(), sequence(&merged, *list))
            }
            _ => edit::insert_arguments_after(cx, argument, &[sequence(new_params, false)]),
        }
    }
}

/// Parameters already passed to the call.
enum Params<'n> {
    /// A tuple or list literal (DB-API).
    Literal {
        node: Node<'n>,
        items: Vec<Node<'n>>,
        list: bool,
    },
    /// Extra positional arguments (asyncpg).
    Extra(Vec<Node<'n>>),
}

/// `(a,)`, `(a, b)` or `[a, b]`.
fn sequence(items: &[String], list: bool) -> String {
    match (items, list) {
        (_, true) => format!("[{}]", items.join(", ")),
        ([one], false) => format!("({one},)"),
        (_, false) => format!("({})", items.join(", ")),
    }
}

/// The token index of value `index`.
fn value_token(toks: &[Tok], index: usize) -> usize {
    toks.iter()
        .position(|t| matches!(t, Tok::Value(v) if *v == index))
        .unwrap_or(0)
}

/// The text of a parameter expression, parenthesized where a tuple item
/// needs it.
fn param_text(text: &str, param: Node<'_>) -> String {
    let source = python::text(text, param);
    if param.kind() == "named_expression" {
        format!("({source})")
    } else {
        source.to_owned()
    }
}

/// A string's opening delimiter, with or without its `f`.
fn final_start(text: &str, string: &StringParts<'_>, fstring: bool) -> String {
    let opening = python::text(text, string.start);
    if fstring || !string.is_fstring() {
        opening.to_owned()
    } else {
        opening.replace(['f', 'F'], "")
    }
}

/// Whether a receiver is named like a cursor, connection, pool or session.
fn receiver_looks_like_a_database(text: &str, receiver: Node<'_>) -> bool {
    let receiver = python::unparenthesize(receiver);
    let name = match receiver.kind() {
        "call" => python::call_target(text, receiver).map_or("", |(_, name)| name),
        "await" => return false,
        _ => python::text(text, receiver)
            .rsplit('.')
            .next()
            .unwrap_or(""),
    };
    name.to_ascii_lowercase().split('_').any(|part| {
        matches!(
            part,
            "c" | "cur" | "con" | "cnx" | "db" | "dbh" | "pool" | "tx" | "session" | "transaction"
        ) || ["cursor", "conn", "database"]
            .iter()
            .any(|w| part.starts_with(w))
    })
}

/// Short, one-line excerpt of source text for messages.
fn short(source: &str) -> String {
    let line = source.lines().next().unwrap_or("");
    if line.chars().count() > 40 || line.len() < source.trim_end().len() {
        let cut: String = line.chars().take(37).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// The line (1-based) of the module's first comparison with the text
/// `'None'`, computed once per file.
fn text_none_comparison_line(cx: &Checker<'_>) -> Option<usize> {
    cx.memo(("sql-fstring-parameterize:text-none", ""), || {
        python::comparison_with_text_none(cx.text, cx.root).map(|n| n.start_position().row + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_texts() {
        for text in ["?", ", ?", "%s, ", "QUOTE(?)", "$1", "(?, ?)"] {
            assert!(is_placeholder_text(text), "{text}");
        }
        for text in ["", ", ", "name = '%s'", "what?", "$x"] {
            assert!(!is_placeholder_text(text), "{text}");
        }
    }

    #[test]
    fn sql_statements_are_recognised() {
        for sql in [
            "SELECT a FROM t WHERE b = \u{1}",
            "  -- note\n  select * from t",
            "(SELECT 1 FROM t) UNION (SELECT 2 FROM u)",
            "UPDATE t SET a = \u{1}",
            "delete from t where id = \u{1}",
            "INSERT INTO t VALUES (\u{1})",
        ] {
            assert!(starts_like_sql(sql), "{sql}");
        }
        for sql in [
            "Selected \u{1} for review",
            "update \u{1}",
            "Delete this?",
            "\u{1} SELECT",
            "select",
        ] {
            assert!(!starts_like_sql(sql), "{sql}");
        }
    }

    #[test]
    fn value_positions() {
        let position = |sql: &str| {
            let chars: Vec<char> = sql.chars().collect();
            let at = chars.iter().position(|c| *c == '\u{1}').unwrap();
            value_position(&chars, at)
        };
        for sql in [
            "a = \u{1}",
            "a >= \u{1} AND b",
            "LIMIT \u{1}",
            "x BETWEEN 1 AND \u{1}",
            "a IN (1, \u{1})",
            "VALUES (1, 2), (\u{1}, 3)",
            "a = ANY(\u{1})",
        ] {
            assert!(position(sql).is_ok(), "{sql}");
        }
        for sql in [
            "FROM \u{1}",
            "ORDER BY \u{1}",
            "SELECT \u{1} FROM t",
            "a IN \u{1}",
            "WHERE \u{1}",
            "INSERT INTO t (\u{1}) VALUES (1)",
            "a = t_\u{1}",
            "COUNT(\u{1})",
        ] {
            assert!(position(sql).is_err(), "{sql}");
        }
    }
}
