//! # insecure-default-secret
//!
//! ## What it does
//! Finds secrets that fall back to a value written in the code:
//!
//! - environment reads with a literal default: `os.getenv(NAME, "…")`,
//!   `os.environ.get(NAME, "…")`, `os.environ.setdefault(NAME, "…")` (also
//!   through `from os import getenv, environ` and `import os as …`, and with
//!   `default=`), and `os.environ.get(NAME) or "…"`;
//! - literal assignments: `SECRET_KEY = "…"` at module level (also in an
//!   `if` or `try` there) or in a configuration class (`class Config:`, `class ProductionSettings:` …),
//!   `app.secret_key = "…"`, `app.config["SECRET_KEY"] = "…"` (anywhere,
//!   also in an application factory);
//! - literals embedded in code, reported without a fix: a secret-like
//!   instance attribute (`self.api_token = "…"`), keyword argument
//!   (`Server(bot, secret_key="…")`, bandit B106) or dictionary entry
//!   (`{"secret_key": "…"}`), when the value looks like a credential (not a
//!   key name such as `"user_password"`, a word of the name, or a mask such
//!   as `"****"`). A keyword of a call that builds a user record (with
//!   `email=`, `first_name=`, `is_staff=`, …) is the stored field, often an
//!   unusable marker, and is left alone.
//!
//! A name is secret-like when its words (split at `_`, `-`, `.` and camelCase,
//! upper-cased) contain one of the `names` (default: `SECRET`, `PASSWORD`,
//! `PASSWD`, `PASS`, `PASSPHRASE`, `TOKEN`, `API_KEY`, `APIKEY`,
//! `ACCESS_KEY`, `PRIVATE_KEY`, `SIGNING_KEY`, `ENCRYPTION_KEY`, `AUTH_KEY`,
//! `MASTER_KEY`) — `DB_PASSWORD`, `GITHUB_TOKEN`, `JWT_SECRET`, `apiKey` —
//! unless its last word says it is not the secret itself (`exclude-suffixes`:
//! `TOKEN_URL`, `SECRET_KEY_FILE`, `PASSWORD_MIN_LENGTH`, `AUTH_TOKEN_HEADER`,
//! `PASSWORD_RESET_TIMEOUT` …), or another word says it is not real
//! (`FAKE`, `DUMMY`, `MOCK`, `EXAMPLE`, `SAMPLE`, `TEST`, `TESTING`). A number assigned to a constant counts only
//! when a secret word ends the name (`ADMIN_PIN_PASSWORD = 1234`, not
//! `ACCESS_TOKEN_EXPIRE_MINUTES = 30`); and since `TOKEN` names many things
//! besides credentials, a constant named only by it must have a value that
//! looks like one (not a key name such as `"_password_reset_token"` or
//! `"REVISION_SCRIPT_FILENAME"`, a word of its own name, or `"*"`). Not
//! reported: empty defaults (`""` reads as
//! "not set"), `None`, defaults that are not literals (another variable,
//! `secrets.token_hex()`), templates (`"Bearer {}"`), sentences (error
//! messages), a value equal to its own name (`ACCESS_TOKEN =
//! "access_token"` names a field), non-secret settings (`DEBUG`,
//! `PAGE_SIZE`, `LOG_LEVEL`), and `DATABASE_URL` and other URLs — a URL can
//! embed a password, but its default usually points at a local
//! development database, and the name says nothing about it. Test code is
//! left alone (`exclude-tests`): files named `test_*.py`, `*_test.py`,
//! `tests.py`, `conftest.py` or under a `tests` / `test` directory, and
//! classes named like `TestConfig`, `DevelopmentConfig`, `LocalSettings`.
//! Lines marked `# nosec` (bare, or naming `B105`, `B106` or `B107`) are
//! left alone: this mirrors bandit's hard-coded password checks.
//!
//! ## Why
//! A default secret is a secret everyone who can read the code knows. When
//! a deployment forgets to set the variable, the application starts anyway
//! — signing sessions and tokens with a public key, or logging in to a
//! database with a published password — and nothing tells anyone.
//!
//! ## Example
//! ```python
//! import os
//!
//! SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret")
//! ```
//! becomes
//! ```python
//! import os
//!
//! SECRET_KEY = os.environ.get("SECRET_KEY")
//! if not SECRET_KEY or SECRET_KEY == "dev-secret":
//!     raise ValueError(
//!         "SECRET_KEY is missing or still the old hard-coded default: set it in the environment"
//!         " (to generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
//!     )
//! ```
//!
//! The default goes, and a guard right after the read stops the program
//! with a `ValueError` that names the variable and says how to make a
//! value. The guard also rejects the old literal, so a deployment that
//! copied the placeholder into its environment fails too — unless the
//! literal does not look like a placeholder (long, no word like `dev`,
//! `change`, `secret`, `example`): it may be a real credential, so it is
//! not copied into the guard (and the finding says to rotate it).
//! Only the default goes (a comment in the call stays); `setdefault`
//! becomes `get`, and `read or "…"` the read alone. `SECRET_KEY = "…"`
//! becomes `SECRET_KEY = os.environ.get("SECRET_KEY")` with the same guard
//! (`import os` is added when missing); the variable is the upper-cased
//! name (`app.secret_key` reads `SECRET_KEY`, `app.config["JWT_SECRET"]`
//! reads `JWT_SECRET`), with the module's prefix when most of the variables
//! it reads share one (`SHOPFRONT_PAYMENT_API_KEY` next to
//! `SHOPFRONT_DEBUG`, `SHOPFRONT_DB_PASSWORD`, …). A read in the middle of an expression
//! (`jwt.encode(data, os.getenv("JWT_SECRET", "dev"))`) is first moved into
//! a variable of its own just before its statement; a bare
//! `os.environ.setdefault(NAME, "…")` becomes the guard alone.
//!
//! The guard goes where the read is: reads at module level fail at import;
//! reads inside a function fail when the function runs (at start-up for an
//! application factory such as `create_app()`), not at import — moving the
//! read to import time would also run it for code paths that never need
//! the secret.
//!
//! Report-only:
//! - values something later may override: a star import after the
//!   literal (`from .settings_local import *`), a Flask configuration load
//!   after it (`app.config.from_envvar` / `from_pyfile` / `from_object` /
//!   `from_file` / `from_prefixed_env` / `from_mapping`), or a module of
//!   defaults (`default_config.py`, `defaults.py`): a guard at the literal
//!   would stop deployments that set the value the documented way;
//! - class attributes (`class ProductionConfig: DB_PASSWORD = "…"`): a
//!   class body runs at import whichever configuration is chosen, so a
//!   check there would stop every environment — check where the
//!   configuration is selected; pydantic `BaseSettings` fields: remove the
//!   default so the setting is required;
//! - numbers assigned as secrets (`PIN = 1234`: the environment gives a
//!   string);
//! - reads that cannot be moved: in a lambda, comprehension, default
//!   argument, decorator, conditional expression, the right side of
//!   `and` / `or`, a `while` / `elif` condition, or a line shared with
//!   other code.
//!
//! ## Options
//! `[tool.auditfix.insecure-default-secret]`:
//! - `names`: the secret words (default above; entries may have several
//!   words, `"API_KEY"`);
//! - `exclude-suffixes`: last words that make a name not a secret (default
//!   `URL`, `URI`, `PATH`, `FILE`, `DIR`, `HOST`, `PORT`, `TTL`, `EXPIRY`,
//!   `EXPIRES`, `EXPIRATION`, `LIFETIME`, `AGE`, `TIMEOUT`, `LENGTH`, `LEN`,
//!   `MIN`, `MAX`, `SIZE`, `COUNT`, `LIMIT`, `NAME`, `TYPE`, `HEADER`,
//!   `FIELD`, `PARAM`, `PREFIX`, `SUFFIX`, `ALGORITHM`, `ENV`, `VAR`, `ID`,
//!   `ENDPOINT`, `SCOPE`, `SCOPES`, `ISSUER`, `AUDIENCE`, `ENABLED`,
//!   `REQUIRED`, `PATTERN`, `REGEX`, `FORMAT`, `ENCODING`, `BACKEND`,
//!   `CLASS`, `MODULE`, `COOKIE`, `TEMPLATE`, `MESSAGE`, `MSG`, `ERROR`,
//!   `LABEL`, `TEXT`, `HELP`, `ROUNDS`, `ITERATIONS`, `RETRIES`, `ATTEMPTS`,
//!   `VERSION`, `MODE`, `LEVEL`, `KEYS`, `HASHERS`, `VALIDATORS`,
//!   `CHARACTERS`, `CHARS`, `SECONDS`, `MINUTES`, `HOURS`, `DAYS`);
//! - `exclude-tests`: leave test files and test / development
//!   configuration classes alone (default `true`).
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): every environment that did not
//! set the variable — development machines, CI, test runs — or set it to
//! the old default now stops at start-up. That is the point of the fix,
//! but it needs the deployment change (setting a real value everywhere
//! the code runs) to go out with it.
//!
//! ## How to validate
//! - Start the application (import the module, or call the factory such as
//!   `create_app()`) with the variable unset: it now stops with `ValueError`
//!   naming the variable, where it started with the hard-coded value.
//! - Set the variable to the old default: it stops too, unless the old literal
//!   looked like a real credential and was left out of the guard. Set it to a
//!   real value: it starts and uses exactly that value.
//! - Before deploying, check that every place the code runs sets the variable:
//!   production, staging, CI, containers, developers' `.env` files and the test
//!   settings.
//! - If the finding said to rotate the value, rotate it: the old literal stays
//!   in the version history.
//!
//! ## Tests to add
//! - Unset the variable (`monkeypatch.delenv(NAME, raising=False)`), call the
//!   fixed function or reload the changed module (`importlib.reload`), and
//!   expect `ValueError` naming the variable; before the fix it used the
//!   default.
//! - Set the variable to the old default and expect `ValueError`; before the
//!   fix that value was accepted.
//! - Set it to a fresh value (`secrets.token_urlsafe(32)`) and check the
//!   application uses exactly that value (`app.secret_key`, the settings
//!   attribute); this passes before and after.
//! - Set the variable in the test configuration (a `conftest.py` fixture or the
//!   CI environment): without it, every test that imports the module now fails.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};

