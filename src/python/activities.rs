//! The activities for Python, called directly outside a workflow: the Rust core's
//! `DirectActivities`, with its failures raised as `app.temporal.errors` exceptions.

use std::sync::Arc;

use pyo3::prelude::*;

use super::analysis_process;
use super::config::TemporalConfig;
use super::errors::{ErrorClass, python_error};
use super::runtime::{LazyErr, Pending, ToPython, runtime, without_gil};
use crate::activities::direct::{self, DirectActivities};
use crate::activities::errors::StepError;

/// The exception a failed call raises: a bad argument or input, a malformed setting, the
/// store, or anything else (a backend's refusal, a network error).
fn step_error(py: Python<'_>, error: &StepError) -> PyErr {
    let class = match error {
        StepError::Invalid { .. } => ErrorClass::InvalidInput,
        StepError::Config(_) => ErrorClass::Config,
        StepError::Store(_) => ErrorClass::Store,
        StepError::Refused { .. } | StepError::Transient(_) => ErrorClass::Temporal,
    };
    python_error(py, class, error.to_string())
}

/// The activities on the stores, files and settings of one configuration.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct ActivitiesCore {
    inner: Arc<DirectActivities>,
}

#[pymethods]
impl ActivitiesCore {
    #[new]
    fn new(py: Python<'_>, config: &TemporalConfig) -> PyResult<Self> {
        let config = config.core().clone();
        let runner = analysis_process::runner(py, &config, false)?;
        without_gil(py, move || DirectActivities::open(&config, runner))?
            .map(|inner| ActivitiesCore {
                inner: Arc::new(inner),
            })
            .map_err(|e| step_error(py, &e))
    }

    /// Runs the activity `name` on `argument` (JSON text); completes with its result as
    /// JSON text.
    fn call(&self, py: Python<'_>, name: String, argument: String) -> PyResult<Pending> {
        runtime(py)?;
        let inner = self.inner.clone();
        Ok(Pending::new(async move {
            match inner.call(&name, &argument).await {
                Ok(result) => Ok(ToPython::new(result.to_string())),
                Err(e) => Err(LazyErr::new(move |py| step_error(py, &e))),
            }
        }))
    }

    /// The activity names, in the original module's order.
    #[staticmethod]
    fn names() -> Vec<&'static str> {
        direct::NAMES.to_vec()
    }
}
