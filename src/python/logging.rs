//! Loggers: what a logging call looks like, and the one policy for the
//! logger a fix logs through (reuse what the module already logs with).

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
use tree_sitter::Node;

/// Logging methods of `logging.Logger` (and of the `logging` module).
pub const LOG_METHODS: [&str; 9] = [
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

/// Whether an expression looks like a logger: `logging`, `logger`, `log`,
/// `LOGGER`, `_logger`, `self.logger`, `app.logger`, `audit_log`,
/// `requestLogger`, or `logging.getLogger(...)` / `get_logger(...)`.
/// Words that merely end in "log" (`catalog`, `dialog`, `backlog`) do not.
pub fn looks_like_logger(text: &str, node: Node<'_>) -> bool {
    let node = unparenthesize(node);
    let name = match node.kind() {
        "identifier" => self::tree::text(text, node),
        "attribute" => match node.field("attribute") {
            Some(attribute) => self::tree::text(text, attribute),
            None => return false,
        },
        "call" => {
            return node
                .field("function")
                .and_then(|f| dotted_name(text, f))
                .is_some_and(|f| {
                    let last = f.rsplit('.').next().unwrap_or("");
                    matches!(
                        last,
                        "getLogger" | "get_logger" | "get_task_logger" | "getChild"
                    )
                });
        }
        _ => return false,
    };
    let lower = name.to_ascii_lowercase();
    let bare = lower.trim_start_matches('_');
    if matches!(bare, "log" | "logger" | "logging") {
        return true;
    }
    if lower.ends_with("_log") || lower.ends_with("_logger") {
        return true;
    }
    // camelCase: `requestLogger`, `auditLog`.
    ["Logger", "Log"].iter().any(|suffix| {
        name.strip_suffix(suffix)
            .and_then(|head| head.chars().last())
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// For a call `logger.warning(...)` on something that looks like a logger
/// (see [`looks_like_logger`]): the method name.
pub fn log_call_method<'t>(text: &'t str, call: Node<'_>) -> Option<&'t str> {
    let (receiver, method) = call_target(text, call)?;
    (LOG_METHODS.contains(&method) && looks_like_logger(text, receiver?)).then_some(method)
}

/// Names an existing module logger may have.
pub const LOGGER_NAMES: [&str; 4] = ["logger", "log", "LOGGER", "_logger"];

/// The module's first logger binding (its name and where its statement
/// starts) and whether `logger` is bound to something else; `Err` when the
/// module logs with loguru.
#[allow(clippy::type_complexity)]
pub fn module_loggers(
    text: &str,
    root: Node<'_>,
) -> Result<(Option<(String, usize)>, bool), String> {
    let mut existing: Option<(String, usize)> = None;
    let mut logger_taken = false;
    for statement in module_statements(root) {
        for (name, bound_by) in module_bindings(text, statement) {
            // Any name bound to `logging.getLogger(...)` is the module's
            // logger (`_log`, `audit`); other bindings only under the
            // conventional names.
            let factory = matches!(bound_by, Binding::LoggerCall);
            if !factory && !LOGGER_NAMES.contains(&name) {
                continue;
            }
            match bound_by {
                Binding::LoggerCall | Binding::Import if existing.is_none() => {
                    existing = Some((name.to_owned(), statement.start_byte()));
                }
                Binding::Loguru if existing.is_none() => {
                    return Err(format!(
                        "the module logs with loguru's `{name}`, whose methods take other arguments"
                    ));
                }
                Binding::Other if name == "logger" => logger_taken = true,
                _ => {}
            }
        }
    }
    // Any other module-level binding of `logger` (a `for` target, a
    // `with ... as logger`, a star-import cannot be seen) also takes it.
    let logger_taken = logger_taken
        || (existing.is_none() && module_binding_start(text, root, "logger").is_some());
    Ok((existing, logger_taken))
}

/// How a module-level statement binds a name.
enum Binding {
    /// `name = <...>.getLogger(...)` and similar logger factories.
    LoggerCall,
    /// `from x import name` / `import x as name` (not from loguru).
    Import,
    /// `from loguru import logger`.
    Loguru,
    /// Anything else: another assignment, `def`, `class`.
    Other,
}

/// The names a module-level statement binds, and how.
fn module_bindings<'t>(text: &'t str, statement: Node) -> Vec<(&'t str, Binding)> {
    let mut out = Vec::new();
    match statement.kind() {
        "expression_statement" => {
            let Some(assignment) = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
            else {
                return out;
            };
            let Some(left) = assignment
                .field("left")
                .filter(|l| l.kind() == "identifier")
            else {
                return out;
            };
            let is_factory = assignment
                .field("right")
                .filter(|r| r.kind() == "call")
                .is_some_and(|call| looks_like_logger(text, call));
            let binding = if is_factory {
                Binding::LoggerCall
            } else {
                Binding::Other
            };
            out.push((tree::text(text, left), binding));
        }
        "import_from_statement" => {
            let loguru = statement
                .field("module_name")
                .is_some_and(|m| tree::text(text, m) == "loguru");
            let mut cursor = statement.walk();
            for name in statement.children_by_field_name("name", &mut cursor) {
                let bound = match name.kind() {
                    "aliased_import" => name.field("alias"),
                    _ => Some(name),
                };
                if let Some(bound) = bound {
                    let binding = if loguru {
                        Binding::Loguru
                    } else {
                        Binding::Import
                    };
                    out.push((tree::text(text, bound), binding));
                }
            }
        }
        "import_statement" => {
            for name in named_children(statement) {
                if let Some(alias) = (name.kind() == "aliased_import")
                    .then(|| name.field("alias"))
                    .flatten()
                {
                    out.push((tree::text(text, alias), Binding::Import));
                }
            }
        }
        "function_definition" | "class_definition" | "decorated_definition" => {
            let definition = statement.field("definition").unwrap_or(statement);
            if let Some(name) = definition.field("name") {
                out.push((tree::text(text, name), Binding::Other));
            }
        }
        _ => {}
    }
    out
}

/// Logging methods below error level: the ones a fix that makes a failure
/// fatal raises to `error`.
pub const LOW_LOG_LEVELS: [&str; 4] = ["warning", "warn", "info", "debug"];

/// Whether `call` only reports something: a logging call (see
/// [`log_call_method`]) or a bare `print(...)`. Django's
/// `messages.warning(request, ...)`, Flask's `flash(...)` and Streamlit's
/// `st.warning(...)` show a message to the user and are not logging.
pub fn is_log_or_print_call(text: &str, call: Node<'_>) -> bool {
    log_call_method(text, call).is_some()
        || matches!(call_target(text, call), Some((None, "print")))
}

/// The method name of a logging call below error level (`logger.warning`
/// in `logger.warning(...)`), the node a fix renames to `error`.
pub fn low_level_log_method<'n>(text: &str, call: Node<'n>) -> Option<Node<'n>> {
    log_call_method(text, call)?;
    let method = call.field("function")?.field("attribute")?;
    LOW_LOG_LEVELS
        .contains(&tree::text(text, method))
        .then_some(method)
}

/// What a block that only logs is made of (see [`only_logs`]).
#[derive(Debug, Default)]
pub struct OnlyLogs<'n> {
    /// The logging and `print` calls, in order.
    pub logs: Vec<Node<'n>>,
    /// The `pass` statements.
    pub passes: Vec<Node<'n>>,
}

