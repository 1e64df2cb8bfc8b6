//! Linux and macOS: permission bits and owners, process groups and signals, rlimits.

use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

/// New files made with `options` get the permission bits `mode` (before the umask).
pub fn create_with_mode(options: &mut OpenOptions, mode: u32) {
    options.mode(mode);
}

/// Gives `file` the owner, group and permission bits of `old`. Only root may give a file
/// to another user, and a user only to their own groups: what is not permitted keeps ours.
/// The owner is set first because chown clears set-id bits; those are not copied anyway
/// (a data file has no use for them).
pub fn take_owner_and_mode(file: &File, old: &Metadata) -> std::io::Result<()> {
    if std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(old.gid()));
    }
    file.set_permissions(Permissions::from_mode(old.mode() & 0o777))
}

/// Makes a rename in `folder` durable: the folder's entry is fsynced.
pub fn sync_folder(folder: &Path) -> std::io::Result<()> {
    File::open(folder)?.sync_all()
}

/// A file anyone may run.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// The child gets a process group of its own, so a Ctrl-C meant for this process (the
/// terminal signals the whole foreground group) does not reach it.
pub fn own_process_group(command: &mut Command) {
    command.process_group(0);
}

/// Asks a child to stop gracefully: SIGTERM.
pub fn ask_to_stop(child: &Child) {
    // SAFETY: kill(2) on the pid of a child not yet reaped, so it is still ours.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
}

/// An id of this process's PID namespace (0 where there are none): a pid means something
/// only inside its namespace.
pub fn pid_namespace() -> u64 {
    std::fs::metadata("/proc/self/ns/pid").map_or(0, |m| m.ino())
}

/// The machine's physical memory in bytes.
pub fn physical_memory() -> Option<u64> {
    // SAFETY: sysconf only reads system constants.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let (pages, page_size) = (u64::try_from(pages).ok()?, u64::try_from(page_size).ok()?);
    pages.checked_mul(page_size)
}

/// This process's peak resident memory, in KiB.
pub fn peak_rss_kib() -> u64 {
    // SAFETY: getrusage fills the struct given; zeroed is a valid rusage.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let max = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    // macOS counts bytes, Linux KiB.
    if cfg!(target_os = "macos") {
        max / 1024
    } else {
        max
    }
}

/// Lowers this process's memory limit (soft and hard) to `bytes`, or to the hard limit it
/// already has when that is lower; 0 leaves it. The limit is on address space
/// (RLIMIT_AS); macOS does not enforce that one, so there the data segment (RLIMIT_DATA,
/// which its allocator's heap counts against) is limited as well.
pub fn limit_memory(bytes: u64) -> std::io::Result<()> {
    if bytes == 0 {
        return Ok(());
    }
    lower_limit(libc::RLIMIT_AS, bytes)?;
    #[cfg(target_os = "macos")]
    lower_limit(libc::RLIMIT_DATA, bytes)?;
    Ok(())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

fn lower_limit(resource: Resource, bytes: u64) -> std::io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct given.
    unsafe {
        if libc::getrlimit(resource, &mut current) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let limit = (bytes as libc::rlim_t).min(current.rlim_max);
        let wanted = libc::rlimit {
            rlim_cur: limit,
            rlim_max: limit,
        };
        if libc::setrlimit(resource, &wanted) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// How often a child checks that the process that started it is still there.
const PARENT_CHECK: std::time::Duration = std::time::Duration::from_millis(500);
/// The watching thread's stack: it only sleeps and asks for its parent's pid.
const WATCH_STACK_BYTES: usize = 64 << 10;

/// Ends this process with `code` soon after the process that started it dies: an orphan is
/// reparented, so its parent pid changes. (PR_SET_PDEATHSIG would follow the thread that
/// spawned us, and a runtime's threads come and go.) Call it before `limit_memory`, which
/// the thread's stack counts against.
pub fn exit_with_parent(code: i32) -> std::io::Result<()> {
    // SAFETY: getppid has no preconditions and cannot fail.
    let parent = unsafe { libc::getppid() };
    let watch = move || {
        loop {
            std::thread::sleep(PARENT_CHECK);
            // SAFETY: as above; _exit ends the process without running anything else.
            if unsafe { libc::getppid() } != parent {
                unsafe { libc::_exit(code) };
            }
        }
    };
    std::thread::Builder::new()
        .name("parent-watch".into())
        .stack_size(WATCH_STACK_BYTES)
        .spawn(watch)
        .map(drop)
}

/// Makes this process the one the kernel's OOM killer picks first (Linux; elsewhere there
/// is no such choice to make).
pub fn prefer_to_be_killed_when_out_of_memory() {
    #[cfg(target_os = "linux")]
    let _ = std::fs::write("/proc/self/oom_score_adj", "1000");
}

/// Closes standard output, so the reader sees its end now rather than when the process is
/// gone.
pub fn close_stdout() {
    // SAFETY: the caller writes nothing to fd 1 afterwards.
    unsafe {
        libc::close(1);
    }
}
