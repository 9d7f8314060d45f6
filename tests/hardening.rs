//! Bad input, odd file systems and odd repositories, end to end: every case
//! must give a clear per-file message naming the file and the reason, leave
//! that file byte for byte as it was, still fix the other files, and exit 2
//! when something was skipped. Branch mode must leave HEAD, the index, the
//! working tree and every ref but the new branch as they were.
//!
//! When the tests run as root, `chmod 000` does not stop reads: the cases
//! that need an unreadable file run the binary under `setpriv` without the
//! capabilities that bypass permissions (see [`unprivileged`]). They fail,
//! never skip, when that is impossible.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;
use common::{
    assert_compiles, assert_python_compiles, assert_same_tree, auditfix, auditfix_cmd,
    changed_paths, copy_dir, diff_files, git, git_cmd, git_init_commit, manifest_dir, patch_p1,
    refs, repo_state, snapshot, write_files, RepoState, Run,
};

/// A function with one safe fix (fetchone-null-guard).
const FIXABLE: &str = "def f(cur):\n    return cur.fetchone()[0]\n";
/// What the fix inserts.
const GUARD: &str = "if row is None:";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/// A temporary directory holding `files` (relative path → bytes).
fn tree(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    dir
}

fn text(root: &Path, path: &str) -> String {
    String::from_utf8(std::fs::read(root.join(path)).unwrap()).unwrap()
}

fn is_fixed(root: &Path, path: &str) -> bool {
    text(root, path).contains(GUARD)
}

/// Some stderr line names `path` and gives `reason`.
fn assert_reported(run: &Run, path: &str, reason: &str) {
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(path) && l.contains(reason)),
        "no `{reason}` message for {path} in stderr:\n{}",
        run.stderr
    );
}

