//! # yaml-safe-load
//!
//! ## What it does
//! Finds `yaml.load(...)` and `yaml.load_all(...)` (PyYAML) without a safe
//! loader and replaces them with `yaml.safe_load(...)` /
//! `yaml.safe_load_all(...)`. Calls whose `Loader` is `SafeLoader`,
//! `CSafeLoader` or `BaseLoader` are fine and left alone, and so is a line
//! marked `# nosec` (bare, or naming bandit's `B506` / `yaml_load`). Calls are resolved through the module's
//! imports (`import yaml as y; y.load(s)`, `from yaml import load; load(s,
//! Loader)`), and so is the loader (`from yaml import CSafeLoader as
//! Loader`, or a local `loader = yaml.SafeLoader` assigned before). A
//! module-level `yaml = YAML()` (ruamel.yaml) is not PyYAML.
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
//! The fix renames the method (`y.safe_load`); a function imported from
//! PyYAML becomes `yaml.safe_load` through the module (imported under the
//! alias it already has, or with `import yaml` added). Report-only when the
//! name `yaml` is bound to something else.
//!
//! ## Fix safety
//! Safe without a `Loader` argument (PyYAML 6 rejects such calls, older
//! versions warn and use the full loader: only documents with Python tags,
//! the attack, behave differently). Unsafe when the code chose an unsafe
//! loader explicitly (`Loader=yaml.Loader`, `FullLoader`, `UnsafeLoader`):
//! documents that rely on Python tags will stop loading, so review them.
//!
//! ## How to validate
//! - Load the documents the code really reads (configuration files, fixtures,
//!   stored data) with the changed call and compare with the old result: plain
//!   data (mappings, lists, strings, numbers, dates) loads the same.
//! - Search those documents for tags: `!!python/...` and the project's own tags
//!   (`!include`, `!Ref`, ...) now raise `yaml.constructor.ConstructorError`.
//!   Also look for `yaml.add_constructor(...)` without `Loader=`: it registers
//!   on the full and unsafe loaders, not on `SafeLoader`.
//! - Check that a document with `!!python/object/apply:os.system ["id"]` is now
//!   rejected with `ConstructorError` and runs nothing.
//!
//! ## Tests to add
//! - Call the fixed function with a document holding a Python tag
//!   (`!!python/tuple [1, 2]`) and expect `yaml.constructor.ConstructorError`;
//!   before the fix the full loader returned `(1, 2)`, and an explicit
//!   `Loader=yaml.Loader` also ran `!!python/object/apply`.
//! - Call it with a typical valid document and expect the same data as before
//!   the fix (with PyYAML 6, a call without `Loader` raised `TypeError` before
//!   the fix).
//! - If the project relies on a custom tag, test one document that uses it: it
//!   now needs a constructor registered on `yaml.SafeLoader`.

use crate::python::Field as _;
use tree_sitter::Node;

use crate::codemod::{Checker, Codemod, Meta, OptionError, Options, Priority};
use crate::edit;
use crate::fix::{Applicability, Edit, Fix, TextRange};
use crate::python::{self, Arguments};

pub struct YamlSafeLoad;

pub static META: Meta = Meta {
    id: "yaml-safe-load",
    category: "security",
    priority: Priority::P2,
    fix: Applicability::Safe,
    summary: "`yaml.load` without a safe Loader",
};

