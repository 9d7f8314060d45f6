//! Throughput of the per-file pipeline, `cargo bench --bench pipeline`.
//!
//! Corpus: every `.py` file under `examples/` (or the directory given in
//! `AUDITFIX_BENCH_DIR`), repeated until it reaches about 20 MB. Measures,
//! single-threaded, the best of five runs of:
//! - `parse`: tree-sitter parsing alone (the floor);
//! - `walk`: parsing plus one cursor walk over every node (no codemod);
//! - `pipeline`: the whole per-file pipeline with every codemod enabled
//!   (trigger scan, parse, one dispatching traversal, fixes, re-parse);
//! - `no-skip`: the same with trigger scanning off, so that every file is
//!   parsed and walked by every codemod (the worst case of one traversal).
//!
//! The interesting number is pipeline / parse: the cost of matching and
//! fixing on top of the parse that any tool must pay.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use auditfix::codemod::Engine;
use auditfix::codemods::CATALOGUE;
use auditfix::driver::{process, FixPolicy};

fn corpus() -> Vec<(PathBuf, String)> {
    let root = std::env::var_os("AUDITFIX_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"));
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("bench corpus directory") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    files.push((path, text));
                }
            }
        }
    }
    files.sort();
    let size: usize = files.iter().map(|(_, t)| t.len()).sum();
    assert!(size > 0, "empty bench corpus");
    let copies = (20_000_000 / size).max(1);
    let mut corpus = Vec::new();
    for _ in 0..copies {
        corpus.extend(files.iter().cloned());
    }
    corpus
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let corpus = corpus();
    let bytes: usize = corpus.iter().map(|(_, t)| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    let codemods: Vec<_> = CATALOGUE
        .iter()
        .map(|e| e.build(&toml::Table::new()).unwrap())
        .collect();
    let engine = Engine::new(codemods.clone());
    let untriggered = Engine::new(codemods).without_triggers();
    let policy = FixPolicy::new(true);

    let parse = best_of(5, || {
        for (_, text) in &corpus {
            std::hint::black_box(auditfix::parse::parse(text));
        }
    });
    let walk = best_of(5, || {
        for (_, text) in &corpus {
            let tree = auditfix::parse::parse(text);
            let mut count = 0usize;
            auditfix::python::walk_descendants(tree.root_node(), |_| {
                count += 1;
                true
            });
            std::hint::black_box(count);
        }
    });
    let mut findings = 0;
    let pipeline = best_of(5, || {
        findings = 0;
        for (path, text) in &corpus {
            let outcome = process(path, text.as_bytes(), &engine, policy);
            findings += outcome.findings.len();
        }
    });
    let all_parsed = best_of(5, || {
        for (path, text) in &corpus {
            std::hint::black_box(process(path, text.as_bytes(), &untriggered, policy));
        }
    });
    println!(
        "corpus: {} files, {mb:.1} MB, {findings} findings",
        corpus.len()
    );
    for (name, time) in [
        ("parse", parse),
        ("walk", walk),
        ("pipeline", pipeline),
        ("no-skip", all_parsed),
    ] {
        println!(
            "{name:<9} {:>8.1} ms  {:>6.1} MB/s  {:.2}x parse",
            time.as_secs_f64() * 1e3,
            mb / time.as_secs_f64(),
            time.as_secs_f64() / parse.as_secs_f64()
        );
    }
}
