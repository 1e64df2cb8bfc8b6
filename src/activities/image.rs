//! ImageGenerationWorkflow's activities: check the prompt, make the image (locally or
//! through an image API), store its metadata.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::{StepError, blocking};
use super::faults::Faults;
use super::supervise::supervised;
use crate::domain::image::backends::{self, Backend, Made};
use crate::domain::image::http::BackendError;
use crate::domain::image::settings::ImageSettings;
use crate::domain::image::{prompt, render, safety};
use crate::files::atomic::write_atomically;
use crate::store::images::{IMAGES_FOLDER, ImageRecord};
use crate::store::{Store, now};
use crate::wire::attempt::attempted;
use crate::wire::types::ImageGenerationRequest;

/// The error type of requests that cannot be drawn.
pub const INVALID: &str = "InvalidImageRequest";
/// The error type of a backend's final refusal.
pub const BACKEND_FAILED: &str = "ImageBackendError";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyCheck {
    pub safe: bool,
    /// The blocked term, or why the prompt cannot be used.
    pub reason: Option<String>,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeneratedImage {
    pub image_path: String,
    pub metadata: serde_json::Value,
    pub attempt: u32,
    /// `image_path` relative to the artifacts dir; absent in results recorded before it.
    #[serde(default)]
    pub relative_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredImage {
    pub created: bool,
    pub attempt: u32,
}

/// What store_image_metadata gets: the request and what generate_image made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageToStore {
    pub request: ImageGenerationRequest,
    pub image: GeneratedImage,
}

attempted!(SafetyCheck, GeneratedImage, StoredImage);

pub struct ImageActivities {
    pub store: Store,
    pub settings: ImageSettings,
    pub http: reqwest::Client,
    pub faults: Faults,
}

impl From<BackendError> for StepError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::Final(message) => StepError::Refused {
                type_name: BACKEND_FAILED,
                message,
            },
            BackendError::Transient(message) => StepError::Transient(message),
        }
    }
}

/// A file name no other workflow uses, stable across retries of this one.
fn file_stem(backend: &str, workflow_id: &str, run_id: &str) -> String {
    let safe = crate::files::names::file_safe(workflow_id, 80);
    // Run ids start with a timestamp; their last characters are the random ones.
    let run: Vec<char> = run_id.chars().filter(char::is_ascii_alphanumeric).collect();
    let tail: String = run[run.len().saturating_sub(8)..].iter().collect();
    format!("{backend}_{safe}_{tail}")
}

/// `check_content_safety`'s work: whether the prompt may be drawn, and why not.
pub fn check_content_safety(prompt: &str, attempt: u32) -> SafetyCheck {
    let reason = safety::check(prompt).err().map(|why| why.to_string());
    SafetyCheck {
        safe: reason.is_none(),
        reason,
        attempt,
    }
}

/// `generate_image`'s work: the image from the request's backend, written atomically as
/// `<data_dir>/generated_images/<stem>.<extension>`, with its metadata. A request that
/// cannot be drawn is an `InvalidImageRequest` error; a backend's final refusal an
/// `ImageBackendError`.
pub async fn generate_image(
    settings: &ImageSettings,
    http: &reqwest::Client,
    data_dir: &Path,
    request: ImageGenerationRequest,
    stem: &str,
    attempt: u32,
) -> Result<GeneratedImage, StepError> {
    let invalid = |message: String| StepError::invalid(INVALID, message);
    if let Err(why) = safety::check(&request.prompt) {
        return Err(invalid(format!(
            "Prompt failed content safety check: {why}"
        )));
    }
    let (width, height) = prompt::parse_size(&request.size).map_err(invalid)?;
    let backend = Backend::parse(&request.backend).map_err(invalid)?;
    let enhanced = prompt::enhanced(&request.prompt, &request.style).map_err(invalid)?;
    let seed = request
        .seed
        .unwrap_or_else(|| render::derived_seed(&request.prompt, &request.style));
    let made: Made = match backend {
        Backend::Local => {
            let (prompt, style) = (request.prompt.clone(), request.style.clone());
            blocking(move || {
                backends::local(&prompt, &style, width, height, seed, |_| {})
                    .map_err(StepError::from)
            })
            .await?
        }
        Backend::OpenAi => backends::openai(settings, http, &enhanced, width, height).await?,
        Backend::HuggingFace => {
            backends::huggingface(settings, http, &enhanced, width, height).await?
        }
    };
    let name = format!("{stem}.{}", made.extension);
    let relative_path = format!("{IMAGES_FOLDER}/{name}");
    let folder = data_dir.join(IMAGES_FOLDER);
    let sha256 = hex::encode(Sha256::digest(&made.bytes));
    let bytes = made.bytes.len();
    let path = blocking(move || {
        write_atomically(&folder, &name, &made.bytes)
            .map_err(|e| StepError::Store(format!("cannot write the image: {e}")))
    })
    .await?;
    let metadata = serde_json::json!({
        "prompt": request.prompt,
        "enhanced_prompt": enhanced,
        "revised_prompt": made.revised_prompt,
        "style": request.style,
        "size": request.size,
        "width": width,
        "height": height,
        "backend": request.backend,
        "model": made.model,
        "seed": seed,
        "timestamp": now(),
        "sha256": sha256,
        "bytes": bytes,
        "format": made.extension,
    });
    Ok(GeneratedImage {
        image_path: path.to_string_lossy().into_owned(),
        metadata,
        attempt,
        relative_path: Some(relative_path),
    })
}

