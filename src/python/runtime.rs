//! The one tokio runtime of the extension, the way Python waits on it (blocking without the
//! GIL, or awaiting from asyncio), and the fork check.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};

use futures::FutureExt;
use pyo3::BoundObject;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

use super::errors::{ErrorClass, internal_error, python_error};
use super::exit_guard;

static RUNTIME_PID: OnceLock<u32> = OnceLock::new();

/// The runtime shared by every client, worker and server handle in this process. Its
/// threads do not survive `fork()`, so a forked child gets a clear error instead of a hang.
pub fn runtime(py: Python<'_>) -> PyResult<&'static Runtime> {
    let owner = *RUNTIME_PID.get_or_init(std::process::id);
    if owner != std::process::id() {
        return Err(python_error(
            py,
            ErrorClass::Temporal,
            format!(
                "app.temporal was used in process {owner} before this process ({}) was forked from it; \
                 its runtime threads do not survive fork(). Create clients and workers after forking \
                 (for example in a post_fork hook), or start this process with the spawn method",
                std::process::id()
            ),
        ));
    }
    Ok(pyo3_async_runtimes::tokio::get_runtime())
}

/// Runs `future` to completion on the shared runtime from a plain Python thread, without
/// holding the GIL; a panic inside becomes a Python exception.
pub fn block_on<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let runtime = runtime(py)?;
    let outcome =
        py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(future))));
    outcome.map_err(|payload| internal_error(py, payload.as_ref()))
}

/// Runs a synchronous closure without the GIL, turning a panic into a Python exception.
pub fn without_gil<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(f)))
        .map_err(|payload| internal_error(py, payload.as_ref()))
}

/// The Python value a finished call produces, built once the GIL is held.
type Convert = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Py<PyAny>> + Send>;

pub struct ToPython(Convert);

impl ToPython {
    pub fn new<T>(value: T) -> Self
    where
        T: for<'py> IntoPyObject<'py> + Send + 'static,
    {
        ToPython(Box::new(move |py| {
            value
                .into_pyobject(py)
                .map(|o| o.into_any().unbind())
                .map_err(Into::into)
        }))
    }
}

impl<'py> IntoPyObject<'py> for ToPython {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (self.0)(py).map(|o| o.into_bound(py))
    }
}

/// A Python exception, built once the GIL is held (the work ends on a thread without it).
pub struct LazyErr(Box<dyn for<'py> FnOnce(Python<'py>) -> PyErr + Send>);

impl LazyErr {
    pub fn new(make: impl for<'py> FnOnce(Python<'py>) -> PyErr + Send + 'static) -> Self {
        LazyErr(Box::new(make))
    }

    fn build(self, py: Python<'_>) -> PyErr {
        (self.0)(py)
    }
}

pub type Outcome = Result<ToPython, LazyErr>;
type Job = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One call into the Rust core, not yet run: `await` it from asyncio, or `wait()` for it
/// from any thread. Either runs it on the shared runtime; it can run once.
#[pyclass(module = "app.temporal._core")]
pub struct Pending {
    job: Mutex<Option<Job>>,
}

impl Pending {
    pub fn new(future: impl Future<Output = Outcome> + Send + 'static) -> Self {
        Pending {
            job: Mutex::new(Some(Box::pin(future))),
        }
    }

    fn take(&self, py: Python<'_>) -> PyResult<Job> {
        let job = self.job.lock().ok().and_then(|mut j| j.take());
        job.ok_or_else(|| {
            python_error(
                py,
                ErrorClass::Temporal,
                "this call has already been awaited or waited for",
            )
        })
    }
}

/// Cancelling the awaiting asyncio task stops the Rust work too.
#[pyclass(module = "app.temporal._core")]
struct AbortOnCancel(AbortHandle);

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.0.abort();
        }
        Ok(())
    }
}

/// Settles `future` (on its event loop's thread) unless it was cancelled meanwhile.
#[pyfunction]
fn complete_future(future: &Bound<'_, PyAny>, ok: bool, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    let method = if ok { "set_result" } else { "set_exception" };
    future.call_method1(method, (value,)).map(drop)
}

#[pymethods]
impl Pending {
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let runtime = runtime(py)?;
        let job = self.take(py)?;
        let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
        let future = event_loop.call_method0("create_future")?;
        static COMPLETE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let complete = COMPLETE.get_or_try_init(py, || {
            wrap_pyfunction!(complete_future, py).map(|f| f.into_any().unbind())
        })?;
        let (loop_ref, future_ref, complete) = (
            event_loop.unbind(),
            future.clone().unbind(),
            complete.clone_ref(py),
        );
        let task = runtime.spawn(async move {
            let outcome = AssertUnwindSafe(job).catch_unwind().await;
            // Through the exit guard: an interpreter that is exiting has no one left to tell.
            exit_guard::enter(|py| {
                let (ok, value) = match outcome {
                    Ok(Ok(value)) => match value.into_pyobject(py) {
                        Ok(value) => (true, value),
                        Err(e) => (false, e.into_value(py).into_bound(py).into_any()),
                    },
                    Ok(Err(e)) => (false, e.build(py).into_value(py).into_bound(py).into_any()),
                    Err(payload) => (
                        false,
                        internal_error(py, payload.as_ref())
                            .into_value(py)
                            .into_bound(py)
                            .into_any(),
                    ),
                };
                // A closed loop (its program ended) cannot be told either; nothing else to do.
                let _ = loop_ref.call_method1(
                    py,
                    "call_soon_threadsafe",
                    (complete, future_ref, ok, value),
                );
            });
        });
        future.call_method1("add_done_callback", (AbortOnCancel(task.abort_handle()),))?;
        future.call_method0("__await__")
    }

    /// Runs the call and blocks this thread (not the GIL) until it is done.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let job = self.take(py)?;
        let value = block_on(py, job)?.map_err(|e| e.build(py))?;
        value.into_pyobject(py).map(Bound::unbind)
    }
}