/// Bandit's test for this check, by id and name.
const NOSEC_CODES: [&str; 2] = ["B506", "yaml_load"];

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
        let Some(function) = call.field("function") else {
            return;
        };
        // Through the module's imports: `import yaml as y; y.load(...)`,
        // `from yaml import load; load(...)`.
        let Some(qualified) = cx.qualified_name(function) else {
            return;
        };
        let (method, safe_method) = match qualified.as_str() {
            "yaml.load" => ("load", "safe_load"),
            "yaml.load_all" => ("load_all", "safe_load_all"),
            _ => return,
        };
        // Only now (it walks the scopes around the call): a parameter or
        // local of that name, not the import.
        if python::first_name_bound_locally(cx.text, function) {
            return;
        }
        // `yaml = YAML()` (ruamel.yaml, safe by default) is not the module.
        let head = python::text(cx.text, function)
            .split('.')
            .next()
            .unwrap_or_default();
        if cx.import_binding(head).is_none()
            && python::module_binding_start(cx.text, cx.root, head).is_some()
        {
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
        if loader.is_some_and(|l| is_safe_loader(cx, l)) {
            return;
        }
        if python::nosec_covers(cx.text, cx.root, call, &NOSEC_CODES) {
            cx.leave_alone(python::LEFT_ALONE_NOSEC);
            return;
        }
        let Some(list) = args.list else {
            return;
        };
        let message =
            format!("`yaml.{method}` can run code from the document: use `yaml.{safe_method}`");
        let Some(mut edits) = rename_edits(cx, function, safe_method) else {
            let message = format!(
                "{message} (no automatic fix: `yaml` is bound to something else here; import `safe_load` from yaml)"
            );
            cx.report(
                call.byte_range(),
                message,
                Some(Fix::new(Vec::new(), Applicability::ReportOnly)),
            );
            return;
        };
        // Keep the document argument (and any comments) verbatim; drop the
        // loader argument.
        let document = args.positional[0];
        let document_text = python::text(cx.text, document);
        if loader.is_some() {
            edits.push(Edit::replacement(
                TextRange::from(list.byte_range()),
                format!("({document_text})"),
            ));
        }
        // `from yaml import load, Loader`: names the fix stops using leave
        // the import line with it.
        if function.kind() == "identifier" {
            let mut unused = vec![python::text(cx.text, function)];
            if let Some(loader) = loader.filter(|l| l.kind() == "identifier") {
                if cx
                    .qualified_name(loader)
                    .is_some_and(|q| q.starts_with("yaml."))
                {
                    unused.push(python::text(cx.text, loader));
                }
            }
            edits.extend(edit::drop_unused_imported_names(
                cx,
                &unused,
                call.byte_range(),
            ));
        }
        let applicability = if loader.is_some() {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        cx.report(
            call.byte_range(),
            message,
            Some(Fix::new(edits, applicability)),
        );
    }
}

/// The edits that call `safe_method` instead: the attribute renamed when
/// the call goes through the module (`y.load` → `y.safe_load`), `yaml.
/// safe_load` (with `import yaml` when missing) for a name imported from
/// it. None when `yaml` is bound to something other than the module.
fn rename_edits(cx: &Checker<'_>, function: Node<'_>, safe_method: &str) -> Option<Vec<Edit>> {
    if function.kind() == "attribute" {
        let attribute = function.field("attribute")?;
        return Some(vec![Edit::replacement(
            TextRange::from(attribute.byte_range()),
            safe_method,
        )]);
    }
    // The module under an alias already imported (`import yaml as y`).
    let mut aliases: Vec<&str> = cx
        .import_bindings()
        .iter()
        .filter(|(_, target)| target.as_str() == "yaml")
        .map(|(alias, _)| alias.as_str())
        .collect();
    aliases.sort_unstable_by_key(|a| (*a != "yaml", *a));
    if let Some(alias) = aliases.first() {
        return Some(vec![Edit::replacement(
            TextRange::from(function.byte_range()),
            format!("{alias}.{safe_method}"),
        )]);
    }
    if cx.import_binding("yaml").is_some()
        || python::module_binding_start(cx.text, cx.root, "yaml").is_some()
    {
        return None;
    }
    let mut edits = vec![Edit::replacement(
        TextRange::from(function.byte_range()),
        format!("yaml.{safe_method}"),
    )];
    edits.extend(edit::ensure_import(cx, "yaml"));
    Some(edits)
}

/// Whether the loader is one of PyYAML's safe loaders, through imports
/// (`from yaml import CSafeLoader as Loader`) and a local name assigned one
/// just before (`loader = yaml.SafeLoader`).
fn is_safe_loader(cx: &Checker<'_>, loader: Node<'_>) -> bool {
    let loader = python::unparenthesize(loader);
    let resolved = match loader.kind() {
        "identifier" if cx.import_binding(python::text(cx.text, loader)).is_none() => {
            python::assigned_before(cx.text, loader).unwrap_or(loader)
        }
        _ => loader,
    };
    let Some(name) = cx.qualified_name(resolved) else {
        return false;
    };
    SAFE_LOADERS.contains(&name.rsplit('.').next().unwrap_or(&name))
}
