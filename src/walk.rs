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

/// Files to process and the paths that could not be walked.
pub fn discover(
    paths: &[PathBuf],
    exclude: &[String],
) -> Result<(Vec<PathBuf>, Vec<WalkError>), String> {
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
        let excluded = Excluder::new(root, exclude)?;
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
    Ok((files, errors))
}

/// `--exclude` / `exclude` patterns (gitignore syntax) relative to a root.
pub struct Excluder(Gitignore);

impl Excluder {
    pub fn new(root: &Path, patterns: &[String]) -> Result<Self, String> {
        let mut builder = GitignoreBuilder::new(root);
        for pattern in patterns {
            builder
                .add_line(None, pattern)
                .map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?;
        }
        builder
            .build()
            .map(Self)
            .map_err(|e| format!("exclude patterns: {e}"))
    }

    /// Whether `path` (under the root) or one of its parents is excluded.
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        path.starts_with(self.0.path())
            && self.0.matched_path_or_any_parents(path, is_dir).is_ignore()
    }
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
        let (files, errors) = discover(&[root.to_owned()], &["vendor/".into()]).unwrap();
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
        let (files, errors) = discover(&[dir.path().to_owned()], &[]).unwrap();
        assert_eq!(files, vec![dir.path().join("pkg/a.py")]);
        assert!(errors.is_empty());
        let named = dir.path().join("pkg/s.py");
        let (files, errors) = discover(std::slice::from_ref(&named), &[]).unwrap();
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
        let (files, errors) = discover(&[script.clone(), missing.clone()], &[]).unwrap();
        assert_eq!(files, vec![script]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, missing);
    }
}
