//! The per-file pipeline (decode → parse → match → fix → apply, to a
//! fixpoint) and running it over many files in parallel.
//!
//! [`process`] is pure: bytes in, [`FileOutcome`] out. It never writes and
//! never panics on bad input. Invariants of its result:
//! - `fixed` is `Some` only when it differs from the original, parses
//!   without errors, and was reached by a converging fixpoint;
//! - `findings` are those of the *original* text (what the audit saw);
//! - a fix whose application would break the parse is dropped and named in
//!   `notes`; the other fixes still apply.

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::codemod::{Checker, Engine, Finding};
use crate::edit::{apply_fixes, Applicability, Fix};
use crate::parse::{first_error, parse};
use crate::source::{DecodeError, LineIndex, SourceFile, Stylist};

/// Upper bound of apply/re-parse rounds per file.
pub const MAX_ROUNDS: usize = 10;

/// Syntax trees deeper than this are not analysed. Real code stays far
/// below (CPython itself refuses 200 nested parentheses); beyond it, the
/// cost of walking up from a node (tree-sitter finds a parent by descending
/// from the root) would grow with the cube of the nesting.
pub const MAX_DEPTH: usize = 500;

/// Why a file was left untouched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FileError {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("syntax error at line {line}, column {column}; file left untouched")]
    Syntax { line: usize, column: usize },
    #[error("nested more than {MAX_DEPTH} levels deep; file left untouched")]
    TooDeep,
    #[error("fixes did not converge after {MAX_ROUNDS} rounds; file left untouched")]
    NoConvergence,
    #[error("changed on disk while auditfix ran; not written")]
    ChangedOnDisk,
    #[error("cannot write: {0}")]
    Write(String),
}

/// Everything known about one file after the pipeline.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// Full original contents (BOM included), when the file could be decoded.
    pub original: Option<String>,
    /// Full fixed contents, when different from the original.
    pub fixed: Option<String>,
    pub findings: Vec<Finding>,
    /// Applied fixes per codemod id.
    pub applied: BTreeMap<&'static str, usize>,
    /// Fixes dropped because they would break the file.
    pub notes: Vec<String>,
    pub error: Option<FileError>,
}

impl FileOutcome {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            original: None,
            fixed: None,
            findings: Vec::new(),
            applied: BTreeMap::new(),
            notes: Vec::new(),
            error: None,
        }
    }

    fn failed(path: &Path, error: FileError) -> Self {
        Self {
            error: Some(error),
            ..Self::new(path)
        }
    }

    pub fn applied_count(&self) -> usize {
        self.applied.values().sum()
    }
}

/// Which fixes to apply: `Safe`, or `Unsafe` with `--unsafe-fixes`.
#[derive(Clone, Copy, Debug)]
pub struct FixPolicy {
    pub threshold: Applicability,
}

impl FixPolicy {
    pub fn new(unsafe_fixes: bool) -> Self {
        Self {
            threshold: if unsafe_fixes {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            },
        }
    }

    pub fn applies(&self, fix: &Fix) -> bool {
        fix.applicability > Applicability::ReportOnly
            && fix.applicability >= self.threshold
            && !fix.edits().is_empty()
    }
}

/// Files per worker thread processed together before their outcomes are
/// handed on: memory holds one batch, never the whole tree.
const BATCH_PER_THREAD: usize = 8;

/// Read and process `paths` in parallel, handing each outcome to `sink` in
/// the order of `paths` (callers pass them sorted) and dropping it after.
///
/// Memory is bounded by one batch of files in flight, not by the size of
/// the tree. `stop` is polled before each file and each batch: once it
/// returns true, no further outcome reaches `sink` and the result is
/// `Break` (an interrupted run). `sink` may also `Break` to end early.
pub fn for_each_outcome(
    paths: &[PathBuf],
    engine: &Engine,
    policy: FixPolicy,
    stop: &(dyn Fn() -> bool + Sync),
    mut sink: impl FnMut(FileOutcome) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let batch = rayon::current_num_threads().max(1) * BATCH_PER_THREAD;
    for chunk in paths.chunks(batch) {
        if stop() {
            return ControlFlow::Break(());
        }
        let outcomes: Vec<Option<FileOutcome>> = chunk
            .par_iter()
            .map(|path| (!stop()).then(|| read_and_process(path, engine, policy)))
            .collect();
        if stop() {
            return ControlFlow::Break(());
        }
        for outcome in outcomes.into_iter().flatten() {
            sink(outcome)?;
        }
    }
    ControlFlow::Continue(())
}

