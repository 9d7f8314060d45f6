//! # subprocess-shell
//!
//! ## What it does
//! Finds `subprocess.run`, `call`, `check_call`, `check_output` and `Popen`
//! calls with `shell=True` (also `from subprocess import run`, `import
//! subprocess as sp`).
//!
//! When the command is a constant string that is one simple command — words,
//! quotes and backslash escapes only — it becomes the argument list the
//! shell would have built, and `shell=True` goes away:
//! `"git rev-parse --short HEAD"` → `["git", "rev-parse", "--short",
//! "HEAD"]`, `"grep -c 'not found' app.log"` → `["grep", "-c", "not found",
//! "app.log"]`.
//!
//! Everything else is reported without a fix, with the reason:
//!
//! - a command built from values — f-string, `%`, `+`, `.format()`,
//!   `.join()` — or held in a variable: the shell parses whatever the values
//!   contain;
//! - a constant command that needs the shell: pipes, redirections, `;`,
//!   `&&`, `||`, `&`, globbing (`*`, `?`, `[`), `$` expansions, backticks,
//!   `~`, braces, subshells, here-documents, comments, several lines, an
//!   environment assignment (`A=b cmd`), a shell keyword, or a shell builtin
//!   (`cd`, `export`, `source`, `echo`, `set`, …, which have no program or a
//!   different one);
//! - a list with `shell=True`: on POSIX only its first item runs, as the
//!   command line (the other items become the shell's `$0`, `$1`, …);
//! - `executable=`, which replaces the shell.
//!
//! A `# nosec` comment on the call (bare, or naming `B602`) silences it, as
//! it does bandit's B602 `subprocess_popen_with_shell_equals_true`.
//!
//! ## Why
//! With `shell=True` the command line goes through `/bin/sh`, so any value
//! that reaches it can add commands of its own (`; rm -rf ~`): shell
//! injection. Constant commands do not need the shell at all, and once they
//! are lists nobody can later paste a value into them.
//!
//! ## Example
//! ```python
//! import subprocess
//!
//! version = subprocess.check_output("git describe --tags --always", shell=True, text=True)
//! ```
//! becomes
//! ```python
//! import subprocess
//!
//! version = subprocess.check_output(["git", "describe", "--tags", "--always"], text=True)
//! ```
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): the program receives exactly
//! the same arguments, but it is now started directly instead of by
//! `/bin/sh`. A missing program now raises `FileNotFoundError` where the
//! shell exited with status 127 (so `check=True` callers see another
//! exception type); `CalledProcessError.cmd` and `Popen.args` hold a list;
//! and on Windows, where `shell=True` means `cmd.exe`, programs that are
//! `.bat` / `.cmd` scripts (`npm`, `yarn`) are no longer found. Inside a
//! `try` whose handlers catch `CalledProcessError` but not
//! `FileNotFoundError` (or `OSError`, `Exception`), the finding is
//! report-only: the missing program would escape the handler.
//!
//! ## How to validate
//! - Run the changed call and compare its output and exit status with those of
//!   the old one: the program gets the same arguments, so they must match.
//! - Check the program is found on every platform the code runs on: it is now
//!   looked up on `PATH` without a shell, and on Windows `.bat` / `.cmd`
//!   wrappers (`npm`, `yarn`) are no longer found.
//! - Check the callers: a missing program now raises `FileNotFoundError`, where
//!   the shell exited with status 127 (`CalledProcessError` with `check=True`),
//!   and code that formats `CalledProcessError.cmd` or `Popen.args` as a string
//!   now gets a list.
//!
//! ## Tests to add
//! - Patch the subprocess function where the module looks it up, call the fixed
//!   function and assert that it received the argument list (for example
//!   `["git", "describe", "--tags", "--always"]`) and no `shell=True`; before
//!   the fix it received one string and `shell=True`.
//! - Call the fixed function with `PATH` set to an empty directory
//!   (`monkeypatch.setenv("PATH", str(tmp_path))`) and expect
//!   `FileNotFoundError`; before the fix the shell exited with status 127.
//! - If the changed function handles a failed command, test that its handler
//!   also covers `FileNotFoundError`.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix};
use crate::python::{self, Arguments};

pub struct SubprocessShell;