/// The calls of a block that does nothing but log (logging calls and
/// `print`, see [`is_log_or_print_call`]), with `pass` and comments; with
/// `allow_continue`, also `continue`. `None` for any other block, and for
/// one without any logging call: a failure handled that way is reported and
/// then ignored.
pub fn only_logs<'n>(text: &str, block: Node<'n>, allow_continue: bool) -> Option<OnlyLogs<'n>> {
    let mut found = OnlyLogs::default();
    for statement in named_children(block) {
        match statement.kind() {
            "comment" => continue,
            "continue_statement" if allow_continue => continue,
            "pass_statement" => {
                found.passes.push(statement);
                continue;
            }
            "expression_statement" => {}
            _ => return None,
        }
        let call = statement.named_child(0).filter(|c| c.kind() == "call")?;
        if !is_log_or_print_call(text, call) {
            return None;
        }
        found.logs.push(call);
    }
    (!found.logs.is_empty()).then_some(found)
}

/// The first module-level logger made by a logger factory under any name
/// (`bot_log = logging.getLogger("bot")`), with where its statement
/// starts: what a module logs through when it has none of the
/// [`LOGGER_NAMES`].
pub fn module_logger_any_name(text: &str, root: Node<'_>) -> Option<(String, usize)> {
    module_statements(root).into_iter().find_map(|statement| {
        module_bindings(text, statement)
            .into_iter()
            .find(|(_, binding)| matches!(binding, Binding::LoggerCall))
            .map(|(name, _)| (name.to_owned(), statement.start_byte()))
    })
}

