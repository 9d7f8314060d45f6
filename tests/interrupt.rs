//! An interrupted `--write` stops between files: every file is either as it
//! was or completely fixed, no temp file is left, and the exit code says so.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

mod common;
use common::auditfix;

/// A module with many fixable findings, so each file takes a while.
fn module() -> String {
    let mut text = String::from("import json\n\n");
    for i in 0..40 {
        text.push_str(&format!(
            "def handler_{i}(raw):\n    try:\n        return json.loads(raw)\n    except Exception:\n        pass\n\n\n"
        ));
    }
    text
}

/// Start auditfix in `dir`, stderr captured, to be signalled.
fn spawn_auditfix(dir: &Path, args: &[&str]) -> Child {
    Command::new(cargo_bin("auditfix"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".auditfix"))
        .collect()
}

#[test]
fn interrupted_write_leaves_whole_files_and_no_temp_files() {
    let original = module();
    // The fully fixed text, from an uninterrupted run on one file.
    let reference = tempfile::tempdir().unwrap();
    std::fs::write(reference.path().join("one.py"), &original).unwrap();
    auditfix(reference.path(), &["fix", "--write", "."]).expect(0, "reference");
    let fixed = std::fs::read_to_string(reference.path().join("one.py")).unwrap();
    assert_ne!(fixed, original);

    let dir = tempfile::tempdir().unwrap();
    let count = 300;
    for i in 0..count {
        std::fs::write(dir.path().join(format!("m{i:03}.py")), &original).unwrap();
    }
    let child = spawn_auditfix(dir.path(), &["fix", "--write", "-j", "1", "."]);
    // Interrupt as soon as the first file has been written.
    let first = dir.path().join("m000.py");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&first).unwrap() == original {
        assert!(Instant::now() < deadline, "no file written within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");

    let (mut done, mut untouched) = (0, 0);
    for i in 0..count {
        let text = std::fs::read_to_string(dir.path().join(format!("m{i:03}.py"))).unwrap();
        if text == fixed {
            done += 1;
        } else {
            assert_eq!(text, original, "m{i:03}.py is neither original nor fixed");
            untouched += 1;
        }
    }
    assert!(
        done >= 1 && untouched >= 1,
        "done {done}, untouched {untouched}"
    );
    assert_eq!(temp_leftovers(dir.path()), Vec::<String>::new());
    // A rerun finishes the job.
    auditfix(dir.path(), &["fix", "--write", "."]).expect(0, "rerun");
    for i in 0..count {
        let text = std::fs::read_to_string(dir.path().join(format!("m{i:03}.py"))).unwrap();
        assert_eq!(text, fixed);
    }
}

#[test]
fn interrupted_patch_run_writes_no_patch() {
    let dir = tempfile::tempdir().unwrap();
    // Far more work than the 300 ms before the signal.
    for i in 0..1000 {
        std::fs::write(dir.path().join(format!("m{i:04}.py")), module()).unwrap();
    }
    let mut child = spawn_auditfix(dir.path(), &["fix", "--patch", "out.patch", "-j", "1", "."]);
    std::thread::sleep(Duration::from_millis(300));
    if child.try_wait().unwrap().is_none() {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(130),
        "finished before the signal? {stderr}"
    );
    assert!(!dir.path().join("out.patch").exists());
    assert_eq!(temp_leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_signal_while_a_big_file_is_processed_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Seconds of work in one file: no "between files" moment for a while.
    let mut source = String::new();
    for i in 0..20_000 {
        source.push_str(&format!(
            "def f{i}(cur):\n    cur.execute(\"SELECT a FROM t\")\n    return cur.fetchone()[0]\n\n\n"
        ));
    }
    std::fs::write(dir.path().join("big.py"), &source).unwrap();
    let child = spawn_auditfix(dir.path(), &["fix", "--write", "."]);
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "took {:?} to stop",
        sent.elapsed()
    );
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("big.py")).unwrap(),
        source
    );
    assert_eq!(temp_leftovers(dir.path()), Vec::<String>::new());
}
