//! Helpers shared by the integration tests (each test binary uses some).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use auditfix::codemod::Finding;
use auditfix::diff::{file_diff, Style};

/// What a snapshot holds for one file: the findings, one per line, then the
/// diff from `original` to `fixed`.
pub fn snapshot_report(findings: &[Finding], name: &str, original: &str, fixed: &str) -> String {
    let mut report = String::new();
    for f in findings {
        report.push_str(&format!(
            "{}:{} {} [{}] {}\n",
            f.location.line,
            f.location.column,
            f.codemod,
            f.applicability(),
            f.message
        ));
    }
    report.push_str("---\n");
    report.push_str(&file_diff(name, original, fixed, Style::Plain));
    report
}

/// `python3 -m py_compile` of `text`, written to a scratch file.
pub fn assert_compiles(text: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.py");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&path)
        .env("PYTHONPYCACHEPREFIX", dir.path().join("pycache"))
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "{name}: fixed output does not compile:\n{}\n---\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run a Python driver script with `dir` as its argument; it prints
/// `case=outcome` lines, returned as a map.
pub fn drive_python(script: &Path, dir: &Path) -> BTreeMap<String, String> {
    let output = Command::new("python3")
        .arg(script)
        .arg(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 must be installed");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "driver {} failed:\n{stdout}{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
