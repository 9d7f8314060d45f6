//! Every example file, run through every codemod (unsafe fixes included),
//! is an insta snapshot of its findings and diff: a change in what
//! auditfix does to the example projects shows up in review. The same run
//! checks that the fixed file re-parses, compiles and is a fixpoint.

use std::path::{Path, PathBuf};

mod common;

use auditfix::codemod::Engine;
use auditfix::codemods::CATALOGUE;
use auditfix::driver::{process, FixPolicy};

fn example_files() -> Vec<PathBuf> {
    let pattern = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/**/*.py");
    let mut files: Vec<PathBuf> = glob::glob(pattern).unwrap().map(Result::unwrap).collect();
    files.sort();
    assert!(files.len() > 5, "examples/ has too few Python files");
    files
}

#[test]
fn every_example_file_is_snapshotted_compiles_and_converges() {
    let engine = Engine::new(
        CATALOGUE
            .iter()
            .map(|e| e.build(&toml::Table::new()).unwrap())
            .collect(),
    );
    let policy = FixPolicy::new(true);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for path in example_files() {
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).unwrap();
        let outcome = process(Path::new(&relative), &bytes, &engine, policy);
        assert!(outcome.error.is_none(), "{relative}: {:?}", outcome.error);
        assert!(outcome.notes.is_empty(), "{relative}: {:?}", outcome.notes);
        let original = String::from_utf8(bytes).unwrap();
        let fixed = outcome.fixed.clone().unwrap_or_else(|| original.clone());
        let again = process(Path::new(&relative), fixed.as_bytes(), &engine, policy);
        assert!(
            again.fixed.is_none(),
            "{relative}: a second run changes it again"
        );

        common::assert_compiles(&fixed, &relative);

        let report = common::snapshot_report(&outcome.findings, &relative, &original, &fixed);
        let name = format!(
            "example__{}",
            relative.trim_start_matches("examples/").replace('/', "__")
        );
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, report);
        });
    }
}
