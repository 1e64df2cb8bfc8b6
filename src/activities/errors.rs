//! How activities report failures to Temporal: business problems are non-retryable
//! application failures with a type name; infrastructure problems are retryable.

use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

/// A retryable failure (I/O, a busy database, a network error): the policy retries it.
pub fn retryable(message: impl Into<String>) -> ActivityError {
    ActivityError::application(ApplicationFailure::new(message.into()))
}

/// A failure no retry can fix (bad input, blocked content), under an error type name that
/// retry policies and other SDKs can match.
pub fn non_retryable(type_name: &str, message: impl Into<String>) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message.into())
            .type_name(type_name.to_owned())
            .non_retryable(true)
            .build(),
    )
}

/// Runs blocking work (SQLite, files) off the async threads; a panic in it becomes a
/// retryable failure of this activity, not of the worker.
pub async fn blocking<T, F>(work: F) -> Result<T, ActivityError>
where
    F: FnOnce() -> Result<T, ActivityError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| retryable(format!("the activity's work stopped: {e}")))?
}
