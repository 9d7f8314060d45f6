//! The per-file pipeline (decode → parse → match → fix → apply, to a
//! fixpoint) and running it over many files in parallel.
//!
//! [`process`] is pure: bytes in, [`FileOutcome`] out. It never writes and
//! never panics on bad input. Invariants of its result:
//! - `fixed` is `Some` only when it differs from the original, parses
//!   without errors, and was reached by a converging fixpoint;
//! - `findings` are those of the *original* text (what the audit saw), and
//!   `resolved[i]` says whether `findings[i]` is gone from the fixed text;
//!   `applied` counts the resolved findings per codemod, so every finding
//!   is counted once, however many rounds the fixpoint ran, and a finding
//!   a fix brought in (and a later round fixed) is not counted at all;
//! - a fix whose application would break the parse is dropped and named in
//!   `notes`; the other fixes still apply.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::codemod::{Checker, Engine, Finding, LeftAlone};
use crate::fix::{apply_fixes, Applicability, Edit, Fix};
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
    /// One per finding: gone from the fixed text, because its fix (or
    /// another that rewrote its code) landed.
    pub resolved: Vec<bool>,
    /// Resolved findings per codemod id.
    pub applied: BTreeMap<&'static str, usize>,
    /// The codemods whose fixes were applied in some round (also to code
    /// that an earlier fix brought in).
    pub changed_by: BTreeSet<&'static str>,
    /// Fixes dropped because they would break the file.
    pub notes: Vec<String>,
    pub error: Option<FileError>,
    /// What the codemods deliberately left alone in the original text.
    pub left_alone: LeftAlone,
}

impl FileOutcome {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            original: None,
            fixed: None,
            findings: Vec::new(),
            resolved: Vec::new(),
            applied: BTreeMap::new(),
            changed_by: BTreeSet::new(),
            notes: Vec::new(),
            left_alone: LeftAlone::new(),
            error: None,
        }
    }

    fn failed(path: &Path, error: FileError) -> Self {
        Self {
            error: Some(error),
            ..Self::new(path)
        }
    }

    /// The number of resolved findings.
    pub fn applied_count(&self) -> usize {
        self.applied.values().sum()
    }

    /// What became of `findings[index]` under `policy`.
    pub fn resolution(&self, index: usize, policy: FixPolicy) -> Resolution {
        let finding = &self.findings[index];
        if self.resolved.get(index).copied().unwrap_or(false) {
            return Resolution::Fixed;
        }
        match &finding.fix {
            Some(fix) if policy.applies(fix) => Resolution::NotApplied,
            Some(fix) if fix.applicability == Applicability::Unsafe && !fix.edits().is_empty() => {
                Resolution::UnsafePending
            }
            _ => Resolution::NoFix,
        }
    }

    /// Nothing was fixed.
    fn resolve_none(&mut self) {
        self.resolved = vec![false; self.findings.len()];
        self.applied.clear();
    }

    /// Mark which findings are gone from `fixed_text`, whose findings are
    /// `remaining`, and count them per codemod. `original_text` is the text
    /// the findings were found in; `moved[i]` is where the start of
    /// `findings[i]` went in `fixed_text`.
    fn resolve(
        &mut self,
        original_text: &str,
        moved: &[Moved],
        fixed_text: &str,
        remaining: &[Finding],
    ) {
        self.resolved = still_there(original_text, &self.findings, moved, fixed_text, remaining)
            .into_iter()
            .map(|there| !there)
            .collect();
        self.applied.clear();
        for (finding, &resolved) in self.findings.iter().zip(&self.resolved) {
            if resolved {
                *self.applied.entry(finding.codemod).or_default() += 1;
            }
        }
    }
}

/// What became of a finding in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Gone from the fixed text.
    Fixed,
    /// Its fix is unsafe and unsafe fixes are off.
    UnsafePending,
    /// It has no automatic fix.
    NoFix,
    /// Its fix applies under the policy but did not land: it was dropped
    /// (it would break the file), or the file was left untouched.
    NotApplied,
}

