//! The worker for Python: start it beside a client, stop it gracefully, wait for it.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use super::client::ClientCore;
use super::config::TemporalConfig;
use super::errors::python_error;
use super::runtime::{LazyErr, Pending, ToPython, runtime, without_gil};
use crate::worker::{RunningWorker, WorkerError, WorkerSpec};

fn worker_error(py: Python<'_>, error: &WorkerError) -> PyErr {
    python_error(py, "WorkerError", (error.to_string(),))
}

/// A worker running all workflows and activities on one task queue.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct WorkerCore {
    worker: Mutex<Option<Arc<RunningWorker>>>,
    task_queue: String,
}

impl WorkerCore {
    fn running(&self) -> Option<Arc<RunningWorker>> {
        self.worker.lock().ok().and_then(|w| w.clone())
    }
}

#[pymethods]
impl WorkerCore {
    /// Starts polling `task_queue` (the configured one when None) with the client's connection.
    #[staticmethod]
    #[pyo3(signature = (client, config, task_queue=None))]
    fn start(
        py: Python<'_>,
        client: &ClientCore,
        config: &TemporalConfig,
        task_queue: Option<String>,
    ) -> PyResult<Self> {
        let handle = runtime(py)?.handle().clone();
        let client = client.client(py)?;
        let mut spec = WorkerSpec::from_config(config.core());
        if let Some(queue) = task_queue {
            spec.task_queue = queue;
        }
        let task_queue = spec.task_queue.clone();
        let worker = without_gil(py, move || RunningWorker::start(handle, &client, spec))?
            .map_err(|e| worker_error(py, &e))?;
        Ok(WorkerCore {
            worker: Mutex::new(Some(Arc::new(worker))),
            task_queue,
        })
    }

    #[getter]
    fn task_queue(&self) -> String {
        self.task_queue.clone()
    }

    /// Starts a graceful stop (no new tasks; running activities get the graceful shutdown
    /// timeout). Safe to repeat.
    fn shutdown(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(worker) = self.running() {
            without_gil(py, move || worker.shutdown())?;
        }
        Ok(())
    }

    /// Completes when the worker has stopped.
    fn wait(&self, py: Python<'_>) -> PyResult<Pending> {
        runtime(py)?;
        let worker = self.running();
        Ok(Pending::new(async move {
            let Some(worker) = worker else {
                return Ok(ToPython::new(()));
            };
            worker
                .wait()
                .await
                .map(|()| ToPython::new(()))
                .map_err(|e| LazyErr::new(move |py| worker_error(py, &e)))
        }))
    }

    fn is_running(&self) -> bool {
        self.running().is_some_and(|w| !w.is_finished())
    }
}

/// The workflow type names a worker registers.
#[pyfunction]
pub fn worker_workflow_types() -> Vec<&'static str> {
    crate::worker::workflow_types()
}