fn read_and_process(path: &Path, engine: &Engine, policy: FixPolicy) -> FileOutcome {
    match std::fs::read(path) {
        Ok(bytes) => process(path, &bytes, engine, policy),
        Err(err) => FileOutcome::failed(path, FileError::Read(err.to_string())),
    }
}

/// Branch mode's pipeline for one file: `engines[0]`, then `engines[1]`
/// on its output, and so on (one engine per commit). Returns, by engine
/// index, the steps that changed the file and the first that failed
/// (a failed step leaves the text as it was for the next one); `fixed` of
/// each is the text after that step, and `original` is dropped to save
/// memory.
///
/// `all` holds every codemod of `engines`: one run of it tells which of
/// them change the file, and only those run again one at a time, so a file
/// that nothing changes (most of them) is parsed once, not once per engine.
pub fn process_in_steps(
    path: &Path,
    bytes: &[u8],
    all: &Engine,
    engines: &[Engine],
    policy: FixPolicy,
) -> Vec<(usize, FileOutcome)> {
    let mut whole = process(path, bytes, all, policy);
    match whole.error {
        // Every step would stop at the same input problem.
        Some(FileError::Decode(_) | FileError::Syntax { .. } | FileError::TooDeep) => {
            whole.original = None;
            return vec![(0, whole)];
        }
        // All together they do not settle; one at a time they may.
        Some(_) => {}
        None if whole.fixed.is_none() => return Vec::new(),
        None => {}
    }
    let wanted = |engine: &Engine| {
        whole.error.is_some()
            || engine
                .codemods()
                .iter()
                .any(|c| whole.applied.contains_key(c.meta().id))
    };
    let mut current: Option<String> = None;
    let mut failed = false;
    let mut steps = Vec::new();
    for (index, engine) in engines.iter().enumerate().filter(|(_, e)| wanted(e)) {
        let input = current.as_deref().map_or(bytes, str::as_bytes);
        let mut outcome = process(path, input, engine, policy);
        outcome.original = None;
        if outcome.error.is_some() {
            if !failed {
                failed = true;
                steps.push((index, outcome));
            }
        } else if let Some(fixed) = &outcome.fixed {
            current = Some(fixed.clone());
            steps.push((index, outcome));
        }
    }
    steps
}

