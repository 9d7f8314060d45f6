//! Outputs of a run for other tools: JSON ([`json`]), SARIF 2.1.0
//! ([`sarif`]), GitHub workflow annotations ([`github`]) and GitLab Code
//! Quality ([`gitlab`]). Each renders the same [`RunRecord`]: the findings
//! of every file with their places, fixes and what a fix run does with
//! them, collected while the files stream past (file texts are not kept).

pub mod github;
pub mod gitlab;
pub mod json;
pub mod report;
pub mod sarif;

use std::path::Path;

use crate::codemod::{Finding, LeftAlone, Priority};
use crate::codemods;
use crate::driver::{FileOutcome, FixPolicy, Resolution};
use crate::fix::Applicability;
use crate::report::Tally;
use crate::source::{LineIndex, Location};

/// A place in a file: 1-based line, 1-based column counted in characters
/// (Unicode code points), and the byte offset in the decoded text (no BOM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

impl Position {
    fn at(lines: &LineIndex, text: &str, byte: usize) -> Self {
        let Location { line, column } = lines.location(text, byte);
        Self { line, column, byte }
    }
}

/// One edit of a fix: replace `start..end` with `content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditRecord {
    pub start: Position,
    pub end: Position,
    pub content: String,
}

/// One finding, ready for any output format.
#[derive(Clone, Debug)]
pub struct FindingRecord {
    pub codemod: &'static str,
    pub priority: Priority,
    pub category: &'static str,
    /// The path as the run shows it, with `/` separators.
    pub path: String,
    pub start: Position,
    pub end: Position,
    /// The message without the reason about its fix.
    pub message: String,
    /// Why there is no automatic fix, or why the fix is unsafe: the
    /// finding's own reason, else the codemod's ([`default_reason`]).
    pub reason: Option<String>,
    pub applicability: Applicability,
    pub edits: Vec<EditRecord>,
    /// What `fix` does with it under the run's policy (in `check`: what
    /// `fix --write` would do).
    pub resolution: Resolution,
    /// Stable across runs while the finding's line keeps its text (lines
    /// moving above it do not change it): see [`fingerprint`].
    pub fingerprint: String,
    /// In a detailed record: the diff of this finding's fix applied alone
    /// (hunks only, no file header).
    pub diff: Option<String>,
    /// In a detailed record: the classes and functions around it
    /// (`Cache.refresh`), empty at module level.
    pub scope: String,
}

/// How a modified file was verified (detailed records).
#[derive(Clone, Debug)]
pub struct ModifiedFile {
    pub path: String,
    /// `python3 -m py_compile` of the fixed text: `None` when no Python
    /// was found, else the error output when it failed.
    pub compiled: Option<Result<(), String>>,
    /// A second run over the fixed text found nothing more to fix.
    pub stable: bool,
}

/// Runs auditfix again over a fixed text (the file's path, the text) and
/// tells whether it found nothing more to fix.
pub type SecondPass<'a> = &'a dyn Fn(&Path, &str) -> bool;

/// A file that could not be processed.
#[derive(Clone, Debug)]
pub struct ErrorRecord {
    pub path: String,
    pub message: String,
}

/// Everything an output format needs about a run.
#[derive(Debug, Default)]
pub struct RunRecord {
    pub findings: Vec<FindingRecord>,
    pub errors: Vec<ErrorRecord>,
    /// Files looked at.
    pub files: usize,
    /// Lines of the files looked at (detailed records).
    pub lines: usize,
    /// What the codemods deliberately left alone, summed over the files.
    pub left_alone: LeftAlone,
    /// The files the fixes change, and their verification (detailed).
    pub modified: Vec<ModifiedFile>,
    /// Fixes dropped because they would have broken a file.
    pub dropped: Vec<String>,
    /// Whether per-finding diffs, scopes and verification are collected.
    detailed: bool,
    /// The Python used for compiling, once looked for.
    python: Option<Option<String>>,
}

impl RunRecord {
    /// A record that also keeps what the audit report needs: each fix's
    /// own diff, the functions around findings, and the verification of
    /// every modified file.
    pub fn detailed() -> Self {
        Self {
            detailed: true,
            ..Self::default()
        }
    }

    /// The `python3 --version` of the interpreter used to compile fixed
    /// files, `None` when there is none (detailed records).
    pub fn python(&self) -> Option<&str> {
        self.python.as_ref().and_then(|p| p.as_deref())
    }

