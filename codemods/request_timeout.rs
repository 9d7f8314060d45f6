//! # request-timeout
//!
//! ## What it does
//! Finds HTTP requests made with `requests` that have no `timeout=`:
//!
//! - the module functions `requests.get`, `post`, `put`, `patch`, `delete`,
//!   `head`, `options` and `request` (also imported by name, `from requests
//!   import get`, or through an alias, `import requests as rq`);
//! - the same methods of a `requests.Session` whose creation is visible: a
//!   name assigned `requests.Session()` (or `requests.session()`) earlier in
//!   the same function, or at module level; `with requests.Session() as s:`;
//!   and `self.<attr>.get(...)` where the class's `__init__` sets
//!   `self.<attr> = requests.Session()`.
//!
//! A call that passes `timeout=` (even `timeout=None`, a deliberate choice)
//! or `**kwargs` (which may carry one) is left alone. A session that mounts
//! a transport adapter (`s.mount(...)`) or replaces its `request` method is
//! reported without a fix: that is where projects set a default timeout.
//! A `# nosec` comment on the call (bare, or naming `B113`) silences it, as
//! it does bandit's B113 `request_without_timeout`.
//!
//! `httpx` is not flagged: its module functions and clients already stop
//! after 5 seconds without data unless `timeout=None` is passed, and adding
//! the (longer) default here would loosen that bound.
//!
//! ## Why
//! `requests` waits forever by default: a server that accepts the
//! connection and never answers blocks the worker, thread or cron job that
//! made the call, and enough of them take the whole service down.
//!
//! ## Example
//! ```python
//! import requests
//!
//!
//! def fetch_rates(base):
//!     response = requests.get(RATES_URL, params={"base": base})
//!     return response.json()
//! ```
//! becomes
//! ```python
//! import requests
//!
//!
//! def fetch_rates(base):
//!     response = requests.get(RATES_URL, params={"base": base}, timeout=30)
//!     return response.json()
//! ```
//! The argument is added in the call's own layout: on a line of its own
//! (with a trailing comma if the list has one) when the arguments are one
//! per line, inline otherwise.
//!
//! ## Options
//! `[tool.auditfix.request-timeout]`: `timeout`, the seconds to add (a
//! positive number, default `30`).
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): the timeout bounds the wait for
//! the connection and each wait for the next bytes of the answer. An
//! endpoint that legitimately stays silent for longer than that before
//! answering — a slow report, long polling, a large model generating a
//! reply — used to succeed and now raises `requests.exceptions.Timeout`.
//! Choose `timeout` above the slowest answer you expect, or pass an explicit
//! value where a call needs more.
//!
//! ## How to validate
//! - Check that the added `timeout=30` (or the `timeout` option) is above the
//!   slowest answer each endpoint legitimately gives: slow reports, long
//!   polling, model generation. Pass a larger value on those calls.
//! - Point the call at a server that accepts the connection and never answers
//!   (`nc -l 8000`): it now raises `requests.exceptions.ReadTimeout` after the
//!   timeout, where it hung.
//! - Check what the callers do with `requests.exceptions.Timeout`: a handler
//!   for `RequestException` catches it, but one for
//!   `requests.exceptions.ConnectionError` only catches `ConnectTimeout`, not
//!   `ReadTimeout`.
//!
//! ## Tests to add
//! - Patch the request function where the module looks it up (`requests.get`,
//!   or the session's method) with a mock, call the fixed function and assert
//!   that the call received `timeout=30`; before the fix it had no `timeout`.
//! - Make the mock raise `requests.exceptions.ReadTimeout` and expect the
//!   changed function's intended handling (an error naming the service, a
//!   retry, a fallback); before the fix the call could only hang.
//! - For a call that needs longer, assert the explicit larger `timeout` it
//!   passes.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Fix};
use crate::python::{self, Arguments};

pub struct RequestTimeout {
    /// The timeout as Python source (`30`, `2.5`).
    timeout: String,
}

pub static META: Meta = Meta {
    id: "request-timeout",
    category: "reliability",
    priority: Priority::P2,
    fix: Applicability::Unsafe,
    summary: "HTTP request with requests and no timeout",
};

/// Request methods of the `requests` module and of `requests.Session`.
const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

/// What creates a session.
const SESSION_CONSTRUCTORS: [&str; 4] = [
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "requests.sessions.session",
];

/// `Session.request(method, url, params, data, headers, cookies, files,
/// auth, timeout, ...)`: the 9th positional argument is the timeout.
const SESSION_TIMEOUT_POSITION: usize = 8;

