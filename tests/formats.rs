//! `check --format json|sarif|github|gitlab` on copies of `examples/`:
//! JSON against auditfix's own schema, SARIF against the official SARIF
//! 2.1.0 schema (`tests/data/sarif-schema-2.1.0.json`, copied from
//! `../shared/schemas/`) and what GitHub code scanning needs, the
//! annotations' syntax, the GitLab report's fields, and that every format
//! reports the same findings as the text lines.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{auditfix, copy_dir, manifest_dir, write_files};

fn workspace() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &manifest_dir().join("examples"),
        &dir.path().join("examples"),
    );
    // A BOM and non-ASCII text before a finding: columns count code points.
    let extra: [(&str, &[u8]); 1] = [(
        "examples/edge/unicode.py",
        "\u{feff}import sqlite3\n\n\ndef first(conn):\n    label = \"größe\"; row = conn.execute(\"SELECT n FROM t\").fetchone()[0]\n    return label, row\n".as_bytes(),
    )];
    write_files(dir.path(), &extra);
    dir
}

fn check(dir: &Path, format: &str) -> (i32, String, String) {
    let run = auditfix(dir, &["check", "--format", format, "examples"]);
    (run.code, run.stdout, run.stderr)
}

fn text_lines(dir: &Path) -> Vec<String> {
    let run = auditfix(dir, &["check", "examples"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stdout.lines().map(str::to_owned).collect()
}

fn validator(schema_path: &Path) -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Byte offset of a 1-based line and code-point column in `text`.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let rest = &text[start..];
    rest.char_indices()
        .nth(column as usize - 1)
        .map_or(rest.len(), |(i, _)| i)
        + start
}

fn read_decoded(dir: &Path, path: &str) -> String {
    let text = std::fs::read_to_string(dir.join(path)).unwrap();
    text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned()
}

#[test]
fn json_matches_its_schema_and_the_text_output() {
    let dir = workspace();
    let (code, stdout, stderr) = check(dir.path(), "json");
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let schema = validator(&manifest_dir().join("src/output/findings.schema.json"));
    assert_eq!(errors(&schema, &doc), Vec::<String>::new());

    // The same findings as the text lines, in the same order.
    let findings = doc["findings"].as_array().unwrap();
    let lines = text_lines(dir.path());
    assert_eq!(findings.len(), lines.len());
    for (finding, line) in findings.iter().zip(&lines) {
        let head = format!(
            "{}:{}:{}: {} {}",
            finding["path"].as_str().unwrap(),
            finding["start"]["line"],
            finding["start"]["column"],
            finding["codemod"].as_str().unwrap(),
            finding["message"].as_str().unwrap()
        );
        // The reason is the text line's own, or the codemod's.
        let applicability = finding["fix"]["applicability"].as_str().unwrap();
        match finding["fix"]["reason"].as_str() {
            None => assert_eq!(applicability, "safe", "{finding}"),
            Some(reason) => {
                let kind = if applicability == "unsafe" {
                    "unsafe fix"
                } else {
                    "no automatic fix"
                };
                assert!(
                    *line == head || *line == format!("{head} ({kind}: {reason})"),
                    "{line}\n{finding}"
                );
                continue;
            }
        }
        assert_eq!(&head, line);
    }

    // The summary adds up and is the text summary's.
    let s = &doc["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        n("findings"),
        n("fixed") + n("unsafe_pending") + n("manual")
    );
    assert_eq!(n("findings") as usize, findings.len());
    assert!(
        stderr.contains(&format!("{} findings in all", n("findings")))
            && stderr.contains(&format!(
                "would fix {} in {} files",
                n("fixed"),
                n("files_changed")
            )),
        "{stderr}"
    );
    for (key, resolution) in [("fixed", "fixed"), ("unsafe_pending", "unsafe-fix-pending")] {
        let count = findings
            .iter()
            .filter(|f| f["resolution"] == resolution)
            .count();
        assert_eq!(count as u64, n(key), "{key}");
    }

    // Every place is where its byte offset is, and edits are real.
    let mut with_edits = 0;
    for finding in findings {
        let text = read_decoded(dir.path(), finding["path"].as_str().unwrap());
        let mut places = vec![&finding["start"], &finding["end"]];
        for edit in finding["fix"]["edits"].as_array().unwrap() {
            places.push(&edit["start"]);
            places.push(&edit["end"]);
            with_edits += 1;
        }
        for place in places {
            let at = offset(
                &text,
                place["line"].as_u64().unwrap(),
                place["column"].as_u64().unwrap(),
            );
            assert_eq!(at as u64, place["byte"].as_u64().unwrap(), "{finding}");
        }
        if finding["fix"]["applicability"] == "report-only" {
            assert!(finding["fix"]["edits"].as_array().unwrap().is_empty());
            assert!(finding["fix"]["reason"].is_string(), "{finding}");
        }
    }
    assert!(with_edits > 50, "{with_edits}");
    let unicode = findings
        .iter()
        .find(|f| f["path"] == "examples/edge/unicode.py")
        .expect("the BOM file's finding");
    assert_eq!(unicode["start"]["line"], 5);

    // The schema is strict enough to fail.
    let mut broken = doc.clone();
    broken["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("fingerprint");
    broken["findings"][1]["fix"]["applicability"] = Value::from("maybe");
    assert_eq!(
        errors(&schema, &broken).len(),
        2,
        "{:?}",
        errors(&schema, &broken)
    );
}

#[test]
fn sarif_is_valid_and_what_code_scanning_reads() {
    let dir = workspace();
    let (code, stdout, stderr) = check(dir.path(), "sarif");
    assert_eq!(code, 1, "{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap();
    let schema = validator(&manifest_dir().join("tests/data/sarif-schema-2.1.0.json"));
    assert_eq!(errors(&schema, &log), Vec::<String>::new());
    assert_eq!(log["version"], "2.1.0");

    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run per tool");
    let run = &runs[0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let listed = auditfix(dir.path(), &["list"]).stdout;
    assert_eq!(rules.len(), listed.lines().count() - 1);
    for rule in rules {
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why"),
            "{rule}"
        );
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["properties"]["priority"]
            .as_str()
            .unwrap()
            .starts_with('P'));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), text_lines(dir.path()).len());
    let mut fixes = 0;
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("examples/"), "{uri}");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert_eq!(
            result["partialFingerprints"]["auditfixFindingHash/v1"]
                .as_str()
                .unwrap()
                .len(),
            40
        );
        let applicability = result["properties"]["applicability"].as_str().unwrap();
        match result.get("fixes") {
            Some(list) => {
                assert_ne!(applicability, "report-only");
                fixes += 1;
                // Applying the replacements (last first) changes the file.
                let path = uri.replace("%20", " ");
                let text = read_decoded(dir.path(), &path);
                let mut fixed = text.clone();
                let change = &list[0]["artifactChanges"][0];
                assert_eq!(change["artifactLocation"]["uri"], uri);
                let mut spans: Vec<(usize, usize, String)> = change["replacements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let d = &r["deletedRegion"];
                        let p = |l: &str, c: &str| {
                            offset(&text, d[l].as_u64().unwrap(), d[c].as_u64().unwrap())
                        };
                        (
                            p("startLine", "startColumn"),
                            p("endLine", "endColumn"),
                            r["insertedContent"]["text"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                spans.sort();
                for (start, end, content) in spans.into_iter().rev() {
                    fixed.replace_range(start..end, &content);
                }
                assert_ne!(fixed, text, "{result}");
            }
            None => assert!(
                applicability == "report-only" || result["properties"]["resolution"] != "fixed",
                "{result}"
            ),
        }
    }
    assert!(fixes > 40, "{fixes}");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file:///"));

    // A log that breaks the schema is caught.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!errors(&schema, &broken).is_empty());
}

#[test]
fn fingerprints_survive_lines_added_above() {
    let dir = workspace();
    let path = "examples/guildkeeper/guildkeeper/cleanup.py";
    let prints = |dir: &Path| -> BTreeSet<(String, u64)> {
        let doc: Value = serde_json::from_str(&check(dir, "json").1).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_owned(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = prints(dir.path());
    assert!(before.len() > 5);
    let file = dir.path().join(path);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# a note\n# another\n\n{text}")).unwrap();
    let after = prints(dir.path());
    let ids =
        |s: &BTreeSet<(String, u64)>| s.iter().map(|(f, _)| f.clone()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&before), ids(&after));
    let lines = |s: &BTreeSet<(String, u64)>| s.iter().map(|(_, l)| *l).collect::<BTreeSet<_>>();
    assert_eq!(
        lines(&after),
        lines(&before).iter().map(|l| l + 3).collect()
    );
}

#[test]
fn github_annotations_and_gitlab_code_quality() {
    let dir = workspace();
    let count = text_lines(dir.path()).len();
    let (code, stdout, _) = check(dir.path(), "github");
    assert_eq!(code, 1);
    let pattern = regex_lite(&stdout);
    assert_eq!(pattern, count);

    let (code, stdout, _) = check(dir.path(), "gitlab");
    assert_eq!(code, 1);
    let issues: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(issues.len(), count);
    let mut fingerprints = BTreeSet::new();
    for issue in &issues {
        assert!(issue["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(issue["check_name"].is_string());
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
        assert!(issue["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("examples/"));
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned());
    }
    assert_eq!(fingerprints.len(), count, "fingerprints are unique");
}

/// Checks every line is a workflow command of the expected shape and
/// returns how many there are.
fn regex_lite(stdout: &str) -> usize {
    for line in stdout.lines() {
        let (head, message) = line[2..]
            .split_once("::")
            .unwrap_or_else(|| panic!("{line}"));
        let (level, properties) = head.split_once(' ').unwrap();
        assert!(line.starts_with("::"), "{line}");
        assert!(["error", "warning", "notice"].contains(&level), "{line}");
        let keys: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').unwrap().0)
            .collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"],
            "{line}"
        );
        assert!(!message.is_empty() && !message.contains('\n'));
    }
    stdout.lines().count()
}

#[test]
fn output_file_and_a_clean_tree() {
    let dir = workspace();
    let run = auditfix(
        dir.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "examples",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());

    // What the codemods left alone is counted, suppressions among it.
    write_files(
        dir.path(),
        &[(
            "examples/edge/ignored.py",
            b"def f():\n    try:\n        g()\n    except:  # auditfix: ignore[bare-except]\n        pass\n",
        )],
    );
    let doc: Value = serde_json::from_str(&check(dir.path(), "json").1).unwrap();
    let left_alone = doc["left_alone"].as_array().unwrap();
    let count = |codemod: &str, reason: &str| {
        left_alone
            .iter()
            .find(|e| e["codemod"] == codemod && e["reason"] == reason)
            .map(|e| e["count"].as_u64().unwrap())
    };
    assert_eq!(
        count("bare-except", "suppressed by `# auditfix: ignore`"),
        Some(1),
        "{left_alone:?}"
    );
    assert_eq!(
        count("subprocess-shell", "marked `# nosec`"),
        Some(1),
        "{left_alone:?}"
    );
    assert!(count(
        "fetchone-null-guard",
        "the query always returns a row (an aggregate, a PRAGMA, no FROM)"
    )
    .is_some_and(|n| n >= 5));

    let clean = tempfile::tempdir().unwrap();
    write_files(clean.path(), &[("ok.py", b"x = 1\n")]);
    let run = auditfix(clean.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["summary"]["files"], 1);
    let schema = validator(&manifest_dir().join("src/output/findings.schema.json"));
    assert_eq!(errors(&schema, &doc), Vec::<String>::new());

    let run = auditfix(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--output",
            "no/such/dir/out.json",
            "examples",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot write no/such/dir/out.json"),
        "{}",
        run.stderr
    );
}
