//! `--format json`: the findings of a run in auditfix's own versioned
//! format, described by the JSON Schema in `src/output/findings.schema.json`
//! (the tests validate every document they produce against it).
//!
//! Version 1. A new field may be added within a version; a field is never
//! removed or changed in meaning without raising `version`.

use serde::Serialize;

use super::{resolution_name, EditRecord, FindingRecord, Position, RunRecord};

/// The schema, for `auditfix schema json` and the tests.
pub const SCHEMA: &str = include_str!("findings.schema.json");

/// The format's version.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<Finding<'a>>,
    left_alone: Vec<LeftAlone<'a>>,
    errors: Vec<Error<'a>>,
}

#[derive(Serialize)]
struct LeftAlone<'a> {
    codemod: &'a str,
    reason: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    fixed: usize,
    unsafe_pending: usize,
    manual: usize,
    files_changed: usize,
    errors: usize,
}

#[derive(Serialize)]
struct Place {
    line: usize,
    column: usize,
    byte: usize,
}

impl From<Position> for Place {
    fn from(p: Position) -> Self {
        Self {
            line: p.line,
            column: p.column,
            byte: p.byte,
        }
    }
}

#[derive(Serialize)]
struct Finding<'a> {
    codemod: &'a str,
    priority: String,
    category: &'a str,
    path: &'a str,
    start: Place,
    end: Place,
    message: &'a str,
    fix: Fix<'a>,
    resolution: &'static str,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct Fix<'a> {
    applicability: &'static str,
    reason: Option<&'a str>,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    start: Place,
    end: Place,
    content: &'a str,
}

#[derive(Serialize)]
struct Error<'a> {
    path: &'a str,
    message: &'a str,
}

fn finding(f: &FindingRecord) -> Finding<'_> {
    Finding {
        codemod: f.codemod,
        priority: f.priority.to_string(),
        category: f.category,
        path: &f.path,
        start: f.start.into(),
        end: f.end.into(),
        message: &f.message,
        fix: Fix {
            applicability: f.applicability.as_str(),
            reason: f.reason.as_deref(),
            edits: f.edits.iter().map(edit).collect(),
        },
        resolution: resolution_name(f.resolution),
        fingerprint: &f.fingerprint,
    }
}

fn edit(e: &EditRecord) -> Edit<'_> {
    Edit {
        start: e.start.into(),
        end: e.end.into(),
        content: &e.content,
    }
}

/// The JSON document of a run (pretty-printed, with a final newline).
pub fn render(run: &RunRecord) -> String {
    let tally = run.tally();
    let document = Document {
        version: VERSION,
        tool: Tool {
            name: "auditfix",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: run.files,
            findings: tally.findings,
            fixed: tally.fixes_applied,
            unsafe_pending: tally.unsafe_pending,
            manual: tally.manual,
            files_changed: tally.files_changed,
            errors: tally.errors,
        },
        findings: run.findings.iter().map(finding).collect(),
        left_alone: run
            .left_alone
            .iter()
            .map(|((codemod, reason), count)| LeftAlone {
                codemod,
                reason,
                count: *count,
            })
            .collect(),
        errors: run
            .errors
            .iter()
            .map(|e| Error {
                path: &e.path,
                message: &e.message,
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&document).expect("plain data serializes");
    out.push('\n');
    out
}
