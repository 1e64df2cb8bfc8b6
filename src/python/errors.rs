//! Raising the Python exceptions of `app.temporal.errors` from Rust errors.
//!
//! The hierarchy is defined in Python (it needs multiple inheritance, e.g. a connection
//! error is also the builtin `ConnectionError`). Rust names each class it raises, with the
//! keyword arguments it passes besides the message, in one table; a test builds every
//! class from that table (`_core.error_classes()`), so the two sides cannot drift.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::{ClientError, WorkflowEnd};
use crate::config::ConfigError;
use crate::devserver::DevServerError;

const ERRORS_MODULE: &str = "app.temporal.errors";

macro_rules! error_classes {
    ($($class:ident => $name:literal [$($keyword:literal),*],)*) => {
        /// A class of `app.temporal.errors` that the core raises.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ErrorClass {
            $($class,)*
        }

        impl ErrorClass {
            pub const ALL: &[ErrorClass] = &[$(ErrorClass::$class,)*];

            /// The Python class name.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorClass::$class => $name,)*
                }
            }

            /// The keyword arguments it is built with, besides the message.
            pub fn keywords(self) -> &'static [&'static str] {
                match self {
                    $(ErrorClass::$class => &[$($keyword),*],)*
                }
            }
        }
    };
}

error_classes! {
    Temporal => "TemporalError" [],
    Config => "ConfigError" ["problems"],
    Connection => "TemporalConnectionError" ["address", "cause"],
    WorkflowFailure => "WorkflowFailureError" ["workflow_id", "run_id", "status", "causes"],
    AlreadyStarted => "WorkflowAlreadyStartedError" ["workflow_id", "run_id"],
    QueryRejected => "WorkflowQueryRejectedError" ["workflow_id"],
    Rpc => "RPCError" ["status", "status_name"],
    Worker => "WorkerError" [],
    Store => "StoreError" [],
    InvalidQuery => "InvalidQueryError" [],
    InvalidInput => "InvalidInputError" [],
    Payload => "PayloadError" [],
    ResultTimeout => "WorkflowResultTimeoutError" [],
    DevServer => "DevServerError" [],
    CliNotFound => "TemporalCLINotFoundError" [],
}

/// An instance of `class` with `message` alone, as a `PyErr`.
pub fn python_error(py: Python<'_>, class: ErrorClass, message: impl Into<String>) -> PyErr {
    python_error_with(py, class, message, |_| Ok(()))
}

/// An instance of `class` with `message` and the keyword arguments `fields` sets, as a
/// `PyErr`. Each keyword must be one of `class.keywords()`.
pub fn python_error_with<'py>(
    py: Python<'py>,
    class: ErrorClass,
    message: impl Into<String>,
    fields: impl FnOnce(&Bound<'py, PyDict>) -> PyResult<()>,
) -> PyErr {
    let keywords = PyDict::new(py);
    let built = fields(&keywords)
        .and_then(|()| {
            debug_assert!(
                keywords.keys().iter().all(|k| k
                    .extract::<String>()
                    .is_ok_and(|k| class.keywords().contains(&k.as_str()))),
                "{} is not built with {keywords}",
                class.name()
            );
            py.import(ERRORS_MODULE)
        })
        .and_then(|module| module.getattr(class.name()))
        .and_then(|class| class.call((message.into(),), Some(&keywords)));
    match built {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

/// The classes the core raises with their keywords, for the test that builds each one.
#[pyfunction]
pub fn error_classes() -> Vec<(&'static str, Vec<&'static str>)> {
    ErrorClass::ALL
        .iter()
        .map(|c| (c.name(), c.keywords().to_vec()))
        .collect()
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
    python_error_with(py, ErrorClass::Config, error.to_string(), |kw| {
        kw.set_item("problems", problems)
    })
}

pub fn devserver_error(py: Python<'_>, error: &DevServerError) -> PyErr {
    let class = match error {
        DevServerError::NotFound { .. } => ErrorClass::CliNotFound,
        _ => ErrorClass::DevServer,
    };
    python_error(py, class, error.to_string())
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
        ErrorClass::Temporal,
        format!("internal error in project-ai-temporal (please report it): {what}"),
    )
}

pub fn client_error(py: Python<'_>, error: &ClientError) -> PyErr {
    let message = error.to_string();
    match error {
        ClientError::Connect { address, cause, .. } => {
            python_error_with(py, ErrorClass::Connection, message, |kw| {
                kw.set_item("address", address)?;
                kw.set_item("cause", cause.to_string())
            })
        }
        ClientError::Settings(_) => python_error(py, ErrorClass::Config, message),
        ClientError::AlreadyStarted {
            workflow_id,
            run_id,
        } => python_error_with(py, ErrorClass::AlreadyStarted, message, |kw| {
            kw.set_item("workflow_id", workflow_id)?;
            kw.set_item("run_id", run_id)
        }),
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
            python_error_with(py, ErrorClass::WorkflowFailure, message, |kw| {
                kw.set_item("workflow_id", workflow_id)?;
                kw.set_item("run_id", run_id)?;
                kw.set_item("status", status)?;
                kw.set_item("causes", causes)
            })
        }
        ClientError::QueryRejected { workflow_id, .. } => {
            python_error_with(py, ErrorClass::QueryRejected, message, |kw| {
                kw.set_item("workflow_id", workflow_id)
            })
        }
        ClientError::Rpc {
            code, code_name, ..
        } => python_error_with(py, ErrorClass::Rpc, message, |kw| {
            kw.set_item("status", *code)?;
            kw.set_item("status_name", code_name)
        }),
        ClientError::Payload(_) => python_error(py, ErrorClass::Payload, message),
        ClientError::ResultTimeout(_) => python_error(py, ErrorClass::ResultTimeout, message),
    }
}
