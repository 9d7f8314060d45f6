//! Helpers shared by the integration tests (each test binary uses some).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

// ---------------------------------------------------------------------------
// End-to-end helpers: the binary, git, snapshots of a directory
// ---------------------------------------------------------------------------

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Write `files` (relative path, contents) under `root`, creating folders.
pub fn write_files(root: &Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        let target = to.join(&name);
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `root` (relative path → bytes), `.git` excluded.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if entry.file_name() == ".git" {
                // A directory, or a file in a linked worktree.
                continue;
            }
            if kind.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_owned();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

pub fn py_files(snap: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<&PathBuf> {
    snap.keys()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect()
}

/// The paths whose contents differ between two snapshots (or exist in one only).
pub fn changed_paths(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> BTreeSet<PathBuf> {
    before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect()
}

pub fn assert_same_tree(
    left: &BTreeMap<PathBuf, Vec<u8>>,
    right: &BTreeMap<PathBuf, Vec<u8>>,
    what: &str,
) {
    let differing = changed_paths(left, right);
    assert!(differing.is_empty(), "{what}: files differ: {differing:?}");
}

/// The result of one run of a program.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Self {
        Run {
            code: output.status.code().expect("terminated by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    pub fn expect(self, code: i32, what: &str) -> Self {
        assert_eq!(
            self.code, code,
            "{what}: unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn auditfix_cmd(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("auditfix").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    cmd
}

pub fn auditfix(dir: &Path, args: &[&str]) -> Run {
    Run::from(auditfix_cmd(dir).args(args).output().unwrap())
}

pub fn git_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    cmd
}

/// Run git, assert success, return stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let run = Run::from(git_cmd(dir).args(args).output().unwrap());
    assert_eq!(run.code, 0, "git {args:?} failed: {}", run.stderr);
    run.stdout
}

/// Make `dir` a repository on branch `main` with everything committed.
pub fn git_init_commit(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["config", "user.name", "Audit Test"]);
    git(dir, &["config", "user.email", "audit@example.com"]);
    git(dir, &["config", "core.autocrlf", "false"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "initial"]);
}

/// `python3 -m compileall` over `dir`: every .py file must compile. The
/// bytecode goes to a temporary prefix, so `dir` stays clean.
pub fn assert_python_compiles(dir: &Path) {
    let before = snapshot(dir);
    assert!(!py_files(&before).is_empty(), "no Python files in {dir:?}");
    let cache = tempfile::tempdir().unwrap();
    let run = Run::from(
        Command::new("python3")
            .args(["-m", "compileall", "-q"])
            .arg(dir)
            .env("PYTHONPYCACHEPREFIX", cache.path())
            .output()
            .unwrap(),
    );
    assert_eq!(
        run.code, 0,
        "python3 -m compileall failed in {dir:?}:\n{}{}",
        run.stdout, run.stderr
    );
    assert_same_tree(
        &before,
        &snapshot(dir),
        "compileall must not write into the tree",
    );
}

/// What must not change when a fix branch is created.
#[derive(Debug, PartialEq)]
pub struct RepoState {
    pub head: String,
    pub symbolic_head: String,
    pub index: Vec<u8>,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

pub fn repo_state(dir: &Path) -> RepoState {
    // `--git-path`: `.git` may be a file (linked worktree, submodule).
    let git_path = |name: &str| {
        let path = git(dir, &["rev-parse", "--git-path", name]);
        dir.join(path.trim_end())
    };
    RepoState {
        head: git(dir, &["rev-parse", "HEAD"]),
        symbolic_head: std::fs::read_to_string(git_path("HEAD")).unwrap(),
        index: std::fs::read(git_path("index")).unwrap(),
        files: snapshot(dir),
    }
}

pub fn refs(dir: &Path) -> Vec<String> {
    git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Files named in the `diff --git a/X b/X` headers of a diff.
pub fn diff_files(diff: &str) -> BTreeSet<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("diff --git a/"))
        .map(|rest| rest.split(" b/").next().unwrap().to_owned())
        .collect()
}

/// `patch -p1` of `patch_file` in `dir`; must succeed.
pub fn patch_p1(dir: &Path, patch_file: &Path) {
    let run = Run::from(
        std::process::Command::new("patch")
            .args(["-p1", "--batch", "--no-backup-if-mismatch"])
            .current_dir(dir)
            .stdin(std::fs::File::open(patch_file).unwrap())
            .output()
            .unwrap(),
    );
    assert_eq!(
        run.code, 0,
        "patch -p1 failed: {}{}",
        run.stdout, run.stderr
    );
}
