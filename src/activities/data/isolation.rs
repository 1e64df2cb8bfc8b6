//! Where the heavy analysis steps run. The budgets refuse what they foresee; this is the
//! last line for what they do not: each step can run in a child process of its own with an
//! address-space limit, so that an allocation failure, an abort or a crash ends that
//! process and fails the step, and the worker (which every workflow of the app shares)
//! runs on.
//!
//! The protocol: the parent writes one JSON `Call` to the child's stdin and closes it; the
//! child sets its limit, runs the step and writes one JSON `Reply` to stdout. The child
//! gets a bare environment (no API keys or other secrets) and is killed when the step is
//! dropped (a cancelled or timed-out activity).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Child;

use super::INVALID;
use super::step::Step;
use crate::activities::errors::{StepError, blocking};
use crate::activities::heap::release_free_memory;
use crate::config::fields::spec;
use crate::platform;

/// The most a call or a reply may be: a step's input and result stay under Temporal's 2 MiB
/// payload limit, so 16 MiB is never reached by a healthy child.
const MAX_MESSAGE_BYTES: u64 = 16 << 20;
/// How much of a failed child's stderr is kept to tell why it failed.
const KEPT_STDERR_BYTES: usize = 8 << 10;
/// What an allocation that failed at the address-space limit prints before the process
/// ends: Rust's allocation failure handler (then abort), and glibc when a new thread finds
/// no room for its thread-local data (then exit status 127).
const ALLOCATION_FAILED: &[&str] = &[
    "memory allocation of",
    "cannot allocate memory for thread-local data",
];
/// The environment variables a child keeps: what starting a program needs, nothing secret.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "SYSTEMROOT",
    "TMPDIR",
    "TEMP",
    "TMP",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "RAYON_NUM_THREADS",
];
const ONE_GIB: u64 = 1 << 30;

/// How to start an analysis child: a program that ends up calling `serve` (the Python
/// package runs its interpreter on the `_core` module; see `python::analysis_process`).
#[derive(Debug)]
pub struct ChildProcess {
    program: PathBuf,
    args: Vec<OsString>,
    /// The child's address-space limit in bytes (0: none).
    memory_limit: u64,
    /// Whether one child is kept started ahead, waiting for its call, so that a step does
    /// not wait for an interpreter to start (a worker's steps follow one another; a direct
    /// call starts its own).
    warm: bool,
    spare: Mutex<Option<Child>>,
}

/// Where the steps run.
#[derive(Debug, Clone, Default)]
pub enum Runner {
    /// In the worker's process, on a blocking thread.
    #[default]
    InProcess,
    /// Each in a child process of its own.
    Child(Arc<ChildProcess>),
}

impl Runner {
    /// Runs the step where this runner runs steps; its result as the activity's type.
    pub async fn run<T: DeserializeOwned>(&self, step: Step) -> Result<T, StepError> {
        let activity = step.activity();
        let value = match self {
            Runner::InProcess => {
                blocking(move || {
                    let done = step.run();
                    // A long-lived worker gives back what the step freed.
                    release_free_memory();
                    done
                })
                .await?
            }
            Runner::Child(child) => child.run(step).await?,
        };
        serde_json::from_value(value).map_err(|e| {
            StepError::Transient(format!("{activity} returned an unreadable result: {e}"))
        })
    }

    /// Gets ready for the first step: a warm child runner starts its spare now, so that a
    /// worker's first step does not wait for an interpreter to start either (nothing runs
    /// yet whose memory it could add to). Needs a tokio runtime (it reaps the child).
    pub fn prepare(&self) {
        if let Runner::Child(child) = self {
            child.refill();
        }
    }
}

/// The `analysis_memory_limit` setting as a limit in bytes: 0 means half of the machine's
/// physical memory, at least 1 GiB.
pub fn memory_limit(setting: u64) -> u64 {
    if setting > 0 {
        return setting;
    }
    platform::physical_memory().map_or(4 * ONE_GIB, |bytes| (bytes / 2).max(ONE_GIB))
}