/// `store_image_metadata`'s work: one record keyed by the workflow id, or by the image path
/// without a workflow.
pub async fn store_image_metadata(
    store: Store,
    stored: ImageToStore,
    workflow_id: Option<String>,
    attempt: u32,
) -> Result<StoredImage, StepError> {
    blocking(move || {
        let meta = &stored.image.metadata;
        let record = ImageRecord {
            workflow_id: workflow_id.unwrap_or_else(|| stored.image.image_path.clone()),
            image_path: stored.image.image_path.clone(),
            prompt: stored.request.prompt.clone(),
            style: stored.request.style.clone(),
            size: stored.request.size.clone(),
            backend: stored.request.backend.clone(),
            sha256: meta["sha256"].as_str().unwrap_or_default().to_owned(),
            bytes: meta["bytes"].as_u64().unwrap_or(0),
            user_id: stored.request.user_id.clone(),
            metadata: stored.image.metadata.clone(),
            created_at: meta["timestamp"].as_f64().unwrap_or_else(now),
        };
        let created = store
            .insert_image(&record)
            .map_err(|e| StepError::Store(format!("cannot store the image metadata: {e}")))?;
        Ok(StoredImage { created, attempt })
    })
    .await
}

/// Each activity runs the plain function of its name above (direct calls run them too).
#[activities]
impl ImageActivities {
    #[activity(name = "check_content_safety")]
    pub async fn check_content_safety(
        self: Arc<Self>,
        ctx: ActivityContext,
        prompt: String,
    ) -> Result<SafetyCheck, ActivityError> {
        let attempt = self.faults.enter("check_content_safety", &ctx).await?;
        Ok(check_content_safety(&prompt, attempt))
    }

    #[activity(name = "generate_image")]
    pub async fn generate_image(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: ImageGenerationRequest,
    ) -> Result<GeneratedImage, ActivityError> {
        let attempt = self.faults.enter("generate_image", &ctx).await?;
        let info = ctx.info();
        let workflow_id = info.workflow_id.as_deref().unwrap_or("standalone");
        let run_id = info.workflow_run_id.as_deref().unwrap_or_default();
        let stem = file_stem(&request.backend, workflow_id, run_id);
        let work = generate_image(
            &self.settings,
            &self.http,
            self.store.artifacts_dir(),
            request,
            &stem,
            attempt,
        );
        supervised(&ctx, work).await
    }

    #[activity(name = "store_image_metadata")]
    pub async fn store_image_metadata(
        self: Arc<Self>,
        ctx: ActivityContext,
        stored: ImageToStore,
    ) -> Result<StoredImage, ActivityError> {
        let attempt = self.faults.enter("store_image_metadata", &ctx).await?;
        let workflow_id = ctx.info().workflow_id.clone();
        let work = store_image_metadata(self.store.clone(), stored, workflow_id, attempt);
        self.faults.leave(
            "store_image_metadata",
            attempt,
            supervised(&ctx, work).await,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_stable() {
        assert_eq!(
            file_stem("local", "image gen/1", "0194-abcd-ef01"),
            "local_image_gen_1_abcdef01"
        );
    }
}