pub static META: Meta = Meta {
    id: "subprocess-shell",
    category: "security",
    priority: Priority::P2,
    fix: Applicability::Unsafe,
    summary: "subprocess call with shell=True",
};

/// The functions of `subprocess` that take `shell=`.
const FUNCTIONS: [&str; 5] = ["run", "call", "check_call", "check_output", "Popen"];

/// Words the shell treats as syntax when they start a command.
const KEYWORDS: [&str; 20] = [
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "{", "}", "!", "function", "select", "time", "[[",
];

/// Commands the shell runs itself (POSIX and bash). Some also exist as
/// programs (`echo`, `test`, `kill`) but with other options or output.
const BUILTINS: [&str; 57] = [
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
];

/// More builtins (kept apart to keep the lines above readable).
const MORE_BUILTINS: [&str; 3] = ["unalias", "unset", "wait"];

impl SubprocessShell {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

/// What the command argument is.
enum Command {
    /// A constant string, with its value.
    Literal(String),
    /// A string built from values; says how.
    Interpolated(&'static str),
    /// A list or tuple.
    List,
    /// Anything else (a variable, a call).
    Opaque,
}

impl Codemod for SubprocessShell {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["shell".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some(function) = call.field("function") else {
            return;
        };
        let Some(name) = cx.qualified_name(function) else {
            return;
        };
        let is_subprocess = name
            .strip_prefix("subprocess.")
            .is_some_and(|f| FUNCTIONS.contains(&f));
        if !is_subprocess {
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(shell) = args.keyword_node("shell").filter(|_| {
            args.keyword("shell")
                .is_some_and(|v| python::text(cx.text, v) == "True")
        }) else {
            return;
        };
        if python::nosec_covers(
            cx.text,
            cx.root,
            call,
            &["B602", "subprocess_popen_with_shell_equals_true"],
        ) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let label = format!("`{}(..., shell=True)`", python::text(cx.text, function));
        let Some(command) = args.positional_or_keyword(0, "args") else {
            return;
        };
        let (message, fix) = match classify(cx, command) {
            Command::Literal(value) => {
                let message = format!(
                    "{label} runs a constant command through the shell: pass an argument list"
                );
                // Without the shell, a missing program raises
                // FileNotFoundError: a handler for the shell's failure
                // (CalledProcessError) alone would no longer catch it.
                let missing_program_escapes = python::inside_try_catching(
                    cx.text,
                    call,
                    &["CalledProcessError", "SubprocessError"],
                ) && !python::inside_try_catching(
                    cx.text,
                    call,
                    &[
                        "FileNotFoundError",
                        "OSError",
                        "EnvironmentError",
                        "Exception",
                        "BaseException",
                    ],
                );
                match self.rewrite(cx, command, shell, &value, &args) {
                    Ok(_) if missing_program_escapes => (
                        format!(
                            "{message} (no automatic fix: without the shell a missing program raises \
                             `FileNotFoundError`, which the surrounding `except CalledProcessError` \
                             does not catch: catch it too, then pass the list)"
                        ),
                        report_only(),
                    ),
                    Ok(edits) => (message, Fix::unsafe_(edits)),
                    Err(reason) => (
                        format!("{message} (no automatic fix: {reason})"),
                        report_only(),
                    ),
                }
            }
            Command::Interpolated(how) => (
                format!(
                    "{label} runs a command built with {how}: a value holding shell syntax runs \
                     commands of its own (no automatic fix: pass an argument list)"
                ),
                report_only(),
            ),
            Command::List => (
                format!(
                    "{label} with a list: on POSIX the shell runs only the first item, the \
                     others become its `$0`, `$1`, …; on Windows they are joined for `cmd.exe` \
                     (no automatic fix: drop `shell=True` if the list is meant as the argument \
                     list)"
                ),
                report_only(),
            ),
            Command::Opaque => (
                format!(
                    "{label} runs a command the shell parses: make sure it cannot hold untrusted \
                     input (no automatic fix: the command is not a literal)"
                ),
                report_only(),
            ),
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

impl SubprocessShell {
    /// The edits turning a constant command into an argument list.
    fn rewrite(
        &self,
        cx: &Checker<'_>,
        command: Node<'_>,
        shell: Node<'_>,
        value: &str,
        args: &Arguments<'_>,
    ) -> Result<Vec<Edit>, String> {
        if args.keyword("executable").is_some() {
            return Err("`executable=` names the shell that runs it".into());
        }
        if args.list.is_some_and(|l| {
            python::named_children(l)
                .iter()
                .any(|c| c.kind() == "dictionary_splat")
        }) {
            return Err("`**` arguments may name the shell (`executable=`)".into());
        }
        let mut commented = false;
        python::walk_descendants(command, |n| {
            commented |= n.kind() == "comment";
            !commented
        });
        if commented {
            return Err("a comment sits inside the command".into());
        }
        let words = split_simple_command(value)?;
        let program = words[0].as_str();
        if KEYWORDS.contains(&program) {
            return Err(format!("`{program}` is shell syntax"));
        }
        if BUILTINS.contains(&program) || MORE_BUILTINS.contains(&program) {
            return Err(format!("`{program}` is a shell builtin"));
        }
        if words.iter().any(|w| {
            w.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        }) {
            return Err("a word holds control characters".into());
        }
        let items: Vec<String> = words.iter().map(|w| cx.stylist.string_literal(w)).collect();
        let mut edits = vec![Edit::replacement(
            command.byte_range().into(),
            format!("[{}]", items.join(", ")),
        )];
        edits
            .extend(edit::remove_argument(cx, shell).ok_or("a comment sits next to `shell=True`")?);
        Ok(edits)
    }
}

fn report_only() -> Fix {
    Fix::new(Vec::new(), Applicability::ReportOnly)
}

fn classify(cx: &Checker<'_>, command: Node<'_>) -> Command {
    let command = python::unparenthesize(command);
    match command.kind() {
        "string" | "concatenated_string" => {
            let mut interpolated = false;
            python::walk_descendants(command, |n| {
                interpolated |= n.kind() == "interpolation";
                !interpolated
            });
            if interpolated {
                return Command::Interpolated("an f-string");
            }
            match python::string_literal_value(cx.text, command) {
                Some(value) => Command::Literal(value),
                None => Command::Opaque,
            }
        }
        "binary_operator" => {
            let operator = command.field("operator").map(|o| python::text(cx.text, o));
            match operator {
                Some("%") => Command::Interpolated("`%` formatting"),
                Some("+") => Command::Interpolated("`+` concatenation"),
                _ => Command::Opaque,
            }
        }
        "call" => match python::call_target(cx.text, command) {
            Some((Some(receiver), "format"))
                if matches!(
                    python::unparenthesize(receiver).kind(),
                    "string" | "concatenated_string"
                ) =>
            {
                Command::Interpolated("`.format()`")
            }
            Some((Some(receiver), "join"))
                if matches!(
                    python::unparenthesize(receiver).kind(),
                    "string" | "concatenated_string"
                ) =>
            {
                Command::Interpolated("`.join()`")
            }
            _ => Command::Opaque,
        },
        "list" | "tuple" => Command::List,
        _ => Command::Opaque,
    }
}

/// The words a POSIX shell makes of `command` when it is one simple command
/// with no expansions: blanks separate words; single quotes keep
/// everything; double quotes keep everything but `\` before `$`, `` ` ``,
/// `"`, `\` or a newline; an unquoted `\` keeps the next character (and
/// joins lines). Anything that would make the shell do more than split is
/// an error that names it.
fn split_simple_command(command: &str) -> Result<Vec<String>, String> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    // The unquoted start of the first word, to spot `NAME=value cmd`.
    let mut prefix = String::new();
    let mut prefix_open = true;
    let mut chars = command.chars().peekable();
    let err = |what: &str| Err(format!("it uses {what}"));
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    if words.is_empty() && is_assignment(&prefix) {
                        return err("an environment assignment (`NAME=value command`)");
                    }
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\n' => return err("several lines (each is a command)"),
            '\'' => {
                in_word = true;
                prefix_open = false;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return err("an unterminated quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                prefix_open = false;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return err("an unterminated quote"),
                        },
                        Some('$') => return err("a `$` expansion"),
                        Some('`') => return err("command substitution"),
                        Some(c) => word.push(c),
                        None => return err("an unterminated quote"),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    prefix_open = false;
                    word.push(c);
                }
                None => return err("a trailing backslash"),
            },
            '|' => return err("a pipe or `||`"),
            '&' => return err("`&` or `&&`"),
            ';' => return err("`;`"),
            '<' | '>' => return err("a redirection"),
            '(' | ')' => return err("a subshell or parentheses"),
            '`' => return err("command substitution"),
            '$' => return err("a `$` expansion"),
            '*' | '?' | '[' => return err("a glob pattern"),
            '~' => return err("`~` expansion"),
            '{' | '}' => return err("braces"),
            '!' => return err("`!`"),
            '#' if !in_word => return err("a comment"),
            c => {
                in_word = true;
                word.push(c);
                if prefix_open && words.is_empty() {
                    prefix.push(c);
                }
            }
        }
    }
    if in_word {
        if words.is_empty() && is_assignment(&prefix) {
            return err("an environment assignment (`NAME=value command`)");
        }
        words.push(word);
    }
    if words.is_empty() {
        return Err("the command is empty".into());
    }
    Ok(words)
}

/// Whether an unquoted word start is `NAME=`.
fn is_assignment(prefix: &str) -> bool {
    let Some((name, _)) = prefix.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::split_simple_command;

    fn words(command: &str) -> Vec<String> {
        split_simple_command(command).unwrap_or_else(|e| panic!("{command:?}: {e}"))
    }

    fn refused(command: &str) -> String {
        match split_simple_command(command) {
            Ok(words) => panic!("{command:?} split into {words:?}"),
            Err(reason) => reason,
        }
    }

    #[test]
    fn splits_like_a_posix_shell() {
        assert_eq!(
            words("git rev-parse  --short\tHEAD"),
            ["git", "rev-parse", "--short", "HEAD"]
        );
        assert_eq!(
            words("grep -c 'not found' app.log"),
            ["grep", "-c", "not found", "app.log"]
        );
        assert_eq!(
            words(r#"echo "a \"b\" \$HOME \x""#),
            ["echo", r#"a "b" $HOME \x"#]
        );
        assert_eq!(words(r"touch a\ b c\'d"), ["touch", "a b", "c'd"]);
        assert_eq!(words("printf '%s' ''"), ["printf", "%s", ""]);
        assert_eq!(words(r#"a'b'"c"d"#), ["abcd"]);
        assert_eq!(words("ls \\\n-l"), ["ls", "-l"]);
        assert_eq!(words("echo a#b x=1"), ["echo", "a#b", "x=1"]);
        assert_eq!(words("'A=1' cmd"), ["A=1", "cmd"]);
        assert_eq!(
            words("pg_dump --dbname=shop -f /tmp/x.sql"),
            ["pg_dump", "--dbname=shop", "-f", "/tmp/x.sql"]
        );
        assert_eq!(words("say 'it''s'"), ["say", "its"]);
        assert_eq!(words("  ls  "), ["ls"]);
    }

    #[test]
    fn refuses_what_the_shell_would_interpret() {
        for (command, reason) in [
            ("ls | wc -l", "pipe"),
            ("make && make install", "`&`"),
            ("a || b", "pipe"),
            ("sleep 1 &", "`&`"),
            ("cd /tmp; ls", "`;`"),
            ("sort < in > out", "redirection"),
            ("cat <<EOF", "redirection"),
            ("(cd /tmp)", "subshell"),
            ("echo `date`", "command substitution"),
            ("echo \"$(date)\"", "`$`"),
            ("echo $HOME", "`$`"),
            ("echo \"${HOME}\"", "`$`"),
            ("rm *.pyc", "glob"),
            ("ls file?.txt", "glob"),
            ("ls [ab].txt", "glob"),
            ("ls ~/x", "`~`"),
            ("echo {a,b}", "braces"),
            ("! true", "`!`"),
            ("ls # list", "comment"),
            ("ls\nrm x", "several lines"),
            ("A=1 B=2 cmd", "environment assignment"),
            ("A=1", "environment assignment"),
            ("echo 'open", "unterminated"),
            ("echo \"open", "unterminated"),
            ("echo \\", "trailing backslash"),
            ("", "empty"),
            ("   ", "empty"),
        ] {
            let got = refused(command);
            assert!(got.contains(reason), "{command:?}: {got}");
        }
    }
}