pub struct InsecureDefaultSecret {
    /// Secret words, each as its parts (`API_KEY` → `["API", "KEY"]`).
    names: Vec<Vec<String>>,
    exclude_suffixes: Vec<String>,
    exclude_tests: bool,
}

pub static META: Meta = Meta {
    id: "insecure-default-secret",
    category: "security",
    priority: Priority::P1,
    fix: Applicability::Unsafe,
    summary: "secret with a hard-coded default or value",
};

const DEFAULT_NAMES: [&str; 14] = [
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "AUTH_KEY",
    "MASTER_KEY",
];

const DEFAULT_EXCLUDE_SUFFIXES: [&str; 70] = [
    "URL",
    "URI",
    "PATH",
    "FILE",
    "DIR",
    "HOST",
    "PORT",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "AGE",
    "TIMEOUT",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "SIZE",
    "COUNT",
    "LIMIT",
    "NAME",
    "TYPE",
    "HEADER",
    "FIELD",
    "PARAM",
    "PREFIX",
    "SUFFIX",
    "ALGORITHM",
    "ENV",
    "VAR",
    "ID",
    "ENDPOINT",
    "SCOPE",
    "SCOPES",
    "ISSUER",
    "AUDIENCE",
    "ENABLED",
    "REQUIRED",
    "PATTERN",
    "REGEX",
    "FORMAT",
    "ENCODING",
    "BACKEND",
    "CLASS",
    "MODULE",
    "COOKIE",
    "TEMPLATE",
    "MESSAGE",
    "MSG",
    "ERROR",
    "LABEL",
    "TEXT",
    "HELP",
    "ROUNDS",
    "ITERATIONS",
    "RETRIES",
    "ATTEMPTS",
    "VERSION",
    "MODE",
    "LEVEL",
    "KEYS",
    "HASHERS",
    "VALIDATORS",
    "CHARACTERS",
    "CHARS",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
];

/// Words that mark a literal as a placeholder rather than a real secret.
const PLACEHOLDER_WORDS: [&str; 31] = [
    "change",
    "dev",
    "test",
    "secret",
    "insecure",
    "example",
    "default",
    "dummy",
    "fake",
    "password",
    "passwd",
    "replace",
    "your",
    "xxx",
    "todo",
    "local",
    "sample",
    "demo",
    "placeholder",
    "admin",
    "guess",
    "unsafe",
    "debug",
    "foo",
    "bar",
    "key",
    "token",
    "123",
    "abc",
    "django",
    "flask",
];

/// bandit tests this codemod mirrors.
const NOSEC_CODES: [&str; 6] = [
    "B105",
    "B106",
    "B107",
    "hardcoded_password_string",
    "hardcoded_password_funcarg",
    "hardcoded_password_default",
];

/// Why class attributes are report-only.
const CLASS_LEVEL: &str = "a class body runs at import whichever configuration is chosen, so a check there would stop every environment: read the variable and check it where the configuration is selected";

const HOW_TO_GENERATE: &str = "python -c 'import secrets; print(secrets.token_urlsafe(32))'";

impl InsecureDefaultSecret {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let words = |list: Vec<String>| -> Option<Vec<String>> {
            list.into_iter()
                .map(|w| {
                    let upper = w.trim().to_ascii_uppercase();
                    (!upper.is_empty()
                        && upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .then_some(upper)
                })
                .collect()
        };
        let names = options
            .string_list("names")?
            .unwrap_or_else(|| DEFAULT_NAMES.map(String::from).to_vec());
        let Some(names) = words(names).filter(|n| !n.is_empty()) else {
            return Err(options.error(
                "names",
                "expected a non-empty list of names made of letters, digits and `_`",
            ));
        };
        let exclude_suffixes = options
            .string_list("exclude-suffixes")?
            .unwrap_or_else(|| DEFAULT_EXCLUDE_SUFFIXES.map(String::from).to_vec());
        let Some(exclude_suffixes) = words(exclude_suffixes) else {
            return Err(options.error(
                "exclude-suffixes",
                "expected a list of words made of letters, digits and `_`",
            ));
        };
        let exclude_tests = options.bool("exclude-tests")?.unwrap_or(true);
        Ok(Self {
            names: names
                .iter()
                .map(|n| {
                    n.split('_')
                        .filter(|p| !p.is_empty())
                        .map(String::from)
                        .collect()
                })
                .collect(),
            exclude_suffixes,
            exclude_tests,
        })
    }

    /// Whether `name` (a variable, attribute or environment name) names a
    /// secret value.
    fn is_secret_name(&self, name: &str) -> bool {
        self.secret_match(name).is_some()
    }

