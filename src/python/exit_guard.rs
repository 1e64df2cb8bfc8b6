//! Keeping Rust threads out of Python once the interpreter exits. A thread that takes the
//! GIL while Python finalizes is ended by Python mid-call, and its unwinding then touches
//! freed objects. So every call into Python from a Rust thread goes through `enter`, and
//! an `atexit` hook closes the door and waits for the calls already inside.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static OPEN: AtomicBool = AtomicBool::new(true);
static INSIDE: AtomicUsize = AtomicUsize::new(0);

/// True once the interpreter has begun to exit.
pub fn exiting() -> bool {
    !OPEN.load(Ordering::SeqCst)
}

/// Runs `f` with the GIL from a Rust thread, unless the interpreter is exiting.
pub fn enter<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    // Count first, then check: `close` flips the flag, then waits for the count to drop,
    // so no call can slip in after it returns.
    INSIDE.fetch_add(1, Ordering::SeqCst);
    let result = OPEN.load(Ordering::SeqCst).then(|| Python::attach(f));
    INSIDE.fetch_sub(1, Ordering::SeqCst);
    result
}

/// Closes the door and waits (without the GIL, so the calls inside can finish) for the
/// calls already inside. Registered with `atexit` when the module loads.
#[pyfunction]
pub fn stop_calls_into_python(py: Python<'_>) {
    OPEN.store(false, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while INSIDE.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

pub fn install(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let stop = module.getattr("stop_calls_into_python")?;
    module
        .py()
        .import("atexit")?
        .call_method1("register", (stop,))?;
    Ok(())
}
