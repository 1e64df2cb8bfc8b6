use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DevServerError {
    #[error(
        "the Temporal CLI executable `temporal` was not found (looked in {looked}); {}",
        super::INSTALL_HINT
    )]
    NotFound { looked: String },
    #[error("could not start {executable}: {source}")]
    Spawn {
        executable: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the Temporal dev server exited during start-up ({status}); its output ends with:\n{log_tail}"
    )]
    ExitedEarly { status: String, log_tail: String },
    #[error(
        "{what} {address} is already in use (another Temporal server?); stop what holds it, or choose another port"
    )]
    PortInUse { what: &'static str, address: String },
    #[error(
        "the Temporal dev server at {address} did not answer within {waited:?}; its output ends with:\n{log_tail}"
    )]
    StartTimeout {
        address: String,
        waited: Duration,
        log_tail: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
