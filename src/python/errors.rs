//! Raising the Python exceptions of `app.temporal.errors` from Rust errors.
//!
//! The hierarchy is defined in Python (it needs multiple inheritance, e.g. a connection
//! error is also the builtin `ConnectionError`); Rust looks the classes up by name.

use pyo3::prelude::*;

use crate::client::{ClientError, WorkflowEnd};
use crate::config::ConfigError;
use crate::devserver::DevServerError;

const ERRORS_MODULE: &str = "app.temporal.errors";

/// An instance of `app.temporal.errors.<class>` built from `args`, as a `PyErr`.
pub fn python_error<'py>(
    py: Python<'py>,
    class: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyErr {
    let built = py
        .import(ERRORS_MODULE)
        .and_then(|module| module.getattr(class))
        .and_then(|class| class.call1(args));
    match built {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

pub fn config_error(py: Python<'_>, error: &ConfigError) -> PyErr {
    let problems: Vec<(Option<String>, Option<String>, String)> = error
        .problems
        .iter()
        .map(|p| {
            (
                p.field.clone(),
                p.origin.as_ref().map(ToString::to_string),
                p.message.clone(),
            )
        })
        .collect();
    python_error(py, "ConfigError", (error.to_string(), problems))
}

pub fn devserver_error(py: Python<'_>, error: &DevServerError) -> PyErr {
    let class = match error {
        DevServerError::NotFound { .. } => "TemporalCLINotFoundError",
        _ => "DevServerError",
    };
    python_error(py, class, (error.to_string(),))
}

/// A Rust panic, reported as an error of the package instead of unwinding into Python.
pub fn internal_error(py: Python<'_>, payload: &(dyn std::any::Any + Send)) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    python_error(
        py,
        "TemporalError",
        (format!(
            "internal error in project-ai-temporal (please report it): {what}"
        ),),
    )
}

pub fn client_error(py: Python<'_>, error: &ClientError) -> PyErr {
    let message = error.to_string();
    match error {
        ClientError::Connect { address, cause, .. } => python_error(
            py,
            "TemporalConnectionError",
            (message, address.clone(), cause.to_string()),
        ),
        ClientError::Settings(_) => python_error(py, "ConfigError", (message,)),
        ClientError::AlreadyStarted {
            workflow_id,
            run_id,
        } => python_error(
            py,
            "WorkflowAlreadyStartedError",
            (message, workflow_id.clone(), run_id.clone()),
        ),
        ClientError::WorkflowEnded {
            workflow_id,
            run_id,
            end,
            chain,
        } => {
            let status = match end {
                WorkflowEnd::Failed => "failed",
                WorkflowEnd::Cancelled => "cancelled",
                WorkflowEnd::Terminated => "terminated",
                WorkflowEnd::TimedOut => "timed_out",
            };
            let causes: Vec<(String, String)> = chain
                .iter()
                .map(|l| (l.kind.clone(), l.message.clone()))
                .collect();
            python_error(
                py,
                "WorkflowFailureError",
                (message, workflow_id.clone(), run_id.clone(), status, causes),
            )
        }
        ClientError::QueryRejected { workflow_id, .. } => python_error(
            py,
            "WorkflowQueryRejectedError",
            (message, workflow_id.clone()),
        ),
        ClientError::Rpc {
            code, code_name, ..
        } => python_error(py, "RPCError", (message, *code, code_name.clone())),
        ClientError::Payload(_) => python_error(py, "PayloadError", (message,)),
        ClientError::ResultTimeout(_) => python_error(py, "WorkflowResultTimeoutError", (message,)),
    }
}