    /// How `name` matches the secret words, if it does.
    fn secret_match(&self, name: &str) -> Option<NameMatch> {
        let parts = name_parts(name);
        let last = parts.last()?;
        if self.exclude_suffixes.contains(last)
            || parts.iter().any(|p| FAKE_WORDS.contains(&p.as_str()))
        {
            return None;
        }
        let mut found: Option<NameMatch> = None;
        for words in &self.names {
            if words.is_empty() || words.len() > parts.len() {
                continue;
            }
            for start in 0..=parts.len() - words.len() {
                if parts[start..start + words.len()] != words[..] {
                    continue;
                }
                let this = NameMatch {
                    weak: words.len() == 1 && WEAK_WORDS.contains(&words[0].as_str()),
                    at_end: start + words.len() == parts.len()
                        || (start + words.len() + 1 == parts.len() && last == "KEY"),
                    parts: parts.clone(),
                };
                found = Some(match found {
                    None => this,
                    Some(previous) => NameMatch {
                        weak: previous.weak && this.weak,
                        at_end: previous.at_end || this.at_end,
                        parts: previous.parts,
                    },
                });
            }
        }
        found
    }
}

impl Codemod for InsecureDefaultSecret {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "call",
            "boolean_operator",
            "assignment",
            "keyword_argument",
            "pair",
        ]
    }

    fn triggers(&self) -> Vec<String> {
        // Each name as it appears in environment names and Python names:
        // `API_KEY`, `api_key`, `apiKey`, `ApiKey`, `APIKey`.
        let mut triggers = vec!["getenv".to_owned(), "environ".to_owned()];
        let capital = |w: &str| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        };
        for words in &self.names {
            let Some((first, rest)) = words.split_first() else {
                continue;
            };
            let rest_capital: String = rest.iter().map(|w| capital(w)).collect();
            let lower = words.join("_").to_ascii_lowercase();
            let mut variants = vec![
                words.join("_"),
                format!("{}{rest_capital}", first.to_ascii_lowercase()),
                format!("{}{rest_capital}", capital(first)),
                format!("{first}{rest_capital}"),
            ];
            // `pass` is a keyword: as a lower-case name it is part of one.
            if lower == "pass" {
                variants.retain(|v| v != "pass");
                variants.extend(["_pass".to_owned(), "pass_".to_owned()]);
            } else {
                variants.push(lower);
            }
            for variant in variants {
                if !triggers.contains(&variant) {
                    triggers.push(variant);
                }
            }
        }
        triggers
    }

    fn check(&self, node: Node<'_>, cx: &mut Checker<'_>) {
        let dev_or_test = || {
            cx.is_test_file()
                || cx.memo(("insecure_dev_or_test_path", ""), || {
                    cx.path().is_some_and(is_dev_or_test_path)
                })
        };
        if self.exclude_tests && dev_or_test() {
            return;
        }
        match node.kind() {
            "call" => self.check_read(cx, node),
            "boolean_operator" => self.check_or(cx, node),
            "assignment" => self.check_assignment(cx, node),
            "keyword_argument" => self.check_keyword(cx, node),
            "pair" => self.check_pair(cx, node),
            _ => {}
        }
    }
}

/// Words that say a name holds no real secret (`FAKE_SECRET_TOKEN`).
const FAKE_WORDS: [&str; 7] = [
    "FAKE", "DUMMY", "MOCK", "EXAMPLE", "SAMPLE", "TEST", "TESTING",
];

/// Words that name many things besides credentials (lexer tokens, sentinel
/// tokens, session keys): as Python constants, their values must look like
/// a credential to count.
const WEAK_WORDS: [&str; 1] = ["TOKEN"];

/// How a name matched the secret words.
struct NameMatch {
    /// Only through a weak word.
    weak: bool,
    /// A secret word ends the name (`DB_PASSWORD`, `SECRET_KEY`), as
    /// opposed to `PASSWORD_RESET_DAYS`.
    at_end: bool,
    parts: Vec<String>,
}

/// Whether a literal assigned to a constant is plausibly the secret the
/// name promises: numbers only for names that end with a secret word;
/// for weak words (`_DEFAULT_TOKEN = "_sa_default"`), not a key name, a
/// word of the name, or a one- or two-character marker.
fn plausible_constant(text: &str, literal: Node<'_>, matched: &NameMatch) -> bool {
    if matches!(literal.kind(), "integer" | "float") {
        return matched.at_end;
    }
    let Some(value) = literal_value(text, literal) else {
        return true;
    };
    if names_a_source(&value, &matched.parts) {
        return false;
    }
    // `OAUTH_PASSWORD_STORE = "oauth_signin_account_no_password"`: the name
    // is about a secret without being one (no secret word at its end), and
    // the value is a snake_case marker made of words of the name.
    let snake = value.contains('_') && value.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if !matched.at_end
        && snake
        && value
            .split('_')
            .any(|w| !w.is_empty() && matched.parts.contains(&w.to_ascii_uppercase()))
    {
        return false;
    }
    if !matched.weak {
        return true;
    }
    if value.chars().count() < 3 {
        return false;
    }
    let upper = value.to_ascii_uppercase();
    if matched.parts.contains(&upper) {
        return false;
    }
    let identifier_like = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let random = value.len() >= 20
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic());
    !(identifier_like && (value.contains('_') || value == upper) && !random)
}

/// Whether a value says where the secret comes from instead of being it:
/// openssl's pass-phrase sources (`env:NAME`, `file:PATH`, `fd:N`), an
/// interpolation (`${NAME}`, `$NAME`, `%(name)s`, `{{ name }}`), or the
/// variable's own name (`ENCRYPT_PASS = "ENCRYPT_PASS"`).
fn names_a_source(value: &str, name_parts: &[String]) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
    };
    let source = ["env:", "file:", "fd:"]
        .iter()
        .find_map(|prefix| value.strip_prefix(prefix))
        .is_some_and(word);
    let interpolated = value
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| {
            // `$NAME`: an environment variable's name, not `$ecr3t`.
            value.strip_prefix('$').filter(|r| {
                r.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
                    && r.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
        })
        .or_else(|| value.strip_prefix("%(").and_then(|r| r.strip_suffix(")s")))
        .or_else(|| {
            value
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                .map(str::trim)
        })
        .is_some_and(word);
    let own_name = value.to_ascii_uppercase().replace('-', "_") == name_parts.join("_");
    source || interpolated || own_name
}

/// How an environment variable is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Getenv,
    Get,
    Setdefault,
}

/// `os.getenv(KEY, DEFAULT)` and its relatives, taken apart.
struct EnvRead<'n> {
    call: Node<'n>,
    method: Method,
    key: String,
    key_node: Node<'n>,
    /// The default argument (its value) and the node to delete for it.
    default: Option<(Node<'n>, Node<'n>)>,
}

impl InsecureDefaultSecret {
    /// `os.getenv("SECRET", "literal")` and relatives.
    fn check_read(&self, cx: &mut Checker<'_>, call: Node<'_>) {
        let Some(read) = self.env_read(cx, call) else {
            return;
        };
        let Some((default, _)) = read.default else {
            return;
        };
        if !is_secret_literal(cx.text, default, &read.key) {
            return;
        }
        // `os.getenv("K", "a") or "b"`: reported once, as the `or`.
        if let Some(parent) = python::parent_skipping_parens(call) {
            if is_or_with_literal(cx.text, parent, call) {
                return;
            }
        }
        if python::has_nosec(cx.text, statement_range(call), &NOSEC_CODES) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let value = python::unparenthesize(call);
        self.report_read(cx, &read, value, default);
    }

