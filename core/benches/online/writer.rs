//! The benchmark's writer (a connection inserting a row every [`TICK`], each insert timed) and
//! its monitor (a connection watching what the writer's server process waits for).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::pg::PgConnection;
use diesel::{Connection as _, QueryableByName, RunQueryDsl};

use super::{REFS, TICK};

/// One insert of the writer: when it was due (since the benchmark's epoch) and how long after
/// that it was done. Counted from when it was due, not from when the writer could send it, so
/// an insert held back behind a blocked one waits too, as it would in an application whose
/// requests keep coming (50 a second) while one connection is blocked.
#[derive(Clone, Copy)]
pub struct Sample {
    pub start: Duration,
    pub took: Duration,
}

/// What the writer's server process was seen waiting for (`pg_stat_activity`), and at what
/// the session it waited for was running: the monitor's observation.
#[derive(Clone)]
struct Seen {
    at: Duration,
    /// `Lock:relation`, `IO:WALWrite`, ...
    wait: String,
    /// The statement of the first session blocking it (a lock wait), shortened.
    blocker: String,
}

#[derive(QueryableByName)]
struct Activity {
    #[diesel(sql_type = diesel::sql_types::Text)]
    wait: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    blocker: String,
}

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The writer: a connection of its own inserting a row into `items` every [`TICK`] (at once
/// when late), each insert timed from when it was due; and a monitor, a third connection reading every few
/// milliseconds what the writer's server process waits for, so a slow insert can be told
/// apart: a lock wait (and behind which statement), or a busy machine.
pub struct Writer {
    samples: Arc<Mutex<Vec<Sample>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Writer {
    pub fn start(url: &str, epoch: Instant, first_id: u64) -> Writer {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut conn = PgConnection::establish(url).expect("the writer connects");
        let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(&mut conn)
            .expect("the writer's pid")
            .pid;
        let monitor = Self::monitor(url, epoch, pid, Arc::clone(&stop));
        let (seen, stopped) = (Arc::clone(&samples), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut next = Instant::now();
            let mut id = first_id;
            while !stopped.load(Ordering::SeqCst) {
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
                let due = next;
                next += TICK;
                conn.batch_execute(&format!(
                    "INSERT INTO items (id, ref_id, code, score, amount, note, fill) \
                     VALUES ({id}, {}, 'w{id}', {}, {}, 'written {id}', 0)",
                    1 + id % REFS,
                    id % 1000,
                    id % 100
                ))
                .expect("the writer's insert");
                seen.lock().expect("samples").push(Sample {
                    start: due - epoch,
                    took: due.elapsed(),
                });
                id += 1;
            }
        });
        Writer {
            samples,
            seen: monitor.0,
            stop,
            threads: vec![thread, monitor.1],
        }
    }

    /// Polls `pg_stat_activity` for the writer's process `pid`, keeping what it waits for.
    #[allow(clippy::type_complexity)]
    fn monitor(
        url: &str,
        epoch: Instant,
        pid: i32,
        stop: Arc<AtomicBool>,
    ) -> (Arc<Mutex<Vec<Seen>>>, std::thread::JoinHandle<()>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut conn = PgConnection::establish(url).expect("the monitor connects");
        let query = format!(
            "SELECT a.wait_event_type || ':' || a.wait_event AS wait, \
                    coalesce((SELECT left(regexp_replace(b.query, '\\s+', ' ', 'g'), 100) \
                              FROM pg_stat_activity b \
                              WHERE b.pid = (pg_blocking_pids(a.pid))[1]), '') AS blocker \
             FROM pg_stat_activity a \
             WHERE a.pid = {pid} AND a.state = 'active' AND a.wait_event_type IS NOT NULL"
        );
        let out = Arc::clone(&seen);
        let thread = std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let at = epoch.elapsed();
                let rows = diesel::sql_query(&query)
                    .load::<Activity>(&mut conn)
                    .expect("the monitor's query");
                out.lock()
                    .expect("seen")
                    .extend(rows.into_iter().map(|r| Seen {
                        at,
                        wait: r.wait,
                        blocker: r.blocker,
                    }));
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        (seen, thread)
    }

    /// How many times the monitor saw the writer wait on a lock during `from..to`.
    pub fn lock_waits(&self, from: Duration, to: Duration) -> usize {
        self.seen
            .lock()
            .expect("seen")
            .iter()
            .filter(|s| s.at >= from && s.at <= to && s.wait.starts_with("Lock:"))
            .count()
    }

    /// What the monitor saw the writer wait for during `sample`, most seen first:
    /// `Lock:relation x3 (behind ALTER TABLE ...)`.
    pub fn waits(&self, sample: &Sample) -> String {
        let seen = self.seen.lock().expect("seen");
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in seen
            .iter()
            .filter(|s| s.at >= sample.start && s.at <= sample.start + sample.took)
        {
            let what = if s.blocker.is_empty() {
                s.wait.clone()
            } else {
                format!("{} behind `{}`", s.wait, s.blocker)
            };
            match counts.iter_mut().find(|(w, _)| *w == what) {
                Some((_, n)) => *n += 1,
                None => counts.push((what, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        if counts.is_empty() {
            return "no wait seen".to_owned();
        }
        counts
            .iter()
            .map(|(w, n)| format!("{w} x{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The inserts that overlapped `from..to` (since the epoch).
    pub fn during(&self, from: Duration, to: Duration) -> Vec<Sample> {
        self.samples
            .lock()
            .expect("samples")
            .iter()
            .filter(|s| s.start < to && s.start + s.took > from)
            .copied()
            .collect()
    }

    pub fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads {
            thread.join().expect("the writer and the monitor end");
        }
    }
}