impl RequestTimeout {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let seconds = options.number("timeout")?.unwrap_or(30.0);
        if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
            return Err(options.error(
                "timeout",
                "expected a number of seconds above 0 (at most 86400)",
            ));
        }
        let timeout = if seconds.fract() == 0.0 {
            format!("{}", seconds as i64)
        } else {
            format!("{seconds}")
        };
        Ok(Self { timeout })
    }
}

/// Who makes the request.
enum Client {
    /// A function of the `requests` module.
    Module,
    /// A `requests.Session`; `configured` when something that may set a
    /// default timeout was done to it.
    Session { configured: bool },
}

impl Codemod for RequestTimeout {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["requests".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((receiver, method)) = python::call_target(cx.text, call) else {
            return;
        };
        if !METHODS.contains(&method) {
            return;
        }
        let args = Arguments::of(cx.text, call);
        let Some(list) = args.list else {
            return;
        };
        if args.keyword("timeout").is_some() || has_child(list, "dictionary_splat") {
            return;
        }
        let Some(client) = client(cx, call, receiver, method) else {
            return;
        };
        if let Client::Session { .. } = client {
            let positional_timeout = method == "request"
                && (args.positional.len() > SESSION_TIMEOUT_POSITION
                    || has_child(list, "list_splat"));
            if positional_timeout {
                return;
            }
        }
        if python::nosec_covers(cx.text, cx.root, call, &["B113", "request_without_timeout"]) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let Some(function) = call.field("function") else {
            return;
        };
        let what = match client {
            Client::Module => format!("`{}()`", python::text(cx.text, function)),
            Client::Session { .. } => format!(
                "`{}()` (a `requests.Session`)",
                python::text(cx.text, function)
            ),
        };
        let mut message =
            format!("{what} has no timeout: it waits forever if the server never answers");
        let edits = match client {
            Client::Session { configured: true } => {
                message.push_str(
                    " (no automatic fix: the session mounts a transport adapter or replaces its \
                     `request`, which may already set a default timeout)",
                );
                None
            }
            _ => edit::append_argument(cx, call, &format!("timeout={}", self.timeout)),
        };
        let fix = match edits {
            Some(edits) => Fix::unsafe_(edits),
            None => Fix::new(Vec::new(), Applicability::ReportOnly),
        };
        cx.report(call.byte_range(), message, Some(fix));
    }
}

fn has_child(list: Node<'_>, kind: &str) -> bool {
    python::named_children(list)
        .iter()
        .any(|c| c.kind() == kind)
}

/// Whether `call` is a request of the `requests` module or of a visible
/// `requests.Session`.
fn client(
    cx: &Checker<'_>,
    call: Node<'_>,
    receiver: Option<Node<'_>>,
    method: &str,
) -> Option<Client> {
    let Some(receiver) = receiver else {
        // `from requests import get`
        let function = call.field("function")?;
        let name = cx.qualified_name(function)?;
        return (name == format!("requests.{method}")).then_some(Client::Module);
    };
    let receiver = python::unparenthesize(receiver);
    if let Some(name) = cx.qualified_name(receiver) {
        if name == "requests" || name == "requests.api" {
            return Some(Client::Module);
        }
    }
    match receiver.kind() {
        "identifier" => session_variable(cx, receiver),
        "attribute" => session_attribute(cx, call, receiver),
        _ => None,
    }
}

/// Whether `node` is `requests.Session()`.
fn is_session_constructor(cx: &Checker<'_>, node: Node<'_>) -> bool {
    let node = python::unparenthesize(node);
    node.kind() == "call"
        && node
            .field("function")
            .and_then(|f| cx.qualified_name(f))
            .is_some_and(|name| SESSION_CONSTRUCTORS.contains(&name.as_str()))
}

/// A name bound to a session by `with requests.Session() as s:`, by an
/// earlier `s = requests.Session()`, or at module level.
fn session_variable(cx: &Checker<'_>, name: Node<'_>) -> Option<Client> {
    let wanted = python::text(cx.text, name);
    let function = python::enclosing_function(name);
    for ancestor in python::ancestors(name).skip(1) {
        if matches!(
            ancestor.kind(),
            "function_definition" | "class_definition" | "lambda"
        ) {
            break;
        }
        if ancestor.kind() != "with_statement" {
            continue;
        }
        let mut bound = None;
        python::walk_descendants(ancestor, |node| {
            if node.kind() == "block" {
                return false;
            }
            if node.kind() == "as_pattern" {
                let value = node.named_child(0);
                let alias = node.field("alias");
                if alias.is_some_and(|a| python::text(cx.text, a) == wanted) {
                    bound = value;
                }
            }
            true
        });
        if let Some(value) = bound {
            return is_session_constructor(cx, value).then(|| Client::Session {
                configured: configured(cx, function.unwrap_or(cx.root), wanted),
            });
        }
    }
    if let Some(value) = python::assigned_before(cx.text, name) {
        return is_session_constructor(cx, value).then(|| Client::Session {
            configured: configured(cx, function.unwrap_or(cx.root), wanted),
        });
    }
    // A module-level session used in a function that does not bind the name.
    let function = function?;
    if python::binds_name(cx.text, function, wanted) {
        return None;
    }
    let value = python::module_statements(cx.root)
        .into_iter()
        .rev()
        .find_map(|statement| {
            let assignment = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")?;
            let left = assignment.field("left")?;
            (left.kind() == "identifier" && python::text(cx.text, left) == wanted)
                .then(|| assignment.field("right"))
                .flatten()
        })?;
    is_session_constructor(cx, value).then(|| Client::Session {
        configured: configured(cx, cx.root, wanted),
    })
}