#[derive(Serialize, Deserialize)]
struct Call {
    memory_limit: u64,
    step: Step,
}

/// What the child writes: the step's outcome and how much memory the child used, so that
/// the worker can log it (what `analysis_memory_limit` must leave room for).
#[derive(Debug, Serialize, Deserialize)]
struct Answer {
    reply: Reply,
    /// The child's peak resident memory, in KiB.
    peak_rss_kib: u64,
}

/// A step's outcome as the child reports it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Done(Value),
    Invalid(String),
    Refused(String),
    Config(String),
    Store(String),
    Transient(String),
}

impl From<Result<Value, StepError>> for Reply {
    fn from(outcome: Result<Value, StepError>) -> Self {
        match outcome {
            Ok(value) => Reply::Done(value),
            Err(StepError::Invalid { message, .. }) => Reply::Invalid(message),
            Err(StepError::Refused { message, .. }) => Reply::Refused(message),
            Err(StepError::Config(message)) => Reply::Config(message),
            Err(StepError::Store(message)) => Reply::Store(message),
            Err(StepError::Transient(message)) => Reply::Transient(message),
        }
    }
}

impl From<Reply> for Result<Value, StepError> {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Done(value) => Ok(value),
            // The data steps fail only under their own type name.
            Reply::Invalid(message) => Err(StepError::invalid(INVALID, message)),
            Reply::Refused(message) => Err(StepError::Refused {
                type_name: INVALID,
                message,
            }),
            Reply::Config(message) => Err(StepError::Config(message)),
            Reply::Store(message) => Err(StepError::Store(message)),
            Reply::Transient(message) => Err(StepError::Transient(message)),
        }
    }
}

fn setting_hint() -> String {
    let name = "analysis_memory_limit";
    let env = spec(name).map_or("", |f| f.env);
    format!("the setting {name}, {env}, raises it")
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / ONE_GIB as f64)
}

impl ChildProcess {
    /// `program` with `args`, under `memory_limit` bytes of address space (0: none); `warm`
    /// keeps a child started ahead.
    pub fn new(program: PathBuf, args: Vec<OsString>, memory_limit: u64, warm: bool) -> Self {
        ChildProcess {
            program,
            args,
            memory_limit,
            warm,
            spare: Mutex::new(None),
        }
    }

