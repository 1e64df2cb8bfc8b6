//! The one tokio runtime of the extension, the way Python waits on it (blocking without the
//! GIL, or awaiting from asyncio), and the fork check.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};

use futures::FutureExt;
use pyo3::BoundObject;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use super::errors::{internal_error, python_error};

static RUNTIME_PID: OnceLock<u32> = OnceLock::new();

/// The runtime shared by every client, worker and server handle in this process. Its
/// threads do not survive `fork()`, so a forked child gets a clear error instead of a hang.
pub fn runtime(py: Python<'_>) -> PyResult<&'static Runtime> {
    let owner = *RUNTIME_PID.get_or_init(std::process::id);
    if owner != std::process::id() {
        return Err(python_error(
            py,
            "TemporalError",
            (format!(
                "app.temporal was used in process {owner} before this process ({}) was forked from it; \
                 its runtime threads do not survive fork(). Create clients and workers after forking \
                 (for example in a post_fork hook), or start this process with the spawn method",
                std::process::id()
            ),),
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

type Job = Pin<Box<dyn Future<Output = PyResult<ToPython>> + Send>>;

/// One call into the Rust core, not yet run: `await` it from asyncio, or `wait()` for it
/// from any thread. Either runs it on the shared runtime; it can run once.
#[pyclass(module = "app.temporal._core")]
pub struct Pending {
    job: Mutex<Option<Job>>,
}

impl Pending {
    pub fn new(future: impl Future<Output = PyResult<ToPython>> + Send + 'static) -> Self {
        Pending {
            job: Mutex::new(Some(Box::pin(future))),
        }
    }

    fn take(&self, py: Python<'_>) -> PyResult<Job> {
        let job = self.job.lock().ok().and_then(|mut j| j.take());
        job.ok_or_else(|| {
            python_error(
                py,
                "TemporalError",
                ("this call has already been awaited or waited for",),
            )
        })
    }
}

#[pymethods]
impl Pending {
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        runtime(py)?;
        let job = self.take(py)?;
        let guarded = AssertUnwindSafe(job).catch_unwind().map(|outcome| {
            outcome.unwrap_or_else(|payload| {
                Err(Python::attach(|py| internal_error(py, payload.as_ref())))
            })
        });
        pyo3_async_runtimes::tokio::future_into_py(py, guarded)?.call_method0("__await__")
    }

    /// Runs the call and blocks this thread (not the GIL) until it is done.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let job = self.take(py)?;
        let value = block_on(py, job)??;
        value.into_pyobject(py).map(Bound::unbind)
    }
}