/// Where a position of the original text went after some fixes: `exact`
/// while no edit replaced the code at it (insertions before it and edits
/// elsewhere only shift it); otherwise `pos` is the start of the text that
/// replaced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    pub pos: usize,
    pub exact: bool,
}

impl Moved {
    fn starts_of(findings: &[Finding]) -> Vec<Self> {
        findings
            .iter()
            .map(|f| Moved {
                pos: f.range.start,
                exact: true,
            })
            .collect()
    }
}

/// Move `positions` (sorted) through one round of `edits` (sorted, not
/// overlapping, in the coordinates of the text before them), in one pass.
fn follow(positions: &mut [Moved], edits: &[Edit]) {
    debug_assert!(positions.windows(2).all(|w| w[0].pos <= w[1].pos));
    let mut next = 0;
    let mut delta: isize = 0;
    for moved in positions.iter_mut() {
        let p = moved.pos;
        // Edits that end at or before `p` (insertions at `p` included)
        // precede the code at `p`.
        while next < edits.len() && edits[next].range.end <= p {
            let edit = &edits[next];
            delta += edit.content.len() as isize - (edit.range.end - edit.range.start) as isize;
            next += 1;
        }
        match edits.get(next) {
            Some(edit) if edit.range.start <= p => {
                moved.pos = (edit.range.start as isize + delta) as usize;
                moved.exact = false;
            }
            _ => moved.pos = (p as isize + delta) as usize,
        }
    }
}

/// One per finding of `before` (found in `before_text`, its starts moved
/// to `moved` in `after_text`): whether it is still among `after` (found
/// in `after_text`). A finding is still there when its codemod reports at
/// the same code: first at the position its start moved to, then, for
/// the rest, at code that reads the same (a replacement may have kept it
/// verbatim). Each finding of `after` matches at most one.
fn still_there(
    before_text: &str,
    before: &[Finding],
    moved: &[Moved],
    after_text: &str,
    after: &[Finding],
) -> Vec<bool> {
    let mut taken = vec![false; after.len()];
    let mut there = vec![false; before.len()];
    let mut at: HashMap<(&str, usize), Vec<usize>> = HashMap::new();
    for (index, finding) in after.iter().enumerate() {
        at.entry((finding.codemod, finding.range.start))
            .or_default()
            .push(index);
    }
    for (index, finding) in before.iter().enumerate() {
        let Some(moved) = moved.get(index).filter(|m| m.exact) else {
            continue;
        };
        if let Some(candidates) = at.get(&(finding.codemod, moved.pos)) {
            if let Some(&found) = candidates.iter().find(|&&c| !taken[c]) {
                taken[found] = true;
                there[index] = true;
            }
        }
    }
    let key = |text: &str, f: &Finding| (f.codemod, text[f.range.as_range()].to_owned());
    let mut by_code: HashMap<(&str, String), Vec<usize>> = HashMap::new();
    for (index, finding) in after.iter().enumerate() {
        if !taken[index] {
            by_code
                .entry(key(after_text, finding))
                .or_default()
                .push(index);
        }
    }
    for (index, finding) in before.iter().enumerate() {
        if there[index] {
            continue;
        }
        if let Some(candidates) = by_code.get(&key(before_text, finding)) {
            if let Some(&found) = candidates.iter().find(|&&c| !taken[c]) {
                taken[found] = true;
                there[index] = true;
            }
        }
    }
    there
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
    let flow: Result<_, std::convert::Infallible> = in_batches(
        paths,
        stop,
        |chunk| Ok(chunk.to_vec()),
        |path| read_and_process(path, engine, policy),
        |_, outcome| Ok(sink(outcome)),
    );
    match flow {
        Ok(flow) => flow,
    }
}

