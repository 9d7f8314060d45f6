//! Discovery: which files to process.
//!
//! A gitignore-aware walk (the `ignore` crate) of the given paths that keeps
//! Python files: `.py` and `.pyi`, plus extension-less files with a python
//! shebang when they are named explicitly. Symlinks are not followed, so
//! the walk never leaves the given roots through one. The result is sorted
//! and free of duplicates, so runs are deterministic.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::WalkBuilder;

/// A path that could not be walked, with the reason.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub reason: String,
}

impl WalkError {
    /// Name the entry that failed (not the root of the walk) and give the
    /// reason once: `locked: Permission denied (os error 13)`, not
    /// `.: ./locked: IO error for operation on ./locked: Permission denied`.
    fn from_ignore(root: &Path, err: ignore::Error) -> Self {
        let mut path = root.to_owned();
        let mut err = err;
        loop {
            match err {
                ignore::Error::WithPath {
                    path: p,
                    err: inner,
                } => {
                    path = p.strip_prefix(".").map(Path::to_owned).unwrap_or(p);
                    err = *inner;
                }
                ignore::Error::WithDepth { err: inner, .. }
                | ignore::Error::WithLineNumber { err: inner, .. } => err = *inner,
                ignore::Error::Io(io) => {
                    // walkdir wraps the OS error with its path again: keep
                    // the innermost error only.
                    let mut innermost: &dyn std::error::Error = &io;
                    while let Some(source) = innermost.source() {
                        innermost = source;
                    }
                    return Self {
                        path,
                        reason: innermost.to_string(),
                    };
                }
                other => {
                    return Self {
                        path,
                        reason: other.to_string(),
                    }
                }
            }
        }
    }
}

/// Files to process and the paths that could not be walked. Files named
/// explicitly are always taken; `excluded` only prunes what the walk of a
/// directory finds.
pub fn discover(paths: &[PathBuf], excluded: &Excluder) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let metadata = match std::fs::symlink_metadata(root) {
            Ok(m) => m,
            Err(err) => {
                errors.push(WalkError {
                    path: root.clone(),
                    reason: err.to_string(),
                });
                continue;
            }
        };
        if metadata.is_file() {
            if is_python_file(root, true) {
                files.push(root.clone());
            }
            continue;
        }
        if metadata.file_type().is_symlink() {
            // Never followed: it may lead out of the given roots.
            errors.push(WalkError {
                path: root.clone(),
                reason: "is a symlink; not followed".into(),
            });
            continue;
        }
        let excluded = excluded.clone();
        let walker = WalkBuilder::new(root)
            .follow_links(false)
            .require_git(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !excluded.matches(entry.path(), is_dir)
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_python_file(entry.path(), false) {
                        // `./a.py` → `a.py`: paths are shown as the user wrote them.
                        let path = entry.into_path();
                        files.push(path.strip_prefix(".").map(Path::to_owned).unwrap_or(path));
                    }
                }
                Err(err) => errors.push(WalkError::from_ignore(root, err)),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Exclude patterns (gitignore syntax) and the directory they are anchored
/// at: the working directory for `--exclude`, the configuration file's
/// directory for `exclude = [...]`.
#[derive(Debug, Clone)]
pub struct ExcludePatterns {
    /// An absolute directory.
    pub base: PathBuf,
    pub patterns: Vec<String>,
}

/// Decides which paths the exclude patterns skip, as git decides what a
/// `.gitignore` in the pattern's base directory ignores:
///
/// - under the base, a pattern with a slash before its end
///   (`service/x/**`, `/build`) matches from the base; one without
///   (`migrations/`, `*_pb2.py`) matches a file or directory name at any
///   depth below it; `!pattern` re-includes;
/// - outside the base (`auditfix check ../lib` with `--exclude`), only the
///   patterns without a slash apply (and those starting with `**/`),
///   matched against the path's components below the directory it shares
///   with the base, so `__pycache__/` still skips `../lib/__pycache__`
///   while `service/x/**` names nothing there.
///
/// Groups are applied in order and the last one that matches a path
/// decides, so the command line's `!keep.py` can re-include what the
/// configuration excludes.
#[derive(Clone)]
pub struct Excluder {
    /// The working directory, against which relative paths are resolved.
    cwd: PathBuf,
    groups: std::sync::Arc<Vec<Group>>,
}

struct Group {
    base: PathBuf,
    /// Every pattern, for paths under `base`.
    all: Gitignore,
    /// The patterns that match at any depth, for paths outside `base`.
    anywhere: Gitignore,
}

