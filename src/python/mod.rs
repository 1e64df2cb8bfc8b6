//! The PyO3 bindings: the only code that touches Python. It owns the tokio runtime,
//! turns Rust errors into the `app.temporal.errors` hierarchy, releases the GIL while it
//! waits, and keeps Rust panics from crossing into Python.

mod client;
mod config;
mod devserver;
mod errors;
mod runtime;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<config::TemporalConfig>()?;
    m.add_class::<client::ClientCore>()?;
    m.add_class::<runtime::Pending>()?;
    m.add_function(wrap_pyfunction!(client::cloud_address, m)?)?;
    m.add_function(wrap_pyfunction!(config::config_fields, m)?)?;
    m.add_class::<devserver::DevServerProcess>()?;
    m.add_function(wrap_pyfunction!(devserver::locate_temporal_cli, m)?)?;
    Ok(())
}
