//! The lock on a JSON file that Project-AI writes too. Project-AI's own protocol
//! (`_acquire_lock` in its ai_systems.py) is a lock file `<file>.lock` created with
//! O_CREAT|O_EXCL holding "<pid>\n<unix time>\n", taken over when older than 30 s or when
//! its pid is gone. We keep that file, so Project-AI and we exclude each other, and make it
//! safe where the plain protocol is not:
//!
//! - Between our writers a kernel lock (flock) on a guard file `.<file>.guard` decides who
//!   may touch the lock file; the kernel drops it when its holder dies, so two of our writers
//!   never hold the lock at once and a killed writer's lock file is taken over at once.
//! - Our lock file is made whole before it appears (written aside, then hard-linked into
//!   place) and names its holder by more than a pid: host, boot id, PID namespace and a
//!   random token. Lines after the second are ours; Project-AI reads only the first two.
//! - A lock file that is not ours (Project-AI's) is stale only by its age: its pid may
//!   belong to another PID namespace (a worker container sharing the data volume), where
//!   `kill(pid, 0)` says nothing about it.
//! - Taking over and releasing move the lock file aside first (rename is atomic), check it
//!   is the file judged stale or our own, and put it back if it is not.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::StoreError;
use crate::platform;

/// As Project-AI: a lock older than this belongs to a writer that died.
const STALE_AFTER: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);
/// A lock still empty this long after it was made lost its writer before it wrote its pid
/// (Project-AI creates the file first and writes it after).
const UNWRITTEN_AFTER: Duration = Duration::from_secs(2);
/// Longer than STALE_AFTER, so a writer outwaits a lock Project-AI left when it died.
pub(super) const LOCK_TIMEOUT: Duration = Duration::from_secs(40);

/// The lock file that guards `path`: the same name with `.lock` added.
pub fn lock_path(path: &Path) -> PathBuf {
    sibling(path, "", ".lock")
}

/// The file our writers hold a kernel lock on while they own `path`'s lock file.
fn guard_path(path: &Path) -> PathBuf {
    sibling(path, ".", ".guard")
}

/// `<prefix><name of path><suffix>` in the folder of `path`.
fn sibling(path: &Path, prefix: &str, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{prefix}{name}{suffix}"))
}

/// A private name beside the lock file, for moving it aside; ends in `.tmp` so a writer
/// killed in between leaves something the next write removes (see `remove_leftovers`).
fn aside_path(lock: &Path, token: &str, what: &str) -> PathBuf {
    sibling(lock, ".", &format!(".{token}.{what}.tmp"))
}

/// The lock of `path`, held: dropping it removes our lock file (only if it is still ours)
/// and then lets the kernel lock go.
pub struct HeldLock {
    lock: PathBuf,
    token: String,
    _guard: File,
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        let line = token_line(&self.token);
        let _ = remove_if(
            &self.lock,
            &aside_path(&self.lock, &self.token, "release"),
            |b| String::from_utf8_lossy(b).lines().any(|l| l == line),
        );
    }
}

fn token_line(token: &str) -> String {
    format!("token={token}")
}

/// Waits (up to `LOCK_TIMEOUT`) until this process owns `path`'s lock.
pub fn lock(path: &Path) -> Result<HeldLock, StoreError> {
    let deadline = Instant::now() + LOCK_TIMEOUT;
    let guard = hold_guard(path, deadline)?;
    let lock = lock_path(path);
    let token = uuid::Uuid::new_v4().simple().to_string();
    loop {
        if create(&lock, &token)? {
            return Ok(HeldLock {
                lock,
                token,
                _guard: guard,
            });
        }
        let Some(found) = Found::read(&lock) else {
            continue; // gone in between: try again at once
        };
        // A stale lock we cannot move aside (a folder we may not rename in) is waited
        // for like a live one, so the limit still applies.
        if found.is_stale()
            && remove_if(&lock, &aside_path(&lock, &token, "stale"), |b| {
                b == found.bytes.as_slice()
            })
            .is_ok()
        {
            continue;
        }
        if Instant::now() > deadline {
            return Err(StoreError::Invalid(format!(
                "could not lock {} within {LOCK_TIMEOUT:?}: {} is held by another writer ({})",
                path.display(),
                lock.display(),
                found.holder()
            )));
        }
        std::thread::sleep(POLL);
    }
}

