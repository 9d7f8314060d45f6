//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning uploads it.
//!
//! One run; `tool.driver.rules` lists every codemod of the catalogue with
//! its summary, the "What it does" section of its documentation and the
//! whole documentation as help, its priority and category; each result
//! points at its rule by id and index, has a location whose `uri` is
//! relative to `%SRCROOT%` (the working directory), a stable
//! `partialFingerprints` entry, and — when the finding has a fix — a SARIF
//! `fix` whose replacements are the fix's edits. The fix's applicability,
//! the reason and the resolution are in the result's `properties`.
//! Columns count Unicode code points (`columnKind`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use serde_sarif::sarif;

use crate::codemod::Priority;
use crate::codemods::{self, Entry};
use crate::fix::Applicability;

use super::{resolution_name, EditRecord, FindingRecord, RunRecord};

/// The `partialFingerprints` key of auditfix's own fingerprint.
pub const FINGERPRINT_KEY: &str = "auditfixFindingHash/v1";

/// The base id the results' paths are relative to.
const SRCROOT: &str = "%SRCROOT%";

fn level(priority: Priority) -> sarif::ResultLevel {
    match priority {
        Priority::P1 => sarif::ResultLevel::Error,
        Priority::P2 => sarif::ResultLevel::Warning,
        Priority::P3 | Priority::P4 => sarif::ResultLevel::Note,
    }
}

fn properties(
    entries: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
) -> sarif::PropertyBag {
    sarif::PropertyBag {
        tags: None,
        additional_properties: entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    }
}

fn rule(entry: &Entry) -> sarif::ReportingDescriptor {
    let meta = entry.meta;
    let doc = entry.doc();
    let what =
        super::doc_section(&doc, "## What it does").unwrap_or_else(|| meta.summary.to_owned());
    let mut bag = properties([
        ("priority", json!(meta.priority.to_string())),
        ("category", json!(meta.category)),
        ("fix", json!(meta.fix.as_str())),
    ]);
    bag.tags = Some(vec![meta.category.to_owned(), meta.priority.to_string()]);
    if meta.category == "security" {
        // GitHub ranks security alerts by this score (0.0–10.0).
        let score = match meta.priority {
            Priority::P1 => "8.0",
            Priority::P2 => "6.0",
            Priority::P3 => "4.0",
            Priority::P4 => "2.0",
        };
        bag.additional_properties
            .insert("security-severity".into(), json!(score));
    }
    sarif::ReportingDescriptor::builder()
        .id(meta.id)
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(meta.summary)
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(what)
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(doc.clone())
                .markdown(doc)
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(meta.priority).to_string()))
                .build(),
        )
        .properties(bag)
        .build()
}

fn artifact(path: &str) -> sarif::ArtifactLocation {
    if Path::new(path).is_absolute() {
        let uri = format!("file://{}", percent(path));
        sarif::ArtifactLocation::builder().uri(uri).build()
    } else {
        sarif::ArtifactLocation::builder()
            .uri(percent(path))
            .uri_base_id(SRCROOT)
            .build()
    }
}

/// A path as a URI reference: everything but unreserved characters and `/`
/// percent-encoded.
fn percent(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn region(start: super::Position, end: super::Position) -> sarif::Region {
    sarif::Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column as i64)
        .end_line(end.line as i64)
        .end_column(end.column as i64)
        .build()
}

fn replacement(edit: &EditRecord) -> sarif::Replacement {
    sarif::Replacement::builder()
        .deleted_region(region(edit.start, edit.end))
        .inserted_content(
            sarif::ArtifactContent::builder()
                .text(edit.content.clone())
                .build(),
        )
        .build()
}

fn result(f: &FindingRecord, rule_index: Option<usize>) -> sarif::Result {
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact(&f.path))
                .region(region(f.start, f.end))
                .build(),
        )
        .build();
    let text = f.full_message();
    let mut result = sarif::Result::builder()
        .rule_id(f.codemod)
        .level(level(f.priority))
        .message(sarif::Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            f.fingerprint.clone(),
        )]))
        .properties(properties([
            ("priority", json!(f.priority.to_string())),
            ("category", json!(f.category)),
            ("applicability", json!(f.applicability.as_str())),
            ("reason", json!(f.reason)),
            ("resolution", json!(resolution_name(f.resolution))),
        ]))
        .build();
    result.rule_index = rule_index.map(|index| index as i64);
    if f.applicability != Applicability::ReportOnly && !f.edits.is_empty() {
        let description = match f.applicability {
            Applicability::Safe => format!("auditfix {}: safe fix", f.codemod),
            _ => format!("auditfix {}: unsafe fix, review it", f.codemod),
        };
        result.fixes = Some(vec![sarif::Fix::builder()
            .description(sarif::Message::builder().text(description).build())
            .artifact_changes(vec![sarif::ArtifactChange::builder()
                .artifact_location(artifact(&f.path))
                .replacements(f.edits.iter().map(replacement).collect::<Vec<_>>())
                .build()])
            .build()]);
    }
    result
}

/// The SARIF log of a run (pretty-printed, with a final newline). `root`
/// is the directory `%SRCROOT%` stands for (the working directory).
pub fn render(run: &RunRecord, root: &Path) -> String {
    let rules: Vec<sarif::ReportingDescriptor> = codemods::CATALOGUE.iter().map(rule).collect();
    let rule_index = |id: &str| codemods::CATALOGUE.iter().position(|e| e.meta.id == id);
    let driver = sarif::ToolComponent::builder()
        .name("auditfix")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let results: Vec<sarif::Result> = run
        .findings
        .iter()
        .map(|f| result(f, rule_index(f.codemod)))
        .collect();
    let mut root_uri = format!("file://{}", percent(&root.to_string_lossy()));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let notifications: Vec<sarif::Notification> = run
        .errors
        .iter()
        .map(|e| {
            sarif::Notification::builder()
                .message(sarif::Message::builder().text(e.message.clone()).build())
                .level(json!("error"))
                .locations(vec![sarif::Location::builder()
                    .physical_location(
                        sarif::PhysicalLocation::builder()
                            .artifact_location(artifact(&e.path))
                            .build(),
                    )
                    .build()])
                .build()
        })
        .collect();
    let invocation = sarif::Invocation::builder()
        .execution_successful(run.errors.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let sarif_run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(BTreeMap::from([(
            SRCROOT.to_owned(),
            sarif::ArtifactLocation::builder().uri(root_uri).build(),
        )]))
        .build();
    let log = sarif::Sarif::builder()
        .version(json!("2.1.0"))
        .schema(sarif::SCHEMA_URL)
        .runs(vec![sarif_run])
        .build();
    let mut out = serde_json::to_string_pretty(&log).expect("plain data serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_sections_and_uris() {
        let doc = "# x\n\n## What it does\nFinds x.\n\n## Why\nBecause.\n";
        assert_eq!(
            super::super::doc_section(doc, "## What it does").as_deref(),
            Some("Finds x.")
        );
        assert_eq!(
            super::super::doc_section(doc, "## Why").as_deref(),
            Some("Because.")
        );
        assert_eq!(super::super::doc_section(doc, "## Nope"), None);
        assert_eq!(percent("a b/ü.py"), "a%20b/%C3%BC.py");
    }
}
