//! A long step's life line: while its work runs, the activity heartbeats, so a worker that
//! died is noticed within the step's heartbeat timeout instead of its start-to-close
//! timeout; and the work is dropped as soon as the activity is cancelled (the workflow was
//! cancelled, the attempt timed out, the worker is shutting down), which ends an analysis
//! child process and frees the activity slot.

use std::future::Future;
use std::time::{Duration, Instant};

use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// How often a long step records a heartbeat. The SDK sends at most one per 80 % of the
/// step's heartbeat timeout, so this only needs to be well under that.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// `work` with heartbeats every `HEARTBEAT_EVERY` (the details say how long it has been
/// running), or a cancellation if the activity is cancelled first.
pub async fn supervised<T, E>(
    ctx: &ActivityContext,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, ActivityError>
where
    ActivityError: From<E>,
{
    tokio::pin!(work);
    let started = Instant::now();
    // The first heartbeat after one interval: a step that ends sooner sends none.
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT_EVERY,
        HEARTBEAT_EVERY,
    );
    loop {
        tokio::select! {
            done = &mut work => return Ok(done?),
            () = ctx.cancelled() => return Err(ActivityError::cancelled()),
            _ = tick.tick() => {
                let running = format!("running for {:.0} s", started.elapsed().as_secs_f64());
                // A heartbeat that cannot be sent (the worker is shutting down) is not the
                // work's failure: cancellation, if it comes, arrives through `cancelled`.
                let _ = ctx.record_heartbeat(running).await;
            }
        }
    }
}
