//! End-to-end tests of the `auditfix` binary on temporary copies of
//! `examples/`: preview, patch, write, branch, check/list/explain, config,
//! per-file errors, style preservation, and the behaviour of fixed code.
//!
//! Every test works on its own temporary directory; nothing under the
//! repository is modified. External tools used: `git`, `patch`, `python3`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

mod common;
use common::{
    assert_python_compiles, assert_same_tree, auditfix, auditfix_cmd, changed_paths, copy_dir,
    diff_files, git, git_init_commit, manifest_dir, patch_p1, refs, repo_state, snapshot,
    write_files, Run,
};

const FETCHONE: &str = "fetchone-null-guard";
const BACKUP: &str = "backup-failure-raises";
const CORS: &str = "cors-restrict-headers";
const CONVERSION: &str = "unsafe-conversion";
const JSON_GUARD: &str = "json-loads-guard";
const SHELL: &str = "subprocess-shell";
const SQL: &str = "sql-fstring-parameterize";
const SECRET: &str = "insecure-default-secret";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/// A temporary directory holding a copy of `examples/` (as `examples/`).
fn workspace() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &manifest_dir().join("examples"),
        &dir.path().join("examples"),
    );
    dir
}

/// Extra files that stress the diff/patch/branch paths: a UTF-8 BOM, no
/// newline at end of file (LF and CRLF).
fn add_edge_files(root: &Path) {
    let files: [(&str, &str); 3] = [
        (
            "edge/bom.py",
            "\u{feff}import sqlite3\n\n\ndef first(conn):\n    cur = conn.execute(\"SELECT name FROM users WHERE id = 1\")\n    return cur.fetchone()[0]\n",
        ),
        (
            "edge/no_newline.py",
            "def first(cur):\n    return cur.fetchone()[0]",
        ),
        (
            "edge/no_newline_crlf.py",
            "def first(cur):\r\n    return cur.fetchone()[0]",
        ),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    write_files(root, &files);
}

/// The codemod ids, from `auditfix list`.
fn listed_ids() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let run = auditfix(dir.path(), &["list"]).expect(0, "list");
    run.stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// `path:line:col: id message`, as `^[^:]+:\d+:\d+: [a-z-]+ .+$`; returns the id.
fn parse_finding_line(line: &str) -> Option<&str> {
    let mut parts = line.splitn(4, ':');
    let path = parts.next()?;
    let row = parts.next()?;
    let col = parts.next()?;
    let rest = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if path.is_empty() || !digits(row) || !digits(col) {
        return None;
    }
    let rest = rest.strip_prefix(' ')?;
    let (id, message) = rest.split_once(' ')?;
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    (id_ok && !message.is_empty()).then_some(id)
}

/// The number N of "N findings in all" (or "1 finding in all").
fn findings_in_all(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.contains(" in all;"))
        .unwrap_or_else(|| panic!("no summary in stderr:\n{stderr}"));
    line.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in summary: {line}"))
}

const DB: &str = "examples/guildkeeper/guildkeeper/db.py";
const PG_STORE: &str = "examples/guildkeeper/guildkeeper/pg_store.py";
const LEGACY_FLASK: &str = "examples/shopfront-api/shopfront/legacy_flask.py";

// ---------------------------------------------------------------------------
// 1. preview
// ---------------------------------------------------------------------------

#[test]
fn preview_writes_nothing_and_shows_a_plain_diff() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);

    let run = auditfix(root, &["fix", "examples"]).expect(1, "preview with pending changes");
    assert_same_tree(&before, &snapshot(root), "preview must not write");

    assert!(run.stdout.contains("diff --git a/"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("diff --git a/{DB} b/{DB}")));
    assert!(run.stdout.contains(&format!("--- a/{DB}\n+++ b/{DB}\n")));
    assert!(run.stdout.contains("+++ b/"));
    assert!(run.stdout.contains("\n@@ -"));
    assert!(run.stdout.contains("\n+        if row is None:\n"));
    assert!(
        !run.stdout.contains('\x1b'),
        "piped preview must have no ANSI escapes"
    );
    assert!(findings_in_all(&run.stderr) > 0, "{}", run.stderr);
    assert!(run.stderr.contains("would fix"), "{}", run.stderr);
    assert!(run.stderr.contains("Nothing was written"), "{}", run.stderr);

    let colored = auditfix(root, &["fix", "--color", "always", "examples"]).expect(1, "color");
    assert!(
        colored.stdout.contains("\x1b["),
        "--color always: no escapes"
    );
    assert_same_tree(&before, &snapshot(root), "coloured preview must not write");

    let never = auditfix(root, &["fix", "--color", "never", "examples"]).expect(1, "never");
    assert_eq!(never.stdout, run.stdout);
}

// ---------------------------------------------------------------------------
// 2. patch
// ---------------------------------------------------------------------------

#[test]
fn patch_applies_with_git_apply_and_patch_p1_and_equals_write() {
    // Reference: --write on a plain copy.
    let written = workspace();
    add_edge_files(written.path());
    auditfix(written.path(), &["fix", "--write"]).expect(1, "write (unsafe/manual remain)");
    let expected = snapshot(written.path());
    for edge in [
        "edge/bom.py",
        "edge/no_newline.py",
        "edge/no_newline_crlf.py",
    ] {
        let text = String::from_utf8(expected[Path::new(edge)].clone()).unwrap();
        assert!(text.contains("if row is None:"), "{edge} not fixed");
    }

    // Patch from the root of a git repository.
    let repo = workspace();
    add_edge_files(repo.path());
    git_init_commit(repo.path());
    let before = snapshot(repo.path());
    let run = auditfix(repo.path(), &["fix", "--patch", "fix.patch"]).expect(1, "patch");
    let mut after = snapshot(repo.path());
    let patch = after
        .remove(Path::new("fix.patch"))
        .expect("fix.patch written");
    assert_same_tree(&before, &after, "--patch must only write the patch");
    assert!(run.stderr.contains("fix.patch"), "{}", run.stderr);
    let patch_text = String::from_utf8(patch.clone()).unwrap();
    assert!(patch_text.contains(&format!("diff --git a/{DB} b/{DB}")));

    git(repo.path(), &["apply", "--check", "fix.patch"]);
    git(repo.path(), &["apply", "fix.patch"]);
    let mut applied = snapshot(repo.path());
    applied.remove(Path::new("fix.patch"));
    assert_same_tree(&applied, &expected, "git apply result vs --write");
    let again = auditfix(repo.path(), &["fix", "--patch", "again.patch"]).expect(0, "no-op");
    assert!(!repo.path().join("again.patch").exists());
    assert!(
        again.stderr.contains("no patch written"),
        "{}",
        again.stderr
    );

    // The same patch with `patch -p1` on a copy that is not a repository.
    let plain = workspace();
    add_edge_files(plain.path());
    patch_p1(plain.path(), &repo.path().join("fix.patch"));
    assert_same_tree(&snapshot(plain.path()), &expected, "patch -p1 vs --write");
}

