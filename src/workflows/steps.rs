//! One workflow step: mark it current in the workflow's progress, run its activity, record
//! the attempts it took, or describe why it failed.

use temporalio_common::ActivityDefinition;
use temporalio_common::data_converters::TemporalDeserializable;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions, WorkflowContext};

use super::policy::describe;
use super::progress::Progress;

/// A workflow whose state has a `Progress` for its `status` query.
pub trait Tracked {
    fn progress(&mut self) -> &mut Progress;
}

/// An activity result that says which attempt produced it.
pub trait Attempted {
    fn attempt(&self) -> u32;
}

/// `Attempted` for result structs with an `attempt` field.
macro_rules! attempted {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::workflows::steps::Attempted for $t {
            fn attempt(&self) -> u32 {
                self.attempt
            }
        }
    )*};
}
pub(crate) use attempted;

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