/// The batching every mode shares (the files on disk, and the base
/// commit's files in branch mode): `items` a batch at a time (a few per
/// worker thread); `load` reads a batch on this thread, `work` processes
/// its items in parallel, and `sink` gets each result with its item, in
/// the order of `items`, then both are dropped. `stop` is polled before
/// each batch and each item: once it returns true, no further result
/// reaches `sink` and the result is `Break`.
pub fn in_batches<I, L, T, E>(
    items: &[I],
    stop: &(dyn Fn() -> bool + Sync),
    mut load: impl FnMut(&[I]) -> Result<Vec<L>, E>,
    work: impl Fn(&L) -> T + Sync,
    mut sink: impl FnMut(L, T) -> Result<ControlFlow<()>, E>,
) -> Result<ControlFlow<()>, E>
where
    L: Sync,
    T: Send,
{
    let batch = rayon::current_num_threads().max(1) * BATCH_PER_THREAD;
    for chunk in items.chunks(batch) {
        if stop() {
            return Ok(ControlFlow::Break(()));
        }
        let loaded = load(chunk)?;
        let results: Vec<Option<T>> = loaded
            .par_iter()
            .map(|item| (!stop()).then(|| work(item)))
            .collect();
        if stop() {
            return Ok(ControlFlow::Break(()));
        }
        for (item, result) in loaded.into_iter().zip(results) {
            if let Some(result) = result {
                if sink(item, result)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

fn read_and_process(path: &Path, engine: &Engine, policy: FixPolicy) -> FileOutcome {
    match std::fs::read(path) {
        Ok(bytes) => process(path, &bytes, engine, policy),
        Err(err) => FileOutcome::failed(path, FileError::Read(err.to_string())),
    }
}

/// Branch mode's result for one file.
#[derive(Debug)]
pub struct Steps {
    /// Every codemod at once on the original text: its findings, with
    /// `resolved` against the text after the last step, and the file's
    /// error (an input problem, or the first step that failed). `original`
    /// and `fixed` are dropped to save memory.
    pub whole: FileOutcome,
    /// Whether the steps changed the file.
    pub changed: bool,
    /// By engine index, the steps that changed the file and the first that
    /// failed; `fixed` of each is the text after that step.
    pub steps: Vec<(usize, FileOutcome)>,
}

/// Branch mode's pipeline for one file: `engines[0]`, then `engines[1]`
/// on its output, and so on (one engine per commit); a failed step leaves
/// the text as it was for the next one. `original` of the steps is
/// dropped to save memory.
///
/// `all` holds every codemod of `engines`: one run of it tells which of
/// them change the file, and only those run again one at a time, so a file
/// that nothing changes (most of them) is parsed once, not once per engine.
/// It also gives the findings the summary counts: those of the original
/// text, each resolved or not by the file after the last step.
pub fn process_in_steps(
    path: &Path,
    bytes: &[u8],
    all: &Engine,
    engines: &[Engine],
    policy: FixPolicy,
) -> Steps {
    let mut whole = process(path, bytes, all, policy);
    whole.original = None;
    whole.fixed = None;
    let done = |whole: FileOutcome, changed, steps| Steps {
        whole,
        changed,
        steps,
    };
    let every_engine = match whole.error {
        // Every step would stop at the same input problem.
        Some(FileError::Decode(_) | FileError::Syntax { .. } | FileError::TooDeep) => {
            return done(whole, false, Vec::new());
        }
        // All together they do not settle; one at a time they may.
        Some(_) => {
            whole.error = None;
            true
        }
        None if whole.changed_by.is_empty() => return done(whole, false, Vec::new()),
        None => false,
    };
    let wanted = |engine: &Engine| {
        every_engine
            || engine
                .codemods()
                .iter()
                .any(|c| whole.changed_by.contains(c.meta().id))
    };
    let mut current: Option<String> = None;
    let mut steps = Vec::new();
    let mut moved = Moved::starts_of(&whole.findings);
    for (index, engine) in engines.iter().enumerate().filter(|(_, e)| wanted(e)) {
        let input = current.as_deref().map_or(bytes, str::as_bytes);
        let mut outcome = process_following(path, input, engine, policy, &mut moved);
        outcome.original = None;
        if let Some(error) = &outcome.error {
            if whole.error.is_none() {
                whole.error = Some(error.clone());
                steps.push((index, outcome));
            }
        } else if let Some(fixed) = &outcome.fixed {
            current = Some(fixed.clone());
            steps.push((index, outcome));
        }
    }
    let changed = current.is_some();
    match current.as_deref().map(|text| {
        (
            SourceFile::decode(bytes),
            SourceFile::decode(text.as_bytes()),
        )
    }) {
        Some((Ok(before), Ok(after))) => {
            let remaining = findings_of(path, &after.text, all);
            whole.resolve(&before.text, &moved, &after.text, &remaining);
        }
        _ => whole.resolve_none(),
    }
    done(whole, changed, steps)
}

/// The findings of `text` (decoded, without BOM), with no fixing: what a
/// `check` of it would report.
fn findings_of(path: &Path, text: &str, engine: &Engine) -> Vec<Finding> {
    let active = engine.active(text);
    if !active.iter().any(|&a| a) {
        return Vec::new();
    }
    let tree = parse(text);
    let stylist = Stylist::detect(text, &tree);
    round_findings(path, text, &tree, &stylist, engine, &active).0
}

/// One round's findings: checked, unsuppressed, in position order; and
/// what was left alone (suppressed findings among it).
fn round_findings(
    path: &Path,
    text: &str,
    tree: &tree_sitter::Tree,
    stylist: &Stylist,
    engine: &Engine,
    active: &[bool],
) -> (Vec<Finding>, LeftAlone) {
    let lines = LineIndex::new(text);
    let mut cx = Checker::new(text, tree, stylist, &lines)
        .with_path(path)
        .with_project(engine.project());
    engine.check(&mut cx, tree, active);
    let (mut findings, mut left_alone) = cx.into_parts();
    findings.retain(|f| {
        let suppressed = is_suppressed(&lines, text, f);
        if suppressed {
            *left_alone
                .entry((f.codemod, "suppressed by `# auditfix: ignore`"))
                .or_default() += 1;
        }
        !suppressed
    });
    findings.sort_by(|a, b| (a.range.start, a.codemod).cmp(&(b.range.start, b.codemod)));
    (findings, left_alone)
}

/// The whole pipeline for one file.
pub fn process(path: &Path, bytes: &[u8], engine: &Engine, policy: FixPolicy) -> FileOutcome {
    process_following(path, bytes, engine, policy, &mut [])
}

/// [`process`], also moving `positions` (sorted, in the decoded text of
/// `bytes`) to where they are in the fixed text; they stay as they are
/// when the file is not fixed.
fn process_following(
    path: &Path,
    bytes: &[u8],
    engine: &Engine,
    policy: FixPolicy,
    positions: &mut [Moved],
) -> FileOutcome {
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
    // The findings of the final text, once the fixpoint is reached.
    let mut remaining: Vec<Finding> = Vec::new();
    // Where the starts of the original findings, and `positions`, went.
    let mut moved: Vec<Moved> = Vec::new();
    let mut followed: Vec<Moved> = positions.to_vec();
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
        let (findings, left_alone) = round_findings(path, &text, &tree, stylist, engine, &active);
        if round == 0 {
            outcome.findings = findings.clone();
            outcome.left_alone = left_alone;
            moved = Moved::starts_of(&findings);
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
            remaining = findings;
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
                    // Name the line in the file as it is on disk, not in
                    // this round's partly fixed text.
                    let line = outcome
                        .findings
                        .iter()
                        .zip(&moved)
                        .find(|(f, m)| f.codemod == finding.codemod && m.pos == finding.range.start)
                        .map_or(finding.location.line, |(f, _)| f.location.line);
                    outcome.notes.push(format!(
                        "{}: fix for line {line} dropped: it would leave a syntax error",
                        finding.codemod
                    ));
                }
            }
            if culprits == 0 {
                // Fixes that only break together: keep the first, retry the rest next round.
                let first = candidates[result.applied[0]];
                let alone = apply_fixes(&text, &fixes(&[first]));
                outcome.changed_by.insert(first.codemod);
                follow(&mut moved, &alone.edits);
                follow(&mut followed, &alone.edits);
                text = alone.text;
            }
            continue;
        }
        for &index in &result.applied {
            outcome.changed_by.insert(candidates[index].codemod);
        }
        follow(&mut moved, &result.edits);
        follow(&mut followed, &result.edits);
        text = result.text;
        parsed = Some(new_tree);
    }
    if !converged {
        outcome.error = Some(FileError::NoConvergence);
        outcome.resolve_none();
        outcome.changed_by.clear();
        return outcome;
    }
    outcome.resolve(&source.text, &moved, &text, &remaining);
    if text != source.text {
        outcome.fixed = Some(source.contents(&text));
        positions.copy_from_slice(&followed);
    }
    outcome
}

/// `# auditfix: ignore` or `# auditfix: ignore[id, ...]` on the finding's
/// first line.
fn is_suppressed(lines: &LineIndex, text: &str, finding: &Finding) -> bool {
    let line = lines.line_text(text, finding.location.line);
    crate::python::auditfix_ignore_covers(line, finding.codemod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codemod::{Checker, Codemod, Meta, Priority};
    use crate::fix::{Edit, TextRange};
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
        // Every finding is gone from the result, the dropped ones too: the
        // good fix rewrote their code. Each is counted once.
        assert_eq!(outcome.findings.len(), 4);
        assert_eq!(outcome.resolved, vec![true; 4]);
        assert_eq!(outcome.applied.get("test-good"), Some(&2));
        assert_eq!(outcome.applied.get("test-breaks"), Some(&2));
        assert_eq!(
            outcome.changed_by,
            BTreeSet::from(["test-good"]),
            "the breaking fix never landed"
        );
    }

    #[test]
    fn a_dropped_fix_leaves_its_finding_for_a_manual_fix() {
        let engine = engine(vec![Replace {
            with: "(",
            meta: &BREAKS,
        }]);
        let outcome = run(&engine, "x = 1\na = 7\n");
        assert!(outcome.fixed.is_none());
        assert_eq!(outcome.resolved, vec![false]);
        assert!(outcome.applied.is_empty());
        assert_eq!(
            outcome.resolution(0, FixPolicy::new(false)),
            Resolution::NotApplied
        );
        assert_eq!(
            outcome.notes,
            vec!["test-breaks: fix for line 2 dropped: it would leave a syntax error"]
        );
    }

    /// Test codemod: every integer literal in `from` becomes `to`.
    struct Rewrite {
        from: &'static [&'static str],
        to: &'static str,
        meta: &'static Meta,
    }

    static LATER: Meta = Meta {
        id: "test-later",
        category: "test",
        priority: Priority::P3,
        fix: Applicability::Safe,
        summary: "",
    };

    impl Codemod for Rewrite {
        fn meta(&self) -> &'static Meta {
            self.meta
        }
        fn kinds(&self) -> &'static [&'static str] {
            &["integer"]
        }
        fn check(&self, node: Node<'_>, cx: &mut Checker<'_>) {
            if !self.from.contains(&cx.node_text(node)) {
                return;
            }
            let range = TextRange::from(node.byte_range());
            cx.report(
                range,
                "rewrite",
                Some(Fix::safe(vec![Edit::replacement(range, self.to)])),
            );
        }
    }

    fn rewrites(codemods: Vec<Rewrite>) -> Engine {
        Engine::new(
            codemods
                .into_iter()
                .map(|c| Arc::new(c) as Arc<dyn Codemod>)
                .collect(),
        )
    }

    #[test]
    fn a_finding_a_fix_brings_in_is_fixed_but_not_counted() {
        // 7 → 8 brings in an 8, which the second codemod rewrites in the
        // next round: one finding of the original, one fixed.
        let engine = rewrites(vec![
            Rewrite {
                from: &["7"],
                to: "8",
                meta: &GOOD,
            },
            Rewrite {
                from: &["8"],
                to: "9",
                meta: &LATER,
            },
        ]);
        let outcome = run(&engine, "a = 7\n");
        assert_eq!(outcome.fixed.as_deref(), Some("a = 9\n"));
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.resolved, vec![true]);
        assert_eq!(outcome.applied, BTreeMap::from([("test-good", 1)]));
        assert_eq!(
            outcome.changed_by,
            BTreeSet::from(["test-good", "test-later"])
        );
    }

    #[test]
    fn colliding_fixes_count_both_findings_once() {
        // Both want the same 7; the first wins, the second's finding is
        // gone with it. The second also rewrites an 8 in a later round.
        let engine = rewrites(vec![
            Rewrite {
                from: &["7"],
                to: "8",
                meta: &GOOD,
            },
            Rewrite {
                from: &["7", "8"],
                to: "9",
                meta: &LATER,
            },
        ]);
        let outcome = run(&engine, "a = 7\nb = 1\n");
        assert_eq!(outcome.fixed.as_deref(), Some("a = 9\nb = 1\n"));
        assert_eq!(outcome.findings.len(), 2);
        assert_eq!(outcome.resolved, vec![true, true]);
        assert_eq!(outcome.applied_count(), 2);
    }

    #[test]
    fn findings_left_are_told_apart_from_fixed_ones_with_the_same_code() {
        // Two findings on the same code `7`; only the first has a fix
        // (the second's line says `# keep`). The one left is the second,
        // at a new offset: the first is the one counted as fixed.
        struct UnlessKept;
        static KEPT: Meta = Meta {
            id: "test-kept",
            category: "test",
            priority: Priority::P1,
            fix: Applicability::Safe,
            summary: "",
        };
        impl Codemod for UnlessKept {
            fn meta(&self) -> &'static Meta {
                &KEPT
            }
            fn kinds(&self) -> &'static [&'static str] {
                &["integer"]
            }
            fn check(&self, node: Node<'_>, cx: &mut Checker<'_>) {
                if cx.node_text(node) != "7" {
                    return;
                }
                let range = TextRange::from(node.byte_range());
                let rest = &cx.text[range.end..];
                let line = rest.split('\n').next().unwrap_or("");
                let fix = (!line.contains("# keep"))
                    .then(|| Fix::safe(vec![Edit::replacement(range, "1000")]));
                cx.report(range, "seven", fix);
            }
        }
        let engine = Engine::new(vec![Arc::new(UnlessKept) as Arc<dyn Codemod>]);
        let outcome = run(&engine, "a = 7\nb = 7  # keep\n");
        assert_eq!(outcome.fixed.as_deref(), Some("a = 1000\nb = 7  # keep\n"));
        assert_eq!(outcome.resolved, vec![true, false]);
        assert_eq!(
            outcome.resolution(1, FixPolicy::new(false)),
            Resolution::NoFix
        );
    }

    #[test]
    fn positions_follow_the_edits() {
        let at = |pos| Moved { pos, exact: true };
        let mut positions = vec![at(0), at(2), at(5), at(6), at(9), at(12)];
        follow(
            &mut positions,
            &[
                Edit::insertion(2, "xx"),                        // before 2: shifts it
                Edit::replacement(TextRange::new(4, 7), "abcd"), // covers 5 and 6
                Edit::deletion(TextRange::new(9, 10)),           // starts at 9
            ],
        );
        assert_eq!(
            positions,
            vec![
                at(0),
                at(4),
                Moved {
                    pos: 6,
                    exact: false
                },
                Moved {
                    pos: 6,
                    exact: false
                },
                Moved {
                    pos: 12,
                    exact: false
                },
                at(14),
            ]
        );
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