    /// `os.environ.get("SECRET") or "literal"`.
    fn check_or(&self, cx: &mut Checker<'_>, node: Node<'_>) {
        let (Some(left), Some(right)) = (node.field("left"), node.field("right")) else {
            return;
        };
        let left = python::unparenthesize(left);
        if !is_or_with_literal(cx.text, node, left) || left.kind() != "call" {
            return;
        }
        let Some(read) = self.env_read(cx, left) else {
            return;
        };
        let right = python::unparenthesize(right);
        if !is_secret_literal(cx.text, right, &read.key) {
            return;
        }
        if let Some((default, _)) = read.default {
            let empty =
                python::string_value(cx.text, default) == Some("") || default.kind() == "none";
            if !empty && !is_secret_literal(cx.text, default, &read.key) {
                return; // `getenv("K", other) or "x"`: not a plain fallback
            }
        }
        if python::has_nosec(cx.text, statement_range(node), &NOSEC_CODES) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        self.report_read(cx, &read, node, right);
    }

    /// The finding and fix for a read with a literal fallback; `value` is
    /// the expression to replace (the call, or the `or`).
    fn report_read(
        &self,
        cx: &mut Checker<'_>,
        read: &EnvRead<'_>,
        value: Node<'_>,
        literal: Node<'_>,
    ) {
        let in_test_class = python::enclosing_statement(value)
            .and_then(enclosing_class)
            .is_some_and(|class| is_test_or_dev_class(cx.text, class));
        if self.exclude_tests && in_test_class {
            return;
        }
        let old = Old::of(cx.text, literal);
        let mut message = format!(
            "`{}` falls back to a hard-coded value when the environment does not set it: read it without a default and stop at start-up when it is missing",
            read.key
        );
        if !old.placeholder {
            message.push_str(" (the literal may be a real credential: it stays in the version history, rotate it)");
        }
        let plain_read = plain_read_text(cx.text, read);
        let fix = match overridden_later(cx, value)
            .map_or_else(|| self.read_fix(cx, read, value, &plain_read, &old), Err)
        {
            Ok(fix) => fix,
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(value.byte_range(), message, Some(fix));
    }

    fn read_fix(
        &self,
        cx: &Checker<'_>,
        read: &EnvRead<'_>,
        value: Node<'_>,
        plain_read: &str,
        old: &Old,
    ) -> Result<Fix, String> {
        let parent = python::parent_skipping_parens(value).ok_or("no statement around it")?;
        if let Some(statement) = python::enclosing_statement(value) {
            if enclosing_class(statement).is_some() {
                return Err(CLASS_LEVEL.into());
            }
        }
        // `NAME = read` (also `self.x`, `cfg["K"]`): drop the default, guard after.
        if let Some((statement, target)) = simple_assignment(cx.text, parent, value) {
            let guard = guard_after(cx, statement, python::text(cx.text, target), &read.key, old)
                .ok_or("the statement shares its line with other code")?;
            let mut edits = drop_default(read, value);
            edits.push(guard);
            return Ok(Fix::unsafe_(edits));
        }
        // `os.environ.setdefault("K", "…")` on its own: the guard alone,
        // its first line where the call was (a comment after it stays).
        if parent.kind() == "expression_statement" && read.method == Method::Setdefault {
            let (_, indent) = edit::before_statement(cx, parent)
                .ok_or("the statement shares its line with other code")?;
            let (at, _, prefix) = edit::after_statement(cx, parent)
                .ok_or("the statement shares its line with other code")?;
            let block = cx
                .stylist
                .render_block(&guard_template(cx, plain_read, &read.key, old), indent);
            let (first, rest) = block.split_once(cx.stylist.eol()).unwrap_or((&block, ""));
            return Ok(Fix::unsafe_(vec![
                Edit::replacement(parent.byte_range().into(), first.trim_start()),
                Edit::insertion(at, format!("{prefix}{rest}")),
            ]));
        }
        // Anywhere else: move the read into a variable of its own first.
        let (_, at, indent) = edit::hoist_point(cx, value).map_err(str::to_owned)?;
        let scope = edit::scope_of(cx, value);
        let base = if python::enclosing_function(value).is_some() {
            // `SHOPFRONT_SMTP_PASSWORD` → `smtp_password` when the module
            // prefixes all its variables with `SHOPFRONT_`.
            let key = env_prefix(cx.text, cx.root)
                .and_then(|p| read.key.strip_prefix(&format!("{p}_")))
                .unwrap_or(&read.key);
            key.to_ascii_lowercase()
        } else {
            read.key.to_ascii_uppercase()
        };
        let base = if is_identifier(&base) {
            base
        } else {
            "secret".to_owned()
        };
        let name = free_name(cx.text, scope, &base);
        let template = format!(
            "{name} = {plain_read}\n{}",
            guard_template(cx, &name, &read.key, old)
        );
        let block = cx.stylist.render_block(&template, indent);
        Ok(Fix::unsafe_(vec![
            Edit::insertion(at, block),
            Edit::replacement(outer_parens(value).byte_range().into(), name),
        ]))
    }

    /// `SECRET_KEY = "…"`, `app.secret_key = "…"`, `app.config["K"] = "…"`.
    fn check_assignment(&self, cx: &mut Checker<'_>, assignment: Node<'_>) {
        let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
        else {
            return;
        };
        let Some(statement) = assignment
            .parent()
            .filter(|p| p.kind() == "expression_statement")
        else {
            return;
        };
        let literal = python::unparenthesize(right);
        if !matches!(
            literal.kind(),
            "string" | "concatenated_string" | "integer" | "float"
        ) {
            return;
        }
        if left.kind() == "attribute"
            && left
                .field("object")
                .is_some_and(|o| matches!(python::text(cx.text, o), "self" | "cls"))
        {
            self.check_instance_attribute(cx, left, literal, statement);
            return;
        }
        let Some(env) = self.assigned_secret(cx, left, literal, statement) else {
            return;
        };
        if !is_secret_literal(cx.text, literal, &env) {
            return;
        }
        if python::has_nosec(cx.text, statement.byte_range().into(), &NOSEC_CODES) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let class = enclosing_class(statement);
        if let Some(class) = class {
            if self.exclude_tests && is_test_or_dev_class(cx.text, class) {
                return;
            }
        }
        let target = python::text(cx.text, left);
        let old = Old::of(cx.text, literal);
        let mut message = format!(
            "`{target}` is a hard-coded secret: read it from the environment and stop at start-up when it is missing"
        );
        if !old.placeholder {
            message.push_str(" (the literal may be a real credential: it stays in the version history, rotate it)");
        }
        let fix = if matches!(literal.kind(), "integer" | "float") {
            Err("the value is a number, and the environment gives a string: convert it where it is used".to_owned())
        } else if class.is_some_and(|c| is_pydantic_settings(cx.text, c)) {
            Err("pydantic settings read the environment themselves: remove the default so the setting is required".to_owned())
        } else if class.is_some() {
            Err(CLASS_LEVEL.to_owned())
        } else if let Some(reason) = overridden_later(cx, statement) {
            Err(reason)
        } else {
            self.literal_fix(cx, statement, literal, target, &env, &old)
        };
        let fix = match fix {
            Ok(fix) => fix,
            Err(reason) => {
                message.push_str(&format!(" (no automatic fix: {reason})"));
                Fix::new(Vec::new(), Applicability::ReportOnly)
            }
        };
        cx.report(statement.byte_range(), message, Some(fix));
    }

    /// `self.api_token = "…"`: a secret-like instance (or class) attribute
    /// given a literal that looks like a credential. Report-only: where
    /// the object gets its configuration is the owner's design.
    fn check_instance_attribute(
        &self,
        cx: &mut Checker<'_>,
        left: Node<'_>,
        literal: Node<'_>,
        statement: Node<'_>,
    ) {
        let Some(attribute) = left.field("attribute") else {
            return;
        };
        let name = python::text(cx.text, attribute);
        let target = python::text(cx.text, left);
        self.report_embedded(cx, statement, name, literal, &format!("`{target}`"));
    }

    /// `Server(bot, secret_key="…")`: a secret-like keyword argument given a
    /// literal (bandit B106).
    fn check_keyword(&self, cx: &mut Checker<'_>, argument: Node<'_>) {
        let (Some(key), Some(value)) = (argument.field("name"), argument.field("value")) else {
            return;
        };
        // Parameter defaults (`def f(password="x")`) are `default_parameter`,
        // not keyword arguments: only calls get here.
        let name = python::text(cx.text, key);
        if builds_user_record(cx.text, argument) {
            return;
        }
        let description = format!("the `{name}=` argument");
        self.report_embedded(
            cx,
            argument,
            name,
            python::unparenthesize(value),
            &description,
        );
    }

    /// `{"secret_key": "…"}`: a secret-like dictionary entry given a literal.
    fn check_pair(&self, cx: &mut Checker<'_>, pair: Node<'_>) {
        let (Some(key), Some(value)) = (pair.field("key"), pair.field("value")) else {
            return;
        };
        let Some(name) = python::string_value(cx.text, python::unparenthesize(key)) else {
            return;
        };
        let description = format!("the `{name}` entry");
        self.report_embedded(cx, pair, name, python::unparenthesize(value), &description);
    }

    /// The report-only finding for a literal secret embedded in code (an
    /// instance attribute, a keyword argument, a dictionary entry): the
    /// name must be secret-like and the value look like a credential, not
    /// a key name or a word of the name (`{"password": "user_password"}`
    /// maps a field).
    fn report_embedded(
        &self,
        cx: &mut Checker<'_>,
        node: Node<'_>,
        name: &str,
        literal: Node<'_>,
        description: &str,
    ) {
        if !matches!(literal.kind(), "string" | "concatenated_string") {
            return;
        }
        let Some(matched) = self.secret_match(name) else {
            return;
        };
        // As strict as for a weak word: the value must look like a credential.
        let strict = NameMatch {
            weak: true,
            ..matched
        };
        let masked =
            literal_value(cx.text, literal).is_some_and(|v| !v.chars().any(char::is_alphanumeric));
        if masked
            || !is_secret_literal(cx.text, literal, name)
            || !plausible_constant(cx.text, literal, &strict)
        {
            return;
        }
        if python::has_nosec(cx.text, statement_range(node), &NOSEC_CODES) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let in_test_class = python::ancestors(node)
            .find(|a| a.kind() == "class_definition")
            .is_some_and(|class| is_test_or_dev_class(cx.text, class));
        if self.exclude_tests && in_test_class {
            return;
        }
        let old = Old::of(cx.text, literal);
        let mut message = format!(
            "{description} is a hard-coded secret: read it from the environment or the configuration"
        );
        if !old.placeholder {
            message.push_str(" (the literal may be a real credential: it stays in the version history, rotate it)");
        }
        message.push_str(
            " (no automatic fix: where the value should come from is the owner's decision)",
        );
        cx.report(
            literal.byte_range(),
            message,
            Some(Fix::new(Vec::new(), Applicability::ReportOnly)),
        );
    }

    fn literal_fix(
        &self,
        cx: &Checker<'_>,
        statement: Node<'_>,
        literal: Node<'_>,
        target: &str,
        env: &str,
        old: &Old,
    ) -> Result<Fix, String> {
        // The project's own prefix, when its other variables have one.
        let env = match env_prefix(cx.text, cx.root) {
            Some(prefix) if !env.starts_with(&format!("{prefix}_")) => format!("{prefix}_{env}"),
            _ => env.to_owned(),
        };
        let guard = guard_after(cx, statement, target, &env, old)
            .ok_or("the statement shares its line with other code")?;
        let read = format!("os.environ.get({})", cx.stylist.string_literal(&env));
        let mut edits = vec![
            Edit::replacement(outer_parens(literal).byte_range().into(), read),
            guard,
        ];
        edits.extend(edit::ensure_import(cx, "os"));
        Ok(Fix::unsafe_(edits))
    }

    /// The environment variable name for a secret-like assignment target,
    /// when the target is one this codemod handles.
    fn assigned_secret(
        &self,
        cx: &Checker<'_>,
        left: Node<'_>,
        literal: Node<'_>,
        statement: Node<'_>,
    ) -> Option<String> {
        match left.kind() {
            "identifier" => {
                let name = python::text(cx.text, left);
                // Module level (also inside `if` / `try` blocks there), or
                // the body of a configuration class.
                let level_ok = match enclosing_class(statement) {
                    Some(class) => is_config_class(cx.text, class),
                    None => python::ancestors(statement)
                        .skip(1)
                        .all(|a| !matches!(a.kind(), "function_definition" | "class_definition")),
                };
                let matched = self.secret_match(name)?;
                (level_ok && plausible_constant(cx.text, literal, &matched)).then(|| env_name(name))
            }
            "attribute" => {
                let object = left.field("object")?;
                let attribute = python::text(cx.text, left.field("attribute")?);
                let receiver = python::text(cx.text, object);
                (attribute.eq_ignore_ascii_case("secret_key")
                    && !matches!(receiver, "self" | "cls"))
                .then(|| "SECRET_KEY".to_owned())
            }
            "subscript" => {
                let object = left.field("value")?;
                let key = left.field("subscript")?;
                let key = python::string_value(cx.text, key)?;
                let owner = python::dotted_name(cx.text, object)?;
                let last = owner.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                let matched = self.secret_match(key)?;
                (matches!(last.as_str(), "config" | "settings" | "conf")
                    && plausible_constant(cx.text, literal, &matched)
                    && is_env_name(key))
                .then(|| key.to_owned())
            }
            _ => None,
        }
    }

    /// The environment read `call` is, with a secret-like literal key.
    fn env_read<'n>(&self, cx: &Checker<'_>, call: Node<'n>) -> Option<EnvRead<'n>> {
        let (receiver, name) = python::call_target(cx.text, call)?;
        let method = match name {
            "getenv" => Method::Getenv,
            "get" => Method::Get,
            "setdefault" => Method::Setdefault,
            _ => return None,
        };
        let args = Arguments::of(cx.text, call);
        if args.has_splat {
            return None;
        }
        let key_node = args
            .positional
            .first()
            .copied()
            .or_else(|| args.keyword("key"))?;
        let key = python::string_value(cx.text, key_node)?;
        if !self.is_secret_name(key) {
            return None;
        }
        let default = match (args.positional.get(1), args.keyword_node("default")) {
            (Some(value), _) => Some((*value, *value)),
            (None, Some(keyword)) => args.keyword("default").map(|v| (v, keyword)),
            (None, None) => None,
        };
        if args.positional.len() > 2 {
            return None;
        }
        // Is the receiver really `os` / `os.environ`? Through the module's
        // imports (`import os as _os`, `from os import environ, getenv`).
        let recognised = match (method, receiver) {
            (Method::Getenv, _) => call
                .field("function")
                .and_then(|f| cx.imported_name(f))
                .is_some_and(|f| f == "os.getenv"),
            (_, Some(object)) => cx
                .imported_name(python::unparenthesize(object))
                .is_some_and(|o| o == "os.environ"),
            (_, None) => false,
        };
        recognised.then(|| EnvRead {
            call,
            method,
            key: key.to_owned(),
            key_node,
            default,
        })
    }
}

/// Edits that turn `value` (the read, or `read or "…"`) into the read
/// without its default, touching only the default (comments stay).
fn drop_default(read: &EnvRead<'_>, value: Node<'_>) -> Vec<Edit> {
    let mut edits = Vec::new();
    if let Some((_, argument)) = read.default {
        // From the end of the argument before it: `, "dev"`.
        let previous = argument
            .prev_named_sibling()
            .filter(|p| p.kind() != "comment")
            .unwrap_or(read.key_node);
        edits.push(Edit::deletion(TextRange::new(
            previous.end_byte(),
            argument.end_byte(),
        )));
    }
    if read.method == Method::Setdefault {
        if let Some(name) = read
            .call
            .field("function")
            .and_then(|f| f.field("attribute"))
        {
            edits.push(Edit::replacement(name.byte_range().into(), "get"));
        }
    }
    if value.kind() == "boolean_operator" {
        let left = outer_parens(read.call);
        edits.push(Edit::deletion(TextRange::new(
            left.end_byte(),
            value.end_byte(),
        )));
    }
    edits
}

/// A name based on `base` that no variable in `scope` uses (keyword
/// argument names and attribute names do not count).
fn free_name(text: &str, scope: Node<'_>, base: &str) -> String {
    let mut taken: Vec<&str> = Vec::new();
    python::walk_descendants(scope, |n| {
        if n.kind() == "identifier" {
            let parent = n.parent();
            let is_label = parent.is_some_and(|p| {
                (p.kind() == "keyword_argument" && p.field("name").map(|c| c.id()) == Some(n.id()))
                    || (p.kind() == "attribute"
                        && p.field("attribute").map(|c| c.id()) == Some(n.id()))
            });
            if !is_label {
                taken.push(python::text(text, n));
            }
        }
        true
    });
    if !taken.contains(&base) {
        return base.to_owned();
    }
    (1..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| !taken.contains(&candidate.as_str()))
        .unwrap_or_else(|| base.to_owned())
}

/// The prefix most environment variables of the module share
/// (`SHOPFRONT` for `SHOPFRONT_DEBUG`, `SHOPFRONT_DB_PASSWORD`, …): the first
/// word of at least three quarters of at least three names read with
/// `getenv` / `environ.get` / `environ[…]`.
fn env_prefix(text: &str, root: Node<'_>) -> Option<String> {
    let mut keys: Vec<&str> = Vec::new();
    python::walk_descendants(root, |n| {
        let key = match n.kind() {
            "call" => match python::call_target(text, n) {
                Some((receiver, "getenv" | "get" | "setdefault"))
                    if receiver.is_none_or(|r| python::text(text, r).ends_with("environ"))
                        || python::text(text, n).starts_with("os.getenv") =>
                {
                    Arguments::of(text, n).positional.first().copied()
                }
                _ => None,
            },
            "subscript" => n
                .field("value")
                .filter(|v| python::text(text, *v).ends_with("environ"))
                .and_then(|_| n.field("subscript")),
            _ => None,
        };
        if let Some(value) = key.and_then(|k| python::string_value(text, k)) {
            if is_env_name(value) {
                keys.push(value);
            }
        }
        true
    });
    if keys.len() < 3 {
        return None;
    }
    let first = |k: &str| k.split('_').next().unwrap_or("").to_owned();
    let mut candidates: Vec<String> = keys
        .iter()
        .filter(|k| k.contains('_'))
        .map(|k| first(k))
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates.into_iter().find(|prefix| {
        let with = keys
            .iter()
            .filter(|k| k.starts_with(&format!("{prefix}_")))
            .count();
        !prefix.is_empty() && with * 4 >= keys.len() * 3
    })
}

/// The read without its default: `os.getenv("K")`; `setdefault` becomes
/// `get`.
fn plain_read_text(text: &str, read: &EnvRead<'_>) -> String {
    let function = read
        .call
        .field("function")
        .map_or("", |f| python::text(text, f));
    let function = match read.method {
        Method::Setdefault => match function.strip_suffix("setdefault") {
            Some(object) => format!("{object}get"),
            None => function.to_owned(),
        },
        _ => function.to_owned(),
    };
    format!("{function}({})", python::text(text, read.key_node))
}

/// `parent` is `left or <literal>` with `left` as its left operand.
fn is_or_with_literal(text: &str, parent: Node<'_>, left: Node<'_>) -> bool {
    parent.kind() == "boolean_operator"
        && parent
            .field("operator")
            .is_some_and(|o| python::text(text, o) == "or")
        && parent
            .field("left")
            .map(python::unparenthesize)
            .is_some_and(|l| l.id() == left.id())
        && parent
            .field("right")
            .map(python::unparenthesize)
            .is_some_and(|r| {
                matches!(
                    r.kind(),
                    "string" | "concatenated_string" | "integer" | "float"
                )
            })
}

/// The old literal, as the guard compares it.
struct Old {
    /// Source text for `X == <old>`, or `None` when it is not compared.
    compare: Option<String>,
    /// Whether it looks like a placeholder (else: maybe a real secret).
    placeholder: bool,
}

impl Old {
    fn of(text: &str, literal: Node<'_>) -> Self {
        let source = python::text(text, literal);
        let value = literal_value(text, literal);
        let placeholder = value.as_deref().is_none_or(looks_like_placeholder);
        let compare = if !placeholder || source.contains('\n') {
            None
        } else {
            match literal.kind() {
                "integer" | "float" => Some(format!("\"{source}\"")),
                "string" if string_prefix(text, literal).contains(['b', 'B']) => {
                    // The environment gives `str`: compare without the `b`.
                    (!source.contains('\\')).then(|| source.replacen(['b', 'B'], "", 1))
                }
                _ => Some(source.to_owned()),
            }
        };
        Old {
            compare,
            placeholder,
        }
    }
}

/// `if not X or X == "old":\n    raise ValueError(...)`.
fn guard_template(cx: &Checker<'_>, value: &str, env: &str, old: &Old) -> String {
    let (condition, state) = match &old.compare {
        Some(old) => (
            format!("not {value} or {value} == {old}"),
            " or still the old hard-coded default",
        ),
        None => (format!("not {value}"), ""),
    };
    let first = cx.stylist.string_literal(&format!(
        "{env} is missing{state}: set it in the environment"
    ));
    // A key the application makes up itself can be generated; a token or
    // API key is issued by another service and cannot.
    let upper = env.to_ascii_uppercase();
    let issued = ["TOKEN", "API", "ACCESS_KEY", "CLIENT_SECRET", "DSN"]
        .iter()
        .any(|w| upper.contains(w));
    let second = if issued {
        cx.stylist
            .string_literal(" (use the credential the issuing service gave you)")
    } else {
        cx.stylist
            .string_literal(&format!(" (to generate one: {HOW_TO_GENERATE})"))
    };
    format!("if {condition}:\n    raise ValueError(\n        {first}\n        {second}\n    )")
}

/// The guard inserted right after `statement`.
fn guard_after(
    cx: &Checker<'_>,
    statement: Node<'_>,
    value: &str,
    env: &str,
    old: &Old,
) -> Option<Edit> {
    let (at, indent, prefix) = edit::after_statement(cx, statement)?;
    let block = cx
        .stylist
        .render_block(&guard_template(cx, value, env, old), indent);
    Some(Edit::insertion(at, format!("{prefix}{block}")))
}

/// For `value` as the whole right side of `target = value` (a name, an
/// attribute chain or a subscript with a literal key): the statement and
/// the target.
fn simple_assignment<'n>(
    text: &str,
    parent: Node<'n>,
    value: Node<'_>,
) -> Option<(Node<'n>, Node<'n>)> {
    if parent.kind() != "assignment" {
        return None;
    }
    let right = python::unparenthesize(parent.field("right")?);
    if right.id() != value.id() {
        return None;
    }
    let statement = parent
        .parent()
        .filter(|p| p.kind() == "expression_statement")?;
    let left = parent.field("left")?;
    let simple = match left.kind() {
        "identifier" | "attribute" => python::dotted_name(text, left).is_some(),
        "subscript" => {
            left.field("value")
                .is_some_and(|v| python::dotted_name(text, v).is_some())
                && left
                    .field("subscript")
                    .is_some_and(|k| python::string_value(text, k).is_some())
        }
        _ => false,
    };
    simple.then_some((statement, left))
}

