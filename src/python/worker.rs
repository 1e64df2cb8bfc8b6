//! The worker for Python: start it beside a client, stop it gracefully, wait for it.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use super::analysis_process;
use super::client::ClientCore;
use super::config::TemporalConfig;
use super::errors::{ErrorClass, python_error};
use super::runtime::{LazyErr, Pending, ToPython, runtime, without_gil};
use crate::worker::{RunningWorker, WorkerError, WorkerSpec};

fn worker_error(py: Python<'_>, error: &WorkerError) -> PyErr {
    python_error(py, ErrorClass::Worker, error.to_string())
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
    /// Starts polling `task_queue` (the configured one when None) with the client's connection,
    /// hosting the named workflow types and activities (all when None) with the given slot
    /// counts (the configured ones when None).
    #[staticmethod]
    #[pyo3(signature = (client, config, task_queue=None, *, workflows=None, activities=None, max_concurrent_activities=None, max_concurrent_workflow_tasks=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        client: &ClientCore,
        config: &TemporalConfig,
        task_queue: Option<String>,
        workflows: Option<Vec<String>>,
        activities: Option<Vec<String>>,
        max_concurrent_activities: Option<usize>,
        max_concurrent_workflow_tasks: Option<usize>,
    ) -> PyResult<Self> {
        let handle = runtime(py)?.handle().clone();
        let client = client.client(py)?;
        let mut spec = WorkerSpec::from_config(config.core())
            .hosting(workflows, activities)
            .map_err(|e| worker_error(py, &e))?;
        spec.analysis_runner = analysis_process::runner(py, config.core(), true)?;
        if let Some(queue) = task_queue {
            spec.task_queue = queue;
        }
        if let Some(slots) = max_concurrent_activities {
            spec.max_concurrent_activities = slots;
        }
        if let Some(slots) = max_concurrent_workflow_tasks {
            spec.max_concurrent_workflows = slots;
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

/// The workflow type names a worker can host.
#[pyfunction]
pub fn worker_workflow_types() -> Vec<String> {
    crate::worker::workflow_types()
}

/// What a worker can host: (group, workflow type, its activities), a group per workflow.
#[pyfunction]
pub fn worker_groups() -> Vec<(&'static str, String, Vec<String>)> {
    crate::worker::hosted_groups()
        .into_iter()
        .map(|g| (g.name, g.workflow, g.activities))
        .collect()
}

/// Raises WorkerError unless every name is a workflow type (activity) a worker can host.
#[pyfunction]
#[pyo3(signature = (workflows=None, activities=None))]
pub fn check_worker_hosting(
    py: Python<'_>,
    workflows: Option<Vec<String>>,
    activities: Option<Vec<String>>,
) -> PyResult<()> {
    crate::worker::choose(workflows, activities)
        .map(drop)
        .map_err(|e| worker_error(py, &e))
}
