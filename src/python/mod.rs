//! The PyO3 bindings: the only code that touches Python. It owns the tokio runtime,
//! turns Rust errors into the `app.temporal.errors` hierarchy, releases the GIL while it
//! waits, and keeps Rust panics from crossing into Python.

mod activities;
mod analysis_process;
mod client;
mod config;
mod devserver;
mod errors;
mod exit_guard;
mod logging;
mod plain_values;
mod replay;
mod runtime;
mod shared_values;
mod stores;
mod worker;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(logging::set_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(exit_guard::stop_calls_into_python, m)?)?;
    exit_guard::install(m)?;
    logging::install();
    m.add_class::<config::TemporalConfig>()?;
    m.add_class::<client::ClientCore>()?;
    m.add_class::<runtime::Pending>()?;
    m.add_function(wrap_pyfunction!(client::cloud_address, m)?)?;
    m.add_class::<worker::WorkerCore>()?;
    m.add_function(wrap_pyfunction!(worker::worker_workflow_types, m)?)?;
    m.add_function(wrap_pyfunction!(worker::worker_groups, m)?)?;
    m.add_function(wrap_pyfunction!(worker::check_worker_hosting, m)?)?;
    m.add_class::<activities::ActivitiesCore>()?;
    m.add_function(wrap_pyfunction!(analysis_process::serve_analysis_step, m)?)?;
    m.add_class::<stores::KnowledgeStoreCore>()?;
    m.add_class::<stores::BlackVaultCore>()?;
    m.add_class::<stores::ImageStoreCore>()?;
    m.add_class::<stores::MemoryStoreCore>()?;
    m.add_function(wrap_pyfunction!(stores::forget_user, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(shared_values::memory_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(shared_values::memory_limits, m)?)?;
    m.add_function(wrap_pyfunction!(stores::vault_hash, m)?)?;
    m.add_function(wrap_pyfunction!(stores::canonical_text, m)?)?;
    m.add_function(wrap_pyfunction!(shared_values::workflow_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(shared_values::request_problem, m)?)?;
    m.add_function(wrap_pyfunction!(config::config_fields, m)?)?;
    m.add_function(wrap_pyfunction!(replay::replay_workflows, m)?)?;
    m.add_class::<devserver::DevServerProcess>()?;
    m.add_function(wrap_pyfunction!(devserver::locate_temporal_cli, m)?)?;
    Ok(())
}