    /// A new child, waiting for its call. Needs a tokio runtime (it reaps the child).
    fn start(&self) -> Result<Child, StepError> {
        tokio::process::Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(
                KEPT_ENV
                    .iter()
                    .filter_map(|k| Some((k, std::env::var_os(k)?))),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                StepError::Transient(format!(
                    "cannot start the analysis process {}: {e}",
                    self.program.display()
                ))
            })
    }

    /// The spare child when it is still waiting, else a new one.
    fn child(&self) -> Result<Child, StepError> {
        let waiting = self
            .spare
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .filter(|c| c.id().is_some())
            .and_then(|mut c| matches!(c.try_wait(), Ok(None)).then_some(c));
        match waiting {
            Some(child) => Ok(child),
            None => self.start(),
        }
    }

    /// When warm, starts the spare for the next step. Called before the first step and once
    /// a step's child has ended, so that a spare never adds to a running step's memory: it
    /// starts while the workflow schedules its next step.
    fn refill(&self) {
        if !self.warm {
            return;
        }
        let mut spare = self.spare.lock().unwrap_or_else(|e| e.into_inner());
        if spare.is_none() {
            *spare = self
                .start()
                .inspect_err(
                    |e| tracing::warn!(error = %e, "cannot start a spare analysis process"),
                )
                .ok();
        }
    }

    /// Runs the step in a child process of its own. A complete answer ends the step at
    /// once: the child closes its stdout before it exits (`exit_after_answer`), and its exit
    /// (freeing its memory) is waited for in the background, before the next spare starts.
    pub async fn run(self: &Arc<Self>, step: Step) -> Result<Value, StepError> {
        let activity = step.activity();
        let call = serde_json::to_vec(&Call {
            memory_limit: self.memory_limit,
            step,
        })
        .map_err(|e| StepError::Transient(e.to_string()))?;
        let started = std::time::Instant::now();
        let mut child = self.child()?;
        let (mut stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    return Err(StepError::Transient(
                        "the analysis process has no pipes".into(),
                    ));
                }
            };
        let send = async move {
            // A child that died early closed its stdin: its status says why.
            let _ = stdin.write_all(&call).await;
            drop(stdin);
        };
        // Read all along, so that a child writing much to stderr never blocks.
        let errors = tokio::spawn(read_tail(stderr));
        let (_, reply) = tokio::join!(send, read_capped(stdout, MAX_MESSAGE_BYTES));
        let answer = reply
            .as_deref()
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Answer>(bytes).ok());
        if let Some(answer) = answer {
            tracing::info!(
                activity,
                peak_rss_mib = answer.peak_rss_kib / 1024,
                seconds = started.elapsed().as_secs_f64(),
                "analysis step done in its process"
            );
            let this = self.clone();
            tokio::spawn(async move {
                let _ = child.wait().await;
                this.refill();
            });
            return answer.reply.into();
        }
        let status = child.wait().await;
        self.refill();
        let status = status
            .map_err(|e| StepError::Transient(format!("the analysis process was lost: {e}")))?;
        let errors = errors.await.unwrap_or_default();
        match reply {
            Err(e) => Err(StepError::Transient(format!(
                "{activity}'s analysis process gave no whole answer: {e}"
            ))),
            Ok(_) if status.success() => Err(StepError::Transient(format!(
                "{activity}'s analysis process gave an unreadable answer"
            ))),
            Ok(_) => Err(self.failure(activity, status, &errors)),
        }
    }

    /// Why a child that did not answer ended: over its memory limit (final: the same input
    /// needs the same memory again) or anything else (a later attempt may succeed).
    fn failure(&self, activity: &str, status: ExitStatus, stderr: &[u8]) -> StepError {
        let how = describe(status);
        let said = String::from_utf8_lossy(stderr);
        let over_limit = ALLOCATION_FAILED.iter().any(|m| said.contains(m));
        if over_limit && self.memory_limit > 0 {
            return StepError::invalid(
                INVALID,
                format!(
                    "{activity} needed more memory than the analysis process may have: an allocation over its address-space limit of {} failed and the process {how} ({}); the worker is unaffected",
                    gib(self.memory_limit),
                    setting_hint()
                ),
            );
        }
        // What the child printed may quote the file it read (a panic message): only at DEBUG.
        tracing::warn!(activity, status = %how, stderr_bytes = said.len(), "the analysis process failed");
        tracing::debug!(activity, stderr = %said.trim(), "the analysis process's last words");
        StepError::Transient(format!(
            "{activity}'s analysis process {how} before it answered; the worker is unaffected and the step may be retried"
        ))
    }
}

#[cfg(unix)]
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (_, Some(signal)) => format!("was ended by signal {signal}{}", signal_name(signal)),
        (Some(code), None) => format!("exited with status {code}"),
        (None, None) => "ended".into(),
    }
}

#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGBUS => " (SIGBUS)",
        _ => "",
    }
}

#[cfg(not(unix))]
fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended".into(),
    }
}

async fn read_capped(pipe: impl AsyncRead + Unpin, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    pipe.take(cap + 1).read_to_end(&mut bytes).await?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::other(format!(
            "its answer is over {cap} bytes"
        )));
    }
    Ok(bytes)
}

/// The last `KEPT_STDERR_BYTES` of a pipe, read to its end.
async fn read_tail(mut pipe: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n @ 1..) = pipe.read(&mut buffer).await {
        kept.extend_from_slice(&buffer[..n]);
        if kept.len() > 2 * KEPT_STDERR_BYTES {
            kept.drain(..kept.len() - KEPT_STDERR_BYTES);
        }
    }
    if kept.len() > KEPT_STDERR_BYTES {
        kept.drain(..kept.len() - KEPT_STDERR_BYTES);
    }
    kept
}

