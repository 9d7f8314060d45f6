//! # backup-failure-raises
//!
//! ## What it does
//! Finds `subprocess.run` calls of backup tools — `pg_dump`, `pg_dumpall`,
//! `pg_basebackup`, `mysqldump`, `mariadb-dump`, `mongodump` (configurable)
//! — whose failure does not stop the program:
//!
//! - `result = subprocess.run([...])` followed by `if result.returncode != 0:`
//!   (or `if result.returncode:`, or the `else:` of `if result.returncode ==
//!   0:`) whose failure branch only logs (`logger.warning`, `print`, …);
//! - `subprocess.run([...], check=True)` inside a `try` whose handler for
//!   `CalledProcessError` (or a broader class) only logs;
//! - `subprocess.run([...])` as a bare statement: the exit status is ignored.
//!
//! The command may be a list literal, a shell string, or a variable assigned
//! a list literal, a shell string or a `"...".format(...)` template earlier
//! in the function. `subprocess.run` is recognised through the module's
//! imports (`import subprocess as sp`, `from subprocess import run`).
//! "Only logs" means logging calls on a logger (`logger.warning`,
//! `logging.info`, `self.log.error`) and `print`: messages shown to a user
//! (Django's `messages.warning(request, ...)`, Flask's `flash`,
//! Streamlit's `st.warning`) are not logging, and such a branch is left
//! alone.
//!
//! ## Why
//! A backup is usually the step before something destructive: a season
//! reset, a table wipe, a migration. When its failure is only logged, the
//! destructive step runs anyway, without a backup, and the warning scrolls
//! by unnoticed.
//!
//! ## Example
//! ```python
//! import subprocess
//!
//! result = subprocess.run(["pg_dump", "-f", path, dsn], capture_output=True, text=True)
//! if result.returncode != 0:
//!     logger.warning("backup failed: %s", result.stderr)
//! ```
//! becomes
//! ```python
//! import subprocess
//! import os
//!
//! result = subprocess.run(["pg_dump", "-f", path, dsn], capture_output=True, text=True)
//! if result.returncode != 0:
//!     logger.error("backup failed: %s", result.stderr)
//!     raise RuntimeError(f"pg_dump failed with exit code {result.returncode}: {result.stderr.strip()}")
//! if not os.path.isfile(path) or os.path.getsize(path) == 0:
//!     raise RuntimeError("pg_dump exited 0 but wrote no backup to " + str(path))
//! ```
//! (`import os` is added when missing.) The output check is added when the
//! output file is visible in the command — `-f` / `--file` of pg_dump and
//! pg_dumpall, `-r` / `--result-file` of mysqldump and mariadb-dump,
//! mongodump's `--archive=PATH`, or a shell `>` redirection — and is a name,
//! an attribute, a literal or a simple expression of those. It is not added
//! for a directory-format dump (`-Fd`, `--format=directory`), for a
//! relative path when the call sets `cwd=`, or when the word after the
//! option is another option (`pg_dumpall -r` means roles only). A bare call gets
//! `check=True`; a handler that only logs is made to log at error level and
//! raise `RuntimeError(...) from` the caught exception.
//!
//! ## Options
//! `[tool.auditfix.backup-failure-raises]`: `tools`, the program names that
//! make a backup (default above).
//!
//! ## Fix safety
//! Safe: behaviour changes only when the backup failed (or produced nothing),
//! which is exactly the case the audit is about — the program now stops
//! instead of going on without a backup. Failure branches that already
//! raise, return, exit, `continue` or `break` are left alone, and so are
//! calls with `check=True` outside a `try`.
//!
//! ## How to validate
//! - Run the backup against a database that does not exist, or with a wrong
//!   password: it now raises `RuntimeError` naming the tool and its exit code
//!   (`subprocess.CalledProcessError` for a bare call that got `check=True`),
//!   where it logged the failure and went on.
//! - Check that the destructive step after the backup (the reset, wipe or
//!   migration) no longer runs in that case, and that no caller catches the new
//!   error broadly and carries on.
//! - Where an output check was added, run a backup that succeeds: it must pass.
//!   The check reads the path from the Python process's working directory; a
//!   path the command builds in another way than the code shows (a wrapper
//!   script that changes directory, an environment variable the tool reads)
//!   makes it fail on success: remove or correct the check there.
//!
//! ## Tests to add
//! - Replace `subprocess.run` (where the module looks it up) with a stub that
//!   honours `check`: with `check=True` it raises
//!   `subprocess.CalledProcessError(1, args)`, otherwise it returns
//!   `CompletedProcess(args, 1, "", "boom")`. Call the fixed function and
//!   expect `RuntimeError` (`CalledProcessError` for a bare call); before the
//!   fix it returned after logging.
//! - In the same test, assert that the destructive step the backup protects was
//!   not called; before the fix it was.
//! - Stub a run that returns 0 and writes nothing, call the fixed function and
//!   expect `RuntimeError` (`exited 0 but wrote no backup`); before the fix
//!   nothing was raised.
//! - Stub a run that returns 0 and writes a non-empty file under `tmp_path`:
//!   the fixed function succeeds, as before.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix};
use crate::python::{self, Arguments};