/// What a module does to set logging up, by a scan of its text (no parse):
/// see [`scan_logging_setup`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggingSetup {
    /// It configures the root logger or the whole logging system:
    /// `basicConfig`, `dictConfig` / `fileConfig`, a Django `LOGGING`
    /// setting, `discord.utils.setup_logging`, `coloredlogs.install`, or a
    /// handler added to `getLogger()`.
    pub configures_root: bool,
    /// Literal names of loggers it gives a handler
    /// (`log = logging.getLogger("discord")` … `log.addHandler(h)`).
    pub handler_loggers: Vec<String>,
    /// Literal names it passes to `getLogger("...")`.
    pub named_loggers: Vec<String>,
    /// Whether it calls `getLogger(__name__)`.
    pub module_named_logger: bool,
}

/// Scan a module's text for its logging setup (see [`LoggingSetup`]).
/// Comment lines are skipped; the rest is matched as text, so a call in a
/// string counts too (rare, and it errs towards "configured").
pub fn scan_logging_setup(text: &str) -> LoggingSetup {
    const ROOT_SETUP: [&str; 8] = [
        "basicConfig(",
        "dictConfig(",
        "fileConfig(",
        "setup_logging(",
        "coloredlogs.install(",
        "getLogger().addHandler(",
        "root.addHandler(",
        "LOGGING = {",
    ];
    let mut setup = LoggingSetup::default();
    let mut variables: Vec<(String, String)> = Vec::new();
    let is_code = |line: &str| !line.trim_start().starts_with('#');
    let line_of = |at: usize| {
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        (start, &text[start..end])
    };
    // One pass over the text for all of them (most modules have none).
    static PATTERNS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::new(ROOT_SETUP.iter().chain(&["getLogger("]))
                .expect("fixed patterns")
        });
    let mut get_logger_calls = Vec::new();
    for found in PATTERNS.find_overlapping_iter(text) {
        if found.pattern().as_usize() == ROOT_SETUP.len() {
            get_logger_calls.push(found.start());
        } else if !setup.configures_root && is_code(line_of(found.start()).1) {
            setup.configures_root = true;
        }
    }
    let mut done_line = None;
    for at in get_logger_calls {
        let (start, line) = line_of(at);
        if done_line == Some(start) || !is_code(line) {
            continue;
        }
        done_line = Some(start);
        let mut rest = line.trim_start();
        while let Some(at) = rest.find("getLogger(") {
            let before = &rest[..at];
            let argument = rest[at + "getLogger(".len()..].trim_start();
            rest = &rest[at + 1..];
            if argument.starts_with("__name__") {
                setup.module_named_logger = true;
                continue;
            }
            let Some(quote) = argument.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                continue;
            };
            let Some(name) = argument[1..].split(quote).next() else {
                continue;
            };
            setup.named_loggers.push(name.to_owned());
            // `var = logging.getLogger("name")`: remember the variable.
            if let Some((target, _)) = before.split_once('=') {
                let target = target.trim();
                if !target.is_empty()
                    && target
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    variables.push((target.to_owned(), name.to_owned()));
                }
            }
        }
    }
    for (variable, name) in variables {
        if text.contains(&format!("{variable}.addHandler("))
            && !setup.handler_loggers.contains(&name)
        {
            setup.handler_loggers.push(name);
        }
    }
    setup
}

