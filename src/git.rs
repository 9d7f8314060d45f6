//! Branch mode: deliver fixes as commits on a new branch, built with libgit2.
//!
//! Everything here works on git objects only. File contents come from the
//! *base commit's* blobs, never from the working tree, so uncommitted edits
//! cannot leak into the fix branch and the result is reproducible from the
//! base id alone.
//!
//! Invariants:
//! - HEAD, the index, the working tree and every ref other than
//!   `refs/heads/<name>` are left exactly as they were. Commits are created
//!   without a ref update and the branch ref is written once, at the end.
//! - A branch that is checked out in any working tree is never moved, not
//!   even with `force`, because its working tree would silently stop matching
//!   its HEAD.
//! - No branch is created when no step changed anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{
    Branch, ErrorCode, FileMode, ObjectType, Oid, Repository, RepositoryOpenFlags, Signature,
};

/// Errors of branch mode: short, actionable, naming the path/revision/branch.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{} is not inside a git repository; branch mode needs one", path.display())]
    NotARepository { path: PathBuf },

    #[error("the repository has no commits yet; branch mode needs a base commit to build on")]
    UnbornHead,

    #[error("cannot use `{rev}` as the base commit: {reason}")]
    BadRevision { rev: String, reason: String },

    #[error("`{name}` is not a valid git branch name")]
    InvalidBranchName { name: String },

    #[error("branch `{name}` already exists; pass --force to replace it")]
    BranchExists { name: String },

    #[error(
        "branch `{name}` is checked out in {}; refusing to move it (even with --force) \
         because that working tree would no longer match its HEAD; choose another branch name",
        worktree.display()
    )]
    BranchCheckedOut { name: String, worktree: PathBuf },

    #[error(
        "`{path}` is not a regular file in the base tree; branch mode only rewrites regular files"
    )]
    NotAFile { path: String },

    #[error("git: {}", .0.message())]
    Git(#[from] git2::Error),
}

/// A file of the base commit. Its contents stay in the object database
/// until [`FixRepo::read`] asks for them, so listing a large tree costs
/// little memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFile {
    /// Repo-relative, '/'-separated.
    pub path: String,
    /// The blob's id.
    pub id: Oid,
    /// Git filemode: 0o100644 or 0o100755.
    pub mode: i32,
}

/// One commit to make: new contents for some files (repo-relative paths that
/// exist in the base tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStep {
    /// The codemod whose fixes the commit holds.
    pub codemod: &'static str,
    pub message: String,
    pub changes: Vec<(String, Vec<u8>)>,
}

/// A repository opened for branch mode, pinned to one base commit.
pub struct FixRepo {
    repo: Repository,
    base: Oid,
}

const MODE_BLOB: i32 = 0o100644;
const MODE_EXEC: i32 = 0o100755;

impl FixRepo {
    /// Discover the repository that contains `start` (a directory or file
    /// path; discovery walks up like git does, honouring
    /// `GIT_CEILING_DIRECTORIES`).
    ///
    /// `base`: None = HEAD; otherwise any revision git understands (branch,
    /// tag, full/short SHA, "HEAD~1"); annotated tags are peeled to their
    /// commit.
    pub fn open(start: &Path, base: Option<&str>) -> Result<FixRepo, GitError> {
        let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Self::open_with_ceilings(start, base, &ceilings)
    }

    fn open_with_ceilings(
        start: &Path,
        base: Option<&str>,
        ceilings: &[PathBuf],
    ) -> Result<FixRepo, GitError> {
        let repo = Repository::open_ext(start, RepositoryOpenFlags::empty(), ceilings).map_err(
            |e| match e.code() {
                ErrorCode::NotFound => GitError::NotARepository {
                    path: start.to_path_buf(),
                },
                _ => GitError::Git(e),
            },
        )?;
        let base = resolve_base(&repo, base)?;
        Ok(FixRepo { repo, base })
    }

    /// The working-tree root, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The base commit's id as hex.
    pub fn base_id(&self) -> String {
        self.base.to_string()
    }

