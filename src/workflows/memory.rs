//! MemoryExpansionWorkflow: check the request, extract the memories, store them once,
//! update the full-text index. Failures come back as `success=false` results naming the
//! problem.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use super::policy::{Configured, RetryDefaults, attempts, configured_retry, options};
use super::progress::Progress;
use super::steps::{Tracked, ended, step};
use crate::activities::memory::{INVALID, MemoriesToStore, MemoryActivities};
use crate::domain::memory::request::check;
use crate::wire::input::Input;
use crate::wire::types::{MemoryExpansionRequest, MemoryExpansionResult, Schema};

pub const NAME: &str = "MemoryExpansionWorkflow";

#[workflow]
pub struct MemoryExpansionWorkflow {
    progress: Progress,
    retry: RetryDefaults,
}

impl Default for MemoryExpansionWorkflow {
    fn default() -> Self {
        Self::configured(RetryDefaults::default())
    }
}

impl Configured for MemoryExpansionWorkflow {
    fn configured(retry: RetryDefaults) -> Self {
        MemoryExpansionWorkflow {
            progress: Progress::new(NAME, 3),
            retry,
        }
    }

    fn retry_defaults(&self) -> RetryDefaults {
        self.retry
    }
}

impl Tracked for MemoryExpansionWorkflow {
    fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }
}

impl MemoryExpansionResult {
    pub fn failed(error: String) -> Self {
        MemoryExpansionResult {
            success: false,
            memory_count: 0,
            error: Some(error),
        }
    }
}

/// The request as plain JSON: `check` reads it in the workflow, with limits and shapes a
/// type cannot express (numeric timestamps, sizes, ids). Taken through `Input`, like every
/// workflow's request, so no input, another encoding or bad JSON are answered too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawMemoryRequest(serde_json::Value);

/// The fields listed when the input is not JSON at all are the request type's.
impl Default for RawMemoryRequest {
    fn default() -> Self {
        RawMemoryRequest(
            serde_json::to_value(MemoryExpansionRequest::default()).unwrap_or_default(),
        )
    }
}

impl Schema for RawMemoryRequest {
    const NAME: &'static str = MemoryExpansionRequest::NAME;
    const REQUIRED: &'static [&'static str] = MemoryExpansionRequest::REQUIRED;
}

#[workflow_methods]
impl MemoryExpansionWorkflow {
    #[run(name = "MemoryExpansionWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: Input<RawMemoryRequest>,
    ) -> WorkflowResult<MemoryExpansionResult> {
        let result = Self::expand(ctx, request)
            .await
            .unwrap_or_else(MemoryExpansionResult::failed);
        let error = result.error.clone();
        ended(ctx, result, error)
    }

    #[query(name = "status")]
    pub fn status(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

impl MemoryExpansionWorkflow {
    async fn expand(
        ctx: &mut WorkflowContext<Self>,
        request: Input<RawMemoryRequest>,
    ) -> Result<MemoryExpansionResult, String> {
        let d = ctx.state(|w| w.retry_defaults());
        // Deterministic checks first, before any activity.
        let RawMemoryRequest(request) = request.into_request()?;
        let request = check(&request).map_err(|e| format!("Invalid request: {e}"))?;
        // 1. Extraction: 2 min; the original set no policy, so the configured one applies.
        let extract = options(Duration::from_secs(120), configured_retry(d, &[INVALID]));
        let extracted = step(
            ctx,
            MemoryActivities::extract_memory_information,
            request.messages.clone(),
            extract,
        )
        .await?;
        // 2. Storing: 1 min, 3 attempts; idempotent, so a retry stores nothing twice.
        let store = options(Duration::from_secs(60), attempts(d, 3, &[INVALID]));
        let stored = step(
            ctx,
            MemoryActivities::store_memories,
            MemoriesToStore {
                conversation_id: request.conversation_id.clone(),
                user_id: request.user_id,
                messages: request.messages,
                info: extracted.info,
            },
            store,
        )
        .await?;
        // 3. The index: 30 s, configured policy.
        let index = options(Duration::from_secs(30), configured_retry(d, &[]));
        step(
            ctx,
            MemoryActivities::update_memory_indexes,
            request.conversation_id,
            index,
        )
        .await?;
        Ok(MemoryExpansionResult {
            success: true,
            memory_count: stored.new,
            error: None,
        })
    }
}