    /// Add one file's outcome (its findings in file order). In a detailed
    /// record, `second_pass` runs auditfix again over a fixed text and
    /// tells whether it found nothing more to fix.
    pub fn add(
        &mut self,
        outcome: &FileOutcome,
        policy: FixPolicy,
        second_pass: Option<SecondPass<'_>>,
    ) {
        self.files += 1;
        for (key, count) in &outcome.left_alone {
            *self.left_alone.entry(*key).or_default() += count;
        }
        self.dropped.extend(
            outcome
                .notes
                .iter()
                .map(|note| format!("{}: {note}", slash_path(&outcome.path))),
        );
        let path = slash_path(&outcome.path);
        if let Some(error) = &outcome.error {
            self.errors.push(ErrorRecord {
                path: path.clone(),
                message: error.to_string(),
            });
        }
        let Some(original) = &outcome.original else {
            return;
        };
        let text = original.strip_prefix('\u{feff}').unwrap_or(original);
        let lines = LineIndex::new(text);
        let tree = self.detailed.then(|| crate::parse::parse(text));
        if self.detailed {
            self.lines += text.lines().count();
            if let Some(fixed) = &outcome.fixed {
                let fixed = fixed.strip_prefix('\u{feff}').unwrap_or(fixed);
                let python = self.python.get_or_insert_with(find_python).clone();
                self.modified.push(ModifiedFile {
                    path: path.clone(),
                    compiled: python.map(|_| py_compile(fixed)),
                    stable: second_pass.is_none_or(|again| again(&outcome.path, fixed)),
                });
            }
        }
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (index, finding) in outcome.findings.iter().enumerate() {
            let start = Position::at(&lines, text, finding.range.start);
            let line_text = lines.line_text(text, start.line).trim();
            let occurrence = seen
                .iter()
                .filter(|(id, line)| *id == finding.codemod && *line == line_text)
                .count();
            seen.push((finding.codemod, line_text));
            let mut record = FindingRecord::new(
                finding,
                &path,
                (text, &lines),
                fingerprint(finding.codemod, &path, line_text, occurrence),
                outcome.resolution(index, policy),
            );
            if let Some(tree) = &tree {
                let node = tree
                    .root_node()
                    .descendant_for_byte_range(finding.range.start, finding.range.start)
                    .unwrap_or(tree.root_node());
                record.scope = crate::python::scope_names(text, node).join(".");
                record.diff = finding.fix.as_ref().and_then(|fix| own_diff(text, fix));
            }
            self.findings.push(record);
        }
    }

    /// The run's counts, as the text summary gives them.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally {
            errors: self.errors.len(),
            findings: self.findings.len(),
            ..Tally::default()
        };
        for finding in &self.findings {
            match finding.resolution {
                Resolution::Fixed => {
                    tally.fixes_applied += 1;
                    *tally.applied.entry(finding.codemod).or_default() += 1;
                }
                Resolution::UnsafePending => tally.unsafe_pending += 1,
                Resolution::NoFix | Resolution::NotApplied => tally.manual += 1,
            }
        }
        let mut fixed_files: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.resolution == Resolution::Fixed)
            .map(|f| f.path.as_str())
            .collect();
        fixed_files.dedup();
        tally.files_changed = fixed_files.len();
        tally
    }
}

impl FindingRecord {
    /// The message with its reason, as the text lines give it:
    /// `"… (unsafe fix: why)"`, `"… (no automatic fix: why)"`.
    pub fn full_message(&self) -> String {
        match (&self.reason, self.applicability) {
            (Some(reason), Applicability::Unsafe) => {
                format!("{} (unsafe fix: {reason})", self.message)
            }
            (Some(reason), _) => format!("{} (no automatic fix: {reason})", self.message),
            (None, _) => self.message.clone(),
        }
    }

    fn new(
        finding: &Finding,
        path: &str,
        (text, lines): (&str, &LineIndex),
        fingerprint: String,
        resolution: Resolution,
    ) -> Self {
        let meta = codemods::find(finding.codemod).map(|e| e.meta);
        let applicability = finding.applicability();
        let (message, reason) = split_reason(&finding.message);
        let edits = finding
            .fix
            .iter()
            .flat_map(|fix| fix.edits())
            .map(|edit| EditRecord {
                start: Position::at(lines, text, edit.range.start),
                end: Position::at(lines, text, edit.range.end),
                content: edit.content.clone(),
            })
            .collect();
        Self {
            codemod: finding.codemod,
            priority: finding.priority,
            category: meta.map_or("other", |m| m.category),
            path: path.to_owned(),
            start: Position::at(lines, text, finding.range.start),
            end: Position::at(lines, text, finding.range.end),
            message: message.to_owned(),
            reason: match reason {
                _ if applicability == Applicability::Safe => None,
                Some(reason) => Some(reason.to_owned()),
                None => default_reason(finding.codemod, applicability),
            },
            applicability,
            edits,
            resolution,
            fingerprint,
            diff: None,
            scope: String::new(),
        }
    }
}

/// The hunks of the diff a fix makes applied alone to `text`.
fn own_diff(text: &str, fix: &crate::fix::Fix) -> Option<String> {
    let applied = crate::fix::apply_fixes(text, [fix]);
    if applied.applied.is_empty() {
        return None;
    }
    let diff = crate::diff::file_diff("f", text, &applied.text, crate::diff::Style::Plain);
    let hunks = diff.find("\n@@").map(|at| &diff[at + 1..])?;
    Some(hunks.to_owned())
}

