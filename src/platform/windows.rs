//! Windows: no permission bits or owners to copy (a file takes its folder's ACL), process
//! groups with console control events, job objects for memory limits.

use std::fs::{File, Metadata, OpenOptions};
use std::os::windows::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0};
use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, GenerateConsoleCtrlEvent};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject,
};
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, GetCurrentProcess, GetCurrentProcessId, INFINITE, OpenProcess,
    PROCESS_SYNCHRONIZE, TerminateProcess, WaitForSingleObject,
};

/// Permission bits do not exist here: a new file takes the ACL its folder passes on (the
/// user's profile folders are the user's own).
pub fn create_with_mode(_options: &mut OpenOptions, _mode: u32) {}

/// Nothing to copy: owners and ACLs come from the folder, as for any new file. (The
/// read-only attribute is not copied: a rename cannot replace a read-only file, so such a
/// file fails the write with Windows' own error, and nothing half-made is left.)
pub fn take_owner_and_mode(_file: &File, _old: &Metadata) -> std::io::Result<()> {
    Ok(())
}

/// NTFS journals a rename itself; a folder cannot be fsynced here.
pub fn sync_folder(_folder: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Windows runs any file by its extension; the caller looks for `temporal.exe`.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file()
}

/// The child gets a process group of its own: a Ctrl-C in this console does not reach it,
/// and `ask_to_stop` can send it a Ctrl-Break alone.
pub fn own_process_group(command: &mut Command) {
    command.creation_flags(CREATE_NEW_PROCESS_GROUP);
}

/// Asks a child started with `own_process_group` to stop gracefully: a Ctrl-Break to its
/// group (Go programs such as the `temporal` CLI take it as an interrupt). Without a
/// console to share it cannot be sent; the caller kills the child after its grace period.
pub fn ask_to_stop(child: &Child) {
    // SAFETY: plain call; the group id is the child's pid (CREATE_NEW_PROCESS_GROUP).
    unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, child.id()) };
}

/// Windows has no PID namespaces.
pub fn pid_namespace() -> u64 {
    0
}

/// The machine's physical memory in bytes.
pub fn physical_memory() -> Option<u64> {
    let mut status = MEMORYSTATUSEX {
        dwLength: std::mem::size_of::<MEMORYSTATUSEX>() as u32,
        ..unsafe { std::mem::zeroed() }
    };
    // SAFETY: the struct is sized as the call requires.
    (unsafe { GlobalMemoryStatusEx(&mut status) } != 0).then_some(status.ullTotalPhys)
}

/// This process's peak working set, in KiB.
pub fn peak_rss_kib() -> u64 {
    // SAFETY: zeroed is a valid PROCESS_MEMORY_COUNTERS; the call fills it.
    let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    // SAFETY: GetCurrentProcess is a pseudo handle; the buffer is `size` bytes.
    if unsafe { K32GetProcessMemoryInfo(GetCurrentProcess(), &mut counters, size) } == 0 {
        return 0;
    }
    counters.PeakWorkingSetSize as u64 / 1024
}

/// Limits the memory this process may commit to `bytes` (0 leaves it): a job object of its
/// own with a process memory limit, the Windows counterpart of RLIMIT_AS. An allocation
/// over it fails, as it does under the rlimit. The job's handle stays open for the life of
/// the process.
pub fn limit_memory(bytes: u64) -> std::io::Result<()> {
    if bytes == 0 {
        return Ok(());
    }
    // SAFETY: no security attributes, no name.
    let job = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if job.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: zeroed is a valid limit information; only the fields set below count.
    let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY;
    limits.ProcessMemoryLimit = usize::try_from(bytes).unwrap_or(usize::MAX);
    // SAFETY: the struct and its size match the information class.
    let set = unsafe {
        SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            (&limits as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    // SAFETY: both handles are valid; the current process pseudo handle needs no closing.
    if set == 0 || unsafe { AssignProcessToJobObject(job, GetCurrentProcess()) } == 0 {
        let error = std::io::Error::last_os_error();
        // SAFETY: the job handle is ours and no longer needed.
        unsafe { CloseHandle(job) };
        return Err(error);
    }
    Ok(())
}

/// The pid of the process that started this one, from a process snapshot.
fn parent_pid() -> Option<u32> {
    // SAFETY: a snapshot of all processes; closed below.
    let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
    if snapshot == INVALID_HANDLE_VALUE {
        return None;
    }
    // SAFETY: GetCurrentProcessId has no preconditions.
    let me = unsafe { GetCurrentProcessId() };
    let mut entry = PROCESSENTRY32W {
        dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
        ..Default::default()
    };
    let mut parent = None;
    // SAFETY: the entry is sized as the calls require.
    let mut more = unsafe { Process32FirstW(snapshot, &mut entry) } != 0;
    while more {
        if entry.th32ProcessID == me {
            parent = Some(entry.th32ParentProcessID);
            break;
        }
        more = unsafe { Process32NextW(snapshot, &mut entry) } != 0;
    }
    // SAFETY: the snapshot handle is ours.
    unsafe { CloseHandle(snapshot) };
    parent
}

/// Ends this process with `code` when the process that started it ends: a thread waits on
/// the parent's handle.
pub fn exit_with_parent(code: i32) -> std::io::Result<()> {
    let parent = parent_pid().ok_or_else(|| {
        std::io::Error::other("this process is not in the process snapshot with its parent")
    })?;
    // SAFETY: a handle that may only be waited on.
    let handle: HANDLE = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, parent) };
    if handle.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    // Raw handles are not Send; the thread gets the value and owns it from here.
    let raw = handle as usize;
    std::thread::Builder::new()
        .name("parent-watch".into())
        .stack_size(64 << 10)
        .spawn(move || {
            // SAFETY: the handle stays open for as long as this thread waits on it;
            // TerminateProcess ends this process at once, as _exit does on Unix, without
            // tearing down what the step's thread is still using.
            if unsafe { WaitForSingleObject(raw as HANDLE, INFINITE) } == WAIT_OBJECT_0 {
                unsafe { TerminateProcess(GetCurrentProcess(), code as u32) };
            }
        })
        .map(drop)
}

/// Windows has no OOM killer to steer.
pub fn prefer_to_be_killed_when_out_of_memory() {}

/// The reader sees the end of standard output when the process exits, which follows at
/// once; there is no cheap way to close the handle Rust's stdout holds.
pub fn close_stdout() {}
