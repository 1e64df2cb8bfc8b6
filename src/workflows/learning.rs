//! AILearningWorkflow: validate, check the Black Vault, process, store. Business failures
//! come back as `success=false` results; the workflow itself never fails on them.

use std::time::Duration;

use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use super::policy::{
    Configured, RetryDefaults, attempts, configured_retry, options as step_options, retry,
};
use super::progress::Progress;
use super::steps::{Tracked, ended, step};
use crate::activities::learning::{INVALID, LearningActivities};
use crate::wire::input::Input;
use crate::wire::types::{LearningRequest, LearningResult};

pub const NAME: &str = "AILearningWorkflow";
/// The result's error when the Black Vault denies the content.
const BLOCKED: &str = "Content blocked by Black Vault";
/// The workflow's steps: validate, Black Vault, process, store.
pub const STEPS: usize = 4;

/// Each step's start-to-close timeout and retry policy, in order; `final_errors` are the
/// error types that validation and processing do not retry. OrchestrationProbeWorkflow
/// runs its no-op steps with these too.
pub fn step_policies(d: RetryDefaults, final_errors: &[&str]) -> [(Duration, RetryPolicy); STEPS] {
    [
        // 1. Validation: 30 s, at most 3 attempts; a rejection is final.
        (Duration::from_secs(30), attempts(d, 3, final_errors)),
        // 2. Black Vault: 10 s; the original set no policy, so the configured one applies.
        (Duration::from_secs(10), configured_retry(d, &[])),
        // 3. Processing: 5 min, 3 attempts, 1 s growing to 30 s.
        (
            Duration::from_secs(300),
            retry(
                3,
                Duration::from_secs(1),
                Duration::from_secs(30),
                final_errors,
            ),
        ),
        // 4. Storing: 30 s, configured policy; its outcome is checked.
        (Duration::from_secs(30), configured_retry(d, &[])),
    ]
}

#[workflow]
pub struct AILearningWorkflow {
    progress: Progress,
    retry: RetryDefaults,
    /// The replay tests' deliberate change (src/replay/tests.rs).
    #[cfg(test)]
    pub(crate) change: crate::replay::tests::Change,
}

impl Default for AILearningWorkflow {
    fn default() -> Self {
        Self::configured(RetryDefaults::default())
    }
}

impl Configured for AILearningWorkflow {
    fn configured(retry: RetryDefaults) -> Self {
        AILearningWorkflow {
            progress: Progress::new(NAME, STEPS as u32),
            retry,
            #[cfg(test)]
            change: Default::default(),
        }
    }

    fn retry_defaults(&self) -> RetryDefaults {
        self.retry
    }
}

#[workflow_methods]
impl AILearningWorkflow {
    #[run(name = "AILearningWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: Input<LearningRequest>,
    ) -> WorkflowResult<LearningResult> {
        let result = Self::learn(ctx, request)
            .await
            .unwrap_or_else(LearningResult::failed);
        let error = result.error.clone();
        ended(ctx, result, error)
    }

    #[query(name = "status")]
    pub fn status(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

impl Tracked for AILearningWorkflow {
    fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }
}

impl AILearningWorkflow {
    async fn learn(
        ctx: &mut WorkflowContext<Self>,
        request: Input<LearningRequest>,
    ) -> Result<LearningResult, String> {
        let d = ctx.state(|w| w.retry_defaults());
        let request = request.into_request()?;
        let [validate, vault, process, store] =
            step_policies(d, &[INVALID]).map(|(timeout, policy)| step_options(timeout, policy));
        let validation = step(
            ctx,
            LearningActivities::validate_learning_content,
            request.clone(),
            validate,
        )
        .await?;
        if !validation.valid {
            return Err(format!(
                "Content validation failed: {}",
                validation.reason.unwrap_or_default()
            ));
        }
        if step(
            ctx,
            LearningActivities::check_black_vault,
            request.content.clone(),
            vault,
        )
        .await?
        .blocked
        {
            return Err(BLOCKED.into());
        }
        let knowledge = step(
            ctx,
            LearningActivities::process_learning_request,
            request,
            process,
        )
        .await?;
        #[cfg(test)]
        crate::replay::tests::new_step(ctx, &knowledge.summary).await?;
        let stored = step(ctx, LearningActivities::store_knowledge, knowledge, store).await?;
        if stored.blocked {
            // Denied between the vault check and the store: nothing was stored.
            return Err(BLOCKED.into());
        }
        Ok(LearningResult {
            success: true,
            knowledge_id: Some(stored.knowledge_id),
            error: None,
        })
    }
}
