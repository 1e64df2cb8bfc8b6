//! OrchestrationProbeWorkflow: AILearningWorkflow's shape (four steps with its timeouts and
//! retry policies) with activities that do nothing. It measures what orchestration alone
//! costs (benchmarks/orchestration.py) and shows a worker answers on a task queue without
//! touching any store. `local_activities` runs the steps as local activities: same
//! timeouts and retries, but recorded as markers in one workflow task instead of four
//! scheduled activities, which saves the server most of its work.

use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use super::learning::{STEPS, step_policies};
use super::policy::{Configured, RetryDefaults, local_options, options};
use super::progress::Progress;
use super::steps::{StepOptions, Tracked, ended, step};
use crate::activities::probe::{ProbeActivities, ProbeStep};
use crate::wire::input::Input;
use crate::wire::types::{ProbeRequest, ProbeResult};

pub const NAME: &str = "OrchestrationProbeWorkflow";

#[workflow]
pub struct OrchestrationProbeWorkflow {
    progress: Progress,
    retry: RetryDefaults,
}

impl Default for OrchestrationProbeWorkflow {
    fn default() -> Self {
        Self::configured(RetryDefaults::default())
    }
}

impl Configured for OrchestrationProbeWorkflow {
    fn configured(retry: RetryDefaults) -> Self {
        OrchestrationProbeWorkflow {
            progress: Progress::new(NAME, STEPS as u32),
            retry,
        }
    }

    fn retry_defaults(&self) -> RetryDefaults {
        self.retry
    }
}

impl Tracked for OrchestrationProbeWorkflow {
    fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }
}

impl ProbeResult {
    pub fn failed(error: String) -> Self {
        ProbeResult {
            success: false,
            steps: 0,
            error: Some(error),
        }
    }
}

#[workflow_methods]
impl OrchestrationProbeWorkflow {
    #[run(name = "OrchestrationProbeWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: Input<ProbeRequest>,
    ) -> WorkflowResult<ProbeResult> {
        let result = Self::probe(ctx, request)
            .await
            .unwrap_or_else(ProbeResult::failed);
        let error = result.error.clone();
        ended(ctx, result, error)
    }

    #[query(name = "status")]
    pub fn status(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

impl OrchestrationProbeWorkflow {
    async fn probe(
        ctx: &mut WorkflowContext<Self>,
        request: Input<ProbeRequest>,
    ) -> Result<ProbeResult, String> {
        let d = ctx.state(|w| w.retry_defaults());
        let request = request.into_request()?;
        let mut payload = request.payload;
        // AILearningWorkflow's policies; its final errors never occur in a step that does
        // nothing.
        for (number, (timeout, policy)) in (1..).zip(step_policies(d, &[])) {
            let input = ProbeStep {
                step: number,
                payload,
                attempt: 0,
            };
            let options: StepOptions = if request.local_activities {
                local_options(timeout, policy).into()
            } else {
                options(timeout, policy).into()
            };
            let output = step(ctx, ProbeActivities::probe_step, input, options).await?;
            payload = output.payload;
        }
        Ok(ProbeResult {
            success: true,
            steps: STEPS as u32,
            error: None,
        })
    }
}