/// The child's side: reads a call from `input`, limits this process's address space, runs
/// the step and writes the reply to `output`. Returns the process exit status: 0 when a
/// reply was written (a failed step too), 2 when the call was unreadable.
pub fn serve(input: impl Read, mut output: impl Write) -> i32 {
    let mut text = Vec::new();
    if let Err(e) = input.take(MAX_MESSAGE_BYTES).read_to_end(&mut text) {
        eprintln!("analysis step: cannot read the call: {e}");
        return 2;
    }
    let call: Call = match serde_json::from_slice(&text) {
        Ok(call) => call,
        Err(e) => {
            eprintln!("analysis step: unreadable call: {e}");
            return 2;
        }
    };
    drop(text);
    // Many analyses at once may together exceed the machine's memory though each stays
    // under its limit: the kernel's OOM killer is then to pick an analysis child (a failed
    // attempt), never the worker.
    platform::prefer_to_be_killed_when_out_of_memory();
    // A step of a worker that died (killed, crashed) would only hold memory and a core
    // while its retry runs on another worker. Before the limit, which the watching
    // thread's stack counts against.
    if let Err(e) = platform::exit_with_parent(3) {
        eprintln!("analysis step: cannot watch the worker, an orphan would run on: {e}");
    }
    // Without the limit the step still runs apart from the worker, which is what matters
    // most; a system that refuses the limit only loses the bound.
    if let Err(e) = platform::limit_memory(call.memory_limit) {
        eprintln!("analysis step: cannot set the memory limit, running without it: {e}");
    }
    let outcome = std::panic::catch_unwind(move || call.step.run()).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(StepError::Transient(format!(
            "the analysis step panicked: {why}"
        )))
    });
    let answer = |reply| Answer {
        reply,
        peak_rss_kib: platform::peak_rss_kib(),
    };
    let reply = serde_json::to_vec(&answer(Reply::from(outcome))).unwrap_or_else(|e| {
        let failed = Reply::Transient(format!("cannot write the result: {e}"));
        serde_json::to_vec(&answer(failed)).unwrap_or_default()
    });
    match output.write_all(&reply).and_then(|()| output.flush()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("analysis step: cannot write the reply: {e}");
            2
        }
    }
}

