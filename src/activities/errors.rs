//! How activities fail. Each activity's work is a plain function that returns a
//! `StepError`; the activity turns it into a Temporal failure (business problems
//! non-retryable under a type name, infrastructure retryable), and a direct call from Python
//! (`direct`) into an exception of `app.temporal.errors`.

use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

use crate::interrupt::{self, RaiseOnDrop, StopFlag};

/// Why an activity's work failed. Deliberately not a `std::error::Error`: `ActivityError`
/// takes any of those through `?` as a plain retryable failure, which would lose the type
/// name and the non-retryable flag; this one converts only through its own `From`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// The input cannot be used (invalid content, an unsafe prompt, a file that may not be
    /// read, a malformed argument): no retry can fix it. `type_name` is the error type retry
    /// policies and other SDKs match.
    Invalid {
        type_name: &'static str,
        message: String,
    },
    /// A service refused the work for good (a missing or rejected API key, a refused
    /// request): not retried either.
    Refused {
        type_name: &'static str,
        message: String,
    },
    /// A setting the work reads when it runs is malformed.
    Config(String),
    /// The store or a file under the data dir could not be read or written.
    Store(String),
    /// Anything else a later attempt may fix: a network error, an overloaded service.
    Transient(String),
}

impl StepError {
    pub fn invalid(type_name: &'static str, message: impl Into<String>) -> Self {
        StepError::Invalid {
            type_name,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Invalid { message, .. } | StepError::Refused { message, .. } => {
                f.write_str(message)
            }
            StepError::Config(message)
            | StepError::Store(message)
            | StepError::Transient(message) => f.write_str(message),
        }
    }
}

impl From<StepError> for ActivityError {
    fn from(error: StepError) -> Self {
        match error {
            StepError::Invalid { type_name, message }
            | StepError::Refused { type_name, message } => non_retryable(type_name, message),
            StepError::Config(message) => non_retryable("ConfigError", message),
            StepError::Store(message) | StepError::Transient(message) => retryable(message),
        }
    }
}

/// A retryable failure (I/O, a busy database, a network error): the policy retries it.
pub fn retryable(message: impl Into<String>) -> ActivityError {
    ActivityError::application(ApplicationFailure::new(message.into()))
}

/// A failure no retry can fix (bad input, blocked content), under an error type name that
/// retry policies and other SDKs can match.
fn non_retryable(type_name: &str, message: String) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message)
            .type_name(type_name.to_owned())
            .non_retryable(true)
            .build(),
    )
}

/// Runs blocking work (SQLite, files, analysis) off the async threads; a panic in it
/// becomes a retryable failure of this call, not of the worker or the Python caller. If
/// this call is dropped before the work ends (the activity was cancelled), the work is told
/// to stop (`interrupt`), and its long loops give up.
pub async fn blocking<T, F>(work: F) -> Result<T, StepError>
where
    F: FnOnce() -> Result<T, StepError> + Send + 'static,
    T: Send + 'static,
{
    let flag = StopFlag::default();
    let guard = RaiseOnDrop::new(flag.clone());
    let done = tokio::task::spawn_blocking(move || interrupt::watching(Some(flag), work)).await;
    guard.disarm();
    done.map_err(|e| StepError::Transient(format!("the activity's work stopped: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(error: StepError) -> (Option<String>, bool) {
        match ActivityError::from(error) {
            ActivityError::Application(f) => {
                (f.type_name().map(str::to_owned), f.is_non_retryable())
            }
            other => panic!("not an application failure: {other:?}"),
        }
    }

    #[tokio::test]
    async fn dropping_blocking_work_tells_it_to_stop() {
        let (told, heard) = std::sync::mpsc::channel();
        let work = blocking(move || {
            let began = std::time::Instant::now();
            while !interrupt::requested() && began.elapsed().as_secs() < 20 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            let _ = told.send(interrupt::requested());
            Ok(())
        });
        // Given up on, as a cancelled activity gives up on its work.
        let gave_up = tokio::time::timeout(std::time::Duration::from_millis(50), work).await;
        assert!(gave_up.is_err());
        let stopped = heard.recv_timeout(std::time::Duration::from_secs(5));
        assert_eq!(stopped, Ok(true));
    }

    #[test]
    fn business_failures_are_final_under_their_type_and_infrastructure_is_retried() {
        assert_eq!(
            failure(StepError::invalid("InvalidDataFile", "bad")),
            (Some("InvalidDataFile".into()), true)
        );
        let refused = StepError::Refused {
            type_name: "ImageBackendError",
            message: "no key".into(),
        };
        assert_eq!(failure(refused), (Some("ImageBackendError".into()), true));
        assert_eq!(failure(StepError::Store("disk".into())), (None, false));
        assert_eq!(failure(StepError::Transient("net".into())), (None, false));
        assert_eq!(
            StepError::Store("disk full".into()).to_string(),
            "disk full"
        );
    }
}
