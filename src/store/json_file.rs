//! Updating a JSON file that Project-AI writes too, as its `_atomic_write_json` does: under
//! the lock of `lock_file` (Project-AI's `<file>.lock`, made safe between our writers), the
//! new content goes to a temporary file in the same folder, is fsynced and renamed over the
//! old one, so a reader never sees half a file and a crash leaves the previous version
//! whole. The rewrite keeps the file's mode and owner.

use std::path::Path;

use super::StoreError;
use super::lock_file::lock;

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

/// Temporary files of `path` left by writers killed between writing and renaming (and lock
/// files set aside by `lock_file`, named alike). With the lock held no other writer of
/// `path` runs, so every one of them is stale.
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
    crate::files::atomic::write_atomically(folder, &name, &bytes)
        .map(drop)
        .map_err(|e| StoreError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::super::lock_file::{LOCK_TIMEOUT, lock_path};
    use super::*;
    use std::time::{Duration, Instant, SystemTime};

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
        // A lock in Project-AI's format written long ago is taken over at once.
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

    /// Project-AI's lock format with its time stamp set to now.
    fn fresh_foreign_lock(pid: u32) -> String {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        format!("{pid}\n{}\n", now.as_secs_f64())
    }

    #[test]
    fn waiters_never_both_take_over_a_stale_lock() {
        // Every round starts from a stale lock that all writers find at once: two of them
        // judging it stale must not both end up holding the lock.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let inside = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _round in 0..15 {
            std::fs::write(lock_path(&path), "999999999\n1.0\n").unwrap();
            let start = std::sync::Arc::new(std::sync::Barrier::new(6));
            let threads: Vec<_> = (0..6)
                .map(|_| {
                    let (path, inside, most, start) =
                        (path.clone(), inside.clone(), most.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        update_json_file(&path, |_| {
                            let now = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                            most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(5));
                            inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            Ok((false, ()))
                        })
                        .unwrap();
                    })
                })
                .collect();
            threads.into_iter().for_each(|t| t.join().unwrap());
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn release_leaves_a_lock_that_is_not_its_own() {
        // Another writer (Project-AI judging ours stale) replaced the lock while we held it:
        // our release must not remove that writer's lock.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let theirs = fresh_foreign_lock(4242);
        update_json_file(&path, |_| {
            std::fs::remove_file(lock_path(&path)).unwrap();
            std::fs::write(lock_path(&path), &theirs).unwrap();
            Ok((false, ()))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(lock_path(&path)).unwrap(), theirs);
    }

    #[test]
    fn a_fresh_lock_naming_a_pid_we_cannot_see_is_waited_for() {
        // A writer in another PID namespace (a worker container sharing the volume): its
        // pid means nothing here, so its fresh lock must be waited for, not taken over.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(lock_path(&path), fresh_foreign_lock(999_999_999)).unwrap();
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (path, ran) = (path.clone(), ran.clone());
            std::thread::spawn(move || {
                update_json_file(&path, |_| {
                    ran.store(true, std::sync::atomic::Ordering::SeqCst);
                    Ok((false, ()))
                })
            })
        };
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "a live foreign lock was taken over"
        );
        // Its holder finishes: the waiting writer goes on.
        std::fs::remove_file(lock_path(&path)).unwrap();
        writer.join().unwrap().unwrap();
        assert!(ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    #[cfg(unix)]
    fn a_rewrite_keeps_the_mode_of_a_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("knowledge.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        update_json_file(&path, |v| {
            v["x"] = serde_json::json!(1);
            Ok((true, ()))
        })
        .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
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