/// What the receiver of a logging call is known to be, for fixes that add
/// keyword arguments only `logging`'s methods take (`exc_info=True`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggerKind {
    /// The `logging` module, a `logging.Logger` / `LoggerAdapter` (from
    /// `getLogger(...)`, `getChild(...)`, `get_logger(...)`,
    /// `get_task_logger(...)`, `structlog.get_logger(...)`), a module-level
    /// logger imported from another module, or Flask's `app.logger`.
    Stdlib,
    /// loguru's `logger` (its methods take format values as keywords).
    Loguru,
    /// An instance of a class of the project (`self._log = Logger()`),
    /// whose methods may take other arguments: the class is named.
    ProjectClass(String),
    /// Nothing visible says what it is (a parameter, an attribute set
    /// elsewhere).
    Unknown,
}

/// Logger factories by last dotted component: their result is a
/// `logging.Logger` (or a structlog / Celery logger, which take the same
/// keywords).
const LOGGER_FACTORIES: [&str; 5] = [
    "getLogger",
    "get_logger",
    "get_task_logger",
    "getChild",
    "wrap_logger",
];

/// Classes of `logging` whose instances log like a `Logger`.
const LOGGING_CLASSES: [&str; 3] = [
    "logging.Logger",
    "logging.LoggerAdapter",
    "logging.RootLogger",
];

/// What the receiver of a logging call is (see [`LoggerKind`]), following
/// names to their visible binding: a local assignment before the call, a
/// module-level assignment or import, or `self.<name> = ...` in a method
/// of the enclosing class. Conservative: only what is seen to come from a
/// logger factory, the `logging` module or an import is `Stdlib`.
pub fn logger_kind(text: &str, root: Node<'_>, receiver: Node<'_>) -> LoggerKind {
    logger_kind_at(text, root, receiver, 0)
}

fn logger_kind_at(text: &str, root: Node<'_>, node: Node<'_>, depth: usize) -> LoggerKind {
    if depth > 4 {
        return LoggerKind::Unknown;
    }
    let node = unparenthesize(node);
    let bindings = || module_import_bindings(text, root);
    match node.kind() {
        "identifier" => {
            let name = tree::text(text, node);
            let scope = ancestors(node)
                .skip(1)
                .find(|n| matches!(n.kind(), "function_definition" | "lambda"));
            if let Some(scope) = scope {
                if binds_name(text, scope, name) {
                    return match assigned_before(text, node) {
                        Some(value) => logger_kind_at(text, root, value, depth + 1),
                        None => LoggerKind::Unknown,
                    };
                }
            }
            module_name_kind(text, root, name, &bindings(), depth)
        }
        "attribute" => {
            let (Some(object), Some(attribute)) = (node.field("object"), node.field("attribute"))
            else {
                return LoggerKind::Unknown;
            };
            let attribute = tree::text(text, attribute);
            let qualified = qualified_name_with(&bindings(), text, node).unwrap_or_default();
            if qualified == "logging.root" {
                return LoggerKind::Stdlib;
            }
            if attribute == "logger" && is_flask_app(text, root, object, &bindings()) {
                return LoggerKind::Stdlib;
            }
            if object.kind() == "identifier" && matches!(tree::text(text, object), "self" | "cls") {
                let class = ancestors(node)
                    .skip(1)
                    .find(|n| n.kind() == "class_definition");
                if let Some(value) =
                    class.and_then(|c| instance_attribute_value(text, c, attribute))
                {
                    return logger_kind_at(text, root, value, depth + 1);
                }
            }
            LoggerKind::Unknown
        }
        "call" => {
            let Some(function) = node.field("function") else {
                return LoggerKind::Unknown;
            };
            let method = function.field("attribute").map(|a| tree::text(text, a));
            if method.is_some_and(|m| LOGGER_FACTORIES.contains(&m)) {
                return LoggerKind::Stdlib; // `logging.getLogger(a).getChild(b)`
            }
            let bindings = bindings();
            let Some(qualified) = qualified_name_with(&bindings, text, function) else {
                return LoggerKind::Unknown;
            };
            if qualified.starts_with("loguru.") {
                return LoggerKind::Loguru;
            }
            let last = qualified.rsplit('.').next().unwrap_or("");
            if LOGGER_FACTORIES.contains(&last) || LOGGING_CLASSES.contains(&qualified.as_str()) {
                return LoggerKind::Stdlib;
            }
            // `Logger()`: a class of the project (defined here, or imported
            // from a module that is not `logging`).
            let defined_here = function.kind() == "identifier"
                && module_statements(root).into_iter().any(|s| {
                    let definition = match s.kind() {
                        "decorated_definition" => s.field("definition"),
                        _ => Some(s),
                    };
                    definition.is_some_and(|d| {
                        d.kind() == "class_definition"
                            && d.field("name")
                                .is_some_and(|n| tree::text(text, n) == qualified)
                    })
                });
            let head = tree::text(text, function).split('.').next().unwrap_or("");
            let imported_class = bindings.contains_key(head)
                && !qualified.starts_with("logging.")
                && last.starts_with(|c: char| c.is_ascii_uppercase());
            if defined_here || imported_class {
                return LoggerKind::ProjectClass(last.to_owned());
            }
            LoggerKind::Unknown
        }
        _ => LoggerKind::Unknown,
    }
}

