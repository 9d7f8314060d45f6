//! End to end: `sql-fstring-parameterize` really stops SQL injection.
//!
//! `tests/e2e/notes_search.py` builds its queries with an f-string, `+`,
//! `%` and `.format()`. A driver runs each query against an in-memory
//! sqlite3 database with an ordinary value and with an injection payload
//! (`x' OR '1'='1` and friends), before and after `auditfix fix
//! --unsafe-fixes --write`: before, the payload returns every row; after,
//! it returns none, while ordinary values give the same rows — and a name
//! with a quote (`O'Brien`), which broke the old query, now works.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the driver; case → outcome.
fn drive(module_dir: &Path) -> BTreeMap<String, String> {
    common::drive_python(
        &manifest_dir().join("tests/e2e/drive_notes_search.py"),
        module_dir,
    )
}

#[test]
fn bound_parameters_stop_the_injection() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("notes_search.py");
    std::fs::copy(manifest_dir().join("tests/e2e/notes_search.py"), &module).unwrap();

    let before = drive(tmp.path());
    assert_eq!(before["title"], "ok: [1]");
    assert_eq!(before["title_quote"], "OperationalError", "{before:?}");
    assert_eq!(
        before["title_payload"], "ok: [1, 2, 3]",
        "injection works before"
    );
    assert_eq!(before["search"], "ok: [2]");
    assert_eq!(before["search_payload"], "ok: [1, 2, 3]", "{before:?}");
    assert_eq!(before["author"], "ok: [3]");
    assert_eq!(before["author_payload"], "ok: [1, 2, 3]", "{before:?}");
    assert_eq!(before["id"], "ok: [3]");
    assert_eq!(before["id_payload"], "ok: [1, 2, 3]", "{before:?}");

    let out = Command::cargo_bin("auditfix")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "fix",
            "--select",
            "sql-fstring-parameterize",
            "--unsafe-fixes",
            "--write",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = std::fs::read_to_string(&module).unwrap();
    for expected in [
        r#"conn.execute("SELECT id FROM notes WHERE title = ? ORDER BY id", (title,))"#,
        r#"conn.execute("SELECT id FROM notes WHERE body LIKE ? ORDER BY id", (f"%{term}%",))"#,
        r#"sql = "SELECT id FROM notes WHERE author = ? ORDER BY id LIMIT ?""#,
        r#"conn.execute(sql, (author, limit))"#,
        r#"conn.execute("SELECT id FROM notes WHERE id = ? ORDER BY id", (note_id,))"#,
    ] {
        assert!(
            fixed.contains(expected),
            "missing `{expected}` in:\n{fixed}"
        );
    }

    let after = drive(tmp.path());
    // Ordinary values: the same rows.
    for case in ["title", "search", "author", "id"] {
        assert_eq!(after[case], before[case], "{case}: {after:?}");
    }
    // A quote in a value is data now.
    assert_eq!(after["title_quote"], "ok: [2]");
    // The payloads are values: they match nothing.
    for case in [
        "title_payload",
        "search_payload",
        "author_payload",
        "id_payload",
    ] {
        assert_eq!(after[case], "ok: []", "{case}: {after:?}");
    }

    // A second run has nothing left to do.
    let again = Command::cargo_bin("auditfix")
        .unwrap()
        .current_dir(tmp.path())
        .args(["check", "--select", "sql-fstring-parameterize"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
}