    /// Regular-file blobs (modes 100644 and 100755; symlinks and submodules
    /// are skipped) of the base tree under one of `prefixes` (an empty slice,
    /// `""` or `"."` means everything; a prefix matches itself or whole
    /// directory components below it), for which `keep(path, bytes)` holds.
    /// Sorted by path. Entries whose path is not UTF-8 are skipped, since
    /// they could not be named in a [`CommitStep`].
    pub fn base_files(
        &self,
        prefixes: &[String],
        keep: impl Fn(&str, &[u8]) -> bool,
    ) -> Result<Vec<BaseFile>, GitError> {
        let filter = PrefixFilter::new(prefixes);
        let root = self.repo.find_commit(self.base)?.tree_id();
        let mut out = Vec::new();
        // Explicit stack: tree depth is attacker-controlled, recursion is not safe.
        let mut stack: Vec<(String, Oid)> = vec![(String::new(), root)];
        while let Some((dir, tree_id)) = stack.pop() {
            let tree = self.repo.find_tree(tree_id)?;
            for entry in tree.iter() {
                let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                    continue;
                };
                let path = if dir.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir}/{name}")
                };
                // filemode() normalises the legacy 100664 to 100644.
                let mode = entry.filemode();
                let regular = mode == MODE_BLOB || mode == MODE_EXEC;
                match entry.kind() {
                    Some(ObjectType::Tree) if filter.may_contain(&path) => {
                        stack.push((path, entry.id()));
                    }
                    Some(ObjectType::Blob) if regular && filter.matches(&path) => {
                        let blob = self.repo.find_blob(entry.id())?;
                        if keep(&path, blob.content()) {
                            out.push(BaseFile {
                                path,
                                id: entry.id(),
                                mode,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// The contents of a file listed by [`FixRepo::base_files`].
    pub fn read(&self, file: &BaseFile) -> Result<Vec<u8>, GitError> {
        Ok(self.repo.find_blob(file.id)?.content().to_vec())
    }

    /// Fail early if `name` is not a valid branch name, if
    /// `refs/heads/<name>` exists and `!force`, or (even with `force`) if the
    /// branch is checked out in a working tree.
    pub fn check_branch(&self, name: &str, force: bool) -> Result<(), GitError> {
        // name_is_valid errors only on interior NULs, which are invalid anyway.
        if !Branch::name_is_valid(name).unwrap_or(false) {
            return Err(GitError::InvalidBranchName {
                name: name.to_owned(),
            });
        }
        let refname = format!("refs/heads/{name}");
        if let Some(worktree) = self.checked_out_at(&refname)? {
            return Err(GitError::BranchCheckedOut {
                name: name.to_owned(),
                worktree,
            });
        }
        if !force && self.ref_exists(&refname)? {
            return Err(GitError::BranchExists {
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Make one commit per step on top of the base, skip steps that change
    /// nothing, and point `refs/heads/<name>` at the last commit. Returns the
    /// ids of the commits made; when there are none, no branch is created.
    pub fn commit_steps(
        &self,
        name: &str,
        force: bool,
        steps: &[CommitStep],
    ) -> Result<Vec<String>, GitError> {
        let made = self.commit_steps_by(name, force, steps, None)?;
        Ok(made.into_iter().map(|(_, id)| id).collect())
    }

    /// [`commit_steps`](Self::commit_steps) with `author` instead of the
    /// repository's configured author (the committer stays the configured
    /// one). Each commit id comes with the index of its step.
    pub fn commit_steps_by(
        &self,
        name: &str,
        force: bool,
        steps: &[CommitStep],
        author: Option<&Signature<'_>>,
    ) -> Result<Vec<(usize, String)>, GitError> {
        self.check_branch(name, force)?;
        let made = self.commit_chain(steps, author)?;
        let Some((_, last)) = made.last() else {
            return Ok(Vec::new());
        };
        let refname = format!("refs/heads/{name}");
        let log = format!("auditfix: fix branch from {}", self.short_base());
        self.repo
            .reference(&refname, *last, force, &log)
            .map_err(|e| match e.code() {
                // Someone created it between check_branch and now.
                ErrorCode::Exists => GitError::BranchExists {
                    name: name.to_owned(),
                },
                _ => GitError::Git(e),
            })?;
        Ok(made
            .iter()
            .map(|(step, id)| (*step, id.to_string()))
            .collect())
    }

    /// The commits of `steps` on top of the base, one per step that
    /// changes something (with the step's index), referenced by no branch
    /// (objects only).
    fn commit_chain(
        &self,
        steps: &[CommitStep],
        author: Option<&Signature<'_>>,
    ) -> Result<Vec<(usize, Oid)>, GitError> {
        let committer = self.signature()?;
        let author = author.unwrap_or(&committer);
        let mut parent = self.repo.find_commit(self.base)?;
        let mut made = Vec::new();
        for (index, step) in steps.iter().enumerate() {
            let parent_tree = parent.tree()?;
            let tree_id = self.updated_tree(&parent_tree, &step.changes)?;
            if tree_id == parent_tree.id() {
                continue;
            }
            let tree = self.repo.find_tree(tree_id)?;
            // No ref update here: only the final branch ref may change.
            let id =
                self.repo
                    .commit(None, author, &committer, &step.message, &tree, &[&parent])?;
            made.push((index, id));
            parent = self.repo.find_commit(id)?;
        }
        Ok(made)
    }

    /// `git format-patch`-style mails of `steps` as commits on the base,
    /// numbered `[PATCH i/n]`, which `git am` applies in order on the base
    /// commit, each with the index of its step. No branch or other ref
    /// is created or changed.
    pub fn patch_series(
        &self,
        steps: &[CommitStep],
        author: Option<&Signature<'_>>,
    ) -> Result<Vec<(usize, Vec<u8>)>, GitError> {
        let ids = self.commit_chain(steps, author)?;
        let count = ids.len();
        let mut mails = Vec::new();
        for (index, (step, id)) in ids.iter().enumerate() {
            let commit = self.repo.find_commit(*id)?;
            let parent = commit.parent(0)?;
            let diff =
                self.repo
                    .diff_tree_to_tree(Some(&parent.tree()?), Some(&commit.tree()?), None)?;
            let message = commit.message().unwrap_or("");
            let (summary, body) = message.split_once("\n\n").unwrap_or((message, ""));
            let mut options = git2::EmailCreateOptions::new();
            options.always_number(true);
            let mail = git2::Email::from_diff(
                &diff,
                index + 1,
                count,
                id,
                summary.trim_end(),
                body,
                &commit.author(),
                &mut options,
            )?;
            mails.push((*step, mail.as_slice().to_vec()));
        }
        Ok(mails)
    }

    fn updated_tree(
        &self,
        parent: &git2::Tree<'_>,
        changes: &[(String, Vec<u8>)],
    ) -> Result<Oid, GitError> {
        // Last write wins for a path named twice, as if applied in order.
        let latest: BTreeMap<&str, &[u8]> = changes
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        if latest.is_empty() {
            return Ok(parent.id());
        }
        let mut update = TreeUpdateBuilder::new();
        for (path, bytes) in latest {
            let mode = match parent.get_path(Path::new(path)) {
                Ok(entry) => match (entry.kind(), entry.filemode()) {
                    (Some(ObjectType::Blob), MODE_EXEC) => FileMode::BlobExecutable,
                    (Some(ObjectType::Blob), MODE_BLOB) => FileMode::Blob,
                    _ => {
                        return Err(GitError::NotAFile {
                            path: path.to_owned(),
                        })
                    }
                },
                // A file the base lacks is added as a plain file.
                Err(e) if e.code() == ErrorCode::NotFound => FileMode::Blob,
                Err(e) => return Err(e.into()),
            };
            let blob = self.repo.blob(bytes)?;
            update.upsert(path, blob, mode);
        }
        Ok(update.create_updated(&self.repo, parent)?)
    }

    fn signature(&self) -> Result<Signature<'static>, GitError> {
        match self.repo.signature() {
            Ok(sig) => Ok(sig),
            Err(e) if e.code() == ErrorCode::NotFound => {
                Ok(Signature::now("auditfix", "auditfix@localhost")?)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn short_base(&self) -> String {
        let full = self.base.to_string();
        self.repo
            .find_object(self.base, None)
            .and_then(|o| o.short_id())
            .ok()
            .and_then(|buf| buf.as_str().ok().map(str::to_owned))
            .unwrap_or_else(|| full.chars().take(7).collect())
    }

    fn ref_exists(&self, refname: &str) -> Result<bool, GitError> {
        match self.repo.find_reference(refname) {
            Ok(_) => Ok(true),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The working tree (this one, the main one or any linked one) whose
    /// HEAD is a symbolic ref to `refname`, if any. Bare repositories have no
    /// working tree to desynchronise, so their HEAD does not count.
    fn checked_out_at(&self, refname: &str) -> Result<Option<PathBuf>, GitError> {
        if let Some(wd) = self.repo.workdir() {
            if head_points_at(&self.repo, refname)? {
                return Ok(Some(wd.to_path_buf()));
            }
        }
        let common = Repository::open(self.repo.commondir())?;
        if let Some(wd) = common.workdir() {
            if head_points_at(&common, refname)? {
                return Ok(Some(wd.to_path_buf()));
            }
        }
        let names = common.worktrees()?;
        // Names that are not UTF-8 cannot be looked up through git2; skip them.
        for name in names.iter().flatten().flatten() {
            // Read the admin HEAD directly so that worktrees whose directory
            // is missing (not yet pruned) still protect their branch, as git does.
            let admin = common.path().join("worktrees").join(name);
            let Ok(head) = std::fs::read_to_string(admin.join("HEAD")) else {
                continue;
            };
            if head.trim_end().strip_prefix("ref:").map(str::trim) == Some(refname) {
                let place = common
                    .find_worktree(name)
                    .map(|wt| wt.path().to_path_buf())
                    .unwrap_or(admin);
                return Ok(Some(place));
            }
        }
        Ok(None)
    }
}

fn head_points_at(repo: &Repository, refname: &str) -> Result<bool, GitError> {
    let head = repo.find_reference("HEAD")?;
    Ok(head.symbolic_target_bytes() == Some(refname.as_bytes()))
}

/// Unborn HEAD and not a single ref: no revision could name anything.
/// (`Repository::is_empty` is not used because it also insists that HEAD
/// names `init.defaultBranch`.)
fn has_no_commits(repo: &Repository) -> bool {
    let unborn = matches!(repo.head(), Err(e) if e.code() == ErrorCode::UnbornBranch);
    unborn
        && repo
            .references()
            .is_ok_and(|mut refs| refs.next().is_none())
}

fn resolve_base(repo: &Repository, base: Option<&str>) -> Result<Oid, GitError> {
    let Some(rev) = base else {
        return match repo.head() {
            Ok(head) => Ok(head.peel_to_commit()?.id()),
            Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
                Err(GitError::UnbornHead)
            }
            Err(e) => Err(e.into()),
        };
    };
    let bad = |reason: String| GitError::BadRevision {
        rev: rev.to_owned(),
        reason,
    };
    let object = match repo.revparse_single(rev) {
        Ok(o) => o,
        Err(_) if has_no_commits(repo) => return Err(GitError::UnbornHead),
        Err(e) => return Err(bad(e.message().to_owned())),
    };
    let commit = object.peel_to_commit().map_err(|_| {
        let kind = object.kind().map_or("object", |k| k.str());
        bad(format!("it names a {kind}, not a commit"))
    })?;
    Ok(commit.id())
}

/// Repo-relative prefix selection with whole-component matching.
struct PrefixFilter {
    /// None = everything.
    prefixes: Option<Vec<String>>,
}

impl PrefixFilter {
    fn new(raw: &[String]) -> Self {
        let mut prefixes = Vec::new();
        for p in raw {
            let mut p = p.as_str();
            while let Some(rest) = p.strip_prefix("./") {
                p = rest;
            }
            let p = p.trim_end_matches('/');
            if p.is_empty() || p == "." {
                return PrefixFilter { prefixes: None };
            }
            prefixes.push(p.to_owned());
        }
        PrefixFilter {
            prefixes: (!prefixes.is_empty()).then_some(prefixes),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match &self.prefixes {
            None => true,
            Some(ps) => ps.iter().any(|p| is_at_or_under(path, p)),
        }
    }

    /// Whether a directory can hold a matching path: it lies under a prefix
    /// or a prefix lies under it.
    fn may_contain(&self, dir: &str) -> bool {
        match &self.prefixes {
            None => true,
            Some(ps) => ps
                .iter()
                .any(|p| is_at_or_under(dir, p) || is_at_or_under(p, dir)),
        }
    }
}

fn is_at_or_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::build::CheckoutBuilder;
    use std::fs;
    use std::process::Command;
    use tempfile::TempDir;

    const FILES: &[(&str, &[u8], i32)] = &[
        ("README.md", b"# demo\n", MODE_BLOB),
        ("app/main.py", b"import os\nprint(os.getcwd())\n", MODE_BLOB),
        (
            "app/util.py",
            b"def f():\n    return eval('1')\n",
            MODE_BLOB,
        ),
        ("application.py", b"x = 1\n", MODE_BLOB),
        ("run.sh", b"#!/bin/sh\npython app/main.py\n", MODE_EXEC),
        ("pkg/sub/mod.py", b"assert x\n", MODE_BLOB),
    ];

    /// A work repo with two commits: "initial" (README only) and "full"
    /// (FILES, a symlink `link` and a gitlink `vendor/lib`), checked out on
    /// `main`, with a modified tracked file and an untracked file on disk.
    fn fixture() -> (TempDir, Repository) {
        let td = TempDir::new().unwrap();
        let repo = init(&td.path().join("work"), false);
        let sig = Signature::now("Test Author", "test@example.com").unwrap();
        let empty_id = repo.treebuilder(None).unwrap().write().unwrap();
        {
            let empty = repo.find_tree(empty_id).unwrap();

            let mut up = TreeUpdateBuilder::new();
            up.upsert("README.md", repo.blob(b"# demo\n").unwrap(), FileMode::Blob);
            let t1 = repo
                .find_tree(up.create_updated(&repo, &empty).unwrap())
                .unwrap();
            let c1 = repo
                .commit(Some("HEAD"), &sig, &sig, "initial", &t1, &[])
                .unwrap();
            let c1 = repo.find_commit(c1).unwrap();

            let mut up = TreeUpdateBuilder::new();
            for (path, bytes, mode) in FILES {
                let m = if *mode == MODE_EXEC {
                    FileMode::BlobExecutable
                } else {
                    FileMode::Blob
                };
                up.upsert(*path, repo.blob(bytes).unwrap(), m);
            }
            up.upsert("link", repo.blob(b"app/main.py").unwrap(), FileMode::Link);
            up.upsert("vendor/lib", c1.id(), FileMode::Commit);
            let t2 = repo
                .find_tree(up.create_updated(&repo, &t1).unwrap())
                .unwrap();
            repo.commit(Some("HEAD"), &sig, &sig, "full", &t2, &[&c1])
                .unwrap();
            repo.checkout_head(Some(CheckoutBuilder::new().force()))
                .unwrap();

            let wd = repo.workdir().unwrap().to_path_buf();
            fs::write(wd.join("app/util.py"), b"uncommitted edit\n").unwrap();
            fs::write(wd.join("notes.txt"), b"untracked\n").unwrap();
        }
        (td, repo)
    }

    fn init(path: &Path, bare: bool) -> Repository {
        let mut opts = git2::RepositoryInitOptions::new();
        opts.bare(bare).initial_head("main");
        let repo = Repository::init_opts(path, &opts).unwrap();
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Fixer Bot").unwrap();
        cfg.set_str("user.email", "fixer@example.com").unwrap();
        repo
    }

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn open(repo: &Repository, base: Option<&str>) -> FixRepo {
        let start = repo.workdir().unwrap_or_else(|| repo.path());
        FixRepo::open(start, base).unwrap()
    }

    fn step(message: &str, changes: &[(&str, &[u8])]) -> CommitStep {
        CommitStep {
            codemod: "test",
            message: message.to_owned(),
            changes: changes
                .iter()
                .map(|(p, b)| (p.to_string(), b.to_vec()))
                .collect(),
        }
    }

    fn blob_at(repo: &Repository, commit: &str, path: &str) -> (Vec<u8>, i32) {
        let c = repo.find_commit(Oid::from_str(commit).unwrap()).unwrap();
        let e = c.tree().unwrap().get_path(Path::new(path)).unwrap();
        let b = repo.find_blob(e.id()).unwrap();
        (b.content().to_vec(), e.filemode())
    }

    fn branch_tip(repo: &Repository, name: &str) -> Option<String> {
        repo.find_reference(&format!("refs/heads/{name}"))
            .ok()
            .and_then(|r| r.target())
            .map(|o| o.to_string())
    }

    /// Everything branch mode must not touch, as comparable data.
    #[derive(Debug, PartialEq)]
    struct Snapshot {
        head: (Option<String>, Option<String>),
        index: Option<Vec<u8>>,
        files: BTreeMap<PathBuf, Vec<u8>>,
        refs: BTreeMap<String, String>,
    }

    fn snapshot(repo: &Repository, except_branch: &str) -> Snapshot {
        let head = repo.find_reference("HEAD").unwrap();
        let head = (
            head.symbolic_target().unwrap().map(str::to_owned),
            head.target().map(|o| o.to_string()),
        );
        let index = fs::read(repo.path().join("index")).ok();
        let mut files = BTreeMap::new();
        if let Some(wd) = repo.workdir() {
            let mut stack = vec![wd.to_path_buf()];
            while let Some(dir) = stack.pop() {
                for e in fs::read_dir(&dir).unwrap() {
                    let e = e.unwrap();
                    let p = e.path();
                    if e.file_name() == ".git" {
                        continue;
                    }
                    let ft = e.file_type().unwrap();
                    let rel = p.strip_prefix(wd).unwrap().to_path_buf();
                    if ft.is_symlink() {
                        let target = fs::read_link(&p).unwrap();
                        files.insert(rel, target.into_os_string().into_encoded_bytes());
                    } else if ft.is_dir() {
                        files.insert(rel, b"<dir>".to_vec());
                        stack.push(p);
                    } else {
                        files.insert(rel, fs::read(&p).unwrap());
                    }
                }
            }
        }
        let skip = format!("refs/heads/{except_branch}");
        let mut refs = BTreeMap::new();
        for r in repo.references().unwrap() {
            let r = r.unwrap();
            let name = r.name().unwrap().to_owned();
            if name != skip {
                let target = r
                    .target()
                    .map(|o| o.to_string())
                    .or_else(|| r.symbolic_target().unwrap().map(str::to_owned))
                    .unwrap();
                refs.insert(name, target);
            }
        }
        Snapshot {
            head,
            index,
            files,
            refs,
        }
    }

    #[test]
    fn commits_chain_on_base_keep_messages_and_modes() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let base = fx.base_id();
        let steps = [
            step(
                "fix: eval in util",
                &[("app/util.py", b"def f():\n    return 1\n")],
            ),
            step(
                "fix: asserts and script",
                &[
                    ("pkg/sub/mod.py", b"if not x:\n    raise AssertionError\n"),
                    ("run.sh", b"#!/bin/sh\nexec python app/main.py\n"),
                ],
            ),
        ];
        let ids = fx.commit_steps("auditfix/fixes", false, &steps).unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(
            branch_tip(&repo, "auditfix/fixes").as_deref(),
            Some(ids[1].as_str())
        );

        let c1 = repo.find_commit(Oid::from_str(&ids[0]).unwrap()).unwrap();
        let c2 = repo.find_commit(Oid::from_str(&ids[1]).unwrap()).unwrap();
        assert_eq!(
            c1.parent_ids().map(|o| o.to_string()).collect::<Vec<_>>(),
            vec![base.clone()]
        );
        assert_eq!(c2.parent_ids().collect::<Vec<_>>(), vec![c1.id()]);
        assert_eq!(c1.message().ok(), Some("fix: eval in util"));
        assert_eq!(c2.message().ok(), Some("fix: asserts and script"));
        assert_eq!(c2.author().name().ok(), Some("Fixer Bot"));
        assert_eq!(c2.committer().email().ok(), Some("fixer@example.com"));

        // New bytes come from the steps, not from the dirty working tree.
        assert_eq!(
            blob_at(&repo, &ids[0], "app/util.py").0,
            b"def f():\n    return 1\n"
        );
        assert_eq!(
            blob_at(&repo, &ids[0], "run.sh"),
            (FILES[4].1.to_vec(), MODE_EXEC)
        );
        assert_eq!(
            blob_at(&repo, &ids[1], "pkg/sub/mod.py"),
            (b"if not x:\n    raise AssertionError\n".to_vec(), MODE_BLOB)
        );
        assert_eq!(
            blob_at(&repo, &ids[1], "run.sh"),
            (b"#!/bin/sh\nexec python app/main.py\n".to_vec(), MODE_EXEC)
        );
        // Untouched entries are the very same objects as in the base.
        let base_tree = repo
            .find_commit(Oid::from_str(&base).unwrap())
            .unwrap()
            .tree()
            .unwrap();
        let tip_tree = c2.tree().unwrap();
        for path in [
            "README.md",
            "app/main.py",
            "application.py",
            "link",
            "vendor/lib",
        ] {
            let a = base_tree.get_path(Path::new(path)).unwrap();
            let b = tip_tree.get_path(Path::new(path)).unwrap();
            assert_eq!((a.id(), a.filemode()), (b.id(), b.filemode()), "{path}");
        }
        assert_eq!(tip_tree.len(), base_tree.len());

        let reflog = repo.reflog("refs/heads/auditfix/fixes").unwrap();
        let msg = reflog
            .get(0)
            .unwrap()
            .message()
            .unwrap()
            .unwrap()
            .to_owned();
        assert!(msg.starts_with("auditfix: fix branch from "), "{msg}");
        assert!(base.starts_with(msg.rsplit(' ').next().unwrap()), "{msg}");
    }

    #[test]
    fn head_index_worktree_and_other_refs_untouched() {
        let (_td, repo) = fixture();
        let before = snapshot(&repo, "fix");
        assert!(before.index.is_some());
        assert!(before.files.contains_key(Path::new("notes.txt")));
        let fx = open(&repo, None);
        let ids = fx
            .commit_steps(
                "fix",
                false,
                &[step(
                    "s",
                    &[("app/util.py", b"fixed\n"), ("README.md", b"new\n")],
                )],
            )
            .unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(snapshot(&repo, "fix"), before);
        assert_eq!(
            fs::read(repo.workdir().unwrap().join("app/util.py")).unwrap(),
            b"uncommitted edit\n"
        );
    }

    #[test]
    fn existing_branch_needs_force() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        repo.branch("taken", &head, false).unwrap();
        let steps = [step("s", &[("README.md", b"changed\n")])];

        let err = fx.commit_steps("taken", false, &steps).unwrap_err();
        assert!(
            matches!(&err, GitError::BranchExists { name } if name == "taken"),
            "{err:?}"
        );
        assert!(err.to_string().contains("--force"));
        assert!(matches!(
            fx.check_branch("taken", false),
            Err(GitError::BranchExists { .. })
        ));
        assert_eq!(branch_tip(&repo, "taken"), Some(head.id().to_string()));

        fx.check_branch("taken", true).unwrap();
        let ids = fx.commit_steps("taken", true, &steps).unwrap();
        assert_eq!(branch_tip(&repo, "taken").as_deref(), Some(ids[0].as_str()));
    }

    #[test]
    fn invalid_branch_names_refused() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        for name in [
            "bad..name",
            "-x",
            "a b",
            "",
            "HEAD",
            "x.lock",
            "a/",
            "~x",
            "a:b",
        ] {
            let err = fx.check_branch(name, true).unwrap_err();
            assert!(
                matches!(&err, GitError::InvalidBranchName { name: n } if n == name),
                "{name:?}: {err:?}"
            );
            let err = fx
                .commit_steps(name, true, &[step("s", &[("README.md", b"x")])])
                .unwrap_err();
            assert!(
                matches!(err, GitError::InvalidBranchName { .. }),
                "{name:?}"
            );
        }
        fx.check_branch("auditfix/ok-name_1", false).unwrap();
    }

    #[test]
    fn checked_out_branch_refused_even_with_force() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let before = branch_tip(&repo, "main");
        let err = fx
            .commit_steps("main", true, &[step("s", &[("README.md", b"x")])])
            .unwrap_err();
        assert!(
            matches!(&err, GitError::BranchCheckedOut { name, .. } if name == "main"),
            "{err:?}"
        );
        assert!(err.to_string().contains("checked out"), "{err}");
        assert_eq!(branch_tip(&repo, "main"), before);
    }

    #[test]
    fn unborn_repo_reports_unborn_head() {
        let td = TempDir::new().unwrap();
        let repo = init(&td.path().join("empty"), false);
        let wd = repo.workdir().unwrap();
        assert!(matches!(FixRepo::open(wd, None), Err(GitError::UnbornHead)));
        assert!(matches!(
            FixRepo::open(wd, Some("main")),
            Err(GitError::UnbornHead)
        ));
    }

    #[test]
    fn plain_directory_is_not_a_repository() {
        let td = TempDir::new().unwrap();
        let dir = td.path().join("plain");
        fs::create_dir(&dir).unwrap();
        // The ceiling keeps discovery from finding a repository above the temp dir.
        let ceilings = [td.path().to_path_buf()];
        let err = FixRepo::open_with_ceilings(&dir, None, &ceilings)
            .err()
            .unwrap();
        assert!(
            matches!(&err, GitError::NotARepository { path } if path == &dir),
            "{err:?}"
        );
        assert!(err.to_string().contains(&dir.display().to_string()));
    }

    #[test]
    fn discovery_walks_up_from_subdirs_and_files() {
        let (_td, repo) = fixture();
        let wd = repo.workdir().unwrap();
        let head = repo.head().unwrap().target().unwrap().to_string();
        for start in [
            wd.join("pkg/sub"),
            wd.join("pkg/sub/mod.py"),
            wd.join("notes.txt"),
        ] {
            let fx = FixRepo::open(&start, None).unwrap();
            assert_eq!(fx.base_id(), head);
            assert_eq!(
                fx.workdir().map(fs::canonicalize).transpose().unwrap(),
                Some(fs::canonicalize(wd).unwrap())
            );
        }
    }

    #[test]
    fn detached_head_works() {
        let (_td, repo) = fixture();
        let first = repo.revparse_single("HEAD~1").unwrap().id();
        repo.set_head_detached(first).unwrap();
        let before = snapshot(&repo, "fix");
        let fx = open(&repo, None);
        assert_eq!(fx.base_id(), first.to_string());
        let ids = fx
            .commit_steps("fix", false, &[step("s", &[("README.md", b"detached\n")])])
            .unwrap();
        let c = repo.find_commit(Oid::from_str(&ids[0]).unwrap()).unwrap();
        assert_eq!(c.parent_id(0).unwrap(), first);
        assert_eq!(snapshot(&repo, "fix"), before);
        // A detached HEAD has no branch to protect.
        fx.check_branch("main", true).unwrap();
    }

    #[test]
    fn base_revisions_tag_sha_short_sha_and_ancestry() {
        let (_td, repo) = fixture();
        let first = repo.revparse_single("HEAD~1").unwrap();
        let sig = Signature::now("T", "t@example.com").unwrap();
        repo.tag("v1", &first, &sig, "annotated", false).unwrap();
        let full = first.id().to_string();
        for rev in [
            "v1",
            "refs/tags/v1",
            full.as_str(),
            &full[..8],
            "HEAD~1",
            "main^",
        ] {
            assert_eq!(open(&repo, Some(rev)).base_id(), full, "{rev}");
        }
        let fx = open(&repo, Some("v1"));
        let files = fx.base_files(&[], |_, _| true).unwrap();
        assert_eq!(
            files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            vec!["README.md"]
        );
        let ids = fx
            .commit_steps("from-tag", false, &[step("s", &[("README.md", b"t\n")])])
            .unwrap();
        let c = repo.find_commit(Oid::from_str(&ids[0]).unwrap()).unwrap();
        assert_eq!(c.parent_id(0).unwrap(), first.id());
    }

    #[test]
    fn bad_revision_reported() {
        let (_td, repo) = fixture();
        let wd = repo.workdir().unwrap();
        for rev in [
            "no-such-branch",
            "HEAD~5",
            "deadbeefdeadbeef",
            "HEAD^{tree}",
            "HEAD:README.md",
        ] {
            let err = FixRepo::open(wd, Some(rev)).err().unwrap();
            assert!(
                matches!(&err, GitError::BadRevision { rev: r, .. } if r == rev),
                "{rev}: {err:?}"
            );
            assert!(err.to_string().contains(rev));
        }
    }

    #[test]
    fn linked_worktree_works_and_is_untouched() {
        let (td, repo) = fixture();
        let wt_path = td.path().join("wt");
        git(
            repo.workdir().unwrap(),
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "wt-branch",
                wt_path.to_str().unwrap(),
            ],
        );
        fs::write(wt_path.join("README.md"), b"dirty in worktree\n").unwrap();
        fs::write(wt_path.join("scratch.txt"), b"untracked\n").unwrap();
        let wt_repo = Repository::open(&wt_path).unwrap();
        assert!(wt_repo.is_worktree());
        let before_wt = snapshot(&wt_repo, "fix");
        let before_main = snapshot(&repo, "fix");

        let fx = FixRepo::open(&wt_path, None).unwrap();
        assert_eq!(
            fx.base_id(),
            repo.head().unwrap().target().unwrap().to_string()
        );
        // Both the worktree's own branch and the main worktree's branch are in use.
        for name in ["wt-branch", "main"] {
            let err = fx.check_branch(name, true).unwrap_err();
            assert!(
                matches!(err, GitError::BranchCheckedOut { .. }),
                "{name}: {err:?}"
            );
        }
        // And from the main worktree, the linked worktree's branch is protected too.
        assert!(matches!(
            open(&repo, None).check_branch("wt-branch", true),
            Err(GitError::BranchCheckedOut { .. })
        ));

        let ids = fx
            .commit_steps(
                "fix",
                false,
                &[step("s", &[("app/main.py", b"print(1)\n")])],
            )
            .unwrap();
        assert_eq!(ids.len(), 1);
        // The branch is shared: visible from the main repository.
        assert_eq!(branch_tip(&repo, "fix").as_deref(), Some(ids[0].as_str()));
        assert_eq!(snapshot(&wt_repo, "fix"), before_wt);
        assert_eq!(snapshot(&repo, "fix"), before_main);
    }

    #[test]
    fn bare_repository_works() {
        let (td, work) = fixture();
        let bare_path = td.path().join("bare.git");
        let bare = init(&bare_path, true);
        let head = work.head().unwrap().target().unwrap();
        // Copy the objects by fetching through a local remote.
        let mut remote = bare
            .remote_anonymous(work.path().to_str().unwrap())
            .unwrap();
        remote
            .fetch(&["refs/heads/main:refs/heads/main"], None, None)
            .unwrap();
        drop(remote);

        let fx = FixRepo::open(&bare_path, None).unwrap();
        assert!(fx.workdir().is_none());
        assert_eq!(fx.base_id(), head.to_string());
        // HEAD of a bare repository is not a checkout: force may move it.
        fx.check_branch("main", true).unwrap();
        let ids = fx
            .commit_steps("fix", false, &[step("s", &[("app/main.py", b"bare\n")])])
            .unwrap();
        assert_eq!(blob_at(&bare, &ids[0], "app/main.py").0, b"bare\n");
        assert_eq!(branch_tip(&bare, "main"), Some(head.to_string()));
    }

    #[test]
    fn base_files_prefix_semantics() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let paths = |prefixes: &[&str]| -> Vec<String> {
            let prefixes: Vec<String> = prefixes.iter().map(|s| s.to_string()).collect();
            fx.base_files(&prefixes, |_, _| true)
                .unwrap()
                .into_iter()
                .map(|f| f.path)
                .collect()
        };
        let all = vec![
            "README.md",
            "app/main.py",
            "app/util.py",
            "application.py",
            "pkg/sub/mod.py",
            "run.sh",
        ];
        assert_eq!(paths(&[]), all);
        assert_eq!(paths(&[""]), all);
        assert_eq!(paths(&["."]), all);
        assert_eq!(paths(&["app", "."]), all);
        assert_eq!(paths(&["app"]), vec!["app/main.py", "app/util.py"]);
        assert_eq!(paths(&["app/"]), vec!["app/main.py", "app/util.py"]);
        assert_eq!(paths(&["./app"]), vec!["app/main.py", "app/util.py"]);
        assert_eq!(paths(&["application.py"]), vec!["application.py"]);
        assert_eq!(
            paths(&["app/util.py", "pkg/sub"]),
            vec!["app/util.py", "pkg/sub/mod.py"]
        );
        assert_eq!(paths(&["pkg/sub/mod.py"]), vec!["pkg/sub/mod.py"]);
        assert_eq!(paths(&["pk", "app/m", "missing"]), Vec::<String>::new());

        // Bytes are the committed ones, not the dirty working-tree ones.
        let files = fx.base_files(&["app/util.py".into()], |_, _| true).unwrap();
        assert_eq!(fx.read(&files[0]).unwrap(), FILES[2].1);
        assert_eq!(files[0].mode, MODE_BLOB);
        let run = fx.base_files(&["run.sh".into()], |_, _| true).unwrap();
        assert_eq!(run[0].mode, MODE_EXEC);
    }

    #[test]
    fn base_files_skips_symlinks_submodules_and_honours_keep() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let all = fx.base_files(&[], |_, _| true).unwrap();
        assert!(all
            .iter()
            .all(|f| f.path != "link" && !f.path.starts_with("vendor")));
        assert!(fx
            .base_files(&["link".into(), "vendor".into()], |_, _| true)
            .unwrap()
            .is_empty());

        let py = fx
            .base_files(&[], |p, bytes| {
                p.ends_with(".py") && !bytes.starts_with(b"x")
            })
            .unwrap();
        let py: Vec<_> = py.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(py, vec!["app/main.py", "app/util.py", "pkg/sub/mod.py"]);
    }

    #[test]
    fn deep_trees_do_not_recurse() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let depth = 2000;
        let path = vec!["d"; depth].join("/") + "/deep.py";
        let sig = Signature::now("T", "t@example.com").unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let mut up = TreeUpdateBuilder::new();
        up.upsert(path.as_str(), repo.blob(b"deep\n").unwrap(), FileMode::Blob);
        let tree = repo
            .find_tree(up.create_updated(&repo, &head.tree().unwrap()).unwrap())
            .unwrap();
        let c = repo
            .commit(None, &sig, &sig, "deep", &tree, &[&head])
            .unwrap();
        drop(fx);
        let fx = open(&repo, Some(&c.to_string()));
        let files = fx.base_files(&["d/d".into()], |_, _| true).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, path);
    }

    #[test]
    fn unchanged_steps_make_no_commit() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let same = FILES[0].1;
        let steps = [
            step("noop: same bytes", &[("README.md", same)]),
            step("real", &[("README.md", b"different\n")]),
            step("noop: empty", &[]),
            step(
                "noop: back to the previous step's bytes",
                &[("README.md", b"different\n")],
            ),
        ];
        let ids = fx.commit_steps("fix", false, &steps).unwrap();
        assert_eq!(ids.len(), 1);
        let c = repo.find_commit(Oid::from_str(&ids[0]).unwrap()).unwrap();
        assert_eq!(c.message().ok(), Some("real"));
        assert_eq!(c.parent_id(0).unwrap().to_string(), fx.base_id());
        assert_eq!(branch_tip(&repo, "fix").as_deref(), Some(ids[0].as_str()));
    }

    #[test]
    fn all_empty_steps_create_no_branch() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        let refs_before = snapshot(&repo, "").refs;
        let steps = [step("a", &[]), step("b", &[("run.sh", FILES[4].1)])];
        assert_eq!(
            fx.commit_steps("fix", false, &steps).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            fx.commit_steps("fix", false, &[]).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(branch_tip(&repo, "fix"), None);
        assert_eq!(snapshot(&repo, "").refs, refs_before);
    }

    #[test]
    fn non_file_targets_refused_and_new_files_added_as_plain() {
        let (_td, repo) = fixture();
        let fx = open(&repo, None);
        for path in ["app", "link", "vendor/lib"] {
            let err = fx
                .commit_steps("fix", false, &[step("s", &[(path, b"x")])])
                .unwrap_err();
            assert!(
                matches!(&err, GitError::NotAFile { path: p } if p == path),
                "{path}: {err:?}"
            );
        }
        assert_eq!(branch_tip(&repo, "fix"), None);
        let ids = fx
            .commit_steps(
                "fix",
                false,
                &[step("s", &[("pkg/new/extra.py", b"new\n")])],
            )
            .unwrap();
        assert_eq!(
            blob_at(&repo, &ids[0], "pkg/new/extra.py"),
            (b"new\n".to_vec(), MODE_BLOB)
        );
    }
}