/// A module-level name: `logging` itself, an imported name, or a name
/// assigned at module level.
fn module_name_kind(
    text: &str,
    root: Node<'_>,
    name: &str,
    bindings: &HashMap<String, String>,
    depth: usize,
) -> LoggerKind {
    if let Some(target) = bindings.get(name) {
        if target == "logging" {
            return LoggerKind::Stdlib;
        }
        if target.starts_with("loguru") {
            return LoggerKind::Loguru;
        }
        // `from app.log import logger`: the project's module logger; an
        // imported class or function is not a logger.
        let last = target.rsplit('.').next().unwrap_or("");
        let class_like = last.starts_with(|c: char| c.is_ascii_uppercase())
            && last.chars().any(|c| c.is_ascii_lowercase());
        return if class_like {
            LoggerKind::Unknown
        } else {
            LoggerKind::Stdlib
        };
    }
    for statement in module_statements(root) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
        else {
            continue;
        };
        let left = assignment.field("left");
        if left.is_some_and(|l| l.kind() == "identifier" && tree::text(text, l) == name) {
            return match assignment.field("right") {
                Some(value) => logger_kind_at(text, root, value, depth + 1),
                None => LoggerKind::Unknown,
            };
        }
    }
    LoggerKind::Unknown
}

/// `current_app`, `flask.current_app`, or a module-level `app =
/// Flask(...)`: a Flask application, whose `.logger` is a `logging.Logger`.
fn is_flask_app(
    text: &str,
    root: Node<'_>,
    object: Node<'_>,
    bindings: &HashMap<String, String>,
) -> bool {
    let Some(qualified) = qualified_name_with(bindings, text, object) else {
        return false;
    };
    if qualified == "flask.current_app" {
        return true;
    }
    if object.kind() != "identifier" {
        return false;
    }
    module_statements(root).into_iter().any(|statement| {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|a| a.kind() == "assignment")
        else {
            return false;
        };
        let left = assignment.field("left");
        let right = assignment.field("right");
        left.is_some_and(|l| l.kind() == "identifier" && tree::text(text, l) == qualified)
            && right.filter(|r| r.kind() == "call").is_some_and(|call| {
                call.field("function")
                    .and_then(|f| qualified_name_with(bindings, text, f))
                    .is_some_and(|f| f == "flask.Flask")
            })
    })
}

