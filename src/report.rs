//! Text reports: ruff-like finding lines, per-file errors, run summaries
//! and commit messages. All functions return strings; the CLI prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::codemod::Finding;
use crate::driver::{FileOutcome, FixPolicy};
use crate::edit::Applicability;

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

/// A finding line with what will happen to it.
pub fn finding_line_with_fix(path: &Path, finding: &Finding) -> String {
    let tag = match finding.applicability() {
        Applicability::Safe => "fix",
        Applicability::Unsafe => "unsafe fix",
        Applicability::ReportOnly => "no automatic fix",
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

/// Counts over a run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub findings: usize,
    pub files_changed: usize,
    pub fixes_applied: usize,
    /// Findings whose fix is unsafe and not enabled.
    pub unsafe_pending: usize,
    /// Findings without an automatic fix.
    pub manual: usize,
    pub errors: usize,
    /// Applied fixes per codemod id.
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
        self.findings += outcome.findings.len();
        self.files_changed += usize::from(outcome.fixed.is_some());
        self.fixes_applied += outcome.applied_count();
        self.errors += usize::from(outcome.error.is_some());
        for (id, n) in &outcome.applied {
            *self.applied.entry(*id).or_default() += n;
        }
        for finding in &outcome.findings {
            match &finding.fix {
                Some(fix) if policy.applies(fix) => {}
                Some(fix)
                    if fix.applicability == Applicability::Unsafe && !fix.edits().is_empty() =>
                {
                    self.unsafe_pending += 1
                }
                _ => self.manual += 1,
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
        for finding in &outcome.findings {
            if finding.fix.as_ref().is_some_and(|f| policy.applies(f)) {
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
        "\nRun `auditfix explain {id}` for what the fix does and why.\n"
    );
    message
}