/// The range of the statement around `node` (for `# nosec`).
fn statement_range(node: Node<'_>) -> TextRange {
    python::enclosing_statement(node)
        .map_or_else(|| node.byte_range().into(), |s| s.byte_range().into())
}

/// `value` with the parentheses around it.
fn outer_parens(value: Node<'_>) -> Node<'_> {
    let mut node = value;
    while let Some(parent) = node
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        node = parent;
    }
    node
}

/// Why a literal (or a default) at `node` is not the last word on the
/// value, when something later in its scope may override it: a star import
/// after it (`from .settings_local import *`), a Flask config load after it
/// (`app.config.from_envvar(...)`, `from_pyfile`, `from_object`,
/// `from_file`, `from_prefixed_env`, `from_mapping`), or a module whose
/// name says it holds defaults (`default_config.py`, `defaults.py`). A
/// guard at the literal would then stop deployments that set the value
/// the documented way.
fn overridden_later(cx: &Checker<'_>, node: Node<'_>) -> Option<String> {
    let defaults_module = cx
        .path()
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .is_some_and(is_defaults_module);
    if defaults_module {
        return Some("this module holds defaults that other configuration sources override: check the value once every source is loaded".to_owned());
    }
    let scope = python::enclosing_function(node).unwrap_or(cx.root);
    let mut found = None;
    python::walk_descendants(scope, |n| {
        if found.is_some() || n.end_byte() <= node.end_byte() {
            return false; // before the literal (or done)
        }
        if n.start_byte() < node.end_byte() {
            return true; // around the literal: look at what follows inside
        }
        match n.kind() {
            "import_from_statement"
                if python::named_children(n)
                    .iter()
                    .any(|c| c.kind() == "wildcard_import") =>
            {
                let module = n
                    .field("module_name")
                    .map_or("", |m| python::text(cx.text, m));
                found = Some(format!(
                    "the later `from {module} import *` may override it: check the value after it"
                ));
            }
            "call" => {
                if let Some((Some(receiver), method)) = python::call_target(cx.text, n) {
                    let loader = matches!(
                        method,
                        "from_envvar"
                            | "from_pyfile"
                            | "from_object"
                            | "from_file"
                            | "from_prefixed_env"
                            | "from_mapping"
                    );
                    let config = python::text(cx.text, receiver)
                        .rsplit('.')
                        .next()
                        .is_some_and(|r| r == "config");
                    if loader && config {
                        found = Some(format!(
                            "the later `{}.{method}(...)` may override it: check the value after the configuration is loaded",
                            python::text(cx.text, receiver)
                        ));
                    }
                }
            }
            _ => {}
        }
        found.is_none()
    });
    found
}

