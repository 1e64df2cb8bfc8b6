//! Which files a worker may read for analysis, opened once: the checks apply to the file
//! actually opened, and the loaders read that open file, never the path again.
//!
//! A file may be read when it is a regular file with a known extension, under the size
//! limit, and its real path lies inside an allowed root: `<data_dir>/inputs/` and the
//! folders of `analysis_allowed_roots`. Inside the data dir nothing else is ever read (the
//! stores, `knowledge.json`, the vault, generated images, other workflows' outputs), even
//! when an allowed root contains the data dir. The worker's working directory is not a
//! root. A refusal of a path outside the roots reads the same whether it exists or not and
//! never says where it leads.
//!
//! The file is opened without following a final symlink and without blocking (a FIFO
//! never waits for a writer); the open descriptor is checked (regular file, size) and so is
//! its real path (Linux: `/proc/self/fd`; elsewhere the resolved path, compared by device
//! and inode with the descriptor), so a path swapped for a symlink between the check and
//! the open is refused. Reads stop at the size the file had when checked.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::limits::shortened;
use crate::files::names::file_safe;
use crate::store::analysis_outputs::ANALYSIS_FOLDER;

/// Extensions the loaders read (compared case-insensitively).
pub const EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "json", "jsonl", "xlsx", "parquet"];
/// The folder of the data dir whose files analysis may read.
pub const INPUTS_FOLDER: &str = "inputs";
/// How much of a refused path a message repeats.
const SHOWN_PATH_CHARS: usize = 300;

/// Serialisable: an isolated analysis step (`activities::data::isolation`) applies it in
/// its own process.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FilePolicy {
    /// The data dir: inside it only `INPUTS_FOLDER` is readable.
    data_dir: PathBuf,
    /// Where images and analysis output go, when not in the data dir: never readable.
    #[serde(default)]
    artifacts_dir: Option<PathBuf>,
    /// Folders analysis may read from, as configured: resolved at each open, so a folder
    /// made (or moved) after the worker started counts as it is then.
    roots: Vec<PathBuf>,
    pub max_bytes: u64,
}

/// A file that passed the checks, open for reading.
#[derive(Debug)]
pub struct InputFile {
    /// Its real path (inside an allowed root), for messages.
    pub path: PathBuf,
    /// Lower case, without the dot.
    pub extension: String,
    pub file: Capped,
}

impl FilePolicy {
    /// The roots are `<data_dir>/inputs` and `extra_roots`.
    pub fn new(data_dir: &Path, extra_roots: &[PathBuf], max_bytes: u64) -> Self {
        let mut roots = vec![data_dir.join(INPUTS_FOLDER)];
        roots.extend(extra_roots.iter().cloned());
        FilePolicy {
            data_dir: data_dir.to_path_buf(),
            artifacts_dir: None,
            roots,
            max_bytes,
        }
    }

    /// The same policy, with what `artifacts_dir` holds (other users' images and analysis
    /// output) never readable either, whatever root it lies in.
    pub fn keeping_out(mut self, artifacts_dir: &Path) -> Self {
        self.artifacts_dir = (artifacts_dir != self.data_dir).then(|| artifacts_dir.to_owned());
        self
    }

    /// The folder of the data dir analysis reads from.
    pub fn inputs(&self) -> PathBuf {
        self.data_dir.join(INPUTS_FOLDER)
    }

    /// The file's real path when it may be analysed, else why not: `open`, then closed.
    pub fn check(&self, path: &str) -> Result<PathBuf, String> {
        self.open(path).map(|f| f.path)
    }