pub struct BackupFailureRaises {
    tools: Vec<String>,
}

pub static META: Meta = Meta {
    id: "backup-failure-raises",
    category: "data-safety",
    priority: Priority::P1,
    fix: Applicability::Safe,
    summary: "backup command whose failure is only logged",
};

/// The options of `tool` that name its output file: as a separate word
/// followed by the path, and as `--opt=path`. `-r` is mysqldump's result
/// file but pg_dumpall's "roles only"; mongodump's `--archive` without
/// `=path` writes to stdout; other tools (pg_basebackup writes a
/// directory) name no file.
fn file_options(tool: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match tool {
        "pg_dump" | "pg_dumpall" => (&["-f", "--file"], &["--file"]),
        "mysqldump" | "mariadb-dump" => (&["-r", "--result-file"], &["--result-file"]),
        "mongodump" => (&[], &["--archive"]),
        _ => (&[], &[]),
    }
}

/// Whether the command's words make its output a directory
/// (`pg_dump -Fd`, `--format=directory`), which a file check would reject.
fn writes_a_directory(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "-Fd" | "--format=d" | "--format=directory")
            || matches!(*w, "-F" | "--format")
                && words
                    .get(i + 1)
                    .is_some_and(|n| matches!(*n, "d" | "directory"))
    })
}

impl BackupFailureRaises {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let tools = options.string_list("tools")?.unwrap_or_else(|| {
            [
                "pg_dump",
                "pg_dumpall",
                "pg_basebackup",
                "mysqldump",
                "mariadb-dump",
                "mongodump",
            ]
            .map(String::from)
            .to_vec()
        });
        let valid = |t: &String| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if tools.is_empty() || !tools.iter().all(valid) {
            return Err(options.error("tools", "expected a non-empty list of program names"));
        }
        Ok(Self { tools })
    }
}

impl Codemod for BackupFailureRaises {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        self.tools.clone()
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        // Through the module's imports: `import subprocess as sp; sp.run`,
        // `from subprocess import run`.
        let Some(function) = call.field("function") else {
            return;
        };
        if cx.qualified_name(function).as_deref() != Some("subprocess.run")
            || python::first_name_bound_locally(cx.text, function)
        {
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(command) = args.positional_or_keyword(0, "args") else {
            return;
        };
        let Some(mut command) = Command::resolve(cx.text, command, &self.tools) else {
            return;
        };
        // With `cwd=`, a relative output path is relative to that
        // directory, not to where the check would run.
        if args.keyword("cwd").is_some()
            && command
                .output
                .as_ref()
                .is_some_and(|o| o.literal.as_deref().is_none_or(|l| !l.starts_with('/')))
        {
            command.output = None;
        }
        let Some(parent) = call.parent() else {
            return;
        };
        let checked = args
            .keyword("check")
            .is_some_and(|v| python::text(cx.text, v) != "False");
        match parent.kind() {
            "expression_statement" if checked => self.check_try(cx, call, parent, &command),
            "expression_statement" => self.check_ignored(cx, call, parent, &args, &command),
            "assignment" if !checked => self.check_returncode(cx, call, parent, &args, &command),
            _ => {}
        }
    }
}

