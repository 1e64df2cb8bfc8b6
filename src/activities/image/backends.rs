//! The three ways to make an image: `local` (the procedural renderer, offline), `openai`
//! (the Images API, dall-e-3) and `huggingface` (the Inference API, text-to-image).

use base64::Engine;
use serde_json::json;

use super::http::{BackendError, send};
use super::prompt::{SAFETY_NEGATIVE, check_openai_size};
use super::render;
use super::settings::{HUGGINGFACE_KEY_ENV, ImageSettings, OPENAI_KEY_ENV};

pub const BACKENDS: &[&str] = &["local", "openai", "huggingface"];

/// Image bytes as a backend made them.
#[derive(Debug, Clone)]
pub struct Made {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
    pub model: String,
    /// The prompt the service says it used, when it rewrote ours.
    pub revised_prompt: Option<String>,
}

/// The file type of image bytes, from their magic number.
pub fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("jpg"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("webp"),
        [b'G', b'I', b'F', b'8', ..] => Some("gif"),
        _ => None,
    }
}

fn image(
    bytes: Vec<u8>,
    model: String,
    revised_prompt: Option<String>,
    what: &str,
) -> Result<Made, BackendError> {
    match image_extension(&bytes) {
        Some(extension) => Ok(Made {
            bytes,
            extension,
            model,
            revised_prompt,
        }),
        None => Err(BackendError::Final(format!(
            "{what} answered with something that is not an image: {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ))),
    }
}

fn missing_key(backend: &str, variable: &str) -> BackendError {
    BackendError::Final(format!(
        "the {backend} backend needs the API key in {variable}; set it, or use backend=\"local\" for the offline renderer"
    ))
}

/// The procedural renderer, as a PNG with the prompt, style, backend and seed in text chunks.
pub fn local(
    prompt: &str,
    style: &str,
    width: u32,
    height: u32,
    seed: u64,
    progress: impl FnMut(f32),
) -> Result<Made, BackendError> {
    let pixels = render::render(style, width, height, seed, progress);
    let text = [
        ("prompt", prompt.to_owned()),
        ("style", style.to_owned()),
        ("backend", "local".to_owned()),
        ("seed", seed.to_string()),
        (
            "Software",
            "project-ai-temporal local renderer (procedural, not a model)".to_owned(),
        ),
    ];
    let bytes = crate::files::encode_png(&pixels, width, height, &text)
        .map_err(|e| BackendError::Transient(format!("cannot encode the PNG: {e}")))?;
    Ok(Made {
        bytes,
        extension: "png",
        model: "procedural".into(),
        revised_prompt: None,
    })
}

/// The OpenAI Images API: dall-e-3, quality standard, one image; a returned URL or base64.
pub async fn openai(
    settings: &ImageSettings,
    http: &reqwest::Client,
    prompt: &str,
    width: u32,
    height: u32,
) -> Result<Made, BackendError> {
    let key = settings
        .openai_api_key
        .as_deref()
        .ok_or_else(|| missing_key("openai", OPENAI_KEY_ENV))?;
    let size = check_openai_size(width, height).map_err(BackendError::Final)?;
    let url = format!("{}/images/generations", settings.openai_base_url);
    let body =
        json!({"model": "dall-e-3", "prompt": prompt, "n": 1, "size": size, "quality": "standard"});
    let response = send(settings, "OpenAI Images API", || {
        http.post(&url).bearer_auth(key).json(&body)
    })
    .await?;
    let answer: serde_json::Value = response.json().await.map_err(|e| {
        BackendError::Transient(format!("OpenAI Images API: unreadable answer: {e}"))
    })?;
    let item = answer.pointer("/data/0").ok_or_else(|| {
        BackendError::Final("OpenAI Images API: no image data in the answer".into())
    })?;
    let revised = item
        .get("revised_prompt")
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    let bytes = if let Some(b64) = item.get("b64_json").and_then(|v| v.as_str()) {
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| {
                BackendError::Final(format!("OpenAI Images API: b64_json is not base64: {e}"))
            })?
    } else if let Some(link) = item.get("url").and_then(|v| v.as_str()) {
        let download = send(settings, "image download", || http.get(link)).await?;
        download
            .bytes()
            .await
            .map_err(|e| BackendError::Transient(format!("image download: {e}")))?
            .to_vec()
    } else {
        return Err(BackendError::Final(
            "OpenAI Images API: the answer has neither url nor b64_json".into(),
        ));
    };
    image(bytes, "dall-e-3".into(), revised, "OpenAI Images API")
}

/// The Hugging Face Inference API, text-to-image, with Project-AI's negative prompt.
pub async fn huggingface(
    settings: &ImageSettings,
    http: &reqwest::Client,
    prompt: &str,
    width: u32,
    height: u32,
) -> Result<Made, BackendError> {
    let key = settings
        .huggingface_api_key
        .as_deref()
        .ok_or_else(|| missing_key("huggingface", HUGGINGFACE_KEY_ENV))?;
    let url = format!(
        "{}/models/{}",
        settings.huggingface_base_url, settings.huggingface_model
    );
    let body = json!({
        "inputs": prompt,
        "parameters": {
            "negative_prompt": SAFETY_NEGATIVE,
            "width": width,
            "height": height,
            "num_inference_steps": 50,
            "guidance_scale": 7.5,
        }
    });
    let response = send(settings, "Hugging Face Inference API", || {
        http.post(&url).bearer_auth(key).json(&body)
    })
    .await?;
    let bytes = response
        .bytes()
        .await
        .map_err(|e| BackendError::Transient(format!("Hugging Face Inference API: {e}")))?;
    image(
        bytes.to_vec(),
        settings.huggingface_model.clone(),
        None,
        "Hugging Face Inference API",
    )
}