/// The command prefix that makes permission bits binding for the binary:
/// none for a normal user; for root (or anyone with CAP_DAC_OVERRIDE),
/// `setpriv` dropping the capabilities that bypass them. Checked on a
/// real unreadable file; panics rather than let a test pass vacuously.
fn unprivileged() -> Vec<OsString> {
    let probe = tempfile::tempdir().unwrap();
    let file = probe.path().join("locked");
    std::fs::write(&file, "x").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_err() {
        return Vec::new();
    }
    let prefix: Vec<OsString> = [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-all",
        "--",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    let cat = std::process::Command::new(&prefix[0])
        .args(&prefix[1..])
        .arg("cat")
        .arg(&file)
        .output();
    match cat {
        Ok(out) if !out.status.success() => prefix,
        Ok(_) => {
            panic!("setpriv did not stop reading a mode-000 file; cannot test unreadable files")
        }
        Err(err) => panic!(
            "running as a user that ignores file permissions, and `setpriv` (util-linux) \
             is unavailable ({err}): cannot test unreadable files"
        ),
    }
}

/// Run the binary in `dir` under [`unprivileged`].
fn auditfix_unprivileged(dir: &Path, args: &[&str]) -> Run {
    let mut words = unprivileged();
    words.push(assert_cmd::cargo::cargo_bin("auditfix").into_os_string());
    words.extend(args.iter().map(OsString::from));
    Run::from(
        std::process::Command::new(&words[0])
            .args(&words[1..])
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap(),
    )
}

/// The binary with a hang guard: a loop must end in an error, not a hang.
fn auditfix_within(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let output = auditfix_cmd(dir)
        .args(args)
        .timeout(limit)
        .output()
        .unwrap_or_else(|e| panic!("auditfix {args:?} did not finish in {limit:?}: {e}"));
    Run::from(output)
}

/// Everything branch mode must not change, and the refs.
fn frozen(dir: &Path) -> (RepoState, Vec<String>) {
    (repo_state(dir), refs(dir))
}

/// Nothing changed but, if `new_branch`, the addition of that one ref.
fn assert_only_branch_added(
    dir: &Path,
    before: &(RepoState, Vec<String>),
    new_branch: Option<&str>,
) {
    let (state, refs_before) = before;
    assert_eq!(
        &repo_state(dir),
        state,
        "HEAD, index or working tree changed"
    );
    let refs_after = refs(dir);
    assert!(
        refs_before.iter().all(|r| refs_after.contains(r)),
        "a ref changed: {refs_before:?} -> {refs_after:?}"
    );
    let added: Vec<&String> = refs_after
        .iter()
        .filter(|r| !refs_before.contains(r))
        .collect();
    match new_branch {
        None => assert!(added.is_empty(), "refs created: {added:?}"),
        Some(name) => {
            assert_eq!(added.len(), 1, "{added:?}");
            assert!(
                added[0].starts_with(&format!("refs/heads/{name} ")),
                "{added:?}"
            );
        }
    }
}

fn rev(dir: &Path, rev: &str) -> String {
    git(dir, &["rev-parse", rev]).trim().to_owned()
}

/// The repo-relative paths a branch changed on top of `base`.
fn branch_changes(dir: &Path, base: &str, branch: &str) -> Vec<String> {
    git(dir, &["diff", "-z", "--name-only", base, branch])
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `depth` levels of one nesting construct around a literal, then a
/// fixable function.
fn nested(kind: &str, depth: usize) -> Vec<u8> {
    let expression = match kind {
        "parens" => format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
        "lists" => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        "calls" => format!("{}1{}", "g(".repeat(depth), ")".repeat(depth)),
        "binop" => vec!["a"; depth].join(" + "),
        "attributes" => format!("a{}", ".b".repeat(depth)),
        other => panic!("unknown nesting {other}"),
    };
    format!("x = {expression}\n{FIXABLE}").into_bytes()
}

// ---------------------------------------------------------------------------
// bad input
// ---------------------------------------------------------------------------

#[test]
fn bad_files_are_reported_untouched_and_the_rest_still_fixed() {
    let latin_cookie =
        b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\ndef f(cur):\n    return cur.fetchone()[0]\n";
    let latin_ascii =
        b"# vim: set fileencoding=latin-1 :\ndef f(cur):\n    return cur.fetchone()[0]\n";
    let deep: Vec<(String, Vec<u8>)> = ["parens", "lists", "calls", "binop"]
        .iter()
        .map(|kind| (format!("deep_{kind}.py"), nested(kind, 5000)))
        .collect();
    let mut bad: Vec<(String, Vec<u8>, &str)> = vec![
        (
            "syntax.py".into(),
            b"def total(conn:\n    return conn.execute('x').fetchone()[0]\n".to_vec(),
            "syntax error at line 1",
        ),
        (
            "undecodable.py".into(),
            [b"x = '\xff\xfe'\n".as_slice(), FIXABLE.as_bytes()].concat(),
            "not valid UTF-8",
        ),
        ("latin_cookie.py".into(), latin_cookie.to_vec(), "latin-1"),
        ("latin_ascii.py".into(), latin_ascii.to_vec(), "latin-1"),
        (
            "nul.py".into(),
            [FIXABLE.as_bytes(), b"x = 1\0\n"].concat(),
            "binary file",
        ),
        (
            "image.py".into(),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec(),
            "binary file",
        ),
    ];
    for (name, bytes) in deep {
        bad.push((name, bytes, "nested more than 500 levels"));
    }
    let mut files: Vec<(&str, &[u8])> = vec![("good.py", FIXABLE.as_bytes())];
    files.extend(bad.iter().map(|(n, b, _)| (n.as_str(), b.as_slice())));
    let dir = tree(&files);
    let root = dir.path();
    let before = snapshot(root);

    let preview = auditfix(root, &["fix"]).expect(2, "preview with bad files");
    assert_eq!(
        diff_files(&preview.stdout),
        BTreeSet::from(["good.py".to_owned()])
    );
    let check = auditfix(root, &["check"]).expect(2, "check with bad files");
    for (name, _, reason) in &bad {
        assert_reported(&preview, name, reason);
        assert_reported(&check, name, reason);
    }
    assert_same_tree(&before, &snapshot(root), "preview and check write nothing");

    let write = auditfix(root, &["fix", "--write"]).expect(2, "write with bad files");
    for (name, bytes, reason) in &bad {
        assert_reported(&write, name, reason);
        assert_eq!(
            &std::fs::read(root.join(name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    assert_eq!(
        changed_paths(&before, &snapshot(root)),
        BTreeSet::from([PathBuf::from("good.py")])
    );
    assert!(is_fixed(root, "good.py"));
    assert_compiles(&text(root, "good.py"), "good.py");
}

#[test]
fn odd_but_valid_files_are_fixed_in_their_own_style() {
    let cases: [(&str, &str); 9] = [
        ("bom.py", "\u{feff}import os\n\n\ndef f(cur):\n    return cur.fetchone()[0]\n"),
        (
            "mixed_endings.py",
            "import os\r\n\ndef f(cur):\n    x = 1\r\n    return cur.fetchone()[0]\n\r\ny = 2\n",
        ),
        // A space-indented class whose second method is indented with a tab
        // after the spaces: legal Python (consistent under any tab size).
        (
            "tab_in_space_class.py",
            "class C:\n    def m(self):\n        pass\n\n    def f(self, cur):\n    \treturn cur.fetchone()[0]\n",
        ),
        (
            "tab_and_space_functions.py",
            "def a(cur):\n\treturn cur.fetchone()[0]\n\n\ndef b(cur):\n    return cur.fetchone()[0]\n",
        ),
        (
            "form_feeds.py",
            "import os\n\x0c\ndef f(cur):\n\x0c    x = 1\n\x0c    return cur.fetchone()[0]\n",
        ),
        ("empty.py", ""),
        ("no_newline.py", "def f(cur):\n    return cur.fetchone()[0]"),
        ("no_newline_crlf.py", "def f(cur):\r\n    return cur.fetchone()[0]"),
        ("comment_only.py", "# nothing here"),
    ];
    let files: Vec<(&str, &[u8])> = cases.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    let dir = tree(&files);
    let root = dir.path();
    for (name, original) in &cases {
        assert_compiles(original, name);
    }
    let run = auditfix(root, &["fix", "--write"]).expect(0, "everything fixable");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);

    for (name, original) in &cases {
        let fixed = text(root, name);
        assert_compiles(&fixed, name);
        let expect_fix = original.contains("fetchone");
        assert_eq!(fixed.contains(GUARD), expect_fix, "{name}:\n{fixed}");
        if !expect_fix {
            assert_eq!(&fixed, original, "{name} must not change");
        }
    }

    let bom = text(root, "bom.py");
    assert!(bom.starts_with('\u{feff}') && !bom[3..].contains('\u{feff}'));

    // Untouched lines keep their own endings; inserted lines take the
    // file's first line ending; the changed line keeps its own.
    assert_eq!(
        text(root, "mixed_endings.py"),
        "import os\r\n\ndef f(cur):\n    x = 1\r\n    row = cur.fetchone()\r\n    if row is None:\r\n        raise LookupError(\"f: fetchone() returned no row\")\r\n    return row[0]\n\r\ny = 2\n"
    );
    // New lines extend the indentation of the line they join.
    assert!(text(root, "tab_in_space_class.py").contains("\n    \tif row is None:\n    \t"));
    // A form feed resets Python's column count: it is not copied into the
    // indentation of new lines.
    let form_feeds = text(root, "form_feeds.py");
    assert!(
        form_feeds.contains("\n    row = cur.fetchone()\n    if row is None:\n        raise"),
        "{form_feeds:?}"
    );
    assert!(
        form_feeds.ends_with("\n\x0c    return row[0]\n"),
        "{form_feeds:?}"
    );
    for name in ["no_newline.py", "no_newline_crlf.py"] {
        let fixed = text(root, name);
        assert!(fixed.ends_with("return row[0]"), "{name}: {fixed:?}");
    }
    assert!(!text(root, "no_newline_crlf.py")
        .replace("\r\n", "")
        .contains('\n'));

    let again = auditfix(root, &["fix"]).expect(0, "second run");
    assert_eq!(again.stdout, "");
}

/// Every fixture, with a form feed before every line, or with every other
/// line ending in CRLF: the fixes still compile and a second run is a no-op.
#[test]
fn form_feeds_and_mixed_line_endings_throughout_the_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(manifest_dir().join("tests/fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let original = std::fs::read(&path).unwrap();
        let lines: Vec<&[u8]> = original.split(|&b| b == b'\n').collect();
        let last = lines.len() - 1;
        let mut form_feeds = Vec::new();
        let mut mixed = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if !line.is_empty() {
                form_feeds.push(b'\x0c');
            }
            form_feeds.extend_from_slice(line);
            mixed.extend_from_slice(line);
            if i < last {
                form_feeds.push(b'\n');
                // Only LF lines: a fixture's CRLF lines stay as they are.
                if i % 2 == 0 && !line.ends_with(b"\r") {
                    mixed.push(b'\r');
                }
                mixed.push(b'\n');
            }
        }
        for (variant, bytes) in [("form_feeds", &form_feeds), ("mixed", &mixed)] {
            let target = dir.path().join(variant).join(&name);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
    }
    let root = dir.path();
    assert_python_compiles(root);
    let before = snapshot(root);
    auditfix(root, &["fix", "--write", "--unsafe-fixes"]).expect(1, "report-only findings remain");
    let changed = changed_paths(&before, &snapshot(root));
    assert!(changed.len() > 40, "{changed:?}");
    assert_python_compiles(root);
    let again = auditfix(root, &["fix", "--unsafe-fixes"]).expect(0, "second run");
    assert_eq!(again.stdout, "");
}

#[test]
fn a_one_megabyte_line_is_processed() {
    let long_line = format!(
        "X = [{}]\n",
        (0..200_000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(long_line.len() > 1 << 20);
    let source = format!("{long_line}{FIXABLE}");
    let dir = tree(&[("long.py", source.as_bytes())]);
    let start = Instant::now();
    auditfix(dir.path(), &["fix", "--write"]).expect(0, "fixed");
    eprintln!("1 MB line: fix --write took {:?}", start.elapsed());
    let fixed = text(dir.path(), "long.py");
    assert!(fixed.starts_with(&long_line));
    assert!(fixed.contains(GUARD));
}

/// About 10 MB of generated functions, one in a hundred with a fix.
#[test]
fn a_ten_megabyte_file_is_processed() {
    let mut source = String::new();
    let mut fixes = 0;
    for i in 0.. {
        if source.len() >= 10 << 20 {
            break;
        }
        let fix = i % 100 == 0;
        fixes += usize::from(fix);
        source.push_str(&format!(
            "def f{i}(cur):\n    cur.execute(\"SELECT a FROM t WHERE id = {i}\")\n    return cur.fetchone(){}\n\n\n",
            if fix { "[0]" } else { "" }
        ));
    }
    let dir = tree(&[("big.py", source.as_bytes())]);
    let start = Instant::now();
    let run = auditfix(dir.path(), &["fix", "--write"]).expect(0, "fixed");
    eprintln!(
        "10 MB file, {fixes} fixes: fix --write took {:?}",
        start.elapsed()
    );
    assert!(
        run.stderr.contains(&format!("fixed {fixes} in 1 file")),
        "{}",
        run.stderr
    );
    assert_eq!(text(dir.path(), "big.py").matches(GUARD).count(), fixes);
}

/// The same 10 MB with a fix in every function.
#[test]
/// Many fixes in one file must cost time in proportion to their number:
/// per-finding scans of the whole module, or checking each fix against
/// every edit taken, once made this quadratic (hours for 10 MB). Release
/// build: 10 MB, 126k fixes in about 40 s (BENCHMARKS.md); here 1 MB, as a
/// hang guard.
fn a_megabyte_file_with_a_fix_in_every_function() {
    let mut source = String::new();
    let mut fixes = 0;
    while source.len() < 1 << 20 {
        source.push_str(&format!(
            "def f{fixes}(cur):\n    cur.execute(\"SELECT a FROM t\")\n    return cur.fetchone()[0]\n\n\n"
        ));
        fixes += 1;
    }
    let dir = tree(&[("big.py", source.as_bytes())]);
    let start = Instant::now();
    auditfix(dir.path(), &["fix", "--write"]).expect(0, "fixed");
    assert!(
        start.elapsed() < Duration::from_secs(180),
        "1 MB, {fixes} fixes: {:?}",
        start.elapsed()
    );
    assert_eq!(text(dir.path(), "big.py").matches(GUARD).count(), fixes);
}

#[test]
fn nesting_far_beyond_the_limit_does_not_overflow_the_stack() {
    let kinds = ["parens", "lists", "calls", "binop", "attributes"];
    let files: Vec<(String, Vec<u8>)> = kinds
        .iter()
        .map(|kind| (format!("{kind}.py"), nested(kind, 50_000)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tree(&refs);
    let run = auditfix_within(dir.path(), &["check"], Duration::from_secs(120));
    assert_eq!(run.code, 2, "{}", run.stderr);
    for (name, _) in &files {
        // Skipped, or (attribute chains) processed: never a crash.
        if !name.starts_with("attributes") {
            assert_reported(&run, name, "nested more than 500 levels");
        }
    }
}

// ---------------------------------------------------------------------------
// file system
// ---------------------------------------------------------------------------

#[test]
fn unreadable_files_and_directories_are_reported() {
    let dir = tree(&[
        ("good.py", FIXABLE.as_bytes()),
        ("secret.py", FIXABLE.as_bytes()),
        ("locked/inner.py", FIXABLE.as_bytes()),
    ]);
    let root = dir.path();
    let mode = |path: &str, mode: u32| {
        std::fs::set_permissions(root.join(path), std::fs::Permissions::from_mode(mode)).unwrap();
    };
    mode("secret.py", 0o000);
    mode("locked", 0o000);

    let run = auditfix_unprivileged(root, &["fix", "--write"]);
    let run = run.expect(2, "unreadable entries");
    assert_reported(&run, "secret.py", "Permission denied");
    assert_reported(&run, "locked", "Permission denied");
    assert!(is_fixed(root, "good.py"));

    // Named on the command line.
    let run = auditfix_unprivileged(root, &["check", "secret.py", "locked"]);
    let run = run.expect(2, "unreadable entries named");
    assert_reported(&run, "secret.py", "Permission denied");
    assert_reported(&run, "locked", "Permission denied");

    mode("secret.py", 0o644);
    mode("locked", 0o755);
    assert_eq!(text(root, "secret.py"), FIXABLE);
    assert_eq!(text(root, "locked/inner.py"), FIXABLE);
}

#[test]
fn read_only_files_are_reported_and_left_alone_by_write() {
    let dir = tree(&[
        ("good.py", FIXABLE.as_bytes()),
        ("frozen.py", FIXABLE.as_bytes()),
    ]);
    let root = dir.path();
    let frozen = root.join("frozen.py");
    std::fs::set_permissions(&frozen, std::fs::Permissions::from_mode(0o444)).unwrap();
    let run = auditfix(root, &["fix", "--write"]).expect(2, "read-only file");
    assert_reported(&run, "frozen.py", "read-only");
    assert_eq!(text(root, "frozen.py"), FIXABLE);
    let mode = std::fs::metadata(&frozen).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o444);
    assert!(is_fixed(root, "good.py"));
    // Preview and patch only read it.
    auditfix(root, &["fix"]).expect(1, "preview of a read-only file");
}

#[test]
fn a_directory_named_like_a_python_file_is_walked_not_read() {
    let dir = tree(&[
        ("x.py/inner.py", FIXABLE.as_bytes()),
        ("y.py", FIXABLE.as_bytes()),
    ]);
    let root = dir.path();
    let run = auditfix(root, &["fix", "--write"]).expect(0, "walked");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    assert!(is_fixed(root, "x.py/inner.py"));
    let run = auditfix(root, &["check", "x.py"]).expect(0, "named on the command line");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
}

#[test]
fn symlinks_are_never_followed_out_of_the_roots_or_written_through() {
    let outside = tree(&[
        ("secret.py", FIXABLE.as_bytes()),
        ("pkg/mod.py", FIXABLE.as_bytes()),
    ]);
    let dir = tree(&[
        ("good.py", FIXABLE.as_bytes()),
        ("target.py", FIXABLE.as_bytes()),
    ]);
    let root = dir.path();
    let link =
        |target: &Path, name: &str| std::os::unix::fs::symlink(target, root.join(name)).unwrap();
    link(&outside.path().join("secret.py"), "out_file.py");
    link(&outside.path().join("pkg"), "out_dir");
    link(Path::new("target.py"), "in_file.py");
    let outside_before = snapshot(outside.path());

    let preview = auditfix(root, &["fix"]).expect(1, "preview");
    assert_eq!(
        diff_files(&preview.stdout),
        BTreeSet::from(["good.py".to_owned(), "target.py".to_owned()])
    );
    auditfix(root, &["fix", "--write"]).expect(0, "write");
    assert_same_tree(
        &outside_before,
        &snapshot(outside.path()),
        "outside the root",
    );
    for name in ["out_file.py", "out_dir", "in_file.py"] {
        let meta = std::fs::symlink_metadata(root.join(name)).unwrap();
        assert!(meta.file_type().is_symlink(), "{name} replaced");
    }
    assert!(is_fixed(root, "target.py"));

    // Named on the command line: reported, not followed.
    let run = auditfix(root, &["fix", "--write", "out_file.py", "out_dir"]).expect(2, "named");
    assert_reported(&run, "out_file.py", "symlink");
    assert_reported(&run, "out_dir", "symlink");
    assert_same_tree(
        &outside_before,
        &snapshot(outside.path()),
        "outside the root",
    );
}

#[test]
fn symlink_loops_end_with_a_message() {
    let dir = tree(&[("good.py", FIXABLE.as_bytes())]);
    let root = dir.path();
    let link =
        |target: &str, name: &str| std::os::unix::fs::symlink(target, root.join(name)).unwrap();
    link(".", "dot");
    link("self.py", "self.py");
    link("b.py", "a.py");
    link("a.py", "b.py");
    link("sub", "sub");
    let limit = Duration::from_secs(60);

    let run = auditfix_within(root, &["check"], limit);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let names = ["dot", "self.py", "a.py", "b.py", "sub"];
    let mut args = vec!["check"];
    args.extend(names);
    let run = auditfix_within(root, &args, limit);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for name in names {
        assert_reported(&run, name, "symlink");
    }
}

/// Names with spaces and non-ASCII characters through preview, --write,
/// --patch (git apply and patch -p1) and --branch.
#[test]
fn unusual_file_names_in_every_mode() {
    let names = ["café module.py", "données/ünïcode.py"];
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, FIXABLE.as_bytes())).collect();
    let source = tree(&files);

    let written = tempfile::tempdir().unwrap();
    copy_dir(source.path(), written.path());
    auditfix(written.path(), &["fix", "--write"]).expect(0, "write");
    let expected = snapshot(written.path());
    for name in names {
        assert!(is_fixed(written.path(), name), "{name}");
    }

    let repo = tempfile::tempdir().unwrap();
    copy_dir(source.path(), repo.path());
    git_init_commit(repo.path());
    let root = repo.path();
    let preview = auditfix(root, &["fix"]).expect(1, "preview");
    for name in names {
        assert!(
            preview
                .stdout
                .contains(&format!("diff --git a/{name} b/{name}\n")),
            "{name}:\n{}",
            preview.stdout
        );
    }

    let patch_dir = tempfile::tempdir().unwrap();
    let patch_file = patch_dir.path().join("fix.patch");
    auditfix(root, &["fix", "--patch", patch_file.to_str().unwrap()]).expect(1, "patch");

    let before = frozen(root);
    auditfix(root, &["fix", "--branch", "auditfix/names"]).expect(0, "branch");
    assert_only_branch_added(root, &before, Some("auditfix/names"));
    let changed: BTreeSet<String> = branch_changes(root, "main", "auditfix/names")
        .into_iter()
        .collect();
    assert_eq!(changed, names.iter().map(|n| n.to_string()).collect());
    for name in names {
        let on_branch = git(root, &["show", &format!("auditfix/names:{name}")]);
        assert_eq!(
            on_branch.as_bytes(),
            expected[Path::new(name)].as_slice(),
            "{name}"
        );
    }

    git(root, &["apply", "--check", patch_file.to_str().unwrap()]);
    git(root, &["apply", patch_file.to_str().unwrap()]);
    assert_same_tree(&snapshot(root), &expected, "git apply vs --write");

    let plain = tempfile::tempdir().unwrap();
    copy_dir(source.path(), plain.path());
    patch_p1(plain.path(), &patch_file);
    assert_same_tree(&snapshot(plain.path()), &expected, "patch -p1 vs --write");
}

// ---------------------------------------------------------------------------
// patch files
// ---------------------------------------------------------------------------

/// auditfix never creates files; "new" files are new to git: untracked, or
/// added to the index but not committed. The patch applies to them with
/// `git apply` and `patch -p1`, CRLF, no final newline and spaces included.
#[test]
fn patch_applies_to_files_new_to_git() {
    let committed = tree(&[("committed.py", FIXABLE.as_bytes())]);
    let root = committed.path();
    git_init_commit(root);
    let crlf_no_newline = "def g(cur):\r\n    return cur.fetchone()[0]";
    let new_files: [(&str, &str); 3] = [
        ("untracked dir/new file.py", crlf_no_newline),
        ("added.py", FIXABLE),
        (
            "added crlf.py",
            "def h(cur):\r\n    return cur.fetchone()[0]\r\n",
        ),
    ];
    let new_files: Vec<(&str, &[u8])> = new_files
        .iter()
        .map(|(name, body)| (*name, body.as_bytes()))
        .collect();
    write_files(root, &new_files);
    git(root, &["add", "added.py", "added crlf.py"]);
    let original = tempfile::tempdir().unwrap();
    copy_dir(root, original.path());
    std::fs::remove_dir_all(original.path().join(".git")).unwrap();

    let written = tempfile::tempdir().unwrap();
    copy_dir(original.path(), written.path());
    auditfix(written.path(), &["fix", "--write"]).expect(0, "write");
    let expected = snapshot(written.path());

    let state = repo_state(root);
    let patch_dir = tempfile::tempdir().unwrap();
    let patch_file = patch_dir.path().join("new.patch");
    let patch_arg = patch_file.to_str().unwrap();
    auditfix(root, &["fix", "--patch", patch_arg]).expect(1, "patch");
    assert_eq!(repo_state(root), state, "--patch changed the repository");
    let patch = std::fs::read_to_string(&patch_file).unwrap();
    assert_eq!(diff_files(&patch).len(), 4, "{patch}");

    git(root, &["apply", "--check", patch_arg]);
    git(root, &["apply", patch_arg]);
    assert_same_tree(&snapshot(root), &expected, "git apply vs --write");

    let plain = tempfile::tempdir().unwrap();
    copy_dir(original.path(), plain.path());
    patch_p1(plain.path(), &patch_file);
    assert_same_tree(&snapshot(plain.path()), &expected, "patch -p1 vs --write");
}

// ---------------------------------------------------------------------------
// branch mode
// ---------------------------------------------------------------------------

/// A repository with two commits: `one.py` (fixable) then `two.py`
/// (fixable), tags `v1` (lightweight, first commit) and `v2` (annotated,
/// second commit).
fn two_commit_repo() -> TempDir {
    let dir = tree(&[("one.py", FIXABLE.as_bytes())]);
    let root = dir.path();
    git_init_commit(root);
    std::fs::write(root.join("two.py"), FIXABLE).unwrap();
    git(root, &["add", "two.py"]);
    git(root, &["commit", "-q", "-m", "second"]);
    git(root, &["tag", "v1", "HEAD~1"]);
    git(root, &["tag", "-a", "v2", "-m", "release 2"]);
    dir
}

#[test]
fn branch_from_a_detached_head_tags_and_shas() {
    let dir = two_commit_repo();
    let root = dir.path();
    let first = rev(root, "HEAD~1");
    let second = rev(root, "HEAD");
    git(root, &["checkout", "-q", "--detach", "HEAD"]);

    let cases: [(&str, Option<&str>, &str); 5] = [
        ("from-detached", None, second.as_str()),
        ("from-tag", Some("v1"), first.as_str()),
        ("from-annotated-tag", Some("v2"), second.as_str()),
        ("from-sha", Some(first.as_str()), first.as_str()),
        ("from-short-sha", Some(&first[..7]), first.as_str()),
    ];
    for (name, base, base_commit) in cases {
        let before = frozen(root);
        let mut args = vec!["fix", "--branch", name];
        if let Some(base) = base {
            args.extend(["--base", base]);
        }
        auditfix(root, &args).expect(0, name);
        assert_only_branch_added(root, &before, Some(name));
        assert_eq!(rev(root, &format!("{name}~1")), base_commit, "{name}");
        let expected: Vec<String> = if base_commit == first {
            vec!["one.py".into()]
        } else {
            vec!["one.py".into(), "two.py".into()]
        };
        assert_eq!(branch_changes(root, base_commit, name), expected, "{name}");
    }
    // Still detached, at the same commit.
    assert!(git_cmd(root)
        .args(["symbolic-ref", "-q", "HEAD"])
        .status()
        .unwrap()
        .code()
        .is_some_and(|c| c != 0));
    assert_eq!(rev(root, "HEAD"), second);

    let before = frozen(root);
    let run = auditfix(root, &["fix", "--branch", "x", "--base", "v2^{tree}"]).expect(2, "tree");
    assert!(run.stderr.contains("not a commit"), "{}", run.stderr);
    assert_only_branch_added(root, &before, None);
}

#[test]
fn branch_from_a_linked_worktree() {
    let dir = two_commit_repo();
    let root = dir.path();
    let parent = tempfile::tempdir().unwrap();
    let linked = parent.path().join("linked");
    git(
        root,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            linked.to_str().unwrap(),
            "HEAD~1",
        ],
    );
    let main_before = frozen(root);
    let linked_before = frozen(&linked);

    auditfix(&linked, &["fix", "--branch", "auditfix/linked"]).expect(0, "branch");
    assert_only_branch_added(&linked, &linked_before, Some("auditfix/linked"));
    assert_eq!(repo_state(root), main_before.0, "main worktree changed");
    assert_eq!(rev(root, "auditfix/linked~1"), rev(root, "feature"));
    assert_eq!(
        branch_changes(root, "feature", "auditfix/linked"),
        vec!["one.py"]
    );

    // Branches checked out in either working tree are refused, even with --force.
    for name in ["feature", "main"] {
        let before = frozen(&linked);
        let run = auditfix(&linked, &["fix", "--branch", name, "--force"]).expect(2, name);
        assert!(run.stderr.contains("checked out"), "{}", run.stderr);
        assert_only_branch_added(&linked, &before, None);
    }
}

#[test]
fn branch_with_a_submodule_leaves_the_gitlink_alone() {
    let sub = tree(&[("lib.py", FIXABLE.as_bytes())]);
    git_init_commit(sub.path());
    let dir = tree(&[("app.py", FIXABLE.as_bytes())]);
    let root = dir.path();
    git_init_commit(root);
    git(
        root,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.path().to_str().unwrap(),
            "vendor/lib",
        ],
    );
    git(root, &["commit", "-q", "-m", "add submodule"]);
    let gitlink = git(root, &["ls-tree", "HEAD", "vendor/lib"]);
    let checkout = root.join("vendor/lib");
    let before = frozen(root);
    let sub_before = frozen(&checkout);

    let run = auditfix(root, &["fix", "--branch", "auditfix/super"]).expect(0, "branch");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    assert_only_branch_added(root, &before, Some("auditfix/super"));
    assert_only_branch_added(&checkout, &sub_before, None);
    assert_eq!(
        branch_changes(root, "main", "auditfix/super"),
        vec!["app.py"]
    );
    assert_eq!(
        git(root, &["ls-tree", "auditfix/super", "vendor/lib"]),
        gitlink
    );

    // Naming the submodule: nothing of the superproject's to fix there.
    let run = auditfix(root, &["fix", "--branch", "auditfix/sub", "vendor/lib"]).expect(0, "sub");
    assert!(run.stderr.contains("Nothing to fix"), "{}", run.stderr);
    assert_only_branch_added(&checkout, &sub_before, None);
}

#[test]
fn invalid_branch_names_change_nothing() {
    let dir = two_commit_repo();
    let root = dir.path();
    let before = frozen(root);
    for name in [
        "bad..name",
        "-x",
        "a b",
        "HEAD",
        "x.lock",
        "ends/",
        "a~1",
        "a:b",
        "a^",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "@{u}",
        "",
    ] {
        let flag = format!("--branch={name}");
        let run = auditfix(root, &["fix", &flag]).expect(2, name);
        assert!(
            run.stderr
                .contains(&format!("`{name}` is not a valid git branch name")),
            "{name}: {}",
            run.stderr
        );
        assert_only_branch_added(root, &before, None);
    }
    // An existing branch needs --force; the refusal changes nothing.
    git(root, &["branch", "existing", "HEAD~1"]);
    let before = frozen(root);
    let run = auditfix(root, &["fix", "--branch", "existing"]).expect(2, "exists");
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_only_branch_added(root, &before, None);
}

#[test]
fn branch_in_a_repository_without_commits_creates_nothing() {
    let dir = tree(&[("app.py", FIXABLE.as_bytes())]);
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "app.py"]);
    let index = std::fs::read(root.join(".git/index")).unwrap();
    let files = snapshot(root);
    let objects = |root: &Path| {
        git(root, &["count-objects", "-v"])
            .lines()
            .find(|l| l.starts_with("count:"))
            .map(str::to_owned)
    };
    let objects_before = objects(root);
    for base in [None, Some("main"), Some("HEAD")] {
        let mut args = vec!["fix", "--branch", "auditfix/fixes"];
        if let Some(base) = base {
            args.extend(["--base", base]);
        }
        let run = auditfix(root, &args).expect(2, "unborn");
        assert!(
            run.stderr.contains("no commits"),
            "{base:?}: {}",
            run.stderr
        );
    }
    assert_eq!(git(root, &["for-each-ref"]), "");
    assert_eq!(std::fs::read(root.join(".git/index")).unwrap(), index);
    assert_eq!(snapshot(root), files);
    assert_eq!(objects(root), objects_before);
}

// ---------------------------------------------------------------------------
// configuration
// ---------------------------------------------------------------------------

#[test]
fn bad_configuration_files_name_the_file_and_the_key() {
    let cases: [(&str, &str, &[&str]); 8] = [
        (
            "auditfix.toml",
            "select = [\n",
            &["auditfix.toml", "line 1"],
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.auditfix]\nignore = [\"trailing-whitespace\"\n",
            &["pyproject.toml", "line 5"],
        ),
        (
            "auditfix.toml",
            "frobnicate = true\n",
            &["auditfix.toml", "frobnicate"],
        ),
        (
            "auditfix.toml",
            "unsafe-fixes = \"yes\"\n",
            &["auditfix.toml", "unsafe-fixes"],
        ),
        (
            "auditfix.toml",
            "select = \"bare-except\"\n",
            &["auditfix.toml", "select"],
        ),
        (
            "auditfix.toml",
            "select = [\"no-such-codemod\"]\n",
            &["auditfix.toml", "no-such-codemod"],
        ),
        (
            "pyproject.toml",
            "[tool.auditfix.fetchone-null-guard]\nmethod = [\"fetchone\"]\n",
            &["pyproject.toml", "fetchone-null-guard", "method"],
        ),
        (
            "auditfix.toml",
            "[request-timeout]\ntimeout = \"thirty\"\n",
            &["auditfix.toml", "request-timeout", "timeout"],
        ),
    ];
    for (file, body, expected) in cases {
        let dir = tree(&[("good.py", FIXABLE.as_bytes()), (file, body.as_bytes())]);
        let before = snapshot(dir.path());
        for args in [&["check"][..], &["fix", "--write"]] {
            let run = auditfix(dir.path(), args).expect(2, body);
            assert_eq!(run.stdout, "");
            for word in expected {
                assert!(
                    run.stderr.contains(word),
                    "{body:?}: no {word:?} in {}",
                    run.stderr
                );
            }
        }
        assert_same_tree(&before, &snapshot(dir.path()), "nothing written");
        // The same file through --config, from elsewhere.
        let elsewhere = tempfile::tempdir().unwrap();
        let config = dir.path().join(file);
        let run = auditfix(
            elsewhere.path(),
            &["check", "--config", config.to_str().unwrap()],
        );
        let run = run.expect(2, "--config");
        assert!(run.stderr.contains(file), "{}", run.stderr);
    }
}
