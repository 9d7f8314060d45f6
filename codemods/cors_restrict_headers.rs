//! # cors-restrict-headers
//!
//! ## What it does
//! Finds CORS set-ups that accept any request header — `allow_headers=["*"]`
//! (or `"*"`) — in:
//!
//! - FastAPI / Starlette: `app.add_middleware(CORSMiddleware, ...)`,
//!   `Middleware(CORSMiddleware, ...)`, `CORSMiddleware(app, ...)`;
//! - flask-cors: `CORS(app, ...)` and `@cross_origin(...)`.
//!
//! It also reports, without a fix, any origin (`allow_origins=["*"]`, or
//! flask-cors `origins="*"`) combined with credentials
//! (`allow_credentials=True` / `supports_credentials=True`).
//!
//! ## Why
//! A wildcard header list lets any page send any header to the API in a
//! credentialed cross-origin request, which widens what a compromised or
//! malicious origin can do; audits ask for the list the front end really
//! needs. A wildcard origin together with credentials asks browsers to send
//! cookies to every site's requests — that needs a decision about which
//! origins to trust, which no tool can make.
//!
//! ## Example
//! ```python
//! app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_headers=["*"])
//! ```
//! becomes
//! ```python
//! app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_headers=["Content-Type", "Authorization", "X-Requested-With"])
//! ```
//!
//! ## Options
//! `[tool.auditfix.cors-restrict-headers]`: `headers`, the list to allow
//! (default `["Content-Type", "Authorization", "X-Requested-With"]`).
//!
//! ## Fix safety
//! Unsafe (applied with `--unsafe-fixes`): a browser client that sends a
//! header missing from the list will have its preflight requests refused,
//! which changes behaviour for requests that used to succeed. Review the
//! list against what your front end sends, or set `headers`. The
//! origin-plus-credentials finding is report-only.
//!
//! ## How to validate
//! - List the headers the front end sends cross-origin (the browser's network
//!   panel shows each preflight's `Access-Control-Request-Headers`), custom
//!   ones such as `X-CSRFToken` or `X-API-Key` included, and check that each is
//!   in the new list or in `headers`.
//! - Send a preflight (`curl -i -X OPTIONS` with `Origin`,
//!   `Access-Control-Request-Method` and `Access-Control-Request-Headers:
//!   authorization`): it must still answer 200 and allow the header.
//! - Send it with an unlisted header: Starlette and FastAPI now answer `400
//!   Disallowed CORS headers`, and flask-cors leaves the header out of
//!   `Access-Control-Allow-Headers`; before the fix any header was allowed.
//! - For an origin-plus-credentials finding, replace the wildcard with the real
//!   origins and check that a preflight from another origin gets no
//!   `Access-Control-Allow-Origin`.
//!
//! ## Tests to add
//! - With the framework's test client, send an `OPTIONS` preflight to an
//!   endpoint of the app the changed function sets up, with an allowed
//!   `Origin`, `Access-Control-Request-Method: POST` and
//!   `Access-Control-Request-Headers: Authorization`: expect 200 and
//!   `Authorization` allowed, before and after the fix.
//! - Send the same preflight with `Access-Control-Request-Headers:
//!   X-Not-Listed`: expect 400 from Starlette (with flask-cors, the header
//!   missing from `Access-Control-Allow-Headers`); before the fix it was
//!   allowed.
//! - Add one such preflight for each custom header the front end sends, so that
//!   a later change that drops one from the list fails a test.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Edit, Fix};
use crate::python::{self, Arguments};

pub struct CorsRestrictHeaders {
    headers: Vec<String>,
}

pub static META: Meta = Meta {
    id: "cors-restrict-headers",
    category: "security",
    priority: Priority::P2,
    fix: Applicability::Unsafe,
    summary: "CORS allowing any header, or any origin with credentials",
};

impl CorsRestrictHeaders {
    pub fn from_options(options: &mut Options) -> Result<Self, OptionError> {
        let headers = options.string_list("headers")?.unwrap_or_else(|| {
            ["Content-Type", "Authorization", "X-Requested-With"]
                .map(String::from)
                .to_vec()
        });
        let valid = |h: &String| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if headers.is_empty() || !headers.iter().all(valid) {
            return Err(options.error("headers", "expected a non-empty list of header names"));
        }
        Ok(Self { headers })
    }
}

/// Which CORS API a call is, by its keyword names.
struct Api {
    origins: &'static str,
    credentials: &'static str,
}

const STARLETTE: Api = Api {
    origins: "allow_origins",
    credentials: "allow_credentials",
};
const FLASK_CORS: Api = Api {
    origins: "origins",
    credentials: "supports_credentials",
};

impl Codemod for CorsRestrictHeaders {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["CORS".into(), "cross_origin".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let args = Arguments::of(cx.text, call);
        let Some(api) = cors_api(cx.text, call, &args) else {
            return;
        };
        if let Some(value) = args
            .keyword("allow_headers")
            .filter(|v| is_wildcard(cx.text, *v))
        {
            let items: Vec<String> = self
                .headers
                .iter()
                .map(|h| cx.stylist.string_literal(h))
                .collect();
            let fix = Fix::unsafe_(vec![Edit::replacement(
                value.byte_range().into(),
                format!("[{}]", items.join(", ")),
            )]);
            cx.report(
                value.byte_range(),
                "CORS allows every request header: list the headers the clients need",
                Some(fix),
            );
        }
        let any_origin = args
            .keyword(api.origins)
            .is_some_and(|v| is_wildcard(cx.text, v));
        let credentials = args
            .keyword(api.credentials)
            .is_some_and(|v| python::text(cx.text, v) == "True");
        if any_origin && credentials {
            let node = args.keyword_node(api.origins).unwrap_or(call);
            cx.report(
                node.byte_range(),
                "CORS allows any origin together with credentials: list the trusted origins",
                None,
            );
        }
    }
}

/// The CORS API `call` configures, if it is one.
fn cors_api(text: &str, call: Node<'_>, args: &Arguments<'_>) -> Option<Api> {
    let (_, name) = python::call_target(text, call)?;
    let first_is_middleware = || {
        args.positional
            .first()
            .and_then(|f| python::dotted_name(text, *f))
            .is_some_and(|n| n.rsplit('.').next() == Some("CORSMiddleware"))
    };
    match name {
        "add_middleware" | "Middleware" if first_is_middleware() => Some(STARLETTE),
        "CORSMiddleware" => Some(STARLETTE),
        "CORS" | "cross_origin" => Some(FLASK_CORS),
        _ => None,
    }
}

/// `"*"`, `["*"]` or `("*",)`.
fn is_wildcard(text: &str, value: Node<'_>) -> bool {
    let value = python::unparenthesize(value);
    match value.kind() {
        "string" => python::string_value(text, value) == Some("*"),
        "list" | "tuple" => {
            let items: Vec<Node> = python::named_children(value)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect();
            items.len() == 1 && python::string_value(text, items[0]) == Some("*")
        }
        _ => false,
    }
}