    /// Opens the file when it may be analysed, else says why not.
    pub fn open(&self, path: &str) -> Result<InputFile, String> {
        if path.trim().is_empty() {
            return Err("file_path is empty".into());
        }
        // Where the path leads now; the file opened below is checked again, by descriptor.
        let resolved = Path::new(path)
            .canonicalize()
            .map_err(|_| self.refused(path))?;
        if !self.may_read(&resolved) {
            return Err(self.refused(path));
        }
        // Inside a root from here on: messages may say what the file is.
        let shown = resolved.display();
        // A device or FIFO is not even opened (opening some devices has effects).
        let meta = std::fs::symlink_metadata(&resolved).map_err(|e| format!("{shown}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{shown} is not a regular file"));
        }
        extension_of(&resolved)?;
        let file = open_no_follow(&resolved).map_err(|e| {
            if is_symlink_refusal(&e) {
                self.refused(path)
            } else {
                format!("{shown}: cannot open: {e}")
            }
        })?;
        self.checked(path, &resolved, file)
    }

    /// The checks of an open `file` that `resolved` named: its real path, type, extension
    /// and size, all from the descriptor.
    fn checked(&self, path: &str, resolved: &Path, file: File) -> Result<InputFile, String> {
        let meta = file
            .metadata()
            .map_err(|e| format!("{}: {e}", resolved.display()))?;
        let real = opened_path(&file, resolved, &meta).ok_or_else(|| self.refused(path))?;
        if !self.may_read(&real) {
            return Err(self.refused(path));
        }
        let shown = real.display();
        if !meta.is_file() {
            return Err(format!("{shown} is not a regular file"));
        }
        let extension = extension_of(&real)?;
        if meta.len() > self.max_bytes {
            return Err(super::limits::Budget::new(
                self.max_bytes,
                "bytes",
                Some("analysis_max_file_bytes"),
            )
            .exceeded(meta.len(), &format!("{shown} has")));
        }
        Ok(InputFile {
            path: real,
            extension,
            file: Capped::new(file, meta.len()),
        })
    }

    /// Inside an allowed root, and not the data dir's own state.
    fn may_read(&self, real: &Path) -> bool {
        if let Ok(data_dir) = self.data_dir.canonicalize()
            && real.starts_with(&data_dir)
            && !real.starts_with(data_dir.join(INPUTS_FOLDER))
        {
            return false;
        }
        if let Some(Ok(artifacts)) = self.artifacts_dir.as_ref().map(|a| a.canonicalize())
            && real.starts_with(&artifacts)
        {
            return false;
        }
        self.roots
            .iter()
            .filter_map(|root| root.canonicalize().ok())
            .any(|root| real.starts_with(root))
    }

    /// The one answer for every path outside the roots, existing or not.
    fn refused(&self, path: &str) -> String {
        let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
        format!(
            "{}: no such file, or outside the folders data analysis may read ({}); the setting \
             analysis_allowed_roots (TEMPORAL_ANALYSIS_ALLOWED_ROOTS) adds folders",
            shortened(path, SHOWN_PATH_CHARS),
            roots.join(", ")
        )
    }
}

fn extension_of(path: &Path) -> Result<String, String> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if EXTENSIONS.contains(&extension.as_str()) {
        Ok(extension)
    } else {
        Err(format!(
            "{} has extension {extension:?}; allowed: .{}",
            path.display(),
            EXTENSIONS.join(", .")
        ))
    }
}

/// Opens for reading without following a final symlink and without blocking.
#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

/// Opens the link itself rather than its target: the checks then see a link, not a file.
#[cfg(windows)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

#[cfg(not(any(unix, windows)))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The error of opening a symlink with O_NOFOLLOW (ELOOP; EMLINK on FreeBSD).
fn is_symlink_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// The real path of the open `file` (which `resolved` named when it was opened), or None
/// when it cannot be told or is no longer the file at that path.
#[cfg(unix)]
fn opened_path(file: &File, resolved: &Path, meta: &std::fs::Metadata) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    // The kernel's name for the descriptor, where there is one.
    #[cfg(target_os = "linux")]
    let named = {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
    };
    #[cfg(not(target_os = "linux"))]
    let named = {
        let _ = file;
        None::<PathBuf>
    };
    let candidate = match named {
        Some(path) => path,
        None => resolved.canonicalize().ok()?,
    };
    // The same file (device and inode) is at that path now.
    let there = std::fs::metadata(&candidate).ok()?;
    (there.dev() == meta.dev() && there.ino() == meta.ino()).then_some(candidate)
}

#[cfg(not(unix))]
fn opened_path(_file: &File, resolved: &Path, _meta: &std::fs::Metadata) -> Option<PathBuf> {
    let again = resolved.canonicalize().ok()?;
    (again == resolved).then_some(again)
}

/// An open file read only up to `len` bytes, its size when it was checked: a file that
/// grows meanwhile is read no further. Clones share the descriptor and each keep their own
/// position (reads are positional).
#[derive(Debug, Clone)]
pub struct Capped {
    file: Arc<File>,
    len: u64,
    pos: u64,
}

