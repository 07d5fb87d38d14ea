//! A full disk under an SQLite database (issue 23, item 4): the run reports the first error,
//! that the disk is full, not its rollback's, and leaves no hot journal. The disk is a tiny
//! tmpfs, which needs root to mount; elsewhere the test skips, saying so.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{skipped, Models, Project, NO_TMPFS};

/// A mounted tmpfs of `kib` KiB, unmounted on drop.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(kib: u32) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            skipped(
                NO_TMPFS,
                "cannot mount a tmpfs to fill; run the tests as root",
            );
            return None;
        }
        Some(TinyDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Writes the revision's scripts.
fn write_scripts(dir: &Path, up: &str, down: &str) {
    std::fs::write(dir.join("up.sql"), up).unwrap();
    std::fs::write(dir.join("down.sql"), down).unwrap();
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_full_disk_is_reported_as_such_and_leaves_no_hot_journal() {
    let Some(disk) = TinyDisk::mount(256) else {
        return;
    };
    let p = Project::new();
    let db = disk.path().join("app.db");
    std::fs::write(
        p.path().join("Retort.toml"),
        format!(
            "database_url = \"sqlite://{}\"\nmigrations_dir = \"migrations\"\n",
            db.display()
        ),
    )
    .unwrap();
    p.run(Models::None, &["revision", "-m", "small"]).expect(0);
    write_scripts(
        &p.revision_dirs()[0],
        "CREATE TABLE s (x TEXT);\n",
        "DROP TABLE s;\n",
    );
    p.run(Models::None, &["upgrade", "head"]).expect(0);
    let size_before = std::fs::metadata(&db).unwrap().len();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.run(Models::None, &["revision", "-m", "fill"]).expect(0);
    // About 2 MB of rows: eight times the disk.
    write_scripts(
        &p.revision_dirs()[1],
        "CREATE TABLE t (x TEXT);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
         WHERE i < 2000) INSERT INTO t SELECT hex(randomblob(500)) FROM n;\n",
        "DROP TABLE t;\n",
    );
    let run = p.run(Models::None, &["upgrade", "head"]).expect(2);
    assert!(
        run.stderr.contains("database or disk is full") && run.stderr.contains("line 2"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("outside of a transaction"),
        "{}",
        run.stderr
    );
    // Rolled back by the run itself: no journal left for the next opener to replay.
    assert_eq!(files_in(disk.path()), std::slice::from_ref(&db));
    assert_eq!(std::fs::metadata(&db).unwrap().len(), size_before);
    let run = p.run(Models::None, &["current"]).expect(0);
    assert!(run.stdout.contains("small"), "{}", run.stdout);
}