/// Keywords of a call that builds a user record (`User(username=...,
/// email=..., password="setbyplugin")`): its `password` is the stored
/// field, often an unusable marker, not a credential the code logs in with.
const USER_RECORD_KEYWORDS: [&str; 6] = [
    "email",
    "first_name",
    "last_name",
    "is_staff",
    "is_superuser",
    "is_active",
];

/// Whether the keyword argument belongs to a call that builds a user
/// record (see [`USER_RECORD_KEYWORDS`]).
fn builds_user_record(text: &str, argument: Node<'_>) -> bool {
    let Some(list) = argument.parent().filter(|p| p.kind() == "argument_list") else {
        return false;
    };
    python::named_children(list).into_iter().any(|a| {
        a.kind() == "keyword_argument"
            && a.field("name")
                .is_some_and(|n| USER_RECORD_KEYWORDS.contains(&python::text(text, n)))
    })
}

/// `defaults.py`, `default_config.py`, `settings_default.py`: a module of
/// configuration defaults.
fn is_defaults_module(stem: &str) -> bool {
    let parts = name_parts(stem);
    let default = parts.iter().any(|p| p == "DEFAULT" || p == "DEFAULTS");
    let config = parts
        .iter()
        .any(|p| matches!(p.as_str(), "CONFIG" | "CONF" | "SETTINGS" | "CFG"));
    stem.eq_ignore_ascii_case("defaults") || (default && config)
}

