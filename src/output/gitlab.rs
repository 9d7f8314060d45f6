//! `--format gitlab`: a GitLab Code Quality report (the JSON array GitLab
//! reads from a job's `artifacts:reports:codequality`): per finding a
//! description, check name, fingerprint, severity and location.

use serde::Serialize;

use crate::codemod::Priority;

use super::RunRecord;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// The report (pretty-printed, with a final newline).
pub fn render(run: &RunRecord) -> String {
    let issues: Vec<Issue> = run
        .findings
        .iter()
        .map(|f| Issue {
            description: f.full_message(),
            check_name: f.codemod,
            fingerprint: &f.fingerprint,
            severity: match f.priority {
                Priority::P1 => "critical",
                Priority::P2 => "major",
                Priority::P3 => "minor",
                Priority::P4 => "info",
            },
            location: Location {
                path: &f.path,
                lines: Lines {
                    begin: f.start.line,
                    end: f.end.line,
                },
            },
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("plain data serializes");
    out.push('\n');
    out
}
