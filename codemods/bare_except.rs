//! # bare-except
//!
//! ## What it does
//! Finds bare `except:` clauses and names the class they should catch:
//! `except Exception:`.
//!
//! A bare `except:` whose handler re-raises (a plain `raise` at the top of
//! the handler body: clean up, then propagate) is the idiomatic way to run
//! code on *any* exception and is left alone, as is a line marked
//! `# noqa: E722` (or a bare `# noqa`), `# pylint: disable=bare-except` or
//! `# nosec`.
//!
//! ## Why
//! `except:` also catches `KeyboardInterrupt`, `SystemExit` and
//! `GeneratorExit`: Ctrl-C stops working, `sys.exit()` is swallowed, and
//! generators cannot be closed. `except Exception:` catches every error a
//! program can meaningfully handle and lets those through.
//!
//! ## Example
//! ```python
//! def load(path):
//!     try:
//!         return read_config(path)
//!     except:
//!         return None
//! ```
//! becomes
//! ```python
//! def load(path):
//!     try:
//!         return read_config(path)
//!     except Exception:
//!         return None
//! ```
//!
//! ## Fix safety
//! Safe: behaviour changes only for `KeyboardInterrupt`, `SystemExit` and
//! `GeneratorExit`, which now propagate as they should — the failure the
//! audit is about. Unsafe when the handler may re-raise after all (a
//! `raise` inside a branch, or a helper like `with safe_reraise():`): it
//! may mean to see every exception, so a human decides.
//!
//! ## How to validate
//! - Raise `KeyboardInterrupt` or call `sys.exit()` inside the `try`, or press
//!   Ctrl-C while it runs: it now propagates, where the handler swallowed it
//!   and the program went on.
//! - Check that the handler did not need those exceptions: clean-up that must
//!   also run on Ctrl-C belongs in `finally:`. `asyncio.CancelledError` is a
//!   `BaseException` too (Python 3.8 and later): a cancelled task now stops
//!   instead of running the handler.
//! - Check that ordinary errors (`ValueError`, `OSError`, ...) still reach the
//!   handler: the result is the same as before.
//!
//! ## Tests to add
//! - Make the call inside the `try` raise `KeyboardInterrupt`
//!   (`unittest.mock.patch(..., side_effect=KeyboardInterrupt)`), call the
//!   fixed function and expect `KeyboardInterrupt`; before the fix the
//!   handler's fallback was returned.
//! - Do the same with `SystemExit` and expect it to propagate; before the fix
//!   it was swallowed.
//! - Make it raise `ValueError` and expect the handler's fallback, as before
//!   the fix.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::fix::{Applicability, Edit, Fix};
use crate::python;
use crate::source::{line_start, next_line_start};

pub struct BareExcept;

pub static META: Meta = Meta {
    id: "bare-except",
    category: "reliability",
    priority: Priority::P2,
    fix: Applicability::Safe,
    summary: "bare `except:` that also catches KeyboardInterrupt and SystemExit",
};

impl BareExcept {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for BareExcept {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["except_clause"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["except".into()]
    }

    fn check(&self, clause: Node<'_>, cx: &mut Checker<'_>) {
        let Some(keyword) = clause.child(0).filter(|k| k.kind() == "except") else {
            return;
        };
        // Bare: the keyword is followed directly by the colon.
        if clause.child(1).is_none_or(|c| c.kind() != ":") {
            return;
        }
        let Some(body) = python::named_children(clause)
            .into_iter()
            .find(|c| c.kind() == "block")
        else {
            return;
        };
        if reraises(body) {
            cx.leave_alone("the handler re-raises (clean-up, then propagate)");
            return;
        }
        if marked_intentional(cx.text, keyword.start_byte()) {
            cx.leave_alone("marked `# noqa: E722`, `# nosec` or `# pylint: disable`");
            return;
        }
        // A `raise` deeper in the handler, or a re-raising helper such as
        // `with safe_reraise():`, may mean the handler wants everything.
        let applicability = if may_reraise(cx.text, body) {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let fix = Fix::new(
            vec![Edit::insertion(keyword.end_byte(), " Exception")],
            applicability,
        );
        cx.report(
            keyword.byte_range(),
            "bare `except:` also catches KeyboardInterrupt and SystemExit: catch `Exception`",
            Some(fix),
        );
    }
}

/// A plain `raise` among the handler's top-level statements.
fn reraises(body: Node<'_>) -> bool {
    python::named_children(body)
        .iter()
        .any(|s| s.kind() == "raise_statement" && s.named_child_count() == 0)
}

/// A bare `raise` anywhere in the handler (outside nested definitions), or
/// a call whose name mentions re-raising.
fn may_reraise(text: &str, body: Node<'_>) -> bool {
    let mut found = false;
    python::walk_descendants(body, |node| {
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => return false,
            "raise_statement" if node.named_child_count() == 0 => found = true,
            "identifier" => {
                found |= python::text(text, node)
                    .to_ascii_lowercase()
                    .contains("reraise")
            }
            _ => {}
        }
        !found
    });
    found
}

/// `# noqa: E722` / `# noqa` / `# nosec` / `# pylint: disable=bare-except`
/// on the `except` line (see [`python::markers_in`]).
fn marked_intentional(text: &str, offset: usize) -> bool {
    let line = &text[line_start(text, offset)..next_line_start(text, offset)];
    python::has_any_nosec(line)
        || python::noqa_in(line, &["E722"])
        || python::lint_suppressed(line, &["bare-except", "W0702"])
}
