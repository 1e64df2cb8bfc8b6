//! One workflow step: mark it current in the workflow's progress, run its activity, record
//! the attempts it took, or describe why it failed.

use temporalio_common::ActivityDefinition;
use temporalio_common::data_converters::TemporalDeserializable;
use temporalio_sdk::{
    ActivityOptions, LocalActivityOptions, WorkflowContext, WorkflowResult, WorkflowTermination,
};

use super::policy::describe;
use super::progress::Progress;
use crate::wire::attempt::Attempted;

/// The patch marker of a cancelled workflow that ends as CANCELED. Workflows cancelled
/// before it ended COMPLETED with `success=false`; their histories have no marker, so they
/// replay as they ran.
pub const CANCELLED_ENDS_CANCELED: &str = "cancelled-ends-canceled";

/// A workflow whose state has a `Progress` for its `status` query.
pub trait Tracked {
    fn progress(&mut self) -> &mut Progress;
}

/// How a step runs: as an activity the server schedules, or as a local activity the worker
/// runs inside the workflow task and records as a marker.
pub enum StepOptions {
    Scheduled(ActivityOptions),
    Local(LocalActivityOptions),
}

impl From<ActivityOptions> for StepOptions {
    fn from(options: ActivityOptions) -> Self {
        StepOptions::Scheduled(options)
    }
}

impl From<LocalActivityOptions> for StepOptions {
    fn from(options: LocalActivityOptions) -> Self {
        StepOptions::Local(options)
    }
}

/// Runs `activity` as the workflow's current step; on failure (after the retries its
/// options allow) the error reads "<activity> failed: <innermost cause>".
pub async fn step<W, A>(
    ctx: &mut WorkflowContext<W>,
    activity: A,
    input: impl Into<A::Input>,
    options: impl Into<StepOptions>,
) -> Result<A::Output, String>
where
    W: Tracked + 'static,
    A: ActivityDefinition,
    A::Output: TemporalDeserializable + Attempted,
{
    let name = activity.name().to_owned();
    ctx.state_mut(|w| w.progress().begin(&name));
    let outcome = match options.into() {
        StepOptions::Scheduled(options) => ctx.execute_activity(activity, input, options).await,
        StepOptions::Local(options) => ctx.execute_local_activity(activity, input, options).await,
    };
    match outcome {
        Ok(output) => {
            ctx.state_mut(|w| w.progress().finish(&name, output.attempt()));
            Ok(output)
        }
        Err(e) => Err(format!("{name} failed: {}", describe(&e))),
    }
}

/// How a tracked workflow ends: cancelled, as CANCELED (the status Temporal, every SDK, the
/// CLI and the Web UI understand; a client's `result()` raises the cancellation); otherwise
/// with `result`, whose `error` the status query shows.
pub fn ended<W, T>(
    ctx: &mut WorkflowContext<W>,
    result: T,
    error: Option<String>,
) -> WorkflowResult<T>
where
    W: Tracked + 'static,
{
    // `patched` is asked only on this path, so histories that were never cancelled carry
    // no marker at all.
    if ctx.cancellation_token().is_cancelled() && ctx.patched(CANCELLED_ENDS_CANCELED) {
        ctx.state_mut(|w| w.progress().cancel());
        return Err(WorkflowTermination::cancelled());
    }
    ctx.state_mut(|w| w.progress().end(error));
    Ok(result)
}
