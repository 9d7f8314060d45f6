//! # yaml-safe-load
//!
//! ## What it does
//! Finds `yaml.load(...)` and `yaml.load_all(...)` (PyYAML) without a safe
//! loader and replaces them with `yaml.safe_load(...)` /
//! `yaml.safe_load_all(...)`. Calls whose `Loader` is `SafeLoader`,
//! `CSafeLoader` or `BaseLoader` are fine and left alone, and so is a line
//! marked `# nosec` (bandit B506).
//!
//! ## Why
//! PyYAML's full and unsafe loaders build arbitrary Python objects from
//! tags such as `!!python/object/apply:os.system`: loading a document from
//! a user, a request or a shared file runs code of the author's choosing.
//! `safe_load` builds only plain data: dicts, lists, strings, numbers.
//!
//! ## Example
//! ```python
//! import yaml
//!
//! def read_settings(stream):
//!     return yaml.load(stream)
//! ```
//! becomes
//! ```python
//! import yaml
//!
//! def read_settings(stream):
//!     return yaml.safe_load(stream)
//! ```
//!
//! ## Fix safety
//! Safe without a `Loader` argument (PyYAML 6 rejects such calls, older
//! versions warn and use the full loader: only documents with Python tags,
//! the attack, behave differently). Unsafe when the code chose an unsafe
//! loader explicitly (`Loader=yaml.Loader`, `FullLoader`, `UnsafeLoader`):
//! documents that rely on Python tags will stop loading, so review them.

use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};
use crate::source::{line_start, next_line_start};

pub struct YamlSafeLoad;

pub static META: Meta = Meta {
    id: "yaml-safe-load",
    category: "security",
    priority: Priority::P2,
    fix: Applicability::Safe,
    summary: "`yaml.load` without a safe Loader",
};

const SAFE_LOADERS: [&str; 3] = ["SafeLoader", "CSafeLoader", "BaseLoader"];

impl YamlSafeLoad {
    pub fn from_options(_options: &mut Options) -> Result<Self, OptionError> {
        Ok(Self)
    }
}

impl Codemod for YamlSafeLoad {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn triggers(&self) -> Vec<String> {
        vec!["yaml".into()]
    }

    fn check(&self, call: Node<'_>, cx: &mut Checker<'_>) {
        let Some((Some(receiver), method)) = python::call_target(cx.text, call) else {
            return;
        };
        let safe_method = match method {
            "load" => "safe_load",
            "load_all" => "safe_load_all",
            _ => return,
        };
        if python::text(cx.text, receiver) != "yaml" {
            return;
        }
        let args = Arguments::of(cx.text, call);
        // Anything but PyYAML's (stream, Loader) signature: not ours to touch.
        let other_keywords = args.keywords.iter().any(|(k, _, _)| k != "Loader");
        if args.has_splat
            || other_keywords
            || args.positional.is_empty()
            || args.positional.len() > 2
        {
            return;
        }
        let loader = args
            .keyword("Loader")
            .or_else(|| args.positional.get(1).copied());
        if loader.is_some_and(|l| is_safe_loader(cx.text, l))
            || marked_nosec(cx.text, call.start_byte())
        {
            return;
        }
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let Some(list) = args.list else {
            return;
        };
        // Keep the document argument (and any comments) verbatim; drop the
        // loader argument.
        let document = args.positional[0];
        let document_text = python::text(cx.text, document);
        let mut edits = vec![Edit::replacement(
            TextRange::from(function.byte_range()),
            format!("yaml.{safe_method}"),
        )];
        if loader.is_some() {
            edits.push(Edit::replacement(
                TextRange::from(list.byte_range()),
                format!("({document_text})"),
            ));
        }
        let applicability = if loader.is_some() {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        cx.report(
            call.byte_range(),
            format!("`yaml.{method}` can run code from the document: use `yaml.{safe_method}`"),
            Some(Fix::new(edits, applicability)),
        );
    }
}

fn is_safe_loader(text: &str, loader: Node<'_>) -> bool {
    let name = python::text(text, loader);
    SAFE_LOADERS.contains(&name.rsplit('.').next().unwrap_or(name))
}

fn marked_nosec(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..next_line_start(text, offset)].contains("# nosec")
}