/// The whole pipeline for one file.
pub fn process(path: &Path, bytes: &[u8], engine: &Engine, policy: FixPolicy) -> FileOutcome {
    let source = match SourceFile::decode(bytes) {
        Ok(source) => source,
        Err(err) => return FileOutcome::failed(path, err.into()),
    };
    let mut outcome = FileOutcome::new(path);
    outcome.original = Some(source.contents(&source.text));
    let mut active = engine.active(&source.text);
    if !active.iter().any(|&a| a) {
        return outcome; // no codemod can match: not even parsed
    }
    let mut text = source.text.clone();
    let mut stylist: Option<Stylist> = None;
    let mut dropped: HashSet<(&'static str, String)> = HashSet::new();
    let mut converged = false;
    // The tree of `text`, when the previous round already parsed it.
    let mut parsed: Option<tree_sitter::Tree> = None;
    for round in 0..MAX_ROUNDS {
        let tree = parsed.take().unwrap_or_else(|| parse(&text));
        if round > 0 {
            // A fix can bring in the trigger word of a codemod the original
            // left inactive (trailing whitespace before a line break it
            // added, found by fuzzing): decide again, or a second run would
            // find more to fix.
            active = engine.active(&text);
        }
        if round == 0 {
            if crate::python::deeper_than(tree.root_node(), MAX_DEPTH) {
                outcome.error = Some(FileError::TooDeep);
                return outcome;
            }
            if let Some(error) = first_error(&tree) {
                let position = error.start_position();
                let location = LineIndex::new(&text).location(&text, error.start_byte());
                outcome.error = Some(FileError::Syntax {
                    line: position.row + 1,
                    column: location.column,
                });
                return outcome;
            }
        }
        let stylist = stylist.get_or_insert_with(|| Stylist::detect(&text, &tree));
        let lines = LineIndex::new(&text);
        let mut cx = Checker::new(&text, &tree, stylist, &lines)
            .with_path(path)
            .with_project(engine.project());
        engine.check(&mut cx, &tree, &active);
        let mut findings = cx.into_findings();
        findings.retain(|f| !is_suppressed(&lines, &text, f));
        findings.sort_by(|a, b| (a.range.start, a.codemod).cmp(&(b.range.start, b.codemod)));
        if round == 0 {
            outcome.findings = findings.clone();
        }
        let key = |f: &Finding| (f.codemod, text[f.range.as_range()].to_owned());
        let mut candidates: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.fix.as_ref().is_some_and(|fix| policy.applies(fix)) && !dropped.contains(&key(f))
            })
            .collect();
        candidates.sort_by_key(|f| {
            (
                f.priority,
                f.fix.as_ref().map_or(usize::MAX, Fix::start),
                f.codemod,
            )
        });
        let fixes =
            |list: &[&Finding]| -> Vec<Fix> { list.iter().filter_map(|f| f.fix.clone()).collect() };
        let result = apply_fixes(&text, &fixes(&candidates));
        if result.applied.is_empty() {
            converged = true;
            break;
        }
        let new_tree = crate::parse::reparse(&tree, &text, &result.text, &result.edits);
        if new_tree.root_node().has_error() {
            // Find the fixes that break the file on their own and drop them.
            let mut culprits = 0;
            for &index in &result.applied {
                let finding = candidates[index];
                let alone = apply_fixes(&text, &fixes(&[finding]));
                if parse(&alone.text).root_node().has_error() {
                    culprits += 1;
                    dropped.insert(key(finding));
                    outcome.notes.push(format!(
                        "{}: fix for line {} dropped: it would leave a syntax error",
                        finding.codemod, finding.location.line
                    ));
                }
            }
            if culprits == 0 {
                // Fixes that only break together: keep the first, retry the rest next round.
                let first = candidates[result.applied[0]];
                let alone = apply_fixes(&text, &fixes(&[first]));
                *outcome.applied.entry(first.codemod).or_default() += 1;
                text = alone.text;
            }
            continue;
        }
        for &index in &result.applied {
            *outcome
                .applied
                .entry(candidates[index].codemod)
                .or_default() += 1;
        }
        text = result.text;
        parsed = Some(new_tree);
    }
    if !converged {
        outcome.error = Some(FileError::NoConvergence);
        outcome.applied.clear();
        return outcome;
    }
    if text != source.text {
        outcome.fixed = Some(source.contents(&text));
    }
    outcome
}