/// Ends the child once `serve` has answered: stdout is closed first, so that the worker
/// reads the end of the answer at once instead of after the kernel has freed this
/// process's memory, and the interpreter's teardown is skipped (nothing is left to do).
pub fn exit_after_answer(code: i32) -> ! {
    platform::close_stdout();
    std::process::exit(code)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::activities::data::{ChartRequest, Charted};

    fn chart_step(folder: &std::path::Path) -> Step {
        Step::Chart {
            request: ChartRequest {
                table_path: "/elsewhere/table.arrow".into(),
                results: Value::Null,
            },
            folder: folder.to_path_buf(),
            attempt: 1,
        }
    }

    fn shell(script: &str) -> ChildProcess {
        ChildProcess::new(
            "/bin/sh".into(),
            vec!["-c".into(), script.into()],
            1 << 30,
            false,
        )
    }

    #[test]
    fn serve_answers_a_step_and_a_refusal_keeps_its_type() {
        let folder = tempfile::tempdir().unwrap();
        let call = serde_json::to_vec(&Call {
            memory_limit: 0,
            step: chart_step(folder.path()),
        })
        .unwrap();
        let mut out = Vec::new();
        assert_eq!(serve(call.as_slice(), &mut out), 0);
        let answer: Answer = serde_json::from_slice(&out).unwrap();
        assert!(answer.peak_rss_kib > 0);
        let outcome: Result<Value, StepError> = answer.reply.into();
        match outcome {
            Err(StepError::Invalid { type_name, message }) => {
                assert_eq!(type_name, INVALID);
                assert!(
                    message.contains("is not this workflow's table.arrow"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(serve(&b"{not json"[..], &mut Vec::new()), 2);
    }

    #[tokio::test]
    async fn a_child_that_answers_is_the_result() {
        let done = r#"{"reply":{"done":{"output_path":"/x","charts":["a.png"],"attempt":1}},"peak_rss_kib":1}"#;
        let child = shell(&format!("cat >/dev/null; printf '%s' '{done}'"));
        let folder = tempfile::tempdir().unwrap();
        let charted: Charted = Runner::Child(Arc::new(child))
            .run(chart_step(folder.path()))
            .await
            .unwrap();
        assert_eq!(charted.charts, ["a.png"]);
    }

    #[tokio::test]
    async fn a_warm_runner_keeps_a_spare_and_replaces_one_that_died() {
        let done =
            r#"{"reply":{"done":{"output_path":"/x","charts":[],"attempt":1}},"peak_rss_kib":1}"#;
        let script = format!("cat >/dev/null; printf '%s' '{done}'");
        let child = Arc::new(ChildProcess::new(
            "/bin/sh".into(),
            vec!["-c".into(), script.into()],
            1 << 30,
            true,
        ));
        let runner = Runner::Child(child.clone());
        let folder = tempfile::tempdir().unwrap();
        let spare_pid = || child.spare.lock().unwrap().as_ref().and_then(Child::id);
        // The spare starts once the step's child has exited.
        let spare_after_step = async || {
            for _ in 0..200 {
                if let Some(pid) = spare_pid() {
                    return pid;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            panic!("no spare within 2 s of the step")
        };
        let _: Charted = runner.run(chart_step(folder.path())).await.unwrap();
        let first = spare_after_step().await;
        // SAFETY: kill only signals the spare this test started.
        unsafe { libc::kill(first as i32, libc::SIGKILL) };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let _: Charted = runner.run(chart_step(folder.path())).await.unwrap();
        let second = spare_after_step().await;
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn a_child_over_its_memory_limit_fails_for_good_naming_the_setting() {
        let child = shell(
            "cat >/dev/null; echo 'memory allocation of 17592186044416 bytes failed' >&2; kill -ABRT $$",
        );
        let folder = tempfile::tempdir().unwrap();
        let error = Arc::new(child)
            .run(chart_step(folder.path()))
            .await
            .unwrap_err();
        let StepError::Invalid { type_name, message } = error else {
            panic!("{error:?}")
        };
        assert_eq!(type_name, INVALID);
        for part in [
            "generate_visualizations",
            "1.0 GiB",
            "SIGABRT",
            "TEMPORAL_ANALYSIS_MEMORY_LIMIT",
        ] {
            assert!(message.contains(part), "{part} not in {message}");
        }
    }

    #[tokio::test]
    async fn a_crash_is_a_retryable_failure_and_no_secret_reaches_the_child() {
        // HOME stands for what the worker's environment has and a child must not get
        // (API keys): only the variables of KEPT_ENV pass.
        assert!(std::env::var_os("HOME").is_some());
        let child = shell("cat >/dev/null; if [ -n \"$HOME\" ]; then exit 7; fi; kill -SEGV $$");
        let folder = tempfile::tempdir().unwrap();
        let error = Arc::new(child)
            .run(chart_step(folder.path()))
            .await
            .unwrap_err();
        let StepError::Transient(message) = error else {
            panic!("{error:?}")
        };
        assert!(message.contains("signal 11 (SIGSEGV)"), "{message}");
    }

    #[tokio::test]
    async fn an_endless_answer_is_cut_at_the_cap() {
        let child = shell("cat >/dev/null; yes");
        let folder = tempfile::tempdir().unwrap();
        let error = Arc::new(child)
            .run(chart_step(folder.path()))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("over 16777216 bytes"), "{error}");
    }

    #[test]
    fn the_default_limit_is_half_the_machine() {
        assert_eq!(memory_limit(123), 123);
        // The machine's memory as the kernel reports it, read apart from sysconf.
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let total_kib: Option<u64> = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok());
        let default = memory_limit(0);
        assert!(default >= ONE_GIB);
        if let Some(kib) = total_kib {
            let half = kib * 1024 / 2;
            // sysconf counts a little more than MemTotal (memory the kernel keeps for itself).
            assert!(
                default >= half.max(ONE_GIB) && default <= (half + half / 10).max(ONE_GIB),
                "{default} vs {half}"
            );
        }
    }
}
