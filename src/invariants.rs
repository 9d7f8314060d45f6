//! The invariants of [`driver::process`](crate::driver::process), checked on
//! arbitrary input: the one place where they are written down as code.
//!
//! Used by the fuzz targets in `fuzz/` and by the stable-toolchain replay of
//! `fuzz/regressions/` (`tests/fuzz_regressions.rs`). Not a public API.
//!
//! For any bytes, any path, any codemod options and either fix policy:
//! - `process` returns (a panic is a failure of its own);
//! - nothing is lost: `original`, when present, is exactly the input bytes;
//! - an outcome with an error has no `fixed` text;
//! - every finding's range lies inside the text, on character boundaries;
//! - `fixed`, when present, differs from the original, decodes again with
//!   the same BOM, parses without an ERROR or MISSING node, keeps a shebang
//!   or encoding declaration on its line, and keeps the line endings (a
//!   CRLF-only file gets no bare LF; a file without CR gets no CR);
//! - fixing is a fixpoint: `process` on the fixed text, with the same
//!   settings, finds nothing more to change and reports no error.
//!
//! The last point holds by design: the driver loops until a round applies
//! nothing (at most [`MAX_ROUNDS`](crate::driver::MAX_ROUNDS)) and decides
//! which codemods run again each round, so a fresh run on the fixed text
//! starts where the first one stopped. One assumption remains, for the
//! fuzzers to test: a fix dropped for breaking the parse does not apply
//! cleanly to the final text.

use std::path::Path;

use crate::codemod::Engine;
use crate::codemods::CATALOGUE;
use crate::driver::{process, FileOutcome, FixPolicy};
use crate::source::SourceFile;

/// Paths the pipeline is run under: codemods look at paths to recognise
/// test modules, scripts and `__main__` modules.
pub const PATHS: &[&str] = &[
    "pkg/module.py",
    "tests/test_module.py",
    "scripts/tool.py",
    "pkg/__main__.py",
];

/// Every built-in codemod, with default options (`alternative == false`)
/// or with the options that switch a codemod to another kind of fix.
pub fn engine(alternative: bool) -> Engine {
    let codemods = CATALOGUE
        .iter()
        .map(|entry| {
            let mut table = toml::Table::new();
            if alternative {
                for (key, value) in alternative_options(entry.meta.id) {
                    table.insert(key.to_owned(), value);
                }
            }
            entry
                .build(&table)
                .unwrap_or_else(|err| panic!("{}: {err}", entry.meta.id))
        })
        .collect();
    Engine::new(codemods)
}

fn alternative_options(id: &str) -> Vec<(&'static str, toml::Value)> {
    use toml::Value;
    match id {
        "fetchone-null-guard" => vec![("default", Value::String("{}".into()))],
        "silent-except" => vec![("mode", Value::String("mark".into()))],
        "sql-fstring-parameterize" => vec![("paramstyle", Value::String("numeric".into()))],
        "request-timeout" => vec![("timeout", Value::Float(2.5))],
        "insecure-default-secret" => vec![("exclude-tests", Value::Boolean(false))],
        _ => Vec::new(),
    }
}

/// Run the pipeline on `bytes` and check every invariant of the module
/// docs; the error says which one broke. The outcome is returned for
/// callers that want to look further (e.g. compile the fixed text).
pub fn check(
    path: &Path,
    bytes: &[u8],
    engine: &Engine,
    policy: FixPolicy,
) -> Result<FileOutcome, String> {
    let outcome = process(path, bytes, engine, policy);
    if let Some(original) = &outcome.original {
        if original.as_bytes() != bytes {
            return Err("`original` is not the input".into());
        }
    }
    if outcome.error.is_some() && outcome.fixed.is_some() {
        return Err(format!("error {:?} and a fixed text", outcome.error));
    }
    if let Some(original) = &outcome.original {
        let text = original.strip_prefix('\u{feff}').unwrap_or(original);
        for f in &outcome.findings {
            let r = f.range;
            if r.start > r.end
                || r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                return Err(format!("{}: range {r:?} outside the text", f.codemod));
            }
        }
    }
    let Some(fixed) = &outcome.fixed else {
        return Ok(outcome);
    };
    let original = outcome
        .original
        .as_deref()
        .ok_or("a fixed text without an original")?;
    check_fixed(original, fixed)?;
    let again = process(path, fixed.as_bytes(), engine, policy);
    if let Some(error) = &again.error {
        return Err(format!("second run reports an error: {error}\n{fixed}"));
    }
    if let Some(twice) = &again.fixed {
        return Err(format!(
            "second run changes the fixed text (applied {:?})\n--- first run\n{fixed}\n--- second run\n{twice}",
            again.applied
        ));
    }
    Ok(outcome)
}

/// What must hold of a fixed text, compared with its original.
fn check_fixed(original: &str, fixed: &str) -> Result<(), String> {
    if fixed == original {
        return Err("`fixed` equals the original".into());
    }
    let source = SourceFile::decode(fixed.as_bytes())
        .map_err(|err| format!("fixed text does not decode: {err}\n{fixed}"))?;
    if source.bom != original.starts_with('\u{feff}') {
        return Err("BOM added or lost".into());
    }
    let tree = crate::parse::parse(&source.text);
    if let Some(error) = crate::parse::first_error(&tree) {
        return Err(format!(
            "fixed text does not parse (at byte {}):\n{fixed}",
            error.start_byte()
        ));
    }
    // A shebang works on line 1, an encoding declaration (PEP 263) on line 1,
    // or on line 2 below a comment. (Below a blank line too, but a cookie
    // that survives decoding says UTF-8, the default: moving it is harmless.)
    let pairs = original.split('\n').zip(fixed.split('\n'));
    for (line, (before, after)) in pairs.take(2).enumerate() {
        let before = before.trim_start_matches('\u{feff}').trim_end();
        let after = after.trim_start_matches('\u{feff}').trim_end();
        let special = if line == 0 {
            before.starts_with("#!") || before.starts_with('#') && before.contains("coding")
        } else {
            let first = original.trim_start_matches('\u{feff}').trim_start();
            before.starts_with('#') && before.contains("coding") && first.starts_with('#')
        };
        if special && before != after {
            return Err(format!(
                "first lines moved: `{before}` became `{after}`\n{fixed}"
            ));
        }
    }
    let bare_lf = |s: &str| s.replace("\r\n", "").contains('\n');
    if original.contains("\r\n") && !bare_lf(original) && bare_lf(fixed) {
        return Err(format!("bare LF added to a CRLF file:\n{fixed:?}"));
    }
    if !original.contains('\r') && fixed.contains('\r') {
        return Err(format!("CR added to an LF file:\n{fixed:?}"));
    }
    Ok(())
}

/// [`check`] under every combination of path, options and policy; the
/// first violation, prefixed with the settings that show it.
pub fn check_all(bytes: &[u8], engines: &[Engine; 2]) -> Result<(), String> {
    for path in PATHS {
        for (alternative, engine) in engines.iter().enumerate() {
            for unsafe_fixes in [false, true] {
                check(Path::new(path), bytes, engine, FixPolicy::new(unsafe_fixes)).map_err(
                    |err| {
                        format!(
                            "{path}, alternative options: {}, unsafe fixes: {unsafe_fixes}: {err}",
                            alternative == 1
                        )
                    },
                )?;
            }
        }
    }
    Ok(())
}