#[test]
fn patch_from_a_subdirectory_is_relative_to_the_repository_root() {
    let repo = workspace();
    git_init_commit(repo.path());
    let sub = repo.path().join("examples/guildkeeper");
    let patch_path = repo.path().join("sub.patch");
    auditfix(&sub, &["fix", "--patch", patch_path.to_str().unwrap()]).expect(1, "patch");
    let text = std::fs::read_to_string(&patch_path).unwrap();
    assert!(
        text.contains(&format!("diff --git a/{DB} b/{DB}")),
        "paths must be repository-relative:\n{text}"
    );
    git(repo.path(), &["apply", "--check", "sub.patch"]);
}

/// Outside any repository, files are named relative to the working
/// directory: `../` in the preview (never `a//tmp/...`), and a patch that
/// applies from the directory it names, also when the files lie outside
/// the working directory (`git apply` and `patch` refuse `..`).
#[test]
fn absolute_paths_outside_a_repository_are_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    assert!(
        git2::Repository::discover(&top).is_err(),
        "the temporary directory must not be inside a repository"
    );
    let module = b"def first(cur):\n    return cur.fetchone()[0]\n\n\nNAME = f\"shop\"\n";
    write_files(&top, &[("proj/pkg/m.py", module), ("work/w.py", module)]);
    let work = top.join("work");
    let outside = top.join("proj/pkg/m.py");
    let inside = work.join("w.py");
    let (outside_arg, inside_arg) = (outside.to_str().unwrap(), inside.to_str().unwrap());

    let run = auditfix(&work, &["fix", outside_arg, inside_arg]).expect(1, "preview");
    assert_eq!(
        diff_files(&run.stdout),
        BTreeSet::from(["../proj/pkg/m.py".to_owned(), "w.py".to_owned()]),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("a//"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("--- a/../proj/pkg/m.py\n+++ b/../proj/pkg/m.py\n"));

    // Reference: --write on a copy.
    let expected = tempfile::tempdir().unwrap();
    copy_dir(&top, expected.path());
    auditfix(
        &expected.path().join("work"),
        &["fix", "--write", "../proj", "w.py"],
    )
    .expect(0, "write the reference");
    let expected = snapshot(expected.path());

    // A file under the working directory: the patch applies from there.
    let patch = top.join("inside.patch");
    let run = auditfix(
        &work,
        &["fix", "--patch", patch.to_str().unwrap(), inside_arg],
    )
    .expect(1, "patch inside");
    let text = std::fs::read_to_string(&patch).unwrap();
    assert_eq!(
        diff_files(&text),
        BTreeSet::from(["w.py".to_owned()]),
        "{text}"
    );
    assert!(
        run.stderr
            .contains(&format!("apply it from {}", work.display())),
        "{}",
        run.stderr
    );
    assert!(
        text.contains(&format!("Apply from {}:", work.display())),
        "{text}"
    );
    git(&work, &["apply", "--check", patch.to_str().unwrap()]);

    // Files outside it too: from the directory that holds them all.
    let patch = top.join("both.patch");
    let run = auditfix(
        &work,
        &[
            "fix",
            "--patch",
            patch.to_str().unwrap(),
            outside_arg,
            inside_arg,
        ],
    )
    .expect(1, "patch outside");
    let text = std::fs::read_to_string(&patch).unwrap();
    assert_eq!(
        diff_files(&text),
        BTreeSet::from(["proj/pkg/m.py".to_owned(), "work/w.py".to_owned()]),
        "{text}"
    );
    assert!(
        run.stderr
            .contains(&format!("apply it from {} ", top.display())),
        "{}",
        run.stderr
    );
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&top, copy.path());
    patch_p1(copy.path(), &patch);
    let mut patched = snapshot(copy.path());
    patched.retain(|p, _| p.extension().is_some_and(|e| e == "py"));
    assert_same_tree(&patched, &expected, "patch -p1 vs --write");
    git(&top, &["apply", "--check", patch.to_str().unwrap()]);
    git(&top, &["apply", patch.to_str().unwrap()]);
    let mut applied = snapshot(&top);
    applied.retain(|p, _| p.extension().is_some_and(|e| e == "py"));
    assert_same_tree(&applied, &expected, "git apply vs --write");
}

#[test]
fn patch_with_nothing_to_fix_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.py"), "x = 1\n").unwrap();
    let run = auditfix(dir.path(), &["fix", "--patch", "out.patch"]).expect(0, "clean patch");
    assert!(!dir.path().join("out.patch").exists());
    assert!(run.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// 3. write, compile, idempotence
// ---------------------------------------------------------------------------

#[test]
fn write_compiles_and_is_idempotent() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);
    let run = auditfix(root, &["fix", "--write", "examples"]);
    // 1: report-only and unsafe findings remain.
    let run = run.expect(1, "write with unsafe/manual findings left");
    assert!(run.stderr.contains("Wrote "), "{}", run.stderr);
    let after = snapshot(root);
    let changed = changed_paths(&before, &after);
    assert!(changed.contains(Path::new(DB)), "{changed:?}");
    assert!(changed
        .iter()
        .all(|p| p.extension().is_some_and(|e| e == "py")));
    assert!(
        !changed.iter().any(|p| p.ends_with("app.py")),
        "unsafe CORS fixes must not be applied without --unsafe-fixes"
    );
    assert_python_compiles(root);

    // A new `os.path` use needs `import os`.
    for path in &changed {
        let text = String::from_utf8(after[path].clone()).unwrap();
        if text.contains("os.path.") {
            assert!(
                text.lines()
                    .any(|l| l == "import os" || l.starts_with("import os,")),
                "{path:?} uses os.path without importing os"
            );
        }
    }

    let again = auditfix(root, &["fix", "examples"]).expect(0, "preview after write");
    assert_eq!(again.stdout, "", "second run must have nothing to change");
    auditfix(root, &["fix", "--write", "examples"]).expect(1, "second write");
    assert_same_tree(&after, &snapshot(root), "second --write must be a no-op");
}

#[test]
fn write_with_unsafe_fixes_compiles_and_is_idempotent() {
    let ws = workspace();
    let root = ws.path();
    let safe = workspace();
    auditfix(safe.path(), &["fix", "--write"]).expect(1, "safe write");

    // 1: report-only findings remain (CORS: any origin with credentials;
    // unsafe conversions; JSON parsed in a `for` header; shell commands
    // that need a shell; SQL with names spliced in; a secret in a
    // configuration class).
    auditfix(root, &["fix", "--write", "--unsafe-fixes"]).expect(1, "unsafe write");
    let after = snapshot(root);
    let beyond_safe = changed_paths(&snapshot(safe.path()), &after);
    assert!(
        beyond_safe.contains(Path::new("examples/shopfront-api/shopfront/app.py")),
        "--unsafe-fixes must apply the CORS fixes: {beyond_safe:?}"
    );
    assert!(
        beyond_safe.contains(Path::new("examples/shopfront-api/shopfront/views.py")),
        "--unsafe-fixes must apply the print-to-logger fixes: {beyond_safe:?}"
    );
    assert!(
        !beyond_safe.contains(Path::new("examples/guildkeeper/scripts/reset_season.py")),
        "a script's prints stay"
    );
    assert_python_compiles(root);

    let again = auditfix(root, &["fix", "--unsafe-fixes"]).expect(0, "preview after write");
    assert_eq!(again.stdout, "");
    let check = auditfix(root, &["check"]).expect(1, "report-only finding remains");
    let ids: BTreeSet<_> = check
        .stdout
        .lines()
        .filter_map(parse_finding_line)
        .collect();
    let ids: BTreeSet<_> = ids.into_iter().collect();
    assert_eq!(
        ids,
        BTreeSet::from([CORS, CONVERSION, JSON_GUARD, SHELL, SQL, SECRET]),
        "{}",
        check.stdout
    );
    assert_same_tree(&after, &snapshot(root), "preview/check must not write");
}

