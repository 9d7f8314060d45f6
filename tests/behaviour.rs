//! End to end: fixed code behaves as the codemods promise.
//!
//! `tests/e2e/wipe.py` has a loop of DELETEs whose failures are only logged
//! and a handler that swallows errors. Run by `tests/e2e/drive_wipe.py`
//! before and after `auditfix fix --write`: a half-failed wipe now raises
//! one `RuntimeError` naming the failed table (after trying the others),
//! and the swallowed error now leaves a log record with its traceback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

fn e2e(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(name)
}

fn drive(dir: &Path) -> BTreeMap<String, String> {
    common::drive_python(&e2e("drive_wipe.py"), dir)
}

#[test]
fn half_failed_wipe_raises_and_swallowed_errors_leave_a_record() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("wipe.py");
    std::fs::copy(e2e("wipe.py"), &module).unwrap();

    let before = drive(tmp.path());
    assert_eq!(before["reset"], "returned", "{before:?}");
    assert_eq!(before["balances_after_reset"], "0");
    assert_eq!(before["refresh_records"], "0", "{before:?}");

    let out = Command::cargo_bin("auditfix")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "fix",
            "--select",
            "loop-failures-aggregate,silent-except",
            "--write",
            "wipe.py",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let fixed = std::fs::read_to_string(&module).unwrap();
    assert!(fixed.contains("raise RuntimeError("), "{fixed}");

    let after = drive(tmp.path());
    assert_eq!(after["reset"], "RuntimeError True", "{after:?}\n{fixed}");
    // The loop still tried every table: the one after the failure is empty.
    assert_eq!(after["balances_after_reset"], "0", "{after:?}");
    assert_eq!(after["refresh_records"], "1", "{after:?}\n{fixed}");
    assert_eq!(after["refresh_traceback"], "True", "{after:?}");
}