impl BackupFailureRaises {
    /// `subprocess.run([...])` with the result thrown away.
    fn check_ignored(
        &self,
        cx: &mut Checker<'_>,
        call: Node<'_>,
        statement: Node<'_>,
        args: &Arguments<'_>,
        command: &Command,
    ) {
        let Some(last) = args.list.and_then(|list| {
            python::named_children(list)
                .into_iter()
                .rfind(|c| c.kind() != "comment")
        }) else {
            return;
        };
        let mut edits = vec![Edit::insertion(last.end_byte(), ", check=True")];
        edits.extend(self.output_check(cx, statement, command));
        let message = format!(
            "the exit status of `{}` is ignored: a failed backup goes unnoticed",
            command.tool
        );
        cx.report(call.byte_range(), message, Some(Fix::safe(edits)));
    }

    /// `r = subprocess.run(...)` then `if r.returncode != 0:` that only logs.
    fn check_returncode(
        &self,
        cx: &mut Checker<'_>,
        call: Node<'_>,
        assignment: Node<'_>,
        args: &Arguments<'_>,
        command: &Command,
    ) {
        let Some(left) = assignment
            .field("left")
            .filter(|l| l.kind() == "identifier")
        else {
            return;
        };
        let name = python::text(cx.text, left);
        let Some(statement) = assignment
            .parent()
            .filter(|p| p.kind() == "expression_statement")
        else {
            return;
        };
        let returncode = format!("{name}.returncode");
        let Some(test) =
            std::iter::successors(statement.next_named_sibling(), |n| n.next_named_sibling()).find(
                |s| {
                    s.kind() == "if_statement"
                        && s.field("condition")
                            .is_some_and(|c| python::text(cx.text, c).contains(&returncode))
                },
            )
        else {
            return;
        };
        let Some(failure) = failure_block(cx.text, test, &returncode) else {
            return;
        };
        let Some(python::OnlyLogs { logs, .. }) = python::only_logs(cx.text, failure, false) else {
            return;
        };
        let stderr = if args
            .keyword("capture_output")
            .is_some_and(|v| python::text(cx.text, v) == "True")
            || args
                .keyword("stderr")
                .is_some_and(|v| python::text(cx.text, v).ends_with("PIPE"))
        {
            let text_mode = ["text", "universal_newlines", "encoding"].iter().any(|k| {
                args.keyword(k).is_some_and(|v| {
                    python::text(cx.text, v) != "False" && python::text(cx.text, v) != "None"
                })
            });
            if text_mode {
                format!(": {{{name}.stderr.strip()}}")
            } else {
                format!(": {{{name}.stderr!r}}")
            }
        } else {
            String::new()
        };
        let raise = format!(
            "raise RuntimeError(f{q}{tool} failed with exit code {{{name}.returncode}}{stderr}{q})",
            q = cx.stylist.quote,
            tool = command.tool
        );
        let Some(mut edits) = raise_after(cx, failure, &logs, &raise) else {
            return;
        };
        edits.extend(self.output_check(cx, test, command));
        let message = format!(
            "a failed `{}` is only logged: the program goes on without a backup",
            command.tool
        );
        cx.report(call.byte_range(), message, Some(Fix::safe(edits)));
    }