// ---------------------------------------------------------------------------
// 4. style
// ---------------------------------------------------------------------------

#[test]
fn write_keeps_crlf_tabs_and_bom() {
    let ws = workspace();
    let root = ws.path();
    let bom_file = root.join("bom.py");
    let bom_source = "\u{feff}import sqlite3\n\n\ndef first(conn):\n    cur = conn.execute(\"SELECT name FROM users WHERE id = 1\")\n    return cur.fetchone()[0]\n";
    std::fs::write(&bom_file, bom_source).unwrap();
    let before = snapshot(root);

    auditfix(root, &["fix", "--write"]).expect(1, "write");
    let after = snapshot(root);

    let crlf = &after[Path::new(LEGACY_FLASK)];
    assert_ne!(
        crlf,
        &before[Path::new(LEGACY_FLASK)],
        "CRLF file not fixed"
    );
    for (i, &b) in crlf.iter().enumerate() {
        if b == b'\n' {
            assert!(
                i > 0 && crlf[i - 1] == b'\r',
                "{LEGACY_FLASK}: bare LF at byte {i}"
            );
        }
    }

    let tabs = &after[Path::new(PG_STORE)];
    assert_ne!(tabs, &before[Path::new(PG_STORE)], "tab file not fixed");
    let tabs = String::from_utf8(tabs.clone()).unwrap();
    for (n, line) in tabs.lines().enumerate() {
        assert!(
            !line.starts_with(' '),
            "{PG_STORE}:{}: space indentation: {line:?}",
            n + 1
        );
    }
    assert!(tabs.contains("\n\t\t\tif row is None:\n\t\t\t\traise LookupError("));

    let bom = std::fs::read_to_string(&bom_file).unwrap();
    assert!(bom.starts_with('\u{feff}'), "BOM lost");
    assert!(!bom[3..].contains('\u{feff}'), "BOM duplicated");
    assert!(
        bom.contains("if row is None:"),
        "BOM file not fixed:\n{bom}"
    );
    assert!(!bom.contains('\r'));
}

// ---------------------------------------------------------------------------
// 5. branch
// ---------------------------------------------------------------------------

fn subjects(dir: &Path, range: &str) -> Vec<String> {
    git(dir, &["log", "--reverse", "--format=%s", range])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn branch_commits_per_codemod_without_touching_the_checkout() {
    let ws = workspace();
    let root = ws.path();
    add_edge_files(root);
    git_init_commit(root);

    // The codemods with safe fixes on the committed tree, in catalogue order.
    let expected_ids: Vec<String> = listed_ids()
        .into_iter()
        .filter(|id| {
            let run = auditfix(root, &["fix", "--select", id]);
            !run.stdout.is_empty()
        })
        .collect();
    assert!(
        expected_ids.contains(&FETCHONE.to_owned()),
        "{expected_ids:?}"
    );
    assert!(
        expected_ids.contains(&BACKUP.to_owned()),
        "{expected_ids:?}"
    );
    assert!(
        !expected_ids.contains(&CORS.to_owned()),
        "CORS fixes are unsafe"
    );

    // What --write produces from the committed files.
    let reference = workspace();
    add_edge_files(reference.path());
    auditfix(reference.path(), &["fix", "--write"]).expect(1, "reference write");
    let reference = snapshot(reference.path());

    // Local state that branch mode must ignore and leave alone.
    let db = root.join(DB);
    let mut modified = std::fs::read(&db).unwrap();
    modified.extend_from_slice(
        b"\n\ndef uncommitted_helper(conn):\n    return conn.execute(\"SELECT name FROM users WHERE id = 1\").fetchone()[0]\n",
    );
    std::fs::write(&db, &modified).unwrap();
    std::fs::write(
        root.join("scratch.py"),
        "def scratch(cur):\n    return cur.fetchone()[0]\n",
    )
    .unwrap();

    let state = repo_state(root);
    let refs_before = refs(root);
    let run = auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(0, "branch");
    assert!(run.stderr.contains("auditfix/fixes"), "{}", run.stderr);
    assert_eq!(
        repo_state(root),
        state,
        "HEAD, index or working tree changed"
    );
    let refs_after = refs(root);
    let added: Vec<_> = refs_after
        .iter()
        .filter(|r| !refs_before.contains(r))
        .collect();
    assert!(
        refs_before.iter().all(|r| refs_after.contains(r)),
        "a ref changed: {refs_before:?} -> {refs_after:?}"
    );
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].starts_with("refs/heads/auditfix/fixes "));

    // One commit per codemod with fixes, in order, on top of HEAD.
    let subjects = subjects(root, "main..auditfix/fixes");
    assert_eq!(subjects.len(), expected_ids.len(), "{subjects:?}");
    for (subject, id) in subjects.iter().zip(&expected_ids) {
        assert!(
            subject.starts_with(&format!("auditfix: {id}")),
            "{subject:?} should name {id}"
        );
    }
    let n = expected_ids.len();
    assert_eq!(
        git(root, &["rev-parse", &format!("auditfix/fixes~{n}")]),
        state.head
    );

    // The branch holds the committed files fixed: same as --write, without
    // the uncommitted edit or the untracked file.
    let listed = git(root, &["ls-tree", "-r", "--name-only", "auditfix/fixes"]);
    assert!(!listed.lines().any(|l| l == "scratch.py"), "{listed}");
    let tree: BTreeSet<&str> = listed.lines().collect();
    let reference_paths: BTreeSet<String> = reference
        .keys()
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        tree,
        reference_paths.iter().map(String::as_str).collect(),
        "branch tree file list"
    );

    let wt_parent = tempfile::tempdir().unwrap();
    let wt = wt_parent.path().join("fixes");
    git(
        root,
        &[
            "worktree",
            "add",
            "--detach",
            "-q",
            wt.to_str().unwrap(),
            "auditfix/fixes",
        ],
    );
    let checked_out = snapshot(&wt);
    assert!(!String::from_utf8_lossy(&checked_out[Path::new(DB)]).contains("uncommitted_helper"));
    assert_same_tree(&checked_out, &reference, "branch content vs --write");
    assert_python_compiles(&wt);

    // The fixed branch has nothing left to fix: no new branch.
    let run = auditfix(
        root,
        &[
            "fix",
            "--branch",
            "auditfix/again",
            "--base",
            "auditfix/fixes",
        ],
    )
    .expect(0, "nothing to fix");
    assert!(run.stderr.contains("Nothing to fix"), "{}", run.stderr);
    assert_eq!(refs(root).len(), refs_after.len(), "no branch created");
    assert_eq!(repo_state(root), state);
}

