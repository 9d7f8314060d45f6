//! One glob-driven test over `tests/fixtures/<snake_id>[_case].py`.
//!
//! For each fixture, with only its codemod enabled (unsafe fixes applied,
//! so every fix the codemod can make is exercised):
//! - findings land exactly on the lines marked `# CHANGE`, never on `# OK`;
//! - the fixpoint converges, the output re-parses without errors, compiles
//!   with `python3 -m py_compile`, and a second run changes nothing;
//! - the findings and the diff are an insta snapshot in `snapshots/`.
//!
//! A fixture may start with `# option: key = value` lines (TOML) that set
//! the codemod's options.

use std::path::{Path, PathBuf};

mod common;

use auditfix::codemod::Engine;
use auditfix::codemods::CATALOGUE;
use auditfix::driver::{process, FixPolicy};

fn fixtures() -> Vec<PathBuf> {
    let pattern = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/*.py");
    let mut files: Vec<PathBuf> = glob::glob(pattern).unwrap().map(Result::unwrap).collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures found");
    files
}

/// The catalogue entry a fixture belongs to: the longest snake-case id
/// that prefixes its stem.
fn entry_for(stem: &str) -> &'static auditfix::codemods::Entry {
    CATALOGUE
        .iter()
        .filter(|e| {
            let snake = e.meta.id.replace('-', "_");
            stem == snake || stem.starts_with(&format!("{snake}_"))
        })
        .max_by_key(|e| e.meta.id.len())
        .unwrap_or_else(|| panic!("fixture {stem}.py names no codemod"))
}

fn options(text: &str) -> toml::Table {
    let lines: String = text
        .lines()
        .map_while(|l| l.strip_prefix("# option: "))
        .map(|l| format!("{l}\n"))
        .collect();
    lines.parse().expect("bad `# option:` line")
}

/// Line numbers (1-based) whose trailing comment ends with `marker`.
fn marked(text: &str, marker: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(marker))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn fixtures_find_marked_lines_fix_compile_and_converge() {
    let policy = FixPolicy::new(true);
    for path in fixtures() {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let name = format!("{stem}.py");
        let text = std::fs::read_to_string(&path).unwrap();
        let entry = entry_for(&stem);
        let engine = Engine::new(vec![entry.build(&options(&text)).unwrap()]);
        let outcome = process(Path::new(&name), text.as_bytes(), &engine, policy);
        assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
        assert!(outcome.notes.is_empty(), "{name}: {:?}", outcome.notes);

        let mut found: Vec<usize> = outcome.findings.iter().map(|f| f.location.line).collect();
        found.dedup();
        let expected = marked(&text, "# CHANGE");
        assert!(!expected.is_empty(), "{name}: no `# CHANGE` line");
        assert_eq!(
            found, expected,
            "{name}: findings on lines {found:?}, `# CHANGE` on {expected:?}"
        );
        for ok in marked(&text, "# OK") {
            assert!(
                !found.contains(&ok),
                "{name}:{ok}: finding on an `# OK` line"
            );
        }

        let fixed = outcome.fixed.clone().unwrap_or_else(|| text.clone());
        let tree = auditfix::parse::parse(&fixed);
        assert!(
            !tree.root_node().has_error(),
            "{name}: fixed output does not parse:\n{fixed}"
        );
        common::assert_compiles(&fixed, &name);
        let again = process(Path::new(&name), fixed.as_bytes(), &engine, policy);
        assert!(
            again.fixed.is_none(),
            "{name}: second run changed the file again"
        );

        let report = common::snapshot_report(&outcome.findings, &name, &text, &fixed);
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(stem.as_str(), report);
        });
    }
}

/// The `## Example` of every codemod's documentation is true: its first
/// Python block, fixed (unsafe fixes included), is its second block (the
/// same code for a report-only codemod).
#[test]
fn documented_examples_are_what_the_codemods_do() {
    for entry in CATALOGUE {
        let doc = entry.doc();
        let example = doc.split("## Example").nth(1).expect("doc has ## Example");
        let blocks: Vec<&str> = example
            .split("```python\n")
            .skip(1)
            .map(|b| b.split("```").next().unwrap())
            .collect();
        assert!(
            blocks.len() >= 2,
            "{}: example needs a before and an after block",
            entry.meta.id
        );
        let engine = Engine::new(vec![entry.build(&toml::Table::new()).unwrap()]);
        let outcome = process(
            Path::new("example.py"),
            blocks[0].as_bytes(),
            &engine,
            FixPolicy::new(true),
        );
        assert!(
            !outcome.findings.is_empty(),
            "{}: the documented example has no finding",
            entry.meta.id
        );
        // A report-only codemod documents code that stays as it is.
        assert_eq!(
            outcome.fixed.as_deref().unwrap_or(blocks[0]),
            blocks[1],
            "{}: the documented example is not what the fix produces",
            entry.meta.id
        );
    }
}

/// Long expression chains nest as deep as they are long: every codemod
/// must get through one just under the engine's depth limit (no recursion
/// that overflows, no blow-up), and one past it is skipped with a reason.
#[test]
fn long_chains_neither_crash_nor_hang_any_codemod() {
    let engine = Engine::new(
        CATALOGUE
            .iter()
            .map(|e| e.build(&toml::Table::new()).unwrap())
            .collect(),
    );
    let policy = FixPolicy::new(true);
    let file = |terms: usize| {
        let chain = vec!["\"SELECT a FROM t WHERE x = \" + v"; terms].join(" + ");
        format!(
            "import os, json, yaml, subprocess, requests\n\
             def f(cur, v):\n    q = {chain}\n    cur.execute(q)\n    row = cur.fetchone()[0]\n\
             \x20   print(json.loads(q), yaml.load(q), os.getenv(\"SECRET_KEY\", \"x\"))\n\
             \x20   subprocess.run(\"ls -l\", shell=True)\n    requests.get(q)\n    return row\n"
        )
    };
    let start = std::time::Instant::now();
    let near = process(Path::new("near.py"), file(200).as_bytes(), &engine, policy);
    assert!(near.error.is_none(), "{:?}", near.error);
    assert!(near.findings.len() >= 5, "{:?}", near.findings);
    // A hang guard, not a benchmark: about 9 s in a debug build on a busy
    // machine; before the depth guard such input took minutes.
    assert!(
        start.elapsed().as_secs() < 120,
        "took {:?}",
        start.elapsed()
    );
    let past = process(Path::new("past.py"), file(2000).as_bytes(), &engine, policy);
    assert!(matches!(
        past.error,
        Some(auditfix::driver::FileError::TooDeep)
    ));
}