/// A development or test configuration file: its stem is `development`,
/// `dev`, `local`, `test`, `testing` (or has a `dev` / `development` word:
/// `settings_dev.py`), or a directory or the file name has a `test` /
/// `tests` / `testing` word (`docker/browser-test/seed.py`).
fn is_dev_or_test_path(path: &std::path::Path) -> bool {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if matches!(
        stem.as_str(),
        "development" | "dev" | "local" | "test" | "testing" | "tests"
    ) {
        return true;
    }
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    if words(&stem)
        .iter()
        .any(|w| w == "dev" || w == "development")
    {
        return true;
    }
    path.components().any(|c| {
        c.as_os_str().to_str().is_some_and(|c| {
            words(c)
                .iter()
                .any(|w| matches!(w.as_str(), "test" | "tests" | "testing"))
        })
    })
}

/// The class whose body holds `statement` directly.
fn enclosing_class(statement: Node<'_>) -> Option<Node<'_>> {
    let block = statement.parent().filter(|p| p.kind() == "block")?;
    block.parent().filter(|p| p.kind() == "class_definition")
}

fn class_name<'t>(text: &'t str, class: Node<'_>) -> &'t str {
    class.field("name").map_or("", |n| python::text(text, n))
}

/// `class Config`, `class ProdSettings(BaseSettings)`: a configuration class.
fn is_config_class(text: &str, class: Node<'_>) -> bool {
    let mut names = vec![class_name(text, class).to_ascii_lowercase()];
    if let Some(bases) = class.field("superclasses") {
        names.extend(
            python::named_children(bases)
                .iter()
                .map(|b| python::text(text, *b).to_ascii_lowercase()),
        );
    }
    names
        .iter()
        .any(|n| n.contains("config") || n.contains("settings") || n.ends_with("conf"))
}

/// `TestConfig`, `DevelopmentSettings`, `LocalConfig`, `DebugConfig`.
fn is_test_or_dev_class(text: &str, class: Node<'_>) -> bool {
    let parts = name_parts(class_name(text, class));
    parts.iter().any(|p| {
        matches!(
            p.as_str(),
            "TEST" | "TESTS" | "TESTING" | "DEV" | "DEVELOPMENT" | "LOCAL" | "DEBUG"
        )
    })
}

fn is_pydantic_settings(text: &str, class: Node<'_>) -> bool {
    class.field("superclasses").is_some_and(|bases| {
        python::named_children(bases)
            .iter()
            .any(|b| python::text(text, *b).rsplit('.').next() == Some("BaseSettings"))
    })
}

/// The words of a name, upper-cased: `DB_PASSWORD` → `DB`, `PASSWORD`;
/// `apiKey` → `API`, `KEY`; `APIKey` → `API`, `KEY`.
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for chunk in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = c.is_uppercase()
                && previous.is_some_and(|p| {
                    p.is_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
                });
            if boundary && !current.is_empty() {
                parts.push(std::mem::take(&mut current).to_ascii_uppercase());
            }
            current.push(c);
        }
        if !current.is_empty() {
            parts.push(current.to_ascii_uppercase());
        }
    }
    parts
}