#[test]
fn branch_from_a_subdirectory_fixes_only_that_subtree() {
    let ws = workspace();
    let root = ws.path();
    git_init_commit(root);
    let sub = root.join("examples/guildkeeper");
    auditfix(&sub, &["fix", "--branch", "auditfix/guild"]).expect(0, "branch from subdir");
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/guild"]);
    let changed: Vec<&str> = changed.lines().collect();
    assert!(changed.contains(&DB), "{changed:?}");
    assert!(
        changed
            .iter()
            .all(|p| p.starts_with("examples/guildkeeper/")),
        "{changed:?}"
    );

    // An explicit path narrows further.
    auditfix(root, &["fix", "--branch", "auditfix/one", DB]).expect(0, "branch of one file");
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/one"]);
    assert_eq!(changed.lines().collect::<Vec<_>>(), vec![DB]);
}

#[test]

fn branch_honours_exclude() {
    let ws = workspace();
    let root = ws.path();
    git_init_commit(root);
    let check = auditfix(root, &["check", "--exclude", "pg_store.py"]).expect(1, "check");
    assert!(!check.stdout.contains("pg_store.py"), "{}", check.stdout);

    auditfix(
        root,
        &[
            "fix",
            "--branch",
            "auditfix/excl",
            "--exclude",
            "pg_store.py",
        ],
    )
    .expect(0, "branch with --exclude");
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/excl"]);
    assert!(changed.lines().any(|l| l == DB), "{changed}");
    assert!(
        !changed.lines().any(|l| l == PG_STORE),
        "excluded file fixed on the branch:\n{changed}"
    );
}

/// The files `check` reports findings in, as it prints them.
fn checked_files(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let run = auditfix(dir, &all);
    assert!(
        run.code == 0 || run.code == 1,
        "check {args:?}: {}",
        run.stderr
    );
    run.stdout
        .lines()
        .map(|l| l.split(':').next().unwrap().to_owned())
        .collect()
}

/// `--exclude` is anchored at the working directory and `exclude = [...]`
/// at the configuration file's directory, whatever the PATH arguments.
#[test]
fn exclude_globs_are_anchored_at_the_working_directory() {
    let ws = workspace();
    let root = ws.path();
    let gk = "examples/guildkeeper";
    let has = |files: &BTreeSet<String>, name: &str| files.iter().any(|f| f.ends_with(name));

    // From the root, a pattern naming the path from the root excludes it,
    // also when the PATH argument is a subdirectory.
    let files = checked_files(
        root,
        &[gk, "--exclude", "examples/guildkeeper/guildkeeper/db.py"],
    );
    assert!(
        !has(&files, "/db.py") && has(&files, "/pg_store.py"),
        "{files:?}"
    );
    let files = checked_files(
        root,
        &[gk, "--exclude", "examples/guildkeeper/guildkeeper/**"],
    );
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("examples/guildkeeper/guildkeeper/")),
        "{files:?}"
    );
    // A pattern relative to the PATH argument is not anchored there.
    let files = checked_files(root, &[gk, "--exclude", "guildkeeper/db.py"]);
    assert!(has(&files, "guildkeeper/db.py"), "{files:?}");
    // Without a slash: any depth, as in .gitignore; `dir/` as before.
    let files = checked_files(root, &[gk, "--exclude", "db.py"]);
    assert!(
        !has(&files, "/db.py") && has(&files, "/pg_store.py"),
        "{files:?}"
    );
    let files = checked_files(root, &[".", "--exclude", "guildkeeper/"]);
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("examples/shopfront-api/")),
        "{files:?}"
    );

    // From a subdirectory, the same file is named from there.
    let examples = root.join("examples");
    let files = checked_files(
        &examples,
        &["guildkeeper", "--exclude", "guildkeeper/guildkeeper/db.py"],
    );
    assert!(
        !has(&files, "/db.py") && has(&files, "/pg_store.py"),
        "{files:?}"
    );

    // Outside the working directory only slash-less patterns apply.
    let shop = root.join("examples/shopfront-api");
    let files = checked_files(&shop, &["../guildkeeper", "--exclude", "db.py"]);
    assert!(
        !has(&files, "/db.py") && has(&files, "../guildkeeper/guildkeeper/pg_store.py"),
        "{files:?}"
    );
    let files = checked_files(&shop, &["../guildkeeper", "--exclude", "guildkeeper/db.py"]);
    assert!(has(&files, "../guildkeeper/guildkeeper/db.py"), "{files:?}");

    // A configured pattern is anchored at the configuration's directory,
    // found upwards from a subdirectory; the command line adds to it.
    std::fs::write(
        root.join("auditfix.toml"),
        "exclude = [\"examples/guildkeeper/guildkeeper/db.py\"]\n",
    )
    .unwrap();
    let sub = root.join(gk);
    let files = checked_files(&sub, &[]);
    assert!(
        !has(&files, "/db.py") && has(&files, "guildkeeper/pg_store.py"),
        "{files:?}"
    );
    let files = checked_files(&sub, &["--exclude", "guildkeeper/pg_store.py"]);
    assert!(
        !has(&files, "/db.py") && !has(&files, "/pg_store.py") && has(&files, "/search.py"),
        "{files:?}"
    );
    std::fs::remove_file(root.join("auditfix.toml")).unwrap();

    // Branch mode reads the same patterns, from a subdirectory too.
    git_init_commit(root);
    auditfix(
        &examples,
        &[
            "fix",
            "--branch",
            "auditfix/excl",
            "guildkeeper",
            "--exclude",
            "guildkeeper/guildkeeper/pg_store.py",
        ],
    )
    .expect(0, "branch with --exclude from a subdirectory");
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/excl"]);
    assert!(changed.lines().any(|l| l == DB), "{changed}");
    assert!(
        !changed.lines().any(|l| l == PG_STORE),
        "excluded file fixed on the branch:\n{changed}"
    );
}

