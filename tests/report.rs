//! The audit report (`check --format markdown`, `fix --report FILE[.html]`)
//! on copies of `examples/`: parsed with a CommonMark/GFM parser
//! (pulldown-cmark), its sections and tables checked against the JSON
//! output of the same run, its rendering snapshotted, and the HTML page
//! checked to be self-contained.

use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{auditfix, copy_dir, manifest_dir};

fn workspace() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &manifest_dir().join("examples"),
        &dir.path().join("examples"),
    );
    dir
}

/// Headings (level, text) and table rows (cells) of a Markdown document.
fn outline(markdown: &str) -> (Vec<(u8, String)>, Vec<Vec<String>>) {
    let mut headings = Vec::new();
    let mut rows = Vec::new();
    let mut heading: Option<(u8, String)> = None;
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let n = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                };
                heading = Some((n, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Event::Start(Tag::TableHead | Tag::TableRow) => row = Some(Vec::new()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => rows.extend(row.take()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(row), Some(cell)) = (row.as_mut(), cell.take()) {
                    row.push(cell);
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&text);
                }
                if let Some(c) = cell.as_mut() {
                    c.push_str(&text);
                }
            }
            _ => {}
        }
    }
    (headings, rows)
}

fn json_summary(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&auditfix(dir, &all).stdout).unwrap()
}

#[test]
fn the_report_on_the_examples_has_every_section_and_adds_up() {
    let dir = workspace();
    let run = auditfix(dir.path(), &["check", "--format", "markdown", "examples"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (headings, rows) = outline(&run.stdout);
    let top: Vec<&str> = headings
        .iter()
        .filter(|(l, _)| *l <= 2)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        top,
        [
            "Audit report: examples",
            "Executive summary",
            "Found, fixed and remaining",
            "P1: 46 findings",
            "P2: 27 findings",
            "P3: 31 findings",
            "P4: 4 findings",
            "Testing recommendations",
            "Verification"
        ]
    );
    // The totals row is the JSON summary of the same run.
    let doc = json_summary(dir.path(), &["examples"]);
    let s = &doc["summary"];
    assert_eq!(
        rows[0][..5],
        [
            "Category",
            "Found",
            "Fixed",
            "Unsafe fix not applied",
            "Needs a manual fix"
        ]
    );
    let total = rows.iter().find(|r| r[0] == "all").expect("a totals row");
    let numbers: Vec<u64> = total[1..5].iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(
        numbers,
        [
            s["findings"].as_u64().unwrap(),
            s["fixed"].as_u64().unwrap(),
            s["unsafe_pending"].as_u64().unwrap(),
            s["manual"].as_u64().unwrap()
        ]
    );
    // The category rows add up to it.
    let body: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[0] != "all").collect();
    for column in 1..6 {
        let sum: u64 = body.iter().map(|r| r[column].parse::<u64>().unwrap()).sum();
        assert_eq!(sum.to_string(), total[column], "column {column}");
    }
    // Every finding has its own heading, with its place.
    let findings = doc["findings"].as_array().unwrap();
    let places: Vec<&String> = headings
        .iter()
        .filter(|(l, _)| *l == 4)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(places.len(), findings.len());
    for f in findings {
        let place = format!("{}:{}", f["path"].as_str().unwrap(), f["start"]["line"]);
        assert!(places.iter().any(|p| p.contains(&place)), "{place}");
    }
    // The verification was done, not assumed.
    assert!(
        run.stdout.contains("compile with `python3 -m py_compile`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("finds nothing more to fix"));
    // Each codemod that changed code has its section of tests to add.
    let fixed: std::collections::BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["resolution"] == "fixed")
        .map(|f| f["codemod"].as_str().unwrap())
        .collect();
    let testing = run
        .stdout
        .split("## Testing recommendations")
        .nth(1)
        .unwrap();
    for codemod in fixed {
        assert!(testing.contains(&format!("### `{codemod}`")), "{codemod}");
    }
}

#[test]
fn a_small_report_renders_as_snapshotted() {
    let dir = workspace();
    let run = auditfix(
        dir.path(),
        &[
            "check",
            "--format",
            "markdown",
            "--select",
            "backup-failure-raises,unsafe-conversion",
            "examples/shopfront-api/shopfront/ops",
            "examples/shopfront-api/shopfront/settings.py",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The Python version is the machine's.
    let markdown: String = run
        .stdout
        .lines()
        .map(|l| match l.find("(Python ") {
            Some(at) => format!("{}(Python X).", &l[..at]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        Parser::new_ext(&markdown, Options::ENABLE_TABLES),
    );
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("report_small.md", markdown);
        insta::assert_snapshot!("report_small.html", html);
    });
}

#[test]
fn fix_writes_the_report_in_every_disk_mode_and_html_is_self_contained() {
    let dir = workspace();
    let run = auditfix(
        dir.path(),
        &[
            "fix",
            "--write",
            "--report",
            "audit.md",
            "examples/guildkeeper",
        ],
    );
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        "Audit report written to audit.md.",
        "{}",
        run.stderr
    );
    let report = std::fs::read_to_string(dir.path().join("audit.md")).unwrap();
    assert!(report.contains("(`auditfix fix --write`)"));
    assert!(report.contains("Files modified:"));
    // The files it lists are the files the write changed.
    let listed: Vec<&str> = report
        .split("Files modified:")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.strip_suffix('`'))
        .collect();
    assert!(!listed.is_empty());
    for path in &listed {
        let now = std::fs::read(dir.path().join(path)).unwrap();
        let before = std::fs::read(manifest_dir().join(path)).unwrap();
        assert_ne!(now, before, "{path}");
    }
    // After the write, the report of a second run has nothing fixed.
    let again = auditfix(
        dir.path(),
        &["fix", "--report", "again.md", "examples/guildkeeper"],
    );
    assert!(
        again.stderr.contains("Audit report written"),
        "{}",
        again.stderr
    );
    let again = std::fs::read_to_string(dir.path().join("again.md")).unwrap();
    assert!(!again.contains("Files the change modifies"), "{again}");

    let dir = workspace();
    let run = auditfix(
        dir.path(),
        &[
            "fix",
            "--patch",
            "fixes.patch",
            "--report",
            "audit.html",
            "examples/shopfront-api",
        ],
    );
    assert!(
        run.stderr.contains("Audit report written to audit.html."),
        "{}",
        run.stderr
    );
    let html = std::fs::read_to_string(dir.path().join("audit.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<table>") && html.contains("<h2>Executive summary</h2>"));
    assert!(
        html.contains("the patch <code>fixes.patch</code> fixes"),
        "{html}"
    );
    for external in ["<link", "<script", "src=\"http", "href=\"http", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
}
