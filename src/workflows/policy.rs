//! Activity options: the timeouts and retry policies each step of a workflow promises, and
//! the configured retry defaults for steps the original left unbounded.

use std::time::Duration;

use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityExecutionError, ActivityOptions, LocalActivityOptions};

use crate::config::TemporalConfig;

/// max_retry_attempts / initial_retry_interval / max_retry_interval from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryDefaults {
    pub attempts: u32,
    pub initial: Duration,
    pub maximum: Duration,
}

impl RetryDefaults {
    pub fn from_config(config: &TemporalConfig) -> Self {
        RetryDefaults {
            attempts: u32::try_from(config.max_retry_attempts).unwrap_or(u32::MAX),
            initial: Duration::from_secs(config.initial_retry_interval),
            maximum: Duration::from_secs(config.max_retry_interval),
        }
    }
}

impl Default for RetryDefaults {
    /// The settings' own defaults, from the settings table (a workflow made outside a
    /// worker: the replayer, tests).
    fn default() -> Self {
        RetryDefaults::from_config(&TemporalConfig::defaults())
    }
}

/// A workflow that a worker makes with its own retry defaults: workflow code may not read
/// configuration, and two workers in one process may be configured differently, so each
/// worker's factory hands them to the workflows it runs. Retry policies are not compared
/// on replay, so a worker with other settings replays old histories fine.
pub trait Configured: Sized {
    fn configured(retry: RetryDefaults) -> Self;
    fn retry_defaults(&self) -> RetryDefaults;
}

/// A bounded retry policy; failures of the `non_retryable` types are not retried.
pub fn retry(
    attempts: u32,
    initial: Duration,
    maximum: Duration,
    non_retryable: &[&str],
) -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(initial)
        .backoff_coefficient(2.0)
        .maximum_interval(maximum)
        .maximum_attempts(attempts)
        .non_retryable_error_types(non_retryable.iter().map(|s| (*s).to_owned()))
        .build()
}

/// The configured policy, for steps where the original set none (and so retried forever).
pub fn configured_retry(d: RetryDefaults, non_retryable: &[&str]) -> RetryPolicy {
    retry(d.attempts, d.initial, d.maximum, non_retryable)
}

/// `attempts` attempts with the configured intervals.
pub fn attempts(d: RetryDefaults, n: u32, non_retryable: &[&str]) -> RetryPolicy {
    retry(n, d.initial, d.maximum, non_retryable)
}

/// How long the server waits for a step's next heartbeat before it counts the attempt as
/// lost and retries it: every activity heartbeats while it runs (`activities::supervise`),
/// so a worker killed inside a 30-minute step costs seconds, not the step's timeout.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(10);

// The SDK sends a heartbeat at most every 80 % of the timeout; the activities must record
// them more often than that, or a live step would be timed out.
const _: () = assert!(
    crate::activities::supervise::HEARTBEAT_EVERY.as_millis() * 10
        < HEARTBEAT_TIMEOUT.as_millis() * 8
);

/// A scheduled step: its start-to-close timeout and retry policy, and, when the step may
/// run longer than `HEARTBEAT_TIMEOUT`, that heartbeat timeout.
pub fn options(start_to_close: Duration, policy: RetryPolicy) -> ActivityOptions {
    let mut options = ActivityOptions::start_to_close_timeout(start_to_close);
    options.retry_policy = Some(policy);
    options.heartbeat_timeout = (start_to_close > HEARTBEAT_TIMEOUT).then_some(HEARTBEAT_TIMEOUT);
    options
}

/// The same timeout and policy for a local activity. Backoffs longer than the SDK's
/// threshold (1 min) become workflow timers, so long retries do not hold a workflow task.
pub fn local_options(start_to_close: Duration, policy: RetryPolicy) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(start_to_close)
        .retry_policy(policy)
        .build()
}

/// What went wrong in an activity, for a result's `error`: the innermost cause's message.
pub fn describe(error: &ActivityExecutionError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    text
}
