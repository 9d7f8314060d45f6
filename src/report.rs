//! Text reports: ruff-like finding lines, per-file errors, run summaries
//! and commit messages. All functions return strings; the CLI prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::codemod::Finding;
use crate::driver::{FileOutcome, FixPolicy, Resolution};

/// `path:line:col: id message`.
pub fn finding_line(path: &Path, finding: &Finding) -> String {
    format!(
        "{}:{}:{}: {} {}",
        path.display(),
        finding.location.line,
        finding.location.column,
        finding.codemod,
        finding.message
    )
}

/// A finding line with what became of it: `[fix]`, `[unsafe fix]` (not
/// enabled), `[no automatic fix]`, or `[fix not applied]` (dropped, see
/// the warning, or its file left untouched).
pub fn finding_line_with_fix(path: &Path, finding: &Finding, resolution: Resolution) -> String {
    let tag = match resolution {
        Resolution::Fixed => "fix",
        Resolution::UnsafePending => "unsafe fix",
        Resolution::NoFix => "no automatic fix",
        Resolution::NotApplied => "fix not applied",
    };
    format!("{} [{tag}]", finding_line(path, finding))
}

/// Per-file problems: errors and dropped fixes, one per line.
pub fn problems(outcomes: &[FileOutcome]) -> Vec<String> {
    let mut lines = Vec::new();
    for outcome in outcomes {
        if let Some(error) = &outcome.error {
            lines.push(format!("error: {}: {error}", outcome.path.display()));
        }
        for note in &outcome.notes {
            lines.push(format!("warning: {}: {note}", outcome.path.display()));
        }
    }
    lines
}

/// Counts over a run. Every finding of the original files is counted
/// once: `findings == fixes_applied + unsafe_pending + manual`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub findings: usize,
    pub files_changed: usize,
    /// Findings fixed (gone from the fixed files).
    pub fixes_applied: usize,
    /// Findings whose fix is unsafe and not enabled.
    pub unsafe_pending: usize,
    /// Findings without an automatic fix, or whose fix did not land.
    pub manual: usize,
    pub errors: usize,
    /// Findings fixed per codemod id.
    pub applied: BTreeMap<&'static str, usize>,
}

impl Tally {
    pub fn of(outcomes: &[FileOutcome], policy: FixPolicy) -> Self {
        let mut tally = Tally::default();
        for outcome in outcomes {
            tally.add(outcome, policy);
        }
        tally
    }

    /// Count one more file.
    pub fn add(&mut self, outcome: &FileOutcome, policy: FixPolicy) {
        self.add_file(outcome, outcome.fixed.is_some(), policy);
    }

    /// Count one more file, `changed` or not (branch mode keeps the fixed
    /// text elsewhere).
    pub fn add_file(&mut self, outcome: &FileOutcome, changed: bool, policy: FixPolicy) {
        self.findings += outcome.findings.len();
        self.files_changed += usize::from(changed);
        self.errors += usize::from(outcome.error.is_some());
        for (index, finding) in outcome.findings.iter().enumerate() {
            match outcome.resolution(index, policy) {
                Resolution::Fixed => {
                    self.fixes_applied += 1;
                    *self.applied.entry(finding.codemod).or_default() += 1;
                }
                Resolution::UnsafePending => self.unsafe_pending += 1,
                Resolution::NoFix | Resolution::NotApplied => self.manual += 1,
            }
        }
    }

    /// Whether every finding was (or would be) fixed.
    pub fn all_fixed(&self) -> bool {
        self.unsafe_pending == 0 && self.manual == 0
    }

    /// One sentence; `verb` is "would fix" or "fixed".
    pub fn sentence(&self, verb: &str) -> String {
        let mut out = format!(
            "{} finding{} in all; {verb} {} in {} file{}",
            self.findings,
            plural(self.findings),
            self.fixes_applied,
            self.files_changed,
            plural(self.files_changed)
        );
        if self.unsafe_pending > 0 {
            let _ = write!(out, "; {} more with --unsafe-fixes", self.unsafe_pending);
        }
        if self.manual > 0 {
            let _ = write!(
                out,
                "; {} need{} a manual fix",
                self.manual,
                if self.manual == 1 { "s" } else { "" }
            );
        }
        if self.errors > 0 {
            let _ = write!(
                out,
                "; {} file{} could not be processed",
                self.errors,
                plural(self.errors)
            );
        }
        out.push('.');
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The commit message for one codemod's commit on the fix branch.
pub fn commit_message(
    id: &str,
    summary: &str,
    outcomes: &[(String, &FileOutcome)],
    policy: FixPolicy,
) -> String {
    let applied: usize = outcomes.iter().map(|(_, o)| o.applied_count()).sum();
    let mut message = format!(
        "auditfix: {id} ({applied} fix{})\n\n",
        if applied == 1 { "" } else { "es" }
    );
    let _ = writeln!(message, "{summary}.\n\nFindings fixed:");
    for (path, outcome) in outcomes {
        for (index, finding) in outcome.findings.iter().enumerate() {
            if outcome.resolution(index, policy) == Resolution::Fixed {
                let _ = writeln!(
                    message,
                    "- {path}:{}: {}",
                    finding.location.line, finding.message
                );
            }
        }
    }
    let _ = write!(
        message,
        "\nRun `auditfix explain {id}` for what the fix does and why.\n\n\
         Auditfix-Codemod: {id}\nAuditfix-Findings: {applied}\n"
    );
    message
}
