//! The analysis child process of a Python worker: this interpreter, isolated (`-I -S`: no
//! environment, no site packages), loading this very `_core` module from its file and
//! serving one analysis step (`activities::data::isolation`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;

use super::runtime::without_gil;
use crate::activities::data::isolation::{self, ChildProcess, Runner};
use crate::config::TemporalConfig;

/// Loads `_core` from the file named by the first argument, whatever `sys.path` holds, and
/// exits with what serving the step returns.
/// (`importlib.machinery` rather than `importlib.util`, which imports a dozen modules: a
/// third of the child's start.)
const CHILD_CODE: &str = "import sys
from importlib.machinery import ExtensionFileLoader, ModuleSpec
loader = ExtensionFileLoader('app.temporal._core', sys.argv[1])
core = loader.create_module(ModuleSpec('app.temporal._core', loader, origin=sys.argv[1]))
loader.exec_module(core)
sys.exit(core.serve_analysis_step())
";

/// Where a worker or a direct call of `config` runs the heavy analysis steps: a child of
/// this interpreter when `analysis_isolation` is on and the interpreter can be started
/// again; else (isolation off, a frozen application) in this process. `warm` keeps a
/// child started ahead (a worker).
pub fn runner(py: Python<'_>, config: &TemporalConfig, warm: bool) -> PyResult<Runner> {
    if !config.analysis_isolation {
        return Ok(Runner::InProcess);
    }
    let sys = py.import("sys")?;
    let frozen = sys
        .getattr("frozen")
        .and_then(|v| v.is_truthy())
        .unwrap_or(false);
    // In a Windows virtualenv sys.executable is a launcher that starts the base interpreter
    // as its own child: the analysis child would then watch the launcher, not the worker.
    // The child needs nothing of the virtualenv (-I -S, _core loaded by its path).
    let attribute = if cfg!(windows) && sys.hasattr("_base_executable")? {
        "_base_executable"
    } else {
        "executable"
    };
    let executable: Option<PathBuf> = sys.getattr(attribute)?.extract()?;
    let executable = executable.filter(|p| !p.as_os_str().is_empty());
    let Some(program) = executable.filter(|_| !frozen) else {
        tracing::warn!(
            "analysis steps run in the worker's process: this interpreter cannot start a child (frozen or without sys.executable); set analysis_isolation=false to say so"
        );
        return Ok(Runner::InProcess);
    };
    let core: PathBuf = py
        .import("app.temporal._core")?
        .getattr("__file__")?
        .extract()?;
    let args = ["-I", "-S", "-c", CHILD_CODE].map(OsString::from);
    let memory_limit = isolation::memory_limit(config.analysis_memory_limit);
    Ok(Runner::Child(Arc::new(ChildProcess::new(
        program,
        [args.as_slice(), &[OsString::from(core)]].concat(),
        memory_limit,
        warm,
    ))))
}

/// Serves one analysis step on stdin and stdout (the child's side), then ends the process
/// with its exit status.
#[pyfunction]
pub fn serve_analysis_step(py: Python<'_>) -> PyResult<i32> {
    let code = without_gil(py, || {
        isolation::serve(std::io::stdin().lock(), std::io::stdout().lock())
    })?;
    isolation::exit_after_answer(code)
}
