//! Replays every file of `fuzz/regressions/` — inputs the fuzzers found and
//! hand-made hostile files — through the invariants the fuzz targets check
//! (`auditfix::invariants`), under every path, option set and fix policy,
//! on the stable toolchain and without a fuzzer.
//!
//! When python3 is available, it also checks the promise the fuzzers cannot
//! afford to check per input: if CPython compiles the original, it compiles
//! the fixed text. `AUDITFIX_REPLAY_DIR=DIR` adds the files of DIR (e.g. a
//! fuzzer's corpus of Python inputs) to the replay.

use std::path::{Path, PathBuf};
use std::process::Command;

use auditfix::driver::FixPolicy;
use auditfix::invariants;

fn inputs() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")];
    dirs.extend(std::env::var_os("AUDITFIX_REPLAY_DIR").map(PathBuf::from));
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn regression_inputs_keep_the_pipeline_invariants() {
    let engines = [invariants::engine(false), invariants::engine(true)];
    let files = inputs();
    assert!(files.len() >= 10, "regression inputs missing: {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        // The engines are read-only: nothing is left half-updated by a panic.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            invariants::check_all(&bytes, &engines)
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(violation)) => failures.push(format!("{}: {violation}", file.display())),
            Err(_) => failures.push(format!("{}: panicked", file.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fixed_text_compiles_when_the_original_does() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not found: compile check skipped");
        return;
    }
    let engines = [invariants::engine(false), invariants::engine(true)];
    let dir = tempfile::tempdir().unwrap();
    let mut pairs = Vec::new();
    for file in inputs() {
        let bytes = std::fs::read(&file).unwrap();
        for (alternative, engine) in engines.iter().enumerate() {
            for unsafe_fixes in [false, true] {
                let policy = FixPolicy::new(unsafe_fixes);
                let path = Path::new(invariants::PATHS[0]);
                let Ok(outcome) = invariants::check(path, &bytes, engine, policy) else {
                    continue; // the other test reports it
                };
                let Some(fixed) = outcome.fixed else {
                    continue;
                };
                let n = pairs.len();
                let before = dir.path().join(format!("{n}_before.py"));
                let after = dir.path().join(format!("{n}_after.py"));
                std::fs::write(&before, &bytes).unwrap();
                std::fs::write(&after, fixed).unwrap();
                let settings = format!("alternative {alternative}, unsafe {unsafe_fixes}");
                pairs.push((file.clone(), settings, before, after));
            }
        }
    }
    if pairs.is_empty() {
        return;
    }
    // One interpreter for all files: prints the paths that do not compile.
    let script = "import sys\nfor p in sys.argv[1:]:\n    try:\n        compile(open(p, 'rb').read(), p, 'exec')\n    except (SyntaxError, ValueError):\n        print(p)\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(pairs.iter().flat_map(|(_, _, b, a)| [b, a]))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failed: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect();
    let broken: Vec<String> = pairs
        .iter()
        .filter(|(_, _, before, after)| failed.contains(after) && !failed.contains(before))
        .map(|(file, settings, _, after)| {
            let text = std::fs::read_to_string(after).unwrap();
            format!(
                "{} ({settings}): fixed text does not compile:\n{text}",
                file.display()
            )
        })
        .collect();
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
}
