//! Scratch databases for shadow replays (`check --shadow`, [`crate::testing`]).
//!
//! Each is named `retort_shadow_<pid>_<host>_<random>`: the process id of the run that made it
//! and a tag of the process-id space it ran in ([`host_tag`]). It is dropped when the run is
//! done with it, when SIGINT, SIGTERM or SIGHUP interrupts the run ([`crate::interrupt`]), and
//! otherwise (the run was killed with SIGKILL, the machine lost power) by a later run: before
//! making its own, a run drops the scratch databases whose tag is its own and whose process no
//! longer exists. A database of another machine or container (another tag), or of a process
//! that still exists, is never touched.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{Connection as _, QueryableByName, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::{replace_database, PgDriver};
use crate::backend::{DatabaseUrl, DbError, Driver, OpenOptions, Scratch};

const PREFIX: &str = "retort_shadow_";

/// Creates a scratch database on the server of `like`, after dropping those left by dead runs.
pub(super) fn create(driver: &PgDriver, like: &DatabaseUrl) -> Result<Scratch, DbError> {
    let server = like.as_str().to_owned();
    let mut admin =
        PgConnection::establish(&server).map_err(|source| DbError::connect(like, source))?;
    drop_stale(&mut admin);
    let name = format!("{}{}", database_prefix(std::process::id()), random_hex());
    let drop_sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    // Registered before the database exists, so a signal in between still removes it.
    let guard = crate::interrupt::register(Box::new({
        let (server, drop_sql) = (server.clone(), drop_sql.clone());
        move || {
            if let Ok(mut admin) = PgConnection::establish(&server) {
                let _ = admin.batch_execute(&drop_sql);
            }
        }
    }));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(DbError::query(format!(
            "creating the shadow database {name} (the role needs CREATEDB)"
        )))?;
    drop(admin);
    let url: DatabaseUrl = replace_database(&server, &name).parse()?;
    let conn = driver.open(&url, &OpenOptions::default())?;
    Ok(Scratch {
        conn,
        cleanup: Some(Box::new(move || drop(guard))),
    })
}

/// The beginning of the names of the scratch databases that process `pid` of this machine (or
/// container) makes: `retort_shadow_<pid>_<host>_`.
pub fn database_prefix(pid: u32) -> String {
    format!(
        "{PREFIX}{pid}_{}_",
        host_tag().unwrap_or_else(|| "unknown".to_owned())
    )
}

/// A tag of the process-id space this process runs in: on Linux, a hash of the kernel's boot id
/// and of this process's pid namespace, so the same pid on another machine, in another
/// container, or before a reboot never matches. `None` where that cannot be known (then no
/// scratch database is ever dropped as stale).
fn host_tag() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let namespace = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let digest = Sha256::new()
        .chain_update(boot.trim())
        .chain_update(b"\0")
        .chain_update(namespace.to_string_lossy().as_bytes())
        .finalize();
    Some(digest[..4].iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether process `pid` of this pid namespace still exists (a zombie counts as existing).
fn process_exists(pid: u32) -> bool {
    std::path::Path::new("/proc").join(pid.to_string()).exists()
}

fn random_hex() -> String {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The pid in a scratch database's name, when its tag is `tag`.
fn stale_pid(name: &str, tag: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let mut parts = rest.split('_');
    let (pid, name_tag, random) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if parts.next().is_some() || name_tag != tag || !hex(random) {
        return None;
    }
    pid.parse().ok()
}

/// Drops the scratch databases of dead processes of this machine. Best effort: a database
/// another role owns, or one a concurrent run drops first, is left alone.
fn drop_stale(admin: &mut PgConnection) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let Some(tag) = host_tag() else { return };
    let Ok(names) = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname LIKE '{}%'",
        PREFIX.replace('_', "\\_")
    ))
    .load::<Name>(admin) else {
        return;
    };
    for name in names.iter().map(|n| n.datname.as_str()) {
        let Some(pid) = stale_pid(name, &tag) else {
            continue;
        };
        if pid != std::process::id() && !process_exists(pid) {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_this_tag_are_candidates() {
        assert_eq!(
            stale_pid("retort_shadow_42_abcd0123_deadbeef", "abcd0123"),
            Some(42)
        );
        assert_eq!(
            stale_pid("retort_shadow_42_ffff0000_deadbeef", "abcd0123"),
            None
        );
        // Names of older releases carry no tag: whose they are cannot be known.
        assert_eq!(stale_pid("retort_shadow_42_deadbeef", "abcd0123"), None);
        assert_eq!(
            stale_pid("retort_shadow_x_abcd0123_deadbeef", "abcd0123"),
            None
        );
        assert_eq!(
            stale_pid("retort_shadow_42_abcd0123_dead_x", "abcd0123"),
            None
        );
        assert_eq!(stale_pid("app_42_abcd0123_deadbeef", "abcd0123"), None);
    }

    #[test]
    fn this_process_exists_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(process_exists(std::process::id()));
            assert!(host_tag().is_some_and(|t| t.len() == 8));
            assert!(database_prefix(7).starts_with("retort_shadow_7_"));
        }
    }
}
