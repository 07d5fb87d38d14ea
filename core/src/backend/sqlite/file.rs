//! The database file a run created, and removing it again when the run failed.
//!
//! `upgrade` on a missing file creates it. When that first run fails, nothing of it stays
//! applied (a run is one transaction), so the file would be left empty: it is removed, but only
//! when this connection created it, it is still the same file, and it still holds no table,
//! checked under SQLite's exclusive lock (no other connection is in a transaction). A process
//! that opened the file meanwhile and starts a run after the removal finds it gone when its
//! run begins ([`FileId::check`]) and fails instead of writing into a removed file.

use std::path::{Path, PathBuf};

/// The identity of a file (device and inode on Unix), to notice it was removed or replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileId {
    path: PathBuf,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileId {
    /// The identity of the file at `path` now, if there is one.
    pub(super) fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let _ = meta;
        Some(FileId {
            path: path.to_owned(),
            #[cfg(unix)]
            inode,
        })
    }

    /// Whether the path still names this file.
    pub(super) fn is_current(&self) -> bool {
        FileId::of(&self.path).as_ref() == Some(self)
    }

    /// An error when the path no longer names this file (another run removed the empty file it
    /// had created while this connection waited).
    pub(super) fn check(&self) -> Result<(), String> {
        if self.is_current() {
            Ok(())
        } else {
            Err(format!(
                "the database file {} was removed or replaced since this run opened it (a failed \
                 first run removes the empty file it created); run again",
                crate::shown::path(&self.path)
            ))
        }
    }

    /// Removes the file.
    pub(super) fn remove(&self) -> std::io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Connection, DatabaseUrl};
    use crate::script::ScriptDirectory;

    #[test]
    fn a_run_that_waited_fails_when_the_file_it_opened_was_removed() {
        let dir = tempfile::tempdir().unwrap();
        let scripts = ScriptDirectory::create(dir.path().join("migrations")).unwrap();
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("x.db").display())
            .parse()
            .unwrap();
        let first = Connection::open(&url, true).unwrap();
        // Opened after the first created the file: not this connection's to remove.
        let mut second = Connection::open(&url, true).unwrap();
        let third = Connection::open(&url, true).unwrap();
        assert!(!third.close_after_failure(), "it did not create the file");
        assert!(first.close_after_failure(), "empty, and created by it");
        assert!(!dir.path().join("x.db").exists());
        let err = crate::runner::upgrade(&mut second, &scripts, "heads").unwrap_err();
        let mut chain = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(c) = cause {
            chain.push_str(&format!(": {c}"));
            cause = c.source();
        }
        assert!(chain.contains("was removed or replaced"), "{chain}");
    }
}
