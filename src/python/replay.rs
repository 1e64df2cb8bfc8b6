//! Replay for Python: this build's workflows against kept history files and a server's
//! workflows; the outcomes come back as plain values (`app.temporal.replay` reads them).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::client::ClientCore;
use super::errors::{ErrorClass, client_error, python_error};
use super::plain_values::Plain;
use super::runtime::{LazyErr, Pending, ToPython};
use crate::replay::{self, ReplayError, server};

fn replay_error(error: ReplayError) -> LazyErr {
    LazyErr::new(move |py| match &error {
        ReplayError::Selection(message) => PyValueError::new_err(message.clone()),
        ReplayError::Client(e) => client_error(py, e),
        ReplayError::Replayer(message) => python_error(py, ErrorClass::Temporal, message.clone()),
    })
}

/// Replays the histories in `files` (folders: their `*.json` files) and, with a client,
/// the server's workflows it chooses (`workflow_types` None: every type; open ones and those
/// closed at or after `closed_since`, seconds since the epoch; at most `limit`).
#[pyfunction]
#[pyo3(signature = (files, client=None, workflow_types=None, closed_since=None, limit=100))]
pub fn replay_workflows(
    py: Python<'_>,
    files: Vec<PathBuf>,
    client: Option<&ClientCore>,
    workflow_types: Option<Vec<String>>,
    closed_since: Option<i64>,
    limit: usize,
) -> PyResult<Pending> {
    let client = client.map(|c| c.client(py)).transpose()?;
    let selection = server::Selection {
        workflow_types,
        closed_since,
        limit,
    };
    if client.is_some() {
        server::query(&selection).map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    Ok(Pending::new(async move {
        let work = async {
            let mut recorded = tokio::task::spawn_blocking(move || replay::read_files(&files))
                .await
                .map_err(|e| ReplayError::Replayer(e.to_string()))?;
            if let Some(client) = client {
                recorded.extend(server::fetch(&client, &selection).await?);
            }
            let reports = replay::replay(recorded).await?;
            Plain::of(&reports).map_err(|e| ReplayError::Replayer(e.to_string()))
        };
        work.await.map(ToPython::new).map_err(replay_error)
    }))
}
