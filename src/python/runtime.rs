//! The one tokio runtime of the extension and the way Python threads wait on it.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use super::errors::internal_error;

/// The runtime shared by every client, worker and server handle in this process.
pub fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Runs `future` to completion on the shared runtime from a plain Python thread, without
/// holding the GIL; a panic inside becomes a Python exception.
pub fn block_on<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let outcome =
        py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(|| runtime().block_on(future))));
    outcome.map_err(|payload| internal_error(py, payload.as_ref()))
}

/// Runs a synchronous closure without the GIL, turning a panic into a Python exception.
pub fn without_gil<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(f)))
        .map_err(|payload| internal_error(py, payload.as_ref()))
}