#[test]
fn branch_needs_force_to_replace_and_accepts_a_base() {
    let ws = workspace();
    let root = ws.path();
    git_init_commit(root);
    let head = git(root, &["rev-parse", "HEAD"]);

    auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(0, "first branch");
    let tip = git(root, &["rev-parse", "auditfix/fixes"]);
    let safe_subjects = subjects(root, "main..auditfix/fixes");
    let commits = safe_subjects.len();
    assert!(commits >= 2, "{commits}");

    let again = auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(2, "no --force");
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert!(again.stderr.contains("auditfix/fixes"), "{}", again.stderr);
    assert_eq!(git(root, &["rev-parse", "auditfix/fixes"]), tip);

    // Replace it with a branch of the safe + unsafe fixes.
    auditfix(
        root,
        &[
            "fix",
            "--branch",
            "auditfix/fixes",
            "--force",
            "--unsafe-fixes",
        ],
    )
    .expect(0, "--force");
    // One more commit per codemod whose fixes are all unsafe, in catalogue
    // order: cors-restrict-headers (P2), print-to-logger (P3).
    let replaced = subjects(root, "main..auditfix/fixes");
    // The new commits are those of codemods whose fixes are unsafe.
    let codemod_of = |subject: &String| subject.split_whitespace().nth(1).map(str::to_owned);
    let before: Vec<_> = safe_subjects.iter().filter_map(codemod_of).collect();
    let added: Vec<_> = replaced
        .iter()
        .filter_map(codemod_of)
        .filter(|id| !before.contains(id))
        .collect();
    assert_eq!(replaced.len(), commits + added.len(), "{replaced:?}");
    assert!(added.iter().any(|id| id == CORS), "{replaced:?}");
    for id in &added {
        let entry = auditfix::codemods::find(id).expect("commit names a codemod");
        assert_eq!(entry.meta.fix, auditfix::fix::Applicability::Unsafe, "{id}");
    }
    assert_eq!(
        git(
            root,
            &[
                "rev-parse",
                &format!("auditfix/fixes~{}", commits + added.len())
            ]
        ),
        head
    );

    auditfix(
        root,
        &["fix", "--branch", "auditfix/based", "--base", "HEAD~0"],
    )
    .expect(0, "--base HEAD~0");
    assert_eq!(
        git(root, &["rev-parse", &format!("auditfix/based~{commits}")]),
        head
    );
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(root, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/main"
    );

    let bad = auditfix(
        root,
        &["fix", "--branch", "auditfix/bad", "--base", "no-such-rev"],
    )
    .expect(2, "bad --base");
    assert!(bad.stderr.contains("no-such-rev"), "{}", bad.stderr);

    let main_tip = git(root, &["rev-parse", "main"]);
    let run = auditfix(root, &["fix", "--branch", "main", "--force"]).expect(2, "checked out");
    assert!(run.stderr.contains("checked out"), "{}", run.stderr);
    assert_eq!(git(root, &["rev-parse", "main"]), main_tip);

    let run = auditfix(root, &["fix", "--branch", "bad..name"]).expect(2, "invalid name");
    assert!(run.stderr.contains("bad..name"), "{}", run.stderr);
    let refs = git(root, &["for-each-ref", "--format=%(refname)"]);
    assert!(!refs.contains("bad"), "{refs}");
}

#[test]
fn branch_outside_a_repository_is_an_error() {
    let outer = tempfile::tempdir().unwrap();
    let proj = outer.path().join("proj");
    copy_dir(&manifest_dir().join("examples"), &proj.join("examples"));
    let before = snapshot(&proj);
    let run = Run::from(
        auditfix_cmd(&proj)
            .env("GIT_CEILING_DIRECTORIES", outer.path())
            .args(["fix", "--branch", "auditfix/fixes"])
            .output()
            .unwrap(),
    )
    .expect(2, "outside a repository");
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert!(!proj.join(".git").exists());
    assert_same_tree(&before, &snapshot(&proj), "nothing written");

    // A repository without commits has no base.
    git(&proj, &["init", "-q", "-b", "main"]);
    let run = auditfix(&proj, &["fix", "--branch", "auditfix/fixes"]).expect(2, "unborn");
    assert!(run.stderr.contains("no commits"), "{}", run.stderr);
    assert_eq!(git(&proj, &["for-each-ref"]), "");
}

// ---------------------------------------------------------------------------
// 5b. summaries: every finding counted once
// ---------------------------------------------------------------------------

/// The counts of a summary line: `N findings in all; would fix F in K
/// files; P more with --unsafe-fixes; M need a manual fix.`
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Summary {
    findings: usize,
    fixed: usize,
    pending: usize,
    manual: usize,
}

fn summary(stderr: &str) -> Summary {
    let line = stderr
        .lines()
        .find(|l| l.contains(" in all;"))
        .unwrap_or_else(|| panic!("no summary in stderr:\n{stderr}"));
    // The number before `word` in one of the `;`-separated clauses.
    let count = |word: &str| -> usize {
        line.split(';')
            .find(|clause| clause.contains(word))
            .map_or(0, |clause| {
                let words: Vec<&str> = clause.split_whitespace().collect();
                let at = words.iter().position(|w| w.contains(word)).unwrap();
                let number = if word == "fix" {
                    words[at + 1]
                } else {
                    words[at - 1]
                };
                number
                    .parse()
                    .unwrap_or_else(|_| panic!("no count for {word}: {line}"))
            })
    };
    let summary = Summary {
        findings: findings_in_all(line),
        fixed: count("fix"),
        pending: count("more"),
        manual: count("need"),
    };
    assert_eq!(
        summary.findings,
        summary.fixed + summary.pending + summary.manual,
        "the summary does not add up: {line}"
    );
    summary
}

/// The findings `check` reports, with the codemods of `select`.
fn check_count(dir: &Path, select: &[&str]) -> usize {
    let mut args = vec!["check"];
    args.extend_from_slice(select);
    let run = auditfix(dir, &args);
    assert!(run.code <= 1, "check: {}", run.stderr);
    run.stdout.lines().count()
}

/// Preview, patch and write agree on the counts; they add up; "fixed" is
/// the number of findings that are gone after the write; the findings
/// listed as left over match the other two numbers; and the patch header
/// lists the fixed ones per codemod. Combined runs used to over-count: a
/// fix that a fix brought in (`print()` → `logger.error(...)`, which then
/// gets `exc_info=True`) was counted as a finding fixed.
#[test]
fn summaries_add_up_and_count_each_finding_once() {
    let cases: [&[&str]; 4] = [
        &[
            "--select",
            "log-exception-context,print-to-logger",
            "--unsafe-fixes",
        ],
        &["--unsafe-fixes"],
        &[
            "--select",
            "fetchone-null-guard,backup-failure-raises,print-to-logger,json-loads-guard",
        ],
        &[],
    ];
    for args in cases {
        let ws = workspace();
        let root = ws.path();
        let select: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| *a != "--unsafe-fixes")
            .collect();
        let with = |extra: &[&str]| -> Vec<String> {
            let mut all = vec!["fix".to_owned()];
            all.extend(extra.iter().map(|s| s.to_string()));
            all.extend(args.iter().map(|s| s.to_string()));
            all.push("examples".into());
            all
        };
        let run = |extra: &[&str]| {
            let argv = with(extra);
            Run::from(auditfix_cmd(root).args(&argv).output().unwrap())
        };
        let before = check_count(root, &select);

        let preview = run(&[]).expect(1, "preview");
        let counts = summary(&preview.stderr);
        assert_eq!(counts.findings, before, "{args:?}: {}", preview.stderr);
        let tagged = |tag: &str| preview.stderr.lines().filter(|l| l.ends_with(tag)).count();
        assert_eq!(
            tagged("[unsafe fix]"),
            counts.pending,
            "{args:?}: {}",
            preview.stderr
        );
        assert_eq!(
            tagged("[no automatic fix]") + tagged("[fix not applied]"),
            counts.manual,
            "{args:?}: {}",
            preview.stderr
        );

        let patch = root.join("fix.patch");
        let patched = run(&["--patch", patch.to_str().unwrap()]).expect(1, "patch");
        assert_eq!(
            summary(&patched.stderr),
            counts,
            "{args:?}: {}",
            patched.stderr
        );
        let header = std::fs::read_to_string(&patch).unwrap();
        let per_codemod: usize = header
            .lines()
            .take_while(|l| !l.starts_with("Apply from"))
            .filter_map(|l| {
                l.strip_prefix("  ")?
                    .split(": ")
                    .nth(1)?
                    .parse::<usize>()
                    .ok()
            })
            .sum();
        assert_eq!(per_codemod, counts.fixed, "{args:?}:\n{header}");
        std::fs::remove_file(&patch).unwrap();

        let written = run(&["--write"]);
        assert_eq!(
            summary(&written.stderr),
            counts,
            "{args:?}: {}",
            written.stderr
        );
        let after = check_count(root, &select);
        assert_eq!(
            before - after,
            counts.fixed,
            "{args:?}: {before} findings before --write, {after} after, but the summary says fixed {}",
            counts.fixed
        );
    }
}

