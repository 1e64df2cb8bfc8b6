//! Several writer processes, each with several threads, append entries to one
//! knowledge.json while some of them are SIGKILLed at random moments (holding the lock or
//! not). Afterwards: every entry a writer reported as written is there, none twice, the
//! JSON is whole, and the next writer is not kept waiting by a dead writer's lock.
//!
//! The writers are this test binary run again (`stress_writer`, ignored unless asked for).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use project_ai_temporal::store::update_json_file;

const FILE_ENV: &str = "LOCK_STRESS_FILE";
const NAME_ENV: &str = "LOCK_STRESS_WRITER";
const PROCESSES: usize = 6;
const KILLED: usize = 3;
const THREADS: usize = 3;
const ENTRIES_PER_THREAD: usize = 30;
/// How long a writer holds the lock beyond reading and writing: as long as a slow disk
/// would keep it, so waiters pile up on each lock a killed writer leaves.
const HOLD: Duration = Duration::from_millis(2);

/// A small xorshift generator: the seed is printed so a failing run can be repeated.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn start_writer(path: &Path, name: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stress_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FILE_ENV, path)
        .env(NAME_ENV, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The entries a writer reported as written: "wrote:<entry>" lines (the test harness may
/// have printed "test stress_writer ... " before the first on the same line).
fn reported(child: &mut Child) -> std::thread::JoinHandle<Vec<String>> {
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        out.lines()
            .map_while(Result::ok)
            .filter_map(|line| line.rsplit_once("wrote:").map(|(_, e)| e.to_owned()))
            .collect()
    })
}

fn entries(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not whole JSON: {e}", path.display()));
    value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn writers_killed_at_random_lose_no_reported_entry() {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let mut random = Random(seed);
    let folder = tempfile::tempdir().unwrap();
    let path: PathBuf = folder.path().join("knowledge.json");
    let began = Instant::now();
    let mut writers: Vec<(Child, std::thread::JoinHandle<Vec<String>>)> = (0..PROCESSES)
        .map(|p| {
            let mut child = start_writer(&path, &format!("p{p}"));
            let lines = reported(&mut child);
            (child, lines)
        })
        .collect();
    // The first KILLED writers die at random moments while all are writing.
    for (child, _) in writers.iter_mut().take(KILLED) {
        std::thread::sleep(Duration::from_millis(30 + random.below(300)));
        child.kill().unwrap();
    }
    let mut reported_entries = Vec::new();
    for (p, (mut child, lines)) in writers.into_iter().enumerate() {
        let status = child.wait().unwrap();
        let lines = lines.join().unwrap();
        if p >= KILLED {
            assert!(status.success(), "writer p{p} failed: {status}");
            assert_eq!(lines.len(), THREADS * ENTRIES_PER_THREAD, "writer p{p}");
        }
        reported_entries.extend(lines);
    }
    let written = entries(&path);
    let unique: HashSet<&String> = written.iter().collect();
    assert_eq!(unique.len(), written.len(), "an entry was written twice");
    let lost: Vec<&String> = reported_entries
        .iter()
        .filter(|e| !unique.contains(e))
        .collect();
    assert!(lost.is_empty(), "reported but lost: {lost:?}");
    // A writer killed while holding the lock left it behind: the next one goes on at once.
    let next = Instant::now();
    update_json_file(&path, |value| {
        value["entries"]
            .as_array_mut()
            .unwrap()
            .push("after".into());
        Ok((true, ()))
    })
    .unwrap();
    assert!(
        next.elapsed() < Duration::from_secs(5),
        "the next writer waited {:?}",
        next.elapsed()
    );
    assert_eq!(entries(&path).len(), written.len() + 1);
    assert!(!folder.path().join("knowledge.json.lock").exists());
    eprintln!(
        "{PROCESSES} writers x {THREADS} threads, {KILLED} killed: {} entries, {} reported, \
         none lost or doubled, {:?}",
        written.len(),
        reported_entries.len(),
        began.elapsed()
    );
}

/// One writer process: THREADS threads each appending ENTRIES_PER_THREAD entries, printing
/// "wrote:<entry>" once its write returned.
#[test]
#[ignore = "run by writers_killed_at_random_lose_no_reported_entry"]
fn stress_writer() {
    let (Some(path), Ok(name)) = (std::env::var_os(FILE_ENV), std::env::var(NAME_ENV)) else {
        return;
    };
    let path = PathBuf::from(path);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (path, name) = (path.clone(), name.clone());
            std::thread::spawn(move || {
                for i in 0..ENTRIES_PER_THREAD {
                    let entry = format!("{name}-t{t}-{i}");
                    update_json_file(&path, |value| {
                        if !value["entries"].is_array() {
                            value["entries"] = serde_json::json!([]);
                        }
                        value["entries"]
                            .as_array_mut()
                            .unwrap()
                            .push(entry.clone().into());
                        std::thread::sleep(HOLD);
                        Ok((true, ()))
                    })
                    .unwrap();
                    writeln!(std::io::stdout().lock(), "wrote:{entry}").unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}