    /// `try: subprocess.run(..., check=True)` with a handler that only logs.
    fn check_try(
        &self,
        cx: &mut Checker<'_>,
        call: Node<'_>,
        statement: Node<'_>,
        command: &Command,
    ) {
        let Some(body) = statement.parent().filter(|b| b.kind() == "block") else {
            return;
        };
        let Some(try_statement) = body.parent().filter(|t| {
            t.kind() == "try_statement" && t.field("body").map(|b| b.id()) == Some(body.id())
        }) else {
            return;
        };
        let catching = [
            "CalledProcessError",
            "SubprocessError",
            "Exception",
            "BaseException",
        ];
        let Some(handler) = python::named_children(try_statement).into_iter().find(|c| {
            c.kind() == "except_clause" && python::handler_catches(cx.text, *c, &catching)
        }) else {
            return;
        };
        let Some(block) = python::named_children(handler)
            .into_iter()
            .find(|c| c.kind() == "block")
        else {
            return;
        };
        let Some(python::OnlyLogs { logs, .. }) = python::only_logs(cx.text, block, false) else {
            return;
        };
        let mut edits = Vec::new();
        let exc = match bound_name(cx.text, handler) {
            Some(name) => name.to_owned(),
            None => {
                let Some(caught) = python::named_children(handler)
                    .into_iter()
                    .find(|c| c.kind() != "comment" && c.kind() != "block")
                else {
                    return; // bare `except:` cannot bind a name without naming a class
                };
                let name = edit::fresh_name(cx, edit::scope_of(cx, handler), "exc");
                edits.push(Edit::insertion(caught.end_byte(), format!(" as {name}")));
                name
            }
        };
        let raise = format!(
            "raise RuntimeError(f{q}{tool} failed: {{{exc}}}{q}) from {exc}",
            q = cx.stylist.quote,
            tool = command.tool
        );
        let Some(raise_edits) = raise_after(cx, block, &logs, &raise) else {
            return;
        };
        edits.extend(raise_edits);
        edits.extend(self.output_check(cx, statement, command));
        let message = format!(
            "a failed `{}` is caught and only logged: the program goes on without a backup",
            command.tool
        );
        cx.report(call.byte_range(), message, Some(Fix::safe(edits)));
    }

    /// "The file must exist and not be empty" after `statement`, when the
    /// command shows where the backup goes.
    fn output_check(&self, cx: &Checker<'_>, statement: Node<'_>, command: &Command) -> Vec<Edit> {
        let Some(path) = &command.output else {
            return Vec::new();
        };
        let Some((at, indent, prefix)) = edit::after_statement(cx, statement) else {
            return Vec::new();
        };
        let prefix_text = format!("{} exited 0 but wrote no backup to ", command.tool);
        let message = match &path.literal {
            Some(literal) => cx
                .stylist
                .string_literal(&format!("{prefix_text}{literal}")),
            None if path.expr.starts_with("str(") => format!(
                "{} + {}",
                cx.stylist.string_literal(&prefix_text),
                path.expr
            ),
            None => format!(
                "{} + str({})",
                cx.stylist.string_literal(&prefix_text),
                path.expr
            ),
        };
        let expr = &path.expr;
        let template =
            format!("if not os.path.isfile({expr}) or os.path.getsize({expr}) == 0:\n    raise RuntimeError({message})");
        let mut edits = vec![Edit::insertion(
            at,
            format!("{prefix}{}", cx.stylist.render_block(&template, indent)),
        )];
        edits.extend(edit::ensure_import(cx, "os"));
        edits
    }
}

/// The block that runs when the exit code is non-zero, if the test is one of
/// the shapes we understand.
fn failure_block<'n>(text: &str, test: Node<'n>, returncode: &str) -> Option<Node<'n>> {
    let condition = python::unparenthesize(test.field("condition")?);
    let condition_text = python::text(text, condition)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let nonzero = [
        returncode.to_owned(),
        format!("{returncode} != 0"),
        format!("0 != {returncode}"),
        format!("{returncode} > 0"),
    ];
    let zero = [
        format!("{returncode} == 0"),
        format!("0 == {returncode}"),
        format!("not {returncode}"),
    ];
    if nonzero.contains(&condition_text) {
        return test.field("consequence");
    }
    if zero.contains(&condition_text) {
        let children = python::named_children(test);
        // Only a plain `else:` — with `elif` branches the failure path is split.
        if children.iter().any(|c| c.kind() == "elif_clause") {
            return None;
        }
        let else_clause = children.into_iter().find(|c| c.kind() == "else_clause")?;
        return else_clause.field("body");
    }
    None
}