/// Branch mode (one engine per codemod, one after the other) prints the
/// same summary; its commits' counts add up to "fixed", and the branch
/// has the findings left that the summary announces.
#[test]
fn branch_summary_adds_up_and_matches_its_commits() {
    let ws = workspace();
    let root = ws.path();
    git_init_commit(root);
    for (name, unsafe_fixes) in [("auditfix/safe", false), ("auditfix/all", true)] {
        let mut args = vec!["fix", "--branch", name];
        if unsafe_fixes {
            args.push("--unsafe-fixes");
        }
        let run = auditfix(root, &args).expect(0, "branch");
        let counts = summary(&run.stderr);
        assert_eq!(counts.findings, check_count(root, &[]), "{}", run.stderr);
        let committed: usize = subjects(root, &format!("main..{name}"))
            .iter()
            .map(|subject| {
                let count = subject.rsplit('(').next().unwrap();
                count
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
        // A finding that another codemod's commit rewrites away (the log
        // call of a failed backup, which backup-failure-raises replaces,
        // was also log-exception-context's) is fixed but in no count.
        // On the examples there is exactly one such finding.
        assert_eq!(counts.fixed - committed, 1, "{}", run.stderr);
        if !unsafe_fixes {
            let checkout = tempfile::tempdir().unwrap();
            let tree = checkout.path().join("tree");
            git(
                root,
                &["worktree", "add", "-q", tree.to_str().unwrap(), name],
            );
            assert_eq!(
                check_count(&tree, &[]),
                counts.findings - counts.fixed,
                "findings left on the branch: {}",
                run.stderr
            );
            git(
                root,
                &["worktree", "remove", "--force", tree.to_str().unwrap()],
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 6. behaviour of the fixed code
// ---------------------------------------------------------------------------

fn fake_bin(dir: &Path, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("pg_dump");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.to_owned()
}

/// Run the driver with `bin` first on PATH; returns case → outcome.
fn drive(module_dir: &Path, bin: &Path, backup: &Path) -> BTreeMap<String, String> {
    let path = std::env::join_paths(std::iter::once(bin.to_owned()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let driver = manifest_dir().join("tests/e2e/drive_wallet.py");
    let run = Run::from(
        std::process::Command::new("python3")
            .arg(driver)
            .arg(module_dir)
            .arg(backup)
            .env("PATH", path)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "driver crashed:\n{}{}", run.stdout, run.stderr);
    run.stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn fixed_code_raises_where_the_original_failed_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let module_dir = tmp.path().join("proj");
    std::fs::create_dir_all(&module_dir).unwrap();
    std::fs::copy(
        manifest_dir().join("tests/e2e/wallet.py"),
        module_dir.join("wallet.py"),
    )
    .unwrap();
    let failing = fake_bin(
        &tmp.path().join("bin-fail"),
        "#!/bin/sh\necho 'pg_dump: connection refused' >&2\nexit 1\n",
    );
    let silent = fake_bin(&tmp.path().join("bin-empty"), "#!/bin/sh\nexit 0\n");
    let working = fake_bin(
        &tmp.path().join("bin-ok"),
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = \"-f\" ]; then shift; printf 'dump\\n' > \"$1\"; fi\n  shift\ndone\nexit 0\n",
    );
    let out = |name: &str| tmp.path().join(name);

    // Before: the missing row is a TypeError, failed backups pass silently.
    let before = drive(&module_dir, &failing, &out("before-fail.sql"));
    assert_eq!(before["balance_found"], "ok: 50");
    assert!(
        before["balance_missing"].starts_with("TypeError"),
        "{before:?}"
    );
    assert!(before["backup"].starts_with("ok"), "{before:?}");
    let before = drive(&module_dir, &silent, &out("before-empty.sql"));
    assert!(before["backup"].starts_with("ok"), "{before:?}");

    let run = auditfix(&module_dir, &["fix", "--write"]).expect(0, "everything fixed");
    assert!(run.stderr.contains("Wrote 1 file"), "{}", run.stderr);
    let fixed = std::fs::read_to_string(module_dir.join("wallet.py")).unwrap();
    assert!(fixed.contains("LookupError"), "{fixed}");
    assert!(fixed.contains("RuntimeError"), "{fixed}");

    // After: both failures raise.
    let after = drive(&module_dir, &failing, &out("after-fail.sql"));
    assert_eq!(after["balance_found"], "ok: 50");
    assert!(
        after["balance_missing"].starts_with("LookupError"),
        "{after:?}"
    );
    let backup = &after["backup"];
    assert!(backup.starts_with("RuntimeError"), "{after:?}");
    assert!(backup.contains("exit code 1"), "{after:?}");

    let after = drive(&module_dir, &silent, &out("after-empty.sql"));
    assert!(after["backup"].starts_with("RuntimeError"), "{after:?}");

    let target = out("after-ok.sql");
    let after = drive(&module_dir, &working, &target);
    assert!(after["backup"].starts_with("ok"), "{after:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"dump\n");
}

// ---------------------------------------------------------------------------
// 7. per-file errors
// ---------------------------------------------------------------------------

#[test]
fn unprocessable_files_are_reported_and_left_alone() {
    let ws = workspace();
    let root = ws.path();
    let pkg = "examples/guildkeeper/guildkeeper";
    let bad: [(&str, &[u8], &str); 3] = [
        (
            "broken.py",
            b"def total(conn:\n    return conn.execute('x').fetchone()[0]\n",
            "syntax error",
        ),
        (
            "binary.py",
            b"x = 1\0\ndef f(cur):\n    return cur.fetchone()[0]\n",
            "binary",
        ),
        (
            "latin.py",
            b"name = 'caf\xe9'\ndef f(cur):\n    return cur.fetchone()[0]\n",
            "UTF-8",
        ),
    ];
    for (name, bytes, _) in &bad {
        std::fs::write(root.join(pkg).join(name), bytes).unwrap();
    }
    let before = snapshot(root);

    let run = auditfix(root, &["fix", "--write", "examples"]).expect(2, "per-file errors");
    let after = snapshot(root);
    for (name, bytes, reason) in &bad {
        let path = format!("{pkg}/{name}");
        assert_eq!(
            after[Path::new(&path)],
            *bytes,
            "{path} must be left untouched"
        );
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(&path) && l.contains(reason)),
            "no `{reason}` error for {path} in stderr:\n{}",
            run.stderr
        );
    }
    let changed = changed_paths(&before, &after);
    assert!(changed.contains(Path::new(DB)), "{changed:?}");
    assert!(changed.contains(Path::new(LEGACY_FLASK)), "{changed:?}");

    // Preview and check report the same files and exit 2 too.
    let preview = auditfix(root, &["fix", "examples"]).expect(2, "preview");
    assert!(preview.stderr.contains("broken.py"), "{}", preview.stderr);
    let check = auditfix(root, &["check", "examples"]).expect(2, "check");
    assert!(check.stderr.contains("latin.py"), "{}", check.stderr);
}

#[test]
fn unprocessable_files_in_branch_mode_are_reported_and_left_alone() {
    let ws = workspace();
    let root = ws.path();
    let pkg = "examples/guildkeeper/guildkeeper";
    let bad: [(&str, &[u8], &str); 2] = [
        (
            "binary.py",
            b"x = 1\0\ndef f(cur):\n    return cur.fetchone()[0]\n",
            "binary",
        ),
        (
            "latin.py",
            b"name = 'caf\xe9'\ndef f(cur):\n    return cur.fetchone()[0]\n",
            "UTF-8",
        ),
    ];
    for (name, bytes, _) in &bad {
        std::fs::write(root.join(pkg).join(name), bytes).unwrap();
    }
    git_init_commit(root);
    let run = auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(2, "bad files");
    for (name, _, reason) in &bad {
        let path = format!("{pkg}/{name}");
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(&path) && l.contains(reason)),
            "no `{reason}` error for {path}:\n{}",
            run.stderr
        );
    }
    // The other files are still fixed on the branch; the bad ones are not.
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/fixes"]);
    assert!(changed.lines().any(|l| l == DB), "{changed}");
    assert!(!changed.contains("binary.py"), "{changed}");
    assert!(!changed.contains("latin.py"), "{changed}");
}

#[test]

fn branch_reports_syntax_errors() {
    let ws = workspace();
    let root = ws.path();
    let broken = "examples/guildkeeper/guildkeeper/broken.py";
    let bytes = b"def total(conn:\n    return conn.execute('x').fetchone()[0]\n";
    std::fs::write(root.join(broken), bytes).unwrap();
    git_init_commit(root);
    let preview = auditfix(root, &["fix"]).expect(2, "preview reports it");
    assert!(preview.stderr.contains("broken.py"), "{}", preview.stderr);

    let run = auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(2, "broken file");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(broken) && l.contains("syntax error")),
        "{}",
        run.stderr
    );
    let changed = git(root, &["diff", "--name-only", "main", "auditfix/fixes"]);
    assert!(changed.lines().any(|l| l == DB), "{changed}");
    assert!(!changed.contains("broken.py"), "{changed}");
}

/// Project facts come from the whole tree in check mode and from the base
/// commit in branch mode: a module with a `__main__` block that another
/// module imports is library code outside the block.
#[test]
fn project_facts_decide_library_or_script_in_check_and_branch_modes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let tool = "def load(path):\n    print('loading', path)\n    return path\n\n\nif __name__ == '__main__':\n    print(load('x'))\n";
    let files: [(&str, &[u8]); 2] = [
        ("pkg/tool.py", tool.as_bytes()),
        // The app configures logging, so an info record is shown and the
        // print gets a fix.
        (
            "pkg/app.py",
            b"import logging\n\nfrom pkg.tool import load\n\nlogging.basicConfig(level=logging.INFO)\nload('y')\n",
        ),
    ];
    write_files(root, &files);
    git_init_commit(root);
    let args = ["--select", "print-to-logger", "--unsafe-fixes"];
    let check = auditfix(root, &["check", args[0], args[1]]).expect(1, "check");
    let found: Vec<&str> = check.stdout.lines().collect();
    assert_eq!(found.len(), 1, "{}", check.stdout);
    assert!(found[0].starts_with("pkg/tool.py:2:"), "{}", check.stdout);
    // Checked alone, nothing imports it: a program.
    auditfix(root, &["check", args[0], args[1], "pkg/tool.py"]).expect(0, "alone");

    let mut branch = vec!["fix", "--branch", "auditfix/logs"];
    branch.extend(args);
    auditfix(root, &branch).expect(0, "branch");
    let fixed = git(root, &["show", "auditfix/logs:pkg/tool.py"]);
    assert!(fixed.contains("logger.info('loading %s', path)"), "{fixed}");
    assert!(fixed.contains("    print(load('x'))"), "{fixed}");
}

// ---------------------------------------------------------------------------
// 8. check, list, explain
// ---------------------------------------------------------------------------

#[test]
fn check_lists_findings_one_per_line() {
    let ws = workspace();
    let root = ws.path();
    let before = snapshot(root);
    let run = auditfix(root, &["check", "examples"]).expect(1, "findings");
    assert_same_tree(&before, &snapshot(root), "check must not write");
    let ids = listed_ids();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(!lines.is_empty());
    let mut seen = BTreeSet::new();
    for line in &lines {
        let id = parse_finding_line(line)
            .unwrap_or_else(|| panic!("not `path:line:col: id message`: {line:?}"));
        assert!(ids.iter().any(|i| i == id), "unknown id in {line:?}");
        assert!(line.starts_with("examples/"), "{line:?}");
        seen.insert(id.to_owned());
    }
    assert_eq!(
        seen.len(),
        ids.len(),
        "every codemod has findings in examples"
    );
    assert_eq!(findings_in_all(&run.stderr), lines.len(), "{}", run.stderr);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{DB}:")) && parse_finding_line(l) == Some(FETCHONE)),
        "{}",
        run.stdout
    );

    let clean = tempfile::tempdir().unwrap();
    std::fs::write(
        clean.path().join("ok.py"),
        "def f(cur):\n    row = cur.fetchone()\n    return row[0] if row else 0\n",
    )
    .unwrap();
    let run = auditfix(clean.path(), &["check"]).expect(0, "clean directory");
    assert_eq!(run.stdout, "");
    let run = auditfix(clean.path(), &["fix"]).expect(0, "clean preview");
    assert_eq!(run.stdout, "");
}

#[test]
fn list_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let run = auditfix(dir.path(), &["list"]).expect(0, "list");
    for id in [FETCHONE, BACKUP, CORS] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(id)),
            "{id} not listed:\n{}",
            run.stdout
        );
    }
    let catalogue: Vec<String> = auditfix::codemods::CATALOGUE
        .iter()
        .map(|e| e.meta.id.to_owned())
        .collect();
    assert_eq!(listed_ids(), catalogue);

    for id in listed_ids() {
        let run = auditfix(dir.path(), &["explain", &id]).expect(0, "explain");
        assert!(
            run.stdout.contains("## Fix safety"),
            "{id}:\n{}",
            run.stdout
        );
    }
    let run = auditfix(dir.path(), &["explain", "nope"]).expect(2, "unknown id");
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

