//! Rust `tracing` events into Python `logging`: events of this crate go to
//! `app.temporal.<module>`, the Temporal SDK's to `app.temporal.sdk.<crate>`, at the level
//! set by `set_log_level` (the configuration's log_level), so the app's handlers see them.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use super::exit_guard::{enter, exiting};

/// 0 = off, 1 = ERROR ... 5 = TRACE.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(3);

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// The Python logger for a tracing target.
fn logger_name(target: &str) -> String {
    match target.strip_prefix("project_ai_temporal") {
        Some(rest) => format!("app.temporal{}", rest.replace("::", ".")),
        None => format!(
            "app.temporal.sdk.{}",
            target.split("::").next().unwrap_or(target)
        ),
    }
}

#[derive(Default)]
struct Message(String, String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.1, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.1, " {}={value}", field.name());
        }
    }
}

struct PythonLogging;

impl<S: Subscriber> Layer<S> for PythonLogging {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        !exiting() && rank(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        forward(event);
    }
}

fn forward(event: &Event<'_>) {
    let metadata = event.metadata();
    let mut message = Message::default();
    event.record(&mut message);
    let text = format!("{}{}", message.0, message.1);
    let name = logger_name(metadata.target());
    let level = python_level(metadata.level());
    enter(|py| {
        static GET_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let logged = GET_LOGGER
            .get_or_try_init(py, || {
                py.import("logging")?
                    .getattr("getLogger")
                    .map(Bound::unbind)
            })
            .and_then(|get| get.call1(py, (name,)))
            .and_then(|logger| logger.call_method1(py, "log", (level, text)));
        if let Err(e) = logged {
            e.print(py);
        }
    });
}

/// Installs the forwarding once per process.
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Registry::default().with(PythonLogging));
    });
}

/// Which events reach Python: TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL or OFF.
#[pyfunction]
pub fn set_log_level(level: &str) -> PyResult<()> {
    let value = match level.to_ascii_uppercase().as_str() {
        "OFF" => 0,
        "ERROR" | "CRITICAL" => 1,
        "WARNING" | "WARN" => 2,
        "INFO" => 3,
        "DEBUG" => 4,
        "TRACE" => 5,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "log level {other:?} is not one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF"
            )));
        }
    };
    MAX_LEVEL.store(value, Ordering::Relaxed);
    tracing::callsite::rebuild_interest_cache();
    Ok(())
}