/// `# auditfix: ignore` or `# auditfix: ignore[id, ...]` on the finding's
/// first line.
fn is_suppressed(lines: &LineIndex, text: &str, finding: &Finding) -> bool {
    let line = lines.line_text(text, finding.location.line);
    crate::codemod::ignore_comment_covers(line, finding.codemod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codemod::{Checker, Codemod, Meta, Priority};
    use crate::edit::{Edit, TextRange};
    use std::sync::Arc;
    use tree_sitter::Node;

    /// Test codemod: on every integer literal `7`, replaces it with its
    /// configured text — valid (`8`), syntax-breaking (`(`), or itself
    /// again in another form (oscillation).
    struct Replace {
        with: &'static str,
        meta: &'static Meta,
    }

    static BREAKS: Meta = Meta {
        id: "test-breaks",
        category: "test",
        priority: Priority::P1,
        fix: Applicability::Safe,
        summary: "",
    };
    static GOOD: Meta = Meta {
        id: "test-good",
        category: "test",
        priority: Priority::P2,
        fix: Applicability::Safe,
        summary: "",
    };

    impl Codemod for Replace {
        fn meta(&self) -> &'static Meta {
            self.meta
        }
        fn kinds(&self) -> &'static [&'static str] {
            &["integer"]
        }
        fn check(&self, node: Node<'_>, cx: &mut Checker<'_>) {
            let text = cx.node_text(node);
            let wanted = match self.with {
                // Oscillate: 7 → 07_0 is not valid either; use 7 ↔ 0x7.
                "flip" if text == "7" => "0x7",
                "flip" if text == "0x7" => "7",
                "flip" => return,
                other if text == "7" => other,
                _ => return,
            };
            let range = TextRange::from(node.byte_range());
            cx.report(
                range,
                "seven",
                Some(Fix::safe(vec![Edit::replacement(range, wanted)])),
            );
        }
    }

    fn engine(codemods: Vec<Replace>) -> Engine {
        Engine::new(
            codemods
                .into_iter()
                .map(|c| Arc::new(c) as Arc<dyn Codemod>)
                .collect(),
        )
    }

    fn run(engine: &Engine, text: &str) -> FileOutcome {
        process(
            Path::new("t.py"),
            text.as_bytes(),
            engine,
            FixPolicy::new(false),
        )
    }

    #[test]
    fn a_fix_that_breaks_the_parse_is_dropped_and_the_rest_applied() {
        let engine = engine(vec![
            Replace {
                with: "(",
                meta: &BREAKS,
            },
            Replace {
                with: "8",
                meta: &GOOD,
            },
        ]);
        // Both codemods want the same `7`s; the breaking one has priority,
        // is dropped, and the good one applies in the next round.
        let outcome = run(&engine, "a = 7\nb = [7]\n");
        assert_eq!(outcome.fixed.as_deref(), Some("a = 8\nb = [8]\n"));
        assert_eq!(outcome.notes.len(), 2, "{:?}", outcome.notes);
        assert!(
            outcome.notes[0].contains("test-breaks"),
            "{:?}",
            outcome.notes
        );
        assert_eq!(outcome.applied.get("test-good"), Some(&2));
        assert_eq!(outcome.applied.get("test-breaks"), None);
    }

    #[test]
    fn oscillating_fixes_do_not_converge_and_leave_the_file_alone() {
        let engine = engine(vec![Replace {
            with: "flip",
            meta: &GOOD,
        }]);
        let outcome = run(&engine, "a = 7\n");
        assert!(matches!(outcome.error, Some(FileError::NoConvergence)));
        assert!(outcome.fixed.is_none());
        assert!(outcome.applied.is_empty());
    }

    #[test]
    fn syntax_errors_are_reported_with_their_line() {
        let engine = engine(vec![Replace {
            with: "8",
            meta: &GOOD,
        }]);
        let outcome = run(&engine, "a = 7\ndef f(:\n    pass\n");
        assert!(
            matches!(outcome.error, Some(FileError::Syntax { line: 2, .. })),
            "{:?}",
            outcome.error
        );
        assert!(outcome.fixed.is_none());
    }

    #[test]
    fn suppression_comments_silence_findings() {
        let engine = engine(vec![Replace {
            with: "8",
            meta: &GOOD,
        }]);
        let text = "a = 7  # auditfix: ignore\nb = 7  # auditfix: ignore[test-good]\nc = 7  # auditfix: ignore[other]\n";
        let outcome = run(&engine, text);
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].location.line, 3);
        assert_eq!(
            outcome.fixed.as_deref(),
            Some("a = 7  # auditfix: ignore\nb = 7  # auditfix: ignore[test-good]\nc = 8  # auditfix: ignore[other]\n")
        );
    }

    #[test]
    fn deeply_nested_files_are_skipped_with_a_reason() {
        let engine = engine(vec![Replace {
            with: "8",
            meta: &GOOD,
        }]);
        let deep = format!(
            "a = {}7{}\n",
            "(".repeat(MAX_DEPTH + 10),
            ")".repeat(MAX_DEPTH + 10)
        );
        let outcome = run(&engine, &deep);
        assert!(
            matches!(outcome.error, Some(FileError::TooDeep)),
            "{:?}",
            outcome.error
        );
        assert!(outcome.fixed.is_none());
        let shallow = format!("a = {}7{}\n", "(".repeat(50), ")".repeat(50));
        assert!(run(&engine, &shallow).fixed.is_some());
    }

    #[test]
    fn bom_and_unchanged_files() {
        let engine = engine(vec![Replace {
            with: "8",
            meta: &GOOD,
        }]);
        let outcome = run(&engine, "\u{feff}a = 7\n");
        assert_eq!(outcome.fixed.as_deref(), Some("\u{feff}a = 8\n"));
        let clean = run(&engine, "a = 1\n");
        assert!(clean.fixed.is_none() && clean.findings.is_empty() && clean.error.is_none());
    }
}