// ---------------------------------------------------------------------------
// 9. configuration
// ---------------------------------------------------------------------------

#[test]
fn pyproject_config_selects_codemods_and_enables_unsafe_fixes() {
    let ws = workspace();
    let root = ws.path();
    std::fs::write(
        root.join("pyproject.toml"),
        "[project]\nname = \"demo\"\n\n[tool.auditfix]\nselect = [\"cors-restrict-headers\"]\nunsafe-fixes = true\n",
    )
    .unwrap();
    let before = snapshot(root);

    let check = auditfix(root, &["check"]).expect(1, "cors findings");
    let ids: BTreeSet<_> = check.stdout.lines().map(parse_finding_line).collect();
    assert_eq!(ids, BTreeSet::from([Some(CORS)]), "{}", check.stdout);

    let run = auditfix(root, &["fix"]).expect(1, "cors changes");
    let files = diff_files(&run.stdout);
    assert_eq!(
        files,
        BTreeSet::from([
            "examples/shopfront-api/shopfront/app.py".to_owned(),
            LEGACY_FLASK.to_owned(),
            "examples/shopfront-api/shopfront/starlette_app.py".to_owned(),
        ]),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("LookupError"));
    assert!(!run.stdout.contains("RuntimeError"));
    assert!(run.stdout.contains("allow_headers"));
    assert_same_tree(&before, &snapshot(root), "preview must not write");

    // Found from a subdirectory too (guildkeeper has no CORS code).
    let sub = root.join("examples/guildkeeper");
    let run = auditfix(&sub, &["check"]).expect(0, "config found upwards");
    assert_eq!(run.stdout, "");

    // The command line wins over the file.
    let run = auditfix(root, &["check", "--select", FETCHONE]).expect(1, "cli select");
    assert!(run
        .stdout
        .lines()
        .all(|l| parse_finding_line(l) == Some(FETCHONE)));

    // An explicit --config.
    let other = tempfile::tempdir().unwrap();
    let config = other.path().join("auditfix.toml");
    std::fs::write(
        &config,
        "ignore = [\"fetchone-null-guard\", \"cors-restrict-headers\"]\n",
    )
    .unwrap();
    let run =
        auditfix(root, &["check", "--config", config.to_str().unwrap()]).expect(1, "--config");
    let ids: BTreeSet<_> = run.stdout.lines().map(parse_finding_line).collect();
    assert!(ids.contains(&Some(BACKUP)), "{}", run.stdout);
    assert!(
        !ids.contains(&Some(FETCHONE)) && !ids.contains(&Some(CORS)),
        "{}",
        run.stdout
    );
}

