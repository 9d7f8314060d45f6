//! The built-in codemod catalogue. This table is the only place a codemod is
//! listed; each codemod lives in its own file, whose `//!` doc comment is its
//! user documentation (`auditfix explain ID` prints it).

use std::sync::Arc;

use crate::codemod::{Codemod, Meta, OptionError, Options};

mod backup_failure_raises;
mod bare_except;
mod cors_restrict_headers;
mod fetchone_null_guard;
mod fstring_no_placeholder;
mod insecure_default_secret;
mod json_loads_guard;
mod log_exception_context;
mod loop_failures_aggregate;
mod print_to_logger;
mod request_timeout;
mod silent_except;
mod sql_fstring_parameterize;
mod subprocess_shell;
mod trailing_whitespace;
mod unsafe_conversion;
mod yaml_safe_load;

/// One row of the catalogue.
pub struct Entry {
    pub meta: &'static Meta,
    /// The codemod's source file: its `//!` lines are the documentation.
    source: &'static str,
    build: fn(&mut Options) -> Result<Arc<dyn Codemod>, OptionError>,
}

impl Entry {
    /// Build the codemod from its `[tool.auditfix.<id>]` table.
    pub fn build(&self, table: &toml::Table) -> Result<Arc<dyn Codemod>, OptionError> {
        let mut options = Options::new(self.meta.id, table);
        let codemod = (self.build)(&mut options)?;
        options.finish()?;
        Ok(codemod)
    }

    /// The user documentation: the file's leading `//!` comment.
    pub fn doc(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            doc.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            doc.push('\n');
        }
        doc
    }
}

macro_rules! entry {
    ($module:ident, $ty:ident) => {
        Entry {
            meta: &$module::META,
            source: include_str!(concat!(stringify!($module), ".rs")),
            build: |options| Ok(Arc::new($module::$ty::from_options(options)?)),
        }
    };
}

/// Every built-in codemod, by priority then id.
pub static CATALOGUE: &[Entry] = &[
    entry!(backup_failure_raises, BackupFailureRaises),
    entry!(fetchone_null_guard, FetchoneNullGuard),
    entry!(insecure_default_secret, InsecureDefaultSecret),
    entry!(loop_failures_aggregate, LoopFailuresAggregate),
    entry!(sql_fstring_parameterize, SqlFstringParameterize),
    entry!(bare_except, BareExcept),
    entry!(cors_restrict_headers, CorsRestrictHeaders),
    entry!(json_loads_guard, JsonLoadsGuard),
    entry!(request_timeout, RequestTimeout),
    entry!(silent_except, SilentExcept),
    entry!(subprocess_shell, SubprocessShell),
    entry!(yaml_safe_load, YamlSafeLoad),
    entry!(log_exception_context, LogExceptionContext),
    entry!(print_to_logger, PrintToLogger),
    entry!(unsafe_conversion, UnsafeConversion),
    entry!(fstring_no_placeholder, FstringNoPlaceholder),
    entry!(trailing_whitespace, TrailingWhitespace),
];

/// The catalogue entry with this id.
pub fn find(id: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.meta.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_file_names_and_docs_have_the_headings() {
        for entry in CATALOGUE {
            let doc = entry.doc();
            for heading in [
                "## What it does",
                "## Why",
                "## Example",
                "## Fix safety",
                "## How to validate",
                "## Tests to add",
            ] {
                assert!(
                    doc.contains(heading),
                    "{}: doc lacks `{heading}`",
                    entry.meta.id
                );
            }
            assert!(
                doc.starts_with(&format!("# {}\n", entry.meta.id)),
                "{}: doc title",
                entry.meta.id
            );
        }
    }

    #[test]
    fn catalogue_is_sorted_by_priority_and_ids_are_unique() {
        let keys: Vec<_> = CATALOGUE
            .iter()
            .map(|e| (e.meta.priority, e.meta.id))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup_by_key(|k| k.1);
        assert_eq!(keys, sorted);
    }

    #[test]
    fn default_options_build_and_unknown_options_fail() {
        for entry in CATALOGUE {
            entry.build(&toml::Table::new()).unwrap();
            let mut bad = toml::Table::new();
            bad.insert("no-such-option".into(), toml::Value::Boolean(true));
            let err = entry.build(&bad).err().expect("unknown option accepted");
            assert!(err.to_string().contains("no-such-option"), "{err}");
        }
    }
}