/// Whether the module logs only through the `logging` module's own
/// functions (`logging.error(...)`, `logging.info(...)`: the root logger)
/// — at least twice, with `import logging` at module level and no module
/// logger binding. A fix that logs in such a module follows it (writes
/// `logging.warning(...)`) rather than creating a `getLogger(__name__)`
/// logger the module does not use.
pub fn logs_through_root_functions(text: &str, root: Node<'_>) -> bool {
    if !matches!(module_loggers(text, root), Ok((None, false))) {
        return false;
    }
    let imports_logging = module_statements(root).iter().any(|s| {
        s.kind() == "import_statement"
            && named_children(*s)
                .iter()
                .any(|n| n.kind() == "dotted_name" && tree::text(text, *n) == "logging")
    });
    if !imports_logging {
        return false;
    }
    let mut calls = 0;
    walk_descendants(root, |n| {
        if n.kind() == "call" {
            let root_call = n
                .field("function")
                .filter(|f| f.kind() == "attribute")
                .is_some_and(|f| {
                    let object = f.field("object");
                    let method = f.field("attribute");
                    object.is_some_and(|o| {
                        o.kind() == "identifier" && tree::text(text, o) == "logging"
                    }) && method.is_some_and(|m| {
                        let m = tree::text(text, m);
                        m != "log" && LOG_METHODS.contains(&m)
                    })
                });
            calls += usize::from(root_call);
        }
        true
    });
    calls >= 2
}

#[cfg(test)]
mod root_functions_tests {
    use super::*;

    #[test]
    fn root_functions_only() {
        let source = "import logging\n\ndef f():\n    logging.info('a')\n    logging.error('b')\n";
        let tree = crate::parse::parse(source);
        assert!(logs_through_root_functions(source, tree.root_node()));
    }

    #[test]
    fn a_module_logger_wins() {
        let source = "import logging\nlog = logging.getLogger(__name__)\nlogging.info('a')\nlogging.error('b')\n";
        let tree = crate::parse::parse(source);
        assert!(!logs_through_root_functions(source, tree.root_node()));
    }

    #[test]
    fn one_call_is_not_a_habit() {
        let source = "import logging\nlogging.basicConfig()\nlogging.info('a')\n";
        let tree = crate::parse::parse(source);
        assert!(!logs_through_root_functions(source, tree.root_node()));
    }
}

#[cfg(test)]
mod only_logs_tests {
    use super::*;

    fn first_block(tree: &tree_sitter::Tree) -> Node<'_> {
        let mut block = None;
        walk_descendants(tree.root_node(), |n| {
            if block.is_none() && n.kind() == "block" {
                block = Some(n);
            }
            block.is_none()
        });
        block.unwrap()
    }

    fn logs_only(source: &str, allow_continue: bool) -> Option<usize> {
        let tree = crate::parse::parse(source);
        only_logs(source, first_block(&tree), allow_continue).map(|o| o.logs.len())
    }

    #[test]
    fn logging_blocks() {
        let cases = [
            ("if x:\n    logger.warning('a')\n    print('b')\n", Some(2)),
            ("if x:\n    logging.info('a')\n    pass\n", Some(1)),
            ("if x:\n    self.log.error('a')  # note\n", Some(1)),
            ("if x:\n    messages.warning(request, 'a')\n", None),
            ("if x:\n    st.warning('a')\n", None),
            ("if x:\n    flash('a')\n", None),
            ("if x:\n    logger.warning('a')\n    return\n", None),
            ("if x:\n    pass\n", None),
        ];
        for (source, expected) in cases {
            assert_eq!(logs_only(source, false), expected, "{source}");
        }
        let with_continue = "for x in y:\n    logger.info('a')\n    continue\n";
        assert_eq!(logs_only(with_continue, false), None);
        assert_eq!(logs_only(with_continue, true), Some(1));
    }

    #[test]
    fn low_level_methods() {
        let source = "logger.warning('a')\nlogger.error('b')\nmessages.info(r, 'c')\n";
        let tree = crate::parse::parse(source);
        let mut calls = Vec::new();
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" {
                calls.push(n);
            }
            true
        });
        let found: Vec<Option<&str>> = calls
            .iter()
            .map(|c| low_level_log_method(source, *c).map(|m| tree::text(source, m)))
            .collect();
        assert_eq!(found, [Some("warning"), None, None]);
    }
}