#[test]
fn invalid_configuration_and_unknown_ids_exit_2() {
    let ws = workspace();
    let root = ws.path();
    std::fs::write(root.join("pyproject.toml"), "[tool.auditfix]\nselec = 1\n").unwrap();
    let before = snapshot(root);
    for args in [&["fix"][..], &["fix", "--write"], &["check"]] {
        let run = auditfix(root, args).expect(2, "invalid config");
        assert!(run.stderr.contains("pyproject.toml"), "{}", run.stderr);
        assert!(run.stderr.contains("selec"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert_same_tree(&before, &snapshot(root), "nothing written");

    std::fs::remove_file(root.join("pyproject.toml")).unwrap();
    let before = snapshot(root);
    for args in [
        &["fix", "--select", "nope"][..],
        &["check", "--ignore", "nope"],
        &["fix", "--write", "--select", "fetchone-null-guard,nope"],
    ] {
        let run = auditfix(root, args).expect(2, "unknown id");
        assert!(run.stderr.contains("nope"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert_same_tree(&before, &snapshot(root), "nothing written");

    let run = auditfix(root, &["check", "--threads", "0"]).expect(2, "no threads");
    assert!(run.stderr.contains("threads"), "{}", run.stderr);
    let run = auditfix(root, &["fix", "--frobnicate"]).expect(2, "unknown flag");
    assert!(run.stderr.contains("--frobnicate"));
    let run = auditfix(root, &["fix", "--write", "--patch", "x.patch"]).expect(2, "conflict");
    assert!(!run.stderr.is_empty());
    assert!(!root.join("x.patch").exists());
}

// ---------------------------------------------------------------------------
// file names
// ---------------------------------------------------------------------------

#[test]

fn patch_p1_handles_paths_with_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let file = "with space/w.py";
    std::fs::create_dir_all(dir.path().join("with space")).unwrap();
    std::fs::write(
        dir.path().join(file),
        "def f(cur):\n    return cur.fetchone()[0]\n",
    )
    .unwrap();
    let plain = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), plain.path());
    let patch_file = dir.path().join("fix.patch");
    auditfix(
        dir.path(),
        &["fix", "--patch", patch_file.to_str().unwrap()],
    )
    .expect(1, "patch");
    auditfix(dir.path(), &["fix", "--write"]).expect(0, "write");
    patch_p1(plain.path(), &patch_file);
    assert_eq!(
        std::fs::read(plain.path().join(file)).unwrap(),
        std::fs::read(dir.path().join(file)).unwrap()
    );
}

#[test]

fn backslash_in_a_file_name_is_not_a_separator() {
    let ws = tempfile::tempdir().unwrap();
    let root = ws.path();
    let name = "back\\slash.py";
    std::fs::write(
        root.join(name),
        "def f(cur):\n    return cur.fetchone()[0]\n",
    )
    .unwrap();
    git_init_commit(root);

    auditfix(root, &["fix", "--patch", "fix.patch"]).expect(1, "patch");
    git(root, &["apply", "--check", "fix.patch"]);

    auditfix(root, &["fix", "--branch", "auditfix/fixes"]).expect(0, "branch");
    let files = git(
        root,
        &["ls-tree", "-r", "-z", "--name-only", "auditfix/fixes"],
    );
    let files: Vec<&str> = files.split('\0').filter(|f| !f.is_empty()).collect();
    assert_eq!(
        files,
        vec![name],
        "branch must fix the file, not add another"
    );
    let changed = git(
        root,
        &["diff", "-z", "--name-only", "main", "auditfix/fixes"],
    );
    assert_eq!(changed, format!("{name}\0"));
}

#[test]
fn output_is_identical_for_one_and_several_threads() {
    let ws = workspace();
    let root = ws.path();
    let runs: Vec<Run> = ["1", "2", "8"]
        .iter()
        .map(|threads| auditfix(root, &["fix", "--unsafe-fixes", "-j", threads, "."]))
        .collect();
    assert!(!runs[0].stdout.is_empty(), "no diff to compare");
    for run in &runs[1..] {
        assert_eq!(
            run.stdout, runs[0].stdout,
            "diff differs with another thread count"
        );
        assert_eq!(
            run.stderr, runs[0].stderr,
            "report differs with another thread count"
        );
        assert_eq!(run.code, runs[0].code);
    }
}