/// `secret_key` → `SECRET_KEY`, `jwtSecret` → `JWT_SECRET`.
fn env_name(name: &str) -> String {
    name_parts(name).join("_")
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn string_prefix<'t>(text: &'t str, string: Node<'_>) -> &'t str {
    let start = string
        .named_child(0)
        .filter(|c| c.kind() == "string_start")
        .map_or("", |c| python::text(text, c));
    &start[..start.find(['"', '\'']).unwrap_or(0)]
}

/// The value of a literal (`None` when it cannot be read exactly).
fn literal_value(text: &str, literal: Node<'_>) -> Option<String> {
    match literal.kind() {
        "integer" | "float" => Some(python::text(text, literal).to_owned()),
        "string" => {
            let parts = python::string_pieces(text, literal)?;
            let mut value = String::new();
            for piece in parts.pieces {
                match piece {
                    python::StringPiece::Char { ch, .. } => value.push(ch?),
                    python::StringPiece::Interpolation(_) => return None,
                }
            }
            Some(value)
        }
        "concatenated_string" => {
            let mut value = String::new();
            for part in python::named_children(literal) {
                if part.kind() == "string" {
                    value.push_str(&literal_value(text, part)?);
                }
            }
            Some(value)
        }
        _ => None,
    }
}

/// Whether a literal is a hard-coded secret value for `name`: not empty,
/// not an f-string with values, not a template, a sentence, or the name
/// itself.
fn is_secret_literal(text: &str, literal: Node<'_>, name: &str) -> bool {
    let literal = python::unparenthesize(literal);
    if !matches!(
        literal.kind(),
        "string" | "concatenated_string" | "integer" | "float"
    ) {
        return false;
    }
    let Some(value) = literal_value(text, literal) else {
        // An f-string with values, or an escape we cannot read.
        let mut interpolated = false;
        python::walk_descendants(literal, |n| {
            interpolated |= n.kind() == "interpolation";
            !interpolated
        });
        return !interpolated;
    };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return false;
    }
    if trimmed.contains("{}")
        || trimmed.contains("%s")
        || trimmed.contains("%(")
        || trimmed.contains("${")
    {
        return false;
    }
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    if normal(trimmed) == normal(name) {
        return false;
    }
    let words = trimmed.split_whitespace().count();
    let capital = trimmed.chars().next().is_some_and(char::is_uppercase);
    let sentence =
        words >= 2 && (trimmed.ends_with(['.', '!', '?', ':']) || (capital && words >= 3));
    if sentence {
        return false;
    }
    !trimmed.contains("://")
}

/// Whether a literal value reads like a placeholder (or is too short to
/// be a real secret), rather than possibly a real credential.
fn looks_like_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.chars().count() < 16 || PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codemod() -> InsecureDefaultSecret {
        InsecureDefaultSecret::from_options(&mut Options::new(
            "insecure-default-secret",
            &toml::Table::new(),
        ))
        .unwrap()
    }

    #[test]
    fn secret_names() {
        let c = codemod();
        for name in [
            "SECRET_KEY",
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "JWT_SECRET",
            "apiKey",
            "STRIPE_API_KEY",
            "secret_key",
            "DB_PASS",
            "AWS_SECRET_ACCESS_KEY",
            "clientSecret",
        ] {
            assert!(c.is_secret_name(name), "{name}");
        }
        for name in [
            "TOKEN_URL",
            "SECRET_KEY_FILE",
            "PASSWORD_MIN_LENGTH",
            "AUTH_TOKEN_HEADER",
            "PASSWORD_RESET_TIMEOUT",
            "MAX_TOKENS",
            "PWD",
            "CACHE_KEY",
            "DATABASE_URL",
            "BYPASS_CACHE",
            "PAGE_SIZE",
            "AWS_ACCESS_KEY_ID",
            "PASSWORD_HASHERS",
        ] {
            assert!(!c.is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn triggers_cover_the_spellings_but_not_the_pass_keyword() {
        let triggers = codemod().triggers();
        for t in [
            "API_KEY", "api_key", "apiKey", "ApiKey", "APIKey", "SECRET", "secret", "Secret",
            "_pass", "PASS",
        ] {
            assert!(triggers.contains(&t.to_owned()), "{t}");
        }
        assert!(!triggers.contains(&"pass".to_owned()));
    }

    #[test]
    fn development_and_test_configuration_files() {
        use std::path::Path;
        for path in [
            "configs/development.py",
            "configs/test.py",
            "app/dev.py",
            "settings/local.py",
            "testing.py",
            "project/settings_dev.py",
            "docker/browser-test/seed-browser-tests.py",
        ] {
            assert!(is_dev_or_test_path(Path::new(path)), "{path}");
        }
        for path in [
            "configs/production.py",
            "app/settings.py",
            "latest/config.py",
            "contest/settings.py",
            "local_settings.py",
            "devices/config.py",
        ] {
            assert!(!is_dev_or_test_path(Path::new(path)), "{path}");
        }
        assert!(is_defaults_module("default_config"));
        assert!(is_defaults_module("defaults"));
        assert!(!is_defaults_module("insecure_default_secret"));
        assert!(!is_defaults_module("config"));
    }

    #[test]
    fn name_parts_split_camel_case() {
        assert_eq!(name_parts("APIKey"), ["API", "KEY"]);
        assert_eq!(name_parts("jwtSecret2"), ["JWT", "SECRET2"]);
        assert_eq!(name_parts("db-password.v2"), ["DB", "PASSWORD", "V2"]);
        assert_eq!(env_name("appSecretKey"), "APP_SECRET_KEY");
    }

    #[test]
    fn placeholders_and_real_looking_values() {
        for value in [
            "dev",
            "changeme",
            "django-insecure-8f3k2j4h5g6f7d8s9a0",
            "s3cr3t",
            "hunter2",
        ] {
            assert!(looks_like_placeholder(value), "{value}");
        }
        assert!(!looks_like_placeholder("q8Zr4NvT2wLm9XpB7cYe"));
        let parts = |n: &str| n.split('_').map(str::to_owned).collect::<Vec<_>>();
        for value in [
            "env:ENCRYPT_PASS",
            "file:/run/secrets/pass",
            "${DB_PASS}",
            "$DB_PASS",
            "%(db_pass)s",
            "{{ db_pass }}",
            "encrypt_pass",
        ] {
            assert!(names_a_source(value, &parts("ENCRYPT_PASS")), "{value}");
        }
        for value in [
            "env:",
            "hunter2hunter2",
            "pass:hunter2",
            "$3cr3t pass",
            "$ecr3tPass",
        ] {
            assert!(!names_a_source(value, &parts("ENCRYPT_PASS")), "{value}");
        }
    }
}
