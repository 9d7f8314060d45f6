//! In-place writes: atomic (temp file in the same directory, then rename),
//! mode bits kept, and refused when the file changed since it was read.

use std::io::Write as _;
use std::path::Path;

use crate::driver::FileError;

/// Replace `path`'s contents with `new`, if it still holds `expected`.
pub fn replace_file(path: &Path, expected: &[u8], new: &[u8]) -> Result<(), FileError> {
    let current = std::fs::read(path).map_err(|e| FileError::Write(e.to_string()))?;
    if current != expected {
        return Err(FileError::ChangedOnDisk);
    }
    let metadata = std::fs::symlink_metadata(path).map_err(|e| FileError::Write(e.to_string()))?;
    // A rename would replace the link, or bypass the read-only bit: neither
    // is what the user asked for.
    if !metadata.is_file() {
        return Err(FileError::Write(
            "not a regular file (a symlink?); not written".into(),
        ));
    }
    if metadata.permissions().readonly() {
        return Err(FileError::Write(
            "the file is read-only; not written".into(),
        ));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let write = || -> std::io::Result<()> {
        let mut temp = tempfile::Builder::new()
            .prefix(".auditfix-")
            .tempfile_in(dir)?;
        temp.write_all(new)?;
        temp.as_file().sync_all()?;
        std::fs::set_permissions(temp.path(), metadata.permissions())?;
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    // On any error the temp file is removed when `temp` drops.
    write().map_err(|e| FileError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o750)).unwrap();
        replace_file(&path, b"old\n", b"new\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o750
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp file left behind");
    }

    #[test]
    fn refuses_read_only_files_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = replace_file(&path, b"old\n", b"new\n").unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");

        let target = dir.path().join("b.py");
        std::fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = replace_file(&link, b"old\n", b"new\n").unwrap_err();
        assert!(err.to_string().contains("symlink"), "{err}");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"old\n");
    }

    #[test]
    fn refuses_a_file_changed_since_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "changed\n").unwrap();
        assert!(matches!(
            replace_file(&path, b"old\n", b"new\n"),
            Err(FileError::ChangedOnDisk)
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"changed\n");
    }

    #[test]
    fn refuses_a_file_replaced_by_a_directory_since_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside.py"), "kept\n").unwrap();
        let err = replace_file(&path, b"old\n", b"new\n").unwrap_err();
        assert!(matches!(err, FileError::Write(_)), "{err}");
        assert_eq!(std::fs::read(path.join("inside.py")).unwrap(), b"kept\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp file left behind");
    }
}