impl Capped {
    /// A file opened without the policy's checks (tools and tests), capped at its size now.
    pub fn open(path: &Path) -> io::Result<Capped> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Capped::new(file, len))
    }

    pub fn new(file: File, len: u64) -> Self {
        Capped {
            file: Arc::new(file),
            len,
            pos: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rest of the file, allocated once (its size is checked before a file is opened
    /// for analysis).
    pub fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.len - self.pos).unwrap_or(0));
        self.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// A reader of the same file from `offset` on.
    pub fn at(&self, offset: u64) -> Capped {
        Capped {
            pos: offset.min(self.len),
            ..self.clone()
        }
    }

    /// Reads at `offset` without moving any position, never past the cap.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let room = self.len.saturating_sub(offset);
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if n == 0 {
            return Ok(0);
        }
        read_at(&self.file, &mut buf[..n], offset)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(not(any(unix, windows)))]
fn read_at(_file: &File, _buf: &mut [u8], _offset: u64) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "positional reads are not supported on this platform",
    ))
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Capped {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = target;
        Ok(target)
    }
}

/// `<data_dir>/analysis/<the workflow id, made safe>-<16 hex digits of its SHA-256>`: two
/// ids that are made safe alike ("a/b" and "a:b") still get folders of their own.
pub fn output_folder(data_dir: &Path, workflow_id: &str) -> PathBuf {
    let safe = file_safe(workflow_id, 100);
    let digest = Sha256::digest(workflow_id.as_bytes());
    let tag = hex::encode(&digest[..8]);
    data_dir.join(ANALYSIS_FOLDER).join(format!("{safe}-{tag}"))
}