impl Excluder {
    /// `cwd` must be absolute, as must each group's base.
    pub fn new(cwd: &Path, groups: &[ExcludePatterns]) -> Result<Self, String> {
        let build = |base: &Path, patterns: &mut dyn Iterator<Item = &String>| {
            let mut builder = GitignoreBuilder::new(base);
            for pattern in patterns {
                builder
                    .add_line(None, pattern)
                    .map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?;
            }
            builder
                .build()
                .map_err(|e| format!("exclude patterns: {e}"))
        };
        let groups = groups
            .iter()
            .filter(|g| !g.patterns.is_empty())
            .map(|g| {
                Ok(Group {
                    base: normalize(&g.base),
                    all: build(&g.base, &mut g.patterns.iter())?,
                    anywhere: build(
                        &g.base,
                        &mut g.patterns.iter().filter(|p| matches_anywhere(p)),
                    )?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self {
            cwd: cwd.to_owned(),
            groups: std::sync::Arc::new(groups),
        })
    }

    /// Whether `path` (absolute, or relative to the working directory) or
    /// one of its parents is excluded.
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        if self.groups.is_empty() {
            return false;
        }
        let absolute = normalize(&self.cwd.join(path));
        let mut excluded = false;
        for group in self.groups.iter() {
            let verdict = match absolute.strip_prefix(&group.base) {
                Ok(relative) if relative.as_os_str().is_empty() => continue,
                Ok(relative) => group.all.matched_path_or_any_parents(relative, is_dir),
                Err(_) => {
                    let shared = common_ancestor(&absolute, &group.base);
                    let Ok(below) = absolute.strip_prefix(shared) else {
                        continue;
                    };
                    if below.as_os_str().is_empty() {
                        continue;
                    }
                    group.anywhere.matched_path_or_any_parents(below, is_dir)
                }
            };
            if !verdict.is_none() {
                excluded = verdict.is_ignore();
            }
        }
        excluded
    }
}

/// Whether a gitignore pattern matches at any depth: no slash except a
/// trailing one, or a leading `**/`.
fn matches_anywhere(pattern: &str) -> bool {
    let body = pattern.strip_prefix('!').unwrap_or(pattern);
    let body = body.strip_suffix('/').unwrap_or(body);
    !body.contains('/')
        || body
            .strip_prefix("**/")
            .is_some_and(|rest| !rest.contains('/'))
}

/// The longest common leading part of two absolute paths.
fn common_ancestor<'a>(a: &'a Path, b: &Path) -> &'a Path {
    let mut shared = a;
    while !b.starts_with(shared) {
        match shared.parent() {
            Some(parent) => shared = parent,
            None => break,
        }
    }
    shared
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), without touching the file
/// system: excluded paths need not exist.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `.py` / `.pyi`; with `explicit`, also a file whose first line is a
/// python shebang.
pub fn is_python_file(path: &Path, explicit: bool) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("py" | "pyi") => true,
        None if explicit => std::fs::read(path).is_ok_and(|bytes| has_python_shebang(&bytes)),
        _ => false,
    }
}

/// `#!/usr/bin/env python3`, `#!/usr/bin/python` …
pub fn has_python_shebang(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    first.starts_with(b"#!") && String::from_utf8_lossy(first).contains("python")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_excludes() -> Excluder {
        Excluder::new(Path::new("/"), &[]).unwrap()
    }

    #[test]
    fn walks_python_files_respecting_gitignore_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("pkg/build")).unwrap();
        std::fs::create_dir_all(root.join("vendor")).unwrap();
        for f in [
            "pkg/a.py",
            "pkg/b.pyi",
            "pkg/c.txt",
            "pkg/build/gen.py",
            "vendor/v.py",
            "tool",
        ] {
            std::fs::write(root.join(f), "x = 1\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let excluded = Excluder::new(
            root,
            &[ExcludePatterns {
                base: root.to_owned(),
                patterns: vec!["vendor/".into()],
            }],
        )
        .unwrap();
        let (files, errors) = discover(&[root.to_owned()], &excluded);
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            vec![PathBuf::from("pkg/a.py"), PathBuf::from("pkg/b.pyi")]
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn symlinks_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.py"), "x = 1\n").unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/a.py"), "x = 1\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("pkg/out")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.py"),
            dir.path().join("pkg/s.py"),
        )
        .unwrap();
        let (files, errors) = discover(&[dir.path().to_owned()], &no_excludes());
        assert_eq!(files, vec![dir.path().join("pkg/a.py")]);
        assert!(errors.is_empty());
        let named = dir.path().join("pkg/s.py");
        let (files, errors) = discover(std::slice::from_ref(&named), &no_excludes());
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].reason.contains("symlink"));
    }

    #[test]
    fn explicit_script_with_shebang_is_taken_and_missing_path_reported() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("manage");
        std::fs::write(&script, "#!/usr/bin/env python3\nprint(1)\n").unwrap();
        let missing = dir.path().join("nope.py");
        let (files, errors) = discover(&[script.clone(), missing.clone()], &no_excludes());
        assert_eq!(files, vec![script]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, missing);
    }

    #[test]
    fn excludes_are_anchored_at_their_base() {
        let group = |base: &str, patterns: &[&str]| ExcludePatterns {
            base: PathBuf::from(base),
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
        };
        let cwd = Path::new("/w/proj");
        let excluded = Excluder::new(
            cwd,
            &[group(
                "/w/proj",
                &["service/x/**", "migrations/", "*_pb2.py", "/top.py"],
            )],
        )
        .unwrap();
        let is = |path: &str| excluded.matches(Path::new(path), false);
        // Anchored: from the base, whatever the walk's root.
        assert!(is("service/x/a.py"));
        assert!(is("/w/proj/service/x/deep/a.py"));
        assert!(is("./service/../service/x/a.py"));
        assert!(!is("other/service/x/a.py"));
        assert!(is("top.py") && !is("pkg/top.py"));
        // Without a slash: any depth.
        assert!(is("migrations/0001.py") && is("app/migrations/0001.py"));
        assert!(is("a/b/api_pb2.py"));
        assert!(!is("app/migration.py"));
        // Outside the base only the patterns without a slash apply, below
        // the shared directory (`/w`): `proj`'s own parents never match.
        assert!(is("../lib/migrations/x.py") && is("/w/lib/api_pb2.py"));
        assert!(!is("../lib/service/x/a.py") && !is("/w/top.py"));

        // The last group that matches decides: the command line re-includes.
        let excluded = Excluder::new(
            cwd,
            &[
                group("/w", &["proj/gen/*.py"]),
                group("/w/proj", &["!gen/keep.py"]),
            ],
        )
        .unwrap();
        assert!(excluded.matches(Path::new("gen/a.py"), false));
        assert!(!excluded.matches(Path::new("gen/keep.py"), false));
    }
}
