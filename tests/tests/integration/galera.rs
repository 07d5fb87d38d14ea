//! A MariaDB Galera cluster (`TEST_GALERA_URLS`, three nodes, started by `scripts/galera.sh`
//! from `scripts/test.sh`): runs started at once on every node apply each revision exactly
//! once, and a node killed during a run leaves the others at head, then rejoins at head.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::support::{skipped, Run};

const BLOG: &str = env!("CARGO_BIN_EXE_retort_custom");

/// The reason Galera tests skip.
const NO_GALERA: &str = "no Galera";

/// The three nodes' server URLs: `TEST_GALERA_URLS` (set by `scripts/test.sh`). Without it the
/// tests fail under CI and skip, loudly, elsewhere.
fn galera_urls() -> Option<Vec<String>> {
    match std::env::var("TEST_GALERA_URLS") {
        Ok(urls) if !urls.is_empty() => {
            let urls: Vec<String> = urls.split(',').map(str::to_owned).collect();
            assert_eq!(
                urls.len(),
                3,
                "TEST_GALERA_URLS names three nodes: {urls:?}"
            );
            Some(urls)
        }
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_GALERA_URLS is not set: CI must test Galera (run ./scripts/test.sh)")
        }
        _ => {
            skipped(
                NO_GALERA,
                "TEST_GALERA_URLS is not set; run ./scripts/test.sh to test a Galera cluster",
            );
            None
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A project whose database lives on the cluster, with a URL per node.
struct Cluster {
    dir: tempfile::TempDir,
    /// The project's database on each node.
    urls: Vec<String>,
    servers: Vec<String>,
    name: String,
    /// Holds the tests' own lock (one Galera test at a time: one kills a node).
    _serial: MysqlConnection,
}

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

impl Cluster {
    fn new() -> Option<Cluster> {
        let servers = galera_urls()?;
        // GET_LOCK is node-local, which is enough here: every Galera test takes it on node 1.
        let mut serial = MysqlConnection::establish(&servers[0]).expect("connect to node 1");
        let got: V =
            diesel::sql_query("SELECT CAST(GET_LOCK('retort_galera_tests', 600) AS CHAR) AS v")
                .get_result(&mut serial)
                .expect("the tests' lock");
        assert_eq!(got.v.as_deref(), Some("1"));
        let name = format!(
            "retort_galera_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        // DDL replicates (TOI): the database exists on every node.
        serial
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`"
            ))
            .expect("create the test database");
        // Every node has it before anything connects to it (a node applies the replicated
        // DDL a moment later; a causal read waits for it).
        for server in &servers {
            let mut node = MysqlConnection::establish(server).expect("connect to the node");
            node.batch_execute("SET SESSION wsrep_sync_wait = 1")
                .expect("causal reads");
            let found: Vec<V> = diesel::sql_query(format!(
                "SELECT SCHEMA_NAME AS v FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
            ))
            .load(&mut node)
            .expect("read the node's databases");
            assert_eq!(found.len(), 1, "the test database reached {server}");
        }
        let cluster = Cluster {
            dir: tempfile::tempdir().expect("a temporary directory"),
            urls: servers
                .iter()
                .map(|s| retort::backend::mysql::replace_database(s, &name))
                .collect(),
            servers,
            name,
            _serial: serial,
        };
        std::fs::write(
            cluster.dir.path().join("Retort.toml"),
            format!(
                "database_url = \"{}\"\nmigrations_dir = \"migrations\"\n",
                cluster.urls[0]
            ),
        )
        .unwrap();
        cluster.run(BLOG, &["init"]).expect(0);
        Some(cluster)
    }

    /// A command in the project directory (Retort.toml names node 1).
    fn command(&self, exe: &str, args: &[&str]) -> Command {
        let mut command = Command::new(exe);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL");
        command
    }

    fn run(&self, exe: &str, args: &[&str]) -> Run {
        Run::from(self.command(exe, args).output().expect("the CLI runs"))
    }

    /// `args` run against node `n` (0-based).
    fn on(&self, n: usize, args: &[&str]) -> Command {
        let mut all = args.to_vec();
        all.extend(["--database-url", &self.urls[n]]);
        self.command(BLOG, &all)
    }

    /// Rows of a query (single column `v`) on node `n`.
    fn strings(&self, n: usize, sql: &str) -> Vec<Option<String>> {
        let mut conn = MysqlConnection::establish(&self.urls[n]).expect("connect to the node");
        // Causal reads: what the cluster committed before (another node applies it a moment
        // later).
        conn.batch_execute("SET SESSION wsrep_sync_wait = 1")
            .unwrap();
        let rows: Vec<V> = diesel::sql_query(sql).load(&mut conn).expect("query runs");
        rows.into_iter().map(|r| r.v).collect()
    }

    /// The base revision from the blog's models, then `data` revisions, each inserting a tag
    /// (a second run of one would fail on the tags' unique key) around `pause`.
    fn revisions(&self, data: usize, pause: &str) -> Vec<String> {
        self.run(BLOG, &["autogenerate", "-m", "blog"]).expect(0);
        for i in 1..=data {
            self.run(BLOG, &["revision", "-m", &format!("data {i}")])
                .expect(0);
        }
        let dirs = revision_dirs(self.dir.path());
        for (i, dir) in dirs.iter().skip(1).enumerate() {
            let i = i + 1;
            std::fs::write(
                dir.join("up.sql"),
                format!(
                    "INSERT INTO tags (name) VALUES ('r{i}');\n{pause}\n\
                     INSERT INTO tags (name) VALUES ('r{i}b');\n"
                ),
            )
            .unwrap();
            std::fs::write(
                dir.join("down.sql"),
                format!("DELETE FROM tags WHERE name IN ('r{i}', 'r{i}b');\n"),
            )
            .unwrap();
        }
        let mut tags: Vec<String> = (1..=data)
            .flat_map(|i| [format!("r{i}"), format!("r{i}b")])
            .collect();
        tags.sort();
        tags
    }

    /// Node `n` is at head (each revision recorded once), holds exactly `tags`, no lock row,
    /// and `check` is clean there.
    fn assert_at_head(&self, n: usize, tags: &[String]) {
        let revisions = revision_dirs(self.dir.path()).len();
        let versions = self.strings(
            n,
            "SELECT CAST(COUNT(*) AS CHAR) AS v FROM __diesel_schema_migrations \
             GROUP BY version ORDER BY version",
        );
        assert_eq!(
            versions,
            vec![Some("1".to_owned()); revisions],
            "node {}: each revision recorded once",
            n + 1
        );
        let found: Vec<String> = self
            .strings(n, "SELECT name AS v FROM tags ORDER BY name")
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(found, tags, "node {}: every data statement ran once", n + 1);
        assert_eq!(
            self.strings(n, "SELECT CAST(COUNT(*) AS CHAR) AS v FROM __retort_lock"),
            [Some("0".to_owned())],
            "node {}: the lock is released",
            n + 1
        );
        let check = Run::from(self.on(n, &["check"]).output().unwrap()).expect(0);
        assert!(
            check.stdout.contains("matches the models"),
            "node {}: {}",
            n + 1,
            check.stdout
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for server in &self.servers {
            if let Ok(mut admin) = MysqlConnection::establish(server) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
                return;
            }
        }
    }
}

fn revision_dirs(project: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(project.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn finish(child: Child) -> Run {
    Run::from(child.wait_with_output().expect("the CLI runs"))
}

#[test]
fn upgrade_started_on_every_node_at_once_applies_each_revision_once() {
    let Some(c) = Cluster::new() else {
        return;
    };
    let tags = c.revisions(3, "SELECT SLEEP(0.3);");
    let children: Vec<Child> = (0..3)
        .map(|n| {
            c.on(n, &["upgrade", "head"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|child| finish(child).expect(0))
        .collect();
    // Each revision was applied by one run: the others waited for the lock, then found the
    // database at head (or applied what was left).
    let applied: usize = runs
        .iter()
        .map(|r| {
            r.stdout
                .lines()
                .filter(|l| l.starts_with("Applied "))
                .count()
        })
        .sum();
    assert_eq!(applied, 4, "{runs:#?}");
    for n in 0..3 {
        c.assert_at_head(n, &tags);
    }
}

/// Starts node `n` (0-based) again when dropped, if a test left it down.
struct Restart<'a>(&'a Path, usize);

impl Drop for Restart<'_> {
    fn drop(&mut self) {
        if !self
            .0
            .join(format!("node{}/mysqld.pid", self.1 + 1))
            .exists()
        {
            let _ = galera_ctl(self.0, "start-node", self.1);
        }
    }
}

fn galera_ctl(dir: &Path, what: &str, n: usize) -> std::process::Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/galera.sh"))
        .args([what, dir.to_str().unwrap(), &(n + 1).to_string()])
        .output()
        .expect("scripts/galera.sh runs")
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_node_killed_during_an_upgrade_leaves_the_others_at_head_and_rejoins_at_head() {
    let Some(c) = Cluster::new() else {
        return;
    };
    let Some(dir) = std::env::var_os("TEST_GALERA_DIR").map(PathBuf::from) else {
        // A cluster of your own: the test cannot kill and restart its nodes.
        skipped(
            "no Galera node control",
            "TEST_GALERA_DIR is not set (scripts/test.sh sets it for the cluster it starts)",
        );
        return;
    };
    let tags = c.revisions(2, "SELECT SLEEP(4);");
    // Node 3's run takes the lock and is in its first data revision's SLEEP...
    let third = c
        .on(2, &["upgrade", "head"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        "node 3's run to sleep under the lock",
        Duration::from_secs(60),
        || {
            c.strings(
                2,
                "SELECT CAST(COUNT(*) AS CHAR) AS v FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE 'SELECT SLEEP(4)%' AND DB = DATABASE()",
            ) == [Some("1".to_owned())]
        },
    );
    assert_eq!(
        c.strings(0, "SELECT node_name AS v FROM __retort_lock"),
        [Some("node3".to_owned())],
        "node 3's run holds the lock"
    );
    // ...when runs on nodes 1 and 2 start, and wait for it; then node 3 dies.
    let others: Vec<Child> = (0..2)
        .map(|n| {
            c.on(n, &["upgrade", "head"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let _restart = Restart(&dir, 2);
    let killed = galera_ctl(&dir, "kill", 2);
    assert!(killed.status.success(), "{killed:?}");
    let third = finish(third);
    assert_ne!(third.code, 0, "node 3's run lost its server: {third:?}");
    // A survivor takes the lock over at once (its holder's node left the cluster), goes on
    // from the interrupted statement, and the other finds the database at head.
    let started = Instant::now();
    for child in others {
        finish(child).expect(0);
    }
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "taken over without waiting for the heartbeat: {:?}",
        started.elapsed()
    );
    for n in 0..2 {
        c.assert_at_head(n, &tags);
    }
    // Node 3 rejoins (incremental or full state transfer) at head.
    let rejoined = galera_ctl(&dir, "start-node", 2);
    assert!(rejoined.status.success(), "{rejoined:?}");
    c.assert_at_head(2, &tags);
}

#[test]
fn a_silent_lock_is_taken_over_after_its_heartbeat_stops() {
    let Some(c) = Cluster::new() else {
        return;
    };
    let tags = c.revisions(1, "SELECT 1;");
    // The first revision only (the lock's table exists from then on).
    c.run(BLOG, &["upgrade", "+1"]).expect(0);
    // A run whose process died on node 2, which lives on: its row stays, without heartbeats.
    let mut node2 = MysqlConnection::establish(&c.urls[1]).unwrap();
    // A causal read first: node 2 has applied the lock table's creation.
    node2
        .batch_execute("SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM __retort_lock")
        .unwrap();
    node2
        .batch_execute(
            "INSERT INTO __retort_lock VALUES (1, 'deadbeefdeadbeefdeadbeefdeadbeef', \
             'process 1 (gone)', (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS \
             WHERE VARIABLE_NAME = 'WSREP_GCOMM_UUID'), @@wsrep_node_name, UTC_TIMESTAMP(6), \
             7, UTC_TIMESTAMP(6))",
        )
        .unwrap();
    // Shorter than the heartbeat's expiry: the run gives up, naming the holder.
    let waited = c
        .on(0, &["upgrade", "head", "--lock-wait", "2"])
        .output()
        .unwrap();
    let waited = Run::from(waited).expect(2);
    assert!(
        waited
            .stderr
            .contains("another migration run holds the lock")
            && waited
                .stderr
                .contains("held by process 1 (gone) on node node2")
            && waited.stderr.contains("heartbeat 7")
            && waited
                .stderr
                .contains("loses it after 30 s without a heartbeat"),
        "{}",
        waited.stderr
    );
    // Waiting longer than that, the run takes it over and runs.
    let started = Instant::now();
    let run = Run::from(c.on(0, &["upgrade", "head"]).output().unwrap()).expect(0);
    assert!(
        started.elapsed() >= Duration::from_secs(29),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("Applied "))
            .count(),
        1,
        "{}",
        run.stdout
    );
    for n in 0..3 {
        c.assert_at_head(n, &tags);
    }
}

#[test]
fn a_run_refuses_rolling_schema_upgrades() {
    let Some(c) = Cluster::new() else {
        return;
    };
    c.revisions(0, "");
    // An operator's RSU on node 2 (the tests run one at a time: nothing else sees it).
    let mut node2 = MysqlConnection::establish(&c.urls[1]).unwrap();
    node2
        .batch_execute("SET GLOBAL wsrep_OSU_method = 'RSU'")
        .unwrap();
    let refused = c.on(1, &["upgrade", "head"]).output().unwrap();
    node2
        .batch_execute("SET GLOBAL wsrep_OSU_method = 'TOI'")
        .unwrap();
    let refused = Run::from(refused).expect(2);
    assert!(
        refused.stderr.contains(
            "this Galera session's wsrep_OSU_method is RSU: Retort runs migrations with TOI only"
        ),
        "{}",
        refused.stderr
    );
    // Nothing ran on any node.
    for n in 0..3 {
        assert_eq!(
            c.strings(
                n,
                "SELECT CAST(COUNT(*) AS CHAR) AS v FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tags'"
            ),
            [Some("0".to_owned())]
        );
    }
    c.on(1, &["upgrade", "head"])
        .output()
        .map(Run::from)
        .unwrap()
        .expect(0);
    for n in 0..3 {
        c.assert_at_head(n, &[]);
    }
}
