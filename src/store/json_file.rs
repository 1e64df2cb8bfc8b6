//! Updating a JSON file that Project-AI writes too, with Project-AI's own protocol
//! (`_atomic_write_json` in its ai_systems.py): an exclusive lock file `<file>.lock` created
//! with O_CREAT|O_EXCL and holding "<pid>\n<unix time>\n", taken over when older than 30 s
//! or when its pid is gone; the new content goes to a temporary file in the same folder,
//! is fsynced and renamed over the old one, so a reader never sees half a file and a crash
//! leaves the previous version whole.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::StoreError;

/// As Project-AI: a lock older than this belongs to a writer that died.
const STALE_AFTER: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);
/// A lock still empty this long after it was made lost its writer before it wrote its pid.
const UNWRITTEN_AFTER: Duration = Duration::from_secs(2);
/// Longer than Project-AI's 5 s: a worker under load may queue behind several writers.
const LOCK_TIMEOUT: Duration = Duration::from_secs(20);

/// The lock file that guards `path`: the same name with `.lock` added.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// A held lock file; dropping it removes the file.
struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn lock(path: &Path) -> Result<LockFile, StoreError> {
    let lock = lock_path(path);
    let started = Instant::now();
    loop {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&lock)
        {
            Ok(mut file) => {
                let stamp = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
                // Python writes str(time.time()): seconds with a fraction.
                let _ = write!(file, "{}\n{}\n", std::process::id(), stamp.as_secs_f64());
                return Ok(LockFile(lock));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if is_stale(&lock) {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                if started.elapsed() > LOCK_TIMEOUT {
                    return Err(StoreError::Invalid(format!(
                        "could not lock {} within {LOCK_TIMEOUT:?}: {} is held by another writer",
                        path.display(),
                        lock.display()
                    )));
                }
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(StoreError::io(&lock, e)),
        }
    }
}

/// Stale: older than 30 s, naming a process that no longer runs, or still without a pid a
/// moment after it was made (a writer writes its pid right after creating the lock, so
/// such a lock belongs to one killed in between; waiting 30 s for it would outlast
/// `LOCK_TIMEOUT`).
fn is_stale(lock: &Path) -> bool {
    let age = std::fs::metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    let pid = std::fs::read_to_string(lock).ok().and_then(|text| {
        text.lines()
            .next()
            .and_then(|pid| pid.trim().parse::<i32>().ok())
    });
    let old = age.is_some_and(|age| age > STALE_AFTER);
    let unwritten = pid.is_none() && age.is_some_and(|age| age > UNWRITTEN_AFTER);
    // SAFETY: kill(pid, 0) sends nothing; it only asks whether the process exists.
    let dead = pid.is_some_and(|pid| {
        pid > 0
            && unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    });
    old || unwritten || dead
}

/// Reads `path` (an absent file is `{}`), lets `change` edit the value, and writes it back
/// when `change` says it changed something. A file that is not JSON is an error, not
/// something to overwrite.
pub fn update_json_file<T>(
    path: &Path,
    change: impl FnOnce(&mut serde_json::Value) -> Result<(bool, T), StoreError>,
) -> Result<T, StoreError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| StoreError::io(folder, e))?;
    let _held = lock(path)?;
    let mut value = match std::fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            serde_json::Value::Object(Default::default())
        }
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::Invalid(format!(
                "{} is not valid JSON ({e}); it was left as it is",
                path.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            serde_json::Value::Object(Default::default())
        }
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let (changed, outcome) = change(&mut value)?;
    if changed {
        remove_leftovers(path, folder);
        write_atomically(path, folder, &value)?;
    }
    Ok(outcome)
}

/// Temporary files of `path` left by writers killed between writing and renaming. With the
/// lock held no other writer of `path` runs, so every one of them is stale.
fn remove_leftovers(path: &Path, folder: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&prefix) && file.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_atomically(
    path: &Path,
    folder: &Path,
    value: &serde_json::Value,
) -> Result<(), StoreError> {
    // As json.dump(obj, ensure_ascii=False, indent=2).
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::files::write_atomically(folder, &name, &bytes)
        .map(drop)
        .map_err(|e| StoreError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_updates_and_refuses_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory").join("knowledge.json");
        update_json_file(&path, |v| {
            v["a"] = serde_json::json!({"k": "v"});
            Ok((true, ()))
        })
        .unwrap();
        let read: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(read["a"]["k"], "v");
        assert!(lock_path(&path).ends_with("knowledge.json.lock"));
        std::fs::write(&path, "{broken").unwrap();
        let err = update_json_file(&path, |_| Ok((true, ()))).unwrap_err();
        assert!(err.to_string().contains("not valid JSON"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{broken");
        let leftovers = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".tmp")
            });
        assert_eq!(leftovers.count(), 0);
    }

    #[test]
    fn stale_and_foreign_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        // A lock left by a process that is gone is taken over at once.
        std::fs::write(lock_path(&path), "999999999\n1.0\n").unwrap();
        update_json_file(&path, |v| {
            v["x"] = serde_json::json!(1);
            Ok((true, ()))
        })
        .unwrap();
        assert!(
            !lock_path(&path).exists(),
            "the lock is removed after writing"
        );
    }

    #[test]
    fn a_lock_its_writer_never_wrote_is_taken_over_after_a_moment() {
        // Left by a writer killed between creating the lock and writing its pid.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(lock_path(&path), "").unwrap();
        let began = Instant::now();
        update_json_file(&path, |v| {
            v["x"] = serde_json::json!(1);
            Ok((true, ()))
        })
        .unwrap();
        assert!(began.elapsed() < LOCK_TIMEOUT, "{:?}", began.elapsed());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        update_json_file(&path, |v| {
                            v[format!("{t}-{i}")] = serde_json::json!(i);
                            Ok((true, ()))
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let read: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(read.as_object().unwrap().len(), 200);
    }
}
