//! ImageGenerationWorkflow: check the prompt, make the image, store its metadata. Every
//! successful run leaves a real image on disk; failures come back as `success=false`.

use std::time::Duration;

use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use super::policy::{Configured, RetryDefaults, configured_retry, options, retry};
use super::progress::Progress;
use super::steps::{Tracked, ended, step};
use crate::activities::image::{self, ImageActivities, ImageToStore};
use crate::wire::input::Input;
use crate::wire::types::{ImageGenerationRequest, ImageGenerationResult};

pub const NAME: &str = "ImageGenerationWorkflow";
const INVALID: &[&str] = &[image::INVALID, image::BACKEND_FAILED];

#[workflow]
pub struct ImageGenerationWorkflow {
    progress: Progress,
    retry: RetryDefaults,
}

impl Default for ImageGenerationWorkflow {
    fn default() -> Self {
        Self::configured(RetryDefaults::default())
    }
}

impl Configured for ImageGenerationWorkflow {
    fn configured(retry: RetryDefaults) -> Self {
        ImageGenerationWorkflow {
            progress: Progress::new(NAME, 3),
            retry,
        }
    }

    fn retry_defaults(&self) -> RetryDefaults {
        self.retry
    }
}

impl Tracked for ImageGenerationWorkflow {
    fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }
}

impl ImageGenerationResult {
    pub fn failed(error: String) -> Self {
        ImageGenerationResult {
            success: false,
            error: Some(error),
            ..Default::default()
        }
    }
}

#[workflow_methods]
impl ImageGenerationWorkflow {
    #[run(name = "ImageGenerationWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: Input<ImageGenerationRequest>,
    ) -> WorkflowResult<ImageGenerationResult> {
        let result = Self::generate(ctx, request)
            .await
            .unwrap_or_else(ImageGenerationResult::failed);
        let error = result.error.clone();
        ended(ctx, result, error)
    }

    #[query(name = "status")]
    pub fn status(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

impl ImageGenerationWorkflow {
    async fn generate(
        ctx: &mut WorkflowContext<Self>,
        request: Input<ImageGenerationRequest>,
    ) -> Result<ImageGenerationResult, String> {
        let d = ctx.state(|w| w.retry_defaults());
        let request = request.into_request()?;
        // 1. Safety: 10 s; the original set no policy, so the configured one applies.
        let check = options(Duration::from_secs(10), configured_retry(d, &[]));
        let safety = step(
            ctx,
            ImageActivities::check_content_safety,
            request.prompt.clone(),
            check,
        )
        .await?;
        if !safety.safe {
            return Err(format!(
                "Prompt failed content safety check: {}",
                safety.reason.unwrap_or_default()
            ));
        }
        // 2. The image: 10 min, 3 attempts, 5 s growing to 1 min.
        let make = options(
            Duration::from_secs(600),
            retry(3, Duration::from_secs(5), Duration::from_secs(60), INVALID),
        );
        let image = step(ctx, ImageActivities::generate_image, request.clone(), make).await?;
        // 3. Metadata: 30 s, configured policy; its outcome is checked.
        let keep = options(Duration::from_secs(30), configured_retry(d, &[]));
        step(
            ctx,
            ImageActivities::store_image_metadata,
            ImageToStore {
                request,
                image: image.clone(),
            },
            keep,
        )
        .await?;
        Ok(ImageGenerationResult {
            success: true,
            image_path: Some(image.image_path),
            metadata: Some(image.metadata),
            error: None,
            relative_image_path: image.relative_path,
        })
    }
}