/// `self.session.get(...)` in a method, where the class's `__init__` sets
/// `self.session = requests.Session()`.
fn session_attribute(cx: &Checker<'_>, call: Node<'_>, receiver: Node<'_>) -> Option<Client> {
    let object = receiver
        .field("object")
        .filter(|o| o.kind() == "identifier")?;
    let attribute = python::text(cx.text, receiver.field("attribute")?);
    let method = python::enclosing_function(call)?;
    if first_parameter(cx, method)? != python::text(cx.text, object) {
        return None;
    }
    let class = enclosing_class(method)?;
    let body = class.field("body")?;
    let init = python::named_children(body).into_iter().find_map(|item| {
        let function = match item.kind() {
            "decorated_definition" => item.field("definition")?,
            _ => item,
        };
        (function.kind() == "function_definition"
            && function
                .field("name")
                .is_some_and(|n| python::text(cx.text, n) == "__init__"))
        .then_some(function)
    })?;
    let this = first_parameter(cx, init)?;
    let target = format!("{this}.{attribute}");
    let mut value = None;
    python::walk_descendants(init, |node| {
        if node.id() != init.id()
            && matches!(
                node.kind(),
                "function_definition" | "class_definition" | "lambda"
            )
        {
            return false;
        }
        if node.kind() == "assignment"
            && node
                .field("left")
                .is_some_and(|l| python::text(cx.text, l) == target)
        {
            value = node.field("right");
        }
        true
    });
    let value = value?;
    is_session_constructor(cx, value).then(|| Client::Session {
        configured: configured_attribute(cx, class, attribute),
    })
}

/// The name of a function's first parameter (`self`).
fn first_parameter<'t>(cx: &Checker<'t>, function: Node<'_>) -> Option<&'t str> {
    let parameters = function.field("parameters")?;
    let first = parameters.named_child(0)?;
    (first.kind() == "identifier").then(|| python::text(cx.text, first))
}

/// The class whose body defines `function` (directly or decorated).
fn enclosing_class(function: Node<'_>) -> Option<Node<'_>> {
    let mut node = function.parent()?;
    if node.kind() == "decorated_definition" {
        node = node.parent()?;
    }
    (node.kind() == "block")
        .then(|| node.parent())
        .flatten()
        .filter(|c| c.kind() == "class_definition")
}

/// Whether `scope` mounts an adapter on the session `name`
/// (`name.mount(...)`) or replaces its `request` / `send` method; nested
/// functions and classes are not searched.
fn configured(cx: &Checker<'_>, scope: Node<'_>, name: &str) -> bool {
    configures(cx, scope, |receiver| receiver == name)
}

/// The same for `<anything>.<attribute>` anywhere in a class.
fn configured_attribute(cx: &Checker<'_>, class: Node<'_>, attribute: &str) -> bool {
    let suffix = format!(".{attribute}");
    let mut found = false;
    python::walk_descendants(class, |node| {
        if !found && node.kind() == "function_definition" {
            found = configures(cx, node, |receiver| receiver.ends_with(&suffix));
        }
        !found
    });
    found
}

fn configures(cx: &Checker<'_>, scope: Node<'_>, is_session: impl Fn(&str) -> bool) -> bool {
    let mut found = false;
    python::walk_descendants(scope, |node| {
        if found {
            return false;
        }
        if node.id() != scope.id()
            && matches!(
                node.kind(),
                "function_definition" | "class_definition" | "decorated_definition"
            )
        {
            return false;
        }
        let target = match node.kind() {
            "call" => python::call_target(cx.text, node)
                .filter(|(_, method)| *method == "mount")
                .and_then(|(receiver, _)| receiver),
            "assignment" => node.field("left").and_then(|left| {
                let method = left.field("attribute")?;
                matches!(python::text(cx.text, method), "request" | "send")
                    .then(|| left.field("object"))
                    .flatten()
            }),
            _ => None,
        };
        if target.is_some_and(|t| is_session(python::text(cx.text, t))) {
            found = true;
        }
        true
    });
    found
}