/// Raise the level of the log calls to error and add `raise_line` after the
/// block's last statement.
fn raise_after(
    cx: &Checker<'_>,
    block: Node<'_>,
    logs: &[Node<'_>],
    raise_line: &str,
) -> Option<Vec<Edit>> {
    let last = python::named_children(block)
        .into_iter()
        .rfind(|c| c.kind() != "comment")?;
    let (at, indent, prefix) = edit::after_statement(cx, last)?;
    let mut edits = vec![Edit::insertion(
        at,
        format!("{prefix}{}", cx.stylist.render_block(raise_line, indent)),
    )];
    for log in logs {
        if let Some(method) = python::low_level_log_method(cx.text, *log) {
            edits.push(Edit::replacement(method.byte_range().into(), "error"));
        }
    }
    Some(edits)
}

/// `e` in `except X as e:`.
fn bound_name<'t>(text: &'t str, handler: Node<'_>) -> Option<&'t str> {
    let pattern = python::named_children(handler)
        .into_iter()
        .find(|c| c.kind() == "as_pattern")?;
    let alias = pattern.field("alias")?;
    let name = python::unparenthesize(alias.named_child(0).unwrap_or(alias));
    (name.kind() == "identifier").then(|| python::text(text, name))
}

/// A backup command: which tool, and where its output goes if visible.
struct Command {
    tool: String,
    output: Option<OutputPath>,
}

/// Where the backup goes: a Python expression, and its value when literal.
struct OutputPath {
    expr: String,
    literal: Option<String>,
}

impl OutputPath {
    fn literal(value: &str) -> Self {
        Self {
            expr: python_string(value),
            literal: Some(value.to_owned()),
        }
    }
}

impl Command {
    fn resolve(text: &str, node: Node<'_>, tools: &[String]) -> Option<Self> {
        let node = python::unparenthesize(node);
        match node.kind() {
            "list" | "tuple" => Self::from_list(text, node, tools),
            "string" | "concatenated_string" => {
                Self::from_shell(&python::string_literal_value(text, node)?, tools)
            }
            "identifier" => {
                let value = python::unparenthesize(python::assigned_before(text, node)?);
                match value.kind() {
                    "list" | "tuple" => Self::from_list(text, value, tools),
                    "string" | "concatenated_string" => {
                        Self::from_shell(&python::string_literal_value(text, value)?, tools)
                    }
                    // `"mysqldump ... > {}".format(path)`: the tool is in
                    // the template; where the output goes is not visible.
                    "call" => {
                        let (Some(template), "format") = python::call_target(text, value)? else {
                            return None;
                        };
                        let template =
                            python::string_literal_value(text, python::unparenthesize(template))?;
                        let tool = Self::from_shell(&template, tools)?.tool;
                        Some(Self { tool, output: None })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn from_list(text: &str, list: Node<'_>, tools: &[String]) -> Option<Self> {
        let items: Vec<Node> = python::named_children(list)
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .collect();
        let tool = items.iter().find_map(|item| {
            let word = python::string_value(text, *item)?;
            let base = word.rsplit('/').next()?;
            tools
                .iter()
                .find(|t| t.as_str() == base)
                .map(|_| base.to_owned())
        })?;
        let (separate, joined) = file_options(&tool);
        let words: Vec<&str> = items
            .iter()
            .map(|item| python::string_value(text, *item).unwrap_or(""))
            .collect();
        if writes_a_directory(&words) {
            return Some(Self { tool, output: None });
        }
        let mut output = None;
        for (i, item) in items.iter().enumerate() {
            if let Some(word) = python::string_value(text, *item) {
                if separate.contains(&word) {
                    // The next word is the path, unless it is an option.
                    output = items
                        .get(i + 1)
                        .filter(|next| {
                            python::string_value(text, **next).is_none_or(|w| !w.starts_with('-'))
                        })
                        .and_then(|next| simple_path(text, *next));
                } else if let Some((option, value)) = word.split_once('=') {
                    if joined.contains(&option) && !value.is_empty() {
                        output = Some(OutputPath::literal(value));
                    }
                }
            } else if item.kind() == "binary_operator" {
                // "--result-file=" + path
                let (Some(left), Some(right)) = (item.field("left"), item.field("right")) else {
                    continue;
                };
                let is_file_option = python::string_value(text, left)
                    .and_then(|w| w.strip_suffix('='))
                    .is_some_and(|o| joined.contains(&o));
                if is_file_option && python::text(text, *item).contains('+') {
                    output = simple_path(text, right);
                }
            }
        }
        Some(Self { tool, output })
    }

    fn from_shell(command: &str, tools: &[String]) -> Option<Self> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let tool = words.iter().find_map(|w| {
            let base = w.rsplit('/').next()?;
            tools
                .iter()
                .find(|t| t.as_str() == base)
                .map(|_| base.to_owned())
        })?;
        if writes_a_directory(&words) {
            return Some(Self { tool, output: None });
        }
        let (separate, joined) = file_options(&tool);
        let mut output = None;
        for (i, word) in words.iter().enumerate() {
            let next = words
                .get(i + 1)
                .filter(|w| is_plain_shell_word(w) && !w.starts_with('-'));
            if *word == ">" || separate.contains(word) {
                output = next.map(|w| OutputPath::literal(w)).or(output);
            } else if let Some(rest) = word.strip_prefix('>').filter(|r| is_plain_shell_word(r)) {
                output = Some(OutputPath::literal(rest));
            } else if let Some((option, value)) = word.split_once('=') {
                if joined.contains(&option) && is_plain_shell_word(value) {
                    output = Some(OutputPath::literal(value));
                }
            }
        }
        Some(Self { tool, output })
    }
}

fn is_plain_shell_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-+:@%".contains(c))
}

/// A double-quoted Python literal for a path without special characters.
fn python_string(value: &str) -> String {
    let escaped: String = value
        .chars()
        .flat_map(|c| match c {
            '\\' | '"' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// The expression text of a path argument, if evaluating it twice more is
/// harmless: names, attributes, literals, `str(...)` / `os.fspath(...)` /
/// `Path(...)` of those, and `/` or `+` between them.
fn simple_path(text: &str, node: Node<'_>) -> Option<OutputPath> {
    if let Some(value) = python::string_value(text, node) {
        return Some(OutputPath::literal(value));
    }
    is_pure(text, node, 0).then(|| OutputPath {
        expr: python::text(text, node).to_owned(),
        literal: None,
    })
}

fn is_pure(text: &str, node: Node<'_>, depth: usize) -> bool {
    if depth > 6 || python::text(text, node).contains('\n') {
        return false;
    }
    match node.kind() {
        "identifier" | "integer" => true,
        "attribute" => python::dotted_name(text, node).is_some(),
        "string" => python::string_value(text, node).is_some(),
        "binary_operator" => {
            let operator = node.field("operator").map(|o| python::text(text, o));
            matches!(operator, Some("/" | "+"))
                && node
                    .field("left")
                    .is_some_and(|l| is_pure(text, l, depth + 1))
                && node
                    .field("right")
                    .is_some_and(|r| is_pure(text, r, depth + 1))
        }
        "call" => {
            let Some(function) = node.field("function") else {
                return false;
            };
            let name = python::dotted_name(text, function);
            let args = Arguments::of(text, node);
            matches!(
                name.as_deref(),
                Some("str" | "os.fspath" | "Path" | "pathlib.Path")
            ) && args.keywords.is_empty()
                && !args.has_splat
                && args.positional.len() == 1
                && is_pure(text, args.positional[0], depth + 1)
        }
        _ => false,
    }
}