/// Takes the kernel lock on the guard file, polling so the wait has a limit.
fn hold_guard(path: &Path, deadline: Instant) -> Result<File, StoreError> {
    let guard_path = guard_path(path);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    platform::create_with_mode(&mut options, 0o644);
    let guard = match options.open(&guard_path) {
        // Made by another user sharing the folder: flock needs only a read handle.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(&guard_path),
        other => other,
    }
    .map_err(|e| StoreError::io(&guard_path, e))?;
    loop {
        match guard.try_lock() {
            Ok(()) => return Ok(guard),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() <= deadline => {
                std::thread::sleep(POLL);
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Invalid(format!(
                    "could not lock {} within {LOCK_TIMEOUT:?}: another writer of this \
                     project holds {}",
                    path.display(),
                    guard_path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&guard_path, e)),
        }
    }
}

/// Puts a whole lock file naming us at `lock` unless one is there: written aside first and
/// hard-linked into place, which fails when the name exists, as O_EXCL does.
fn create(lock: &Path, token: &str) -> Result<bool, StoreError> {
    let written = aside_path(lock, token, "new");
    let made = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        platform::create_with_mode(&mut options, 0o644);
        let mut file = options.open(&written)?;
        file.write_all(our_record(token).as_bytes())?;
        match std::fs::hard_link(&written, lock) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_file(&written);
    made.map_err(|e| StoreError::io(lock, e))
}

/// Project-AI's two lines (pid, then the time as Python's str(time.time())) and who we are.
fn our_record(token: &str) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    // Linux's boot id; elsewhere none, and the pid and host name say who we are.
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    let pid_namespace = platform::pid_namespace();
    format!(
        "{}\n{}\nhost={}\nboot={}\npidns={pid_namespace}\n{}\n",
        std::process::id(),
        now.as_secs_f64(),
        host.trim(),
        boot.trim(),
        token_line(token)
    )
}

/// A lock file as found: its bytes and how old it is.
struct Found {
    bytes: Vec<u8>,
    modified_ago: Option<Duration>,
}

impl Found {
    fn read(lock: &Path) -> Option<Found> {
        let mut file = File::open(lock).ok()?;
        let modified_ago = file
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
        Some(Found {
            bytes,
            modified_ago,
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// One of ours (it names a token): we hold the guard, so its writer lost the guard,
    /// which only death does. Project-AI's: older than `STALE_AFTER` by the time it wrote
    /// (the file's time when it wrote none), or empty for longer than `UNWRITTEN_AFTER`.
    fn is_stale(&self) -> bool {
        let text = self.text();
        if text.lines().any(|l| l.starts_with("token=")) {
            return true;
        }
        if text.trim().is_empty() {
            return self.modified_ago.is_some_and(|age| age > UNWRITTEN_AFTER);
        }
        let written = text
            .lines()
            .nth(1)
            .and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|t| t.is_finite() && *t >= 0.0);
        let age = match written {
            Some(secs) => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs))
                .ok(),
            None => self.modified_ago,
        };
        age.is_some_and(|age| age > STALE_AFTER)
    }

    /// Who holds it, for the error a writer that gave up returns.
    fn holder(&self) -> String {
        let text = self.text();
        let pid = text.lines().next().unwrap_or("").trim().to_owned();
        match text.lines().find_map(|l| l.strip_prefix("host=")) {
            Some(host) => format!("pid {pid} on host {host}"),
            None => format!("pid {pid}, Project-AI's format"),
        }
    }
}

/// Removes the file at `lock` if `is_it` says its bytes are the ones meant. It is renamed
/// to `aside` first, so what is checked is what is removed; a file that is not the one
/// meant (another writer's, put there after we looked) goes back under its name.
fn remove_if(lock: &Path, aside: &Path, is_it: impl FnOnce(&[u8]) -> bool) -> std::io::Result<()> {
    std::fs::rename(lock, aside)?;
    let meant = std::fs::read(aside).map(|b| is_it(&b)).unwrap_or(false);
    if !meant {
        // Fails only if yet another lock appeared meanwhile; that one then stands.
        let _ = std::fs::hard_link(aside, lock);
    }
    std::fs::remove_file(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_lock_reads_as_project_ai_expects_and_names_us() {
        let record = our_record("abc");
        let lines: Vec<&str> = record.lines().collect();
        // Project-AI: int(parts[0]), float(parts[1]).
        assert_eq!(lines[0].parse::<u32>().unwrap(), std::process::id());
        assert!(lines[1].parse::<f64>().unwrap() > 1.7e9);
        for key in ["host=", "boot=", "pidns=", "token=abc"] {
            assert!(
                lines.iter().any(|l| l.starts_with(key)),
                "{key} in {record}"
            );
        }
    }

    #[test]
    fn a_lock_replaced_before_it_is_moved_aside_is_put_back() {
        // We judged one lock stale; another writer replaced it before our rename: that
        // writer's lock goes back under its name, and the token-checked release alike.
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("k.json.lock");
        std::fs::write(&lock, "7\n1.0\n").unwrap();
        let judged = std::fs::read(&lock).unwrap();
        std::fs::write(&lock, "8\n2.0\n").unwrap();
        remove_if(&lock, &aside_path(&lock, "t", "stale"), |b| b == judged).unwrap();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "8\n2.0\n");
        remove_if(&lock, &aside_path(&lock, "t", "stale"), |b| {
            b == b"8\n2.0\n"
        })
        .unwrap();
        assert!(!lock.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_killed_writers_lock_is_stale_at_once_a_fresh_foreign_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("k.json.lock");
        std::fs::write(&lock, our_record("dead")).unwrap();
        assert!(Found::read(&lock).unwrap().is_stale());
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        std::fs::write(&lock, format!("999999999\n{now}\n")).unwrap();
        let found = Found::read(&lock).unwrap();
        assert!(!found.is_stale());
        assert_eq!(found.holder(), "pid 999999999, Project-AI's format");
        std::fs::write(&lock, format!("1\n{}\n", now - 31.0)).unwrap();
        assert!(Found::read(&lock).unwrap().is_stale());
    }
}