#[cfg(test)]
mod setup_tests {
    use super::*;

    #[test]
    fn logging_setup_is_read_from_the_text() {
        let text = "import logging\nlogger = logging.getLogger(\"discord\")\nlogger.addHandler(h)\nother = logging.getLogger('x')\nlog = logging.getLogger(__name__)\n# logging.basicConfig()\n";
        let setup = scan_logging_setup(text);
        assert!(!setup.configures_root);
        assert_eq!(setup.handler_loggers, vec!["discord".to_owned()]);
        assert_eq!(
            setup.named_loggers,
            vec!["discord".to_owned(), "x".to_owned()]
        );
        assert!(setup.module_named_logger);
        assert!(scan_logging_setup("logging.basicConfig(level=logging.INFO)\n").configures_root);
        assert!(scan_logging_setup("LOGGING = {\n}\n").configures_root);
        // Overlapping patterns: `getLogger().addHandler(` is also a
        // `getLogger(` call; a commented setup line does not count.
        let text = "# logging.basicConfig()\nlogging.getLogger().addHandler(h)\n";
        assert!(scan_logging_setup(text).configures_root);
        assert!(!scan_logging_setup("# logging.basicConfig()\n").configures_root);
    }
}

#[cfg(test)]
mod logger_kind_tests {
    use super::*;
    use crate::parse::parse;

    /// The kind of the receiver of the last `.error(...)` call in `text`.
    fn kind(text: &str) -> LoggerKind {
        let tree = parse(text);
        let mut receiver = None;
        walk_descendants(tree.root_node(), |n| {
            if n.kind() == "call" {
                if let Some((Some(r), "error")) = call_target(text, n) {
                    receiver = Some(r);
                }
            }
            true
        });
        logger_kind(text, tree.root_node(), receiver.expect("no .error call"))
    }

    #[test]
    fn stdlib_loggers() {
        let cases = [
            "import logging\nlogging.error('x')\n",
            "import logging\nlogger = logging.getLogger(__name__)\nlogger.error('x')\n",
            "import logging\n_log = logging.getLogger(__name__)\ndef f():\n    _log.error('x')\n",
            "from app.log import logger\nlogger.error('x')\n",
            "import structlog\nlog = structlog.get_logger()\nlog.error('x')\n",
            "from flask import current_app\ncurrent_app.logger.error('x')\n",
            "from flask import Flask\napp = Flask(__name__)\napp.logger.error('x')\n",
            "import logging\nclass A:\n    def __init__(self):\n        self.log = logging.getLogger('a').getChild('b')\n    def f(self):\n        self.log.error('x')\n",
            "import logging\ndef f():\n    log = logging.getLogger('a')\n    log.error('x')\n",
            "from logger import get_logger\nlogger = get_logger(__name__)\nlogger.error('x')\n",
        ];
        for text in cases {
            assert_eq!(kind(text), LoggerKind::Stdlib, "{text}");
        }
    }

    #[test]
    fn other_loggers() {
        let project = "from src.util.log import Logger\nclass H:\n    def __init__(self):\n        self._logger = Logger()\n    def f(self):\n        self._logger.error('x')\n";
        assert_eq!(kind(project), LoggerKind::ProjectClass("Logger".into()));
        let local_class = "class Log:\n    pass\nlog = Log()\nlog.error('x')\n";
        assert_eq!(kind(local_class), LoggerKind::ProjectClass("Log".into()));
        assert_eq!(
            kind("from loguru import logger\nlogger.error('x')\n"),
            LoggerKind::Loguru
        );
        let unknown = [
            "def f(logger):\n    logger.error('x')\n",
            "class A:\n    def f(self):\n        self.logger.error('x')\n",
            "app.logger.error('x')\n",
            "logger.error('x')\n",
        ];
        for text in unknown {
            assert_eq!(kind(text), LoggerKind::Unknown, "{text}");
        }
    }
}