/// `python3 --version`, if there is a `python3` on PATH.
fn find_python() -> Option<String> {
    let output = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !version.is_empty()).then_some(version)
}

/// Compile `text` with `python3 -m py_compile` (in a scratch directory).
fn py_compile(text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("fixed.py");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let output = std::process::Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&file)
        .env("PYTHONPYCACHEPREFIX", dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// A documentation section's text (without its heading).
pub(crate) fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let start = doc.find(&format!("\n{heading}\n"))? + heading.len() + 2;
    let rest = &doc[start..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    Some(rest[..end].trim().to_owned())
}

/// The reason a codemod gives for all its unsafe (or report-only) fixes,
/// for findings whose message has none of their own: the first sentence
/// of its documentation's "Fix safety" section when that section starts
/// by calling every fix unsafe (or report-only), else a pointer to it.
pub fn default_reason(codemod: &str, applicability: Applicability) -> Option<String> {
    if applicability == Applicability::Safe {
        return None;
    }
    let pointer = format!("see `auditfix explain {codemod}`, \"Fix safety\"");
    let Some(doc) = codemods::find(codemod).map(|e| e.doc()) else {
        return Some(pointer);
    };
    let safety = doc_section(&doc, "## Fix safety").unwrap_or_default();
    let paragraph = safety.split("\n\n").next().unwrap_or("").replace('\n', " ");
    let prefix = match applicability {
        Applicability::Unsafe => "Unsafe (applied with `--unsafe-fixes`): ",
        _ => "Report-only: ",
    };
    let Some(rest) = paragraph.strip_prefix(prefix) else {
        return Some(pointer);
    };
    let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
    Some(rest[..end].trim_end_matches('.').to_owned())
}

/// A message and the reason about its fix that codemods append to it:
/// `"… (no automatic fix: why)"`, `"… (unsafe fix: why)"`.
pub fn split_reason(message: &str) -> (&str, Option<&str>) {
    for marker in [" (no automatic fix: ", " (unsafe fix: "] {
        if let Some(at) = message.rfind(marker) {
            if let Some(reason) = message[at + marker.len()..].strip_suffix(')') {
                return (&message[..at], Some(reason));
            }
        }
    }
    (message, None)
}

/// A finding's fingerprint: a hash of the codemod, the path, the text of
/// the finding's line (trimmed) and how many findings of the same codemod
/// on lines of the same text come before it in the file. Unlike a line
/// number, it survives edits above the finding.
pub fn fingerprint(codemod: &str, path: &str, line_text: &str, occurrence: usize) -> String {
    let key = format!("auditfix/1\0{codemod}\0{path}\0{line_text}\0{occurrence}");
    git2::Oid::hash_object(git2::ObjectType::Blob, key.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

/// The name of a resolution in the machine-readable formats.
pub fn resolution_name(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Fixed => "fixed",
        Resolution::UnsafePending => "unsafe-fix-pending",
        Resolution::NoFix => "no-fix",
        Resolution::NotApplied => "fix-not-applied",
    }
}

fn slash_path(path: &Path) -> String {
    let shown = path.to_string_lossy().replace('\\', "/");
    shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_split_off_the_message() {
        assert_eq!(
            split_reason("x is bad (no automatic fix: it depends)"),
            ("x is bad", Some("it depends"))
        );
        assert_eq!(
            split_reason("x (y) is bad (unsafe fix: a (nested) reason)"),
            ("x (y) is bad", Some("a (nested) reason"))
        );
        assert_eq!(split_reason("plain (note)"), ("plain (note)", None));
    }

    #[test]
    fn codemods_without_a_reason_of_their_own_give_theirs() {
        assert_eq!(
            default_reason("print-to-logger", Applicability::Unsafe).as_deref(),
            Some("the output moves from stdout to the logging system")
        );
        assert_eq!(
            default_reason("unsafe-conversion", Applicability::ReportOnly).unwrap(),
            "what should happen on bad input — a default, a clear start-up error, a 400 response, skipping a malformed line — is a decision only the code's owner can make"
        );
        assert_eq!(
            default_reason("fetchone-null-guard", Applicability::Unsafe).unwrap(),
            "see `auditfix explain fetchone-null-guard`, \"Fix safety\""
        );
        assert_eq!(default_reason("print-to-logger", Applicability::Safe), None);
    }

    #[test]
    fn fingerprints_depend_on_the_line_text_not_its_number() {
        let a = fingerprint("bare-except", "a.py", "except:", 0);
        assert_eq!(a, fingerprint("bare-except", "a.py", "except:", 0));
        assert_eq!(a.len(), 40);
        for other in [
            fingerprint("bare-except", "a.py", "except:", 1),
            fingerprint("bare-except", "b.py", "except:", 0),
            fingerprint("silent-except", "a.py", "except:", 0),
            fingerprint("bare-except", "a.py", "except :", 0),
        ] {
            assert_ne!(a, other);
        }
    }
}