/// `given`, a path one analysis step passed the next, when it is `folder`/`file` (the
/// workflow's own output folder): a step never reads a path it was merely told.
pub fn confined(folder: &Path, file: &str, given: &str) -> Result<PathBuf, String> {
    let expected = folder.join(file);
    if Path::new(given) == expected {
        Ok(expected)
    } else {
        Err(format!(
            "{} is not this workflow's {file} (its output folder is {})",
            shortened(given, SHOWN_PATH_CHARS),
            folder.display()
        ))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write;

    use super::*;

    struct Setup {
        data: tempfile::TempDir,
        outside: tempfile::TempDir,
        policy: FilePolicy,
    }

    fn setup(max_bytes: u64) -> Setup {
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir(data.path().join(INPUTS_FOLDER)).unwrap();
        let outside = tempfile::tempdir().unwrap();
        let policy = FilePolicy::new(data.path(), &[], max_bytes);
        Setup {
            data,
            outside,
            policy,
        }
    }

    fn err(policy: &FilePolicy, path: &Path) -> String {
        policy.check(path.to_str().unwrap()).unwrap_err()
    }

    #[test]
    fn inputs_folder_extensions_and_size() {
        let s = setup(100);
        let inputs = s.policy.inputs();
        let data = inputs.join("data.CSV");
        std::fs::write(&data, "a\n1\n").unwrap();
        let opened = s.policy.open(data.to_str().unwrap()).unwrap();
        assert_eq!(opened.path, data.canonicalize().unwrap());
        assert_eq!((opened.extension.as_str(), opened.file.len()), ("csv", 4));

        let exe = inputs.join("run.sh");
        std::fs::write(&exe, "x").unwrap();
        assert!(err(&s.policy, &exe).contains("allowed: .csv"));
        assert!(err(&s.policy, &inputs).contains("not a regular file"));
        std::fs::write(&data, "x".repeat(101)).unwrap();
        let e = err(&s.policy, &data);
        assert!(
            e.ends_with(
                "has 101 bytes, over the limit of 100 bytes; the setting \
                 analysis_max_file_bytes (TEMPORAL_ANALYSIS_MAX_FILE_BYTES) raises it"
            ),
            "{e}"
        );
        assert_eq!(s.policy.check("  ").unwrap_err(), "file_path is empty");
    }

    #[test]
    fn outside_and_missing_read_alike() {
        let s = setup(100);
        let secret = s.outside.path().join("secret.csv");
        std::fs::write(&secret, "x\n").unwrap();
        let missing = s.outside.path().join("missing.csv");
        let dotdot = s
            .policy
            .inputs()
            .join("..")
            .join("..")
            .join(s.outside.path().file_name().unwrap())
            .join("secret.csv");
        let link = s.policy.inputs().join("link.csv");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let dangling = s.policy.inputs().join("dangling.csv");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        let answer = |path: &Path| err(&s.policy, path).replace(path.to_str().unwrap(), "<path>");
        let expected = answer(&secret);
        assert!(expected.contains("outside the folders"), "{expected}");
        assert!(
            expected.contains("analysis_allowed_roots (TEMPORAL_ANALYSIS_ALLOWED_ROOTS)"),
            "{expected}"
        );
        assert!(!expected.contains(s.outside.path().to_str().unwrap()));
        for path in [&missing, &dotdot, &link, &dangling] {
            assert_eq!(answer(path), expected, "{}", path.display());
        }
        // An allowed root elsewhere.
        let wider = FilePolicy::new(s.data.path(), &[s.outside.path().to_path_buf()], 100);
        assert!(wider.check(secret.to_str().unwrap()).is_ok());
        assert!(wider.check(link.to_str().unwrap()).is_ok(), "a link inside");
    }

    #[test]
    fn the_data_dirs_own_state_is_never_input() {
        let s = setup(1000);
        let state = s.data.path().join("memory");
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join("knowledge.json"), "[]").unwrap();
        let output = s.data.path().join(ANALYSIS_FOLDER).join("w-1");
        std::fs::create_dir_all(&output).unwrap();
        std::fs::write(output.join("table.csv"), "a\n1\n").unwrap();
        // Not even when a root holds the whole data dir, or the path leads there by a link.
        let all = FilePolicy::new(s.data.path(), &[s.data.path().to_path_buf()], 1000);
        let link = s.policy.inputs().join("other.csv");
        std::os::unix::fs::symlink(output.join("table.csv"), &link).unwrap();
        for policy in [&s.policy, &all] {
            for path in [
                state.join("knowledge.json"),
                output.join("table.csv"),
                link.clone(),
            ] {
                assert!(err(policy, &path).contains("outside the folders"));
            }
        }
        // The working directory is no root.
        let cwd = std::env::current_dir().unwrap().join("Cargo.toml");
        assert!(err(&s.policy, &cwd).contains("outside the folders"));
    }

    #[test]
    fn fifos_devices_and_swapped_files_are_refused_without_waiting() {
        let s = setup(1 << 20);
        let fifo = s.policy.inputs().join("pipe.csv");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(err(&s.policy, &fifo).contains("not a regular file"));
        // /dev/zero through a link, and as a root of its own.
        let zero = s.policy.inputs().join("zero.csv");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(err(&s.policy, &zero).contains("outside the folders"));
        let dev = FilePolicy::new(s.data.path(), &[PathBuf::from("/dev")], 1 << 20);
        assert!(err(&dev, &zero).contains("not a regular file"));
        // A descriptor that is not the file the path named (a swap between check and open).
        let good = s.policy.inputs().join("good.csv");
        std::fs::write(&good, "a\n1\n").unwrap();
        let secret = s.outside.path().join("secret.csv");
        std::fs::write(&secret, "x\n").unwrap();
        let swapped = File::open(&secret).unwrap();
        let e = s
            .policy
            .checked(
                good.to_str().unwrap(),
                &good.canonicalize().unwrap(),
                swapped,
            )
            .unwrap_err();
        assert!(e.contains("outside the folders"), "{e}");
        // A final symlink is not followed at open.
        let link = s.policy.inputs().join("link.csv");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        assert!(is_symlink_refusal(&open_no_follow(&link).unwrap_err()));
    }

    #[test]
    fn reads_stop_at_the_checked_size() {
        let s = setup(100);
        let path = s.policy.inputs().join("grows.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let mut opened = s.policy.open(path.to_str().unwrap()).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&[b'9'; 1000])
            .unwrap();
        assert_eq!(opened.file.read_all().unwrap(), b"a\n1\n");
        let mut later = opened.file.at(2);
        let mut rest = String::new();
        later.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "1\n");
        assert_eq!(later.seek(SeekFrom::End(-1)).unwrap(), 3);
        assert!(later.seek(SeekFrom::Current(-10)).is_err());
    }

    #[test]
    fn output_folders_and_confined_paths() {
        let data = Path::new("/data");
        let a = output_folder(data, "report/1");
        let b = output_folder(data, "report:1");
        assert_ne!(a, b);
        assert!(a.starts_with("/data/analysis"));
        assert!(
            a.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("report_1-")
        );
        assert_eq!(output_folder(data, "report/1"), a, "stable");
        let table = a.join("table.arrow");
        assert_eq!(
            confined(&a, "table.arrow", table.to_str().unwrap()).unwrap(),
            table
        );
        for other in [
            b.join("table.arrow"),
            a.join("..").join("x").join("table.arrow"),
            PathBuf::from("/etc/passwd"),
        ] {
            assert!(
                confined(&a, "table.arrow", other.to_str().unwrap())
                    .unwrap_err()
                    .contains("is not this workflow's table.arrow")
            );
        }
    }
}
